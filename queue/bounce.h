/*
 * bounce.h: build an RFC 3464 delivery status notification.
 *
 * The scheduler fills a bounce_info for the failed recipients of one
 * message and gets back the whole report (multipart/report with a readable
 * part, a message/delivery-status part and the original message or its
 * header), with LF line ends, ready to inject with the null sender.
 *
 * Everything that comes from outside (addresses, result texts, the original
 * message) is treated as hostile: the output is always ASCII outside the
 * returned message, has no line longer than 998 octets, no NUL and no bare
 * CR, and its MIME boundary occurs nowhere in its content.
 */
#ifndef STAMP_BOUNCE_H
#define STAMP_BOUNCE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "str.h"

/* The whole original is returned up to max_return octets, capped here. */
#define BOUNCE_RETURN_CAP  (32 * 1024 * 1024)
/* Above that, at most this much of its header. */
#define BOUNCE_HEADER_MAX  (64 * 1024)

struct bounce_rcpt {
	const char *rcpt;        /* the failed recipient (canonical mailbox) */
	const char *text;        /* the result text: "5.1.1 no such user" (enhanced code first) */
	const char *remote_mta;  /* the remote host name, or NULL */
	time_t      when;        /* time of the last attempt (0: not known) */
	const char *diagnostic;  /* the remote server's reply, for Diagnostic-Code (NULL: text) */
};

struct bounce_info {
	const char *me;            /* control/me: Reporting-MTA and MAILER-DAEMON@me */
	const char *bouncefrom;    /* control/bouncefrom, e.g. "MAILER-DAEMON" (NULL: that) */
	const char *id;            /* the original queue id */
	const char *sender;        /* original envelope sender ("" for <>) */
	const char *to;            /* who gets this bounce (the sender, or the double-bounce address) */
	time_t      arrival;       /* when the original was queued */
	time_t      now;
	int         is_double;     /* a bounce of a bounce */
	const struct bounce_rcpt *rcpts;
	size_t      nrcpts;        /* at least 1 */
	int         msgfd;         /* the original message, LF line ends, read with pread from offset 0 */
	size_t      max_return;    /* return the whole message up to this size, else only its header */
	/* Random numbers for the Message-ID and boundary; NULL: arc4random. Tests replace it. */
	uint32_t  (*rand32)(void);
};

/*
 * Append the whole bounce message (LF line ends) to out. Returns 0, or -1
 * with errno (EINVAL for a missing field or no recipient, an error of
 * pread(2), ENOMEM or EOVERFLOW); out is then left as it was.
 */
int bounce_build(const struct bounce_info *, struct str *out);

/*
 * The Status of a result text: its leading enhanced status code (after an
 * optional SMTP reply code), with class 4 turned into 5 since the recipient
 * failed for good; "5.0.0" when there is none. out holds at least 12 bytes.
 */
void bounce_status(const char *text, char *out, size_t outsz);

/*
 * A stamp-remote result text that carries a server's reply has the form
 * "E.E.E host HOST [IP] said: REPLY" (deliver/rsmtp.h). Copy HOST to host
 * and return REPLY (a pointer into text); NULL when text has another form
 * or HOST does not fit.
 */
const char *bounce_remote_split(const char *text, char *host, size_t hostsz);

#endif
