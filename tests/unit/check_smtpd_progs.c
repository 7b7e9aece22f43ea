/*
 * check_smtpd_progs.c: stamp-smtpd's hand-offs to real programs, played by
 * small scripts: the queue program (message, envelope, the ID on fd 7, the
 * reason on fd 6), the checkpassword program, and bounded child waits.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runqueue.h"
#include "smtpd/checkpw.h"
#include "smtpd/child.h"
#include "smtpd/queue.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char scratch[64];

static void
script(const char *name, const char *body, char *path, size_t pathsz)
{
	FILE	*f;

	snprintf(path, pathsz, "%s/%s", scratch, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(body, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

static void
setup(void)
{
	strlcpy(scratch, "/tmp/check_smtpd.XXXXXX", sizeof scratch);
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void
teardown(void)
{
	ck_rmtree(scratch);
}

START_TEST(queue_program_gets_message_and_envelope)
{
	char			 prog[128], qid[64], text[128], path[160], buf[256];
	char			*rcpts[] = { "a@example.org", "b@example.org" };
	enum queue_result	 r;
	int			 fd;
	ssize_t			 n;

	/* Like stamp-queue: copy fd 0 and fd 1 away, tell an ID on fd 7. */
	snprintf(buf, sizeof buf, "#!/bin/sh\ncat >%s/msg\ncat <&1 >%s/env\n"
	    "[ \"$STAMP_QUEUE_IDFD\" = 7 ] && echo 0123456789abcdef >&7\nexit 0\n", scratch, scratch);
	script("queue", buf, prog, sizeof prog);
	setenv("STAMPQUEUE", prog, 1);
	fd = memfd_with("m", "Subject: x\r\n\r\nhi\r\n", 18);
	ck_assert_int_ge(fd, 0);
	r = queue_message(NULL, fd, "s@example.org", rcpts, 2, qid, sizeof qid, text, sizeof text);
	ck_assert_int_eq(r, QR_OK);
	ck_assert_str_eq(qid, "0123456789abcdef");
	snprintf(path, sizeof path, "%s/env", scratch);
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	n = read(fd, buf, sizeof buf);
	close(fd);
	ck_assert_int_eq(n, 46);
	ck_assert_int_eq(memcmp(buf, "Fs@example.org\0Ta@example.org\0Tb@example.org\0\0", 46), 0);
	/* A filter that knows nothing of fd 7: fine, no ID. */
	script("filter", "#!/bin/sh\ncat >/dev/null\nexit 0\n", prog, sizeof prog);
	setenv("STAMPQUEUE", prog, 1);
	fd = memfd_with("m", "x\r\n", 3);
	ck_assert_int_eq(queue_message(NULL, fd, "", rcpts, 1, qid, sizeof qid, text, sizeof text), QR_OK);
	ck_assert_str_eq(qid, "");
	/* exit 82 with a D text on fd 6 */
	script("refuse", "#!/bin/sh\nprintf 'DNo thanks' >&6\nexit 82\n", prog, sizeof prog);
	setenv("STAMPQUEUE", prog, 1);
	fd = memfd_with("m", "x\r\n", 3);
	ck_assert_int_eq(queue_message(NULL, fd, "", rcpts, 1, qid, sizeof qid, text, sizeof text), QR_PERM);
	ck_assert_str_eq(text, "No thanks");
	/* a program that is not there: temporary */
	setenv("STAMPQUEUE", "/nonexistent/queue", 1);
	fd = memfd_with("m", "x\r\n", 3);
	ck_assert_int_eq(queue_message(NULL, fd, "", rcpts, 1, qid, sizeof qid, text, sizeof text), QR_TEMP);
	unsetenv("STAMPQUEUE");
}
END_TEST

START_TEST(checkpassword_program)
{
	char	 prog[128];

	/* A checkpassword stand-in: user alice, password secret; "temp" is trouble. */
	script("checkpw", "#!/bin/sh\n[ \"$1\" = /bin/true ] || exit 2\n"
	    "d=$(tr '\\0' ' ' <&3)\ncase \"$d\" in\n'alice secret '*) exit 0;;\n"
	    "'temp '*) exit 111;;\nesac\nexit 1\n", prog, sizeof prog);
	setenv("STAMPCHECKPW", prog, 1);
	ck_assert_int_eq(checkpw_run(NULL, "alice", "secret", "<1.2@mx>"), PW_OK);
	ck_assert_int_eq(checkpw_run(NULL, "alice", "wrong", "<1.2@mx>"), PW_BAD);
	ck_assert_int_eq(checkpw_run(NULL, "temp", "x", "<1.2@mx>"), PW_TEMP);
	setenv("STAMPCHECKPW", "/nonexistent/checkpw", 1);
	ck_assert_int_eq(checkpw_run(NULL, "alice", "secret", "<1.2@mx>"), PW_TEMP);
	unsetenv("STAMPCHECKPW");
}
END_TEST

START_TEST(child_wait_bounds)
{
	pid_t	 pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	ck_assert_int_eq(child_wait(pid, 100), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	if ((pid = fork()) == 0)
		_exit(7);
	ck_assert_int_eq(child_wait(pid, 5000), 7);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("smtpd_progs");
	TCase	*io = tcase_create("programs");

	tcase_add_checked_fixture(io, setup, teardown);
	tcase_add_test(io, queue_program_gets_message_and_envelope);
	tcase_add_test(io, checkpassword_program);
	tcase_add_test(io, child_wait_bounds);
	tcase_set_timeout(io, 30);
	suite_add_tcase(s, io);
	return ck_run(s);
}
