/*
 * useredit.h: the edits of stamp-user on the text of STAMP_HOME/users, kept
 * apart from the file system so check_checkpw can test them. Lines that are
 * not the named user's (comments, other users, even malformed ones) are
 * kept byte for byte.
 */
#ifndef STAMP_USEREDIT_H
#define STAMP_USEREDIT_H

#include "str.h"

enum ue_result { UE_OK = 0, UE_EXISTS, UE_NOUSER, UE_ERROR };

/* Append "name:hash:" (the default mailbox). */
enum ue_result ue_add(const char *text, const char *name, const char *hash, struct str *out);
/* Replace the hash of name's line, keeping its mailbox and secret. */
enum ue_result ue_passwd(const char *text, const char *name, const char *hash, struct str *out);
/* Set (or, with "", remove) name's APOP secret. */
enum ue_result ue_secret(const char *text, const char *name, const char *secret, struct str *out);
/* Drop name's line; *mailbox gets its mailbox field. */
enum ue_result ue_del(const char *text, const char *name, struct str *out, struct str *mailbox);
/* Is s usable as a password or secret in the file (no NUL/CR/LF; secrets: no ":", "#", space)? */
int ue_password_ok(const char *s);
int ue_secret_ok(const char *s);

#endif
