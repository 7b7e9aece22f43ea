/*
 * sched_loop.c: stamp-send's event loop.
 *
 * It waits on three things only: the trigger fifo (new messages), the
 * spawner's socket (results), and the earliest retry time in the heap. A
 * full scan of todo/ happens at start, on SIGALRM and once a minute (cheap
 * when todo/ is empty, which is the normal case), never per event.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "home.h"
#include "log.h"
#include "qlayout.h"
#include "sched_loop.h"
#include "spawner.h"

static volatile sig_atomic_t got_hup, got_alrm, got_term;
static int sigpipe_w = -1;

static void
on_signal(int sig)
{
	int	 saved = errno;

	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGALRM)
		got_alrm = 1;
	else
		got_term = 1;
	if (sigpipe_w != -1)
		(void)!write(sigpipe_w, "", 1);
	errno = saved;
}

static void
blocked_push(struct sched *s, struct msg *m)
{
	m->blocked = 1;
	m->blocked_next = NULL;
	if (s->blocked_tail != NULL)
		s->blocked_tail->blocked_next = m;
	else
		s->blocked_head = m;
	s->blocked_tail = m;
}

static struct msg *
blocked_pop(struct sched *s)
{
	struct msg	*m = s->blocked_head;

	if (m == NULL)
		return NULL;
	s->blocked_head = m->blocked_next;
	if (s->blocked_head == NULL)
		s->blocked_tail = NULL;
	m->blocked = 0;
	return m;
}

/* Every recipient is delivered or failed and no job runs: bounce, remove. */
static void
finish(struct sched *s, struct msg *m, time_t now)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].st.state == RS_FAILED) {
			if (sched_bounce(&s->conf, m, now) == -1) {
				/* Keep it and try the bounce again later. */
				m->next = now + s->conf.retrymin;
				if (heap_push(&s->heap, m) == -1)
					log_warnx("id=%s action=requeue reason=\"out of memory\"", m->id);
				return;
			}
			break;
		}
	msg_remove(m);
	log_info("id=%s action=done", m->id);
	msg_free(m);
	s->nmsgs--;
}

void
sched_requeue(struct sched *s, struct msg *m, time_t now)
{
	if (m->blocked)
		return;		/* the blocked list will dispatch it */
	heap_remove(&s->heap, m);
	if (msg_update_next(&s->conf, m, now)) {
		finish(s, m, now);
		return;
	}
	/* With no idle pending recipient, the running jobs bring it back. */
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].st.state == RS_PENDING && !m->r[i].busy) {
			if (heap_push(&s->heap, m) == -1)
				log_warnx("id=%s action=requeue reason=\"out of memory\"", m->id);
			return;
		}
}

static void
dispatch(struct sched *s, struct msg *m, time_t now)
{
	if (sched_dispatch(s, m, now))
		blocked_push(s, m);
	else
		sched_requeue(s, m, now);
}

/* Blocked messages first (they were due earlier), then due ones from the heap. */
static void
run_due(struct sched *s, time_t now)
{
	struct msg	*m;

	while ((m = blocked_pop(s)) != NULL) {
		if (sched_dispatch(s, m, now)) {
			/* Still no slot: back to the front, and stop for now. */
			m->blocked = 1;
			m->blocked_next = s->blocked_head;
			s->blocked_head = m;
			if (s->blocked_tail == NULL)
				s->blocked_tail = m;
			return;
		}
		sched_requeue(s, m, now);
	}
	while ((m = heap_top(&s->heap)) != NULL && m->next <= now) {
		heap_pop(&s->heap);
		dispatch(s, m, now);
		if (s->blocked_head != NULL)
			return;
	}
}

/* Take a committed message: todo -> info, load it, schedule it now. */
static int
take(const char *id, void *arg)
{
	struct sched	*s = arg;
	char		 from[64], to[64];
	struct msg	*m;

	if (qpath(from, sizeof from, Q_TODO, id) == -1 ||
	    qpath(to, sizeof to, Q_INFO, id) == -1)
		return 0;
	if (rename(from, to) == -1) {
		if (errno != ENOENT)	/* ENOENT: taken already */
			log_warn("id=%s action=take path=%s", id, from);
		return 0;
	}
	if ((m = msg_load(&s->conf, id)) == NULL)
		return 0;
	s->nmsgs++;
	log_info("id=%s action=new from=<%s> rcpts=%zu", id, m->sender, m->n);
	sched_requeue(s, m, time(NULL));
	return 0;
}

static int
load_info(const char *id, void *arg)
{
	struct sched	*s = arg;
	struct msg	*m;

	if ((m = msg_load(&s->conf, id)) == NULL)
		return 0;
	s->nmsgs++;
	sched_requeue(s, m, time(NULL));
	return 0;
}

static void retry_all_now(struct sched *);

static struct msg *
find_msg(struct sched *s, const char *id)
{
	struct msg	*m;

	for (size_t i = 0; i < s->heap.n; i++)
		if (strcmp(s->heap.a[i]->id, id) == 0)
			return s->heap.a[i];
	for (m = s->blocked_head; m != NULL; m = m->blocked_next)
		if (strcmp(m->id, id) == 0)
			return m;
	for (size_t i = 0; i < JOBS_MAX; i++)
		if (s->jobs[i].used && strcmp(s->jobs[i].m->id, id) == 0)
			return s->jobs[i].m;
	return NULL;
}

/*
 * stamp-qrm: drop the message without a bounce. Recipients in delivery
 * finish first (their results are then ignored); the rest count as done.
 */
static void
remove_msg(struct sched *s, const char *id)
{
	struct msg	*m;

	take(id, s);
	if ((m = find_msg(s, id)) == NULL) {
		log_warnx("id=%s action=remove reason=\"not in the queue\"", id);
		return;
	}
	m->removing = 1;
	for (size_t i = 0; i < m->n; i++)
		if (!m->r[i].busy)
			m->r[i].st.state = RS_DELIVERED;
	log_info("id=%s action=remove running=%d", id, m->jobs);
	if (m->blocked) {
		/* Unlink it from the blocked list; requeue decides the rest. */
		struct msg **pp = &s->blocked_head, *prev = NULL;
		while (*pp != m) {
			prev = *pp;
			pp = &(*pp)->blocked_next;
		}
		*pp = m->blocked_next;
		if (s->blocked_tail == m)
			s->blocked_tail = prev;
		m->blocked = 0;
	}
	sched_requeue(s, m, time(NULL));
}

/* One line of the trigger fifo: a new ID, "flush" or "rm ID". */
static void
trigger_line(struct sched *s, const char *line)
{
	if (qid_valid(line))
		take(line, s);
	else if (strcmp(line, "flush") == 0)
		retry_all_now(s);
	else if (strncmp(line, "rm ", 3) == 0 && qid_valid(line + 3))
		remove_msg(s, line + 3);
	else
		s->next_todo_scan = 0;	/* garbage or a cut line: look for ourselves */
}

/*
 * Lines may arrive cut across reads; the tail waits in tbuf for the rest.
 * Injectors write whole lines of under PIPE_BUF bytes, so they never mix.
 */
static void
read_trigger(struct sched *s)
{
	char	*p, *nl;
	ssize_t	 r;

	r = read(s->fifo, s->tbuf + s->tlen, sizeof s->tbuf - 1 - s->tlen);
	if (r <= 0)
		return;
	s->tlen += (size_t)r;
	s->tbuf[s->tlen] = '\0';
	for (p = s->tbuf; (nl = memchr(p, '\n', s->tlen - (size_t)(p - s->tbuf))) != NULL;
	    p = nl + 1) {
		*nl = '\0';
		trigger_line(s, p);
	}
	s->tlen -= (size_t)(p - s->tbuf);
	memmove(s->tbuf, p, s->tlen);
	if (s->tlen == sizeof s->tbuf - 1) {
		s->tlen = 0;		/* one line longer than any command: junk */
		s->next_todo_scan = 0;
	}
}

static void
read_results(struct sched *s, time_t now)
{
	static char	 out[SPAWN_OUT_MAX + 1];
	unsigned	 job;
	size_t		 len;
	int		 r = spawn_recv(s->sock, &job, out, sizeof out, &len);

	if (r == 0)
		fatalx(111, "action=read-results reason=\"the spawner died; "
		    "stamp-send must be restarted (deliveries in progress will be repeated)\"");
	if (r == -1) {
		log_warn("action=read-results");
		return;
	}
	job_done(s, job, out, now);
}

static void
retry_all_now(struct sched *s)
{
	/* Every key becomes 0, so the heap order holds without re-sifting. */
	for (size_t i = 0; i < s->heap.n; i++) {
		struct msg *m = s->heap.a[i];
		for (size_t k = 0; k < m->n; k++)
			m->r[k].next = 0;
		m->next = 0;
	}
	s->next_todo_scan = 0;
	log_info("action=flush messages=%zu", s->nmsgs);
}

static int
poll_timeout(struct sched *s, time_t now)
{
	time_t		 t = s->next_todo_scan;
	struct msg	*m = heap_top(&s->heap);

	if (m != NULL && m->next < t && s->blocked_head == NULL)
		t = m->next;
	if (t <= now)
		return 0;
	return (int)((t - now > 60 ? 60 : t - now) * 1000);
}

int
sched_init(struct sched *s, int sock)
{
	char		 remote[4096];
	struct sigaction sa;
	int		 sp[2];

	s->sock = sock;
	s->have_remote = sibling_path(remote, sizeof remote, "stamp-remote") == 0 &&
	    access(remote, X_OK) == 0;
	if ((s->fifo = open(QUEUE_TRIGGER, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    (s->fifo_hold = open(QUEUE_TRIGGER, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		log_warn("action=open path=queue/%s", QUEUE_TRIGGER);
		return -1;
	}
	if (pipe2(sp, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	sigpipe_w = sp[1];
	s->sigpipe_r = sp[0];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (recover_leftovers() == -1 || qscan(".", Q_INFO, load_info, s) == -1 ||
	    qscan(".", Q_TODO, take, s) == -1)
		return -1;
	s->next_todo_scan = time(NULL) + TODO_SCAN_EVERY;
	log_info("action=start messages=%zu remote=%s", s->nmsgs,
	    s->have_remote ? "yes" : "not-installed");
	return 0;
}

static void
handle_signals(struct sched *s, time_t *stop_at)
{
	char	 junk[64];

	while (read(s->sigpipe_r, junk, sizeof junk) > 0)
		;
	if (got_hup) {
		got_hup = 0;
		if (sconf_load(&s->conf) == 0)
			log_info("action=reload");
		else
			log_warnx("action=reload reason=\"kept the old settings\"");
	}
	if (got_alrm) {
		got_alrm = 0;
		retry_all_now(s);
	}
	if (got_term && *stop_at == 0) {
		*stop_at = time(NULL) + STOP_WAIT;
		log_info("action=stop running=%lld", s->nlocal + s->nremote);
	}
}

noreturn void
sched_run(struct sched *s)
{
	struct pollfd	 pfd[3];
	time_t		 now, stop_at = 0;

	for (;;) {
		handle_signals(s, &stop_at);
		now = time(NULL);
		if (stop_at != 0) {
			if (s->nlocal + s->nremote == 0 || now >= stop_at) {
				log_info("action=exit running=%lld", s->nlocal + s->nremote);
				exit(0);
			}
		} else {
			if (now >= s->next_todo_scan) {
				s->next_todo_scan = now + TODO_SCAN_EVERY;
				qscan(".", Q_TODO, take, s);
			}
			run_due(s, now);
		}
		pfd[0].fd = s->fifo;
		pfd[0].events = stop_at ? 0 : POLLIN;
		pfd[1].fd = s->sock;
		pfd[1].events = POLLIN;
		pfd[2].fd = s->sigpipe_r;
		pfd[2].events = POLLIN;
		if (poll(pfd, 3, stop_at ? 1000 : poll_timeout(s, now)) == -1) {
			if (errno != EINTR)
				fatal(111, "action=poll");
			continue;
		}
		if (pfd[1].revents != 0)
			read_results(s, time(NULL));
		if (pfd[0].revents != 0)
			read_trigger(s);
	}
}
