/* check_str.c: growable strings with checked arithmetic. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "str.h"
#include "tests/unit/ckmain.h"

START_TEST(append_and_terminate)
{
	struct str	 s = STR_INIT;

	ck_assert_int_eq(str_appends(&s, "abc"), 0);
	ck_assert_int_eq(str_appendc(&s, 'd'), 0);
	ck_assert_int_eq(str_append(&s, "e\0f", 3), 0);
	ck_assert_uint_eq(s.len, 7);
	ck_assert_int_eq(memcmp(s.s, "abcde\0f", 8), 0);   /* NUL-terminated too */
	ck_assert_int_eq(str_appendf(&s, "%d-%s", 42, "x"), 0);
	ck_assert_uint_eq(s.len, 11);
	ck_assert_str_eq(s.s + 7, "42-x");
	str_truncate(&s, 3);
	ck_assert_str_eq(s.s, "abc");
	str_truncate(&s, 10);                               /* longer: no-op */
	ck_assert_uint_eq(s.len, 3);
	str_clear(&s);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_str_eq(s.s, "");
	ck_assert_int_eq(str_sets(&s, "new"), 0);
	ck_assert_str_eq(s.s, "new");
	str_free_secret(&s);
	ck_assert_ptr_null(s.s);
	ck_assert_uint_eq(s.cap, 0);
}
END_TEST

START_TEST(grows_linearly_and_big)
{
	struct str	 s = STR_INIT;

	for (int i = 0; i < 100000; i++)
		ck_assert_int_eq(str_appendc(&s, (char)('a' + i % 26)), 0);
	ck_assert_uint_eq(s.len, 100000);
	ck_assert_int_eq(s.s[99999], 'a' + 99999 % 26);
	ck_assert_int_eq(s.s[100000], '\0');
	/* A long formatted string goes through vsnprintf twice. */
	ck_assert_int_eq(str_appendf(&s, "%5000s", "x"), 0);
	ck_assert_uint_eq(s.len, 105000);
	str_free(&s);
}
END_TEST

START_TEST(overflow_is_refused)
{
	struct str	 s = STR_INIT;

	ck_assert_int_eq(str_appends(&s, "keep"), 0);
	errno = 0;
	ck_assert_int_eq(str_reserve(&s, STR_MAX), -1);
	ck_assert_int_eq(errno, EOVERFLOW);
	ck_assert_int_eq(str_reserve(&s, (size_t)-1), -1);
	ck_assert_int_eq(str_append(&s, "x", (size_t)-1 / 2), -1);
	/* The string is unchanged by a failed call. */
	ck_assert_uint_eq(s.len, 4);
	ck_assert_str_eq(s.s, "keep");
	str_free(&s);
}
END_TEST

START_TEST(set_from_itself)
{
	struct str	 s = STR_INIT;

	str_sets(&s, "hello world");
	/* Appending a piece of itself must not read freed memory. */
	ck_assert_int_eq(str_reserve(&s, 100), 0);
	ck_assert_int_eq(str_append(&s, s.s, 5), 0);
	ck_assert_str_eq(s.s, "hello worldhello");
	str_free(&s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("str");
	TCase	*tc = tcase_create("str");

	tcase_add_test(tc, append_and_terminate);
	tcase_add_test(tc, grows_linearly_and_big);
	tcase_add_test(tc, overflow_is_refused);
	tcase_add_test(tc, set_from_itself);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
