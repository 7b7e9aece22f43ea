/*
 * sess.h: the state of one SMTP session, shared by session.c and the
 * command files (cmd_*.c). Not for use outside smtpd/.
 */
#ifndef STAMP_SMTPD_SESS_H
#define STAMP_SMTPD_SESS_H

#include <stddef.h>

#include "address.h"
#include "buf.h"
#include "cmdline.h"
#include "dataread.h"
#include "hops.h"
#include "milter.h"
#include "opts.h"
#include "spool.h"
#include "str.h"
#include "uniq.h"
#include "world.h"

#define SMTPD_MAX_BAD        10   /* bad commands before 421 */
#define SMTPD_MAX_AUTH_FAIL  3    /* failed AUTHs before 421 */
#define SMTPD_AUTH_PAUSE_MS  1000 /* after each failed AUTH, times the failures */
#define SMTPD_HELO_MAX       255
#define SMTPD_REPLY_MAX      512
#define SMTPD_USER_MAX       255

enum helo_kind { HELO_NONE, HELO_SMTP, HELO_ESMTP };

struct sess {
	struct rbuf			*rb;
	struct wbuf			*wb;
	const struct smtpd_client	*c;
	const struct smtpd_opts		*o;
	const struct smtpd_world	*w;
	int		 quit;             /* end after this command */
	int		 quit_ok;          /* it was QUIT */
	unsigned	 bad;              /* bad commands so far */
	int		 relay_ip;         /* RELAYCLIENT or control/relayclients */
	int		 listed;           /* DNSBL: answer MAIL/RCPT with listed_reply */
	char		 listed_reply[SMTPD_REPLY_MAX];
	/* TLS */
	int		 tls;
	char		 tls_proto[32];
	char		 tls_desc[160];
	/* HELO / EHLO */
	enum helo_kind	 helo;
	char		 heloname[SMTPD_HELO_MAX + 1];
	/* AUTH */
	int		 authed;
	char		 user[SMTPD_USER_MAX + 1];
	unsigned	 auth_failures;
	char		 auth_mech[8];     /* "PLAIN", "LOGIN" */
	/* The filters of control/milters (NULL: none), and what their macros read. */
	struct milter_set *milters;
	struct milter_macros macros;
	const char	*milter_rcpt;      /* {rcpt_addr} during RCPT */
	/* The transaction: MAIL, RCPT, then DATA or BDAT. */
	int		 in_mail;
	char		 sender[ADDR_PATH_MAX + 1];
	int		 utf8;
	unsigned long long declared;      /* SIZE=, 0 none */
	char		**rcpts;
	size_t		 nrcpt;
	struct str	 prepend;          /* header lines policy services asked for */
	int		 bdat;             /* a BDAT message is being received */
	struct spool	 spool;
	struct dataread	 dr;
	struct hops	 hops;
	char		 id[QID_LEN + 1];  /* this message's id in our logs and Received: */
	unsigned	 messages;         /* queued in this session */
	/* Deadlines (mono_ms(), 0 none): timeoutsession, and timeoutdata while a message arrives. */
	long long	 deadline;
	long long	 msg_deadline;
};

/* Append one reply line (CR LF added); printf-like. */
void sess_reply(struct sess *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A reply to a bad command: counted; the tenth ends the session with 421. */
void sess_bad(struct sess *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Send what is buffered; 0, or -1 (the session ends). */
int  sess_flush(struct sess *);
/*
 * Read one line for the session (flushing replies first when no whole line
 * is buffered, as RFC 2920 asks). 1: a line in buf (*len bytes, LINE_TOOLONG
 * reported through *toolong); 0: the session is over (EOF, timeout: replied).
 */
int  sess_getline(struct sess *, char *buf, size_t bufsz, size_t *len, int *toolong);
/* Make sure input is buffered: 1 yes, 0 the session is over (EOF, timeout: replied). */
int  sess_fill(struct sess *);
/* A message starts arriving: reads are bounded by timeoutdata too, until sess_reset. */
void sess_message_clock(struct sess *);
/* Forget the transaction (RSET, HELO, after a message, STARTTLS). */
void sess_reset(struct sess *);
/* May this client send to any domain? */
int  sess_may_relay(const struct sess *);
/*
 * Ask the policy services at state ("RCPT", "END-OF-MESSAGE") about rcpt;
 * header lines they PREPEND go to prepend (NULL: dropped). 0 go on; -1 the
 * refusal was answered.
 */
int  sess_policy(struct sess *, const char *state, const char *rcpt, long long size,
    struct str *prepend);
/* Copy a reply line from a hook into dst, or def when it is not "4xx "/"5xx ". */
void sess_hook_reply(char *dst, size_t dstsz, const char *got, const char *def);
/* The client's address for log lines and hooks ("unknown" when none). */
const char *sess_ip(const struct sess *);

/*
 * Ask the filters at a stage (milter_helo, milter_mail, ... as fn's result);
 * a refusal is answered here (logged with stage). 0 go on, -1 answered.
 */
int  sess_milter(struct sess *, enum milter_verdict, const char *reply, const char *stage);
/* The value of a milter macro (name without braces), or NULL. */
const char *sess_macro(void *sess, const char *name);

/* The commands, one per verb: arg is after the verb and one space. */
void cmd_helo(struct sess *, char *arg);
void cmd_ehlo(struct sess *, char *arg);
void cmd_mail(struct sess *, char *arg);
void cmd_rcpt(struct sess *, char *arg);
void cmd_data(struct sess *, char *arg);
void cmd_bdat(struct sess *, char *arg);
void cmd_rset(struct sess *, char *arg);
void cmd_noop(struct sess *, char *arg);
void cmd_quit(struct sess *, char *arg);
void cmd_vrfy(struct sess *, char *arg);
void cmd_expn(struct sess *, char *arg);
void cmd_help(struct sess *, char *arg);
void cmd_auth(struct sess *, char *arg);
void cmd_starttls(struct sess *, char *arg);

/* Is AUTH offered now (TLS, loopback, or authplaintext)? */
int  auth_offered(const struct sess *);

#endif
