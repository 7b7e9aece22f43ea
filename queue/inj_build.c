/* inj_build.c: header completion for locally injected mail (see inj_build.h). */
#include "inj_build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datefmt.h"
#include "hdrfold.h"
#include "inj_addr.h"
#include "inj_hdr.h"
#include "rfc2047.h"
#include "utf8.h"

int
rcpts_add(struct ctl_list *rc, const char *mailbox)
{
	return ctl_list_has(rc, mailbox) ? 0 : ctl_list_add(rc, mailbox, strlen(mailbox));
}

static int
add_found(const char *mailbox, void *arg)
{
	return rcpts_add(arg, mailbox);
}

/* RFC 5322 atext, and the space between words of a phrase. */
static int
phrase_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == ' ' || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

int
inj_phrase(struct str *out, const char *name, size_t *col)
{
	size_t len = strlen(name);
	int quote = 0;

	if (has_8bit(name, len))
		return rfc2047_encode(out, name, len, col, 0);
	for (size_t i = 0; i < len; i++)
		quote |= !phrase_plain((unsigned char)name[i]);
	/* "=?" would be read as the start of an encoded word: quote it too. */
	quote |= strstr(name, "=?") != NULL;
	if (str_appends(out, quote ? "\"" : "") == -1)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((name[i] == '"' || name[i] == '\\') && str_appendc(out, '\\') == -1)
			return -1;
		else if (str_appendc(out, name[i]) == -1)
			return -1;
	*col += len + 2 * quote;
	return str_appends(out, quote ? "\"" : "");
}

enum kind { K_OTHER, K_ADDR, K_RCPT, K_BCC, K_SUBJECT };

static enum kind
field_kind(const struct hdr_field *f)
{
	static const char *const addr[] = { "From", "Reply-To", "Sender" };
	static const char *const rcpt[] = { "To", "Cc" };

	for (size_t i = 0; i < sizeof addr / sizeof addr[0]; i++)
		if (hdr_is(f, addr[i]))
			return K_ADDR;
	for (size_t i = 0; i < sizeof rcpt / sizeof rcpt[0]; i++)
		if (hdr_is(f, rcpt[i]))
			return K_RCPT;
	if (hdr_is(f, "Bcc"))
		return K_BCC;
	return hdr_is(f, "Subject") ? K_SUBJECT : K_OTHER;
}

struct build {
	const struct inj_ctx *ctx;
	struct str           *out;
	struct ctl_list         *rc;
	const char          **why;
};

/* The sentence *why points at after a refusal naming a field. */
static char whybuf[160];

static int
refuse(struct build *b, const struct hdr_field *f, const char *what)
{
	if (what == NULL) {
		*b->why = NULL;
		return -1;
	}
	snprintf(whybuf, sizeof whybuf, "%.*s: %s", (int)(f->namelen > 40 ? 40 : f->namelen),
	    f->name, what);
	*b->why = whybuf;
	return -1;
}

/* An unstructured field unfolded (RFC 5322 2.2.3: a line end before white space goes), then encoded. */
static int
subject(struct build *b, const struct hdr_field *f, struct str *field)
{
	struct str text = STR_INIT;
	const char *v = f->value;
	size_t n = f->valuelen, col = field->len;
	int r = 0;

	while (n > 0 && (*v == ' ' || *v == '\t'))   /* the one space is ours */
		v++, n--;
	for (size_t i = 0; i < n && r == 0; i++)
		if (v[i] != '\n')
			r = str_appendc(&text, v[i]);
	if (r == 0)
		r = rfc2047_text(field, text.s ? text.s : "", text.len, &col);
	str_free(&text);
	return r == -1 ? refuse(b, f, NULL) : 0;
}

/* One field, rewritten when it must be, into field (no final LF). */
static int
rewrite_field(struct build *b, const struct hdr_field *f, struct str *field)
{
	enum kind k = field_kind(f);
	int eight = has_8bit(f->value, f->valuelen);
	const char *why = NULL;

	if (b->ctx->extract && (k == K_RCPT || k == K_BCC) &&
	    addrlist_parse(f->value, f->valuelen, b->ctx->defaulthost, add_found, b->rc,
	    NULL, &why) == -1)
		return refuse(b, f, why);
	if (eight && (k == K_ADDR || k == K_RCPT || k == K_SUBJECT) &&
	    !utf8_valid(f->value, f->valuelen))
		return refuse(b, f, "8-bit text that is not UTF-8");
	if (!eight || (k != K_ADDR && k != K_RCPT && k != K_SUBJECT))
		return str_append(field, f->raw, f->rawlen);
	if (str_append(field, f->name, f->namelen) == -1 || str_appendc(field, ':') == -1)
		return refuse(b, f, NULL);
	if (k == K_SUBJECT)
		return subject(b, f, field);
	if (addrlist_parse(f->value, f->valuelen, b->ctx->defaulthost, NULL, NULL,
	    field, &why) == -1)
		return refuse(b, f, why);
	return 0;
}

static int
put_field(struct build *b, const struct hdr_field *f, const struct str *field)
{
	if (hdr_fold(b->out, field->s, field->len) == -1)
		return refuse(b, f, errno == E2BIG ?
		    "a line over 998 octets with no white space to fold it at" : NULL);
	return str_appendc(b->out, '\n') == -1 ? refuse(b, f, NULL) : 0;
}

static int
add_missing(struct build *b, const struct hdr_part *h, const char *body, size_t bodylen)
{
	const struct inj_ctx *c = b->ctx;
	char date[DATE_RFC5322_MAX];
	struct str *o = b->out;

	if (hdr_find(h, "Date") == NULL &&
	    (date_rfc5322(date, sizeof date, c->now) == -1 ||
	    str_appendf(o, "Date: %s\n", date) == -1))
		return -1;
	if (hdr_find(h, "Message-ID") == NULL && str_appendf(o, "Message-ID: %s\n", c->msgid) == -1)
		return -1;
	if (hdr_find(h, "From") == NULL) {
		size_t col = 6;

		if (str_appends(o, "From: ") == -1)
			return -1;
		if (c->fullname != NULL && c->fullname[0] != '\0') {
			if (inj_phrase(o, c->fullname, &col) == -1 ||
			    str_appendf(o, " <%s>\n", c->from_addr) == -1)
				return -1;
		} else if (str_appendf(o, "%s\n", c->from_addr) == -1)
			return -1;
	}
	if (has_8bit(body, bodylen) && hdr_find(h, "MIME-Version") == NULL &&
	    hdr_find(h, "Content-Type") == NULL &&
	    hdr_find(h, "Content-Transfer-Encoding") == NULL &&
	    str_appendf(o, "MIME-Version: 1.0\nContent-Type: text/plain; charset=%s\n"
	    "Content-Transfer-Encoding: 8bit\n",
	    utf8_valid(body, bodylen) ? "UTF-8" : "unknown-8bit") == -1)
		return -1;
	return 0;
}

/* An mbox "From " line first is the envelope of another system: not ours to keep. */
static size_t
skip_from_line(const char *msg, size_t len)
{
	const char *nl;

	if (len < 5 || memcmp(msg, "From ", 5) != 0 || (nl = memchr(msg, '\n', len)) == NULL)
		return 0;
	return (size_t)(nl - msg) + 1;
}

int
inj_build(const struct inj_ctx *ctx, const char *msg, size_t len, struct str *out,
    struct ctl_list *rc, const char **why)
{
	struct build b = { ctx, out, rc, why };
	struct hdr_part h;
	struct str field = STR_INIT;
	size_t skip = skip_from_line(msg, len);
	int r = -1;

	msg += skip;
	len -= skip;
	if (hdr_split(msg, len, &h, why) == -1)
		return -1;
	for (size_t i = 0; i < h.n; i++) {
		if (field_kind(&h.f[i]) == K_BCC && !ctx->extract)
			continue;
		str_clear(&field);
		if (rewrite_field(&b, &h.f[i], &field) == -1)
			goto out;
		if (field_kind(&h.f[i]) != K_BCC && put_field(&b, &h.f[i], &field) == -1)
			goto out;
	}
	*why = NULL;
	if (add_missing(&b, &h, msg + h.body, len - h.body) == -1 ||
	    str_appendc(out, '\n') == -1 ||
	    str_append(out, msg + h.body, len - h.body) == -1)
		goto out;
	r = 0;
out:
	str_free(&field);
	hdr_part_free(&h);
	return r;
}
