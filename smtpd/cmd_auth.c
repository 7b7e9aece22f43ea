/*
 * cmd_auth.c: AUTH PLAIN and LOGIN (RFC 4954, RFC 4616), checked through
 * the checkpassword interface. Offered only over TLS or to a loopback
 * client, unless control/authplaintext says 1.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "b64.h"
#include "log.h"
#include "sess.h"

#define AUTH_DECODED_MAX (SMTP_AUTHLINE_MAX / 4 * 3)

int
auth_offered(const struct sess *s)
{
	return s->o->authplaintext || s->tls || smtpd_ip_loopback(s->c->ip);
}

/* Read one response line of the exchange into buf (no line end). 1, or 0 (answered / gone). */
static int
auth_response(struct sess *s, char *buf, size_t bufsz)
{
	size_t	 len;
	int	 toolong;

	if (!sess_getline(s, buf, bufsz, &len, &toolong))
		return 0;
	if (toolong) {
		sess_bad(s, "500 5.5.6 Authentication exchange line too long");
		return 0;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (strcmp(buf, "*") == 0) {
		sess_reply(s, "501 5.0.0 Authentication cancelled");
		return 0;
	}
	return 1;
}

/* Decode base64 text into out (NUL-terminated); its length, or -1 (answered). */
static ssize_t
decode(struct sess *s, const char *text, unsigned char *out, size_t outsz)
{
	ssize_t	 n = -1;

	if (strcmp(text, "=") == 0)
		n = 0;	/* RFC 4954 4: an empty initial response */
	else if (*text != '\0')
		n = b64_decode(text, strlen(text), out, outsz - 1);
	if (n < 0) {
		sess_bad(s, "501 5.5.2 Cannot decode the response");
		return -1;
	}
	out[n] = '\0';
	return n;
}

/* A user name: printable, no spaces, bounded (it goes to logs and Received). */
static int
user_ok(const char *u, size_t n)
{
	if (n == 0 || n > SMTPD_USER_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || u[i] == 0x7f)
			return 0;
	return 1;
}

/* PLAIN: [authzid] NUL authcid NUL passwd. Fills user and pass; 0, or -1 (answered). */
static int
plain(struct sess *s, char *initial, char *buf, size_t bufsz, char *user, char **pass)
{
	unsigned char	 raw[AUTH_DECODED_MAX + 1];
	char		*text = initial;
	const char	*authz, *authc, *pw, *end;
	ssize_t		 n;

	if (*text == '\0') {
		sess_reply(s, "334 ");
		if (!auth_response(s, buf, bufsz))
			return -1;
		text = buf;
	}
	if ((n = decode(s, text, raw, sizeof raw)) < 0)
		return -1;
	authz = (const char *)raw;
	end = authz + n;
	authc = memchr(authz, '\0', (size_t)n);
	pw = authc != NULL ? memchr(authc + 1, '\0', (size_t)(end - authc - 1)) : NULL;
	if (authc == NULL || pw == NULL || pw + 1 > end ||
	    memchr(pw + 1, '\0', (size_t)(end - pw - 1)) != NULL ||
	    !user_ok(authc + 1, (size_t)(pw - authc - 1))) {
		explicit_bzero(raw, sizeof raw);
		sess_bad(s, "501 5.5.2 Malformed PLAIN response");
		return -1;
	}
	/* Acting for someone else (an authzid of another user) is not offered. */
	if (*authz != '\0' && strcmp(authz, authc + 1) != 0) {
		explicit_bzero(raw, sizeof raw);
		sess_reply(s, "535 5.7.8 Authorization identity not allowed");
		return -1;
	}
	strlcpy(user, authc + 1, SMTPD_USER_MAX + 1);
	memmove(buf, pw + 1, (size_t)(end - pw));	/* the password, NUL included */
	*pass = buf;
	explicit_bzero(raw, sizeof raw);
	return 0;
}

/* LOGIN: "Username:" and "Password:" prompts, base64 both ways. */
static int
login(struct sess *s, char *initial, char *buf, size_t bufsz, char *user, char **pass)
{
	unsigned char	 raw[AUTH_DECODED_MAX + 1];
	char		*text = initial;
	ssize_t		 n;

	if (*text == '\0') {
		sess_reply(s, "334 VXNlcm5hbWU6");
		if (!auth_response(s, buf, bufsz))
			return -1;
		text = buf;
	}
	if ((n = decode(s, text, raw, sizeof raw)) < 0)
		return -1;
	if (!user_ok((char *)raw, (size_t)n) || memchr(raw, '\0', (size_t)n) != NULL) {
		sess_bad(s, "501 5.5.2 Malformed user name");
		return -1;
	}
	strlcpy(user, (char *)raw, SMTPD_USER_MAX + 1);
	sess_reply(s, "334 UGFzc3dvcmQ6");
	if (!auth_response(s, buf, bufsz))
		return -1;
	if ((n = decode(s, buf, raw, sizeof raw)) < 0)
		return -1;
	if (memchr(raw, '\0', (size_t)n) != NULL) {
		explicit_bzero(raw, sizeof raw);
		sess_bad(s, "501 5.5.2 Malformed password");
		return -1;
	}
	memcpy(buf, raw, (size_t)n + 1);
	explicit_bzero(raw, sizeof raw);
	*pass = buf;
	return 0;
}

/* The state checks of RFC 4954 4; 0 go on. */
static int
auth_allowed(struct sess *s)
{
	if (!auth_offered(s)) {
		if (s->o->tls_available && !s->tls)
			sess_reply(s, "538 5.7.11 Encryption required: use STARTTLS first");
		else
			sess_bad(s, "503 5.5.1 AUTH not available");
		return -1;
	}
	if (s->helo != HELO_ESMTP) {
		sess_bad(s, "503 5.5.1 Send EHLO first");
		return -1;
	}
	if (s->authed) {
		sess_bad(s, "503 5.5.1 Already authenticated");
		return -1;
	}
	if (s->in_mail) {
		sess_bad(s, "503 5.5.1 Not during a mail transaction");
		return -1;
	}
	return 0;
}

static void
verdict(struct sess *s, enum checkpw_result r, const char *user)
{
	char	 q[LOG_QUOTE_MAX];

	log_quotes(q, sizeof q, user);
	if (r == PW_OK) {
		s->authed = 1;
		strlcpy(s->user, user, sizeof s->user);
		log_info("event=auth ip=%s user=%s result=ok", sess_ip(s), q);
		sess_reply(s, "235 2.7.0 Authentication successful");
		return;
	}
	if (r == PW_TEMP) {
		log_info("event=auth ip=%s user=%s result=temporary", sess_ip(s), q);
		sess_reply(s, "454 4.7.0 Temporary authentication failure");
		return;
	}
	s->auth_failures++;
	log_info("event=auth ip=%s user=%s result=failed failures=%u", sess_ip(s), q,
	    s->auth_failures);
	/* Slow down guessing: the longer, the more failures. */
	(void)sess_flush(s);
	s->w->pause(s->w->ctx, SMTPD_AUTH_PAUSE_MS * (int)s->auth_failures);
	if (s->auth_failures >= SMTPD_MAX_AUTH_FAIL) {
		sess_reply(s, "421 4.7.0 %s Too many failed authentications; closing connection",
		    s->o->me.s);
		s->quit = 1;
		return;
	}
	sess_reply(s, "535 5.7.8 Authentication credentials invalid");
}

void
cmd_auth(struct sess *s, char *arg)
{
	char		 buf[SMTP_AUTHLINE_MAX + 3], user[SMTPD_USER_MAX + 1], stamp[320];
	char		*mech = arg, *initial, *pass = NULL;
	int		 rc;

	if (auth_allowed(s) == -1)
		return;
	initial = strchr(arg, ' ');
	if (initial != NULL)
		*initial++ = '\0';
	else
		initial = arg + strlen(arg);
	if (strcasecmp(mech, "PLAIN") == 0)
		rc = plain(s, initial, buf, sizeof buf, user, &pass);
	else if (strcasecmp(mech, "LOGIN") == 0)
		rc = login(s, initial, buf, sizeof buf, user, &pass);
	else {
		sess_bad(s, "504 5.5.4 Unrecognized authentication mechanism");
		return;
	}
	if (rc == 0) {
		strlcpy(s->auth_mech, strcasecmp(mech, "PLAIN") == 0 ? "PLAIN" : "LOGIN",
		    sizeof s->auth_mech);
		snprintf(stamp, sizeof stamp, "<%ld.%lld@%s>", (long)getpid(),
		    (long long)s->w->now(s->w->ctx), s->o->me.s);
		verdict(s, s->w->checkpw(s->w->ctx, user, pass, stamp), user);
	}
	explicit_bzero(buf, sizeof buf);
	explicit_bzero(initial, strlen(initial));
}
