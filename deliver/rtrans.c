/*
 * rtrans.c: one mail transaction: MAIL, every RCPT, DATA, the message.
 *
 * With PIPELINING the whole envelope goes in one write and the replies are
 * read after it, in order (RFC 2920 section 3.1). A reply to RCPT decides
 * that recipient alone: 2xx accepted, 5xx failed for good, 4xx failed for
 * now. Trouble before the end of the data leaves the undecided recipients
 * for the next address; once the final dot is sent, a lost reply means the
 * message may have arrived, so it is a temporary failure, never a retry
 * somewhere else at once. LMTP (RFC 2033) differs only there: the final
 * dot gets one reply per accepted recipient.
 */
#include "rsmtp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* Decide every recipient that is not done yet (those of this transaction). */
static void
decide_rest(struct rs_rcpt *rc, size_t n, enum dlv_status st, const char *text, int only_accepted)
{
	for (size_t i = 0; i < n; i++)
		if (!rc[i].done && (!only_accepted || rc[i].accepted)) {
			dlv_set(&rc[i].res, st, "%s", text);
			rc[i].done = 1;
		}
}

static void
decide_said(const struct rsmtp *s, struct rs_rcpt *rc, size_t n, const struct rreply *rep,
    int only_accepted)
{
	struct dlv_result	 r;
	enum dlv_status		 st = rreply_class(rep) == 2 ? DLV_OK :
	    rreply_class(rep) == 5 ? DLV_PERM : DLV_TEMP;

	rsmtp_said(s, &r, st, rep);
	decide_rest(rc, n, st, r.text, only_accepted);
}

/* Checks the server's extensions make before anything is sent. 0, or -1 (all decided). */
static int
precheck(struct rsmtp *s, const struct rs_msg *m, struct rs_rcpt *rc, size_t n)
{
	char	 text[512], q[LOG_QUOTE_MAX];

	if (s->ext.size_on && s->ext.size > 0 && (unsigned long long)m->info.size > s->ext.size) {
		(void)snprintf(text, sizeof text, "5.3.4 the message (%lld octets) is larger than"
		    " host %s [%s] accepts (SIZE %llu)", (long long)m->info.size, s->host,
		    s->ip, s->ext.size);
		decide_rest(rc, n, DLV_PERM, text, 0);
		return -1;
	}
	if (m->utf8 && !s->ext.smtputf8) {
		(void)snprintf(text, sizeof text, "5.6.7 host %s [%s] does not support SMTPUTF8,"
		    " which the addresses of this message need", s->host, s->ip);
		decide_rest(rc, n, DLV_PERM, text, 0);
		return -1;
	}
	if (m->info.eightbit && !s->ext.eightbitmime)
		log_info("id=%s host=%s ip=%s eightbit=sent-as-is reason=\"no 8BITMIME offered\"",
		    s->id, log_quotes(q, sizeof q, s->host), s->ip);
	return 0;
}

static int
put_mail(struct rsmtp *s, const struct rs_msg *m)
{
	int	 r = wbuf_printf(&s->w, "MAIL FROM:<%s>", m->sender);

	if (r == 0 && s->ext.size_on)
		r = wbuf_printf(&s->w, " SIZE=%lld", (long long)m->info.size);
	if (r == 0 && m->info.eightbit && s->ext.eightbitmime)
		r = wbuf_puts(&s->w, " BODY=8BITMIME");
	if (r == 0 && m->utf8)
		r = wbuf_puts(&s->w, " SMTPUTF8");
	return r == 0 ? wbuf_puts(&s->w, "\r\n") : -1;
}

/* Send the commands; pipelined: all, else one and flush. */
static int
put_cmd_flush(struct rsmtp *s, int pipelined)
{
	return pipelined ? 0 : wbuf_flush(&s->w);
}

/* Read the replies to what is still in flight after a MAIL failure (pipelining). */
static void
drain(struct rsmtp *s, size_t replies)
{
	struct rreply	 rep;

	for (size_t i = 0; i < replies; i++)
		if (rreply_read(&s->r, &rep, NULL, NULL) != RREPLY_OK)
			return;
}

/* The message after 354, and the reply to its final dot. */
static enum rs_step
send_data(struct rsmtp *s, const struct rs_msg *m, struct rs_rcpt *rc, size_t n)
{
	struct rreply		 rep;
	enum rreply_status	 st;
	int			 readerr;
	char			 text[512];

	if (rdata_send(m->fd, &s->w, &readerr) < 0) {
		if (readerr != 0) {
			(void)snprintf(text, sizeof text, "4.3.0 cannot read the queued message: %s",
			    strerror(readerr));
			decide_rest(rc, n, DLV_TEMP, text, 0);
			s->w.err = EIO;         /* the stream is cut: no QUIT after it */
			return RS_OK;
		}
		for (size_t i = 0; i < n; i++)
			rc[i].accepted = 0;
		return rsmtp_next(s, "4.4.2 host %s [%s]: connection lost sending the message (%s)",
		    s->host, s->ip, strerror(s->w.err ? s->w.err : EIO));
	}
	/* SMTP: one reply for all; LMTP: one per accepted recipient, in order. */
	for (size_t i = 0; i < n; i++) {
		if (rc[i].done || !rc[i].accepted)
			continue;
		if ((st = rreply_read(&s->r, &rep, NULL, NULL)) != RREPLY_OK) {
			s->broken = 1;
			/* It may have arrived: wait and try again, not elsewhere now. */
			(void)snprintf(text, sizeof text, "4.4.2 host %s [%s] %s after the message"
			    " was sent; it may have been delivered", s->host, s->ip,
			    st == RREPLY_BAD ? "sent a malformed reply" :
			    errno == ETIMEDOUT ? "timed out" : "closed the connection");
			decide_rest(rc, n, DLV_TEMP, text, 1);
			return RS_OK;
		}
		decide_said(s, s->lmtp ? &rc[i] : rc, s->lmtp ? 1 : n, &rep, 1);
	}
	return RS_OK;
}

/* Read one RCPT's reply and decide that recipient, or note it accepted. */
static enum rs_step
rcpt_reply(struct rsmtp *s, struct rs_rcpt *r, size_t *accepted)
{
	struct rreply		 rep;
	enum rreply_status	 st;

	if ((st = rreply_read(&s->r, &rep, NULL, NULL)) != RREPLY_OK)
		return rsmtp_next_io(s, st, "RCPT");
	if (rreply_class(&rep) == 2) {
		r->accepted = 1;
		(*accepted)++;
	} else
		decide_said(s, r, 1, &rep, 0);
	return RS_OK;
}

enum rs_step
rsmtp_transact(struct rsmtp *s, const struct rs_msg *m, struct rs_rcpt *rc, size_t n)
{
	struct rreply		 rep;
	enum rreply_status	 st;
	int			 pipe = s->ext.pipelining;
	size_t			 sent = 0, accepted = 0;

	for (size_t i = 0; i < n; i++)
		rc[i].accepted = 0;
	if (precheck(s, m, rc, n) < 0)
		return RS_OK;
	if (put_mail(s, m) < 0 || put_cmd_flush(s, pipe) < 0)
		return rsmtp_next(s, "4.4.2 host %s [%s]: connection lost sending MAIL", s->host, s->ip);
	if (!pipe) {
		if ((st = rreply_read(&s->r, &rep, NULL, NULL)) != RREPLY_OK)
			return rsmtp_next_io(s, st, "MAIL");
		if (rreply_class(&rep) != 2) {
			decide_said(s, rc, n, &rep, 0);
			return RS_OK;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (rc[i].done)
			continue;
		if (wbuf_printf(&s->w, "RCPT TO:<%s>\r\n", rc[i].addr) < 0 ||
		    put_cmd_flush(s, pipe) < 0)
			return rsmtp_next(s, "4.4.2 host %s [%s]: connection lost sending RCPT",
			    s->host, s->ip);
		sent++;
		if (!pipe && rcpt_reply(s, &rc[i], &accepted) != RS_OK)
			return RS_NEXT;
	}
	if (pipe) {
		if (wbuf_puts(&s->w, "DATA\r\n") < 0 || wbuf_flush(&s->w) < 0)
			return rsmtp_next(s, "4.4.2 host %s [%s]: connection lost sending the envelope",
			    s->host, s->ip);
		if ((st = rreply_read(&s->r, &rep, NULL, NULL)) != RREPLY_OK)
			return rsmtp_next_io(s, st, "MAIL");
		if (rreply_class(&rep) != 2) {
			decide_said(s, rc, n, &rep, 0);
			drain(s, sent + 1);
			return RS_OK;
		}
		for (size_t i = 0; i < n; i++)
			if (!rc[i].done && rcpt_reply(s, &rc[i], &accepted) != RS_OK)
				return RS_NEXT;
	} else if (accepted > 0) {
		if (wbuf_puts(&s->w, "DATA\r\n") < 0 || wbuf_flush(&s->w) < 0)
			return rsmtp_next(s, "4.4.2 host %s [%s]: connection lost sending DATA",
			    s->host, s->ip);
	} else
		return RS_OK;   /* every recipient refused: nothing to send */
	if ((st = rreply_read(&s->r, &rep, NULL, NULL)) != RREPLY_OK)
		return rsmtp_next_io(s, st, "DATA");
	if (rep.code != 354) {
		if (accepted > 0)
			decide_said(s, rc, n, &rep, 1);
		return RS_OK;
	}
	if (accepted == 0) {
		/* Pipelined DATA accepted with no recipient: end it empty (RFC 2920). */
		if (wbuf_puts(&s->w, ".\r\n") == 0 && wbuf_flush(&s->w) == 0)
			(void)rreply_read(&s->r, &rep, NULL, NULL);
		return RS_OK;
	}
	return send_data(s, m, rc, n);
}
