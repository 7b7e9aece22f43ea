/*
 * inj_addr.h: the address lists of From, To, Cc and Bcc (RFC 5322 3.4).
 *
 *   address-list = address *("," address), empty items allowed (obsolete)
 *   address      = [display-name] "<" addr-spec ">" / addr-spec /
 *                  display-name ":" [mailbox-list] ";"    (a group)
 *
 * with comments and folding white space anywhere between the words. The
 * parser finds every mailbox (for sendmail -t) and can write the list
 * again with each display name or comment that holds non-ASCII text as
 * RFC 2047 encoded words; everything else, addresses above all, is written
 * as it was.
 */
#ifndef STAMP_INJ_ADDR_H
#define STAMP_INJ_ADDR_H

#include <stddef.h>

#include "str.h"

/* Called for every mailbox, canonical ("user@example.org"; a bare "user" gets "@defaulthost"). */
typedef int (*addr_found_fn)(const char *mailbox, void *arg);

/*
 * Parse the value val[0..len) of an address field. fn (may be NULL) gets
 * each mailbox; when out is not NULL the value is appended to it, rewritten
 * (out already holds "Name:"; the value starts after it). defaulthost
 * qualifies bare local parts. 0; -1 with *why a sentence when the list is
 * not valid, or when fn failed (*why from fn's errno: NULL).
 */
int addrlist_parse(const char *val, size_t len, const char *defaulthost,
    addr_found_fn fn, void *arg, struct str *out, const char **why);

#endif
