/*
 * lookup.h: where mail for a local recipient goes.
 *
 * Shared by stamp-local (to deliver) and stamp-smtpd (to refuse unknown
 * users at RCPT time with the same answer). In this order:
 *   1. control/virtualdomains: "domain:prefix" makes user@domain the local
 *      name prefix-user ("domain:" leaves it as it is); ".domain:prefix"
 *      covers every subdomain; the exact domain wins;
 *   2. HOME/aliases: "name: target, target" (an address, |program,
 *      /path/mbox, /path/Maildir/); a |program target runs to the line's end;
 *   3. HOME/users (users.h): "name:crypt-hash:mailbox[:secret]" virtual users, mailbox under
 *      HOME/mail/ when relative (default NAME/Maildir/), always a Maildir;
 *   4. system accounts (getpwnam): never uid 0, and only with a home folder
 *      that exists and belongs to the account; they deliver per ~/.stamp.
 * Local parts are looked up in ASCII lower case. A name is tried as it is
 * first; then "user+ext" (the delimiter of control/delimiter) as "user" with
 * extension "ext"; then, for a virtualdomains name, "prefix" with the
 * original local part as the extension (as qmail's virtual domains work).
 */
#ifndef STAMP_LOOKUP_H
#define STAMP_LOOKUP_H

#include <limits.h>
#include <sys/types.h>

#include "address.h"
#include "control.h"

enum lookup_kind {
	LK_UNKNOWN = 0,   /* no such recipient: 5.1.1 */
	LK_ALIAS,         /* targets */
	LK_VIRTUAL,       /* maildir */
	LK_SYSTEM,        /* uid, gid, dir, name */
	LK_ERROR,         /* a file could not be read: temporary */
};

/* A virtualdomains prefix plus "-" plus a local part. */
#define LOOKUP_NAME_MAX  (ADDR_LOCAL_MAX * 2 + 1)

struct lookup {
	enum lookup_kind kind;
	char             user[LOOKUP_NAME_MAX + 1];  /* the name found, folded */
	char             ext[LOOKUP_NAME_MAX + 1];   /* the extension, "" none */
	struct ctl_list  targets;                    /* LK_ALIAS */
	char             maildir[PATH_MAX];          /* LK_VIRTUAL, ends in "/" */
	uid_t            uid;                        /* LK_SYSTEM */
	gid_t            gid;
	char             dir[PATH_MAX];              /* the account's home */
	char             name[64];                   /* the account's login name */
	int              aliases_only;               /* lookup_alias: step 2 alone */
};

/*
 * Look up local@domain (domain may be ""). Fills out; returns out->kind.
 * lookup_free() afterwards, whatever the kind.
 */
enum lookup_kind lookup_recipient(const char *local, const char *domain, struct lookup *out);
/*
 * The same names, in aliases alone: LK_ALIAS, LK_UNKNOWN or LK_ERROR. The
 * scheduler asks it for recipients at control/lmtp domains (an alias stays
 * with stamp-local, which expands it). It reads neither users nor accounts.
 */
enum lookup_kind lookup_alias(const char *local, const char *domain, struct lookup *out);
void lookup_free(struct lookup *);

/* Split an aliases line "name: a, |prog, b" into name and targets. 0, or -1 if malformed. */
int alias_parse(const char *line, char *name, size_t namesz, struct ctl_list *targets);

#endif
