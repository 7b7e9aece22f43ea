/*
 * tlsio.c: libtls handshakes and transfers with stamp's timeouts.
 *
 * The fds are made non-blocking for the handshake and stay so: libtls then
 * answers TLS_WANT_POLLIN / TLS_WANT_POLLOUT instead of blocking inside a
 * half-received record, and every wait is a poll(2) bounded by a deadline.
 */
#include "tlsio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <tls.h>
#include <unistd.h>

#include "control.h"
#include "home.h"
#include "str.h"

/* libtls wants one tls_init() before anything else; later calls are no-ops here. */
static int
init_once(void)
{
	static int done;

	if (!done && tls_init() == -1)
		return -1;
	done = 1;
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A deadline timeout_ms from now; -1 (none) stays -1. */
static long long
deadline_in(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* Wait until libtls's wish (TLS_WANT_POLLIN or _POLLOUT) can be met: 0, or -1 with errno. */
static int
await(const struct tlsio *t, ssize_t want, long long deadline)
{
	struct pollfd	 p;
	int		 ms, r;

	p.fd = want == TLS_WANT_POLLIN ? t->rfd : t->wfd;
	p.events = want == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
	for (;;) {
		ms = -1;
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			ms = left > 1000000000 ? 1000000000 : (int)left;
		}
		if ((r = poll(&p, 1, ms)) > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static void
set_err(struct tlsio *t, const char *what, const char *detail)
{
	snprintf(t->err, sizeof t->err, "%s: %s", what,
	    detail != NULL ? detail : strerror(errno));
}

static int
nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Run the handshake of a connection made by tls_accept_fds or tls_connect_fds. */
static int
handshake(struct tlsio *t, int timeout_ms)
{
	long long	 deadline = deadline_in(timeout_ms);
	int		 r;

	while ((r = tls_handshake(t->ctx)) == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
		if (await(t, r, deadline) == -1) {
			set_err(t, "handshake", NULL);
			return -1;
		}
	}
	if (r == -1)
		set_err(t, "handshake", tls_error(t->ctx));
	return r == -1 ? -1 : 0;
}

/* A failed handshake leaves nothing for the caller to free. */
static int
handshake_or_free(struct tlsio *t, int timeout_ms)
{
	if (handshake(t, timeout_ms) == 0)
		return 0;
	tls_free(t->ctx);
	t->ctx = NULL;
	return -1;
}

static void
reset(struct tlsio *t, int rfd, int wfd)
{
	memset(t, 0, sizeof *t);
	t->rfd = rfd;
	t->wfd = wfd;
}

struct tls *
tlsio_server_new(const char *certfile, const char *keyfile, char *err, size_t errsz)
{
	struct tls_config	*cfg = NULL;
	struct tls		*srv = NULL;
	const char		*why = NULL;

	if (init_once() == -1 || (cfg = tls_config_new()) == NULL)
		why = "cannot initialise libtls";
	else if (tls_config_set_keypair_file(cfg, certfile, keyfile) == -1)
		why = tls_config_error(cfg);
	else if (tls_config_set_protocols(cfg, TLS_PROTOCOLS_DEFAULT) == -1)
		why = tls_config_error(cfg);
	else if ((srv = tls_server()) == NULL)
		why = "cannot make a server context";
	else if (tls_configure(srv, cfg) == -1)
		why = tls_error(srv);
	if (why != NULL) {
		snprintf(err, errsz, "%s", why);
		tls_free(srv);
		srv = NULL;
	}
	/* The context keeps what it needs; the config may go. */
	tls_config_free(cfg);
	return srv;
}

void
tlsio_server_free(struct tls *server)
{
	tls_free(server);
}

/* A control file's path value, relative ones taken from STAMP_HOME/control. */
static int
control_path(const char *name, char *out, size_t outsz)
{
	struct str	 v = STR_INIT;
	int		 ok = -1;

	if (ctl_string(name, &v) == 0 && v.len > 0) {
		if (v.s[0] == '/')
			ok = snprintf(out, outsz, "%s", v.s) < (int)outsz ? 0 : -1;
		else
			ok = snprintf(out, outsz, "%s/control/%s", home_dir(), v.s) <
			    (int)outsz ? 0 : -1;
	}
	str_free(&v);
	return ok;
}

int
tlsio_server_configured(char *cert, size_t certsz, char *key, size_t keysz)
{
	return control_path("tlscert", cert, certsz) == 0 &&
	    control_path("tlskey", key, keysz) == 0 &&
	    access(cert, R_OK) == 0 && access(key, R_OK) == 0;
}

int
tlsio_accept(struct tlsio *t, struct tls *server, int rfd, int wfd, int timeout_ms)
{
	reset(t, rfd, wfd);
	if (nonblocking(rfd) == -1 || nonblocking(wfd) == -1) {
		set_err(t, "fcntl", NULL);
		return -1;
	}
	if (tls_accept_fds(server, &t->ctx, rfd, wfd) == -1) {
		set_err(t, "accept", tls_error(server));
		return -1;
	}
	return handshake_or_free(t, timeout_ms);
}

static struct tls_config *
client_config(int verify, const char *cafile, char *err, size_t errsz)
{
	struct tls_config	*cfg;
	const char		*why = NULL;

	if (init_once() == -1 || (cfg = tls_config_new()) == NULL) {
		snprintf(err, errsz, "cannot initialise libtls");
		return NULL;
	}
	/* Opportunistic TLS takes whatever the peer speaks: better than plaintext. */
	if (tls_config_set_protocols(cfg, verify ? TLS_PROTOCOLS_DEFAULT : TLS_PROTOCOLS_ALL) == -1 ||
	    (!verify && tls_config_set_ciphers(cfg, "compat") == -1))
		why = tls_config_error(cfg);
	else if (cafile != NULL && tls_config_set_ca_file(cfg, cafile) == -1)
		why = tls_config_error(cfg);
	if (why != NULL) {
		snprintf(err, errsz, "%s", why);
		tls_config_free(cfg);
		return NULL;
	}
	if (!verify) {
		tls_config_insecure_noverifycert(cfg);
		tls_config_insecure_noverifyname(cfg);
	}
	return cfg;
}

int
tlsio_connect(struct tlsio *t, int rfd, int wfd, const char *servername,
    int verify, const char *cafile, int timeout_ms)
{
	struct tls_config	*cfg;

	reset(t, rfd, wfd);
	if ((cfg = client_config(verify, cafile, t->err, sizeof t->err)) == NULL)
		return -1;
	if (nonblocking(rfd) == -1 || nonblocking(wfd) == -1) {
		set_err(t, "fcntl", NULL);
		tls_config_free(cfg);
		return -1;
	}
	if ((t->ctx = tls_client()) == NULL || tls_configure(t->ctx, cfg) == -1 ||
	    tls_connect_fds(t->ctx, rfd, wfd, servername) == -1) {
		set_err(t, "connect", t->ctx != NULL ? tls_error(t->ctx) : "no memory");
		tls_config_free(cfg);
		tls_free(t->ctx);
		t->ctx = NULL;
		return -1;
	}
	tls_config_free(cfg);
	if (handshake_or_free(t, timeout_ms) == -1)
		return -1;
	t->verified = verify;
	return 0;
}

ssize_t
tlsio_read(void *ctx, int fd, void *dst, size_t n, int timeout_ms)
{
	struct tlsio	*t = ctx;
	long long	 deadline = deadline_in(timeout_ms);
	ssize_t		 r;

	(void)fd;
	while ((r = tls_read(t->ctx, dst, n)) == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT)
		if (await(t, r, deadline) == -1)
			return -1;
	if (r == -1) {
		set_err(t, "read", tls_error(t->ctx));
		errno = EIO;
	}
	return r;
}

ssize_t
tlsio_write(void *ctx, int fd, const void *src, size_t n, int timeout_ms)
{
	struct tlsio	*t = ctx;
	long long	 deadline = deadline_in(timeout_ms);
	ssize_t		 r;

	(void)fd;
	while ((r = tls_write(t->ctx, src, n)) == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT)
		if (await(t, r, deadline) == -1)
			return -1;
	if (r == -1) {
		set_err(t, "write", tls_error(t->ctx));
		errno = EIO;
	}
	return r;
}

const char *
tlsio_version(const struct tlsio *t)
{
	const char *v = t->ctx != NULL ? tls_conn_version(t->ctx) : NULL;

	return v != NULL ? v : "";
}

const char *
tlsio_describe(const struct tlsio *t, char *out, size_t outsz)
{
	const char *c = t->ctx != NULL ? tls_conn_cipher(t->ctx) : NULL;

	if (t->ctx == NULL || c == NULL)
		snprintf(out, outsz, "%s", "");
	else
		snprintf(out, outsz, "%s %s", tlsio_version(t), c);
	return out;
}

void
tlsio_close(struct tlsio *t, int timeout_ms)
{
	long long	 deadline = deadline_in(timeout_ms);
	int		 r;

	if (t->ctx == NULL)
		return;
	while ((r = tls_close(t->ctx)) == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT)
		if (await(t, r, deadline) == -1)
			break;
	tls_free(t->ctx);
	t->ctx = NULL;
}
