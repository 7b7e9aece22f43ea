/* icheck.c: findings, the real world, and which kind of install this is. */
#include "icheck.h"

#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
sys_user(void *ctx, const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(name);

	(void)ctx;
	if (pw == NULL)
		return 0;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 1;
}

static int
sys_group(void *ctx, const char *name, gid_t *gid)
{
	struct group *g = getgrnam(name);

	(void)ctx;
	if (g == NULL)
		return 0;
	*gid = g->gr_gid;
	return 1;
}

static int
sys_uid_known(void *ctx, uid_t uid)
{
	(void)ctx;
	return getpwuid(uid) != NULL;
}

const struct ick_world ick_system_world = { sys_user, sys_group, sys_uid_known, NULL, NULL,
    NULL };

void
ick_init(struct ick *c, const char *home, const struct ick_world *w)
{
	memset(c, 0, sizeof *c);
	c->w = w;
	c->home = home;
	c->owner = getuid();
}

void
ick_free(struct ick *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->f[i].what);
		free(c->f[i].fix);
	}
	free(c->f);
	c->f = NULL;
	c->n = 0;
}

void
ick_add(struct ick *c, enum ick_level level, const char *fix, const char *fmt, ...)
{
	struct ick_finding	*f;
	va_list			 ap;
	char			*what;
	int			 r;

	if (level == ICK_PROBLEM)
		c->problems++;
	else
		c->warnings++;
	va_start(ap, fmt);
	r = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (r < 0 || (f = reallocarray(c->f, c->n + 1, sizeof *f)) == NULL) {
		/* The count stays right; the text is what is lost. */
		if (r >= 0)
			free(what);
		c->nomem = 1;
		return;
	}
	c->f = f;
	f = &c->f[c->n++];
	f->level = level;
	f->what = what;
	f->fix = fix != NULL ? strdup(fix) : NULL;
	if (fix != NULL && f->fix == NULL)
		c->nomem = 1;
}

void
ick_print(const struct ick *c, FILE *out)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct ick_finding *f = &c->f[i];

		fprintf(out, "%s: %s\n", f->level == ICK_PROBLEM ? "problem" : "warning",
		    f->what);
		if (f->fix != NULL)
			fprintf(out, "    fix: %s\n", f->fix);
	}
	if (c->nomem)
		fprintf(out, "stamp-check: out of memory: some findings are not shown\n");
	if (c->warnings > 0)
		fprintf(out, "stamp-check: %zu warning%s\n", c->warnings,
		    c->warnings == 1 ? "" : "s");
	fprintf(out, "stamp-check: %zu problems\n", c->problems);
}

static const char *const stamp_users[] = { "stampd", "stampq", "stamps", "stampr", "stampv" };

/* The stamp users and the group stamps: each missing one is a problem. */
static void
users_exist(struct ick *c)
{
	uid_t	 uid;
	gid_t	 gid;
	char	 fix[512];

	for (size_t i = 0; i < sizeof stamp_users / sizeof stamp_users[0]; i++) {
		if (c->w->user(c->w->ctx, stamp_users[i], &uid, &gid))
			continue;
		snprintf(fix, sizeof fix, "make install (as root) creates it; or: useradd "
		    "--system --user-group --no-create-home --home-dir %s --shell "
		    "/usr/sbin/nologin %s", c->home, stamp_users[i]);
		ick_add(c, ICK_PROBLEM, fix, "user %s does not exist, and the queue "
		    "belongs to the stamp users", stamp_users[i]);
	}
	if (!c->w->group(c->w->ctx, "stamps", &c->group))
		ick_add(c, ICK_PROBLEM, "make install (as root) creates it; or: "
		    "groupadd --system stamps", "group stamps does not exist, and the queue "
		    "belongs to the stamp users");
}

/*
 * A system install is one whose queue belongs to stampq (or, when there is
 * no queue yet, one checked by root on a machine with the stamp users).
 * Anything else is a single-user install: everything is the queue's owner's.
 */
void
ick_kind(struct ick *c)
{
	char		 q[4096], fix[4400];
	struct stat	 st;
	uid_t		 quid = (uid_t)-1;
	gid_t		 qgid;
	int		 have_q = c->w->user(c->w->ctx, "stampq", &quid, &qgid);

	snprintf(q, sizeof q, "%s/queue", c->home);
	if (stat(q, &st) == -1) {
		c->system = have_q && geteuid() == 0;
		c->owner = c->system ? quid : getuid();
		if (c->system)
			users_exist(c);
		return;
	}
	c->owner = st.st_uid;
	c->group = st.st_gid;
	if (have_q && st.st_uid == quid) {
		c->system = 1;
		users_exist(c);
		return;
	}
	if (!c->w->uid_known(c->w->ctx, st.st_uid)) {
		snprintf(fix, sizeof fix, "make install (as root) creates the stamp users; "
		    "then stamp-setup --home %s --owners", c->home);
		ick_add(c, ICK_PROBLEM, fix, "%s belongs to uid %u, which is no user "
		    "(were the stamp users removed?)", q, (unsigned)st.st_uid);
		return;
	}
	if (have_q && st.st_uid == 0) {
		snprintf(fix, sizeof fix, "stamp-setup --home %s --owners", c->home);
		ick_add(c, ICK_PROBLEM, fix, "%s belongs to root, but the stamp users "
		    "exist: the scheduler (stamps) and stamp-queue (stampq) cannot use it", q);
		c->system = 1;
		c->owners_said = 1;
		c->w->user(c->w->ctx, "stampq", &c->owner, &qgid);
		users_exist(c);
	}
}

void
ick_all(struct ick *c)
{
	ick_kind(c);
	ick_layout(c);
	if (c->nohome) {
		ick_programs(c);
		return;
	}
	ick_control(c);
	ick_me(c);
	ick_tls(c);
	ick_lmtp(c);
	ick_users(c);
	ick_programs(c);
}
