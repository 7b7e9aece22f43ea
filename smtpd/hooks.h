/*
 * hooks.h: the policy and DNSBL interfaces, as the session calls them
 * (smtpd/policy.h and smtpd/dnsbl.h implement them; the check suite stubs
 * them).
 */
#ifndef STAMP_SMTPD_HOOKS_H
#define STAMP_SMTPD_HOOKS_H

#include <stddef.h>

#include "policy.h"
#include "str.h"

/* policy_check_prepend(): headers a service asks for go to prepend. */
typedef enum policy_verdict (*smtpd_policy_fn)(const struct policy_req *,
    char *reply, size_t replysz, struct str *prepend);
/* dnsbl_check() */
typedef int (*smtpd_dnsbl_fn)(const char *client_ip, char *reply, size_t replysz);

#endif
