/*
 * received.h: the Received: line stamp-smtpd puts on top of each message
 * (RFC 5321 4.4, RFC 3848 and RFC 6531 protocol names).
 *
 *   Received: from HELO (HOST [IP])
 *           by ME (stamp-smtpd) with ESMTPSA (TLS) id ID
 *           for <RCPT>; DATE
 *
 * Every outside value is made safe first: nothing but printable ASCII (and
 * UTF-8 in the recipient) reaches the header, so no CR, LF or NUL from a
 * client can start a header of its own.
 */
#ifndef STAMP_SMTPD_RECEIVED_H
#define STAMP_SMTPD_RECEIVED_H

#include <stddef.h>
#include <time.h>

#include "str.h"

struct received_info {
	const char	*helo;      /* as the client said it */
	const char	*host;      /* reverse name; "" unknown */
	const char	*ip;        /* "" unknown */
	const char	*me;
	const char	*proto;     /* "ESMTPSA", see received_proto() */
	const char	*tls;       /* "TLSv1.3 TLS_AES_256_GCM_SHA384", or "" */
	const char	*id;
	const char	*rcpt;      /* the one recipient, or NULL */
	time_t		 when;
};

/* SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA; UTF8SMTP... when SMTPUTF8 was used. */
const char *received_proto(int ehlo, int tls, int auth, int utf8);

/* Append the whole line (CR LF line ends, folded) to out; 0, or -1 (ENOMEM). */
int received_line(struct str *out, const struct received_info *);

/*
 * Copy src into dst made safe for a header comment: bytes outside 0x21-0x7e,
 * and "(", ")", "\", become "?"; with utf8 bytes over 0x7f stay (and space
 * stays, for quoted local parts). Cut to fit.
 */
void received_safe(char *dst, size_t dstsz, const char *src, int utf8);

#endif
