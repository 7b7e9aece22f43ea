/* rroute.c: smtproutes lines, and the most specific one for a domain. */
#include "rroute.h"

#include <string.h>
#include <strings.h>

static int
parse_port(const char *s, unsigned short *port)
{
	unsigned long	 v = 0;
	size_t		 n = strlen(s);

	if (n == 0 || n > 5 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

/* host[:port] or [literal][:port], or "" (MX lookup). */
static int
parse_target(const char *s, struct rroute *out)
{
	const char	*end, *port = NULL;
	size_t		 n;

	out->host[0] = '\0';
	out->port = 25;
	if (*s == '\0')
		return 0;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		end++;                          /* the brackets stay: it is a literal */
		if (*end == ':')
			port = end + 1;
		else if (*end != '\0')
			return -1;
	} else {
		end = strchr(s, ':');
		if (end != NULL)
			port = end + 1;
		else
			end = s + strlen(s);
	}
	n = (size_t)(end - s);
	if (n == 0 || n >= sizeof out->host || (n == 2 && s[0] == '['))
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '@')
			return -1;
	memcpy(out->host, s, n);
	out->host[n] = '\0';
	if (port != NULL && parse_port(port, &out->port) < 0)
		return -1;
	return 0;
}

int
rroute_parse(const char *line, char *key, size_t keysz, struct rroute *out)
{
	const char	*colon = strchr(line, ':');
	size_t		 n;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - line);
	if (n >= keysz || (n == 1 && line[0] == '.'))
		return -1;
	memcpy(key, line, n);
	key[n] = '\0';
	return parse_target(colon + 1, out);
}

/* The line whose key is want; 1 found, 0 not, -1 malformed. */
static int
find_key(const struct ctl_list *routes, const char *want, struct rroute *out, const char **bad)
{
	char	 key[RROUTE_HOST_MAX];

	for (size_t i = 0; i < routes->n; i++) {
		const char	*line = routes->items[i];
		const char	*colon = strchr(line, ':');

		if (colon == NULL) {
			continue;               /* not a route for any domain */
		}
		if ((size_t)(colon - line) != strlen(want) ||
		    strncasecmp(line, want, (size_t)(colon - line)) != 0)
			continue;
		if (rroute_parse(line, key, sizeof key, out) < 0) {
			*bad = line;
			return -1;
		}
		return 1;
	}
	return 0;
}

int
rroute_find(const struct ctl_list *routes, const char *domain, struct rroute *out,
    const char **bad)
{
	int	 r;

	*bad = NULL;
	if ((r = find_key(routes, domain, out, bad)) != 0)
		return r;
	for (const char *p = strchr(domain, '.'); p != NULL; p = strchr(p + 1, '.'))
		if ((r = find_key(routes, p, out, bad)) != 0)
			return r;
	return find_key(routes, "", out, bad);
}
