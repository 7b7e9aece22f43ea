/*
 * policy.h: ask Postfix-style policy services (SMTPD_POLICY_README) whether
 * a recipient or a message may pass.
 *
 * control/policy lists the services, one a line, asked in order:
 *     [rcpt|end-of-message] inet:HOST:PORT
 *     [rcpt|end-of-message] unix:/path/to/socket
 *     [rcpt|end-of-message] exec:/path/to/program [ARG ...]
 * A leading stage word restricts the service to that stage (postgrey wants
 * "rcpt", as Postfix admins put it in smtpd_recipient_restrictions); without
 * one a service is asked at both. HOST is a numeric address or "localhost":
 * no DNS lookup happens for a policy service. Each request gets its own
 * connection (or its own process, for exec:), so nothing outlives a request.
 * exec: programs run without a shell, on a socket pair as stdin and stdout.
 *
 * Every service is asked unless one refuses: OK and DUNNO go on to the next
 * (OK never skips a later service, so no service can open a door another
 * one shuts). A service that cannot be reached, times out (control/
 * timeoutpolicy, for connect and answer together), or answers something
 * malformed gives 451 4.3.0: never an open door.
 */
#ifndef STAMP_POLICY_H
#define STAMP_POLICY_H

#include <stddef.h>

#include "str.h"

enum policy_verdict { POLICY_OK, POLICY_REJECT, POLICY_DEFER };

struct policy_req {
	const char *protocol_state;   /* "RCPT" or "END-OF-MESSAGE" */
	const char *protocol_name;    /* "SMTP" or "ESMTP" */
	const char *client_address, *client_name, *helo_name, *sender, *recipient,
	           *sasl_username, *queue_id, *encryption_protocol;
	long long   size;
	unsigned    recipient_count;
};

/* Ask every service of control/policy in order; reply: a whole SMTP reply line ("450 4.7.1 text") when not OK. */
enum policy_verdict policy_check(const struct policy_req *, char *reply, size_t replysz);

/*
 * The same, and when prepend is not NULL, the header lines that services
 * asked to PREPEND (each "Name: value\n", checked and printable) are added
 * to it, for the caller to put above its Received: line. policy_check()
 * drops them (logged).
 */
enum policy_verdict policy_check_prepend(const struct policy_req *, char *reply,
                                         size_t replysz, struct str *prepend);

#endif
