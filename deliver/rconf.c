/* rconf.c: stamp-remote's settings and this host's own addresses. */
#include "rdeliver.h"

#include <sys/socket.h>

#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "home.h"
#include "log.h"

/* The addresses of this host's interfaces, for the "MX is me" rule. */
static void
self_addrs(struct rconf *c)
{
	struct ifaddrs	*ifa, *p;

	c->nself = 0;
	if (getifaddrs(&ifa) < 0) {
		log_warn("action=getifaddrs");
		return;
	}
	for (p = ifa; p != NULL && c->nself < RSELF_MAX; p = p->ifa_next) {
		struct dns_ip	*ip = &c->self[c->nself];

		if (p->ifa_addr == NULL)
			continue;
		memset(ip, 0, sizeof *ip);
		if (p->ifa_addr->sa_family == AF_INET) {
			ip->af = AF_INET;
			memcpy(ip->addr, &((struct sockaddr_in *)p->ifa_addr)->sin_addr, 4);
		} else if (p->ifa_addr->sa_family == AF_INET6) {
			ip->af = AF_INET6;
			memcpy(ip->addr, &((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr, 16);
		} else
			continue;
		c->nself++;
	}
	freeifaddrs(ifa);
}

/* A line of smtproutes without a colon routes nothing: say so once. */
static void
check_routes(const struct ctl_list *routes)
{
	for (size_t i = 0; i < routes->n; i++)
		if (strchr(routes->items[i], ':') == NULL) {
			char q[LOG_QUOTE_MAX];

			log_warnx("file=control/smtproutes line=%s reason=\"no colon: ignored\"",
			    log_quotes(q, sizeof q, routes->items[i]));
		}
}

int
rconf_load(struct rconf *c)
{
	memset(c, 0, sizeof *c);
	if (ctl_string("me", &c->me) < 0 || ctl_string("helohost", &c->helo) < 0 ||
	    ctl_number("timeoutconnect", &c->timeout_connect) < 0 ||
	    ctl_number("timeoutremote", &c->timeout_remote) < 0 ||
	    ctl_number("timeoutdns", &c->timeout_dns) < 0 ||
	    ctl_list("smtproutes", &c->routes) < 0 ||
	    ctl_list("tlsdestinations", &c->tlsdest) < 0) {
		rconf_free(c);
		return -1;
	}
	check_routes(&c->routes);
	if (home_path(c->tcpto, sizeof c->tcpto, "remote/tcpto") < 0)
		c->tcpto[0] = '\0';
	self_addrs(c);
	return 0;
}

void
rconf_free(struct rconf *c)
{
	str_free(&c->me);
	str_free(&c->helo);
	ctl_list_free(&c->routes);
	ctl_list_free(&c->tlsdest);
}

enum rs_tls
rconf_tls(const struct rconf *c, const char *domain)
{
	size_t	 dl = strlen(domain);

	for (size_t i = 0; i < c->tlsdest.n; i++) {
		const char	*line = c->tlsdest.items[i];
		const char	*colon = strchr(line, ':');
		size_t		 n = colon != NULL ? (size_t)(colon - line) : strlen(line);

		if (n != dl || strncasecmp(line, domain, n) != 0)
			continue;
		if (colon != NULL && strcasecmp(colon + 1, "verify") == 0)
			return RS_TLS_VERIFY;
		return RS_TLS_MUST;
	}
	return RS_TLS_TRY;
}
