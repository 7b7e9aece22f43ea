/* milter_codec.c: milter packets in and out (see milter_codec.h). */
#include "milter_codec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

uint32_t
milter_get32(const void *p)
{
	const unsigned char *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void
milter_put32(void *p, uint32_t v)
{
	unsigned char *b = p;

	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
}

int
milter_encode(struct str *out, char cmd, const void *data, size_t len)
{
	char	 head[5];

	if (len + 1 > MILTER_PKT_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	milter_put32(head, (uint32_t)(len + 1));
	head[4] = cmd;
	if (str_append(out, head, sizeof head) == -1)
		return -1;
	return len == 0 ? 0 : str_append(out, data, len);
}

int
milter_put_str(struct str *out, const char *s)
{
	return str_append(out, s != NULL ? s : "", s != NULL ? strlen(s) + 1 : 1);
}

long
milter_decode(const char *buf, size_t n, struct milter_pkt *p)
{
	uint32_t	 len;

	if (n < 4)
		return 0;
	len = milter_get32(buf);
	if (len == 0 || len > MILTER_PKT_MAX)
		return -1;
	if (n - 4 < len)
		return 0;
	p->cmd = buf[4];
	p->data = buf + 5;
	p->len = len - 1;
	return (long)len + 4;
}

/* ---- reading the data of a packet --------------------------------- */

struct cursor {
	const char	*p;
	size_t		 left;
};

static int
take32(struct cursor *c, uint32_t *v)
{
	if (c->left < 4)
		return -1;
	*v = milter_get32(c->p);
	c->p += 4;
	c->left -= 4;
	return 0;
}

/* A NUL-ended string at the cursor; NULL when its NUL is missing. */
static const char *
takestr(struct cursor *c)
{
	const char	*s = c->p, *nul = memchr(c->p, '\0', c->left);

	if (nul == NULL)
		return NULL;
	c->left -= (size_t)(nul - c->p) + 1;
	c->p = nul + 1;
	return s;
}

int
milter_parse_neg(const struct milter_pkt *pk, struct milter_neg *n, const char **why)
{
	struct cursor	 c = { pk->data, pk->len };

	memset(n, 0, sizeof *n);
	if (pk->cmd != SMFIC_OPTNEG) {
		*why = "no option negotiation answer";
		return -1;
	}
	if (take32(&c, &n->version) == -1 || take32(&c, &n->actions) == -1 ||
	    take32(&c, &n->proto) == -1) {
		*why = "short option negotiation";
		return -1;
	}
	if (n->version < 2 || n->version > MILTER_VERSION) {
		*why = "unsupported protocol version";
		return -1;
	}
	/*
	 * A filter asking for more than we offer gets what we offer only. For
	 * the protocol flags that is safe: every flag that changes who answers
	 * (the NR_* ones) is offered; what is left (RCPT_REJ, the MDS_* chunk
	 * sizes) only widens what we would send, and we send less.
	 */
	n->actions &= MILTER_ACTIONS;
	n->proto &= MILTER_PROTO;
	while (c.left > 0) {
		uint32_t	 st;
		const char	*list;

		if (take32(&c, &st) == -1 || (list = takestr(&c)) == NULL) {
			*why = "malformed macro list";
			return -1;
		}
		if (st >= MST_COUNT || strlen(list) >= MILTER_MACROLIST_MAX) {
			*why = "macro list for an unknown stage, or too long";
			return -1;
		}
		strlcpy(n->macros[st], list, sizeof n->macros[st]);
		n->has_macros[st] = 1;
	}
	return 0;
}

/* ---- replies ---------------------------------------------------------- */

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* "[45]NN " then printable text; an enhanced code is added when missing. */
static int
reply_line(const char *data, size_t len, char *out, size_t outsz)
{
	char		 line[MILTER_REPLY_MAX + 1];
	const char	*last = data, *p, *text;
	size_t		 n;

	/* Multi-line (smfi_setmlreply): "550-... CR LF 550 ..."; the last line is the answer. */
	for (p = data; (p = memchr(p, '\n', len - (size_t)(p - data))) != NULL; p++)
		last = p + 1;
	n = strnlen(last, len - (size_t)(last - data));
	if (n == 0 || n > MILTER_REPLY_MAX)
		return -1;
	memcpy(line, last, n);
	line[n] = '\0';
	if ((line[0] != '4' && line[0] != '5') || line[1] < '0' || line[1] > '9' ||
	    line[2] < '0' || line[2] > '9' || (line[3] != ' ' && line[3] != '\0') ||
	    !printable(line))
		return -1;
	text = line[3] == ' ' ? line + 4 : "";
	/* An enhanced code (RFC 3463) of the reply's class, or ours. */
	if (text[0] == line[0] && text[1] == '.' && strspn(text + 2, "0123456789.") > 2 &&
	    strchr(text, ' ') != NULL)
		snprintf(out, outsz, "%s", line);
	else
		snprintf(out, outsz, "%.3s %c.7.1 %s", line, line[0], *text ? text : "Refused by filter");
	return 0;
}

/* A header: name, value; the name must be a field name (RFC 5322 2.2). */
static int
header_pair(struct cursor *c, struct milter_reply *r)
{
	if ((r->name = takestr(c)) == NULL || (r->value = takestr(c)) == NULL)
		return -1;
	if (r->name[0] == '\0' || strlen(r->name) > 256)
		return -1;
	for (const char *p = r->name; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p > 0x7e || *p == ':')
			return -1;
	return 0;
}

int
milter_parse_reply(const struct milter_pkt *pk, struct milter_reply *r, const char **why)
{
	struct cursor	 c = { pk->data, pk->len };

	memset(r, 0, sizeof *r);
	r->code = pk->cmd;
	*why = "malformed reply";
	switch (pk->cmd) {
	case SMFIR_ACCEPT: case SMFIR_CONTINUE: case SMFIR_DISCARD: case SMFIR_REJECT:
	case SMFIR_TEMPFAIL: case SMFIR_SKIP: case SMFIR_PROGRESS:
		return 0;
	case SMFIR_SHUTDOWN: case SMFIR_CONN_FAIL:
		r->code = SMFIR_TEMPFAIL;   /* the filter gives up: a temporary failure */
		return 0;
	case SMFIR_REPLYCODE:
		if (reply_line(pk->data, pk->len, r->text, sizeof r->text) == -1) {
			*why = "reply code is not 4xx or 5xx printable text";
			return -1;
		}
		return 0;
	case SMFIR_ADDHEADER:
		return header_pair(&c, r);
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER:
		if (take32(&c, &r->index) == -1)
			return -1;
		return header_pair(&c, r);
	case SMFIR_REPLBODY:
		r->body = pk->data;
		r->bodylen = pk->len;
		return 0;
	case SMFIR_ADDRCPT:
	case SMFIR_DELRCPT:
	case SMFIR_QUARANTINE:
		return (r->name = takestr(&c)) == NULL ? -1 : 0;
	case SMFIR_CHGFROM:
	case SMFIR_ADDRCPT_PAR:
		if ((r->name = takestr(&c)) == NULL)
			return -1;
		if (c.left > 0 && (r->args = takestr(&c)) == NULL)
			return -1;
		return 0;
	default:
		*why = "unknown reply";
		return -1;
	}
}
