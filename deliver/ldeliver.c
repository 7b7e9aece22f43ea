/* ldeliver.c: one LMTP session for one message (ldeliver.h). */
#include "ldeliver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rconn.h"

static void
decide_rest(struct rs_rcpt *rc, size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (!rc[i].done) {
			dlv_set(&rc[i].res, DLV_TEMP, "%s", text);
			rc[i].done = 1;
		}
}

static int
connect_target(const struct lconf *c, const struct lmtp_target *t)
{
	struct dns_ip	 ip;

	if (t->kind == LMTP_UNIX)
		return rconn_unix(t->path, c->timeout_connect_ms);
	memset(&ip, 0, sizeof ip);
	ip.af = inet_pton(AF_INET, t->host, ip.addr) == 1 ? AF_INET : AF_INET6;
	if (ip.af == AF_INET6 && inet_pton(AF_INET6, t->host, ip.addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	return rconn_open(&ip, t->port, c->timeout_connect_ms);
}

static void
log_session(const char *id, const char *spec, const struct rs_rcpt *rc, size_t n,
    const char *outcome)
{
	char	 qs[LOG_QUOTE_MAX], qo[LOG_QUOTE_MAX];
	size_t	 k = 0, d = 0, z = 0;

	for (size_t i = 0; i < n; i++)
		switch (rc[i].res.status) {
		case DLV_OK:    k++; break;
		case DLV_PERM:  d++; break;
		case DLV_TEMP:  z++; break;
		}
	log_info("id=%s lmtp=%s delivered=%zu failed=%zu deferred=%zu outcome=%s", id,
	    log_quotes(qs, sizeof qs, spec), k, d, z, log_quotes(qo, sizeof qo, outcome));
}

void
ldeliver(const struct lconf *c, const char *id, const struct rs_msg *m, const char *spec,
    const struct lmtp_target *t, struct rs_rcpt *rc, size_t n)
{
	struct rsmtp	 s;
	enum rs_step	 step;
	char		 text[512];
	const char	*host = t->kind == LMTP_UNIX ? t->path : t->host;
	int		 fd;

	if ((fd = connect_target(c, t)) < 0) {
		(void)snprintf(text, sizeof text, "4.4.1 cannot connect to the LMTP server %s: %s",
		    spec, strerror(errno));
		decide_rest(rc, n, text);
		log_session(id, spec, rc, n, text);
		return;
	}
	rsmtp_init(&s, fd, c->timeout_ms, host, t->kind == LMTP_UNIX ? "unix" : t->host);
	s.id = id;
	s.lmtp = 1;
	if ((step = rsmtp_open(&s, c->helo, RS_TLS_NO)) == RS_OK)
		step = rsmtp_transact(&s, m, rc, n);
	if (step != RS_OK)
		decide_rest(rc, n, s.err);
	log_session(id, spec, rc, n, step == RS_OK ? "decided" : s.err);
	rsmtp_quit(&s);
	close(fd);
}
