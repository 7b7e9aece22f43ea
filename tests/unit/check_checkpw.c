/* check_checkpw.c: the users-file parser (common/users.c), MD5, and stamp-checkpw's decisions. */
#include <check.h>
#include <crypt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/checkpw.h"
#include "auth/dovecot.h"
#include "auth/useredit.h"
#include "fsutil.h"
#include "home.h"
#include "md5.h"
#include "users.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char dir[64];

static void
setup(void)
{
	ck_scratch(dir, sizeof dir, "check_checkpw", (const char *const[]){ "control", NULL });
	ck_assert_int_eq(home_init(dir), 0);
}

static void
teardown(void)
{
	ck_rmtree(dir);
}

static void
file(const char *rel, const char *text)
{
	ck_put(dir, rel, text);
}

static char *
hash_of(const char *pw, const char *prefix)
{
	char	 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char	*h;

	ck_assert_ptr_nonnull(crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof salt));
	ck_assert_ptr_nonnull(h = crypt(pw, salt));
	return strdup(h);
}

/* RFC 1321's test suite. */
START_TEST(md5_rfc1321)
{
	static const struct { const char *in, *out; } t[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890123456789012345678901234567890"
		  "1234567890", "57edf4a22be3c955ac49da2e2107b67a" },
		/* RFC 1939's APOP example */
		{ "<1896.697170952@dbc.mtview.ca.us>tanstaaf", "c4c9334bac560ecc979e58001b3e22fb" },
	};
	char	 out[33];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		md5_hex(t[i].in, strlen(t[i].in), out);
		ck_assert_str_eq(out, t[i].out);
	}
}
END_TEST

START_TEST(users_lines)
{
	static const struct {
		const char *line;
		int ok;
		const char *name, *hash, *box, *secret;
	} t[] = {
		{ "alice:$6$x$y:", 0, "alice", "$6$x$y", "", "" },
		{ "Bob:$y$j9T$a$b:bob/Maildir/", 0, "bob", "$y$j9T$a$b", "bob/Maildir/", "" },
		{ "c:h:/abs/box/:tanstaaf", 0, "c", "h", "/abs/box/", "tanstaaf" },
		{ "d:h::", 0, "d", "h", "", "" },
		{ ":h:", -1, NULL, NULL, NULL, NULL },
		{ "nocolon", -1, NULL, NULL, NULL, NULL },
		{ "one:colon", -1, NULL, NULL, NULL, NULL },
		{ "e:h:box:secret:extra", -1, NULL, NULL, NULL, NULL },
	};
	struct user_entry e;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_int_eq(users_parse_line(t[i].line, &e), t[i].ok);
		if (t[i].ok != 0)
			continue;
		ck_assert_str_eq(e.name, t[i].name);
		ck_assert_str_eq(e.hash, t[i].hash);
		ck_assert_str_eq(e.mailbox, t[i].box);
		ck_assert_str_eq(e.secret, t[i].secret);
	}
}
END_TEST

START_TEST(users_names)
{
	ck_assert(users_name_ok("alice"));
	ck_assert(users_name_ok("a.b-c_d9"));
	ck_assert(!users_name_ok(""));
	ck_assert(!users_name_ok("Alice"));
	ck_assert(!users_name_ok(".hidden"));
	ck_assert(!users_name_ok("-opt"));
	ck_assert(!users_name_ok("a/b"));
	ck_assert(!users_name_ok("a:b"));
	ck_assert(!users_name_ok("a b"));
}
END_TEST

START_TEST(users_maildirs)
{
	struct user_entry e;
	char	 p[PATH_MAX], want[PATH_MAX];

	ck_assert_int_eq(users_parse_line("al:h:", &e), 0);
	ck_assert_int_eq(users_maildir(&e, p, sizeof p), 0);
	snprintf(want, sizeof want, "%s/mail/al/Maildir/", dir);
	ck_assert_str_eq(p, want);
	ck_assert_int_eq(users_parse_line("al:h:x/box", &e), 0);
	ck_assert_int_eq(users_maildir(&e, p, sizeof p), 0);
	snprintf(want, sizeof want, "%s/mail/x/box/", dir);
	ck_assert_str_eq(p, want);
	ck_assert_int_eq(users_parse_line("al:h:/srv/b/", &e), 0);
	ck_assert_int_eq(users_maildir(&e, p, sizeof p), 0);
	ck_assert_str_eq(p, "/srv/b/");
}
END_TEST

START_TEST(users_find_and_secret)
{
	struct user_entry e;

	ck_assert_int_eq(users_find("alice", &e), 0);	/* no file */
	ck_assert_int_eq(users_any_secret(), 0);
	file("users", "# comment\nbroken\nalice:h1:\nAlice:h2:\nbob:h3::s3\n");
	ck_assert_int_eq(users_find("alice", &e), 1);
	ck_assert_str_eq(e.hash, "h1");		/* the first line wins */
	ck_assert_int_eq(users_find("bob", &e), 1);
	ck_assert_str_eq(e.secret, "s3");
	ck_assert_int_eq(users_find("carol", &e), 0);
	ck_assert_int_eq(users_any_secret(), 1);
}
END_TEST

START_TEST(input_fields)
{
	struct cpw_input in;
	char	 a[] = "u\0p\0t\0", b[] = "u\0p\0", c[] = "u\0p", d[] = "\0p\0t\0",
		 e[] = "u\0\0\0", f[] = "u";

	ck_assert_int_eq(cpw_parse_input(a, sizeof a - 1, &in), 0);
	ck_assert_str_eq(in.user, "u");
	ck_assert_str_eq(in.pass, "p");
	ck_assert_str_eq(in.timestamp, "t");
	ck_assert_int_eq(cpw_parse_input(b, sizeof b - 1, &in), 0);
	ck_assert_str_eq(in.timestamp, "");
	ck_assert_int_eq(cpw_parse_input(c, sizeof c - 1, &in), -1);	/* unterminated */
	ck_assert_int_eq(cpw_parse_input(d, sizeof d - 1, &in), -1);	/* empty user */
	ck_assert_int_eq(cpw_parse_input(e, sizeof e - 1, &in), 0);	/* empty password: checked, fails */
	ck_assert_int_eq(cpw_parse_input(f, 1, &in), -1);
}
END_TEST

START_TEST(hashes)
{
	static const char *kinds[] = { "$y$", "$6$" };

	for (size_t i = 0; i < 2; i++) {
		char *h = hash_of("right horse", kinds[i]);

		ck_assert_int_eq(cpw_hash_ok("right horse", h), 1);
		ck_assert_int_eq(cpw_hash_ok("right hors", h), 0);
		ck_assert_int_eq(cpw_hash_ok("", h), 0);
		free(h);
	}
	ck_assert_int_eq(cpw_hash_ok("", ""), 0);
	ck_assert_int_eq(cpw_hash_ok("x", "*"), 0);
	ck_assert_int_eq(cpw_hash_ok("x", "!$6$abc$def"), 0);
	ck_assert_int_eq(cpw_hash_ok("x", "x"), 0);
}
END_TEST

START_TEST(apop)
{
	const char *ts = "<1896.697170952@dbc.mtview.ca.us>";

	ck_assert_int_eq(cpw_apop_ok(ts, "tanstaaf", "c4c9334bac560ecc979e58001b3e22fb"), 1);
	ck_assert_int_eq(cpw_apop_ok(ts, "tanstaaf", "C4C9334BAC560ECC979E58001B3E22FB"), 1);
	ck_assert_int_eq(cpw_apop_ok(ts, "tanstaaf", "c4c9334bac560ecc979e58001b3e22fa"), 0);
	ck_assert_int_eq(cpw_apop_ok(ts, "tanstaaf", "c4c9334bac560ecc979e58001b3e22f"), 0);
	ck_assert_int_eq(cpw_apop_ok("", "tanstaaf", "c4c9334bac560ecc979e58001b3e22fb"), 0);
	ck_assert_int_eq(cpw_apop_ok(ts, "", "d41d8cd98f00b204e9800998ecf8427e"), 0);
}
END_TEST

/* Every decision of cpw_check, table-driven. */
START_TEST(decisions)
{
	char	*h = hash_of("pw1", "$y$"), text[1024];
	struct cpw_identity id;
	static const struct {
		const char *user, *pass, *ts;
		enum cpw_result want;
	} t[] = {
		{ "alice", "pw1", "", CPW_OK },
		{ "ALICE", "pw1", "", CPW_OK },		/* names fold */
		{ "alice", "pw2", "", CPW_FAIL },
		{ "alice", "", "", CPW_FAIL },
		{ "nobody-here", "pw1", "", CPW_FAIL },
		{ "locked", "pw1", "", CPW_FAIL },
		{ "bob", "c4c9334bac560ecc979e58001b3e22fb", "<1896.697170952@dbc.mtview.ca.us>", CPW_OK },
		{ "bob", "c4c9334bac560ecc979e58001b3e22fb", "<other@x>", CPW_FAIL },
		{ "bob", "pw1", "<1896.697170952@dbc.mtview.ca.us>", CPW_OK },	/* plain password still */
		{ "alice", "c4c9334bac560ecc979e58001b3e22fb", "<1896.697170952@dbc.mtview.ca.us>", CPW_FAIL },
		{ "root", "pw1", "", CPW_FAIL },	/* systemusers is off */
	};

	snprintf(text, sizeof text, "alice:%s:\nlocked:*:\nbob:%s:b/Maildir:tanstaaf\n", h, h);
	file("users", text);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct cpw_input in = { t[i].user, t[i].pass, t[i].ts };

		ck_assert_msg(cpw_check(&in, &id) == t[i].want, "case %zu", i);
	}
	{
		struct cpw_input in = { "bob", "pw1", "" };
		char want[PATH_MAX];

		ck_assert_int_eq(cpw_check(&in, &id), CPW_OK);
		ck_assert_int_eq(id.is_virtual, 1);
		ck_assert_str_eq(id.user, "bob");
		snprintf(want, sizeof want, "%s/mail/b/Maildir/", dir);
		ck_assert_str_eq(id.maildir, want);
		snprintf(want, sizeof want, "%s/mail/b", dir);
		ck_assert_str_eq(id.home, want);
	}
	/* An unknown hash kind is temporary trouble, not a wrong password. */
	file("users", "weird:$99$zzzzzzzzzzzzzzzzzzzz:\n");
	{
		struct cpw_input in = { "weird", "pw", "" };

		ck_assert_int_eq(cpw_check(&in, &id), CPW_TEMP);
	}
	/* An unreadable users file is temporary trouble too. */
	snprintf(text, sizeof text, "%s/users", dir);
	ck_assert_int_eq(unlink(text), 0);
	ck_assert_int_eq(mkdir(text, 0755), 0);
	{
		struct cpw_input in = { "alice", "pw1", "" };

		ck_assert_int_eq(cpw_check(&in, &id), CPW_TEMP);
	}
	free(h);
}
END_TEST

/* Dovecot's userdb lookup: who a user is, with no password at all. */
START_TEST(lookups)
{
	struct cpw_identity	 id;
	char			 want[PATH_MAX];

	file("users", "alice:$y$j9T$notarealhashnotarealhash:\nbob:*:b/Maildir:\n");
	ck_assert_int_eq(cpw_lookup("ALICE", &id), CPW_OK);
	ck_assert_int_eq(id.is_virtual, 1);
	ck_assert_str_eq(id.user, "alice");
	snprintf(want, sizeof want, "%s/mail/alice/Maildir/", dir);
	ck_assert_str_eq(id.maildir, want);
	/* A locked account is still a user: Dovecot's passdb decides on logins. */
	ck_assert_int_eq(cpw_lookup("bob", &id), CPW_OK);
	ck_assert_int_eq(cpw_lookup("nobody-here", &id), CPW_FAIL);
	ck_assert_int_eq(cpw_lookup("root", &id), CPW_FAIL);		/* systemusers is off */
	file("control/systemusers", "1\n");
	ck_assert_int_eq(cpw_lookup("root", &id), CPW_FAIL);		/* never uid 0 */
	if (getpwnam("nobody") != NULL) {
		ck_assert_int_eq(cpw_lookup("nobody", &id), CPW_OK);
		ck_assert_int_eq(id.is_virtual, 0);
		ck_assert_uint_eq(id.uid, getpwnam("nobody")->pw_uid);
	}
	{
		char long_name[400];

		memset(long_name, 'a', sizeof long_name - 1);
		long_name[sizeof long_name - 1] = '\0';
		ck_assert_int_eq(cpw_lookup(long_name, &id), CPW_FAIL);
	}
}
END_TEST

/* The fields checkpassword-reply hands to Dovecot. */
START_TEST(dovecot_fields)
{
	struct cpw_identity	 id;
	struct passwd		*v = getpwnam(CPW_VUSER);
	char			 want[PATH_MAX + 16];

	file("users", "alice:*:\n");
	unsetenv("AUTHORIZED");
	ck_assert_int_eq(dovecot_is_lookup(), 0);
	setenv("AUTHORIZED", "1", 1);
	ck_assert_int_eq(dovecot_is_lookup(), 1);
	ck_assert_int_eq(cpw_lookup("alice", &id), CPW_OK);
	ck_assert_int_eq(dovecot_export(&id, 1), 0);
	ck_assert_str_eq(getenv("AUTHORIZED"), "2");
	ck_assert_str_eq(getenv("USER"), "alice");
	snprintf(want, sizeof want, "%s/mail/alice", dir);
	ck_assert_str_eq(getenv("HOME"), want);
	snprintf(want, sizeof want, "maildir:%s/mail/alice/Maildir", dir);
	ck_assert_str_eq(getenv("userdb_mail"), want);
	ck_assert_str_eq(getenv("EXTRA"), "userdb_uid userdb_gid userdb_mail");
	/* stampv owns virtual Maildirs whoever asks; without it, whoever asks. */
	snprintf(want, sizeof want, "%lu", (unsigned long)(v != NULL ? v->pw_uid : getuid()));
	ck_assert_str_eq(getenv("userdb_uid"), want);
	/* A password check leaves AUTHORIZED alone. */
	unsetenv("AUTHORIZED");
	ck_assert_int_eq(dovecot_export(&id, 0), 0);
	ck_assert_ptr_null(getenv("AUTHORIZED"));
	/* A tab would split Dovecot's reply into forged fields. */
	strlcpy(id.home, "/srv/mail/a\tuserdb_uid=0", sizeof id.home);
	ck_assert_int_eq(dovecot_export(&id, 0), -1);
}
END_TEST

START_TEST(edits)
{
	const char	*text = "# users\nalice:h1:\nbob:h2:b/Maildir/:sec\nnot a user line\n";
	struct str	 out = STR_INIT, box = STR_INIT;

	ck_assert_int_eq(ue_add(text, "carol", "h3", &out), UE_OK);
	ck_assert_str_eq(out.s, "# users\nalice:h1:\nbob:h2:b/Maildir/:sec\nnot a user line\ncarol:h3:\n");
	ck_assert_int_eq(ue_add(text, "alice", "h9", &out), UE_EXISTS);
	ck_assert_int_eq(ue_add("x:y:", "z", "h", &out), UE_OK);	/* a last line without LF */
	ck_assert_str_eq(out.s, "x:y:\nz:h:\n");
	ck_assert_int_eq(ue_add("", "z", "h", &out), UE_OK);
	ck_assert_str_eq(out.s, "z:h:\n");
	ck_assert_int_eq(ue_passwd(text, "bob", "h9", &out), UE_OK);
	ck_assert_str_eq(out.s, "# users\nalice:h1:\nbob:h9:b/Maildir/:sec\nnot a user line\n");
	ck_assert_int_eq(ue_passwd(text, "nobody", "h9", &out), UE_NOUSER);
	ck_assert_int_eq(ue_secret(text, "alice", "s1", &out), UE_OK);
	ck_assert_str_eq(out.s, "# users\nalice:h1::s1\nbob:h2:b/Maildir/:sec\nnot a user line\n");
	ck_assert_int_eq(ue_secret(text, "bob", "", &out), UE_OK);
	ck_assert_str_eq(out.s, "# users\nalice:h1:\nbob:h2:b/Maildir/\nnot a user line\n");
	ck_assert_int_eq(ue_del(text, "bob", &out, &box), UE_OK);
	ck_assert_str_eq(out.s, "# users\nalice:h1:\nnot a user line\n");
	ck_assert_str_eq(box.s, "b/Maildir/");
	ck_assert_int_eq(ue_del(text, "carol", &out, &box), UE_NOUSER);
	ck_assert(ue_password_ok("a b:c#d"));
	ck_assert(!ue_password_ok(""));
	ck_assert(!ue_password_ok("a\rb"));
	ck_assert(ue_secret_ok("tanstaaf"));
	ck_assert(ue_secret_ok(""));
	ck_assert(!ue_secret_ok("a:b"));
	ck_assert(!ue_secret_ok("a#b"));
	ck_assert(!ue_secret_ok("a b"));
	str_free(&out);
	str_free(&box);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("checkpw");
	TCase	*tc = tcase_create("all");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, md5_rfc1321);
	tcase_add_test(tc, users_lines);
	tcase_add_test(tc, users_names);
	tcase_add_test(tc, users_maildirs);
	tcase_add_test(tc, users_find_and_secret);
	tcase_add_test(tc, input_fields);
	tcase_add_test(tc, hashes);
	tcase_add_test(tc, apop);
	tcase_add_test(tc, decisions);
	tcase_add_test(tc, lookups);
	tcase_add_test(tc, dovecot_fields);
	tcase_add_test(tc, edits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(suite());
}
