/*
 * check_rmx.c: the order in which stamp-remote tries exchangers, from a
 * scripted zone: preferences, shuffled ties, AAAA then A, implicit MX,
 * null MX, NXDOMAIN, temporary failures, this host as an MX, literals and
 * smtproutes hosts.
 */
#include <check.h>
#include <string.h>

#include "deliver/rmx.h"
#include "tests/unit/ckdns.h"
#include "tests/unit/ckmain.h"

static uint32_t	 seq;

/* Predictable pseudo-random numbers (a linear congruential generator). */
static uint32_t
counting(void)
{
	seq = seq * 1103515245u + 12345u;
	return seq >> 16;
}

static uint32_t
zero(void)
{
	return 0;
}

static const struct ckzone_rr zone[] = {
	{ "example.com", ns_t_mx, DNS_FOUND, { "20 mx2.example.com", "10 mx1.example.com",
	    "30 mx3.example.com" } },
	{ "mx1.example.com", ns_t_a, DNS_FOUND, { "192.0.2.1", "192.0.2.11" } },
	{ "mx1.example.com", ns_t_aaaa, DNS_FOUND, { "2001:db8::1" } },
	{ "mx2.example.com", ns_t_a, DNS_FOUND, { "192.0.2.2" } },
	{ "mx3.example.com", ns_t_a, DNS_FOUND, { "192.0.2.3" } },
	{ "noaddr.example", ns_t_a, DNS_FOUND, { "198.51.100.7" } },    /* no MX: implicit */
	{ "null.example", ns_t_mx, DNS_FOUND, { "0 ." } },
	{ "nullplus.example", ns_t_mx, DNS_FOUND, { "0 .", "10 mx1.example.com" } },
	{ "servfail.example", ns_t_mx, DNS_TEMP, { NULL } },
	{ "tempmx.example", ns_t_mx, DNS_FOUND, { "10 broken.example", "20 mx2.example.com" } },
	{ "broken.example", ns_t_a, DNS_TEMP, { NULL } },
	{ "broken.example", ns_t_aaaa, DNS_TEMP, { NULL } },
	{ "onlybroken.example", ns_t_mx, DNS_FOUND, { "10 broken.example" } },
	{ "nohost.example", ns_t_mx, DNS_FOUND, { "10 gone.example" } },
	{ "byme.example", ns_t_mx, DNS_FOUND, { "10 me.example", "20 mx2.example.com",
	    "5 mx1.example.com" } },
	{ "mebest.example", ns_t_mx, DNS_FOUND, { "10 ME.example.", "20 mx2.example.com" } },
	{ "meip.example", ns_t_mx, DNS_FOUND, { "10 mx1.example.com", "20 self.example",
	    "30 mx3.example.com" } },
	{ "self.example", ns_t_a, DNS_FOUND, { "203.0.113.5" } },
	{ "selfimplicit.example", ns_t_a, DNS_FOUND, { "203.0.113.5" } },
	{ "ties.example", ns_t_mx, DNS_FOUND, { "10 a.ties", "10 b.ties", "10 c.ties",
	    "5 first.ties" } },
	{ "a.ties", ns_t_a, DNS_FOUND, { "10.0.0.1" } },
	{ "b.ties", ns_t_a, DNS_FOUND, { "10.0.0.2" } },
	{ "c.ties", ns_t_a, DNS_FOUND, { "10.0.0.3" } },
	{ "first.ties", ns_t_a, DNS_FOUND, { "10.0.0.9" } },
	{ "relay.example", ns_t_a, DNS_FOUND, { "192.0.2.99" } },
	{ "alias.example", ns_t_cname, DNS_FOUND, { "example.com" } },
	{ "empty.example", ns_t_txt, DNS_FOUND, { NULL } },             /* exists, no MX or A */
};

static struct dns_ip self_ip;

struct run {
	struct ckzone		 z;
	struct dns		 d;
	struct rtargets		 t;
	struct dlv_result	 res;
	int			 rc;
};

static void
resolve(struct run *r, const char *domain, const struct rroute *route, uint32_t (*rnd)(void))
{
	struct rmx_self	 self = { "me.example", &self_ip, 1, rnd };

	memset(&r->z, 0, sizeof r->z);
	r->z.rrs = zone;
	r->z.n = sizeof zone / sizeof zone[0];
	ckzone_dns(&r->d, &r->z);
	memset(&r->res, 0, sizeof r->res);
	r->rc = rmx_targets(&r->d, &self, domain, route, &r->t, &r->res);
	free(r->d.ans);
}

/* The targets as "name/ip:port name/ip:port ...". */
static const char *
list(const struct rtargets *t)
{
	static char	 out[4096];
	size_t		 l = 0;
	char		 ip[64];

	out[0] = '\0';
	for (size_t i = 0; i < t->n; i++)
		l += (size_t)snprintf(out + l, sizeof out - l, "%s%s/%s:%u", i ? " " : "",
		    t->t[i].name, dns_ip_text(&t->t[i].ip, ip, sizeof ip), t->t[i].port);
	return out;
}

static void
setup(void)
{
	memset(&self_ip, 0, sizeof self_ip);
	self_ip.af = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, "203.0.113.5", self_ip.addr), 1);
}

START_TEST(preference_order)
{
	struct run	 r;

	resolve(&r, "example.com", NULL, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(list(&r.t), "mx1.example.com/2001:db8::1:25 mx1.example.com/192.0.2.1:25 "
	    "mx1.example.com/192.0.2.11:25 mx2.example.com/192.0.2.2:25 "
	    "mx3.example.com/192.0.2.3:25");
	ck_assert_uint_eq(r.t.t[0].pref, 10);
	ck_assert_uint_eq(r.t.t[4].pref, 30);
	/* A CNAME to the domain gives the same exchangers. */
	resolve(&r, "alias.example", NULL, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.t.n, 5);
}
END_TEST

/* Equal preferences come in every order over the random draws; the best always first. */
START_TEST(ties_shuffled)
{
	struct run	 r;
	int		 seen[3][3] = { { 0 } };

	seq = 1;
	for (int round = 0; round < 60; round++) {
		resolve(&r, "ties.example", NULL, counting);
		ck_assert_int_eq(r.rc, 0);
		ck_assert_uint_eq(r.t.n, 4);
		ck_assert_str_eq(r.t.t[0].name, "first.ties");
		for (int k = 0; k < 3; k++)
			seen[k][r.t.t[k + 1].name[0] - 'a']++;
	}
	for (int k = 0; k < 3; k++)
		for (int j = 0; j < 3; j++)
			ck_assert_msg(seen[k][j] > 0, "position %d never had %c", k, 'a' + j);
}
END_TEST

START_TEST(order_function)
{
	struct dns_mxlist	 l;
	static const unsigned	 prefs[] = { 50, 10, 30, 10, 0, 65535, 30 };

	l.n = sizeof prefs / sizeof prefs[0];
	for (size_t i = 0; i < l.n; i++) {
		l.mx[i].pref = prefs[i];
		snprintf(l.mx[i].name, sizeof l.mx[i].name, "h%zu", i);
	}
	seq = 5;
	for (int round = 0; round < 20; round++) {
		struct dns_mxlist c = l;

		rmx_order(&c, counting);
		for (size_t i = 1; i < c.n; i++)
			ck_assert_uint_le(c.mx[i - 1].pref, c.mx[i].pref);
		ck_assert_str_eq(c.mx[0].name, "h4");
		ck_assert_str_eq(c.mx[c.n - 1].name, "h5");
	}
}
END_TEST

START_TEST(implicit_mx)
{
	struct run	 r;

	resolve(&r, "noaddr.example", NULL, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(list(&r.t), "noaddr.example/198.51.100.7:25");
	resolve(&r, "empty.example", NULL, zero);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_int_eq(r.res.status, DLV_PERM);
	ck_assert_str_eq(r.res.text, "5.1.2 the domain empty.example has no mail exchanger and no"
	    " address");
}
END_TEST

START_TEST(failures)
{
	static const struct {
		const char	*domain;
		enum dlv_status	 st;
		const char	*prefix;
	} t[] = {
		{ "null.example", DLV_PERM, "5.1.10 " },
		{ "nowhere.example", DLV_PERM, "5.1.2 " },
		{ "servfail.example", DLV_TEMP, "4.4.3 " },
		{ "onlybroken.example", DLV_TEMP, "4.4.3 " },
		{ "nohost.example", DLV_PERM, "5.4.4 " },
		{ "mebest.example", DLV_PERM, "5.4.6 " },
		{ "selfimplicit.example", DLV_PERM, "5.4.6 " },
		{ "[300.1.1.1]", DLV_PERM, "5.1.2 " },
		{ "[tag:x]", DLV_PERM, "5.1.2 " },
	};
	struct run	 r;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		resolve(&r, t[i].domain, NULL, zero);
		ck_assert_msg(r.rc == -1, "%s", t[i].domain);
		ck_assert_int_eq(r.res.status, t[i].st);
		ck_assert_msg(strncmp(r.res.text, t[i].prefix, strlen(t[i].prefix)) == 0,
		    "%s: %s", t[i].domain, r.res.text);
	}
}
END_TEST

START_TEST(partial)
{
	struct run	 r;

	/* A null MX beside a real one: the real one. */
	resolve(&r, "nullplus.example", NULL, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.t.n, 3);
	ck_assert_str_eq(r.t.t[0].name, "mx1.example.com");
	/* An exchanger whose address lookup fails is passed over. */
	resolve(&r, "tempmx.example", NULL, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(list(&r.t), "mx2.example.com/192.0.2.2:25");
}
END_TEST

/* This host among the exchangers: it and everything after it are dropped. */
START_TEST(mx_is_me)
{
	struct run	 r;

	resolve(&r, "byme.example", NULL, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(list(&r.t), "mx1.example.com/2001:db8::1:25 mx1.example.com/192.0.2.1:25 "
	    "mx1.example.com/192.0.2.11:25");
	resolve(&r, "meip.example", NULL, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.t.n, 3);
	for (size_t i = 0; i < r.t.n; i++)
		ck_assert_str_eq(r.t.t[i].name, "mx1.example.com");
}
END_TEST

START_TEST(literals_and_routes)
{
	struct run	 r;
	struct rroute	 route = { "relay.example", 2525 };

	resolve(&r, "[192.0.2.77]", NULL, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(list(&r.t), "[192.0.2.77]/192.0.2.77:25");
	ck_assert_uint_eq(r.z.asked, 0);        /* no DNS for a literal */
	resolve(&r, "[IPv6:2001:db8::5]", NULL, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(list(&r.t), "[IPv6:2001:db8::5]/2001:db8::5:25");
	/* A route's host: its addresses, not its MX, on the route's port. */
	resolve(&r, "example.com", &route, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(list(&r.t), "relay.example/192.0.2.99:2525");
	ck_assert_str_eq(r.z.log, "aaaa:relay.example a:relay.example ");
	strcpy(route.host, "[192.0.2.50]");
	resolve(&r, "example.com", &route, zero);
	ck_assert_str_eq(list(&r.t), "[192.0.2.50]/192.0.2.50:2525");
	strcpy(route.host, "10.1.2.3");
	resolve(&r, "example.com", &route, zero);
	ck_assert_str_eq(list(&r.t), "10.1.2.3/10.1.2.3:2525");
	/* A route to a name without addresses waits (an administrator's mistake). */
	strcpy(route.host, "gone.example");
	resolve(&r, "example.com", &route, zero);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_int_eq(r.res.status, DLV_TEMP);
	/* An empty route host is the usual MX lookup. */
	route.host[0] = '\0';
	resolve(&r, "example.com", &route, zero);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.t.n, 5);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("rmx");
	TCase	*tc = tcase_create("rmx");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, preference_order);
	tcase_add_test(tc, ties_shuffled);
	tcase_add_test(tc, order_function);
	tcase_add_test(tc, implicit_mx);
	tcase_add_test(tc, failures);
	tcase_add_test(tc, partial);
	tcase_add_test(tc, mx_is_me);
	tcase_add_test(tc, literals_and_routes);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
