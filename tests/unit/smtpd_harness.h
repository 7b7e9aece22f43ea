/*
 * smtpd_harness.h: drive smtpd_session() with scripted input and stubs
 * (for check_smtpd*.c).
 *
 * Input markers: "\x01" makes the next read time out (ETIMEDOUT); "\x02" is
 * where the TLS stream starts: the STARTTLS stub skips to it, as a real
 * handshake would leave nothing of the plaintext behind.
 */
#ifndef STAMP_SMTPD_HARNESS_H
#define STAMP_SMTPD_HARNESS_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "smtpd/opts.h"
#include "smtpd/session.h"
#include "str.h"

enum {
	F_RELAY      = 1 << 0,   /* RELAYCLIENT */
	F_LOOPBACK   = 1 << 1,   /* the client is 127.0.0.1 */
	F_TLSAVAIL   = 1 << 2,   /* tlscert/tlskey set */
	F_SUBMISSION = 1 << 3,
	F_PLAIN      = 1 << 4,   /* authplaintext 1 */
	F_GREETDELAY = 1 << 5,
	F_QTEMP      = 1 << 6,   /* the queue fails temporarily */
	F_QPERM      = 1 << 7,   /* ... permanently */
	F_LISTED     = 1 << 8,   /* DNSBL lists the client */
	F_POL_RCPT   = 1 << 9,   /* policy rejects recipients named reject@... */
	F_POL_EOM    = 1 << 10,  /* policy rejects every message at its end */
	F_POL_PREP   = 1 << 11,  /* policy asks for a PREPEND header */
	F_NOSIZE     = 1 << 12,  /* databytes 0 */
	F_TLSFAIL    = 1 << 13,  /* the handshake fails */
};

#define H_MAXMSG 8

struct harness {
	/* input */
	const char	*in;
	size_t		 inlen, pos, chunk;
	struct wbuf	*wb;
	int		 unflushed_reads;   /* reads while replies were still buffered */
	/* output */
	struct str	 out;
	unsigned	 writes;
	/* what the stubs saw */
	struct str	 msg[H_MAXMSG];
	char		 sender[H_MAXMSG][300];
	size_t		 nrcpt[H_MAXMSG];
	int		 msgs;
	int		 pauses;
	int		 tls_started;
	size_t		 pending_at_tls;
	int		 policy_calls;
	unsigned	 flags;
};

static ssize_t
h_read(void *ctx, int fd, void *dst, size_t n, int timeout_ms)
{
	struct harness	*h = ctx;
	size_t		 k;

	(void)fd;
	(void)timeout_ms;
	if (h->wb != NULL && h->wb->len > 0)
		h->unflushed_reads++;
	if (h->pos >= h->inlen)
		return 0;
	/* A client waiting for the TLS handshake sends nothing more: silence. */
	if (h->in[h->pos] == '\x01' || h->in[h->pos] == '\x02') {
		h->pos += h->in[h->pos] == '\x01';
		errno = ETIMEDOUT;
		return -1;
	}
	k = h->inlen - h->pos;
	for (size_t i = 0; i < k; i++)
		if (h->in[h->pos + i] == '\x01' || h->in[h->pos + i] == '\x02') {
			k = i;
			break;
		}
	if (k > n)
		k = n;
	if (h->chunk != 0 && k > h->chunk)
		k = h->chunk;
	memcpy(dst, h->in + h->pos, k);
	h->pos += k;
	return (ssize_t)k;
}

static ssize_t
h_write(void *ctx, int fd, const void *src, size_t n, int timeout_ms)
{
	struct harness	*h = ctx;

	(void)fd;
	(void)timeout_ms;
	h->writes++;
	ck_assert_int_eq(str_append(&h->out, src, n), 0);
	return (ssize_t)n;
}

static enum queue_result
h_queue(void *ctx, int msgfd, const char *sender, char *const *rcpts, size_t nrcpt,
    char *qid, size_t qidsz, char *text, size_t textsz)
{
	struct harness	*h = ctx;
	char		 buf[4096];
	ssize_t		 n;

	(void)rcpts;
	if (h->flags & (F_QTEMP | F_QPERM)) {
		close(msgfd);
		strlcpy(text, "disk on fire\r\nX-Injected: 1", textsz);
		return h->flags & F_QTEMP ? QR_TEMP : QR_PERM;
	}
	ck_assert_int_lt(h->msgs, H_MAXMSG);
	while ((n = read(msgfd, buf, sizeof buf)) > 0)
		ck_assert_int_eq(str_append(&h->msg[h->msgs], buf, (size_t)n), 0);
	ck_assert_int_eq(n, 0);
	close(msgfd);
	strlcpy(h->sender[h->msgs], sender, sizeof h->sender[0]);
	h->nrcpt[h->msgs] = nrcpt;
	h->msgs++;
	strlcpy(qid, "0123456789abcdef", qidsz);
	return QR_OK;
}

static enum checkpw_result
h_checkpw(void *ctx, const char *user, const char *pass, const char *stamp)
{
	(void)ctx;
	ck_assert_ptr_nonnull(strchr(stamp, '@'));
	if (strcmp(user, "temp") == 0)
		return PW_TEMP;
	return strcmp(user, "alice") == 0 && strcmp(pass, "secret") == 0 ? PW_OK : PW_BAD;
}

static int
h_starttls(void *ctx, struct rbuf *rb, struct wbuf *wb, char *proto, size_t protosz,
    char *desc, size_t descsz)
{
	struct harness	*h = ctx;
	const char	*mark = memchr(h->in + h->pos, '\x02', h->inlen - h->pos);

	(void)wb;
	h->tls_started++;
	h->pending_at_tls = rbuf_pending(rb);
	if (h->flags & F_TLSFAIL)
		return -1;
	/* Plaintext still in flight would be garbage to a TLS layer: gone. */
	h->pos = mark != NULL ? (size_t)(mark - h->in) + 1 : h->inlen;
	strlcpy(proto, "TLSv1.3", protosz);
	strlcpy(desc, "TLSv1.3 TLS_AES_256_GCM_SHA384", descsz);
	return 0;
}

static enum lookup_kind
h_lookup(void *ctx, const char *local, const char *domain)
{
	(void)ctx;
	(void)domain;
	if (strcmp(local, "error") == 0)
		return LK_ERROR;
	if (strcmp(local, "alice") == 0 || strcmp(local, "bob") == 0 ||
	    strcmp(local, "reject") == 0 || strcmp(local, "jösé") == 0)
		return LK_VIRTUAL;
	return LK_UNKNOWN;
}

static void
h_pause(void *ctx, int ms)
{
	struct harness *h = ctx;

	ck_assert_int_gt(ms, 0);
	h->pauses++;
}

static time_t
h_now(void *ctx)
{
	(void)ctx;
	return 1796000000;
}

static struct harness *h_current;

static enum policy_verdict
h_policy(const struct policy_req *r, char *reply, size_t replysz, struct str *prepend)
{
	struct harness *h = h_current;

	h->policy_calls++;
	ck_assert_ptr_nonnull(r->client_address);
	if (strcmp(r->protocol_state, "RCPT") == 0) {
		ck_assert_ptr_nonnull(prepend);
		if ((h->flags & F_POL_PREP) && prepend != NULL)
			ck_assert_int_eq(str_appends(prepend, "X-Greylist: passed\n"), 0);
		if ((h->flags & F_POL_RCPT) && strncmp(r->recipient, "reject@", 7) == 0) {
			strlcpy(reply, "450 4.7.1 Greylisted\r\nX-Evil: 1", replysz);
			return POLICY_DEFER;
		}
		return POLICY_OK;
	}
	ck_assert_str_eq(r->protocol_state, "END-OF-MESSAGE");
	ck_assert_int_gt(r->size, 0);
	if (h->flags & F_POL_EOM) {
		strlcpy(reply, "554 5.7.1 Spam", replysz);
		return POLICY_REJECT;
	}
	return POLICY_OK;
}

static int
h_dnsbl(const char *ip, char *reply, size_t replysz)
{
	ck_assert_str_ne(ip, "");
	if (!(h_current->flags & F_LISTED))
		return 0;
	strlcpy(reply, "554 5.7.1 Listed at bl.example: see http://bl.example/", replysz);
	return 1;
}

static void
h_list(struct ctl_list *l, const char *const *items)
{
	size_t	 n = 0;

	while (items[n] != NULL)
		n++;
	l->items = calloc(n + 1, sizeof *l->items);
	ck_assert_ptr_nonnull(l->items);
	for (size_t i = 0; i < n; i++)
		l->items[i] = strdup(items[i]);
	l->n = n;
}

static void
h_opts(struct smtpd_opts *o, unsigned flags)
{
	static const char *const locals[] = { "example.org", NULL };
	static const char *const vdom[] = { "virt.example:v", NULL };
	static const char *const rcpthosts[] = { "example.org", ".hosted.example", NULL };
	static const char *const badfrom[] = { "spam@bad.example", "@badhost.example", NULL };
	static const char *const badto[] = { "blocked@example.org", NULL };
	static const char *const none[] = { NULL };

	memset(o, 0, sizeof *o);
	ck_assert_int_eq(str_sets(&o->me, "mx.example.org"), 0);
	ck_assert_int_eq(str_sets(&o->greeting, "mx.example.org"), 0);
	o->databytes = flags & F_NOSIZE ? 0 : 10000;
	o->timeout_ms = 1000;
	o->greetdelay_ms = flags & F_GREETDELAY ? 2000 : 0;
	o->maxrcpt = 3;
	o->maxhops = 3;
	o->authplaintext = (flags & F_PLAIN) != 0;
	o->submission = (flags & F_SUBMISSION) != 0;
	o->tls_available = (flags & F_TLSAVAIL) != 0;
	h_list(&o->locals, locals);
	h_list(&o->vdomains, vdom);
	h_list(&o->rcpthosts, rcpthosts);
	h_list(&o->badmailfrom, badfrom);
	h_list(&o->badrcptto, badto);
	h_list(&o->relayclients, none);
}

/* Run one session over in[0..len), chunk bytes per read (0: as asked). */
static int
h_run(struct harness *h, const char *in, size_t len, size_t chunk, unsigned flags)
{
	char			 rmem[1024], wmem[1024];
	struct smtpd_opts	 o;
	struct smtpd_client	 c;
	struct smtpd_world	 w;
	struct rbuf		 rb;
	struct wbuf		 wb;
	int			 rc, saved_err, null;

	memset(h, 0, sizeof *h);
	h->in = in;
	h->inlen = len;
	h->chunk = chunk;
	h->flags = flags;
	h->wb = &wb;
	h_current = h;
	h_opts(&o, flags);
	memset(&c, 0, sizeof c);
	strlcpy(c.ip, flags & F_LOOPBACK ? "127.0.0.1" : "192.0.2.1", sizeof c.ip);
	strlcpy(c.host, "client.example", sizeof c.host);
	c.relayclient = (flags & F_RELAY) != 0;
	w = (struct smtpd_world){ .ctx = h, .queue = h_queue, .checkpw = h_checkpw,
	    .starttls = h_starttls, .lookup = h_lookup, .pause = h_pause, .now = h_now,
	    .policy = flags & (F_POL_RCPT | F_POL_EOM | F_POL_PREP) ? h_policy : NULL,
	    .dnsbl = h_dnsbl };
	rbuf_init(&rb, -1, rmem, sizeof rmem, 1000);
	rbuf_set_reader(&rb, h_read, h);
	wbuf_init(&wb, -1, wmem, sizeof wmem, 1000);
	wbuf_set_writer(&wb, h_write, h);
	/* The session's log lines would drown the suite's report. */
	fflush(stderr);
	ck_assert_int_ge(saved_err = dup(2), 0);
	ck_assert_int_ge(null = open("/dev/null", O_WRONLY), 0);
	ck_assert_int_eq(dup2(null, 2), 2);
	close(null);
	rc = smtpd_session(&rb, &wb, &c, &o, &w);
	ck_assert_int_eq(dup2(saved_err, 2), 2);
	close(saved_err);
	ck_assert_uint_eq(wb.len, 0);	/* everything was flushed */
	h->wb = NULL;
	smtpd_opts_free(&o);
	return rc;
}

/* The codes of the last line of each reply, space-separated, into out. */
static void
h_codes(const struct harness *h, char *out, size_t outsz)
{
	const char	*p = h->out.s, *end = h->out.s + h->out.len;

	out[0] = '\0';
	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (end - p >= 4 && p[3] == ' ') {
			if (out[0] != '\0')
				strlcat(out, " ", outsz);
			strncat(out, p, 3);
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
}

/* The message after stamp-smtpd's trace lines (PREPENDs and Received:). */
static const char *
h_body(const struct str *m)
{
	const char	*p = m->s;

	ck_assert_ptr_nonnull(p);
	p = strstr(p, "Received: from ");
	ck_assert_ptr_nonnull(p);
	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (*p != '\t')
			return p;
	}
	ck_abort_msg("no end of the Received: line");
	return NULL;
}

static void
h_free(struct harness *h)
{
	str_free(&h->out);
	for (int i = 0; i < H_MAXMSG; i++)
		str_free(&h->msg[i]);
}

#endif
