/* crlf.c: streaming CR LF -> LF. */
#include "crlf.h"

size_t
crlf_to_lf(struct crlf *st, const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (st->cr_pending) {
			st->cr_pending = 0;
			if (in[i] != '\n')
				out[o++] = '\r';
		}
		if (in[i] == '\r')
			st->cr_pending = 1;
		else
			out[o++] = in[i];
	}
	return o;
}

size_t
crlf_finish(struct crlf *st, char *out)
{
	if (!st->cr_pending)
		return 0;
	st->cr_pending = 0;
	out[0] = '\r';
	return 1;
}
