/*
 * rsmtp.h: stamp-remote's side of one SMTP connection (RFC 5321): the
 * greeting, EHLO (HELO when EHLO is refused), opportunistic or required
 * STARTTLS, then one mail transaction for all recipients, pipelined (RFC
 * 2920) when the server offers it, and QUIT.
 *
 * All I/O goes through the rbuf/wbuf of struct rsmtp, so check_rsmtp runs
 * whole dialogues against scripted servers; STARTTLS goes through a
 * replaceable hook. Each step ends in one of three ways: the session goes
 * on; the server cannot take the message now, so the caller tries the next
 * address (RS_NEXT, the reason in err); or the TLS handshake failed
 * (RS_TLSFAIL: the caller may try the same address again without TLS).
 *
 * Result texts that carry a server's reply have one form, which the
 * scheduler reads back for the bounce's Remote-MTA and Diagnostic-Code:
 *
 *     ENHANCED-CODE " host " HOST " [" IP "] said: " REPLY-CODE " " REPLY-TEXT
 */
#ifndef STAMP_RSMTP_H
#define STAMP_RSMTP_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "dlv.h"
#include "rdata.h"
#include "rreply.h"
#include "tlsio.h"

enum rs_step {
	RS_OK,          /* go on */
	RS_NEXT,        /* nothing decided here: the next address (err says why) */
	RS_TLSFAIL,     /* the handshake failed: maybe the same address without TLS */
};

enum rs_tls {
	RS_TLS_NO,      /* never (a retry after a failed handshake) */
	RS_TLS_TRY,     /* when offered */
	RS_TLS_MUST,    /* required: no STARTTLS or a failed handshake is RS_NEXT */
	RS_TLS_VERIFY,  /* required, with a verified certificate for the host name */
};

struct rs_ext {
	int			 esmtp, pipelining, eightbitmime, smtputf8, starttls;
	int			 size_on;
	unsigned long long	 size;          /* the SIZE limit; 0: none given */
};

struct rsmtp;
typedef int (*rs_tls_fn)(struct rsmtp *);

struct rsmtp {
	struct rbuf	 r;
	struct wbuf	 w;
	char		 rmem[8192];
	char		 wmem[16384];
	int		 fd;
	int		 timeout_ms;
	const char	*id;            /* the queue ID, for log lines ("-" unless set) */
	const char	*host;          /* the exchanger's name */
	char		 ip[64];        /* its address, as text */
	struct rs_ext	 ext;
	/* TLS */
	rs_tls_fn	 starttls;      /* rsmtp_tls_client by default */
	struct tlsio	 tls;
	int		 tls_on, tls_verified;
	int		 tls_want_verify;      /* for the hook: RS_TLS_VERIFY */
	const char	*cafile;        /* NULL: the system's CA bundle */
	char		 tls_desc[128];
	int		 broken;        /* a reply timed out, or the stream broke: no QUIT */
	int		 lmtp;          /* RFC 2033: LHLO, and one reply per recipient after DATA */
	/* Why the session cannot go on (a 4.x.x text), for RS_NEXT and RS_TLSFAIL. */
	char		 err[512];
};

struct rs_msg {
	const char		*sender;        /* "" for <> */
	int			 fd;            /* the queued message, read with pread */
	struct rdata_info	 info;
	int			 utf8;          /* an address needs SMTPUTF8 */
};

struct rs_rcpt {
	const char		*addr;
	int			 done;          /* res holds this recipient's result */
	int			 accepted;      /* RCPT got 2xx in this transaction */
	struct dlv_result	 res;
};

/* Start a session on a connected socket (the same fd for both directions). */
void rsmtp_init(struct rsmtp *, int fd, int timeout_ms, const char *host, const char *ip);

/*
 * Greeting, EHLO/HELO as helo, STARTTLS as tls asks. With s->lmtp set
 * (stamp-lmtp), LHLO instead, with no HELO after a refusal (RFC 2033).
 */
enum rs_step rsmtp_open(struct rsmtp *, const char *helo, enum rs_tls tls);

/*
 * One transaction for every recipient not yet done. Decided recipients get
 * done = 1; RS_NEXT leaves the others for the next address. With s->lmtp
 * the final dot gets one reply per accepted recipient, in RCPT order, each
 * that recipient's result; those not read (the server closed, timed out
 * or sent garbage) are temporary failures.
 */
enum rs_step rsmtp_transact(struct rsmtp *, const struct rs_msg *, struct rs_rcpt *, size_t n);

/* QUIT (its reply waited for briefly) and close_notify; the fd is left open. */
void rsmtp_quit(struct rsmtp *);

/* The default STARTTLS hook: tlsio_connect, verifying when s->tls_want_verify says so. */
int  rsmtp_tls_client(struct rsmtp *);

/* The shared result text: "E.E.E host H [IP] said: CODE TEXT" into res. */
void rsmtp_said(const struct rsmtp *, struct dlv_result *, enum dlv_status, const struct rreply *);

/* For rsmtp.c and rtrans.c: end a step with RS_NEXT and the reason in s->err. */
enum rs_step rsmtp_next(struct rsmtp *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same for a failed reply read (timeout, closed, malformed) after the command `after`. */
enum rs_step rsmtp_next_io(struct rsmtp *, enum rreply_status, const char *after);

#endif
