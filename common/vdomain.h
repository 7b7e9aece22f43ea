/*
 * vdomain.h: matching a domain against control/virtualdomains.
 *
 * One rule for every program that asks (stamp-smtpd's relay and RCPT checks,
 * the scheduler's local/remote split, stamp-local's lookup), so a domain is
 * never local to one and remote to another. Lines are "domain:prefix" or
 * ".suffix:prefix" (every subdomain of suffix, not suffix itself); a line
 * with no colon is "domain:" (plain local names). The exact domain wins
 * over the longest matching suffix. Case does not matter.
 */
#ifndef STAMP_VDOMAIN_H
#define STAMP_VDOMAIN_H

#include <stddef.h>

#include "control.h"

/*
 * The matching line's prefix (a pointer into l's item after the colon, or
 * "" for a line with no colon, so not NUL-free of the rest) and its length
 * in *len; NULL when no line matches.
 */
const char *vdomain_prefix(const struct ctl_list *l, const char *domain, size_t *len);

/* Does some line of l cover domain? */
int vdomain_has(const struct ctl_list *l, const char *domain);

#endif
