/*
 * check_smtpd_parts.c: the pieces of stamp-smtpd apart from the session:
 * the DATA/BDAT scanner at every cut, command lines and ESMTP parameters,
 * relay decisions and address prefixes, base64, the Received: line, the
 * queue's and the password checker's verdicts (check_smtpd_progs.c runs
 * the real programs).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "smtpd/b64.h"
#include "smtpd/checkpw.h"
#include "smtpd/cmdline.h"
#include "smtpd/dataread.h"
#include "smtpd/hops.h"
#include "smtpd/queue.h"
#include "smtpd/received.h"
#include "smtpd/relay.h"
#include "qexit.h"
#include "tests/unit/ckmain.h"

/* ---- the DATA scanner ---------------------------------------------- */

static const struct {
	const char	*in;
	size_t		 inlen;
	int		 ends;       /* the terminator was found */
	size_t		 used;       /* input bytes up to and including it */
	const char	*out;        /* the message */
	size_t		 outlen;
	int		 bare;
} scans[] = {
#define S(s) s, sizeof(s) - 1
	{ S(".\r\n"), 1, 3, S(""), 0 },
	{ S("a\r\n.\r\nNEXT"), 1, 6, S("a\r\n"), 0 },
	{ S("..\r\n.\r\n"), 1, 7, S(".\r\n"), 0 },
	{ S(".a\r\n..b\r\n.\r\n"), 1, 12, S("a\r\n.b\r\n"), 0 },
	{ S("a\n.\nb\r\n.\r\n"), 1, 10, S("a\n.\nb\r\n"), 1 },
	{ S("a\r.\rb\r\n.\r\n"), 1, 10, S("a\r.\rb\r\n"), 1 },
	{ S("a\n.\r\nb\r\n.\r\n"), 1, 11, S("a\n.\r\nb\r\n"), 1 },
	{ S("a\r\n.\nb\r\n.\r\n"), 1, 11, S("a\r\n\nb\r\n"), 1 },  /* "." LF: the dot was stuffing */
	{ S("a\r\n.\rb\r\n.\r\n"), 1, 11, S("a\r\n\rb\r\n"), 1 },
	{ S("a\r\n.\r\r\n.\r\n"), 1, 10, S("a\r\n\r\r\n"), 1 },
	{ S("\r\r\n.\r\n"), 1, 6, S("\r\r\n"), 1 },
	{ S("no end\r\n"), 0, 8, S("no end\r\n"), 0 },
	{ S("a\0b\r\n.\r\n"), 1, 8, S("a\0b\r\n"), 0 },
#undef S
};

/* Every row, cut in two at every place: the same message, the same end. */
START_TEST(scan_every_cut)
{
	const char	*in = scans[_i].in;
	size_t		 n = scans[_i].inlen;

	for (size_t cut = 0; cut <= n; cut++) {
		struct dataread	 d;
		char		 out[64];
		size_t		 o = 0, k, used;

		dataread_init(&d, 1);
		used = dataread_scan(&d, in, cut, out, &k);
		o += k;
		if (d.state != DS_END)
			used += dataread_scan(&d, in + cut, n - cut, out + o, &k), o += k;
		ck_assert_int_eq(d.state == DS_END, scans[_i].ends);
		ck_assert_uint_eq(used, scans[_i].used);
		ck_assert_uint_eq(o, scans[_i].outlen);
		ck_assert_int_eq(memcmp(out, scans[_i].out, o), 0);
		ck_assert_int_eq(dataread_bare(&d), scans[_i].bare);
	}
}
END_TEST

START_TEST(bdat_scan_keeps_dots_and_holds_cr)
{
	struct dataread	 d;
	char		 out[32];
	size_t		 k, o = 0;

	dataread_init(&d, 0);
	ck_assert_uint_eq(dataread_scan(&d, ".\r", 2, out, &k), 2);
	o += k;
	ck_assert_uint_eq(o, 1);	/* the CR is held: is an LF next? */
	dataread_scan(&d, "\n.\r\n", 4, out + o, &k), o += k;
	ck_assert_int_ne(d.state, DS_END);
	ck_assert_int_eq(memcmp(out, ".\r\n.\r\n", 6), 0);
	ck_assert_uint_eq(o, 6);
	ck_assert(!dataread_bare(&d));
	dataread_scan(&d, "x\r", 2, out, &k);
	ck_assert_uint_eq(dataread_finish(&d, out + k), 1);
	ck_assert(dataread_bare(&d));
}
END_TEST

/* ---- trace lines ---------------------------------------------------- */

START_TEST(hops_every_cut)
{
	static const struct {
		const char	*msg;
		unsigned	 want;
	} t[] = {
		{ "Received: a\r\nreceived:b\r\nDelivered-To: c\r\n\r\nReceived: body\r\n", 3 },
		{ "Received : a\r\nX-Received: b\r\nReceivedX: c\r\n\r\n", 0 },
		{ "Subject: x\r\n Received: folded\r\n\r\n", 0 },
		{ "\r\nReceived: in the body\r\n", 0 },
		{ "Received: a\nReceived: b\n\nReceived: c\n", 2 },
		{ "Delivered-To-Long-Name: x\r\nDELIVERED-TO: y\r\n", 1 },
		{ "", 0 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t n = strlen(t[i].msg);

		for (size_t cut = 0; cut <= n; cut++) {
			struct hops h;

			hops_init(&h);
			hops_feed(&h, t[i].msg, cut);
			hops_feed(&h, t[i].msg + cut, n - cut);
			ck_assert_msg(h.count == t[i].want, "%zu cut %zu: %u", i, cut, h.count);
		}
	}
}
END_TEST

/* ---- command lines ------------------------------------------------- */

START_TEST(split_lines)
{
	static const struct {
		const char	*line;
		size_t		 len;
		enum cmd_status	 st;
		const char	*verb, *arg;
	} t[] = {
		{ "EHLO x\r\n", 8, CMD_OK, "EHLO", "x" },
		{ "ehlo x y  \r\n", 12, CMD_OK, "EHLO", "x y" },
		{ "QUIT\n", 5, CMD_OK, "QUIT", "" },
		{ "QUIT", 4, CMD_OK, "QUIT", "" },
		{ "\r\n", 2, CMD_EMPTY, "", "" },
		{ "   \r\n", 5, CMD_EMPTY, "", "" },
		{ "NO\0OP\r\n", 7, CMD_NUL, "", "" },
		{ "MA1L x\r\n", 8, CMD_BADVERB, "", "" },
		{ "ABCDEFGHIJKLMNOPQ\r\n", 19, CMD_BADVERB, "", "" },
		{ "STARTTLS\r\n", 10, CMD_OK, "STARTTLS", "" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char		 buf[64];
		struct cmdline	 c;

		memcpy(buf, t[i].line, t[i].len);
		buf[t[i].len] = '\0';
		ck_assert_int_eq(cmd_split(buf, t[i].len, &c), t[i].st);
		if (t[i].st == CMD_OK) {
			ck_assert_str_eq(c.verb, t[i].verb);
			ck_assert_str_eq(c.arg, t[i].arg);
		}
	}
}
END_TEST

START_TEST(paths)
{
	static const struct {
		const char		*arg, *kw;
		enum path_status	 st;
		const char		*mailbox, *params;
	} t[] = {
		{ "FROM:<a@b.example>", "FROM", PATH_OK, "a@b.example", "" },
		{ "from:<a@b.example>  SIZE=1", "FROM", PATH_OK, "a@b.example", "SIZE=1" },
		{ "FROM: <a@b.example>", "FROM", PATH_OK, "a@b.example", "" },
		{ "FROM:<>", "FROM", PATH_OK, "", "" },
		{ "TO:<@x.example:a@b.example>", "TO", PATH_OK, "a@b.example", "" },
		{ "FROM <a@b.example>", "FROM", PATH_NOKEYWORD, NULL, NULL },
		{ "TO:<a@b.example>", "FROM", PATH_NOKEYWORD, NULL, NULL },
		{ "FROM:a@b.example", "FROM", PATH_BAD, NULL, NULL },
		{ "FROM:<a@b.example>junk", "FROM", PATH_TRAILING, NULL, NULL },
		{ "FROM:<a b@c.example>", "FROM", PATH_BAD, NULL, NULL },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct addr	 a;
		enum addr_error	 e;
		const char	*params;

		ck_assert_int_eq(cmd_path(t[i].arg, t[i].kw, ADDR_ALLOW_NULL | ADDR_ALLOW_ROUTE,
		    &a, &e, &params), t[i].st);
		if (t[i].st == PATH_OK) {
			ck_assert_str_eq(a.mailbox, t[i].mailbox);
			ck_assert_str_eq(params, t[i].params);
		}
	}
}
END_TEST

START_TEST(mail_params)
{
	static const struct {
		const char		*s;
		enum param_status	 st;
		int			 has_size;
		unsigned long long	 size;
		int			 body8, utf8;
	} t[] = {
		{ "", PARAM_OK, 0, 0, 0, 0 },
		{ "SIZE=1000", PARAM_OK, 1, 1000, 0, 0 },
		{ "size=0 body=8bitmime smtputf8", PARAM_OK, 1, 0, 1, 1 },
		{ "BODY=7BIT", PARAM_OK, 0, 0, 0, 0 },
		{ "AUTH=<>", PARAM_OK, 0, 0, 0, 0 },
		{ "SIZE=99999999999999999999999", PARAM_OK, 1, ~0ULL, 0, 0 },
		{ "SIZE=", PARAM_SYNTAX, 0, 0, 0, 0 },
		{ "SIZE=-1", PARAM_SYNTAX, 0, 0, 0, 0 },
		{ "SIZE", PARAM_SYNTAX, 0, 0, 0, 0 },
		{ "SIZE=1 SIZE=1", PARAM_SYNTAX, 0, 0, 0, 0 },
		{ "SMTPUTF8=yes", PARAM_SYNTAX, 0, 0, 0, 0 },
		{ "-X=1", PARAM_SYNTAX, 0, 0, 0, 0 },
		{ "X=a=b", PARAM_SYNTAX, 0, 0, 0, 0 },
		{ "BODY=BINARYMIME", PARAM_UNKNOWN, 0, 0, 0, 0 },
		{ "RET=HDRS", PARAM_UNKNOWN, 0, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct mail_params	 p;
		const char		*bad;

		ck_assert_msg(cmd_mail_params(t[i].s, &p, &bad) == t[i].st, "%s", t[i].s);
		if (t[i].st != PARAM_OK)
			continue;
		ck_assert_int_eq(p.has_size, t[i].has_size);
		ck_assert(p.size == t[i].size);
		ck_assert_int_eq(p.body8, t[i].body8);
		ck_assert_int_eq(p.smtputf8, t[i].utf8);
	}
}
END_TEST

START_TEST(bdat_args)
{
	unsigned long long	 n;
	int			 last;

	ck_assert_int_eq(cmd_parse_bdat("100", &n, &last), 0);
	ck_assert(n == 100 && !last);
	ck_assert_int_eq(cmd_parse_bdat("0 LAST", &n, &last), 0);
	ck_assert(n == 0 && last);
	ck_assert_int_eq(cmd_parse_bdat("0 last", &n, &last), 0);
	ck_assert_int_eq(cmd_parse_bdat("", &n, &last), -1);
	ck_assert_int_eq(cmd_parse_bdat("x", &n, &last), -1);
	ck_assert_int_eq(cmd_parse_bdat("-1", &n, &last), -1);
	ck_assert_int_eq(cmd_parse_bdat("1 LAST x", &n, &last), -1);
	ck_assert_int_eq(cmd_parse_bdat("12345678901234567890", &n, &last), -1);
	ck_assert_int_eq(cmd_parse_bdat("1  LAST", &n, &last), -1);
	{
		const char *bad;

		ck_assert_int_eq(cmd_rcpt_params("", &bad), PARAM_OK);
		ck_assert_int_eq(cmd_rcpt_params("NOTIFY=NEVER", &bad), PARAM_UNKNOWN);
		ck_assert_int_eq(cmd_rcpt_params("=", &bad), PARAM_SYNTAX);
	}
}
END_TEST

/* ---- relay decisions ------------------------------------------------ */

static struct ctl_list
list_of(char **items, size_t n)
{
	struct ctl_list l = { items, n };

	return l;
}

START_TEST(relay_table)
{
	static char *loc[] = { "example.org" }, *vd[] = { "virt.example:v" },
	    *rh[] = { "example.org", ".hosted.example", "backup.example" };
	struct ctl_list	 locals = list_of(loc, 1), vdom = list_of(vd, 1), rcpthosts = list_of(rh, 3);
	static const struct {
		const char	*mailbox;
		int		 may_relay;
		enum rcpt_class	 want;
	} t[] = {
		{ "a@example.org", 0, RC_LOCAL },
		{ "a@EXAMPLE.ORG", 0, RC_LOCAL },
		{ "a@virt.example", 0, RC_LOCAL },
		{ "a@sub.virt.example", 0, RC_DENIED },
		{ "a@backup.example", 0, RC_HOSTED },
		{ "a@mx.hosted.example", 0, RC_HOSTED },
		{ "a@hosted.example", 0, RC_DENIED },
		{ "a@xhosted.example", 0, RC_DENIED },
		{ "a@elsewhere.example", 0, RC_DENIED },
		{ "a@elsewhere.example", 1, RC_RELAY },
		{ "a@[192.0.2.1]", 0, RC_DENIED },
		{ "b%c.example@example.org", 0, RC_TRICK },
		{ "c.example!b@example.org", 0, RC_TRICK },
		{ "\"b@c.example\"@example.org", 0, RC_TRICK },
		{ "b%c.example@example.org", 1, RC_LOCAL },
		{ "b%c.example@elsewhere.example", 1, RC_RELAY },
		{ "postmaster", 0, RC_LOCAL },
		{ "POSTMASTER", 0, RC_LOCAL },
		{ "root", 0, RC_NODOMAIN },
		{ "root", 1, RC_NODOMAIN },
		{ "\"|sh\"@example.org", 1, RC_PROGRAM },
		{ "/etc/passwd@example.org", 0, RC_PROGRAM },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct relay_rules r = { &locals, &vdom, &rcpthosts, t[i].may_relay };
		struct addr a;

		ck_assert_int_eq(addr_parse_mailbox(t[i].mailbox, strlen(t[i].mailbox),
		    ADDR_ALLOW_LOCAL, &a), ADDR_OK);
		ck_assert_msg(relay_classify(&r, &a) == t[i].want, "%s relay=%d: %d", t[i].mailbox,
		    t[i].may_relay, relay_classify(&r, &a));
	}
}
END_TEST

START_TEST(cidr_table)
{
	static const struct {
		const char	*cidr, *ip;
		int		 want;
	} t[] = {
		{ "192.0.2.7", "192.0.2.7", 1 },
		{ "192.0.2.7", "192.0.2.8", 0 },
		{ "192.0.2.0/24", "192.0.2.200", 1 },
		{ "192.0.2.0/24", "192.0.3.1", 0 },
		{ "192.0.2.128/25", "192.0.2.127", 0 },
		{ "192.0.2.128/25", "192.0.2.129", 1 },
		{ "10.0.0.0/8", "10.255.0.1", 1 },
		{ "0.0.0.0/0", "203.0.113.9", 1 },
		{ "127.0.0.0/8", "::ffff:127.0.0.1", 1 },
		{ "2001:db8::/32", "2001:db8:1::5", 1 },
		{ "2001:db8::/32", "2001:db9::5", 0 },
		{ "::1", "::1", 1 },
		{ "2001:db8::/32", "192.0.2.1", 0 },
		{ "192.0.2.0/24", "2001:db8::1", 0 },
		{ "192.0.2.0/33", "192.0.2.1", -1 },
		{ "192.0.2.0/", "192.0.2.1", -1 },
		{ "192.0.2.0/x", "192.0.2.1", -1 },
		{ "example.org", "192.0.2.1", -1 },
		{ "192.0.2.0/24", "garbage", 0 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_msg(cidr_match(t[i].cidr, t[i].ip) == t[i].want, "%s %s", t[i].cidr, t[i].ip);
}
END_TEST

START_TEST(listed_addresses)
{
	static char *items[] = { "spam@bad.example", "@worse.example" };
	struct ctl_list	 l = list_of(items, 2);
	struct addr	 a;

	ck_assert_int_eq(addr_parse_mailbox("SPAM@bad.example", 16, 0, &a), ADDR_OK);
	ck_assert(relay_addr_listed(&l, &a));
	ck_assert_int_eq(addr_parse_mailbox("ham@bad.example", 15, 0, &a), ADDR_OK);
	ck_assert(!relay_addr_listed(&l, &a));
	ck_assert_int_eq(addr_parse_mailbox("any@worse.example", 17, 0, &a), ADDR_OK);
	ck_assert(relay_addr_listed(&l, &a));
	ck_assert_int_eq(addr_parse_path("<>", 2, ADDR_ALLOW_NULL, &a, NULL), ADDR_OK);
	ck_assert(!relay_addr_listed(&l, &a));
}
END_TEST

/* ---- base64 --------------------------------------------------------- */

START_TEST(b64_round_trip_and_errors)
{
	unsigned char	 bin[64], back[64];
	char		 text[128];
	ssize_t		 n;

	for (size_t len = 0; len < 40; len++) {
		for (size_t i = 0; i < len; i++)
			bin[i] = (unsigned char)(i * 37 + len);
		n = b64_encode(bin, len, text, sizeof text);
		ck_assert_int_eq(n, (ssize_t)((len + 2) / 3 * 4));
		ck_assert_int_eq(b64_decode(text, (size_t)n, back, sizeof back), (ssize_t)len);
		ck_assert_int_eq(memcmp(bin, back, len), 0);
	}
	ck_assert_int_eq(b64_decode("YWxpY2U=", 8, back, sizeof back), 5);
	ck_assert_int_eq(b64_decode("YWxpY2U", 7, back, sizeof back), -1);
	ck_assert_int_eq(b64_decode("YW=pY2U=", 8, back, sizeof back), -1);
	ck_assert_int_eq(b64_decode("Y===", 4, back, sizeof back), -1);
	ck_assert_int_eq(b64_decode("YWxp\nY2U=", 9, back, sizeof back), -1);
	ck_assert_int_eq(b64_decode("YW\0p", 4, back, sizeof back), -1);
	ck_assert_int_eq(b64_decode("YWxpY2U=", 8, back, 4), -1);
	ck_assert_int_eq(b64_encode(bin, 3, text, 4), -1);
}
END_TEST

/* ---- the Received: line -------------------------------------------- */

START_TEST(received_exact)
{
	struct str		 out = STR_INIT;
	struct received_info	 r = { "client.example", "", "2001:db8::1", "mx.example.org",
	    "ESMTPSA", "TLSv1.3 TLS_AES_128_GCM_SHA256", "6b0f94745b928c36", "a@example.org", 0 };
	char			 want[512], date[64];

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_int_eq(received_line(&out, &r), 0);
	strlcpy(date, "Thu, 1 Jan 1970 00:00:00 +0000", sizeof date);
	snprintf(want, sizeof want, "Received: from client.example (unknown [IPv6:2001:db8::1])\r\n"
	    "\tby mx.example.org (stamp-smtpd) with ESMTPSA (TLSv1.3 TLS_AES_128_GCM_SHA256) "
	    "id 6b0f94745b928c36\r\n\tfor <a@example.org>;\r\n\t%s\r\n", date);
	ck_assert_str_eq(out.s, want);
	str_free(&out);
	ck_assert_str_eq(received_proto(0, 1, 1, 1), "SMTP");
	ck_assert_str_eq(received_proto(1, 0, 0, 0), "ESMTP");
	ck_assert_str_eq(received_proto(1, 1, 0, 0), "ESMTPS");
	ck_assert_str_eq(received_proto(1, 0, 1, 0), "ESMTPA");
	ck_assert_str_eq(received_proto(1, 1, 1, 1), "UTF8SMTPSA");
}
END_TEST

START_TEST(received_safe_every_byte)
{
	for (int c = 1; c < 256; c++) {
		char	 in[4] = { 'a', (char)c, 'b', 0 }, out[8];

		received_safe(out, sizeof out, in, 0);
		ck_assert_uint_eq(strlen(out), 3);
		ck_assert(out[1] == (char)c || out[1] == '?');
		ck_assert((unsigned char)out[1] > 0x20 && (unsigned char)out[1] < 0x7f);
		ck_assert(out[1] != '(' && out[1] != ')' && out[1] != '\\');
		received_safe(out, sizeof out, in, 1);
		ck_assert(out[1] != '\r' && out[1] != '\n' && out[1] != '\t');
	}
}
END_TEST

/* ---- verdicts ------------------------------------------------------- */

START_TEST(queue_verdicts)
{
	char	 text[128];

	ck_assert_int_eq(queue_verdict(0, "", 0, text, sizeof text), QR_OK);
	ck_assert_int_eq(queue_verdict(QX_SIZE, "", 0, text, sizeof text), QR_PERM);
	ck_assert_str_eq(text, "message too large");
	ck_assert_int_eq(queue_verdict(QX_WRITE, "", 0, text, sizeof text), QR_TEMP);
	ck_assert_int_eq(queue_verdict(40, "", 0, text, sizeof text), QR_PERM);
	ck_assert_int_eq(queue_verdict(41, "", 0, text, sizeof text), QR_TEMP);
	ck_assert_int_eq(queue_verdict(QX_CUSTOM, "DNo viruses", 11, text, sizeof text), QR_PERM);
	ck_assert_str_eq(text, "No viruses");
	ck_assert_int_eq(queue_verdict(QX_CUSTOM, "ZLater", 6, text, sizeof text), QR_TEMP);
	ck_assert_str_eq(text, "Later");
	ck_assert_int_eq(queue_verdict(QX_CUSTOM, "XWhat", 5, text, sizeof text), QR_TEMP);
	ck_assert_int_eq(queue_verdict(QX_CUSTOM, "", 0, text, sizeof text), QR_TEMP);
	ck_assert_int_eq(queue_verdict(256 + 9, "", 0, text, sizeof text), QR_TEMP);
	ck_assert_int_eq(checkpw_verdict(0), PW_OK);
	ck_assert_int_eq(checkpw_verdict(1), PW_BAD);
	ck_assert_int_eq(checkpw_verdict(2), PW_TEMP);
	ck_assert_int_eq(checkpw_verdict(111), PW_TEMP);
	ck_assert_int_eq(checkpw_verdict(256 + 11), PW_TEMP);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("smtpd_parts");
	TCase	*tc = tcase_create("pure");

	tcase_add_loop_test(tc, scan_every_cut, 0, (int)(sizeof scans / sizeof scans[0]));
	tcase_add_test(tc, bdat_scan_keeps_dots_and_holds_cr);
	tcase_add_test(tc, hops_every_cut);
	tcase_add_test(tc, split_lines);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, mail_params);
	tcase_add_test(tc, bdat_args);
	tcase_add_test(tc, relay_table);
	tcase_add_test(tc, cidr_table);
	tcase_add_test(tc, listed_addresses);
	tcase_add_test(tc, b64_round_trip_and_errors);
	tcase_add_test(tc, received_exact);
	tcase_add_test(tc, received_safe_every_byte);
	tcase_add_test(tc, queue_verdicts);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
