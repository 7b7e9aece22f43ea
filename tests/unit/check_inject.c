/* check_inject.c: the qmail-queue envelope reader of stamp-queue. */
#include <check.h>
#include <string.h>

#include "queue/inject.h"
#include "qexit.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/ckscript.h"

#define E(s) { s, sizeof(s) - 1 }

static const struct {
	struct { const char *s; size_t n; } in;
	int		 want;
	size_t		 nrcpt;
	const char	*sender, *first;
} t[] = {
	{ E("Fa@example.org\0Tb@example.org\0\0"), QX_OK, 1, "a@example.org", "b@example.org" },
	{ E("F\0Tb@example.org\0Tc@x.example\0\0"), QX_OK, 2, "", "b@example.org" },
	{ E("F\"a\"@example.org\0T\"b c\"@example.org\0\0"), QX_OK, 1, "a@example.org",
	  "\"b c\"@example.org" },
	{ E("Fa@example.org\0Tpostmaster\0\0"), QX_OK, 1, "a@example.org", "postmaster" },
	{ E("Fa@example.org\0T\xc3\xa9@example.org\0\0"), QX_OK, 1, "a@example.org",
	  "\xc3\xa9@example.org" },
	{ E("Fa@example.org\0\0"), QX_FORMAT, 0, NULL, NULL },          /* no recipients */
	{ E("Ta@example.org\0\0"), QX_FORMAT, 0, NULL, NULL },          /* no F */
	{ E("Fa@example.org\0Xb@example.org\0\0"), QX_FORMAT, 0, NULL, NULL },
	{ E("Fa@example.org\0Tb@example.org\0"), QX_READ, 0, NULL, NULL }, /* no final NUL */
	{ E("Fa@example.org\0Tb@exam"), QX_READ, 0, NULL, NULL },        /* cut */
	{ E(""), QX_READ, 0, NULL, NULL },
	{ E("Fa@@example.org\0Tb@example.org\0\0"), QX_ADDR, 0, NULL, NULL },
	{ E("Fa@example.org\0T\0\0"), QX_ADDR, 0, NULL, NULL },          /* empty recipient */
	{ E("Fa@example.org\0Tb@example.org.\0\0"), QX_ADDR, 0, NULL, NULL },
	{ E("Fa@example.org\0T\xc3@example.org\0\0"), QX_ADDR, 0, NULL, NULL },
};

START_TEST(envelopes)
{
	struct script	 sc = { t[_i].in.s, t[_i].in.n, 0, 0 };
	struct rbuf	 rb;
	struct envelope	 env;
	char		 mem[64];
	const char	*reason = NULL;
	int		 code;

	memset(&env, 0, sizeof env);
	rbuf_init(&rb, -1, mem, sizeof mem, 1000);
	rbuf_set_reader(&rb, script_read, &sc);
	code = inject_read_envelope(&rb, &env, &reason);
	ck_assert_msg(code == t[_i].want, "case %d: got %d (%s)", _i, code, reason ? reason : "");
	if (code == QX_OK) {
		ck_assert_uint_eq(env.nrcpt, t[_i].nrcpt);
		ck_assert_str_eq(env.sender, t[_i].sender);
		ck_assert_str_eq(env.rcpt[0], t[_i].first);
	} else
		ck_assert_ptr_nonnull(reason);
	envelope_free(&env);
}
END_TEST

START_TEST(long_address_is_refused_without_reading_on)
{
	char		 big[1000];
	struct script	 sc;
	struct rbuf	 rb;
	struct envelope	 env;
	char		 mem[64];
	const char	*reason;

	memset(big, 'a', sizeof big);
	big[0] = 'F';
	sc = (struct script){ big, sizeof big, 0, 0 };
	memset(&env, 0, sizeof env);
	rbuf_init(&rb, -1, mem, sizeof mem, 1000);
	rbuf_set_reader(&rb, script_read, &sc);
	ck_assert_int_eq(inject_read_envelope(&rb, &env, &reason), QX_ADDR);
	ck_assert_uint_lt(sc.pos, 400);
	envelope_free(&env);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("inject");
	TCase	*tc = tcase_create("envelope");

	tcase_add_loop_test(tc, envelopes, 0, sizeof t / sizeof t[0]);
	tcase_add_test(tc, long_address_is_refused_without_reading_on);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
