/*
 * icheck_control.c: every control file parses, me is set and resolves, and
 * the TLS pair is usable.
 *
 * The control files are read exactly as the programs read them, through
 * ctl_string, ctl_number and ctl_list; the reader's own message (file, line,
 * what is wrong, what to write) becomes the finding, caught from stderr.
 */
#include "icheck.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <arpa/nameser.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "control.h"
#include "dns.h"
#include "lmtproute.h"
#include "str.h"
#include "tlsio.h"

#define CAUGHT_MAX 1024

/* stderr into a memory file while a reader runs, so its messages can be kept. */
struct catch {
	int	 mem, saved;
};

static int
catch_begin(struct catch *k)
{
	fflush(stderr);
	if ((k->mem = memfd_create("stamp-check", MFD_CLOEXEC)) == -1)
		return -1;
	if ((k->saved = dup(STDERR_FILENO)) == -1 || dup2(k->mem, STDERR_FILENO) == -1) {
		if (k->saved != -1)
			close(k->saved);
		close(k->mem);
		return -1;
	}
	return 0;
}

/* The caught lines, joined with "; ", without the "prog: level=warn " prefixes. */
static void
catch_end(struct catch *k, char *out, size_t outsz)
{
	char	 raw[CAUGHT_MAX];
	ssize_t	 n;
	size_t	 o = 0;

	out[0] = '\0';
	if (k->mem == -1)
		return;
	(void)dup2(k->saved, STDERR_FILENO);
	close(k->saved);
	n = pread(k->mem, raw, sizeof raw - 1, 0);
	close(k->mem);
	if (n <= 0)
		return;
	raw[n] = '\0';
	for (char *line = strtok(raw, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		char *p = strstr(line, "level=warn ");

		p = p != NULL ? p + strlen("level=warn ") : line;
		o += (size_t)snprintf(out + o, o < outsz ? outsz - o : 0, "%s%s",
		    o > 0 ? "; " : "", p);
		if (o >= outsz)
			break;
	}
}

/* Read setting d as its programs do; 0, or -1 with the reader's message in why. */
static int
read_setting(const struct ctl_def *d, char *why, size_t whysz)
{
	struct ctl_list	 l;
	struct str	 s = STR_INIT;
	struct catch	 k;
	long long	 v;
	int		 r;

	if (catch_begin(&k) == -1)
		k.mem = -1;
	switch (d->type) {
	case CTL_NUMBER:
		r = ctl_number(d->name, &v);
		break;
	case CTL_STRING:
		r = ctl_string(d->name, &s);
		str_free(&s);
		break;
	default:
		r = ctl_list(d->name, &l);
		if (r == 0)
			ctl_list_free(&l);
		break;
	}
	catch_end(&k, why, whysz);
	if (r == -1 && why[0] == '\0')
		snprintf(why, whysz, "%s", strerror(errno));
	return r;
}

/* Files in control/ that stamp does not read as settings but that belong there. */
static int
known_other(const char *name)
{
	static const char *const ends[] = { ".pem", ".crt", ".key", ".cdb", ".tmp" };
	size_t n = strlen(name);

	if (name[0] == '.' || strncmp(name, "tcp.", 4) == 0 || strstr(name, ".tmp.") != NULL)
		return 1;
	/* stamp-dkim-keygen's folder of keys, read by the signing filter. */
	if (strcmp(name, "dkim") == 0)
		return 1;
	for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
		size_t e = strlen(ends[i]);
		if (n > e && strcmp(name + n - e, ends[i]) == 0)
			return 1;
	}
	return 0;
}

/* A file in control/ that no program reads is most often a misspelt name. */
static void
unknown_files(struct ick *c, const char *dir)
{
	struct dirent	*de;
	DIR		*d = opendir(dir);
	char		 fix[4800];

	if (d == NULL)
		return;     /* ick_layout says why */
	while ((de = readdir(d)) != NULL) {
		if (ctl_lookup(de->d_name) != NULL || known_other(de->d_name))
			continue;
		snprintf(fix, sizeof fix, "rename it to the setting meant (stamp-control(5) "
		    "lists them), or remove it: rm %s/%s", dir, de->d_name);
		ick_add(c, ICK_WARNING, fix, "%s/%s is no setting stamp reads "
		    "(a misspelt name?)", dir, de->d_name);
	}
	closedir(d);
}

void
ick_control(struct ick *c)
{
	char		 dir[4096], path[4400], why[CAUGHT_MAX], fix[4600];
	struct stat	 st;

	snprintf(dir, sizeof dir, "%s/control", c->home);
	for (const struct ctl_def *d = ctl_table; d->name != NULL; d++) {
		snprintf(path, sizeof path, "%s/%s", dir, d->name);
		/* A missing file is its default, whose own file is checked by its name. */
		if (lstat(path, &st) == -1)
			continue;
		if (read_setting(d, why, sizeof why) == 0)
			continue;
		snprintf(fix, sizeof fix, "edit %s (stamp-control(5): %s), or remove it for "
		    "the default", path, d->summary);
		ick_add(c, ICK_PROBLEM, fix, "control/%s cannot be used: %s", d->name, why);
	}
	unknown_files(c, dir);
}

/* me is set in its file, looks like a domain, and DNS gives it an address. */
void
ick_me(struct ick *c)
{
	struct dns_iplist	 ips;
	struct str		 me = STR_INIT;
	struct stat		 st;
	enum dns_status		 a, aaaa;
	char			 path[4096], fix[4600], why[CAUGHT_MAX];

	snprintf(path, sizeof path, "%s/control/me", c->home);
	if (read_setting(ctl_lookup("me"), why, sizeof why) == -1 || ctl_string("me", &me) == -1)
		return;     /* ick_control says why */
	if (lstat(path, &st) == -1 || st.st_size == 0) {
		snprintf(fix, sizeof fix, "echo %s > %s (the name in this host's DNS A and "
		    "MX records)", me.s, path);
		ick_add(c, ICK_PROBLEM, fix, "control/me is not set, so the host name "
		    "%s is used in greetings, Received: lines and bounces", me.s);
	} else if (strchr(me.s, '.') == NULL) {
		snprintf(fix, sizeof fix, "echo mail.example.org > %s (this host's fully "
		    "qualified name)", path);
		ick_add(c, ICK_WARNING, fix, "me (%s) is no fully qualified domain name: "
		    "other servers refuse it in EHLO", me.s);
	}
	if (c->w->dns != NULL) {
		ips.n = 0;
		a = dns_addr(c->w->dns, me.s, ns_t_a, &ips);
		aaaa = a == DNS_FOUND ? DNS_FOUND : dns_addr(c->w->dns, me.s, ns_t_aaaa, &ips);
		if (a == DNS_TEMP && aaaa == DNS_TEMP) {
			snprintf(fix, sizeof fix, "check the servers in %s/control/nameservers (or "
			    "/etc/resolv.conf when that file is missing or empty): "
			    "stamp-remote cannot deliver without DNS", c->home);
			ick_add(c, ICK_PROBLEM, fix, "DNS does not answer: a query for "
			    "the address of %s got no answer", me.s);
		} else if (a != DNS_FOUND && aaaa != DNS_FOUND) {
			snprintf(fix, sizeof fix, "add an A record for %s in DNS (and a PTR "
			    "record for its address), or write a name that has one into %s",
			    me.s, path);
			ick_add(c, ICK_WARNING, fix, "me (%s) has no address in DNS (A: %s, "
			    "AAAA: %s)", me.s, dns_status_name(a), dns_status_name(aaaa));
		}
	}
	str_free(&me);
}

/* Does a virtualdomains line ("domain:prefix") name domain? */
static int
vdomain_listed(const struct ctl_list *vd, const char *domain)
{
	size_t	 dl = strlen(domain);

	for (size_t i = 0; i < vd->n; i++)
		if (strncasecmp(vd->items[i], domain, dl) == 0 && vd->items[i][dl] == ':')
			return 1;
	return 0;
}

/* The path a tls setting names: relative ones are under control/, as tlsio reads them. */
static void
tls_path(const struct ick *c, const char *value, char *out, size_t outsz)
{
	if (value[0] == '/')
		snprintf(out, outsz, "%s", value);
	else
		snprintf(out, outsz, "%s/control/%s", c->home, value);
}

/* Can uid:gid read a file of this stat (supplementary groups aside)? */
static int
readable_by(const struct stat *st, uid_t uid, gid_t gid)
{
	if (uid == 0)
		return 1;
	if (st->st_uid == uid)
		return (st->st_mode & 0400) != 0;
	if (st->st_gid == gid)
		return (st->st_mode & 0040) != 0;
	return (st->st_mode & 0004) != 0;
}

/* The key: stampd reads it under tcpserver and xinetd; nobody else should. */
static void
key_access(struct ick *c, const char *key)
{
	struct stat	 st;
	uid_t		 uid;
	gid_t		 gid;
	char		 fix[8400];

	if (stat(key, &st) == -1)
		return;
	if (c->system && c->w->user(c->w->ctx, "stampd", &uid, &gid) &&
	    !readable_by(&st, uid, gid)) {
		snprintf(fix, sizeof fix, "chgrp stampd %s && chmod 0640 %s", key, key);
		ick_add(c, ICK_WARNING, fix, "the key %s cannot be read by stampd: "
		    "stamp-smtpd under tcpserver or xinetd (user stampd) offers no STARTTLS",
		    key);
	}
	if (st.st_mode & 0004) {
		snprintf(fix, sizeof fix, "chmod o-rwx %s", key);
		ick_add(c, ICK_WARNING, fix, "the private key %s is readable by everyone",
		    key);
	}
}

void
ick_tls(struct ick *c)
{
	struct str	 cert = STR_INIT, key = STR_INIT;
	char		 cp[4096], kp[4096], err[512], fix[8400];
	struct tls	*t;

	if (ctl_string("tlscert", &cert) == -1 || ctl_string("tlskey", &key) == -1)
		goto out;   /* ick_control says why */
	if (cert.len == 0 && key.len == 0)
		goto out;
	if (cert.len == 0 || key.len == 0) {
		snprintf(fix, sizeof fix, "write the path of the PEM %s into %s/control/%s, "
		    "or remove control/%s to serve without TLS",
		    cert.len == 0 ? "certificate chain" : "private key", c->home,
		    cert.len == 0 ? "tlscert" : "tlskey", cert.len == 0 ? "tlskey" : "tlscert");
		ick_add(c, ICK_PROBLEM, fix, "control/%s is set but control/%s is not: "
		    "no STARTTLS or STLS is offered", cert.len == 0 ? "tlskey" : "tlscert",
		    cert.len == 0 ? "tlscert" : "tlskey");
		goto out;
	}
	tls_path(c, cert.s, cp, sizeof cp);
	tls_path(c, key.s, kp, sizeof kp);
	for (int i = 0; i < 2; i++) {
		const char *p = i == 0 ? cp : kp, *name = i == 0 ? "tlscert" : "tlskey";

		if (access(p, R_OK) == 0)
			continue;
		snprintf(fix, sizeof fix, "put the PEM %s at %s, or write its path into "
		    "%s/control/%s", i == 0 ? "certificate chain" : "private key", p, c->home,
		    name);
		ick_add(c, ICK_PROBLEM, fix, "control/%s names %s, which cannot be read "
		    "(%s): no STARTTLS or STLS is offered", name, p, strerror(errno));
		goto out;
	}
	if ((t = tlsio_server_new(cp, kp, err, sizeof err)) == NULL) {
		snprintf(fix, sizeof fix, "openssl x509 -noout -pubkey -in %s and openssl "
		    "pkey -pubout -in %s must print the same key: put the key that belongs "
		    "to the certificate into tlskey", cp, kp);
		ick_add(c, ICK_PROBLEM, fix, "tlscert %s and tlskey %s are no usable "
		    "pair: %s", cp, kp, err);
		goto out;
	}
	tlsio_server_free(t);
	key_access(c, kp);
out:
	str_free(&cert);
	str_free(&key);
}

/*
 * Every control/lmtp line names a target stamp-lmtp can use (a malformed
 * one defers its mail), and a domain that is local (others never look it up).
 */
void
ick_lmtp(struct ick *c)
{
	struct ctl_list		 l = { NULL, 0 }, locals = { NULL, 0 }, vd = { NULL, 0 };
	struct lmtp_target	 t;
	const char		*why;
	char			 fix[4600], dom[CTL_LINE_MAX + 1];

	if (ctl_list("lmtp", &l) == -1 || ctl_list("locals", &locals) == -1 ||
	    ctl_list("virtualdomains", &vd) == -1)
		goto out;   /* ick_control says why */
	for (size_t i = 0; i < l.n; i++) {
		const char *colon = strchr(l.items[i], ':');

		snprintf(fix, sizeof fix, "write domain:inet:HOST:PORT or domain:unix:/path "
		    "(stamp-control(5)) in %s/control/lmtp", c->home);
		if (colon == NULL || lmtp_parse(colon + 1, &t, &why) == -1) {
			ick_add(c, ICK_PROBLEM, fix, "control/lmtp line %s cannot be used: %s: "
			    "its mail is deferred", l.items[i], colon == NULL ? "no colon" : why);
			continue;
		}
		snprintf(dom, sizeof dom, "%.*s", (int)(colon - l.items[i]), l.items[i]);
		if (dom[0] != '\0' && dom[0] != '.' && !ctl_list_has(&locals, dom) &&
		    !vdomain_listed(&vd, dom)) {
			snprintf(fix, sizeof fix, "echo %s >> %s/control/locals, or remove the line",
			    dom, c->home);
			ick_add(c, ICK_WARNING, fix, "control/lmtp names %s, which is not a local "
			    "domain (locals, virtualdomains): its line is never used", dom);
		}
	}
out:
	ctl_list_free(&l);
	ctl_list_free(&locals);
	ctl_list_free(&vd);
}
