/*
 * lmtproute.h: control/lmtp, which local domains are handed to an LMTP
 * server (RFC 2033) instead of being written to Maildirs by stamp-local.
 *
 *   example.com:inet:127.0.0.1:24          mail for example.com
 *   .example.com:unix:/run/dovecot/lmtp    ... and for every subdomain of it
 *   :inet:[::1]:24                         every other local domain
 *
 * As in smtproutes, the most specific line wins: the domain itself, then
 * ".parent" lines from the longest parent to the shortest, then the ":"
 * line. HOST is a numeric IPv4 or IPv6 address (in brackets or not) or
 * "localhost", as in control/policy: no DNS lookup is made for it. The
 * scheduler (stamp-send) only looks a line up; stamp-lmtp parses it.
 */
#ifndef STAMP_LMTPROUTE_H
#define STAMP_LMTPROUTE_H

#include <stddef.h>

#include "control.h"

enum lmtp_kind { LMTP_INET, LMTP_UNIX };

struct lmtp_target {
	enum lmtp_kind	 kind;
	char		 host[64];              /* inet: the address, without brackets */
	unsigned short	 port;
	char		 path[108];             /* unix: the socket */
};

/*
 * The target text of the line for domain (what follows its first ":"),
 * or NULL when no line matches. A bare local part (domain "") never
 * matches: it has no domain an LMTP server could know it by.
 */
const char *lmtp_find(const struct ctl_list *, const char *domain);

/* Parse "inet:HOST:PORT" or "unix:/path". 0, or -1 with *why set. */
int lmtp_parse(const char *spec, struct lmtp_target *, const char **why);

#endif
