/* hdrfold.c: fold over-long header lines at white space (see hdrfold.h). */
#include "hdrfold.h"

#include <errno.h>
#include <string.h>

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Where to break s[0..n): a white space after text, or 0 when none fits. */
static size_t
break_at(const char *s, size_t n)
{
	size_t best = 0;

	for (size_t i = 1; i < n && i <= HDR_LINE_MAX; i++) {
		if (!is_wsp(s[i]) || is_wsp(s[i - 1]))
			continue;
		if (i <= HDR_LINE_GOOD)
			best = i;          /* the last one before the good column */
		else
			return best ? best : i;
	}
	return best;
}

/* One line (no LF in it): as it is when short, else in pieces. */
static int
fold_line(struct str *out, const char *s, size_t n)
{
	int folding = n > HDR_LINE_MAX;

	while (folding && n > HDR_LINE_GOOD) {
		size_t b = break_at(s, n);

		if (b == 0) {
			if (n <= HDR_LINE_MAX)
				break;
			errno = E2BIG;
			return -1;
		}
		if (str_append(out, s, b) == -1 || str_appendc(out, '\n') == -1)
			return -1;
		s += b;
		n -= b;
	}
	return str_append(out, s, n);
}

int
hdr_fold(struct str *out, const char *field, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(field, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - field) : len;

		if (fold_line(out, field, n) == -1)
			return -1;
		if (nl == NULL)
			break;
		if (str_appendc(out, '\n') == -1)
			return -1;
		field += n + 1;
		len -= n + 1;
	}
	return 0;
}
