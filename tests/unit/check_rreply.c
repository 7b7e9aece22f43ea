/* check_rreply.c: SMTP replies as stamp-remote reads them, in every chunking. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/rreply.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/ckscript.h"

#define B(s) s, sizeof(s) - 1

static const struct {
	const char		*in;
	size_t			 len;
	enum rreply_status	 want;
	int			 code;
	const char		*text;
	size_t			 nlines;
} t[] = {
	{ B("220 mx.example.com ESMTP\r\n"), RREPLY_OK, 220, "mx.example.com ESMTP", 1 },
	{ B("250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"), RREPLY_OK, 250,
	  "mx.example.com PIPELINING SIZE 1000", 3 },
	{ B("250\r\n"), RREPLY_OK, 250, "", 1 },
	{ B("354 go ahead\n"), RREPLY_OK, 354, "go ahead", 1 },           /* bare LF */
	{ B("550 5.1.1 <x@y>: no\tsuch\x01user\r\n"), RREPLY_OK, 550, "5.1.1 <x@y>: no such user", 1 },
	{ B("250-a\r\n251 b\r\n"), RREPLY_BAD, 0, NULL, 0 },               /* codes differ */
	{ B("250-a\r\n"), RREPLY_IO, 0, NULL, 0 },                         /* cut: EOF */
	{ B(""), RREPLY_IO, 0, NULL, 0 },
	{ B("600 what\r\n"), RREPLY_BAD, 0, NULL, 0 },
	{ B("150 what\r\n"), RREPLY_BAD, 0, NULL, 0 },
	{ B("2x0 what\r\n"), RREPLY_BAD, 0, NULL, 0 },
	{ B("260 what\r\n"), RREPLY_BAD, 0, NULL, 0 },
	{ B("250x what\r\n"), RREPLY_BAD, 0, NULL, 0 },
	{ B("25\r\n"), RREPLY_BAD, 0, NULL, 0 },
	{ B("hello\r\n"), RREPLY_BAD, 0, NULL, 0 },
	{ B("250 a\0b\r\n"), RREPLY_BAD, 0, NULL, 0 },
	{ B("421 4.3.2 shutting down\r\n"), RREPLY_OK, 421, "4.3.2 shutting down", 1 },
};

static enum rreply_status
parse(const char *in, size_t len, size_t chunk, struct rreply *r)
{
	struct script	 sc = { in, len, 0, chunk };
	struct rbuf	 rb;
	char		 mem[256];

	rbuf_init(&rb, -1, mem, sizeof mem, 1000);
	rbuf_set_reader(&rb, script_read, &sc);
	return rreply_read(&rb, r, NULL, NULL);
}

START_TEST(table)
{
	struct rreply	 r;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t	 len = t[i].len;

		for (size_t chunk = 0; chunk <= 3; chunk++) {
			enum rreply_status st = parse(t[i].in, len, chunk, &r);

			ck_assert_msg(st == t[i].want, "case %zu chunk %zu: status %d", i, chunk, st);
			if (st != RREPLY_OK)
				continue;
			ck_assert_int_eq(r.code, t[i].code);
			ck_assert_str_eq(r.text, t[i].text);
			ck_assert_uint_eq(r.nlines, t[i].nlines);
		}
	}
}
END_TEST

/* Two replies in one stream (pipelining): each read takes exactly one. */
START_TEST(pipelined)
{
	const char	*in = "250 ok\r\n550-no\r\n550 user\r\n354 data\r\n";
	struct script	 sc = { in, strlen(in), 0, 0 };
	struct rbuf	 rb;
	struct rreply	 r;
	char		 mem[256];

	rbuf_init(&rb, -1, mem, sizeof mem, 1000);
	rbuf_set_reader(&rb, script_read, &sc);
	ck_assert_int_eq(rreply_read(&rb, &r, NULL, NULL), RREPLY_OK);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(rreply_read(&rb, &r, NULL, NULL), RREPLY_OK);
	ck_assert_int_eq(r.code, 550);
	ck_assert_str_eq(r.text, "no user");
	ck_assert_int_eq(rreply_read(&rb, &r, NULL, NULL), RREPLY_OK);
	ck_assert_int_eq(r.code, 354);
	ck_assert_int_eq(rreply_read(&rb, &r, NULL, NULL), RREPLY_IO);
}
END_TEST

/* An overlong line is cut, not split into two; the text stays bounded. */
START_TEST(bounded)
{
	struct rreply	 r;
	char		*big = malloc(200000);
	size_t		 n = 0;

	ck_assert_ptr_nonnull(big);
	memcpy(big, "250 ", 4);
	n = 4;
	memset(big + n, 'x', 5000);
	n += 5000;
	memcpy(big + n, "\r\n", 2);
	n += 2;
	ck_assert_int_eq(parse(big, n, 0, &r), RREPLY_OK);
	ck_assert_uint_le(r.len, RREPLY_LINE_MAX);
	ck_assert_uint_eq(strlen(r.text), r.len);
	/* Many lines: the text is cut at RREPLY_TEXT_MAX, and past RREPLY_LINES_MAX it is bad. */
	n = 0;
	for (int i = 0; i < RREPLY_LINES_MAX - 1; i++) {
		memcpy(big + n, "250-0123456789abcdef\r\n", 22);
		n += 22;
	}
	memcpy(big + n, "250 end\r\n", 9);
	n += 9;
	ck_assert_int_eq(parse(big, n, 7, &r), RREPLY_OK);
	ck_assert_uint_eq(r.nlines, RREPLY_LINES_MAX);
	ck_assert_uint_lt(r.len, RREPLY_TEXT_MAX);
	ck_assert_uint_eq(strlen(r.text), r.len);
	memmove(big + 22, big, n);
	memcpy(big, "250-0123456789abcdef\r\n", 22);
	ck_assert_int_eq(parse(big, n + 22, 0, &r), RREPLY_BAD);
	free(big);
}
END_TEST

static void
count_line(void *ctx, const char *text)
{
	int	*k = ctx;

	(*k)++;
	ck_assert_ptr_null(strchr(text, '\r'));
}

START_TEST(line_callback)
{
	const char	*in = "250-mx\r\n250-SIZE 10\r\n250 8BITMIME\r\n";
	struct script	 sc = { in, strlen(in), 0, 0 };
	struct rbuf	 rb;
	struct rreply	 r;
	char		 mem[256];
	int		 k = 0;

	rbuf_init(&rb, -1, mem, sizeof mem, 1000);
	rbuf_set_reader(&rb, script_read, &sc);
	ck_assert_int_eq(rreply_read(&rb, &r, count_line, &k), RREPLY_OK);
	ck_assert_int_eq(k, 3);
}
END_TEST

START_TEST(enhanced)
{
	static const struct {
		int		 code;
		const char	*text, *want;
	} e[] = {
		{ 550, "5.1.1 no such user", "5.1.1" },
		{ 550, "5.7.1", "5.7.1" },
		{ 550, "4.1.1 wrong class", "5.0.0" },
		{ 452, "4.2.2 full", "4.2.2" },
		{ 452, "no code", "4.0.0" },
		{ 250, "2.0.0 Ok", "2.0.0" },
		{ 354, "go on", "2.0.0" },
		{ 550, "5.1.10 null", "5.1.10" },
		{ 550, "5.1.1000 too long", "5.0.0" },
		{ 550, "5.01.1 leading zero", "5.0.0" },
		{ 550, "5.1.1x", "5.0.0" },
		{ 550, "5..1", "5.0.0" },
	};
	struct rreply	 r;
	char		 out[16];

	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		memset(&r, 0, sizeof r);
		r.code = e[i].code;
		strcpy(r.text, e[i].text);
		rreply_enhanced(&r, out, sizeof out);
		ck_assert_msg(strcmp(out, e[i].want) == 0, "%s: %s", e[i].text, out);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("rreply");
	TCase	*tc = tcase_create("rreply");

	tcase_add_test(tc, table);
	tcase_add_test(tc, pipelined);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, line_callback);
	tcase_add_test(tc, enhanced);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
