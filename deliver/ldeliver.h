/*
 * ldeliver.h: stamp-lmtp's delivery: one connection to one LMTP server
 * (RFC 2033), one transaction for every recipient, and each recipient's
 * result from its own reply after the data. The session is stamp-remote's
 * SMTP client (rsmtp.h) with its lmtp switch on; check_lmtp tests the
 * replies, tests/integration/test_lmtp.py the whole agent.
 */
#ifndef STAMP_LDELIVER_H
#define STAMP_LDELIVER_H

#include <stddef.h>

#include "lmtproute.h"
#include "rsmtp.h"

struct lconf {
	const char	*helo;          /* the name in LHLO: control/me */
	int		 timeout_connect_ms, timeout_ms;
};

/*
 * Deliver m to rc[0..n) at target (spec: its control/lmtp text, for the
 * log); every rc[i] is done afterwards. A connection that fails, or a
 * session that breaks before the server decided, is a temporary failure
 * for every recipient not yet decided.
 */
void ldeliver(const struct lconf *, const char *id, const struct rs_msg *,
    const char *spec, const struct lmtp_target *, struct rs_rcpt *, size_t n);

#endif
