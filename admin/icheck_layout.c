/*
 * icheck_layout.c: the home's folders, the queue and the trigger, with the
 * owners and modes of queue/README.md ("Ownership and modes") and of
 * homesetup.c, which makes them.
 */
#include "icheck.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "qlayout.h"

#define SHOWN_MAX 8   /* paths named one by one; the rest are summed up */

enum who { W_ANY, W_QUEUE, W_MAIL, W_REMOTE };

struct want {
	const char	*rel;
	int		 fifo;
	mode_t		 mode;     /* exact mode; 0: only "not writable by group or others" */
	enum who	 who;
};

static const struct want top_wants[] = {
	{ "", 0, 0, W_ANY },
	{ "control", 0, 0, W_ANY },
	{ "mail", 0, 0700, W_MAIL },
	{ "remote", 0, 0700, W_REMOTE },
	{ "queue", 0, 0750, W_QUEUE },
	{ "queue/lock", 0, 0750, W_QUEUE },
	{ "queue/" QUEUE_TRIGGER, 1, 0660, W_QUEUE },
};

struct layout {
	struct ick	*c;
	size_t		 bad;      /* paths at fault */
	const char	*setup;    /* the command that repairs everything */
};

/* The owner a path should have; 0 when any owner will do. */
static int
owner_of(struct ick *c, enum who who, uid_t *uid, gid_t *gid, const char **name)
{
	static const char *const names[] = { NULL, "stampq:stamps", "stampv:stampv",
	    "stampr:stampr" };
	static const char *const users[] = { NULL, "stampq", "stampv", "stampr" };

	*gid = (gid_t)-1;
	if (who == W_ANY)
		return 0;
	if (!c->system) {
		*uid = c->owner;
		*name = NULL;
		return 1;
	}
	*name = names[who];
	if (who == W_QUEUE) {
		*uid = c->owner;
		*gid = c->group;
		return 1;
	}
	return c->w->user(c->w->ctx, users[who], uid, gid);
}

static void
fault(struct layout *l, const char *fix, const char *what)
{
	l->bad++;
	if (l->bad <= SHOWN_MAX)
		ick_add(l->c, ICK_PROBLEM, fix, "%s", what);
}

static void
check_path(struct layout *l, const char *path, int fifo, mode_t mode, enum who who)
{
	struct ick	*c = l->c;
	struct stat	 st;
	const char	*name = NULL;
	char		 fix[4400], what[4400];
	uid_t		 uid;
	gid_t		 gid;

	if (lstat(path, &st) == -1) {
		snprintf(what, sizeof what, "%s is missing (%s)", path, strerror(errno));
		fault(l, l->setup, what);
		return;
	}
	if (fifo ? !S_ISFIFO(st.st_mode) : !S_ISDIR(st.st_mode)) {
		snprintf(fix, sizeof fix, "rm %s; %s", path, l->setup);
		snprintf(what, sizeof what, "%s is not a %s", path, fifo ? "named pipe" : "folder");
		fault(l, fix, what);
		return;
	}
	if (!c->owners_said && owner_of(c, who, &uid, &gid, &name) &&
	    (st.st_uid != uid || (gid != (gid_t)-1 && st.st_gid != gid))) {
		if (name != NULL)
			snprintf(fix, sizeof fix, "chown %s %s", name, path);
		else
			snprintf(fix, sizeof fix, "chown %u %s", (unsigned)uid, path);
		snprintf(what, sizeof what, "%s belongs to %u:%u, not %s", path,
		    (unsigned)st.st_uid, (unsigned)st.st_gid,
		    name != NULL ? name : "the queue's owner");
		fault(l, fix, what);
	}
	if (mode == 0 && (st.st_mode & 022) != 0) {
		snprintf(fix, sizeof fix, "chmod go-w %s", path);
		snprintf(what, sizeof what, "%s is writable by %s", path,
		    st.st_mode & 002 ? "everyone" : "its group");
		fault(l, fix, what);
	} else if (mode != 0 && (st.st_mode & 07777) != mode) {
		snprintf(fix, sizeof fix, "chmod %o %s", (unsigned)mode, path);
		snprintf(what, sizeof what, "%s has mode %o, not %o", path,
		    (unsigned)(st.st_mode & 07777), (unsigned)mode);
		fault(l, fix, what);
	}
}

void
ick_layout(struct ick *c)
{
	struct layout	 l = { c, 0, NULL };
	char		 setup[4200], path[4096];
	struct stat	 st;

	snprintf(setup, sizeof setup, "stamp-setup --home %s%s", c->home,
	    c->system ? " --owners" : "");
	l.setup = setup;
	if (stat(c->home, &st) == -1) {
		ick_add(c, ICK_PROBLEM, setup, "the home %s is missing (%s)", c->home,
		    strerror(errno));
		c->nohome = 1;
		return;
	}
	for (size_t i = 0; i < sizeof top_wants / sizeof top_wants[0]; i++) {
		const struct want *w = &top_wants[i];

		snprintf(path, sizeof path, "%s%s%s", c->home, w->rel[0] ? "/" : "", w->rel);
		check_path(&l, path, w->fifo, w->mode, w->who);
	}
	for (int s = 0; s < Q_NSTATES; s++) {
		snprintf(path, sizeof path, "%s/queue/%s", c->home, qstate_name(s));
		check_path(&l, path, 0, 02770, W_QUEUE);
		for (unsigned b = 0; b < QUEUE_BUCKETS; b++) {
			snprintf(path, sizeof path, "%s/queue/%s/%02x", c->home, qstate_name(s), b);
			check_path(&l, path, 0, 02770, W_QUEUE);
		}
	}
	if (l.bad > SHOWN_MAX)
		ick_add(c, ICK_PROBLEM, setup, "%zu more paths in %s are "
		    "missing or have the wrong owner or mode", l.bad - SHOWN_MAX, c->home);
}
