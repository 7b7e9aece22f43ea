/* qserve.c: the kept stamp-queue --serve (see qserve.h). */
#include "qserve.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "fdpass.h"
#include "qexit.h"
#include "uniq.h"

/*
 * The one server of this process (a worker serves its sessions one at a
 * time, and the server outlives each session, so it cannot live in one).
 */
static struct {
	pid_t		 pid;
	int		 fd;
	unsigned long	 served;	/* replies it gave */
} srv = { -1, -1, 0 };

/* The server's socket on its fd 0; fd 1 is /dev/null, never the client. 0, or -1 with errno. */
static int
start(const char *prog)
{
	posix_spawn_file_actions_t fa;
	char		*argv[] = { (char *)prog, "--serve", NULL };
	int		 sv[2], err;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if ((err = posix_spawn_file_actions_init(&fa)) == 0) {
		if ((err = posix_spawn_file_actions_adddup2(&fa, sv[1], 0)) == 0 &&
		    (err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)) == 0)
			err = posix_spawn(&srv.pid, prog, &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(sv[1]);
	if (err != 0) {
		close(sv[0]);
		srv.pid = -1;
		errno = err;
		return -1;
	}
	srv.fd = sv[0];
	srv.served = 0;
	return 0;
}

/* The server is gone or must go: close our end and collect its exit code. */
static int
stop(int wait_ms)
{
	int	 code = -1;

	if (srv.fd != -1)
		close(srv.fd);
	if (srv.pid != -1)
		code = child_wait(srv.pid, wait_ms);
	srv.fd = srv.pid = -1;
	return code;
}

/* "CODE ID": the code, and the ID into qid when it is one. -1 when malformed. */
static int
parse_reply(char *r, char *qid, size_t qidsz)
{
	const char	*err = NULL;
	char		*sp = strchr(r, ' ');
	int		 code;

	if (sp == NULL)
		return -1;
	*sp = '\0';
	code = (int)strtonum(r, 0, 255, &err);
	if (err != NULL)
		return -1;
	if (qid_valid(sp + 1))
		strlcpy(qid, sp + 1, qidsz);
	return code;
}

/* Wait for the reply to the request just sent. */
static int
await(int wait_ms, char *qid, size_t qidsz)
{
	struct pollfd	 p = { .fd = srv.fd, .events = POLLIN };
	char		 r[QSERVE_REPLY_MAX + 1];
	int		 nfds, fds[1], n, code;
	ssize_t		 len;

	do
		n = poll(&p, 1, wait_ms);
	while (n == -1 && errno == EINTR);
	if (n == 0) {
		stop(0);	/* child_wait(0) kills it */
		errno = ETIMEDOUT;
		return -1;
	}
	len = fdpass_recv(srv.fd, r, sizeof r - 1, fds, 0, &nfds);
	if (len <= 0) {
		/* Gone mid-message: its exit code (or signal) is the message's. */
		code = stop(wait_ms);
		return code == 0 ? QX_BUG : code;
	}
	r[len] = '\0';
	srv.served++;
	if ((code = parse_reply(r, qid, qidsz)) == -1) {
		stop(wait_ms);
		return QX_BUG;
	}
	return code;
}

int
qserve_inject(const char *prog, int msgfd, int envfd, int wait_ms, char *qid, size_t qidsz)
{
	const int	 fds[2] = { msgfd, envfd };
	unsigned long	 served;
	int		 code;

	qid[0] = '\0';
	for (int tries = 0; tries < 2; tries++) {
		if (srv.fd == -1 && start(prog) == -1)
			return -1;
		if (fdpass_send(srv.fd, "M", 1, fds, 2) == 0)
			return await(wait_ms, qid, qidsz);
		if (errno != EPIPE && errno != ECONNRESET)
			return -1;
		/* It never saw the request: it died idle (start another), or at its start (say why). */
		served = srv.served;
		code = stop(wait_ms);
		if (served == 0 && code > 0)
			return code;
	}
	errno = EPIPE;
	return -1;
}
