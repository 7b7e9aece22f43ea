/*
 * check_rsmtp.c: whole SMTP client dialogues against scripted servers:
 * what stamp-remote sends, and the result each recipient gets.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/rsmtp.h"
#include "tests/unit/ckcapture.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/ckscript.h"
#include "tests/unit/cktmp.h"

#define MSG "Subject: t\n\n.dot\nbody\n"
#define WIRE "Subject: t\r\n\r\n..dot\r\nbody\r\n.\r\n"

struct dialogue {
	struct rsmtp	 s;
	struct script	 sc, tls_sc;
	struct capture	 cap;
	struct rs_msg	 m;
	struct rs_rcpt	 rc[3];
	size_t		 n;
	enum rs_step	 open, trans;
	int		 tls_calls;
};

static struct dialogue	*cur;
static int		 tls_fails;     /* the next handshakes fail */

/* The STARTTLS hook: "encrypted" replies come from the second script. */
static int
fake_tls(struct rsmtp *s)
{
	cur->tls_calls++;
	if (tls_fails) {
		strcpy(s->tls.err, "handshake failure (scripted)");
		return -1;
	}
	rbuf_set_reader(&s->r, script_read, &cur->tls_sc);
	s->tls_verified = s->tls_want_verify;
	return 0;
}

/* Run greeting+EHLO and, when that goes on, the transaction. */
static void
run(struct dialogue *d, const char *server, const char *after_tls, enum rs_tls tls,
    const char *msg, int utf8, size_t nrcpt)
{
	static const char *rcpts[] = { "a@example.com", "b@example.com", "c@example.com" };

	memset(d, 0, sizeof *d);
	cur = d;
	d->sc = (struct script){ server, strlen(server), 0, 0 };
	d->tls_sc = (struct script){ after_tls ? after_tls : "", after_tls ? strlen(after_tls) : 0, 0, 0 };
	rsmtp_init(&d->s, -1, 1000, "mx.example.com", "192.0.2.1");
	rbuf_set_reader(&d->s.r, script_read, &d->sc);
	wbuf_set_writer(&d->s.w, capture_write, &d->cap);
	d->s.starttls = fake_tls;
	d->m.sender = "s@example.org";
	d->m.fd = ck_memfd(msg, strlen(msg));
	ck_assert_int_eq(rdata_scan(d->m.fd, &d->m.info), 0);
	d->m.utf8 = utf8;
	d->n = nrcpt;
	for (size_t i = 0; i < nrcpt; i++)
		d->rc[i].addr = rcpts[i];
	d->open = rsmtp_open(&d->s, "helo.example.org", tls);
	d->trans = RS_NEXT;
	if (d->open == RS_OK)
		d->trans = rsmtp_transact(&d->s, &d->m, d->rc, d->n);
	close(d->m.fd);
}

static void
done(struct dialogue *d)
{
	str_free(&d->cap.out);
}

static void
want_sent(struct dialogue *d, const char *want)
{
	ck_assert_msg(d->cap.out.len == strlen(want) && memcmp(d->cap.out.s, want, d->cap.out.len) == 0,
	    "sent:\n%.*s\nwanted:\n%s", (int)d->cap.out.len, d->cap.out.s ? d->cap.out.s : "", want);
}

static void
want_result(struct dialogue *d, size_t i, enum dlv_status st, const char *text)
{
	ck_assert_msg(d->rc[i].done, "rcpt %zu not done", i);
	ck_assert_int_eq(d->rc[i].res.status, st);
	ck_assert_str_eq(d->rc[i].res.text, text);
}

START_TEST(pipelined)
{
	struct dialogue	 d;

	run(&d, "220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250 8BITMIME\r\n"
	    "250 2.1.0 ok\r\n250 2.1.5 ok\r\n550-5.1.1 no such\r\n550 5.1.1 user\r\n"
	    "354 go\r\n250 2.0.0 queued as X\r\n", NULL, RS_TLS_TRY, MSG, 0, 2);
	ck_assert_int_eq(d.open, RS_OK);
	ck_assert_int_eq(d.trans, RS_OK);
	want_sent(&d, "EHLO helo.example.org\r\n"
	    "MAIL FROM:<s@example.org> SIZE=26\r\nRCPT TO:<a@example.com>\r\n"
	    "RCPT TO:<b@example.com>\r\nDATA\r\n" WIRE);
	want_result(&d, 0, DLV_OK, "2.0.0 host mx.example.com [192.0.2.1] said: 250 2.0.0 queued as X");
	want_result(&d, 1, DLV_PERM, "5.1.1 host mx.example.com [192.0.2.1] said: 550 5.1.1 no such"
	    " 5.1.1 user");
	done(&d);
}
END_TEST

START_TEST(one_at_a_time)
{
	struct dialogue	 d;

	/* No PIPELINING: each command waits for its reply; a refused RCPT is not sent DATA for. */
	run(&d, "220 mx\r\n250 mx\r\n250 ok\r\n451 4.2.1 busy\r\n250 ok\r\n354 go\r\n250 ok\r\n",
	    NULL, RS_TLS_TRY, MSG, 0, 2);
	ck_assert_int_eq(d.trans, RS_OK);
	want_sent(&d, "EHLO helo.example.org\r\nMAIL FROM:<s@example.org>\r\n"
	    "RCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n" WIRE);
	want_result(&d, 0, DLV_TEMP, "4.2.1 host mx.example.com [192.0.2.1] said: 451 4.2.1 busy");
	want_result(&d, 1, DLV_OK, "2.0.0 host mx.example.com [192.0.2.1] said: 250 ok");
	done(&d);
	/* Every RCPT refused: no DATA at all. */
	run(&d, "220 mx\r\n250 mx\r\n250 ok\r\n550 no\r\n", NULL, RS_TLS_TRY, MSG, 0, 1);
	ck_assert_int_eq(d.trans, RS_OK);
	want_sent(&d, "EHLO helo.example.org\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\n");
	want_result(&d, 0, DLV_PERM, "5.0.0 host mx.example.com [192.0.2.1] said: 550 no");
	done(&d);
}
END_TEST

START_TEST(helo_fallback)
{
	struct dialogue	 d;

	run(&d, "220 old\r\n502 what\r\n250 old\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n",
	    NULL, RS_TLS_TRY, MSG, 0, 1);
	ck_assert_int_eq(d.trans, RS_OK);
	want_sent(&d, "EHLO helo.example.org\r\nHELO helo.example.org\r\nMAIL FROM:<s@example.org>\r\n"
	    "RCPT TO:<a@example.com>\r\nDATA\r\n" WIRE);
	want_result(&d, 0, DLV_OK, "2.0.0 host mx.example.com [192.0.2.1] said: 250 ok");
	done(&d);
	/* HELO refused too: the next address. */
	run(&d, "220 old\r\n502 what\r\n501 5.5.4 bad name\r\n", NULL, RS_TLS_TRY, MSG, 0, 1);
	ck_assert_int_eq(d.open, RS_NEXT);
	ck_assert_str_eq(d.s.err, "4.5.4 host mx.example.com [192.0.2.1] said: 501 5.5.4 bad name");
	done(&d);
}
END_TEST

/* Greetings and drops that send stamp-remote to the next address, decided nothing. */
START_TEST(next_address)
{
	static const struct {
		const char	*server;
		const char	*err;
	} t[] = {
		{ "421 4.3.2 busy\r\n", "4.3.2 host mx.example.com [192.0.2.1] said: 421 4.3.2 busy" },
		{ "554 no service\r\n", "4.0.0 host mx.example.com [192.0.2.1] said: 554 no service" },
		{ "", "4.4.2 host mx.example.com [192.0.2.1] closed the connection before the reply to"
		  " the connection (no greeting)" },
		{ "220 mx\r\n", "4.4.2 host mx.example.com [192.0.2.1] closed the connection before the"
		  " reply to EHLO" },
		{ "hello there\r\n", "4.5.0 host mx.example.com [192.0.2.1] sent a malformed reply to the"
		  " connection (no greeting)" },
		{ "220 mx\r\n250 mx\r\n250 ok\r\n", "4.4.2 host mx.example.com [192.0.2.1] closed the"
		  " connection before the reply to RCPT" },
	};
	struct dialogue	 d;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		run(&d, t[i].server, NULL, RS_TLS_TRY, MSG, 0, 2);
		ck_assert(d.open == RS_NEXT || d.trans == RS_NEXT);
		ck_assert_str_eq(d.s.err, t[i].err);
		ck_assert(!d.rc[0].done && !d.rc[1].done);
		/* QUIT after a refusal; none to a server that broke off or timed out. */
		rsmtp_quit(&d.s);
		ck_assert_int_eq(d.cap.out.s != NULL && strstr(d.cap.out.s, "QUIT\r\n") != NULL, i < 2);
		done(&d);
	}
}
END_TEST

START_TEST(mail_refused)
{
	struct dialogue	 d;

	run(&d, "220 mx\r\n250-mx\r\n250 PIPELINING\r\n553 5.7.1 sender refused\r\n554 no\r\n"
	    "554 no\r\n503 no\r\n", NULL, RS_TLS_TRY, MSG, 0, 2);
	ck_assert_int_eq(d.trans, RS_OK);
	for (size_t i = 0; i < 2; i++)
		want_result(&d, i, DLV_PERM, "5.7.1 host mx.example.com [192.0.2.1] said: 553 5.7.1"
		    " sender refused");
	done(&d);
	run(&d, "220 mx\r\n250 mx\r\n452 4.3.1 full\r\n", NULL, RS_TLS_TRY, MSG, 0, 1);
	want_result(&d, 0, DLV_TEMP, "4.3.1 host mx.example.com [192.0.2.1] said: 452 4.3.1 full");
	done(&d);
}
END_TEST

START_TEST(after_data)
{
	struct dialogue	 d;

	/* The final reply refuses: every accepted recipient gets it; a refused one keeps its own. */
	run(&d, "220 mx\r\n250-mx\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n550 5.1.1 no\r\n354 go\r\n"
	    "554 5.6.0 content refused\r\n", NULL, RS_TLS_TRY, MSG, 0, 2);
	want_result(&d, 0, DLV_PERM, "5.6.0 host mx.example.com [192.0.2.1] said: 554 5.6.0 content"
	    " refused");
	want_result(&d, 1, DLV_PERM, "5.1.1 host mx.example.com [192.0.2.1] said: 550 5.1.1 no");
	done(&d);
	/* No reply after the dot: maybe delivered, so wait (never the next address now). */
	run(&d, "220 mx\r\n250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n", NULL, RS_TLS_TRY, MSG, 0, 1);
	ck_assert_int_eq(d.trans, RS_OK);
	want_result(&d, 0, DLV_TEMP, "4.4.2 host mx.example.com [192.0.2.1] closed the connection"
	    " after the message was sent; it may have been delivered");
	done(&d);
	/* DATA itself refused. */
	run(&d, "220 mx\r\n250 mx\r\n250 ok\r\n250 ok\r\n451 4.3.0 later\r\n", NULL, RS_TLS_TRY,
	    MSG, 0, 1);
	want_result(&d, 0, DLV_TEMP, "4.3.0 host mx.example.com [192.0.2.1] said: 451 4.3.0 later");
	want_sent(&d, "EHLO helo.example.org\r\nMAIL FROM:<s@example.org>\r\n"
	    "RCPT TO:<a@example.com>\r\nDATA\r\n");
	done(&d);
	/* Pipelined, every RCPT refused and DATA accepted anyway: an empty end, no message. */
	run(&d, "220 mx\r\n250-mx\r\n250 PIPELINING\r\n250 ok\r\n550 no\r\n354 go\r\n250 ok\r\n",
	    NULL, RS_TLS_TRY, MSG, 0, 1);
	want_sent(&d, "EHLO helo.example.org\r\nMAIL FROM:<s@example.org>\r\n"
	    "RCPT TO:<a@example.com>\r\nDATA\r\n.\r\n");
	want_result(&d, 0, DLV_PERM, "5.0.0 host mx.example.com [192.0.2.1] said: 550 no");
	done(&d);
}
END_TEST

START_TEST(extensions)
{
	struct dialogue	 d;

	/* Larger than SIZE: refused at once, nothing sent after EHLO. */
	run(&d, "220 mx\r\n250-mx\r\n250 SIZE 10\r\n", NULL, RS_TLS_TRY, MSG, 0, 2);
	ck_assert_int_eq(d.trans, RS_OK);
	want_sent(&d, "EHLO helo.example.org\r\n");
	want_result(&d, 0, DLV_PERM, "5.3.4 the message (26 octets) is larger than host"
	    " mx.example.com [192.0.2.1] accepts (SIZE 10)");
	ck_assert_int_eq(d.rc[1].res.status, DLV_PERM);
	done(&d);
	/* SIZE without a number: declared, no limit. 8-bit data with 8BITMIME; SMTPUTF8. */
	run(&d, "220 mx\r\n250-mx\r\n250-SIZE\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n250 ok\r\n250 ok\r\n"
	    "354 go\r\n250 ok\r\n", NULL, RS_TLS_TRY, "x: \xc3\xa9\n", 1, 1);
	want_sent(&d, "EHLO helo.example.org\r\n"
	    "MAIL FROM:<s@example.org> SIZE=7 BODY=8BITMIME SMTPUTF8\r\n"
	    "RCPT TO:<a@example.com>\r\nDATA\r\nx: \xc3\xa9\r\n.\r\n");
	done(&d);
	/* SMTPUTF8 needed and not offered: a permanent failure with a clear text. */
	run(&d, "220 mx\r\n250-mx\r\n250 8BITMIME\r\n", NULL, RS_TLS_TRY, MSG, 1, 1);
	want_result(&d, 0, DLV_PERM, "5.6.7 host mx.example.com [192.0.2.1] does not support"
	    " SMTPUTF8, which the addresses of this message need");
	done(&d);
	/* 8-bit data without 8BITMIME: sent as it is, without BODY=. */
	run(&d, "220 mx\r\n250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n", NULL, RS_TLS_TRY,
	    "x: \xff\n", 0, 1);
	want_sent(&d, "EHLO helo.example.org\r\nMAIL FROM:<s@example.org>\r\n"
	    "RCPT TO:<a@example.com>\r\nDATA\r\nx: \xff\r\n.\r\n");
	done(&d);
}
END_TEST

START_TEST(starttls)
{
	struct dialogue	 d;

	/* Offered: STARTTLS, plaintext junk after 220 thrown away, EHLO again inside. */
	run(&d, "220 mx\r\n250-mx\r\n250 STARTTLS\r\n220 go ahead\r\n250 injected\r\n",
	    "250-mx\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n", RS_TLS_TRY,
	    MSG, 0, 1);
	ck_assert_int_eq(d.tls_calls, 1);
	ck_assert_int_eq(d.s.tls_on, 1);
	ck_assert_int_eq(d.s.ext.pipelining, 1);
	ck_assert_int_eq(d.s.ext.starttls, 0);
	want_sent(&d, "EHLO helo.example.org\r\nSTARTTLS\r\nEHLO helo.example.org\r\n"
	    "MAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nDATA\r\n" WIRE);
	want_result(&d, 0, DLV_OK, "2.0.0 host mx.example.com [192.0.2.1] said: 250 ok");
	done(&d);
	/* A failed handshake: RS_TLSFAIL, for a new connection without TLS. */
	tls_fails = 1;
	run(&d, "220 mx\r\n250-mx\r\n250 STARTTLS\r\n220 go ahead\r\n", NULL, RS_TLS_TRY, MSG, 0, 1);
	tls_fails = 0;
	ck_assert_int_eq(d.tls_calls, 1);
	ck_assert_int_eq(d.open, RS_TLSFAIL);
	ck_assert_str_eq(d.s.err, "4.7.5 host mx.example.com [192.0.2.1]: TLS handshake"
	    " failed: handshake failure (scripted)");
	ck_assert(!d.rc[0].done);
	done(&d);
	/* Never TLS (the retry): STARTTLS is not even asked for. */
	run(&d, "220 mx\r\n250-mx\r\n250 STARTTLS\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n",
	    NULL, RS_TLS_NO, MSG, 0, 1);
	ck_assert_int_eq(d.tls_calls, 0);
	ck_assert_int_eq(d.rc[0].res.status, DLV_OK);
	done(&d);
	/* Required and not offered: the next address. */
	run(&d, "220 mx\r\n250 mx\r\n", NULL, RS_TLS_MUST, MSG, 0, 1);
	ck_assert_int_eq(d.open, RS_NEXT);
	ck_assert_str_eq(d.s.err, "4.7.4 host mx.example.com [192.0.2.1] does not offer STARTTLS,"
	    " and TLS is required for this destination (control/tlsdestinations)");
	done(&d);
	/* Offered but refused: plaintext when opportunistic, the next address when required. */
	run(&d, "220 mx\r\n250-mx\r\n250 STARTTLS\r\n454 4.7.0 no TLS now\r\n250 ok\r\n250 ok\r\n"
	    "354 go\r\n250 ok\r\n", NULL, RS_TLS_TRY, MSG, 0, 1);
	ck_assert_int_eq(d.rc[0].res.status, DLV_OK);
	ck_assert_int_eq(d.s.tls_on, 0);
	done(&d);
	run(&d, "220 mx\r\n250-mx\r\n250 STARTTLS\r\n454 4.7.0 no TLS now\r\n", NULL, RS_TLS_VERIFY,
	    MSG, 0, 1);
	ck_assert_int_eq(d.open, RS_NEXT);
	done(&d);
	/* Verification asked for reaches the hook. */
	run(&d, "220 mx\r\n250-mx\r\n250 STARTTLS\r\n220 go\r\n", "250 mx\r\n", RS_TLS_VERIFY,
	    MSG, 0, 1);
	ck_assert_int_eq(d.s.tls_verified, 1);
	done(&d);
}
END_TEST

START_TEST(write_failure)
{
	struct dialogue	 d;

	memset(&d, 0, sizeof d);
	cur = &d;
	d.sc = (struct script){ "220 mx\r\n", 8, 0, 0 };
	rsmtp_init(&d.s, -1, 1000, "mx.example.com", "192.0.2.1");
	rbuf_set_reader(&d.s.r, script_read, &d.sc);
	wbuf_set_writer(&d.s.w, capture_write, &d.cap);
	d.cap.fail_after = 3;
	ck_assert_int_eq(rsmtp_open(&d.s, "helo.example.org", RS_TLS_TRY), RS_NEXT);
	ck_assert_ptr_nonnull(strstr(d.s.err, "connection lost sending EHLO"));
	str_free(&d.cap.out);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("rsmtp");
	TCase	*tc = tcase_create("rsmtp");

	tcase_add_test(tc, pipelined);
	tcase_add_test(tc, one_at_a_time);
	tcase_add_test(tc, helo_fallback);
	tcase_add_test(tc, next_address);
	tcase_add_test(tc, mail_refused);
	tcase_add_test(tc, after_data);
	tcase_add_test(tc, extensions);
	tcase_add_test(tc, starttls);
	tcase_add_test(tc, write_failure);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
