/* check_qmsg.c: stamp-qrm's patterns (fnmatch, any case, <> for the null sender) and the retry times. */
#include <check.h>
#include <string.h>

#include "queue/qmsg.h"
#include "tests/unit/ckmain.h"

static const struct {
	const char *sender;
	const char *rcpts[3];
	const char *spat, *rpat;
	int         match;
} t[] = {
	{ "a@spam.example", { "x@example.org" }, "*@spam.example", NULL, 1 },
	{ "A@SPAM.Example", { "x@example.org" }, "*@spam.example", NULL, 1 },   /* any case */
	{ "a@spam.example.org", { "x@example.org" }, "*@spam.example", NULL, 0 }, /* whole address */
	{ "a@b.example", { "x@example.org", "Y@Example.org" }, NULL, "y@*", 1 },
	{ "a@b.example", { "x@example.org" }, NULL, "y@*", 0 },
	{ "a@b.example", { "x@example.org" }, "a@*", "x@*", 1 },                /* both must match */
	{ "a@b.example", { "x@example.org" }, "a@*", "z@*", 0 },
	{ "a@b.example", { "x@example.org" }, "q@*", "x@*", 0 },
	{ "", { "x@example.org" }, "<>", NULL, 1 },                             /* the null sender */
	{ "", { "x@example.org" }, "", NULL, 1 },
	{ "", { "x@example.org" }, "*@*", NULL, 0 },
	{ "a@b.example", { "x@example.org" }, "<>", NULL, 0 },
	{ "a@b.example", { "x@example.org" }, "[ab]@b.exampl?", NULL, 1 },
	{ "a@b.example", { "x@example.org" }, NULL, NULL, 1 },                  /* no pattern: all */
};

START_TEST(match_table)
{
	struct qmsg m;
	char *r[3];
	size_t n = 0;

	memset(&m, 0, sizeof m);
	strcpy(m.env.sender, t[_i].sender);
	for (; n < 3 && t[_i].rcpts[n] != NULL; n++)
		r[n] = (char *)t[_i].rcpts[n];
	m.env.rcpt = r;
	m.env.nrcpt = n;
	ck_assert_int_eq(qmsg_match(&m, t[_i].spat, t[_i].rpat), t[_i].match);
}
END_TEST

/* The wait doubles after each temporary failure, from retrymin up to retrymax. */
START_TEST(retry_times)
{
	struct qretry r = { 300, 1000 };
	struct rcpt_status st = { RS_PENDING, 0, 5000, NULL };

	ck_assert_int_eq(qretry_next(&r, &st), 0);        /* never tried */
	st.tries = 1;
	ck_assert_int_eq(qretry_next(&r, &st), 5300);
	st.tries = 2;
	ck_assert_int_eq(qretry_next(&r, &st), 5600);
	st.tries = 3;
	ck_assert_int_eq(qretry_next(&r, &st), 6000);     /* capped */
	st.tries = 40;
	ck_assert_int_eq(qretry_next(&r, &st), 6000);
	st.state = RS_DELIVERED;
	ck_assert_int_eq(qretry_next(&r, &st), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("qmsg");
	TCase	*tc = tcase_create("qmsg");

	tcase_add_loop_test(tc, match_table, 0, (int)(sizeof t / sizeof t[0]));
	tcase_add_test(tc, retry_times);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
