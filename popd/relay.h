/*
 * relay.h: the session's first process (P) as the owner of the client's
 * stream when STLS is possible.
 *
 * A TLS session cannot move from the AUTHORIZATION process to the
 * transaction process, so P keeps it and relays plaintext between the
 * client and them over a socketpair (stamp-popd(8)). Before login and TLS,
 * P forwards the client's input a line at a time and stops after a line
 * that is STLS, so that no byte of the client's TLS handshake can reach
 * the POP3 code; everything still buffered is thrown away at the handshake.
 */
#ifndef STAMP_RELAY_H
#define STAMP_RELAY_H

#include "buf.h"
#include "tlsio.h"

struct relay {
	int		 inner;      /* P's end of the socketpair */
	int		 rfd, wfd;   /* the client */
	struct tls	*server;
	struct tlsio	 tls;
	int		 tls_on, paused, lined;
	int		 timeout_ms;
	struct rbuf	 cin;
	struct wbuf	 cout;
	char		 cmem[4096], wmem[16384];
	/* Client bytes not yet taken by the inner side: no more are read until they are. */
	char		 ibuf[4096];
	size_t		 ioff, ilen;
};

void relay_init(struct relay *, int rfd, int wfd, int inner, struct tls *server, int timeout_ms);
/* Client to inner: what is ready. -1: the client is gone (inner was shut for writing). */
int  relay_from_client(struct relay *);
/* Inner to client: what is ready. -1: the inner side is gone. */
int  relay_to_client(struct relay *);
/* Is client input waiting in our buffer (poll would not show it)? */
int  relay_pending(const struct relay *);
/* Client bytes wait for room on the inner side (poll it for POLLOUT; do not read the client). */
int  relay_inner_blocked(const struct relay *);
/* Move waiting bytes to the inner side, as far as it takes them now. 0, or -1. */
int  relay_flush_inner(struct relay *);
/* STLS was answered +OK by A: send that, discard input, handshake. 0, or -1 (session over). */
int  relay_starttls(struct relay *);
/* After login: no more lines, only bytes. */
void relay_raw(struct relay *);
void relay_close(struct relay *);

#endif
