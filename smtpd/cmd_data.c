/*
 * cmd_data.c: DATA and BDAT: the message into the spool, then the checks
 * at its end, the policy's last word, and the hand-off to the queue.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "received.h"
#include "sess.h"

#define SCAN_CHUNK 8192

/* Open the spool and write our Received: line first. 0, or -1 (answered). */
static int
message_start(struct sess *s)
{
	struct str		 rl = STR_INIT;
	struct received_info	 ri;
	int			 rc;

	if (spool_open(&s->spool, s->o->databytes) == -1) {
		log_warn("event=spool ip=%s", sess_ip(s));
		sess_reply(s, "451 4.3.0 Temporary failure: no room for the message");
		return -1;
	}
	sess_message_clock(s);
	hops_init(&s->hops);
	memset(&ri, 0, sizeof ri);
	ri.helo = s->heloname;
	ri.host = s->c->host;
	ri.ip = s->c->ip;
	ri.me = s->o->me.s;
	ri.proto = received_proto(s->helo == HELO_ESMTP, s->tls, s->authed, s->utf8);
	ri.tls = s->tls ? s->tls_desc : "";
	ri.id = s->id;
	ri.rcpt = s->nrcpt == 1 ? s->rcpts[0] : NULL;
	ri.when = s->w->now(s->w->ctx);
	/* Lines a policy service asked for (PREPEND) go above ours, CR LF ended. */
	for (size_t i = 0; i < s->prepend.len; i++) {
		if (s->prepend.s[i] == '\n')
			spool_put(&s->spool, "\r", 1);
		spool_put(&s->spool, s->prepend.s + i, 1);
	}
	if ((rc = received_line(&rl, &ri)) == 0)
		spool_put(&s->spool, rl.s, rl.len);
	str_free(&rl);
	if (rc == -1) {
		spool_discard(&s->spool);
		sess_reply(s, "451 4.3.0 Temporary failure: out of memory");
		return -1;
	}
	return 0;
}

/* Scan what is buffered (at most want bytes) into the spool; the bytes used. */
static size_t
scan_buffered(struct sess *s, size_t want)
{
	char		 out[SCAN_CHUNK + 1];
	struct rbuf	*rb = s->rb;
	size_t		 n = rbuf_pending(rb), used, outn;

	if (n > want)
		n = want;
	if (n > SCAN_CHUNK)
		n = SCAN_CHUNK;
	used = dataread_scan(&s->dr, rb->mem + rb->pos, n, out, &outn);
	rb->pos += used;
	spool_put(&s->spool, out, outn);
	hops_feed(&s->hops, out, outn);
	return used;
}

/*
 * The filters' end of message: 0 and out filled (queue out->fd), or -1
 * answered (the message closed).
 */
static int
filter_message(struct sess *s, int fd, struct milter_out *out)
{
	char			 reply[SMTPD_REPLY_MAX], qr[LOG_QUOTE_MAX];
	enum milter_verdict	 v;

	v = milter_message(s->milters, &s->macros, fd, s->sender, s->rcpts, s->nrcpt, out,
	    reply, sizeof reply);
	if (v == MV_GO && out->quarantine[0] != '\0' && s->w->queue_hold != NULL) {
		log_info("id=%s event=quarantine ip=%s quarantine=%s", s->id, sess_ip(s),
		    log_quotes(qr, sizeof qr, out->quarantine));
		s->w->queue_hold(s->w->ctx, out->quarantine);
	} else if (v == MV_GO && out->quarantine[0] != '\0') {
		/* No held state in this world: never deliver what a filter wants held. */
		log_info("id=%s event=refused ip=%s reason=milter-quarantine quarantine=%s "
		    "action=tempfail", s->id, sess_ip(s), log_quotes(qr, sizeof qr, out->quarantine));
		v = MV_TEMPFAIL;
		strlcpy(reply, "451 4.7.1 Message held by a filter: quarantine is not "
		    "available here, try again later", sizeof reply);
	}
	if (v == MV_GO)
		return 0;
	/* Refused: out->fd is the message, the spool's or the filtered one. */
	close(out->fd);
	milter_out_free(out);
	if (v == MV_DISCARD) {
		log_info("id=%s event=discarded ip=%s reason=milter", s->id, sess_ip(s));
		sess_reply(s, "250 2.0.0 Ok: discarded");
		return -1;
	}
	(void)sess_milter(s, v, reply, "eom");
	return -1;
}

static void
hand_to_queue(struct sess *s)
{
	char			 qid[64], text[256], qs[LOG_QUOTE_MAX], qt[LOG_QUOTE_MAX];
	enum queue_result	 r;
	struct milter_out	 out;
	int			 fd;

	if ((fd = spool_finish(&s->spool)) == -1) {
		log_warn("id=%s event=spool ip=%s", s->id, sess_ip(s));
		sess_reply(s, "451 4.3.0 Temporary failure writing the message");
		return;
	}
	if (filter_message(s, fd, &out) == -1)
		return;
	qid[0] = text[0] = '\0';
	r = s->w->queue(s->w->ctx, out.fd, out.sender, out.rcpts ? out.rcpts : s->rcpts,
	    out.rcpts ? out.nrcpt : s->nrcpt, qid, sizeof qid, text, sizeof text);
	milter_out_free(&out);
	if (r == QR_OK) {
		/* The 250 must go out even past timeoutsession: without it the client sends again. */
		s->wb->deadline = 0;
		s->messages++;
		log_info("id=%s event=queued qid=%s ip=%s from=%s rcpts=%zu size=%llu",
		    s->id, qid[0] != '\0' ? qid : "unknown", sess_ip(s),
		    log_quotes(qs, sizeof qs, s->sender), s->nrcpt, s->spool.size);
		if (qid[0] != '\0')
			sess_reply(s, "250 2.0.0 Ok: queued as %s", qid);
		else
			sess_reply(s, "250 2.0.0 Ok: queued");
		return;
	}
	log_info("id=%s event=queue-failed ip=%s permanent=%d text=%s", s->id, sess_ip(s),
	    r == QR_PERM, log_quotes(qt, sizeof qt, text));
	/* The queue program's text is outside data: no line end may pass. */
	for (char *p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (r == QR_PERM)
		sess_reply(s, "554 5.3.0 Message refused: %s", text[0] ? text : "queue failure");
	else
		sess_reply(s, "451 4.3.0 Temporary failure: %s", text[0] ? text : "queue failure");
}

/* The whole message is in: refuse it, or queue it. The transaction ends. */
static void
message_end(struct sess *s)
{
	if (s->spool.over) {
		log_info("id=%s event=refused ip=%s reason=size size=%llu", s->id,
		    sess_ip(s), s->spool.size);
		sess_reply(s, "552 5.3.4 Message size exceeds the limit of %llu octets",
		    s->o->databytes);
	} else if (dataread_bare(&s->dr)) {
		log_info("id=%s event=refused ip=%s reason=bare-newline lf=%lu cr=%lu",
		    s->id, sess_ip(s), s->dr.bare_lf, s->dr.bare_cr);
		sess_reply(s, "554 5.5.0 Message refused: bare CR or LF in the text "
		    "(lines must end in CR LF, RFC 5321 2.3.8)");
	} else if (s->o->maxhops > 0 && s->hops.count >= s->o->maxhops) {
		log_info("id=%s event=refused ip=%s reason=loop hops=%u", s->id, sess_ip(s),
		    s->hops.count);
		sess_reply(s, "554 5.4.6 Too many hops: this message is looping");
	} else if (s->spool.err != 0) {
		errno = s->spool.err;
		log_warn("id=%s event=spool ip=%s", s->id, sess_ip(s));
		sess_reply(s, "451 4.3.0 Temporary failure writing the message");
	} else if (sess_policy(s, "END-OF-MESSAGE", s->nrcpt == 1 ? s->rcpts[0] : "",
	    (long long)s->spool.size, NULL) == 0) {
		hand_to_queue(s);
	}
	spool_discard(&s->spool);
	s->bdat = 0;
	sess_reset(s);
}

/* The checks before a message may start; 0 go on. */
static int
message_allowed(struct sess *s)
{
	char			 reply[SMTPD_REPLY_MAX];
	enum milter_verdict	 v;

	if (!s->in_mail) {
		sess_bad(s, "503 5.5.1 Send MAIL first");
		return -1;
	}
	if (s->nrcpt == 0) {
		sess_reply(s, "554 5.5.1 No valid recipients");
		return -1;
	}
	/* The id exists from DATA on, so that the filters' "i" macro has it. */
	qid_new(s->id, s->w->now(s->w->ctx));
	v = milter_data(s->milters, &s->macros, reply, sizeof reply);
	return sess_milter(s, v, reply, "data");
}

void
cmd_data(struct sess *s, char *arg)
{
	if (*arg != '\0') {
		sess_bad(s, "501 5.5.4 DATA takes no arguments");
		return;
	}
	if (s->bdat) {
		sess_bad(s, "503 5.5.1 DATA after BDAT");
		return;
	}
	if (message_allowed(s) == -1 || message_start(s) == -1)
		return;
	sess_reply(s, "354 End data with <CR><LF>.<CR><LF>");
	dataread_init(&s->dr, 1);
	while (s->dr.state != DS_END) {
		if (!sess_fill(s)) {
			/* Gone or timed out mid-message: nothing reaches the queue. */
			log_info("id=%s event=aborted ip=%s size=%llu", s->id, sess_ip(s),
			    s->spool.size);
			spool_discard(&s->spool);
			sess_reset(s);
			return;
		}
		(void)scan_buffered(s, SIZE_MAX);
	}
	message_end(s);
}

/* Read and drop size octets (a BDAT chunk that cannot be taken). 0, or -1 gone. */
static int
skip_chunk(struct sess *s, unsigned long long size)
{
	while (size > 0) {
		size_t n;

		if (!sess_fill(s))
			return -1;
		n = rbuf_pending(s->rb);
		if (n > size)
			n = (size_t)size;
		s->rb->pos += n;
		size -= n;
	}
	return 0;
}

/* The chunk goes to the spool; 0, or -1 gone. */
static int
take_chunk(struct sess *s, unsigned long long size)
{
	while (size > 0) {
		if (!sess_fill(s))
			return -1;
		size -= scan_buffered(s, size > SIZE_MAX ? SIZE_MAX : (size_t)size);
	}
	return 0;
}

/*
 * BDAT (RFC 3030): the octets of a chunk are always read, even when the
 * command is refused, so that they are never taken for commands. A refused
 * or failed chunk ends the transaction: later chunks get 503.
 */
void
cmd_bdat(struct sess *s, char *arg)
{
	unsigned long long	 size;
	int			 last;
	char			 out[1];

	if (cmd_parse_bdat(arg, &size, &last) == -1) {
		/* Without a size the chunk cannot be skipped: what follows is unknown. */
		log_info("event=close ip=%s reason=\"bad BDAT\"", sess_ip(s));
		sess_reply(s, "501 5.5.4 Syntax: BDAT size [LAST]; closing connection");
		s->quit = 1;
		return;
	}
	if (!s->bdat && (message_allowed(s) == -1 || message_start(s) == -1)) {
		if (skip_chunk(s, size) == -1)
			return;
		sess_reset(s);
		return;
	}
	if (!s->bdat) {
		s->bdat = 1;
		dataread_init(&s->dr, 0);
	}
	if (take_chunk(s, size) == -1) {
		log_info("id=%s event=aborted ip=%s size=%llu", s->id, sess_ip(s), s->spool.size);
		sess_reset(s);
		return;
	}
	if (!last) {
		sess_reply(s, "250 2.0.0 %llu octets received", size);
		return;
	}
	spool_put(&s->spool, out, dataread_finish(&s->dr, out));
	message_end(s);
}
