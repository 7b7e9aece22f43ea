/*
 * dns.c: a private glibc resolver (res_ninit) and the lookups on top of it.
 *
 * glibc keeps IPv4 servers in nsaddr_list and IPv6 ones behind
 * _u._ext.nsaddrs (malloc'd, freed by res_nclose); an entry whose
 * nsaddr_list family is 0 is taken from nsaddrs (glibc's __res_get_nsaddr).
 * Setting _u._ext.nscount to 0 makes res_send rebuild its private copy on
 * the next query, so servers set here after res_ninit take effect.
 * Truncated UDP answers are retried over TCP by res_send itself (we never
 * set RES_IGNTC); test_remote_dns checks that with an answer over 4 KiB.
 */
#include "dns.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

/* Decimal port 1..65535, the whole of s. */
static int
parse_port(const char *s, unsigned short *port)
{
	unsigned long	 v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535 || (s[0] == '0'))
		return -1;
	*port = (unsigned short)v;
	return 0;
}

int
dns_parse_server(const char *line, struct sockaddr_storage *ss, size_t *sslen)
{
	char		 host[INET6_ADDRSTRLEN + 2];
	const char	*colon, *portstr = NULL;
	unsigned short	 port = NS_DEFAULTPORT;
	size_t		 hl;

	memset(ss, 0, sizeof *ss);
	if (line[0] == '[') {
		const char *close = strchr(line, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -1;
		hl = (size_t)(close - line - 1);
		if (close[1] == ':')
			portstr = close + 2;
		line++;
	} else if ((colon = strchr(line, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		hl = (size_t)(colon - line);    /* one colon: IPv4:port */
		portstr = colon + 1;
	} else
		hl = strlen(line);              /* IPv4, or a bare IPv6 address */
	if (hl == 0 || hl >= sizeof host)
		return -1;
	memcpy(host, line, hl);
	host[hl] = '\0';
	if (portstr != NULL && parse_port(portstr, &port) < 0)
		return -1;

	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*sslen = sizeof *sin;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*sslen = sizeof *sin6;
		return 0;
	}
	return -1;
}

/* Drop resolv.conf's servers (and glibc's copies of them). */
static void
servers_clear(res_state res)
{
	res_nclose(res);        /* closes sockets, frees _u._ext.nsaddrs */
	for (int i = 0; i < MAXNS; i++) {
		res->_u._ext.nsaddrs[i] = NULL;
		memset(&res->nsaddr_list[i], 0, sizeof res->nsaddr_list[i]);
	}
	res->_u._ext.nscount = 0;
	res->nscount = 0;
}

static int
servers_set(struct dns *d, char *const *servers, size_t n)
{
	res_state	 res = &d->res;

	if (n > MAXNS)
		n = MAXNS;      /* glibc asks at most three, as resolv.conf does */
	servers_clear(res);
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_storage	 ss;
		size_t			 len;

		if (dns_parse_server(servers[i], &ss, &len) < 0) {
			(void)snprintf(d->err, sizeof d->err, "not an IP[:port]: %.64s", servers[i]);
			return -1;
		}
		if (ss.ss_family == AF_INET) {
			memcpy(&res->nsaddr_list[i], &ss, sizeof res->nsaddr_list[i]);
		} else {
			struct sockaddr_in6 *six = malloc(sizeof *six);

			if (six == NULL) {
				(void)snprintf(d->err, sizeof d->err, "out of memory");
				return -1;
			}
			memcpy(six, &ss, sizeof *six);
			res->nsaddr_list[i].sin_family = 0;
			res->_u._ext.nsaddrs[i] = six;
		}
		res->nscount = (int)i + 1;
	}
	return 0;
}

static int
res_query_fn(struct dns *d, const char *name, int type, unsigned char *ans, size_t anssz,
    enum dns_status *st)
{
	int	 n;

	n = res_nquery(&d->res, name, ns_c_in, type, ans, (int)(anssz > INT_MAX ? INT_MAX : anssz));
	if (n < 0) {
		switch (d->res.res_h_errno) {
		case HOST_NOT_FOUND:
			*st = DNS_NXDOMAIN;
			break;
		case NO_DATA:
			*st = DNS_NODATA;
			break;
		default:        /* TRY_AGAIN (SERVFAIL, timeout), NO_RECOVERY (REFUSED...) */
			*st = DNS_TEMP;
			break;
		}
		return -1;
	}
	/* glibc returns the full length of an answer cut to fit: the parser refuses it. */
	if ((size_t)n > anssz)
		n = (int)anssz;
	return n;
}

int
dns_init_servers(struct dns *d, int timeout_s, char *const *servers, size_t nservers)
{
	memset(d, 0, sizeof *d);
	d->query = res_query_fn;
	if ((d->ans = malloc(DNS_ANSWER_MAX)) == NULL) {
		(void)snprintf(d->err, sizeof d->err, "out of memory");
		return -1;
	}
	if (res_ninit(&d->res) < 0) {
		(void)snprintf(d->err, sizeof d->err, "res_ninit failed");
		dns_free(d);
		return -1;
	}
	d->ready = 1;
	d->res.options |= RES_USE_EDNS0;
	d->res.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES | RES_IGNTC);
	if (timeout_s > 0) {
		d->res.retrans = timeout_s;
		d->res.retry = 2;
	}
	if (servers != NULL && nservers > 0 && servers_set(d, servers, nservers) < 0) {
		dns_free(d);
		return -1;
	}
	return 0;
}

int
dns_init(struct dns *d, int timeout_s)
{
	struct ctl_list	 ns = { NULL, 0 };
	int		 r;

	if (ctl_list("nameservers", &ns) < 0) {
		memset(d, 0, sizeof *d);
		(void)snprintf(d->err, sizeof d->err, "cannot read control/nameservers");
		return -1;
	}
	r = dns_init_servers(d, timeout_s, ns.items, ns.n);
	ctl_list_free(&ns);
	return r;
}

void
dns_free(struct dns *d)
{
	if (d->ready)
		res_nclose(&d->res);    /* also frees the IPv6 server addresses */
	d->ready = 0;
	free(d->ans);
	d->ans = NULL;
}

/*
 * One lookup: query, parse, and when the answer's CNAME chain ends on a
 * name it holds nothing for, query that name (DNS_CNAME_HOPS at most).
 */
typedef enum dns_status (*parse_fn)(const unsigned char *, size_t, const char *, int,
    void *, char *, size_t);

static enum dns_status
lookup(struct dns *d, const char *name, int type, parse_fn parse, void *out)
{
	char		 cur[DNS_NAME_SZ], next[DNS_NAME_SZ];
	enum dns_status	 st;

	if (d->ans == NULL || strlcpy(cur, name, sizeof cur) >= sizeof cur)
		return DNS_TEMP;
	for (int hop = 0; hop <= DNS_CNAME_HOPS; hop++) {
		int n = d->query(d, cur, type, d->ans, DNS_ANSWER_MAX, &st);

		if (n < 0)
			return st;
		st = parse(d->ans, (size_t)n, cur, type, out, next, sizeof next);
		if (st != DNS_NODATA || next[0] == '\0')
			return st;
		memcpy(cur, next, sizeof cur);
	}
	return DNS_TEMP;
}

static enum dns_status
parse_mx(const unsigned char *p, size_t n, const char *q, int type, void *out, char *c, size_t cs)
{
	(void)type;
	return dns_parse_mx(p, n, q, out, c, cs);
}

static enum dns_status
parse_addr(const unsigned char *p, size_t n, const char *q, int type, void *out, char *c, size_t cs)
{
	return dns_parse_addr(p, n, q, type, out, c, cs);
}

static enum dns_status
parse_txt(const unsigned char *p, size_t n, const char *q, int type, void *out, char *c, size_t cs)
{
	(void)type;
	return dns_parse_txt(p, n, q, out, c, cs);
}

enum dns_status
dns_mx(struct dns *d, const char *name, struct dns_mxlist *out)
{
	out->n = 0;
	return lookup(d, name, ns_t_mx, parse_mx, out);
}

enum dns_status
dns_addr(struct dns *d, const char *name, int type, struct dns_iplist *out)
{
	if (type != ns_t_a && type != ns_t_aaaa)
		return DNS_TEMP;
	return lookup(d, name, type, parse_addr, out);
}

enum dns_status
dns_txt(struct dns *d, const char *name, struct str *out)
{
	return lookup(d, name, ns_t_txt, parse_txt, out);
}

enum dns_status
dns_exists_a(struct dns *d, const char *name)
{
	struct dns_iplist	 ips;

	ips.n = 0;
	return dns_addr(d, name, ns_t_a, &ips);
}
