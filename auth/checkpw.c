/* checkpw.c: is this password right, and who does the session become? */
#include "checkpw.h"

#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "md5.h"
#include "users.h"

int
cpw_parse_input(char *buf, size_t n, struct cpw_input *in)
{
	char	*f[3] = { NULL, NULL, NULL }, *p = buf, *end = buf + n;
	int	 k;

	for (k = 0; k < 3 && p < end; k++) {
		char *z = memchr(p, '\0', (size_t)(end - p));

		if (z == NULL)
			return -1;
		f[k] = p;
		p = z + 1;
	}
	if (k < 2 || f[0][0] == '\0')
		return -1;
	in->user = f[0];
	in->pass = f[1];
	in->timestamp = f[2] != NULL ? f[2] : "";
	return 0;
}

/* Constant-time equality of two strings whose length is not secret. */
static int
same(const char *a, const char *b)
{
	size_t		 n = strlen(a);
	unsigned char	 diff = 0;

	if (n != strlen(b))
		return 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

int
cpw_hash_ok(const char *pass, const char *hash)
{
	struct crypt_data	*cd;
	const char		*r;
	int			 ok;

	/* "*", "!", "x", "" and friends are locked accounts, never a match. */
	if (hash[0] == '\0' || hash[0] == '*' || hash[0] == '!' || strlen(hash) < 13)
		return 0;
	if ((cd = calloc(1, sizeof *cd)) == NULL)
		return -1;
	r = crypt_rn(pass, hash, cd, sizeof *cd);
	ok = r == NULL || r[0] == '*' ? -1 : same(r, hash);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
}

int
cpw_apop_ok(const char *timestamp, const char *secret, const char *digest)
{
	char	 want[2 * MD5_LEN + 1], lower[2 * MD5_LEN + 1];
	struct str s = STR_INIT;
	int	 ok;

	if (timestamp[0] == '\0' || secret[0] == '\0' || strlen(digest) != 2 * MD5_LEN)
		return 0;
	for (size_t i = 0; i <= 2 * MD5_LEN; i++)
		lower[i] = (char)tolower((unsigned char)digest[i]);
	if (str_appends(&s, timestamp) == -1 || str_appends(&s, secret) == -1) {
		str_free_secret(&s);
		return 0;
	}
	md5_hex(s.s, s.len, want);
	str_free_secret(&s);
	ok = same(want, lower);
	explicit_bzero(want, sizeof want);
	return ok;
}

void
cpw_dummy_check(const char *pass)
{
	char	 setting[CRYPT_GENSALT_OUTPUT_SIZE];

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof setting) != NULL)
		(void)cpw_hash_ok(pass, setting);
}

/* HOME is the folder that holds the Maildir: ".../alice/Maildir/" -> ".../alice". */
static int
virtual_identity(const struct user_entry *e, struct cpw_identity *id)
{
	char	*slash;

	memset(id, 0, sizeof *id);
	id->is_virtual = 1;
	if (strlcpy(id->user, e->name, sizeof id->user) >= sizeof id->user ||
	    users_maildir(e, id->maildir, sizeof id->maildir) == -1)
		return -1;
	strlcpy(id->home, id->maildir, sizeof id->home);
	id->home[strlen(id->home) - 1] = '\0';
	if ((slash = strrchr(id->home, '/')) == NULL)
		return -1;
	if (slash == id->home)
		slash[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

static enum cpw_result
check_virtual(const struct cpw_input *in, const struct user_entry *e, struct cpw_identity *id)
{
	int	 ok = 0;

	if (e->secret[0] != '\0')
		ok = cpw_apop_ok(in->timestamp, e->secret, in->pass);
	if (!ok && (ok = cpw_hash_ok(in->pass, e->hash)) == -1) {
		log_warnx("user=%s reason=\"crypt(3) does not know this hash\"", e->name);
		return CPW_TEMP;
	}
	if (!ok)
		return CPW_FAIL;
	if (virtual_identity(e, id) == -1) {
		log_warnx("user=%s reason=\"mailbox path too long\"", e->name);
		return CPW_TEMP;
	}
	return CPW_OK;
}

/* The account's hash: from the shadow file when there is one. NULL: temporary trouble. */
static const char *
system_hash(const struct passwd *pw, int *expired)
{
	struct spwd	*sp;

	*expired = 0;
	errno = 0;
	if ((sp = getspnam(pw->pw_name)) != NULL) {
		long today = (long)(time(NULL) / 86400);

		*expired = sp->sp_expire > 0 && sp->sp_expire <= today;
		return sp->sp_pwdp;
	}
	if (errno == 0 || errno == ENOENT)
		return pw->pw_passwd;
	log_warn("user=%s action=getspnam", pw->pw_name);
	return NULL;
}

/* A system account's identity: its ids, home, shell and $HOME/Maildir/. */
static enum cpw_result
system_identity(const struct passwd *pw, struct cpw_identity *id)
{
	memset(id, 0, sizeof *id);
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	if (strlcpy(id->user, pw->pw_name, sizeof id->user) >= sizeof id->user ||
	    strlcpy(id->home, pw->pw_dir, sizeof id->home) >= sizeof id->home ||
	    strlcpy(id->shell, pw->pw_shell != NULL ? pw->pw_shell : "", sizeof id->shell) >=
	    sizeof id->shell ||
	    snprintf(id->maildir, sizeof id->maildir, "%s/Maildir/", pw->pw_dir) >=
	    (int)sizeof id->maildir)
		return CPW_TEMP;
	return CPW_OK;
}

/* A system account that may log in (never uid 0): CPW_OK, CPW_FAIL, CPW_TEMP. */
static enum cpw_result
find_account(const char *user, struct passwd **out)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL || pw->pw_uid == 0) {
		if (pw == NULL && errno != 0 && errno != ENOENT && errno != ESRCH) {
			log_warn("user=%s action=getpwnam", user);
			return CPW_TEMP;
		}
		return CPW_FAIL;
	}
	*out = pw;
	return CPW_OK;
}

static enum cpw_result
check_system(const struct cpw_input *in, struct cpw_identity *id)
{
	struct passwd	*pw;
	const char	*hash;
	int		 expired, ok;
	enum cpw_result	 r;

	if ((r = find_account(in->user, &pw)) != CPW_OK) {
		if (r == CPW_FAIL)
			cpw_dummy_check(in->pass);
		return r;
	}
	if ((hash = system_hash(pw, &expired)) == NULL)
		return CPW_TEMP;
	if ((ok = cpw_hash_ok(in->pass, hash)) == -1)
		return CPW_TEMP;
	if (!ok || expired)
		return CPW_FAIL;
	return system_identity(pw, id);
}

/* Fold a login name to the users file's lower case; -1 when too long. */
static int
fold_name(const char *user, char folded[USERS_NAME_MAX + 1])
{
	size_t	 n = strlen(user);

	if (n > USERS_NAME_MAX)
		return -1;
	for (size_t i = 0; i <= n; i++)
		folded[i] = (char)tolower((unsigned char)user[i]);
	return 0;
}

enum cpw_result
cpw_check(const struct cpw_input *in, struct cpw_identity *id)
{
	struct user_entry	 e;
	char			 folded[USERS_NAME_MAX + 1];
	long long		 sys = 0;
	enum cpw_result		 r;
	int			 found;

	if (fold_name(in->user, folded) == -1) {
		cpw_dummy_check(in->pass);
		return CPW_FAIL;
	}
	if ((found = users_find(folded, &e)) == -1) {
		log_warn("action=read file=users");
		return CPW_TEMP;
	}
	if (found)
		r = check_virtual(in, &e, id);
	else if (ctl_number("systemusers", &sys) == -1)
		r = CPW_TEMP;
	else if (sys == 1)
		r = check_system(in, id);
	else {
		cpw_dummy_check(in->pass);
		r = CPW_FAIL;
	}
	explicit_bzero(&e, sizeof e);
	return r;
}

enum cpw_result
cpw_lookup(const char *user, struct cpw_identity *id)
{
	struct user_entry	 e;
	struct passwd		*pw;
	char			 folded[USERS_NAME_MAX + 1];
	long long		 sys = 0;
	enum cpw_result		 r;
	int			 found;

	if (fold_name(user, folded) == -1)
		return CPW_FAIL;
	if ((found = users_find(folded, &e)) == -1) {
		log_warn("action=read file=users");
		return CPW_TEMP;
	}
	if (found) {
		found = virtual_identity(&e, id);
		explicit_bzero(&e, sizeof e);
		if (found == -1) {
			log_warnx("user=%s reason=\"mailbox path too long\"", folded);
			return CPW_TEMP;
		}
		return CPW_OK;
	}
	if (ctl_number("systemusers", &sys) == -1)
		return CPW_TEMP;
	if (sys != 1)
		return CPW_FAIL;
	if ((r = find_account(user, &pw)) != CPW_OK)
		return r;
	return system_identity(pw, id);
}
