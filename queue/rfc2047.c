/* rfc2047.c: encode header text as RFC 2047 encoded words (see rfc2047.h). */
#include "rfc2047.h"

#include <errno.h>
#include <string.h>

#include "utf8.h"

#define PREFIX_Q "=?UTF-8?Q?"
#define PREFIX_B "=?UTF-8?B?"
#define WORD_OVERHEAD 12          /* "=?UTF-8?Q?" and "?=" */
#define PAYLOAD_MAX (RFC2047_WORD_MAX - WORD_OVERHEAD)
#define B_BYTES_MAX (PAYLOAD_MAX / 4 * 3)   /* raw octets of one B word */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 2047 5(3): what a Q word may hold as it is, in a phrase too. */
static int
q_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("!*+-/", c) != NULL;
}

static size_t
q_size(unsigned char c)
{
	return q_plain(c) || c == ' ' ? 1 : 3;
}

/* The octets of the character at text[i], or 0 when it is invalid. */
static size_t
char_len(const char *text, size_t len, size_t i)
{
	const unsigned char *p = (const unsigned char *)text + i;

	if (*p < 0x80)
		return 1;
	return utf8_seqlen(p, len - i);
}

static int
put_q(struct str *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[3] = { '=', hex[c >> 4], hex[c & 15] };

		if (c == ' ' ? str_appendc(w, '_') : q_plain(c) ? str_appendc(w, (char)c) :
		    str_append(w, e, 3))
			return -1;
	}
	return 0;
}

static int
put_b(struct str *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) |
		    (i + 2 < n ? p[i + 2] : 0);
		char e[4] = { b64[v >> 18], b64[v >> 12 & 63],
		    i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };

		if (str_append(w, e, 4) == -1)
			return -1;
	}
	return 0;
}

/* One word of text[0..n), with its separator. */
static int
put_word(struct str *out, int useq, const char *s, size_t n, size_t *col, int sep)
{
	struct str w = STR_INIT;
	int r;

	r = str_appends(&w, useq ? PREFIX_Q : PREFIX_B) == -1 ||
	    (useq ? put_q(&w, s, n) : put_b(&w, s, n)) == -1 ||
	    str_appends(&w, "?=") == -1;
	if (!r) {
		int fold = sep && *col + 1 + w.len > RFC2047_LINE_MAX;

		r = (sep && str_appends(out, fold ? "\n " : " ") == -1) ||
		    str_append(out, w.s, w.len) == -1;
		*col = (fold ? 1 : *col + (sep != 0)) + w.len;
	}
	str_free(&w);
	return r ? -1 : 0;
}

/* How many octets from text[i] make the longest word of at most room payload octets. */
static size_t
word_span(const char *text, size_t len, size_t i, int useq, size_t room)
{
	size_t used = 0, j = i, bmax = room / 4 * 3;

	while (j < len) {
		size_t n = char_len(text, len, j), sz = 0;

		for (size_t k = 0; k < n; k++)
			sz += useq ? q_size((unsigned char)text[j + k]) : 0;
		if (useq ? used + sz > room : j + n - i > bmax)
			break;
		used += sz;
		j += n;
	}
	return j - i;
}

/*
 * The payload room of the next word: what is left of the line when that
 * is worth a word (so the first word does not push itself to a new line),
 * else a whole word's.
 */
static size_t
next_room(size_t col, int sep)
{
	size_t used = col + (sep != 0) + WORD_OVERHEAD;

	if (used + 16 <= RFC2047_LINE_MAX)
		return RFC2047_LINE_MAX - used < PAYLOAD_MAX ? RFC2047_LINE_MAX - used : PAYLOAD_MAX;
	return PAYLOAD_MAX;
}

int
rfc2047_encode(struct str *out, const char *text, size_t len, size_t *col, int sep_first)
{
	size_t qlen = 0, blen = (len + 2) / 3 * 4;
	int useq;

	if (!utf8_valid(text, len)) {
		errno = EILSEQ;
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		qlen += q_size((unsigned char)text[i]);
	useq = qlen <= blen;
	for (size_t i = 0; i < len;) {
		int sep = i > 0 || sep_first;
		size_t n = word_span(text, len, i, useq, next_room(*col, sep));

		if (put_word(out, useq, text + i, n, col, sep) == -1)
			return -1;
		i += n;
	}
	return 0;
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Append plain text, keeping *col right across the folds it holds. */
static int
put_plain(struct str *out, const char *s, size_t n, size_t *col)
{
	const char *nl = memrchr(s, '\n', n);

	if (str_append(out, s, n) == -1)
		return -1;
	*col = nl != NULL ? (size_t)(s + n - nl - 1) : *col + n;
	return 0;
}

int
rfc2047_text(struct str *out, const char *text, size_t len, size_t *col)
{
	size_t first = len, last = 0, start, end;

	if (!has_8bit(text, len)) {
		if (len == 0 || is_wsp(text[0]))
			return put_plain(out, text, len, col);
		return put_plain(out, " ", 1, col) == -1 ? -1 : put_plain(out, text, len, col);
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80) {
			if (first == len)
				first = i;
			last = i;
		}
	for (start = first; start > 0 && !is_wsp(text[start - 1]); start--)
		;
	for (end = last + 1; end < len && !is_wsp(text[end]); end++)
		;
	/* The prefix keeps its own text; the separators around it are ours. */
	{
		size_t s = 0, p = start;

		while (s < p && is_wsp(text[s]))
			s++;
		while (p > s && is_wsp(text[p - 1]))
			p--;
		if (p > s && (put_plain(out, " ", 1, col) == -1 ||
		    put_plain(out, text + s, p - s, col) == -1))
			return -1;
	}
	if (rfc2047_encode(out, text + start, end - start, col, 1) == -1)
		return -1;
	return put_plain(out, text + end, len - end, col);
}
