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
	STR("policyserver", "", NULL, "host:port of a Postfix policy server"),
	LIST("milters", "", NULL, "host:port of milter filters, in order"),
	STR("tlscert", "", NULL, "PEM certificate chain for STARTTLS and STLS"),
	STR("tlskey", "", NULL, "PEM private key for tlscert"),
	{ NULL, 0, NULL, NULL, 0, 0, NULL },
};

#define DEF_DEPTH 4

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

static int
list_add(struct ctl_list *l, const char *s, size_t len)
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

/* Split buf into items: comments, blanks and surrounding space dropped. */
static int
parse_lines(const char *path, const char *buf, size_t len, struct ctl_list *out)
{
	size_t	 lineno = 0, pos = 0;

	if (memchr(buf, '\0', len) != NULL) {
		log_warnx("file=%s reason=\"contains a NUL byte; rewrite it as text\"", path);
		errno = EINVAL;
		return -1;
	}
	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;
		const char *hash = memchr(s, '#', n);

		lineno++;
		pos += n + (nl != NULL);
		if (n > CTL_LINE_MAX) {
			log_warnx("file=%s line=%zu reason=\"line longer than %d octets\"",
			    path, lineno, CTL_LINE_MAX);
			errno = EINVAL;
			return -1;
		}
		if (hash != NULL)
			n = (size_t)(hash - s);
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		if (n > 0 && list_add(out, s, n) == -1)
			return -1;
	}
	return 0;
}

int
ctl_read_file(const char *path, struct ctl_list *out)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 r;
	size_t		 len = 0;
	int		 fd;

	out->items = NULL;
	out->n = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("file=%s action=open", path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("file=%s action=fstat", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CTL_FILE_MAX) {
		errno = EINVAL;
		log_warnx("file=%s reason=\"not a regular file of at most %d octets\"",
		    path, CTL_FILE_MAX);
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	/* Read to the end, in case it grew; never past the bound. */
	while (len <= (size_t)st.st_size &&
	    (r = read(fd, buf + len, (size_t)st.st_size + 1 - len)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			log_warn("file=%s action=read", path);
			free(buf);
			close(fd);
			return -1;
		}
		len += (size_t)r;
	}
	close(fd);
	if (parse_lines(path, buf, len, out) == -1) {
		int saved = errno;
		free(buf);
		ctl_list_free(out);
		errno = saved;
		return -1;
	}
	free(buf);
	return 1;
}

static const struct ctl_def *
declared(const char *name)
{
	const struct ctl_def *d = ctl_lookup(name);

	if (d == NULL) {
		log_warnx("reason=\"bug: control file %s is not declared in control.c\"", name);
		errno = ENOENT;
	}
	return d;
}

static int
default_list(const struct ctl_def *d, struct ctl_list *out, int depth);

/* The items of setting d: its file, else its default. */
static int
read_setting(const struct ctl_def *d, struct ctl_list *out, int depth)
{
	char	 path[HOME_PATH_MAX], rel[128];
	int	 r;

	snprintf(rel, sizeof rel, "control/%s", d->name);
	if (home_path(path, sizeof path, rel) == -1)
		return -1;
	if ((r = ctl_read_file(path, out)) == -1)
		return -1;
	/* Missing: the default. Empty: the default too, except for lists. */
	if (r == 0 || (out->n == 0 && d->type != CTL_LIST))
		return default_list(d, out, depth);
	return 0;
}

static int
default_list(const struct ctl_def *d, struct ctl_list *out, int depth)
{
	char	 host[256];
	const char *p, *nl;

	ctl_list_free(out);
	if (d->def_from != NULL) {
		const struct ctl_def *from = ctl_lookup(d->def_from);
		if (from == NULL || depth >= DEF_DEPTH) {
			errno = ELOOP;
			return -1;
		}
		return read_setting(from, out, depth + 1);
	}
	if (strcmp(d->name, "me") == 0 || strcmp(d->name, "locals") == 0) {
		struct ctl_list me = { NULL, 0 };
		if (strcmp(d->name, "locals") == 0) {
			if (read_setting(ctl_lookup("me"), &me, depth + 1) == -1)
				return -1;
			if ((me.n > 0 && list_add(out, me.items[0], strlen(me.items[0])) == -1) ||
			    list_add(out, "localhost", 9) == -1) {
				ctl_list_free(&me);
				return -1;
			}
			ctl_list_free(&me);
			return 0;
		}
		if (gethostname(host, sizeof host) == -1 || host[0] == '\0')
			strlcpy(host, "localhost", sizeof host);
		host[sizeof host - 1] = '\0';
		return list_add(out, host, strlen(host));
	}
	for (p = d->def != NULL ? d->def : ""; *p != '\0'; p = nl != NULL ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && list_add(out, p, n) == -1)
			return -1;
	}
	return 0;
}

int
ctl_list(const char *name, struct ctl_list *out)
{
	const struct ctl_def *d = declared(name);

	out->items = NULL;
	out->n = 0;
	if (d == NULL)
		return -1;
	return read_setting(d, out, 0);
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

int
ctl_number(const char *name, long long *out)
{
	const struct ctl_def *d = declared(name);
	struct ctl_list	 l;
	const char	*err = NULL;
	long long	 v;

	if (d == NULL || ctl_list(name, &l) == -1)
		return -1;
	if (l.n == 0) {
		ctl_list_free(&l);
		errno = EINVAL;
		return -1;
	}
	v = strtonum(l.items[0], d->min, d->max, &err);
	if (err != NULL) {
		log_warnx("file=%s/control/%s value=\"%.40s\" reason=\"must be a number from "
		    "%lld to %lld (%s)\"", home_dir(), name, l.items[0], d->min, d->max, err);
		ctl_list_free(&l);
		errno = EINVAL;
		return -1;
	}
	ctl_list_free(&l);
	*out = v;
	return 0;
}
