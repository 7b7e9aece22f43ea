/* check_inject.c: stamp-queue's envelope reader, and whole injections into a scratch queue. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "qexit.h"
#include "qlayout.h"
#include "queue/inject.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/ckscript.h"

#define E(s) { s, sizeof(s) - 1 }

static const struct {
	struct { const char *s; size_t n; } in;
	int		 want;
	size_t		 nrcpt;
	const char	*sender, *first;
} t[] = {
	{ E("Fa@example.org\0Tb@example.org\0\0"), QX_OK, 1, "a@example.org", "b@example.org" },
	{ E("F\0Tb@example.org\0Tc@x.example\0\0"), QX_OK, 2, "", "b@example.org" },
	{ E("F\"a\"@example.org\0T\"b c\"@example.org\0\0"), QX_OK, 1, "a@example.org",
	  "\"b c\"@example.org" },
	{ E("Fa@example.org\0Tpostmaster\0\0"), QX_OK, 1, "a@example.org", "postmaster" },
	{ E("Fa@example.org\0T\xc3\xa9@example.org\0\0"), QX_OK, 1, "a@example.org",
	  "\xc3\xa9@example.org" },
	{ E("Fa@example.org\0Tb@example.org\0\0trailing"), QX_OK, 1, "a@example.org",
	  "b@example.org" },
	{ E("Fa@example.org\0\0"), QX_FORMAT, 0, NULL, NULL },          /* no recipients */
	{ E("Ta@example.org\0\0"), QX_FORMAT, 0, NULL, NULL },          /* no F */
	{ E("\0"), QX_FORMAT, 0, NULL, NULL },
	{ E("Fa@example.org\0Xb@example.org\0\0"), QX_FORMAT, 0, NULL, NULL },
	{ E("Fa@example.org\0Fb@example.org\0\0"), QX_FORMAT, 0, NULL, NULL },
	{ E("Fa@example.org\0Tb@example.org\0"), QX_READ, 0, NULL, NULL }, /* no final NUL */
	{ E("Fa@example.org\0Tb@exam"), QX_READ, 0, NULL, NULL },        /* cut */
	{ E("Fa@example.org"), QX_READ, 0, NULL, NULL },
	{ E("F"), QX_READ, 0, NULL, NULL },
	{ E(""), QX_READ, 0, NULL, NULL },
	{ E("Fa@@example.org\0Tb@example.org\0\0"), QX_ADDR, 0, NULL, NULL },
	{ E("Fa@example.org\0T\0\0"), QX_ADDR, 0, NULL, NULL },          /* empty recipient */
	{ E("Fa@example.org\0Tb@example.org.\0\0"), QX_ADDR, 0, NULL, NULL },
	{ E("Fa@example.org\0T\xc3@example.org\0\0"), QX_ADDR, 0, NULL, NULL },
	{ E("Fa@example.org\0Tb@exa mple.org\0\0"), QX_ADDR, 0, NULL, NULL },
	{ E("Fa@example.org\0T<b@example.org>\0\0"), QX_ADDR, 0, NULL, NULL },
};

START_TEST(envelopes)
{
	struct script	 sc = { t[_i].in.s, t[_i].in.n, 0, 0 };
	struct rbuf	 rb;
	struct envelope	 env;
	char		 mem[64];
	const char	*reason = NULL;
	int		 code;

	/* A byte at a time and all at once: the same answer. */
	for (size_t chunk = 0; chunk <= 1; chunk++) {
		sc.pos = 0;
		sc.chunk = chunk;
		reason = NULL;
		memset(&env, 0, sizeof env);
		rbuf_init(&rb, -1, mem, sizeof mem, 1000);
		rbuf_set_reader(&rb, script_read, &sc);
		code = inject_read_envelope(&rb, &env, &reason);
		ck_assert_msg(code == t[_i].want, "case %d: got %d (%s)", _i, code,
		    reason ? reason : "");
		if (code == QX_OK) {
			ck_assert_uint_eq(env.nrcpt, t[_i].nrcpt);
			ck_assert_str_eq(env.sender, t[_i].sender);
			ck_assert_str_eq(env.rcpt[0], t[_i].first);
		} else
			ck_assert_ptr_nonnull(reason);
		envelope_free(&env);
	}
}
END_TEST

START_TEST(long_address_is_refused_without_reading_on)
{
	char		 big[1000];
	struct script	 sc;
	struct rbuf	 rb;
	struct envelope	 env;
	char		 mem[64];
	const char	*reason;

	memset(big, 'a', sizeof big);
	big[0] = 'F';
	sc = (struct script){ big, sizeof big, 0, 0 };
	memset(&env, 0, sizeof env);
	rbuf_init(&rb, -1, mem, sizeof mem, 1000);
	rbuf_set_reader(&rb, script_read, &sc);
	ck_assert_int_eq(inject_read_envelope(&rb, &env, &reason), QX_ADDR);
	ck_assert_uint_lt(sc.pos, 400);
	envelope_free(&env);
}
END_TEST

/* ---- whole injections ------------------------------------------------ */

static char dir[64];

static void
setup(void)
{
	char	 q[96];

	strlcpy(dir, "/tmp/check_inject.XXXXXX", sizeof dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(q, sizeof q, "%s/queue", dir);
	ck_assert_int_eq(qlayout_create(q, NULL), 0);
	ck_assert_int_eq(chdir(q), 0);
}

static void
teardown(void)
{
	char	 cmd[128];

	ck_assert_int_eq(chdir("/"), 0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* An fd that reads back bytes: an unlinked temporary file, at offset 0. */
static int
bytes_fd(const void *data, size_t n)
{
	char	 p[96];
	int	 fd;

	snprintf(p, sizeof p, "%s/in.XXXXXX", dir);
	ck_assert_int_ge(fd = mkstemp(p), 0);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(write_full(fd, data, n), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Files in STATE, all buckets (folders at the wrong place count too). */
static int
count_state(enum qstate s)
{
	char		 rel[64];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	for (unsigned b = 0; b < QUEUE_BUCKETS; b++) {
		ck_assert_int_eq(qbucket_path(rel, sizeof rel, s, b), 0);
		ck_assert_ptr_nonnull(d = opendir(rel));
		while ((de = readdir(d)) != NULL)
			n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
		closedir(d);
	}
	return n;
}

static void
assert_nothing_left(void)
{
	ck_assert_int_eq(count_state(Q_MESS), 0);
	ck_assert_int_eq(count_state(Q_INTD), 0);
	ck_assert_int_eq(count_state(Q_TODO), 0);
	ck_assert_int_eq(count_state(Q_INFO), 0);
}

static int
run(const char *msg, size_t mlen, const char *env, size_t elen, unsigned long long databytes,
    struct inject_result *res)
{
	struct inject_opts	 o;
	int			 code;

	memset(&o, 0, sizeof o);
	o.msgfd = bytes_fd(msg, mlen);
	o.envfd = bytes_fd(env, elen);
	o.timeout_ms = 5000;
	o.databytes = databytes;
	o.uid = 4242;
	code = inject(&o, res);
	close(o.msgfd);
	close(o.envfd);
	return code;
}

static char *
read_rel(enum qstate s, const char *id, size_t *len)
{
	char	 rel[64], *buf;

	ck_assert_int_eq(qpath(rel, sizeof rel, s, id), 0);
	ck_assert_int_eq(read_file_max(rel, 1 << 20, &buf, len), 0);
	return buf;
}

#define MSG  "Subject: hi\r\n\r\nline one\r\nbare\rCR and bare\nLF\r\n"
#define BODY "Subject: hi\n\nline one\nbare\rCR and bare\nLF\n"
#define ENV  "Falice@example.org\0Tbob@example.org\0T\"c d\"@Example.NET\0Tpostmaster\0\0"

START_TEST(inject_ok)
{
	struct inject_result	 res;
	struct envelope		 env;
	struct stat		 st;
	char			*mess, *file, rel[64], want[128];
	size_t			 len;
	time_t			 before = time(NULL), after;
	int			 trig;

	trig = open(QUEUE_TRIGGER, O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(trig, 0);
	ck_assert_int_eq(run(MSG, sizeof MSG - 1, ENV, sizeof ENV - 1, 0, &res), QX_OK);
	after = time(NULL);
	ck_assert(qid_valid(res.id));
	ck_assert_int_ge(qid_time(res.id), before);
	ck_assert_int_le(qid_time(res.id), after);
	/* Exactly one message and one committed envelope. */
	ck_assert_int_eq(count_state(Q_MESS), 1);
	ck_assert_int_eq(count_state(Q_TODO), 1);
	ck_assert_int_eq(count_state(Q_INTD), 0);
	ck_assert_int_eq(count_state(Q_INFO), 0);
	/* The envelope parses back, with the canonical recipients. */
	file = read_rel(Q_TODO, res.id, &len);
	ck_assert_int_eq(envelope_parse(file, len, &env), ENV_OK);
	ck_assert_str_eq(env.id, res.id);
	ck_assert_uint_eq(env.uid, 4242);
	ck_assert_int_ge(env.time, before);
	ck_assert_int_le(env.time, after);
	ck_assert_str_eq(env.sender, "alice@example.org");
	ck_assert_uint_eq(env.nrcpt, 3);
	ck_assert_str_eq(env.rcpt[0], "bob@example.org");
	ck_assert_ptr_nonnull(strstr(env.rcpt[1], "\"c d\"@"));
	ck_assert_int_eq(strcasecmp(strchr(env.rcpt[1], '@'), "@example.net"), 0);
	ck_assert_str_eq(env.rcpt[2], "postmaster");
	envelope_free(&env);
	free(file);
	/* The message: a Received: line, then the data with LF line ends. */
	mess = read_rel(Q_MESS, res.id, &len);
	snprintf(want, sizeof want, "Received: (stamp-queue %ld invoked by uid 4242); ",
	    (long)getpid());
	ck_assert_msg(strncmp(mess, want, strlen(want)) == 0, "%s", mess);
	ck_assert_ptr_nonnull(strchr(mess, '\n'));
	ck_assert_str_eq(strchr(mess, '\n') + 1, BODY);
	ck_assert_ptr_null(strstr(mess, "\r\n"));
	free(mess);
	/* Modes: 0640, so the scheduler reads through its group. */
	ck_assert_int_eq(qpath(rel, sizeof rel, Q_MESS, res.id), 0);
	ck_assert_int_eq(stat(rel, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	ck_assert_int_eq(qpath(rel, sizeof rel, Q_TODO, res.id), 0);
	ck_assert_int_eq(stat(rel, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	/* The scheduler was woken with "ID\n". */
	ck_assert_int_eq(read(trig, want, sizeof want), QID_LEN + 1);
	ck_assert_int_eq(memcmp(want, res.id, QID_LEN), 0);
	ck_assert_int_eq(want[QID_LEN], '\n');
	close(trig);
}
END_TEST

/* Pipes, as a front end hands them over; from the network; two messages, two IDs. */
START_TEST(inject_from_pipes)
{
	struct inject_opts	 o;
	struct inject_result	 r1, r2;
	int			 m[2], e[2];
	char			*mess;
	size_t			 len;

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pipe(m), 0);
		ck_assert_int_eq(pipe(e), 0);
		ck_assert_int_eq(write_full(m[1], MSG, sizeof MSG - 1), 0);
		ck_assert_int_eq(write_full(e[1], ENV, sizeof ENV - 1), 0);
		close(m[1]);
		close(e[1]);
		memset(&o, 0, sizeof o);
		o.msgfd = m[0];
		o.envfd = e[0];
		o.timeout_ms = 5000;
		o.from_network = 1;
		ck_assert_int_eq(inject(&o, i == 0 ? &r1 : &r2), QX_OK);
		close(m[0]);
		close(e[0]);
	}
	ck_assert_str_ne(r1.id, r2.id);
	ck_assert_int_eq(count_state(Q_MESS), 2);
	ck_assert_int_eq(count_state(Q_TODO), 2);
	mess = read_rel(Q_MESS, r2.id, &len);
	ck_assert_ptr_nonnull(strstr(mess, "invoked from network); "));
	ck_assert_str_eq(strchr(mess, '\n') + 1, BODY);
	free(mess);
}
END_TEST

static const struct {
	struct { const char *s; size_t n; } env;
	int	 want;
} bad[] = {
	{ E("Tb@example.org\0\0"), QX_FORMAT },                          /* no F */
	{ E("Fa@example.org\0\0"), QX_FORMAT },                          /* no recipients */
	{ E("Fa@example.org\0Qb@example.org\0\0"), QX_FORMAT },
	{ E("Fa@example.org\0Tb@@example.org\0\0"), QX_ADDR },           /* bad address */
	{ E("Fa@@example.org\0Tb@example.org\0\0"), QX_ADDR },
	{ E("Fa@example.org\0T\0\0"), QX_ADDR },
	{ E("Fa@example.org\0Tb@example.org\0"), QX_READ },              /* no final NUL */
	{ E("Fa@example.org\0Tb@exa"), QX_READ },                        /* truncated */
	{ E(""), QX_READ },
};

START_TEST(bad_envelope_leaves_nothing)
{
	struct inject_result	 res;

	ck_assert_int_eq(run(MSG, sizeof MSG - 1, bad[_i].env.s, bad[_i].env.n, 0, &res),
	    bad[_i].want);
	ck_assert_ptr_nonnull(res.reason);
	assert_nothing_left();
}
END_TEST

START_TEST(too_many_recipients)
{
	struct inject_result	 res;
	struct str		 env = STR_INIT;

	ck_assert_int_eq(str_append(&env, "Fa@example.org", 15), 0);
	for (int i = 0; i <= ENV_RCPT_MAX; i++) {
		ck_assert_int_eq(str_appendf(&env, "Tr%d@example.org", i), 0);
		ck_assert_int_eq(str_appendc(&env, '\0'), 0);
	}
	ck_assert_int_eq(str_appendc(&env, '\0'), 0);
	ck_assert_int_eq(run(MSG, sizeof MSG - 1, env.s, env.len, 0, &res), QX_RCPTS);
	assert_nothing_left();
	/* ENV_RCPT_MAX exactly is fine. */
	env.len = 15;
	for (int i = 0; i < ENV_RCPT_MAX; i++) {
		ck_assert_int_eq(str_appendf(&env, "Tr%d@example.org", i), 0);
		ck_assert_int_eq(str_appendc(&env, '\0'), 0);
	}
	ck_assert_int_eq(str_appendc(&env, '\0'), 0);
	ck_assert_int_eq(run(MSG, sizeof MSG - 1, env.s, env.len, 0, &res), QX_OK);
	ck_assert_int_eq(count_state(Q_TODO), 1);
	str_free(&env);
}
END_TEST

START_TEST(databytes_limit)
{
	struct inject_result	 res;
	size_t			 body = sizeof BODY - 1;   /* the size counted: after CR LF -> LF */

	ck_assert_int_eq(run(MSG, sizeof MSG - 1, ENV, sizeof ENV - 1, body - 1, &res), QX_SIZE);
	ck_assert_ptr_nonnull(res.reason);
	assert_nothing_left();
	ck_assert_int_eq(run(MSG, sizeof MSG - 1, ENV, sizeof ENV - 1, 1, &res), QX_SIZE);
	assert_nothing_left();
	ck_assert_int_eq(run(MSG, sizeof MSG - 1, ENV, sizeof ENV - 1, body, &res), QX_OK);
	ck_assert_int_eq(count_state(Q_MESS), 1);
	ck_assert_int_eq(count_state(Q_TODO), 1);
}
END_TEST

/* A bare CR held back at the very end is a stored octet too: it counts. */
START_TEST(databytes_counts_a_final_cr)
{
	struct inject_result	 res;
	static const char	 msg[] = "Subject: x\n\nabc\r";
	size_t			 stored = sizeof msg - 1;

	ck_assert_int_eq(run(msg, stored, ENV, sizeof ENV - 1, stored - 1, &res), QX_SIZE);
	assert_nothing_left();
	ck_assert_int_eq(run(msg, stored, ENV, sizeof ENV - 1, stored, &res), QX_OK);
	ck_assert_int_eq(count_state(Q_TODO), 1);
}
END_TEST

/* A big message, far past the limit: refused, and nothing of it stays on disk. */
START_TEST(databytes_big_message)
{
	struct inject_result	 res;
	size_t			 n = 1 << 20;
	char			*big = malloc(n);

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	for (size_t i = 99; i < n; i += 100)
		big[i] = '\n';
	ck_assert_int_eq(run(big, n, ENV, sizeof ENV - 1, 100000, &res), QX_SIZE);
	assert_nothing_left();
	ck_assert_int_eq(run(big, n, ENV, sizeof ENV - 1, 0, &res), QX_OK);
	free(big);
}
END_TEST

/* Nobody writes: a timeout, not a hang, and nothing left. */
START_TEST(timeouts)
{
	struct inject_opts	 o;
	struct inject_result	 res;
	int			 m[2], e[2];

	ck_assert_int_eq(pipe(m), 0);
	ck_assert_int_eq(pipe(e), 0);
	memset(&o, 0, sizeof o);
	o.msgfd = m[0];
	o.envfd = e[0];
	o.timeout_ms = 200;
	ck_assert_int_eq(inject(&o, &res), QX_TIMEOUT);         /* the message never ends */
	assert_nothing_left();
	close(m[1]);
	ck_assert_int_eq(inject(&o, &res), QX_TIMEOUT);         /* the envelope never comes */
	assert_nothing_left();
	ck_assert_int_eq(write_full(e[1], "Fa@example.org\0Tb@exam", 22), 0);
	ck_assert_int_eq(inject(&o, &res), QX_TIMEOUT);         /* it stops halfway */
	assert_nothing_left();
	close(m[0]);
	close(e[0]);
	close(e[1]);
}
END_TEST

/* An unreadable message fd. */
START_TEST(message_read_error)
{
	struct inject_opts	 o;
	struct inject_result	 res;
	char			 p[96];

	memset(&o, 0, sizeof o);
	snprintf(p, sizeof p, "%s/wo", dir);
	ck_assert_int_ge(o.msgfd = open(p, O_WRONLY | O_CREAT, 0600), 0);
	o.envfd = bytes_fd(ENV, sizeof ENV - 1);
	o.timeout_ms = 1000;
	ck_assert_int_eq(inject(&o, &res), QX_READ);
	assert_nothing_left();
	close(o.msgfd);
	close(o.envfd);
}
END_TEST

/* A queue folder that is broken: the state's code, and what was made is removed. */
START_TEST(broken_queue)
{
	struct inject_result	 res;

	ck_assert_int_eq(rename("intd", "intd.away"), 0);
	ck_assert_int_eq(run(MSG, sizeof MSG - 1, ENV, sizeof ENV - 1, 0, &res), QX_INTD);
	ck_assert_int_eq(count_state(Q_MESS), 0);
	ck_assert_int_eq(count_state(Q_TODO), 0);
	ck_assert_int_eq(rename("intd.away", "intd"), 0);
	ck_assert_int_eq(rename("todo", "todo.away"), 0);
	ck_assert_int_eq(run(MSG, sizeof MSG - 1, ENV, sizeof ENV - 1, 0, &res), QX_TODO);
	ck_assert_int_eq(count_state(Q_MESS), 0);
	ck_assert_int_eq(count_state(Q_INTD), 0);
	ck_assert_int_eq(rename("todo.away", "todo"), 0);
	ck_assert_int_eq(rename("mess", "mess.away"), 0);
	ck_assert_int_eq(run(MSG, sizeof MSG - 1, ENV, sizeof ENV - 1, 0, &res), QX_MESS);
	ck_assert_int_eq(rename("mess.away", "mess"), 0);
	assert_nothing_left();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("inject");
	TCase	*tc = tcase_create("envelope");
	TCase	*tq = tcase_create("queue");

	tcase_add_loop_test(tc, envelopes, 0, sizeof t / sizeof t[0]);
	tcase_add_test(tc, long_address_is_refused_without_reading_on);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tq, 120);
	tcase_add_checked_fixture(tq, setup, teardown);
	tcase_add_test(tq, inject_ok);
	tcase_add_test(tq, inject_from_pipes);
	tcase_add_loop_test(tq, bad_envelope_leaves_nothing, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tq, too_many_recipients);
	tcase_add_test(tq, databytes_limit);
	tcase_add_test(tq, databytes_counts_a_final_cr);
	tcase_add_test(tq, databytes_big_message);
	tcase_add_test(tq, timeouts);
	tcase_add_test(tq, message_read_error);
	tcase_add_test(tq, broken_queue);
	suite_add_tcase(s, tq);
	return ck_run(s);
}
