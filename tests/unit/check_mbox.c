/* check_mbox.c: the mbox writer: From line, mboxrd quoting, appends, locks. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deliver/mbox.h"
#include "fsutil.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char dir[64];
static char mb[128];
static char lock[160];

static void
setup(void)
{
	strlcpy(dir, "/tmp/check_mbox.XXXXXX", sizeof dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(mb, sizeof mb, "%s/mbox", dir);
	snprintf(lock, sizeof lock, "%s.lock", mb);
}

static void
teardown(void)
{
	ck_rmtree(dir);
}

static int
memfd(const char *p, size_t n)
{
	return ck_memfd(p, n);
}

/* The whole mbox; the caller frees it. */
static char *
slurp(size_t *len)
{
	char	*buf;

	ck_assert_int_eq(read_file_max(mb, 16u << 20, &buf, len), 0);
	return buf;
}

static void
is(const char *want)
{
	size_t	 len;
	char	*buf = slurp(&len);

	ck_assert_uint_eq(len, strlen(want));
	ck_assert_str_eq(buf, want);
	free(buf);
}

static int
deliver(const char *sender, time_t when, const char *msg, const char *head,
    struct dlv_result *r)
{
	int	 fd = memfd(msg, strlen(msg)), rv;

	rv = mbox_deliver(mb, sender, when, fd, head, strlen(head), r);
	close(fd);
	return rv;
}

#define F0	"From a@example.org Thu Jan  1 00:00:00 1970\n"

/* Message in, mbox out (one delivery into a new file, sender a@example.org, time 0). */
static const struct {
	const char	*head, *msg, *want;
} cases[] = {
	{ "", "", F0 "\n" },
	{ "", "x", F0 "x\n\n" },
	{ "", "x\n", F0 "x\n\n" },
	{ "", "x\n\n", F0 "x\n\n\n" },
	{ "", "From here\n", F0 ">From here\n\n" },
	{ "", ">From here\n", F0 ">>From here\n\n" },
	{ "", ">>From here\n", F0 ">>>From here\n\n" },
	{ "", "From \n", F0 ">From \n\n" },
	{ "", "From", F0 "From\n\n" },
	{ "", "From\n", F0 "From\n\n" },
	{ "", "Fromage\n", F0 "Fromage\n\n" },
	{ "", "FROM x\n", F0 "FROM x\n\n" },
	{ "", " From x\n", F0 " From x\n\n" },
	{ "", "> From x\n", F0 "> From x\n\n" },
	{ "", ">F>From x\n", F0 ">F>From x\n\n" },
	{ "", ">>>\n>\n", F0 ">>>\n>\n\n" },
	{ "", "a From b\nFrom c\n", F0 "a From b\n>From c\n\n" },
	{ "", ">From", F0 ">From\n\n" },
	{ "", "From x", F0 ">From x\n\n" },
	{ "", "\nFrom x\n", F0 "\n>From x\n\n" },
	{ "", "crlf\r\nFrom x\r\n", F0 "crlf\r\n>From x\r\n\n" },
	{ "From h\n", "b\n", F0 ">From h\nb\n\n" },
	{ "R: 1\n", "From b\n", F0 "R: 1\n>From b\n\n" },
	{ "R: 1\nD: 2\n", "", F0 "R: 1\nD: 2\n\n" },
};

START_TEST(quoting)
{
	struct dlv_result	 r;

	ck_assert_int_eq(deliver("a@example.org", 0, cases[_i].msg, cases[_i].head, &r), 0);
	ck_assert_int_eq(r.status, DLV_OK);
	ck_assert_int_eq(strncmp(r.text, "2.0.0 ", 6), 0);
	is(cases[_i].want);
	ck_assert_int_ne(access(lock, F_OK), 0);
}
END_TEST

START_TEST(from_line)
{
	struct dlv_result	 r;
	struct stat		 st;

	ck_assert_int_eq(deliver("a@example.org", 1700000000, "1\n", "", &r), 0);
	ck_assert_int_eq(stat(mb, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(deliver("", 951782400, "2\n", "", &r), 0);
	ck_assert_int_eq(deliver(NULL, 0, "3\n", "", &r), 0);
	/* An address with a space or LF cannot break the separator line. */
	ck_assert_int_eq(deliver("\"a b\"@x\nFrom y", 0, "4\n", "", &r), 0);
	is("From a@example.org Tue Nov 14 22:13:20 2023\n1\n\n"
	    "From MAILER-DAEMON Tue Feb 29 00:00:00 2000\n2\n\n"
	    "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n3\n\n"
	    "From \"a_b\"@x_From_y Thu Jan  1 00:00:00 1970\n4\n\n");
}
END_TEST

/* A mailbox another writer left without its final blank line gets one first. */
START_TEST(appends)
{
	static const struct {
		const char	*before, *after;
	} t[] = {
		{ "old\n\n", "old\n\n" },
		{ "old\n", "old\n\n" },
		{ "old", "old\n\n" },
		{ "\n", "\n" },
		{ "o", "o\n\n" },
	};
	struct dlv_result	 r;
	char			 want[256];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(write_file_atomic(mb, t[i].before, strlen(t[i].before), 0600), 0);
		ck_assert_int_eq(deliver("s@x", 0, "m\n", "", &r), 0);
		ck_assert_int_eq(deliver("s@x", 0, "n", "", &r), 0);
		snprintf(want, sizeof want, "%sFrom s@x Thu Jan  1 00:00:00 1970\nm\n\n"
		    "From s@x Thu Jan  1 00:00:00 1970\nn\n\n", t[i].after);
		is(want);
	}
}
END_TEST

/* The reference mboxrd quoting, line by line, to compare the streaming one with. */
static size_t
quote_lines(const char *in, size_t n, char *out)
{
	size_t	 o = 0, i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && in[j] == '>')
			j++;
		if (n - j >= 5 && memcmp(in + j, "From ", 5) == 0)
			out[o++] = '>';
		while (i < n && in[i] != '\n')
			out[o++] = in[i++];
		if (i < n)
			out[o++] = in[i++];
	}
	return o;
}

/* 2 MiB of lines of every length, many "From " across the read buffers. */
START_TEST(big_message)
{
	static const char *const starts[] = { "From ", ">From ", ">>>From ", "Fro", ">", "" };
	struct dlv_result	 r;
	char			*msg, *want, *buf;
	size_t			 n = 2u << 20, m = 0, len, wl;
	int			 fd;

	ck_assert_ptr_nonnull(msg = malloc(n));
	for (size_t line = 0; m < n; line++) {
		const char *s = starts[line % 6];
		size_t k = strlen(s);

		for (size_t i = 0; i < k && m < n; i++)
			msg[m++] = s[i];
		for (size_t i = 0; i < line % 97 && m < n; i++)
			msg[m++] = (char)('a' + i % 26);
		if (m < n)
			msg[m++] = '\n';
	}
	ck_assert_ptr_nonnull(want = malloc(2 * n + 100));
	wl = strlen(F0);
	memcpy(want, F0, wl);
	wl += quote_lines(msg, n, want + wl);
	if (want[wl - 1] != '\n')
		want[wl++] = '\n';
	want[wl++] = '\n';
	fd = memfd(msg, n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END), (off_t)n);	/* the position is not used */
	ck_assert_int_eq(mbox_deliver(mb, "a@example.org", 0, fd, "", 0, &r), 0);
	buf = slurp(&len);
	ck_assert_uint_eq(len, wl);
	ck_assert_int_eq(memcmp(buf, want, wl), 0);
	free(buf);
	free(want);
	free(msg);
	close(fd);
}
END_TEST

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A fresh dotlock held by another: busy within the bound, file and lock untouched. */
START_TEST(dotlock_busy)
{
	struct dlv_result	 r;
	double			 t0;

	ck_assert_int_eq(deliver("a@example.org", 0, "x\n", "", &r), 0);
	ck_assert_int_eq(write_file_atomic(lock, "", 0, 0600), 0);
	t0 = now();
	ck_assert_int_eq(deliver("a@example.org", 0, "y\n", "", &r), -1);
	ck_assert_double_ge(now() - t0, MBOX_LOCK_WAIT - 0.5);
	ck_assert_double_le(now() - t0, MBOX_LOCK_WAIT + 2);
	ck_assert_int_eq(r.status, DLV_TEMP);
	ck_assert_int_eq(strncmp(r.text, "4.2.1 mailbox busy", 18), 0);
	ck_assert_int_eq(access(lock, F_OK), 0);
	is(F0 "x\n\n");
}
END_TEST

/* A dotlock older than MBOX_LOCK_STALE is a crashed writer's: removed at once. */
START_TEST(dotlock_stale)
{
	struct dlv_result	 r;
	struct timeval		 tv[2];
	double			 t0;

	ck_assert_int_eq(write_file_atomic(lock, "", 0, 0600), 0);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= MBOX_LOCK_STALE + 60;
	tv[1] = tv[0];
	ck_assert_int_eq(utimes(lock, tv), 0);
	t0 = now();
	ck_assert_int_eq(deliver("a@example.org", 0, "x\n", "", &r), 0);
	ck_assert_double_lt(now() - t0, 1);
	ck_assert_int_ne(access(lock, F_OK), 0);
	is(F0 "x\n\n");
}
END_TEST

/* An fcntl lock held by another process: busy too, and our dotlock is removed. */
START_TEST(fcntl_busy)
{
	struct dlv_result	 r;
	struct flock		 fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int			 p[2], status;
	char			 c;
	pid_t			 pid;

	ck_assert_int_eq(write_file_atomic(mb, "", 0, 0600), 0);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		int fd = open(mb, O_RDWR);

		if (fd == -1 || fcntl(fd, F_SETLK, &fl) == -1)
			_exit(1);
		if (write(p[1], "L", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(deliver("a@example.org", 0, "x\n", "", &r), -1);
	ck_assert_int_eq(r.status, DLV_TEMP);
	ck_assert_int_eq(strncmp(r.text, "4.2.1 mailbox busy", 18), 0);
	ck_assert_int_ne(access(lock, F_OK), 0);
	kill(pid, SIGKILL);	/* SIGTERM would run check's handler, which kills us all */
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	is("");
	/* Once it is gone, the delivery goes through. */
	ck_assert_int_eq(deliver("a@example.org", 0, "x\n", "", &r), 0);
	is(F0 "x\n\n");
	close(p[0]);
	close(p[1]);
}
END_TEST

/* Not a plain file with one name: refused, permanently, and left as it was. */
START_TEST(refused)
{
	struct dlv_result	 r;
	char			 target[160], hard[160];

	snprintf(target, sizeof target, "%s/target", dir);
	ck_assert_int_eq(write_file_atomic(target, "t", 1, 0600), 0);
	/* A symlink, to an existing file or to a missing one. */
	ck_assert_int_eq(symlink(target, mb), 0);
	ck_assert_int_eq(deliver("a@example.org", 0, "x\n", "", &r), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	ck_assert_int_eq(r.text[0], '5');
	ck_assert_int_eq(unlink(mb), 0);
	snprintf(hard, sizeof hard, "%s/missing", dir);
	ck_assert_int_eq(symlink(hard, mb), 0);
	ck_assert_int_eq(deliver("a@example.org", 0, "x\n", "", &r), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	ck_assert_int_ne(access(hard, F_OK), 0);
	ck_assert_int_eq(unlink(mb), 0);
	/* A second hard link (to someone else's file, say). */
	ck_assert_int_eq(link(target, mb), 0);
	ck_assert_int_eq(deliver("a@example.org", 0, "x\n", "", &r), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	ck_assert_int_eq(unlink(mb), 0);
	/* A folder and a FIFO (which must not hang us). */
	ck_assert_int_eq(mkdir(mb, 0700), 0);
	ck_assert_int_eq(deliver("a@example.org", 0, "x\n", "", &r), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	ck_assert_int_eq(rmdir(mb), 0);
	ck_assert_int_eq(mkfifo(mb, 0600), 0);
	ck_assert_int_eq(deliver("a@example.org", 0, "x\n", "", &r), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	ck_assert_int_eq(strncmp(r.text, "5.2.0 ", 6), 0);
	ck_assert_int_ne(access(lock, F_OK), 0);
	size_t len;
	char *buf;
	ck_assert_int_eq(read_file_max(target, 100, &buf, &len), 0);
	ck_assert_str_eq(buf, "t");
	free(buf);
}
END_TEST

/* A write that fails half way (the file size limit): cut back, temporary. */
START_TEST(write_failure)
{
	char		*msg;
	size_t		 n = 256 * 1024;
	pid_t		 pid;
	int		 fd, status;

	ck_assert_int_eq(write_file_atomic(mb, "old\n\n", 5, 0600), 0);
	ck_assert_ptr_nonnull(msg = malloc(n));
	memset(msg, 'x', n);
	fd = memfd(msg, n);
	free(msg);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		struct rlimit		 rl = { 100000, 100000 };
		struct dlv_result	 r;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(10);
		if (mbox_deliver(mb, "a@x", 0, fd, "", 0, &r) != -1)
			_exit(11);
		if (r.status != DLV_TEMP || strncmp(r.text, "4.3.0 ", 6) != 0 ||
		    strstr(r.text, "File too large") == NULL)
			_exit(12);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	is("old\n\n");
	ck_assert_int_ne(access(lock, F_OK), 0);
	close(fd);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("mbox");
	TCase	*tc = tcase_create("mbox");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, quoting, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, from_line);
	tcase_add_test(tc, appends);
	tcase_add_test(tc, big_message);
	tcase_add_test(tc, dotlock_busy);
	tcase_add_test(tc, dotlock_stale);
	tcase_add_test(tc, fcntl_busy);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, write_failure);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
