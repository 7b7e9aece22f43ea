/* spawner.c: start delivery agents and collect their results (spawner.h). */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "home.h"
#include "log.h"
#include "spawner.h"
#include "str.h"

#define SPAWN_ARGS_MAX 512

struct child {
	pid_t    pid;
	unsigned job;
	int      out;          /* read end of the agent's fd 1, -1 after EOF */
	time_t   deadline;
	char    *buf;
	size_t   len;
};

struct spawner {
	int           sock;
	int           as_root;
	uid_t         ruid;
	gid_t         rgid;
	struct child *c;
	size_t        n, cap;
};

/* ---- the scheduler's side ---------------------------------------------- */

int
spawn_send(int sock, const struct spawn_job *j)
{
	struct str	 req = STR_INIT;
	struct msghdr	 mh;
	struct iovec	 iov;
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } cm;
	struct cmsghdr	*c;
	ssize_t		 w;

	str_appendf(&req, "%u", j->job);
	str_appendc(&req, '\0');
	str_append(&req, j->lmtp != NULL ? "M" : j->local ? "L" : "R", 2);
	str_append(&req, j->id, strlen(j->id) + 1);
	str_append(&req, j->sender, strlen(j->sender) + 1);
	if (j->lmtp != NULL)
		str_append(&req, j->lmtp, strlen(j->lmtp) + 1);
	else if (!j->local)
		str_append(&req, j->domain, strlen(j->domain) + 1);
	for (size_t i = 0; i < j->nrcpts; i++)
		str_append(&req, j->rcpts[i], strlen(j->rcpts[i]) + 1);
	if (req.s == NULL || req.len > SPAWN_REQ_MAX) {
		str_free(&req);
		errno = req.s == NULL ? ENOMEM : EMSGSIZE;
		return -1;
	}
	memset(&mh, 0, sizeof mh);
	memset(&cm, 0, sizeof cm);
	iov.iov_base = req.s;
	iov.iov_len = req.len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	mh.msg_controllen = sizeof cm.b;
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &j->msgfd, sizeof(int));
	do
		w = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (w == -1 && errno == EINTR);
	str_free(&req);
	return w == -1 ? -1 : 0;
}

int
spawn_recv(int sock, unsigned *job, char *out, size_t outsz, size_t *outlen)
{
	static char	 buf[SPAWN_OUT_MAX + 32];
	ssize_t		 r;
	char		*nul;

	do
		r = recv(sock, buf, sizeof buf - 1, 0);
	while (r == -1 && errno == EINTR);
	if (r <= 0)
		return (int)r;
	buf[r] = '\0';
	if ((nul = memchr(buf, '\0', (size_t)r)) == NULL) {
		errno = EPROTO;
		return -1;
	}
	*job = (unsigned)strtoul(buf, NULL, 10);
	*outlen = (size_t)r - (size_t)(nul + 1 - buf);
	if (*outlen >= outsz)
		*outlen = outsz - 1;
	memcpy(out, nul + 1, *outlen);
	out[*outlen] = '\0';
	return 1;
}

/* ---- the spawner process ------------------------------------------------ */

/* Split a request into argv for the agent; returns the count or -1. */
static int
build_argv(char *req, size_t len, char **argv, size_t max, unsigned *job,
    char *prog, size_t progsz)
{
	char	*fields[SPAWN_ARGS_MAX];
	size_t	 nf = 0, i = 0, a = 0;
	const char *name;

	if (len == 0 || req[len - 1] != '\0')
		return -1;
	while (i < len && nf < SPAWN_ARGS_MAX) {
		fields[nf++] = req + i;
		i += strlen(req + i) + 1;
	}
	if (i < len || nf < 5)
		return -1;
	*job = (unsigned)strtoul(fields[0], NULL, 10);
	if (strcmp(fields[1], "L") == 0)
		name = "stamp-local";
	else if (strcmp(fields[1], "R") == 0)
		name = "stamp-remote";
	else if (strcmp(fields[1], "M") == 0)
		name = "stamp-lmtp";
	else
		return -1;
	if (sibling_path(prog, progsz, name) == -1)
		return -1;
	if (nf + 4 > max)
		return -1;
	argv[a++] = (char *)name;
	argv[a++] = "--home";
	argv[a++] = (char *)home_dir();
	for (size_t f = 2; f < nf; f++)
		argv[a++] = fields[f];
	argv[a] = NULL;
	return (int)a;
}

static int
recv_request(int sock, char *buf, size_t bufsz, size_t *len, int *fd)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } cm;
	struct cmsghdr	*c;
	ssize_t		 r;

	memset(&mh, 0, sizeof mh);
	iov.iov_base = buf;
	iov.iov_len = bufsz;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	mh.msg_controllen = sizeof cm.b;
	*fd = -1;
	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (r == -1 && errno == EINTR);
	if (r <= 0)
		return (int)r;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	*len = (size_t)r;
	return 1;
}

static void
reply(struct spawner *s, unsigned job, const char *out, size_t len)
{
	struct str	 r = STR_INIT;

	if (str_appendf(&r, "%u", job) == -1 || str_appendc(&r, '\0') == -1 ||
	    str_append(&r, out, len) == -1) {
		log_warnx("action=reply job=%u reason=\"out of memory\"", job);
		str_free(&r);
		return;
	}
	if (send(s->sock, r.s, r.len, MSG_NOSIGNAL) == -1)
		log_warn("action=reply job=%u", job);
	str_free(&r);
}

/* stamp-remote and stamp-lmtp run as stampr; stamp-local switches users itself. */
static int
runs_as_stampr(char **argv)
{
	return strcmp(argv[0], "stamp-remote") == 0 || strcmp(argv[0], "stamp-lmtp") == 0;
}

/* In the child: become who the agent runs as, wire fds, exec. */
static void
exec_agent(struct spawner *s, const char *prog, char **argv, int msgfd, int out)
{
	int	 remote = runs_as_stampr(argv);

	if (dup2(msgfd, 0) == -1 || dup2(out, 1) == -1)
		_exit(111);
	if (s->as_root && remote && (setgroups(0, NULL) == -1 ||
	    setgid(s->rgid) == -1 || setuid(s->ruid) == -1 || getuid() == 0))
		_exit(111);
	signal(SIGPIPE, SIG_DFL);
	execv(prog, argv);
	dprintf(1, "Z 4.3.0 cannot run %s: %s\n", prog, strerror(errno));
	_exit(111);
}

/*
 * posix_spawn prog with msgfd on 0 and out on 1, SIGPIPE at its default:
 * the same as exec_agent without a change of user, at a vfork's cost
 * instead of a fork's. Each fd is first moved above both sources so the
 * dup2 onto 0 or 1 clobbers neither. 0, or an errno value.
 */
static int
spawn_agent(pid_t *pid, const char *prog, char **argv, int msgfd, int out)
{
	extern char		**environ;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t	 at;
	sigset_t		 def;
	int			 high = (msgfd > out ? msgfd : out) + 1, err;

	if (high < 2)
		high = 2;
	if ((err = posix_spawn_file_actions_init(&fa)) != 0)
		return err;
	if ((err = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return err;
	}
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	if ((err = posix_spawnattr_setsigdefault(&at, &def)) == 0 &&
	    (err = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF)) == 0 &&
	    (err = posix_spawn_file_actions_adddup2(&fa, msgfd, high)) == 0 &&
	    (err = posix_spawn_file_actions_adddup2(&fa, out, high + 1)) == 0 &&
	    (err = posix_spawn_file_actions_adddup2(&fa, high, 0)) == 0 &&
	    (err = posix_spawn_file_actions_adddup2(&fa, high + 1, 1)) == 0 &&
	    (err = posix_spawn_file_actions_addclose(&fa, high)) == 0 &&
	    (err = posix_spawn_file_actions_addclose(&fa, high + 1)) == 0)
		err = posix_spawn(pid, prog, &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return err;
}

/*
 * The agent could not be started (no descriptors, no processes, no memory):
 * a temporary failure that says so, not the empty reply of an agent that
 * crashed, so the operator sees which limit to raise.
 */
static void
refuse(struct spawner *s, unsigned job, const char *prog, int err)
{
	const char *hint = err == EAGAIN ? ": too many processes (RLIMIT_NPROC)" :
	    err == EMFILE || err == ENFILE ? ": out of descriptors (RLIMIT_NOFILE)" : "";
	char	 text[512];
	int	 n = snprintf(text, sizeof text, "Z 4.3.0 cannot run %s: %s%s\n", prog,
	    strerror(err), hint);

	log_warnx("action=spawn job=%u prog=%s error=\"%s%s\"", job, prog, strerror(err), hint);
	reply(s, job, text, n > 0 && (size_t)n < sizeof text ? (size_t)n : 0);
}

static void
start_agent(struct spawner *s, char *req, size_t len, int msgfd)
{
	char		*argv[SPAWN_ARGS_MAX + 8], prog[4096];
	unsigned	 job = 0;
	int		 p[2];
	pid_t		 pid;
	struct child	*c;

	if (build_argv(req, len, argv, SPAWN_ARGS_MAX + 8, &job, prog, sizeof prog) == -1) {
		log_warnx("action=spawn reason=\"malformed request\"");
		reply(s, job, "", 0);
		return;
	}
	if (msgfd == -1) {
		/* The scheduler always sends one: the kernel dropped it, out of descriptors here. */
		refuse(s, job, prog, EMFILE);
		return;
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 32;
		struct child *nc = reallocarray(s->c, ncap, sizeof *nc);
		if (nc == NULL) {
			refuse(s, job, prog, ENOMEM);
			return;
		}
		s->c = nc;
		s->cap = ncap;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		refuse(s, job, prog, errno);
		return;
	}
	if (!(s->as_root && runs_as_stampr(argv))) {
		/* No change of user in the child: no need to copy this process for it. */
		int err = spawn_agent(&pid, prog, argv, msgfd, p[1]);
		if (err != 0) {
			close(p[0]);
			close(p[1]);
			refuse(s, job, prog, err);
			return;
		}
	} else if ((pid = fork()) == -1) {
		int err = errno;

		close(p[0]);
		close(p[1]);
		refuse(s, job, prog, err);
		return;
	} else if (pid == 0)
		exec_agent(s, prog, argv, msgfd, p[1]);
	close(p[1]);
	c = &s->c[s->n++];
	memset(c, 0, sizeof *c);
	c->pid = pid;
	c->job = job;
	c->out = p[0];
	c->deadline = time(NULL) + SPAWN_DEADLINE;
}

/* Read what the agent wrote; on EOF, wait for it and reply. 1 when done. */
static int
drain(struct child *c)
{
	char	 tmp[4096];
	ssize_t	 r;

	r = read(c->out, tmp, sizeof tmp);
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r > 0) {
		size_t keep = (size_t)r;
		if (c->len + keep > SPAWN_OUT_MAX)
			keep = SPAWN_OUT_MAX - c->len;
		char *nb = realloc(c->buf, c->len + keep + 1);
		if (nb != NULL) {
			memcpy(nb + c->len, tmp, keep);
			c->buf = nb;
			c->len += keep;
		}
		return 0;
	}
	close(c->out);
	c->out = -1;
	return 1;
}

static void
finish(struct spawner *s, size_t i)
{
	struct child	*c = &s->c[i];
	int		 status;

	while (waitpid(c->pid, &status, 0) == -1 && errno == EINTR)
		;
	reply(s, c->job, c->buf != NULL ? c->buf : "", c->len);
	free(c->buf);
	s->c[i] = s->c[--s->n];
}

static void
kill_overdue(struct spawner *s, time_t now)
{
	for (size_t i = 0; i < s->n; i++)
		if (now > s->c[i].deadline && s->c[i].pid > 0) {
			log_warnx("action=kill job=%u pid=%d reason=\"agent ran past %d seconds\"",
			    s->c[i].job, (int)s->c[i].pid, SPAWN_DEADLINE);
			kill(s->c[i].pid, SIGKILL);
			s->c[i].deadline = now + 60;
		}
}

static noreturn void
spawner_main(struct spawner *s)
{
	static char	 req[SPAWN_REQ_MAX];
	struct pollfd	*pfd = NULL;

	log_init("stamp-send/spawner");
	for (;;) {
		struct pollfd *np = reallocarray(pfd, s->n + 1, sizeof *np);
		if (np == NULL)
			fatalx(111, "action=poll reason=\"out of memory\"");
		pfd = np;
		pfd[0].fd = s->sock;
		pfd[0].events = POLLIN;
		for (size_t i = 0; i < s->n; i++) {
			pfd[i + 1].fd = s->c[i].out;
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, s->n + 1, 1000) == -1 && errno != EINTR)
			fatal(111, "action=poll");
		for (size_t i = s->n; i > 0; i--)
			if (pfd[i].revents != 0 && drain(&s->c[i - 1]))
				finish(s, i - 1);
		kill_overdue(s, time(NULL));
		if (pfd[0].revents != 0) {
			size_t len = 0;
			int fd, r = recv_request(s->sock, req, sizeof req, &len, &fd);
			if (r == 0)
				_exit(0);	/* the scheduler is gone; agents finish alone */
			if (r == 1) {
				start_agent(s, req, len, fd);
				if (fd != -1)
					close(fd);
			}
		}
	}
}

int
spawner_start(int as_root, uid_t ruid, gid_t rgid, int *sock, pid_t *pid)
{
	int		 sv[2], size = SPAWN_REQ_MAX + 4096;
	struct spawner	 s;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("action=socketpair");
		return -1;
	}
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	if ((*pid = fork()) == -1) {
		log_warn("action=fork-spawner");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (*pid == 0) {
		close(sv[0]);
		memset(&s, 0, sizeof s);
		s.sock = sv[1];
		s.as_root = as_root;
		s.ruid = ruid;
		s.rgid = rgid;
		signal(SIGINT, SIG_IGN);   /* the scheduler decides when to stop */
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGALRM, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		spawner_main(&s);
	}
	close(sv[1]);
	*sock = sv[0];
	return 0;
}
