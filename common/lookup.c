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
	char	**v, *d;

	if (*t == '\0')
		return 0;
	if ((d = strdup(t)) == NULL)
		return -1;
	if ((v = reallocarray(l->items, l->n + 1, sizeof *v)) == NULL) {
		free(d);
		return -1;
	}
	v[l->n++] = d;
	l->items = v;
	return 0;
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

/* control/virtualdomains: "domain:prefix" turns user into prefix-user. */
static int
map_virtual(const char *domain, char *user, size_t usersz)
{
	struct ctl_list	 l;
	char		 tmp[CTL_LINE_MAX + ADDR_LOCAL_MAX * 2 + 4];

	if (*domain == '\0')
		return 0;
	if (ctl_list("virtualdomains", &l) == -1)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const char *colon = strchr(l.items[i], ':');
		if (colon == NULL || (size_t)(colon - l.items[i]) != strlen(domain) ||
		    strncasecmp(l.items[i], domain, strlen(domain)) != 0)
			continue;
		if (colon[1] != '\0') {
			snprintf(tmp, sizeof tmp, "%s-%s", colon + 1, user);
			strlcpy(user, tmp, usersz);
			fold(user);
		}
		break;
	}
	ctl_list_free(&l);
	return 0;
}

static int
find_alias(const char *name, struct lookup *out)
{
	char		 path[PATH_MAX], n[ADDR_LOCAL_MAX + 1];
	struct ctl_list	 l, t;
	int		 r, found = 0;

	if (home_path(path, sizeof path, "aliases") == -1 || (r = ctl_read_file(path, &l)) == -1)
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

static int
find_user(const char *name, struct lookup *out)
{
	char		 path[PATH_MAX];
	struct ctl_list	 l;
	int		 found = 0;

	if (home_path(path, sizeof path, "users") == -1 || ctl_read_file(path, &l) == -1)
		return -1;
	for (size_t i = 0; i < l.n && !found; i++) {
		char *a = l.items[i], *c1 = strchr(a, ':'), *c2;
		if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
			continue;
		*c1 = '\0';
		fold(a);
		if (strcmp(a, name) != 0)
			continue;
		found = 1;
		c2++;
		if (*c2 == '/')
			strlcpy(out->maildir, c2, sizeof out->maildir);
		else {
			char rel[PATH_MAX];
			if (*c2 == '\0')
				snprintf(rel, sizeof rel, "mail/%s/Maildir/", name);
			else
				snprintf(rel, sizeof rel, "mail/%s", c2);
			if (home_path(out->maildir, sizeof out->maildir, rel) == -1)
				found = -1;
		}
	}
	ctl_list_free(&l);
	return found;
}

static int
find_system(const char *name, struct lookup *out)
{
	struct passwd	*pw;
	long long	 on;

	if (ctl_number("systemusers", &on) == -1)
		return -1;
	(void)on;	/* systemusers is about logins; mail always reaches accounts */
	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		return errno == 0 || errno == ENOENT || errno == ESRCH ? 0 : -1;
	if (pw->pw_uid == 0 || pw->pw_dir == NULL || pw->pw_dir[0] != '/')
		return 0;	/* root reads mail through an alias, never directly */
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	strlcpy(out->dir, pw->pw_dir, sizeof out->dir);
	strlcpy(out->name, pw->pw_name, sizeof out->name);
	return 1;
}

/* Try one name in every source, in order. */
static enum lookup_kind
find(const char *name, struct lookup *out)
{
	int	 r;

	if ((r = find_alias(name, out)) != 0)
		return r == 1 ? LK_ALIAS : LK_ERROR;
	if ((r = find_user(name, out)) != 0)
		return r == 1 ? LK_VIRTUAL : LK_ERROR;
	if ((r = find_system(name, out)) != 0)
		return r == 1 ? LK_SYSTEM : LK_ERROR;
	return LK_UNKNOWN;
}

enum lookup_kind
lookup_recipient(const char *local, const char *domain, struct lookup *out)
{
	char		 user[ADDR_LOCAL_MAX * 2 + 2], *d;
	struct str	 delim = STR_INIT;

	memset(out, 0, sizeof *out);
	strlcpy(user, local, sizeof user);
	fold(user);
	if (map_virtual(domain, user, sizeof user) == -1 || ctl_string("delimiter", &delim) == -1) {
		str_free(&delim);
		return out->kind = LK_ERROR;
	}
	strlcpy(out->user, user, sizeof out->user);
	out->kind = find(user, out);
	if (out->kind == LK_UNKNOWN && delim.len > 0 && (d = strstr(user, delim.s)) != NULL) {
		strlcpy(out->ext, d + delim.len, sizeof out->ext);
		*d = '\0';
		strlcpy(out->user, user, sizeof out->user);
		out->kind = find(user, out);
		if (out->kind == LK_UNKNOWN)
			out->ext[0] = '\0';
	}
	str_free(&delim);
	return out->kind;
}

void
lookup_free(struct lookup *l)
{
	ctl_list_free(&l->targets);
}
