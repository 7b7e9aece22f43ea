/*
 * dnsbl_core.h: the parts of the DNSBL check that need no network: the
 * reversed names, the reply text, and the check itself over a replaceable
 * resolver, so that check suites drive it with scripted answers.
 */
#ifndef STAMP_DNSBL_CORE_H
#define STAMP_DNSBL_CORE_H

#include <stddef.h>

#include "control.h"

#define DNSBL_NAME_MAX  254     /* a domain name in text, without the final dot */
#define DNSBL_TEXT_MAX  300     /* TXT text kept for a reply */

/*
 * The reversed form of an address: "4.3.2.1" for 1.2.3.4 (also when written
 * as ::ffff:1.2.3.4), 32 dot-separated nibbles for IPv6. 0, or -1 when ip
 * is no plain numeric address (names, scopes, brackets, spaces: refused).
 */
int dnsbl_reverse(const char *ip, char *out, size_t outsz);

/* "REVERSED.ZONE" (one trailing dot of the zone dropped); -1 if zone is bad or too long. */
int dnsbl_query_name(const char *reversed, const char *zone, char *out, size_t outsz);

/* "554 5.7.1 TEXT" from the TXT text (printable ASCII, bounded), or a text naming zone and ip. */
void dnsbl_reply(const char *zone, const char *ip, const char *txt, char *reply, size_t replysz);

/* What an A lookup gives: 1 listed, 0 not listed, -1 trouble. */
struct dnsbl_resolver {
	/* A records of name: 1 with up to max addresses (network order) in addrs, 0 none, -1 trouble */
	int  (*lookup_a)(void *ctx, const char *name, unsigned char (*addrs)[4], int max, int *n);
	/* The first TXT string(s) of name, joined: 1, 0 none, -1 trouble */
	int  (*lookup_txt)(void *ctx, const char *name, char *txt, size_t txtsz);
	void *ctx;
};

/* dnsbl_check() over the given zones and resolver. */
int dnsbl_check_zones(const struct dnsbl_resolver *, const struct ctl_list *zones,
                      const char *client_ip, char *reply, size_t replysz);

/* The resolver dnsbl_check() uses: common/dns.h, ctx a struct dns *. */
extern const struct dnsbl_resolver dnsbl_dns_resolver;

#endif
