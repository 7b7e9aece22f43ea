/*
 * inj_serve.h: stamp-queue --serve, one injection after another for the
 * stamp-smtpd process that started it.
 *
 * An exec of stamp-queue per message costs more CPU than the injection
 * itself (the kernel's exec, the dynamic loader, page faults), so each
 * stamp-smtpd worker starts one stamp-queue --serve at its first message
 * and hands it every later one. It is the same set-user-ID program with
 * the same checks: only the way in changes. The socket (a SOCK_SEQPACKET
 * pair) is on fd 0; one datagram per request and per reply:
 *
 *   request: "M", with two descriptors: the message and the envelope
 *            (qmail-queue's format), each read from its offset 0 on
 *   reply:   "CODE ID", CODE the exit code the message would have had
 *            (qexit.h), ID the queue ID or "-"
 *
 * It ends (exit 0) when the other end is closed.
 */
#ifndef STAMP_INJ_SERVE_H
#define STAMP_INJ_SERVE_H

#include "inject.h"

/*
 * Serve requests on sock until its peer is gone. base holds what stays
 * the same (uid, from_network); controls fills databytes and timeout_ms
 * again for each message (an edit takes effect at the next one) and
 * returns 0, or -1 when a control file cannot be read. Returns 0 at the
 * end, or -1 (logged) when the socket fails.
 */
int inject_serve(int sock, const struct inject_opts *base, int (*controls)(struct inject_opts *));

#endif
