/*
 * rreply.h: reading an SMTP server's replies (RFC 5321 section 4.2), for
 * stamp-remote.
 *
 * A reply is one or more lines "CODE-text" ending in a line "CODE text"
 * (or a bare "CODE"). Everything is bounded: a line of more than
 * RREPLY_LINE_MAX octets is cut (the rest of it is read and dropped), a
 * reply of more than RREPLY_LINES_MAX lines or with lines of different
 * codes is a protocol error, and the joined text keeps at most
 * RREPLY_TEXT_MAX octets. Control characters in the text become spaces, so
 * the text can go into a result line, a log and a bounce as it is.
 */
#ifndef STAMP_RREPLY_H
#define STAMP_RREPLY_H

#include <stddef.h>

#include "buf.h"

#define RREPLY_LINE_MAX   1024
#define RREPLY_LINES_MAX  200
#define RREPLY_TEXT_MAX   2048

enum rreply_status {
	RREPLY_OK,      /* a whole reply */
	RREPLY_IO,      /* timeout, read error or end of connection (errno says; 0 at EOF) */
	RREPLY_BAD,     /* not an SMTP reply */
};

struct rreply {
	int	 code;                          /* 200 to 599 */
	size_t	 nlines;
	char	 text[RREPLY_TEXT_MAX];         /* the lines' texts joined by one space */
	size_t	 len;
};

/*
 * Called with each line's text (after "CODE-" or "CODE "), NUL-terminated
 * and cleaned, so that EHLO keywords can be read one line at a time.
 */
typedef void (*rreply_line_fn)(void *ctx, const char *text);

enum rreply_status rreply_read(struct rbuf *, struct rreply *, rreply_line_fn, void *ctx);

/* The class: 2, 3, 4 or 5 (code / 100). */
int  rreply_class(const struct rreply *);

/*
 * The reply's enhanced status code (RFC 3463) when its text starts with one
 * of the reply's class ("5.1.1 ..."), else the generic one for the class
 * ("5.0.0", "4.0.0", "2.0.0"). out holds at least 16 octets.
 */
void rreply_enhanced(const struct rreply *, char *out, size_t outsz);

/* Is text's first word an enhanced status code "C.SSS.DDD"? Its length, or 0. */
size_t rreply_enhanced_len(const char *text);

#endif
