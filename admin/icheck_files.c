/*
 * icheck_files.c: the users file (stamp-users(5): root:stampd 0640 in a
 * system install, the user's own 0600 otherwise) and the programs (only
 * stamp-queue is set-ID, and only set-user-ID stampq in a system install).
 */
#include "icheck.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "users.h"

static void
users_owner_mode(struct ick *c, const char *path, const struct stat *st)
{
	uid_t	 uid = c->owner, su;
	gid_t	 gid = (gid_t)-1;
	mode_t	 mode = c->system ? USERS_MODE : 0600;
	char	 fix[4400];

	if (c->system) {
		uid = 0;
		if (!c->w->user(c->w->ctx, "stampd", &su, &gid))
			return;     /* ick_kind said so */
	}
	if (st->st_uid != uid || (gid != (gid_t)-1 && st->st_gid != gid)) {
		if (c->system)
			snprintf(fix, sizeof fix, "chown root:stampd %s", path);
		else
			snprintf(fix, sizeof fix, "chown %u %s", (unsigned)uid, path);
		ick_add(c, ICK_PROBLEM, fix, "%s belongs to %u:%u, not %s", path,
		    (unsigned)st->st_uid, (unsigned)st->st_gid,
		    c->system ? "root:stampd (stamp-smtpd checks SMTP AUTH as stampd)" :
		    "the queue's owner");
	}
	if ((st->st_mode & 07777) != mode) {
		snprintf(fix, sizeof fix, "chmod %04o %s", (unsigned)mode, path);
		ick_add(c, ICK_PROBLEM, fix, "%s has mode %04o, not %04o%s", path,
		    (unsigned)(st->st_mode & 07777), (unsigned)mode,
		    st->st_mode & 0004 ? ": everyone can read the password hashes" : "");
	}
}

void
ick_users(struct ick *c)
{
	struct user_entry	 e;
	struct ctl_list		 l;
	struct stat		 st;
	char			 path[4096], fix[4400];
	size_t			 bad = 0, first = 0;

	snprintf(path, sizeof path, "%s/%s", c->home, USERS_FILE);
	if (lstat(path, &st) == -1)
		return;     /* no virtual users: nothing to check */
	if (!S_ISREG(st.st_mode)) {
		snprintf(fix, sizeof fix, "rm %s; stamp-user --home %s add NAME makes it",
		    path, c->home);
		ick_add(c, ICK_PROBLEM, fix, "%s is not a regular file", path);
		return;
	}
	users_owner_mode(c, path, &st);
	if (ctl_read_file(path, &l) == -1) {
		snprintf(fix, sizeof fix, "see stamp-users(5); stamp-user --home %s list "
		    "reads it as the servers do", c->home);
		ick_add(c, ICK_PROBLEM, fix, "%s cannot be read: %s", path, strerror(errno));
		return;
	}
	for (size_t i = 0; i < l.n; i++)
		if (users_parse_line(l.items[i], &e) == -1 && bad++ == 0)
			first = i + 1;
	ctl_list_free(&l);
	if (bad > 0) {
		snprintf(fix, sizeof fix, "rewrite each as name:crypt-hash:mailbox[:apop-secret] "
		    "(stamp-users(5)), or remove it and run stamp-user --home %s add NAME",
		    c->home);
		/* The line itself is not shown: it may hold a password hash. */
		ick_add(c, ICK_PROBLEM, fix, "%s has %zu malformed entr%s (the first is "
		    "entry %zu): those users cannot log in or receive mail", path, bad,
		    bad == 1 ? "y" : "ies", first);
	}
}

static void
program(struct ick *c, const char *dir, const char *name)
{
	struct stat	 st;
	char		 path[4400], fix[9000];
	uid_t		 quid;
	gid_t		 qgid;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return;     /* the sendmail and mailq links, say */
	if (strcmp(name, "stamp-queue") != 0 || !c->system) {
		if ((st.st_mode & (S_ISUID | S_ISGID)) == 0)
			return;
		snprintf(fix, sizeof fix, "chmod u-s,g-s %s", path);
		ick_add(c, ICK_PROBLEM, fix, "%s is set-%s-ID: %s", path,
		    st.st_mode & S_ISUID ? "user" : "group",
		    strcmp(name, "stamp-queue") == 0 ? "in a single-user install nothing is" :
		    "only stamp-queue may be");
		return;
	}
	if (!c->w->user(c->w->ctx, "stampq", &quid, &qgid))
		return;     /* ick_kind said so */
	if (st.st_uid != quid || (st.st_mode & S_ISUID) == 0 || (st.st_mode & S_ISGID) != 0) {
		snprintf(fix, sizeof fix, "chown stampq %s && chmod 4711 %s", path, path);
		ick_add(c, ICK_PROBLEM, fix, "%s is not set-user-ID stampq (owner %u, mode "
		    "%04o): local programs (stamp-inject, sendmail) cannot queue mail", path,
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	}
}

void
ick_programs(struct ick *c)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[4400], fix[4600];

	if (c->w->sbin == NULL)
		return;
	snprintf(path, sizeof path, "%s/stamp-queue", c->w->sbin);
	if (access(path, X_OK) == -1) {
		snprintf(fix, sizeof fix, "make install");
		ick_add(c, ICK_PROBLEM, fix, "%s is missing or not executable (%s): "
		    "nothing can queue mail", path, strerror(errno));
	}
	if ((d = opendir(c->w->sbin)) == NULL) {
		ick_add(c, ICK_PROBLEM, NULL, "cannot list %s: %s", c->w->sbin,
		    strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "stamp-", 6) == 0)
			program(c, c->w->sbin, de->d_name);
	closedir(d);
}
