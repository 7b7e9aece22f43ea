/* check_envelope.c: envelope files written and read back; torn, damaged and forged ones refused. */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "envelope.h"
#include "record.h"
#include "tests/unit/ckmain.h"

#define ID "6b05bb1882db8600"

static void
sample(struct envelope *e)
{
	memset(e, 0, sizeof *e);
	strlcpy(e->id, ID, sizeof e->id);
	e->time = 1800000000;
	e->uid = 1000;
	strlcpy(e->sender, "alice@example.org", sizeof e->sender);
	ck_assert_int_eq(envelope_add_rcpt(e, "bob@example.org"), 0);
	ck_assert_int_eq(envelope_add_rcpt(e, "\"c d\"@example.net"), 0);
	ck_assert_int_eq(envelope_add_rcpt(e, "j\xc3\xb6rg@example.de"), 0);
}

static void
assert_same(const struct envelope *a, const struct envelope *b)
{
	ck_assert_str_eq(a->id, b->id);
	ck_assert_int_eq(a->time, b->time);
	ck_assert_uint_eq(a->uid, b->uid);
	ck_assert_str_eq(a->sender, b->sender);
	ck_assert_uint_eq(a->nrcpt, b->nrcpt);
	for (size_t i = 0; i < a->nrcpt; i++)
		ck_assert_str_eq(a->rcpt[i], b->rcpt[i]);
}

/* On failure the envelope is left empty: nothing to free, nothing half read. */
static void
assert_empty(const struct envelope *e)
{
	ck_assert_uint_eq(e->nrcpt, 0);
	ck_assert_ptr_null(e->rcpt);
	ck_assert_str_eq(e->sender, "");
	ck_assert_str_eq(e->id, "");
}

/* Records given as "TDATA" strings, then a correct E: forged files whose only fault is elsewhere. */
static void
forge(struct str *s, const char *const *recs, size_t n, int with_e)
{
	char crc[9];

	str_clear(s);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(record_put(s, recs[i][0], recs[i] + 1, strlen(recs[i] + 1)), 0);
	if (with_e) {
		snprintf(crc, sizeof crc, "%08" PRIx32, crc32_update(0, s->s, s->len));
		ck_assert_int_eq(record_put(s, 'E', crc, 8), 0);
	}
}

START_TEST(exact_bytes)
{
	struct envelope	 e;
	struct str	 s = STR_INIT;
	const char	*head = "V1:1\nI16:" ID "\nT10:1800000000\nU4:1000\n"
	    "F17:alice@example.org\nR15:bob@example.org\nR17:\"c d\"@example.net\n"
	    "R16:j\xc3\xb6rg@example.de\n";
	char		 tail[16];

	sample(&e);
	ck_assert_int_eq(str_sets(&s, "junk"), 0);      /* encode appends */
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	ck_assert_int_eq(memcmp(s.s, "junk", 4), 0);
	ck_assert_uint_eq(s.len, 4 + strlen(head) + 12);
	ck_assert_int_eq(memcmp(s.s + 4, head, strlen(head)), 0);
	snprintf(tail, sizeof tail, "E8:%08" PRIx32 "\n", crc32_update(0, head, strlen(head)));
	ck_assert_int_eq(memcmp(s.s + 4 + strlen(head), tail, 12), 0);
	envelope_free(&e);
	str_free(&s);
}
END_TEST

START_TEST(round_trip)
{
	struct envelope	 e, back;
	struct str	 s = STR_INIT;
	char		 longest[ADDR_PATH_MAX + 1];

	sample(&e);
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_OK);
	assert_same(&e, &back);
	envelope_free(&back);
	ck_assert_uint_eq(back.nrcpt, 0);
	/* The null sender, the largest numbers, the longest addresses. */
	e.sender[0] = '\0';
	e.uid = (uid_t)UINT32_MAX;
	e.time = (time_t)INT64_MAX;
	memset(longest, 'x', ADDR_PATH_MAX);
	longest[ADDR_PATH_MAX] = '\0';
	ck_assert_int_eq(envelope_add_rcpt(&e, longest), 0);
	memcpy(e.sender, longest, sizeof longest);
	str_clear(&s);
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_OK);
	assert_same(&e, &back);
	envelope_free(&back);
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

/* The writer refuses what the reader would refuse. */
START_TEST(encode_refuses_invalid)
{
	struct envelope	 e;
	struct str	 s = STR_INIT;

	sample(&e);
	e.time = -1;
	ck_assert_int_eq(envelope_encode(&e, &s), -1);
	ck_assert_uint_eq(s.len, 0);
	envelope_free(&e);
	sample(&e);
	for (size_t i = 0; i < e.nrcpt; i++)
		free(e.rcpt[i]);
	e.nrcpt = 0;
	ck_assert_int_eq(envelope_encode(&e, &s), -1);
	ck_assert_uint_eq(s.len, 0);
	envelope_free(&e);
	str_free(&s);
}
END_TEST

START_TEST(most_recipients_round_trip)
{
	struct envelope	 e, back;
	struct str	 s = STR_INIT;
	char		 r[64];

	sample(&e);
	envelope_free(&e);
	sample(&e);
	while (e.nrcpt < ENV_RCPT_MAX) {
		snprintf(r, sizeof r, "user%zu@example.org", e.nrcpt);
		ck_assert_int_eq(envelope_add_rcpt(&e, r), 0);
	}
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_OK);
	assert_same(&e, &back);
	envelope_free(&back);
	/* One R more than allowed, with a right CRC, is still not an envelope. */
	s.len -= 12;
	ck_assert_int_eq(record_put(&s, 'R', "one@too.many", 12), 0);
	snprintf(r, sizeof r, "%08" PRIx32, crc32_update(0, s.s, s.len));
	ck_assert_int_eq(record_put(&s, 'E', r, 8), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_EFORMAT);
	assert_empty(&back);
	envelope_free(&e);
	str_free(&s);
}
END_TEST

/* A crash can cut the file anywhere: no proper prefix is ever an envelope. */
START_TEST(every_cut_fails)
{
	struct envelope	 e, back;
	struct str	 s = STR_INIT;

	sample(&e);
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	for (size_t cut = 0; cut < s.len; cut++) {
		memset(&back, 0x5a, sizeof back);
		ck_assert_msg(envelope_parse(s.s, cut, &back) == ENV_EFORMAT, "cut %zu", cut);
		assert_empty(&back);
	}
	envelope_free(&e);
	str_free(&s);
}
END_TEST

/* Any one damaged byte, whatever the damage: refused, or the very same envelope. */
START_TEST(every_byte_damage_is_caught)
{
	struct envelope	 e, back;
	struct str	 s = STR_INIT;
	size_t		 same = 0;

	sample(&e);
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	for (size_t i = 0; i < s.len; i++) {
		for (int x = 1; x < 256; x++) {
			enum env_error got;

			s.s[i] ^= (char)x;
			got = envelope_parse(s.s, s.len, &back);
			s.s[i] ^= (char)x;
			ck_assert_msg(got == ENV_EFORMAT || got == ENV_OK,
			    "byte %zu xor %#x: %d", i, x, got);
			if (got == ENV_OK) {
				assert_same(&e, &back);
				envelope_free(&back);
				same++;
			} else
				assert_empty(&back);
		}
	}
	/* The CRC is lowercase hex only: no damage may still pass. */
	ck_assert_uint_eq(same, 0);
	envelope_free(&e);
	str_free(&s);
}
END_TEST

START_TEST(hold_round_trip)
{
	struct envelope	 e, back;
	struct str	 s = STR_INIT;

	sample(&e);
	strlcpy(e.hold, "quarantined: looks odd", sizeof e.hold);
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_OK);
	assert_same(&e, &back);
	ck_assert_str_eq(back.hold, "quarantined: looks odd");
	envelope_free(&back);
	/* Every cut of a held envelope fails too. */
	for (size_t n = 0; n < s.len; n++) {
		ck_assert_int_eq(envelope_parse(s.s, n, &back), ENV_EFORMAT);
		assert_empty(&back);
	}
	envelope_free(&e);
	str_free(&s);
}
END_TEST

START_TEST(bytes_after_the_end)
{
	static const char *extra[] = { "\n", "\0", "E8:00000000\n", "R3:a@b\n", "x" };
	struct envelope	 e, back;
	struct str	 s = STR_INIT;
	size_t		 good;
	char		*copy;

	sample(&e);
	ck_assert_int_eq(envelope_encode(&e, &s), 0);
	good = s.len;
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
		s.len = good;
		ck_assert_int_eq(str_append(&s, extra[i], i == 1 ? 1 : strlen(extra[i])), 0);
		ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_EFORMAT);
		assert_empty(&back);
	}
	/* The same file twice over. */
	s.len = good;
	copy = malloc(good);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s.s, good);
	ck_assert_int_eq(str_append(&s, copy, good), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_EFORMAT);
	free(copy);
	envelope_free(&e);
	str_free(&s);
}
END_TEST

/* Each forged with a right CRC: only the order or a field is wrong. */
static const struct {
	const char	*recs[9];
	size_t		 n;
	int		 with_e;
	enum env_error	 want;
} forged[] = {
	{ { "V1", "I" ID, "T1", "U0", "F", "Ra@b" }, 6, 1, ENV_OK },
	{ { "V1", "I" ID, "T1", "U0", "Fs@x", "Ra@b", "Rc@d" }, 7, 1, ENV_OK },
	{ { "V1", "I" ID, "T1", "U0", "F", "Ra@b" }, 6, 0, ENV_EFORMAT },      /* no E */
	{ { "V1", "I" ID, "T1", "U0", "F", "Hspam", "Ra@b" }, 7, 1, ENV_OK },   /* held */
	{ { "V1", "I" ID, "T1", "U0", "F", "H", "Ra@b" }, 7, 1, ENV_EFORMAT },  /* empty reason */
	{ { "V1", "I" ID, "T1", "U0", "F", "Ha\tb", "Ra@b" }, 7, 1, ENV_EFORMAT }, /* control byte */
	{ { "V1", "I" ID, "T1", "U0", "F", "Ra@b", "Hspam" }, 7, 1, ENV_EFORMAT }, /* out of order */
	{ { "V1", "I" ID, "T1", "U0", "F", "Hx", "Hy", "Ra@b" }, 8, 1, ENV_EFORMAT }, /* twice */
	{ { "V1", "I" ID, "T1", "U0", "F" }, 5, 1, ENV_EFORMAT },              /* no R */
	{ { "I" ID, "V1", "T1", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "T1", "I" ID, "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "U0", "T1", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T1", "F", "U0", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T1", "U0", "Ra@b", "F" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T1", "U0", "F", "Ra@b", "Fx@y" }, 7, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T1", "U0", "F", "Ra@b", "Xq" }, 7, 1, ENV_EFORMAT }, /* unknown */
	{ { "V1", "I" ID, "T1", "U0", "F", "Xq", "Ra@b" }, 7, 1, ENV_EFORMAT },
	{ { "V1", "V1", "I" ID, "T1", "U0", "F", "Ra@b" }, 7, 1, ENV_EFORMAT },
	{ { "I" ID, "T1", "U0", "F", "Ra@b" }, 5, 1, ENV_EFORMAT },            /* no V */
	{ { "V1", "T1", "U0", "F", "Ra@b" }, 5, 1, ENV_EFORMAT },              /* no I */
	{ { "V2", "I" ID, "T1", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },      /* version */
	{ { "V", "I" ID, "T1", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I6B05BB1882DB8600", "T1", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I6b05bb1882db860", "T1", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I../../etc/passwd", "T1", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T-1", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T1x", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T99999999999999999999", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T9223372036854775808", "U0", "F", "Ra@b" }, 6, 1, ENV_EFORMAT }, /* INT64_MAX + 1 */
	{ { "V1", "I" ID, "T9223372036854775807", "U0", "F", "Ra@b" }, 6, 1, ENV_OK },
	{ { "V1", "I" ID, "T1", "U4294967296", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T1", "U4294967295", "F", "Ra@b" }, 6, 1, ENV_OK },
	{ { "V1", "I" ID, "T1", "U", "F", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T1", "U0", "F", "R" }, 6, 1, ENV_EFORMAT },         /* empty R */
	{ { "V1", "I" ID, "T1", "U0", "F", "Ra\n@b" }, 6, 1, ENV_EFORMAT },    /* control chars */
	{ { "V1", "I" ID, "T1", "U0", "Fa\r@b", "Ra@b" }, 6, 1, ENV_EFORMAT },
	{ { "V1", "I" ID, "T1", "U0", "F", "Ra\x7f@b" }, 6, 1, ENV_EFORMAT },
};

START_TEST(forged_files)
{
	struct envelope	 back;
	struct str	 s = STR_INIT;
	enum env_error	 got;

	forge(&s, forged[_i].recs, forged[_i].n, forged[_i].with_e);
	got = envelope_parse(s.s, s.len, &back);
	ck_assert_msg(got == forged[_i].want, "case %d: got %d", _i, got);
	if (got == ENV_OK)
		envelope_free(&back);
	else
		assert_empty(&back);
	str_free(&s);
}
END_TEST

START_TEST(wrong_crc)
{
	static const char *const recs[] = { "V1", "I" ID, "T1", "U0", "F", "Ra@b" };
	struct envelope	 back;
	struct str	 s = STR_INIT;
	char		 crc[9];
	uint32_t	 good;

	forge(&s, recs, 6, 0);
	good = crc32_update(0, s.s, s.len);
	/* Uppercase hex, one off, a short value, and no hex at all. */
	snprintf(crc, sizeof crc, "%08" PRIX32, good);
	ck_assert_int_eq(record_put(&s, 'E', crc, 8), 0);
	if (strpbrk(crc, "ABCDEF") != NULL)
		ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_EFORMAT);
	forge(&s, recs, 6, 0);
	snprintf(crc, sizeof crc, "%08" PRIx32, good ^ 1);
	ck_assert_int_eq(record_put(&s, 'E', crc, 8), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_EFORMAT);
	forge(&s, recs, 6, 0);
	snprintf(crc, sizeof crc, "%" PRIx32, good);
	ck_assert_int_eq(record_put(&s, 'E', crc, strlen(crc) - 1), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_EFORMAT);
	forge(&s, recs, 6, 0);
	ck_assert_int_eq(record_put(&s, 'E', "", 0), 0);
	ck_assert_int_eq(envelope_parse(s.s, s.len, &back), ENV_EFORMAT);
	str_free(&s);
}
END_TEST

START_TEST(garbage)
{
	static const char *bad[] = {
		"", "garbage", "V1:1\n", "V1:2\nI0:\n", "E8:00000000\n", "\n\n\n",
	};
	struct envelope	 back;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(envelope_parse(bad[i], strlen(bad[i]), &back), ENV_EFORMAT);
		assert_empty(&back);
	}
}
END_TEST

START_TEST(recipient_limits)
{
	struct envelope	 e;
	char		 addr[ADDR_PATH_MAX + 2];

	memset(&e, 0, sizeof e);
	for (int i = 0; i < ENV_RCPT_MAX; i++)
		ck_assert_int_eq(envelope_add_rcpt(&e, "r@example.org"), 0);
	errno = 0;
	ck_assert_int_eq(envelope_add_rcpt(&e, "r@example.org"), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_uint_eq(e.nrcpt, ENV_RCPT_MAX);
	envelope_free(&e);
	ck_assert_uint_eq(e.nrcpt, 0);
	ck_assert_ptr_null(e.rcpt);
	/* Length: ADDR_PATH_MAX octets fit, one more does not. */
	memset(addr, 'a', sizeof addr);
	addr[ADDR_PATH_MAX] = '\0';
	ck_assert_int_eq(envelope_add_rcpt(&e, addr), 0);
	ck_assert_str_eq(e.rcpt[0], addr);
	ck_assert_ptr_ne(e.rcpt[0], addr);              /* a copy */
	addr[ADDR_PATH_MAX] = 'a';
	addr[ADDR_PATH_MAX + 1] = '\0';
	errno = 0;
	ck_assert_int_eq(envelope_add_rcpt(&e, addr), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(e.nrcpt, 1);
	envelope_free(&e);
	envelope_free(&e);                              /* twice is harmless */
}
END_TEST

/* Sender and recipient lengths in a file: ADDR_PATH_MAX is the most. */
START_TEST(address_lengths_in_a_file)
{
	static char	 f[ADDR_PATH_MAX + 3], r[ADDR_PATH_MAX + 3];
	const char	*recs[6] = { "V1", "I" ID, "T1", "U0", f, r };
	struct envelope	 back;
	struct str	 s = STR_INIT;

	for (int flen = ADDR_PATH_MAX - 1; flen <= ADDR_PATH_MAX + 1; flen++)
		for (int rlen = ADDR_PATH_MAX - 1; rlen <= ADDR_PATH_MAX + 1; rlen++) {
			enum env_error want = flen <= ADDR_PATH_MAX && rlen <= ADDR_PATH_MAX ?
			    ENV_OK : ENV_EFORMAT;

			memset(f, 's', sizeof f);
			f[0] = 'F';
			f[flen + 1] = '\0';
			memset(r, 'r', sizeof r);
			r[0] = 'R';
			r[rlen + 1] = '\0';
			forge(&s, recs, 6, 1);
			ck_assert_msg(envelope_parse(s.s, s.len, &back) == want,
			    "sender %d recipient %d", flen, rlen);
			if (want == ENV_OK) {
				ck_assert_uint_eq(strlen(back.sender), (size_t)flen);
				ck_assert_uint_eq(strlen(back.rcpt[0]), (size_t)rlen);
				envelope_free(&back);
			}
		}
	str_free(&s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("envelope");
	TCase	*tc = tcase_create("envelope");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, exact_bytes);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, encode_refuses_invalid);
	tcase_add_test(tc, most_recipients_round_trip);
	tcase_add_test(tc, every_cut_fails);
	tcase_add_test(tc, every_byte_damage_is_caught);
	tcase_add_test(tc, bytes_after_the_end);
	tcase_add_test(tc, hold_round_trip);
	tcase_add_loop_test(tc, forged_files, 0, (int)(sizeof forged / sizeof forged[0]));
	tcase_add_test(tc, wrong_crc);
	tcase_add_test(tc, garbage);
	tcase_add_test(tc, recipient_limits);
	tcase_add_test(tc, address_lengths_in_a_file);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
