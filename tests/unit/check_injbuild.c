/*
 * check_injbuild.c: stamp-inject's header parser, address lists and header
 * completion, whole messages in and out.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue/inj_addr.h"
#include "queue/inj_build.h"
#include "queue/inj_hdr.h"
#include "tests/unit/ckmain.h"

/* ---- hdr_split ---- */

static const struct {
	const char *msg;
	int         ok;
	size_t      nfields;
	const char *body;      /* the body text */
	int         blank;
	const char *last;      /* the raw text of the last field */
} split[] = {
	{ "Subject: a\nTo: b@c\n\nbody\n", 1, 2, "body\n", 1, "To: b@c" },
	{ "Subject: a\n  folded\n\tagain\n\nbody\n", 1, 1, "body\n", 1, "Subject: a\n  folded\n\tagain" },
	{ "Subject: a\nthis is the body\n", 1, 1, "this is the body\n", 0, "Subject: a" },
	{ "Subject: a\nNot A Header: x\n", 1, 1, "Not A Header: x\n", 0, "Subject: a" },
	{ "Subject : obsolete space\n\nb", 1, 1, "b", 1, "Subject : obsolete space" },
	{ "Subject: no line end", 1, 1, "", 0, "Subject: no line end" },
	{ "Subject: only header\n", 1, 1, "", 0, "Subject: only header" },
	{ "", 1, 0, "", 0, NULL },
	{ "\nbody only\n", 1, 0, "body only\n", 1, NULL },
	{ "just a body line\nmore\n", 1, 0, "just a body line\nmore\n", 0, NULL },
	{ " continuation first\n\nb\n", 0, 0, NULL, 0, NULL },
	{ "Subject: a\0b\n\nb\n", 0, 0, NULL, 0, NULL },
	{ ":no name\n", 1, 0, ":no name\n", 0, NULL },
	{ "X-\xc3\xa4: 8-bit name is no field\n", 1, 0, "X-\xc3\xa4: 8-bit name is no field\n", 0, NULL },
};

START_TEST(split_table)
{
	const char *m = split[_i].msg;
	size_t len = strlen(m);
	struct hdr_part h;
	const char *why;

	if (len == 10 && m[len + 1] == 'b')
		len = 16;  /* the NUL case: count through the NUL */
	ck_assert_int_eq(hdr_split(m, len, &h, &why), split[_i].ok ? 0 : -1);
	if (!split[_i].ok) {
		ck_assert_ptr_nonnull(why);
		return;
	}
	ck_assert_uint_eq(h.n, split[_i].nfields);
	ck_assert_int_eq(h.blank, split[_i].blank);
	ck_assert_str_eq(m + h.body, split[_i].body);
	if (split[_i].last != NULL) {
		const struct hdr_field *f = &h.f[h.n - 1];
		ck_assert_uint_eq(f->rawlen, strlen(split[_i].last));
		ck_assert(memcmp(f->raw, split[_i].last, f->rawlen) == 0);
		ck_assert_ptr_eq(f->value, memchr(f->raw, ':', f->rawlen) + 1);
	}
	hdr_part_free(&h);
}
END_TEST

/* ---- address lists ---- */

static int
collect(const char *mailbox, void *arg)
{
	struct str *s = arg;

	return str_appendf(s, "%s%s", s->len ? " " : "", mailbox);
}

static const struct {
	const char *val;
	const char *found;     /* the mailboxes, space separated; NULL: refused */
	const char *rewritten; /* NULL: the same as val */
} lists[] = {
	{ " a@example.org", "a@example.org", NULL },
	{ " a@example.org, B <b@example.org>", "a@example.org b@example.org", NULL },
	{ " \"Doe, John\" <john@example.org>, jane", "john@example.org jane@dflt.example", NULL },
	{ " john@example.org (John Doe)", "john@example.org", NULL },
	{ " undisclosed-recipients:;", "", NULL },
	{ " team: a@x.example, b@y.example;, c@z.example", "a@x.example b@y.example c@z.example", NULL },
	{ " <@relay.example:route@example.org>", "route@example.org", NULL },
	{ " a@example.org,, ,b@example.org", "a@example.org b@example.org", NULL },
	{ " A@Example.org, a@example.ORG", "A@Example.org", NULL },   /* repeats dropped by rcpts_add */
	{ " Jörg <joerg@example.org>", "joerg@example.org", " =?UTF-8?B?SsO2cmc=?= <joerg@example.org>" },
	{ " \"Müller, Jörg\" <j@example.org>", "j@example.org",
	  " =?UTF-8?B?TcO8bGxlciwgSsO2cmc=?= <j@example.org>" },
	{ " Ann <a@x.example>,\n Jörg Müller aus Bern <j@example.org>", "a@x.example j@example.org",
	  " Ann <a@x.example>, =?UTF-8?Q?J=C3=B6rg_M=C3=BCller_aus_Bern?= <j@example.org>" },
	{ " j@example.org (Jörg)", "j@example.org", " j@example.org (=?UTF-8?B?SsO2cmc=?=)" },
	{ " Grüppe: a@x.example;", "a@x.example", " =?UTF-8?Q?Gr=C3=BCppe?= : a@x.example;" },
	{ " jörg@exämple.org", "jörg@exämple.org", NULL },          /* addresses stay as they are */
	{ " \"unterminated", NULL, NULL },
	{ " (unterminated comment", NULL, NULL },
	{ " Name <a@example.org", NULL, NULL },
	{ " <a@example.org> trailing", NULL, NULL },
	{ " team: a@x.example", NULL, NULL },
	{ " two words@example.org", NULL, NULL },
	{ " a@@example.org", NULL, NULL },
};

START_TEST(list_table)
{
	struct str found = STR_INIT, out = STR_INIT;
	struct ctl_list rc = { NULL, 0 };
	const char *why = "unset";
	int r;

	str_sets(&out, "To:");
	r = addrlist_parse(lists[_i].val, strlen(lists[_i].val), "dflt.example", collect, &found,
	    &out, &why);
	if (lists[_i].found == NULL) {
		ck_assert_int_eq(r, -1);
		ck_assert_ptr_nonnull(why);
		goto done;
	}
	ck_assert_msg(r == 0, "refused: %s", why);
	ck_assert_str_eq(found.s ? found.s : "", _i == 8 ? "A@Example.org a@example.ORG" :
	    lists[_i].found);
	ck_assert_str_eq(out.s + 3, lists[_i].rewritten ? lists[_i].rewritten : lists[_i].val);
	/* rcpts_add keeps one of each (ASCII case-insensitively). */
	for (char *p = found.s, *sp; p != NULL && *p; p = sp ? sp + 1 : NULL) {
		if ((sp = strchr(p, ' ')) != NULL)
			*sp = '\0';
		ck_assert_int_eq(rcpts_add(&rc, p), 0);
		if (sp == NULL)
			break;
	}
	if (_i == 8)
		ck_assert_uint_eq(rc.n, 1);
done:
	ctl_list_free(&rc);
	str_free(&found);
	str_free(&out);
}
END_TEST

/* ---- completion ---- */

#define DATE "Date: Fri, 15 Jan 2027 08:00:00 +0000\n"
#define MID  "Message-ID: <id.1@mx.example>\n"
#define FROM "From: user@dflt.example\n"

static const struct {
	int         extract;
	const char *fullname;
	const char *in;
	const char *out;      /* NULL: refused */
	const char *rcpts;    /* with -t */
} build[] = {
	/* Everything missing is added, at the end of the header. */
	{ 0, NULL, "Subject: hi\n\nbody\n", "Subject: hi\n" DATE MID FROM "\nbody\n", "" },
	/* Nothing is added when all is there. */
	{ 0, NULL, "Date: x\nMessage-ID: <y>\nFrom: z@example.org\n\nb\n",
	  "Date: x\nMessage-ID: <y>\nFrom: z@example.org\n\nb\n", "" },
	/* Field names in any case count. */
	{ 0, NULL, "DATE: x\nmessage-id: <y>\nfrom: z@example.org\n\nb\n",
	  "DATE: x\nmessage-id: <y>\nfrom: z@example.org\n\nb\n", "" },
	{ 0, "Joe User", "Subject: x\n\nb\n", "Subject: x\n" DATE MID "From: Joe User <user@dflt.example>\n\nb\n", "" },
	{ 0, "Joe Q. Public", "\n", DATE MID "From: \"Joe Q. Public\" <user@dflt.example>\n\n", "" },
	{ 0, "Jörg", "\n", DATE MID "From: =?UTF-8?B?SsO2cmc=?= <user@dflt.example>\n\n", "" },
	{ 0, "say \"hi\" =?x?=", "\n", DATE MID "From: \"say \\\"hi\\\" =?x?=\" <user@dflt.example>\n\n", "" },
	/* Bcc is removed, and with -t its recipients are kept. */
	{ 1, NULL, "To: a@example.org\nCc: B <b@example.org>\nBcc: c@example.org\n\nb\n",
	  "To: a@example.org\nCc: B <b@example.org>\n" DATE MID FROM "\nb\n",
	  "a@example.org b@example.org c@example.org" },
	{ 0, NULL, "To: a@example.org\nBcc: c@example.org\n\nb\n", "To: a@example.org\n" DATE MID FROM "\nb\n", "" },
	{ 1, NULL, "To: a@example.org, a@EXAMPLE.org\nCc: bob\n\nb\n",
	  "To: a@example.org, a@EXAMPLE.org\nCc: bob\n" DATE MID FROM "\nb\n", "a@example.org bob@dflt.example" },
	/* An invalid list is refused only when it must be read. */
	{ 1, NULL, "To: a b c\n\nb\n", NULL, NULL },
	{ 0, NULL, "To: a b c\n\nb\n", "To: a b c\n" DATE MID FROM "\nb\n", "" },
	/* 8-bit body without MIME headers. */
	{ 0, NULL, "Subject: x\n\nGrüße\n", "Subject: x\n" DATE MID FROM "MIME-Version: 1.0\n"
	  "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nGrüße\n", "" },
	{ 0, NULL, "Subject: x\n\nGr\xfc\xdf" "e\n", "Subject: x\n" DATE MID FROM "MIME-Version: 1.0\n"
	  "Content-Type: text/plain; charset=unknown-8bit\nContent-Transfer-Encoding: 8bit\n\nGr\xfc\xdf" "e\n", "" },
	{ 0, NULL, "Content-Type: text/plain; charset=ISO-8859-1\n\nGr\xfc\xdf" "e\n",
	  "Content-Type: text/plain; charset=ISO-8859-1\n" DATE MID FROM "\nGr\xfc\xdf" "e\n", "" },
	{ 0, NULL, "MIME-Version: 1.0\n\nGrüße\n", "MIME-Version: 1.0\n" DATE MID FROM "\nGrüße\n", "" },
	/* Non-ASCII headers become encoded words; others stay. */
	{ 0, NULL, "Subject: Grüße\nX-Other: Grüße\n\nb\n",
	  "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\nX-Other: Grüße\n" DATE MID FROM "\nb\n", "" },
	{ 0, NULL, "Subject: Grüße\n aus\n\tKöln\n\nb\n",                 /* unfolded first */
	  "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMJS8O2bG4=?=\n" DATE MID FROM "\nb\n", "" },
	{ 0, NULL, "From: Jörg <j@example.org>\n\nb\n",
	  "From: =?UTF-8?B?SsO2cmc=?= <j@example.org>\n" DATE MID "\nb\n", "" },
	{ 0, NULL, "Subject: M\xfcller\n\nb\n", NULL, NULL },         /* Latin-1: cannot be labelled */
	{ 0, NULL, "To: J\xc3\xb6rg j@x\n\nb\n", NULL, NULL },         /* 8-bit in a bad list */
	/* A body without the blank line gets one; the mbox From line goes. */
	{ 0, NULL, "Subject: x\nbody line\n", "Subject: x\n" DATE MID FROM "\nbody line\n", "" },
	{ 0, NULL, "From someone@example.org Fri Jan 15 08:00:00 2027\nSubject: x\n\nb\n",
	  "Subject: x\n" DATE MID FROM "\nb\n", "" },
	/* Malformed header part. */
	{ 0, NULL, "  starts folded\n\nb\n", NULL, NULL },
};

START_TEST(build_table)
{
	struct inj_ctx ctx = { .extract = build[_i].extract, .fullname = build[_i].fullname,
	    .from_addr = "user@dflt.example", .defaulthost = "dflt.example",
	    .msgid = "<id.1@mx.example>", .now = 1800000000 };
	struct str out = STR_INIT, got = STR_INIT;
	struct ctl_list rc = { NULL, 0 };
	const char *why = NULL;
	int r;

	setenv("TZ", "UTC0", 1);
	tzset();
	r = inj_build(&ctx, build[_i].in, strlen(build[_i].in), &out, &rc, &why);
	if (build[_i].out == NULL) {
		ck_assert_int_eq(r, -1);
		ck_assert_ptr_nonnull(why);
		goto done;
	}
	ck_assert_msg(r == 0, "refused: %s", why);
	ck_assert_str_eq(out.s, build[_i].out);
	for (size_t i = 0; i < rc.n; i++)
		str_appendf(&got, "%s%s", i ? " " : "", rc.items[i]);
	ck_assert_str_eq(got.s ? got.s : "", build[_i].rcpts);
done:
	ctl_list_free(&rc);
	str_free(&out);
	str_free(&got);
}
END_TEST

/* A 1500-octet Subject is folded; one with no space to fold at is refused. */
START_TEST(long_header)
{
	struct inj_ctx ctx = { .from_addr = "u@d.example", .defaulthost = "d.example",
	    .msgid = "<m@d>", .now = 0 };
	struct str in = STR_INIT, out = STR_INIT;
	struct ctl_list rc = { NULL, 0 };
	const char *why;

	str_appends(&in, "Subject:");
	for (int i = 0; i < 150; i++)
		str_appends(&in, " word12345");
	str_appends(&in, "\n\nb\n");
	ck_assert_msg(inj_build(&ctx, in.s, in.len, &out, &rc, &why) == 0, "%s", why);
	for (char *p = out.s, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		ck_assert_int_le(nl - p, 78);
	str_clear(&in);
	str_clear(&out);
	str_appends(&in, "X-Blob: ");
	for (int i = 0; i < 995; i++)
		str_appendc(&in, 'x');
	str_appends(&in, "\n\nb\n");
	ck_assert_int_eq(inj_build(&ctx, in.s, in.len, &out, &rc, &why), 0);  /* folds after "X-Blob:" */
	str_clear(&in);
	str_clear(&out);
	str_appends(&in, "X-Blob:");
	for (int i = 0; i < 1000; i++)
		str_appendc(&in, 'x');
	str_appends(&in, "\n\nb\n");
	ck_assert_int_eq(inj_build(&ctx, in.s, in.len, &out, &rc, &why), -1);
	ck_assert_msg(strstr(why, "998") != NULL, "%s", why);
	str_free(&in);
	str_free(&out);
}
END_TEST

/*
 * Random headers of the characters that matter to the parsers (a fixed
 * seed, so a failure repeats): every one is completed or refused with a
 * reason, and a completed one has no line over 998 octets. Under the
 * sanitizer build this is a small fuzzer.
 */
START_TEST(random_headers)
{
	static const char *const parts[] = {
		"<", ">", "(", ")", "\"", "\\", ":", ";", ",", "@", ".", "[", "]", " ", "\t", "\n",
		"\n ", "a", "Bob", "x@example.org", "\xc3\xa9", "\xe2\x82\xac", "\xff", "=?", "?=",
		"To: ", "Cc: ", "Bcc: ", "From: ", "Subject: ", "\n\n", "\0",
	};
	struct inj_ctx ctx = { .extract = 1, .from_addr = "u@d.example", .defaulthost = "d.example",
	    .msgid = "<m@d>", .now = 0 };
	unsigned seed = 20261202;

	for (int iter = 0; iter < 5000; iter++) {
		struct str in = STR_INIT, out = STR_INIT, lst = STR_INIT;
		struct ctl_list rc = { NULL, 0 };
		const char *why;
		int n = (int)(rand_r(&seed) % 60);

		str_appends(&in, (const char *[]){ "To: ", "Cc: ", "Subject: ", "From: " }[iter % 4]);
		for (int i = 0; i < n; i++) {
			const char *p = parts[rand_r(&seed) % (sizeof parts / sizeof parts[0])];
			str_append(&in, p, p[0] == '\0' ? 1 : strlen(p));
		}
		str_appends(&in, "\n\nbody\n");
		ctx.extract = iter % 3 != 0;
		if (inj_build(&ctx, in.s, in.len, &out, &rc, &why) == 0) {
			size_t line = 0;

			for (size_t i = 0; i < out.len; i++) {
				line = out.s[i] == '\n' ? 0 : line + 1;
				ck_assert_uint_le(line, 998);
			}
		} else
			ck_assert_ptr_nonnull(why);
		str_sets(&lst, "To:");
		if (addrlist_parse(in.s + 4, in.len - 4, "d.example", NULL, NULL, &lst, &why) == -1)
			ck_assert_ptr_nonnull(why);
		ctl_list_free(&rc);
		str_free(&in);
		str_free(&out);
		str_free(&lst);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("injbuild");
	TCase	*tc = tcase_create("injbuild");

	tcase_add_loop_test(tc, split_table, 0, (int)(sizeof split / sizeof split[0]));
	tcase_add_loop_test(tc, list_table, 0, (int)(sizeof lists / sizeof lists[0]));
	tcase_add_loop_test(tc, build_table, 0, (int)(sizeof build / sizeof build[0]));
	tcase_add_test(tc, long_header);
	tcase_add_test(tc, random_headers);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
