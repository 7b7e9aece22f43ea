/* check_rtcpto.c: the memory of unreachable exchangers (remote/tcpto). */
#include <check.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/rtcpto.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char	 dir[64], path[128];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_rtcpto.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/tcpto", dir);
}

static void
teardown(void)
{
	ck_rmtree(dir);
}

static struct dns_ip
ip4(const char *s)
{
	struct dns_ip	 ip;

	memset(&ip, 0, sizeof ip);
	ip.af = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, s, ip.addr), 1);
	return ip;
}

START_TEST(window)
{
	ck_assert_int_eq(rtcpto_window(0), 0);
	ck_assert_int_eq(rtcpto_window(1), 60);
	ck_assert_int_eq(rtcpto_window(2), 120);
	ck_assert_int_eq(rtcpto_window(3), 240);
	ck_assert_int_eq(rtcpto_window(7), 3600);
	ck_assert_int_eq(rtcpto_window(1000), 3600);
}
END_TEST

START_TEST(note_skip_forget)
{
	struct dns_ip	 a = ip4("192.0.2.1"), b = ip4("192.0.2.2");
	time_t		 t = 1700000000;

	ck_assert_int_eq(rtcpto_skip(path, &a, t), 0);          /* no file: nothing known */
	rtcpto_note(path, &a, 0, t);                            /* a success makes no file */
	ck_assert_int_eq(access(path, F_OK), -1);
	rtcpto_note(path, &a, 1, t);
	ck_assert_int_eq(rtcpto_skip(path, &a, t + 1), 1);
	ck_assert_int_eq(rtcpto_skip(path, &a, t + 59), 1);
	ck_assert_int_eq(rtcpto_skip(path, &a, t + 60), 0);     /* the window is over */
	ck_assert_int_eq(rtcpto_skip(path, &b, t + 1), 0);
	ck_assert_int_eq(rtcpto_skip(path, &a, t - 10), 0);     /* a clock that went back */
	rtcpto_note(path, &a, 1, t + 100);                      /* twice in a row: twice as long */
	ck_assert_int_eq(rtcpto_skip(path, &a, t + 100 + 119), 1);
	ck_assert_int_eq(rtcpto_skip(path, &a, t + 100 + 120), 0);
	rtcpto_note(path, &a, 0, t + 300);                      /* a good connection forgets */
	ck_assert_int_eq(rtcpto_skip(path, &a, t + 301), 0);
	ck_assert_int_eq(rtcpto_skip(NULL, &a, t), 0);
}
END_TEST

START_TEST(garbage_and_bounds)
{
	FILE		*f = fopen(path, "w");
	struct dns_ip	 a = ip4("192.0.2.1");
	char		 buf[64];
	time_t		 t = 1700000000;
	int		 lines = 0;

	ck_assert_ptr_nonnull(f);
	static const char junk[] = "garbage line\n192.0.2.1 x 5\n\n\0\0\0 192.0.2.9 1 1700000000";

	ck_assert_uint_eq(fwrite(junk, 1, sizeof junk - 1, f), sizeof junk - 1);
	fclose(f);
	ck_assert_int_eq(rtcpto_skip(path, &a, t), 0);
	rtcpto_note(path, &a, 1, t);
	ck_assert_int_eq(rtcpto_skip(path, &a, t + 1), 1);
	/* More addresses than it keeps: the oldest go, the file stays small. */
	for (int i = 0; i < RTCPTO_MAX + 50; i++) {
		struct dns_ip	 x;

		snprintf(buf, sizeof buf, "10.0.%d.%d", i / 256, i % 256);
		x = ip4(buf);
		rtcpto_note(path, &x, 1, t + 10 + i);
	}
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(buf, sizeof buf, f) != NULL)
		lines++;
	fclose(f);
	ck_assert_int_eq(lines, RTCPTO_MAX);
	ck_assert_int_eq(rtcpto_skip(path, &a, t + 20), 0);     /* the oldest was forgotten */
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("rtcpto");
	TCase	*tc = tcase_create("rtcpto");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, window);
	tcase_add_test(tc, note_skip_forget);
	tcase_add_test(tc, garbage_and_bounds);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
