/*
 * rmx.h: where mail for a domain goes: the list of addresses stamp-remote
 * tries, in order.
 *
 * An address literal ([192.0.2.1], [IPv6:2001:db8::1]) is the only target.
 * A route of control/smtproutes names one host. Otherwise the domain's MX
 * records, lowest preference first, equal preferences shuffled (RFC 5321
 * section 5.1), each exchanger with all its AAAA then A addresses; no MX
 * record means the domain's own addresses (the implicit MX). A null MX
 * (RFC 7505), NXDOMAIN, and a domain whose best exchanger is this host are
 * permanent failures; DNS trouble is temporary. MX records of this host
 * and every one with a higher preference are dropped, so that two hosts
 * that list each other never pass mail back and forth.
 */
#ifndef STAMP_RMX_H
#define STAMP_RMX_H

#include <stddef.h>
#include <stdint.h>

#include "dlv.h"
#include "dns.h"
#include "rroute.h"

#define RMX_TARGETS_MAX 64

struct rtarget {
	char		 name[DNS_NAME_SZ];     /* the exchanger, for logs, SNI and Remote-MTA */
	unsigned	 pref;
	struct dns_ip	 ip;
	unsigned short	 port;
};

struct rtargets {
	size_t		 n;
	struct rtarget	 t[RMX_TARGETS_MAX];
};

struct rmx_self {
	const char		*me;            /* control/me */
	const struct dns_ip	*ips;           /* this host's addresses */
	size_t			 nips;
	uint32_t		(*rand32)(void); /* arc4random; tests make it predictable */
};

/*
 * Fill out for domain (route: the smtproutes match, or NULL). 0 with out
 * filled, or -1 with res set (DLV_TEMP or DLV_PERM and its text).
 */
int  rmx_targets(struct dns *, const struct rmx_self *, const char *domain,
    const struct rroute *route, struct rtargets *out, struct dlv_result *res);

/*
 * Sort MX records by preference and shuffle each run of equal ones. Exposed
 * for check_rmx.
 */
void rmx_order(struct dns_mxlist *, uint32_t (*rand32)(void));

/* Parse an address literal's text ("[192.0.2.1]", "[IPv6:...]"); 0 or -1. */
int  rmx_literal(const char *domain, struct dns_ip *ip);

/* Is ip one of self's addresses? */
int  rmx_is_self_ip(const struct rmx_self *, const struct dns_ip *ip);

#endif
