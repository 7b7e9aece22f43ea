/* pop3cmd.c: keyword and arguments of a POP3 command line. */
#include "pop3cmd.h"

#include <string.h>
#include <strings.h>

static const struct { const char *kw; enum pop3_verb v; } verbs[] = {
	{ "USER", P_USER }, { "PASS", P_PASS }, { "APOP", P_APOP }, { "AUTH", P_AUTH },
	{ "QUIT", P_QUIT }, { "STAT", P_STAT }, { "LIST", P_LIST }, { "RETR", P_RETR },
	{ "DELE", P_DELE }, { "NOOP", P_NOOP }, { "RSET", P_RSET }, { "TOP", P_TOP },
	{ "UIDL", P_UIDL }, { "CAPA", P_CAPA }, { "STLS", P_STLS },
};

enum pop3_parse
pop3_parse(const char *line, size_t len, struct pop3_cmd *c)
{
	char	*p, *sp;

	memset(c, 0, sizeof *c);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= sizeof c->buf || memchr(line, '\0', len) != NULL)
		return PP_BAD;
	memcpy(c->buf, line, len);
	c->buf[len] = '\0';
	if (len == 0)
		return PP_EMPTY;
	if ((sp = strchr(c->buf, ' ')) != NULL)
		*sp = '\0';
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcasecmp(c->buf, verbs[i].kw) == 0)
			c->verb = verbs[i].v;
	if (sp == NULL)
		return PP_OK;
	c->rest = sp + 1;
	if (c->verb == P_PASS) {
		c->arg[0] = c->rest;
		c->nargs = 1;
		return PP_OK;
	}
	/* Single spaces between arguments; an empty one (two spaces, a trailing space) is bad. */
	for (p = c->rest; p != NULL; p = sp) {
		if ((sp = strchr(p, ' ')) != NULL)
			*sp++ = '\0';
		if (*p == '\0')
			return PP_BAD;
		if (c->nargs < POP3_ARGS_MAX)
			c->arg[c->nargs] = p;
		if (c->nargs <= POP3_ARGS_MAX)
			c->nargs++;
	}
	return PP_OK;
}

static int
decimal(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0' || strlen(s) > 19)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return 0;
	*out = v;
	return 1;
}

int
pop3_msgno(const char *s, size_t max, size_t *out)
{
	unsigned long long v;

	if (!decimal(s, max, &v) || v == 0)
		return 0;
	*out = (size_t)v;
	return 1;
}

int
pop3_count(const char *s, long *out)
{
	unsigned long long v;

	if (!decimal(s, 1000000000ULL, &v))
		return 0;
	*out = (long)v;
	return 1;
}
