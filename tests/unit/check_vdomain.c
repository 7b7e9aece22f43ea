/* check_vdomain.c: the one virtualdomains matching rule (vdomain.h), table-driven. */
#include <check.h>
#include <string.h>

#include "vdomain.h"
#include "tests/unit/ckmain.h"

static char *lines[] = {
	"example.org:ex",
	".example.org:sub",
	".deep.example.org:deep",
	"plain.test",
	"empty.test:",
	":nodomain",
	".",
};

static const struct ctl_list table = { lines, sizeof lines / sizeof lines[0] };

static const struct {
	const char	*domain;
	const char	*prefix;	/* NULL: not a virtual domain */
} rows[] = {
	{ "example.org", "ex" },		/* exact */
	{ "EXAMPLE.Org", "ex" },		/* any case */
	{ "a.example.org", "sub" },		/* suffix */
	{ "x.deep.example.org", "deep" },	/* the longest suffix wins */
	{ "deep.example.org", "sub" },		/* ".deep..." covers only its subdomains */
	{ "badexample.org", NULL },		/* a suffix matches on a dot */
	{ "example.org.evil", NULL },
	{ "plain.test", "" },			/* no colon: plain names */
	{ "empty.test", "" },
	{ "", NULL },
	{ "nodomain", NULL },
	{ "org", NULL },
};

START_TEST(test_rows)
{
	size_t		 len = 99;
	const char	*p = vdomain_prefix(&table, rows[_i].domain, &len);

	if (rows[_i].prefix == NULL) {
		ck_assert_msg(p == NULL, "%s: matched", rows[_i].domain);
		ck_assert_int_eq(vdomain_has(&table, rows[_i].domain), 0);
		return;
	}
	ck_assert_msg(p != NULL, "%s: no match", rows[_i].domain);
	ck_assert_uint_eq(len, strlen(rows[_i].prefix));
	ck_assert_int_eq(strncmp(p, rows[_i].prefix, len), 0);
	ck_assert_int_eq(vdomain_has(&table, rows[_i].domain), 1);
}
END_TEST

START_TEST(test_empty_list)
{
	struct ctl_list	 none = { NULL, 0 };
	size_t		 len;

	ck_assert_ptr_null(vdomain_prefix(&none, "example.org", &len));
	ck_assert_uint_eq(len, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("vdomain");
	TCase	*tc = tcase_create("match");

	tcase_add_loop_test(tc, test_rows, 0, sizeof rows / sizeof rows[0]);
	tcase_add_test(tc, test_empty_list);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
