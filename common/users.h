/*
 * users.h: the virtual user database, STAMP_HOME/users.
 *
 * One user a line: "name:crypt-hash:mailbox[:apop-secret]" (stamp-users(5)).
 * The name is matched in ASCII lower case; the mailbox is a Maildir under
 * HOME/mail/ when relative ("" is NAME/Maildir/). The optional fourth field
 * is the shared secret of APOP, which a one-way hash cannot give. The file is
 * read in control-file syntax ("#" comments), so no field may hold "#",
 * white space or ":" (crypt(3) hashes never do).
 *
 * stamp-local (through lookup.c), stamp-checkpw and stamp-user all read it
 * through this one parser.
 */
#ifndef STAMP_USERS_H
#define STAMP_USERS_H

#include <limits.h>
#include <stddef.h>

#define USERS_NAME_MAX    128
#define USERS_HASH_MAX    512
#define USERS_SECRET_MAX  256
#define USERS_FILE        "users"
#define USERS_LOCK        "users.lock"
#define USERS_MODE        0640    /* root:stampd: SMTP AUTH checks passwords as stampd */

struct user_entry {
	char	 name[USERS_NAME_MAX + 1];      /* folded to lower case */
	char	 hash[USERS_HASH_MAX + 1];
	char	 mailbox[PATH_MAX];             /* the field as written */
	char	 secret[USERS_SECRET_MAX + 1];  /* APOP secret, "" none */
};

/* Split one line; 0, or -1 when it is not name:hash:mailbox[:secret]. */
int  users_parse_line(const char *line, struct user_entry *out);
/* Is s a name stamp-user accepts (1..USERS_NAME_MAX of [a-z0-9._-], not starting with "." or "-")? */
int  users_name_ok(const char *s);
/* The Maildir path of an entry: under HOME/mail/ when relative, ending in "/". 0 or -1. */
int  users_maildir(const struct user_entry *e, char *out, size_t outsz);
/*
 * Find name (folded) in HOME/users: 1 found (*out), 0 not, -1 the file
 * could not be read (errno). Malformed lines are logged and skipped.
 */
int  users_find(const char *name, struct user_entry *out);
/* Does any user in HOME/users have an APOP secret? 1, 0, or -1. */
int  users_any_secret(void);

#endif
