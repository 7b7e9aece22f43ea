/* cmd_basic.c: HELO, EHLO, RSET, NOOP, QUIT, VRFY, EXPN, HELP. */
#include <string.h>

#include "log.h"
#include "sess.h"

/* A HELO name: any printable text (many clients send junk), never a control byte. */
static int
helo_name(struct sess *s, const char *arg)
{
	size_t		 n = strlen(arg);
	char		 reply[SMTPD_REPLY_MAX];
	enum milter_verdict v;

	if (n == 0) {
		sess_bad(s, "501 5.5.4 HELO/EHLO needs a domain name");
		return -1;
	}
	if (n > SMTPD_HELO_MAX) {
		sess_bad(s, "501 5.5.4 HELO/EHLO name too long");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)arg[i] < 0x20 || arg[i] == 0x7f) {
			sess_bad(s, "501 5.5.4 Control character in HELO/EHLO name");
			return -1;
		}
	sess_reset(s);
	strlcpy(s->heloname, arg, sizeof s->heloname);
	v = milter_helo(s->milters, &s->macros, s->heloname, reply, sizeof reply);
	return sess_milter(s, v, reply, "helo");
}

void
cmd_helo(struct sess *s, char *arg)
{
	if (helo_name(s, arg) == -1)
		return;
	s->helo = HELO_SMTP;
	sess_reply(s, "250 %s", s->o->me.s);
}

void
cmd_ehlo(struct sess *s, char *arg)
{
	if (helo_name(s, arg) == -1)
		return;
	s->helo = HELO_ESMTP;
	sess_reply(s, "250-%s", s->o->me.s);
	sess_reply(s, "250-PIPELINING");
	sess_reply(s, "250-8BITMIME");
	if (s->o->databytes > 0)
		sess_reply(s, "250-SIZE %llu", s->o->databytes);
	else
		sess_reply(s, "250-SIZE");
	sess_reply(s, "250-ENHANCEDSTATUSCODES");
	sess_reply(s, "250-SMTPUTF8");
	if (s->o->tls_available && !s->tls && s->w->starttls != NULL)
		sess_reply(s, "250-STARTTLS");
	if (auth_offered(s) && !s->authed)
		sess_reply(s, "250-AUTH PLAIN LOGIN");
	sess_reply(s, "250 CHUNKING");
}

void
cmd_rset(struct sess *s, char *arg)
{
	if (*arg != '\0') {
		sess_bad(s, "501 5.5.4 RSET takes no arguments");
		return;
	}
	sess_reset(s);
	sess_reply(s, "250 2.0.0 Ok");
}

void
cmd_noop(struct sess *s, char *arg)
{
	(void)arg;	/* RFC 5321 4.1.1.9: a parameter is allowed and ignored */
	sess_reply(s, "250 2.0.0 Ok");
}

void
cmd_quit(struct sess *s, char *arg)
{
	if (*arg != '\0') {
		sess_bad(s, "501 5.5.4 QUIT takes no arguments");
		return;
	}
	sess_reply(s, "221 2.0.0 %s Bye", s->o->me.s);
	s->quit = 1;
	s->quit_ok = 1;
}

void
cmd_vrfy(struct sess *s, char *arg)
{
	if (*arg == '\0') {
		sess_bad(s, "501 5.5.4 VRFY needs an argument");
		return;
	}
	/* Never says whether a user exists (RFC 5321 3.5.3 allows 252). */
	sess_reply(s, "252 2.5.2 Cannot VRFY user; send mail and it will be delivered or bounced");
}

void
cmd_expn(struct sess *s, char *arg)
{
	(void)arg;
	sess_reply(s, "502 5.5.1 EXPN not available");
}

void
cmd_help(struct sess *s, char *arg)
{
	(void)arg;
	sess_reply(s, "214-2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT");
	sess_reply(s, "214-2.0.0 VRFY HELP%s%s", s->o->tls_available ? " STARTTLS" : "",
	    auth_offered(s) ? " AUTH" : "");
	sess_reply(s, "214 2.0.0 See RFC 5321");
}
