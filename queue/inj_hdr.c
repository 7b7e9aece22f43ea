/* inj_hdr.c: split a message into header fields and body (see inj_hdr.h). */
#include "inj_hdr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* The length of the field name of a line that starts a field, else 0. */
static size_t
field_name_len(const char *s, size_t n)
{
	size_t i = 0, name;

	while (i < n && (unsigned char)s[i] > 32 && (unsigned char)s[i] < 127 && s[i] != ':')
		i++;
	name = i;
	while (i < n && is_wsp(s[i]))
		i++;
	return name > 0 && i < n && s[i] == ':' ? name : 0;
}

static int
add_field(struct hdr_part *h, size_t *cap, const char *line, size_t namelen)
{
	if (h->n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct hdr_field *v = reallocarray(h->f, c, sizeof *v);

		if (v == NULL)
			return -1;
		h->f = v;
		*cap = c;
	}
	h->f[h->n++] = (struct hdr_field){ .name = line, .namelen = namelen, .raw = line };
	return 0;
}

/* Close the last field: its raw text and value end at end. */
static void
end_field(struct hdr_part *h, const char *end)
{
	struct hdr_field *f;
	const char *colon;

	if (h->n == 0)
		return;
	f = &h->f[h->n - 1];
	f->rawlen = (size_t)(end - f->raw);
	colon = memchr(f->raw, ':', f->rawlen);
	f->value = colon + 1;
	f->valuelen = (size_t)(end - f->value);
}

int
hdr_split(const char *msg, size_t len, struct hdr_part *h, const char **why)
{
	size_t pos = 0, cap = 0;
	const char *line_end = msg;   /* the end of the last line of the last field */

	*h = (struct hdr_part){ .f = NULL };
	*why = NULL;
	while (pos < len) {
		const char *s = msg + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - s) : len - pos, name;

		if (n == 0) {
			h->blank = 1;
			pos++;
			break;
		}
		if (memchr(s, '\0', n) != NULL) {
			*why = "a NUL byte in the header";
			goto fail;
		}
		if (is_wsp(s[0])) {
			if (h->n == 0) {
				*why = "the header starts with a continuation line";
				goto fail;
			}
		} else if ((name = field_name_len(s, n)) > 0) {
			end_field(h, line_end);
			if (add_field(h, &cap, s, name) == -1)
				goto fail;
		} else
			break;      /* the body starts here */
		line_end = s + n;
		pos += n + (nl != NULL);
	}
	end_field(h, line_end);
	h->body = pos;
	return 0;
fail:
	hdr_part_free(h);
	return -1;
}

void
hdr_part_free(struct hdr_part *h)
{
	free(h->f);
	h->f = NULL;
	h->n = 0;
}

int
hdr_is(const struct hdr_field *f, const char *name)
{
	return strlen(name) == f->namelen && strncasecmp(f->name, name, f->namelen) == 0;
}

const struct hdr_field *
hdr_find(const struct hdr_part *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (hdr_is(&h->f[i], name))
			return &h->f[i];
	return NULL;
}
