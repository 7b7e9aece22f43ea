/* check_fsutil.c: file helpers, the queue layout, and log lines. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "qlayout.h"
#include "tests/unit/ckmain.h"

static char dir[64];

static void
setup(void)
{
	strlcpy(dir, "/tmp/check_fsutil.XXXXXX", sizeof dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
path(char *out, size_t sz, const char *rel)
{
	snprintf(out, sz, "%s/%s", dir, rel);
}

START_TEST(atomic_write_and_read)
{
	char	 p[128], *buf;
	size_t	 len;

	path(p, sizeof p, "f");
	ck_assert_int_eq(write_file_atomic(p, "one\n", 4, 0640), 0);
	ck_assert_int_eq(write_file_atomic(p, "two\n", 4, 0640), 0);
	ck_assert_int_eq(read_file_max(p, 100, &buf, &len), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq(buf, "two\n");
	free(buf);
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	/* Over the limit is an error, not a silent cut. */
	ck_assert_int_eq(read_file_max(p, 3, &buf, &len), -1);
	path(p, sizeof p, "missing");
	ck_assert_int_eq(read_file_max(p, 100, &buf, &len), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* No temporary file is left behind. */
	path(p, sizeof p, "f.tmp");
	ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

START_TEST(safe_open_refuses_symlinks)
{
	char	 p[128], l[128];
	int	 fd;

	path(p, sizeof p, "real");
	path(l, sizeof l, "link");
	ck_assert_int_eq(write_file_atomic(p, "x", 1, 0600), 0);
	ck_assert_int_eq(symlink(p, l), 0);
	ck_assert_int_eq(open_safe(l, O_RDONLY, 0), -1);
	ck_assert_int_eq(errno, ELOOP);
	fd = open_safe(p, O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
}
END_TEST

START_TEST(dirs)
{
	char	 p[128];

	path(p, sizeof p, "d");
	ck_assert_int_eq(mkdir_exist_ok(p, 0700), 0);
	ck_assert_int_eq(mkdir_exist_ok(p, 0700), 0);
	ck_assert_int_eq(fsync_dir(p), 0);
	path(p, sizeof p, "d/file");
	ck_assert_int_eq(write_file_atomic(p, "x", 1, 0600), 0);
	ck_assert_int_eq(fsync_parent(p), 0);
	ck_assert_int_eq(mkdir_exist_ok(p, 0700), -1);     /* a file is not a folder */
}
END_TEST

START_TEST(write_full_through_a_pipe)
{
	int	 p[2];
	char	 buf[16];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write_full(p[1], "hello", 5), 0);
	ck_assert_int_eq(read(p[0], buf, sizeof buf), 5);
	close(p[1]);
	ck_assert_int_eq(write_full(p[0], "x", 1), -1);      /* the read end: EBADF */
	close(p[0]);
}
END_TEST

static int
count(const char *id, void *arg)
{
	(void)id;
	(*(int *)arg)++;
	return 0;
}

START_TEST(queue_layout)
{
	char		 q[128], p[256], rel[64];
	struct stat	 st;
	int		 n = 0;

	path(q, sizeof q, "queue");
	ck_assert_int_eq(qlayout_create(q, NULL), 0);
	ck_assert_int_eq(qlayout_create(q, NULL), 0);        /* idempotent */
	ck_assert_int_eq(stat(q, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	for (int s = 0; s < Q_NSTATES; s++) {
		snprintf(p, sizeof p, "%s/%s/a7", q, qstate_name(s));
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_int_eq(st.st_mode & 07777, 02770);
	}
	snprintf(p, sizeof p, "%s/%s", q, QUEUE_TRIGGER);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_int_eq(qpath(rel, sizeof rel, Q_TODO, "6b05bb1882db86a7"), 0);
	ck_assert_str_eq(rel, "todo/a7/6b05bb1882db86a7");
	ck_assert_int_eq(qbucket_path(rel, sizeof rel, Q_DONE, 0x0f), 0);
	ck_assert_str_eq(rel, "done/0f");
	ck_assert_int_eq(qpath(rel, 10, Q_TODO, "6b05bb1882db86a7"), -1);
	/* qscan sees valid IDs only. */
	snprintf(p, sizeof p, "%s/todo/a7/6b05bb1882db86a7", q);
	ck_assert_int_eq(write_file_atomic(p, "", 0, 0600), 0);
	snprintf(p, sizeof p, "%s/todo/a7/not-an-id", q);
	ck_assert_int_eq(write_file_atomic(p, "", 0, 0600), 0);
	ck_assert_int_eq(qscan(q, Q_TODO, count, &n), 0);
	ck_assert_int_eq(n, 1);
	/* A trigger that is not a fifo is refused. */
	snprintf(p, sizeof p, "%s/%s", q, QUEUE_TRIGGER);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(write_file_atomic(p, "", 0, 0600), 0);
	ck_assert_int_eq(qlayout_create(q, NULL), -1);
}
END_TEST

START_TEST(log_quoting)
{
	static const struct { const char *in; const char *want; } t[] = {
		{ "plain", "plain" },
		{ "", "\"\"" },
		{ "two words", "\"two words\"" },
		{ "a\r\nfake: line", "\"a\\r\\nfake: line\"" },
		{ "q\"uote\\", "\"q\\\"uote\\\\\"" },
		{ "\x01\xff", "\"\\x01\\xff\"" },
	};
	char	 out[LOG_QUOTE_MAX], small[12];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_str_eq(log_quotes(out, sizeof out, t[i].in), t[i].want);
	log_quotes(small, sizeof small, "a very long value with spaces");
	ck_assert_uint_lt(strlen(small), sizeof small);
	ck_assert_ptr_nonnull(strstr(small, "..."));
}
END_TEST

START_TEST(log_lines)
{
	int	 p[2], saved = dup(2);
	char	 buf[4096];
	ssize_t	 n;

	ck_assert_int_eq(pipe(p), 0);
	dup2(p[1], 2);
	log_init("check-log");
	log_info("id=%s action=%s", "x", "y");
	errno = ENOSPC;
	log_warn("action=write");
	log_warnx("reason=\"%s\"", "r");
	dup2(saved, 2);
	close(p[1]);
	n = read(p[0], buf, sizeof buf - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "check-log: id=x action=y\n"
	    "check-log: level=warn action=write error=\"No space left on device\"\n"
	    "check-log: level=warn reason=\"r\"\n");
	close(p[0]);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fsutil");
	TCase	*tc = tcase_create("fsutil");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, atomic_write_and_read);
	tcase_add_test(tc, safe_open_refuses_symlinks);
	tcase_add_test(tc, dirs);
	tcase_add_test(tc, write_full_through_a_pipe);
	tcase_add_test(tc, queue_layout);
	tcase_add_test(tc, log_quoting);
	tcase_add_test(tc, log_lines);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
