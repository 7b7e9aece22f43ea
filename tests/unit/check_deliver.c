/* check_deliver.c: lookup, Maildir and mbox writers, loop detection, instructions. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deliver/local.h"
#include "deliver/maildir.h"
#include "deliver/mbox.h"
#include "fsutil.h"
#include "home.h"
#include "lookup.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char dir[64];

static void
setup(void)
{
	char	 p[128];

	strlcpy(dir, "/tmp/check_deliver.XXXXXX", sizeof dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof p, "%s/control", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(home_init(dir), 0);
}

static void
teardown(void)
{
	ck_rmtree(dir);
}

static void
file(const char *rel, const char *text)
{
	char	 p[256];

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	ck_assert_int_eq(write_file_atomic(p, text, strlen(text), 0644), 0);
}

static int
memfd(const char *text)
{
	int	 fd = memfd_create("msg", 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_full(fd, text, strlen(text)), 0);
	return fd;
}

START_TEST(aliases_parse)
{
	char		 name[64];
	struct ctl_list	 t;

	ck_assert_int_eq(alias_parse("Team: a@x.example, /m/box ,b", name, sizeof name, &t), 0);
	ck_assert_str_eq(name, "team");
	ck_assert_uint_eq(t.n, 3);
	ck_assert_str_eq(t.items[1], "/m/box");
	ck_assert_str_eq(t.items[2], "b");
	ctl_list_free(&t);
	ck_assert_int_eq(alias_parse("p: x, |cmd a, b", name, sizeof name, &t), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_str_eq(t.items[1], "|cmd a, b");
	ctl_list_free(&t);
	ck_assert_int_eq(alias_parse("nocolon", name, sizeof name, &t), -1);
	ck_assert_int_eq(alias_parse(": a", name, sizeof name, &t), -1);
	ck_assert_int_eq(alias_parse("empty:", name, sizeof name, &t), -1);
}
END_TEST

START_TEST(lookup_order)
{
	struct lookup	 lk;

	file("aliases", "postmaster: alice\nalice: /var/mail/alice\n");
	file("users", "alice:$6$x:\nbob:$6$x:/srv/bob/Maildir/\ncarol:$6$x:c/Maildir/\n");
	file("control/virtualdomains", "virt.example:v\n");
	/* Aliases come before users. */
	ck_assert_int_eq(lookup_recipient("Alice", "example.org", &lk), LK_ALIAS);
	ck_assert_str_eq(lk.targets.items[0], "/var/mail/alice");
	lookup_free(&lk);
	ck_assert_int_eq(lookup_recipient("BOB", "example.org", &lk), LK_VIRTUAL);
	ck_assert_str_eq(lk.maildir, "/srv/bob/Maildir/");
	lookup_free(&lk);
	ck_assert_int_eq(lookup_recipient("carol", "", &lk), LK_VIRTUAL);
	ck_assert_ptr_nonnull(strstr(lk.maildir, "/mail/c/Maildir/"));
	lookup_free(&lk);
	/* The extension: first the whole name, then the user. */
	ck_assert_int_eq(lookup_recipient("carol+lists", "example.org", &lk), LK_VIRTUAL);
	ck_assert_str_eq(lk.user, "carol");
	ck_assert_str_eq(lk.ext, "lists");
	lookup_free(&lk);
	/* virtualdomains: x@virt.example is v-x. */
	file("users", "v-x:h:\n");
	ck_assert_int_eq(lookup_recipient("x", "virt.example", &lk), LK_VIRTUAL);
	ck_assert_str_eq(lk.user, "v-x");
	lookup_free(&lk);
	ck_assert_int_eq(lookup_recipient("nobody-at-all", "example.org", &lk), LK_UNKNOWN);
	lookup_free(&lk);
	/* root is never a mailbox by itself; an ordinary account is. */
	ck_assert_int_eq(lookup_recipient("root", "example.org", &lk), LK_UNKNOWN);
	lookup_free(&lk);
	/* Accounts count only with a home of their own (check_lookup covers them). */
	/* A file that cannot be read is temporary trouble, not "unknown". */
	char p[128];
	snprintf(p, sizeof p, "%s/aliases", dir);
	unlink(p);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(lookup_recipient("alice", "example.org", &lk), LK_ERROR);
	lookup_free(&lk);
}
END_TEST

static size_t
count_files(const char *path)
{
	DIR		*d = opendir(path);
	struct dirent	*de;
	size_t		 n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(maildir_sizes_and_failures)
{
	static const char *msgs[] = { "", "a\n", "no final newline", "x\ny\nz\n" };
	char		 md[128], name[256], p[512], *buf;
	struct dlv_result r;
	size_t		 len;

	snprintf(md, sizeof md, "%s/deep/er/Maildir", dir);
	for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		int fd = memfd(msgs[i]);
		ck_assert_int_eq(maildir_deliver(md, 1, fd, "H: 1\n", 5, &r, name, sizeof name), 0);
		ck_assert_int_eq(r.status, DLV_OK);
		snprintf(p, sizeof p, "%s/new/%s", md, name);
		ck_assert_int_eq(read_file_max(p, 1000, &buf, &len), 0);
		size_t lfs = 0;
		for (size_t k = 0; k < len; k++)
			lfs += buf[k] == '\n';
		char want[64];
		snprintf(want, sizeof want, ",S=%zu,W=%zu", len, len + lfs);
		ck_assert_ptr_nonnull(strstr(name, want));
		ck_assert_int_eq(memcmp(buf, "H: 1\n", 5), 0);
		ck_assert_str_eq(buf + 5, msgs[i]);
		free(buf);
		close(fd);
	}
	snprintf(p, sizeof p, "%s/tmp", md);
	ck_assert_uint_eq(count_files(p), 0);
	/* Missing without create: temporary; new/ not a folder: permanent, nothing left. */
	snprintf(p, sizeof p, "%s/none", dir);
	int fd = memfd("m\n");
	ck_assert_int_eq(maildir_deliver(p, 0, fd, "", 0, &r, NULL, 0), -1);
	ck_assert_int_eq(r.status, DLV_TEMP);
	snprintf(p, sizeof p, "%s/bad", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/bad/tmp", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/bad/new", dir);
	ck_assert_int_eq(write_file_atomic(p, "", 0, 0600), 0);
	snprintf(p, sizeof p, "%s/bad", dir);
	ck_assert_int_eq(maildir_deliver(p, 1, fd, "", 0, &r, NULL, 0), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	snprintf(p, sizeof p, "%s/bad/tmp", dir);
	ck_assert_uint_eq(count_files(p), 0);
	close(fd);
}
END_TEST

START_TEST(mbox_quoting_and_locks)
{
	char		 mb[128], lock[160], ln[160], *buf;
	struct dlv_result r;
	size_t		 len;
	int		 fd = memfd("Subject: q\n\nFrom here\n>From there\n>>From x\nFromage\n From\n>From");

	snprintf(mb, sizeof mb, "%s/mbox", dir);
	ck_assert_int_eq(mbox_deliver(mb, "a@example.org", 0, fd, "R: 1\n", 5, &r), 0);
	ck_assert_int_eq(mbox_deliver(mb, "", 0, fd, "", 0, &r), 0);
	ck_assert_int_eq(read_file_max(mb, 10000, &buf, &len), 0);
	ck_assert_str_eq(buf,
	    "From a@example.org Thu Jan  1 00:00:00 1970\nR: 1\nSubject: q\n\n"
	    ">From here\n>>From there\n>>>From x\nFromage\n From\n>From\n\n"
	    "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: q\n\n"
	    ">From here\n>>From there\n>>>From x\nFromage\n From\n>From\n\n");
	free(buf);
	/* A fresh dotlock held by someone else: busy, temporary, file unchanged. */
	snprintf(lock, sizeof lock, "%s.lock", mb);
	ck_assert_int_eq(write_file_atomic(lock, "", 0, 0600), 0);
	ck_assert_int_eq(mbox_deliver(mb, "a@example.org", 0, fd, "", 0, &r), -1);
	ck_assert_int_eq(r.status, DLV_TEMP);
	ck_assert_ptr_nonnull(strstr(r.text, "busy"));
	unlink(lock);
	/* A symlink is refused. */
	snprintf(ln, sizeof ln, "%s/link", dir);
	ck_assert_int_eq(symlink(mb, ln), 0);
	ck_assert_int_eq(mbox_deliver(ln, "a@example.org", 0, fd, "", 0, &r), -1);
	ck_assert_int_eq(r.status, DLV_PERM);
	close(fd);
}
END_TEST

START_TEST(loops)
{
	struct delivery	 d;
	struct dlv_result r;

	memset(&d, 0, sizeof d);
	d.rcpt = "bob@example.org";
	d.maxhops = 3;
	d.msgfd = memfd("Received: a\nDelivered-To: alice@example.org\nSubject: x\n\n"
	    "Delivered-To: bob@example.org\n");
	ck_assert_int_eq(local_loop_check(&d, &r), 0);     /* the body does not count */
	close(d.msgfd);
	d.msgfd = memfd("Received: a\nDelivered-To:  BOB@example.org \n\n");
	ck_assert_int_eq(local_loop_check(&d, &r), 1);
	ck_assert_int_eq(r.status, DLV_PERM);
	ck_assert_int_eq(strncmp(r.text, "5.4.6", 5), 0);
	close(d.msgfd);
	d.msgfd = memfd("Received: 1\nreceived: 2\nRECEIVED: 3\nDelivered-To: c@x\n\n");
	ck_assert_int_eq(local_loop_check(&d, &r), 1);      /* 4 hops > 3 */
	close(d.msgfd);
}
END_TEST

START_TEST(instructions)
{
	struct delivery	 d;
	struct dlv_result r;
	char		 p[256], *buf;
	size_t		 len;

	memset(&d, 0, sizeof d);
	d.rcpt = "u@example.org";
	d.sender = "s@example.org";
	d.local = "u";
	d.host = "example.org";
	d.ext = "";
	d.home = dir;
	d.msgfd = memfd("body\n");
	local_head(&d);
	ck_assert_str_eq(d.head, "Return-Path: <s@example.org>\nDelivered-To: u@example.org\n");
	/* Comments and blanks only: the default ./Maildir/, created. */
	ck_assert_int_eq(local_instructions(&d, "# nothing\n\n", &r), DLV_OK);
	snprintf(p, sizeof p, "%s/Maildir/new", dir);
	ck_assert_uint_eq(count_files(p), 1);
	/* A program that exits 99 stops the lines after it. */
	snprintf(p, sizeof p, "|cat > %s/prog; exit 99\n./mbox\n", dir);
	ck_assert_int_eq(local_instructions(&d, p, &r), DLV_OK);
	snprintf(p, sizeof p, "%s/prog", dir);
	ck_assert_int_eq(read_file_max(p, 1000, &buf, &len), 0);
	ck_assert_str_eq(buf, "Return-Path: <s@example.org>\nDelivered-To: u@example.org\nbody\n");
	free(buf);
	snprintf(p, sizeof p, "%s/mbox", dir);
	ck_assert_int_ne(access(p, F_OK), 0);
	d.stop = 0;
	ck_assert_int_eq(local_instructions(&d, "|echo full; exit 100\n", &r), DLV_PERM);
	ck_assert_ptr_nonnull(strstr(r.text, "full"));
	ck_assert_int_eq(local_instructions(&d, "|exit 111\n", &r), DLV_TEMP);
	ck_assert_int_eq(local_instructions(&d, "|exit 7\n", &r), DLV_TEMP);
	/* The environment a program sees. */
	snprintf(p, sizeof p, "|test \"$SENDER $RECIPIENT $LOCAL $HOST $DTLINE\" = "
	    "\"s@example.org u@example.org u example.org Delivered-To: u@example.org\" || exit 100\n");
	ck_assert_int_eq(local_instructions(&d, p, &r), DLV_OK);
	/* A program that leaves a child holding its output ends when it exits. */
	time_t t0 = time(NULL);
	ck_assert_int_eq(local_instructions(&d, "|sleep 20 & echo started\n", &r), DLV_OK);
	ck_assert_int_lt(time(NULL) - t0, 5);
	close(d.msgfd);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("deliver");
	TCase	*tc = tcase_create("deliver");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, aliases_parse);
	tcase_add_test(tc, lookup_order);
	tcase_add_test(tc, maildir_sizes_and_failures);
	tcase_add_test(tc, mbox_quoting_and_locks);
	tcase_add_test(tc, loops);
	tcase_add_test(tc, instructions);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
