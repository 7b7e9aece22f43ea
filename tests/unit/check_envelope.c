/* check_envelope.c: records, CRC-32 and envelope files; torn and damaged files. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "envelope.h"
#include "record.h"
#include "tests/unit/ckmain.h"

START_TEST(crc32_vectors)
{
	ck_assert_uint_eq(crc32_update(0, "123456789", 9), 0xCBF43926u);
	ck_assert_uint_eq(crc32_update(0, "", 0), 0);
	ck_assert_uint_eq(crc32_update(0, "a", 1), 0xE8B7BE43u);
	/* Incremental equals one shot. */
	ck_assert_uint_eq(crc32_update(crc32_update(0, "12345", 5), "6789", 4), 0xCBF43926u);
}
END_TEST

START_TEST(records)
{
	static const struct { const char *in; int want; } t[] = {
		{ "A3:abc\n", 1 }, { "Z0:\n", 1 }, { "A3:abcd\n", -1 }, { "A3:ab\n", -1 },
		{ "a3:abc\n", -1 }, { "A03:abc\n", -1 }, { "A:abc\n", -1 }, { "A3abc\n", -1 },
		{ "A12345678:x\n", -1 }, { "A3:abc", -1 }, { "", 0 }, { "A-1:x\n", -1 },
	};
	struct str	 s = STR_INIT;
	struct record	 r;
	size_t		 pos;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		pos = 0;
		ck_assert_msg(record_next(t[i].in, strlen(t[i].in), &pos, &r) == t[i].want,
		    "%s", t[i].in);
	}
	ck_assert_int_eq(record_put(&s, 'R', "a\nb", 3), 0);      /* data may hold LF */
	ck_assert_int_eq(record_put(&s, 'x', "a", 1), -1);
	ck_assert_int_eq(record_put(&s, 'A', "a", (size_t)RECORD_DATA_MAX + 1), -1);
	pos = 0;
	ck_assert_int_eq(record_next(s.s, s.len, &pos, &r), 1);
	ck_assert_uint_eq(r.len, 3);
	ck_assert_int_eq(memcmp(r.data, "a\nb", 3), 0);
	ck_assert_int_eq(record_next(s.s, s.len, &pos, &r), 0);
	str_free(&s);
}
END_TEST

static void
sample(struct envelope *e)
{
	memset(e, 0, sizeof *e);
	strlcpy(e->id, "6b05bb1882db8600", sizeof e->id);
	e->time = 1800000000;
	e->uid = 1000;
	strlcpy(e->sender, "alice@example.org", sizeof e->sender);
	ck_assert_int_eq(envelope_add_rcpt(e, "bob@example.org"), 0);
	ck_assert_int_eq(envelope_add_rcpt(e, "\"c d\"@example.net"), 0);
	ck_assert_int_eq(envelope_add_rcpt(e, "j\xc3\xb6rg@example.de"), 0);
}

START_TEST(round_trip)
{
	struct envelope	 e, back;
	struct str	 s = STR_INIT;

	sample(&e);
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_OK);
	ck_assert_str_eq(back.id, e.id);
	ck_assert_int_eq(back.time, e.time);
	ck_assert_int_eq(back.uid, e.uid);
	ck_assert_str_eq(back.sender, e.sender);
	ck_assert_uint_eq(back.nrcpt, 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(back.rcpt[i], e.rcpt[i]);
	envelope_free(&back);
	/* The null sender. */
	e.sender[0] = '\0';
	str_clear(&s);
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_OK);
	ck_assert_str_eq(back.sender, "");
	envelope_free(&back);
	envelope_free(&e);
	str_free(&s);
}
END_TEST

/* A crash can cut the file anywhere: no prefix is ever an envelope. */
START_TEST(every_cut_fails)
{
	struct envelope	 e, back;
	struct str	 s = STR_INIT;

	sample(&e);
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	for (size_t cut = 0; cut < s.len; cut++)
		ck_assert_msg(envelope_parse(s.s, cut, &back) == ENV_EFORMAT, "cut %zu", cut);
	envelope_free(&e);
	str_free(&s);
}
END_TEST

/* Any one damaged byte is refused, or (never seen) gives the same envelope. */
START_TEST(every_flip_fails)
{
	struct envelope	 e, back;
	struct str	 s = STR_INIT;

	sample(&e);
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	for (size_t i = 0; i < s.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			s.s[i] ^= (char)(1 << bit);
			ck_assert_msg(envelope_parse(s.s, s.len, &back) == ENV_EFORMAT,
			    "byte %zu bit %d", i, bit);
			s.s[i] ^= (char)(1 << bit);
		}
	}
	/* Trailing bytes after E. */
	str_appendc(&s, '\n');
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_EFORMAT);
	envelope_free(&e);
	str_free(&s);
}
END_TEST

START_TEST(limits)
{
	struct envelope	 e;
	char		 big[400];

	memset(&e, 0, sizeof e);
	for (int i = 0; i < ENV_RCPT_MAX; i++)
		ck_assert_int_eq(envelope_add_rcpt(&e, "r@example.org"), 0);
	errno = 0;
	ck_assert_int_eq(envelope_add_rcpt(&e, "r@example.org"), -1);
	ck_assert_int_eq(errno, E2BIG);
	envelope_free(&e);
	ck_assert_uint_eq(e.nrcpt, 0);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(envelope_add_rcpt(&e, big), -1);
	ck_assert_int_eq(errno, EINVAL);
	envelope_free(&e);
}
END_TEST

START_TEST(wrong_order_and_garbage)
{
	static const char *bad[] = {
		"", "garbage", "V1:1\n", "V1:2\nI0:\n",
	};
	struct envelope	 back;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_int_eq(envelope_parse(bad[i], strlen(bad[i]), &back), ENV_EFORMAT);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("envelope");
	TCase	*tc = tcase_create("envelope");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, crc32_vectors);
	tcase_add_test(tc, records);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, every_cut_fails);
	tcase_add_test(tc, every_flip_fails);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, wrong_order_and_garbage);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
