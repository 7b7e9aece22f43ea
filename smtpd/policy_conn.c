/*
 * policy_conn.c: connect to an inet: or unix: policy service, or start an
 * exec: one on a socket pair, and hold one request/answer exchange, all
 * bounded by one deadline. Sockets everywhere (even for exec:), so that a
 * peer that went away gives EPIPE from send(MSG_NOSIGNAL), never SIGPIPE.
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "policy_conn.h"
#include "sockconn.h"

long long
policy_now_ms(void)
{
	return sock_now_ms();
}

static int
left_ms(long long deadline)
{
	return sock_left_ms(deadline);
}

/* ---- parsing a control/policy line ---------------------------------- */

static int
parse_inet(const char *s, struct policy_service *sv, const char **why)
{
	return sock_parse_inet(s, sv->host, sizeof(sv->host), sv->port, sizeof(sv->port), why);
}

static int
parse_exec(char *args, struct policy_service *sv, const char **why)
{
	int	 n = 0;
	char	*save = NULL;

	for (char *w = strtok_r(args, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (n == POLICY_ARGS_MAX + 1) {
			*why = "exec: too many arguments";
			return -1;
		}
		sv->argv[n++] = w;
	}
	sv->argv[n] = NULL;
	if (n == 0 || sv->argv[0][0] != '/') {
		*why = "exec: needs an absolute program path";
		return -1;
	}
	if (strlcpy(sv->path, sv->argv[0], sizeof(sv->path)) >= sizeof(sv->path)) {
		*why = "exec: program path too long";
		return -1;
	}
	return 0;
}

int
policy_service_parse(const char *line, struct policy_service *sv, const char **why)
{
	char	*p;
	size_t	 wl;

	memset(sv, 0, sizeof(*sv));
	if (strlcpy(sv->spec, line, sizeof(sv->spec)) >= sizeof(sv->spec) ||
	    strlcpy(sv->argmem, line, sizeof(sv->argmem)) >= sizeof(sv->argmem)) {
		*why = "line too long";
		return -1;
	}
	p = sv->argmem;
	p += strspn(p, " \t");
	sv->at_rcpt = sv->at_eom = 1;
	wl = strcspn(p, " \t");
	if (wl == 4 && strncasecmp(p, "rcpt", 4) == 0)
		sv->at_eom = 0;
	else if (wl == 14 && strncasecmp(p, "end-of-message", 14) == 0)
		sv->at_rcpt = 0;
	if (!sv->at_rcpt || !sv->at_eom) {
		p += wl;
		p += strspn(p, " \t");
	}
	if (strncmp(p, "inet:", 5) == 0) {
		sv->kind = PK_INET;
		if (p[5 + strcspn(p + 5, " \t")] != '\0') {
			*why = "inet: takes no arguments";
			return -1;
		}
		return parse_inet(p + 5, sv, why);
	}
	if (strncmp(p, "unix:", 5) == 0) {
		sv->kind = PK_UNIX;
		if (p[5] != '/' || p[5 + strcspn(p + 5, " \t")] != '\0') {
			*why = "unix: needs one absolute socket path";
			return -1;
		}
		if (strlcpy(sv->path, p + 5, sizeof(sv->path)) >=
		    sizeof(((struct sockaddr_un *)0)->sun_path)) {
			*why = "unix: socket path too long";
			return -1;
		}
		return 0;
	}
	if (strncmp(p, "exec:", 5) == 0) {
		sv->kind = PK_EXEC;
		return parse_exec(p + 5, sv, why);
	}
	*why = "not inet:HOST:PORT, unix:/path or exec:/path";
	return -1;
}

/* Start the program on one end of a socket pair (its stdin and stdout). */
static int
spawn_exec(const struct policy_service *sv, pid_t *pid)
{
	int	sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	if ((*pid = fork()) == -1) {
		int e = errno;
		close(sp[0]);
		close(sp[1]);
		errno = e;
		return -1;
	}
	if (*pid == 0) {
		sigset_t none;

		/* Ignored signals and the mask survive exec: give the program a clean start. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (dup2(sp[1], 0) == -1 || dup2(sp[1], 1) == -1)
			_exit(127);
		/* Nothing of the session (the client's socket above all) leaks in. */
		close_range(3, ~0U, 0);
		execv(sv->path, sv->argv);
		_exit(127);
	}
	close(sp[1]);
	if (fcntl(sp[0], F_SETFL, O_NONBLOCK) == -1) {
		int e = errno;
		close(sp[0]);
		errno = e;
		return -1;
	}
	return sp[0];
}

/*
 * Reap the exec: child: it should exit on EOF; one that lingers is killed.
 * The kill goes through a pidfd when there is one, so that a pid reaped
 * elsewhere meanwhile (and perhaps reused) is never signalled.
 */
static void
reap(pid_t pid, long long deadline)
{
	int	status, r, pfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pfd != -1) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		while (poll(&p, 1, left_ms(deadline)) == -1 && errno == EINTR)
			;
	}
	r = waitpid(pid, &status, WNOHANG);
	if (r == 0) {
		if (pfd != -1)
			syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
		else
			kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	if (pfd != -1)
		close(pfd);
}

/* ---- one exchange --------------------------------------------------- */

struct deadline_ctx { long long deadline; };

/* rbuf reader that never waits past the deadline, whatever each read does. */
static ssize_t
read_by_deadline(void *ctx, int fd, void *dst, size_t n, int timeout_ms)
{
	struct deadline_ctx *d = ctx;
	int left = left_ms(d->deadline);

	(void)timeout_ms;
	if (left == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return fd_read_timeout(NULL, fd, dst, n, left);
}

enum policy_read
policy_exchange_fd(int fd, const char *request, size_t len, long long deadline,
    struct str *action)
{
	char			mem[POLICY_LINE_MAX * 2];
	struct rbuf		rb;
	struct deadline_ctx	d = { deadline };

	if (left_ms(deadline) == 0) {
		errno = ETIMEDOUT;
		return PREAD_ERROR;
	}
	if (fd_write_all(fd, request, len, left_ms(deadline)) == -1)
		return PREAD_ERROR;
	rbuf_init(&rb, fd, mem, sizeof(mem), left_ms(deadline));
	rbuf_set_reader(&rb, read_by_deadline, &d);
	return policy_read_answer(&rb, action);
}

enum policy_read
policy_exchange(const struct policy_service *sv, const char *request, size_t len,
    int timeout_ms, struct str *action)
{
	long long		deadline = policy_now_ms() + timeout_ms;
	pid_t			pid = -1;
	int			fd, e;
	enum policy_read	r;

	switch (sv->kind) {
	case PK_INET: fd = sock_connect_inet(sv->host, sv->port, deadline); break;
	case PK_UNIX: fd = sock_connect_unix(sv->path, deadline); break;
	default:      fd = spawn_exec(sv, &pid); break;
	}
	if (fd == -1)
		return PREAD_ERROR;
	r = policy_exchange_fd(fd, request, len, deadline, action);
	e = errno;
	close(fd);
	if (pid > 0)
		reap(pid, policy_now_ms() + 1000);
	errno = e;
	return r;
}
