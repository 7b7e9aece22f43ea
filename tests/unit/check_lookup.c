/* check_lookup.c: where a local recipient's mail goes (common/lookup.c). */
#include <check.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "home.h"
#include "lookup.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char dir[64];

static void
setup(void)
{
	char	 p[128];

	strlcpy(dir, "/tmp/check_lookup.XXXXXX", sizeof dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof p, "%s/control", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(home_init(dir), 0);
}

static void
teardown(void)
{
	ck_rmtree(dir);
}

static void
file(const char *rel, const char *text)
{
	char	 p[256];

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	ck_assert_int_eq(write_file_atomic(p, text, strlen(text), 0644), 0);
}

static const char aliases[] =
    "# the team\n"
    "Postmaster: alice\n"
    "alice: /var/mail/alice\n"
    "team: a@x.example, |prog a, b\n"
    "this line is no alias\n"
    "v-list: /srv/list/Maildir/   # comments end lines too\n";

static const char users[] =
    "alice:$6$x:\n"
    "bob:$6$x:/srv/bob/Maildir/\n"
    "Carol:$6$x:c/Maildir\n"
    "dave:$6$x:/abs/box\n"
    "malformed\n"
    "v-x:$6$x:\n"
    "w:$6$x:\n"
    "erin+x:$6$x:\n"
    "../evil:$6$x:\n"
    "sp ace:$6$x:\n";

static const char vdomains[] =
    "virt.example:v\n"
    "plain.example:\n"
    ".sub.example:w\n"
    "exact.sub.example:v\n";

struct lk_case {
	const char	*local, *domain;
	enum lookup_kind kind;
	const char	*user, *ext;
	const char	*where;   /* the first target, or the end of the Maildir path */
};

static const struct lk_case cases[] = {
	/* Aliases come before users; names are folded, in the file too. */
	{ "Alice", "example.org", LK_ALIAS, "alice", "", "/var/mail/alice" },
	{ "POSTMASTER", "", LK_ALIAS, "postmaster", "", "alice" },
	{ "team", "example.org", LK_ALIAS, "team", "", "a@x.example" },
	/* Virtual users: absolute, relative to mail/ (a "/" added), default. */
	{ "BOB", "example.org", LK_VIRTUAL, "bob", "", "/srv/bob/Maildir/" },
	{ "carol", "", LK_VIRTUAL, "carol", "", "/mail/c/Maildir/" },
	{ "dave", "", LK_VIRTUAL, "dave", "", "/abs/box/" },
	{ "v-x", "example.org", LK_VIRTUAL, "v-x", "", "/mail/v-x/Maildir/" },
	/* Extensions: the whole name first, then the user; folded too. */
	{ "carol+lists", "example.org", LK_VIRTUAL, "carol", "lists", "/mail/c/Maildir/" },
	{ "Carol+Lists+More", "", LK_VIRTUAL, "carol", "lists+more", "/mail/c/Maildir/" },
	{ "carol+", "", LK_VIRTUAL, "carol", "", "/mail/c/Maildir/" },
	{ "erin+x", "", LK_VIRTUAL, "erin+x", "", "/mail/erin+x/Maildir/" },
	{ "erin+y", "", LK_UNKNOWN, "", "", NULL },
	/* Names that would be paths under mail/ are never users. */
	{ "../evil", "", LK_UNKNOWN, "", "", NULL },
	{ "sp ace", "", LK_UNKNOWN, "", "", NULL },
	{ "alice+x", "", LK_ALIAS, "alice", "x", "/var/mail/alice" },
	/* virtualdomains: x@virt.example is v-x; the domain's case is no matter. */
	{ "x", "virt.example", LK_VIRTUAL, "v-x", "", "/mail/v-x/Maildir/" },
	{ "X", "VIRT.Example", LK_VIRTUAL, "v-x", "", "/mail/v-x/Maildir/" },
	{ "list", "virt.example", LK_ALIAS, "v-list", "", "/srv/list/Maildir/" },
	{ "x+tag", "virt.example", LK_VIRTUAL, "v-x", "tag", "/mail/v-x/Maildir/" },
	/* ... the prefix itself takes the rest, with the local part as extension. */
	{ "info", "a.sub.example", LK_VIRTUAL, "w", "info", "/mail/w/Maildir/" },
	{ "Info", "deep.a.sub.example", LK_VIRTUAL, "w", "info", "/mail/w/Maildir/" },
	{ "x", "exact.sub.example", LK_VIRTUAL, "v-x", "", "/mail/v-x/Maildir/" },
	{ "y", "virt.example", LK_UNKNOWN, "", "", NULL },      /* no user v */
	{ "info", "sub.example", LK_UNKNOWN, "", "", NULL },    /* .sub is for subdomains */
	{ "alice", "plain.example", LK_ALIAS, "alice", "", "/var/mail/alice" },
	{ "alice", "virt.example", LK_UNKNOWN, "", "", NULL },  /* v-alice */
	/* Unknown, and never root. */
	{ "nobody-at-all", "example.org", LK_UNKNOWN, "", "", NULL },
	{ "nobody-at-all+ext", "", LK_UNKNOWN, "", "", NULL },
	{ "malformed", "", LK_UNKNOWN, "", "", NULL },
	{ "root", "example.org", LK_UNKNOWN, "", "", NULL },
	{ "Root", "", LK_UNKNOWN, "", "", NULL },
};

static void
check_case(const struct lk_case *c)
{
	struct lookup	 lk;
	const char	*got = NULL;

	ck_assert_msg(lookup_recipient(c->local, c->domain, &lk) == c->kind,
	    "%s@%s: kind %d, want %d", c->local, c->domain, lk.kind, c->kind);
	ck_assert_str_eq(lk.user, c->user);
	ck_assert_str_eq(lk.ext, c->ext);
	if (c->kind == LK_ALIAS) {
		ck_assert_uint_ge(lk.targets.n, 1);
		got = lk.targets.items[0];
		ck_assert_str_eq(got, c->where);
	} else if (c->kind == LK_VIRTUAL) {
		size_t gl = strlen(lk.maildir), wl = strlen(c->where);
		ck_assert_msg(gl >= wl && strcmp(lk.maildir + gl - wl, c->where) == 0,
		    "%s: maildir %s, want ...%s", c->local, lk.maildir, c->where);
		if (c->where[0] != '/' || strncmp(c->where, "/mail/", 6) == 0)
			ck_assert_int_eq(strncmp(lk.maildir, dir, strlen(dir)), 0);
	}
	lookup_free(&lk);
}

START_TEST(lookup_table)
{
	file("aliases", aliases);
	file("users", users);
	file("control/virtualdomains", vdomains);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_case(&cases[i]);
}
END_TEST

/* The aliases step alone (the scheduler's question for control/lmtp domains). */
START_TEST(lookup_aliases_only)
{
	struct lookup	 lk;

	file("aliases", aliases);
	file("users", users);
	file("control/virtualdomains", vdomains);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum lookup_kind want = cases[i].kind == LK_ALIAS ? LK_ALIAS : LK_UNKNOWN;

		ck_assert_msg(lookup_alias(cases[i].local, cases[i].domain, &lk) == want,
		    "%s@%s: kind %d, want %d", cases[i].local, cases[i].domain, lk.kind, want);
		lookup_free(&lk);
	}
	/* An unreadable aliases file is an error, never "no alias". */
	file("aliases", "");
	{
		char p[256];

		snprintf(p, sizeof p, "%s/aliases", dir);
		ck_assert_int_eq(unlink(p), 0);
		ck_assert_int_eq(mkdir(p, 0755), 0);
	}
	ck_assert_int_eq(lookup_alias("alice", "example.org", &lk), LK_ERROR);
	lookup_free(&lk);
}
END_TEST

START_TEST(lookup_alias_targets)
{
	struct lookup	 lk;

	file("aliases", aliases);
	ck_assert_int_eq(lookup_recipient("team", "", &lk), LK_ALIAS);
	ck_assert_uint_eq(lk.targets.n, 2);     /* a program runs to the line's end */
	ck_assert_str_eq(lk.targets.items[1], "|prog a, b");
	lookup_free(&lk);
}
END_TEST

START_TEST(lookup_delimiter)
{
	struct lookup	 lk;

	file("users", users);
	file("control/delimiter", "-\n");
	ck_assert_int_eq(lookup_recipient("carol-news", "", &lk), LK_VIRTUAL);
	ck_assert_str_eq(lk.user, "carol");
	ck_assert_str_eq(lk.ext, "news");
	lookup_free(&lk);
	/* The whole name still comes first. */
	ck_assert_int_eq(lookup_recipient("v-x", "", &lk), LK_VIRTUAL);
	ck_assert_str_eq(lk.user, "v-x");
	ck_assert_str_eq(lk.ext, "");
	lookup_free(&lk);
	ck_assert_int_eq(lookup_recipient("carol+news", "", &lk), LK_UNKNOWN);
	lookup_free(&lk);
}
END_TEST

START_TEST(lookup_no_files)
{
	struct lookup	 lk;

	/* No aliases, users or virtualdomains at all: only accounts. */
	ck_assert_int_eq(lookup_recipient("alice", "example.org", &lk), LK_UNKNOWN);
	lookup_free(&lk);
}
END_TEST

START_TEST(lookup_errors)
{
	struct lookup	 lk;
	char		 p[512], big[ADDR_LOCAL_MAX * 3];

	/* A prefix too long to make a name from: unknown, never a cut name. */
	memset(big, 'p', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	snprintf(p, sizeof p, "long.example:%.*s\n", ADDR_LOCAL_MAX * 2, big);
	file("control/virtualdomains", p);
	file("users", "ppp:x:\n");
	ck_assert_int_eq(lookup_recipient("x", "long.example", &lk), LK_UNKNOWN);
	lookup_free(&lk);
	/* A local part longer than a mailbox's: unknown. */
	ck_assert_int_eq(lookup_recipient(big, "", &lk), LK_UNKNOWN);
	lookup_free(&lk);
	/* A file that cannot be read is temporary trouble, not "unknown". */
	snprintf(p, sizeof p, "%s/users", dir);
	unlink(p);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(lookup_recipient("nobody-at-all", "", &lk), LK_ERROR);
	lookup_free(&lk);
	file("aliases", "alice: /m\n");
	ck_assert_int_eq(lookup_recipient("alice", "", &lk), LK_ALIAS); /* found before users */
	lookup_free(&lk);
	/* A control file with a NUL byte is an error too. */
	snprintf(p, sizeof p, "%s/control/virtualdomains", dir);
	ck_assert_int_eq(write_file_atomic(p, "x:y\n\0z\n", 7, 0644), 0);
	ck_assert_int_eq(lookup_recipient("alice", "x", &lk), LK_ERROR);
	lookup_free(&lk);
}
END_TEST

/*
 * The first account (not root, a plain lower-case name) whose home is a
 * folder it owns (owned 1), or whose home is not (owned 0).
 */
static int
find_account(int owned, char *name, size_t namesz)
{
	struct passwd	*pw;
	struct stat	 st;
	int		 found = 0;

	setpwent();
	while (!found && (pw = getpwent()) != NULL) {
		int own = pw->pw_dir != NULL && pw->pw_dir[0] == '/' &&
		    stat(pw->pw_dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == pw->pw_uid;

		found = pw->pw_uid != 0 && own == owned &&
		    strspn(pw->pw_name, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
		    strlen(pw->pw_name) && strlcpy(name, pw->pw_name, namesz) < namesz;
	}
	endpwent();
	/* The name must lead back to an account that is not root. */
	return found && (pw = getpwnam(name)) != NULL && pw->pw_uid != 0;
}

START_TEST(lookup_system_accounts)
{
	struct lookup	 lk;
	struct passwd	*pw;
	char		 name[64], ext[80];

	if (find_account(1, name, sizeof name)) {
		pw = getpwnam(name);
		ck_assert_ptr_nonnull(pw);
		uid_t uid = pw->pw_uid;
		ck_assert_int_eq(lookup_recipient(name, "example.org", &lk), LK_SYSTEM);
		ck_assert_int_eq(lk.uid, uid);
		ck_assert_str_eq(lk.name, name);
		ck_assert_str_eq(lk.ext, "");
		lookup_free(&lk);
		snprintf(ext, sizeof ext, "%s+Box", name);
		ck_assert_int_eq(lookup_recipient(ext, "", &lk), LK_SYSTEM);
		ck_assert_str_eq(lk.ext, "box");
		ck_assert_str_eq(lk.user, name);
		lookup_free(&lk);
		/* An alias of the same name wins. */
		snprintf(ext, sizeof ext, "%s: /m\n", name);
		file("aliases", ext);
		ck_assert_int_eq(lookup_recipient(name, "", &lk), LK_ALIAS);
		lookup_free(&lk);
	}
	/* An account whose home is missing or not its own (a daemon's) is no mailbox. */
	if (find_account(0, name, sizeof name)) {
		ck_assert_int_eq(lookup_recipient(name, "", &lk), LK_UNKNOWN);
		lookup_free(&lk);
	}
}
END_TEST

struct ap_case {
	const char	*line;
	int		 rc;
	const char	*name;
	size_t		 n;
	const char	*last;
};

static const struct ap_case ap_cases[] = {
	{ "Team: a@x.example, /m/box ,b", 0, "team", 3, "b" },
	{ "p: x, |cmd a, b", 0, "p", 2, "|cmd a, b" },
	{ "p:|cmd", 0, "p", 1, "|cmd" },
	{ " spaced\t:\t/m/Maildir/ ", 0, "spaced", 1, "/m/Maildir/" },
	{ "commas: a,,b,", 0, "commas", 2, "b" },
	{ "nocolon", -1, NULL, 0, NULL },
	{ ": a", -1, NULL, 0, NULL },
	{ "empty:", -1, NULL, 0, NULL },
	{ "blank: , ,", -1, NULL, 0, NULL },
	{ "toolonganame-toolonganame-toolonganame-toolonganame-toolonganame-toolonganame-"
	  "toolonganame-toolonganame-toolonganame-toolonganame-toolonganame: x", -1, NULL, 0, NULL },
};

START_TEST(alias_lines)
{
	char		 name[LOOKUP_NAME_MAX + 1];
	struct ctl_list	 t;

	for (size_t i = 0; i < sizeof ap_cases / sizeof ap_cases[0]; i++) {
		const struct ap_case *c = &ap_cases[i];
		ck_assert_msg(alias_parse(c->line, name, sizeof name, &t) == c->rc, "%s", c->line);
		if (c->rc == -1) {
			ck_assert_uint_eq(t.n, 0);
			continue;
		}
		ck_assert_str_eq(name, c->name);
		ck_assert_uint_eq(t.n, c->n);
		ck_assert_str_eq(t.items[t.n - 1], c->last);
		ctl_list_free(&t);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("lookup");
	TCase	*tc = tcase_create("lookup");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lookup_table);
	tcase_add_test(tc, lookup_alias_targets);
	tcase_add_test(tc, lookup_aliases_only);
	tcase_add_test(tc, lookup_delimiter);
	tcase_add_test(tc, lookup_no_files);
	tcase_add_test(tc, lookup_errors);
	tcase_add_test(tc, lookup_system_accounts);
	tcase_add_test(tc, alias_lines);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
