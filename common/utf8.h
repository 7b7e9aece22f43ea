/* utf8.h: strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF). */
#ifndef STAMP_UTF8_H
#define STAMP_UTF8_H

#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence of a non-ASCII character at p (at most
 * avail bytes): 2..4, or 0 when it is invalid or cut short.
 */
size_t utf8_seqlen(const unsigned char *p, size_t avail);
/* Is s[0..len) valid UTF-8 (ASCII included)? */
int    utf8_valid(const char *s, size_t len);
/* Does s[0..len) hold an octet over 127? */
int    has_8bit(const char *s, size_t len);

#endif
