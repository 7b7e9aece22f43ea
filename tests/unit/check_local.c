/* check_local.c: stamp-local's instruction lines, loop detection and programs. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deliver/local.h"
#include "fsutil.h"
#include "home.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char dir[64];

static void
setup(void)
{
	char	 p[128];

	strlcpy(dir, "/tmp/check_local.XXXXXX", sizeof dir);
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

static int
memfd(const char *text, size_t len)
{
	return ck_memfd(text, len);
}

static char *
slurp(const char *rel)
{
	char	 p[256], *buf;
	size_t	 len;

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	ck_assert_msg(read_file_max(p, 100000, &buf, &len) == 0, "cannot read %s", p);
	return buf;
}

static size_t
count_files(const char *rel)
{
	char		 p[256];
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	if ((d = opendir(p)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static const struct {
	const char	*line;
	enum local_kind	 kind;
	const char	*arg;
} parse_cases[] = {
	{ "", LI_NONE, "" },
	{ "# a comment", LI_NONE, "# a comment" },
	{ "./Maildir/", LI_MAILDIR, "./Maildir/" },
	{ "/var/mail/u/Maildir/", LI_MAILDIR, "/var/mail/u/Maildir/" },
	{ "./mbox", LI_MBOX, "./mbox" },
	{ "/var/mail/u", LI_MBOX, "/var/mail/u" },
	{ ".mail", LI_MBOX, ".mail" },
	{ "|notify \"$SENDER\"", LI_PIPE, "notify \"$SENDER\"" },
	{ "|", LI_PIPE, "" },
	{ "&bob@example.org", LI_FORWARD, "bob@example.org" },
	{ "bob@example.org", LI_FORWARD, "bob@example.org" },
	{ "bob", LI_FORWARD, "bob" },
};

START_TEST(parse_lines)
{
	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const char *arg = NULL;
		ck_assert_msg(local_parse(parse_cases[i].line, &arg) == parse_cases[i].kind,
		    "%s", parse_cases[i].line);
		ck_assert_str_eq(arg, parse_cases[i].arg);
	}
}
END_TEST

static const struct {
	const char	*msg;
	const char	*rcpt;
	long long	 maxhops;
	int		 rc;
} loop_cases[] = {
	{ "Subject: x\n\nbody\n", "bob@example.org", 100, 0 },
	{ "", "bob@example.org", 100, 0 },
	{ "Delivered-To: bob@example.org\n\n", "bob@example.org", 100, 1 },
	{ "delivered-to:\tBOB@Example.ORG \n\n", "bob@example.org", 100, 1 },
	{ "Delivered-To: bob@example.org\r\n\r\n", "bob@example.org", 100, 1 },
	{ "Delivered-To: bob@example.org.uk\n\n", "bob@example.org", 100, 0 },
	{ "Delivered-To: xbob@example.org\n\n", "bob@example.org", 100, 0 },
	{ "X-Delivered-To: bob@example.org\n\n", "bob@example.org", 100, 0 },
	{ "Delivered-To-Not: bob@example.org\n\n", "bob@example.org", 100, 0 },
	/* Only the header counts: not the body, not after the empty line. */
	{ "Subject: x\n\nDelivered-To: bob@example.org\n", "bob@example.org", 100, 0 },
	{ "Received: 1\nReceived: 2\nReceived: 3\n\n", "b@x", 3, 0 },
	{ "Received: 1\nreceived: 2\nRECEIVED: 3\nDelivered-To: c@x\n\n", "b@x", 3, 1 },
	{ "Received: 1\n\nReceived: 2\nReceived: 3\nReceived: 4\n", "b@x", 3, 0 },
	{ "Received : 1\nReceived: 2\n\n", "b@x", 1, 0 },
};

START_TEST(loop_detection)
{
	struct delivery	 d;
	struct dlv_result r;

	for (size_t i = 0; i < sizeof loop_cases / sizeof loop_cases[0]; i++) {
		memset(&d, 0, sizeof d);
		d.rcpt = loop_cases[i].rcpt;
		d.maxhops = loop_cases[i].maxhops;
		d.msgfd = memfd(loop_cases[i].msg, strlen(loop_cases[i].msg));
		ck_assert_msg(local_loop_check(&d, &r) == loop_cases[i].rc, "case %zu", i);
		if (loop_cases[i].rc == 1) {
			ck_assert_int_eq(r.status, DLV_PERM);
			ck_assert_int_eq(strncmp(r.text, "5.4.6 mail loop detected", 24), 0);
		}
		close(d.msgfd);
	}
}
END_TEST

START_TEST(loop_long_header)
{
	struct delivery	 d;
	struct dlv_result r;
	size_t		 n = HEADER_SCAN_MAX + 4096;
	char		*m = malloc(n);

	/* A header longer than the scan: counted up to its limit, then cut. */
	ck_assert_ptr_nonnull(m);
	for (size_t pos = 0; pos + 12 <= n; pos += 12)
		memcpy(m + pos, "Received: x\n", 12);
	memset(&d, 0, sizeof d);
	d.rcpt = "b@x";
	d.maxhops = 1000;
	d.msgfd = memfd(m, n);
	ck_assert_int_eq(local_loop_check(&d, &r), 1);
	ck_assert_ptr_nonnull(strstr(r.text, "more than maxhops 1000"));
	close(d.msgfd);
	free(m);
	/* A message that cannot be read: temporary. */
	d.msgfd = -1;
	ck_assert_int_eq(local_loop_check(&d, &r), -1);
	ck_assert_int_eq(r.status, DLV_TEMP);
}
END_TEST

static void
delivery(struct delivery *d, const char *msg)
{
	memset(d, 0, sizeof *d);
	d->id = "0123456789abcdef";
	d->rcpt = "u+ext@example.org";
	d->sender = "s@example.org";
	d->local = "u+ext";
	d->host = "example.org";
	d->ext = "ext";
	d->user = "someone";
	d->home = dir;
	d->maxhops = 100;
	d->msgfd = memfd(msg, strlen(msg));
	local_head(d);
}

START_TEST(head_lines)
{
	struct delivery	 d;

	delivery(&d, "x\n");
	ck_assert_str_eq(d.head, "Return-Path: <s@example.org>\nDelivered-To: u+ext@example.org\n");
	ck_assert_uint_eq(d.headlen, strlen(d.head));
	close(d.msgfd);
	delivery(&d, "x\n");
	d.sender = "";
	local_head(&d);
	ck_assert_str_eq(d.head, "Return-Path: <>\nDelivered-To: u+ext@example.org\n");
	close(d.msgfd);
}
END_TEST

START_TEST(pipe_environment)
{
	struct delivery	 d;
	struct dlv_result r;
	char		*got, home[128];

	delivery(&d, "Subject: t\n\nbody\n");
	ck_assert_int_eq(local_instructions(&d, "|env | sort > env.out; pwd > pwd.out; "
	    "cat > msg.out\n", &r), DLV_OK);
	got = slurp("env.out");
	snprintf(home, sizeof home, "\nHOME=%s\n", dir);
	ck_assert_ptr_nonnull(strstr(got, home));
	ck_assert_ptr_nonnull(strstr(got, "\nEXT=ext\n"));
	ck_assert_ptr_nonnull(strstr(got, "\nHOST=example.org\n"));
	ck_assert_ptr_nonnull(strstr(got, "\nLOCAL=u+ext\n"));
	ck_assert_ptr_nonnull(strstr(got, "\nPATH=/usr/local/bin:/usr/bin:/bin\n"));
	ck_assert_ptr_nonnull(strstr(got, "\nRECIPIENT=u+ext@example.org\n"));
	ck_assert_ptr_nonnull(strstr(got, "\nRPLINE=Return-Path: <s@example.org>\n"));
	ck_assert_ptr_nonnull(strstr(got, "\nSENDER=s@example.org\n"));
	ck_assert_ptr_nonnull(strstr(got, "\nUSER=someone\n"));
	ck_assert_int_eq(strncmp(got, "DTLINE=Delivered-To: u+ext@example.org\n", 39), 0);
	/* Nothing of ours leaks into it. */
	ck_assert_ptr_null(strstr(got, "CK_"));
	ck_assert_ptr_null(strstr(got, "STAMP_HOME="));
	free(got);
	got = slurp("pwd.out");
	ck_assert_int_eq(strncmp(got, dir, strlen(dir)), 0);
	free(got);
	got = slurp("msg.out");
	ck_assert_str_eq(got, "Return-Path: <s@example.org>\nDelivered-To: u+ext@example.org\n"
	    "Subject: t\n\nbody\n");
	free(got);
	close(d.msgfd);
}
END_TEST

static const struct {
	const char	*text;
	enum dlv_status	 status;
	const char	*in_text;
} exit_cases[] = {
	{ "|exit 0\n", DLV_OK, "2.0.0" },
	{ "|exit 99\n", DLV_OK, "2.0.0" },
	{ "|echo over quota; exit 100\n", DLV_PERM, "over quota" },
	{ "|echo try later; exit 111\n", DLV_TEMP, "try later" },
	{ "|exit 7\n", DLV_TEMP, "exit 7" },
	{ "|kill -9 $$\n", DLV_TEMP, "signal 9" },
	{ "|exit 0\n|exit 100\n", DLV_PERM, "5.2.0" },
	{ "|exit 111\n|exit 100\n", DLV_TEMP, "4.2.0" },  /* the first failure decides */
	{ "|exit 99\n|exit 100\n", DLV_OK, "2.0.0" },     /* 99 skips the rest */
	{ "# only a comment\n|exit 0\n\n", DLV_OK, "2.0.0" },
	{ "&not an address\n", DLV_PERM, "5.1.3" },
	{ "./Nodir/\n", DLV_TEMP, "4." },                 /* not made unless asked */
};

START_TEST(program_exits)
{
	struct delivery	 d;
	struct dlv_result r;

	for (size_t i = 0; i < sizeof exit_cases / sizeof exit_cases[0]; i++) {
		delivery(&d, "m\n");
		ck_assert_msg(local_instructions(&d, exit_cases[i].text, &r) == exit_cases[i].status,
		    "%s: %s", exit_cases[i].text, r.text);
		ck_assert_int_eq(r.status, exit_cases[i].status);
		ck_assert_msg(strstr(r.text, exit_cases[i].in_text) != NULL, "%s: %s",
		    exit_cases[i].text, r.text);
		for (const char *p = r.text; *p != '\0'; p++)
			ck_assert_int_ge((unsigned char)*p, 32);
		close(d.msgfd);
	}
}
END_TEST

START_TEST(program_output_bounded)
{
	struct delivery	 d;
	struct dlv_result r;

	delivery(&d, "m\n");
	ck_assert_int_eq(local_instructions(&d, "|head -c 100000 /dev/zero | tr '\\0' x; "
	    "printf 'a\\nb\\n'; exit 100\n", &r), DLV_PERM);
	ck_assert_uint_lt(strlen(r.text), sizeof r.text);
	ck_assert_ptr_null(strchr(r.text, '\n'));
	close(d.msgfd);
}
END_TEST

START_TEST(mailboxes)
{
	struct delivery	 d;
	struct dlv_result r;
	char		*got;

	delivery(&d, "Subject: m\n\nFrom me\n");
	/* Nothing but comments: the default ./Maildir/, made when missing. */
	ck_assert_int_eq(local_instructions(&d, "# nothing\n\n", &r), DLV_OK);
	ck_assert_uint_eq(count_files("Maildir/new"), 1);
	/* Several lines: every one delivers. */
	ck_assert_int_eq(local_instructions(&d, "./Maildir/\n./mbox\n/dev/null/x/\n", &r),
	    DLV_PERM);
	ck_assert_uint_eq(count_files("Maildir/new"), 2);
	got = slurp("mbox");
	ck_assert_int_eq(strncmp(got, "From s@example.org ", 19), 0);
	ck_assert_ptr_nonnull(strstr(got, "\nReturn-Path: <s@example.org>\nDelivered-To: "
	    "u+ext@example.org\nSubject: m\n\n>From me\n\n"));
	free(got);
	/* One instruction, as an alias target or a virtual user's Maildir. */
	ck_assert_int_eq(local_instruction(&d, "./v/Maildir/", 1, &r), DLV_OK);
	ck_assert_uint_eq(count_files("v/Maildir/new"), 1);
	ck_assert_int_eq(local_instruction(&d, "# no", 0, &r), DLV_OK);
	close(d.msgfd);
}
END_TEST

START_TEST(instruction_too_long)
{
	struct delivery	 d;
	struct dlv_result r;
	char		 text[2048];

	delivery(&d, "m\n");
	memset(text, 'x', sizeof text - 1);
	text[0] = '|';
	text[sizeof text - 1] = '\0';
	ck_assert_int_eq(local_instructions(&d, text, &r), DLV_PERM);
	ck_assert_int_eq(strncmp(r.text, "5.3.5", 5), 0);
	close(d.msgfd);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("local");
	TCase	*tc = tcase_create("local");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parse_lines);
	tcase_add_test(tc, loop_detection);
	tcase_add_test(tc, loop_long_header);
	tcase_add_test(tc, head_lines);
	tcase_add_test(tc, pipe_environment);
	tcase_add_test(tc, program_exits);
	tcase_add_test(tc, program_output_bounded);
	tcase_add_test(tc, mailboxes);
	tcase_add_test(tc, instruction_too_long);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
