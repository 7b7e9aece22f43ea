/* checkpw.c: the checkpassword interface, client side (see checkpw.h). */
#include "checkpw.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "home.h"
#include "log.h"
#include "str.h"

enum checkpw_result
checkpw_verdict(int code)
{
	if (code == 0)
		return PW_OK;
	return code == 1 ? PW_BAD : PW_TEMP;
}

static noreturn void
exec_checkpw(const char *prog, int rfd)
{
	int	 r = fcntl(rfd, F_DUPFD_CLOEXEC, 10);
	int	 null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* Not the client's connection: nothing the checker says may reach it. */
	if (r == -1 || null == -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
	    dup2(r, 3) == -1)
		_exit(111);
	execl(prog, prog, "/bin/true", (char *)NULL);
	_exit(111);
}

enum checkpw_result
checkpw_run(void *ctx, const char *user, const char *pass, const char *timestamp)
{
	struct str	 data = STR_INIT;
	char		 prog[PATH_MAX];
	int		 p[2] = { -1, -1 }, code, wrote;
	pid_t		 pid;

	(void)ctx;
	if (str_append(&data, user, strlen(user) + 1) == -1 ||
	    str_append(&data, pass, strlen(pass) + 1) == -1 ||
	    str_append(&data, timestamp, strlen(timestamp) + 1) == -1 ||
	    child_program(prog, sizeof prog, "STAMPCHECKPW", "stamp-checkpw") == -1 || pipe2(p, O_CLOEXEC) == -1 ||
	    (pid = fork()) == -1) {
		log_warn("event=auth reason=\"cannot run the password checker\"");
		str_free_secret(&data);
		if (p[0] != -1) {
			close(p[0]);
			close(p[1]);
		}
		return PW_TEMP;
	}
	if (pid == 0)
		exec_checkpw(prog, p[0]);
	close(p[0]);
	/* A checker that does not read its input must not stall us. */
	signal(SIGPIPE, SIG_IGN);
	wrote = fd_write_all(p[1], data.s, data.len, CHECKPW_WAIT_MS);
	close(p[1]);
	str_free_secret(&data);
	code = child_wait(pid, CHECKPW_WAIT_MS);
	if (code == -1) {
		log_warn("event=auth reason=\"password checker did not finish\"");
		return PW_TEMP;
	}
	/* One that stopped reading early has not seen the password: no verdict. */
	if (wrote == -1 && code == 0)
		return PW_TEMP;
	return checkpw_verdict(code);
}
