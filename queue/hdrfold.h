/*
 * hdrfold.h: fold header fields whose lines are too long for RFC 5322.
 *
 * A line of a message may hold at most 998 octets (RFC 5322 2.1.1). A field
 * with a longer line is folded at white space: a line end is put before a
 * space or tab that follows other text, at column 78 or before where the
 * line allows it (the "SHOULD" of 2.1.1), else at the first white space
 * after. A line with no white space to fold at cannot be made valid: the
 * caller refuses the message.
 */
#ifndef STAMP_HDRFOLD_H
#define STAMP_HDRFOLD_H

#include <stddef.h>

#include "str.h"

#define HDR_LINE_MAX  998   /* octets of a line, without its line end */
#define HDR_LINE_GOOD 78    /* where folding aims */

/*
 * Append field[0..len) ("Name: value", continuation lines after "\n", no
 * final line end) to out, folding every line over HDR_LINE_MAX octets.
 * 0; -1 with errno E2BIG when a line cannot be folded (out then holds
 * part of the field), ENOMEM.
 */
int hdr_fold(struct str *out, const char *field, size_t len);

#endif
