/*
 * check_policy_conn: whole exchanges with a fake service on a socket pair
 * (answers, silence, a drip), and policy_check() over control/policy in a
 * scratch home with exec: services (stages, DEFER_IF_*, failures, the
 * instance attribute, PREPEND).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "home.h"
#include "log.h"
#include "smtpd/policy.h"
#include "smtpd/policy_conn.h"
#include "smtpd/policy_proto.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/ckscript.h"
#include "tests/unit/cktmp.h"

static const struct policy_req base_req = {
	.protocol_state = "RCPT", .protocol_name = "ESMTP",
	.client_address = "192.0.2.1", .client_name = "mx.example.org",
	.helo_name = "mx.example.org", .sender = "a@example.org",
	.recipient = "b@example.net", .sasl_username = "", .queue_id = "",
	.encryption_protocol = "TLSv1.3", .size = 1234, .recipient_count = 0,
};

/* ---- a fake service on a socket pair -------------------------------- */

/*
 * The child reads one request up to its empty line, then answers with the
 * given bytes (and stays silent for ever when answer is NULL).
 */
static pid_t
fake_service(int fd, const char *answer, size_t len, const char *expect)
{
	pid_t	pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	char	req[8192];
	size_t	n = 0;
	while (n < sizeof(req) - 1) {
		ssize_t r = read(fd, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			_exit(2);
		n += (size_t)r;
		req[n] = '\0';
		if (n >= 2 && strcmp(req + n - 2, "\n\n") == 0)
			break;
	}
	if (expect && strstr(req, expect) == NULL)
		_exit(3);
	if (answer == NULL)
		pause();
	if (write(fd, answer, len) != (ssize_t)len)
		_exit(4);
	_exit(0);
}

static enum policy_read
exchange_with(const char *answer, size_t len, int timeout_ms, struct str *action, int *status)
{
	int		 sp[2];
	struct str	 req = STR_INIT;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	pid_t pid = fake_service(sp[1], answer, len, "\nrecipient=b@example.net\n");
	close(sp[1]);
	ck_assert_int_eq(policy_encode(&base_req, "1.1", &req), 0);
	enum policy_read r = policy_exchange_fd(sp[0], req.s, req.len,
	    policy_now_ms() + timeout_ms, action);
	close(sp[0]);
	if (answer == NULL)
		kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, status, 0), pid);
	str_free(&req);
	return r;
}

START_TEST(pair_answers)
{
	struct str	action = STR_INIT;
	int		status;

	ck_assert_int_eq(exchange_with("action=DEFER_IF_PERMIT Greylisted\n\n", 35, 5000, &action,
	    &status), PREAD_OK);
	ck_assert_str_eq(action.s, "DEFER_IF_PERMIT Greylisted");
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);  /* it saw the recipient */
	ck_assert_int_eq(exchange_with("action=OK\n", 10, 5000, &action, &status), PREAD_EOF);
	ck_assert_int_eq(exchange_with("", 0, 5000, &action, &status), PREAD_EOF);
	ck_assert_int_eq(exchange_with("garbage\n\n", 9, 5000, &action, &status), PREAD_MALFORMED);
	str_free(&action);
}
END_TEST

START_TEST(pair_silent_times_out)
{
	struct str	action = STR_INIT;
	int		status;
	long long	t0 = policy_now_ms();

	errno = 0;
	ck_assert_int_eq(exchange_with(NULL, 0, 300, &action, &status), PREAD_ERROR);
	ck_assert_int_eq(errno, ETIMEDOUT);
	long long took = policy_now_ms() - t0;
	ck_assert_msg(took >= 290 && took < 3000, "took %lld ms", took);
	str_free(&action);
}
END_TEST

/* A service that drips one byte at a time still ends at the deadline. */
START_TEST(pair_drip_times_out)
{
	int		 sp[2];
	struct str	 action = STR_INIT;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(sp[0]);
		for (;;) {
			if (write(sp[1], "x", 1) != 1)
				_exit(0);
			usleep(50000);
		}
	}
	close(sp[1]);
	long long t0 = policy_now_ms();
	ck_assert_int_eq(policy_exchange_fd(sp[0], "a=b\n\n", 5, t0 + 400, &action), PREAD_ERROR);
	long long took = policy_now_ms() - t0;
	ck_assert_msg(took < 2000, "took %lld ms", took);
	close(sp[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	str_free(&action);
}
END_TEST

/* ---- policy_check() over control/policy with exec: services --------- */

static char home[64];

static void
write_file(const char *rel, const char *text, mode_t mode)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s/%s", home, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_full(fd, text, strlen(text)), 0);
	close(fd);
}

/* A script that reads the request and answers "action=ARG". */
static void
make_home(const char *policy)
{
	char	ctl[80], buf[1024];

	strlcpy(home, "/tmp/check_policy.XXXXXX", sizeof(home));
	ck_assert_ptr_nonnull(mkdtemp(home));
	snprintf(ctl, sizeof(ctl), "%s/control", home);
	ck_assert_int_eq(mkdir(ctl, 0755), 0);
	write_file("answer.sh",
	    "#!/bin/sh\n"
	    "while read -r l; do [ -z \"$l\" ] && break; echo \"$l\" >> \"$0.log\"; done\n"
	    "printf 'action=%s\\n\\n' \"$*\"\n", 0755);
	write_file("silent.sh", "#!/bin/sh\nexec sleep 30\n", 0755);
	/* answer.sh paths are relative to home in the test table: expand them */
	size_t o = 0;
	for (const char *p = policy; *p && o < sizeof(buf) - 80; p++) {
		if (*p == '@')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s/", home);
		else
			buf[o++] = *p;
	}
	buf[o] = '\0';
	write_file("control/policy", buf, 0644);
	write_file("control/timeoutpolicy", "1\n", 0644);
	ck_assert_int_eq(home_init(home), 0);
}

static const struct {
	const char		*policy;     /* '@' is the scratch home + "/" */
	const char		*state;
	enum policy_verdict	 want;
	const char		*reply;
} checks[] = {
	{ "", "RCPT", POLICY_OK, "" },
	{ "exec:@answer.sh DUNNO\n", "RCPT", POLICY_OK, "" },
	{ "exec:@answer.sh OK\nexec:@answer.sh REJECT no\n", "RCPT", POLICY_REJECT, "554 5.7.1 no" },
	{ "exec:@answer.sh DEFER later\n", "RCPT", POLICY_DEFER, "450 4.7.1 later" },
	{ "exec:@answer.sh DEFER_IF_PERMIT grey\nexec:@answer.sh DUNNO\n", "RCPT", POLICY_DEFER,
	  "450 4.7.1 grey" },
	{ "exec:@answer.sh DEFER_IF_PERMIT grey\nexec:@answer.sh 550 5.1.1 no\n", "RCPT",
	  POLICY_REJECT, "550 5.1.1 no" },
	{ "exec:@answer.sh DEFER_IF_REJECT soft\nexec:@answer.sh REJECT hard\n", "RCPT",
	  POLICY_DEFER, "450 4.7.1 soft" },
	{ "exec:@answer.sh DEFER_IF_REJECT soft\nexec:@answer.sh DUNNO\n", "RCPT", POLICY_OK, "" },
	{ "rcpt exec:@answer.sh REJECT only at rcpt\n", "END-OF-MESSAGE", POLICY_OK, "" },
	{ "end-of-message exec:@answer.sh REJECT eom\n", "END-OF-MESSAGE", POLICY_REJECT,
	  "554 5.7.1 eom" },
	{ "end-of-message exec:@answer.sh REJECT eom\n", "RCPT", POLICY_OK, "" },
	/* failures are never an open door */
	{ "exec:@silent.sh\n", "RCPT", POLICY_DEFER, "451 4.3.0" },
	{ "exec:@missing.sh\n", "RCPT", POLICY_DEFER, "451 4.3.0" },
	{ "exec:@answer.sh 250 fine\n", "RCPT", POLICY_DEFER, "451 4.3.0" },
	{ "nonsense\n", "RCPT", POLICY_DEFER, "451 4.3.0" },
	{ "inet:127.0.0.1:1\n", "RCPT", POLICY_DEFER, "451 4.3.0" },
	{ "unix:/nonexistent/sock\n", "RCPT", POLICY_DEFER, "451 4.3.0" },
	{ "exec:@answer.sh DUNNO\nexec:@silent.sh\n", "RCPT", POLICY_DEFER, "451 4.3.0" },
};

START_TEST(check_table)
{
	struct policy_req	r = base_req;
	char			reply[512];

	make_home(checks[_i].policy);
	r.protocol_state = checks[_i].state;
	enum policy_verdict v = policy_check(&r, reply, sizeof(reply));
	ck_assert_msg(v == checks[_i].want, "case %d: got %d (%s)", _i, v, reply);
	ck_assert_msg(strncmp(reply, checks[_i].reply, strlen(checks[_i].reply)) == 0,
	    "case %d: reply %s", _i, reply);
	if (checks[_i].want == POLICY_OK)
		ck_assert_str_eq(reply, "");
	ck_rmtree(home);
}
END_TEST

/* The service saw the request's attributes, and one instance per transaction. */
START_TEST(check_instance)
{
	struct policy_req	r = base_req;
	char			reply[512], path[128], log[8192];

	make_home("exec:@answer.sh DUNNO\n");
	r.recipient_count = 0;
	ck_assert_int_eq(policy_check(&r, reply, sizeof(reply)), POLICY_OK);
	r.recipient_count = 1;
	r.recipient = "c@example.net";
	ck_assert_int_eq(policy_check(&r, reply, sizeof(reply)), POLICY_OK);
	r.protocol_state = "END-OF-MESSAGE";
	r.recipient_count = 2;
	ck_assert_int_eq(policy_check(&r, reply, sizeof(reply)), POLICY_OK);
	r.protocol_state = "RCPT";         /* the next message, same sender */
	r.recipient_count = 0;
	ck_assert_int_eq(policy_check(&r, reply, sizeof(reply)), POLICY_OK);

	snprintf(path, sizeof(path), "%s/answer.sh.log", home);
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ssize_t n = read(fd, log, sizeof(log) - 1);
	ck_assert_int_gt(n, 0);
	log[n] = '\0';
	close(fd);
	char inst[4][64];
	int k = 0;
	for (char *p = log; (p = strstr(p, "instance=")) != NULL && k < 4; p++)
		sscanf(p + 9, "%63s", inst[k++]);
	ck_assert_int_eq(k, 4);
	ck_assert_str_eq(inst[0], inst[1]);
	ck_assert_str_eq(inst[1], inst[2]);
	ck_assert_str_ne(inst[2], inst[3]);
	ck_assert_ptr_nonnull(strstr(log, "request=smtpd_access_policy"));
	ck_assert_ptr_nonnull(strstr(log, "protocol_state=END-OF-MESSAGE"));
	ck_assert_ptr_nonnull(strstr(log, "recipient=c@example.net"));
	ck_rmtree(home);
}
END_TEST

START_TEST(check_prepend_collected)
{
	struct policy_req	r = base_req;
	struct str		pre = STR_INIT;
	char			reply[512];

	make_home("exec:@answer.sh PREPEND X-Greylist: delayed 5 seconds\n"
	    "exec:@answer.sh PREPEND broken\n");
	ck_assert_int_eq(policy_check_prepend(&r, reply, sizeof(reply), &pre), POLICY_OK);
	ck_assert_str_eq(pre.s, "X-Greylist: delayed 5 seconds\n");
	/* the next recipient gets the same header: it is kept once */
	r.recipient_count = 1;
	ck_assert_int_eq(policy_check_prepend(&r, reply, sizeof(reply), &pre), POLICY_OK);
	ck_assert_str_eq(pre.s, "X-Greylist: delayed 5 seconds\n");
	str_free(&pre);
	ck_rmtree(home);

	/* a recipient that a later service refuses adds no header */
	make_home("exec:@answer.sh PREPEND X-Spam: yes\nexec:@answer.sh REJECT no\n");
	ck_assert_int_eq(policy_check_prepend(&r, reply, sizeof(reply), &pre), POLICY_REJECT);
	ck_assert_uint_eq(pre.len, 0);
	str_free(&pre);
	ck_rmtree(home);

	/* headers from two services, both kept, in order */
	make_home("exec:@answer.sh PREPEND X-A: 1\nexec:@answer.sh PREPEND X-B: 2\n");
	ck_assert_int_eq(str_sets(&pre, "X-B: 2x\n"), 0);
	ck_assert_int_eq(policy_check_prepend(&r, reply, sizeof(reply), &pre), POLICY_OK);
	ck_assert_str_eq(pre.s, "X-B: 2x\nX-A: 1\nX-B: 2\n");
	str_free(&pre);
	ck_rmtree(home);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("policy_conn");
	TCase	*tc = tcase_create("policy_conn");

	signal(SIGPIPE, SIG_IGN);
	log_init("check_policy_conn");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pair_answers);
	tcase_add_test(tc, pair_silent_times_out);
	tcase_add_test(tc, pair_drip_times_out);
	tcase_add_loop_test(tc, check_table, 0, sizeof(checks) / sizeof(checks[0]));
	tcase_add_test(tc, check_instance);
	tcase_add_test(tc, check_prepend_collected);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
