/* useredit.c: add, change and remove one line of the users file, in memory. */
#include "useredit.h"

#include <string.h>

#include "users.h"

/* Call fn for every line of text (without its LF); the line's entry when it parses. */
typedef int (*line_fn)(const char *line, size_t len, const struct user_entry *e, void *arg);

static int
each_line(const char *text, line_fn fn, void *arg)
{
	const char	*p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char line[USERS_NAME_MAX + USERS_HASH_MAX + PATH_MAX + USERS_SECRET_MAX + 8];
		struct user_entry e, *ep = NULL;
		int r;

		if (len < sizeof line) {
			memcpy(line, p, len);
			line[len] = '\0';
			if (strchr(line, '#') == NULL && users_parse_line(line, &e) == 0)
				ep = &e;
		}
		r = fn(p, len, ep, arg);
		explicit_bzero(&e, sizeof e);
		explicit_bzero(line, sizeof line);
		if (r == -1)
			return -1;
		p += len + (nl != NULL);
	}
	return 0;
}

struct edit {
	const char	*name, *hash, *secret;
	enum { E_FIND, E_HASH, E_SECRET, E_DEL } op;
	int		 found;
	struct str	*out, *mailbox;
};

static int
put_entry(struct str *out, const struct user_entry *e, const char *hash, const char *secret)
{
	if (str_appendf(out, "%s:%s:%s", e->name, hash, e->mailbox) == -1)
		return -1;
	if (*secret != '\0' && str_appendf(out, ":%s", secret) == -1)
		return -1;
	return str_appendc(out, '\n');
}

static int
edit_line(const char *line, size_t len, const struct user_entry *e, void *arg)
{
	struct edit	*ed = arg;

	if (e == NULL || strcmp(e->name, ed->name) != 0 || ed->found) {
		if (ed->out == NULL)
			return 0;
		if (str_append(ed->out, line, len) == -1 || str_appendc(ed->out, '\n') == -1)
			return -1;
		return 0;
	}
	ed->found = 1;
	switch (ed->op) {
	case E_FIND:
		return 0;
	case E_HASH:
		return put_entry(ed->out, e, ed->hash, e->secret);
	case E_SECRET:
		return put_entry(ed->out, e, e->hash, ed->secret);
	case E_DEL:
		return str_sets(ed->mailbox, e->mailbox);
	}
	return -1;
}

static enum ue_result
run(const char *text, struct edit *ed)
{
	if (each_line(text, edit_line, ed) == -1)
		return UE_ERROR;
	return ed->found ? UE_OK : UE_NOUSER;
}

enum ue_result
ue_add(const char *text, const char *name, const char *hash, struct str *out)
{
	struct edit	 ed = { .name = name, .op = E_FIND };

	if (run(text, &ed) == UE_ERROR)
		return UE_ERROR;
	if (ed.found)
		return UE_EXISTS;
	str_clear(out);
	if (str_appends(out, text) == -1 ||
	    (out->len > 0 && out->s[out->len - 1] != '\n' && str_appendc(out, '\n') == -1) ||
	    str_appendf(out, "%s:%s:\n", name, hash) == -1)
		return UE_ERROR;
	return UE_OK;
}

enum ue_result
ue_passwd(const char *text, const char *name, const char *hash, struct str *out)
{
	struct edit	 ed = { .name = name, .hash = hash, .op = E_HASH, .out = out };

	str_clear(out);
	return run(text, &ed);
}

enum ue_result
ue_secret(const char *text, const char *name, const char *secret, struct str *out)
{
	struct edit	 ed = { .name = name, .secret = secret, .op = E_SECRET, .out = out };

	str_clear(out);
	return run(text, &ed);
}

enum ue_result
ue_del(const char *text, const char *name, struct str *out, struct str *mailbox)
{
	struct edit	 ed = { .name = name, .op = E_DEL, .out = out, .mailbox = mailbox };

	str_clear(out);
	return run(text, &ed);
}

int
ue_password_ok(const char *s)
{
	return *s != '\0' && strpbrk(s, "\r\n") == NULL;
}

int
ue_secret_ok(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == ':' || *p == '#')
			return 0;
	return strlen(s) <= USERS_SECRET_MAX;
}
