/* check_crlf.c: CR LF -> LF on a stream that arrives in pieces split anywhere. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "crlf.h"
#include "tests/unit/ckmain.h"

#define B(s) s, sizeof(s) - 1

static const struct {
	const char	*in;
	size_t		 n;
	const char	*want;
	size_t		 wn;
} t[] = {
	{ B(""), B("") },
	{ B("abc"), B("abc") },
	{ B("a\r\nb\r\n"), B("a\nb\n") },
	{ B("\r\n"), B("\n") },
	{ B("\r"), B("\r") },                   /* a held CR comes out at the end */
	{ B("\n"), B("\n") },                   /* bare LF kept */
	{ B("\r\r"), B("\r\r") },
	{ B("\r\r\n"), B("\r\n") },             /* only the CR right before LF goes */
	{ B("\r\n\r\n"), B("\n\n") },
	{ B("\n\r"), B("\n\r") },
	{ B("a\rb"), B("a\rb") },               /* bare CR kept */
	{ B("a\r\nb\rc\n\r\r\nend\r"), B("a\nb\rc\n\r\nend\r") },
	{ B("x\r\0\r\n"), B("x\r\0\n") },       /* NUL is data like any other */
	{ B("\r\r\r\n\n"), B("\r\r\n\n") },
};

/* Feed in[0..n) cut at the given offsets (sorted, each <= n); out gets the result. */
static size_t
convert_cuts(const char *in, size_t n, const size_t *cuts, size_t ncuts, char *out)
{
	struct crlf	 c;
	size_t		 o = 0, at = 0;

	memset(&c, 0, sizeof c);
	for (size_t k = 0; k <= ncuts; k++) {
		size_t	 end = k < ncuts ? cuts[k] : n;
		char	*room = malloc(end - at + 1);   /* exactly what the header asks for */

		ck_assert_ptr_nonnull(room);
		size_t m = crlf_to_lf(&c, in + at, end - at, room);
		ck_assert_uint_le(m, end - at + 1);
		memcpy(out + o, room, m);
		free(room);
		o += m;
		at = end;
	}
	o += crlf_finish(&c, out + o);
	/* Finished: the state is clean for another stream. */
	ck_assert_uint_eq(crlf_finish(&c, out + o), 0);
	return o;
}

static void
assert_out(const char *out, size_t n, const char *want, size_t wn, const char *what, size_t a,
    size_t b)
{
	ck_assert_msg(n == wn && memcmp(out, want, n) == 0, "%s %zu %zu: %zu bytes", what, a, b, n);
}

START_TEST(one_chunk)
{
	char	 out[64];
	size_t	 n = convert_cuts(t[_i].in, t[_i].n, NULL, 0, out);

	assert_out(out, n, t[_i].want, t[_i].wn, "whole", 0, 0);
}
END_TEST

/* Split at every position, in two and in three: the same as one piece. */
START_TEST(every_split)
{
	char	 out[64];
	size_t	 cuts[2], n;

	for (size_t a = 0; a <= t[_i].n; a++) {
		cuts[0] = a;
		n = convert_cuts(t[_i].in, t[_i].n, cuts, 1, out);
		assert_out(out, n, t[_i].want, t[_i].wn, "split", a, 0);
		for (size_t b = a; b <= t[_i].n; b++) {
			cuts[1] = b;
			n = convert_cuts(t[_i].in, t[_i].n, cuts, 2, out);
			assert_out(out, n, t[_i].want, t[_i].wn, "split", a, b);
		}
	}
}
END_TEST

/* Every chunk size, including a byte at a time. */
START_TEST(every_chunk_size)
{
	char	 out[64];
	size_t	 cuts[64], nc, n;

	for (size_t chunk = 1; chunk <= t[_i].n; chunk++) {
		nc = 0;
		for (size_t at = chunk; at < t[_i].n; at += chunk)
			cuts[nc++] = at;
		n = convert_cuts(t[_i].in, t[_i].n, cuts, nc, out);
		assert_out(out, n, t[_i].want, t[_i].wn, "chunk", chunk, 0);
	}
}
END_TEST

/* The rule, written the plain way: drop each CR that an LF follows. */
static size_t
reference(const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		if (!(in[i] == '\r' && i + 1 < n && in[i + 1] == '\n'))
			out[o++] = in[i];
	return o;
}

/* Every string of up to 7 octets over { CR, LF, 'a' }, split at every point. */
START_TEST(exhaustive_small)
{
	static const char alpha[3] = { '\r', '\n', 'a' };
	char	 in[8], want[8], out[16];
	size_t	 cuts[1];

	for (size_t len = 0; len <= 7; len++) {
		size_t total = 1;

		for (size_t k = 0; k < len; k++)
			total *= 3;
		for (size_t code = 0; code < total; code++) {
			size_t c = code, wn;

			for (size_t k = 0; k < len; k++, c /= 3)
				in[k] = alpha[c % 3];
			wn = reference(in, len, want);
			for (size_t a = 0; a <= len; a++) {
				cuts[0] = a;
				size_t n = convert_cuts(in, len, cuts, 1, out);
				assert_out(out, n, want, wn, "code", code, a);
			}
		}
	}
}
END_TEST

/* A CR held across a piece is written by the next piece, before its own bytes. */
START_TEST(held_cr_order)
{
	struct crlf	 c = { 0 };
	char		 out[8];

	ck_assert_uint_eq(crlf_to_lf(&c, "ab\r", 3, out), 2);
	ck_assert_int_eq(memcmp(out, "ab", 2), 0);
	ck_assert_uint_eq(crlf_to_lf(&c, "", 0, out), 0);      /* an empty piece keeps it */
	ck_assert_uint_eq(crlf_to_lf(&c, "x", 1, out), 2);
	ck_assert_int_eq(memcmp(out, "\rx", 2), 0);
	ck_assert_uint_eq(crlf_to_lf(&c, "\r", 1, out), 0);
	ck_assert_uint_eq(crlf_to_lf(&c, "\n", 1, out), 1);
	ck_assert_int_eq(out[0], '\n');
	ck_assert_uint_eq(crlf_to_lf(&c, "\r", 1, out), 0);
	ck_assert_uint_eq(crlf_to_lf(&c, "\r", 1, out), 1);     /* the first CR was bare */
	ck_assert_int_eq(out[0], '\r');
	ck_assert_uint_eq(crlf_finish(&c, out), 1);
	ck_assert_int_eq(out[0], '\r');
	ck_assert_uint_eq(crlf_finish(&c, out), 0);
}
END_TEST

/* A large message through a realistic buffer size: output size is exact. */
START_TEST(large_stream)
{
	size_t	 lines = 100000, n = lines * 10, chunk = 4093, o = 0;
	char	*in = malloc(n), *out = malloc(n + 1), *room = malloc(chunk + 1);
	struct crlf c = { 0 };

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(room);
	for (size_t i = 0; i < lines; i++)
		memcpy(in + i * 10, "01234567\r\n", 10);
	for (size_t at = 0; at < n; at += chunk) {
		size_t k = n - at < chunk ? n - at : chunk, m;

		m = crlf_to_lf(&c, in + at, k, room);
		memcpy(out + o, room, m);
		o += m;
	}
	o += crlf_finish(&c, out + o);
	ck_assert_uint_eq(o, lines * 9);
	for (size_t i = 0; i < lines; i++)
		ck_assert(memcmp(out + i * 9, "01234567\n", 9) == 0);
	free(in);
	free(out);
	free(room);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("crlf");
	TCase	*tc = tcase_create("crlf");
	int	 nt = (int)(sizeof t / sizeof t[0]);

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, one_chunk, 0, nt);
	tcase_add_loop_test(tc, every_split, 0, nt);
	tcase_add_loop_test(tc, every_chunk_size, 0, nt);
	tcase_add_test(tc, exhaustive_small);
	tcase_add_test(tc, held_cr_order);
	tcase_add_test(tc, large_stream);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
