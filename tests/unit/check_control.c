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
	char	 cmd[160];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	ck_assert_int_eq(system(cmd), 0);
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

START_TEST(defaults_when_missing)
{
	long long	 v;
	struct str	 s = STR_INIT;
	struct ctl_list	 l;
	char		 host[256];

	ck_assert_int_eq(ctl_number("databytes", &v), 0);
	ck_assert_int_eq(v, 26214400);
	ck_assert_int_eq(ctl_number("queuelifetime", &v), 0);
	ck_assert_int_eq(v, 604800);
	ck_assert_int_eq(ctl_number("retrymin", &v), 0);
	ck_assert_int_eq(v, 300);
	ck_assert_int_eq(ctl_number("concurrencylocal", &v), 0);
	ck_assert_int_eq(v, 10);
	ck_assert_int_eq(ctl_string("bouncefrom", &s), 0);
	ck_assert_str_eq(s.s, "MAILER-DAEMON");
	ck_assert_int_eq(ctl_string("delimiter", &s), 0);
	ck_assert_str_eq(s.s, "+");
	gethostname(host, sizeof host);
	ck_assert_int_eq(ctl_string("me", &s), 0);
	ck_assert_str_eq(s.s, host);
	ck_assert_int_eq(ctl_list("locals", &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.items[0], host);
	ck_assert_str_eq(l.items[1], "localhost");
	ctl_list_free(&l);
	ck_assert_int_eq(ctl_list("badmailfrom", &l), 0);
	ck_assert_uint_eq(l.n, 0);
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
};

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
	suite_add_tcase(s, tc);
	return ck_run(s);
}
