/*
 * check_pop3.c: stamp-popd's command parser, both states driven by scripted
 * input (every command in every state), the Maildir scan and the message
 * writer's byte-stuffing.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "str.h"
#include "popd/maildrop.h"
#include "popd/msgwrite.h"
#include "popd/pop3auth.h"
#include "popd/pop3cmd.h"
#include "popd/pop3trans.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/ckscript.h"
#include "tests/unit/cktmp.h"

/* ---- captured output ------------------------------------------------------ */

/* One capture at a time, in static memory: nothing to free after a test. */
static char capmem[1 << 20];

struct capture {
	char	*buf;
	size_t	 len;
};

static ssize_t
cap_write(void *ctx, int fd, const void *src, size_t n, int timeout_ms)
{
	struct capture *c = ctx;

	(void)fd;
	(void)timeout_ms;
	ck_assert_uint_lt(c->len + n, sizeof capmem);
	memcpy(c->buf + c->len, src, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return (ssize_t)n;
}

struct io {
	struct script	 sc;
	struct capture	 cap;
	struct rbuf	 in;
	struct wbuf	 out;
	char		 rmem[4096], wmem[512];
};

static void
io_init(struct io *io, const char *script, size_t chunk)
{
	memset(io, 0, sizeof *io);
	io->cap.buf = capmem;
	capmem[0] = '\0';
	io->sc.data = script;
	io->sc.len = strlen(script);
	io->sc.chunk = chunk;
	rbuf_init(&io->in, -1, io->rmem, sizeof io->rmem, 1000);
	rbuf_set_reader(&io->in, script_read, &io->sc);
	wbuf_init(&io->out, -1, io->wmem, sizeof io->wmem, 1000);
	wbuf_set_writer(&io->out, cap_write, &io->cap);
}

/* ---- the parser ----------------------------------------------------------- */

START_TEST(parse_table)
{
	static const struct {
		const char *line;
		enum pop3_parse r;
		enum pop3_verb v;
		int nargs;
		const char *a0, *a1;
	} t[] = {
		{ "STAT\r\n", PP_OK, P_STAT, 0, NULL, NULL },
		{ "stat\n", PP_OK, P_STAT, 0, NULL, NULL },
		{ "LiSt 3\r\n", PP_OK, P_LIST, 1, "3", NULL },
		{ "TOP 1 10\r\n", PP_OK, P_TOP, 2, "1", "10" },
		{ "TOP 1 10 9\r\n", PP_OK, P_TOP, 3, "1", "10" },
		{ "TOP 1  10\r\n", PP_BAD, P_TOP, 0, NULL, NULL },
		{ "LIST \r\n", PP_BAD, P_LIST, 0, NULL, NULL },
		{ "PASS with spaces  in it\r\n", PP_OK, P_PASS, 1, "with spaces  in it", NULL },
		{ "PASS \r\n", PP_OK, P_PASS, 1, "", NULL },
		{ "USER alice\r\n", PP_OK, P_USER, 1, "alice", NULL },
		{ "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n", PP_OK, P_APOP, 2, "mrose",
		  "c4c9334bac560ecc979e58001b3e22fb" },
		{ "XYZZY\r\n", PP_OK, P_UNKNOWN, 0, NULL, NULL },
		{ "STATX\r\n", PP_OK, P_UNKNOWN, 0, NULL, NULL },
		{ "\r\n", PP_EMPTY, P_UNKNOWN, 0, NULL, NULL },
		{ "CAPA", PP_OK, P_CAPA, 0, NULL, NULL },
	};
	struct pop3_cmd c;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_msg(pop3_parse(t[i].line, strlen(t[i].line), &c) == t[i].r, "case %zu", i);
		if (t[i].r != PP_OK)
			continue;
		ck_assert_msg(c.verb == t[i].v, "case %zu", i);
		ck_assert_int_eq(c.nargs, t[i].nargs);
		if (t[i].a0)
			ck_assert_str_eq(c.arg[0], t[i].a0);
		if (t[i].a1)
			ck_assert_str_eq(c.arg[1], t[i].a1);
	}
	ck_assert_int_eq(pop3_parse("ST\0AT\r\n", 7, &c), PP_BAD);
}
END_TEST

START_TEST(numbers)
{
	size_t	 n;
	long	 l;

	ck_assert(pop3_msgno("1", 5, &n) && n == 1);
	ck_assert(pop3_msgno("5", 5, &n) && n == 5);
	ck_assert(!pop3_msgno("6", 5, &n));
	ck_assert(!pop3_msgno("0", 5, &n));
	ck_assert(!pop3_msgno("-1", 5, &n));
	ck_assert(!pop3_msgno("+1", 5, &n));
	ck_assert(!pop3_msgno("1x", 5, &n));
	ck_assert(!pop3_msgno("", 5, &n));
	ck_assert(!pop3_msgno("99999999999999999999999", 5, &n));
	ck_assert(pop3_count("0", &l) && l == 0);
	ck_assert(pop3_count("1000", &l) && l == 1000);
	ck_assert(!pop3_count("x", &l));
}
END_TEST

/* ---- AUTHORIZATION, scripted ---------------------------------------------- */

struct fake {
	int	 checks, delays, ok_after;   /* ok_after: the check that succeeds (1-based; 0 never) */
	enum pop3_verdict forced;
	char	 user[64], pass[64], ts[128], left[256];
};

static enum pop3_verdict
fake_check(void *ctx, const char *user, const char *pass, const char *ts,
    const char *left, size_t leftlen)
{
	struct fake *f = ctx;

	f->checks++;
	strlcpy(f->user, user, sizeof f->user);
	strlcpy(f->pass, pass, sizeof f->pass);
	strlcpy(f->ts, ts, sizeof f->ts);
	snprintf(f->left, sizeof f->left, "%.*s", (int)leftlen, left);
	if (f->forced != PV_OK)
		return f->forced;
	return f->checks == f->ok_after ? PV_OK : PV_FAIL;
}

static void
fake_delay(void *ctx, int s)
{
	struct fake *f = ctx;

	ck_assert_int_eq(s, 2);
	f->delays++;
}

static size_t auth_chunk = 3;	/* the scripted client's bytes per read */

static enum pop3_auth_end
auth_run(const char *script, struct fake *f, int plaintext, const char *ts, struct io *io)
{
	struct pop3_auth_hooks h = { .check = fake_check, .delay = fake_delay, .ctx = f };
	struct pop3_auth_conf c = { plaintext, 0, ts, 2, "192.0.2.1" };

	io_init(io, script, auth_chunk);
	return pop3_authorization(&io->in, &io->out, &c, &h);
}

/* Every reply line's first word, space-separated, for compact expectations. */
static void
verdicts(const char *out, char *dst, size_t dstsz)
{
	dst[0] = '\0';
	for (const char *p = out; *p != '\0';) {
		const char *e = strstr(p, "\r\n");

		if (e == NULL)
			break;
		if (strncmp(p, "+OK", 3) == 0 || strncmp(p, "-ERR", 4) == 0 || strncmp(p, "+ ", 2) == 0)
			strlcat(dst, *p == '-' ? "E" : p[1] == ' ' ? "+" : "O", dstsz);
		p = e + 2;
	}
}

START_TEST(auth_every_command)
{
	struct io	 io;
	struct fake	 f = { 0 };
	char		 v[64];

	ck_assert_int_eq(auth_run("STAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nNOOP\r\nRSET\r\nTOP 1 1\r\n"
	    "UIDL\r\nPASS x\r\nSTLS\r\nAPOP a 0123456789abcdef0123456789abcdef\r\n"
	    "AUTH CRAM-MD5\r\nAUTH\r\nUSER\r\nBOGUS\r\n\r\nQUIT\r\n", &f, 1, "", &io), PA_QUIT);
	verdicts(io.cap.buf, v, sizeof v);
	/* greeting, 12 refusals, the bare AUTH's mechanism list, 3 refusals, QUIT */
	ck_assert_str_eq(v, "OEEEEEEEEEEEEOEEEO");
	ck_assert_ptr_nonnull(strstr(io.cap.buf, "+OK\r\nPLAIN\r\n.\r\n"));
	ck_assert_int_eq(f.checks, 0);
}
END_TEST

START_TEST(auth_user_pass_and_pipelined_leftover)
{
	struct io	 io;
	struct fake	 f = { .ok_after = 1 };

	auth_chunk = 0;		/* all of it in one read, as a pipelining client's packet */
	ck_assert_int_eq(auth_run("CAPA\r\nUSER alice\r\nPASS a b c\r\nSTAT\r\nLIST\r\n", &f, 1, "",
	    &io), PA_LOGGED_IN);
	auth_chunk = 3;
	ck_assert_str_eq(f.user, "alice");
	ck_assert_str_eq(f.pass, "a b c");
	/* What the client pipelined after PASS goes on to the transaction part. */
	ck_assert_str_eq(f.left, "STAT\r\nLIST\r\n");
	ck_assert_ptr_nonnull(strstr(io.cap.buf, "\r\nUSER\r\nSASL PLAIN\r\n"));
	ck_assert_ptr_nonnull(strstr(io.cap.buf, "\r\nRESP-CODES\r\n"));
}
END_TEST

START_TEST(auth_failures_delay_and_fourth_closes)
{
	struct io	 io;
	struct fake	 f = { 0 };
	char		 v[64];

	ck_assert_int_eq(auth_run("USER a\r\nPASS 1\r\nUSER b\r\nPASS 2\r\nUSER a\r\nPASS 3\r\n"
	    "USER a\r\nPASS 4\r\n", &f, 1, "", &io), PA_TOOMANY);
	ck_assert_int_eq(f.checks, 3);
	ck_assert_int_eq(f.delays, 3);
	verdicts(io.cap.buf, v, sizeof v);
	ck_assert_str_eq(v, "OOEOEOEE");
	ck_assert_ptr_nonnull(strstr(io.cap.buf, "-ERR [AUTH] invalid user name or password\r\n"));
	ck_assert_ptr_nonnull(strstr(io.cap.buf, "-ERR [AUTH] too many"));
}
END_TEST

START_TEST(auth_temporary_and_pass_resets_user)
{
	struct io	 io;
	struct fake	 f = { .forced = PV_TEMP };

	ck_assert_int_eq(auth_run("USER a\r\nPASS x\r\nPASS y\r\nQUIT\r\n", &f, 1, "", &io), PA_QUIT);
	ck_assert_int_eq(f.checks, 1);
	ck_assert_int_eq(f.delays, 0);
	ck_assert_ptr_nonnull(strstr(io.cap.buf, "-ERR [SYS/TEMP]"));
	ck_assert_ptr_nonnull(strstr(io.cap.buf, "-ERR USER first"));
}
END_TEST

START_TEST(auth_plaintext_refused)
{
	struct io	 io;
	struct fake	 f = { .ok_after = 1 };

	ck_assert_int_eq(auth_run("CAPA\r\nUSER a\r\nPASS x\r\nAUTH PLAIN AGEAYg==\r\nQUIT\r\n", &f, 0,
	    "", &io), PA_QUIT);
	ck_assert_int_eq(f.checks, 0);
	ck_assert_ptr_null(strstr(io.cap.buf, "\r\nUSER\r\n"));
	ck_assert_ptr_null(strstr(io.cap.buf, "SASL"));
	ck_assert_ptr_nonnull(strstr(io.cap.buf, "-ERR [AUTH] Plaintext"));
}
END_TEST

START_TEST(auth_plain_forms)
{
	static const struct { const char *script; int checks; const char *user, *pass; } t[] = {
		/* "\0alice\0pw" initial response */
		{ "AUTH PLAIN AGFsaWNlAHB3\r\n", 1, "alice", "pw" },
		/* continuation */
		{ "AUTH PLAIN\r\nAGFsaWNlAHB3\r\n", 1, "alice", "pw" },
		/* authzid the same user */
		{ "AUTH plain YWxpY2UAYWxpY2UAcHc=\r\n", 1, "alice", "pw" },
		/* authzid another user: refused without a check */
		{ "AUTH PLAIN Ym9iAGFsaWNlAHB3\r\nQUIT\r\n", 0, "", "" },
		/* cancelled */
		{ "AUTH PLAIN\r\n*\r\nQUIT\r\n", 0, "", "" },
		/* not base64 */
		{ "AUTH PLAIN !!!!\r\nQUIT\r\n", 0, "", "" },
		/* one NUL only */
		{ "AUTH PLAIN YWxpY2UAcHc=\r\nQUIT\r\n", 0, "", "" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct io io;
		struct fake f = { .ok_after = 1 };

		auth_run(t[i].script, &f, 1, "", &io);
		ck_assert_msg(f.checks == t[i].checks, "case %zu", i);
		ck_assert_str_eq(f.user, t[i].user);
		ck_assert_str_eq(f.pass, t[i].pass);
	}
}
END_TEST

START_TEST(auth_apop_and_greeting)
{
	struct io	 io;
	struct fake	 f = { .ok_after = 1 };
	const char	*ts = "<1.2.3@example.org>";

	ck_assert_int_eq(auth_run("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n", &f, 0, ts, &io),
	    PA_LOGGED_IN);	/* APOP is no plaintext password: allowed anywhere */
	ck_assert_str_eq(f.ts, ts);
	ck_assert_str_eq(f.pass, "c4c9334bac560ecc979e58001b3e22fb");
	ck_assert(strncmp(io.cap.buf, "+OK stamp POP3 server ready <1.2.3@example.org>\r\n", 48) == 0);
}
END_TEST

START_TEST(auth_long_lines_and_eof)
{
	char		 script[2048];
	struct io	 io;
	struct fake	 f = { 0 };

	memset(script, 'A', 600);
	strcpy(script + 600, "\r\nUSER ");
	memset(script + 607, 'b', 250);
	strcpy(script + 857, "\r\nNOOP");	/* no line end: EOF */
	ck_assert_int_eq(auth_run(script, &f, 1, "", &io), PA_GONE);
	ck_assert_int_eq(f.checks, 0);
	ck_assert_int_eq((int)(strstr(io.cap.buf, "too long") != NULL), 1);
	ck_assert_ptr_nonnull(strstr(strstr(io.cap.buf, "too long") + 1, "too long"));
}
END_TEST

/* ---- Maildir scan --------------------------------------------------------- */

static char dir[64];

static void
setup(void)
{
	ck_scratch(dir, sizeof dir, "check_pop3", (const char *const[]){ "cur", "new", "tmp", NULL });
}

static void
teardown(void)
{
	ck_rmtree(dir);
}

static void
put(const char *rel, const char *text)
{
	ck_put(dir, rel, text);
}

START_TEST(name_parts)
{
	ck_assert_int_eq(maildrop_name_wsize("1.M2P3.h,S=10,W=12"), 12);
	ck_assert_int_eq(maildrop_name_wsize("1.M2P3.h,S=10,W=12:2,S"), 12);
	ck_assert_int_eq(maildrop_name_wsize("1.M2P3.h,W=7,S=5"), 7);
	ck_assert_int_eq(maildrop_name_wsize("1.M2P3.h,S=10"), -1);
	ck_assert_int_eq(maildrop_name_wsize("1.M2P3.h"), -1);
	ck_assert_int_eq(maildrop_name_wsize("1.M2P3.h,W=x"), -1);
	ck_assert_int_eq(maildrop_name_wsize("1.M2P3.h:2,W=5"), -1);	/* in the flags, not the name */
	ck_assert_int_eq(maildrop_name_wsize("1.M2P3.h,W=99999999999999999999999"), -1);
	ck_assert_uint_eq(maildrop_unique_len("abc:2,S"), 3);
	ck_assert_uint_eq(maildrop_unique_len("abc"), 3);
}
END_TEST

START_TEST(scan_order_sizes_flags)
{
	struct maildrop	 d, d2;
	char		 u[UIDL_MAX + 1], p[256];

	/* W= given (wrong on purpose: the name is trusted, the file not opened) */
	put("new/1700000002.M5P1Q1.h,S=6,W=99", "a\nb\n");
	/* no W=: the file is counted */
	put("new/1700000001.M20P1Q1.h,S=6", "a\nb\r\nc");
	/* already in cur with flags, delivered first */
	put("cur/1700000001.M3P1Q1.h:2,S", "x\n");
	/* within one second, microseconds order it (not the text: 100 > 20) */
	put("new/1700000001.M100P1Q1.h", "y\n");
	put("new/.hidden", "z\n");
	ck_assert_int_eq(maildrop_open(&d, dir), MD_OK);
	ck_assert_uint_eq(d.n, 4);
	ck_assert_str_eq(maildrop_name(&d, 0), "1700000001.M3P1Q1.h:2,S");
	ck_assert_str_eq(maildrop_name(&d, 1), "1700000001.M20P1Q1.h,S=6:2,");
	ck_assert_str_eq(maildrop_name(&d, 2), "1700000001.M100P1Q1.h:2,");
	ck_assert_str_eq(maildrop_name(&d, 3), "1700000002.M5P1Q1.h,S=6,W=99:2,");
	ck_assert_int_eq(d.m[0].size, 3);
	ck_assert_int_eq(d.m[1].size, 7);	/* a\r\n b\r\n c: the CRLF already there counts 2 */
	ck_assert_int_eq(d.m[3].size, 99);
	maildrop_uidl(&d, 0, u);
	ck_assert_str_eq(u, "1700000001.M3P1Q1.h");
	maildrop_uidl(&d, 3, u);
	ck_assert_str_eq(u, "1700000002.M5P1Q1.h,S=6,W=99");
	/* new/ is empty now, the hidden file aside */
	snprintf(p, sizeof p, "%s/new/.hidden", dir);
	ck_assert_int_eq(access(p, F_OK), 0);
	/* one session at a time */
	ck_assert_int_eq(maildrop_open(&d2, dir), MD_INUSE);
	maildrop_close(&d2);
	/* another program changes flags: the message is found again */
	snprintf(p, sizeof p, "%s/cur/1700000001.M100P1Q1.h:2,", dir);
	{
		char q[256];
		int fd;

		snprintf(q, sizeof q, "%s/cur/1700000001.M100P1Q1.h:2,RS", dir);
		ck_assert_int_eq(rename(p, q), 0);
		ck_assert_int_ge(fd = maildrop_openmsg(&d, 2), 0);
		close(fd);
	}
	d.m[2].deleted = d.m[0].deleted = 1;
	ck_assert_uint_eq(maildrop_commit(&d), 0);
	maildrop_close(&d);
	ck_assert_int_eq(maildrop_open(&d, dir), MD_OK);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_str_eq(maildrop_name(&d, 0), "1700000001.M20P1Q1.h,S=6:2,");
	maildrop_close(&d);
}
END_TEST

START_TEST(uidl_of_a_long_name)
{
	struct maildrop	 d;
	char		 u[UIDL_MAX + 1], name[200];

	memset(name, 'h', sizeof name);
	memcpy(name, "cur/1.M1P1.", 11);
	name[150] = '\0';
	put(name, "x\n");
	ck_assert_int_eq(maildrop_open(&d, dir), MD_OK);
	maildrop_uidl(&d, 0, u);
	ck_assert_uint_eq(strlen(u), 32);
	maildrop_close(&d);
}
END_TEST

/* ---- the message writer --------------------------------------------------- */

static void
write_case(const char *in, long lines, const char *want)
{
	struct io	 io;
	int		 fd = ck_memfd(in, strlen(in));

	io_init(&io, "", 0);
	ck_assert_int_eq(msg_write(&io.out, fd, lines), 0);
	ck_assert_int_eq(wbuf_flush(&io.out), 0);
	ck_assert_str_eq(io.cap.buf, want);
	close(fd);
}

START_TEST(stuffing_and_line_ends)
{
	write_case("a\nb\n", MSGWRITE_ALL, "a\r\nb\r\n.\r\n");
	write_case(".x\n..y\n.\nz.\n", MSGWRITE_ALL, "..x\r\n...y\r\n..\r\nz.\r\n.\r\n");
	write_case("no end", MSGWRITE_ALL, "no end\r\n.\r\n");
	write_case("crlf\r\nkept\r\n", MSGWRITE_ALL, "crlf\r\nkept\r\n.\r\n");
	write_case("", MSGWRITE_ALL, ".\r\n");
	write_case(".", MSGWRITE_ALL, "..\r\n.\r\n");
}
END_TEST

START_TEST(top_lines)
{
	const char *m = "H: 1\nH: 2\n\nb1\n.b2\nb3\n";

	write_case(m, 0, "H: 1\r\nH: 2\r\n\r\n.\r\n");
	write_case(m, 2, "H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\n.\r\n");
	write_case(m, 100, "H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\nb3\r\n.\r\n");
	write_case("H: 1\r\n\r\nb\r\n", 0, "H: 1\r\n\r\n.\r\n");
	write_case("H: only\n", 0, "H: only\r\n.\r\n");
}
END_TEST

/* A big message through a small buffer: every octet, stuffed, in order. */
START_TEST(big_message)
{
	size_t		 n = 200000;
	char		*m = malloc(n + 1);
	struct str	 want = STR_INIT;
	struct io	 io;
	int		 fd;

	for (size_t i = 0; i < n; i++)
		m[i] = i % 50 == 49 ? '\n' : i % 50 == 0 ? '.' : 'x';
	m[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (m[i] == '\n')
			str_appendc(&want, '\r');
		if (m[i] == '.' && (i == 0 || m[i - 1] == '\n'))
			str_appendc(&want, '.');
		str_appendc(&want, m[i]);
	}
	str_appends(&want, ".\r\n");
	fd = ck_memfd(m, n);
	io_init(&io, "", 0);
	ck_assert_int_eq(msg_write(&io.out, fd, MSGWRITE_ALL), 0);
	ck_assert_int_eq(wbuf_flush(&io.out), 0);
	ck_assert_uint_eq(io.cap.len, want.len);
	ck_assert(memcmp(io.cap.buf, want.s, want.len) == 0);
	close(fd);
	free(m);
	str_free(&want);
}
END_TEST

/* ---- TRANSACTION, scripted ------------------------------------------------ */

START_TEST(transaction_every_command)
{
	struct maildrop	 d;
	struct io	 io;
	char		 p[256];

	put("new/1700000001.M1P1Q1.h,S=4,W=6", "a\nb\n");
	put("new/1700000002.M1P1Q1.h,S=2,W=3", "c\n");
	ck_assert_int_eq(maildrop_open(&d, dir), MD_OK);
	io_init(&io, "STAT\r\nLIST\r\nLIST 2\r\nLIST 3\r\nUIDL 1\r\nRETR 1\r\nTOP 2 0\r\n"
	    "DELE 1\r\nDELE 1\r\nRETR 1\r\nSTAT\r\nRSET\r\nDELE 2\r\nNOOP\r\nUSER x\r\nPASS y\r\n"
	    "APOP a b\r\nAUTH PLAIN\r\nSTLS\r\nCAPA\r\nBOGUS\r\nLIST x\r\nRETR\r\nTOP 1\r\nQUIT\r\n", 7);
	ck_assert_int_eq(pop3_transaction(&io.in, &io.out, &d, "u"), PT_UPDATED);
	maildrop_close(&d);
	ck_assert_ptr_nonnull(strstr(io.cap.buf, "+OK 2 messages (9 octets)\r\n+OK 2 9\r\n"
	    "+OK scan listing follows\r\n1 6\r\n2 3\r\n.\r\n+OK 2 3\r\n-ERR no such message\r\n"
	    "+OK 1 1700000001.M1P1Q1.h,S=4,W=6\r\n+OK 6 octets\r\na\r\nb\r\n.\r\n"
	    "+OK 3 octets\r\nc\r\n.\r\n+OK message 1 deleted\r\n-ERR no such message\r\n"
	    "-ERR no such message\r\n+OK 1 3\r\n+OK 2 messages (9 octets)\r\n"
	    "+OK message 2 deleted\r\n+OK\r\n-ERR not in TRANSACTION state\r\n"
	    "-ERR not in TRANSACTION state\r\n-ERR not in TRANSACTION state\r\n"
	    "-ERR not in TRANSACTION state\r\n-ERR not in TRANSACTION state\r\n"
	    "+OK capability list follows\r\n"));
	ck_assert_ptr_nonnull(strstr(io.cap.buf, "IMPLEMENTATION stamp\r\n.\r\n-ERR unknown command\r\n"
	    "-ERR no such message\r\n-ERR usage: RETR msg\r\n-ERR usage: TOP msg lines\r\n"
	    "+OK bye, 1 messages deleted\r\n"));
	snprintf(p, sizeof p, "%s/cur/1700000001.M1P1Q1.h,S=4,W=6:2,", dir);
	ck_assert_int_eq(access(p, F_OK), 0);
	snprintf(p, sizeof p, "%s/cur/1700000002.M1P1Q1.h,S=2,W=3:2,", dir);
	ck_assert_int_eq(access(p, F_OK), -1);
}
END_TEST

START_TEST(transaction_eof_removes_nothing)
{
	struct maildrop	 d;
	struct io	 io;

	put("new/1700000001.M1P1Q1.h,S=4,W=6", "a\nb\n");
	ck_assert_int_eq(maildrop_open(&d, dir), MD_OK);
	io_init(&io, "DELE 1\r\nQUI", 0);
	ck_assert_int_eq(pop3_transaction(&io.in, &io.out, &d, "u"), PT_GONE);
	maildrop_close(&d);
	ck_assert_int_eq(maildrop_open(&d, dir), MD_OK);
	ck_assert_uint_eq(d.n, 1);
	maildrop_close(&d);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("pop3");
	TCase	*p = tcase_create("parse"), *a = tcase_create("auth"), *m = tcase_create("maildrop");

	tcase_add_test(p, parse_table);
	tcase_add_test(p, numbers);
	tcase_add_test(p, stuffing_and_line_ends);
	tcase_add_test(p, top_lines);
	tcase_add_test(p, big_message);
	tcase_add_test(a, auth_every_command);
	tcase_add_test(a, auth_user_pass_and_pipelined_leftover);
	tcase_add_test(a, auth_failures_delay_and_fourth_closes);
	tcase_add_test(a, auth_temporary_and_pass_resets_user);
	tcase_add_test(a, auth_plaintext_refused);
	tcase_add_test(a, auth_plain_forms);
	tcase_add_test(a, auth_apop_and_greeting);
	tcase_add_test(a, auth_long_lines_and_eof);
	tcase_add_checked_fixture(m, setup, teardown);
	tcase_add_test(m, name_parts);
	tcase_add_test(m, scan_order_sizes_flags);
	tcase_add_test(m, uidl_of_a_long_name);
	tcase_add_test(m, transaction_every_command);
	tcase_add_test(m, transaction_eof_removes_nothing);
	suite_add_tcase(s, p);
	suite_add_tcase(s, a);
	suite_add_tcase(s, m);
	return s;
}

int
main(void)
{
	return ck_run(suite());
}
