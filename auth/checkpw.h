/*
 * checkpw.h: the decisions of stamp-checkpw, apart from its main() so that
 * check_checkpw can drive them: the fd-3 input, the password and APOP
 * checks, and who a login becomes.
 */
#ifndef STAMP_CHECKPW_H
#define STAMP_CHECKPW_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#define CPW_INPUT_MAX 512     /* the checkpassword interface's limit on fd 3 */
#define CPW_VUSER     "stampv"

enum cpw_result { CPW_OK = 0, CPW_FAIL = 1, CPW_MISUSE = 2, CPW_TEMP = 111 };

struct cpw_input {
	const char	*user, *pass, *timestamp;   /* point into the caller's buffer */
};

struct cpw_identity {
	int	 is_virtual;
	char	 user[256];
	char	 home[PATH_MAX];
	char	 maildir[PATH_MAX];   /* ends in "/" */
	char	 shell[PATH_MAX];     /* "" for virtual users */
	uid_t	 uid;                 /* system accounts; virtual: looked up as CPW_VUSER */
	gid_t	 gid;
};

/* Split "user\0pass\0timestamp\0" (the timestamp may be missing). 0, or -1. */
int cpw_parse_input(char *buf, size_t n, struct cpw_input *in);
/* Does crypt(pass, hash) equal hash (compared in constant time)? 1, 0, -1 crypt failed. */
int cpw_hash_ok(const char *pass, const char *hash);
/* Is digest the hex MD5 of timestamp followed by secret (RFC 1939 APOP)? 1 or 0. */
int cpw_apop_ok(const char *timestamp, const char *secret, const char *digest);
/* Spend about the time of one password check, for names that do not exist. */
void cpw_dummy_check(const char *pass);
/*
 * The whole decision for one login: the users file first, then, when
 * control/systemusers is 1, system accounts. CPW_OK fills *id.
 */
enum cpw_result cpw_check(const struct cpw_input *in, struct cpw_identity *id);
/*
 * Who user is, without a password: the same search as cpw_check (Dovecot's
 * userdb lookup, after its own passdb or a master login vouched for it).
 * CPW_FAIL: no such user.
 */
enum cpw_result cpw_lookup(const char *user, struct cpw_identity *id);

#endif
