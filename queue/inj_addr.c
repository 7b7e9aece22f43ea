/* inj_addr.c: parse and rewrite RFC 5322 address lists (see inj_addr.h). */
#include "inj_addr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "rfc2047.h"
#include "utf8.h"

#define COMMENT_DEPTH_MAX 32
#define TOKENS_MAX        100000

enum tok_type { T_WSP, T_COMMENT, T_QUOTED, T_LITERAL, T_ATOM, T_SPECIAL };

struct tok {
	enum tok_type type;
	const char   *s;       /* the token as written */
	size_t        n;
};

struct toks {
	struct tok *v;
	size_t      n, cap;
};

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_special(char c)
{
	return strchr("()<>[]:;@\\,.\"", c) != NULL;
}

static int
push(struct toks *t, enum tok_type type, const char *s, size_t n)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct tok *v;

		if (cap > TOKENS_MAX || (v = reallocarray(t->v, cap, sizeof *v)) == NULL)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct tok){ type, s, n };
	return 0;
}

/* Length of a "...", (...) or [...] starting at s[0]; 0 when it never ends. */
static size_t
delimited(const char *s, size_t len)
{
	char open = s[0], close = open == '(' ? ')' : open == '[' ? ']' : '"';
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && open != '[') {
			i++;
			continue;
		}
		if (i > 0 && s[i] == close && --depth == 0)
			return i + 1;
		if (s[i] == open && (open == '(' || i == 0)) {
			if (++depth > COMMENT_DEPTH_MAX)
				return 0;
		}
	}
	return 0;
}

static int
tokenize(const char *s, size_t len, struct toks *t, const char **why)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i, n;
		enum tok_type type;

		if (is_wsp(s[i])) {
			while (j < len && is_wsp(s[j]))
				j++;
			type = T_WSP;
		} else if (s[i] == '(' || s[i] == '"' || s[i] == '[') {
			if ((n = delimited(s + i, len - i)) == 0) {
				*why = s[i] == '(' ? "a comment that does not end" :
				    s[i] == '"' ? "a quoted string that does not end" :
				    "a domain literal that does not end";
				return -1;
			}
			j = i + n;
			type = s[i] == '(' ? T_COMMENT : s[i] == '"' ? T_QUOTED : T_LITERAL;
		} else if (is_special(s[i])) {
			j = i + 1;
			type = T_SPECIAL;
		} else {
			while (j < len && !is_wsp(s[j]) && !is_special(s[j]))
				j++;
			type = T_ATOM;
		}
		if (push(t, type, s + i, j - i) == -1) {
			*why = "too many words in an address list";
			return -1;
		}
		i = j;
	}
	return 0;
}

static int
is_char(const struct tok *t, char c)
{
	return t->type == T_SPECIAL && t->s[0] == c;
}

static int
tok_8bit(const struct tok *t)
{
	return has_8bit(t->s, t->n);
}

static size_t
column(const struct str *out)
{
	const char *nl = out->len ? memrchr(out->s, '\n', out->len) : NULL;

	return nl ? out->len - (size_t)(nl - out->s) - 1 : out->len;
}

/* The text of a quoted string or a comment without its delimiters and quoted-pairs. */
static int
unquote(struct str *w, const struct tok *t)
{
	for (size_t i = 1; i + 1 < t->n; i++) {
		if (t->s[i] == '\\' && i + 2 < t->n)
			i++;
		if (str_appendc(w, is_wsp(t->s[i]) ? ' ' : t->s[i]) == -1)
			return -1;
	}
	return 0;
}

/* A comment as it is, or "(" encoded words ")" when it holds non-ASCII. */
static int
put_comment(struct str *out, const struct tok *t)
{
	struct str w = STR_INIT;
	size_t col;
	int r;

	if (!tok_8bit(t))
		return str_append(out, t->s, t->n);
	col = column(out) + 1;
	r = unquote(&w, t) == -1 || str_appendc(out, '(') == -1 ||
	    rfc2047_encode(out, w.s ? w.s : "", w.len, &col, 0) == -1 ||
	    str_appendc(out, ')') == -1;
	str_free(&w);
	return r ? -1 : 0;
}

/* Tokens a..b as they were, comments with non-ASCII encoded. */
static int
put_verbatim(struct str *out, const struct tok *v, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		if ((v[i].type == T_COMMENT ? put_comment(out, &v[i]) :
		    str_append(out, v[i].s, v[i].n)) == -1)
			return -1;
	return 0;
}

/* A display name: as it was when ASCII, else its words as encoded words. */
static int
put_phrase(struct str *out, const struct tok *v, size_t a, size_t b)
{
	struct str w = STR_INIT;
	size_t col;
	int eight = 0, r = 0;

	for (size_t i = a; i < b; i++)
		eight |= v[i].type != T_COMMENT && tok_8bit(&v[i]);
	if (!eight)
		return put_verbatim(out, v, a, b);
	for (size_t i = a; i < b && !r; i++) {
		if (v[i].type == T_WSP || v[i].type == T_COMMENT)
			continue;
		if (w.len > 0 && (i == 0 || v[i - 1].type == T_WSP || v[i - 1].type == T_COMMENT))
			r = str_appendc(&w, ' ');
		if (!r)
			r = v[i].type == T_QUOTED ? unquote(&w, &v[i]) :
			    str_append(&w, v[i].s, v[i].n);
	}
	col = column(out);
	r = r || rfc2047_encode(out, w.s, w.len, &col, 1) == -1;
	for (size_t i = a; i < b && !r; i++)
		if (v[i].type == T_COMMENT)
			r = str_appendc(out, ' ') == -1 || put_comment(out, &v[i]) == -1;
	r = r || str_appendc(out, ' ') == -1;
	str_free(&w);
	return r ? -1 : 0;
}

struct list {
	const struct tok *v;
	const char       *defaulthost;
	addr_found_fn     fn;
	void             *arg;
	struct str       *out;
	const char      **why;
};

/* The addr-spec of tokens a..b (white space and comments dropped) to its mailbox. */
static int
take_spec(struct list *l, size_t a, size_t b, int bracketed)
{
	struct str spec = STR_INIT, mbox = STR_INIT;
	struct addr ad;
	enum addr_error e;
	int r = -1;

	if (bracketed && str_appendc(&spec, '<') == -1)
		goto out;
	for (size_t i = a, word = 0; i < b; i++) {
		enum tok_type ty = l->v[i].type;

		if (ty == T_WSP || ty == T_COMMENT)
			continue;
		/* Words must be joined by "." or "@": "two words@x" is no address. */
		if ((ty == T_ATOM || ty == T_QUOTED) && word) {
			*l->why = "words with no \".\" or \"@\" between them; a display name "
			    "needs the address in <>";
			goto out;
		}
		word = ty == T_ATOM || ty == T_QUOTED;
		if (str_append(&spec, l->v[i].s, l->v[i].n) == -1)
			goto out;
	}
	if (bracketed && str_appendc(&spec, '>') == -1)
		goto out;
	if (spec.len == 0) {
		r = 0;      /* an empty item, allowed as obsolete syntax */
		goto out;
	}
	e = bracketed ? addr_parse_path(spec.s, spec.len, ADDR_UTF8 | ADDR_ALLOW_ROUTE |
	    ADDR_ALLOW_LOCAL | ADDR_ALLOW_NULL, &ad, NULL) :
	    addr_parse_mailbox(spec.s, spec.len, ADDR_UTF8 | ADDR_ALLOW_LOCAL, &ad);
	if (e != ADDR_OK) {
		*l->why = addr_strerror(e);
		goto out;
	}
	if (ad.is_null) {
		r = 0;
		goto out;
	}
	if (str_sets(&mbox, ad.mailbox) == -1 ||
	    (ad.domain[0] == '\0' && str_appendf(&mbox, "@%s", l->defaulthost) == -1))
		goto out;
	if (l->fn != NULL && l->fn(mbox.s, l->arg) == -1) {
		*l->why = NULL;
		goto out;
	}
	r = 0;
out:
	str_free(&spec);
	str_free(&mbox);
	return r;
}

/* One item a..b (no top-level comma in it): [phrase] <spec>, or spec. */
static int
one_address(struct list *l, size_t a, size_t b)
{
	size_t lt = b, gt = b;

	for (size_t i = a; i < b; i++)
		if (is_char(&l->v[i], '<') && lt == b)
			lt = i;
		else if (is_char(&l->v[i], '>') && lt != b)
			gt = i;
	if (lt == b)
		return take_spec(l, a, b, 0) == -1 ||
		    (l->out && put_verbatim(l->out, l->v, a, b) == -1) ? -1 : 0;
	if (gt == b) {
		*l->why = "a \"<\" without its \">\"";
		return -1;
	}
	for (size_t i = gt + 1; i < b; i++)
		if (l->v[i].type != T_WSP && l->v[i].type != T_COMMENT) {
			*l->why = "text after an address's \">\"";
			return -1;
		}
	if (take_spec(l, lt + 1, gt, 1) == -1)
		return -1;
	if (l->out == NULL)
		return 0;
	return put_phrase(l->out, l->v, a, lt) == -1 ||
	    put_verbatim(l->out, l->v, lt, b) == -1 ? -1 : 0;
}

/* Does a..b look like a group's display name (no "@", "<" or "." specials)? */
static int
group_name(const struct tok *v, size_t a, size_t b)
{
	int words = 0;

	for (size_t i = a; i < b; i++) {
		if (v[i].type == T_SPECIAL)
			return 0;
		words += v[i].type == T_ATOM || v[i].type == T_QUOTED;
	}
	return words > 0;
}

static int
walk(struct list *l, size_t n)
{
	size_t item = 0;
	int angle = 0, group = 0;

	for (size_t i = 0; i <= n; i++) {
		const struct tok *t = i < n ? &l->v[i] : NULL;

		if (t != NULL && is_char(t, '<'))
			angle = 1;
		else if (t != NULL && is_char(t, '>'))
			angle = 0;
		if (t != NULL && is_char(t, ':') && !angle && !group && group_name(l->v, item, i)) {
			if (l->out && (put_phrase(l->out, l->v, item, i) == -1 ||
			    str_appendc(l->out, ':') == -1))
				return -1;
			group = 1;
			item = i + 1;
			continue;
		}
		if (t != NULL && !(is_char(t, ',') && !angle) && !(is_char(t, ';') && group && !angle))
			continue;
		if (one_address(l, item, i) == -1)
			return -1;
		if (t != NULL && is_char(t, ';'))
			group = 0;
		if (t != NULL && l->out && str_appendc(l->out, t->s[0]) == -1)
			return -1;
		item = i + 1;
	}
	if (group || angle) {
		*l->why = group ? "a group without its \";\"" : "a \"<\" without its \">\"";
		return -1;
	}
	return 0;
}

int
addrlist_parse(const char *val, size_t len, const char *defaulthost,
    addr_found_fn fn, void *arg, struct str *out, const char **why)
{
	struct toks t = { NULL, 0, 0 };
	struct list l = { NULL, defaulthost, fn, arg, out, why };
	int r;

	*why = "out of memory";
	if ((r = tokenize(val, len, &t, why)) == 0) {
		l.v = t.v;
		*why = "out of memory";
		r = walk(&l, t.n);
	}
	free(t.v);
	if (r == 0)
		*why = NULL;
	return r;
}
