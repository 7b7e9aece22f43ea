/*
 * milter.h: the filters of control/milters (or control/submissionmilters
 * in a submission session) as an SMTP session calls them.
 *
 * One connection per filter per SMTP session, opened at connect. Each
 * stage asks every filter in order until one refuses; the end of message
 * gives each filter the message as the ones before it left it, and applies
 * its modifications before the message goes to the queue.
 *
 * A filter that fails (cannot be reached, times out, breaks the protocol)
 * is dropped for the session: with default=accept it is as if it were not
 * listed; with default=tempfail (the default) every later MAIL, RCPT, DATA
 * and end of message of the session gets 451 4.7.1, so no message passes
 * without it. A broken control file counts as a failing tempfail filter.
 */
#ifndef STAMP_SMTPD_MILTER_H
#define STAMP_SMTPD_MILTER_H

#include <stddef.h>

#include "address.h"
#include "milter_filter.h"

enum milter_verdict { MV_GO, MV_REJECT, MV_TEMPFAIL, MV_DISCARD };

struct milter_set {
	struct milter	*f;
	size_t		 n;
	int		 broken;       /* the control file could not be read */
	int		 conn_refused; /* a filter refused the connection: reply holds the answer */
	char		 conn_reply[MILTER_REPLY_MAX + 32];
	int		 discard;      /* a filter said DISCARD for this message */
	unsigned long long max_bytes;
	size_t		 rcpt_max;
};

/* The message after the filters (milter_message()). */
struct milter_out {
	int		 fd;           /* the message to queue (maybe the one given) */
	char		 sender[ADDR_PATH_MAX + 1];
	char		**rcpts;       /* NULL: unchanged; else malloc'd, nrcpt of them */
	size_t		 nrcpt;
	char		 quarantine[256];
};

/* Read the list and connect to each filter. NULL when no filter is listed (or no memory). */
struct milter_set *milter_open(int submission, unsigned long long max_bytes, size_t rcpt_max);
/* Say QUIT to every filter and free the set (NULL is fine). */
void milter_close(struct milter_set *);

/*
 * The stages. reply gets the SMTP reply line for REJECT and TEMPFAIL.
 * arg: the HELO name, or "<sender>" / "<rcpt>" with its ESMTP parameters
 * after NUL bytes (argv, argc).
 */
enum milter_verdict milter_connect(struct milter_set *, const struct milter_macros *,
    const char *hostname, const char *ip, unsigned port, char *reply, size_t replysz);
enum milter_verdict milter_helo(struct milter_set *, const struct milter_macros *,
    const char *helo, char *reply, size_t replysz);
enum milter_verdict milter_mail(struct milter_set *, const struct milter_macros *,
    const char *sender, char *reply, size_t replysz);
enum milter_verdict milter_rcpt(struct milter_set *, const struct milter_macros *,
    const char *rcpt, char *reply, size_t replysz);
enum milter_verdict milter_data(struct milter_set *, const struct milter_macros *,
    char *reply, size_t replysz);
/*
 * The end of message: msgfd is the spool (rewound). On MV_GO, out says
 * what to queue (out->fd is msgfd itself when nothing changed; otherwise a
 * new memory file, and msgfd was closed). On anything else msgfd is still
 * the caller's. Free out with milter_out_free().
 */
enum milter_verdict milter_message(struct milter_set *, const struct milter_macros *,
    int msgfd, const char *sender, char *const *rcpts, size_t nrcpt,
    struct milter_out *out, char *reply, size_t replysz);
void milter_out_free(struct milter_out *);
/* The transaction ended without a message (RSET, HELO, a refusal). */
void milter_reset(struct milter_set *);

#endif
