/*
 * policy_proto.h: the wire side of the policy delegation protocol, apart
 * from any socket so that check suites drive it with scripted bytes.
 *
 * Request: "name=value\n" lines, then "\n". Values never hold a control
 * byte (CR, LF, TAB, DEL, ...): each is sent as "?", so that no value can
 * end the request early or forge an attribute. A value is cut at
 * POLICY_VALUE_MAX octets.
 *
 * Answer: "name=value\n" lines (at most POLICY_LINE_MAX octets each, CR
 * before LF tolerated, at most POLICY_ANSWER_LINES of them), then an empty
 * line. Exactly one "action=" is required; other attributes are ignored.
 */
#ifndef STAMP_POLICY_PROTO_H
#define STAMP_POLICY_PROTO_H

#include <stddef.h>

#include "buf.h"
#include "policy.h"
#include "str.h"

#define POLICY_VALUE_MAX     1000
#define POLICY_LINE_MAX      1024
#define POLICY_ANSWER_LINES  16
#define POLICY_TEXT_MAX      400      /* text of a reply line we make */

/* Append the request for req (with this instance id) to out. 0, or -1 (ENOMEM). */
int policy_encode(const struct policy_req *req, const char *instance, struct str *out);

enum policy_read {
	PREAD_OK,          /* action holds the value of action= */
	PREAD_EOF,         /* closed before the empty line */
	PREAD_MALFORMED,   /* no '=', no or two action=, too many lines */
	PREAD_TOOLONG,     /* a line over POLICY_LINE_MAX */
	PREAD_ERROR,       /* read error or timeout (errno) */
};
/* Read one answer from rb. */
enum policy_read policy_read_answer(struct rbuf *rb, struct str *action);
const char *policy_read_name(enum policy_read);

/* What one service's action means. */
enum policy_action {
	PACT_CONTINUE,         /* OK, DUNNO, PREPEND, WARN, INFO, unknown words */
	PACT_REJECT,           /* REJECT, 5NN: reply holds the 5xx line */
	PACT_DEFER,            /* DEFER, 4NN: reply holds the 4xx line */
	PACT_DEFER_IF_PERMIT,  /* reply holds the 450 line, unless a later service rejects */
	PACT_DEFER_IF_REJECT,  /* reply holds the 450 line that a later reject becomes */
	PACT_BAD,              /* starts with a digit but is no 4NN/5NN reply, or empty */
};
/*
 * Parse an action value. reply gets the SMTP reply line for refusals
 * ("554 5.7.1 text", printable ASCII only, no CRLF). When the action is
 * PREPEND with a well-formed header and prepend is not NULL, "Name: value\n"
 * is appended to it. note gets a short word for the log ("dunno", "prepend",
 * "unknown", ...).
 */
enum policy_action policy_parse_action(const char *action, char *reply, size_t replysz,
                                       struct str *prepend, const char **note);

/* The reply for a failing service: "451 4.3.0 ...". */
void policy_fail_reply(char *reply, size_t replysz);

#endif
