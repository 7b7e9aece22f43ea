/*
 * rsmtp.c: the start of a session (greeting, EHLO or HELO, STARTTLS) and
 * its end (QUIT). The mail transaction is in rtrans.c.
 */
#include "rsmtp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define QUIT_TIMEOUT_MS 5000

void
rsmtp_init(struct rsmtp *s, int fd, int timeout_ms, const char *host, const char *ip)
{
	memset(s, 0, sizeof *s);
	s->fd = fd;
	s->timeout_ms = timeout_ms;
	s->id = "-";
	s->host = host;
	(void)strlcpy(s->ip, ip, sizeof s->ip);
	rbuf_init(&s->r, fd, s->rmem, sizeof s->rmem, timeout_ms);
	wbuf_init(&s->w, fd, s->wmem, sizeof s->wmem, timeout_ms);
	s->starttls = rsmtp_tls_client;
}

void
rsmtp_said(const struct rsmtp *s, struct dlv_result *res, enum dlv_status st,
    const struct rreply *rep)
{
	char	 enh[16];

	rreply_enhanced(rep, enh, sizeof enh);
	/* A temporary result says so in its code, even after a 5xx greeting. */
	if (st == DLV_TEMP && enh[0] != '4')
		enh[0] = '4';
	dlv_set(res, st, "%s host %s [%s] said: %d %s", enh, s->host, s->ip, rep->code,
	    rep->text);
}

/* The session cannot go on: the reason for the next address. */
static enum rs_step
next_said(struct rsmtp *s, const struct rreply *rep)
{
	struct dlv_result	 r;

	rsmtp_said(s, &r, DLV_TEMP, rep);
	(void)strlcpy(s->err, r.text, sizeof s->err);
	return RS_NEXT;
}

enum rs_step
rsmtp_next(struct rsmtp *s, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	return RS_NEXT;
}

/* A failed read: timeout, drop or garbage, in a 4.4.2 text naming the step. */
enum rs_step
rsmtp_next_io(struct rsmtp *s, enum rreply_status st, const char *after)
{
	s->broken = 1;     /* a server that did not answer in time will not answer QUIT */
	if (st == RREPLY_BAD)
		return rsmtp_next(s, "4.5.0 host %s [%s] sent a malformed reply to %s",
		    s->host, s->ip, after);
	if (errno == ETIMEDOUT)
		return rsmtp_next(s, "4.4.2 host %s [%s] timed out waiting for the reply to %s",
		    s->host, s->ip, after);
	return rsmtp_next(s, "4.4.2 host %s [%s] closed the connection before the reply to %s",
	    s->host, s->ip, after);
}

static enum rs_step
next_write(struct rsmtp *s, const char *what)
{
	return rsmtp_next(s, "4.4.2 host %s [%s]: connection lost sending %s (%s)", s->host, s->ip,
	    what, strerror(s->w.err ? s->w.err : EIO));
}

/* EHLO keywords, one reply line at a time (the first line is the server's name). */
struct ehlo_ctx {
	struct rs_ext	*ext;
	size_t		 line;
};

static void
ehlo_line(void *vctx, const char *text)
{
	struct ehlo_ctx	*c = vctx;
	struct rs_ext	*e = c->ext;
	char		 kw[32];
	size_t		 n = strcspn(text, " ");

	if (c->line++ == 0 || n == 0 || n >= sizeof kw)
		return;
	memcpy(kw, text, n);
	kw[n] = '\0';
	if (strcasecmp(kw, "PIPELINING") == 0)
		e->pipelining = 1;
	else if (strcasecmp(kw, "8BITMIME") == 0)
		e->eightbitmime = 1;
	else if (strcasecmp(kw, "SMTPUTF8") == 0)
		e->smtputf8 = 1;
	else if (strcasecmp(kw, "STARTTLS") == 0)
		e->starttls = 1;
	else if (strcasecmp(kw, "SIZE") == 0) {
		const char		*p = text + n;
		unsigned long long	 v = 0;
		int			 digits = 0;

		while (*p == ' ')
			p++;
		for (; *p >= '0' && *p <= '9' && digits < 19; p++, digits++)
			v = v * 10 + (unsigned long long)(*p - '0');
		e->size_on = 1;
		e->size = (*p == '\0' || *p == ' ') ? v : 0;    /* junk: no limit known */
	}
}

static int
send_line(struct rsmtp *s, const char *cmd, const char *arg)
{
	if (wbuf_printf(&s->w, "%s%s\r\n", cmd, arg) < 0 || wbuf_flush(&s->w) < 0)
		return -1;
	return 0;
}

/* EHLO, then HELO if EHLO is refused; LHLO alone for LMTP. */
static enum rs_step
hello(struct rsmtp *s, const char *helo)
{
	struct rreply		 rep;
	struct ehlo_ctx		 c = { &s->ext, 0 };
	enum rreply_status	 st;

	memset(&s->ext, 0, sizeof s->ext);
	if (send_line(s, s->lmtp ? "LHLO " : "EHLO ", helo) < 0)
		return next_write(s, s->lmtp ? "LHLO" : "EHLO");
	if ((st = rreply_read(&s->r, &rep, ehlo_line, &c)) != RREPLY_OK)
		return rsmtp_next_io(s, st, s->lmtp ? "LHLO" : "EHLO");
	if (rreply_class(&rep) == 2) {
		s->ext.esmtp = 1;
		return RS_OK;
	}
	if (s->lmtp)
		return next_said(s, &rep);
	memset(&s->ext, 0, sizeof s->ext);
	if (send_line(s, "HELO ", helo) < 0)
		return next_write(s, "HELO");
	if ((st = rreply_read(&s->r, &rep, NULL, NULL)) != RREPLY_OK)
		return rsmtp_next_io(s, st, "HELO");
	if (rreply_class(&rep) != 2)
		return next_said(s, &rep);
	return RS_OK;
}

int
rsmtp_tls_client(struct rsmtp *s)
{
	if (tlsio_connect(&s->tls, s->fd, s->fd, s->host, s->tls_want_verify, s->cafile,
	    s->timeout_ms) < 0)
		return -1;
	rbuf_set_reader(&s->r, tlsio_read, &s->tls);
	wbuf_set_writer(&s->w, tlsio_write, &s->tls);
	s->tls_verified = s->tls.verified;
	(void)tlsio_describe(&s->tls, s->tls_desc, sizeof s->tls_desc);
	return 0;
}

/* STARTTLS and the EHLO after it. */
static enum rs_step
starttls(struct rsmtp *s, const char *helo, enum rs_tls tls)
{
	struct rreply		 rep;
	enum rreply_status	 st;

	if (send_line(s, "STARTTLS", "") < 0)
		return next_write(s, "STARTTLS");
	if ((st = rreply_read(&s->r, &rep, NULL, NULL)) != RREPLY_OK)
		return rsmtp_next_io(s, st, "STARTTLS");
	if (rep.code != 220) {
		if (tls >= RS_TLS_MUST)
			return next_said(s, &rep);
		return RS_OK;   /* opportunistic: plaintext it is */
	}
	/* Nothing the server sent before the handshake may count after it. */
	rbuf_discard(&s->r);
	s->tls_want_verify = tls == RS_TLS_VERIFY;
	if (s->starttls(s) < 0) {
		(void)snprintf(s->err, sizeof s->err, "4.7.5 host %s [%s]: TLS handshake failed: %s",
		    s->host, s->ip, s->tls.err[0] ? s->tls.err : "unknown error");
		return RS_TLSFAIL;
	}
	s->tls_on = 1;
	return hello(s, helo);
}

enum rs_step
rsmtp_open(struct rsmtp *s, const char *helo, enum rs_tls tls)
{
	struct rreply		 rep;
	enum rreply_status	 st;
	enum rs_step		 step;

	if ((st = rreply_read(&s->r, &rep, NULL, NULL)) != RREPLY_OK)
		return rsmtp_next_io(s, st, "the connection (no greeting)");
	if (rreply_class(&rep) != 2)
		return next_said(s, &rep);
	if ((step = hello(s, helo)) != RS_OK)
		return step;
	if (tls != RS_TLS_NO && s->ext.starttls)
		return starttls(s, helo, tls);
	if (tls >= RS_TLS_MUST)
		return rsmtp_next(s, "4.7.4 host %s [%s] does not offer STARTTLS, and TLS is"
		    " required for this destination (control/tlsdestinations)", s->host, s->ip);
	return RS_OK;
}

void
rsmtp_quit(struct rsmtp *s)
{
	struct rreply	 rep;

	s->r.timeout_ms = s->w.timeout_ms = QUIT_TIMEOUT_MS;
	if (!s->broken && s->w.err == 0 && send_line(s, "QUIT", "") == 0)
		(void)rreply_read(&s->r, &rep, NULL, NULL);
	if (s->tls_on)
		tlsio_close(&s->tls, QUIT_TIMEOUT_MS);
	s->tls_on = 0;
}
