/* tls.c: STARTTLS over tlsio (see tls.h). */
#include "tls.h"

#include <stdlib.h>
#include <string.h>
#include <tls.h>

#include "log.h"
#include "tlsio.h"

struct smtpd_tls {
	struct tls	*server;
	struct tlsio	 io;
	int		 up;
	int		 timeout_ms;
};

struct smtpd_tls *
smtpd_tls_new(int timeout_ms)
{
	char			 cert[4096], key[4096], err[256];
	struct smtpd_tls	*t;

	if (!tlsio_server_configured(cert, sizeof cert, key, sizeof key))
		return NULL;
	if ((t = calloc(1, sizeof *t)) == NULL) {
		log_warn("event=tls reason=\"out of memory\"");
		return NULL;
	}
	if ((t->server = tlsio_server_new(cert, key, err, sizeof err)) == NULL) {
		char q[LOG_QUOTE_MAX];

		log_warnx("event=tls reason=%s; STARTTLS is not offered",
		    log_quotes(q, sizeof q, err));
		free(t);
		return NULL;
	}
	t->timeout_ms = timeout_ms;
	return t;
}

int
smtpd_starttls(void *ctx, struct rbuf *rb, struct wbuf *wb, char *proto,
    size_t protosz, char *desc, size_t descsz)
{
	struct smtpd_tls	*t = ctx;
	char			 q[LOG_QUOTE_MAX];

	memset(&t->io, 0, sizeof t->io);
	if (tlsio_accept(&t->io, t->server, rb->fd, wb->fd, t->timeout_ms) == -1) {
		log_warnx("event=tls reason=%s", log_quotes(q, sizeof q, t->io.err));
		return -1;
	}
	t->up = 1;
	rbuf_set_reader(rb, tlsio_read, &t->io);
	wbuf_set_writer(wb, tlsio_write, &t->io);
	strlcpy(proto, tlsio_version(&t->io), protosz);
	tlsio_describe(&t->io, desc, descsz);
	return 0;
}

void
smtpd_tls_end(struct smtpd_tls *t)
{
	if (t != NULL && t->up) {
		tlsio_close(&t->io, t->timeout_ms);
		t->up = 0;
	}
}

void
smtpd_tls_free(struct smtpd_tls *t)
{
	if (t == NULL)
		return;
	smtpd_tls_end(t);
	tls_free(t->server);
	free(t);
}
