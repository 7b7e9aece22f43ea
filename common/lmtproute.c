/* lmtproute.c: control/lmtp lines (lmtproute.h). */
#include "lmtproute.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

/* The line whose key (before its first ':') is want. */
static const char *
find_key(const struct ctl_list *l, const char *want)
{
	size_t	 wl = strlen(want);

	for (size_t i = 0; i < l->n; i++) {
		const char *colon = strchr(l->items[i], ':');

		if (colon != NULL && (size_t)(colon - l->items[i]) == wl &&
		    strncasecmp(l->items[i], want, wl) == 0)
			return colon + 1;
	}
	return NULL;
}

const char *
lmtp_find(const struct ctl_list *l, const char *domain)
{
	const char	*t;

	if (*domain == '\0')
		return NULL;
	if ((t = find_key(l, domain)) != NULL)
		return t;
	for (const char *p = strchr(domain, '.'); p != NULL; p = strchr(p + 1, '.'))
		if ((t = find_key(l, p)) != NULL)
			return t;
	return find_key(l, "");
}

static int
parse_port(const char *s, unsigned short *port)
{
	unsigned long	 v = 0;
	size_t		 n = strlen(s);

	if (n == 0 || n > 5 || s[0] == '0' || strspn(s, "0123456789") != n)
		return -1;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

static int
parse_inet(const char *s, struct lmtp_target *t, const char **why)
{
	const char	*colon = strrchr(s, ':');
	unsigned char	 bin[16];
	size_t		 hl;

	*why = "inet: needs HOST:PORT, HOST a numeric address or localhost";
	if (colon == NULL || colon == s)
		return -1;
	hl = (size_t)(colon - s);
	if (s[0] == '[' && hl > 2 && colon[-1] == ']')
		s++, hl -= 2;
	if (hl >= sizeof t->host)
		return -1;
	memcpy(t->host, s, hl);
	t->host[hl] = '\0';
	if (strcasecmp(t->host, "localhost") == 0)
		(void)strlcpy(t->host, "127.0.0.1", sizeof t->host);
	if (inet_pton(AF_INET, t->host, bin) != 1 && inet_pton(AF_INET6, t->host, bin) != 1)
		return -1;
	if (parse_port(colon + 1, &t->port) < 0) {
		*why = "inet: the port is not a number from 1 to 65535";
		return -1;
	}
	t->kind = LMTP_INET;
	return 0;
}

int
lmtp_parse(const char *spec, struct lmtp_target *t, const char **why)
{
	memset(t, 0, sizeof *t);
	if (strncmp(spec, "inet:", 5) == 0)
		return parse_inet(spec + 5, t, why);
	if (strncmp(spec, "unix:", 5) == 0) {
		if (spec[5] != '/' || strpbrk(spec, " \t") != NULL) {
			*why = "unix: needs one absolute socket path";
			return -1;
		}
		if (strlcpy(t->path, spec + 5, sizeof t->path) >= sizeof t->path) {
			*why = "unix: the socket path is too long";
			return -1;
		}
		t->kind = LMTP_UNIX;
		return 0;
	}
	*why = "not inet:HOST:PORT or unix:/path";
	return -1;
}
