/*
 * listen.c: the pre-forking listener's master (see listen.h).
 *
 * The master binds, drops privilege, maps the scoreboard, forks workers,
 * and then only keeps count: it wakes on a signal (through a self-pipe),
 * on a worker's change of state (the notify pipe) or once a second, reaps
 * dead workers (freeing their slots, so a SIGKILLed worker's session no
 * longer counts), forks workers while fewer than `prefork` are idle and
 * fewer than `concurrencyincoming` exist, and retires spare idle workers
 * one per second, as Apache's prefork does. The sessions never pass
 * through the master.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "listen_int.h"
#include "log.h"
#include "privdrop.h"

#define FORKS_PER_SECOND 64   /* bounds a crash loop and a burst alike */
#define TICK_MS          1000

struct settings {
	long long	 prefork, maxworkers, perip;
};

struct master {
	const struct listen_conf *conf;
	listen_session_fn	  session;
	void			 *arg;
	int			  fds[LISTEN_MAX_ADDRS];
	int			  nfds;
	struct board		 *board;
	struct settings		  set;
	unsigned		  gen;
	int			  notify[2];
	long long		  fork_window;     /* the second forks are counted in */
	int			  forks_in_window;
	long long		  last_retire_ms;
};

static volatile sig_atomic_t got_stop, got_hup;
static int sigpipe_w = -1;

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
on_signal(int sig)
{
	int	 e = errno;
	char	 c = 0;

	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGTERM || sig == SIGINT)
		got_stop = 1;
	if (write(sigpipe_w, &c, 1) == -1) {
		/* full: a wake-up is pending anyway */
	}
	errno = e;
}

static int
load_settings(struct settings *s)
{
	if (ctl_number("prefork", &s->prefork) == -1 ||
	    ctl_number("concurrencyincoming", &s->maxworkers) == -1 ||
	    ctl_number("concurrencyperip", &s->perip) == -1)
		return -1;
	return 0;
}

/* One listening socket for addr; -1 after a message naming it. */
static int
bind_one(const char *addr)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 q[LOG_QUOTE_MAX];
	int			 fd, one = 1;

	log_quotes(q, sizeof q, addr);
	if (listen_parse_addr(addr, &ss, &len) == -1) {
		log_warnx("action=listen addr=%s reason=\"not ADDR:PORT, [IPv6]:PORT or *:PORT\"", q);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("action=socket addr=%s", q);
		return -1;
	}
	/* IPV6_V6ONLY: "[::]:25" and "*:25" are two sockets, never one conflict. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
	    (ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == -1)) {
		log_warn("action=setsockopt addr=%s", q);
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 || listen(fd, SOMAXCONN) == -1) {
		log_warn("action=bind addr=%s", q);
		close(fd);
		return -1;
	}
	return fd;
}

static int
bind_all(struct master *m)
{
	const struct listen_conf *c = m->conf;

	if (c->naddrs <= 0 || c->naddrs > LISTEN_MAX_ADDRS) {
		log_warnx("action=listen reason=\"between 1 and %d addresses\"", LISTEN_MAX_ADDRS);
		return -1;
	}
	for (m->nfds = 0; m->nfds < c->naddrs; m->nfds++)
		if ((m->fds[m->nfds] = bind_one(c->addrs[m->nfds])) == -1)
			return -1;
	return 0;
}

static void
close_listeners(struct master *m)
{
	for (int i = 0; i < m->nfds; i++)
		if (m->fds[i] >= 0) {
			close(m->fds[i]);
			m->fds[i] = -1;
		}
}

static int
master_signals(void)
{
	struct sigaction sa;
	int		 p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	sigpipe_w = p[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 || sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 || sigaction(SIGCHLD, &sa, NULL) == -1)
		return -1;
	return p[0];
}

/* Fork one worker into a free slot; 0, or -1 (logged). */
static int
spawn_worker(struct master *m, int sigpipe_r)
{
	struct worker_ctx w;
	sigset_t	 all, old;
	pid_t		 pid;
	int		 i = board_free_slot(m->board);

	if (i == -1)
		return -1;
	atomic_store(&m->board->slot[i].state, SLOT_STARTING);
	m->board->slot[i].gen = m->gen;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((pid = fork()) == -1) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		atomic_store(&m->board->slot[i].state, SLOT_FREE);
		log_warn("action=fork");
		return -1;
	}
	if (pid == 0) {
		close(sigpipe_r);
		close(sigpipe_w);
		close(m->notify[0]);
		w = (struct worker_ctx){ .conf = m->conf, .session = m->session, .arg = m->arg,
		    .board = m->board, .slot = i, .fds = m->fds, .nfds = m->nfds,
		    .notify_fd = m->notify[1], .master = getppid() };
		worker_main(&w);
	}
	m->board->slot[i].pid = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

static void
knock(struct master *m, int i)
{
	if (m->board->slot[i].pid > 0 && kill(m->board->slot[i].pid, SIGUSR1) == -1 &&
	    errno != ESRCH)
		log_warn("action=signal pid=%d", (int)m->board->slot[i].pid);
}

static void
retire(struct master *m, int i)
{
	atomic_store(&m->board->slot[i].retire, 1);
	knock(m, i);
}

/* Free the slots of dead workers; a death the master did not ask for is logged. */
static int
reap(struct master *m)
{
	int	 status, i, n = 0;
	pid_t	 pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((i = board_find_pid(m->board, pid)) == -1)
			continue;
		if (WIFSIGNALED(status))
			log_warnx("action=worker-died pid=%d signal=%d", (int)pid, WTERMSIG(status));
		else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			log_warnx("action=worker-died pid=%d status=%d", (int)pid,
			    WEXITSTATUS(status));
		board_clear(m->board, i);
		n++;
	}
	return n;
}

/* Fork up to the number of idle workers wanted; retire one spare a second. */
static void
maintain(struct master *m, int sigpipe_r)
{
	long long	 want = m->set.prefork > 0 ? m->set.prefork : 1;
	long long	 t = now_ms();
	int		 alive = 0, idle = 0, spare = -1;

	for (int i = 0; i < m->board->nslots; i++) {
		struct board_slot *s = &m->board->slot[i];
		int st = atomic_load(&s->state);
		if (s->pid == 0 && st == SLOT_FREE)
			continue;
		alive++;
		if ((st == SLOT_IDLE || st == SLOT_STARTING) && !atomic_load(&s->retire) &&
		    s->gen == m->gen) {
			idle++;
			if (st == SLOT_IDLE)
				spare = i;
		}
	}
	if (t / 1000 != m->fork_window) {
		m->fork_window = t / 1000;
		m->forks_in_window = 0;
	}
	while (idle < want && alive < m->set.maxworkers &&
	    m->forks_in_window < FORKS_PER_SECOND) {
		if (spawn_worker(m, sigpipe_r) == -1)
			break;
		m->forks_in_window++;
		idle++;
		alive++;
	}
	if (idle > 2 * want && spare >= 0 && t - m->last_retire_ms >= 1000) {
		retire(m, spare);
		m->last_retire_ms = t;
	}
}

/* SIGHUP: new settings, then every worker of the old generation retires. */
static void
reload(struct master *m)
{
	struct settings	 s;

	if (load_settings(&s) == -1) {
		log_warnx("action=reload reason=\"bad control files; old settings kept\"");
		return;
	}
	if (m->conf->reload != NULL && m->conf->reload(m->arg) == -1) {
		log_warnx("action=reload reason=\"the program's reload failed; old settings kept\"");
		return;
	}
	m->set = s;
	atomic_store(&m->board->perip, (int)s.perip);
	m->gen++;
	for (int i = 0; i < m->board->nslots; i++)
		if (m->board->slot[i].pid > 0)
			retire(m, i);
	log_info("action=reload prefork=%lld concurrencyincoming=%lld concurrencyperip=%lld",
	    s.prefork, s.maxworkers, s.perip);
}

static void
drain(int fd)
{
	char	 buf[256];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

static int
count_alive(const struct master *m)
{
	int	 n = 0;

	for (int i = 0; i < m->board->nslots; i++)
		if (m->board->slot[i].pid > 0)
			n++;
	return n;
}

/* SIGTERM: no new clients at all, sessions get stop_grace seconds, then SIGKILL. */
static void
stop(struct master *m, int sigpipe_r)
{
	int		 grace = m->conf->stop_grace > 0 ? m->conf->stop_grace : 0;
	long long	 deadline = now_ms() + (long long)grace * 1000;
	struct pollfd	 pfd = { .fd = sigpipe_r, .events = POLLIN };
	int		 left;

	close_listeners(m);
	atomic_store(&m->board->stopping, 1);
	for (int i = 0; i < m->board->nslots; i++)
		knock(m, i);
	log_info("action=stop sessions=%d grace=%d", count_alive(m), grace);
	for (;;) {
		reap(m);
		if (count_alive(m) == 0)
			return;
		left = (int)(deadline - now_ms());
		if (left <= 0)
			break;
		if (poll(&pfd, 1, left) > 0)
			drain(sigpipe_r);
	}
	for (int i = 0; i < m->board->nslots; i++)
		if (m->board->slot[i].pid > 0) {
			log_warnx("action=kill pid=%d reason=\"session still running after %d s\"",
			    (int)m->board->slot[i].pid, grace);
			kill(m->board->slot[i].pid, SIGKILL);
		}
	while (count_alive(m) > 0) {
		pid_t pid = waitpid(-1, NULL, 0);
		int i;
		if (pid == -1 && errno != EINTR)
			break;
		if (pid > 0 && (i = board_find_pid(m->board, pid)) >= 0)
			board_clear(m->board, i);
	}
}

static void
say_ready(int fd)
{
	if (fd < 0)
		return;
	if (write(fd, "ready\n", 6) != 6)
		log_warn("action=ready fd=%d", fd);
	close(fd);
}

/* Drop root when asked, keeping the parent-death signal a supervisor set. */
static int
drop(const struct listen_conf *c)
{
	int	 pdeath = 0;

	if (c->user == NULL || geteuid() != 0)
		return 0;
	if (prctl(PR_GET_PDEATHSIG, &pdeath) == -1)
		pdeath = 0;
	if (priv_drop(c->user) == -1)
		return -1;
	if (pdeath != 0 && prctl(PR_SET_PDEATHSIG, pdeath) == -1)
		log_warn("action=prctl");
	return 0;
}

static int
setup(struct master *m, int *sigpipe_r)
{
	const struct ctl_def *d = ctl_lookup("concurrencyincoming");

	if (load_settings(&m->set) == -1) {
		log_warnx("action=start reason=\"bad control files\"");
		return -1;
	}
	if (bind_all(m) == -1 || drop(m->conf) == -1)
		return -1;
	/* Room for the largest concurrencyincoming, so SIGHUP can raise it. */
	if ((m->board = board_create(d != NULL ? (int)d->max : 10000)) == NULL) {
		log_warn("action=mmap what=scoreboard");
		return -1;
	}
	atomic_store(&m->board->perip, (int)m->set.perip);
	if (pipe2(m->notify, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    (*sigpipe_r = master_signals()) == -1) {
		log_warn("action=start what=pipes-and-signals");
		return -1;
	}
	return 0;
}

int
listen_run(const struct listen_conf *conf, listen_session_fn session, void *arg)
{
	struct master	 m = { .conf = conf, .session = session, .arg = arg };
	struct pollfd	 pfd[2];
	int		 sigpipe_r = -1;

	for (int i = 0; i < LISTEN_MAX_ADDRS; i++)
		m.fds[i] = -1;
	m.notify[0] = m.notify[1] = -1;
	if (setup(&m, &sigpipe_r) == -1) {
		close_listeners(&m);
		if (conf->ready_fd >= 0)
			close(conf->ready_fd);
		return 111;
	}
	listen_title("%s: master", conf->name);
	for (int i = 0; i < conf->naddrs; i++)
		log_info("action=listen addr=%s", conf->addrs[i]);
	maintain(&m, sigpipe_r);
	say_ready(conf->ready_fd);
	pfd[0] = (struct pollfd){ .fd = sigpipe_r, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = m.notify[0], .events = POLLIN };
	while (!got_stop) {
		reap(&m);
		if (got_hup) {
			got_hup = 0;
			reload(&m);
		}
		maintain(&m, sigpipe_r);
		if (poll(pfd, 2, TICK_MS) > 0) {
			drain(sigpipe_r);
			drain(m.notify[0]);
		}
	}
	stop(&m, sigpipe_r);
	log_info("action=exit");
	return 0;
}
