/*
 * fuzz_rreply.c: an SMTP server's replies, as stamp-remote reads them, read
 * one after another from the input. Properties: codes are 200 to 599, the
 * text stays within its bound and holds no control character, and the
 * reader always ends (no endless loop on any input).
 */
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "deliver/rreply.h"
#include "tests/fuzz/fuzz.h"

struct feed {
	const uint8_t	*p;
	size_t		 left, step;
};

/* Hand the input out in pieces of a size the input chose. */
static ssize_t
feed_read(void *ctx, int fd, void *dst, size_t n, int timeout_ms)
{
	struct feed	*f = ctx;
	size_t		 k = n < f->step ? n : f->step;

	(void)fd, (void)timeout_ms;
	if (k > f->left)
		k = f->left;
	memcpy(dst, f->p, k);
	f->p += k;
	f->left -= k;
	return (ssize_t)k;
}

static void
each_line(void *ctx, const char *text)
{
	(void)ctx;
	FUZZ_ASSERT(strlen(text) <= RREPLY_LINE_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed	 f;
	struct rbuf	 rb;
	struct rreply	 r;
	char		 mem[4096], enh[16];
	int		 n = 0;

	if (size == 0)
		return 0;
	f.step = (data[0] % 64) + 1;
	f.p = data + 1;
	f.left = size - 1;
	rbuf_init(&rb, -1, mem, sizeof mem, 1000);
	rbuf_set_reader(&rb, feed_read, &f);
	while (rreply_read(&rb, &r, each_line, NULL) == RREPLY_OK) {
		FUZZ_ASSERT(r.code >= 200 && r.code <= 599);
		FUZZ_ASSERT(r.len < sizeof r.text && strlen(r.text) == r.len);
		for (size_t i = 0; i < r.len; i++)
			FUZZ_ASSERT((unsigned char)r.text[i] >= 0x20 && r.text[i] != 0x7f);
		rreply_enhanced(&r, enh, sizeof enh);
		FUZZ_ASSERT(enh[0] == '0' + rreply_class(&r));
		FUZZ_ASSERT(++n <= (int)size);
	}
	return 0;
}
