/*
 * listen_worker.c: one worker of the pre-forking listener.
 *
 * It waits on every listening socket (non-blocking, shared with its
 * siblings: whoever wins accept4() serves the client) through an epoll set
 * of its own with EPOLLEXCLUSIVE, so that a new client wakes one idle
 * worker, not every one (with poll() each of 50 idle workers woke, lost
 * the race and went back to sleep, for every connection), checks the per-IP
 * limit on the scoreboard, runs the session callback, and goes back to
 * waiting, until the master asks it to retire (SIGHUP, too many idle
 * workers) or to stop (SIGTERM). SIGUSR1 is the master's knock: it is
 * blocked except inside ppoll() and inside a session, so a knock is never
 * lost between the check of the flags and the wait.
 */
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen_int.h"
#include "log.h"

/*
 * An idle worker also tries accept4() once a second by itself: a worker
 * woken for a client that then leaves (told to retire) wakes no sibling
 * in its place, and the client must not wait for the next one to come.
 */
#define IDLE_RECHECK_MS 1000

/* What the SIGUSR1 handler needs: it closes the listening sockets on stop. */
static struct board	*w_board;
static int		 w_fds[LISTEN_MAX_ADDRS];
static int		 w_nfds;

static void
on_knock(int sig)
{
	int	 e = errno;

	(void)sig;
	if (atomic_load(&w_board->stopping))
		for (int i = 0; i < w_nfds; i++)
			if (w_fds[i] >= 0) {
				close(w_fds[i]);
				w_fds[i] = -1;
			}
	errno = e;
}

static void
on_ignore(int sig)
{
	(void)sig;	/* a handler, not SIG_IGN: the session's children get the default */
}

static void
set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) == -1)
		fatal(111, "action=sigaction signal=%d", sig);
}

/* Signals as a worker wants them; returns the mask to wait and serve with. */
static void
worker_signals(sigset_t *open_mask)
{
	sigset_t	 usr1;

	set_handler(SIGUSR1, on_knock);
	set_handler(SIGINT, on_ignore);
	set_handler(SIGHUP, on_ignore);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* The master forks with every signal blocked; open all but SIGUSR1. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_SETMASK, &usr1, NULL);
	sigemptyset(open_mask);
}

static int
should_leave(const struct worker_ctx *w)
{
	return atomic_load(&w->board->stopping) ||
	    atomic_load(&w->board->slot[w->slot].retire);
}

static void
set_state(const struct worker_ctx *w, int state)
{
	atomic_store(&w->board->slot[w->slot].state, state);
	listen_notify(w->notify_fd);
}

/* Refuse a client over the per-IP limit, in the protocol's words if it has them. */
static void
refuse(const struct worker_ctx *w, int fd, const struct peer *p)
{
	int	 fl = fcntl(fd, F_GETFL);

	log_info("action=refuse reason=perip ip=%s limit=%d", p->remote_ip,
	    atomic_load(&w->board->perip));
	if (w->conf->refuse != NULL && fl != -1 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) != -1)
		w->conf->refuse(fd, p, LISTEN_OVER_PERIP, w->arg);
	close(fd);
}

/* The tcpserver-like options: the client on fd 0 and 1, its variables set. */
static int
session_setup(const struct worker_ctx *w, int fd, const struct peer *p)
{
	if (w->conf->tcpenv && peer_setenv(p) == -1) {
		log_warn("action=setenv");
		close(fd);
		return -1;
	}
	if (w->conf->stdio && (dup2(fd, 0) == -1 || dup2(fd, 1) == -1)) {
		log_warn("action=dup2");
		close(fd);
		return -1;
	}
	return 0;
}

/* fd 0 and 1 let go of the client, so that it sees the end of the session now. */
static void
session_teardown(const struct worker_ctx *w)
{
	int	 null;

	if (!w->conf->stdio)
		return;
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    dup2(null, 0) == -1 || dup2(null, 1) == -1)
		fatal(111, "action=reset-stdio");	/* the master forks a fresh worker */
	close(null);
}

static void
serve(const struct worker_ctx *w, int fd, const struct sockaddr_storage *ss,
    socklen_t sslen, const sigset_t *open_mask)
{
	struct sockaddr_storage	 local;
	socklen_t		 llen = sizeof local;
	struct peer		 p;
	uint8_t			 key[16];
	sigset_t		 closed;
	int			 c;

	set_state(w, SLOT_BUSY);
	if (getsockname(fd, (struct sockaddr *)&local, &llen) == -1)
		llen = 0;
	peer_from_addrs(&p, (const struct sockaddr *)ss, sslen,
	    (const struct sockaddr *)&local, llen);
	board_ip_key(ss, key);
	if ((c = board_claim(w->board, w->slot, key)) != 1) {
		if (c == 0)
			refuse(w, fd, &p);
		else {
			log_warnx("action=claim reason=\"scoreboard lock failed\"");
			close(fd);
		}
		return;
	}
	if (session_setup(w, fd, &p) == 0) {
		listen_title("%s: session %s", w->conf->name, p.remote_ip);
		sigprocmask(SIG_SETMASK, open_mask, &closed);
		w->session(fd, &p, w->arg);
		sigprocmask(SIG_SETMASK, &closed, NULL);
		session_teardown(w);
	}
	board_release(w->board, w->slot);
}

/* accept4 on each ready socket (ready[i]); the first client found is served: 1 then. */
static int
accept_ready(const struct worker_ctx *w, const int *ready, const sigset_t *open_mask)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd;

	for (int i = 0; i < w_nfds; i++) {
		if (w_fds[i] < 0 || !ready[i])
			continue;
		len = sizeof ss;
		fd = accept4(w_fds[i], (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd >= 0) {
			serve(w, fd, &ss, len, open_mask);
			return 1;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED || errno == EPROTO || errno == EBADF)
			continue;	/* a sibling won, the client left, or we stop */
		log_warn("action=accept");
		/* EMFILE, ENOBUFS...: back off instead of spinning on a ready socket. */
		poll(NULL, 0, 100);
		return 0;
	}
	return 0;
}

/* This worker's epoll set of the listening sockets, each waking one worker. */
static int
wait_set(void)
{
	struct epoll_event ev;
	int		 ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep == -1)
		fatal(111, "action=epoll_create");
	for (int i = 0; i < w_nfds; i++) {
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, w_fds[i], &ev) == -1) {
			/* A kernel before 4.5: every idle worker wakes, as with poll(). */
			ev.events = EPOLLIN;
			if (errno != EINVAL || epoll_ctl(ep, EPOLL_CTL_ADD, w_fds[i], &ev) == -1)
				fatal(111, "action=epoll_ctl");
		}
	}
	return ep;
}

noreturn void
worker_main(const struct worker_ctx *w)
{
	struct epoll_event ev[LISTEN_MAX_ADDRS];
	int		 ready[LISTEN_MAX_ADDRS];
	sigset_t	 open_mask;
	int		 n, ep, idle = 0;

	w_board = w->board;
	w_nfds = w->nfds;
	for (int i = 0; i < w->nfds; i++)
		w_fds[i] = w->fds[i];
	worker_signals(&open_mask);
	/* A master killed outright takes its workers along. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != w->master)
		exit(0);
	ep = wait_set();
	for (;;) {
		if (should_leave(w))
			exit(0);
		if (!idle) {
			listen_title("%s: idle", w->conf->name);
			set_state(w, SLOT_IDLE);
			idle = 1;
		}
		n = epoll_pwait(ep, ev, w_nfds, IDLE_RECHECK_MS, &open_mask);
		if (n == -1) {
			if (errno != EINTR)
				fatal(111, "action=epoll_wait");
			continue;
		}
		/* Told to go while a client came: leave it to a worker of the new settings. */
		if (should_leave(w))
			exit(0);
		for (int i = 0; i < w_nfds; i++)
			ready[i] = n == 0;	/* the once-a-second try: every socket */
		for (int i = 0; i < n; i++)
			if (ev[i].data.u32 < (uint32_t)w_nfds)
				ready[ev[i].data.u32] = 1;
		if (accept_ready(w, ready, &open_mask))
			idle = 0;
	}
}
