/* lookup.c: local recipients: virtualdomains, aliases, users, accounts. */
#include "lookup.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "home.h"
#include "log.h"
#include "users.h"
#include "vdomain.h"

static void
fold(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

static int
add_target(struct ctl_list *l, const char *t)
{
	return *t == '\0' ? 0 : ctl_list_add(l, t, strlen(t));
}

int
alias_parse(const char *line, char *name, size_t namesz, struct ctl_list *targets)
{
	char	 buf[CTL_LINE_MAX + 1], *colon, *p, *comma;

	targets->items = NULL;
	targets->n = 0;
	if (strlcpy(buf, line, sizeof buf) >= sizeof buf || (colon = strchr(buf, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (strlcpy(name, trim(buf), namesz) >= namesz || *name == '\0')
		return -1;
	fold(name);
	for (p = colon + 1; p != NULL; p = comma) {
		p = trim(p);
		/* A program runs to the end of the line: its commas are its own. */
		if (*p == '|') {
			if (add_target(targets, p) == -1)
				goto fail;
			break;
		}
		if ((comma = strchr(p, ',')) != NULL)
			*comma++ = '\0';
		if (add_target(targets, trim(p)) == -1)
			goto fail;
	}
	if (targets->n > 0)
		return 0;
fail:
	ctl_list_free(targets);
	return -1;
}

/*
 * control/virtualdomains: the prefix for domain, "" when it has none (or
 * maps to plain local names); vdomain.h gives the matching rule.
 */
static int
virtual_prefix(const char *domain, char *prefix, size_t prefixsz)
{
	struct ctl_list	 l;
	const char	*p;
	size_t		 len;

	*prefix = '\0';
	if (*domain == '\0')
		return 0;
	if (ctl_list("virtualdomains", &l) == -1)
		return -1;
	if ((p = vdomain_prefix(&l, domain, &len)) != NULL)
		strlcpy(prefix, p, prefixsz);
	ctl_list_free(&l);
	fold(prefix);
	return 0;
}

/* The first aliases entry for name: 1 found (out->targets), 0 not, -1 error. */
static int
find_alias(const char *name, struct lookup *out)
{
	char		 path[PATH_MAX], n[LOOKUP_NAME_MAX + 1];
	struct ctl_list	 l, t;
	int		 found = 0;

	if (home_path(path, sizeof path, "aliases") == -1 || ctl_read_file(path, &l) == -1)
		return -1;
	for (size_t i = 0; i < l.n && !found; i++) {
		if (alias_parse(l.items[i], n, sizeof n, &t) == -1) {
			log_warnx("file=%s item=%zu reason=\"not name: target, ...; skipped\"",
			    path, i + 1);
			continue;
		}
		if (strcmp(n, name) == 0) {
			out->targets = t;
			found = 1;
		} else
			ctl_list_free(&t);
	}
	ctl_list_free(&l);
	return found;
}

/* HOME/users (users.c): 1 found (out->maildir), 0 not, -1 error. */
static int
find_user(const char *name, struct lookup *out)
{
	struct user_entry	 e;
	int			 r;

	if ((r = users_find(name, &e)) != 1)
		return r;
	if (users_maildir(&e, out->maildir, sizeof out->maildir) == -1) {
		log_warnx("user=%s reason=\"mailbox path too long\"", name);
		r = -1;
	}
	explicit_bzero(&e, sizeof e);
	return r;
}

/*
 * An account: never uid 0 (root reads mail through an alias), and only one
 * with a home folder of its own, as qmail-getpw demands, so that daemons'
 * accounts (home / or /nonexistent) are not mailboxes.
 */
static int
find_system(const char *name, struct lookup *out)
{
	struct passwd	*pw;
	struct stat	 st;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		return errno == 0 || errno == ENOENT || errno == ESRCH ? 0 : -1;
	if (pw->pw_uid == 0 || pw->pw_dir == NULL || pw->pw_dir[0] != '/')
		return 0;
	if (strlcpy(out->dir, pw->pw_dir, sizeof out->dir) >= sizeof out->dir ||
	    strlcpy(out->name, pw->pw_name, sizeof out->name) >= sizeof out->name)
		return 0;
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	if (stat(out->dir, &st) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		log_warn("user=%s home=%s", out->name, out->dir);
		return -1;
	}
	return S_ISDIR(st.st_mode) && st.st_uid == out->uid;
}

/* Try one name in every source, in order. */
static enum lookup_kind
find(const char *name, struct lookup *out)
{
	int	 r;

	if ((r = find_alias(name, out)) != 0)
		return r == 1 ? LK_ALIAS : LK_ERROR;
	if (out->aliases_only)
		return LK_UNKNOWN;
	if ((r = find_user(name, out)) != 0)
		return r == 1 ? LK_VIRTUAL : LK_ERROR;
	if ((r = find_system(name, out)) != 0)
		return r == 1 ? LK_SYSTEM : LK_ERROR;
	return LK_UNKNOWN;
}

/* Try user with extension ext; out->user and out->ext say what was found. */
static enum lookup_kind
try_name(const char *user, const char *ext, struct lookup *out)
{
	if (strlcpy(out->user, user, sizeof out->user) >= sizeof out->user ||
	    strlcpy(out->ext, ext, sizeof out->ext) >= sizeof out->ext)
		return LK_UNKNOWN;
	if ((out->kind = find(user, out)) == LK_UNKNOWN)
		out->user[0] = out->ext[0] = '\0';
	return out->kind;
}

static enum lookup_kind
lookup_names(const char *local, const char *domain, int aliases_only, struct lookup *out)
{
	char		 lc[ADDR_LOCAL_MAX + 1], prefix[CTL_LINE_MAX + 1];
	char		 name[LOOKUP_NAME_MAX + 1], *d;
	struct str	 delim = STR_INIT;
	int		 n;

	memset(out, 0, sizeof *out);
	out->kind = LK_UNKNOWN;
	out->aliases_only = aliases_only;
	if (strlcpy(lc, local, sizeof lc) >= sizeof lc)
		return LK_UNKNOWN;	/* longer than any mailbox can be */
	fold(lc);
	if (virtual_prefix(domain, prefix, sizeof prefix) == -1 ||
	    ctl_string("delimiter", &delim) == -1) {
		str_free(&delim);
		return out->kind = LK_ERROR;
	}
	n = *prefix != '\0' ? snprintf(name, sizeof name, "%s-%s", prefix, lc) :
	    snprintf(name, sizeof name, "%s", lc);
	if (n < 0 || (size_t)n >= sizeof name)
		log_warnx("domain=%s reason=\"virtualdomains prefix too long\"", domain);
	else if (try_name(name, "", out) == LK_UNKNOWN && delim.len > 0 &&
	    (d = strstr(name, delim.s)) != NULL) {
		*d = '\0';
		try_name(name, d + delim.len, out);
	}
	/* prefix-anything reaches prefix itself, with the local part as extension. */
	if (out->kind == LK_UNKNOWN && *prefix != '\0' && (size_t)n < sizeof name)
		try_name(prefix, lc, out);
	str_free(&delim);
	return out->kind;
}

enum lookup_kind
lookup_recipient(const char *local, const char *domain, struct lookup *out)
{
	return lookup_names(local, domain, 0, out);
}

enum lookup_kind
lookup_alias(const char *local, const char *domain, struct lookup *out)
{
	return lookup_names(local, domain, 1, out);
}

void
lookup_free(struct lookup *l)
{
	ctl_list_free(&l->targets);
}
