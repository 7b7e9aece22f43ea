/*
 * crlf.h: turn CR LF into LF in a stream that arrives in pieces.
 *
 * Only a CR directly followed by LF is dropped; a bare CR or bare LF stays as
 * it is. A CR at the end of one piece is held until the next piece (or
 * crlf_finish) says what follows it.
 */
#ifndef STAMP_CRLF_H
#define STAMP_CRLF_H

#include <stddef.h>

struct crlf {
	int cr_pending;
};

/* out must have room for n + 1 bytes; returns the bytes written to out. */
size_t crlf_to_lf(struct crlf *, const char *in, size_t n, char *out);
/* At the end of the stream: out (room for 1 byte) gets a held CR; returns 0 or 1. */
size_t crlf_finish(struct crlf *, char *out);

#endif
