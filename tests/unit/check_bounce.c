/* check_bounce.c: the RFC 3464 report, parsed back structurally. */
#include <sys/mman.h>

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "str.h"
#include "queue/bounce.h"

/* A predictable random source, so a test can foresee the boundary. */
static uint32_t seq;

static uint32_t
fake_rand(void)
{
	return seq++ * 2654435761u;
}

static int
memfd(const void *data, size_t len)
{
	int	 fd = memfd_create("msg", 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

/* The parsed report: the boundary and each part's header and body. */
struct part {
	const char	*head, *body;
	size_t		 headlen, bodylen;
};
struct report {
	char		 boundary[128];
	struct part	 p[3];
	const char	*top;          /* the message header */
	size_t		 toplen;
};

static const char *
find(const char *hay, size_t len, const char *needle)
{
	return memmem(hay, len, needle, strlen(needle));
}

/* Every line at most 998 octets, no CR, no NUL; ends with LF. */
static void
check_lines(const struct str *s)
{
	size_t	 col = 0;

	ck_assert_uint_gt(s->len, 0);
	ck_assert_int_eq(s->s[s->len - 1], '\n');
	for (size_t i = 0; i < s->len; i++) {
		ck_assert_int_ne(s->s[i], '\r');
		ck_assert_int_ne(s->s[i], '\0');
		if (s->s[i] == '\n')
			col = 0;
		else
			ck_assert_uint_le(++col, 998);
	}
}

static void
parse(const struct str *s, struct report *r)
{
	const char	*p, *q, *end = s->s + s->len, *start;
	char		 delim[160];
	int		 n = 0;

	check_lines(s);
	p = find(s->s, s->len, "\n\n");
	ck_assert_ptr_nonnull(p);
	r->top = s->s;
	r->toplen = (size_t)(p - s->s) + 1;
	q = find(r->top, r->toplen, "boundary=\"");
	ck_assert_ptr_nonnull(q);
	q += strlen("boundary=\"");
	ck_assert_uint_lt(strcspn(q, "\""), sizeof r->boundary);
	snprintf(r->boundary, sizeof r->boundary, "%.*s", (int)strcspn(q, "\""), q);
	ck_assert_uint_le(strlen(r->boundary), 70);       /* RFC 2046 */

	snprintf(delim, sizeof delim, "\n--%s\n", r->boundary);
	start = find(s->s, s->len, delim);
	ck_assert_ptr_nonnull(start);
	while (n < 3) {
		const char *body, *next;

		start += strlen(delim);
		body = find(start, (size_t)(end - start), "\n\n");
		ck_assert_ptr_nonnull(body);
		r->p[n].head = start;
		r->p[n].headlen = (size_t)(body - start) + 1;
		body += 2;
		next = find(body, (size_t)(end - body), delim);
		if (next == NULL) {
			snprintf(delim, sizeof delim, "\n--%s--\n", r->boundary);
			next = find(body, (size_t)(end - body), delim);
			ck_assert_ptr_nonnull(next);
			ck_assert_ptr_eq(next + strlen(delim), end);
		}
		r->p[n].body = body;
		r->p[n].bodylen = (size_t)(next - body);
		start = next;
		n++;
	}
	/* The boundary is in the header and in the four delimiters, nowhere else. */
	n = 0;
	for (p = s->s; (p = find(p, (size_t)(end - p), r->boundary)) != NULL; p++)
		n++;
	ck_assert_int_eq(n, 5);
}

/* The value of field name in [s, s+len), unfolded (LF SP -> SP), into out. */
static int
field(const char *s, size_t len, const char *name, int nth, char *out, size_t outsz)
{
	char		 key[64];
	const char	*p = s, *end = s + len;
	size_t		 o = 0;

	snprintf(key, sizeof key, "\n%s: ", name);
	/* Look at s - 1 as if a LF came before the first line. */
	if (strncmp(s, key + 1, strlen(key + 1)) == 0 && nth-- == 0)
		p = s + strlen(key + 1);
	else {
		for (;;) {
			p = find(p, (size_t)(end - p), key);
			if (p == NULL)
				return -1;
			p += strlen(key);
			if (nth-- == 0)
				break;
		}
	}
	for (; p < end && o + 1 < outsz; p++) {
		if (*p == '\n' && (p + 1 == end || (p[1] != ' ' && p[1] != '\t')))
			break;
		if (*p != '\n')
			out[o++] = *p;
	}
	out[o] = '\0';
	return 0;
}

static const char small[] =
    "From: a@example.org\nTo: b@example.net\nSubject: hi\n\nHello.\n";

static struct str
build(struct bounce_info *bi)
{
	struct str	 out = STR_INIT;

	ck_assert_int_eq(bounce_build(bi, &out), 0);
	return out;
}

static void
info(struct bounce_info *bi, const struct bounce_rcpt *r, size_t n, int fd)
{
	memset(bi, 0, sizeof *bi);
	bi->me = "mx.example.org";
	bi->bouncefrom = "MAILER-DAEMON";
	bi->id = "5f0a1b2c3d4e5f60";
	bi->sender = "alice@example.org";
	bi->to = "alice@example.org";
	bi->arrival = 1700000000;
	bi->now = 1700003600;
	bi->rcpts = r;
	bi->nrcpts = n;
	bi->msgfd = fd;
	bi->max_return = 4096;
	bi->rand32 = fake_rand;
}

START_TEST(status_codes)
{
	static const struct { const char *text, *want; } t[] = {
		{ "5.1.1 no such user", "5.1.1" },
		{ "5.7.1", "5.7.1" },
		{ "4.4.1 connection refused", "5.4.1" },
		{ "550 5.1.1 user unknown", "5.1.1" },
		{ "550-5.2.2 mailbox full", "5.2.2" },
		{ "  5.3.4 too big", "5.3.4" },
		{ "5.123.456 wide", "5.123.456" },
		{ "5.1234.1 too wide", "5.0.0" },
		{ "5.1.1234 too wide", "5.0.0" },
		{ "2.0.0 ok?", "5.0.0" },
		{ "5.1 short", "5.0.0" },
		{ "5.1.1x glued", "5.0.0" },
		{ "no such user", "5.0.0" },
		{ "", "5.0.0" },
		{ NULL, "5.0.0" },
	};
	char	 out[16];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		bounce_status(t[i].text, out, sizeof out);
		ck_assert_msg(strcmp(out, t[i].want) == 0, "%s: got %s want %s",
		    t[i].text ? t[i].text : "(null)", out, t[i].want);
	}
}
END_TEST

/* A remote server's reply: Remote-MTA and Diagnostic-Code come from it, the text stays whole. */
START_TEST(remote_reply)
{
	static const char *text = "5.1.1 host mx1.example.net [192.0.2.1] said: 550 5.1.1 <bob@example.net>:"
	    " no such user";
	static const struct {
		const char	*text, *host, *reply;
	} t[] = {
		{ "5.1.1 host mx1.example.net [192.0.2.1] said: 550 5.1.1 no", "mx1.example.net",
		  "550 5.1.1 no" },
		{ "4.4.2 host a [::1] said: 421 bye", "a", "421 bye" },
		{ "5.1.10 the domain accepts no mail", NULL, NULL },
		{ "5.1.1 host mx [1.2.3.4 said: 550 x", NULL, NULL },
		{ "5.1.1 host mx [1.2 3.4] said: 550 x", NULL, NULL },
		{ "5.1.1 host  [1.2.3.4] said: 550 x", NULL, NULL },
		{ "host mx [1.2.3.4] said: 550 x", NULL, NULL },
		{ "", NULL, NULL },
	};
	struct bounce_rcpt	 r = { "bob@example.net", text, NULL, 1700003000, NULL };
	struct bounce_info	 bi;
	struct report		 rep;
	struct str		 out;
	char			 v[1024], host[256];
	int			 fd = memfd(small, sizeof small - 1);

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *reply = bounce_remote_split(t[i].text, host, sizeof host);

		if (t[i].reply == NULL) {
			ck_assert_msg(reply == NULL, "%s", t[i].text);
			continue;
		}
		ck_assert_ptr_nonnull(reply);
		ck_assert_str_eq(reply, t[i].reply);
		ck_assert_str_eq(host, t[i].host);
	}
	ck_assert_ptr_null(bounce_remote_split(t[0].text, host, 5));   /* host does not fit */
	r.diagnostic = bounce_remote_split(text, host, sizeof host);
	r.remote_mta = host;
	info(&bi, &r, 1, fd);
	out = build(&bi);
	parse(&out, &rep);
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Remote-MTA", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "dns; mx1.example.net");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Diagnostic-Code", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "smtp; 550 5.1.1 <bob@example.net>: no such user");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Status", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "5.1.1");
	ck_assert_ptr_nonnull(find(rep.p[0].body, rep.p[0].bodylen, "mx1.example.net [192.0.2.1] said"));
	str_free(&out);
	close(fd);
}
END_TEST

START_TEST(one_rcpt_whole_message)
{
	struct bounce_rcpt	 r = { "bob@example.org", "5.1.1 no such user", NULL, 1700003000, NULL };
	struct bounce_info	 bi;
	struct report		 rep;
	struct str		 out;
	char			 v[1024];
	int			 fd = memfd(small, sizeof small - 1);

	info(&bi, &r, 1, fd);
	out = build(&bi);
	parse(&out, &rep);
	ck_assert_int_eq(field(rep.top, rep.toplen, "From", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "Mail Delivery System <MAILER-DAEMON@mx.example.org>");
	ck_assert_int_eq(field(rep.top, rep.toplen, "To", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "<alice@example.org>");
	ck_assert_int_eq(field(rep.top, rep.toplen, "Subject", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "Undelivered Mail Returned to Sender");
	ck_assert_int_eq(field(rep.top, rep.toplen, "Auto-Submitted", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "auto-replied");
	ck_assert_int_eq(field(rep.top, rep.toplen, "Date", 0, v, sizeof v), 0);
	ck_assert_int_eq(field(rep.top, rep.toplen, "Message-ID", 0, v, sizeof v), 0);
	ck_assert_ptr_nonnull(strstr(v, "5f0a1b2c3d4e5f60"));
	ck_assert_ptr_nonnull(strstr(v, "@mx.example.org>"));
	ck_assert_int_eq(field(rep.top, rep.toplen, "Content-Type", 0, v, sizeof v), 0);
	ck_assert_ptr_nonnull(strstr(v, "multipart/report; report-type=delivery-status;"));
	ck_assert_ptr_null(find(rep.top, rep.toplen, "Content-Transfer-Encoding"));

	ck_assert_ptr_nonnull(find(rep.p[0].head, rep.p[0].headlen, "text/plain; charset=us-ascii"));
	ck_assert_ptr_nonnull(find(rep.p[0].body, rep.p[0].bodylen, "<bob@example.org>: 5.1.1 no such user"));
	ck_assert_ptr_nonnull(find(rep.p[1].head, rep.p[1].headlen, "Content-Type: message/delivery-status\n"));
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Reporting-MTA", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "dns; mx.example.org");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "X-Stamp-Queue-ID", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "5f0a1b2c3d4e5f60");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Arrival-Date", 0, v, sizeof v), 0);
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Final-Recipient", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "rfc822; bob@example.org");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Action", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "failed");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Status", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "5.1.1");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Diagnostic-Code", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "smtp; 5.1.1 no such user");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Last-Attempt-Date", 0, v, sizeof v), 0);
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Remote-MTA", 0, v, sizeof v), -1);
	/* Per-message fields, a blank line, then the recipient's. */
	ck_assert_ptr_nonnull(find(rep.p[1].body, rep.p[1].bodylen, "\n\nFinal-Recipient: "));

	ck_assert_ptr_nonnull(find(rep.p[2].head, rep.p[2].headlen, "Content-Type: message/rfc822\n"));
	ck_assert_uint_eq(rep.p[2].bodylen, sizeof small - 1);
	ck_assert_int_eq(memcmp(rep.p[2].body, small, sizeof small - 1), 0);
	str_free(&out);
	close(fd);
}
END_TEST

START_TEST(three_rcpts_folding)
{
	char			 longtext[3000], word[2500], want[3100], v[4096];
	struct bounce_rcpt	 r[3];
	struct bounce_info	 bi;
	struct report		 rep;
	struct str		 out;
	int			 fd = memfd(small, sizeof small - 1);
	size_t			 o;

	/* Many short words, then one word longer than a line. */
	o = (size_t)snprintf(longtext, sizeof longtext, "550 5.2.2");
	while (o < 1500)
		o += (size_t)snprintf(longtext + o, sizeof longtext - o, " word%zu", o);
	memset(word, 'x', sizeof word - 1);
	word[sizeof word - 1] = '\0';
	r[0] = (struct bounce_rcpt){ "a@example.net", longtext, "mx1.example.net", 1700003000, NULL };
	r[1] = (struct bounce_rcpt){ "b@example.net", word, NULL, 0, NULL };
	r[2] = (struct bounce_rcpt){ "c@example.net", "4.4.7 message expired", "mx2.example.net", 1700003500, NULL };
	info(&bi, r, 3, fd);
	out = build(&bi);
	parse(&out, &rep);

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Final-Recipient", i, v, sizeof v), 0);
		ck_assert_str_eq(v + strlen("rfc822; "), r[i].rcpt);
		ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Action", i, v, sizeof v), 0);
		ck_assert_str_eq(v, "failed");
	}
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Final-Recipient", 3, v, sizeof v), -1);
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Status", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "5.2.2");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Status", 1, v, sizeof v), 0);
	ck_assert_str_eq(v, "5.0.0");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Status", 2, v, sizeof v), 0);
	ck_assert_str_eq(v, "5.4.7");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Remote-MTA", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "dns; mx1.example.net");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Remote-MTA", 1, v, sizeof v), 0);
	ck_assert_str_eq(v, "dns; mx2.example.net");
	/* Only two recipients had a last attempt time. */
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Last-Attempt-Date", 1, v, sizeof v), 0);
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Last-Attempt-Date", 2, v, sizeof v), -1);

	/* Folded at spaces: unfolding gives the text back; lines were checked. */
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Diagnostic-Code", 0, v, sizeof v), 0);
	snprintf(want, sizeof want, "smtp; %s", longtext);
	ck_assert_str_eq(v, want);
	{
		/* Cut between words, never inside one, and within 78 columns. */
		const char *d = find(rep.p[1].body, rep.p[1].bodylen, "Diagnostic-Code:");
		int lines = 0;

		do {
			ck_assert_uint_le(strcspn(d, "\n"), 78);
			d += strcspn(d, "\n") + 1;
			lines++;
		} while (strncmp(d, " word", 5) == 0);
		ck_assert_int_gt(lines, 15);
		ck_assert_int_eq(d[0] == ' ', 0);
	}
	/* The long word is cut into lines, and its letters all survive. */
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Diagnostic-Code", 1, v, sizeof v), 0);
	ck_assert_uint_eq(strlen(v), strlen("smtp; ") + strlen(word) + 2);
	ck_assert_uint_eq(strspn(v + strlen("smtp; "), "x "), strlen(word) + 2);
	str_free(&out);
	close(fd);
}
END_TEST

START_TEST(large_message_returns_header)
{
	struct bounce_rcpt	 r = { "bob@example.org", "5.3.4 message too big", NULL, 0, NULL };
	static const char	 head[] = "From: a@example.org\nSubject: big\n\n";
	struct bounce_info	 bi;
	struct report		 rep;
	struct str		 out, msg = STR_INIT;
	int			 fd;

	ck_assert_int_eq(str_appends(&msg, head), 0);
	while (msg.len < 100000)
		ck_assert_int_eq(str_appends(&msg, "body line\n"), 0);
	fd = memfd(msg.s, msg.len);
	info(&bi, &r, 1, fd);
	out = build(&bi);
	parse(&out, &rep);
	ck_assert_ptr_nonnull(find(rep.p[2].head, rep.p[2].headlen, "Content-Type: text/rfc822-headers\n"));
	ck_assert_uint_eq(rep.p[2].bodylen, strlen(head) - 1);
	ck_assert_int_eq(memcmp(rep.p[2].body, head, strlen(head) - 1), 0);
	ck_assert_uint_lt(out.len, 8192);
	str_free(&out);
	close(fd);

	/* No blank line and no LF at all, far beyond the limits: bounded. */
	str_clear(&msg);
	while (msg.len < 3 * BOUNCE_HEADER_MAX)
		ck_assert_int_eq(str_appends(&msg, "X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaa"), 0);
	fd = memfd(msg.s, msg.len);
	info(&bi, &r, 1, fd);
	out = build(&bi);
	parse(&out, &rep);
	ck_assert_ptr_nonnull(find(rep.p[2].head, rep.p[2].headlen, "text/rfc822-headers"));
	ck_assert_uint_le(rep.p[2].bodylen, BOUNCE_HEADER_MAX + 2 * (BOUNCE_HEADER_MAX / 900) + 2);
	ck_assert_uint_ge(rep.p[2].bodylen, BOUNCE_HEADER_MAX);
	str_free(&out);
	close(fd);

	/* Exactly max_return octets still goes back whole. */
	info(&bi, &r, 1, -1);
	bi.max_return = sizeof small - 1;
	bi.msgfd = fd = memfd(small, sizeof small - 1);
	out = build(&bi);
	parse(&out, &rep);
	ck_assert_ptr_nonnull(find(rep.p[2].head, rep.p[2].headlen, "message/rfc822"));
	str_free(&out);
	close(fd);
	str_free(&msg);
}
END_TEST

START_TEST(boundary_avoids_content)
{
	struct bounce_rcpt	 r = { "bob@example.org", "5.1.1 no such user", NULL, 0, NULL };
	struct bounce_info	 bi;
	struct report		 rep;
	struct str		 out, msg = STR_INIT;
	char			 first[128];
	int			 fd = memfd(small, sizeof small - 1);

	seq = 0;
	info(&bi, &r, 1, fd);
	out = build(&bi);
	parse(&out, &rep);
	snprintf(first, sizeof first, "%s", rep.boundary);
	str_free(&out);
	close(fd);

	/* The same random numbers again, with that boundary in the content. */
	ck_assert_int_eq(str_appendf(&msg, "%s\n--%s\n--%s--\n", small, first, first), 0);
	fd = memfd(msg.s, msg.len);
	seq = 0;
	info(&bi, &r, 1, fd);
	out = build(&bi);
	parse(&out, &rep);        /* counts the boundary: exactly 5 times */
	ck_assert_str_ne(rep.boundary, first);
	ck_assert_ptr_nonnull(find(rep.p[2].body, rep.p[2].bodylen, first));
	str_free(&out);
	close(fd);
	str_free(&msg);
}
END_TEST

START_TEST(hostile_input)
{
	static const char	 msg[] = "Subject: \xe9t\xe9\r\nX: a\rb\0c\n\nbody\r\n\0\n";
	struct bounce_rcpt	 r = { "b\xffob\n@exa<mple>.org", "5.1.1 no\r\nInjected: yes\x01\xc3\xa9",
				       "mx.example.net\nX: y", 1700003000, NULL };
	struct bounce_info	 bi;
	struct report		 rep;
	struct str		 out;
	char			 v[1024];
	int			 fd = memfd(msg, sizeof msg - 1);

	info(&bi, &r, 1, fd);
	bi.to = "alice\n@example.org";
	bi.me = "mx.example.org\nBcc: x";
	out = build(&bi);
	parse(&out, &rep);
	/* ASCII everywhere but in the returned message. */
	for (const char *p = out.s; p < rep.p[2].body; p++)
		ck_assert_int_lt((unsigned char)*p, 0x80);
	ck_assert_ptr_null(find(out.s, out.len, "\nInjected:"));
	ck_assert_ptr_null(find(out.s, out.len, "\nBcc:"));
	ck_assert_ptr_null(find(out.s, out.len, "\nX: y"));
	ck_assert_int_eq(field(rep.top, rep.toplen, "To", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "<alice?@example.org>");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Final-Recipient", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "rfc822; b?ob?@exa?mple?.org");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Status", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "5.1.1");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Diagnostic-Code", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "smtp; 5.1.1 no Injected: yes ??");
	/* The original: 8-bit declared, CR LF and bare CR and NUL gone. */
	ck_assert_ptr_nonnull(find(rep.p[2].head, rep.p[2].headlen, "Content-Transfer-Encoding: 8bit"));
	ck_assert_ptr_nonnull(find(rep.top, rep.toplen, "Content-Transfer-Encoding: 8bit"));
	ck_assert_ptr_nonnull(find(rep.p[2].body, rep.p[2].bodylen, "X: a?b?c\n\nbody\n?\n"));
	str_free(&out);
	close(fd);
}
END_TEST

START_TEST(double_bounce)
{
	struct bounce_rcpt	 r = { "alice@example.org", "5.1.1 no such user", NULL, 0, NULL };
	struct bounce_info	 bi;
	struct report		 rep;
	struct str		 out;
	char			 v[256];
	int			 fd = memfd(small, sizeof small - 1);

	info(&bi, &r, 1, fd);
	bi.sender = "";
	bi.is_double = 1;
	bi.to = "postmaster@mx.example.org";
	bi.bouncefrom = NULL;
	out = build(&bi);
	parse(&out, &rep);
	ck_assert_int_eq(field(rep.top, rep.toplen, "Subject", 0, v, sizeof v), 0);
	ck_assert_ptr_nonnull(strstr(v, "Undeliverable"));
	ck_assert_int_eq(field(rep.top, rep.toplen, "From", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "Mail Delivery System <MAILER-DAEMON@mx.example.org>");
	ck_assert_int_eq(field(rep.p[1].body, rep.p[1].bodylen, "Status", 0, v, sizeof v), 0);
	ck_assert_str_eq(v, "5.1.1");
	str_free(&out);
	close(fd);
}
END_TEST

START_TEST(errors_leave_out_alone)
{
	struct bounce_rcpt	 r = { "bob@example.org", "5.1.1 x", NULL, 0, NULL };
	struct bounce_info	 bi;
	struct str		 out = STR_INIT;
	int			 fd = memfd(small, sizeof small - 1);

	ck_assert_int_eq(str_appends(&out, "keep"), 0);
	info(&bi, &r, 0, fd);
	ck_assert_int_eq(bounce_build(&bi, &out), -1);
	ck_assert_int_eq(errno, EINVAL);
	info(&bi, &r, 1, fd);
	bi.id = NULL;
	ck_assert_int_eq(bounce_build(&bi, &out), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
	info(&bi, &r, 1, fd);     /* closed now */
	ck_assert_int_eq(bounce_build(&bi, &out), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_uint_eq(out.len, 4);
	ck_assert_str_eq(out.s, "keep");
	str_free(&out);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("bounce");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, status_codes);
	tcase_add_test(tc, one_rcpt_whole_message);
	tcase_add_test(tc, three_rcpts_folding);
	tcase_add_test(tc, large_message_returns_header);
	tcase_add_test(tc, boundary_avoids_content);
	tcase_add_test(tc, hostile_input);
	tcase_add_test(tc, double_bounce);
	tcase_add_test(tc, errors_leave_out_alone);
	tcase_add_test(tc, remote_reply);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
