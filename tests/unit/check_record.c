/* check_record.c: TYPE LENGTH ":" DATA LF, written and read back, and every bad form refused. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "tests/unit/ckmain.h"

#define B(s) s, sizeof(s) - 1

/* One record at offset 0 of in: what record_next says, and what it found. */
static const struct {
	const char	*in;
	size_t		 n;
	int		 want;
	char		 type;
	size_t		 len;
} parse[] = {
	{ B("A3:abc\n"), 1, 'A', 3 },
	{ B("Z0:\n"), 1, 'Z', 0 },
	{ B("R3:a\nb\n"), 1, 'R', 3 },             /* data may hold LF */
	{ B("R3:a\0b\n"), 1, 'R', 3 },             /* and NUL */
	{ B("A10:0123456789\n"), 1, 'A', 10 },
	{ B("A3:abc\nB"), 1, 'A', 3 },             /* what follows is the next one's business */
	{ B(""), 0, 0, 0 },
	{ B("A3:abcd\n"), -1, 0, 0 },              /* LF not where LENGTH says */
	{ B("A3:ab\n"), -1, 0, 0 },
	{ B("A3:abc"), -1, 0, 0 },                 /* cut before the LF */
	{ B("A3:ab"), -1, 0, 0 },
	{ B("A3:"), -1, 0, 0 },
	{ B("A3"), -1, 0, 0 },
	{ B("A"), -1, 0, 0 },
	{ B("a3:abc\n"), -1, 0, 0 },               /* TYPE is a capital */
	{ B("@3:abc\n"), -1, 0, 0 },
	{ B("[3:abc\n"), -1, 0, 0 },
	{ B("\xc1" "3:abc\n"), -1, 0, 0 },
	{ B("\n"), -1, 0, 0 },
	{ B("A03:abc\n"), -1, 0, 0 },              /* leading zero */
	{ B("A00:\n"), -1, 0, 0 },
	{ B("A:abc\n"), -1, 0, 0 },                /* no LENGTH */
	{ B("A3abc\n"), -1, 0, 0 },                /* no colon */
	{ B("A3;abc\n"), -1, 0, 0 },
	{ B("A+3:abc\n"), -1, 0, 0 },
	{ B("A-1:x\n"), -1, 0, 0 },
	{ B("A 3:abc\n"), -1, 0, 0 },
	{ B("A3 :abc\n"), -1, 0, 0 },
	{ B("A12345678:x\n"), -1, 0, 0 },          /* more than RECORD_LEN_DIGITS */
	{ B("A99999999999999999999:x\n"), -1, 0, 0 },
	{ B("A1234567:x\n"), -1, 0, 0 },           /* 7 digits, but runs past the end */
	{ B("A18446744073709551617:x\n"), -1, 0, 0 },
};

START_TEST(parse_table)
{
	struct record	 r;
	size_t		 pos = 0;
	int		 got;

	memset(&r, 0, sizeof r);
	got = record_next(parse[_i].in, parse[_i].n, &pos, &r);
	ck_assert_msg(got == parse[_i].want, "case %d: got %d want %d", _i, got, parse[_i].want);
	if (got == 1) {
		ck_assert_int_eq(r.type, parse[_i].type);
		ck_assert_uint_eq(r.len, parse[_i].len);
		ck_assert_uint_eq(r.start, 0);
		ck_assert_ptr_eq(r.data, parse[_i].in + (strchr(parse[_i].in, ':') - parse[_i].in) + 1);
		ck_assert_uint_eq(pos, (size_t)(r.data - parse[_i].in) + r.len + 1);
	} else
		ck_assert_uint_eq(pos, 0);      /* no progress on failure or end */
}
END_TEST

START_TEST(put_then_next)
{
	static const struct { char type; const char *data; size_t len; } t[] = {
		{ 'V', "1", 1 }, { 'A', "", 0 }, { 'R', "a\nb", 3 }, { 'X', "\0\n\r:", 4 },
		{ 'Z', "0123456789", 10 },
	};
	struct str	 s = STR_INIT;
	struct record	 r;
	size_t		 pos = 0, start;
	size_t		 n = sizeof t / sizeof t[0];

	ck_assert_int_eq(str_sets(&s, "prefix"), 0);    /* record_put appends */
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(record_put(&s, t[i].type, t[i].data, t[i].len), 0);
	ck_assert_int_eq(memcmp(s.s, "prefixV1:1\nA0:\nR3:a\nb\n", 22), 0);
	pos = start = 6;
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(record_next(s.s, s.len, &pos, &r), 1);
		ck_assert_int_eq(r.type, t[i].type);
		ck_assert_uint_eq(r.len, t[i].len);
		ck_assert_uint_eq(r.start, start);
		ck_assert_int_eq(memcmp(r.data, t[i].data, r.len), 0);
		start = pos;
	}
	ck_assert_uint_eq(pos, s.len);
	ck_assert_int_eq(record_next(s.s, s.len, &pos, &r), 0);
	ck_assert_int_eq(record_next(s.s, s.len, &pos, &r), 0);
	str_free(&s);
}
END_TEST

START_TEST(put_refuses)
{
	static const char bad_types[] = { 'a', 'z', '@', '[', '0', ':', '\n', '\0', (char)0xc1 };
	struct str	 s = STR_INIT;

	ck_assert_int_eq(str_sets(&s, "keep"), 0);
	for (size_t i = 0; i < sizeof bad_types; i++) {
		errno = 0;
		ck_assert_int_eq(record_put(&s, bad_types[i], "x", 1), -1);
		ck_assert_int_eq(errno, EINVAL);
	}
	errno = 0;
	ck_assert_int_eq(record_put(&s, 'A', "x", (size_t)RECORD_DATA_MAX + 1), -1);
	ck_assert(errno == EINVAL || errno == EOVERFLOW);
	ck_assert_int_eq(record_put(&s, 'A', "x", SIZE_MAX), -1);
	/* A refused record leaves out as it was. */
	ck_assert_uint_eq(s.len, 4);
	ck_assert_str_eq(s.s, "keep");
	str_free(&s);
}
END_TEST

/* The largest record there may be: 7 length digits, read back whole. */
START_TEST(largest_record)
{
	struct str	 s = STR_INIT;
	struct record	 r;
	size_t		 pos = 0;
	char		*data = malloc(RECORD_DATA_MAX);

	ck_assert_ptr_nonnull(data);
	memset(data, 'q', RECORD_DATA_MAX);
	ck_assert_int_eq(record_put(&s, 'M', data, RECORD_DATA_MAX), 0);
	ck_assert_uint_eq(s.len, 1 + 7 + 1 + (size_t)RECORD_DATA_MAX + 1);
	ck_assert_int_eq(record_next(s.s, s.len, &pos, &r), 1);
	ck_assert_uint_eq(r.len, RECORD_DATA_MAX);
	ck_assert_uint_eq(pos, s.len);
	/* Cut one octet short: refused, not read as something shorter. */
	pos = 0;
	ck_assert_int_eq(record_next(s.s, s.len - 1, &pos, &r), -1);
	free(data);
	str_free(&s);
}
END_TEST

/* A crash may cut the bytes anywhere: a cut record is never a whole one. */
START_TEST(every_cut_of_a_sequence)
{
	struct str	 s = STR_INIT;
	struct record	 r;

	ck_assert_int_eq(record_put(&s, 'A', "hello", 5), 0);
	ck_assert_int_eq(record_put(&s, 'B', "", 0), 0);
	ck_assert_int_eq(record_put(&s, 'C', "wor\nld", 6), 0);
	for (size_t cut = 0; cut <= s.len; cut++) {
		size_t pos = 0, whole = 0, ends[3] = { 9, 13, 23 };
		int got;

		while ((got = record_next(s.s, cut, &pos, &r)) == 1)
			whole++;
		/* Ends exactly on a record boundary: 0; anywhere else: -1. */
		ck_assert_int_eq(got, (cut == 0 || cut == ends[0] || cut == ends[1] ||
		    cut == ends[2]) ? 0 : -1);
		ck_assert_uint_eq(whole, (size_t)(cut >= ends[0]) + (cut >= ends[1]) +
		    (cut >= ends[2]));
	}
	ck_assert_uint_eq(s.len, 23);
	str_free(&s);
}
END_TEST

START_TEST(position_past_the_end)
{
	struct record	 r;
	size_t		 pos = 10;

	ck_assert_int_eq(record_next("A0:\n", 4, &pos, &r), -1);
	ck_assert_uint_eq(pos, 10);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("record");
	TCase	*tc = tcase_create("record");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, parse_table, 0, (int)(sizeof parse / sizeof parse[0]));
	tcase_add_test(tc, put_then_next);
	tcase_add_test(tc, put_refuses);
	tcase_add_test(tc, largest_record);
	tcase_add_test(tc, every_cut_of_a_sequence);
	tcase_add_test(tc, position_past_the_end);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
