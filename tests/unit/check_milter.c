/*
 * check_milter: the milter client's codec (packets, negotiation, replies and
 * their bounds), one filter's stage machine against recorded exchanges on
 * a socket pair (what we send, byte for byte; what the filter answers,
 * including malformed, truncated, oversize packets, EOF and silence), and
 * the message edits of the end of message.
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "smtpd/milter_codec.h"
#include "smtpd/milter_conn.h"
#include "smtpd/milter_filter.h"
#include "smtpd/milter_msg.h"
#include "tests/unit/ckmain.h"

#define B(s) s, sizeof(s) - 1

/* ---- codec -------------------------------------------------------------- */

START_TEST(encode_bytes)
{
	struct str	 out = STR_INIT;

	ck_assert_int_eq(milter_encode(&out, SMFIC_HELO, "mx\0", 3), 0);
	ck_assert_int_eq(milter_encode(&out, SMFIC_ABORT, NULL, 0), 0);
	ck_assert_uint_eq(out.len, 13);
	ck_assert_mem_eq(out.s, "\0\0\0\4Hmx\0\0\0\0\1A", 13);
	str_free(&out);
}
END_TEST

START_TEST(decode_bounds)
{
	struct milter_pkt	 p;
	char			 big[8] = { 0, 1, 4, 0, 'b' };   /* 66560: one over */

	ck_assert_int_eq(milter_decode("\0\0\0", 3, &p), 0);
	ck_assert_int_eq(milter_decode("\0\0\0\0c", 5, &p), -1);      /* empty packet */
	ck_assert_int_eq(milter_decode(big, sizeof big, &p), -1);
	ck_assert_int_eq(milter_decode("\0\0\0\3ya", 6, &p), 0);       /* one short */
	ck_assert_int_eq(milter_decode("\0\0\0\2ya", 6, &p), 6);
	ck_assert_int_eq(p.cmd, 'y');
	ck_assert_uint_eq(p.len, 1);
	big[2] = 3;
	big[3] = (char)0xff;                                           /* 66559: the largest */
	ck_assert_int_eq(milter_decode(big, sizeof big, &p), 0);
}
END_TEST

static int
neg(const char *data, size_t len, struct milter_neg *n)
{
	struct milter_pkt	 p = { 'O', data, len };
	const char		*why;

	return milter_parse_neg(&p, n, &why);
}

START_TEST(negotiation)
{
	struct milter_neg	 n;

	ck_assert_int_eq(neg(B("\0\0\0\6\0\0\0\x11\0\0\0\2" "\0\0\0\1{tls_version} j\0"), &n), 0);
	ck_assert_uint_eq(n.version, 6);
	ck_assert_uint_eq(n.actions, SMFIF_ADDHDRS | SMFIF_CHGHDRS);
	ck_assert_uint_eq(n.proto, SMFIP_NOHELO);
	ck_assert(n.has_macros[MST_HELO] && !n.has_macros[MST_CONNECT]);
	ck_assert_str_eq(n.macros[MST_HELO], "{tls_version} j");
	/* Actions over what we offer are cut down, not refused. */
	ck_assert_int_eq(neg(B("\0\0\0\2\xff\xff\xff\xff\0\0\0\0"), &n), 0);
	ck_assert_uint_eq(n.actions, MILTER_ACTIONS);
	ck_assert_int_eq(neg(B("\0\0\0\1\0\0\0\0\0\0\0\0"), &n), -1);   /* version 1 */
	ck_assert_int_eq(neg(B("\0\0\0\7\0\0\0\0\0\0\0\0"), &n), -1);   /* version 7 */
	ck_assert_int_eq(neg(B("\0\0\0\6\0\0\0\0\0\0\0"), &n), -1);     /* short */
	/* RCPT_REJ and MDS_256K are not offered: masked away, NR_RCPT kept. */
	ck_assert_int_eq(neg(B("\0\0\0\6\0\0\0\0\x10\0\x88\0"), &n), 0);
	ck_assert_uint_eq(n.proto, SMFIP_NR_RCPT);
	ck_assert_int_eq(neg(B("\0\0\0\6\0\0\0\0\0\0\0\0\0\0\0\1j"), &n), -1);   /* no NUL */
	ck_assert_int_eq(neg(B("\0\0\0\6\0\0\0\0\0\0\0\0\0\0\0\x09j\0"), &n), -1); /* stage 9 */
	ck_assert_int_eq(neg(B("\0\0\0\6\0\0\0\0\0\0\0\0\0\0"), &n), -1);  /* torn stage */
}
END_TEST

static const struct reply_case {
	char		 cmd;
	const char	*data;
	size_t		 len;
	int		 ok;
	const char	*text;
} replies[] = {
	{ 'y', B("550 5.7.1 Go away\0"), 1, "550 5.7.1 Go away" },
	{ 'y', B("451 try later\0"), 1, "451 4.7.1 try later" },
	{ 'y', B("554\0"), 1, "554 5.7.1 Refused by filter" },
	{ 'y', B("550-5.7.1 first\r\n550 5.7.1 last\0"), 1, "550 5.7.1 last" },
	{ 'y', B("250 2.0.0 fine\0"), 0, NULL },          /* not a refusal */
	{ 'y', B("550 a\x01z\0"), 0, NULL },              /* control byte */
	{ 'y', B("550 5.7.1 text\r\n\0"), 0, NULL },      /* ends in a line end: empty last line */
	{ 'y', B("55\0"), 0, NULL },
	{ 'y', B(""), 0, NULL },
	{ 'h', B("X-A\0v\0"), 1, NULL },
	{ 'h', B("X-A\0v"), 0, NULL },                    /* value without NUL */
	{ 'h', B("X:A\0v\0"), 0, NULL },                  /* colon in the name */
	{ 'h', B("\0v\0"), 0, NULL },                     /* empty name */
	{ 'm', B("\0\0\0\1Subject\0\0"), 1, NULL },
	{ 'm', B("\0\0\1"), 0, NULL },                    /* torn index */
	{ 'i', B("\0\0\0\0X-B\0w\0"), 1, NULL },
	{ '+', B("<a@b>\0"), 1, NULL },
	{ '+', B("<a@b>"), 0, NULL },
	{ 'e', B("<a@b>\0SIZE=1\0"), 1, NULL },
	{ 'e', B("<a@b>\0SIZE=1"), 0, NULL },
	{ 'q', B("spam\0"), 1, NULL },
	{ 'Z', B(""), 0, NULL },                          /* unknown letter */
	{ 'c', B(""), 1, NULL },
};

START_TEST(reply_table)
{
	const struct reply_case	*c = &replies[_i];
	struct milter_pkt	 p = { c->cmd, c->data, c->len };
	struct milter_reply	 r;
	const char		*why;

	ck_assert_msg((milter_parse_reply(&p, &r, &why) == 0) == c->ok, "case %d", _i);
	if (c->ok && c->text != NULL)
		ck_assert_str_eq(r.text, c->text);
}
END_TEST

/* ---- one filter on a socket pair ----------------------------------------- */

struct pair {
	struct milter	 m;
	int		 peer;    /* the filter's end */
};

static void
pair_open(struct pair *p, const char *answers, size_t len)
{
	int	 sp[2];

	memset(p, 0, sizeof *p);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	ck_assert_int_eq(fcntl(sp[1], F_SETFL, O_NONBLOCK), 0);
	if (len > 0)
		ck_assert_int_eq(write(sp[1], answers, len), (ssize_t)len);
	strlcpy(p->m.spec.name, "inet:192.0.2.9:8891", sizeof p->m.spec.name);
	p->m.io = malloc(sizeof *p->m.io);
	ck_assert_ptr_nonnull(p->m.io);
	milter_io_fd(p->m.io, sp[0]);
	p->m.tmo_cmd = p->m.tmo_eom = 200;
	p->peer = sp[1];
}

/* What we sent so far, all of it. */
static size_t
pair_sent(struct pair *p, char *buf, size_t bufsz)
{
	ssize_t	 n = read(p->peer, buf, bufsz);

	return n < 0 ? 0 : (size_t)n;
}

static void
pair_close(struct pair *p)
{
	if (p->m.io != NULL) {
		milter_io_close(p->m.io);
		free(p->m.io);
	}
	close(p->peer);
}

/* The filter's side: answer these packets, negotiated as given. */
static void
pair_neg(struct pair *p, uint32_t actions, uint32_t proto)
{
	p->m.neg.version = 6;
	p->m.neg.actions = actions;
	p->m.neg.proto = proto;
}

static const char *
test_macro(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "j") == 0)
		return "mx.example.org";
	if (strcmp(name, "rcpt_addr") == 0)
		return "b@example.net";
	return NULL;
}

static const struct milter_macros mm = { test_macro, NULL };

START_TEST(negotiate_exchange)
{
	struct pair	 p;
	char		 buf[256];
	size_t		 n;

	pair_open(&p, B("\0\0\0\x0dO\0\0\0\6\0\0\0\1\0\0\0\x02"));
	ck_assert_int_eq(milter_negotiate(&p.m, 200), 0);
	n = pair_sent(&p, buf, sizeof buf);
	ck_assert_uint_eq(n, 17);
	ck_assert_mem_eq(buf, "\0\0\0\x0dO\0\0\0\6\0\0\x01\xff\0\x1f\xf7\xff", 17);
	ck_assert_uint_eq(p.m.neg.proto, SMFIP_NOHELO);
	pair_close(&p);
}
END_TEST

START_TEST(skip_and_noreply)
{
	struct pair	 p;
	char		 buf[256], reply[128];
	size_t		 n;

	pair_open(&p, NULL, 0);
	pair_neg(&p, 0, SMFIP_NOHELO | SMFIP_NR_RCPT);
	/* HELO is skipped: nothing goes out. */
	ck_assert_int_eq(milter_command(&p.m, MST_HELO, SMFIC_HELO, "c.example", 10, &mm, NULL,
	    NULL, reply, sizeof reply), MACT_CONTINUE);
	ck_assert_uint_eq(pair_sent(&p, buf, sizeof buf), 0);
	/* RCPT goes out with its macros and waits for no reply. */
	ck_assert_int_eq(milter_command(&p.m, MST_RCPT, SMFIC_RCPT, "<b@example.net>", 16, &mm,
	    NULL, NULL, reply, sizeof reply), MACT_CONTINUE);
	n = pair_sent(&p, buf, sizeof buf);
	static const char want[] = "\0\0\0\x1c" "DR{rcpt_addr}\0b@example.net\0"
	    "\0\0\0\x11" "R<b@example.net>\0";
	ck_assert_uint_eq(n, sizeof want - 1);
	ck_assert_mem_eq(buf, want, n);
	ck_assert(!p.m.failed);
	pair_close(&p);
}
END_TEST

static const struct stage_case {
	const char	*answer;
	size_t		 len;
	enum milter_act	 act;
	const char	*reply;
} stage_cases[] = {
	{ B("\0\0\0\1c"), MACT_CONTINUE, "" },
	{ B("\0\0\0\1r"), MACT_REJECT, "" },
	{ B("\0\0\0\1t"), MACT_TEMPFAIL, "" },
	{ B("\0\0\0\1d"), MACT_DISCARD, "" },
	{ B("\0\0\0\1a"), MACT_ACCEPT, "" },
	{ B("\0\0\0\1p\0\0\0\1p\0\0\0\1c"), MACT_CONTINUE, "" },      /* progress, then an answer */
	{ B("\0\0\0\x13y452 4.2.2 Box full\0"), MACT_TEMPFAIL, "452 4.2.2 Box full" },
	{ B("\0\0\0\x0fy553 no thanks\0"), MACT_REJECT, "553 5.7.1 no thanks" },
	/* What a filter may not send: each one fails it. */
	{ B("\0\0\0\x0fy250 all is ok\0"), MACT_FAILED, "" },
	{ B("\0\0\0\x0by550 a\r\n5\0"), MACT_FAILED, "" },            /* junk last line */
	{ B("\0\0\0\1s"), MACT_FAILED, "" },                          /* SKIP is for bodies */
	{ B("\0\0\0\7hX-A\0v\0"), MACT_FAILED, "" },                  /* a change before EOM */
	{ B("\0\0\0\1Z"), MACT_FAILED, "" },                          /* unknown */
	{ B("\0\0\0\x0a" "c"), MACT_FAILED, "" },                     /* truncated, then EOF */
	{ B("\0\0"), MACT_FAILED, "" },                               /* torn length */
	{ B("\0\x10\0\0c"), MACT_FAILED, "" },                        /* oversize */
	{ B("\0\0\0\0"), MACT_FAILED, "" },                           /* empty packet */
	{ B("\xff\xff\xff\xffgarbage"), MACT_FAILED, "" },
	{ "", 0, MACT_FAILED, "" },                                   /* EOF at once */
};

START_TEST(stage_table)
{
	const struct stage_case	*c = &stage_cases[_i];
	struct pair		 p;
	char			 reply[256];

	pair_open(&p, c->answer, c->len);
	pair_neg(&p, MILTER_ACTIONS, 0);
	shutdown(p.peer, SHUT_WR);                   /* after the answer: EOF */
	ck_assert_int_eq(milter_command(&p.m, MST_MAIL, SMFIC_MAIL, "<a@b>", 6, &mm, NULL,
	    NULL, reply, sizeof reply), c->act);
	ck_assert_str_eq(reply, c->reply);
	ck_assert_int_eq(p.m.failed, c->act == MACT_FAILED);
	if (c->act == MACT_FAILED)
		ck_assert_ptr_null(p.m.io);
	if (c->act == MACT_ACCEPT)
		ck_assert(p.m.skip_msg && !p.m.skip_conn);
	pair_close(&p);
}
END_TEST

START_TEST(accept_at_connect_skips_the_connection)
{
	struct pair	 p;
	char		 reply[64], buf[256];

	pair_open(&p, B("\0\0\0\1a"));
	pair_neg(&p, 0, 0);
	ck_assert_int_eq(milter_command(&p.m, MST_CONNECT, SMFIC_CONNECT, "h\0U", 3, NULL,
	    NULL, NULL, reply, sizeof reply), MACT_ACCEPT);
	(void)pair_sent(&p, buf, sizeof buf);
	ck_assert_int_eq(milter_command(&p.m, MST_MAIL, SMFIC_MAIL, "<a@b>", 6, NULL, NULL,
	    NULL, reply, sizeof reply), MACT_CONTINUE);
	ck_assert_uint_eq(pair_sent(&p, buf, sizeof buf), 0);
	pair_close(&p);
}
END_TEST

START_TEST(silence_times_out)
{
	struct pair	 p;
	char		 reply[64];

	pair_open(&p, NULL, 0);
	pair_neg(&p, 0, 0);
	ck_assert_int_eq(milter_command(&p.m, MST_RCPT, SMFIC_RCPT, "<a@b>", 6, NULL, NULL,
	    NULL, reply, sizeof reply), MACT_FAILED);
	ck_assert(p.m.failed);
	/* Once failed, it is never asked again. */
	ck_assert_int_eq(milter_command(&p.m, MST_RCPT, SMFIC_RCPT, "<a@b>", 6, NULL, NULL,
	    NULL, reply, sizeof reply), MACT_FAILED);
	pair_close(&p);
}
END_TEST

/* ---- end of message: the edits -------------------------------------------- */

static int
spool_of(const char *s)
{
	int fd = memfd_create("check_milter", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static char *
read_all(int fd)
{
	static char	 buf[4096];
	ssize_t		 n = read(fd, buf, sizeof buf - 1);

	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return buf;
}

START_TEST(eom_edits_applied)
{
	static const char answers[] =
	    "\0\0\0\x13" "hX-Added\0yes\n\tfold\0"
	    "\0\0\0\x11" "i\0\0\0\0X-Top\0first\0"
	    "\0\0\0\x0e" "m\0\0\0\1Subject\0\0"             /* delete the first Subject */
	    "\0\0\0\x0a" "m\0\0\0\1To\0x\0"                 /* change To */
	    "\0\0\0\x09" "bnew\nbody"                       /* two chunks, bare LF */
	    "\0\0\0\x02" "b\n"
	    "\0\0\0\x0c" "e<n@ex.org>\0"
	    "\0\0\0\x0c" "+<c@ex.org>\0"
	    "\0\0\0\x0c" "-<a@ex.org>\0"
	    "\0\0\0\1" "c";
	const char	*rcpts[] = { "a@ex.org", "b@ex.org" };
	struct pair	 p;
	struct mmsg	 m;
	char		 reply[64], buf[8192];
	int		 fd = spool_of("Received: by x\r\nSubject: one\r\n\ttwo\r\nTo: t@ex.org\r\n"
	    "\r\nold body\r\n"), out;

	ck_assert_int_eq(mmsg_load(&m, fd, "s@ex.org", (char *const *)rcpts, 2, 10, 1000), 0);
	ck_assert_uint_eq(m.nf, 3);
	ck_assert_str_eq(m.f[1].value, " one\r\n\ttwo");
	pair_open(&p, answers, sizeof answers - 1);
	pair_neg(&p, MILTER_ACTIONS, 0);
	ck_assert_int_eq(milter_command(&p.m, MST_EOM, SMFIC_BODYEOB, NULL, 0, NULL, mmsg_apply,
	    &m, reply, sizeof reply), MACT_CONTINUE);
	mmsg_filter_done(&m);
	ck_assert(!p.m.failed);
	(void)pair_sent(&p, buf, sizeof buf);
	ck_assert_str_eq(m.sender, "n@ex.org");
	ck_assert_uint_eq(m.nrcpt, 2);
	ck_assert_str_eq(m.rcpts[0], "b@ex.org");
	ck_assert_str_eq(m.rcpts[1], "c@ex.org");
	ck_assert_int_ge(out = mmsg_write(&m), 0);
	ck_assert_str_eq(read_all(out), "X-Top: first\r\nReceived: by x\r\nTo: x\r\n"
	    "X-Added: yes\r\n\tfold\r\n\r\nnew\r\nbody\r\n");
	close(out);
	mmsg_free(&m);
	close(fd);
	pair_close(&p);
}
END_TEST

static int
send_through(void *ctx, char cmd, const void *data, size_t len)
{
	struct pair	*p = ctx;
	char		 reply[64];

	return milter_command(&p->m, -1, cmd, data, len, NULL, NULL, NULL, reply,
	    sizeof reply) == MACT_CONTINUE ? 0 : 1;
}

START_TEST(eom_fields_sent)
{
	struct mmsg	 m;
	struct pair	 p;
	char		 buf[512];
	size_t		 n;
	int		 fd = spool_of("Subject:  a\r\n\tb\r\n\r\nx\r\n");
	static const char want[] = "\0\0\0\x0eLSubject\0a\n\tb\0" "\0\0\0\x04" "Bx\r\n";

	ck_assert_int_eq(mmsg_load(&m, fd, "", NULL, 0, 10, 1000), 0);
	ck_assert_str_eq(m.f[0].value, "  a\r\n\tb");
	pair_open(&p, B("\0\0\0\1c"));
	pair_neg(&p, 0, SMFIP_NR_HDR);
	/* The value loses its leading space and folds as LF; the body keeps CR LF. */
	ck_assert_int_eq(mmsg_send_fields(&m, 0, send_through, &p), 0);
	ck_assert_int_eq(mmsg_send_body(&m, send_through, &p), 0);
	n = pair_sent(&p, buf, sizeof buf);
	ck_assert_uint_eq(n, sizeof want - 1);
	ck_assert_mem_eq(buf, want, n);
	mmsg_free(&m);
	close(fd);
	pair_close(&p);
}
END_TEST

START_TEST(eom_bounds)
{
	struct mmsg	 m;
	struct milter_reply r;
	int		 fd = spool_of("A: 1\r\n\r\n");
	char		 big[2000];

	ck_assert_int_eq(mmsg_load(&m, fd, "", NULL, 0, 1, 100), 0);
	memset(&r, 0, sizeof r);
	/* A value whose line end starts a new field is refused. */
	r.code = SMFIR_ADDHEADER;
	r.name = "X-A";
	r.value = "v\nBcc: evil@example.org";
	ck_assert_int_eq(mmsg_apply(&m, &r, 0), -1);
	r.value = "v\rw";
	ck_assert_int_eq(mmsg_apply(&m, &r, 0), -1);
	/* One recipient at most; a bad address is refused. */
	r.code = SMFIR_ADDRCPT;
	r.name = "<x@ex.org>";
	ck_assert_int_eq(mmsg_apply(&m, &r, 0), 0);
	r.name = "<y@ex.org>";
	ck_assert_int_eq(mmsg_apply(&m, &r, 0), -1);
	r.code = SMFIR_CHGFROM;
	r.name = "<not an address";
	ck_assert_int_eq(mmsg_apply(&m, &r, 0), -1);
	/* A replacement body over the bound. */
	memset(big, 'x', sizeof big);
	r.code = SMFIR_REPLBODY;
	r.body = big;
	r.bodylen = sizeof big;
	ck_assert_int_eq(mmsg_apply(&m, &r, 0), -1);
	mmsg_free(&m);
	close(fd);
}
END_TEST

START_TEST(spec_lines)
{
	struct milter_spec	 sp;
	const char		*why;

	ck_assert_int_eq(milter_spec_parse("inet:127.0.0.1:8891", &sp, &why), 0);
	ck_assert_str_eq(sp.host, "127.0.0.1");
	ck_assert_str_eq(sp.port, "8891");
	ck_assert(!sp.default_accept && !sp.is_unix);
	ck_assert_int_eq(milter_spec_parse("inet:[::1]:11332  default=accept", &sp, &why), 0);
	ck_assert_str_eq(sp.host, "::1");
	ck_assert(sp.default_accept);
	ck_assert_int_eq(milter_spec_parse("unix:/run/opendkim/sock default=tempfail", &sp, &why), 0);
	ck_assert(sp.is_unix && !sp.default_accept);
	ck_assert_str_eq(sp.path, "/run/opendkim/sock");
	ck_assert_int_eq(milter_spec_parse("inet:127.0.0.1:0", &sp, &why), -1);
	ck_assert_int_eq(milter_spec_parse("inet:127.0.0.1:25 default=maybe", &sp, &why), -1);
	ck_assert_int_eq(milter_spec_parse("inet:127.0.0.1:25 default=accept x", &sp, &why), -1);
	ck_assert_int_eq(milter_spec_parse("unix:relative", &sp, &why), -1);
	ck_assert_int_eq(milter_spec_parse("127.0.0.1:8891", &sp, &why), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("milter");
	TCase	*tc = tcase_create("milter");

	signal(SIGPIPE, SIG_IGN);
	log_init("check_milter");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, encode_bytes);
	tcase_add_test(tc, decode_bounds);
	tcase_add_test(tc, negotiation);
	tcase_add_loop_test(tc, reply_table, 0, sizeof replies / sizeof replies[0]);
	tcase_add_test(tc, negotiate_exchange);
	tcase_add_test(tc, skip_and_noreply);
	tcase_add_loop_test(tc, stage_table, 0, sizeof stage_cases / sizeof stage_cases[0]);
	tcase_add_test(tc, accept_at_connect_skips_the_connection);
	tcase_add_test(tc, silence_times_out);
	tcase_add_test(tc, eom_edits_applied);
	tcase_add_test(tc, eom_fields_sent);
	tcase_add_test(tc, eom_bounds);
	tcase_add_test(tc, spec_lines);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
