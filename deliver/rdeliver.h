/*
 * rdeliver.h: one message to the recipients at one domain: find the
 * exchangers, try their addresses in order, and give every recipient a
 * result. The pieces it joins are tested on their own (check_rmx for the
 * order of addresses, check_rsmtp for each session, check_rtcpto); the
 * joining itself, with real sockets, by tests/integration/test_remote*.py.
 */
#ifndef STAMP_RDELIVER_H
#define STAMP_RDELIVER_H

#include <stddef.h>
#include <time.h>

#include "control.h"
#include "dns.h"
#include "rmx.h"
#include "rsmtp.h"

#define RSELF_MAX 64

struct rconf {
	struct str	 me, helo;
	long long	 timeout_connect, timeout_remote, timeout_dns;
	struct ctl_list	 routes, tlsdest;
	char		 tcpto[4096];   /* remote/tcpto; "" for no memory */
	struct dns_ip	 self[RSELF_MAX];
	size_t		 nself;
};

/* Read the settings of stamp-remote. 0, or -1 (logged). */
int  rconf_load(struct rconf *);
void rconf_free(struct rconf *);

/* What tlsdestinations asks for domain: RS_TLS_TRY, RS_TLS_MUST or RS_TLS_VERIFY. */
enum rs_tls rconf_tls(const struct rconf *, const char *domain);

/*
 * Deliver m to rc[0..n) at domain; every rc[i] is done afterwards. id is
 * the queue ID for the log.
 */
void rdeliver(const struct rconf *, struct dns *, const char *id, const struct rs_msg *m,
    const char *domain, struct rs_rcpt *rc, size_t n);

#endif
