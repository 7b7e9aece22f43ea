/*
 * stamp-local: deliver one queued message to one local recipient.
 *
 *   stamp-local [--home DIR] ID SENDER RECIPIENT
 *
 * The message is on fd 0; one result line goes to fd 1 (K, Z or D, a space,
 * an enhanced status code and a sentence), as queue/README.md specifies.
 * Started as root (by stamp-send's spawner), it looks the recipient up and
 * then becomes the mailbox owner before it touches any mailbox: the
 * account itself, or `stampv` for virtual users and aliases. It never
 * delivers as root.
 */
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "control.h"
#include "fsutil.h"
#include "home.h"
#include "local.h"
#include "log.h"
#include "lookup.h"

#define INSTRUCTIONS_MAX (64 * 1024)

static void
usage(void)
{
	fprintf(stderr, "usage: stamp-local [--home DIR] ID SENDER RECIPIENT\n");
	exit(111);
}

/* The one result line, then exit. */
static noreturn void
finish(const struct delivery *d, const struct dlv_result *r)
{
	static const char code[] = { 'K', 'Z', 'D' };
	char	 q[LOG_QUOTE_MAX];

	log_info("id=%s rcpt=%s status=%c text=%s", d->id, d->rcpt, code[r->status],
	    log_quotes(q, sizeof q, r->text));
	if (dprintf(1, "%c %s\n", code[r->status], r->text) < 0)
		exit(111);
	exit(0);
}

/*
 * Become uid:gid (name's groups too) for good, and check that it held.
 * Not started as root: deliver as ourselves, which is only right when the
 * mailbox owner is us too (a single-user install, the tests).
 */
static int
become(uid_t uid, gid_t gid, const char *name, struct dlv_result *r)
{
	if (geteuid() != 0) {
		if (uid == getuid() && getuid() != 0)
			return 0;
		dlv_set(r, DLV_TEMP, "4.3.5 cannot deliver as %s: stamp runs as uid %d, "
		    "not as root", name, (int)getuid());
		return -1;
	}
	if (uid == 0 || gid == 0) {
		dlv_set(r, DLV_TEMP, "4.3.5 refusing to deliver as root");
		return -1;
	}
	if (initgroups(name, gid) == -1 || setgid(gid) == -1 || setuid(uid) == -1) {
		dlv_set(r, DLV_TEMP, "4.3.5 cannot switch to user %s: %s", name, strerror(errno));
		return -1;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid ||
	    setuid(0) != -1) {
		dlv_set(r, DLV_TEMP, "4.3.5 refusing to deliver as root: the switch to %s "
		    "did not hold", name);
		return -1;
	}
	return 0;
}

/* Virtual users and aliases belong to stampv (or to us, when not root). */
static int
become_stampv(struct delivery *d, struct dlv_result *r)
{
	static char	 name[64];
	struct passwd	*pw;

	if (geteuid() != 0) {
		if (getuid() == 0) {
			dlv_set(r, DLV_TEMP, "4.3.5 refusing to deliver as root");
			return -1;
		}
		if ((pw = getpwuid(getuid())) != NULL &&
		    strlcpy(name, pw->pw_name, sizeof name) < sizeof name)
			d->user = name;
		return 0;
	}
	if ((pw = getpwnam("stampv")) == NULL) {
		dlv_set(r, DLV_TEMP, "4.3.5 user stampv missing: run make install as root");
		return -1;
	}
	d->user = "stampv";
	return become(pw->pw_uid, pw->pw_gid, "stampv", r);
}

/*
 * dir/.stamp-EXT (when there is an extension), else dir/.stamp: *text, or
 * NULL when neither exists. A file that exists but cannot be read is
 * temporary trouble, never a reason to use another.
 */
static int
instructions(const char *dir, const char *ext, char **text, struct dlv_result *r)
{
	char	 path[PATH_MAX];
	size_t	 len;
	int	 n;

	*text = NULL;
	for (int pass = *ext != '\0' ? 0 : 1; pass < 2; pass++) {
		if (pass == 0 && strchr(ext, '/') != NULL)
			continue;
		n = pass == 0 ? snprintf(path, sizeof path, "%s/.stamp-%s", dir, ext) :
		    snprintf(path, sizeof path, "%s/.stamp", dir);
		if (n < 0 || (size_t)n >= sizeof path)
			continue;
		if (read_file_max(path, INSTRUCTIONS_MAX, text, &len) == 0)
			return 0;
		if (errno != ENOENT) {
			dlv_set(r, DLV_TEMP, "4.3.0 cannot read %s: %s", path, strerror(errno));
			return -1;
		}
	}
	*text = NULL;
	return 0;
}

static void
system_user(struct delivery *d, struct lookup *lk, struct dlv_result *r)
{
	char	*text;

	if (become(lk->uid, lk->gid, lk->name, r) == -1)
		return;
	d->home = lk->dir;
	d->user = lk->name;
	if (instructions(lk->dir, lk->ext, &text, r) == -1)
		return;
	local_instructions(d, text != NULL ? text : "", r);
	free(text);
}

static void
alias(struct delivery *d, struct lookup *lk, struct dlv_result *r)
{
	if (become_stampv(d, r) == -1)
		return;
	d->home = home_dir();
	for (size_t i = 0; i < lk->targets.n && !d->stop; i++)
		if (local_instruction(d, lk->targets.items[i], 0, r) != DLV_OK)
			return;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct delivery	 d;
	struct dlv_result r;
	struct lookup	 lk;
	struct addr	 a;
	const char	*home = NULL;
	int		 c;

	log_init("stamp-local");
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd')
			usage();
		home = optarg;
	}
	if (argc - optind != 3)
		usage();
	memset(&d, 0, sizeof d);
	d.id = argv[optind];
	d.sender = argv[optind + 1];
	d.rcpt = argv[optind + 2];
	d.msgfd = 0;
	d.ext = "";
	if (home_init(home) == -1)
		fatalx(111, "reason=\"home path too long\"");
	/* stamp-queue, for forwards, must queue into the same home. */
	if (setenv("STAMP_HOME", home_dir(), 1) == -1)
		fatal(111, "setenv");
	if (addr_parse_mailbox(d.rcpt, strlen(d.rcpt), ADDR_UTF8 | ADDR_ALLOW_LOCAL, &a) != ADDR_OK) {
		dlv_set(&r, DLV_PERM, "5.1.3 %s is not a valid mailbox", d.rcpt);
		finish(&d, &r);
	}
	d.local = a.local;
	d.host = a.domain;
	if (ctl_number("maxhops", &d.maxhops) == -1) {
		dlv_set(&r, DLV_TEMP, "4.3.5 cannot read control/maxhops");
		finish(&d, &r);
	}
	if (local_loop_check(&d, &r) != 0)
		finish(&d, &r);
	local_head(&d);
	switch (lookup_recipient(a.local, a.domain, &lk)) {
	case LK_UNKNOWN:
		dlv_set(&r, DLV_PERM, "5.1.1 no mailbox here by that name: %s", d.rcpt);
		break;
	case LK_ERROR:
		dlv_set(&r, DLV_TEMP, "4.3.5 cannot read the user database; see the log");
		break;
	case LK_ALIAS:
		d.ext = lk.ext;
		alias(&d, &lk, &r);
		break;
	case LK_VIRTUAL:
		d.ext = lk.ext;
		d.home = home_dir();
		if (become_stampv(&d, &r) == 0)
			local_instruction(&d, lk.maildir, 1, &r);
		break;
	case LK_SYSTEM:
		d.ext = lk.ext;
		system_user(&d, &lk, &r);
		break;
	}
	lookup_free(&lk);
	finish(&d, &r);
}
