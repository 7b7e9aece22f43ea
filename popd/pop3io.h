/* pop3io.h: reading commands and writing the replies both POP3 states share. */
#ifndef STAMP_POP3IO_H
#define STAMP_POP3IO_H

#include "buf.h"
#include "pop3cmd.h"

/*
 * Flush replies, then read the next command. Lines over POP3_LINE_MAX, with
 * a NUL, or empty are answered with -ERR here and skipped. 1: c holds a
 * command; 0: the client is gone (EOF, timeout, error; the session ends).
 */
int pop3_next(struct rbuf *in, struct wbuf *out, struct pop3_cmd *c);

struct capa {
	int	 auth_state;     /* AUTHORIZATION: USER and SASL when plaintext is allowed */
	int	 plaintext_ok;
	int	 stls;           /* STLS is available now */
};
/* The CAPA response (RFC 2449), "+OK" line to ".". */
void pop3_capa(struct wbuf *out, const struct capa *);

#endif
