/* check_uniq.c: queue IDs, Maildir names, CRLF conversion and dates. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crlf.h"
#include "datefmt.h"
#include "uniq.h"
#include "tests/unit/ckmain.h"

static int
cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

START_TEST(qids)
{
	static char	 ids[10000][QID_LEN + 1];

	for (int i = 0; i < 10000; i++) {
		qid_new(ids[i], 0x6b05bb18);
		ck_assert(qid_valid(ids[i]));
		ck_assert_int_eq(strncmp(ids[i], "6b05bb18", 8), 0);
		ck_assert_int_eq(qid_time(ids[i]), 0x6b05bb18);
	}
	/*
	 * 32 random bits per second: a repeat among 10,000 is rare but possible
	 * (about 1 in 90), and harmless: the injector's O_EXCL create retries.
	 */
	qsort(ids, 10000, sizeof ids[0], cmp);
	int same = 0;
	for (int i = 1; i < 10000; i++)
		same += strcmp(ids[i - 1], ids[i]) == 0;
	ck_assert_int_le(same, 3);
	ck_assert_uint_eq(qid_bucket("6b05bb1882db86ff"), 0xff);
	ck_assert_uint_eq(qid_bucket("6b05bb1882db8600"), 0);
	ck_assert(!qid_valid(""));
	ck_assert(!qid_valid("6b05bb1882db860"));
	ck_assert(!qid_valid("6b05bb1882db86000"));
	ck_assert(!qid_valid("6B05BB1882DB8600"));
	ck_assert(!qid_valid("6b05bb1882db860g"));
	ck_assert(!qid_valid("../../etc/passwd"));
}
END_TEST

START_TEST(maildir_names)
{
	char	 a[128], b[128];

	ck_assert_int_eq(maildir_unique(a, sizeof a, "mx.example.org"), 0);
	ck_assert_int_eq(maildir_unique(b, sizeof b, "mx.example.org"), 0);
	ck_assert_str_ne(a, b);
	ck_assert_ptr_nonnull(strstr(a, ".M"));
	ck_assert_ptr_nonnull(strstr(a, "P"));
	ck_assert_int_eq(maildir_unique(a, sizeof a, "we/ird:host"), 0);
	ck_assert_ptr_nonnull(strstr(a, "we\\057ird\\072host"));
	ck_assert_ptr_null(strchr(a, '/'));
	ck_assert_ptr_null(strchr(a, ':'));
	ck_assert_int_eq(maildir_unique(a, 20, "a-very-long-host-name.example.org"), -1);
}
END_TEST

static size_t
convert(const char *in, size_t n, size_t chunk, char *out)
{
	struct crlf	 c = { 0 };
	size_t		 o = 0;

	for (size_t i = 0; i < n; i += chunk)
		o += crlf_to_lf(&c, in + i, n - i < chunk ? n - i : chunk, out + o);
	o += crlf_finish(&c, out + o);
	return o;
}

START_TEST(crlf_every_split)
{
	const char	*in = "a\r\nb\rc\n\r\r\nend\r";
	const char	*want = "a\nb\rc\n\r\nend\r";
	char		 out[64];

	for (size_t chunk = 1; chunk <= strlen(in); chunk++) {
		size_t n = convert(in, strlen(in), chunk, out);
		ck_assert_uint_eq(n, strlen(want));
		ck_assert_int_eq(memcmp(out, want, n), 0);
	}
}
END_TEST

START_TEST(dates)
{
	char	 d[DATE_RFC5322_MAX];

	setenv("TZ", "UTC0", 1);
	tzset();
	ck_assert_int_eq(date_rfc5322(d, sizeof d, 1800000000), 0);
	ck_assert_str_eq(d, "Fri, 15 Jan 2027 08:00:00 +0000");
	setenv("TZ", "CET-1", 1);	/* a POSIX rule: no tzdata needed */
	tzset();
	ck_assert_int_eq(date_rfc5322(d, sizeof d, 1800000000), 0);
	ck_assert_str_eq(d, "Fri, 15 Jan 2027 09:00:00 +0100");
	ck_assert_int_eq(date_rfc5322(d, 10, 1800000000), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("uniq");
	TCase	*tc = tcase_create("uniq");

	tcase_add_test(tc, qids);
	tcase_add_test(tc, maildir_names);
	tcase_add_test(tc, crlf_every_split);
	tcase_add_test(tc, dates);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
