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

static int
program(char *out, size_t outsz)
{
	const char	*env = getenv("STAMPCHECKPW");

	if (env != NULL && *env != '\0') {
		if (strlcpy(out, env, outsz) >= outsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return 0;
	}
	return sibling_path(out, outsz, "stamp-checkpw");
}

static noreturn void
exec_checkpw(const char *prog, int rfd)
{
	int	 r = fcntl(rfd, F_DUPFD_CLOEXEC, 10);

	if (r == -1 || dup2(r, 3) == -1)
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
	    program(prog, sizeof prog) == -1 || pipe2(p, O_CLOEXEC) == -1 ||
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
