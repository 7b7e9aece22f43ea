/* check_rroute.c: control/smtproutes lines, and which one a domain takes. */
#include <check.h>
#include <string.h>

#include "deliver/rroute.h"
#include "tests/unit/ckmain.h"

START_TEST(parse)
{
	static const struct {
		const char	*line;
		int		 ok;
		const char	*key, *host;
		unsigned	 port;
	} t[] = {
		{ "example.com:relay.example.net", 1, "example.com", "relay.example.net", 25 },
		{ "example.com:relay.example.net:2525", 1, "example.com", "relay.example.net", 2525 },
		{ ".example.com:10.0.0.1:26", 1, ".example.com", "10.0.0.1", 26 },
		{ ":smart.example.net", 1, "", "smart.example.net", 25 },
		{ ":[192.0.2.1]:587", 1, "", "[192.0.2.1]", 587 },
		{ "x.org:[2001:db8::1]", 1, "x.org", "[2001:db8::1]", 25 },
		{ "x.org:[IPv6:2001:db8::1]:25", 1, "x.org", "[IPv6:2001:db8::1]", 25 },
		{ "x.org:", 1, "x.org", "", 25 },               /* MX lookup as usual */
		{ "x.org", 0, NULL, NULL, 0 },
		{ "x.org:host:0", 0, NULL, NULL, 0 },
		{ "x.org:host:65536", 0, NULL, NULL, 0 },
		{ "x.org:host:25x", 0, NULL, NULL, 0 },
		{ "x.org:host:", 0, NULL, NULL, 0 },
		{ "x.org:host:025", 0, NULL, NULL, 0 },
		{ "x.org:[2001:db8::1", 0, NULL, NULL, 0 },
		{ "x.org:[2001:db8::1]x", 0, NULL, NULL, 0 },
		{ "x.org:[]", 0, NULL, NULL, 0 },
		{ "x.org:ho st", 0, NULL, NULL, 0 },
		{ "x.org:a@b", 0, NULL, NULL, 0 },
		{ ".:host", 0, NULL, NULL, 0 },
		{ "x.org::25", 0, NULL, NULL, 0 },
	};
	struct rroute	 r;
	char		 key[256];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = rroute_parse(t[i].line, key, sizeof key, &r);

		ck_assert_msg((rc == 0) == t[i].ok, "%s: %d", t[i].line, rc);
		if (!t[i].ok)
			continue;
		ck_assert_str_eq(key, t[i].key);
		ck_assert_str_eq(r.host, t[i].host);
		ck_assert_uint_eq(r.port, t[i].port);
	}
}
END_TEST

START_TEST(find)
{
	static char *lines[] = {
		"broken.example",               /* no colon: never matches */
		"Example.COM:exact.host",
		".example.com:sub.host:2526",
		".deep.example.com:deep.host",
		"mx.example.org:",
		":smart.host:2600",
		"bad.example:host:99999",
	};
	static const struct {
		const char	*domain;
		int		 rc;
		const char	*host;
		unsigned	 port;
	} t[] = {
		{ "example.com", 1, "exact.host", 25 },
		{ "EXAMPLE.com", 1, "exact.host", 25 },
		{ "a.example.com", 1, "sub.host", 2526 },
		{ "a.b.example.com", 1, "sub.host", 2526 },
		{ "x.deep.example.com", 1, "deep.host", 25 },     /* the longest parent first */
		{ "deep.example.com", 1, "sub.host", 2526 },      /* .deep... is for subdomains */
		{ "mx.example.org", 1, "", 25 },
		{ "other.net", 1, "smart.host", 2600 },
		{ "bad.example", -1, NULL, 0 },
		{ "broken.example", 1, "smart.host", 2600 },
		{ "xexample.com", 1, "smart.host", 2600 },
	};
	struct ctl_list	 l = { lines, sizeof lines / sizeof lines[0] };
	struct rroute	 r;
	const char	*bad;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = rroute_find(&l, t[i].domain, &r, &bad);

		ck_assert_msg(rc == t[i].rc, "%s: %d", t[i].domain, rc);
		if (rc == -1) {
			ck_assert_str_eq(bad, "bad.example:host:99999");
			continue;
		}
		ck_assert_str_eq(r.host, t[i].host);
		ck_assert_uint_eq(r.port, t[i].port);
	}
	/* Without a smarthost, an unknown domain has no route. */
	l.n = 5;
	ck_assert_int_eq(rroute_find(&l, "other.net", &r, &bad), 0);
	l.n = 0;
	ck_assert_int_eq(rroute_find(&l, "example.com", &r, &bad), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("rroute");
	TCase	*tc = tcase_create("rroute");

	tcase_add_test(tc, parse);
	tcase_add_test(tc, find);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
