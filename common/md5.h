/*
 * md5.h: MD5 (RFC 1321), for APOP digests (RFC 1939) and UIDLs made from
 * over-long Maildir names. Never for anything that needs collision resistance.
 */
#ifndef STAMP_MD5_H
#define STAMP_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_LEN 16

struct md5 {
	uint32_t	 h[4];
	uint64_t	 bytes;
	unsigned char	 block[64];
	size_t		 fill;
};

void md5_init(struct md5 *);
void md5_update(struct md5 *, const void *, size_t);
void md5_final(struct md5 *, unsigned char out[MD5_LEN]);
/* out = 32 lowercase hex digits and a NUL, of the MD5 of data. */
void md5_hex(const void *data, size_t n, char out[2 * MD5_LEN + 1]);

#endif
