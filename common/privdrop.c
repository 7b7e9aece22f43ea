/*
 * privdrop.c: give up root for a named user, and check that it held.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

int
priv_drop(const char *user)
{
	char		 q[LOG_QUOTE_MAX];
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;

	log_quotes(q, sizeof q, user);
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno != 0)
			log_warn("action=drop-privileges user=%s", q);
		else
			log_warnx("action=drop-privileges user=%s reason=\"no such user\"", q);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0 || gid == 0) {
		log_warnx("action=drop-privileges user=%s reason=\"uid or gid 0\"", q);
		return -1;
	}
	if (initgroups(pw->pw_name, gid) == -1 || setgid(gid) == -1 || setuid(uid) == -1) {
		log_warn("action=drop-privileges user=%s", q);
		return -1;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid ||
	    setuid(0) != -1) {
		log_warnx("action=drop-privileges user=%s reason=\"the switch did not hold\"", q);
		return -1;
	}
	return 0;
}
