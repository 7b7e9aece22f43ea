/*
 * tlsio.h: TLS (libtls) under stamp's buffered I/O, for STARTTLS and STLS
 * (servers) and for stamp-remote (client).
 *
 * A session starts in plaintext on a read fd and a write fd (the same socket,
 * or fds 0 and 1 under tcpserver and inetd). After a handshake, tlsio_read
 * and tlsio_write take the place of the plain transfer functions of buf.h
 * (rbuf_set_reader / wbuf_set_writer with the struct tlsio as ctx), so the
 * protocol code above does not change. Every wait has the caller's timeout.
 *
 * The caller must throw away every plaintext byte buffered before the
 * handshake (rbuf_discard) and all protocol state: that is the protocol's
 * job, not this module's, and the protocol tests check it.
 */
#ifndef STAMP_TLSIO_H
#define STAMP_TLSIO_H

#include <stddef.h>
#include <sys/types.h>

struct tls;
struct tls_config;

struct tlsio {
	struct tls	*ctx;       /* the connection's context */
	int		 rfd, wfd;
	int		 verified;  /* client: the peer's certificate and name were verified */
	char		 err[256];  /* the last error, for a log line */
};

/*
 * A server context from PEM files (control/tlscert, control/tlskey). NULL,
 * with the reason in err, when they cannot be read or do not match. Build it
 * once, before reading any client input, while the files are still readable
 * (before dropping privileges, if they are root's).
 */
struct tls *tlsio_server_new(const char *certfile, const char *keyfile, char *err, size_t errsz);

void tlsio_server_free(struct tls *server);

/* Are both control/tlscert and control/tlskey set and readable? Their paths go to cert and key. */
int tlsio_server_configured(char *cert, size_t certsz, char *key, size_t keysz);

/*
 * Handshake as the server on rfd/wfd. 0, or -1 with t->err set (the caller
 * ends the session: after a failed handshake the stream is unusable). A
 * failed handshake (here and in tlsio_connect) frees what it made.
 */
int tlsio_accept(struct tlsio *t, struct tls *server, int rfd, int wfd, int timeout_ms);

/*
 * Handshake as a client. servername is the name to verify (and to send as
 * SNI); verify 0 accepts any certificate and any protocol version
 * (opportunistic TLS: better than plaintext), and t->verified is then 0:
 * libtls cannot say whether an unchecked certificate would have verified.
 * With verify 1 the certificate chain and the name are checked, and
 * t->verified is 1 after a handshake. cafile NULL: the system's CA bundle.
 */
int tlsio_connect(struct tlsio *t, int rfd, int wfd, const char *servername,
    int verify, const char *cafile, int timeout_ms);

/* buf.h transfer functions; ctx is the struct tlsio. */
ssize_t tlsio_read(void *ctx, int fd, void *dst, size_t n, int timeout_ms);
ssize_t tlsio_write(void *ctx, int fd, const void *src, size_t n, int timeout_ms);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384" (for Received: lines and logs); "" before a handshake. */
const char *tlsio_describe(const struct tlsio *t, char *out, size_t outsz);
/* The protocol version alone ("TLSv1.3"), or "". */
const char *tlsio_version(const struct tlsio *t);

/* Send close_notify (bounded by timeout_ms) and free the connection. The fds stay open. */
void tlsio_close(struct tlsio *t, int timeout_ms);

#endif
