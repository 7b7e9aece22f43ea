/*
 * session.c: the command loop of an SMTP session: greeting, reading command
 * lines with their bounds, the table of commands, the bad-command count and
 * the replies. The commands themselves are in cmd_*.c.
 */
#include "session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "relay.h"
#include "sess.h"

void
sess_reply(struct sess *s, const char *fmt, ...)
{
	char	 line[SMTPD_REPLY_MAX + 3];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof line - 3)
		n = (int)(sizeof line - 3);
	line[n++] = '\r';
	line[n++] = '\n';
	if (wbuf_put(s->wb, line, (size_t)n) == -1)
		s->quit = 1;
}

void
sess_bad(struct sess *s, const char *fmt, ...)
{
	char	 line[SMTPD_REPLY_MAX + 1];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (++s->bad >= SMTPD_MAX_BAD) {
		log_info("event=close ip=%s reason=\"too many bad commands\"", sess_ip(s));
		sess_reply(s, "421 4.7.0 %s Too many bad commands; closing connection",
		    s->o->me.s);
		s->quit = 1;
		return;
	}
	sess_reply(s, "%s", line);
}

int
sess_flush(struct sess *s)
{
	if (wbuf_flush(s->wb) == -1) {
		s->quit = 1;
		return -1;
	}
	return 0;
}

/* Is a whole line already buffered, so that reading it cannot block? */
static int
line_buffered(const struct rbuf *rb)
{
	return memchr(rb->mem + rb->pos, '\n', rb->len - rb->pos) != NULL;
}

/* A read failed: a timeout gets its 421, anything else just ends the session. */
static void
read_failed(struct sess *s)
{
	if (errno == ETIMEDOUT && s->rb->expired) {
		int data = s->msg_deadline != 0 && s->msg_deadline <= mono_ms();

		log_info("event=close ip=%s reason=%s", sess_ip(s),
		    data ? "data-deadline" : "session-deadline");
		s->wb->deadline = 0;	/* the 421 gets its own timeout */
		sess_reply(s, "421 4.4.2 %s %s time limit reached; closing connection",
		    s->o->me.s, data ? "Message" : "Session");
	} else if (errno == ETIMEDOUT) {
		log_info("event=close ip=%s reason=timeout", sess_ip(s));
		sess_reply(s, "421 4.4.2 %s Timeout; closing connection", s->o->me.s);
	} else if (errno != 0)
		log_warn("event=close ip=%s reason=\"read error\"", sess_ip(s));
	(void)sess_flush(s);
	s->quit = 1;
}

int
sess_fill(struct sess *s)
{
	ssize_t	 r;

	if (rbuf_pending(s->rb) > 0)
		return 1;
	if (sess_flush(s) == -1)
		return 0;
	errno = 0;
	if ((r = rbuf_fill(s->rb)) > 0)
		return 1;
	if (r == 0)
		errno = 0;
	read_failed(s);
	return 0;
}

int
sess_getline(struct sess *s, char *buf, size_t bufsz, size_t *len, int *toolong)
{
	enum line_status st;

	*toolong = 0;
	if (!line_buffered(s->rb) && sess_flush(s) == -1)
		return 0;
	errno = 0;
	st = rbuf_getline(s->rb, buf, bufsz, len);
	if (st == LINE_OK)
		return 1;
	if (st == LINE_TOOLONG) {
		*toolong = 1;
		return 1;
	}
	if (st == LINE_EOF)
		errno = 0;	/* a last line without LF is not a command */
	read_failed(s);
	return 0;
}

/* The reads' deadline: the session's, or the message's when that is sooner. */
static void
set_deadline(struct sess *s)
{
	long long d = s->deadline;

	if (s->msg_deadline != 0 && (d == 0 || s->msg_deadline < d))
		d = s->msg_deadline;
	s->rb->deadline = d;
}

void
sess_message_clock(struct sess *s)
{
	s->msg_deadline = s->o->data_ms > 0 ? mono_ms() + s->o->data_ms : 0;
	set_deadline(s);
}

void
sess_reset(struct sess *s)
{
	s->msg_deadline = 0;
	set_deadline(s);
	for (size_t i = 0; i < s->nrcpt; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	s->rcpts = NULL;
	s->nrcpt = 0;
	s->in_mail = 0;
	s->sender[0] = '\0';
	s->utf8 = 0;
	s->declared = 0;
	str_free(&s->prepend);
	milter_reset(s->milters);
	s->id[0] = '\0';	/* the next message gets its own */
	if (s->bdat)
		spool_discard(&s->spool);
	s->bdat = 0;
}

int
sess_may_relay(const struct sess *s)
{
	return s->relay_ip || s->authed;
}

const char *
sess_ip(const struct sess *s)
{
	return s->c->ip[0] != '\0' ? s->c->ip : "unknown";
}

void
sess_hook_reply(char *dst, size_t dstsz, const char *got, const char *def)
{
	size_t	 i;

	if (got == NULL || (got[0] != '4' && got[0] != '5') ||
	    got[1] < '0' || got[1] > '9' || got[2] < '0' || got[2] > '9' ||
	    got[3] != ' ') {
		strlcpy(dst, def, dstsz);
		return;
	}
	/* A hook's text is outside data too: no line end may come through. */
	for (i = 0; i + 1 < dstsz && got[i] != '\0'; i++)
		dst[i] = (unsigned char)got[i] < 0x20 || got[i] == 0x7f ? ' ' : got[i];
	dst[i] = '\0';
}

int
sess_policy(struct sess *s, const char *state, const char *rcpt, long long size,
    struct str *prepend)
{
	struct policy_req	 r;
	char			 reply[SMTPD_REPLY_MAX], line[SMTPD_REPLY_MAX];
	enum policy_verdict	 v;
	int			 eom = strcmp(state, "RCPT") != 0;

	if (s->w->policy == NULL)
		return 0;
	memset(&r, 0, sizeof r);
	r.protocol_state = state;
	r.protocol_name = s->helo == HELO_ESMTP ? "ESMTP" : "SMTP";
	r.client_address = s->c->ip;
	r.client_name = s->c->host[0] != '\0' ? s->c->host : "unknown";
	r.helo_name = s->heloname;
	r.sender = s->sender;
	r.recipient = rcpt;
	r.sasl_username = s->authed ? s->user : "";
	r.queue_id = eom ? s->id : "";
	r.encryption_protocol = s->tls ? s->tls_proto : "";
	r.size = size;
	r.recipient_count = (unsigned)s->nrcpt;
	reply[0] = '\0';
	if ((v = s->w->policy(&r, reply, sizeof reply, prepend)) == POLICY_OK)
		return 0;
	sess_hook_reply(line, sizeof line, reply, v == POLICY_REJECT ?
	    "554 5.7.1 Refused by policy" :
	    "451 4.3.0 Policy service unavailable; try again later");
	log_info("%s%s%sevent=refused ip=%s stage=%s reason=policy", eom ? "id=" : "",
	    eom ? s->id : "", eom ? " " : "", sess_ip(s), state);
	sess_reply(s, "%s", line);
	return -1;
}

int
sess_milter(struct sess *s, enum milter_verdict v, const char *reply, const char *stage)
{
	char	 line[SMTPD_REPLY_MAX];

	if (v != MV_REJECT && v != MV_TEMPFAIL)
		return 0;
	sess_hook_reply(line, sizeof line, reply, v == MV_REJECT ?
	    "550 5.7.1 Command rejected" : "451 4.7.1 Service unavailable - try again later");
	log_info("%s%s%sevent=refused ip=%s stage=%s reason=milter reply=\"%.3s\"",
	    s->id[0] ? "id=" : "", s->id, s->id[0] ? " " : "", sess_ip(s), stage, line);
	sess_reply(s, "%s", line);
	return -1;
}

/* The macros stamp knows, by name without braces (Sendmail's names). */
const char *
sess_macro(void *ctx, const char *name)
{
	struct sess		*s = ctx;
	static char		 underscore[SMTPD_HOST_MAX + INET6_ADDRSTRLEN + 4], port[8];
	const char		*cipher;

	if (strcmp(name, "j") == 0)
		return s->o->me.s;
	if (strcmp(name, "daemon_name") == 0)
		return s->o->submission ? "stamp-smtpd-submission" : "stamp-smtpd";
	if (strcmp(name, "v") == 0)
		return "stamp";
	if (strcmp(name, "i") == 0)
		return s->id[0] ? s->id : NULL;     /* from DATA on: our id, the Received: one */
	if (strcmp(name, "_") == 0) {
		snprintf(underscore, sizeof underscore, "%s [%s]",
		    s->c->host[0] ? s->c->host : "unknown", sess_ip(s));
		return underscore;
	}
	if (strcmp(name, "client_addr") == 0)
		return s->c->ip[0] ? s->c->ip : NULL;
	if (strcmp(name, "client_name") == 0)
		return s->c->host[0] ? s->c->host : "unknown";
	if (strcmp(name, "client_port") == 0) {
		snprintf(port, sizeof port, "%u", s->c->port);
		return port;
	}
	if (strcmp(name, "daemon_addr") == 0 || strcmp(name, "if_addr") == 0)
		return s->c->local_ip[0] ? s->c->local_ip : NULL;
	if (strcmp(name, "tls_version") == 0)
		return s->tls ? s->tls_proto : NULL;
	if (strcmp(name, "cipher") == 0) {
		cipher = strchr(s->tls_desc, ' ');
		return s->tls && cipher != NULL ? cipher + 1 : NULL;
	}
	if (strcmp(name, "auth_type") == 0)
		return s->authed ? s->auth_mech : NULL;
	if (strcmp(name, "auth_authen") == 0)
		return s->authed ? s->user : NULL;
	if (strcmp(name, "mail_addr") == 0)
		return s->in_mail || s->sender[0] ? s->sender : NULL;
	if (strcmp(name, "rcpt_addr") == 0)
		return s->milter_rcpt;
	if (strcmp(name, "mail_mailer") == 0 || strcmp(name, "rcpt_mailer") == 0)
		return "smtp";
	return NULL;
}

/* Open the filters and tell them of the client; a refusal is kept for MAIL. */
static void
milters_start(struct sess *s)
{
	char	 reply[SMTPD_REPLY_MAX], name[SMTPD_HOST_MAX + INET6_ADDRSTRLEN + 3];

	s->macros.get = sess_macro;
	s->macros.ctx = s;
	if (s->w->milter_open == NULL)
		return;
	s->milters = s->w->milter_open(s->o->submission, s->o->databytes, s->o->maxrcpt);
	if (s->c->host[0] != '\0')
		strlcpy(name, s->c->host, sizeof name);
	else
		snprintf(name, sizeof name, "[%s]", sess_ip(s));
	if (milter_connect(s->milters, &s->macros, name, s->c->ip, s->c->port, reply,
	    sizeof reply) != MV_GO)
		log_info("event=milter ip=%s stage=connect refused=1", sess_ip(s));
}

static const struct command {
	const char	*verb;
	void		(*fn)(struct sess *, char *);
} commands[] = {
	{ "HELO", cmd_helo }, { "EHLO", cmd_ehlo }, { "MAIL", cmd_mail },
	{ "RCPT", cmd_rcpt }, { "DATA", cmd_data }, { "BDAT", cmd_bdat },
	{ "RSET", cmd_rset }, { "NOOP", cmd_noop }, { "QUIT", cmd_quit },
	{ "VRFY", cmd_vrfy }, { "EXPN", cmd_expn }, { "HELP", cmd_help },
	{ "AUTH", cmd_auth }, { "STARTTLS", cmd_starttls },
	{ NULL, NULL },
};

/* One command line: its bounds, then its verb's function. */
static void
dispatch(struct sess *s, char *line, size_t len, int toolong)
{
	struct cmdline	 cl;
	enum cmd_status	 st;

	if (toolong) {
		sess_bad(s, "500 5.5.2 Line too long");
		return;
	}
	st = cmd_split(line, len, &cl);
	if (st == CMD_NUL) {
		sess_bad(s, "500 5.5.2 NUL byte in command");
		return;
	}
	if (st != CMD_OK) {
		sess_bad(s, "500 5.5.2 Syntax error");
		return;
	}
	/* Only AUTH lines may be longer than 512 octets (RFC 4954 4). */
	if (len > SMTP_LINE_MAX && strcmp(cl.verb, "AUTH") != 0) {
		sess_bad(s, "500 5.5.2 Line too long");
		return;
	}
	for (const struct command *c = commands; c->verb != NULL; c++)
		if (strcmp(c->verb, cl.verb) == 0) {
			c->fn(s, cl.arg);
			return;
		}
	sess_bad(s, "500 5.5.1 Command not recognized");
}

/* Check the client against the DNS block lists once, at connect. */
static void
check_dnsbl(struct sess *s)
{
	char	 reply[SMTPD_REPLY_MAX];

	if (s->w->dnsbl == NULL || s->c->ip[0] == '\0' || s->relay_ip)
		return;
	reply[0] = '\0';
	if (s->w->dnsbl(s->c->ip, reply, sizeof reply) != 1)
		return;
	s->listed = 1;
	sess_hook_reply(s->listed_reply, sizeof s->listed_reply, reply,
	    "554 5.7.1 Your address is listed in a DNS block list");
	if (s->listed_reply[0] != '5')
		s->listed_reply[0] = '5';	/* a listing is a definite answer */
	log_info("event=dnsbl ip=%s listed=1", sess_ip(s));
}

/*
 * greetdelay: a client that talks before the greeting is no SMTP client
 * (RFC 5321 4.3.1: it must wait for it). 1: go on; 0: refused or gone.
 */
static int
greet_delay(struct sess *s)
{
	int	 saved = s->rb->timeout_ms;
	ssize_t	 r;

	if (s->o->greetdelay_ms <= 0)
		return 1;
	s->rb->timeout_ms = s->o->greetdelay_ms;
	errno = 0;
	r = rbuf_fill(s->rb);
	s->rb->timeout_ms = saved;
	if (r == -1 && errno == ETIMEDOUT)
		return 1;
	if (r > 0) {
		log_info("event=close ip=%s reason=\"early talker\"", sess_ip(s));
		sess_reply(s, "554 5.5.0 %s SMTP protocol violation: talked before the greeting",
		    s->o->me.s);
	}
	(void)sess_flush(s);
	return 0;
}

int
smtpd_session(struct rbuf *rb, struct wbuf *wb, const struct smtpd_client *c,
    const struct smtpd_opts *o, const struct smtpd_world *w)
{
	char		 line[SMTP_AUTHLINE_MAX + 3];
	char		 qh[LOG_QUOTE_MAX];
	struct sess	 s;
	size_t		 len;
	int		 toolong;

	memset(&s, 0, sizeof s);
	s.rb = rb;
	s.wb = wb;
	s.c = c;
	s.o = o;
	s.w = w;
	s.spool.fd = -1;
	s.relay_ip = c->relayclient || relay_client_listed(&o->relayclients, c->ip);
	if (o->session_ms > 0) {
		s.deadline = mono_ms() + o->session_ms;
		wb->deadline = s.deadline;
	}
	set_deadline(&s);
	log_info("event=connect ip=%s host=%s relay=%d", sess_ip(&s),
	    log_quotes(qh, sizeof qh, c->host), s.relay_ip);
	check_dnsbl(&s);
	milters_start(&s);
	if (!greet_delay(&s))
		goto out;
	sess_reply(&s, "220 %s ESMTP", o->greeting.s);
	while (!s.quit && sess_getline(&s, line, sizeof line, &len, &toolong))
		dispatch(&s, line, len, toolong);
	(void)sess_flush(&s);
out:
	explicit_bzero(line, sizeof line);	/* AUTH lines pass through here */
	sess_reset(&s);
	milter_close(s.milters);
	log_info("event=end ip=%s messages=%u quit=%d", sess_ip(&s), s.messages, s.quit_ok);
	return s.quit_ok ? 0 : 1;
}
