/*
 * dataread.h: the message text of DATA and BDAT, one byte at a time.
 *
 * A pure scanner (no I/O), so that its check suite can feed it every cut of
 * every input. DATA ends only at CR LF "." CR LF, the first CR LF being the
 * one that ended the DATA command line or the last text line. A line that
 * starts with "." after CR LF loses that dot (RFC 5321 4.5.2).
 *
 * Bare LF and bare CR (an LF without the CR before it, a CR without an LF
 * after it) never end a line, so "\n.\n", "\r.\r", "\n.\r\n" and friends are
 * text; the scanner counts them, and the session refuses such a message with
 * 554 5.5.0 once it has read all of it, so nothing smuggled behind one of
 * them can become a second message here or further down the line.
 */
#ifndef STAMP_SMTPD_DATAREAD_H
#define STAMP_SMTPD_DATAREAD_H

#include <stddef.h>

enum ds_state {
	DS_BOL,      /* at the start of a line (after CR LF) */
	DS_DOT,      /* "." at the start of a line */
	DS_DOTCR,    /* "." CR at the start of a line */
	DS_TEXT,     /* inside a line */
	DS_CR,       /* a CR inside a line, its LF not seen yet */
	DS_END,      /* CR LF "." CR LF seen: the message is complete */
};

struct dataread {
	enum ds_state	 state;
	int		 dots;       /* 1: DATA (dot-stuffing and terminator); 0: BDAT */
	unsigned long	 bare_lf;    /* LFs without their CR */
	unsigned long	 bare_cr;    /* CRs without their LF */
};

/* Start a DATA message (dots 1) or a BDAT message (dots 0). */
void dataread_init(struct dataread *, int dots);

/*
 * Scan in[0..n): the message bytes go to out (room for n + 1 bytes: a CR
 * held from the last call may come out too),
 * *outn says how many. Returns how many input bytes were used: all n, or
 * fewer when the terminator ended the message (state DS_END; the rest
 * belongs to the next command).
 */
size_t dataread_scan(struct dataread *, const char *in, size_t n, char *out, size_t *outn);

/*
 * At the end of the last BDAT chunk: a CR still held is a bare CR; it goes
 * to out (room for 1 byte). Returns the bytes written, 0 or 1.
 */
size_t dataread_finish(struct dataread *, char *out);

/* Did the message hold a bare CR or bare LF? */
int dataread_bare(const struct dataread *);

#endif
