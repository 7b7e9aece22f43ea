/*
 * rfc2047.h: RFC 2047 encoded words for header text that is not ASCII.
 *
 * Big providers refuse raw 8-bit header text from a sender that does not
 * say SMTPUTF8; encoded words ("=?UTF-8?Q?J=C3=B6rg?=") reach everyone.
 * Only display names, comments and unstructured text are encoded; an
 * address is never touched (it is UTF-8 or it is nothing).
 */
#ifndef STAMP_RFC2047_H
#define STAMP_RFC2047_H

#include <stddef.h>

#include "str.h"

#define RFC2047_WORD_MAX 75   /* octets of one encoded word, "=?" to "?=" */
#define RFC2047_LINE_MAX 76   /* a line that holds encoded words */

/*
 * Append text[0..len) (valid UTF-8) as encoded words, each preceded by a
 * separator (" ", or "\n " when the word would pass column 76), the first
 * one only when sep_first is set. Q or B,
 * whichever is shorter for the whole text; each word at most 75 octets and
 * never splitting a UTF-8 sequence. Q words use only the characters that
 * RFC 2047 5(3) allows in a phrase, so the result fits a display name, a
 * comment and unstructured text alike. *col is the column at the end of
 * out (octets since its last LF), and is updated.
 * 0, or -1 with errno: EILSEQ (not valid UTF-8), ENOMEM, EOVERFLOW.
 */
int rfc2047_encode(struct str *out, const char *text, size_t len, size_t *col, int sep_first);

/*
 * Unstructured text (a Subject): text[0..len) as it is when it is ASCII;
 * otherwise the words before the first one with non-ASCII, then that span
 * up to the end of the last such word encoded, then the rest. The text is
 * appended after a separating space that this call writes. 0 or -1 as above.
 */
int rfc2047_text(struct str *out, const char *text, size_t len, size_t *col);

#endif
