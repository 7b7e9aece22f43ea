/* check_maildir.c: the Maildir writer: names, S= and W=, content, failures. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deliver/maildir.h"
#include "fsutil.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char dir[64];
static char md[128];

static void
setup(void)
{
	strlcpy(dir, "/tmp/check_maildir.XXXXXX", sizeof dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(md, sizeof md, "%s/Maildir", dir);
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

/* The names in md/sub, without . and ..; *one gets the last one. */
static size_t
count(const char *sub, char *one, size_t onesz)
{
	char		 p[256];
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	snprintf(p, sizeof p, "%s/%s", md, sub);
	ck_assert_ptr_nonnull(d = opendir(p));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (one != NULL)
			strlcpy(one, de->d_name, onesz);
		n++;
	}
	closedir(d);
	return n;
}

/* Read md/new/name whole and compare it with want. */
static void
same(const char *name, const char *want, size_t wantlen)
{
	char	 p[512], *buf;
	size_t	 len;

	snprintf(p, sizeof p, "%s/new/%s", md, name);
	ck_assert_int_eq(read_file_max(p, 4u << 20, &buf, &len), 0);
	ck_assert_uint_eq(len, wantlen);
	ck_assert_int_eq(memcmp(buf, want, len), 0);
	free(buf);
}

/* "SECS.MUSECSPpidQn.host,S=s,W=w", the sizes read back as numbers. */
static void
parse_name(const char *name, size_t *s, size_t *w)
{
	unsigned long long	 secs, usecs, pid, q, ss, ww;
	int			 n = 0;
	const char		*sz;

	ck_assert_int_eq(sscanf(name, "%llu.M%lluP%lluQ%llu.%n", &secs, &usecs, &pid, &q, &n), 4);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(pid, (unsigned long long)getpid());
	ck_assert_ptr_nonnull(sz = strstr(name, ",S="));
	ck_assert_int_eq(sscanf(sz, ",S=%llu,W=%llu%n", &ss, &ww, &n), 2);
	ck_assert_uint_eq(sz[n], '\0');
	*s = ss;
	*w = ww;
}

static const char head[] = "Return-Path: <a@example.org>\nDelivered-To: b@example.org\n";

/* Messages with the S= and W= that Dovecot gives them (without a head). */
static const struct {
	const char	*msg;
	size_t		 s, w;
} sizes[] = {
	{ "", 0, 0 },
	{ "x", 1, 1 },
	{ "x\n", 2, 3 },
	{ "no final newline\nhere", 21, 22 },
	{ "a\nb\nc\n", 6, 9 },
	{ "\n\n\n", 3, 6 },
	{ "crlf\r\nkept\r\n", 12, 12 },	/* an LF after a CR is already CRLF */
	{ "mix\r\nbare\n\r", 11, 12 },
};

START_TEST(sizes_exact)
{
	struct dlv_result	 r;
	char			 name[256], one[256], want[512];
	size_t			 s, w, hl = sizeof head - 1, ml = strlen(sizes[_i].msg);
	int			 fd = memfd(sizes[_i].msg, ml);

	/* Without a head. */
	ck_assert_int_eq(maildir_deliver(md, 1, fd, "", 0, &r, name, sizeof name), 0);
	ck_assert_int_eq(r.status, DLV_OK);
	ck_assert_int_eq(strncmp(r.text, "2.0.0 ", 6), 0);
	parse_name(name, &s, &w);
	ck_assert_uint_eq(s, sizes[_i].s);
	ck_assert_uint_eq(w, sizes[_i].w);
	same(name, sizes[_i].msg, ml);
	ck_assert_uint_eq(count("new", one, sizeof one), 1);
	ck_assert_str_eq(one, name);
	/* With one: its 2 LFs add 2 to W=. */
	ck_assert_int_eq(maildir_deliver(md, 0, fd, head, hl, &r, name, sizeof name), 0);
	parse_name(name, &s, &w);
	ck_assert_uint_eq(s, sizes[_i].s + hl);
	ck_assert_uint_eq(w, sizes[_i].w + hl + 2);
	memcpy(want, head, hl);
	memcpy(want + hl, sizes[_i].msg, ml);
	same(name, want, hl + ml);
	ck_assert_uint_eq(count("new", NULL, 0), 2);
	ck_assert_uint_eq(count("tmp", NULL, 0), 0);
	ck_assert_uint_eq(count("cur", NULL, 0), 0);
	close(fd);
}
END_TEST

/* 1 MiB of 64-octet lines: S= and W= exact, content byte for byte. */
START_TEST(one_mebibyte)
{
	struct dlv_result	 r;
	struct stat		 st;
	char			 name[256], p[512], *msg;
	size_t			 n = 1u << 20, s, w;
	int			 fd;

	ck_assert_ptr_nonnull(msg = malloc(n));
	for (size_t i = 0; i < n; i++)
		msg[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	fd = memfd(msg, n);
	/* The position is not used: the message is read from its start. */
	ck_assert_int_eq(lseek(fd, 12345, SEEK_SET), 12345);
	ck_assert_int_eq(maildir_deliver(md, 1, fd, head, sizeof head - 1, &r, name,
	    sizeof name), 0);
	parse_name(name, &s, &w);
	ck_assert_uint_eq(s, n + sizeof head - 1);
	ck_assert_uint_eq(w, s + n / 64 + 2);
	snprintf(p, sizeof p, "%s/new/%s", md, name);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq((size_t)st.st_size, s);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 12345);
	char *want = malloc(s);
	ck_assert_ptr_nonnull(want);
	memcpy(want, head, sizeof head - 1);
	memcpy(want + sizeof head - 1, msg, n);
	same(name, want, s);
	ck_assert_uint_eq(count("tmp", NULL, 0), 0);
	free(want);
	free(msg);
	close(fd);
}
END_TEST

START_TEST(create_and_names)
{
	struct dlv_result	 r;
	struct stat		 st;
	char			 deep[256], p[320], a[256], b[256], small[8];
	static const char *const sub[] = { "", "/tmp", "/new", "/cur" };
	int			 fd = memfd("m\n", 2);

	/* create=0 on a missing Maildir fails, and makes nothing. */
	ck_assert_int_eq(maildir_deliver(md, 0, fd, "", 0, &r, a, sizeof a), -1);
	ck_assert_int_ne(r.status, DLV_OK);
	ck_assert_int_eq(r.text[0], '4');
	ck_assert_int_eq(lstat(md, &st), -1);
	/* create=1 makes the folders above and the four of the Maildir, 0700. */
	snprintf(deep, sizeof deep, "%s/a/b/Maildir/", dir);
	ck_assert_int_eq(maildir_deliver(deep, 1, fd, "", 0, &r, a, sizeof a), 0);
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		snprintf(p, sizeof p, "%s/a/b/Maildir%s", dir, sub[i]);
		ck_assert_int_eq(lstat(p, &st), 0);
		ck_assert(S_ISDIR(st.st_mode));
		ck_assert_uint_eq(st.st_mode & 07777, 0700);
	}
	/* Two deliveries, two names; a name_out too small is cut, NULL is fine. */
	ck_assert_int_eq(maildir_deliver(deep, 0, fd, "", 0, &r, b, sizeof b), 0);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(maildir_deliver(deep, 0, fd, "", 0, &r, small, sizeof small), 0);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	ck_assert_int_eq(maildir_deliver(deep, 0, fd, "", 0, &r, NULL, 0), 0);
	snprintf(p, sizeof p, "%s/a/b/Maildir/new", dir);
	DIR *d = opendir(p);
	size_t n = 0;
	ck_assert_ptr_nonnull(d);
	for (struct dirent *de; (de = readdir(d)) != NULL;)
		n += de->d_name[0] != '.';
	closedir(d);
	ck_assert_uint_eq(n, 4);
	close(fd);
}
END_TEST

static void
mk(const char *rel)
{
	char	 p[256];

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	ck_assert_int_eq(mkdir(p, 0700), 0);
}

static void
ln(const char *target, const char *rel)
{
	char	 p[256];

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	ck_assert_int_eq(symlink(target, p), 0);
}

/* A Maildir that is wrong in its structure: permanent, nothing left behind. */
START_TEST(structural_failures)
{
	struct dlv_result	 r;
	char			 p[256], other[256];
	int			 fd = memfd("m\n", 2);

	snprintf(other, sizeof other, "%s/other", dir);
	mk("other");
	/* new/ a regular file, with and without create. */
	mk("Maildir");
	mk("Maildir/tmp");
	mk("Maildir/cur");
	snprintf(p, sizeof p, "%s/new", md);
	ck_assert_int_eq(write_file_atomic(p, "", 0, 0600), 0);
	for (int create = 0; create <= 1; create++) {
		ck_assert_int_eq(maildir_deliver(md, create, fd, "", 0, &r, NULL, 0), -1);
		ck_assert_int_eq(r.status, DLV_PERM);
		ck_assert_int_eq(strncmp(r.text, "5.2.0 ", 6), 0);
		ck_assert_ptr_nonnull(strstr(r.text, "/new"));
		ck_assert_uint_eq(count("tmp", NULL, 0), 0);
	}
	/* new/ a symlink to a real folder: refused, the folder stays empty. */
	ck_assert_int_eq(unlink(p), 0);
	ln(other, "Maildir/new");
	ck_assert_int_eq(maildir_deliver(md, 1, fd, "", 0, &r, NULL, 0), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	ck_assert_uint_eq(count("tmp", NULL, 0), 0);
	ck_assert_uint_eq(count("../other", NULL, 0), 0);
	/* The Maildir itself a symlink, with or without a final slash. */
	ck_assert_int_eq(unlink(p), 0);
	mk("Maildir/new");
	ln(md, "link");
	snprintf(p, sizeof p, "%s/link", dir);
	ck_assert_int_eq(maildir_deliver(p, 0, fd, "", 0, &r, NULL, 0), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	strlcat(p, "/", sizeof p);
	ck_assert_int_eq(maildir_deliver(p, 1, fd, "", 0, &r, NULL, 0), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	ck_assert_uint_eq(count("new", NULL, 0), 0);
	/* A file where the Maildir should be. */
	snprintf(p, sizeof p, "%s/file", dir);
	ck_assert_int_eq(write_file_atomic(p, "x", 1, 0600), 0);
	ck_assert_int_eq(maildir_deliver(p, 1, fd, "", 0, &r, NULL, 0), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	/* The real one still works. */
	ck_assert_int_eq(maildir_deliver(md, 0, fd, "", 0, &r, NULL, 0), 0);
	close(fd);
}
END_TEST

/* A failure after tmp/NAME exists: nothing in new/, nothing left in tmp/. */
START_TEST(failure_cleans_tmp)
{
	struct dlv_result	 r;
	int			 pfd[2];

	/* The message cannot be read (a pipe has no offsets). */
	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(write(pfd[1], "m\n", 2), 2);
	ck_assert_int_eq(maildir_deliver(md, 1, pfd[0], "H: 1\n", 5, &r, NULL, 0), -1);
	ck_assert_int_eq(r.status, DLV_TEMP);
	ck_assert_int_eq(strncmp(r.text, "4.3.0 ", 6), 0);
	ck_assert_uint_eq(count("tmp", NULL, 0), 0);
	ck_assert_uint_eq(count("new", NULL, 0), 0);
	close(pfd[0]);
	close(pfd[1]);
}
END_TEST

/* A write that fails half way (the file size limit, EFBIG): temporary, clean. */
START_TEST(write_failure)
{
	char		*msg;
	size_t		 n = 256 * 1024;
	pid_t		 pid;
	int		 fd, status;

	ck_assert_ptr_nonnull(msg = malloc(n));
	memset(msg, 'x', n);
	fd = memfd(msg, n);
	free(msg);
	/* In a child: the limit would also stop check's own log file. */
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		struct rlimit		 rl = { 100000, 100000 };
		struct dlv_result	 r;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(10);
		if (maildir_deliver(md, 1, fd, "", 0, &r, NULL, 0) != -1)
			_exit(11);
		if (r.status != DLV_TEMP || strstr(r.text, "File too large") == NULL)
			_exit(12);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_uint_eq(count("tmp", NULL, 0), 0);
	ck_assert_uint_eq(count("new", NULL, 0), 0);
	close(fd);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("maildir");
	TCase	*tc = tcase_create("maildir");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, sizes_exact, 0, (int)(sizeof sizes / sizeof sizes[0]));
	tcase_add_test(tc, one_mebibyte);
	tcase_add_test(tc, create_and_names);
	tcase_add_test(tc, structural_failures);
	tcase_add_test(tc, failure_cleans_tmp);
	tcase_add_test(tc, write_failure);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
