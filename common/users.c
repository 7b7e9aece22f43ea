/* users.c: the one parser of STAMP_HOME/users. */
#include "users.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "home.h"
#include "log.h"

/* Copy the field [s, e) into dst; -1 when it does not fit. */
static int
field(char *dst, size_t dstsz, const char *s, const char *e)
{
	size_t	 n = (size_t)(e - s);

	if (n >= dstsz)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20)
			return 1;
	return 0;
}

int
users_parse_line(const char *line, struct user_entry *out)
{
	const char	*c1, *c2, *c3, *end = line + strlen(line);

	memset(out, 0, sizeof *out);
	if ((c1 = strchr(line, ':')) == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
		return -1;
	if ((c3 = strchr(c2 + 1, ':')) == NULL)
		c3 = end;
	else if (strchr(c3 + 1, ':') != NULL)
		return -1;
	if (c1 == line || field(out->name, sizeof out->name, line, c1) == -1 ||
	    field(out->hash, sizeof out->hash, c1 + 1, c2) == -1 ||
	    field(out->mailbox, sizeof out->mailbox, c2 + 1, c3) == -1 ||
	    (c3 != end && field(out->secret, sizeof out->secret, c3 + 1, end) == -1))
		return -1;
	for (char *p = out->name; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	/* The name is the default Maildir's folder under mail/: never a path
	 * ("../x", "a/b"), a hidden name, or one with blanks or control bytes. */
	if (out->name[0] == '.' || strpbrk(out->name, "/ \t\r\n\v\f\x7f") != NULL ||
	    has_control(out->name)) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	return 0;
}

int
users_name_ok(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > USERS_NAME_MAX || s[0] == '.' || s[0] == '-')
		return 0;
	for (; *s != '\0'; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		    *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

int
users_maildir(const struct user_entry *e, char *out, size_t outsz)
{
	char	 rel[PATH_MAX];
	int	 n;

	if (e->mailbox[0] == '\0')
		n = snprintf(rel, sizeof rel, "mail/%s/Maildir/", e->name);
	else if (e->mailbox[0] == '/')
		n = snprintf(rel, sizeof rel, "%s", e->mailbox);
	else
		n = snprintf(rel, sizeof rel, "mail/%s", e->mailbox);
	if (n < 0 || (size_t)n >= sizeof rel - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (rel[n - 1] != '/')
		strlcat(rel, "/", sizeof rel);
	if (*rel == '/') {
		if (strlcpy(out, rel, outsz) < outsz)
			return 0;
		errno = ENAMETOOLONG;
		return -1;
	}
	return home_path(out, outsz, rel);
}

/* Read HOME/users; 0 (l filled, maybe empty), -1 error. */
static int
read_users(struct ctl_list *l, char *path, size_t pathsz)
{
	if (home_path(path, pathsz, USERS_FILE) == -1 || ctl_read_file(path, l) == -1)
		return -1;
	return 0;
}

int
users_find(const char *name, struct user_entry *out)
{
	char		 path[PATH_MAX];
	struct ctl_list	 l;
	int		 found = 0;

	if (read_users(&l, path, sizeof path) == -1)
		return -1;
	for (size_t i = 0; i < l.n && !found; i++) {
		if (users_parse_line(l.items[i], out) == -1) {
			log_warnx("file=%s item=%zu reason=\"not name:hash:mailbox[:secret]; skipped\"",
			    path, i + 1);
			continue;
		}
		found = strcmp(out->name, name) == 0;
	}
	ctl_list_free(&l);
	if (!found)
		memset(out, 0, sizeof *out);
	return found;
}

int
users_any_secret(void)
{
	char		 path[PATH_MAX];
	struct ctl_list	 l;
	struct user_entry e;
	int		 any = 0;

	if (read_users(&l, path, sizeof path) == -1)
		return -1;
	for (size_t i = 0; i < l.n && !any; i++)
		any = users_parse_line(l.items[i], &e) == 0 && e.secret[0] != '\0';
	ctl_list_free(&l);
	explicit_bzero(&e, sizeof e);
	return any;
}
