/* check_fsutil.c: atomic replace, bounded reads, symlink-proof opens, folders, full writes. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char dir[64];

static void
setup(void)
{
	umask(022);
	strlcpy(dir, "/tmp/check_fsutil.XXXXXX", sizeof dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	ck_rmtree(dir);
}

static void
path(char *out, size_t sz, const char *rel)
{
	ck_assert_int_lt(snprintf(out, sz, "%s/%s", dir, rel), (int)sz);
}

/* How many names the test folder holds (so that leftovers show). */
static int
entries(void)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
assert_content(const char *p, const char *want, size_t wn)
{
	char	*buf;
	size_t	 len;

	ck_assert_int_eq(read_file_max(p, 1 << 20, &buf, &len), 0);
	ck_assert_uint_eq(len, wn);
	ck_assert_int_eq(memcmp(buf, want, wn), 0);
	ck_assert_int_eq(buf[len], '\0');
	free(buf);
}

START_TEST(atomic_write_replaces)
{
	char		 p[128];
	struct stat	 st;

	path(p, sizeof p, "f");
	ck_assert_int_eq(write_file_atomic(p, "one\n", 4, 0640), 0);
	assert_content(p, "one\n", 4);
	ck_assert_int_eq(write_file_atomic(p, "two, longer\n", 12, 0600), 0);
	assert_content(p, "two, longer\n", 12);
	ck_assert_int_eq(write_file_atomic(p, "3", 1, 0640), 0);      /* shorter: no old tail */
	assert_content(p, "3", 1);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(write_file_atomic(p, "", 0, 0640), 0);
	assert_content(p, "", 0);
	ck_assert_int_eq(write_file_atomic(p, "a\0b", 3, 0640), 0);   /* binary */
	assert_content(p, "a\0b", 3);
	/* No temporary file is left behind. */
	ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(atomic_write_failures_leave_nothing)
{
	char	 p[128], tmp[160], target[128];
	char	 longp[PATH_MAX + 16];

	path(p, sizeof p, "missing/f");
	errno = 0;
	ck_assert_int_eq(write_file_atomic(p, "x", 1, 0600), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(entries(), 0);
	/* A symlink planted at the temporary name is not followed. */
	path(p, sizeof p, "f");
	path(target, sizeof target, "target");
	ck_assert_int_eq(write_file_atomic(target, "keep", 4, 0600), 0);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", p, (long)getpid());
	ck_assert_int_eq(symlink(target, tmp), 0);
	ck_assert_int_eq(write_file_atomic(p, "evil", 4, 0600), -1);
	assert_content(target, "keep", 4);
	ck_assert_int_ne(access(p, F_OK), 0);
	/* Too long a name. */
	memset(longp, 'a', sizeof longp - 1);
	longp[0] = '/';
	longp[sizeof longp - 1] = '\0';
	errno = 0;
	ck_assert_int_eq(write_file_atomic(longp, "x", 1, 0600), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

START_TEST(read_max_bounds)
{
	char	 p[128], *buf = NULL;
	size_t	 len = 99;

	path(p, sizeof p, "f");
	ck_assert_int_eq(write_file_atomic(p, "0123456789", 10, 0600), 0);
	ck_assert_int_eq(read_file_max(p, 10, &buf, &len), 0);   /* exactly the limit */
	ck_assert_uint_eq(len, 10);
	ck_assert_str_eq(buf, "0123456789");
	free(buf);
	buf = NULL;
	errno = 0;
	ck_assert_int_eq(read_file_max(p, 9, &buf, &len), -1);   /* one over: error, not a cut */
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(read_file_max(p, 0, &buf, &len), -1);
	/* Empty file. */
	ck_assert_int_eq(write_file_atomic(p, "", 0, 0600), 0);
	ck_assert_int_eq(read_file_max(p, 0, &buf, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(buf, "");
	free(buf);
	/* Missing, and not a regular file. */
	path(p, sizeof p, "missing");
	errno = 0;
	ck_assert_int_eq(read_file_max(p, 100, &buf, &len), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(read_file_max(dir, 1 << 20, &buf, &len), -1);
	ck_assert_int_ne(errno, 0);
	/* A fifo with no writer: refused at once, not waited on. */
	path(p, sizeof p, "fifo");
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	alarm(5);
	ck_assert_int_eq(read_file_max(p, 100, &buf, &len), -1);
	alarm(0);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(open_safe_refuses_symlinks)
{
	char	 p[128], l[128], dangling[128], nowhere[128];
	int	 fd;

	path(p, sizeof p, "real");
	path(l, sizeof l, "link");
	ck_assert_int_eq(write_file_atomic(p, "x", 1, 0600), 0);
	ck_assert_int_eq(symlink(p, l), 0);
	errno = 0;
	ck_assert_int_eq(open_safe(l, O_RDONLY, 0), -1);
	ck_assert_int_eq(errno, ELOOP);
	errno = 0;
	ck_assert_int_eq(open_safe(l, O_WRONLY | O_TRUNC, 0), -1);
	ck_assert_int_eq(errno, ELOOP);
	assert_content(p, "x", 1);                                 /* not truncated */
	/* A dangling link: O_CREAT must not create its target. */
	path(dangling, sizeof dangling, "dangling");
	path(nowhere, sizeof nowhere, "nowhere");
	ck_assert_int_eq(symlink(nowhere, dangling), 0);
	ck_assert_int_eq(open_safe(dangling, O_WRONLY | O_CREAT, 0600), -1);
	ck_assert_int_ne(access(nowhere, F_OK), 0);
	/* The real file opens, close-on-exec. */
	fd = open_safe(p, O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	path(p, sizeof p, "new");
	fd = open_safe(p, O_WRONLY | O_CREAT | O_EXCL, 0640);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	errno = 0;
	ck_assert_int_eq(open_safe(p, O_WRONLY | O_CREAT | O_EXCL, 0640), -1);
	ck_assert_int_eq(errno, EEXIST);
}
END_TEST

START_TEST(mkdir_exist_ok_cases)
{
	char		 p[128], l[128], f[128];
	struct stat	 st;

	path(p, sizeof p, "d");
	ck_assert_int_eq(mkdir_exist_ok(p, 0700), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(mkdir_exist_ok(p, 0755), 0);              /* exists: fine */
	path(f, sizeof f, "d/file");
	ck_assert_int_eq(write_file_atomic(f, "x", 1, 0600), 0);
	errno = 0;
	ck_assert_int_eq(mkdir_exist_ok(f, 0700), -1);             /* a file is not a folder */
	ck_assert_int_eq(errno, ENOTDIR);
	path(l, sizeof l, "link");                                 /* nor a link to one */
	ck_assert_int_eq(symlink(p, l), 0);
	errno = 0;
	ck_assert_int_eq(mkdir_exist_ok(l, 0700), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	path(p, sizeof p, "no/such");
	errno = 0;
	ck_assert_int_eq(mkdir_exist_ok(p, 0700), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(fsync_dirs)
{
	char	 p[128], cwd[PATH_MAX];

	ck_assert_int_eq(fsync_dir(dir), 0);
	path(p, sizeof p, "f");
	ck_assert_int_eq(write_file_atomic(p, "x", 1, 0600), 0);
	ck_assert_int_eq(fsync_parent(p), 0);
	errno = 0;
	ck_assert_int_eq(fsync_dir(p), -1);                        /* a file */
	ck_assert_int_eq(errno, ENOTDIR);
	path(p, sizeof p, "missing");
	errno = 0;
	ck_assert_int_eq(fsync_dir(p), -1);
	ck_assert_int_eq(errno, ENOENT);
	path(p, sizeof p, "missing/f");
	ck_assert_int_eq(fsync_parent(p), -1);
	ck_assert_int_eq(fsync_parent("/f"), 0);                   /* the root folder */
	/* A bare name means the current folder. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(fsync_parent("f"), 0);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

/* Each fd's own result, whichever thread ran it; the first failure is the errno. */
START_TEST(fsync_together_results)
{
	char	 p[128];
	int	 fds[4], errs[4], pfd[2];

	path(p, sizeof p, "g");
	ck_assert_int_eq(write_file_atomic(p, "x", 1, 0600), 0);
	ck_assert_int_ne(fds[0] = open(p, O_RDWR), -1);
	ck_assert_int_ne(fds[1] = open(dir, O_RDONLY | O_DIRECTORY), -1);
	ck_assert_int_eq(fsync_together(fds, errs, 2), 0);
	ck_assert_int_eq(errs[0], 0);
	ck_assert_int_eq(errs[1], 0);
	ck_assert_int_eq(pipe(pfd), 0);
	fds[2] = 1000;                                             /* not open */
	fds[3] = pfd[0];                                           /* a pipe: EINVAL */
	errno = 0;
	ck_assert_int_eq(fsync_together(fds, errs, 4), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(errs[0], 0);
	ck_assert_int_eq(errs[1], 0);
	ck_assert_int_eq(errs[2], EBADF);
	ck_assert_int_eq(errs[3], EINVAL);
	ck_assert_int_eq(fsync_together(fds, errs, 0), -1);
	ck_assert_int_eq(fsync_together(fds, errs, FSYNC_TOGETHER_MAX + 1), -1);
	for (int i = 0; i < 2; i++)
		close(fds[i]);
	close(pfd[0]);
	close(pfd[1]);
}
END_TEST

START_TEST(write_full_on_pipes)
{
	size_t		 n = 1 << 20;               /* far more than a pipe holds */
	unsigned char	*data = malloc(n);
	int		 p[2], status;
	pid_t		 pid;
	char		 buf[16];

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 11));
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* The reader: checks every byte, slowly, in odd sizes. */
		size_t got = 0;
		unsigned char in[777];
		ssize_t r;

		close(p[1]);
		while ((r = read(p[0], in, sizeof in)) > 0) {
			for (ssize_t k = 0; k < r; k++, got++)
				if (got >= n || in[k] != (unsigned char)(got * 7 + (got >> 11)))
					_exit(2);
		}
		_exit(r == 0 && got == n ? 0 : 1);
	}
	close(p[0]);
	ck_assert_int_eq(write_full(p[1], data, n), 0);
	ck_assert_int_eq(write_full(p[1], data, 0), 0);
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	free(data);
	/* A pipe nobody reads: EPIPE, reported, not a hang. */
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	ck_assert_int_eq(write_full(p[1], "x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(p[1]);
	/* The read end: EBADF. */
	ck_assert_int_eq(pipe(p), 0);
	errno = 0;
	ck_assert_int_eq(write_full(p[0], "x", 1), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(write_full(p[1], "hello", 5), 0);
	ck_assert_int_eq(read(p[0], buf, sizeof buf), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fsutil");
	TCase	*tc = tcase_create("fsutil");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, atomic_write_replaces);
	tcase_add_test(tc, atomic_write_failures_leave_nothing);
	tcase_add_test(tc, read_max_bounds);
	tcase_add_test(tc, open_safe_refuses_symlinks);
	tcase_add_test(tc, mkdir_exist_ok_cases);
	tcase_add_test(tc, fsync_dirs);
	tcase_add_test(tc, fsync_together_results);
	tcase_add_test(tc, write_full_on_pipes);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
