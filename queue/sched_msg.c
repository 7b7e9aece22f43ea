/* sched_msg.c: one taken message: load, results, retry times, removal. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envelope.h"
#include "fsutil.h"
#include "log.h"
#include "qlayout.h"
#include "sched.h"

#define ENVELOPE_FILE_MAX (8 * 1024 * 1024)

time_t
retry_delay(const struct sconf *c, unsigned tries)
{
	long long	 d = c->retrymin;

	for (unsigned i = 1; i < tries && d < c->retrymax; i++)
		d *= 2;
	return (time_t)(d < c->retrymax ? d : c->retrymax);
}

static int
fill_rcpts(const struct sconf *c, struct msg *m, struct envelope *env)
{
	if ((m->r = calloc(env->nrcpt, sizeof *m->r)) == NULL)
		return -1;
	m->n = env->nrcpt;
	for (size_t i = 0; i < m->n; i++) {
		struct srcpt *r = &m->r[i];
		const char *at = strrchr(env->rcpt[i], '@');

		/* Take the string over from the envelope. */
		r->addr = env->rcpt[i];
		env->rcpt[i] = NULL;
		r->domain = at != NULL ? at + 1 : "";
		r->local = sconf_is_local(c, r->domain);
	}
	return 0;
}

/* Cut a torn tail off the done log so that later appends stay readable. */
static void
trim_done(const char *id, size_t goodlen)
{
	char	 path[64];
	struct stat st;
	int	 fd;

	if (qpath(path, sizeof path, Q_DONE, id) == -1)
		return;
	if ((fd = open_safe(path, O_WRONLY, 0)) == -1)
		return;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size > goodlen) {
		log_warnx("id=%s action=trim-done-log from=%lld to=%zu "
		    "reason=\"torn record from a crash; its event will be repeated\"",
		    id, (long long)st.st_size, goodlen);
		if (ftruncate(fd, (off_t)goodlen) == -1 || fdatasync(fd) == -1)
			log_warn("id=%s action=trim-done-log", id);
	}
	close(fd);
}

struct msg *
msg_load(const struct sconf *c, const char *id)
{
	char		 path[64];
	char		*buf = NULL;
	size_t		 len, good;
	struct envelope	 env;
	struct msg	*m;

	if (qpath(path, sizeof path, Q_INFO, id) == -1 ||
	    read_file_max(path, ENVELOPE_FILE_MAX, &buf, &len) == -1) {
		log_warn("id=%s action=read-envelope path=%s", id, path);
		return NULL;
	}
	memset(&env, 0, sizeof env);
	if (envelope_parse(buf, len, &env) != ENV_OK || strcmp(env.id, id) != 0) {
		log_warnx("id=%s action=read-envelope path=%s reason=\"invalid envelope; "
		    "left in place for inspection\"", id, path);
		free(buf);
		return NULL;
	}
	free(buf);
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->sender = strdup(env.sender)) == NULL ||
	    fill_rcpts(c, m, &env) == -1) {
		log_warnx("id=%s action=load reason=\"out of memory\"", id);
		envelope_free(&env);
		msg_free(m);
		return NULL;
	}
	strlcpy(m->id, id, sizeof m->id);
	m->qtime = env.time;
	m->heapidx = SIZE_MAX;
	envelope_free(&env);

	struct rcpt_status *st = calloc(m->n, sizeof *st);
	if (st == NULL || qdone_load(".", id, st, m->n, &good) == -1) {
		log_warn("id=%s action=read-done-log", id);
		free(st);
		msg_free(m);
		return NULL;
	}
	for (size_t i = 0; i < m->n; i++) {
		m->r[i].st = st[i];
		if (st[i].state == RS_PENDING && st[i].tries > 0)
			m->r[i].next = st[i].last + retry_delay(c, st[i].tries);
	}
	free(st);
	trim_done(id, good);
	return m;
}

void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->r[i].addr);
		free(m->r[i].st.text);
	}
	free(m->r);
	free(m->sender);
	free(m);
}

int
msg_update_next(const struct sconf *c, struct msg *m, time_t now)
{
	int	 idle = 0;

	(void)c;
	(void)now;
	m->next = 0;
	for (size_t i = 0; i < m->n; i++) {
		struct srcpt *r = &m->r[i];
		if (r->st.state != RS_PENDING || r->busy)
			continue;
		if (!idle || r->next < m->next)
			m->next = r->next;
		idle = 1;
	}
	if (idle)
		return 0;
	/* Nothing to try: done once the jobs end (a bounce may be owed). */
	return m->jobs == 0;
}

int
msg_log_append(struct msg *m, const struct str *records)
{
	char	 path[64];
	int	 fd;

	if (records->len == 0)
		return 0;
	if (qpath(path, sizeof path, Q_DONE, m->id) == -1)
		return -1;
	if ((fd = open_safe(path, O_WRONLY | O_APPEND | O_CREAT, 0640)) == -1) {
		log_warn("id=%s action=open-done-log path=%s", m->id, path);
		return -1;
	}
	if (write_full(fd, records->s, records->len) == -1 || fdatasync(fd) == -1) {
		log_warn("id=%s action=write-done-log path=%s", m->id, path);
		close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		log_warn("id=%s action=close-done-log path=%s", m->id, path);
		return -1;
	}
	return 0;
}

int
msg_result(const struct sconf *c, struct msg *m, size_t i, char status,
    const char *text, time_t now, struct str *records)
{
	struct srcpt	*r = &m->r[i];
	char		 buf[QDONE_TEXT_MAX + 64];

	if (status == 'Z' && now - m->qtime >= c->lifetime) {
		snprintf(buf, sizeof buf, "5.4.7 giving up after %lld seconds in the queue; "
		    "last error: %s", (long long)(now - m->qtime), text);
		text = buf;
		status = 'D';
	}
	if (qdone_put(records, status, i, now, text) == -1)
		return -1;
	r->st.last = now;
	free(r->st.text);
	r->st.text = strndup(text, QDONE_TEXT_MAX);
	switch (status) {
	case 'K':
		r->st.state = RS_DELIVERED;
		break;
	case 'D':
		r->st.state = RS_FAILED;
		break;
	default:
		r->st.tries++;
		r->next = now + retry_delay(c, r->st.tries);
		break;
	}
	return 0;
}

static void
unlink_state(const char *id, enum qstate s)
{
	char	 path[64];

	if (qpath(path, sizeof path, s, id) == -1)
		return;
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("id=%s action=unlink path=%s", id, path);
}

void
msg_remove(struct msg *m)
{
	/* info first: without it the rest is a leftover that recovery removes. */
	unlink_state(m->id, Q_INFO);
	unlink_state(m->id, Q_DONE);
	unlink_state(m->id, Q_MESS);
}
