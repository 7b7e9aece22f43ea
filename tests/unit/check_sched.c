/* check_sched.c: the scheduler's pure logic: heap, back-off, done log. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qdone.h"
#include "record.h"
#include "queue/sched.h"
#include "tests/unit/ckmain.h"

START_TEST(heap_orders_and_removes)
{
	struct heap	 h = { 0 };
	struct msg	 m[200];
	time_t		 last = -1;

	for (int i = 0; i < 200; i++) {
		m[i].next = (time_t)((i * 7919) % 200);
		m[i].heapidx = SIZE_MAX;
		ck_assert_int_eq(heap_push(&h, &m[i]), 0);
	}
	/* Remove every third from the middle of the heap. */
	for (int i = 0; i < 200; i += 3)
		heap_remove(&h, &m[i]);
	ck_assert_uint_eq(h.n, 200 - 67);
	while (h.n > 0) {
		struct msg *t = heap_pop(&h);
		ck_assert_int_ge(t->next, last);
		ck_assert_int_ne((int)((t - m) % 3), 0);
		ck_assert_uint_eq(t->heapidx, SIZE_MAX);
		last = t->next;
	}
	ck_assert_ptr_null(heap_pop(&h));
	heap_free(&h);
}
END_TEST

START_TEST(heap_remove_twice_is_harmless)
{
	struct heap	 h = { 0 };
	struct msg	 a = { .next = 5, .heapidx = SIZE_MAX }, b = { .next = 1, .heapidx = SIZE_MAX };

	heap_push(&h, &a);
	heap_push(&h, &b);
	heap_remove(&h, &b);
	heap_remove(&h, &b);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_ptr_eq(heap_top(&h), &a);
	heap_free(&h);
}
END_TEST

START_TEST(backoff_doubles_to_the_cap)
{
	struct sconf	 c = { .retrymin = 300, .retrymax = 14400 };
	static const struct { unsigned tries; time_t want; } t[] = {
		{ 0, 300 }, { 1, 300 }, { 2, 600 }, { 3, 1200 }, { 4, 2400 },
		{ 5, 4800 }, { 6, 9600 }, { 7, 14400 }, { 8, 14400 }, { 1000000, 14400 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_int_eq(retry_delay(&c, t[i].tries), t[i].want);
}
END_TEST

static size_t
build_log(struct str *s)
{
	ck_assert_int_eq(qdone_put(s, 'Z', 0, 100, "4.2.2 mailbox full"), 0);
	ck_assert_int_eq(qdone_put(s, 'Z', 0, 400, "4.2.2 mailbox\nfull again"), 0);
	ck_assert_int_eq(qdone_put(s, 'K', 1, 401, "2.0.0 ok"), 0);
	ck_assert_int_eq(qdone_put(s, 'D', 2, 402, "5.1.1 no such user"), 0);
	ck_assert_int_eq(qdone_put(s, 'B', 2, 403, NULL), 0);
	ck_assert_int_eq(qdone_put(s, 'D', 3, 404, "5.1.1 unknown"), 0);
	return s->len;
}

START_TEST(done_log_round_trip)
{
	struct str		 s = STR_INIT;
	struct rcpt_status	 st[5];
	size_t			 len = build_log(&s);

	memset(st, 0, sizeof st);
	ck_assert_uint_eq(qdone_parse(s.s, s.len, st, 5), len);
	ck_assert_int_eq(st[0].state, RS_PENDING);
	ck_assert_uint_eq(st[0].tries, 2);
	ck_assert_int_eq(st[0].last, 400);
	/* A LF in a text never splits the record. */
	ck_assert_str_eq(st[0].text, "4.2.2 mailbox full again");
	ck_assert_int_eq(st[1].state, RS_DELIVERED);
	ck_assert_int_eq(st[2].state, RS_BOUNCED);
	ck_assert_str_eq(st[2].text, "5.1.1 no such user");
	ck_assert_int_eq(st[3].state, RS_FAILED);
	ck_assert_int_eq(st[4].state, RS_PENDING);
	ck_assert_ptr_null(st[4].text);
	qdone_free(st, 5);
	str_free(&s);
}
END_TEST

/* A crash cuts the log anywhere: the good prefix is kept, the rest dropped. */
START_TEST(done_log_torn_tail)
{
	struct str		 s = STR_INIT;
	struct rcpt_status	 st[4];
	size_t			 len = build_log(&s), ends[16], ne = 0, pos = 0;
	struct record		 r;

	while (record_next(s.s, len, &pos, &r) == 1)
		ends[ne++] = pos;
	for (size_t cut = 0; cut <= len; cut++) {
		size_t want = 0;
		for (size_t k = 0; k < ne; k++)
			if (ends[k] <= cut)
				want = ends[k];
		memset(st, 0, sizeof st);
		ck_assert_uint_eq(qdone_parse(s.s, cut, st, 4), want);
		qdone_free(st, 4);
	}
	str_free(&s);
}
END_TEST

START_TEST(done_log_ignores_bad_records)
{
	static const char *bad[] = {
		"K5:x 1 a\n",          /* IDX not a number */
		"Q7:0 1 abc\n",        /* unknown type */
		"K3:0 1\n",            /* fine, then: */
	};
	struct rcpt_status	 st[1];

	memset(st, 0, sizeof st);
	ck_assert_uint_eq(qdone_parse(bad[0], strlen(bad[0]), st, 1), 0);
	ck_assert_uint_eq(qdone_parse(bad[1], strlen(bad[1]), st, 1), 0);
	ck_assert_uint_eq(qdone_parse(bad[2], strlen(bad[2]), st, 1), strlen(bad[2]));
	ck_assert_int_eq(st[0].state, RS_DELIVERED);
	qdone_free(st, 1);
	/* An index past the envelope is skipped, not a crash. */
	memset(st, 0, sizeof st);
	ck_assert_uint_eq(qdone_parse("K5:9 1 x\n", 9, st, 1), 9);
	ck_assert_int_eq(st[0].state, RS_PENDING);
	qdone_free(st, 1);
}
END_TEST

START_TEST(locality)
{
	struct sconf	 c;
	char		*locals[] = { "example.org", "localhost" };
	char		*vd[] = { "virt.example:joe", "bare.example" };

	memset(&c, 0, sizeof c);
	c.locals.items = locals;
	c.locals.n = 2;
	c.vdomains.items = vd;
	c.vdomains.n = 2;
	ck_assert_int_eq(sconf_is_local(&c, "example.org"), 1);
	ck_assert_int_eq(sconf_is_local(&c, "EXAMPLE.org"), 1);
	ck_assert_int_eq(sconf_is_local(&c, "virt.example"), 1);
	ck_assert_int_eq(sconf_is_local(&c, "bare.example"), 1);
	ck_assert_int_eq(sconf_is_local(&c, ""), 1);
	ck_assert_int_eq(sconf_is_local(&c, "example.net"), 0);
	ck_assert_int_eq(sconf_is_local(&c, "virt.exampl"), 0);
	ck_assert_int_eq(sconf_is_local(&c, "sub.example.org"), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("sched");
	TCase	*tc = tcase_create("logic");

	tcase_add_test(tc, heap_orders_and_removes);
	tcase_add_test(tc, heap_remove_twice_is_harmless);
	tcase_add_test(tc, backoff_doubles_to_the_cap);
	tcase_add_test(tc, done_log_round_trip);
	tcase_add_test(tc, done_log_torn_tail);
	tcase_add_test(tc, done_log_ignores_bad_records);
	tcase_add_test(tc, locality);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
