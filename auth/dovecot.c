/*
 * dovecot.c: the fields stamp-checkpw --dovecot hands to Dovecot.
 *
 * Dovecot (2.2.7 and later) refuses a checkpassword program that switches
 * to the user before running checkpassword-reply, since that user could
 * then trace the reply and forge it; so nothing is switched here, and the
 * ids go back as userdb_uid and userdb_gid fields instead: Dovecot's own
 * mail process becomes the user, as stamp-checkpw would have.
 */
#include "dovecot.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int
dovecot_is_lookup(void)
{
	const char *a = getenv("AUTHORIZED");

	return a != NULL && strcmp(a, "1") == 0;
}

/*
 * A virtual user's ids: stampv's, since stampv owns every virtual Maildir
 * (Dovecot's auth process runs as an unprivileged user, so our own uid
 * says nothing). Without stampv (a single-user install, not as root): ours.
 */
static int
virtual_ids(uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;

	if ((pw = getpwnam(CPW_VUSER)) != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return 0;
	}
	if (geteuid() != 0) {
		*uid = getuid();
		*gid = getgid();
		return 0;
	}
	log_warnx("reason=\"no user %s (make install creates it)\"", CPW_VUSER);
	return -1;
}

/* checkpassword-reply sends fields tab-separated and Dovecot refuses a newline. */
static int
field_ok(const char *name, const char *value)
{
	if (strpbrk(value, "\t\n") == NULL)
		return 1;
	log_warnx("field=%s reason=\"holds a tab or a newline, which Dovecot cannot take\"", name);
	return 0;
}

static int
put_number(const char *name, unsigned long v)
{
	char	 buf[32];

	snprintf(buf, sizeof buf, "%lu", v);
	return setenv(name, buf, 1);
}

int
dovecot_export(const struct cpw_identity *id, int lookup)
{
	char	 mail[PATH_MAX + 16];
	uid_t	 uid = id->uid;
	gid_t	 gid = id->gid;
	size_t	 n;

	if (id->is_virtual && virtual_ids(&uid, &gid) == -1)
		return -1;
	/* Dovecot's maildir: location, without the trailing slash of MAILDIR. */
	n = strlen(id->maildir);
	if (snprintf(mail, sizeof mail, "maildir:%.*s", (int)(n > 1 ? n - 1 : n), id->maildir) >=
	    (int)sizeof mail)
		return -1;
	if (!field_ok("user", id->user) || !field_ok("home", id->home) || !field_ok("mail", mail))
		return -1;
	if (setenv("USER", id->user, 1) == -1 || setenv("HOME", id->home, 1) == -1 ||
	    put_number("userdb_uid", (unsigned long)uid) == -1 ||
	    put_number("userdb_gid", (unsigned long)gid) == -1 ||
	    setenv("userdb_mail", mail, 1) == -1 ||
	    setenv("EXTRA", "userdb_uid userdb_gid userdb_mail", 1) == -1 ||
	    (lookup && setenv("AUTHORIZED", "2", 1) == -1)) {
		log_warn("action=setenv");
		return -1;
	}
	return 0;
}
