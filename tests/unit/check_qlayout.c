/* check_qlayout.c: the queue's folders and modes (queue/README.md), paths, and qscan. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "qlayout.h"
#include "uniq.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char dir[64], q[96];

static void
setup(void)
{
	strlcpy(dir, "/tmp/check_qlayout.XXXXXX", sizeof dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(q, sizeof q, "%s/queue", dir);
}

static void
teardown(void)
{
	ck_rmtree(dir);
}

static void
assert_dir(const char *rel, mode_t mode)
{
	char		 p[256];
	struct stat	 st;

	snprintf(p, sizeof p, "%s/%s", q, rel);
	ck_assert_msg(lstat(p, &st) == 0, "%s missing", rel);
	ck_assert_msg(S_ISDIR(st.st_mode), "%s not a folder", rel);
	ck_assert_msg((st.st_mode & 07777) == mode, "%s mode %o", rel, st.st_mode & 07777);
}

static int
count_entries(const char *rel)
{
	char		 p[256];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(p, sizeof p, "%s/%s", q, rel);
	ck_assert_ptr_nonnull(d = opendir(p));
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* The whole documented layout: queue 0750, lock 0750, trigger a 0660 fifo, states 2770. */
static void
assert_layout(void)
{
	char		 rel[64], p[256];
	struct stat	 st;

	assert_dir("", 0750);
	assert_dir("lock", 0750);
	snprintf(p, sizeof p, "%s/%s", q, QUEUE_TRIGGER);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0660);
	for (int s = 0; s < Q_NSTATES; s++) {
		assert_dir(qstate_name(s), 02770);
		ck_assert_int_eq(count_entries(qstate_name(s)), QUEUE_BUCKETS);
		for (unsigned b = 0; b < QUEUE_BUCKETS; b++) {
			ck_assert_int_eq(qbucket_path(rel, sizeof rel, s, b), 0);
			assert_dir(rel, 02770);
		}
	}
	/* queue/ holds lock and the six state folders, nothing else. */
	ck_assert_int_eq(count_entries(""), 1 + Q_NSTATES);
	ck_assert_int_eq(count_entries("lock"), 1);
}

START_TEST(create_makes_everything)
{
	mode_t	 old = umask(077);      /* the modes do not depend on the umask */

	ck_assert_int_eq(qlayout_create(q, NULL), 0);
	assert_layout();
	umask(022);
	ck_assert_int_eq(qlayout_create(q, NULL), 0);      /* idempotent */
	assert_layout();
	umask(old);
}
END_TEST

START_TEST(create_fixes_modes)
{
	char	 p[256];

	ck_assert_int_eq(mkdir(q, 0700), 0);               /* an existing folder is fine */
	ck_assert_int_eq(qlayout_create(q, NULL), 0);
	snprintf(p, sizeof p, "%s/todo/a7", q);
	ck_assert_int_eq(chmod(p, 0777), 0);
	snprintf(p, sizeof p, "%s/mess", q);
	ck_assert_int_eq(chmod(p, 0700), 0);
	snprintf(p, sizeof p, "%s/%s", q, QUEUE_TRIGGER);
	ck_assert_int_eq(chmod(p, 0666), 0);
	snprintf(p, sizeof p, "%s/info/ff", q);             /* and a missing bucket comes back */
	ck_assert_int_eq(rmdir(p), 0);
	ck_assert_int_eq(qlayout_create(q, NULL), 0);
	assert_layout();
}
END_TEST

START_TEST(create_with_owners)
{
	struct qowners	 own = { getuid(), getgid() };  /* giving to oneself is always allowed */
	char		 p[256];
	struct stat	 st;

	ck_assert_int_eq(qlayout_create(q, &own), 0);
	assert_layout();                   /* chown before chmod: the set-gid bit survives */
	snprintf(p, sizeof p, "%s/done/00", q);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_uid, own.queue_uid);
	ck_assert_uint_eq(st.st_gid, own.sched_gid);
}
END_TEST

START_TEST(create_refuses_impostors)
{
	char	 p[256];

	ck_assert_int_eq(qlayout_create(q, NULL), 0);
	/* A trigger that is not a fifo. */
	snprintf(p, sizeof p, "%s/%s", q, QUEUE_TRIGGER);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(write_file_atomic(p, "", 0, 0600), 0);
	ck_assert_int_eq(qlayout_create(q, NULL), -1);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(qlayout_create(q, NULL), 0);
	/* A bucket that is a file, then a symlink to a folder. */
	snprintf(p, sizeof p, "%s/todo/10", q);
	ck_assert_int_eq(rmdir(p), 0);
	ck_assert_int_eq(write_file_atomic(p, "", 0, 0600), 0);
	ck_assert_int_eq(qlayout_create(q, NULL), -1);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(symlink(dir, p), 0);
	ck_assert_int_eq(qlayout_create(q, NULL), -1);
	/* A missing parent. */
	snprintf(p, sizeof p, "%s/no/such/queue", dir);
	ck_assert_int_eq(qlayout_create(p, NULL), -1);
}
END_TEST

START_TEST(names_and_paths)
{
	static const char *names[Q_NSTATES] = { "mess", "intd", "todo", "info", "done", "hold" };
	static const struct { const char *id; const char *bb; } ids[] = {
		{ "6b05bb1882db86a7", "a7" }, { "6b05bb1882db8600", "00" },
		{ "6b05bb1882db86ff", "ff" }, { "000000000000000f", "0f" },
	};
	char	 rel[64], want[64];

	for (int s = 0; s < Q_NSTATES; s++) {
		ck_assert_str_eq(qstate_name(s), names[s]);
		for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
			snprintf(want, sizeof want, "%s/%s/%s", names[s], ids[i].bb, ids[i].id);
			ck_assert_int_eq(qpath(rel, sizeof rel, s, ids[i].id), 0);
			ck_assert_str_eq(rel, want);
		}
		for (unsigned b = 0; b < QUEUE_BUCKETS; b++) {
			snprintf(want, sizeof want, "%s/%02x", names[s], b);
			ck_assert_int_eq(qbucket_path(rel, sizeof rel, s, b), 0);
			ck_assert_str_eq(rel, want);
		}
	}
	/* Exactly enough room, and one less. */
	ck_assert_int_eq(qpath(rel, 25, Q_TODO, "6b05bb1882db86a7"), 0);
	ck_assert_str_eq(rel, "todo/a7/6b05bb1882db86a7");
	errno = 0;
	ck_assert_int_eq(qpath(rel, 24, Q_TODO, "6b05bb1882db86a7"), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	ck_assert_int_eq(qbucket_path(rel, 8, Q_DONE, 0x0f), 0);
	ck_assert_str_eq(rel, "done/0f");
	errno = 0;
	ck_assert_int_eq(qbucket_path(rel, 7, Q_DONE, 0x0f), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

struct seen {
	char	 ids[16][QID_LEN + 1];
	int	 n;
	int	 stop_after;
};

static int
collect(const char *id, void *arg)
{
	struct seen *s = arg;

	ck_assert(qid_valid(id));
	ck_assert_int_lt(s->n, 16);
	strlcpy(s->ids[s->n++], id, sizeof s->ids[0]);
	return s->stop_after != 0 && s->n == s->stop_after ? 42 : 0;
}

static void
touch(enum qstate s, const char *name)
{
	char	 rel[64], p[256];

	if (qid_valid(name))
		ck_assert_int_eq(qpath(rel, sizeof rel, s, name), 0);
	else
		snprintf(rel, sizeof rel, "%s/a7/%s", qstate_name(s), name);
	snprintf(p, sizeof p, "%s/%s", q, rel);
	ck_assert_int_eq(write_file_atomic(p, "", 0, 0600), 0);
}

static int
has(const struct seen *s, const char *id)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0)
			return 1;
	return 0;
}

START_TEST(scan_visits_what_is_there)
{
	static const char *todo[] = { "6b05bb1882db8600", "6b05bb1882db86a7", "6b05bb1882db86ff",
	    "6b05bb1882db12a7" };
	struct seen	 s;
	char		 cwd[PATH_MAX], p[256];

	ck_assert_int_eq(qlayout_create(q, NULL), 0);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(qscan(q, Q_TODO, collect, &s), 0);   /* empty queue */
	ck_assert_int_eq(s.n, 0);
	for (size_t i = 0; i < 4; i++)
		touch(Q_TODO, todo[i]);
	touch(Q_TODO, "not-an-id");
	touch(Q_TODO, "6b05bb1882db86a7.tmp.123");
	touch(Q_TODO, "6B05BB1882DB86A7");
	touch(Q_INFO, "6b05bb1882db8611");
	snprintf(p, sizeof p, "%s/todo/a7/6b05bb1882db99a7", q); /* a folder with an ID's name */
	ck_assert_int_eq(mkdir(p, 0700), 0);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(qscan(q, Q_TODO, collect, &s), 0);
	for (size_t i = 0; i < 4; i++)
		ck_assert_msg(has(&s, todo[i]), "%s not seen", todo[i]);
	ck_assert(!has(&s, "6b05bb1882db8611"));
	ck_assert_int_ge(s.n, 4);
	ck_assert_int_le(s.n, 5);          /* whether a folder counts is qscan's choice */
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(qscan(q, Q_INFO, collect, &s), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.ids[0], "6b05bb1882db8611");
	/* fn's non-zero stops the walk and is returned. */
	memset(&s, 0, sizeof s);
	s.stop_after = 2;
	ck_assert_int_eq(qscan(q, Q_TODO, collect, &s), 42);
	ck_assert_int_eq(s.n, 2);
	/* "." after chdir. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(q), 0);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(qscan(".", Q_INFO, collect, &s), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(chdir(cwd), 0);
	/* An unreadable (here: missing) bucket is -1. */
	snprintf(p, sizeof p, "%s/done/80", q);
	ck_assert_int_eq(rmdir(p), 0);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(qscan(q, Q_DONE, collect, &s), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("qlayout");
	TCase	*tc = tcase_create("qlayout");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create_makes_everything);
	tcase_add_test(tc, create_fixes_modes);
	tcase_add_test(tc, create_with_owners);
	tcase_add_test(tc, create_refuses_impostors);
	tcase_add_test(tc, names_and_paths);
	tcase_add_test(tc, scan_visits_what_is_there);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
