/* check_buf.c: buffered I/O: lines with a hard bound, timeouts, scripted peers. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/ckscript.h"

static void
rb_script(struct rbuf *rb, char *mem, size_t cap, struct script *sc)
{
	rbuf_init(rb, -1, mem, cap, 1000);
	rbuf_set_reader(rb, script_read, sc);
}

START_TEST(lines_at_every_chunk_size)
{
	const char	*in = "HELO x\r\nMAIL FROM:<a@b>\r\n\r\nlast";

	for (size_t chunk = 1; chunk <= strlen(in); chunk++) {
		struct script sc = { in, strlen(in), 0, chunk };
		struct rbuf rb;
		char mem[16], line[64];
		size_t len;

		rb_script(&rb, mem, sizeof mem, &sc);
		ck_assert_int_eq(rbuf_getline(&rb, line, sizeof line, &len), LINE_OK);
		ck_assert_str_eq(line, "HELO x\r\n");
		ck_assert_int_eq(rbuf_getline(&rb, line, sizeof line, &len), LINE_OK);
		ck_assert_str_eq(line, "MAIL FROM:<a@b>\r\n");
		ck_assert_uint_eq(len, 17);
		ck_assert_int_eq(rbuf_getline(&rb, line, sizeof line, &len), LINE_OK);
		ck_assert_str_eq(line, "\r\n");
		ck_assert_int_eq(rbuf_getline(&rb, line, sizeof line, &len), LINE_EOF);
		ck_assert_str_eq(line, "last");
		ck_assert_int_eq(rbuf_getline(&rb, line, sizeof line, &len), LINE_EOF);
		ck_assert_uint_eq(len, 0);
	}
}
END_TEST

START_TEST(overlong_line_is_one_bad_line)
{
	char		 big[5000], mem[64], line[513];
	struct script	 sc;
	struct rbuf	 rb;
	size_t		 len;

	memset(big, 'x', sizeof big);
	memcpy(big + sizeof big - 8, "\nQUIT\r\n", 7);
	sc = (struct script){ big, sizeof big - 1, 0, 100 };
	rb_script(&rb, mem, sizeof mem, &sc);
	ck_assert_int_eq(rbuf_getline(&rb, line, sizeof line, &len), LINE_TOOLONG);
	ck_assert_uint_eq(len, 512);
	ck_assert_uint_eq(strlen(line), 512);
	/* Its tail was eaten: the next line is the next command, not the rest. */
	ck_assert_int_eq(rbuf_getline(&rb, line, sizeof line, &len), LINE_OK);
	ck_assert_str_eq(line, "QUIT\r\n");
	/* Exactly at the bound is fine. */
	memset(big, 'y', 511);
	big[511] = '\n';
	sc = (struct script){ big, 512, 0, 7 };
	rb_script(&rb, mem, sizeof mem, &sc);
	ck_assert_int_eq(rbuf_getline(&rb, line, sizeof line, &len), LINE_OK);
	ck_assert_uint_eq(len, 512);
}
END_TEST

START_TEST(read_and_pending)
{
	struct script	 sc = { "abcdefghij", 10, 0, 4 };
	struct rbuf	 rb;
	char		 mem[8], out[32];

	rb_script(&rb, mem, sizeof mem, &sc);
	ck_assert_int_eq(rbuf_read(&rb, out, 2), 2);
	ck_assert_uint_eq(rbuf_pending(&rb), 2);
	rbuf_discard(&rb);
	ck_assert_uint_eq(rbuf_pending(&rb), 0);
	/* Large reads bypass the buffer and, like read(2), may be short. */
	ck_assert_int_eq(rbuf_read(&rb, out, 32), 4);
	ck_assert_int_eq(rbuf_read(&rb, out + 4, 28), 2);
	ck_assert_int_eq(memcmp(out, "efghij", 6), 0);
	ck_assert_int_eq(rbuf_read(&rb, out, 32), 0);
}
END_TEST

START_TEST(timeout_on_a_silent_peer)
{
	int		 sv[2];
	struct rbuf	 rb;
	char		 mem[64], line[64];
	size_t		 len;
	struct timespec	 a, b;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	rbuf_init(&rb, sv[0], mem, sizeof mem, 200);
	ck_assert_int_eq(write(sv[1], "partial", 7), 7);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(rbuf_getline(&rb, line, sizeof line, &len), LINE_ERROR);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_int_eq(errno, ETIMEDOUT);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, 150);
	ck_assert_int_lt(ms, 2000);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A capturing writer that can be told to fail. */
struct sink {
	char	 data[256];
	size_t	 len, max_per_call;
	int	 fail;
};

static ssize_t
sink_write(void *ctx, int fd, const void *src, size_t n, int timeout_ms)
{
	struct sink	*k = ctx;

	(void)fd;
	(void)timeout_ms;
	if (k->fail) {
		errno = EPIPE;
		return -1;
	}
	if (n > k->max_per_call)
		n = k->max_per_call;
	if (n > sizeof k->data - k->len)
		n = sizeof k->data - k->len;
	memcpy(k->data + k->len, src, n);
	k->len += n;
	return (ssize_t)n;
}

START_TEST(writes_whole_and_sticky_errors)
{
	struct sink	 k = { .max_per_call = 3 };
	struct wbuf	 wb;
	char		 mem[8];

	wbuf_init(&wb, -1, mem, sizeof mem, 1000);
	wbuf_set_writer(&wb, sink_write, &k);
	ck_assert_int_eq(wbuf_puts(&wb, "250-first\r\n"), 0);
	ck_assert_int_eq(wbuf_printf(&wb, "%d %s\r\n", 250, "ok"), 0);
	ck_assert_int_eq(wbuf_flush(&wb), 0);
	ck_assert_uint_eq(k.len, 19);
	ck_assert_int_eq(memcmp(k.data, "250-first\r\n250 ok\r\n", 19), 0);
	k.fail = 1;
	ck_assert_int_eq(wbuf_puts(&wb, "x"), 0);      /* buffered */
	ck_assert_int_eq(wbuf_flush(&wb), -1);
	ck_assert_int_eq(errno, EPIPE);
	k.fail = 0;
	ck_assert_int_eq(wbuf_puts(&wb, "y"), -1);     /* sticky */
	ck_assert_int_eq(wb.err, EPIPE);
}
END_TEST

START_TEST(fd_write_all_on_a_pipe)
{
	int	 p[2];
	char	 out[100000], in[100000];
	size_t	 got = 0;

	ck_assert_int_eq(pipe(p), 0);
	memset(out, 'z', sizeof out);
	/* More than a pipe holds: write in a child, read here. */
	if (fork() == 0) {
		close(p[0]);
		_exit(fd_write_all(p[1], out, sizeof out, 5000) == 0 ? 0 : 1);
	}
	close(p[1]);
	for (ssize_t r; (r = read(p[0], in + got, sizeof in - got)) > 0;)
		got += (size_t)r;
	close(p[0]);
	ck_assert_uint_eq(got, sizeof out);
	ck_assert_int_eq(memcmp(in, out, sizeof out), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("buf");
	TCase	*tc = tcase_create("buf");

	tcase_add_test(tc, lines_at_every_chunk_size);
	tcase_add_test(tc, overlong_line_is_one_bad_line);
	tcase_add_test(tc, read_and_pending);
	tcase_add_test(tc, timeout_on_a_silent_peer);
	tcase_add_test(tc, writes_whole_and_sticky_errors);
	tcase_add_test(tc, fd_write_all_on_a_pipe);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
