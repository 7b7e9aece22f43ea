/* qdone.c: the scheduler's per-recipient log (see qdone.h). */
#include "qdone.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "qlayout.h"
#include "record.h"

#define QDONE_FILE_MAX (64 * 1024 * 1024)

const char *
rcpt_state_name(enum rcpt_state s)
{
	switch (s) {
	case RS_PENDING:	return "pending";
	case RS_DELIVERED:	return "delivered";
	case RS_FAILED:		return "failed";
	case RS_BOUNCED:	return "bounced";
	}
	return "?";
}

/* "IDX TIME[ TEXT]": 0 and the parts, or -1 when malformed. */
static int
split_event(const struct record *r, size_t *idx, time_t *when,
    const char **text, size_t *textlen)
{
	char		 num[24];
	const char	*p = r->data, *end = r->data + r->len, *sp;
	unsigned long long v[2];

	for (int i = 0; i < 2; i++) {
		for (sp = p; sp < end && *sp != ' '; sp++)
			;
		if (sp == p || (size_t)(sp - p) >= sizeof num)
			return -1;
		memcpy(num, p, (size_t)(sp - p));
		num[sp - p] = '\0';
		if (strspn(num, "0123456789") != strlen(num))
			return -1;
		errno = 0;
		v[i] = strtoull(num, NULL, 10);
		if (errno != 0)
			return -1;
		p = sp < end ? sp + 1 : sp;
	}
	if (v[0] > SIZE_MAX || v[1] > (unsigned long long)LLONG_MAX)
		return -1;
	*idx = (size_t)v[0];
	*when = (time_t)v[1];
	*text = p;
	*textlen = (size_t)(end - p);
	return 0;
}

static void
set_text(struct rcpt_status *s, const char *text, size_t len)
{
	char	*t;

	if (len > QDONE_TEXT_MAX)
		len = QDONE_TEXT_MAX;
	if ((t = strndup(text, len)) == NULL)
		return;		/* the text is for people; the state still counts */
	free(s->text);
	s->text = t;
}

static void
apply(struct rcpt_status *s, char type, time_t when, const char *text, size_t len)
{
	switch (type) {
	case 'K':
		s->state = RS_DELIVERED;
		break;
	case 'D':
		if (s->state != RS_BOUNCED)
			s->state = RS_FAILED;
		break;
	case 'Z':
		if (s->state == RS_PENDING)
			s->tries++;
		break;
	case 'B':
		s->state = RS_BOUNCED;
		return;		/* keeps the failure's text */
	}
	s->last = when;
	set_text(s, text, len);
}

size_t
qdone_parse(const char *buf, size_t len, struct rcpt_status *st, size_t n)
{
	struct record	 r;
	size_t		 pos = 0, good = 0, idx, tlen;
	const char	*text;
	time_t		 when;

	while (record_next(buf, len, &pos, &r) == 1) {
		if (strchr("KDZB", r.type) == NULL ||
		    split_event(&r, &idx, &when, &text, &tlen) == -1)
			break;
		good = pos;
		if (idx < n)
			apply(&st[idx], r.type, when, text, tlen);
	}
	return good;
}

int
qdone_load(const char *queue, const char *id, struct rcpt_status *st, size_t n,
    size_t *goodlen)
{
	char	 rel[64], path[4096];
	char	*buf;
	size_t	 len;

	*goodlen = 0;
	if (qpath(rel, sizeof rel, Q_DONE, id) == -1)
		return -1;
	if (snprintf(path, sizeof path, "%s/%s", queue, rel) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (read_file_max(path, QDONE_FILE_MAX, &buf, &len) == -1)
		return errno == ENOENT ? 0 : -1;
	*goodlen = qdone_parse(buf, len, st, n);
	free(buf);
	return 0;
}

int
qdone_put(struct str *out, char type, size_t idx, time_t when, const char *text)
{
	struct str	 data = STR_INIT;
	size_t		 tl = text != NULL ? strnlen(text, QDONE_TEXT_MAX) : 0;
	int		 rc;

	if (str_appendf(&data, "%zu %lld", idx, (long long)when) == -1 ||
	    (text != NULL && (str_appendc(&data, ' ') == -1 ||
	    str_append(&data, text, tl) == -1))) {
		str_free(&data);
		return -1;
	}
	/* A text never holds a LF: the log stays one record per line to read. */
	for (size_t i = 0; i < data.len; i++)
		if (data.s[i] == '\n' || data.s[i] == '\r' || data.s[i] == '\0')
			data.s[i] = ' ';
	rc = record_put(out, type, data.s, data.len);
	str_free(&data);
	return rc;
}

void
qdone_free(struct rcpt_status *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(st[i].text);
		st[i].text = NULL;
	}
}
