/*
 * check_dnsbl: reversed names (IPv4, IPv6, mapped, garbage), query names,
 * reply texts, and the zone loop over a scripted resolver.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "smtpd/dnsbl_core.h"
#include "tests/unit/ckmain.h"

static const struct {
	const char	*ip;
	const char	*want;       /* NULL: refused */
} reversals[] = {
	{ "192.0.2.1", "1.2.0.192" },
	{ "127.0.0.2", "2.0.0.127" },
	{ "0.0.0.0", "0.0.0.0" },
	{ "255.255.255.255", "255.255.255.255" },
	{ "::ffff:192.0.2.1", "1.2.0.192" },
	{ "::FFFF:10.1.2.3", "3.2.1.10" },
	{ "::ffff:c000:0201", "1.2.0.192" },
	{ "2001:db8::1",
	  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2" },
	{ "2001:DB8:1234:5678:9abc:def0:1:2",
	  "2.0.0.0.1.0.0.0.0.f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.8.b.d.0.1.0.0.2" },
	{ "::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0" },
	{ "::", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0" },
	/* ::192.0.2.1 (IPv4-compatible, deprecated) is IPv6 here */
	{ "::192.0.2.1", "1.0.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0" },
	{ "", NULL },
	{ "localhost", NULL },
	{ "192.0.2", NULL },
	{ "192.0.2.1.5", NULL },
	{ "192.0.2.256", NULL },
	{ "192.0.2.01", NULL },
	{ " 192.0.2.1", NULL },
	{ "192.0.2.1 ", NULL },
	{ "192.0.2.1\n", NULL },
	{ "[192.0.2.1]", NULL },
	{ "fe80::1%eth0", NULL },
	{ "2001:db8::1::2", NULL },
	{ "2001:db8:::1", NULL },
	{ "1.2.3.4/24", NULL },
	{ "0x7f.1.1.1", NULL },
	{ "::ffff:1.2.3", NULL },
};

START_TEST(reverse_table)
{
	char	out[80];
	int	r = dnsbl_reverse(reversals[_i].ip, out, sizeof(out));

	if (reversals[_i].want == NULL) {
		ck_assert_msg(r == -1, "case %d (%s) accepted: %s", _i, reversals[_i].ip, out);
		return;
	}
	ck_assert_msg(r == 0, "case %d (%s) refused", _i, reversals[_i].ip);
	ck_assert_str_eq(out, reversals[_i].want);
}
END_TEST

START_TEST(reverse_small_buffers)
{
	char	out[80];

	ck_assert_int_eq(dnsbl_reverse(NULL, out, sizeof(out)), -1);
	ck_assert_int_eq(dnsbl_reverse("192.0.2.1", out, 9), -1);
	ck_assert_int_eq(dnsbl_reverse("192.0.2.1", out, 10), 0);
	ck_assert_int_eq(dnsbl_reverse("::1", out, 63), -1);
	ck_assert_int_eq(dnsbl_reverse("::1", out, 64), 0);
	ck_assert_uint_eq(strlen(out), 63);
}
END_TEST

static const struct {
	const char	*zone;
	const char	*want;
} qnames[] = {
	{ "zen.example.org", "2.0.0.127.zen.example.org" },
	{ "zen.example.org.", "2.0.0.127.zen.example.org" },
	{ "bl_1.example-x.test", "2.0.0.127.bl_1.example-x.test" },
	{ "test", "2.0.0.127.test" },
	{ "", NULL },
	{ ".", NULL },
	{ "a..b", NULL },
	{ ".a", NULL },
	{ "a b", NULL },
	{ "a\nb", NULL },
	{ "a/b", NULL },
	{ "zen.example.org..", NULL },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.org", NULL }, /* 64 */
};

START_TEST(qname_table)
{
	char	out[300];
	int	r = dnsbl_query_name("2.0.0.127", qnames[_i].zone, out, sizeof(out));

	if (qnames[_i].want == NULL) {
		ck_assert_msg(r == -1, "case %d accepted: %s", _i, out);
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(out, qnames[_i].want);
}
END_TEST

START_TEST(qname_too_long)
{
	char	zone[300], out[600];
	size_t	n = 0;

	/* labels of 63: 4 of them make 255 octets with dots, over the limit */
	for (int l = 0; l < 4; l++) {
		if (l)
			zone[n++] = '.';
		memset(zone + n, 'a', 63);
		n += 63;
	}
	zone[n] = '\0';
	ck_assert_int_eq(dnsbl_query_name("1.2.0.192", zone, out, sizeof(out)), -1);
	zone[63 * 3 + 2] = '\0';   /* 3 labels: 191 + 10 = 201 octets */
	ck_assert_int_eq(dnsbl_query_name("1.2.0.192", zone, out, sizeof(out)), 0);
	ck_assert_int_eq(dnsbl_query_name("1.2.0.192", zone, out, 50), -1);
}
END_TEST

static const struct {
	const char	*txt;
	const char	*want;
} replies[] = {
	{ "Listed, see http://bl.test/?127.0.0.2",
	  "554 5.7.1 Listed, see http://bl.test/?127.0.0.2" },
	{ "", "554 5.7.1 Client address 127.0.0.2 is listed in bl.test" },
	{ NULL, "554 5.7.1 Client address 127.0.0.2 is listed in bl.test" },
	{ "   ", "554 5.7.1 Client address 127.0.0.2 is listed in bl.test" },
	{ "a\r\n250 forged", "554 5.7.1 a 250 forged" },
	{ "tab\there  and\n\nmore  ", "554 5.7.1 tab here and more" },
	{ "bytes \x01\x7f\xc3\xa9", "554 5.7.1 bytes ????" },
};

START_TEST(reply_table)
{
	char	reply[512];

	dnsbl_reply("bl.test", "127.0.0.2", replies[_i].txt, reply, sizeof(reply));
	ck_assert_str_eq(reply, replies[_i].want);
}
END_TEST

START_TEST(reply_bounded)
{
	char	txt[2000], reply[1024], small[16];

	memset(txt, 'q', sizeof(txt) - 1);
	txt[sizeof(txt) - 1] = '\0';
	dnsbl_reply("bl.test", "127.0.0.2", txt, reply, sizeof(reply));
	ck_assert_uint_eq(strlen(reply), 10 + DNSBL_TEXT_MAX);
	dnsbl_reply("bl.test", "127.0.0.2", txt, small, sizeof(small));
	ck_assert_str_eq(small, "554 5.7.1 qqqqq");
}
END_TEST

/* ---- the zone loop over a scripted resolver --------------------------- */

struct fake_zone {
	const char	*name;      /* the full query name */
	int		 a_result;  /* what lookup_a returns */
	unsigned char	 addr[4];
	int		 txt_result;
	const char	*txt;
};

struct fake {
	const struct fake_zone	*zones;
	size_t			 n;
	char			 asked[8][300];
	int			 nasked;
};

static const struct fake_zone *
find(struct fake *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->zones[i].name, name) == 0)
			return &f->zones[i];
	return NULL;
}

static int
fake_a(void *ctx, const char *name, unsigned char (*addrs)[4], int max, int *n)
{
	struct fake		*f = ctx;
	const struct fake_zone	*z = find(f, name);

	(void)max;
	if (f->nasked < 8)
		strlcpy(f->asked[f->nasked++], name, sizeof(f->asked[0]));
	*n = 0;
	if (z == NULL)
		return 0;
	if (z->a_result == 1) {
		memcpy(addrs[0], z->addr, 4);
		*n = 1;
	}
	return z->a_result;
}

static int
fake_txt(void *ctx, const char *name, char *txt, size_t txtsz)
{
	const struct fake_zone	*z = find(ctx, name);

	if (z == NULL || z->txt_result != 1)
		return z ? z->txt_result : 0;
	strlcpy(txt, z->txt, txtsz);
	return 1;
}

static const struct fake_zone world[] = {
	{ "2.0.0.127.listed.test", 1, { 127, 0, 0, 2 }, 1, "Blocked: see http://listed.test/" },
	{ "2.0.0.127.notxt.test", 1, { 127, 0, 0, 4 }, 0, NULL },
	{ "2.0.0.127.broken.test", -1, { 0 }, 0, NULL },
	{ "2.0.0.127.refused.test", 1, { 127, 255, 255, 254 }, 1, "refused" },
	{ "2.0.0.127.hijack.test", 1, { 192, 0, 2, 99 }, 1, "ads" },
	{ "2.0.0.127.txtfail.test", 1, { 127, 0, 0, 2 }, -1, NULL },
	{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.listed.test",
	  1, { 127, 0, 0, 10 }, 1, "v6 listed" },
};

static const struct {
	const char	*zones[3];
	const char	*ip;
	int		 want;
	const char	*reply;
	int		 asked;      /* lookups made */
} loops[] = {
	{ { NULL }, "127.0.0.2", 0, "", 0 },
	{ { "listed.test" }, "127.0.0.2", 1, "554 5.7.1 Blocked: see http://listed.test/", 1 },
	{ { "listed.test" }, "127.0.0.3", 0, "", 1 },
	{ { "clean.test", "listed.test" }, "127.0.0.2", 1, "554 5.7.1 Blocked: see http://listed.test/", 2 },
	{ { "listed.test", "clean.test" }, "127.0.0.2", 1, "554 5.7.1 Blocked: see http://listed.test/", 1 },
	{ { "notxt.test" }, "127.0.0.2", 1, "554 5.7.1 Client address 127.0.0.2 is listed in notxt.test", 1 },
	{ { "txtfail.test" }, "127.0.0.2", 1, "554 5.7.1 Client address 127.0.0.2 is listed in txtfail.test", 1 },
	{ { "broken.test" }, "127.0.0.2", -1, "", 1 },
	{ { "broken.test", "listed.test" }, "127.0.0.2", 1, "554 5.7.1 Blocked: see http://listed.test/", 2 },
	{ { "broken.test", "clean.test" }, "127.0.0.2", -1, "", 2 },
	{ { "refused.test" }, "127.0.0.2", -1, "", 1 },
	{ { "hijack.test" }, "127.0.0.2", 0, "", 1 },
	{ { "bad zone", "listed.test" }, "127.0.0.2", 1, "554 5.7.1 Blocked: see http://listed.test/", 1 },
	{ { "listed.test" }, "::ffff:127.0.0.2", 1, "554 5.7.1 Blocked: see http://listed.test/", 1 },
	{ { "listed.test" }, "2001:db8::1", 1, "554 5.7.1 v6 listed", 1 },
	{ { "listed.test" }, "not-an-ip", -1, "", 0 },
	{ { "listed.test" }, "", -1, "", 0 },
};

START_TEST(loop_table)
{
	struct fake		f = { world, sizeof(world) / sizeof(world[0]), { "" }, 0 };
	struct dnsbl_resolver	res = { fake_a, fake_txt, &f };
	struct ctl_list		zones = { (char **)loops[_i].zones, 0 };
	char			reply[512];

	while (zones.n < 3 && loops[_i].zones[zones.n])
		zones.n++;
	int r = dnsbl_check_zones(&res, &zones, loops[_i].ip, reply, sizeof(reply));
	ck_assert_msg(r == loops[_i].want, "case %d: got %d", _i, r);
	ck_assert_str_eq(reply, loops[_i].reply);
	ck_assert_int_eq(f.nasked, loops[_i].asked);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dnsbl");
	TCase	*tc = tcase_create("dnsbl");

	log_init("check_dnsbl");
	tcase_add_loop_test(tc, reverse_table, 0, sizeof(reversals) / sizeof(reversals[0]));
	tcase_add_test(tc, reverse_small_buffers);
	tcase_add_loop_test(tc, qname_table, 0, sizeof(qnames) / sizeof(qnames[0]));
	tcase_add_test(tc, qname_too_long);
	tcase_add_loop_test(tc, reply_table, 0, sizeof(replies) / sizeof(replies[0]));
	tcase_add_test(tc, reply_bounded);
	tcase_add_loop_test(tc, loop_table, 0, sizeof(loops) / sizeof(loops[0]));
	suite_add_tcase(s, tc);
	return ck_run(s);
}
