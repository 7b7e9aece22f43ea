/* relay.c: relay decisions and client address lists (see relay.h). */
#include "relay.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "vdomain.h"

/* rcpthosts: exact names, and ".suffix" for every subdomain of suffix. */
static int
rcpthosts_has(const struct ctl_list *l, const char *domain)
{
	size_t	 dl = strlen(domain);

	for (size_t i = 0; i < l->n; i++) {
		const char *it = l->items[i];
		size_t len = strlen(it);

		if (strcasecmp(it, domain) == 0)
			return 1;
		if (it[0] == '.' && len > 1 && dl > len &&
		    strcasecmp(it, domain + dl - len) == 0)
			return 1;
	}
	return 0;
}

int
relay_is_local(const struct relay_rules *r, const char *domain)
{
	if (*domain == '\0')
		return 1;
	return ctl_list_has(r->locals, domain) || vdomain_has(r->vdomains, domain);
}

/* A local part that another MTA might read as a route to somewhere else. */
static int
routing_local_part(const struct addr *a)
{
	return memchr(a->local, '%', a->local_len) != NULL ||
	    memchr(a->local, '!', a->local_len) != NULL ||
	    memchr(a->local, '@', a->local_len) != NULL;
}

enum rcpt_class
relay_classify(const struct relay_rules *r, const struct addr *a)
{
	if (a->local_len > 0 && (a->local[0] == '|' || a->local[0] == '/'))
		return RC_PROGRAM;
	if (a->domain[0] == '\0')
		return strcasecmp(a->local, "postmaster") == 0 ? RC_LOCAL : RC_NODOMAIN;
	if (routing_local_part(a) && !r->may_relay)
		return RC_TRICK;
	if (relay_is_local(r, a->domain))
		return RC_LOCAL;
	if (rcpthosts_has(r->rcpthosts, a->domain))
		return RC_HOSTED;
	return r->may_relay ? RC_RELAY : RC_DENIED;
}

int
cidr_match(const char *cidr, const char *ip)
{
	unsigned char	 net[16], addr[16];
	char		 buf[INET6_ADDRSTRLEN + 8], *slash;
	const char	*err = NULL;
	int		 fam, bits, maxbits;

	if (strlcpy(buf, cidr, sizeof buf) >= sizeof buf)
		return -1;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	fam = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	maxbits = fam == AF_INET6 ? 128 : 32;
	if (inet_pton(fam, buf, net) != 1)
		return -1;
	bits = slash != NULL ? (int)strtonum(slash, 0, maxbits, &err) : maxbits;
	if (err != NULL || (slash != NULL && *slash == '\0'))
		return -1;
	if (inet_pton(fam, ip, addr) != 1) {
		/* An IPv4 client seen as ::ffff:a.b.c.d matches IPv4 lines. */
		if (fam != AF_INET || strncasecmp(ip, "::ffff:", 7) != 0 ||
		    inet_pton(AF_INET, ip + 7, addr) != 1)
			return 0;
	}
	for (int i = 0; bits > 0; i++, bits -= 8) {
		unsigned mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;

		if ((net[i] & mask) != (addr[i] & mask))
			return 0;
	}
	return 1;
}

int
relay_client_listed(const struct ctl_list *l, const char *ip)
{
	char	 q[LOG_QUOTE_MAX];

	if (*ip == '\0')
		return 0;
	for (size_t i = 0; i < l->n; i++) {
		int m = cidr_match(l->items[i], ip);

		if (m == 1)
			return 1;
		if (m == -1)
			log_warnx("file=control/relayclients item=%s reason=\"not an "
			    "address or address/prefix; skipped\"",
			    log_quotes(q, sizeof q, l->items[i]));
	}
	return 0;
}

int
relay_addr_listed(const struct ctl_list *l, const struct addr *a)
{
	char	 at[ADDR_DOMAIN_MAX + 2];

	if (a->is_null)
		return 0;
	snprintf(at, sizeof at, "@%s", a->domain);
	return ctl_list_has(l, a->mailbox) || (a->domain[0] != '\0' && ctl_list_has(l, at));
}
