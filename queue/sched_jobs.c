/*
 * sched_jobs.c: turning due recipients into delivery jobs, and job results
 * into done-log records.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "address.h"
#include "fsutil.h"
#include "lmtproute.h"
#include "log.h"
#include "lookup.h"
#include "qlayout.h"
#include "sched_loop.h"
#include "spawner.h"

static struct job *
free_slot(struct sched *s, int local)
{
	if (local ? s->nlocal >= s->conf.clocal : s->nremote >= s->conf.cremote)
		return NULL;
	for (size_t i = 0; i < JOBS_MAX; i++)
		if (!s->jobs[i].used)
			return &s->jobs[i];
	return NULL;
}

static void
log_result(const struct msg *m, const struct srcpt *r, char status,
    const char *text, time_t now)
{
	char	 qt[LOG_QUOTE_MAX], qr[LOG_QUOTE_MAX];

	log_info("id=%s rcpt=%s status=%s delay=%llds tries=%u text=%s", m->id,
	    log_quotes(qr, sizeof qr, r->addr),
	    status == 'K' ? "delivered" : status == 'D' ? "failed" : "deferred",
	    (long long)(now - m->qtime), r->st.tries,
	    log_quotes(qt, sizeof qt, text));
}

/*
 * Does this job's end complete m with every recipient delivered? Then
 * finish() removes the message at once, and its K records need not be
 * written: the agents made each delivery durable before they said K, so a
 * crash before the removal can only deliver again (the queue's contract
 * allows a repeat, never a loss). That saves the done log's create,
 * fdatasync and unlink for every message delivered at the first try.
 */
static int
completes_delivered(const struct msg *m)
{
	if (m->jobs != 1 || m->removing)
		return 0;	/* another job still runs: its records must be kept */
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].st.state != RS_DELIVERED || m->r[i].busy)
			return 0;
	return 1;
}

/* Apply results for the job's recipients: "K text\n" lines, in order. */
static void
apply_results(struct sched *s, struct job *j, char *out, time_t now)
{
	struct str	 rec = STR_INIT;
	char		*line = out, *nl, status[REMOTE_RCPTS_MAX];
	const char	*text[REMOTE_RCPTS_MAX];
	struct msg	*m = j->m;

	for (size_t k = 0; k < j->n; k++) {
		status[k] = 'Z';
		text[k] = "4.3.0 the delivery agent gave no result (it crashed or was killed)";
		if (line == NULL || *line == '\0')
			continue;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (strchr("KZD", line[0]) != NULL && line[0] != '\0' && line[1] == ' ') {
			status[k] = line[0];
			text[k] = line + 2;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	for (size_t k = 0; k < j->n; k++) {
		struct srcpt *r = &m->r[j->idx[k]];
		if (msg_result(&s->conf, m, j->idx[k], status[k], text[k], now, &rec) == -1)
			status[k] = 0;
		else
			log_result(m, r, r->st.state == RS_FAILED ? 'D' : status[k],
			    r->st.text ? r->st.text : text[k], now);
		r->busy = 0;
	}
	if (!completes_delivered(m) && msg_log_append(m, &rec) == -1) {
		/* Not on disk, so not done: try them all again (a repeat, never a loss). */
		for (size_t k = 0; k < j->n; k++) {
			struct srcpt *r = &m->r[j->idx[k]];
			r->st.state = RS_PENDING;
			r->next = now + s->conf.retrymin;
		}
	}
	str_free(&rec);
}

void
job_done(struct sched *s, unsigned jobid, char *out, time_t now)
{
	struct job	*j;

	if (jobid == 0 || jobid > JOBS_MAX || !s->jobs[jobid - 1].used) {
		log_warnx("action=job-result job=%u reason=\"unknown job\"", jobid);
		return;
	}
	j = &s->jobs[jobid - 1];
	if (j->m->removing)
		for (size_t k = 0; k < j->n; k++) {
			j->m->r[j->idx[k]].busy = 0;
			j->m->r[j->idx[k]].st.state = RS_DELIVERED;
		}
	else
		apply_results(s, j, out, now);
	if (j->local)
		s->nlocal--;
	else
		s->nremote--;
	j->m->jobs--;
	j->used = 0;
	sched_requeue(s, j->m, now);
}

static int
open_message(const struct msg *m)
{
	char	 path[64];

	if (qpath(path, sizeof path, Q_MESS, m->id) == -1)
		return -1;
	return open_safe(path, O_RDONLY, 0);
}

/*
 * Start one job for rcpts idx[0..n) of m: stamp-local (one local
 * recipient), stamp-lmtp (local recipients for the LMTP target lmtp) or
 * stamp-remote. 0, or -1 (logged, left pending).
 */
static int
start_job(struct sched *s, struct job *j, struct msg *m, const size_t *idx,
    size_t n, int local, const char *lmtp)
{
	char		*addrs[REMOTE_RCPTS_MAX];
	struct spawn_job sj;
	int		 fd, rc;

	if ((fd = open_message(m)) == -1) {
		log_warn("id=%s action=open-message", m->id);
		return -1;
	}
	for (size_t k = 0; k < n; k++)
		addrs[k] = m->r[idx[k]].addr;
	memset(&sj, 0, sizeof sj);
	sj.job = (unsigned)(j - s->jobs) + 1;
	sj.local = local;
	sj.lmtp = lmtp;
	sj.id = m->id;
	sj.sender = m->sender;
	sj.domain = m->r[idx[0]].domain;
	sj.rcpts = addrs;
	sj.nrcpts = n;
	sj.msgfd = fd;
	rc = spawn_send(s->sock, &sj);
	close(fd);
	if (rc == -1) {
		log_warn("id=%s action=spawn", m->id);
		return -1;
	}
	j->used = 1;
	j->m = m;
	j->local = local;
	j->domain = local ? NULL : m->r[idx[0]].domain;
	j->n = n;
	memcpy(j->idx, idx, n * sizeof *idx);
	for (size_t k = 0; k < n; k++)
		m->r[idx[k]].busy = 1;
	m->jobs++;
	if (local)
		s->nlocal++;
	else
		s->nremote++;
	return 0;
}

/* No stamp-remote yet: a temporary failure without spawning anything. */
static void
defer_remote(struct sched *s, struct msg *m, const size_t *idx, size_t n, time_t now)
{
	struct str	 rec = STR_INIT;

	for (size_t k = 0; k < n; k++) {
		struct srcpt *r = &m->r[idx[k]];
		if (msg_result(&s->conf, m, idx[k], 'Z',
		    "4.4.0 remote delivery is not available: stamp-remote is not installed",
		    now, &rec) == 0)
			log_result(m, r, r->st.state == RS_FAILED ? 'D' : 'Z', r->st.text, now);
	}
	if (msg_log_append(m, &rec) == -1)
		for (size_t k = 0; k < n; k++)
			m->r[idx[k]].st.state = RS_PENDING;
	str_free(&rec);
}

/* Remote jobs running for domain now. */
static long long
domain_jobs(const struct sched *s, const char *domain)
{
	long long	 k = 0;

	for (size_t i = 0; i < JOBS_MAX; i++)
		if (s->jobs[i].used && !s->jobs[i].local &&
		    strcasecmp(s->jobs[i].domain, domain) == 0)
			k++;
	return k;
}

/*
 * The LMTP target for r, or NULL for stamp-local: r is local, its domain
 * has a control/lmtp line, and its name is no alias. An alias stays with
 * stamp-local, which expands it (its address targets are queued again, and
 * those at LMTP domains come back here); so does a recipient whose aliases
 * lookup fails, for stamp-local to defer with its own reason.
 */
static const char *
lmtp_target(const struct sched *s, const struct srcpt *r)
{
	const char	*t;
	struct addr	 a;
	struct lookup	 lk;
	enum lookup_kind k;

	if (!r->local || (t = lmtp_find(&s->conf.lmtp, r->domain)) == NULL)
		return NULL;
	if (addr_parse_mailbox(r->addr, strlen(r->addr), ADDR_UTF8 | ADDR_ALLOW_LOCAL, &a) !=
	    ADDR_OK)
		return NULL;
	k = lookup_alias(a.local, a.domain, &lk);
	lookup_free(&lk);
	return k == LK_UNKNOWN ? t : NULL;
}

/*
 * Collect due idle local recipients that control/lmtp sends to the same
 * target as r[first] (target): one LMTP transaction carries them all,
 * whatever their domains.
 */
static size_t
same_lmtp(const struct sched *s, struct msg *m, size_t first, const char *target,
    time_t now, size_t *idx)
{
	size_t	 n = 0;

	for (size_t i = first; i < m->n && n < REMOTE_RCPTS_MAX; i++) {
		struct srcpt	*r = &m->r[i];
		const char	*t;

		if (!r->local || r->busy || r->st.state != RS_PENDING || r->next > now)
			continue;
		if ((t = lmtp_target(s, r)) != NULL && strcmp(t, target) == 0)
			idx[n++] = i;
	}
	return n;
}

/* Collect due idle remote recipients of the same domain as r[first]. */
static size_t
same_domain(struct msg *m, size_t first, time_t now, size_t *idx)
{
	size_t	 n = 0;

	for (size_t i = first; i < m->n && n < REMOTE_RCPTS_MAX; i++) {
		struct srcpt *r = &m->r[i];
		if (r->local || r->busy || r->st.state != RS_PENDING || r->next > now)
			continue;
		if (strcasecmp(r->domain, m->r[first].domain) == 0)
			idx[n++] = i;
	}
	return n;
}

int
sched_dispatch(struct sched *s, struct msg *m, time_t now)
{
	size_t	 idx[REMOTE_RCPTS_MAX], n;
	int	 blocked = 0;

	for (size_t i = 0; i < m->n; i++) {
		struct srcpt *r = &m->r[i];
		struct job *j;
		const char *lmtp;

		if (r->busy || r->st.state != RS_PENDING || r->next > now)
			continue;
		if (!r->local && !s->have_remote) {
			n = same_domain(m, i, now, idx);
			defer_remote(s, m, idx, n, now);
			continue;
		}
		/*
		 * A domain at concurrencyperdomain waits a second, without holding
		 * up the rest of the queue the way a full job table does.
		 */
		if (!r->local && domain_jobs(s, r->domain) >= s->conf.cperdomain) {
			n = same_domain(m, i, now, idx);
			for (size_t k = 0; k < n; k++)
				m->r[idx[k]].next = now + 1;
			continue;
		}
		if ((j = free_slot(s, r->local)) == NULL) {
			blocked = 1;
			continue;
		}
		/* A local domain that control/lmtp names goes to stamp-lmtp (no alias). */
		lmtp = lmtp_target(s, r);
		if (lmtp != NULL)
			n = same_lmtp(s, m, i, lmtp, now, idx);
		else if (r->local) {
			idx[0] = i;
			n = 1;
		} else
			n = same_domain(m, i, now, idx);
		if (start_job(s, j, m, idx, n, r->local, lmtp) == -1)
			for (size_t k = 0; k < n; k++)
				m->r[idx[k]].next = now + s->conf.retrymin;
	}
	return blocked;
}
