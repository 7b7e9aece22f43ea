/*
 * listen_worker.c: one worker of the pre-forking listener.
 *
 * It waits on every listening socket (non-blocking, shared with its
 * siblings: whoever wins accept4() serves the client), checks the per-IP
 * limit on the scoreboard, runs the session callback, and goes back to
 * waiting, until the master asks it to retire (SIGHUP, too many idle
 * workers) or to stop (SIGTERM). SIGUSR1 is the master's knock: it is
 * blocked except inside ppoll() and inside a session, so a knock is never
 * lost between the check of the flags and the wait.
 */
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
	listen_title("%s: session %s", w->conf->name, p.remote_ip);
	sigprocmask(SIG_SETMASK, open_mask, &closed);
	w->session(fd, &p, w->arg);
	sigprocmask(SIG_SETMASK, &closed, NULL);
	board_release(w->board, w->slot);
}

/* accept4 on each ready socket; the first client found is served. */
static void
accept_ready(const struct worker_ctx *w, struct pollfd *pfd, int n, const sigset_t *open_mask)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd;

	for (int i = 0; i < n; i++) {
		if (pfd[i].fd < 0 || !(pfd[i].revents & POLLIN))
			continue;
		len = sizeof ss;
		fd = accept4(pfd[i].fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd >= 0) {
			serve(w, fd, &ss, len, open_mask);
			return;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED || errno == EPROTO)
			continue;	/* a sibling won, or the client left */
		log_warn("action=accept");
		/* EMFILE, ENOBUFS...: back off instead of spinning on a ready socket. */
		poll(NULL, 0, 100);
		return;
	}
}

noreturn void
worker_main(const struct worker_ctx *w)
{
	struct pollfd	 pfd[LISTEN_MAX_ADDRS];
	sigset_t	 open_mask;
	int		 n;

	w_board = w->board;
	w_nfds = w->nfds;
	for (int i = 0; i < w->nfds; i++)
		w_fds[i] = w->fds[i];
	worker_signals(&open_mask);
	/* A master killed outright takes its workers along. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != w->master)
		exit(0);
	for (;;) {
		if (should_leave(w))
			exit(0);
		listen_title("%s: idle", w->conf->name);
		set_state(w, SLOT_IDLE);
		for (int i = 0; i < w_nfds; i++) {
			pfd[i].fd = w_fds[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		n = ppoll(pfd, (nfds_t)w_nfds, NULL, &open_mask);
		if (n == -1) {
			if (errno != EINTR)
				fatal(111, "action=poll");
			continue;
		}
		accept_ready(w, pfd, w_nfds, &open_mask);
	}
}
