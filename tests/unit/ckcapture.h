/* ckcapture.h: a buf.h writer that keeps everything written, for check suites. */
#ifndef STAMP_CKCAPTURE_H
#define STAMP_CKCAPTURE_H

#include <errno.h>
#include <sys/types.h>

#include "str.h"

struct capture {
	struct str	 out;
	size_t		 fail_after;    /* 0: never; else fail once out.len would pass it */
};

static inline ssize_t
capture_write(void *ctx, int fd, const void *src, size_t n, int timeout_ms)
{
	struct capture	*c = ctx;

	(void)fd;
	(void)timeout_ms;
	if (c->fail_after != 0 && c->out.len + n > c->fail_after) {
		errno = EPIPE;
		return -1;
	}
	if (str_append(&c->out, src, n) < 0)
		return -1;
	return (ssize_t)n;
}

#endif
