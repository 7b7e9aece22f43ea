/* b64.h: base64 (RFC 4648) for SMTP AUTH, strict: no spaces, padding required. */
#ifndef STAMP_SMTPD_B64_H
#define STAMP_SMTPD_B64_H

#include <stddef.h>
#include <sys/types.h>

/* Decode src[0..n) into dst (room for n / 4 * 3 bytes); the length, or -1 when malformed. */
ssize_t b64_decode(const char *src, size_t n, unsigned char *dst, size_t dstsz);
/* Encode into dst (room for (n + 2) / 3 * 4 + 1); NUL-terminated; the length, or -1 when too small. */
ssize_t b64_encode(const unsigned char *src, size_t n, char *dst, size_t dstsz);

#endif
