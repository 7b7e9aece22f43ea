/*
 * check_policy: the policy client's encoder, answer reader, action parser
 * and service lines (check_policy_conn has the exchanges).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "home.h"
#include "log.h"
#include "smtpd/policy.h"
#include "smtpd/policy_conn.h"
#include "smtpd/policy_proto.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/ckscript.h"
#include "tests/unit/cktmp.h"

static const struct policy_req base_req = {
	.protocol_state = "RCPT", .protocol_name = "ESMTP",
	.client_address = "192.0.2.1", .client_name = "mx.example.org",
	.helo_name = "mx.example.org", .sender = "a@example.org",
	.recipient = "b@example.net", .sasl_username = "", .queue_id = "",
	.encryption_protocol = "TLSv1.3", .size = 1234, .recipient_count = 0,
};

/* ---- encoder -------------------------------------------------------- */

START_TEST(encode_has_attributes)
{
	struct str	out = STR_INIT;

	ck_assert_int_eq(policy_encode(&base_req, "1.2", &out), 0);
	const char *want[] = {
		"request=smtpd_access_policy\n", "protocol_state=RCPT\n",
		"protocol_name=ESMTP\n", "helo_name=mx.example.org\n",
		"sender=a@example.org\n", "recipient=b@example.net\n",
		"recipient_count=0\n", "client_address=192.0.2.1\n",
		"client_name=mx.example.org\n", "reverse_client_name=mx.example.org\n",
		"instance=1.2\n", "size=1234\n", "encryption_protocol=TLSv1.3\n",
		"sasl_username=\n", "queue_id=\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(out.s, want[i]) != NULL, "missing %s", want[i]);
	ck_assert_str_eq(out.s + out.len - 2, "\n\n");
	ck_assert_ptr_eq(strstr(out.s, "\n\n"), out.s + out.len - 2);
	ck_assert_int_eq(strncmp(out.s, "request=smtpd_access_policy\n", 28), 0);
	str_free(&out);
}
END_TEST

/* Every control byte in every value is sent as '?': no early end, no forged attribute. */
START_TEST(encode_controls_neutralised)
{
	struct policy_req	r = base_req;
	struct str		out = STR_INIT;
	char			val[8];

	for (int c = 1; c < 0x80; c++) {
		if (c >= 0x20 && c != 0x7f)
			continue;
		snprintf(val, sizeof(val), "a%cb", c);
		r.sender = r.helo_name = r.recipient = r.client_name = val;
		str_clear(&out);
		ck_assert_int_eq(policy_encode(&r, "x", &out), 0);
		ck_assert_ptr_nonnull(strstr(out.s, "sender=a?b\n"));
		ck_assert_ptr_nonnull(strstr(out.s, "helo_name=a?b\n"));
		/* exactly one empty line: at the end */
		ck_assert_ptr_eq(strstr(out.s, "\n\n"), out.s + out.len - 2);
		for (size_t i = 0; i < out.len; i++)
			ck_assert(out.s[i] == '\n' || ((unsigned char)out.s[i] >= 0x20 &&
			    out.s[i] != 0x7f));
	}
	/* "x\nrecipient=evil" cannot add an attribute */
	r.sender = "x\nrecipient=evil@example.com";
	str_clear(&out);
	ck_assert_int_eq(policy_encode(&r, "x", &out), 0);
	ck_assert_ptr_null(strstr(out.s, "\nrecipient=evil"));
	str_free(&out);
}
END_TEST

START_TEST(encode_bounds_and_nulls)
{
	struct policy_req	r = base_req;
	struct str		out = STR_INIT;
	char			big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	r.sender = big;
	r.client_name = NULL;
	r.sasl_username = NULL;
	r.size = -5;
	ck_assert_int_eq(policy_encode(&r, "x", &out), 0);
	char *s = strstr(out.s, "\nsender=");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(strcspn(s + 8, "\n"), POLICY_VALUE_MAX);
	ck_assert_ptr_nonnull(strstr(out.s, "\nclient_name=unknown\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nsasl_username=\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nsize=0\n"));
	/* 8-bit (SMTPUTF8) addresses go as they are */
	r.sender = "j\xc3\xb6rg@example.org";
	str_clear(&out);
	ck_assert_int_eq(policy_encode(&r, "x", &out), 0);
	ck_assert_ptr_nonnull(strstr(out.s, "\nsender=j\xc3\xb6rg@example.org\n"));
	str_free(&out);
}
END_TEST

/* ---- answer reader -------------------------------------------------- */

static const struct {
	const char		*in;
	enum policy_read	 want;
	const char		*action;
} answers[] = {
	{ "action=DUNNO\n\n", PREAD_OK, "DUNNO" },
	{ "action=DUNNO\r\n\r\n", PREAD_OK, "DUNNO" },
	{ "action=REJECT go away\n\n", PREAD_OK, "REJECT go away" },
	{ "foo=bar\naction=OK\nbaz=\n\n", PREAD_OK, "OK" },
	{ "action=\n\n", PREAD_OK, "" },
	{ "action=a=b\n\n", PREAD_OK, "a=b" },
	{ "action=DUNNO\n\nextra", PREAD_OK, "DUNNO" },
	{ "action=DUNNO\n", PREAD_EOF, NULL },            /* no empty line */
	{ "action=DUNNO", PREAD_EOF, NULL },
	{ "", PREAD_EOF, NULL },
	{ "\n", PREAD_MALFORMED, NULL },                  /* no action */
	{ "foo=bar\n\n", PREAD_MALFORMED, NULL },
	{ "action=OK\naction=REJECT\n\n", PREAD_MALFORMED, NULL },
	{ "DUNNO\n\n", PREAD_MALFORMED, NULL },           /* no '=' */
	{ "=DUNNO\n\n", PREAD_MALFORMED, NULL },
	{ "Action=DUNNO\n\n", PREAD_MALFORMED, NULL },    /* names are case-sensitive */
	{ "action=DU\0NNO\n\n", PREAD_MALFORMED, NULL },
	{ "a=1\na=2\na=3\na=4\na=5\na=6\na=7\na=8\na=9\na=10\na=11\na=12\na=13\na=14\na=15\na=16\naction=OK\n\n",
	  PREAD_MALFORMED, NULL },                      /* 17 lines */
};

static enum policy_read
read_script(const char *in, size_t len, size_t chunk, struct str *action)
{
	char		mem[64];
	struct rbuf	rb;
	struct script	sc = { in, len, 0, chunk };

	rbuf_init(&rb, -1, mem, sizeof(mem), 1000);
	rbuf_set_reader(&rb, script_read, &sc);
	return policy_read_answer(&rb, action);
}

START_TEST(answer_table)
{
	struct str	action = STR_INIT;
	const char	*in = answers[_i].in;
	/* the NUL case has its length given by the literal */
	size_t		 len = strcmp(in, "action=DU") == 0 ? 16 : strlen(in);

	for (size_t chunk = 0; chunk <= 3; chunk++) {
		enum policy_read r = read_script(in, len, chunk, &action);
		ck_assert_msg(r == answers[_i].want, "case %d chunk %zu: got %s", _i, chunk,
		    policy_read_name(r));
		if (answers[_i].action)
			ck_assert_str_eq(action.s, answers[_i].action);
	}
	str_free(&action);
}
END_TEST

START_TEST(answer_overlong_line)
{
	struct str	action = STR_INIT;
	struct str	in = STR_INIT;

	ck_assert_int_eq(str_appends(&in, "action=REJECT "), 0);
	for (int i = 0; i < POLICY_LINE_MAX; i++)
		ck_assert_int_eq(str_appendc(&in, 'x'), 0);
	ck_assert_int_eq(str_appends(&in, "\n\n"), 0);
	ck_assert_int_eq(read_script(in.s, in.len, 0, &action), PREAD_TOOLONG);
	/* just within: POLICY_LINE_MAX octets before the LF */
	str_clear(&in);
	ck_assert_int_eq(str_appends(&in, "action=DUNNO "), 0);
	while (in.len < POLICY_LINE_MAX)
		ck_assert_int_eq(str_appendc(&in, 'y'), 0);
	ck_assert_int_eq(str_appends(&in, "\n\n"), 0);
	ck_assert_int_eq(read_script(in.s, in.len, 7, &action), PREAD_OK);
	str_free(&in);
	str_free(&action);
}
END_TEST

/* ---- actions -------------------------------------------------------- */

static const struct {
	const char		*action;
	enum policy_action	 want;
	const char		*reply;      /* NULL: empty */
} actions[] = {
	{ "OK", PACT_CONTINUE, NULL },
	{ "ok", PACT_CONTINUE, NULL },
	{ "DUNNO", PACT_CONTINUE, NULL },
	{ "dunno whatever", PACT_CONTINUE, NULL },
	{ "OKAY", PACT_CONTINUE, NULL },               /* unknown word: logged, goes on */
	{ "REJECT", PACT_REJECT, "554 5.7.1 Access denied" },
	{ "reject Go away", PACT_REJECT, "554 5.7.1 Go away" },
	{ "REJECT 5.7.9 Policy says no", PACT_REJECT, "554 5.7.9 Policy says no" },
	{ "REJECT 4.7.9 odd class", PACT_REJECT, "554 5.7.9 odd class" },
	{ "DEFER", PACT_DEFER, "450 4.7.1 Try again later" },
	{ "DEFER later please", PACT_DEFER, "450 4.7.1 later please" },
	{ "DEFER_IF_PERMIT Greylisted, see http://x/", PACT_DEFER_IF_PERMIT,
	  "450 4.7.1 Greylisted, see http://x/" },
	{ "DEFER_IF_PERMIT 4.2.0 Greylisted", PACT_DEFER_IF_PERMIT, "450 4.2.0 Greylisted" },
	{ "DEFER_IF_REJECT maybe", PACT_DEFER_IF_REJECT, "450 4.7.1 maybe" },
	{ "450 Greylisted", PACT_DEFER, "450 4.7.1 Greylisted" },
	{ "421 4.3.2 Busy", PACT_DEFER, "421 4.3.2 Busy" },
	{ "451", PACT_DEFER, "451 4.7.1 Try again later" },
	{ "550 5.1.1 No such user", PACT_REJECT, "550 5.1.1 No such user" },
	{ "550 No such user", PACT_REJECT, "550 5.7.1 No such user" },
	{ "554 5.7.1", PACT_REJECT, "554 5.7.1 Access denied" },
	{ "550 5.1.1000 too many digits", PACT_REJECT, "550 5.7.1 5.1.1000 too many digits" },
	{ "550 text\x01with\x7f" "controls\xff", PACT_REJECT, "550 5.7.1 text?with?controls?" },
	{ "250 ok", PACT_BAD, NULL },                  /* a digit but no 4NN/5NN */
	{ "55 short", PACT_BAD, NULL },
	{ "5500 long", PACT_BAD, NULL },
	{ "5x0 letters", PACT_BAD, NULL },
	{ "", PACT_BAD, NULL },
	{ "   ", PACT_BAD, NULL },
	{ "PREPEND X-Greylist: delayed 60 seconds", PACT_CONTINUE, NULL },
	{ "PREPEND not a header", PACT_CONTINUE, NULL },
	{ "WARN something", PACT_CONTINUE, NULL },
	{ "DISCARD", PACT_CONTINUE, NULL },
	{ "REJECTED", PACT_CONTINUE, NULL },
	{ "DEFERRED", PACT_CONTINUE, NULL },
};

START_TEST(action_table)
{
	char		 reply[512];
	const char	*note = NULL;
	enum policy_action a = policy_parse_action(actions[_i].action, reply, sizeof(reply),
	    NULL, &note);

	ck_assert_msg(a == actions[_i].want, "case %d (%s): got %d", _i, actions[_i].action, a);
	ck_assert_ptr_nonnull(note);
	ck_assert_str_eq(reply, actions[_i].reply ? actions[_i].reply : "");
}
END_TEST

START_TEST(action_reply_bounded)
{
	char		 reply[600], action[3000];
	const char	*note;

	snprintf(action, sizeof(action), "REJECT ");
	memset(action + 7, 'z', sizeof(action) - 8);
	action[sizeof(action) - 1] = '\0';
	ck_assert_int_eq(policy_parse_action(action, reply, sizeof(reply), NULL, &note), PACT_REJECT);
	ck_assert_uint_eq(strlen(reply), 10 + POLICY_TEXT_MAX);
	/* a small buffer is never overrun */
	char small[12];
	ck_assert_int_eq(policy_parse_action(action, small, sizeof(small), NULL, &note), PACT_REJECT);
	ck_assert_str_eq(small, "554 5.7.1 z");
}
END_TEST

START_TEST(action_prepend)
{
	struct str	 pre = STR_INIT;
	char		 reply[100];
	const char	*note;

	policy_parse_action("PREPEND X-Greylist: delayed 61 seconds", reply, sizeof(reply), &pre, &note);
	ck_assert_str_eq(note, "prepend");
	policy_parse_action("PREPEND bad header", reply, sizeof(reply), &pre, &note);
	ck_assert_str_eq(note, "bad-prepend");
	policy_parse_action("PREPEND : empty name", reply, sizeof(reply), &pre, &note);
	ck_assert_str_eq(note, "bad-prepend");
	policy_parse_action("PREPEND X-A: one\rX-B: two", reply, sizeof(reply), &pre, &note);
	ck_assert_str_eq(note, "bad-prepend");
	policy_parse_action("PREPEND X-Tab:\tok", reply, sizeof(reply), &pre, &note);
	ck_assert_str_eq(note, "prepend");
	ck_assert_str_eq(pre.s, "X-Greylist: delayed 61 seconds\nX-Tab:\tok\n");
	str_free(&pre);
}
END_TEST

/* ---- service lines -------------------------------------------------- */

static const struct {
	const char	*line;
	int		 ok, kind, rcpt, eom;
	const char	*a, *b;      /* host/port, or path/argv[1] */
} services[] = {
	{ "inet:127.0.0.1:10023", 1, PK_INET, 1, 1, "127.0.0.1", "10023" },
	{ "rcpt inet:127.0.0.1:10023", 1, PK_INET, 1, 0, "127.0.0.1", "10023" },
	{ "RCPT   inet:localhost:1", 1, PK_INET, 1, 0, "localhost", "1" },
	{ "end-of-message inet:[::1]:65535", 1, PK_INET, 0, 1, "::1", "65535" },
	{ "inet:::1:25", 1, PK_INET, 1, 1, "::1", "25" },
	{ "unix:/run/policy.sock", 1, PK_UNIX, 1, 1, "/run/policy.sock", NULL },
	{ "exec:/usr/bin/policyd-spf", 1, PK_EXEC, 1, 1, "/usr/bin/policyd-spf", NULL },
	{ "exec:/usr/bin/prog -v  --x", 1, PK_EXEC, 1, 1, "/usr/bin/prog", "-v" },
	{ "inet:127.0.0.1", 0, 0, 0, 0, NULL, NULL },
	{ "inet:127.0.0.1:", 0, 0, 0, 0, NULL, NULL },
	{ "inet:127.0.0.1:0", 0, 0, 0, 0, NULL, NULL },
	{ "inet:127.0.0.1:65536", 0, 0, 0, 0, NULL, NULL },
	{ "inet:127.0.0.1:25x", 0, 0, 0, 0, NULL, NULL },
	{ "inet:127.0.0.1:25 extra", 0, 0, 0, 0, NULL, NULL },
	{ "unix:relative", 0, 0, 0, 0, NULL, NULL },
	{ "unix:/a b", 0, 0, 0, 0, NULL, NULL },
	{ "exec:", 0, 0, 0, 0, NULL, NULL },
	{ "exec:prog", 0, 0, 0, 0, NULL, NULL },
	{ "exec:/p 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", 0, 0, 0, 0, NULL, NULL },
	{ "tcp:127.0.0.1:1", 0, 0, 0, 0, NULL, NULL },
	{ "rcpt", 0, 0, 0, 0, NULL, NULL },
	{ "", 0, 0, 0, 0, NULL, NULL },
};

START_TEST(service_table)
{
	struct policy_service	 sv;
	const char		*why = NULL;
	int r = policy_service_parse(services[_i].line, &sv, &why);

	ck_assert_msg((r == 0) == services[_i].ok, "case %d (%s): %d %s", _i, services[_i].line,
	    r, why ? why : "");
	if (!services[_i].ok) {
		ck_assert_ptr_nonnull(why);
		return;
	}
	ck_assert_int_eq(sv.kind, services[_i].kind);
	ck_assert_int_eq(sv.at_rcpt, services[_i].rcpt);
	ck_assert_int_eq(sv.at_eom, services[_i].eom);
	if (sv.kind == PK_INET) {
		ck_assert_str_eq(sv.host, services[_i].a);
		ck_assert_str_eq(sv.port, services[_i].b);
	} else {
		ck_assert_str_eq(sv.path, services[_i].a);
		if (sv.kind == PK_EXEC) {
			ck_assert_str_eq(sv.argv[0], services[_i].a);
			if (services[_i].b)
				ck_assert_str_eq(sv.argv[1], services[_i].b);
			else
				ck_assert_ptr_null(sv.argv[1]);
		}
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("policy");
	TCase	*tc = tcase_create("policy");

	log_init("check_policy");
	tcase_add_test(tc, encode_has_attributes);
	tcase_add_test(tc, encode_controls_neutralised);
	tcase_add_test(tc, encode_bounds_and_nulls);
	tcase_add_loop_test(tc, answer_table, 0, sizeof(answers) / sizeof(answers[0]));
	tcase_add_test(tc, answer_overlong_line);
	tcase_add_loop_test(tc, action_table, 0, sizeof(actions) / sizeof(actions[0]));
	tcase_add_test(tc, action_reply_bounded);
	tcase_add_test(tc, action_prepend);
	tcase_add_loop_test(tc, service_table, 0, sizeof(services) / sizeof(services[0]));
	suite_add_tcase(s, tc);
	return ck_run(s);
}
