/* check_datefmt.c: RFC 5322 dates, in fixed zones given by POSIX TZ rules (no tzdata needed). */
#include <check.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datefmt.h"
#include "tests/unit/ckmain.h"

static void
set_tz(const char *tz)
{
	ck_assert_int_eq(setenv("TZ", tz, 1), 0);
	tzset();
}

static const struct {
	const char	*tz;
	time_t		 t;
	const char	*want;
} t[] = {
	{ "UTC0", 0, "Thu, 1 Jan 1970 00:00:00 +0000" },
	{ "UTC0", 1800000000, "Fri, 15 Jan 2027 08:00:00 +0000" },
	{ "UTC0", 1709164800, "Thu, 29 Feb 2024 00:00:00 +0000" },     /* leap day */
	{ "UTC0", 1798761599, "Thu, 31 Dec 2026 23:59:59 +0000" },
	{ "UTC0", -1, "Wed, 31 Dec 1969 23:59:59 +0000" },
	{ "UTC0", 4102444800, "Fri, 1 Jan 2100 00:00:00 +0000" },
	{ "UTC0", 1795603201, "Wed, 25 Nov 2026 10:40:01 +0000" },
	{ "CET-1", 1800000000, "Fri, 15 Jan 2027 09:00:00 +0100" },
	{ "EST5", 1800000000, "Fri, 15 Jan 2027 03:00:00 -0500" },
	{ "EST5", 0, "Wed, 31 Dec 1969 19:00:00 -0500" },             /* the day before */
	{ "IST-5:30", 1800000000, "Fri, 15 Jan 2027 13:30:00 +0530" },
	{ "NST3:30", 1800000000, "Fri, 15 Jan 2027 04:30:00 -0330" },
	{ "XXX-14", 1800000000, "Fri, 15 Jan 2027 22:00:00 +1400" },
	{ "XXX12", 1800000000, "Thu, 14 Jan 2027 20:00:00 -1200" },
	{ "XXX0:45", 1800000000, "Fri, 15 Jan 2027 07:15:00 -0045" },  /* minutes only, west */
	{ "XXX-0:45", 1800000000, "Fri, 15 Jan 2027 08:45:00 +0045" },
};

START_TEST(fixed_times)
{
	char	 d[DATE_RFC5322_MAX];

	set_tz(t[_i].tz);
	memset(d, 'X', sizeof d);
	ck_assert_int_eq(date_rfc5322(d, sizeof d, t[_i].t), 0);
	ck_assert_str_eq(d, t[_i].want);
}
END_TEST

/* Every day of a year (and so each weekday and month) has the RFC 5322 shape. */
START_TEST(shape)
{
	regex_t	 re;
	char	 d[DATE_RFC5322_MAX];

	ck_assert_int_eq(regcomp(&re, "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [1-9][0-9]? "
	    "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
	    "[0-2][0-9]:[0-5][0-9]:[0-6][0-9] [+-][0-9]{4}$", REG_EXTENDED | REG_NOSUB), 0);
	set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	for (time_t at = 1767225600; at < 1767225600 + 366 * 86400; at += 86400 + 3607) {
		ck_assert_int_eq(date_rfc5322(d, sizeof d, at), 0);
		ck_assert_msg(regexec(&re, d, 0, NULL, 0) == 0, "%s", d);
		ck_assert(strstr(d, " +0100") != NULL || strstr(d, " +0200") != NULL);
	}
	regfree(&re);
}
END_TEST

/* Summer time changes the offset, not the shape. */
START_TEST(summer_time)
{
	char	 d[DATE_RFC5322_MAX];

	set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	ck_assert_int_eq(date_rfc5322(d, sizeof d, 1784109600), 0);    /* 2026-07-15 10:00 UTC */
	ck_assert_str_eq(d, "Wed, 15 Jul 2026 12:00:00 +0200");
	ck_assert_int_eq(date_rfc5322(d, sizeof d, 1800000000), 0);
	ck_assert_str_eq(d, "Fri, 15 Jan 2027 09:00:00 +0100");
}
END_TEST

/* Too small is -1 at every size below the need; exactly enough is fine. */
START_TEST(small_buffers)
{
	char	 full[DATE_RFC5322_MAX];
	size_t	 need;

	set_tz("UTC0");
	ck_assert_int_eq(date_rfc5322(full, sizeof full, 1800000000), 0);
	need = strlen(full) + 1;
	for (size_t sz = 1; sz < need; sz++) {
		char	*p = malloc(sz);        /* exact size: ASan sees an overrun */

		ck_assert_ptr_nonnull(p);
		ck_assert_msg(date_rfc5322(p, sz, 1800000000) == -1, "size %zu", sz);
		free(p);
	}
	{
		char	*p = malloc(need);

		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(date_rfc5322(p, need, 1800000000), 0);
		ck_assert_str_eq(p, full);
		free(p);
	}
	ck_assert_int_eq(date_rfc5322(full, 0, 1800000000), -1);
}
END_TEST

/* A time localtime cannot represent is an error, not garbage. */
START_TEST(unrepresentable)
{
	char	 d[DATE_RFC5322_MAX];

	set_tz("UTC0");
	ck_assert_int_eq(date_rfc5322(d, sizeof d, (time_t)LLONG_MAX), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("datefmt");
	TCase	*tc = tcase_create("datefmt");

	tcase_add_loop_test(tc, fixed_times, 0, (int)(sizeof t / sizeof t[0]));
	tcase_add_test(tc, shape);
	tcase_add_test(tc, summer_time);
	tcase_add_test(tc, small_buffers);
	tcase_add_test(tc, unrepresentable);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
