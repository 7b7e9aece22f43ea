/* check_log.c: log lines on stderr, and log_quote() against hostile bytes. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "log.h"
#include "tests/unit/ckmain.h"

/* stderr goes to a temporary file between capture_start() and capture_end(). */
static int	 cap_fd = -1, saved_fd = -1;

static void
capture_start(void)
{
	char	 path[] = "/tmp/check_log.XXXXXX";

	cap_fd = mkstemp(path);
	ck_assert_int_ge(cap_fd, 0);
	ck_assert_int_eq(unlink(path), 0);
	saved_fd = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_fd, 0);
	ck_assert_int_eq(dup2(cap_fd, STDERR_FILENO), STDERR_FILENO);
}

/* What was written, NUL-terminated; returns its length. */
static size_t
capture_end(char *out, size_t outsz)
{
	ssize_t	 n;

	ck_assert_int_eq(dup2(saved_fd, STDERR_FILENO), STDERR_FILENO);
	close(saved_fd);
	ck_assert_int_eq(lseek(cap_fd, 0, SEEK_SET), 0);
	n = read(cap_fd, out, outsz - 1);
	ck_assert_int_ge(n, 0);
	out[n] = '\0';
	close(cap_fd);
	cap_fd = saved_fd = -1;
	return (size_t)n;
}

/*
 * As inetd starts a server: fd 2 is the client's TCP connection. A log line
 * must not reach the client (it goes to syslog); on a Unix socket (systemd's
 * journal stream) it stays on stderr. peer gets the other end.
 */
static int
stderr_on_socket(int tcp, int *peer)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 len = sizeof sin;
	int			 l, c, a, sv[2];

	saved_fd = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_fd, 0);
	if (!tcp) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		*peer = sv[1];
		return sv[0];
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(l = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_ge(c = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_ge(a = accept(l, NULL, NULL), 0);
	close(l);
	*peer = c;
	return a;
}

START_TEST(tcp_stderr_goes_to_syslog)
{
	char	 buf[256];
	int	 peer, s = stderr_on_socket(_i, &peer);
	ssize_t	 n;

	ck_assert_int_eq(dup2(s, STDERR_FILENO), STDERR_FILENO);
	log_init("stamp-test");
	log_info("event=hello");
	ck_assert_int_eq(dup2(saved_fd, STDERR_FILENO), STDERR_FILENO);
	close(saved_fd);
	close(s);
	n = recv(peer, buf, sizeof buf - 1, MSG_DONTWAIT);
	if (_i) {
		/* TCP: nothing reached the client; the connection just ended. */
		ck_assert_int_eq(n, 0);
	} else {
		ck_assert_int_gt(n, 0);
		buf[n] = '\0';
		ck_assert_str_eq(buf, "stamp-test: event=hello\n");
	}
	close(peer);
}
END_TEST

static void
setup(void)
{
	log_init("/usr/local/sbin/stamp-test");
}

START_TEST(progname_is_the_basename)
{
	ck_assert_str_eq(log_progname(), "stamp-test");
	log_init("plain");
	ck_assert_str_eq(log_progname(), "plain");
}
END_TEST

START_TEST(line_formats)
{
	char	 out[4096];

	capture_start();
	log_info("msg=%s n=%d", "hello", 42);
	log_warnx("queue=%s reason=full", "q1");
	errno = ENOENT;
	log_warn("file=%s action=open", "/x");
	capture_end(out, sizeof out);
	ck_assert_str_eq(out,
	    "stamp-test: msg=hello n=42\n"
	    "stamp-test: level=warn queue=q1 reason=full\n"
	    "stamp-test: level=warn file=/x action=open"
	    " error=\"No such file or directory\"\n");
}
END_TEST

START_TEST(warn_keeps_errno_of_the_call)
{
	char	 out[1024];

	/* The error is the one current when log_warn was called. */
	capture_start();
	errno = EACCES;
	log_warn("x=1");
	capture_end(out, sizeof out);
	ck_assert_str_eq(out,
	    "stamp-test: level=warn x=1 error=\"Permission denied\"\n");
}
END_TEST

START_TEST(long_lines_are_cut)
{
	static char	 big[3 * LOG_LINE_MAX], out[4 * LOG_LINE_MAX];
	size_t		 n;

	memset(big, 'a', sizeof big - 1);
	capture_start();
	if (_i == 0)
		log_info("%s", big);
	else {
		errno = EIO;
		log_warn("%s", big);
	}
	log_info("next=1");
	n = capture_end(out, sizeof out);
	/* One cut line of exactly LOG_LINE_MAX octets, then the next line. */
	ck_assert_uint_eq(n, LOG_LINE_MAX + strlen("stamp-test: next=1\n"));
	ck_assert_int_eq(out[LOG_LINE_MAX - 1], '\n');
	ck_assert_int_eq(memcmp(out + LOG_LINE_MAX - 4, "...\n", 4), 0);
	ck_assert_ptr_eq(memchr(out, '\n', n), out + LOG_LINE_MAX - 1);
	ck_assert_str_eq(out + LOG_LINE_MAX, "stamp-test: next=1\n");
}
END_TEST

/* fatal() and fatalx() log one line and exit with the given code. */
START_TEST(fatal_exits)
{
	char	 out[1024];
	pid_t	 pid;
	int	 status;

	capture_start();
	if ((pid = fork()) == 0) {
		if (_i == 0)
			fatalx(3, "reason=%s", "broken");
		errno = ENOSPC;
		fatal(75, "action=write");
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	capture_end(out, sizeof out);
	ck_assert(WIFEXITED(status));
	if (_i == 0) {
		ck_assert_int_eq(WEXITSTATUS(status), 3);
		ck_assert_str_eq(out, "stamp-test: level=fatal reason=broken\n");
	} else {
		ck_assert_int_eq(WEXITSTATUS(status), 75);
		ck_assert_str_eq(out, "stamp-test: level=fatal action=write"
		    " error=\"No space left on device\"\n");
	}
}
END_TEST

/* Lines of concurrent writers never interleave: each is one write(2). */
START_TEST(concurrent_lines_stay_whole)
{
	enum { KIDS = 4, LINES = 200, WIDTH = 1500 };
	static char	 out[KIDS * LINES * (WIDTH + 64)];
	char		 path[] = "/tmp/check_log.XXXXXX", fill[WIDTH + 1];
	size_t		 n, lines = 0;
	int		 fd, status;
	char		*p, *nl;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = open(path, O_RDWR | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(unlink(path), 0);
	for (int k = 0; k < KIDS; k++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			memset(fill, 'a' + k, WIDTH);
			fill[WIDTH] = '\0';
			if (dup2(fd, STDERR_FILENO) == -1)
				_exit(1);
			for (int i = 0; i < LINES; i++)
				log_info("kid=%d fill=%s", k, fill);
			_exit(0);
		}
	}
	for (int k = 0; k < KIDS; k++) {
		ck_assert_int_gt(wait(&status), 0);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	n = 0;
	for (ssize_t r; (r = read(fd, out + n, sizeof out - 1 - n)) > 0; )
		n += (size_t)r;
	out[n] = '\0';
	close(fd);
	for (p = out; (nl = strchr(p, '\n')) != NULL; p = nl + 1, lines++) {
		int k;

		ck_assert_uint_eq((size_t)(nl - p), strlen("stamp-test: kid=0 fill=") + WIDTH);
		ck_assert_int_eq(sscanf(p, "stamp-test: kid=%d fill=", &k), 1);
		ck_assert(k >= 0 && k < KIDS);
		for (const char *c = p + strlen("stamp-test: kid=0 fill="); c < nl; c++)
			ck_assert_int_eq(*c, 'a' + k);
	}
	ck_assert_uint_eq(lines, KIDS * LINES);
	ck_assert_ptr_eq(p, out + n);
}
END_TEST

/* The length of a literal, so that it may hold NUL bytes. */
#define Q(in, want)	{ in, sizeof(in) - 1, want }

static const struct {
	const char	*in;
	size_t		 len;
	const char	*want;
} quotes[] = {
	Q("abc", "abc"),
	Q("user@example.org", "user@example.org"),
	Q("", "\"\""),
	Q("a b", "\"a b\""),
	Q("say \"hi\"", "\"say \\\"hi\\\"\""),
	Q("back\\slash", "\"back\\\\slash\""),
	Q("\r\n\t", "\"\\r\\n\\t\""),
	Q("x\r\nlevel=fatal forged", "\"x\\r\\nlevel=fatal forged\""),
	Q("a\0b", "\"a\\x00b\""),
	Q("\x01\x1b\x7f", "\"\\x01\\x1b\\x7f\""),
	Q("caf\xc3\xa9", "\"caf\\xc3\\xa9\""),
	Q("\xff", "\"\\xff\""),
};

START_TEST(quote_escapes)
{
	char	 dst[LOG_QUOTE_MAX];

	ck_assert_ptr_eq(log_quote(dst, sizeof dst, quotes[_i].in, quotes[_i].len), dst);
	ck_assert_str_eq(dst, quotes[_i].want);
	if (strlen(quotes[_i].in) == quotes[_i].len) {
		char again[LOG_QUOTE_MAX];

		ck_assert_str_eq(log_quotes(again, sizeof again, quotes[_i].in), dst);
	}
}
END_TEST

/* Every byte value, into every small size: bounded, printable, marked as cut. */
START_TEST(quote_is_bounded)
{
	char	 src[256 * 3], dst[300];
	size_t	 sz = (size_t)_i, n;

	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (char)(i % 256);
	memset(dst, 'Z', sizeof dst);
	log_quote(dst, sz, src, sizeof src);
	n = strlen(dst);
	ck_assert_uint_lt(n, sz);
	/* Nothing written past dstsz. */
	for (size_t i = sz; i < sizeof dst; i++)
		ck_assert_int_eq(dst[i], 'Z');
	ck_assert_int_eq(dst[0], '"');
	ck_assert_uint_ge(n, 5);
	ck_assert_int_eq(memcmp(dst + n - 4, "...\"", 4), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(dst[i] >= 0x20 && dst[i] < 0x7f, "byte %zu is %#x", i,
		    (unsigned char)dst[i]);
}
END_TEST

START_TEST(quote_plain_cut)
{
	char	 src[100], dst[16];

	memset(src, 'p', sizeof src);
	log_quote(dst, sizeof dst, src, sizeof src);
	ck_assert_uint_lt(strlen(dst), sizeof dst);
	ck_assert_int_eq(dst[0], 'p');
	ck_assert_int_eq(memcmp(dst + strlen(dst) - 3, "...", 3), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("log");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, progname_is_the_basename);
	tcase_add_test(tc, line_formats);
	tcase_add_test(tc, warn_keeps_errno_of_the_call);
	tcase_add_loop_test(tc, long_lines_are_cut, 0, 2);
	tcase_add_loop_test(tc, fatal_exits, 0, 2);
	tcase_add_test(tc, concurrent_lines_stay_whole);
	tcase_add_loop_test(tc, tcp_stderr_goes_to_syslog, 0, 2);
	tcase_add_loop_test(tc, quote_escapes, 0, sizeof quotes / sizeof quotes[0]);
	tcase_add_loop_test(tc, quote_is_bounded, 8, 300);
	tcase_add_test(tc, quote_plain_cut);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
