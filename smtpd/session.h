/*
 * session.h: one SMTP session (RFC 5321 and the extensions of issue 4),
 * the same code under tcpserver and in a listener's worker.
 */
#ifndef STAMP_SMTPD_SESSION_H
#define STAMP_SMTPD_SESSION_H

#include "buf.h"
#include "opts.h"
#include "world.h"

/*
 * Serve one client on rb/wb until QUIT, end of input, a timeout or a fatal
 * error; every reply has been flushed (or the write failed) on return.
 * Returns 0 after QUIT, 1 when the session ended otherwise.
 */
int smtpd_session(struct rbuf *rb, struct wbuf *wb, const struct smtpd_client *c,
    const struct smtpd_opts *o, const struct smtpd_world *w);

#endif
