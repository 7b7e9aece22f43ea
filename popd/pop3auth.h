/*
 * pop3auth.h: the AUTHORIZATION state of RFC 1939 (with CAPA, AUTH PLAIN of
 * RFC 5034 and the response codes of RFC 2449 and RFC 3206).
 *
 * It runs in the unprivileged half of stamp-popd and never sees a mailbox:
 * credentials go out through the check hook, which answers whether the
 * transaction part took over. The greeting is this module's too.
 */
#ifndef STAMP_POP3AUTH_H
#define STAMP_POP3AUTH_H

#include <stddef.h>

#include "buf.h"

#define POP3_MAX_FAILURES 3

enum pop3_verdict {
	PV_OK,      /* the transaction part runs now, on the same client: this one stops */
	PV_FAIL,    /* wrong password or unknown user */
	PV_TEMP,    /* the check could not be made */
};

struct pop3_auth_hooks {
	/* Check; leftover: the client's bytes already read past the command (pipelining). */
	enum pop3_verdict (*check)(void *ctx, const char *user, const char *pass,
	    const char *timestamp, const char *leftover, size_t leftlen);
	void	(*delay)(void *ctx, int seconds);   /* after a failed login */
	/* After "+OK" to STLS is flushed: the handshake. 0 TLS is on, -1 the session is over. */
	int	(*starttls)(void *ctx);
	void	*ctx;
};

struct pop3_auth_conf {
	int		 plaintext_ok;   /* USER/PASS and AUTH PLAIN allowed (TLS, loopback, setting) */
	int		 stls;           /* STLS can be offered (hooks->starttls is set) */
	const char	*timestamp;      /* APOP's "<...>" in the greeting, or "" (no APOP) */
	int		 faildelay;      /* seconds */
	const char	*ip;             /* the client's address, for the log */
};

enum pop3_auth_end {
	PA_LOGGED_IN,    /* the transaction part has the session */
	PA_QUIT,         /* QUIT in AUTHORIZATION: nothing touched */
	PA_GONE,         /* EOF, timeout */
	PA_TOOMANY,      /* the fourth login attempt */
};

enum pop3_auth_end pop3_authorization(struct rbuf *in, struct wbuf *out,
    const struct pop3_auth_conf *conf, const struct pop3_auth_hooks *hooks);

#endif
