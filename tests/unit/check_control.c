/* check_control.c: the control-file table and reader, in a temporary home. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "home.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char home[64];

static void
setup(void)
{
	char	 path[128];

	strlcpy(home, "/tmp/check_control.XXXXXX", sizeof home);
	ck_assert_ptr_nonnull(mkdtemp(home));
	snprintf(path, sizeof path, "%s/control", home);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(home_init(home), 0);
}

static void
teardown(void)
{
	ck_rmtree(home);
}

static void
put(const char *name, const void *data, size_t len)
{
	char	 path[256];
	int	 fd;

	snprintf(path, sizeof path, "%s/control/%s", home, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void
puts_(const char *name, const char *text)
{
	put(name, text, strlen(text));
}

static int
unlink_control(const char *name)
{
	char	 path[256];

	snprintf(path, sizeof path, "%s/control/%s", home, name);
	return unlink(path);
}

/* stderr goes to a temporary file between capture_start() and capture_end(). */
static int	 cap_fd = -1, saved_fd = -1;

static void
capture_start(void)
{
	char	 path[] = "/tmp/check_control.log.XXXXXX";

	cap_fd = mkstemp(path);
	ck_assert_int_ge(cap_fd, 0);
	ck_assert_int_eq(unlink(path), 0);
	saved_fd = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_fd, 0);
	ck_assert_int_eq(dup2(cap_fd, STDERR_FILENO), STDERR_FILENO);
}

static void
capture_end(char *out, size_t outsz)
{
	ssize_t	 n;

	ck_assert_int_eq(dup2(saved_fd, STDERR_FILENO), STDERR_FILENO);
	close(saved_fd);
	ck_assert_int_eq(lseek(cap_fd, 0, SEEK_SET), 0);
	n = read(cap_fd, out, outsz - 1);
	ck_assert_int_ge(n, 0);
	out[n] = '\0';
	close(cap_fd);
}

/* The computed defaults; table_has_every_setting checks the written ones. */
START_TEST(defaults_when_missing)
{
	struct str	 s = STR_INIT;
	struct ctl_list	 l;
	char		 host[256] = "";

	ck_assert_int_eq(gethostname(host, sizeof host - 1), 0);
	ck_assert_int_eq(ctl_string("me", &s), 0);
	ck_assert_str_eq(s.s, host);
	ck_assert_int_eq(ctl_list("locals", &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.items[0], host);
	ck_assert_str_eq(l.items[1], "localhost");
	ctl_list_free(&l);
	str_free(&s);
}
END_TEST

START_TEST(def_from_chains)
{
	struct str	 s = STR_INIT;
	struct ctl_list	 l;

	puts_("me", "mx.example.org\n");
	ck_assert_int_eq(ctl_string("helohost", &s), 0);
	ck_assert_str_eq(s.s, "mx.example.org");
	ck_assert_int_eq(ctl_list("locals", &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.items[0], "mx.example.org");
	ctl_list_free(&l);
	/* rcpthosts follows locals, which follows me. */
	ck_assert_int_eq(ctl_list("rcpthosts", &l), 0);
	ck_assert_int_eq(ctl_list_has(&l, "MX.Example.ORG"), 1);
	ck_assert_int_eq(ctl_list_has(&l, "localhost"), 1);
	ck_assert_int_eq(ctl_list_has(&l, "example.org"), 0);
	ctl_list_free(&l);
	puts_("locals", "example.org\nexample.net\n");
	ck_assert_int_eq(ctl_list("rcpthosts", &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.items[1], "example.net");
	ctl_list_free(&l);
	str_free(&s);
}
END_TEST

START_TEST(syntax)
{
	struct ctl_list	 l;
	long long	 v;
	struct str	 s = STR_INIT;

	puts_("locals", "# our domains\n\n  example.org  \n\texample.net # the other\r\n#x\n   \n");
	ck_assert_int_eq(ctl_list("locals", &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.items[0], "example.org");
	ck_assert_str_eq(l.items[1], "example.net");
	ctl_list_free(&l);
	puts_("databytes", "  1000 # one thousand\n");
	ck_assert_int_eq(ctl_number("databytes", &v), 0);
	ck_assert_int_eq(v, 1000);
	/* No final newline is fine. */
	puts_("retrymin", "7");
	ck_assert_int_eq(ctl_number("retrymin", &v), 0);
	ck_assert_int_eq(v, 7);
	/* An empty file: the default for numbers and strings, an empty list for lists. */
	puts_("retrymax", "# nothing\n\n");
	ck_assert_int_eq(ctl_number("retrymax", &v), 0);
	ck_assert_int_eq(v, 14400);
	puts_("bouncefrom", "");
	ck_assert_int_eq(ctl_string("bouncefrom", &s), 0);
	ck_assert_str_eq(s.s, "MAILER-DAEMON");
	puts_("locals", "\n");
	ck_assert_int_eq(ctl_list("locals", &l), 0);
	ck_assert_uint_eq(l.n, 0);
	ctl_list_free(&l);
	/* A string is the first item. */
	puts_("me", "first.example\nsecond.example\n");
	ck_assert_int_eq(ctl_string("me", &s), 0);
	ck_assert_str_eq(s.s, "first.example");
	str_free(&s);
}
END_TEST

static const struct { const char *name, *text; } bad_numbers[] = {
	{ "databytes", "ten\n" },
	{ "databytes", "-1\n" },
	{ "databytes", "12abc\n" },
	{ "databytes", "99999999999999999999999\n" },
	{ "retrymin", "0\n" },
	{ "concurrencylocal", "1001\n" },
	{ "authplaintext", "2\n" },
	{ "timeoutsmtpd", "1.5\n" },
	{ "timeoutsmtpd", "+5\n" },
	{ "timeoutsmtpd", "0x10\n" },
	{ "timeoutsmtpd", "1e3\n" },
	{ "timeoutsmtpd", "5 6\n" },
	{ "timeoutsmtpd", "--1\n" },
	{ "timeoutsmtpd", "-\n" },
	{ "databytes", "1099511627777\n" },
	{ "maxrcpt", "0\n" },
};

static const struct { const char *name, *text; long long want; } good_numbers[] = {
	{ "databytes", "0\n", 0 },
	{ "databytes", "1099511627776\n", 1LL << 40 },
	{ "databytes", "007\n", 7 },
	{ "databytes", "\t 12 \t# twelve\r\n", 12 },
	{ "greetdelay", "0", 0 },
	{ "timeoutconnect", "3600\n", 3600 },
	{ "concurrencylocal", "1000\n", 1000 },
	{ "authplaintext", "1\n", 1 },
	{ "retrymin", "# first\n\n300\nignored\n", 300 },
};

START_TEST(good_numbers_are_read)
{
	long long	 v = -1;

	puts_(good_numbers[_i].name, good_numbers[_i].text);
	ck_assert_int_eq(ctl_number(good_numbers[_i].name, &v), 0);
	ck_assert_int_eq(v, good_numbers[_i].want);
}
END_TEST

START_TEST(bad_numbers_are_errors)
{
	long long	 v = 42;

	puts_(bad_numbers[_i].name, bad_numbers[_i].text);
	errno = 0;
	ck_assert_int_eq(ctl_number(bad_numbers[_i].name, &v), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(v, 42);
}
END_TEST

START_TEST(bad_files_are_errors)
{
	char		 big[CTL_LINE_MAX + 10], path[256];
	struct ctl_list	 l;
	struct str	 s = STR_INIT;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\n';
	put("locals", big, sizeof big);
	errno = 0;
	ck_assert_int_eq(ctl_list("locals", &l), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* A line of exactly CTL_LINE_MAX is fine. */
	big[CTL_LINE_MAX] = '\n';
	put("locals", big, CTL_LINE_MAX + 1);
	ck_assert_int_eq(ctl_list("locals", &l), 0);
	ck_assert_uint_eq(strlen(l.items[0]), CTL_LINE_MAX);
	ctl_list_free(&l);
	put("me", "a\0b\n", 4);
	ck_assert_int_eq(ctl_string("me", &s), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* A folder where a file should be. */
	snprintf(path, sizeof path, "%s/control/badmailfrom", home);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(ctl_list("badmailfrom", &l), -1);
	/* Unreadable (as root this cannot be tested by mode: use a dangling loop). */
	snprintf(path, sizeof path, "%s/control/badrcptto", home);
	ck_assert_int_eq(symlink("badrcptto", path), 0);
	ck_assert_int_eq(ctl_list("badrcptto", &l), -1);
	/* A symlink to a real file is how admins share files: allowed. */
	puts_("relayclients", "127.0.0.1\n");
	snprintf(path, sizeof path, "%s/control/virtualdomains", home);
	ck_assert_int_eq(symlink("relayclients", path), 0);
	ck_assert_int_eq(ctl_list("virtualdomains", &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ctl_list_free(&l);
	str_free(&s);
}
END_TEST

START_TEST(undeclared_is_a_bug)
{
	long long	 v;
	struct str	 s = STR_INIT;
	struct ctl_list	 l;

	ck_assert_ptr_null(ctl_lookup("nosuchsetting"));
	ck_assert_int_eq(ctl_number("nosuchsetting", &v), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(ctl_string("nosuchsetting", &s), -1);
	ck_assert_int_eq(ctl_list("nosuchsetting", &l), -1);
	str_free(&s);
}
END_TEST

START_TEST(table_is_sound)
{
	size_t	 n = 0;

	for (const struct ctl_def *d = ctl_table; d->name != NULL; d++, n++) {
		ck_assert_msg(d->summary != NULL && d->summary[0] != '\0', "%s: no summary", d->name);
		ck_assert_ptr_eq(ctl_lookup(d->name), d);
		if (d->def_from != NULL)
			ck_assert_msg(ctl_lookup(d->def_from) != NULL, "%s: bad def_from", d->name);
		if (d->type == CTL_NUMBER) {
			long long v;
			ck_assert_msg(d->min <= d->max, "%s: bounds", d->name);
			ck_assert_msg(ctl_number(d->name, &v) == 0, "%s: default", d->name);
			ck_assert(v >= d->min && v <= d->max);
		} else {
			struct ctl_list l;
			ck_assert_msg(ctl_list(d->name, &l) == 0, "%s: default", d->name);
			ctl_list_free(&l);
		}
		for (const struct ctl_def *e = d + 1; e->name != NULL; e++)
			ck_assert_msg(strcmp(d->name, e->name) != 0, "%s twice", d->name);
	}
	ck_assert_uint_ge(n, 30);
}
END_TEST

START_TEST(read_file_outside_control)
{
	char		 path[256];
	struct ctl_list	 l;
	FILE		*f;

	snprintf(path, sizeof path, "%s/aliases", home);
	ck_assert_int_eq(ctl_read_file(path, &l), 0);
	ck_assert_uint_eq(l.n, 0);
	f = fopen(path, "w");
	fputs("root: alice # admins\n\nbob: |/usr/bin/true\n", f);
	fclose(f);
	ck_assert_int_eq(ctl_read_file(path, &l), 1);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.items[0], "root: alice");
	ck_assert_str_eq(l.items[1], "bob: |/usr/bin/true");
	ctl_list_free(&l);
}
END_TEST

/* The table holds what stamp-control(5) promises: types, defaults, chains. */
static const struct {
	const char	*name;
	enum ctl_type	 type;
	const char	*def;	/* NULL: computed or def_from */
	const char	*from;
} expect[] = {
#define N(n, d)		{ n, CTL_NUMBER, d, NULL }
#define S(n, d)		{ n, CTL_STRING, d, NULL }
#define L(n, d)		{ n, CTL_LIST, d, NULL }
#define S_FROM(n, f)	{ n, CTL_STRING, NULL, f }
#define L_FROM(n, f)	{ n, CTL_LIST, NULL, f }
	S("me", NULL), L("locals", NULL), L_FROM("rcpthosts", "locals"),
	N("databytes", "26214400"), N("queuelifetime", "604800"),
	N("retrymin", "300"), N("retrymax", "14400"),
	N("concurrencylocal", "10"), N("concurrencyremote", "20"),
	N("concurrencyperdomain", "10"), N("timeoutsmtpd", "300"),
	N("timeoutremote", "1200"), N("timeoutconnect", "60"),
	N("timeoutqueue", "1200"), N("timeoutpop3", "600"), N("maxrcpt", "100"),
	N("maxhops", "100"), N("greetdelay", "0"),
	S("bouncefrom", "MAILER-DAEMON"), S("doublebounceto", "postmaster"),
	S_FROM("helohost", "me"), S_FROM("defaulthost", "me"),
	S_FROM("smtpgreeting", "me"), S("delimiter", "+"),
	N("authplaintext", "0"), N("pop3plaintext", "0"), N("systemusers", "0"),
	L("smtproutes", ""), L("badmailfrom", ""), L("badrcptto", ""),
	L("relayclients", ""), L("virtualdomains", ""), L("milters", ""),
	L("policy", ""), S("tlscert", ""), S("tlskey", ""),
	N("concurrencyincoming", "100"), N("concurrencyperip", "10"), N("prefork", "4"),
	L("tlsdestinations", ""),
#undef N
#undef S
#undef L
#undef S_FROM
#undef L_FROM
};

START_TEST(table_has_every_setting)
{
	const struct ctl_def	*d = ctl_lookup(expect[_i].name);
	struct str		 s = STR_INIT;
	struct ctl_list		 l;
	long long		 v;

	ck_assert_msg(d != NULL, "%s is missing", expect[_i].name);
	ck_assert_int_eq(d->type, expect[_i].type);
	if (expect[_i].from != NULL)
		ck_assert_str_eq(d->def_from, expect[_i].from);
	else
		ck_assert_ptr_null(d->def_from);
	if (expect[_i].def == NULL)
		return;
	ck_assert_str_eq(d->def, expect[_i].def);
	switch (d->type) {
	case CTL_NUMBER:
		ck_assert_int_eq(ctl_number(d->name, &v), 0);
		ck_assert_int_eq(v, strtoll(expect[_i].def, NULL, 10));
		break;
	case CTL_STRING:
		ck_assert_int_eq(ctl_string(d->name, &s), 0);
		ck_assert_str_eq(s.s, expect[_i].def);
		break;
	case CTL_LIST:
		ck_assert_int_eq(ctl_list(d->name, &l), 0);
		ck_assert_uint_eq(l.n, 0);
		ctl_list_free(&l);
		break;
	}
	str_free(&s);
}
END_TEST

static const char *const from_me[] = { "helohost", "defaulthost", "smtpgreeting" };

START_TEST(strings_default_to_me)
{
	const char	*name = from_me[_i];
	struct str	 s = STR_INIT;

	puts_("me", "mx.example.org\n");
	ck_assert_int_eq(ctl_string(name, &s), 0);
	ck_assert_str_eq(s.s, "mx.example.org");
	puts_(name, "other.example.org\n");
	ck_assert_int_eq(ctl_string(name, &s), 0);
	ck_assert_str_eq(s.s, "other.example.org");
	/* An empty string file is the default, which is me again. */
	puts_(name, "# unset\n");
	ck_assert_int_eq(ctl_string(name, &s), 0);
	ck_assert_str_eq(s.s, "mx.example.org");
	/* A broken me breaks what follows it. */
	puts_(name, "");
	put("me", "x\0", 2);
	ck_assert_int_eq(ctl_string(name, &s), -1);
	ck_assert_int_eq(errno, EINVAL);
	str_free(&s);
}
END_TEST

START_TEST(list_chains)
{
	struct ctl_list	 l;

	/* An empty locals is an empty list, and so is rcpthosts that follows it. */
	puts_("locals", "# nothing here\n");
	ck_assert_int_eq(ctl_list("rcpthosts", &l), 0);
	ck_assert_uint_eq(l.n, 0);
	ctl_list_free(&l);
	/* me being localhost does not make localhost a local twice. */
	puts_("locals", "");
	ck_assert_int_eq(unlink_control("locals"), 0);
	puts_("me", "LocalHost\n");
	ck_assert_int_eq(ctl_list("locals", &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.items[0], "localhost");
	ctl_list_free(&l);
	/* rcpthosts of its own wins over locals. */
	puts_("rcpthosts", "relay.example\n");
	ck_assert_int_eq(ctl_list("rcpthosts", &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(ctl_list_has(&l, "localhost"), 0);
	ctl_list_free(&l);
}
END_TEST

static const struct { const char *s; int want; } has[] = {
	{ "example.org", 1 },
	{ "EXAMPLE.ORG", 1 },
	{ "eXample.Org", 1 },
	{ "LocalHost", 1 },
	{ "example", 0 },
	{ "example.org.", 0 },
	{ "sub.example.org", 0 },
	{ "", 0 },
};

START_TEST(list_has_ignores_case)
{
	char		*items[] = { "Example.ORG", "localhost" };
	struct ctl_list	 l = { items, 2 }, none = { NULL, 0 };

	ck_assert_int_eq(ctl_list_has(&l, has[_i].s), has[_i].want);
	ck_assert_int_eq(ctl_list_has(&none, has[_i].s), 0);
}
END_TEST

/* A bad file logs exactly one line, naming the file and the line to fix. */
static const struct {
	const char	*name;
	const char	*data;
	size_t		 len;
	const char	*where;
	const char	*why;
} warned[] = {
#define W(n, d, w, y)	{ n, d, sizeof(d) - 1, w, y }
	W("databytes", "# size\n\n 10k\n", "line=3", "not a decimal number"),
	W("retrymin", "#\n#\n#\n0\n", "line=4", "too small"),
	W("maxrcpt", "99999999999999999999\n", "line=1", "too large"),
	W("me", "ok\nb\0d\n", "line=2", "NUL byte"),
	/* Data NULL: two good lines, then one over the limit, no final newline. */
	{ "locals", NULL, 0, "line=3", "longer than" },
#undef W
};

START_TEST(one_warning_names_file_and_line)
{
	char		 out[2048], want[256], big[4 + CTL_LINE_MAX + 1];
	struct ctl_list	 l;
	long long	 v;
	int		 rc;

	if (warned[_i].data != NULL)
		put(warned[_i].name, warned[_i].data, warned[_i].len);
	else {
		memcpy(big, "a\nb\n", 4);
		memset(big + 4, 'y', sizeof big - 4);
		put(warned[_i].name, big, sizeof big);
	}
	capture_start();
	errno = 0;
	if (ctl_lookup(warned[_i].name)->type == CTL_NUMBER)
		rc = ctl_number(warned[_i].name, &v);
	else
		rc = ctl_list(warned[_i].name, &l);
	capture_end(out, sizeof out);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	ck_assert_ptr_nonnull(strstr(out, "level=warn"));
	snprintf(want, sizeof want, "file=%s/control/%s ", home, warned[_i].name);
	ck_assert_msg(strstr(out, want) != NULL, "%s lacks %s", out, want);
	ck_assert_msg(strstr(out, warned[_i].where) != NULL, "%s lacks the line", out);
	ck_assert_msg(strstr(out, warned[_i].why) != NULL, "%s", out);
}
END_TEST

/* Missing is the default; present but unusable is an error, never the default. */
START_TEST(missing_versus_unusable)
{
	char		 path[256], other[256];
	struct ctl_list	 l = { NULL, 0 };
	long long	 v;
	int		 fd;

	/* A dangling symbolic link: the admin meant something; say so. */
	snprintf(path, sizeof path, "%s/control/locals", home);
	ck_assert_int_eq(symlink("/nonexistent/locals", path), 0);
	ck_assert_int_eq(ctl_list("locals", &l), -1);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(ctl_read_file(path, &l), -1);
	/* A FIFO must neither hang the reader nor count as a file. */
	snprintf(path, sizeof path, "%s/control/badrcptto", home);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(ctl_list("badrcptto", &l), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* Over CTL_FILE_MAX (sparse, so cheap): refused before it is read. */
	snprintf(path, sizeof path, "%s/control/smtproutes", home);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, CTL_FILE_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(ctl_list("smtproutes", &l), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* Unreadable by mode (root reads anything, so only as a user). */
	if (geteuid() != 0) {
		puts_("milters", "127.0.0.1:8891\n");
		snprintf(path, sizeof path, "%s/control/milters", home);
		ck_assert_int_eq(chmod(path, 0), 0);
		ck_assert_int_eq(ctl_list("milters", &l), -1);
		ck_assert_int_eq(errno, EACCES);
	}
	/* A control "folder" that is a file is not "no control files". */
	snprintf(path, sizeof path, "%s/control", home);
	snprintf(other, sizeof other, "%s/control.old", home);
	ck_assert_int_eq(rename(path, other), 0);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(ctl_number("databytes", &v), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	/* No control folder at all: every default. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(ctl_number("databytes", &v), 0);
	ck_assert_int_eq(v, 26214400);
	ck_assert_int_eq(rename(other, path), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("control");
	TCase	*tc = tcase_create("control");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults_when_missing);
	tcase_add_test(tc, def_from_chains);
	tcase_add_test(tc, syntax);
	tcase_add_loop_test(tc, bad_numbers_are_errors, 0,
	    sizeof bad_numbers / sizeof bad_numbers[0]);
	tcase_add_test(tc, bad_files_are_errors);
	tcase_add_test(tc, undeclared_is_a_bug);
	tcase_add_test(tc, table_is_sound);
	tcase_add_test(tc, read_file_outside_control);
	tcase_add_loop_test(tc, good_numbers_are_read, 0,
	    sizeof good_numbers / sizeof good_numbers[0]);
	tcase_add_loop_test(tc, table_has_every_setting, 0,
	    sizeof expect / sizeof expect[0]);
	tcase_add_loop_test(tc, strings_default_to_me, 0,
	    sizeof from_me / sizeof from_me[0]);
	tcase_add_test(tc, list_chains);
	tcase_add_loop_test(tc, list_has_ignores_case, 0, sizeof has / sizeof has[0]);
	tcase_add_loop_test(tc, one_warning_names_file_and_line, 0,
	    sizeof warned / sizeof warned[0]);
	tcase_add_test(tc, missing_versus_unusable);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
