/*
 * ckscript.h: a scripted peer for buf.h readers: hands out its input in
 * chunks of at most `chunk` bytes (0: as much as asked), then EOF.
 */
#ifndef STAMP_CKSCRIPT_H
#define STAMP_CKSCRIPT_H

#include <string.h>
#include <sys/types.h>

struct script {
	const char	*data;
	size_t		 len, pos, chunk;
};

static inline ssize_t
script_read(void *ctx, int fd, void *dst, size_t n, int timeout_ms)
{
	struct script	*sc = ctx;
	size_t		 k = sc->len - sc->pos;

	(void)fd;
	(void)timeout_ms;
	if (k > n)
		k = n;
	if (sc->chunk != 0 && k > sc->chunk)
		k = sc->chunk;
	memcpy(dst, sc->data + sc->pos, k);
	sc->pos += k;
	return (ssize_t)k;
}

#endif
