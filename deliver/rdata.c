/* rdata.c: LF to CRLF, dot-stuffing, the final dot. */
#include "rdata.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

int
rstuff_chunk(struct rstuff *s, const char *in, size_t n, struct wbuf *w)
{
	size_t	 start = 0;

	for (size_t i = 0; i < n; i++) {
		if (!s->mid && in[i] == '.') {
			/* A leading dot: write what came before, then the extra dot. */
			if (wbuf_put(w, in + start, i - start) < 0 || wbuf_put(w, ".", 1) < 0)
				return -1;
			start = i;
		}
		if (in[i] == '\n') {
			if (wbuf_put(w, in + start, i - start) < 0 || wbuf_put(w, "\r\n", 2) < 0)
				return -1;
			start = i + 1;
			s->mid = 0;
		} else
			s->mid = 1;
	}
	return wbuf_put(w, in + start, n - start);
}

int
rstuff_finish(struct rstuff *s, struct wbuf *w)
{
	if (s->mid && wbuf_put(w, "\r\n", 2) < 0)
		return -1;
	s->mid = 0;
	return wbuf_put(w, ".\r\n", 3);
}

int
rdata_scan(int fd, struct rdata_info *info)
{
	char	 buf[CHUNK];
	off_t	 at = 0;
	ssize_t	 n;
	int	 last_lf = 1;

	memset(info, 0, sizeof *info);
	while ((n = pread(fd, buf, sizeof buf, at)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n')
				info->size++;   /* its CR */
			if ((unsigned char)buf[i] > 127)
				info->eightbit = 1;
		}
		last_lf = buf[n - 1] == '\n';
		info->size += n;
		at += n;
	}
	if (!last_lf)
		info->size += 2;
	return 0;
}

int
rdata_send(int fd, struct wbuf *w, int *readerr)
{
	char		 buf[CHUNK];
	struct rstuff	 s = { 0 };
	off_t		 at = 0;
	ssize_t		 n;

	*readerr = 0;
	while ((n = pread(fd, buf, sizeof buf, at)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*readerr = errno ? errno : EIO;
			return -1;
		}
		if (rstuff_chunk(&s, buf, (size_t)n, w) < 0)
			return -1;
		at += n;
	}
	if (rstuff_finish(&s, w) < 0 || wbuf_flush(w) < 0)
		return -1;
	return 0;
}
