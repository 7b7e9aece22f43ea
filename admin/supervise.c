/*
 * supervise.c: start stamp-run's children with ready pipes, wait for them,
 * relay SIGHUP, and stop them all when one dies or when we are told to.
 */
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "home.h"
#include "log.h"
#include "supervise.h"

#define READY_FD 3

static sigset_t sup_sigs, sup_oldmask;

int
sup_init(struct sup *s)
{
	memset(s, 0, sizeof *s);
	sigemptyset(&sup_sigs);
	sigaddset(&sup_sigs, SIGINT);
	sigaddset(&sup_sigs, SIGTERM);
	sigaddset(&sup_sigs, SIGHUP);
	sigaddset(&sup_sigs, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &sup_sigs, &sup_oldmask) == -1 ||
	    (s->sigfd = signalfd(-1, &sup_sigs, SFD_CLOEXEC | SFD_NONBLOCK)) == -1) {
		log_warn("action=signalfd");
		return -1;
	}
	return 0;
}

struct sup_child *
sup_add(struct sup *s, const char *what, const char *prog, const char *addr)
{
	struct sup_child *c;

	if (s->n == SUP_MAX)
		fatalx(1, "reason=\"too many children\"");
	c = &s->c[s->n++];
	memset(c, 0, sizeof *c);
	c->what = what;
	c->prog = prog;
	c->addr = addr;
	c->readyfd = -1;
	return c;
}

/* In the child: fd 3 is the ready pipe, signals as they were, exec. */
static void
exec_child(const struct sup_child *c, const char *path, int wfd)
{
	const char	*argv[SUP_ARGS + 2];
	int		 i;

	/* stamp-run killed outright takes its children along. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		_exit(111);
	if (wfd == READY_FD) {
		if (fcntl(wfd, F_SETFD, 0) == -1)
			_exit(111);
	} else if (dup2(wfd, READY_FD) == -1) {
		_exit(111);
	}
	sigprocmask(SIG_SETMASK, &sup_oldmask, NULL);
	argv[0] = c->prog;
	for (i = 0; c->argv[i] != NULL && i < SUP_ARGS; i++)
		argv[i + 1] = c->argv[i];
	argv[i + 1] = NULL;
	execv(path, (char *const *)argv);
	log_warn("action=exec program=%s", path);
	_exit(111);
}

static int
start_one(struct sup_child *c)
{
	char	 path[HOME_PATH_MAX];
	int	 p[2];
	pid_t	 pid;

	if (sibling_path(path, sizeof path, c->prog) == -1) {
		log_warnx("action=start program=%s reason=\"path too long\"", c->prog);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("action=pipe program=%s", c->prog);
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_warn("action=fork program=%s", c->prog);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		exec_child(c, path, p[1]);
	close(p[1]);
	c->pid = pid;
	c->readyfd = p[0];
	return 0;
}

int
sup_start(struct sup *s)
{
	for (int i = 0; i < s->n; i++)
		if (start_one(&s->c[i]) == -1) {
			sup_stop(s, 10000);
			return -1;
		}
	return 0;
}

static struct sup_child *
by_pid(struct sup *s, pid_t pid)
{
	for (int i = 0; i < s->n; i++)
		if (s->c[i].pid == pid)
			return &s->c[i];
	return NULL;
}

static int
exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Reap what exited; the first child that went is returned (NULL: none). */
static struct sup_child *
reap(struct sup *s)
{
	struct sup_child *c, *first = NULL;
	int		 status;
	pid_t		 pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((c = by_pid(s, pid)) == NULL)
			continue;
		c->pid = 0;
		c->status = status;
		if (first == NULL)
			first = c;
		if (!s->stop || exit_code(status) != 0)
			log_info("action=child-exit program=%s what=%s status=%d", c->prog, c->what,
			    exit_code(status));
	}
	return first;
}

/* Drain the signalfd: SIGHUP is passed on, SIGINT/SIGTERM set stop. */
static void
take_signals(struct sup *s)
{
	struct signalfd_siginfo	 si;

	while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
			if (!s->stop)
				log_info("action=stop signal=%u", si.ssi_signo);
			s->stop = 1;
		} else if (si.ssi_signo == SIGHUP) {
			log_info("action=reload");
			for (int i = 0; i < s->n; i++)
				if (s->c[i].pid > 0 && kill(s->c[i].pid, SIGHUP) == -1)
					log_warn("action=signal program=%s", s->c[i].prog);
		}
	}
}

static int
not_ready(const struct sup *s)
{
	int	 n = 0;

	for (int i = 0; i < s->n; i++)
		n += s->c[i].readyfd >= 0;
	return n;
}

/* A child's ready pipe is readable: "ready" (or any word) then EOF. */
static int
read_ready(struct sup_child *c)
{
	char	 buf[64];
	ssize_t	 r = read(c->readyfd, buf, sizeof buf);

	if (r == -1 && errno == EINTR)
		return 0;
	close(c->readyfd);
	c->readyfd = -1;
	if (r <= 0) {
		log_warnx("action=start program=%s what=%s reason=\"it did not start; see its "
		    "messages above\"", c->prog, c->what);
		return -1;
	}
	return 0;
}

int
sup_await_ready(struct sup *s, int timeout_ms)
{
	struct pollfd	 pfd[SUP_MAX + 1];
	struct sup_child *who[SUP_MAX];
	long long	 deadline = mono_ms() + timeout_ms;
	struct sup_child *gone;
	int		 n, left;

	while (not_ready(s) > 0) {
		n = 0;
		for (int i = 0; i < s->n; i++)
			if (s->c[i].readyfd >= 0) {
				who[n] = &s->c[i];
				pfd[n++] = (struct pollfd){ .fd = s->c[i].readyfd, .events = POLLIN };
			}
		pfd[n] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
		if ((left = (int)(deadline - mono_ms())) <= 0) {
			for (int i = 0; i < n; i++)
				log_warnx("action=start program=%s what=%s reason=\"not ready after "
				    "%d s\"", who[i]->prog, who[i]->what, timeout_ms / 1000);
			return -1;
		}
		if (poll(pfd, (nfds_t)n + 1, left) == -1 && errno != EINTR) {
			log_warn("action=poll");
			return -1;
		}
		for (int i = 0; i < n; i++)
			if (pfd[i].revents != 0 && read_ready(who[i]) == -1)
				return -1;
		take_signals(s);
		if (s->stop)
			return -1;
		/* A child that is gone is noticed through its pipe (EOF); reap it. */
		if ((gone = reap(s)) != NULL && gone->readyfd < 0 && not_ready(s) > 0) {
			log_warnx("action=start program=%s what=%s reason=\"exited (status %d) "
			    "before the others were ready\"", gone->prog, gone->what,
			    exit_code(gone->status));
			return -1;
		}
	}
	return 0;
}

int
sup_watch(struct sup *s)
{
	struct pollfd	 pfd = { .fd = s->sigfd, .events = POLLIN };
	struct sup_child *gone;

	for (;;) {
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR) {
			log_warn("action=poll");
			return -1;
		}
		take_signals(s);
		if ((gone = reap(s)) != NULL) {
			log_warnx("reason=\"%s (%s) exited with status %d; stopping everything\"",
			    gone->prog, gone->what, exit_code(gone->status));
			return -1;
		}
		if (s->stop)
			return 0;
	}
}

static int
running(const struct sup *s)
{
	int	 n = 0;

	for (int i = 0; i < s->n; i++)
		n += s->c[i].pid > 0;
	return n;
}

void
sup_stop(struct sup *s, int grace_ms)
{
	struct pollfd	 pfd = { .fd = s->sigfd, .events = POLLIN };
	long long	 deadline = mono_ms() + grace_ms;
	int		 left;

	s->stop = 1;
	for (int i = 0; i < s->n; i++)
		if (s->c[i].pid > 0 && kill(s->c[i].pid, SIGTERM) == -1 && errno != ESRCH)
			log_warn("action=signal program=%s", s->c[i].prog);
	for (;;) {
		reap(s);
		if (running(s) == 0)
			return;
		if ((left = (int)(deadline - mono_ms())) <= 0)
			break;
		if (poll(&pfd, 1, left) > 0)
			take_signals(s);
	}
	for (int i = 0; i < s->n; i++)
		if (s->c[i].pid > 0) {
			log_warnx("action=kill program=%s what=%s reason=\"still running after %d s\"",
			    s->c[i].prog, s->c[i].what, grace_ms / 1000);
			kill(s->c[i].pid, SIGKILL);
		}
	while (running(s) > 0) {
		int	 status;
		pid_t	 pid = waitpid(-1, &status, 0);
		struct sup_child *c;

		if (pid == -1 && errno != EINTR)
			break;
		if (pid > 0 && (c = by_pid(s, pid)) != NULL)
			c->pid = 0;
	}
}
