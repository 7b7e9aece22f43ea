/* qmsg.c: one queued message for the queue tools (see qmsg.h). */
#include "qmsg.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "fsutil.h"
#include "home.h"
#include "log.h"

#define ENVELOPE_FILE_MAX (ENV_RCPT_MAX * (ADDR_PATH_MAX + 16) + 4096)

static int
join(char *out, size_t outsz, const char *queue, enum qstate st, const char *id)
{
	char rel[64];
	int n;

	if (qpath(rel, sizeof rel, st, id) == -1)
		return -1;
	n = snprintf(out, outsz, "%s/%s", queue, rel);
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

enum qmsg_load
qmsg_load(const char *queue, const struct qentry *e, struct qmsg *m)
{
	char path[HOME_PATH_MAX];
	size_t len, good;
	char *buf;

	memset(m, 0, sizeof *m);
	m->e = *e;
	if (join(path, sizeof path, queue, e->state, e->id) == -1)
		return QM_ERROR;
	if (read_file_max(path, ENVELOPE_FILE_MAX, &buf, &len) == -1)
		return errno == ENOENT ? QM_GONE : QM_ERROR;
	if (envelope_parse(buf, len, &m->env) != ENV_OK) {
		free(buf);
		return QM_INVALID;
	}
	free(buf);
	if (join(path, sizeof path, queue, Q_MESS, e->id) == -1 || stat(path, &m->st) == -1) {
		int gone = errno == ENOENT;

		envelope_free(&m->env);
		return gone ? QM_GONE : QM_ERROR;
	}
	if ((m->rs = calloc(m->env.nrcpt, sizeof *m->rs)) == NULL ||
	    qdone_load(queue, e->id, m->rs, m->env.nrcpt, &good) == -1) {
		free(m->rs);
		envelope_free(&m->env);
		return QM_ERROR;
	}
	return QM_OK;
}

void
qmsg_free(struct qmsg *m)
{
	if (m->rs != NULL)
		qdone_free(m->rs, m->env.nrcpt);
	free(m->rs);
	m->rs = NULL;
	envelope_free(&m->env);
}

int
qmsg_find(const char *queue, const char *id, struct qentry *e)
{
	static const enum qstate states[] = { Q_INFO, Q_TODO, Q_INFO, Q_HOLD };
	char path[HOME_PATH_MAX];

	/* info first and last: the scheduler may move todo to info between our looks. */
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
		if (join(path, sizeof path, queue, states[i], id) == -1)
			return -1;
		if (access(path, F_OK) == 0) {
			memcpy(e->id, id, QID_LEN + 1);
			e->state = states[i];
			return 1;
		}
		if (errno != ENOENT)
			return -1;
	}
	return 0;
}

int
qmsg_match(const struct qmsg *m, const char *sender_pat, const char *rcpt_pat)
{
	if (sender_pat != NULL) {
		const char *s = m->env.sender;
		int ok = fnmatch(sender_pat, s, FNM_CASEFOLD) == 0 ||
		    (s[0] == '\0' && fnmatch(sender_pat, "<>", FNM_CASEFOLD) == 0);

		if (!ok)
			return 0;
	}
	if (rcpt_pat == NULL)
		return 1;
	for (size_t i = 0; i < m->env.nrcpt; i++)
		if (fnmatch(rcpt_pat, m->env.rcpt[i], FNM_CASEFOLD) == 0)
			return 1;
	return 0;
}

int
qretry_read(struct qretry *r)
{
	if (ctl_number("retrymin", &r->min) == -1 || ctl_number("retrymax", &r->max) == -1) {
		log_warnx("reason=\"cannot read a control file\" home=%s", home_dir());
		return -1;
	}
	return 0;
}

time_t
qretry_next(const struct qretry *r, const struct rcpt_status *st)
{
	long long d = r->min;

	if (st->state != RS_PENDING || st->tries == 0)
		return 0;
	for (unsigned i = 1; i < st->tries && d < r->max; i++)
		d *= 2;
	return st->last + (d < r->max ? d : r->max);
}

void
qmsg_print_rcpt(FILE *f, const struct qmsg *m, size_t i, const struct qretry *r, time_t now)
{
	const struct rcpt_status *rs = &m->rs[i];
	time_t t = qretry_next(r, rs);
	char age[32], q[LOG_QUOTE_MAX];

	fprintf(f, "  %s state=%s tries=%u", m->env.rcpt[i],
	    m->e.state == Q_TODO ? "new" : m->e.state == Q_HOLD ? "held" :
	    rcpt_state_name(rs->state), rs->tries);
	if (t != 0) {
		qtool_age(age, sizeof age, (long long)(t > now ? t - now : 0));
		fprintf(f, " next=%s", age);
	}
	if (rs->text != NULL)
		fprintf(f, " last=%s", log_quotes(q, sizeof q, rs->text));
	fputc('\n', f);
}
