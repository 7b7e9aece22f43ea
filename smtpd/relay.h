/*
 * relay.h: who may send mail to which recipient (issue 4, "Who may send
 * what"). Pure functions of the control lists and the address, so the check
 * suite can try every trick.
 *
 * A recipient is local when its domain is in control/locals or is a
 * domain of control/virtualdomains (exactly as the scheduler decides it);
 * accepted from anyone when its domain is in control/rcpthosts (an entry
 * ".example.org" covers every subdomain); anything else needs a client that
 * may relay: RELAYCLIENT, control/relayclients, or AUTH.
 *
 * Tricks that other MTAs turned into relaying never relay here: a source
 * route is dropped (RFC 5321 C) and the decision is on the final mailbox; a
 * percent hack (b%c@a), a bang path (c!b@a) and a quoted local part with an
 * "@" are refused outright unless the client may relay anyway.
 */
#ifndef STAMP_SMTPD_RELAY_H
#define STAMP_SMTPD_RELAY_H

#include "address.h"
#include "control.h"

enum rcpt_class {
	RC_LOCAL,      /* delivered here: look the user up */
	RC_HOSTED,     /* a domain of rcpthosts (backup MX, say) */
	RC_RELAY,      /* elsewhere, and this client may relay */
	RC_DENIED,     /* elsewhere, and this client may not relay: 553 5.7.1 */
	RC_TRICK,      /* "%", "!" or "@" in the local part, no relay right: 553 5.7.1 */
	RC_PROGRAM,    /* a local part that starts with "|" or "/": 553 5.1.3 */
	RC_NODOMAIN,   /* a bare local part other than postmaster: 553 5.1.3 */
};

struct relay_rules {
	const struct ctl_list	*locals, *vdomains, *rcpthosts;
	int			 may_relay;
};

enum rcpt_class relay_classify(const struct relay_rules *, const struct addr *);

/* Is domain local (locals or a virtualdomains domain)? "" (postmaster) is. */
int relay_is_local(const struct relay_rules *, const char *domain);

/*
 * Does ip fall in one of the lines of control/relayclients ("192.0.2.7",
 * "192.0.2.0/24", "2001:db8::/32")? Malformed lines are logged and skipped.
 */
int relay_client_listed(const struct ctl_list *, const char *ip);
/* One line: 1 match, 0 no match, -1 malformed. */
int cidr_match(const char *cidr, const char *ip);

/* badmailfrom/badrcptto: the mailbox itself, or "@domain", is listed. */
int relay_addr_listed(const struct ctl_list *, const struct addr *);

#endif
