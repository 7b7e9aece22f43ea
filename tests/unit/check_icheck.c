/*
 * check_icheck.c: stamp-check's checks (admin/icheck*.c) on scratch homes,
 * with made-up stamp users (all of them this test's own uid and gid, so a
 * "system" install can be made without root) and a scripted resolver.
 */
#include <check.h>
#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin/homesetup.h"
#include "admin/icheck.h"
#include "dns.h"
#include "home.h"
#include "log.h"
#include "tests/unit/ckdns.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char top[64], home[128];
static int stamp_users;   /* does the fake world have the stamp users? */

static int
fake_user(void *ctx, const char *name, uid_t *uid, gid_t *gid)
{
	(void)ctx;
	if (!stamp_users || strncmp(name, "stamp", 5) != 0)
		return 0;
	*uid = getuid();
	*gid = getgid();
	return 1;
}

static int
fake_group(void *ctx, const char *name, gid_t *gid)
{
	(void)ctx;
	if (!stamp_users || strcmp(name, "stamps") != 0)
		return 0;
	*gid = getgid();
	return 1;
}

static int
fake_uid_known(void *ctx, uid_t uid)
{
	(void)ctx;
	return uid == getuid();
}

static struct ick_world world = { fake_user, fake_group, fake_uid_known, NULL, NULL, NULL };
static struct ick c;

static void
setup(void)
{
	/* 1,285 folders a home: on tmpfs when there is one, they are made fast. */
	snprintf(top, sizeof top, "%s/check_icheck.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(home, sizeof home, "%s/home", top);
	ck_assert_int_eq(home_setup(home, 0), 0);
	ck_put(home, "control/me", "mail.example.org\n");
	ck_assert_int_eq(home_init(home), 0);
	stamp_users = 0;
	world.dns = NULL;
	world.sbin = NULL;
}

static void
teardown(void)
{
	ick_free(&c);
	ck_rmtree(top);
}

static void
run_all(void)
{
	ick_free(&c);
	ick_init(&c, home, &world);
	ick_all(&c);
}

/* Is there a finding of this level whose text has what and whose fix has fix? */
static int
found(enum ick_level level, const char *what, const char *fix)
{
	for (size_t i = 0; i < c.n; i++)
		if (c.f[i].level == level && strstr(c.f[i].what, what) != NULL &&
		    (fix == NULL || (c.f[i].fix != NULL && strstr(c.f[i].fix, fix) != NULL)))
			return 1;
	return 0;
}

static void
dump(void)
{
	ick_print(&c, stderr);
}

static void
path(char *out, size_t outsz, const char *rel)
{
	snprintf(out, outsz, "%s/%s", home, rel);
}

START_TEST(good_single_user_home)
{
	run_all();
	if (c.problems + c.warnings != 0)
		dump();
	ck_assert_uint_eq(c.problems, 0);
	ck_assert_uint_eq(c.warnings, 0);
	ck_assert_int_eq(c.system, 0);
}
END_TEST

START_TEST(good_system_home)
{
	stamp_users = 1;
	run_all();
	if (c.problems != 0)
		dump();
	ck_assert_int_eq(c.system, 1);
	ck_assert_uint_eq(c.problems, 0);
}
END_TEST

/* One path at fault each: what is said, and the command given. */
static const struct layout_case {
	const char	*rel;
	mode_t		 mode;       /* 0: remove it */
	const char	*what, *fix;
} layout_cases[] = {
	{ "queue/todo/3f", 0755, "queue/todo/3f has mode 755, not 2770", "chmod 2770 " },
	{ "queue", 0700, "/queue has mode 700, not 750", "chmod 750 " },
	{ "queue/lock/trigger", 0, "trigger is missing", "stamp-setup --home " },
	{ "queue/info/00", 0, "info/00 is missing", "stamp-setup --home " },
	{ "mail", 0755, "/mail has mode 755, not 700", "chmod 700 " },
	{ "control", 0777, "/control is writable by everyone", "chmod go-w " },
};

START_TEST(layout_faults)
{
	const struct layout_case *t = &layout_cases[_i];
	char p[256];

	path(p, sizeof p, t->rel);
	if (t->mode == 0)
		ck_assert_int_eq(remove(p), 0);
	else
		ck_assert_int_eq(chmod(p, t->mode), 0);
	run_all();
	if (!found(ICK_PROBLEM, t->what, t->fix))
		dump();
	ck_assert(found(ICK_PROBLEM, t->what, t->fix));
	ck_assert_uint_eq(c.problems, 1);
}
END_TEST

START_TEST(many_faults_summed_up)
{
	char p[256];

	for (unsigned b = 0; b < 40; b++) {
		snprintf(p, sizeof p, "%s/queue/mess/%02x", home, b);
		ck_assert_int_eq(chmod(p, 0700), 0);
	}
	run_all();
	ck_assert(found(ICK_PROBLEM, "32 more paths", "stamp-setup --home"));
	ck_assert_uint_eq(c.problems, 9);
}
END_TEST

START_TEST(missing_home)
{
	char p[256];

	path(p, sizeof p, "");
	ck_rmtree(top);
	ck_assert_int_eq(mkdir(top, 0700), 0);
	run_all();
	ck_assert(found(ICK_PROBLEM, "is missing", "stamp-setup --home"));
	ck_assert_uint_eq(c.problems, 1);
}
END_TEST


static const struct control_case {
	const char	*name, *text;
	size_t		 len;       /* of text, which may hold a NUL */
	const char	*what;
} control_cases[] = {
	{ "databytes", "12x\n", 4, "not a decimal number" },
	{ "concurrencyremote", "0\n", 2, "write a whole number from 1 to 1000" },
	{ "locals", "a.example\n\001\000b\n", 14, "NUL byte" },
};

START_TEST(bad_control_files)
{
	const struct control_case *t = &control_cases[_i];
	char p[256], rel[64], fix[300];
	FILE *f;

	snprintf(rel, sizeof rel, "control/%s", t->name);
	path(p, sizeof p, rel);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert_uint_eq(fwrite(t->text, 1, t->len, f), t->len);
	ck_assert_int_eq(fclose(f), 0);
	run_all();
	snprintf(rel, sizeof rel, "control/%s cannot be used", t->name);
	snprintf(fix, sizeof fix, "edit %s", p);
	if (!found(ICK_PROBLEM, t->what, fix))
		dump();
	ck_assert(found(ICK_PROBLEM, rel, fix));
	ck_assert(found(ICK_PROBLEM, t->what, NULL));
	ck_assert_uint_eq(c.problems, 1);
}
END_TEST

START_TEST(unknown_control_file_warned)
{
	ck_put(home, "control/databyts", "100\n");
	ck_put(home, "control/tcp.smtp", "127.:allow,RELAYCLIENT=\"\"\n");
	run_all();
	ck_assert(found(ICK_WARNING, "control/databyts is no setting", "rm "));
	ck_assert_uint_eq(c.warnings, 1);
	ck_assert_uint_eq(c.problems, 0);
}
END_TEST

START_TEST(lmtp_lines)
{
	ck_put(home, "control/locals", "example.org\nlocal.test\n");
	ck_put(home, "control/lmtp", "example.org:inet:127.0.0.1:24\n:unix:/run/dovecot/lmtp\n"
	    "local.test:inet:mail.example:24\nelsewhere.test:unix:/run/lmtp\n");
	run_all();
	ck_assert(found(ICK_PROBLEM, "control/lmtp line local.test:inet:mail.example:24 cannot "
	    "be used", "domain:inet:HOST:PORT"));
	ck_assert(found(ICK_WARNING, "control/lmtp names elsewhere.test, which is not a local",
	    "control/locals"));
	ck_assert_uint_eq(c.problems, 1);
	ck_assert_uint_eq(c.warnings, 1);
}
END_TEST

START_TEST(me_missing_or_short)
{
	char p[256];

	path(p, sizeof p, "control/me");
	ck_assert_int_eq(unlink(p), 0);
	run_all();
	ck_assert(found(ICK_PROBLEM, "control/me is not set", "> "));
	ck_put(home, "control/me", "mailhost\n");
	run_all();
	ck_assert(found(ICK_WARNING, "no fully qualified", NULL));
	ck_assert_uint_eq(c.problems, 0);
}
END_TEST

static const struct ckzone_rr zone_rrs[] = {
	{ "mail.example.org", ns_t_a, DNS_FOUND, { "192.0.2.25" } },
	{ "v6.example.org", ns_t_aaaa, DNS_FOUND, { "2001:db8::25" } },
	{ "nodata.example.org", ns_t_mx, DNS_FOUND, { "10 mx.example.org" } },
	{ "dead.example.org", ns_t_a, DNS_TEMP, { NULL } },
	{ "dead.example.org", ns_t_aaaa, DNS_TEMP, { NULL } },
};

static const struct dns_case {
	const char	*me;
	int		 level;    /* -1: nothing said */
	const char	*what;
} dns_cases[] = {
	{ "mail.example.org", -1, NULL },
	{ "v6.example.org", -1, NULL },
	{ "gone.example.org", ICK_WARNING, "has no address in DNS (A: nxdomain, AAAA: nxdomain)" },
	{ "nodata.example.org", ICK_WARNING, "(A: nodata, AAAA: nodata)" },
	{ "dead.example.org", ICK_PROBLEM, "DNS does not answer" },
};

START_TEST(me_in_dns)
{
	const struct dns_case *t = &dns_cases[_i];
	struct ckzone z = { zone_rrs, sizeof zone_rrs / sizeof zone_rrs[0], 0, "" };
	struct dns d;
	char me[128];

	ckzone_dns(&d, &z);
	world.dns = &d;
	snprintf(me, sizeof me, "%s\n", t->me);
	ck_put(home, "control/me", me);
	run_all();
	free(d.ans);
	world.dns = NULL;
	ck_assert_uint_ge(z.asked, 1);
	if (t->level == -1) {
		ck_assert_uint_eq(c.problems + c.warnings, 0);
		return;
	}
	ck_assert(found(t->level, t->what, NULL));
	ck_assert_uint_eq(c.problems + c.warnings, 1);
}
END_TEST

START_TEST(tls_half_or_unreadable)
{
	ck_put(home, "control/tlscert", "cert.pem\n");
	run_all();
	ck_assert(found(ICK_PROBLEM, "control/tlscert is set but control/tlskey is not", NULL));
	ck_put(home, "control/tlskey", "/nonexistent/key.pem\n");
	run_all();
	ck_assert(found(ICK_PROBLEM, "control/tlscert names", "put the PEM certificate chain"));
	ck_assert_uint_eq(c.problems, 1);
	ck_put(home, "control/cert.pem", "not a certificate\n");
	run_all();
	ck_assert(found(ICK_PROBLEM, "control/tlskey names /nonexistent/key.pem", NULL));
	ck_put(home, "control/key.pem", "not a key\n");
	ck_put(home, "control/tlskey", "key.pem\n");
	run_all();
	ck_assert(found(ICK_PROBLEM, "are no usable pair", "openssl x509 -noout -pubkey"));
	ck_assert_uint_eq(c.problems, 1);
}
END_TEST

START_TEST(users_file)
{
	char p[256];

	path(p, sizeof p, "users");
	ck_assert_int_eq(write_file_atomic(p, "bob:$6$x$y:\n", 12, 0600), 0);
	run_all();
	ck_assert_uint_eq(c.problems, 0);
	ck_assert_int_eq(chmod(p, 0644), 0);
	run_all();
	ck_assert(found(ICK_PROBLEM, "mode 0644, not 0600: everyone can read", "chmod 0600 "));
	ck_assert_int_eq(write_file_atomic(p, "bob:$6$x$y:\nbroken line\n", 24, 0600), 0);
	run_all();
	ck_assert(found(ICK_PROBLEM, "1 malformed entry (the first is entry 2)", NULL));
	ck_assert_uint_eq(c.problems, 1);
}
END_TEST

START_TEST(programs_set_id)
{
	char sbin[128], p[256];

	snprintf(sbin, sizeof sbin, "%s/sbin", top);
	ck_assert_int_eq(mkdir(sbin, 0755), 0);
	world.sbin = sbin;
	run_all();
	ck_assert(found(ICK_PROBLEM, "stamp-queue is missing", "make install"));
	snprintf(p, sizeof p, "%s/stamp-queue", sbin);
	ck_assert_int_eq(write_file_atomic(p, "#!/bin/sh\n", 10, 0755), 0);
	snprintf(p, sizeof p, "%s/stamp-send", sbin);
	ck_assert_int_eq(write_file_atomic(p, "#!/bin/sh\n", 10, 0755), 0);
	run_all();
	ck_assert_uint_eq(c.problems, 0);
	/* Single user: nothing may be set-ID. */
	ck_assert_int_eq(chmod(p, 02755), 0);
	run_all();
	ck_assert(found(ICK_PROBLEM, "stamp-send is set-group-ID", "chmod u-s,g-s "));
	ck_assert_int_eq(chmod(p, 0755), 0);
	/* System install: stamp-queue must be set-user-ID stampq. */
	stamp_users = 1;
	run_all();
	ck_assert(found(ICK_PROBLEM, "stamp-queue is not set-user-ID stampq", "chmod 4711 "));
	snprintf(p, sizeof p, "%s/stamp-queue", sbin);
	ck_assert_int_eq(chmod(p, 04711), 0);
	run_all();
	ck_assert_uint_eq(c.problems, 0);
	world.sbin = NULL;
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("icheck");
	TCase *tc = tcase_create("icheck");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, good_single_user_home);
	tcase_add_test(tc, good_system_home);
	tcase_add_loop_test(tc, layout_faults, 0, sizeof layout_cases / sizeof layout_cases[0]);
	tcase_add_test(tc, many_faults_summed_up);
	tcase_add_test(tc, missing_home);
	tcase_add_loop_test(tc, bad_control_files, 0,
	    sizeof control_cases / sizeof control_cases[0]);
	tcase_add_test(tc, unknown_control_file_warned);
	tcase_add_test(tc, lmtp_lines);
	tcase_add_test(tc, me_missing_or_short);
	tcase_add_loop_test(tc, me_in_dns, 0, sizeof dns_cases / sizeof dns_cases[0]);
	tcase_add_test(tc, tls_half_or_unreadable);
	tcase_add_test(tc, users_file);
	tcase_add_test(tc, programs_set_id);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_icheck");
	return ck_run(suite());
}
