/*
 * address.c: RFC 5321 section 4.1.2 paths and mailboxes (see address.h).
 *
 * A recursive-descent parser over a bounded cursor: it never reads past
 * len, never needs a NUL, and says why it refused.
 */
#include "address.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

struct cur {
	const char	*s;
	size_t		 len, pos;
	unsigned	 flags;
	int		 has8;
};

static int
peek(const struct cur *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

/* Consume one UTF-8 character if allowed: its length, 0 if none, -1 error. */
static int
take_utf8(struct cur *c, enum addr_error *err)
{
	size_t	 n;

	if (peek(c) < 0x80)
		return 0;
	if (!(c->flags & ADDR_UTF8)) {
		*err = ADDR_E8BIT;
		return -1;
	}
	n = utf8_seqlen((const unsigned char *)c->s + c->pos, c->len - c->pos);
	if (n == 0) {
		*err = ADDR_E8BIT;
		return -1;
	}
	c->pos += n;
	c->has8 = 1;
	return (int)n;
}

/* ASCII only, whatever the locale says. */
static int
is_letdig(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9');
}

static int
is_atext(int ch)
{
	/* strchr() would match the terminating NUL, so rule it out first. */
	return is_letdig(ch) ||
	    (ch > 0 && ch < 0x80 && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

/* Dot-string: Atom *("." Atom). Copies into out (decoded == as written). */
static enum addr_error
dot_string(struct cur *c, char *out, size_t outsz, size_t *outlen)
{
	enum addr_error	 err = ADDR_OK;
	size_t		 start = c->pos;
	int		 atom = 0, r;

	for (;;) {
		int ch = peek(c);
		if (is_atext(ch)) {
			c->pos++;
			atom = 1;
		} else if ((r = take_utf8(c, &err)) > 0)
			atom = 1;
		else if (r < 0)
			return err;
		else if (ch == '.' && atom) {
			c->pos++;
			atom = 0;
		} else
			break;
	}
	if (!atom)
		return ADDR_ESYNTAX;
	if (c->pos - start >= outsz)
		return ADDR_ETOOLONG;
	memcpy(out, c->s + start, c->pos - start);
	*outlen = c->pos - start;
	out[*outlen] = '\0';
	return ADDR_OK;
}

/* Quoted-string, decoded into out; the written length is bounded too. */
static enum addr_error
quoted_string(struct cur *c, char *out, size_t outsz, size_t *outlen)
{
	enum addr_error	 err = ADDR_OK;
	size_t		 n = 0, start = c->pos;
	int		 ch, r;

	c->pos++;	/* the opening quote */
	for (;;) {
		if (c->pos - start > ADDR_LOCAL_MAX + 1)
			return ADDR_ETOOLONG;
		ch = peek(c);
		if (ch == '"')
			break;
		if (ch == '\\') {
			c->pos++;
			ch = peek(c);
			/* quoted-pairSMTP is ASCII only, even with SMTPUTF8. */
			if (ch < 32 || ch > 126)
				return ch >= 0x80 && !(c->flags & ADDR_UTF8) ?
				    ADDR_E8BIT : ADDR_ESYNTAX;
		} else if (ch >= 0x80) {
			size_t at = c->pos;
			if ((r = take_utf8(c, &err)) < 0)
				return err;
			if (n + (size_t)r >= outsz)
				return ADDR_ETOOLONG;
			memcpy(out + n, c->s + at, (size_t)r);
			n += (size_t)r;
			continue;
		} else if (ch < 32 || ch > 126)
			return ADDR_ESYNTAX;
		if (n + 1 >= outsz)
			return ADDR_ETOOLONG;
		out[n++] = (char)ch;
		c->pos++;
	}
	c->pos++;	/* the closing quote */
	if (c->pos - start > ADDR_LOCAL_MAX)
		return ADDR_ETOOLONG;
	out[n] = '\0';
	*outlen = n;
	return ADDR_OK;
}

/* sub-domain *("." sub-domain), each Let-dig [Ldh-str], at most 63 octets. */
static enum addr_error
domain(struct cur *c)
{
	enum addr_error	 err = ADDR_OK;
	size_t		 start = c->pos, label = 0;
	int		 last = -1, r;

	for (;;) {
		int ch = peek(c);
		if (is_letdig(ch)) {
			c->pos++;
			label++;
			last = ch;
		} else if (ch == '-' && label > 0) {
			c->pos++;
			label++;
			last = ch;
		} else if ((r = take_utf8(c, &err)) > 0) {
			label += (size_t)r;
			last = 'a';
		} else if (r < 0)
			return err;
		else if (ch == '.' && label > 0 && last != '-') {
			c->pos++;
			label = 0;
			last = '.';
		} else
			break;
		if (label > 63)
			return ADDR_ETOOLONG;
	}
	/* Empty, a trailing dot or hyphen: not a domain. */
	if (label == 0 || last == '-')
		return ADDR_ESYNTAX;
	if (c->pos - start > ADDR_DOMAIN_MAX)
		return ADDR_ETOOLONG;
	return ADDR_OK;
}

static int
ipv4(const char *s, size_t n)
{
	int	 parts = 0;
	size_t	 i = 0;

	while (parts < 4) {
		size_t d = 0;
		unsigned v = 0;
		while (i < n && d < 3 && s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (unsigned)(s[i++] - '0'), d++;
		if (d == 0 || v > 255)
			return 0;
		if (++parts < 4 && (i >= n || s[i++] != '.'))
			return 0;
	}
	return i == n;
}

/* "[" ( IPv4 / "IPv6:" IPv6 / tag ":" dcontent ) "]" */
static enum addr_error
literal(struct cur *c, enum addr_literal *kind)
{
	const char	*body, *colon;
	const char	*close = memchr(c->s + c->pos, ']', c->len - c->pos);
	size_t		 n;
	char		 v6[64];
	unsigned char	 bin[16];

	if (close == NULL)
		return ADDR_ESYNTAX;
	body = c->s + c->pos + 1;
	n = (size_t)(close - body);
	/* The brackets count: the literal is the domain as stored. */
	if (n + 2 > ADDR_DOMAIN_MAX)
		return ADDR_ETOOLONG;
	/* Printable ASCII only; a NUL would also cut inet_pton() short. */
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)body[i] >= 0x80)
			return ADDR_E8BIT;
		if (body[i] < 33 || body[i] > 126)
			return ADDR_ESYNTAX;
	}
	if (ipv4(body, n))
		*kind = ADDR_LIT_IPV4;
	else if (n > 5 && strncasecmp(body, "IPv6:", 5) == 0) {
		if (n - 5 >= sizeof v6)
			return ADDR_ESYNTAX;
		memcpy(v6, body + 5, n - 5);
		v6[n - 5] = '\0';
		if (inet_pton(AF_INET6, v6, bin) != 1)
			return ADDR_ESYNTAX;
		*kind = ADDR_LIT_IPV6;
	} else {
		/* General-address-literal: Standardized-tag ":" 1*dcontent */
		if ((colon = memchr(body, ':', n)) == NULL || colon == body ||
		    colon[-1] == '-' || colon + 1 == body + n)
			return ADDR_ESYNTAX;
		for (const char *p = body; p < colon; p++)
			if (!is_letdig(*p) && *p != '-')
				return ADDR_ESYNTAX;
		for (const char *p = colon + 1; p < body + n; p++)
			if (*p == '[' || *p == '\\')
				return ADDR_ESYNTAX;
		*kind = ADDR_LIT_GENERAL;
	}
	c->pos += n + 2;
	return ADDR_OK;
}

int
addr_is_dotstring(const char *local, size_t len, unsigned flags)
{
	struct cur	 c = { local, len, 0, flags, 0 };
	char		 tmp[ADDR_LOCAL_MAX + 1];
	size_t		 n;

	if (len == 0 || len > ADDR_LOCAL_MAX)
		return 0;
	return dot_string(&c, tmp, sizeof tmp, &n) == ADDR_OK && c.pos == len;
}

/*
 * The canonical form: the local part as a dot-string when it is one, else
 * quoted with only " and \ escaped; then "@" and the domain as written.
 * It must fit in a path with its brackets.
 */
static enum addr_error
canonical(struct addr *a, unsigned flags)
{
	char	 buf[2 * ADDR_LOCAL_MAX + 2 + 1 + ADDR_DOMAIN_MAX + 1];
	size_t	 n = 0, dlen = strlen(a->domain);

	if (addr_is_dotstring(a->local, a->local_len, flags)) {
		memcpy(buf, a->local, a->local_len);
		n = a->local_len;
	} else {
		buf[n++] = '"';
		for (size_t i = 0; i < a->local_len; i++) {
			if (a->local[i] == '"' || a->local[i] == '\\')
				buf[n++] = '\\';
			buf[n++] = a->local[i];
		}
		buf[n++] = '"';
	}
	if (dlen > 0) {
		buf[n++] = '@';
		memcpy(buf + n, a->domain, dlen);
		n += dlen;
	}
	if (n > ADDR_PATH_MAX - 2)
		return ADDR_ETOOLONG;
	memcpy(a->mailbox, buf, n);
	a->mailbox[n] = '\0';
	return ADDR_OK;
}

static enum addr_error
mailbox(struct cur *c, struct addr *a)
{
	enum addr_error	 err;
	size_t		 start = c->pos, dstart;

	if (peek(c) == '"') {
		err = quoted_string(c, a->local, sizeof a->local,
		    &a->local_len);
		a->was_quoted = 1;
	} else
		err = dot_string(c, a->local, sizeof a->local, &a->local_len);
	if (err != ADDR_OK)
		return err;
	if (peek(c) == '@') {
		c->pos++;
		dstart = c->pos;
		if (peek(c) == '[')
			err = literal(c, &a->literal);
		else
			err = domain(c);
		if (err != ADDR_OK)
			return err;
		/* Both parsers bound the length by ADDR_DOMAIN_MAX. */
		memcpy(a->domain, c->s + dstart, c->pos - dstart);
		a->domain[c->pos - dstart] = '\0';
	} else if (!(c->flags & ADDR_ALLOW_LOCAL))
		return ADDR_ESYNTAX;
	/* As written, too, a mailbox must fit in a path with its brackets. */
	if (c->pos - start > ADDR_PATH_MAX - 2)
		return ADDR_ETOOLONG;
	return canonical(a, c->flags);
}

/* A-d-l ":" : "@" Domain *( "," "@" Domain ) ":" */
static enum addr_error
route(struct cur *c)
{
	enum addr_error	 err;

	for (;;) {
		if (peek(c) != '@')
			return ADDR_ESYNTAX;
		c->pos++;
		if ((err = domain(c)) != ADDR_OK)
			return err;
		if (peek(c) == ':') {
			c->pos++;
			return ADDR_OK;
		}
		if (peek(c) != ',')
			return ADDR_ESYNTAX;
		c->pos++;
	}
}

static void
addr_clear(struct addr *a)
{
	memset(a, 0, sizeof *a);
}

enum addr_error
addr_parse_path(const char *s, size_t len, unsigned flags, struct addr *out,
    size_t *consumed)
{
	struct cur	 c = { s, len, 0, flags, 0 };
	enum addr_error	 err;

	addr_clear(out);
	if (peek(&c) != '<') {
		if (!(flags & ADDR_ALLOW_BARE))
			return ADDR_ESYNTAX;
		if ((err = mailbox(&c, out)) != ADDR_OK)
			goto fail;
		if (c.pos < len && s[c.pos] != ' ') {
			err = ADDR_ESYNTAX;
			goto fail;
		}
		goto done;
	}
	c.pos++;
	if (peek(&c) == '>') {
		if (!(flags & ADDR_ALLOW_NULL)) {
			err = ADDR_ENULL;
			goto fail;
		}
		c.pos++;
		out->is_null = 1;
		goto done;
	}
	if (peek(&c) == '@') {
		if ((err = route(&c)) != ADDR_OK)
			goto fail;
		if (!(flags & ADDR_ALLOW_ROUTE)) {
			err = ADDR_EROUTE;
			goto fail;
		}
		out->had_route = 1;
	}
	if ((err = mailbox(&c, out)) != ADDR_OK)
		goto fail;
	if (peek(&c) != '>') {
		err = ADDR_ESYNTAX;
		goto fail;
	}
	c.pos++;
	/* The route counts too (RFC 5321 4.5.3.1.3), though it is dropped. */
	if (c.pos > ADDR_PATH_MAX) {
		err = ADDR_ETOOLONG;
		goto fail;
	}
done:
	out->has_8bit = c.has8;
	if (consumed != NULL)
		*consumed = c.pos;
	return ADDR_OK;
fail:
	addr_clear(out);
	return err;
}

enum addr_error
addr_parse_mailbox(const char *s, size_t len, unsigned flags, struct addr *out)
{
	struct cur	 c = { s, len, 0, flags, 0 };
	enum addr_error	 err;

	addr_clear(out);
	if (len == 0)
		return ADDR_ESYNTAX;
	if ((err = mailbox(&c, out)) == ADDR_OK && c.pos != len)
		err = ADDR_ESYNTAX;
	if (err != ADDR_OK) {
		addr_clear(out);
		return err;
	}
	out->has_8bit = c.has8;
	return ADDR_OK;
}

const char *
addr_strerror(enum addr_error e)
{
	switch (e) {
	case ADDR_OK:		return "no error";
	case ADDR_ESYNTAX:	return "not an RFC 5321 mailbox";
	case ADDR_ETOOLONG:
		return "too long (local part 64, domain 255, path 256 octets)";
	case ADDR_EROUTE:	return "source routes are not accepted";
	case ADDR_E8BIT:
		return "8-bit characters need SMTPUTF8, and valid UTF-8";
	case ADDR_ENULL:	return "the null path <> is not allowed here";
	}
	return "unknown address error";
}

int
addr_domain_cmp(const char *a, const char *b)
{
	return strcasecmp(a, b);
}
