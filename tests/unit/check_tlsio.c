/*
 * check_tlsio.c: TLS handshakes and transfers through rbuf/wbuf, over a
 * socketpair, with a self-signed certificate made by openssl(1) for the run.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "home.h"
#include "tlsio.h"
#include "tests/unit/ckmain.h"
#include "tests/unit/cktmp.h"

static char dir[64], cert[128], key[128];

static void
setup(void)
{
	char	 cmd[512];

	strlcpy(dir, "/tmp/check_tlsio.XXXXXX", sizeof dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	snprintf(cmd, sizeof cmd, "openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
	    "-subj /CN=localhost -addext subjectAltName=DNS:localhost "
	    "-keyout %s -out %s >/dev/null 2>&1", key, cert);
	ck_assert_msg(system(cmd) == 0, "openssl req failed (is openssl installed?)");
}

static void
teardown(void)
{
	ck_rmtree(dir);
}

/*
 * A server in a child on sv: handshake, read one line, answer "echo: LINE",
 * close. With silent set it never handshakes: it reads and drops bytes.
 */
static pid_t
serve(int sv, int silent)
{
	pid_t	 pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	if (silent) {
		char b[512];
		while (read(sv, b, sizeof b) > 0)
			;
		_exit(0);
	}
	char		 err[256], line[256], mem[1024], wmem[1024];
	struct tls	*srv = tlsio_server_new(cert, key, err, sizeof err);
	struct tlsio	 t;
	struct rbuf	 r;
	struct wbuf	 w;
	size_t		 n;

	if (srv == NULL || tlsio_accept(&t, srv, sv, sv, 5000) == -1)
		_exit(2);
	rbuf_init(&r, sv, mem, sizeof mem, 5000);
	rbuf_set_reader(&r, tlsio_read, &t);
	wbuf_init(&w, sv, wmem, sizeof wmem, 5000);
	wbuf_set_writer(&w, tlsio_write, &t);
	if (rbuf_getline(&r, line, sizeof line, &n) != LINE_OK)
		_exit(3);
	wbuf_printf(&w, "echo: %s", line);
	if (wbuf_flush(&w) == -1)
		_exit(4);
	tlsio_close(&t, 2000);
	_exit(0);
}

static int
reap(pid_t pid)
{
	int	 st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Connect as a client and exchange one line; returns tlsio_connect's result. */
static int
talk(int verify, const char *name, const char *cafile, int *verified, char *desc, size_t descsz)
{
	int		 sv[2], rc;
	pid_t		 pid;
	struct tlsio	 t;
	struct rbuf	 r;
	struct wbuf	 w;
	char		 mem[1024], wmem[1024], line[256];
	size_t		 n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = serve(sv[1], 0);
	close(sv[1]);
	rc = tlsio_connect(&t, sv[0], sv[0], name, verify, cafile, 5000);
	if (rc == 0) {
		*verified = t.verified;
		tlsio_describe(&t, desc, descsz);
		rbuf_init(&r, sv[0], mem, sizeof mem, 5000);
		rbuf_set_reader(&r, tlsio_read, &t);
		wbuf_init(&w, sv[0], wmem, sizeof wmem, 5000);
		wbuf_set_writer(&w, tlsio_write, &t);
		ck_assert_int_eq(wbuf_puts(&w, "hello over tls\r\n"), 0);
		ck_assert_int_eq(wbuf_flush(&w), 0);
		ck_assert_int_eq(rbuf_getline(&r, line, sizeof line, &n), LINE_OK);
		ck_assert_str_eq(line, "echo: hello over tls\r\n");
		tlsio_close(&t, 2000);
		ck_assert_int_eq(reap(pid), 0);
	} else {
		kill(pid, SIGKILL);
		reap(pid);
	}
	close(sv[0]);
	return rc;
}

START_TEST(opportunistic_exchange)
{
	char	 desc[128];
	int	 verified = -1;

	ck_assert_int_eq(talk(0, "localhost", NULL, &verified, desc, sizeof desc), 0);
	ck_assert_int_eq(verified, 0);
	ck_assert_msg(strncmp(desc, "TLSv1.", 6) == 0, "describe: %s", desc);
}
END_TEST

START_TEST(verified_with_ca)
{
	char	 desc[128];
	int	 verified = -1;

	ck_assert_int_eq(talk(1, "localhost", cert, &verified, desc, sizeof desc), 0);
	ck_assert_int_eq(verified, 1);
}
END_TEST

START_TEST(wrong_name_refused)
{
	char	 desc[128];
	int	 verified = -1;

	ck_assert_int_eq(talk(1, "mx.example.org", cert, &verified, desc, sizeof desc), -1);
}
END_TEST

START_TEST(untrusted_refused)
{
	char	 desc[128];
	int	 verified = -1;

	/* The system's CA bundle does not hold our self-signed certificate. */
	ck_assert_int_eq(talk(1, "localhost", NULL, &verified, desc, sizeof desc), -1);
}
END_TEST

START_TEST(silent_server_times_out)
{
	int		 sv[2];
	pid_t		 pid;
	struct tlsio	 t;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = serve(sv[1], 1);
	close(sv[1]);
	ck_assert_int_eq(tlsio_connect(&t, sv[0], sv[0], "localhost", 0, NULL, 300), -1);
	ck_assert_msg(strstr(t.err, "timed out") != NULL, "err: %s", t.err);
	close(sv[0]);
	kill(pid, SIGKILL);
	reap(pid);
}
END_TEST

START_TEST(plaintext_client_fails_handshake)
{
	int		 sv[2];
	char		 err[256];
	struct tls	*srv = tlsio_server_new(cert, key, err, sizeof err);
	struct tlsio	 t;
	static const char junk[] = "EHLO attacker\r\nMAIL FROM:<a@b>\r\n";

	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[0], junk, sizeof junk - 1), (ssize_t)sizeof junk - 1);
	close(sv[0]);
	ck_assert_int_eq(tlsio_accept(&t, srv, sv[1], sv[1], 2000), -1);
	ck_assert_int_gt(strlen(t.err), 0);
	ck_assert_ptr_null(t.ctx);
	tlsio_server_free(srv);
	close(sv[1]);
}
END_TEST

START_TEST(server_without_files)
{
	char	 err[256] = "";
	char	 missing[160];

	snprintf(missing, sizeof missing, "%s/none.pem", dir);
	ck_assert_ptr_null(tlsio_server_new(missing, key, err, sizeof err));
	ck_assert_int_gt(strlen(err), 0);
	/* A key that does not belong to the certificate. */
	ck_assert_ptr_null(tlsio_server_new(cert, cert, err, sizeof err));
}
END_TEST

START_TEST(configured_from_control)
{
	char	 path[256], c[256], k[256];
	FILE	*f;

	ck_assert_int_eq(home_init(dir), 0);
	snprintf(path, sizeof path, "%s/control", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(tlsio_server_configured(c, sizeof c, k, sizeof k), 0);
	/* A relative name is taken from control/; an absolute one as it is. */
	snprintf(path, sizeof path, "%s/control/tlscert", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "../cert.pem\n");
	fclose(f);
	ck_assert_int_eq(tlsio_server_configured(c, sizeof c, k, sizeof k), 0);
	snprintf(path, sizeof path, "%s/control/tlskey", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "%s\n", key);
	fclose(f);
	ck_assert_int_eq(tlsio_server_configured(c, sizeof c, k, sizeof k), 1);
	ck_assert_str_eq(k, key);
	ck_assert_ptr_nonnull(strstr(c, "/control/../cert.pem"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("tlsio");
	TCase	*tc = tcase_create("tlsio");

	signal(SIGPIPE, SIG_IGN);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, opportunistic_exchange);
	tcase_add_test(tc, verified_with_ca);
	tcase_add_test(tc, wrong_name_refused);
	tcase_add_test(tc, untrusted_refused);
	tcase_add_test(tc, silent_server_times_out);
	tcase_add_test(tc, plaintext_client_fails_handshake);
	tcase_add_test(tc, server_without_files);
	tcase_add_test(tc, configured_from_control);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
