/*
 * rroute.h: control/smtproutes, qmail's static routes.
 *
 *   example.com:relay.example.net     mail for example.com goes to that host
 *   .example.com:[192.0.2.1]:2525     ... and for every subdomain of it
 *   example.org:                      example.org: the usual MX lookup
 *   :smarthost.example.net:587        everything else: a smarthost
 *
 * The most specific line wins: the domain itself, then ".parent" lines
 * from the longest parent to the shortest, then the ":" line. A host is a
 * name (its address records are used, not its MX), an IPv4 address, or an
 * address in brackets ("[192.0.2.1]", "[2001:db8::1]"); the port defaults
 * to 25.
 */
#ifndef STAMP_RROUTE_H
#define STAMP_RROUTE_H

#include <stddef.h>

#include "control.h"

#define RROUTE_HOST_MAX 256

struct rroute {
	char		 host[RROUTE_HOST_MAX];   /* "" : look the domain's MX up */
	unsigned short	 port;
};

/*
 * Split one line into its domain key ("example.com", ".example.com", ""
 * for the smarthost) and the route. 0, or -1 when the line is malformed.
 */
int rroute_parse(const char *line, char *key, size_t keysz, struct rroute *out);

/*
 * The route for domain: 1 and *out filled when a line matches, 0 when
 * none does (deliver by MX), -1 when the matching line is malformed
 * (*bad points at it).
 */
int rroute_find(const struct ctl_list *routes, const char *domain, struct rroute *out,
    const char **bad);

#endif
