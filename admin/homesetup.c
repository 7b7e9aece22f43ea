/* homesetup.c: the folders of a home, made once and the same everywhere. */
#include "homesetup.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "qlayout.h"

static int
sub(char *out, size_t outsz, const char *home, const char *rel)
{
	int n = snprintf(out, outsz, "%s/%s", home, rel);

	if (n < 0 || (size_t)n >= outsz) {
		log_warnx("reason=\"path too long\" home=%s", home);
		return -1;
	}
	return 0;
}

static int
make_dir(const char *path, mode_t mode)
{
	if (mkdir_exist_ok(path, mode) == -1) {
		log_warn("action=mkdir path=%s", path);
		return -1;
	}
	return 0;
}

/* control/me: the host name, written once; an admin's own value is kept. */
static int
write_me(const char *home)
{
	char path[4096], host[256 + 2];
	struct stat st;

	if (sub(path, sizeof path, home, "control/me") == -1)
		return -1;
	if (lstat(path, &st) == 0 || errno != ENOENT)
		return 0;
	if (gethostname(host, sizeof host - 2) == -1 || host[0] == '\0')
		strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 3] = '\0';
	strlcat(host, "\n", sizeof host);
	if (write_file_atomic(path, host, strlen(host), 0644) == -1) {
		log_warn("action=write path=%s", path);
		return -1;
	}
	return 0;
}

static int
lookup_owners(struct qowners *own, uid_t *mail_uid, gid_t *mail_gid, uid_t *remote_uid,
    gid_t *remote_gid)
{
	/* getpwnam's result is overwritten by the next call: copy at once. */
	struct passwd *pw;
	struct group *s;

	if ((pw = getpwnam("stampq")) == NULL)
		goto missing;
	own->queue_uid = pw->pw_uid;
	if ((pw = getpwnam("stampr")) == NULL)
		goto missing;
	*remote_uid = pw->pw_uid;
	*remote_gid = pw->pw_gid;
	if ((pw = getpwnam("stampv")) == NULL)
		goto missing;
	*mail_uid = pw->pw_uid;
	*mail_gid = pw->pw_gid;
	if ((s = getgrnam("stamps")) == NULL)
		goto missing;
	own->sched_gid = s->gr_gid;
	return 0;
missing:
	log_warnx("reason=\"users stampq, stampr, stampv and group stamps must exist "
	    "(make install creates them)\"");
	return -1;
}

/*
 * HOME/users holds password hashes: root:stampd 0640, so that stamp-smtpd
 * (stampd) can check SMTP AUTH and nobody else can read it. A missing file
 * stays missing (stamp-user makes it with the same owner and mode).
 */
static int
users_owner(const char *home)
{
	char path[4096];
	struct group *g;
	int fd;

	if (sub(path, sizeof path, home, "users") == -1)
		return -1;
	if ((g = getgrnam("stampd")) == NULL) {
		log_warnx("reason=\"group stampd must exist (make install creates it)\"");
		return -1;
	}
	if ((fd = open_safe(path, O_RDONLY, 0)) == -1)
		return errno == ENOENT ? 0 : (log_warn("action=open path=%s", path), -1);
	if (fchown(fd, 0, g->gr_gid) == -1 || fchmod(fd, 0640) == -1) {
		log_warn("action=chown path=%s", path);
		close(fd);
		return -1;
	}
	return close(fd);
}

/*
 * RFC 5321 4.5.1: postmaster must reach someone. A new home gets an aliases
 * file sending it to a Maildir of its own under mail/, owned like every
 * virtual mailbox, until the administrator names a person. An existing
 * aliases file is never touched.
 */
static int
write_postmaster(const char *home, int owned, uid_t uid, gid_t gid)
{
	static const char line[] = "# RFC 5321 wants postmaster; send it to a person:\n"
	    "#   postmaster: you@example.org\n"
	    "postmaster: ./mail/postmaster/Maildir/\n";
	static const char *const subs[] = { "mail/postmaster", "mail/postmaster/Maildir",
	    "mail/postmaster/Maildir/tmp", "mail/postmaster/Maildir/new",
	    "mail/postmaster/Maildir/cur" };
	char path[4096];
	struct stat st;

	if (sub(path, sizeof path, home, "aliases") == -1)
		return -1;
	if (lstat(path, &st) == 0 || errno != ENOENT)
		return 0;
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		char dir[4096];

		if (sub(dir, sizeof dir, home, subs[i]) == -1 || make_dir(dir, 0700) == -1)
			return -1;
		if (owned && chown(dir, uid, gid) == -1) {
			log_warn("action=chown path=%s", dir);
			return -1;
		}
	}
	if (write_file_atomic(path, line, sizeof line - 1, 0644) == -1) {
		log_warn("action=write path=%s", path);
		return -1;
	}
	return 0;
}

int
home_setup(const char *home, int owners)
{
	struct qowners own, *ownp = NULL;
	uid_t mail_uid = 0, remote_uid = 0;
	gid_t mail_gid = 0, remote_gid = 0;
	char path[4096];

	if (owners) {
		if (lookup_owners(&own, &mail_uid, &mail_gid, &remote_uid, &remote_gid) == -1)
			return -1;
		ownp = &own;
	}
	if (make_dir(home, 0755) == -1)
		return -1;
	if (sub(path, sizeof path, home, "control") == -1 || make_dir(path, 0755) == -1)
		return -1;
	if (write_me(home) == -1)
		return -1;
	/* Virtual users' Maildirs: only their delivery user may enter. */
	if (sub(path, sizeof path, home, "mail") == -1 || make_dir(path, 0700) == -1)
		return -1;
	if (ownp != NULL && chown(path, mail_uid, mail_gid) == -1) {
		log_warn("action=chown path=%s", path);
		return -1;
	}
	if (write_postmaster(home, ownp != NULL, mail_uid, mail_gid) == -1)
		return -1;
	/* stamp-remote's memory of unreachable exchangers (remote/tcpto): stampr's alone. */
	if (sub(path, sizeof path, home, "remote") == -1 || make_dir(path, 0700) == -1)
		return -1;
	if (ownp != NULL && chown(path, remote_uid, remote_gid) == -1) {
		log_warn("action=chown path=%s", path);
		return -1;
	}
	if (ownp != NULL && users_owner(home) == -1)
		return -1;
	if (sub(path, sizeof path, home, "queue") == -1 || qlayout_create(path, ownp) == -1)
		return -1;
	return 0;
}
