/*
 * stamp-inject: the sendmail interface for local programs (also installed
 * as sendmail and mailq).
 *
 * It reads a message, completes its header (queue/inj_build.h), and hands
 * it with its envelope to the queue program: STAMPQUEUE, or the sibling
 * stamp-queue. It is not set-user-ID: stamp-queue is, and records who ran
 * it. -bp, -q and -bs run the sibling queue tool or SMTP server instead.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "control.h"
#include "home.h"
#include "inj_addr.h"
#include "inj_build.h"
#include "inj_opts.h"
#include "inj_read.h"
#include "log.h"
#include "qexit.h"
#include "runqueue.h"
#include "uniq.h"

#define USAGE "usage: sendmail [-t] [-i] [-f sender] [-F name] [-o option] [recipient ...]\n" \
    "       sendmail -bp | mailq     list the queue\n" \
    "       sendmail -q              retry the queue now\n" \
    "       sendmail -bs             an SMTP session on stdin and stdout\n" \
    "  -t  recipients from To, Cc and Bcc too     -i  a line \".\" does not end the message\n" \
    "  -f  the envelope sender                    -F  the full name of a new From:\n"

struct who {
	char   user[256];
	char   fullname[256];
	struct str defaulthost, me;
};

/* Run a sibling program in place of this one. */
static noreturn void
become(const char *prog, const char *what)
{
	char path[PATH_MAX];

	if (sibling_path(path, sizeof path, prog) == -1)
		fatal(EX_SOFTWARE, "action=%s prog=%s", what, prog);
	if (access(path, X_OK) == -1)
		fatalx(EX_UNAVAILABLE, "reason=\"%s is not available: %s is not installed "
		    "beside stamp-inject\"", what, prog);
	execl(path, prog, (char *)NULL);
	fatal(EX_OSERR, "action=exec prog=%s", path);
}

/* -bs: one SMTP session on stdin/stdout, the client a local program. */
static noreturn void
smtp_session(void)
{
	if (setenv("PROTO", "TCP", 1) == -1 || setenv("TCPREMOTEIP", "127.0.0.1", 1) == -1 ||
	    setenv("TCPLOCALIP", "127.0.0.1", 1) == -1 || setenv("RELAYCLIENT", "", 1) == -1)
		fatal(EX_OSERR, "action=setenv");
	become("stamp-smtpd", "-bs (an SMTP session)");
}

/* Control characters in a name would start a new header line: make them spaces. */
static void
clean_name(char *dst, size_t dstsz, const char *src, const char *login)
{
	size_t j = 0;

	for (size_t i = 0; src[i] != '\0' && j + 1 < dstsz; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '&' && login != NULL) {   /* GECOS: "&" is the login, capitalised */
			for (size_t k = 0; login[k] != '\0' && j + 1 < dstsz; k++)
				dst[j++] = k == 0 && login[k] >= 'a' && login[k] <= 'z' ?
				    (char)(login[k] - 'a' + 'A') : login[k];
			continue;
		}
		dst[j++] = c < 32 || c == 127 ? ' ' : (char)c;
	}
	dst[j] = '\0';
}

static void
who_am_i(struct who *w, const char *fullname)
{
	struct passwd *pw = getpwuid(getuid());
	const char *name = pw != NULL ? pw->pw_name : getenv("LOGNAME");
	const char *gecos = NULL;

	if (name == NULL || name[0] == '\0')
		fatalx(EX_NOUSER, "reason=\"uid %u has no account (passwd entry) and LOGNAME "
		    "is not set\"", (unsigned)getuid());
	if (strlcpy(w->user, name, sizeof w->user) >= sizeof w->user)
		fatalx(EX_NOUSER, "reason=\"login name too long\"");
	if (fullname == NULL && (fullname = getenv("NAME")) == NULL && pw != NULL &&
	    pw->pw_gecos != NULL) {
		gecos = pw->pw_gecos;
		w->fullname[0] = '\0';
	}
	if (gecos != NULL) {
		char first[256];
		size_t n = strcspn(gecos, ",");

		snprintf(first, sizeof first, "%.*s", (int)(n < 255 ? n : 255), gecos);
		clean_name(w->fullname, sizeof w->fullname, first, w->user);
	} else if (fullname != NULL)
		clean_name(w->fullname, sizeof w->fullname, fullname, NULL);
}

static void
read_controls(struct who *w, long long *databytes)
{
	if (ctl_string("defaulthost", &w->defaulthost) == -1 ||
	    ctl_string("me", &w->me) == -1 || ctl_number("databytes", databytes) == -1)
		fatalx(errno == EINVAL ? EX_CONFIG : EX_TEMPFAIL,
		    "reason=\"cannot read a control file\" home=%s", home_dir());
}

/* The envelope sender: -f (bare names qualified, "" or "<>" the null sender) or user@defaulthost. */
static void
sender_of(const char *f, const struct who *w, struct str *out)
{
	char q[LOG_QUOTE_MAX];
	struct addr a;
	enum addr_error e;
	size_t used = 0;

	if (f == NULL) {
		if (str_appendf(out, "%s@%s", w->user, w->defaulthost.s) == -1)
			fatal(EX_OSERR, "action=sender");
		return;
	}
	if (f[0] == '\0' || strcmp(f, "<>") == 0) {
		if (str_sets(out, "") == -1)
			fatal(EX_OSERR, "action=sender");
		return;
	}
	e = addr_parse_path(f, strlen(f), ADDR_UTF8 | ADDR_ALLOW_BARE | ADDR_ALLOW_LOCAL |
	    ADDR_ALLOW_ROUTE, &a, &used);
	if (e == ADDR_OK && used != strlen(f))
		e = ADDR_ESYNTAX;     /* "a b": text after the address */
	if (e != ADDR_OK || a.is_null)
		fatalx(EX_USAGE, "sender=%s reason=\"-f: %s\"", log_quotes(q, sizeof q, f),
		    e != ADDR_OK ? addr_strerror(e) : "not an address");
	if (str_sets(out, a.mailbox) == -1 ||
	    (a.domain[0] == '\0' && str_appendf(out, "@%s", w->defaulthost.s) == -1))
		fatal(EX_OSERR, "action=sender");
}

static int
add_rcpt(const char *mailbox, void *arg)
{
	return rcpts_add(arg, mailbox);
}

/* Command-line recipients: each argument an address list ("a, Name <b@c>", "bob"). */
static void
cmdline_rcpts(const struct inj_opts *o, const struct who *w, struct ctl_list *rc)
{
	char q[LOG_QUOTE_MAX];

	for (size_t i = 0; i < o->nrcpt; i++) {
		const char *why;

		if (addrlist_parse(o->rcpt[i], strlen(o->rcpt[i]), w->defaulthost.s, add_rcpt,
		    rc, NULL, &why) == -1)
			fatalx(why ? EX_USAGE : EX_OSERR, "recipient=%s reason=\"%s\"",
			    log_quotes(q, sizeof q, o->rcpt[i]), why ? why : "out of memory");
	}
}

static int
envelope_fd(const char *sender, const struct ctl_list *rc)
{
	struct str e = STR_INIT;
	int fd;

	if (str_appendf(&e, "F%s", sender) == -1 || str_appendc(&e, '\0') == -1)
		fatal(EX_OSERR, "action=envelope");
	for (size_t i = 0; i < rc->n; i++)
		if (str_appendf(&e, "T%s", rc->items[i]) == -1 || str_appendc(&e, '\0') == -1)
			fatal(EX_OSERR, "action=envelope");
	if (str_appendc(&e, '\0') == -1 || (fd = memfd_with("envelope", e.s, e.len)) == -1)
		fatal(EX_OSERR, "action=envelope");
	str_free(&e);
	return fd;
}

/* What the queue program's exit code means to a caller of sendmail. */
static int
queue_exit(int code)
{
	if (code == QX_OK)
		return EX_OK;
	log_info("level=fatal reason=\"the queue refused the message: %s\" exit=%d queued=no",
	    code == -1 ? "it could not be run" : qexit_text(code), code);
	if (code == QX_ADDR || code == QX_RCPTS || code == QX_SIZE)
		return EX_DATAERR;
	return code != -1 && qexit_permanent(code) ? EX_UNAVAILABLE : EX_TEMPFAIL;
}

static int
deliver(const struct inj_opts *o)
{
	struct who w = { .defaulthost = STR_INIT, .me = STR_INIT };
	struct str in = STR_INIT, msg = STR_INIT, sender = STR_INIT, from = STR_INIT;
	struct ctl_list rc = { NULL, 0 };
	char qid[QID_LEN + 1], msgid[600], q[LOG_QUOTE_MAX];
	const char *why;
	long long databytes;
	struct inj_ctx ctx;
	const char *qprog = getenv("STAMPQUEUE");
	int msgfd, code;

	read_controls(&w, &databytes);
	who_am_i(&w, o->fullname);
	sender_of(o->sender, &w, &sender);
	if (str_appendf(&from, "%s@%s", w.user, w.defaulthost.s) == -1)
		fatal(EX_OSERR, "action=from");
	cmdline_rcpts(o, &w, &rc);
	if (inj_read(0, o->dot_ends, (size_t)databytes, &in) == -1) {
		if (errno == EFBIG)
			fatalx(EX_DATAERR, "reason=\"message larger than databytes (%lld octets)\" "
			    "queued=no", databytes);
		fatal(EX_IOERR, "action=read-message");
	}
	qid_new(qid, time(NULL));
	snprintf(msgid, sizeof msgid, "<%s.%ld@%s>", qid, (long)getpid(), w.me.s);
	ctx = (struct inj_ctx){ .extract = o->extract, .fullname = w.fullname,
	    .from_addr = from.s, .defaulthost = w.defaulthost.s, .msgid = msgid,
	    .now = time(NULL) };
	if (inj_build(&ctx, in.s, in.len, &msg, &rc, &why) == -1) {
		if (why == NULL)
			fatal(EX_OSERR, "action=complete-header");
		fatalx(EX_DATAERR, "reason=%s queued=no", log_quotes(q, sizeof q, why));
	}
	if (databytes > 0 && msg.len > (unsigned long long)databytes)
		fatalx(EX_DATAERR, "reason=\"message larger than databytes (%lld octets) with "
		    "its completed header\" queued=no", databytes);
	if (rc.n == 0)
		fatalx(EX_USAGE, "reason=\"no recipients: name them as arguments, or give -t "
		    "to take them from To, Cc and Bcc\"");
	if (qprog != NULL && access(qprog, X_OK) == -1)
		fatal(EX_TEMPFAIL, "reason=\"STAMPQUEUE is not a program that can be run\" "
		    "STAMPQUEUE=%s queued=no", log_quotes(q, sizeof q, qprog));
	if ((msgfd = memfd_with("message", msg.s, msg.len)) == -1)
		fatal(EX_OSERR, "action=message");
	code = queue_exit(run_queue_prog(qprog, msgfd, envelope_fd(sender.s, &rc)));
	str_free(&in);
	str_free(&msg);
	str_free(&sender);
	str_free(&from);
	str_free(&w.defaulthost);
	str_free(&w.me);
	ctl_list_free(&rc);
	return code;
}

int
main(int argc, char **argv)
{
	struct inj_opts o;
	char err[INJ_ERR_MAX], q[LOG_QUOTE_MAX];
	int code;

	log_init("stamp-inject");
	if ((code = inj_opts_parse(argc, argv, &o, err, sizeof err)) != 0)
		fatalx(code, "reason=%s usage=\"sendmail [-t] [-i] [-f sender] "
		    "[-F name] [recipient ...]\"", log_quotes(q, sizeof q, err));
	if (home_init(NULL) == -1)
		fatalx(EX_CONFIG, "reason=\"home path too long\"");
	switch (o.mode) {
	case MODE_LIST:
		become("stamp-qread", "-bp (the queue listing)");
	case MODE_FLUSH:
		become("stamp-qflush", "-q (a queue run)");
	case MODE_SMTP:
		smtp_session();
	case MODE_ALIASES:
		log_info("action=newaliases reason=\"nothing to rebuild: stamp reads "
		    "STAMP_HOME/aliases at every delivery\"");
		return EX_OK;
	case MODE_HELP:
		printf("%s", USAGE);
		return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	case MODE_DELIVER:
		break;
	}
	return deliver(&o);
}
