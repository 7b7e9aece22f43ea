/* check_injopts.c: sendmail's command line, and reading the message (the "." line, CR LF). */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "queue/inj_opts.h"
#include "queue/inj_read.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static const struct {
	const char *argv[10];
	int         code;        /* 0, or the sysexits code of a refusal */
	enum inj_mode mode;
	int         extract, dot_ends;
	const char *sender, *fullname;
	size_t      nrcpt;
	const char *first;       /* the first recipient */
} t[] = {
	{ { "sendmail", "bob" }, 0, MODE_DELIVER, 0, 1, NULL, NULL, 1, "bob" },
	{ { "sendmail", "-t" }, 0, MODE_DELIVER, 1, 1, NULL, NULL, 0, NULL },
	{ { "sendmail", "-ti" }, 0, MODE_DELIVER, 1, 0, NULL, NULL, 0, NULL },
	{ { "sendmail", "-t", "-oi", "-oem", "-odb", "-odi" }, 0, MODE_DELIVER, 1, 0, NULL, NULL, 0, NULL },
	{ { "sendmail", "-f", "a@b.example", "-F", "Full Name", "x" }, 0, MODE_DELIVER, 0, 1,
	  "a@b.example", "Full Name", 1, "x" },
	{ { "sendmail", "-fa@b.example", "-FName", "x", "y" }, 0, MODE_DELIVER, 0, 1, "a@b.example", "Name", 2, "x" },
	{ { "sendmail", "-r", "a@b.example", "x" }, 0, MODE_DELIVER, 0, 1, "a@b.example", NULL, 1, "x" },
	{ { "sendmail", "-f", "", "x" }, 0, MODE_DELIVER, 0, 1, "", NULL, 1, "x" },
	{ { "sendmail", "-bm", "x" }, 0, MODE_DELIVER, 0, 1, NULL, NULL, 1, "x" },
	{ { "sendmail", "-bp" }, 0, MODE_LIST, 0, 1, NULL, NULL, 0, NULL },
	{ { "/usr/bin/mailq" }, 0, MODE_LIST, 0, 1, NULL, NULL, 0, NULL },
	{ { "mailq", "-v" }, 0, MODE_LIST, 0, 1, NULL, NULL, 0, NULL },
	{ { "sendmail", "-q" }, 0, MODE_FLUSH, 0, 1, NULL, NULL, 0, NULL },
	{ { "sendmail", "-bs" }, 0, MODE_SMTP, 0, 1, NULL, NULL, 0, NULL },
	{ { "sendmail", "-bi" }, 0, MODE_ALIASES, 0, 1, NULL, NULL, 0, NULL },
	{ { "sendmail", "-I" }, 0, MODE_ALIASES, 0, 1, NULL, NULL, 0, NULL },
	{ { "sendmail", "--", "-dash@example.org" }, 0, MODE_DELIVER, 0, 1, NULL, NULL, 1, "-dash@example.org" },
	{ { "sendmail", "x", "-t" }, 0, MODE_DELIVER, 0, 1, NULL, NULL, 2, "x" },  /* options come first */
	{ { "sendmail", "-v", "-m", "-n", "-U", "-B", "8BITMIME", "x" }, 0, MODE_DELIVER, 0, 1, NULL, NULL, 1, "x" },
	{ { "sendmail", "-N", "never", "-R", "hdrs", "-V", "envid", "x" }, 0, MODE_DELIVER, 0, 1, NULL, NULL, 1, "x" },
	{ { "sendmail", "-h", "17", "-L", "label", "-O", "Opt=1", "x" }, 0, MODE_DELIVER, 0, 1, NULL, NULL, 1, "x" },
	{ { "sendmail", "-Z" }, EX_USAGE, 0, 0, 0, NULL, NULL, 0, NULL },
	{ { "sendmail", "-tZ" }, EX_USAGE, 0, 0, 0, NULL, NULL, 0, NULL },
	{ { "sendmail", "-f" }, EX_USAGE, 0, 0, 0, NULL, NULL, 0, NULL },
	{ { "sendmail", "-bd" }, EX_USAGE, 0, 0, 0, NULL, NULL, 0, NULL },
	{ { "sendmail", "-bv", "x" }, EX_USAGE, 0, 0, 0, NULL, NULL, 0, NULL },
	{ { "sendmail", "-q30m" }, EX_USAGE, 0, 0, 0, NULL, NULL, 0, NULL },
	{ { "sendmail", "-oQ/tmp" }, EX_USAGE, 0, 0, 0, NULL, NULL, 0, NULL },
	{ { "sendmail", "-C", "/etc/x.cf" }, EX_USAGE, 0, 0, 0, NULL, NULL, 0, NULL },
	{ { "sendmail", "-X", "/tmp/log" }, EX_USAGE, 0, 0, 0, NULL, NULL, 0, NULL },
};

START_TEST(options)
{
	struct inj_opts o;
	char err[INJ_ERR_MAX];
	int argc = 0;

	while (t[_i].argv[argc] != NULL)
		argc++;
	ck_assert_int_eq(inj_opts_parse(argc, (char *const *)t[_i].argv, &o, err, sizeof err),
	    t[_i].code);
	if (t[_i].code != 0) {
		ck_assert_uint_gt(strlen(err), 10);
		return;
	}
	ck_assert_int_eq(o.mode, t[_i].mode);
	ck_assert_int_eq(o.extract, t[_i].extract);
	ck_assert_int_eq(o.dot_ends, t[_i].dot_ends);
	ck_assert_pstr_eq(o.sender, t[_i].sender);
	ck_assert_pstr_eq(o.fullname, t[_i].fullname);
	ck_assert_uint_eq(o.nrcpt, t[_i].nrcpt);
	if (t[_i].first != NULL)
		ck_assert_str_eq(o.rcpt[0], t[_i].first);
}
END_TEST

static const struct {
	const char *in;
	int         dot_ends;
	const char *want;
} reads[] = {
	{ "a\r\nb\r\n", 0, "a\nb\n" },
	{ "a\rb\n", 0, "a\rb\n" },                 /* a bare CR stays */
	{ "a\n.\nb\n", 1, "a\n" },                 /* the "." line ends it */
	{ "a\r\n.\r\nb\r\n", 1, "a\n" },
	{ "a\n.\nb\n", 0, "a\n.\nb\n" },           /* -i: it is data */
	{ ".\n", 1, "" },
	{ "a\n.", 1, "a\n" },                      /* at the very end, no line end */
	{ "a\n..\n.x\n", 1, "a\n..\n.x\n" },       /* no dot-stuffing to undo */
	{ "", 1, "" },
};

START_TEST(reading)
{
	int fd = ck_memfd(reads[_i].in, strlen(reads[_i].in));
	struct str out = STR_INIT;

	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(inj_read(fd, reads[_i].dot_ends, 0, &out), 0);
	ck_assert_uint_eq(out.len, strlen(reads[_i].want));
	ck_assert(memcmp(out.s, reads[_i].want, out.len) == 0);
	str_free(&out);
	close(fd);
}
END_TEST

/* More than the limit: EFBIG, whatever the chunking. */
START_TEST(too_big)
{
	static char big[200000];
	struct str out = STR_INIT;
	int fd;

	memset(big, 'x', sizeof big);
	fd = ck_memfd(big, sizeof big);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	errno = 0;
	ck_assert_int_eq(inj_read(fd, 0, sizeof big - 1, &out), -1);
	ck_assert_int_eq(errno, EFBIG);
	str_free(&out);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(inj_read(fd, 0, sizeof big, &out), 0);
	ck_assert_uint_eq(out.len, sizeof big);
	str_free(&out);
	close(fd);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("injopts");
	TCase	*tc = tcase_create("injopts");

	tcase_add_loop_test(tc, options, 0, (int)(sizeof t / sizeof t[0]));
	tcase_add_loop_test(tc, reading, 0, (int)(sizeof reads / sizeof reads[0]));
	tcase_add_test(tc, too_big);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
