/*
 * control.c: every control file, declared once, and the one reader of them.
 *
 * The table below is the only place where a setting's name, type, default
 * and bounds are written; stamp-control(5) documents it entry by entry.
 */
#include "control.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "home.h"
#include "log.h"

#define DAY   86400LL
#define NUM(n, d, lo, hi, s)  { n, CTL_NUMBER, d, NULL, lo, hi, s }
#define STR(n, d, from, s)    { n, CTL_STRING, d, from, 0, 0, s }
#define LIST(n, d, from, s)   { n, CTL_LIST, d, from, 0, 0, s }

const struct ctl_def ctl_table[] = {
	STR("me", NULL, NULL, "this host's fully qualified name (default: the hostname)"),
	LIST("locals", NULL, NULL, "domains delivered on this host (default: me and localhost)"),
	LIST("rcpthosts", NULL, "locals", "domains accepted from anyone over SMTP"),
	LIST("virtualdomains", "", NULL, "domain:prefix lines mapping a domain to local users"),
	LIST("smtproutes", "", NULL, "domain:host[:port] routes; :host is a smarthost"),
	LIST("nameservers", "", NULL, "IP[:port] resolvers used instead of /etc/resolv.conf"),
	NUM("databytes", "26214400", 0, 1LL << 40, "largest message accepted, in octets (0: no limit)"),
	NUM("queuelifetime", "604800", 1, 365 * DAY, "seconds a message may stay queued before it bounces"),
	NUM("retrymin", "300", 1, DAY, "seconds before the first retry"),
	NUM("retrymax", "14400", 1, 7 * DAY, "longest wait between retries, in seconds"),
	NUM("concurrencylocal", "10", 1, 1000, "local deliveries at once"),
	NUM("concurrencyremote", "20", 1, 1000, "remote deliveries at once"),
	NUM("concurrencyperdomain", "10", 1, 1000, "remote deliveries at once to one domain"),
	NUM("timeoutsmtpd", "300", 1, DAY, "seconds stamp-smtpd waits for a client"),
	NUM("timeoutremote", "1200", 1, DAY, "seconds stamp-remote waits for a server"),
	NUM("timeoutconnect", "60", 1, 3600, "seconds stamp-remote waits for a connection"),
	NUM("timeoutqueue", "1200", 1, DAY, "seconds stamp-queue waits for input"),
	NUM("timeoutpop3", "600", 1, DAY, "seconds stamp-popd waits for a client"),
	NUM("maxrcpt", "100", 1, 10000, "recipients accepted per SMTP transaction"),
	NUM("maxhops", "100", 1, 1000, "Received: and Delivered-To: lines before a message is a loop"),
	NUM("greetdelay", "0", 0, 300, "seconds stamp-smtpd waits before its greeting"),
	STR("bouncefrom", "MAILER-DAEMON", NULL, "local part bounces are sent from"),
	STR("doublebounceto", "postmaster", NULL, "where bounces that fail go"),
	STR("helohost", NULL, "me", "the name stamp-remote gives in EHLO"),
	STR("defaulthost", NULL, "me", "domain added to addresses without one"),
	STR("smtpgreeting", NULL, "me", "text of the SMTP greeting"),
	STR("delimiter", "+", NULL, "separates a local part from its extension"),
	NUM("authplaintext", "0", 0, 1, "1: allow AUTH without TLS"),
	NUM("pop3plaintext", "0", 0, 1, "1: allow POP3 passwords without TLS"),
	NUM("systemusers", "0", 0, 1, "1: system accounts log in to POP3 and SMTP AUTH"),
	LIST("badmailfrom", "", NULL, "senders refused (address, or @domain)"),
	LIST("badrcptto", "", NULL, "recipients refused"),
	LIST("relayclients", "", NULL, "client IP addresses or prefixes allowed to relay"),
	LIST("dnsbl", "", NULL, "DNS block lists checked at connection"),
	STR("tlscert", "", NULL, "PEM certificate chain for STARTTLS and STLS"),
	STR("tlskey", "", NULL, "PEM private key for tlscert"),

	/* ---- stamp-smtpd (add its settings here) ---- */
	LIST("policy", "", NULL, "Postfix policy services: inet:HOST:PORT, unix:/path, exec:/path"),
	NUM("timeoutpolicy", "10", 1, 3600, "seconds a policy service may take to connect and answer"),
	LIST("milters", "", NULL, "milter filters of port 25: inet:HOST:PORT or unix:/path [default=accept|tempfail]"),
	LIST("submissionmilters", "", NULL, "milter filters of the submission listener, used instead of milters"),
	NUM("timeoutmilterconnect", "30", 1, 3600, "seconds to connect to a milter and negotiate"),
	NUM("timeoutmilter", "30", 1, 3600, "seconds a milter may take to answer one command"),
	NUM("timeoutmiltereom", "300", 1, 3600, "seconds a milter may take at the end of a message"),
	NUM("timeoutsession", "3600", 1, 7 * DAY, "seconds an SMTP session may last in all"),
	NUM("timeoutdata", "1800", 1, DAY, "seconds one message (DATA or BDAT) may take to arrive"),

	/* ---- the pre-forking listener of stamp-smtpd and stamp-popd ---- */
	NUM("concurrencyincoming", "100", 1, 10000, "sessions at once, per listening program"),
	NUM("concurrencyperip", "10", 1, 10000, "sessions at once from one client address"),
	NUM("prefork", "4", 0, 1000, "idle workers a listener keeps ready"),

	/* ---- stamp-remote (add its settings here) ---- */
	LIST("tlsdestinations", "", NULL, "domain or domain:verify lines that require TLS"),
	NUM("timeoutdns", "5", 1, 60, "seconds the resolver waits for each DNS answer (each try)"),

	/* ---- stamp-lmtp (LMTP delivery of local mail) ---- */
	LIST("lmtp", "", NULL, "domain:inet:HOST:PORT or domain:unix:/path; :... for every local domain"),
	NUM("timeoutlmtp", "600", 1, DAY, "seconds stamp-lmtp waits for an LMTP server's reply"),

	/* ---- stamp-popd, stamp-checkpw, stamp-user (add their settings here) ---- */
	NUM("timeoutpop3session", "3600", 1, 7 * DAY, "seconds a POP3 session may last in all"),
	NUM("pop3faildelay", "2", 0, 60, "seconds stamp-popd waits before it answers a failed login"),
	STR("pop3checkpassword", "", NULL, "checkpassword program of stamp-popd (default: stamp-checkpw)"),

	{ NULL, 0, NULL, NULL, 0, 0, NULL },
};

/* def_from chains are short (rcpthosts -> locals -> me); a longer one is a loop. */
#define DEF_DEPTH 4

/* Where a setting's value came from, for messages: line 0 is its default. */
struct origin {
	char	 path[HOME_PATH_MAX];
	size_t	 line;
};

const struct ctl_def *
ctl_lookup(const char *name)
{
	for (const struct ctl_def *d = ctl_table; d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

void
ctl_list_free(struct ctl_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

int
ctl_list_has(const struct ctl_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

int
ctl_list_add(struct ctl_list *l, const char *s, size_t len)
{
	char	**v, *item;

	if ((item = strndup(s, len)) == NULL)
		return -1;
	if ((v = reallocarray(l->items, l->n + 1, sizeof *v)) == NULL) {
		free(item);
		return -1;
	}
	v[l->n++] = item;
	l->items = v;
	return 0;
}

/* One warning naming the file (and line, when known); errno is EINVAL after. */
static int __attribute__((format(printf, 3, 4)))
bad_content(const char *path, size_t line, const char *fmt, ...)
{
	char	 q[LOG_QUOTE_MAX], reason[256];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (line > 0)
		log_warnx("file=%s line=%zu reason=\"%s\"",
		    log_quotes(q, sizeof q, path), line, reason);
	else
		log_warnx("file=%s reason=\"%s\"", log_quotes(q, sizeof q, path),
		    reason);
	errno = EINVAL;
	return -1;
}

/* A system call failed on path: log it, keep its errno. */
static int
sys_failed(const char *path, const char *action)
{
	char	 q[LOG_QUOTE_MAX];
	int	 saved = errno;

	log_warn("file=%s action=%s", log_quotes(q, sizeof q, path), action);
	errno = saved;
	return -1;
}

/*
 * Split buf into items: comments, blank lines and surrounding white space
 * dropped. *first is the line of the first item (0 when there is none).
 */
static int
parse_lines(const char *path, const char *buf, size_t len, struct ctl_list *out,
    size_t *first)
{
	size_t	 lineno = 0, pos = 0;

	*first = 0;
	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos), *hash;
		size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;

		lineno++;
		pos += n + (nl != NULL);
		if (n > CTL_LINE_MAX)
			return bad_content(path, lineno, "line longer than "
			    "%d octets; shorten it or split it into items",
			    CTL_LINE_MAX);
		if (memchr(s, '\0', n) != NULL)
			return bad_content(path, lineno, "NUL byte; "
			    "a control file is text, rewrite this line");
		if ((hash = memchr(s, '#', n)) != NULL)
			n = (size_t)(hash - s);
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if (ctl_list_add(out, s, n) == -1)
			return -1;
		if (*first == 0)
			*first = lineno;
	}
	return 0;
}

/* Read all of fd into b, but never more than CTL_FILE_MAX octets. */
static int
slurp(const char *path, int fd, off_t size, struct str *b)
{
	ssize_t	 r;

	/* The size is a hint: the file may change while it is read. */
	if (str_reserve(b, (size_t)size + 1) == -1)
		return -1;
	for (;;) {
		if (b->cap - b->len < 2 && str_reserve(b, 4096) == -1)
			return -1;
		r = read(fd, b->s + b->len, b->cap - b->len - 1);
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return sys_failed(path, "read");
		}
		b->len += (size_t)r;
		if (b->len > CTL_FILE_MAX)
			return bad_content(path, 0, "larger than %d octets; shorten it",
			    CTL_FILE_MAX);
	}
	return 0;
}

/* ctl_read_file(), and the line of the first item into *first. */
static int
read_items(const char *path, struct ctl_list *out, size_t *first)
{
	struct stat	 st;
	struct str	 b = STR_INIT;
	int		 fd, rc, saved;

	out->items = NULL;
	out->n = 0;
	*first = 0;
	/* Non-blocking, so that a FIFO put here cannot hang the open. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno != ENOENT)
			return sys_failed(path, "open");
		/* A symbolic link to nothing is a mistake, not a missing file. */
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			char q[LOG_QUOTE_MAX];

			log_warnx("file=%s reason=\"symbolic link to a missing "
			    "file; fix the link or remove it\"",
			    log_quotes(q, sizeof q, path));
			errno = ENOENT;
			return -1;
		}
		return 0;
	}
	if (fstat(fd, &st) == -1)
		rc = sys_failed(path, "fstat");
	else if (!S_ISREG(st.st_mode))
		rc = bad_content(path, 0, "not a regular file; "
		    "make it a file or a symbolic link to one");
	else if (st.st_size > CTL_FILE_MAX)
		rc = bad_content(path, 0, "larger than %d octets; shorten it",
		    CTL_FILE_MAX);
	else if ((rc = slurp(path, fd, st.st_size, &b)) == 0)
		rc = parse_lines(path, b.s, b.len, out, first);
	saved = errno;
	close(fd);
	str_free(&b);
	if (rc == -1) {
		ctl_list_free(out);
		errno = saved;
		return -1;
	}
	return 1;
}

int
ctl_read_file(const char *path, struct ctl_list *out)
{
	size_t	 first;

	return read_items(path, out, &first);
}

static const struct ctl_def *
declared(const char *name)
{
	const struct ctl_def *d = ctl_lookup(name);

	if (d == NULL) {
		log_warnx("reason=\"bug: control file %s is not declared in control.c\"",
		    name);
		errno = ENOENT;
	}
	return d;
}

static int default_items(const struct ctl_def *, struct ctl_list *,
    struct origin *, int);

/* The items of setting d: its file, else its default. */
static int
setting_items(const struct ctl_def *d, struct ctl_list *out, struct origin *o,
    int depth)
{
	char	 rel[128];
	int	 r, n;

	n = snprintf(rel, sizeof rel, "control/%s", d->name);
	if (n < 0 || (size_t)n >= sizeof rel) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (home_path(o->path, sizeof o->path, rel) == -1)
		return sys_failed(rel, "home_path");
	if ((r = read_items(o->path, out, &o->line)) == -1)
		return -1;
	/* Missing: the default. Empty: the default too, except for lists. */
	if (r == 0 || (out->n == 0 && d->type != CTL_LIST))
		return default_items(d, out, o, depth);
	return 0;
}

/* me and locals have defaults that are computed, not written in the table. */
static int
computed_default(const struct ctl_def *d, struct ctl_list *out,
    struct origin *o, int depth)
{
	struct ctl_list	 me = { NULL, 0 };
	char		 host[256];
	int		 rc = 0;

	if (strcmp(d->name, "me") == 0) {
		if (gethostname(host, sizeof host) == -1 || host[0] == '\0')
			strlcpy(host, "localhost", sizeof host);
		host[sizeof host - 1] = '\0';
		return ctl_list_add(out, host, strlen(host));
	}
	if (strcmp(d->name, "locals") != 0) {
		log_warnx("reason=\"bug: control file %s has no default\"", d->name);
		errno = EINVAL;
		return -1;
	}
	if (setting_items(ctl_lookup("me"), &me, o, depth + 1) == -1)
		return -1;
	if (me.n > 0 && strcasecmp(me.items[0], "localhost") != 0)
		rc = ctl_list_add(out, me.items[0], strlen(me.items[0]));
	if (rc == 0)
		rc = ctl_list_add(out, "localhost", strlen("localhost"));
	ctl_list_free(&me);
	o->line = 0;
	return rc;
}

static int
default_items(const struct ctl_def *d, struct ctl_list *out, struct origin *o,
    int depth)
{
	const char	*p, *nl;
	size_t		 n;

	ctl_list_free(out);
	o->line = 0;
	if (depth >= DEF_DEPTH) {
		log_warnx("reason=\"bug: control file %s: def_from chain too long\"",
		    d->name);
		errno = ELOOP;
		return -1;
	}
	if (d->def_from != NULL) {
		const struct ctl_def *from = ctl_lookup(d->def_from);

		if (from == NULL) {
			log_warnx("reason=\"bug: control file %s: def_from %s "
			    "is not declared\"", d->name, d->def_from);
			errno = ENOENT;
			return -1;
		}
		return setting_items(from, out, o, depth + 1);
	}
	if (d->def == NULL)
		return computed_default(d, out, o, depth);
	for (p = d->def; *p != '\0'; p += n + (nl != NULL)) {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && ctl_list_add(out, p, n) == -1)
			return -1;
	}
	return 0;
}

int
ctl_list(const char *name, struct ctl_list *out)
{
	const struct ctl_def	*d = declared(name);
	struct origin		 o;

	out->items = NULL;
	out->n = 0;
	if (d == NULL)
		return -1;
	return setting_items(d, out, &o, 0);
}

int
ctl_string(const char *name, struct str *out)
{
	struct ctl_list	 l;
	int		 rc;

	if (ctl_list(name, &l) == -1)
		return -1;
	rc = str_sets(out, l.n > 0 ? l.items[0] : "");
	ctl_list_free(&l);
	return rc;
}

/* Decimal: an optional "-", then digits only (no "+", space or "0x"). */
static int
decimal(const char *s, long long min, long long max, long long *v,
    const char **why)
{
	const char	*p = s + (*s == '-');

	if (*p == '\0' || strspn(p, "0123456789") != strlen(p)) {
		*why = "not a decimal number";
		return -1;
	}
	*v = strtonum(s, min, max, why);
	return *why != NULL ? -1 : 0;
}

int
ctl_number(const char *name, long long *out)
{
	const struct ctl_def	*d = declared(name);
	struct ctl_list		 l;
	struct origin		 o;
	const char		*why = NULL;
	char			 qp[LOG_QUOTE_MAX], qv[LOG_QUOTE_MAX];
	long long		 v = 0;

	if (d == NULL)
		return -1;
	if (setting_items(d, &l, &o, 0) == -1)
		return -1;
	if (l.n == 0 || decimal(l.items[0], d->min, d->max, &v, &why) == -1) {
		if (o.line == 0)
			log_warnx("reason=\"bug: control file %s has a bad default\"",
			    d->name);
		else {
			log_warnx("file=%s line=%zu value=%s reason=\"%s; write a "
			    "whole number from %lld to %lld\"",
			    log_quotes(qp, sizeof qp, o.path), o.line,
			    log_quotes(qv, sizeof qv, l.items[0]),
			    why != NULL ? why : "empty", d->min, d->max);
		}
		ctl_list_free(&l);
		errno = EINVAL;
		return -1;
	}
	ctl_list_free(&l);
	*out = v;
	return 0;
}
