/* check_uniq.c: queue IDs and Maildir unique names. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "uniq.h"
#include "tests/unit/ckmain.h"

#define NIDS 10000

static int
cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

START_TEST(new_ids_are_valid_and_unique)
{
	static char	 ids[NIDS][QID_LEN + 1];

	for (int i = 0; i < NIDS; i++) {
		memset(ids[i], 'X', sizeof ids[i]);
		qid_new(ids[i], 0x6b05bb18);
		ck_assert_uint_eq(strlen(ids[i]), QID_LEN);
		ck_assert(qid_valid(ids[i]));
		ck_assert_int_eq(strncmp(ids[i], "6b05bb18", 8), 0);
		ck_assert_int_eq(qid_time(ids[i]), 0x6b05bb18);
		ck_assert_uint_lt(qid_bucket(ids[i]), 256);
	}
	/*
	 * 32 random bits per second: a repeat among 10,000 is rare but possible
	 * (about 1 in 90), and harmless: the injector's O_EXCL create retries.
	 */
	qsort(ids, NIDS, sizeof ids[0], cmp);
	int same = 0;
	for (int i = 1; i < NIDS; i++)
		same += strcmp(ids[i - 1], ids[i]) == 0;
	ck_assert_int_le(same, 3);
}
END_TEST

/* The random half is spread: 10000 IDs hit (nearly) every one of the 256 buckets. */
START_TEST(buckets_are_spread)
{
	int	 seen[256] = { 0 }, used = 0;
	char	 id[QID_LEN + 1];

	for (int i = 0; i < NIDS; i++) {
		qid_new(id, 1);
		seen[qid_bucket(id)]++;
	}
	for (int b = 0; b < 256; b++)
		used += seen[b] != 0;
	ck_assert_int_eq(used, 256);
}
END_TEST

/* IDs sort by age: the time is the leading, zero-padded part. */
START_TEST(ids_sort_by_time)
{
	static const time_t times[] = { 0, 1, 0xff, 0x10000, 1800000000, 0xfffffffe, 0xffffffff };
	char	 prev[QID_LEN + 1], id[QID_LEN + 1];

	prev[0] = '\0';
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		qid_new(id, times[i]);
		ck_assert(qid_valid(id));
		ck_assert_int_eq(qid_time(id), times[i]);
		ck_assert_int_gt(strcmp(id, prev), 0);
		memcpy(prev, id, sizeof id);
	}
	qid_new(id, 0);
	ck_assert_int_eq(strncmp(id, "00000000", 8), 0);
}
END_TEST

static const struct {
	const char	*id;
	int		 valid;
} ids[] = {
	{ "6b05bb1882db8600", 1 },
	{ "0000000000000000", 1 },
	{ "ffffffffffffffff", 1 },
	{ "0123456789abcdef", 1 },
	{ "", 0 },
	{ "6", 0 },
	{ "6b05bb1882db860", 0 },          /* 15 */
	{ "6b05bb1882db86000", 0 },        /* 17 */
	{ "6b05bb1882db8600\n", 0 },
	{ "6b05bb1882db8600 ", 0 },
	{ " 6b05bb1882db860", 0 },
	{ "6B05BB1882DB8600", 0 },         /* uppercase */
	{ "6b05bb1882db860A", 0 },
	{ "6b05bb1882db860g", 0 },
	{ "6b05bb1882db86/0", 0 },
	{ "6b05bb1882db86.0", 0 },
	{ "../../etc/passwd", 0 },
	{ "6b05bb18-2db8600", 0 },
	{ "6b05bb1882db860:", 0 },
	{ "6b05bb1882db860`", 0 },         /* the bytes on either side of the ranges */
	{ "6b05bb1882db860@", 0 },
	{ "6b05bb1882db860/", 0 },
	{ "6b05bb1882db860\xff", 0 },
	{ "\xc3\xa9" "6b05bb1882db86", 0 },
};

START_TEST(valid_table)
{
	ck_assert_msg(qid_valid(ids[_i].id) == ids[_i].valid, "\"%s\"", ids[_i].id);
}
END_TEST

/* A NUL inside the 16 octets ends it: never valid, and nothing past it is read. */
START_TEST(valid_stops_at_nul)
{
	char	 id[QID_LEN + 1] = "6b05bb1882db8600";

	for (int i = 0; i < QID_LEN; i++) {
		char	*p = malloc((size_t)i + 1);

		ck_assert_ptr_nonnull(p);
		memcpy(p, id, (size_t)i);
		p[i] = '\0';
		ck_assert(!qid_valid(p));               /* ASan sees any over-read */
		free(p);
	}
}
END_TEST

START_TEST(bucket_and_time)
{
	static const struct { const char *id; unsigned bucket; time_t time; } t[] = {
		{ "6b05bb1882db8600", 0x00, 0x6b05bb18 },
		{ "6b05bb1882db86ff", 0xff, 0x6b05bb18 },
		{ "6b05bb1882db86a7", 0xa7, 0x6b05bb18 },
		{ "000000000000000f", 0x0f, 0 },
		{ "00000001000000f0", 0xf0, 1 },
		{ "ffffffff00000010", 0x10, 0xffffffff },
		{ "6b49d2000000009a", 0x9a, 1800000000 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_uint_eq(qid_bucket(t[i].id), t[i].bucket);
		ck_assert_int_eq(qid_time(t[i].id), t[i].time);
	}
}
END_TEST

/* "SECONDS.MUSECONDSPpidQcount.host" */
static void
assert_shape(const char *name, const char *host)
{
	char		 tail[256];
	long long	 sec;
	long		 usec, pid;
	unsigned long	 count;
	int		 end = 0;

	ck_assert_int_eq(sscanf(name, "%lld.M%ldP%ldQ%lu.%n", &sec, &usec, &pid, &count, &end), 4);
	ck_assert_int_gt(end, 0);
	ck_assert_int_ge(usec, 0);
	ck_assert_int_lt(usec, 1000000);
	ck_assert_int_eq(pid, (long)getpid());
	ck_assert_int_ge(count, 1);
	strlcpy(tail, name + end, sizeof tail);
	ck_assert_str_eq(tail, host);
	ck_assert_ptr_null(strchr(name, '/'));
	ck_assert_ptr_null(strchr(name, ':'));
}

START_TEST(maildir_names)
{
	static const struct { const char *host, *want; } t[] = {
		{ "mx.example.org", "mx.example.org" },
		{ "we/ird:host", "we\\057ird\\072host" },
		{ "/", "\\057" },
		{ ":", "\\072" },
		{ "a//b::c", "a\\057\\057b\\072\\072c" },
		{ "", "" },
	};
	char		 a[256], b[256];
	struct timeval	 before, after;
	long long	 sec;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		gettimeofday(&before, NULL);
		ck_assert_int_eq(maildir_unique(a, sizeof a, t[i].host), 0);
		gettimeofday(&after, NULL);
		assert_shape(a, t[i].want);
		ck_assert_int_eq(sscanf(a, "%lld.", &sec), 1);
		ck_assert_int_ge(sec, before.tv_sec);
		ck_assert_int_le(sec, after.tv_sec);
	}
	/* Two in a row (same microsecond, maybe) differ. */
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(maildir_unique(a, sizeof a, "h"), 0);
		ck_assert_int_eq(maildir_unique(b, sizeof b, "h"), 0);
		ck_assert_str_ne(a, b);
	}
}
END_TEST

/* Too small a buffer is ENAMETOOLONG, always NUL-bounded, at every size. */
START_TEST(maildir_too_long)
{
	char	 full[256], small[256];
	size_t	 need;

	ck_assert_int_eq(maildir_unique(full, sizeof full, "a/b.example.org"), 0);
	need = strlen(full) + 1;
	for (size_t sz = 1; sz < need - 4; sz++) {
		char	*p = malloc(sz);                /* exact size: ASan sees overruns */

		ck_assert_ptr_nonnull(p);
		errno = 0;
		ck_assert_msg(maildir_unique(p, sz, "a/b.example.org") == -1, "size %zu", sz);
		ck_assert_int_eq(errno, ENAMETOOLONG);
		free(p);
	}
	/* The escape is never cut in half: with room for "a\05" only, refused. */
	ck_assert_int_eq(maildir_unique(small, sizeof small, "a/b"), 0);
	need = strlen(small) + 1;
	{
		char	*p = malloc(need - 1);

		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(maildir_unique(p, need - 1, "a/b"), -1);
		free(p);
		p = malloc(need + 8);
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(maildir_unique(p, need + 8, "a/b"), 0);
		ck_assert_ptr_nonnull(strstr(p, ".a\\057b"));
		free(p);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("uniq");
	TCase	*tc = tcase_create("uniq");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, new_ids_are_valid_and_unique);
	tcase_add_test(tc, buckets_are_spread);
	tcase_add_test(tc, ids_sort_by_time);
	tcase_add_loop_test(tc, valid_table, 0, (int)(sizeof ids / sizeof ids[0]));
	tcase_add_test(tc, valid_stops_at_nul);
	tcase_add_test(tc, bucket_and_time);
	tcase_add_test(tc, maildir_names);
	tcase_add_test(tc, maildir_too_long);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
