/*
 * fuzz_dataread.c: the DATA scanner. Byte 0 picks a cut; scanning in two
 * pieces must give what scanning whole gives, and a message that ended
 * must equal a plain reference: lines split at CR LF only, the line "."
 * ends it, a leading dot is dropped.
 */
#include <string.h>

#include "smtpd/dataread.h"
#include "tests/fuzz/fuzz.h"

/* The reference, on a terminated message: returns its length, or -1 if not terminated. */
static long
reference(const char *in, size_t n, char *out, size_t *used)
{
	size_t	 p = 0, o = 0;

	while (p <= n) {
		const char *crlf = NULL;

		for (size_t i = p; i + 1 < n; i++)
			if (in[i] == '\r' && in[i + 1] == '\n') {
				crlf = in + i;
				break;
			}
		if (crlf == NULL)
			return -1;
		size_t len = (size_t)(crlf - (in + p));
		if (len == 1 && in[p] == '.') {
			*used = p + 3;
			return (long)o;
		}
		size_t skip = len > 0 && in[p] == '.';
		memcpy(out + o, in + p + skip, len - skip);
		o += len - skip;
		out[o++] = '\r';
		out[o++] = '\n';
		p += len + 2;
	}
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dataread	 a, b;
	char		*x, *y, *r;
	size_t		 cut, n, nx = 0, ny, k, ux, uy, ur = 0;
	const char	*in;
	long		 nr;

	if (size == 0 || size > 65536)
		return 0;
	in = (const char *)data + 1;
	n = size - 1;
	cut = data[0] % (n + 1);
	x = malloc(n + 2), y = malloc(n + 2), r = malloc(n + 2);
	FUZZ_ASSERT(x != NULL && y != NULL && r != NULL);
	dataread_init(&a, 1);
	ux = dataread_scan(&a, in, cut, x, &k);
	nx += k;
	if (a.state != DS_END) {
		ux += dataread_scan(&a, in + cut, n - cut, x + nx, &k);
		nx += k;
	}
	dataread_init(&b, 1);
	uy = dataread_scan(&b, in, n, y, &ny);
	FUZZ_ASSERT(ux == uy && nx == ny && memcmp(x, y, nx) == 0);
	FUZZ_ASSERT((a.state == DS_END) == (b.state == DS_END));
	FUZZ_ASSERT(dataread_bare(&a) == dataread_bare(&b));
	nr = reference(in, n, r, &ur);
	FUZZ_ASSERT((nr >= 0) == (b.state == DS_END));
	if (nr >= 0) {
		FUZZ_ASSERT(uy == ur && ny == (size_t)nr && memcmp(y, r, ny) == 0);
		/* bare: a CR or LF that is not part of a CR LF in what was used */
		int bare = 0;
		for (size_t i = 0; i < ur; i++)
			if ((in[i] == '\r' && !(i + 1 < ur && in[i + 1] == '\n')) ||
			    (in[i] == '\n' && !(i > 0 && in[i - 1] == '\r')))
				bare = 1;
		FUZZ_ASSERT(bare == dataread_bare(&b));
	}
	free(x), free(y), free(r);
	return 0;
}
