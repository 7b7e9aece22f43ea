/* check_dkimkey.c: stamp-dkim-keygen's names, keys and TXT records (admin/dkimkey.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "admin/dkimkey.h"
#include "tests/unit/ckmain.h"

static const struct {
	const char	*name;
	int		 ok;
} names[] = {
	{ "s2026", 1 }, { "example.org", 1 }, { "a-b.c_d.example", 1 }, { "x", 1 },
	{ "", 0 }, { ".", 0 }, { "a.", 0 }, { ".a", 0 }, { "a..b", 0 }, { "-a", 0 },
	{ "a-", 0 }, { "a-.b", 0 }, { "../x", 0 }, { "a/b", 0 }, { "a b", 0 },
	{ "a\nb", 0 }, { "caf\xc3\xa9", 0 },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1 },   /* 63 */
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0 },  /* 64 */
};

START_TEST(name_rules)
{
	ck_assert_msg(dkim_name_ok(names[_i].name) == names[_i].ok, "%s", names[_i].name);
}
END_TEST

START_TEST(name_of_254_octets_is_refused)
{
	char n[300];

	/* 63+1+63+1+63+1+62 = 254 */
	memset(n, 'a', sizeof n);
	n[63] = n[127] = n[191] = '.';
	n[254] = '\0';
	ck_assert_int_eq(dkim_name_ok(n), 0);
	n[253] = '\0';
	ck_assert_int_eq(dkim_name_ok(n), 1);
}
END_TEST

/* The record: the name with its final dot, the value in strings of at most 255. */
START_TEST(record_is_cut_in_strings_of_255)
{
	struct str rec = STR_INIT;
	char pub[600];

	memset(pub, 'A', sizeof pub - 1);
	pub[sizeof pub - 1] = '\0';
	ck_assert_int_eq(dkim_record(&rec, "sel", "example.org", pub), 0);
	const char *want = "sel._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=";
	ck_assert(strncmp(rec.s, want, strlen(want)) == 0);
	/* 18 + 599 = 617 octets: 255, 255, 107. */
	const char *p = strchr(rec.s, '"');
	size_t total = 0, strings = 0;
	while (p != NULL) {
		const char *q = strchr(p + 1, '"');
		ck_assert_ptr_nonnull(q);
		ck_assert_uint_le((size_t)(q - p - 1), DKIM_TXT_STRING);
		total += (size_t)(q - p - 1);
		strings++;
		p = strchr(q + 1, '"');
	}
	ck_assert_uint_eq(strings, 3);
	ck_assert_uint_eq(total, 18 + 599);
	str_free(&rec);
}
END_TEST

/* A generated key reads back to the same public half; garbage is refused. */
START_TEST(generated_key_round_trips)
{
	struct str pem = STR_INIT, pub = STR_INIT, again = STR_INIT;

	ck_assert_int_eq(dkim_generate(1024, &pem, &pub), 0);
	ck_assert(strncmp(pem.s, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	ck_assert(strncmp(pub.s, "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ", 38) == 0);
	ck_assert_int_eq(dkim_public_of(pem.s, pem.len, &again), 0);
	ck_assert_str_eq(again.s, pub.s);
	ck_assert_int_eq(dkim_public_of("not a key\n", 10, &again), -1);
	ck_assert_int_eq(dkim_public_of(pem.s, pem.len / 2, &again), -1);
	str_free_secret(&pem);
	str_free(&pub);
	str_free(&again);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dkimkey");
	TCase	*tc = tcase_create("dkimkey");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, name_rules, 0, (int)(sizeof names / sizeof names[0]));
	tcase_add_test(tc, name_of_254_octets_is_refused);
	tcase_add_test(tc, record_is_cut_in_strings_of_255);
	tcase_add_test(tc, generated_key_round_trips);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
