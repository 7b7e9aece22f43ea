/*
 * dkimkey.h: DKIM keys for stamp-dkim-keygen: an RSA key pair from
 * libcrypto (already linked for libtls), its private half in PEM, and the
 * DNS TXT record (RFC 6376 section 3.6.1) that publishes its public half.
 */
#ifndef STAMP_DKIMKEY_H
#define STAMP_DKIMKEY_H

#include <stddef.h>

#include "str.h"

#define DKIM_BITS_MIN     1024    /* RFC 8301: verifiers must refuse less */
#define DKIM_BITS_MAX     4096    /* longer keys do not fit most DNS TXT answers */
#define DKIM_BITS_DEFAULT 2048
#define DKIM_TXT_STRING   255     /* one character-string of a TXT record (RFC 1035) */

/*
 * Is name a selector (RFC 6376 3.1: dot-separated labels of letters,
 * digits and hyphens) or a domain name (the same, at most 253 octets)?
 * Neither may be empty, start or end with a dot or a hyphen, or hold '/'.
 */
int dkim_name_ok(const char *name);

/* A new RSA key of bits bits: *pem (PKCS#8, PEM) and *pub (the base64 of its
 * SubjectPublicKeyInfo, the p= tag). 0, or -1 (a libcrypto error, logged). */
int dkim_generate(int bits, struct str *pem, struct str *pub);

/* The public half of the PEM private key in pem[0..n): *pub as above. 0, or -1. */
int dkim_public_of(const char *pem, size_t n, struct str *pub);

/*
 * The record to publish, one line:
 *   SELECTOR._domainkey.DOMAIN. IN TXT "v=DKIM1; k=rsa; p=..." "..."
 * its value cut into quoted strings of at most DKIM_TXT_STRING octets, as a
 * zone file wants (resolvers join them). 0, or -1 (no memory).
 */
int dkim_record(struct str *out, const char *selector, const char *domain, const char *pub);

#endif
