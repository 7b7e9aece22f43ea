/*
 * tls.h: STARTTLS for a session, over common/tlsio.h.
 *
 * The server context is made once, before any client byte is read and
 * before privileges are dropped (the key may be root's); each session then
 * has its own struct smtpd_tls, the ctx of its smtpd_world.
 */
#ifndef STAMP_SMTPD_TLS_H
#define STAMP_SMTPD_TLS_H

#include <stddef.h>

#include "buf.h"

struct smtpd_tls;

/*
 * Load control/tlscert and control/tlskey when both are set. NULL when TLS
 * is not configured or cannot be loaded (logged; STARTTLS is then not
 * offered).
 */
struct smtpd_tls *smtpd_tls_new(int timeout_ms);
/* After a session: close_notify when TLS was up, then free the session's part. */
void smtpd_tls_end(struct smtpd_tls *);
/* Free the server context too (at exit). */
void smtpd_tls_free(struct smtpd_tls *);

/* The smtpd_world starttls function; ctx is the struct smtpd_tls. */
int smtpd_starttls(void *ctx, struct rbuf *rb, struct wbuf *wb,
    char *proto, size_t protosz, char *desc, size_t descsz);

#endif
