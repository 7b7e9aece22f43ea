/*
 * check_rdata.c: the message on the wire: LF to CRLF, a dot doubled at the
 * start of a line, the final dot; the same whatever the chunks; and the
 * scan for SIZE and 8-bit data.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/rdata.h"
#include "tests/unit/ckcapture.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

#define B(s) s, sizeof(s) - 1

static const struct {
	const char	*in;
	size_t		 n;
	const char	*want;
	size_t		 wn;
} t[] = {
	{ B(""), B(".\r\n") },
	{ B("a\n"), B("a\r\n.\r\n") },
	{ B("a"), B("a\r\n.\r\n") },                            /* no final LF: one is added */
	{ B(".\n"), B("..\r\n.\r\n") },
	{ B("."), B("..\r\n.\r\n") },
	{ B("..\n"), B("...\r\n.\r\n") },
	{ B("a.\n.b\n"), B("a.\r\n..b\r\n.\r\n") },             /* only at the start of a line */
	{ B("\n.\n\n"), B("\r\n..\r\n\r\n.\r\n") },
	{ B("a\r\n"), B("a\r\r\n.\r\n") },                      /* a stored CR is data */
	{ B("x\ry\n"), B("x\ry\r\n.\r\n") },
	{ B("\0.\n"), B("\0.\r\n.\r\n") },
	{ B("Subject: x\n\n.\n.\n"), B("Subject: x\r\n\r\n..\r\n..\r\n.\r\n") },
};

/* Convert in, cut into pieces of size step (0: whole). */
static void
convert(const char *in, size_t n, size_t step, struct capture *c)
{
	struct wbuf	 w;
	struct rstuff	 s = { 0 };
	char		 mem[7];        /* tiny: the buffer fills and flushes often */

	memset(c, 0, sizeof *c);
	wbuf_init(&w, -1, mem, sizeof mem, 1000);
	wbuf_set_writer(&w, capture_write, c);
	for (size_t at = 0; at < n || (n == 0 && at == 0); ) {
		size_t k = step == 0 || n - at < step ? n - at : step;

		ck_assert_int_eq(rstuff_chunk(&s, in + at, k, &w), 0);
		at += k;
		if (n == 0)
			break;
	}
	ck_assert_int_eq(rstuff_finish(&s, &w), 0);
	ck_assert_int_eq(wbuf_flush(&w), 0);
}

START_TEST(table)
{
	struct capture	 c;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		for (size_t step = 0; step <= 4; step++) {
			convert(t[i].in, t[i].n, step, &c);
			ck_assert_msg(c.out.len == t[i].wn && memcmp(c.out.s, t[i].want, t[i].wn) == 0,
			    "case %zu step %zu", i, step);
			str_free(&c.out);
		}
}
END_TEST

/* Random messages: unstuffing the output gives back the input with CRLF. */
START_TEST(random_roundtrip)
{
	static const char	 alphabet[] = ".\n\ra.";
	char			 in[300];
	struct capture		 c;

	srandom(7);
	for (int round = 0; round < 2000; round++) {
		size_t	 n = (size_t)random() % sizeof in;
		struct str want = STR_INIT;
		int	 bol = 1;

		for (size_t i = 0; i < n; i++)
			in[i] = alphabet[random() % (sizeof alphabet - 1)];
		for (size_t i = 0; i < n; i++) {
			if (bol && in[i] == '.')
				ck_assert_int_eq(str_appendc(&want, '.'), 0);
			if (in[i] == '\n')
				ck_assert_int_eq(str_append(&want, "\r\n", 2), 0);
			else
				ck_assert_int_eq(str_appendc(&want, in[i]), 0);
			bol = in[i] == '\n';
		}
		if (!bol)
			ck_assert_int_eq(str_append(&want, "\r\n", 2), 0);
		ck_assert_int_eq(str_append(&want, ".\r\n", 3), 0);
		convert(in, n, (size_t)random() % 9, &c);
		ck_assert_uint_eq(c.out.len, want.len);
		ck_assert_mem_eq(c.out.s, want.s, want.len);
		/* No line of the output is a lone dot except the last. */
		ck_assert_ptr_null(memmem(c.out.s, c.out.len - 3, "\r\n.\r\n", 5));
		str_free(&c.out);
		str_free(&want);
	}
}
END_TEST

START_TEST(scan_and_send)
{
	static const char	 msg[] = "Subject: \xc3\xa9t\xc3\xa9\n\n.line\nlast";
	struct rdata_info	 info;
	struct capture		 c = { STR_INIT, 0 };
	struct wbuf		 w;
	char			 mem[64];
	int			 fd = ck_memfd(msg, sizeof msg - 1), readerr;

	ck_assert_int_eq(rdata_scan(fd, &info), 0);
	ck_assert_int_eq(info.eightbit, 1);
	/* 3 LFs become CRLF, and the last line gets one. */
	ck_assert_int_eq(info.size, (off_t)(sizeof msg - 1) + 3 + 2);
	wbuf_init(&w, -1, mem, sizeof mem, 1000);
	wbuf_set_writer(&w, capture_write, &c);
	/* Twice: each connection sends the file from its start. */
	for (int k = 0; k < 2; k++) {
		str_clear(&c.out);
		ck_assert_int_eq(rdata_send(fd, &w, &readerr), 0);
		ck_assert_str_eq(c.out.s, "Subject: \xc3\xa9t\xc3\xa9\r\n\r\n..line\r\nlast\r\n.\r\n");
	}
	/* The size is exactly what goes on the wire before the final dot (no stuffing). */
	ck_assert_int_eq((off_t)c.out.len - 3 - 1, info.size);
	/* A write failure is not a read error. */
	c.fail_after = 10;
	str_clear(&c.out);
	w.err = 0;
	ck_assert_int_eq(rdata_send(fd, &w, &readerr), -1);
	ck_assert_int_eq(readerr, 0);
	str_free(&c.out);
	close(fd);
	/* 7-bit, empty. */
	fd = ck_memfd("", 0);
	ck_assert_int_eq(rdata_scan(fd, &info), 0);
	ck_assert_int_eq(info.eightbit, 0);
	ck_assert_int_eq(info.size, 0);
	close(fd);
	/* An unreadable fd is a read error. */
	ck_assert_int_eq(rdata_send(-1, &w, &readerr), -1);
	ck_assert_int_eq(readerr, EBADF);
	ck_assert_int_eq(rdata_scan(-1, &info), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("rdata");
	TCase	*tc = tcase_create("rdata");

	tcase_add_test(tc, table);
	tcase_add_test(tc, random_roundtrip);
	tcase_add_test(tc, scan_and_send);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
