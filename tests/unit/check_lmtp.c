/*
 * check_lmtp.c: stamp-lmtp's LMTP dialogue (RFC 2033) against scripted
 * servers: LHLO, one transaction for every recipient, and each accepted
 * recipient's own reply after the final dot as its result; plus the
 * control/lmtp lines (lmtproute.h).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/rsmtp.h"
#include "lmtproute.h"
#include "tests/unit/ckcapture.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/ckscript.h"
#include "tests/unit/cktmp.h"

#define MSG   "Subject: t\n\n.dot\nbody\n"
#define WIRE  "Subject: t\r\n\r\n..dot\r\nbody\r\n.\r\n"
#define HELLO "220 lmtp ready\r\n250-lmtp\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"
#define ENV3  "250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go\r\n"
#define SENT3 "LHLO mx.example.org\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\n" \
	"RCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n" WIRE
#define SAID  "host /run/lmtp [unix] said: "

struct session {
	struct rsmtp	 s;
	struct script	 sc;
	struct capture	 cap;
	struct rs_msg	 m;
	struct rs_rcpt	 rc[3];
	enum rs_step	 open, trans;
};

static void
run(struct session *d, const char *server)
{
	static const char *rcpts[] = { "a@example.com", "b@example.com", "c@example.com" };

	memset(d, 0, sizeof *d);
	d->sc = (struct script){ server, strlen(server), 0, 0 };
	rsmtp_init(&d->s, -1, 1000, "/run/lmtp", "unix");
	d->s.lmtp = 1;
	rbuf_set_reader(&d->s.r, script_read, &d->sc);
	wbuf_set_writer(&d->s.w, capture_write, &d->cap);
	d->m.sender = "s@example.org";
	d->m.fd = ck_memfd(MSG, strlen(MSG));
	ck_assert_int_eq(rdata_scan(d->m.fd, &d->m.info), 0);
	for (size_t i = 0; i < 3; i++)
		d->rc[i].addr = rcpts[i];
	d->open = rsmtp_open(&d->s, "mx.example.org", RS_TLS_NO);
	d->trans = RS_NEXT;
	if (d->open == RS_OK)
		d->trans = rsmtp_transact(&d->s, &d->m, d->rc, 3);
	close(d->m.fd);
}

/* The replies after the final dot, and each recipient's result ("" : not done). */
static const struct {
	const char	*name, *server;
	enum dlv_status	 st[3];
	const char	*text[3];
} after_dot[] = {
	{ "all 250", HELLO ENV3 "250 2.0.0 <a> saved\r\n250 2.0.0 <b> saved\r\n250 2.0.0 <c> saved\r\n",
	  { DLV_OK, DLV_OK, DLV_OK },
	  { "2.0.0 " SAID "250 2.0.0 <a> saved", "2.0.0 " SAID "250 2.0.0 <b> saved",
	    "2.0.0 " SAID "250 2.0.0 <c> saved" } },
	{ "mixed 250/452/550", HELLO ENV3 "250 2.0.0 ok\r\n452 4.2.2 mailbox full\r\n"
	  "550-5.1.1 no\r\n550 5.1.1 such user\r\n",
	  { DLV_OK, DLV_TEMP, DLV_PERM },
	  { "2.0.0 " SAID "250 2.0.0 ok", "4.2.2 " SAID "452 4.2.2 mailbox full",
	    "5.1.1 " SAID "550 5.1.1 no 5.1.1 such user" } },
	{ "drop after one reply", HELLO ENV3 "250 2.0.0 ok\r\n",
	  { DLV_OK, DLV_TEMP, DLV_TEMP },
	  { "2.0.0 " SAID "250 2.0.0 ok",
	    "4.4.2 host /run/lmtp [unix] closed the connection after the message was sent;"
	    " it may have been delivered",
	    "4.4.2 host /run/lmtp [unix] closed the connection after the message was sent;"
	    " it may have been delivered" } },
	{ "garbage line", HELLO ENV3 "250 2.0.0 ok\r\n250 2.0.0 ok\r\nthis is not a reply\r\n",
	  { DLV_OK, DLV_OK, DLV_TEMP },
	  { "2.0.0 " SAID "250 2.0.0 ok", "2.0.0 " SAID "250 2.0.0 ok",
	    "4.4.2 host /run/lmtp [unix] sent a malformed reply after the message was sent;"
	    " it may have been delivered" } },
	{ "drop before any reply", HELLO ENV3,
	  { DLV_TEMP, DLV_TEMP, DLV_TEMP },
	  { "4.4.2 host /run/lmtp [unix] closed the connection after the message was sent;"
	    " it may have been delivered",
	    "4.4.2 host /run/lmtp [unix] closed the connection after the message was sent;"
	    " it may have been delivered",
	    "4.4.2 host /run/lmtp [unix] closed the connection after the message was sent;"
	    " it may have been delivered" } },
	/* One refused at RCPT: the two replies after the dot are a's and c's, in order. */
	{ "refused at RCPT", HELLO "250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 unknown\r\n"
	  "250 2.1.5 ok\r\n354 go\r\n451 4.3.0 try later\r\n250 2.0.0 ok\r\n",
	  { DLV_TEMP, DLV_PERM, DLV_OK },
	  { "4.3.0 " SAID "451 4.3.0 try later", "5.1.1 " SAID "550 5.1.1 unknown",
	    "2.0.0 " SAID "250 2.0.0 ok" } },
};

START_TEST(replies_after_data)
{
	struct session	 d;

	for (size_t t = 0; t < sizeof after_dot / sizeof after_dot[0]; t++) {
		run(&d, after_dot[t].server);
		ck_assert_msg(d.open == RS_OK && d.trans == RS_OK, "%s: open %d trans %d (%s)",
		    after_dot[t].name, d.open, d.trans, d.s.err);
		ck_assert_msg(d.cap.out.len == strlen(SENT3) &&
		    memcmp(d.cap.out.s, SENT3, d.cap.out.len) == 0, "%s: sent\n%.*s",
		    after_dot[t].name, (int)d.cap.out.len, d.cap.out.s);
		for (size_t i = 0; i < 3; i++) {
			ck_assert_msg(d.rc[i].done, "%s: rcpt %zu not done", after_dot[t].name, i);
			ck_assert_msg(d.rc[i].res.status == after_dot[t].st[i] &&
			    strcmp(d.rc[i].res.text, after_dot[t].text[i]) == 0,
			    "%s: rcpt %zu: %d %s", after_dot[t].name, i, d.rc[i].res.status,
			    d.rc[i].res.text);
		}
		str_free(&d.cap.out);
	}
}
END_TEST

/* LHLO refused: no HELO fallback (RFC 2033 has none); nothing decided. */
START_TEST(lhlo_refused)
{
	struct session	 d;

	run(&d, "220 lmtp\r\n500 5.5.1 what\r\n");
	ck_assert_int_eq(d.open, RS_NEXT);
	ck_assert_str_eq(d.s.err, "4.5.1 " SAID "500 5.5.1 what");
	ck_assert_str_eq(d.cap.out.s, "LHLO mx.example.org\r\n");
	for (size_t i = 0; i < 3; i++)
		ck_assert(!d.rc[i].done);
	str_free(&d.cap.out);
}
END_TEST

/* A reply of more lines than RREPLY_LINES_MAX is garbage: the rest is temporary. */
START_TEST(too_many_lines)
{
	struct session	 d;
	struct str	 srv = STR_INIT;

	str_appendf(&srv, "%s%s250 2.0.0 ok\r\n", HELLO, ENV3);
	for (int i = 0; i < RREPLY_LINES_MAX + 5; i++)
		str_appendf(&srv, "452-4.2.2 line %d\r\n", i);
	str_appendf(&srv, "452 4.2.2 end\r\n250 2.0.0 ok\r\n");
	run(&d, srv.s);
	ck_assert_int_eq(d.rc[0].res.status, DLV_OK);
	ck_assert_int_eq(d.rc[1].res.status, DLV_TEMP);
	ck_assert_int_eq(d.rc[2].res.status, DLV_TEMP);
	ck_assert_ptr_nonnull(strstr(d.rc[1].res.text, "sent a malformed reply after the message"));
	str_free(&d.cap.out);
	str_free(&srv);
}
END_TEST

START_TEST(routes)
{
	static const char *lines[] = { "example.com:inet:127.0.0.1:24",
	    ".example.net:unix:/run/dovecot/lmtp", ":inet:[::1]:2424", "junk" };
	static const struct { const char *domain, *want; } t[] = {
		{ "example.com", "inet:127.0.0.1:24" },
		{ "EXAMPLE.COM", "inet:127.0.0.1:24" },
		{ "mail.example.net", "unix:/run/dovecot/lmtp" },
		{ "a.b.example.net", "unix:/run/dovecot/lmtp" },
		{ "example.net", "inet:[::1]:2424" },
		{ "other.org", "inet:[::1]:2424" },
		{ "", NULL },
	};
	struct ctl_list	 l = { (char **)lines, 4 }, none = { (char **)lines, 2 };

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *got = lmtp_find(&l, t[i].domain);
		ck_assert_msg(t[i].want == NULL ? got == NULL : got != NULL &&
		    strcmp(got, t[i].want) == 0, "%s: %s", t[i].domain, got ? got : "(none)");
	}
	ck_assert_ptr_null(lmtp_find(&none, "other.org"));
}
END_TEST

START_TEST(targets)
{
	static const struct {
		const char	*spec;
		int		 ok, kind;
		const char	*host;
		unsigned	 port;
	} t[] = {
		{ "inet:127.0.0.1:24", 1, LMTP_INET, "127.0.0.1", 24 },
		{ "inet:[::1]:2424", 1, LMTP_INET, "::1", 2424 },
		{ "inet:::1:24", 1, LMTP_INET, "::1", 24 },
		{ "inet:localhost:24", 1, LMTP_INET, "127.0.0.1", 24 },
		{ "unix:/run/dovecot/lmtp", 1, LMTP_UNIX, "", 0 },
		{ "inet:mail.example:24", 0, 0, NULL, 0 },
		{ "inet:127.0.0.1", 0, 0, NULL, 0 },
		{ "inet:127.0.0.1:0", 0, 0, NULL, 0 },
		{ "inet:127.0.0.1:65536", 0, 0, NULL, 0 },
		{ "inet:127.0.0.1:2x", 0, 0, NULL, 0 },
		{ "unix:relative", 0, 0, NULL, 0 },
		{ "unix:/a b", 0, 0, NULL, 0 },
		{ "unix:/" "0123456789012345678901234567890123456789012345678901234567890123456789"
		  "0123456789012345678901234567890123456789", 0, 0, NULL, 0 },
		{ "exec:/bin/sh", 0, 0, NULL, 0 },
		{ "", 0, 0, NULL, 0 },
	};
	struct lmtp_target	 lt;
	const char		*why;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int r = lmtp_parse(t[i].spec, &lt, &why);
		ck_assert_msg(r == (t[i].ok ? 0 : -1), "%s: %d", t[i].spec, r);
		if (!t[i].ok)
			continue;
		ck_assert_int_eq(lt.kind, t[i].kind);
		if (lt.kind == LMTP_INET) {
			ck_assert_str_eq(lt.host, t[i].host);
			ck_assert_uint_eq(lt.port, t[i].port);
		} else
			ck_assert_str_eq(lt.path, "/run/dovecot/lmtp");
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("lmtp");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, replies_after_data);
	tcase_add_test(tc, lhlo_refused);
	tcase_add_test(tc, too_many_lines);
	tcase_add_test(tc, routes);
	tcase_add_test(tc, targets);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
