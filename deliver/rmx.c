/* rmx.c: from a domain to the ordered addresses of its exchangers. */
#include "rmx.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <limits.h>
#include <string.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#define LITERAL_MAX 128   /* "IPv6:" and the longest IPv6 text, with room */

void
rmx_order(struct dns_mxlist *l, uint32_t (*rand32)(void))
{
	/* Insertion sort: stable, and lists are short (DNS_MX_MAX). */
	for (size_t i = 1; i < l->n; i++) {
		struct dns_mx	 x = l->mx[i];
		size_t		 j = i;

		for (; j > 0 && l->mx[j - 1].pref > x.pref; j--)
			l->mx[j] = l->mx[j - 1];
		l->mx[j] = x;
	}
	/* Fisher-Yates within each run of equal preferences. */
	for (size_t a = 0, b; a < l->n; a = b) {
		for (b = a + 1; b < l->n && l->mx[b].pref == l->mx[a].pref; b++)
			;
		for (size_t k = b - a; k > 1; k--) {
			size_t		 r = a + rand32() % k;
			struct dns_mx	 t = l->mx[a + k - 1];

			l->mx[a + k - 1] = l->mx[r];
			l->mx[r] = t;
		}
	}
}

int
rmx_literal(const char *d, struct dns_ip *ip)
{
	char	 in[LITERAL_MAX];
	size_t	 n = strlen(d);

	memset(ip, 0, sizeof *ip);
	if (n < 3 || d[0] != '[' || d[n - 1] != ']' || n - 2 >= sizeof in)
		return -1;
	memcpy(in, d + 1, n - 2);
	in[n - 2] = '\0';
	if (strncasecmp(in, "IPv6:", 5) == 0) {
		ip->af = AF_INET6;
		return inet_pton(AF_INET6, in + 5, ip->addr) == 1 ? 0 : -1;
	}
	ip->af = AF_INET;
	return inet_pton(AF_INET, in, ip->addr) == 1 ? 0 : -1;
}

int
rmx_is_self_ip(const struct rmx_self *self, const struct dns_ip *ip)
{
	size_t	 len = ip->af == AF_INET ? 4 : 16;

	for (size_t i = 0; i < self->nips; i++)
		if (self->ips[i].af == ip->af && memcmp(self->ips[i].addr, ip->addr, len) == 0)
			return 1;
	return 0;
}

static void
add_target(struct rtargets *out, const char *name, unsigned pref, const struct dns_ip *ip,
    unsigned short port)
{
	struct rtarget	*t;

	if (out->n >= RMX_TARGETS_MAX)
		return;
	t = &out->t[out->n++];
	(void)strlcpy(t->name, name, sizeof t->name);
	t->pref = pref;
	t->ip = *ip;
	t->port = port;
}

/* A host given as an address ("192.0.2.1", "[192.0.2.1]", "[IPv6:...]", "[2001:db8::1]"). */
static int
host_as_ip(const char *host, struct dns_ip *ip)
{
	char	 in[LITERAL_MAX];
	size_t	 n = strlen(host);

	memset(ip, 0, sizeof *ip);
	if (rmx_literal(host, ip) == 0)
		return 0;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof in) {
		memcpy(in, host + 1, n - 2);
		in[n - 2] = '\0';
		host = in;
	}
	if (inet_pton(AF_INET, host, ip->addr) == 1) {
		ip->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, host, ip->addr) == 1) {
		ip->af = AF_INET6;
		return 0;
	}
	return -1;
}

/* What looking up one host's addresses gave. */
struct hostaddrs {
	struct dns_iplist	 ips;
	int			 temp;          /* a lookup failed temporarily */
	int			 nx;            /* the name does not exist */
};

/* AAAA first, then A (RFC 6724 prefers IPv6 by default). */
static void
host_addrs(struct dns *d, const char *name, struct hostaddrs *h)
{
	enum dns_status	 s6, s4;

	memset(h, 0, sizeof *h);
	s6 = dns_addr(d, name, ns_t_aaaa, &h->ips);
	s4 = dns_addr(d, name, ns_t_a, &h->ips);
	h->temp = s6 == DNS_TEMP || s4 == DNS_TEMP;
	h->nx = s6 == DNS_NXDOMAIN && s4 == DNS_NXDOMAIN;
}

static int __attribute__((format(printf, 3, 4)))
fail(struct dlv_result *res, enum dlv_status st, const char *fmt, ...)
{
	char	 text[sizeof res->text];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	dlv_set(res, st, "%s", text);
	return -1;
}

static int
route_targets(struct dns *d, const struct rroute *route, struct rtargets *out,
    struct dlv_result *res)
{
	struct hostaddrs	 h;
	struct dns_ip		 ip;

	if (host_as_ip(route->host, &ip) == 0) {
		add_target(out, route->host, 0, &ip, route->port);
		return 0;
	}
	host_addrs(d, route->host, &h);
	for (size_t i = 0; i < h.ips.n; i++)
		add_target(out, route->host, 0, &h.ips.ip[i], route->port);
	if (out->n > 0)
		return 0;
	/* An administrator's route to nowhere waits for the administrator. */
	return fail(res, DLV_TEMP, h.temp ? "4.4.3 DNS lookup of the smtproutes host %s failed"
	    " temporarily" : "4.4.3 the smtproutes host %s has no address", route->host);
}

/* No MX: the domain's own addresses, unless they are ours. */
static int
implicit_targets(struct dns *d, const struct rmx_self *self, const char *domain,
    struct rtargets *out, struct dlv_result *res)
{
	struct hostaddrs	 h;

	host_addrs(d, domain, &h);
	for (size_t i = 0; i < h.ips.n; i++)
		if (rmx_is_self_ip(self, &h.ips.ip[i]))
			return fail(res, DLV_PERM, "5.4.6 mail for %s loops back to this host"
			    " (its address record is this host, and it is not a local domain)",
			    domain);
	for (size_t i = 0; i < h.ips.n; i++)
		add_target(out, domain, 0, &h.ips.ip[i], 25);
	if (out->n > 0)
		return 0;
	if (h.temp)
		return fail(res, DLV_TEMP, "4.4.3 DNS lookup of the address of %s failed"
		    " temporarily", domain);
	if (h.nx)
		return fail(res, DLV_PERM, "5.1.2 the domain %s does not exist (DNS: NXDOMAIN)",
		    domain);
	return fail(res, DLV_PERM, "5.1.2 the domain %s has no mail exchanger and no address",
	    domain);
}

/* Drop the targets of preference cut and above (this host's preference). */
static void
cut_from(struct rtargets *out, unsigned cut)
{
	size_t	 k = 0;

	for (size_t i = 0; i < out->n; i++)
		if (out->t[i].pref < cut)
			out->t[k++] = out->t[i];
	out->n = k;
}

static int
mx_targets(struct dns *d, const struct rmx_self *self, const char *domain,
    struct dns_mxlist *mx, struct rtargets *out, struct dlv_result *res)
{
	unsigned	 cut = UINT_MAX;
	int		 temp = 0;

	if (mx->n == 1 && mx->mx[0].name[0] == '\0')
		return fail(res, DLV_PERM, "5.1.10 the domain %s accepts no mail"
		    " (null MX, RFC 7505)", domain);
	rmx_order(mx, self->rand32);
	for (size_t i = 0; i < mx->n; i++)
		if (self->me != NULL && dns_name_eq(mx->mx[i].name, self->me) &&
		    mx->mx[i].pref < cut)
			cut = mx->mx[i].pref;
	for (size_t i = 0; i < mx->n && mx->mx[i].pref < cut; i++) {
		struct hostaddrs	 h;

		if (mx->mx[i].name[0] == '\0')
			continue;       /* a "." among real exchangers is no exchanger */
		host_addrs(d, mx->mx[i].name, &h);
		temp |= h.temp;
		for (size_t k = 0; k < h.ips.n; k++)
			if (rmx_is_self_ip(self, &h.ips.ip[k]))
				cut = mx->mx[i].pref;
		if (mx->mx[i].pref >= cut)
			break;
		for (size_t k = 0; k < h.ips.n; k++)
			add_target(out, mx->mx[i].name, mx->mx[i].pref, &h.ips.ip[k], 25);
	}
	cut_from(out, cut);
	if (out->n > 0)
		return 0;
	if (cut != UINT_MAX && !temp)
		return fail(res, DLV_PERM, "5.4.6 mail for %s loops back to this host"
		    " (it is the best mail exchanger, and it is not a local domain)", domain);
	if (temp)
		return fail(res, DLV_TEMP, "4.4.3 DNS lookup of the mail exchangers of %s"
		    " failed temporarily", domain);
	return fail(res, DLV_PERM, "5.4.4 no mail exchanger of %s has an address", domain);
}

int
rmx_targets(struct dns *d, const struct rmx_self *self, const char *domain,
    const struct rroute *route, struct rtargets *out, struct dlv_result *res)
{
	struct dns_mxlist	 mx;
	struct dns_ip		 ip;

	out->n = 0;
	if (domain[0] == '[') {
		if (rmx_literal(domain, &ip) < 0)
			return fail(res, DLV_PERM, "5.1.2 the address literal %s is not an IPv4"
			    " or IPv6 address", domain);
		add_target(out, domain, 0, &ip, route != NULL ? route->port : 25);
		return 0;
	}
	if (route != NULL && route->host[0] != '\0')
		return route_targets(d, route, out, res);
	switch (dns_mx(d, domain, &mx)) {
	case DNS_FOUND:
		return mx_targets(d, self, domain, &mx, out, res);
	case DNS_NODATA:
		return implicit_targets(d, self, domain, out, res);
	case DNS_NXDOMAIN:
		return fail(res, DLV_PERM, "5.1.2 the domain %s does not exist (DNS: NXDOMAIN)",
		    domain);
	case DNS_TEMP:
		break;
	}
	return fail(res, DLV_TEMP, "4.4.3 DNS lookup of the mail exchangers of %s failed"
	    " temporarily", domain);
}
