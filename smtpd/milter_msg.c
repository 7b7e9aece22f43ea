/* milter_msg.c: the message the filters see and change (see milter_msg.h). */
#include "milter_msg.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fsutil.h"

#define BODY_DEFAULT_MAX (64ULL << 20)

static int
add_field(struct mmsg *m, size_t at, char *name, char *value)
{
	struct mfield	*v;

	if (m->nf >= MMSG_FIELDS_MAX) {
		free(name);
		free(value);
		errno = E2BIG;
		return -1;
	}
	if ((v = reallocarray(m->f, m->nf + 1, sizeof *v)) == NULL) {
		free(name);
		free(value);
		return -1;
	}
	m->f = v;
	if (at > m->nf)
		at = m->nf;
	memmove(v + at + 1, v + at, (m->nf - at) * sizeof *v);
	v[at].name = name;
	v[at].value = value;
	m->nf++;
	return 0;
}

static void
del_field(struct mmsg *m, size_t at)
{
	free(m->f[at].name);
	free(m->f[at].value);
	memmove(m->f + at, m->f + at + 1, (m->nf - at - 1) * sizeof *m->f);
	m->nf--;
}

/* The length of a field name at p (up to its colon), 0 when the line is no field. */
static size_t
name_len(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && p[i] != ':'; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] > 0x7e)
			return 0;
	return i < n && i > 0 ? i : 0;
}

/* Split the header section of the mapped spool into fields. */
static int
parse_fields(struct mmsg *m)
{
	const char	*p = m->map, *end = m->map + m->maplen;

	while (p < end) {
		const char	*eol, *q = p;
		size_t		 nl;

		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
			m->body_off = (size_t)(p + 2 - m->map);
			return 0;
		}
		if ((nl = name_len(p, (size_t)(end - p))) == 0)
			break;     /* not a field: the body starts here, as Postfix takes it */
		/* The field runs until a line that does not start with white space. */
		for (;;) {
			eol = memchr(q, '\n', (size_t)(end - q));
			q = eol == NULL ? end : eol + 1;
			if (q >= end || (*q != ' ' && *q != '\t'))
				break;
		}
		size_t flen = (size_t)(q - p);
		if (flen > MMSG_FIELD_MAX) {
			errno = E2BIG;
			return -1;
		}
		size_t vlen = flen - nl - 1;
		/* The stored value loses the line end of its last line. */
		if (vlen > 0 && p[nl + vlen] == '\n')
			vlen--;
		if (vlen > 0 && p[nl + vlen] == '\r')
			vlen--;
		char *name = strndup(p, nl), *value = strndup(p + nl + 1, vlen);
		if (name == NULL || value == NULL) {
			free(name);
			free(value);
			return -1;
		}
		if (add_field(m, m->nf, name, value) == -1)
			return -1;
		p = q;
	}
	m->body_off = (size_t)(p - m->map);
	return 0;
}

int
mmsg_load(struct mmsg *m, int fd, const char *sender, char *const *rcpts, size_t nrcpt,
    size_t rcpt_max, unsigned long long max_bytes)
{
	struct stat	 st;

	memset(m, 0, sizeof *m);
	m->max_bytes = max_bytes != 0 ? max_bytes : BODY_DEFAULT_MAX;
	m->rcpt_max = rcpt_max;
	strlcpy(m->sender, sender, sizeof m->sender);
	if ((m->rcpts = calloc(nrcpt + 1, sizeof *m->rcpts)) == NULL)
		return -1;
	for (size_t i = 0; i < nrcpt; i++) {
		if ((m->rcpts[i] = strdup(rcpts[i])) == NULL)
			return -1;
		m->nrcpt++;
	}
	if (fstat(fd, &st) == -1)
		return -1;
	m->maplen = (size_t)st.st_size;
	if (m->maplen > 0) {
		void *p = mmap(NULL, m->maplen, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			return -1;
		m->map = p;
	}
	return parse_fields(m);
}

void
mmsg_free(struct mmsg *m)
{
	for (size_t i = 0; i < m->nf; i++) {
		free(m->f[i].name);
		free(m->f[i].value);
	}
	free(m->f);
	for (size_t i = 0; i < m->nrcpt; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	if (m->map != NULL)
		munmap((void *)m->map, m->maplen);
	str_free(&m->newbody);
	memset(m, 0, sizeof *m);
}

/* ---- sending ---------------------------------------------------------- */

int
mmsg_send_fields(const struct mmsg *m, int leadspc, mmsg_send_fn hdr, void *ctx)
{
	struct str	 d = STR_INIT;
	int		 rc = 0;

	for (size_t i = 0; i < m->nf && rc == 0; i++) {
		const char *v = m->f[i].value;

		if (!leadspc)
			v += strspn(v, " \t");
		str_clear(&d);
		if (milter_put_str(&d, m->f[i].name) == -1) {
			rc = -1;
			break;
		}
		/* Folds go as LF, as Sendmail and Postfix send them. */
		for (; *v != '\0' && rc == 0; v++)
			if (!(v[0] == '\r' && v[1] == '\n'))
				rc = str_appendc(&d, *v);
		if (rc == 0 && str_appendc(&d, '\0') == 0)
			rc = hdr(ctx, SMFIC_HEADER, d.s, d.len);
		else
			rc = -1;
	}
	str_free(&d);
	return rc;
}

int
mmsg_send_body(const struct mmsg *m, mmsg_send_fn body, void *ctx)
{
	const char	*b = m->body_replaced ? m->newbody.s : m->map + m->body_off;
	size_t		 n = m->body_replaced ? m->newbody.len : m->maplen - m->body_off;
	int		 rc;

	for (size_t at = 0; at < n; at += MILTER_CHUNK) {
		size_t k = n - at < MILTER_CHUNK ? n - at : MILTER_CHUNK;
		if ((rc = body(ctx, SMFIC_BODY, b + at, k)) != 0)
			return rc;
	}
	return 0;
}

/* ---- modifications ---------------------------------------------------- */

/* A value from a filter, stored: leading space unless it has its own, folds as CR LF. */
static char *
store_value(const char *v, int leadspc)
{
	struct str	 s = STR_INIT;
	size_t		 n = strlen(v);

	while (n > 0 && (v[n - 1] == '\n' || v[n - 1] == '\r'))
		n--;
	if (n > MMSG_FIELD_MAX || (!leadspc && str_appendc(&s, ' ') == -1))
		goto bad;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\r' && i + 1 < n && v[i + 1] == '\n')
			continue;
		if (v[i] == '\r')
			goto bad;
		/* A line end must start a fold, never a field of its own. */
		if (v[i] == '\n' && (i + 1 >= n || (v[i + 1] != ' ' && v[i + 1] != '\t')))
			goto bad;
		if (v[i] == '\n' ? str_append(&s, "\r\n", 2) == -1 : str_appendc(&s, v[i]) == -1)
			goto bad;
	}
	if (s.s == NULL && str_appendc(&s, '\0') == -1)
		goto bad;
	return s.s;
bad:
	str_free(&s);
	return NULL;
}

static int
change_field(struct mmsg *m, const struct milter_reply *r, int leadspc)
{
	uint32_t	 seen = 0;
	char		*value;

	for (size_t i = 0; i < m->nf; i++) {
		if (strcasecmp(m->f[i].name, r->name) != 0 || ++seen != r->index)
			continue;
		if (r->value[0] == '\0') {
			del_field(m, i);
			return 0;
		}
		if ((value = store_value(r->value, leadspc)) == NULL)
			return -1;
		free(m->f[i].value);
		m->f[i].value = value;
		return 0;
	}
	/* No such field: a change adds it (as Sendmail does), a delete is done. */
	if (r->value[0] == '\0')
		return 0;
	if ((value = store_value(r->value, leadspc)) == NULL)
		return -1;
	return add_field(m, m->nf, strdup(r->name), value);
}

static int
append_body(struct mmsg *m, const char *b, size_t n)
{
	if (!m->replbody_open) {
		str_clear(&m->newbody);
		m->replbody_open = 1;
	}
	m->body_replaced = 1;
	for (size_t i = 0; i < n; i++) {
		int bare = b[i] == '\n' &&
		    (m->newbody.len == 0 || m->newbody.s[m->newbody.len - 1] != '\r');
		if (m->newbody.len + 2 > m->max_bytes) {
			errno = E2BIG;
			return -1;
		}
		if ((bare && str_appendc(&m->newbody, '\r') == -1) ||
		    str_appendc(&m->newbody, b[i]) == -1)
			return -1;
	}
	return 0;
}

static int
parse_addr(const char *s, struct addr *a)
{
	size_t	 used;

	return addr_parse_path(s, strlen(s), ADDR_ALLOW_NULL | ADDR_ALLOW_BARE | ADDR_ALLOW_ROUTE |
	    ADDR_UTF8, a, &used) == ADDR_OK && used == strlen(s) ? 0 : -1;
}

static int
add_rcpt(struct mmsg *m, const char *s)
{
	struct addr	 a;
	char		**v;

	if (parse_addr(s, &a) == -1 || a.is_null || m->nrcpt >= m->rcpt_max)
		return -1;
	for (size_t i = 0; i < m->nrcpt; i++)
		if (strcmp(m->rcpts[i], a.mailbox) == 0)
			return 0;
	if ((v = reallocarray(m->rcpts, m->nrcpt + 2, sizeof *v)) == NULL)
		return -1;
	m->rcpts = v;
	if ((v[m->nrcpt] = strdup(a.mailbox)) == NULL)
		return -1;
	v[++m->nrcpt] = NULL;
	return 0;
}

static int
del_rcpt(struct mmsg *m, const char *s)
{
	struct addr	 a;

	if (parse_addr(s, &a) == -1)
		return -1;
	for (size_t i = 0; i < m->nrcpt; ) {
		if (strcasecmp(m->rcpts[i], a.mailbox) == 0) {
			free(m->rcpts[i]);
			memmove(m->rcpts + i, m->rcpts + i + 1, (m->nrcpt - i) * sizeof *m->rcpts);
			m->nrcpt--;
		} else
			i++;
	}
	return 0;
}

int
mmsg_apply(void *ctx, const struct milter_reply *r, int leadspc)
{
	struct mmsg	*m = ctx;
	struct addr	 a;
	char		*value;

	m->changed = 1;
	switch (r->code) {
	case SMFIR_ADDHEADER:
	case SMFIR_INSHEADER:
		if ((value = store_value(r->value, leadspc)) == NULL)
			return -1;
		return add_field(m, r->code == SMFIR_ADDHEADER ? m->nf : r->index,
		    strdup(r->name), value);
	case SMFIR_CHGHEADER:
		return change_field(m, r, leadspc);
	case SMFIR_REPLBODY:
		return append_body(m, r->body, r->bodylen);
	case SMFIR_CHGFROM:
		if (parse_addr(r->name, &a) == -1)
			return -1;
		strlcpy(m->sender, a.mailbox, sizeof m->sender);
		return 0;
	case SMFIR_ADDRCPT:
	case SMFIR_ADDRCPT_PAR:
		return add_rcpt(m, r->name);
	case SMFIR_DELRCPT:
		return del_rcpt(m, r->name);
	case SMFIR_QUARANTINE:
		strlcpy(m->quarantine, r->name[0] ? r->name : "quarantined by a filter",
		    sizeof m->quarantine);
		for (char *p = m->quarantine; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		return 0;
	}
	return -1;
}

void
mmsg_filter_done(struct mmsg *m)
{
	m->replbody_open = 0;
}

/* ---- writing ---------------------------------------------------------- */

int
mmsg_write(const struct mmsg *m)
{
	struct str	 h = STR_INIT;
	const char	*b = m->body_replaced ? m->newbody.s : m->map + m->body_off;
	size_t		 n = m->body_replaced ? m->newbody.len : m->maplen - m->body_off;
	int		 fd = -1, e;

	for (size_t i = 0; i < m->nf; i++)
		if (str_appendf(&h, "%s:%s\r\n", m->f[i].name, m->f[i].value) == -1)
			goto fail;
	if (str_append(&h, "\r\n", 2) == -1)
		goto fail;
	if ((fd = memfd_create("stamp-smtpd-milter", MFD_CLOEXEC)) == -1 ||
	    write_full(fd, h.s, h.len) == -1 || (n > 0 && write_full(fd, b, n) == -1) ||
	    lseek(fd, 0, SEEK_SET) == -1)
		goto fail;
	str_free(&h);
	return fd;
fail:
	e = errno;
	str_free(&h);
	if (fd != -1)
		close(fd);
	errno = e;
	return -1;
}
