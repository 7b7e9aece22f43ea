/* cmd_mail.c: MAIL FROM and RCPT TO: sender, recipients, relay control. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "relay.h"
#include "sess.h"

/* A listed client (DNSBL) may not start or extend a transaction. */
static int
refuse_listed(struct sess *s)
{
	if (!s->listed || sess_may_relay(s))
		return 0;
	sess_reply(s, "%s", s->listed_reply);
	return 1;
}

/* Answer a path that did not parse; returns -1 for the caller's convenience. */
static int
path_error(struct sess *s, enum path_status ps, enum addr_error ae, const char *what,
    const char *code)
{
	if (ps == PATH_NOKEYWORD)
		sess_bad(s, "501 5.5.4 Syntax: %s", what);
	else if (ps == PATH_TRAILING)
		sess_bad(s, "501 5.5.4 Syntax: %s [parameters]", what);
	else if (ae == ADDR_E8BIT)
		sess_reply(s, "553 5.6.7 Non-ASCII address needs SMTPUTF8");
	else
		sess_bad(s, "501 %s Bad address: %s", code, addr_strerror(ae));
	return -1;
}

static int
param_error(struct sess *s, enum param_status ps)
{
	if (ps == PARAM_SYNTAX)
		sess_bad(s, "501 5.5.4 Bad parameter syntax");
	else
		sess_bad(s, "555 5.5.4 Parameter not recognized or not implemented");
	return -1;
}

/* The checks on the session's state before MAIL; 0 go on. */
static int
mail_allowed(struct sess *s)
{
	if (s->helo == HELO_NONE) {
		sess_bad(s, "503 5.5.1 Send HELO or EHLO first");
		return -1;
	}
	if (s->in_mail || s->bdat) {
		sess_bad(s, "503 5.5.1 Nested MAIL command");
		return -1;
	}
	if (s->o->submission && !s->authed) {
		sess_reply(s, "530 5.7.0 Authentication required");
		return -1;
	}
	return 0;
}

void
cmd_mail(struct sess *s, char *arg)
{
	struct mail_params	 p;
	struct addr		 a;
	enum addr_error		 ae;
	enum path_status	 ps;
	enum param_status	 pst;
	const char		*params, *bad;
	char			 q[LOG_QUOTE_MAX], reply[SMTPD_REPLY_MAX];
	enum milter_verdict	 v;

	if (mail_allowed(s) == -1)
		return;
	ps = cmd_path(arg, "FROM", ADDR_ALLOW_NULL | ADDR_ALLOW_ROUTE | ADDR_UTF8,
	    &a, &ae, &params);
	if (ps != PATH_OK) {
		path_error(s, ps, ae, "MAIL FROM:<address>", "5.1.7");
		return;
	}
	if (*params != '\0' && s->helo != HELO_ESMTP) {
		sess_bad(s, "555 5.5.4 Parameters need EHLO");
		return;
	}
	if ((pst = cmd_mail_params(params, &p, &bad)) != PARAM_OK) {
		param_error(s, pst);
		return;
	}
	if (a.has_8bit && !p.smtputf8) {
		sess_reply(s, "553 5.6.7 Non-ASCII address needs SMTPUTF8");
		return;
	}
	if (p.has_size && s->o->databytes > 0 && p.size > s->o->databytes) {
		sess_reply(s, "552 5.3.4 Message size exceeds the limit of %llu octets",
		    s->o->databytes);
		return;
	}
	if (refuse_listed(s))
		return;
	if (relay_addr_listed(&s->o->badmailfrom, &a)) {
		log_info("event=refused ip=%s from=%s reason=badmailfrom", sess_ip(s),
		    log_quotes(q, sizeof q, a.mailbox));
		sess_reply(s, "553 5.7.1 Sender address refused");
		return;
	}
	strlcpy(s->sender, a.mailbox, sizeof s->sender);   /* {mail_addr} */
	v = milter_mail(s->milters, &s->macros, a.mailbox, reply, sizeof reply);
	if (sess_milter(s, v, reply, "mail") == -1) {
		milter_reset(s->milters);
		s->sender[0] = '\0';
		return;
	}
	s->in_mail = 1;
	s->utf8 = p.smtputf8;
	s->declared = p.has_size ? p.size : 0;
	sess_reply(s, "250 2.1.0 Sender ok");
}

/* The relay decision and the user lookup; 0 accepted, -1 answered. */
static int
rcpt_decide(struct sess *s, const struct addr *a)
{
	const struct smtpd_opts	*o = s->o;
	struct relay_rules	 rules = { &o->locals, &o->vdomains, &o->rcpthosts,
	    sess_may_relay(s) };
	enum lookup_kind	 k;

	switch (relay_classify(&rules, a)) {
	case RC_PROGRAM:
		sess_reply(s, "553 5.1.3 Not a mailbox address");
		return -1;
	case RC_NODOMAIN:
		sess_reply(s, "553 5.1.3 Address needs a domain");
		return -1;
	case RC_TRICK:
		sess_reply(s, "553 5.7.1 Relaying denied: %%, ! and @ are not accepted in local parts");
		return -1;
	case RC_DENIED:
		sess_reply(s, "553 5.7.1 Relaying denied");
		return -1;
	case RC_LOCAL:
		/* postmaster is always accepted (RFC 5321 4.5.1). */
		if (strcasecmp(a->local, "postmaster") == 0)
			return 0;
		k = s->w->lookup(s->w->ctx, a->local, a->domain);
		if (k == LK_ERROR) {
			sess_reply(s, "451 4.3.0 Temporary failure looking up the recipient");
			return -1;
		}
		if (k == LK_UNKNOWN) {
			sess_reply(s, "550 5.1.1 No such user here");
			return -1;
		}
		return 0;
	case RC_HOSTED:
	case RC_RELAY:
		return 0;
	}
	return 0;
}

static int
add_rcpt(struct sess *s, const char *mailbox)
{
	char	**v, *copy;

	if ((copy = strdup(mailbox)) == NULL)
		return -1;
	if ((v = reallocarray(s->rcpts, s->nrcpt + 1, sizeof *v)) == NULL) {
		free(copy);
		return -1;
	}
	v[s->nrcpt++] = copy;
	s->rcpts = v;
	return 0;
}

/* The filters' word on a recipient; 0 go on, -1 answered. */
static int
rcpt_milter(struct sess *s, const char *mailbox)
{
	char			 reply[SMTPD_REPLY_MAX];
	enum milter_verdict	 v;

	s->milter_rcpt = mailbox;                          /* {rcpt_addr} */
	v = milter_rcpt(s->milters, &s->macros, mailbox, reply, sizeof reply);
	s->milter_rcpt = NULL;
	return sess_milter(s, v, reply, "rcpt");
}

void
cmd_rcpt(struct sess *s, char *arg)
{
	struct addr		 a;
	enum addr_error		 ae;
	enum path_status	 ps;
	enum param_status	 pst;
	const char		*params, *bad;
	char			 q[LOG_QUOTE_MAX];
	unsigned		 flags = ADDR_ALLOW_ROUTE | ADDR_ALLOW_LOCAL;
	int			 refused;

	if (!s->in_mail || s->bdat) {
		sess_bad(s, "503 5.5.1 Send MAIL first");
		return;
	}
	ps = cmd_path(arg, "TO", flags | (s->utf8 ? ADDR_UTF8 : 0), &a, &ae, &params);
	if (ps != PATH_OK) {
		path_error(s, ps, ae, "RCPT TO:<address>", "5.1.3");
		return;
	}
	if ((pst = cmd_rcpt_params(params, &bad)) != PARAM_OK) {
		param_error(s, pst);
		return;
	}
	if (s->nrcpt >= s->o->maxrcpt) {
		sess_reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	if (refuse_listed(s))
		return;
	if (relay_addr_listed(&s->o->badrcptto, &a)) {
		sess_reply(s, "553 5.7.1 Recipient address refused");
		return;
	}
	refused = rcpt_decide(s, &a) == -1 ||
	    sess_policy(s, "RCPT", a.mailbox, (long long)s->declared, &s->prepend) == -1 ||
	    rcpt_milter(s, a.mailbox) == -1;
	if (refused) {
		log_info("event=refused ip=%s to=%s", sess_ip(s),
		    log_quotes(q, sizeof q, a.mailbox));
		return;
	}
	if (add_rcpt(s, a.mailbox) == -1) {
		sess_reply(s, "452 4.3.0 Out of memory");
		return;
	}
	sess_reply(s, "250 2.1.5 Recipient ok");
}
