/* pop3auth.c: USER/PASS, APOP, AUTH PLAIN, CAPA, QUIT before login. */
#include "pop3auth.h"

#include <resolv.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "pop3cmd.h"
#include "pop3io.h"

#define CRED_MAX 512	/* the checkpassword interface's bound on fd 3 */

struct auth {
	struct rbuf			*in;
	struct wbuf			*out;
	const struct pop3_auth_conf	*conf;
	const struct pop3_auth_hooks	*hooks;
	char				 user[POP3_LINE_MAX + 1];   /* after USER, "" none */
	int				 failures;
	int				 plaintext_ok, stls;      /* change at STLS */
};

static const char NOPLAIN[] =
    "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections\r\n";

/* One login attempt; 1 logged in, 0 answered (and the session goes on). */
static int
attempt(struct auth *a, const char *mech, const char *user, const char *pass, const char *ts)
{
	char			 qu[LOG_QUOTE_MAX];
	enum pop3_verdict	 v = PV_FAIL;

	if (strlen(user) + strlen(pass) + strlen(ts) + 3 <= CRED_MAX && *user != '\0') {
		if (wbuf_flush(a->out) == -1)
			return 0;
		v = a->hooks->check(a->hooks->ctx, user, pass, ts,
		    a->in->mem + a->in->pos, rbuf_pending(a->in));
	}
	if (v == PV_OK) {
		log_info("event=login mech=%s user=%s ip=%s", mech, log_quotes(qu, sizeof qu, user),
		    a->conf->ip);
		return 1;
	}
	if (v == PV_TEMP) {
		log_info("event=login-temperror mech=%s user=%s ip=%s", mech,
		    log_quotes(qu, sizeof qu, user), a->conf->ip);
		wbuf_puts(a->out, "-ERR [SYS/TEMP] cannot check passwords now, try again later\r\n");
		return 0;
	}
	a->failures++;
	/* One line fail2ban can match: "login-failed ... ip=ADDR". */
	log_info("event=login-failed mech=%s user=%s ip=%s failures=%d", mech,
	    log_quotes(qu, sizeof qu, user), a->conf->ip, a->failures);
	if (wbuf_flush(a->out) != -1)
		a->hooks->delay(a->hooks->ctx, a->conf->faildelay);
	wbuf_puts(a->out, "-ERR [AUTH] invalid user name or password\r\n");
	return 0;
}

static int
do_pass(struct auth *a, const struct pop3_cmd *c)
{
	char	 user[sizeof a->user];
	int	 r;

	if (a->user[0] == '\0') {
		wbuf_puts(a->out, "-ERR USER first\r\n");
		return 0;
	}
	if (c->nargs != 1) {
		wbuf_puts(a->out, "-ERR PASS needs a password\r\n");
		return 0;
	}
	strlcpy(user, a->user, sizeof user);
	a->user[0] = '\0';
	r = attempt(a, "PASS", user, c->arg[0], "");
	return r;
}

static int
do_apop(struct auth *a, const struct pop3_cmd *c)
{
	if (a->conf->timestamp[0] == '\0') {
		wbuf_puts(a->out, "-ERR APOP not available\r\n");
		return 0;
	}
	if (c->nargs != 2 || strlen(c->arg[1]) != 32) {
		wbuf_puts(a->out, "-ERR usage: APOP name digest\r\n");
		return 0;
	}
	return attempt(a, "APOP", c->arg[0], c->arg[1], a->conf->timestamp);
}

/* "authzid\0authcid\0password" (RFC 4616); authzid empty or the same user. */
static int
plain_login(struct auth *a, char *raw, size_t n)
{
	char	*z1, *z2, *cid, *pw;

	if ((z1 = memchr(raw, '\0', n)) == NULL || (cid = z1 + 1,
	    (z2 = memchr(cid, '\0', n - (size_t)(cid - raw))) == NULL) ||
	    (pw = z2 + 1, memchr(pw, '\0', n - (size_t)(pw - raw)) != NULL) ||
	    (*raw != '\0' && strcmp(raw, cid) != 0)) {
		wbuf_puts(a->out, "-ERR [AUTH] bad PLAIN response\r\n");
		return 0;
	}
	return attempt(a, "PLAIN", cid, pw, "");
}

/* AUTH PLAIN [initial-response] (RFC 5034, RFC 4616). */
static int
do_auth(struct auth *a, const struct pop3_cmd *c)
{
	char		 line[POP3_LINE_MAX + 2], resp[POP3_LINE_MAX + 1];
	unsigned char	 raw[POP3_LINE_MAX + 1];
	const char	*b64;
	size_t		 len;
	int		 n, r;

	if (c->nargs == 0) {
		/* Not in RFC 5034, but what clients that send a bare AUTH expect (as Dovecot answers). */
		wbuf_puts(a->out, a->plaintext_ok ? "+OK\r\nPLAIN\r\n.\r\n" : "+OK\r\n.\r\n");
		return 0;
	}
	if (strcasecmp(c->arg[0], "PLAIN") != 0 || c->nargs > 2) {
		wbuf_puts(a->out, "-ERR unrecognized authentication type\r\n");
		return 0;
	}
	if (!a->plaintext_ok) {
		wbuf_puts(a->out, NOPLAIN);
		return 0;
	}
	if (c->nargs == 2)
		b64 = c->arg[1];
	else {
		wbuf_puts(a->out, "+ \r\n");
		if (wbuf_flush(a->out) == -1 ||
		    rbuf_getline(a->in, line, sizeof line, &len) != LINE_OK || len > POP3_LINE_MAX)
			return -1;
		line[strcspn(line, "\r\n")] = '\0';
		strlcpy(resp, line, sizeof resp);
		b64 = resp;
	}
	if (strcmp(b64, "*") == 0) {
		wbuf_puts(a->out, "-ERR authentication cancelled\r\n");
		return 0;
	}
	if (strcmp(b64, "=") == 0)
		b64 = "";
	if ((n = b64_pton(b64, raw, sizeof raw - 1)) < 0) {
		wbuf_puts(a->out, "-ERR [AUTH] bad base64\r\n");
		return 0;
	}
	raw[n] = '\0';
	r = plain_login(a, (char *)raw, (size_t)n);
	explicit_bzero(raw, sizeof raw);
	explicit_bzero(resp, sizeof resp);
	return r;
}

/* RFC 2595: after the handshake, nothing said before it counts. */
static int
do_stls(struct auth *a, const struct pop3_cmd *c)
{
	if (!a->stls) {
		wbuf_puts(a->out, "-ERR STLS not available\r\n");
		return 0;
	}
	if (c->nargs != 0) {
		wbuf_puts(a->out, "-ERR syntax error\r\n");
		return 0;
	}
	wbuf_puts(a->out, "+OK Begin TLS negotiation\r\n");
	if (wbuf_flush(a->out) == -1 || a->hooks->starttls(a->hooks->ctx) == -1)
		return -1;
	rbuf_discard(a->in);
	a->user[0] = '\0';
	a->stls = 0;
	a->plaintext_ok = 1;
	log_info("event=starttls ip=%s", a->conf->ip);
	return 0;
}

static int
is_login_command(enum pop3_verb v)
{
	return v == P_USER || v == P_PASS || v == P_APOP || v == P_AUTH;
}

enum pop3_auth_end
pop3_authorization(struct rbuf *in, struct wbuf *out, const struct pop3_auth_conf *conf,
    const struct pop3_auth_hooks *hooks)
{
	struct auth	 a = { .in = in, .out = out, .conf = conf, .hooks = hooks,
			       .plaintext_ok = conf->plaintext_ok,
			       .stls = conf->stls && hooks->starttls != NULL };
	struct pop3_cmd	 c;
	struct capa	 k;
	int		 r;

	wbuf_printf(out, "+OK stamp POP3 server ready%s%s\r\n", *conf->timestamp ? " " : "",
	    conf->timestamp);
	while (pop3_next(in, out, &c)) {
		if (is_login_command(c.verb) && a.failures >= POP3_MAX_FAILURES) {
			wbuf_puts(out, "-ERR [AUTH] too many failed logins, closing\r\n");
			wbuf_flush(out);
			log_info("event=login-closed reason=too-many-failures ip=%s", conf->ip);
			explicit_bzero(&c, sizeof c);
			return PA_TOOMANY;
		}
		r = 0;
		k = (struct capa){ 1, a.plaintext_ok, a.stls };
		switch (c.verb) {
		case P_USER:
			if (!a.plaintext_ok)
				wbuf_puts(out, NOPLAIN);
			else if (c.nargs != 1)
				wbuf_puts(out, "-ERR usage: USER name\r\n");
			else {
				strlcpy(a.user, c.arg[0], sizeof a.user);
				wbuf_puts(out, "+OK send PASS\r\n");
			}
			break;
		case P_PASS:
			r = a.plaintext_ok ? do_pass(&a, &c) : (wbuf_puts(out, NOPLAIN), 0);
			break;
		case P_APOP:
			r = do_apop(&a, &c);
			break;
		case P_AUTH:
			r = do_auth(&a, &c);
			break;
		case P_CAPA:
			pop3_capa(out, &k);
			break;
		case P_QUIT:
			wbuf_puts(out, "+OK bye\r\n");
			wbuf_flush(out);
			return PA_QUIT;
		case P_STLS:
			r = do_stls(&a, &c);
			break;
		case P_UNKNOWN:
			wbuf_puts(out, "-ERR unknown command\r\n");
			break;
		default:
			wbuf_puts(out, "-ERR not in AUTHORIZATION state: log in first\r\n");
			break;
		}
		explicit_bzero(&c, sizeof c);
		if (r == 1)
			return PA_LOGGED_IN;
		if (r == -1)
			break;
	}
	return PA_GONE;
}
