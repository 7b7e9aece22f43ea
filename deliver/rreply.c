/* rreply.c: SMTP replies, read line by line and bounded everywhere. */
#include "rreply.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "CODE" then ' ', '-' or the end: the code, or -1. *more is 1 for '-'. */
static int
line_code(const char *s, size_t len, int *more)
{
	if (len < 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '5' || !digit(s[2]))
		return -1;
	if (len > 3 && s[3] != ' ' && s[3] != '-')
		return -1;
	*more = len > 3 && s[3] == '-';
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* Append one line's text to the reply, cleaned and cut to fit. */
static void
add_text(struct rreply *r, char *text)
{
	for (char *p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 32 || *p == 127)
			*p = ' ';
	if (r->len > 0 && r->len + 1 < sizeof r->text)
		r->text[r->len++] = ' ';
	size_t n = strlen(text);
	if (n > sizeof r->text - 1 - r->len)
		n = sizeof r->text - 1 - r->len;
	memcpy(r->text + r->len, text, n);
	r->len += n;
	r->text[r->len] = '\0';
}

enum rreply_status
rreply_read(struct rbuf *rb, struct rreply *r, rreply_line_fn fn, void *ctx)
{
	char	 line[RREPLY_LINE_MAX + 1];
	size_t	 len;
	int	 more = 1, code;

	memset(r, 0, sizeof *r);
	while (more) {
		enum line_status ls = rbuf_getline(rb, line, sizeof line, &len);

		if (ls == LINE_ERROR)
			return RREPLY_IO;
		if (ls == LINE_EOF) {
			errno = 0;
			return RREPLY_IO;
		}
		/* LINE_TOOLONG: the start of the line is in line; the rest was dropped. */
		if (ls == LINE_TOOLONG)
			len = strlen(line);
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (memchr(line, '\0', len) != NULL)
			return RREPLY_BAD;
		if ((code = line_code(line, len, &more)) < 0)
			return RREPLY_BAD;
		if (r->nlines > 0 && code != r->code)
			return RREPLY_BAD;
		if (++r->nlines > RREPLY_LINES_MAX)
			return RREPLY_BAD;
		r->code = code;
		add_text(r, line + (len > 3 ? 4 : 3));
		if (fn != NULL)
			fn(ctx, line + (len > 3 ? 4 : 3));
	}
	return RREPLY_OK;
}

int
rreply_class(const struct rreply *r)
{
	return r->code / 100;
}

size_t
rreply_enhanced_len(const char *s)
{
	size_t	 i = 0, n;

	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return 0;
	if (s[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		for (n = 0; digit(s[i]) && n < 3; n++)
			i++;
		if (n == 0 || (n > 1 && s[i - n] == '0'))
			return 0;
		if (part == 0 && s[i++] != '.')
			return 0;
	}
	return s[i] == '\0' || s[i] == ' ' ? i : 0;
}

void
rreply_enhanced(const struct rreply *r, char *out, size_t outsz)
{
	size_t	 n = rreply_enhanced_len(r->text);

	if (n > 0 && r->text[0] - '0' == rreply_class(r) && n < outsz) {
		memcpy(out, r->text, n);
		out[n] = '\0';
		return;
	}
	(void)snprintf(out, outsz, "%d.0.0", rreply_class(r) == 3 ? 2 : rreply_class(r));
}
