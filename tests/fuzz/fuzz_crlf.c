/*
 * fuzz_crlf.c: CR LF to LF in pieces. The first byte picks where the input
 * is cut in two; the result must equal converting it whole, and must equal
 * a plain reference: drop each CR that is directly followed by LF.
 */
#include <string.h>

#include "crlf.h"
#include "tests/fuzz/fuzz.h"

static size_t
reference(const char *in, size_t n, char *out)
{
	size_t	 o = 0;

	for (size_t i = 0; i < n; i++)
		if (!(in[i] == '\r' && i + 1 < n && in[i + 1] == '\n'))
			out[o++] = in[i];
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in;
	char		*a, *b;
	size_t		 cut, na, nb;
	struct crlf	 st = { 0 };

	if (size == 0 || size > 65536)
		return 0;
	cut = data[0] % size;
	in = (const char *)data + 1;
	size--;
	if (cut > size)
		cut = size;
	a = malloc(size + 2);
	b = malloc(size + 2);
	FUZZ_ASSERT(a != NULL && b != NULL);
	na = crlf_to_lf(&st, in, cut, a);
	na += crlf_to_lf(&st, in + cut, size - cut, a + na);
	na += crlf_finish(&st, a + na);
	nb = reference(in, size, b);
	FUZZ_ASSERT(na == nb && memcmp(a, b, na) == 0);
	free(a);
	free(b);
	return 0;
}
