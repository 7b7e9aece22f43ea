/* inj_read.c: read a message from a local program (see inj_read.h). */
#include "inj_read.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "crlf.h"

#define CHUNK 65536

/* Look at the complete lines from *scan on; the offset of a "." line, or -1. */
static long long
find_dot(const struct str *s, size_t *scan)
{
	while (*scan < s->len) {
		const char *p = s->s + *scan, *nl = memchr(p, '\n', s->len - *scan);

		if (nl == NULL)
			break;
		if (nl == p + 1 && p[0] == '.')
			return (long long)*scan;
		*scan = (size_t)(nl - s->s) + 1;
	}
	return -1;
}

int
inj_read(int fd, int dot_ends, size_t max, struct str *out)
{
	static char in[CHUNK], conv[CHUNK + 1];
	struct crlf st = { 0 };
	size_t scan = 0;
	long long dot;

	if (max == 0 || max > STR_MAX)
		max = STR_MAX;
	for (;;) {
		ssize_t r = read(fd, in, sizeof in);
		size_t n;

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		n = r == 0 ? crlf_finish(&st, conv) : crlf_to_lf(&st, in, (size_t)r, conv);
		if (out->len + n > max) {
			errno = EFBIG;
			return -1;
		}
		if (str_append(out, conv, n) == -1)
			return -1;
		if (dot_ends && (dot = find_dot(out, &scan)) >= 0) {
			str_truncate(out, (size_t)dot);
			return 0;
		}
		if (r == 0)
			break;
	}
	/* A last line "." without its line end ends the message too. */
	if (dot_ends && out->len - scan == 1 && out->s[scan] == '.')
		str_truncate(out, scan);
	if (out->s == NULL && str_reserve(out, 0) == -1)
		return -1;
	return 0;
}
