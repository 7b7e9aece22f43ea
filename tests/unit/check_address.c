/* check_address.c: RFC 5321 paths and mailboxes, table-driven. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "tests/unit/ckmain.h"

#define U  ADDR_UTF8
#define R  ADDR_ALLOW_ROUTE
#define N  ADDR_ALLOW_NULL
#define B  ADDR_ALLOW_BARE
#define L  ADDR_ALLOW_LOCAL

struct pcase {
	const char	*in;
	unsigned	 flags;
	enum addr_error	 want;
	const char	*mailbox;    /* canonical, when ADDR_OK */
	size_t		 consumed;   /* 0: the whole input */
};

static const struct pcase paths[] = {
	{ "<a@example.org>", 0, ADDR_OK, "a@example.org", 0 },
	{ "<A.B-c+d@Sub.Example.ORG>", 0, ADDR_OK, "A.B-c+d@Sub.Example.ORG", 0 },
	{ "<!#$%&'*+-/=?^_`{|}~@x.y>", 0, ADDR_OK, "!#$%&'*+-/=?^_`{|}~@x.y", 0 },
	{ "<a@example.org> SIZE=10", 0, ADDR_OK, "a@example.org", 15 },
	{ "<a@b> SIZE=10", 0, ADDR_OK, "a@b", 5 },
	{ "<A@B>", N | R | L | U, ADDR_OK, "A@B", 0 },
	{ "<>", B, ADDR_ENULL, NULL, 0 },
	{ "<> ", N | B, ADDR_OK, "", 2 },
	{ "postmaster", B | L, ADDR_OK, "postmaster", 0 },
	{ "postmaster", B, ADDR_ESYNTAX, NULL, 0 },
	{ "a@b\tSIZE=1", B, ADDR_ESYNTAX, NULL, 0 },
	{ "a@b\r\n", B, ADDR_ESYNTAX, NULL, 0 },
	{ "a@b>", B, ADDR_ESYNTAX, NULL, 0 },
	{ " a@b", B, ADDR_ESYNTAX, NULL, 0 },
	{ "<\"post master\">", L, ADDR_OK, "\"post master\"", 0 },
	{ "<>", N, ADDR_OK, "", 0 },
	{ "<>", 0, ADDR_ENULL, NULL, 0 },
	{ "<> BODY=8BITMIME", N, ADDR_OK, "", 2 },
	{ "a@example.org", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "a@example.org", B, ADDR_OK, "a@example.org", 0 },
	{ "a@example.org SIZE=1", B, ADDR_OK, "a@example.org", 13 },
	{ "<a@example.org", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@example.org >", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "< a@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<postmaster>", L, ADDR_OK, "postmaster", 0 },
	{ "<@a.example,@b.example:c@d.example>", R, ADDR_OK, "c@d.example", 0 },
	{ "<@a.example,@b.example:c@d.example>", 0, ADDR_EROUTE, NULL, 0 },
	{ "<@a.example:c@d.example>", 0, ADDR_EROUTE, NULL, 0 },
	{ "<@a.example c@d.example>", R, ADDR_ESYNTAX, NULL, 0 },
	{ "<@a,c@d.example>", R, ADDR_ESYNTAX, NULL, 0 },
	{ "<@a:>", R, ADDR_ESYNTAX, NULL, 0 },
	{ "<@a.:c@d.example>", R, ADDR_ESYNTAX, NULL, 0 },
	{ "<@[192.0.2.1]:c@d.example>", R, ADDR_ESYNTAX, NULL, 0 },
	{ "<@a,,@b:c@d.example>", R, ADDR_ESYNTAX, NULL, 0 },
	{ "<a..b@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<.a@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a.@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@example.org.>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@.example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@exa..mple.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@-example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@example-.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@ex-ample.org>", 0, ADDR_OK, "a@ex-ample.org", 0 },
	{ "<a@exa_mple.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<@example.org>", R, ADDR_ESYNTAX, NULL, 0 },
	{ "<a b@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@b@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a(comment)@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	/* Quoted local parts: decoded, then written back in canonical form. */
	{ "<\"a b\"@example.org>", 0, ADDR_OK, "\"a b\"@example.org", 0 },
	{ "<\"ab\"@example.org>", 0, ADDR_OK, "ab@example.org", 0 },
	{ "<\"a\\\"b\"@example.org>", 0, ADDR_OK, "\"a\\\"b\"@example.org", 0 },
	{ "<\"a\\\\b\"@example.org>", 0, ADDR_OK, "\"a\\\\b\"@example.org", 0 },
	{ "<\"\\a\"@example.org>", 0, ADDR_OK, "a@example.org", 0 },
	{ "<\"a\"b@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<\"a@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<\"a\tb\"@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<\"\"@example.org>", 0, ADDR_OK, "\"\"@example.org", 0 },
	{ "<\"a.b\"@example.org>", 0, ADDR_OK, "a.b@example.org", 0 },
	{ "<\"a..b\"@example.org>", 0, ADDR_OK, "\"a..b\"@example.org", 0 },
	{ "<\"\\\"\"@example.org>", 0, ADDR_OK, "\"\\\"\"@example.org", 0 },
	{ "<\"a\\\xc3\xa9\"@example.org>", U, ADDR_ESYNTAX, NULL, 0 },
	{ "<\"a\\\xc3\xa9\"@example.org>", 0, ADDR_E8BIT, NULL, 0 },
	{ "<\"\xc3\xa9\"@example.org>", U, ADDR_OK, "\xc3\xa9@example.org", 0 },
	{ "<\"\xc3\xa9 x\"@example.org>", U, ADDR_OK, "\"\xc3\xa9 x\"@example.org", 0 },
	{ "<\"a\\\"@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	/* Address literals. */
	{ "<a@[192.0.2.1]>", 0, ADDR_OK, "a@[192.0.2.1]", 0 },
	{ "<a@[192.0.2.256]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[192.0.2]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[1.2.3.4.5]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[1.2.3.1234]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[IPv6:2001:db8::1]>", 0, ADDR_OK, "a@[IPv6:2001:db8::1]", 0 },
	{ "<a@[IPv6:2001:db8::g]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[IPv6:1.2.3.4]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[x-tag:some-thing]>", 0, ADDR_OK, "a@[x-tag:some-thing]", 0 },
	{ "<a@[tag:]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[192.0.2.1>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[001.02.3.255]>", 0, ADDR_OK, "a@[001.02.3.255]", 0 },
	{ "<a@[1.2.3.]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[1..2.3]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[ 1.2.3.4]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[1.2.3.4]x>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[ipv6:::1]>", 0, ADDR_OK, "a@[ipv6:::1]", 0 },
	{ "<a@[IPv6:::ffff:192.0.2.1]>", 0, ADDR_OK, "a@[IPv6:::ffff:192.0.2.1]", 0 },
	{ "<a@[IPv6:::1%eth0]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[IPv6:1:2:3:4:5:6:7:8:9]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[IPv6:]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[x:a b]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[x:a[b]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[:abc]>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[x_y:abc]>", 0, ADDR_ESYNTAX, NULL, 0 },
	/* 8-bit: only with SMTPUTF8, and only valid UTF-8. */
	{ "<j\xc3\xb6rg@example.org>", 0, ADDR_E8BIT, NULL, 0 },
	{ "<j\xc3\xb6rg@example.org>", U, ADDR_OK, "j\xc3\xb6rg@example.org", 0 },
	{ "<a@b\xc3\xbcro.example>", U, ADDR_OK, "a@b\xc3\xbcro.example", 0 },
	{ "<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a>", U, ADDR_OK,
	  "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a", 0 },
	{ "<a\xc0\x80@example.org>", U, ADDR_E8BIT, NULL, 0 },       /* overlong NUL */
	{ "<a\xe0\x80\xaf@example.org>", U, ADDR_E8BIT, NULL, 0 },   /* overlong / */
	{ "<a\xed\xa0\x80@example.org>", U, ADDR_E8BIT, NULL, 0 },   /* surrogate */
	{ "<a\xf4\x90\x80\x80@example.org>", U, ADDR_E8BIT, NULL, 0 }, /* > U+10FFFF */
	{ "<a\xc3@example.org>", U, ADDR_E8BIT, NULL, 0 },           /* truncated */
	{ "<a\x80@example.org>", U, ADDR_E8BIT, NULL, 0 },           /* lone continuation */
	{ "<a\xe4\xbd@example.org>", U, ADDR_E8BIT, NULL, 0 },       /* truncated 3-byte */
	{ "a@b.\xe4\xbd", B | U, ADDR_E8BIT, NULL, 0 },             /* truncated at len */
	{ "a@b.\xf0\x9f\x98", B | U, ADDR_E8BIT, NULL, 0 },        /* truncated 4-byte */
	{ "a@b.\xf0\x9f\x98\x80", B | U, ADDR_OK, "a@b.\xf0\x9f\x98\x80", 0 },
	{ "<a@\xed\xa0\x80.example>", U, ADDR_E8BIT, NULL, 0 },     /* surrogate */
	{ "<a@\xc0\x80.example>", U, ADDR_E8BIT, NULL, 0 },         /* overlong */
	{ "<a@b\xc3\xbcro.example>", 0, ADDR_E8BIT, NULL, 0 },
	{ "<a\xff@example.org>", U, ADDR_E8BIT, NULL, 0 },
	{ "<a@[192.0.2.\xc3\xa9]>", U, ADDR_E8BIT, NULL, 0 },
	/* Control characters never. */
	{ "<a\r@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a\n@example.org>", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<\"", 0, ADDR_ESYNTAX, NULL, 0 },
	{ "<a@[", 0, ADDR_ESYNTAX, NULL, 0 },
};

START_TEST(path_table)
{
	const struct pcase *t = &paths[_i];
	struct addr	 a;
	size_t		 used = 12345;
	enum addr_error	 e = addr_parse_path(t->in, strlen(t->in), t->flags, &a, &used);

	ck_assert_msg(e == t->want, "%s: got %d (%s), want %d", t->in, e,
	    addr_strerror(e), t->want);
	if (t->want != ADDR_OK) {
		ck_assert_str_eq(a.mailbox, "");
		return;
	}
	ck_assert_str_eq(a.mailbox, t->mailbox);
	ck_assert_uint_eq(used, t->consumed ? t->consumed : strlen(t->in));
	ck_assert_int_eq(a.is_null, t->mailbox[0] == '\0' && strncmp(t->in, "<>", 2) == 0);
}
END_TEST

/* Inputs are not NUL-terminated: a cut at every length must not read past it. */
START_TEST(never_reads_past_len)
{
	const char	*full = "<\"q\\\"x\"@[IPv6:2001:db8::1]> SIZE=1";
	size_t		 n = strlen(full);

	for (size_t cut = 0; cut <= n; cut++) {
		char *buf = malloc(cut ? cut : 1);
		struct addr a;
		memcpy(buf, full, cut);
		(void)addr_parse_path(buf, cut, ADDR_UTF8 | ADDR_ALLOW_BARE, &a, NULL);
		(void)addr_parse_mailbox(buf, cut, ADDR_UTF8, &a);
		free(buf);
	}
}
END_TEST

static char *
repeat(char c, size_t n)
{
	char	*s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(limits)
{
	char		 buf[1024];
	char		*l64 = repeat('l', 64), *l65 = repeat('l', 65);
	char		*d63 = repeat('d', 63), *d64 = repeat('d', 64);
	struct addr	 a;

	snprintf(buf, sizeof buf, "<%s@example.org>", l64);
	ck_assert_int_eq(addr_parse_path(buf, strlen(buf), 0, &a, NULL), ADDR_OK);
	snprintf(buf, sizeof buf, "<%s@example.org>", l65);
	ck_assert_int_eq(addr_parse_path(buf, strlen(buf), 0, &a, NULL), ADDR_ETOOLONG);
	/* A quoted local part counts as written, quotes included. */
	snprintf(buf, sizeof buf, "<\"%.62s\"@example.org>", l64);
	ck_assert_int_eq(addr_parse_path(buf, strlen(buf), 0, &a, NULL), ADDR_OK);
	snprintf(buf, sizeof buf, "<\"%.63s\"@example.org>", l64);
	ck_assert_int_eq(addr_parse_path(buf, strlen(buf), 0, &a, NULL), ADDR_ETOOLONG);
	snprintf(buf, sizeof buf, "<a@%s.example>", d63);
	ck_assert_int_eq(addr_parse_path(buf, strlen(buf), 0, &a, NULL), ADDR_OK);
	snprintf(buf, sizeof buf, "<a@%s.example>", d64);
	ck_assert_int_eq(addr_parse_path(buf, strlen(buf), 0, &a, NULL), ADDR_ETOOLONG);
	/* Domain 255 and path 256: 4 labels of 63 = 255 with dots. */
	snprintf(buf, sizeof buf, "%s.%s.%s.%s", d63, d63, d63, d63);
	ck_assert_uint_eq(strlen(buf), 255);
	char path[1100];
	snprintf(path, sizeof path, "<a@%s>", buf);          /* 259: path too long */
	ck_assert_int_eq(addr_parse_path(path, strlen(path), 0, &a, NULL), ADDR_ETOOLONG);
	snprintf(path, sizeof path, "<a@%s.x>", buf);        /* domain 257 */
	ck_assert_int_eq(addr_parse_path(path, strlen(path), 0, &a, NULL), ADDR_ETOOLONG);
	/* Exactly 256 with the brackets: 2 + 1 + 1 + 252. */
	snprintf(buf, sizeof buf, "%s.%s.%s.%.60s", d63, d63, d63, d63);
	ck_assert_uint_eq(strlen(buf), 252);
	snprintf(path, sizeof path, "<a@%s>", buf);
	ck_assert_uint_eq(strlen(path), 256);
	ck_assert_int_eq(addr_parse_path(path, strlen(path), 0, &a, NULL), ADDR_OK);
	snprintf(path, sizeof path, "<ab@%s>", buf);
	ck_assert_int_eq(addr_parse_path(path, strlen(path), 0, &a, NULL), ADDR_ETOOLONG);
	/* The same mailbox bare: 254 fits, 255 does not. */
	snprintf(path, sizeof path, "a@%s", buf);
	ck_assert_int_eq(addr_parse_path(path, strlen(path), ADDR_ALLOW_BARE, &a, NULL), ADDR_OK);
	ck_assert_int_eq(addr_parse_mailbox(path, strlen(path), 0, &a), ADDR_OK);
	ck_assert_uint_eq(strlen(a.mailbox), 254);
	snprintf(path, sizeof path, "ab@%s", buf);
	ck_assert_int_eq(addr_parse_path(path, strlen(path), ADDR_ALLOW_BARE, &a, NULL),
	    ADDR_ETOOLONG);
	ck_assert_int_eq(addr_parse_mailbox(path, strlen(path), 0, &a), ADDR_ETOOLONG);
	/* A domain of 255 can only be too long for its path; 256 for itself. */
	snprintf(buf, sizeof buf, "%s.%s.%s.%s", d63, d63, d63, d63);
	snprintf(path, sizeof path, "a@%s", buf);
	ck_assert_int_eq(addr_parse_mailbox(path, strlen(path), 0, &a), ADDR_ETOOLONG);
	snprintf(path, sizeof path, "a@%s.%.62s.x", d63, d64);
	ck_assert_int_eq(addr_parse_mailbox(path, strlen(path), 0, &a), ADDR_OK);
	/* A route counts towards the 256 even though it is dropped. */
	snprintf(path, sizeof path, "<@%s:a@%.60s>", d63, d63);
	ck_assert_uint_eq(strlen(path), 129);
	ck_assert_int_eq(addr_parse_path(path, strlen(path), ADDR_ALLOW_ROUTE, &a, NULL), ADDR_OK);
	snprintf(path, sizeof path, "<@%s.%s,@%s:a@%.60s>", d63, d63, d63, d63);
	ck_assert_uint_eq(strlen(path), 258);
	ck_assert_int_eq(addr_parse_path(path, strlen(path), ADDR_ALLOW_ROUTE, &a, NULL),
	    ADDR_ETOOLONG);
	/* An address literal is bounded as a domain, brackets included. */
	memset(path, 'x', sizeof path);
	memcpy(path, "<a@[t:", 6);
	path[3 + 254] = ']';
	path[3 + 255] = '>';
	ck_assert_int_eq(addr_parse_path(path, 3 + 256, 0, &a, NULL), ADDR_ETOOLONG);
	path[3 + 254] = path[3 + 255] = 'x';	/* so that the literal runs on */
	path[3 + 1000] = ']';
	path[3 + 1001] = '>';
	ck_assert_int_eq(addr_parse_path(path, 3 + 1002, 0, &a, NULL), ADDR_ETOOLONG);
	ck_assert_str_eq(a.domain, "");
	memcpy(path, "<[t:", 4);
	path[250] = ']';
	ck_assert_int_eq(addr_parse_mailbox(path + 1, 250, ADDR_ALLOW_LOCAL, &a), ADDR_ESYNTAX);
	memcpy(path, "a@[t:", 5);
	ck_assert_int_eq(addr_parse_mailbox(path, 251, 0, &a), ADDR_OK);
	ck_assert_int_eq(a.literal, ADDR_LIT_GENERAL);
	ck_assert_uint_eq(strlen(a.domain), 249);
	free(l64);
	free(l65);
	free(d63);
	free(d64);
}
END_TEST

START_TEST(mailbox_and_flags)
{
	struct addr	 a;

	ck_assert_int_eq(addr_parse_mailbox("a@b.example", 11, 0, &a), ADDR_OK);
	ck_assert_str_eq(a.domain, "b.example");
	ck_assert_str_eq(a.local, "a");
	ck_assert_int_eq(a.literal, ADDR_LIT_NONE);
	ck_assert_int_eq(addr_parse_mailbox("a@b.example ", 12, 0, &a), ADDR_ESYNTAX);
	ck_assert_int_eq(addr_parse_mailbox("<a@b.example>", 13, 0, &a), ADDR_ESYNTAX);
	ck_assert_int_eq(addr_parse_mailbox("", 0, 0, &a), ADDR_ESYNTAX);
	ck_assert_int_eq(addr_parse_mailbox("postmaster", 10, 0, &a), ADDR_ESYNTAX);
	ck_assert_int_eq(addr_parse_mailbox("postmaster", 10, ADDR_ALLOW_LOCAL, &a), ADDR_OK);
	ck_assert_str_eq(a.domain, "");
	ck_assert_int_eq(addr_parse_mailbox("\"x y\"@[192.0.2.1]", 17, 0, &a), ADDR_OK);
	ck_assert_int_eq(a.was_quoted, 1);
	ck_assert_str_eq(a.local, "x y");
	ck_assert_int_eq(a.literal, ADDR_LIT_IPV4);
	ck_assert_int_eq(addr_parse_mailbox("a@[IPv6:::1]", 12, 0, &a), ADDR_OK);
	ck_assert_int_eq(a.literal, ADDR_LIT_IPV6);
	ck_assert_int_eq(addr_parse_mailbox("\xc3\xa9@x.example", 12, ADDR_UTF8, &a), ADDR_OK);
	ck_assert_int_eq(a.has_8bit, 1);
	ck_assert_int_eq(addr_parse_path("<@r.example:a@x.example>", 24, ADDR_ALLOW_ROUTE, &a, NULL),
	    ADDR_OK);
	ck_assert_int_eq(a.had_route, 1);
	/* A NUL inside is never part of an address. */
	ck_assert_int_eq(addr_parse_mailbox("a\0b@x.example", 13, 0, &a), ADDR_ESYNTAX);
	ck_assert_int_eq(addr_parse_mailbox("\"a\0b\"@x.example", 15, 0, &a), ADDR_ESYNTAX);
	ck_assert_int_eq(addr_parse_mailbox("a@x.ex\0ample", 13, 0, &a), ADDR_ESYNTAX);
	ck_assert_int_eq(addr_parse_mailbox("a@[IPv6:::1\0]", 13, 0, &a), ADDR_ESYNTAX);
	ck_assert_int_eq(addr_parse_mailbox("a@[1.2.3.4\0]", 12, 0, &a), ADDR_ESYNTAX);
	ck_assert_int_eq(addr_parse_path("<a@x>\0", 6, 0, &a, NULL), ADDR_OK);
	ck_assert_int_eq(addr_parse_path("a@x\0", 4, ADDR_ALLOW_BARE, &a, NULL), ADDR_ESYNTAX);
	/* len, not a NUL, ends the input. */
	ck_assert_int_eq(addr_parse_mailbox("a@x.example", 3, 0, &a), ADDR_OK);
	ck_assert_str_eq(a.mailbox, "a@x");
	ck_assert_int_eq(addr_parse_path("<a@x.example>", 12, 0, &a, NULL), ADDR_ESYNTAX);
}
END_TEST

/* The other fields of struct addr, and that a failure leaves it cleared. */
START_TEST(fields)
{
	struct addr	 a;
	size_t		 used = 99;

	ck_assert_int_eq(addr_parse_path("<\"a\\\"b\\\\c\"@[x-y:z]>", 19, 0, &a, &used),
	    ADDR_OK);
	ck_assert_uint_eq(used, 19);
	ck_assert_str_eq(a.local, "a\"b\\c");
	ck_assert_uint_eq(a.local_len, 5);
	ck_assert_str_eq(a.domain, "[x-y:z]");
	ck_assert_str_eq(a.mailbox, "\"a\\\"b\\\\c\"@[x-y:z]");
	ck_assert_int_eq(a.was_quoted, 1);
	ck_assert_int_eq(a.literal, ADDR_LIT_GENERAL);
	ck_assert_int_eq(a.is_null + a.had_route + a.has_8bit, 0);

	ck_assert_int_eq(addr_parse_path("<>", 2, ADDR_ALLOW_NULL, &a, &used), ADDR_OK);
	ck_assert_int_eq(a.is_null, 1);
	ck_assert_str_eq(a.domain, "");
	ck_assert_uint_eq(a.local_len, 0);

	ck_assert_int_eq(addr_parse_path("<a@b\xc3\xa9>", 7, ADDR_UTF8, &a, NULL), ADDR_OK);
	ck_assert_int_eq(a.has_8bit, 1);
	ck_assert_int_eq(a.was_quoted, 0);
	ck_assert_int_eq(addr_parse_path("<a@b>", 5, ADDR_UTF8, &a, NULL), ADDR_OK);
	ck_assert_int_eq(a.has_8bit, 0);

	/* The "<a b>" case fails late, after the local part was decoded. */
	used = 99;
	ck_assert_int_eq(addr_parse_path("<\"x\"@b c>", 9, 0, &a, &used), ADDR_ESYNTAX);
	ck_assert_uint_eq(used, 99);
	ck_assert_str_eq(a.local, "");
	ck_assert_int_eq(a.was_quoted, 0);
	ck_assert_int_eq(addr_parse_path("<x@a.example>", 13, 0, &a, NULL), ADDR_OK);
	ck_assert_int_eq(addr_parse_mailbox("x@[1.2.3.4", 10, 0, &a), ADDR_ESYNTAX);
	ck_assert_str_eq(a.domain, "");
	ck_assert_int_eq(a.literal, ADDR_LIT_NONE);
}
END_TEST

/*
 * Random inputs from an alphabet rich in delimiters: no crash and no read
 * past len (ASan), and whatever parses has a canonical mailbox that parses
 * back to itself.
 */
START_TEST(roundtrip)
{
	static const char alpha[] = "<>@.:,\"\\[]-a1Z IPv6x\xc3\xa9\x80";
	unsigned	 seed = 12345;
	size_t		 ok = 0;

	for (int iter = 0; iter < 20000; iter++) {
		char		 in[40], *buf;
		struct addr	 a, b;
		size_t		 n, used;
		unsigned	 fl;

		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % sizeof in;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
		}
		fl = (seed >> 8) & 0x1f;
		buf = malloc(n ? n : 1);
		ck_assert_ptr_nonnull(buf);
		memcpy(buf, in, n);
		if (addr_parse_path(buf, n, fl, &a, &used) == ADDR_OK) {
			ok++;
			ck_assert_uint_le(used, n);
			if (!a.is_null) {
				ck_assert_int_eq(addr_parse_mailbox(a.mailbox,
				    strlen(a.mailbox), fl, &b), ADDR_OK);
				ck_assert_str_eq(b.mailbox, a.mailbox);
				ck_assert_str_eq(b.local, a.local);
			}
		}
		free(buf);
	}
	ck_assert_uint_gt(ok, 0);
}
END_TEST

START_TEST(helpers)
{
	ck_assert_int_eq(addr_domain_cmp("Example.ORG", "example.org"), 0);
	ck_assert_int_ne(addr_domain_cmp("example.org", "example.net"), 0);
	ck_assert_int_lt(addr_domain_cmp("a.example", "B.example"), 0);
	ck_assert_int_gt(addr_domain_cmp("b.example", "A.example"), 0);
	ck_assert_int_ne(addr_domain_cmp("example.org", "example.org."), 0);
	ck_assert_int_eq(addr_domain_cmp("[IPv6:::1]", "[ipv6:::1]"), 0);
	ck_assert_int_eq(addr_is_dotstring("a.b", 2, 0), 0);
	ck_assert_int_eq(addr_is_dotstring("a.b", 1, 0), 1);
	ck_assert_int_eq(addr_is_dotstring(".a", 2, 0), 0);
	ck_assert_int_eq(addr_is_dotstring("a\"", 2, 0), 0);
	ck_assert_int_eq(addr_is_dotstring("\xc3", 1, ADDR_UTF8), 0);
	ck_assert_int_eq(addr_is_dotstring("a.b", 3, 0), 1);
	ck_assert_int_eq(addr_is_dotstring("a b", 3, 0), 0);
	ck_assert_int_eq(addr_is_dotstring("a..b", 4, 0), 0);
	ck_assert_int_eq(addr_is_dotstring("", 0, 0), 0);
	ck_assert_int_eq(addr_is_dotstring("\xc3\xa9", 2, 0), 0);
	ck_assert_int_eq(addr_is_dotstring("\xc3\xa9", 2, ADDR_UTF8), 1);
	for (int e = ADDR_OK; e <= ADDR_ENULL; e++) {
		ck_assert_ptr_nonnull(addr_strerror(e));
		ck_assert_int_gt(strlen(addr_strerror(e)), 0);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("address");
	TCase	*tc = tcase_create("parse");

	tcase_add_loop_test(tc, path_table, 0, sizeof paths / sizeof paths[0]);
	tcase_add_test(tc, never_reads_past_len);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, mailbox_and_flags);
	tcase_add_test(tc, fields);
	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, helpers);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
