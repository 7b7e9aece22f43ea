/*
 * dovecot.h: stamp-checkpw --dovecot, the checkpassword interface with
 * Dovecot's extensions, so that Dovecot (IMAP, POP3, LMTP) can log in and
 * look up stamp's users.
 */
#ifndef STAMP_DOVECOT_H
#define STAMP_DOVECOT_H

#include "checkpw.h"

/* Dovecot's exit status for "no such user" in a userdb lookup. */
#define DOVECOT_NOUSER 3

/*
 * Is this a userdb lookup (AUTHORIZED=1: Dovecot wants the user's fields
 * and no password check)? 1 or 0.
 */
int dovecot_is_lookup(void);
/*
 * Put the user's fields where Dovecot's checkpassword-reply takes them
 * (USER, HOME, EXTRA naming userdb_uid, userdb_gid and userdb_mail) and,
 * for a lookup, acknowledge it with AUTHORIZED=2. 0, or -1 logged.
 */
int dovecot_export(const struct cpw_identity *id, int lookup);

#endif
