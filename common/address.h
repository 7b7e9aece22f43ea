/*
 * address.h: RFC 5321 paths and mailboxes, parsed strictly.
 *
 *   Path      = "<" [ A-d-l ":" ] Mailbox ">"
 *   Mailbox   = Local-part "@" ( Domain / address-literal )
 *
 * Limits of RFC 5321 4.5.3.1: local part 64 octets, domain 255, path 256
 * (the brackets included). With ADDR_UTF8 (RFC 6531, SMTPUTF8) local parts
 * and domains may hold UTF-8; it must be valid (no overlong forms, no
 * surrogates). Without it, any octet over 127 is an error.
 */
#ifndef STAMP_ADDRESS_H
#define STAMP_ADDRESS_H

#include <stddef.h>

#define ADDR_LOCAL_MAX   64
#define ADDR_DOMAIN_MAX  255
#define ADDR_PATH_MAX    256

enum addr_flags {
	ADDR_UTF8        = 1 << 0,  /* SMTPUTF8: UTF-8 in local part and domain */
	ADDR_ALLOW_ROUTE = 1 << 1,  /* accept and drop a source route "@a,@b:" */
	ADDR_ALLOW_NULL  = 1 << 2,  /* accept "<>" (the null reverse-path) */
	ADDR_ALLOW_BARE  = 1 << 3,  /* a Mailbox without "<" ">" is accepted too */
	ADDR_ALLOW_LOCAL = 1 << 4,  /* a local part with no "@domain" ("postmaster") */
};

enum addr_error {
	ADDR_OK = 0,
	ADDR_ESYNTAX,     /* not a path or mailbox */
	ADDR_ETOOLONG,    /* a part is over its limit */
	ADDR_EROUTE,      /* a source route, and ADDR_ALLOW_ROUTE not given */
	ADDR_E8BIT,       /* an octet over 127 without ADDR_UTF8, or bad UTF-8 */
	ADDR_ENULL,       /* "<>", and ADDR_ALLOW_NULL not given */
};

enum addr_literal {
	ADDR_LIT_NONE = 0,
	ADDR_LIT_IPV4,    /* [192.0.2.1] */
	ADDR_LIT_IPV6,    /* [IPv6:2001:db8::1] */
	ADDR_LIT_GENERAL, /* [tag:content], syntactically valid, not deliverable */
};

struct addr {
	/* The local part decoded: quotes and quoted-pairs removed. */
	char   local[ADDR_LOCAL_MAX + 1];
	size_t local_len;
	/* The domain as written (an address literal with its brackets); "" for <> or a bare local part. */
	char   domain[ADDR_DOMAIN_MAX + 1];
	/* The mailbox in canonical form: local part as a dot-string when it is one, else quoted again; "" for <>. */
	char   mailbox[ADDR_PATH_MAX + 1];
	int    is_null;      /* it was <> */
	int    was_quoted;   /* the local part was a quoted-string */
	int    had_route;    /* a source route was present (and dropped) */
	int    has_8bit;     /* UTF-8 appeared (the message needs SMTPUTF8) */
	enum addr_literal literal;
};

/*
 * Parse a path at the start of s[0..len): "<...>", or, with ADDR_ALLOW_BARE, a
 * mailbox that ends at a space or at len. *consumed (may be NULL) is how many
 * bytes were used, so that the caller can go on with ESMTP parameters.
 */
enum addr_error addr_parse_path(const char *s, size_t len, unsigned flags,
    struct addr *out, size_t *consumed);
/* Parse exactly one Mailbox filling all of s[0..len), no brackets. */
enum addr_error addr_parse_mailbox(const char *s, size_t len, unsigned flags, struct addr *out);

/* A short English reason for an error ("local part longer than 64 octets"). */
const char *addr_strerror(enum addr_error);

/* ASCII-case-insensitive comparison of two domains (0 when equal). */
int addr_domain_cmp(const char *a, const char *b);
/* Is the local part a valid RFC 5321 Dot-string (so it needs no quotes)? */
int addr_is_dotstring(const char *local, size_t len, unsigned flags);

#endif
