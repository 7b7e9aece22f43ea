/*
 * buf.c: buffered, time-bounded reading and writing (see buf.h).
 *
 * Each wait is a poll(2) bounded by the buffer's timeout, so a silent or
 * slow peer costs at most that long per call. Writes never block past the
 * poll: sockets are written with MSG_DONTWAIT, other descriptors in chunks of
 * at most PIPE_BUF, which a pipe that poll called writable always takes.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"

/* Wait until fd is ready for events; 0, or -1 with errno (ETIMEDOUT). */
static int
wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd	 pfd;
	long long	 deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	int		 left = timeout_ms, n;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left);
		if (n > 0)
			return 0;	/* ready, or an error the next call reports */
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
		if (deadline >= 0) {
			long long rest = deadline - mono_ms();
			if (rest <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			left = (int)rest;
		}
	}
}

ssize_t
fd_read_timeout(void *ctx, int fd, void *dst, size_t n, int timeout_ms)
{
	ssize_t	 r;

	(void)ctx;
	for (;;) {
		if (wait_fd(fd, POLLIN, timeout_ms) == -1)
			return -1;
		r = read(fd, dst, n);
		if (r >= 0)
			return r;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
	}
}

static int
is_socket(int fd)
{
	struct stat	 st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

ssize_t
fd_write_timeout(void *ctx, int fd, const void *src, size_t n, int timeout_ms)
{
	ssize_t	 w;
	int	 sock = is_socket(fd);

	(void)ctx;
	for (;;) {
		if (wait_fd(fd, POLLOUT, timeout_ms) == -1)
			return -1;
		if (sock)
			w = send(fd, src, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			w = write(fd, src, n > PIPE_BUF ? PIPE_BUF : n);
		if (w >= 0)
			return w;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
	}
}

int
fd_write_all(int fd, const void *src, size_t n, int timeout_ms)
{
	const char	*p = src;
	ssize_t		 w;

	while (n > 0) {
		if ((w = fd_write_timeout(NULL, fd, p, n, timeout_ms)) == -1)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * The wait allowed for one transfer: timeout_ms cut to what is left before
 * deadline (0: none). -1 with errno ETIMEDOUT when nothing is left.
 */
static int
wait_allowed(int timeout_ms, long long deadline, int *left)
{
	long long rest;

	*left = timeout_ms;
	if (deadline == 0)
		return 0;
	if ((rest = deadline - mono_ms()) <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (timeout_ms < 0 || rest < timeout_ms)
		*left = (int)rest;
	return 0;
}

/* ---- reading ---------------------------------------------------------- */

/* One call of the reader, within the timeout and the deadline. */
static ssize_t
read_some(struct rbuf *rb, void *dst, size_t n)
{
	ssize_t	 r;
	int	 left;

	if (wait_allowed(rb->timeout_ms, rb->deadline, &left) == -1) {
		rb->expired = 1;
		return -1;
	}
	r = rb->readfn(rb->ctx, rb->fd, dst, n, left);
	if (r == -1 && errno == ETIMEDOUT && rb->deadline != 0 && mono_ms() >= rb->deadline)
		rb->expired = 1;
	return r;
}

void
rbuf_init(struct rbuf *rb, int fd, char *mem, size_t cap, int timeout_ms)
{
	memset(rb, 0, sizeof *rb);
	rb->fd = fd;
	rb->mem = mem;
	rb->cap = cap;
	rb->timeout_ms = timeout_ms;
	rb->readfn = fd_read_timeout;
}

void
rbuf_set_reader(struct rbuf *rb, buf_read_fn fn, void *ctx)
{
	rb->readfn = fn;
	rb->ctx = ctx;
}

ssize_t
rbuf_fill(struct rbuf *rb)
{
	ssize_t	 r;

	if (rb->pos == rb->len)
		rb->pos = rb->len = 0;
	else if (rb->len == rb->cap && rb->pos > 0) {
		memmove(rb->mem, rb->mem + rb->pos, rb->len - rb->pos);
		rb->len -= rb->pos;
		rb->pos = 0;
	}
	if (rb->len == rb->cap) {
		errno = ENOBUFS;
		return -1;
	}
	if (rb->eof)
		return 0;
	r = read_some(rb, rb->mem + rb->len, rb->cap - rb->len);
	if (r == -1)
		return -1;
	if (r == 0)
		rb->eof = 1;
	rb->len += (size_t)r;
	return r;
}

size_t
rbuf_pending(const struct rbuf *rb)
{
	return rb->len - rb->pos;
}

void
rbuf_discard(struct rbuf *rb)
{
	rb->pos = rb->len = 0;
}

ssize_t
rbuf_read(struct rbuf *rb, void *dst, size_t n)
{
	size_t	 have;
	ssize_t	 r;

	if (n == 0)
		return 0;
	if (rb->pos == rb->len) {
		/* Large reads bypass the buffer: no point copying twice. */
		if (n >= rb->cap) {
			if (rb->eof)
				return 0;
			r = read_some(rb, dst, n);
			if (r == 0)
				rb->eof = 1;
			return r;
		}
		if ((r = rbuf_fill(rb)) <= 0)
			return r;
	}
	have = rb->len - rb->pos;
	if (have > n)
		have = n;
	memcpy(dst, rb->mem + rb->pos, have);
	rb->pos += have;
	return (ssize_t)have;
}

/*
 * Copy buffered bytes up to and including an LF into dst while room is left;
 * returns 1 when the LF was seen. Bytes past the room are dropped (counted in
 * *dropped) so that an overlong line is consumed whole.
 */
static int
take_line_part(struct rbuf *rb, char *dst, size_t room, size_t *len,
    size_t *dropped)
{
	const char	*start = rb->mem + rb->pos;
	size_t		 avail = rb->len - rb->pos, n, keep;
	const char	*lf = memchr(start, '\n', avail);

	n = lf != NULL ? (size_t)(lf - start) + 1 : avail;
	keep = *len < room ? room - *len : 0;
	if (keep > n)
		keep = n;
	memcpy(dst + *len, start, keep);
	*len += keep;
	*dropped += n - keep;
	rb->pos += n;
	return lf != NULL;
}

enum line_status
rbuf_getline(struct rbuf *rb, char *dst, size_t dstsz, size_t *len)
{
	size_t	 dropped = 0, room;
	ssize_t	 r;

	*len = 0;
	if (dstsz == 0) {
		errno = EINVAL;
		return LINE_ERROR;
	}
	room = dstsz - 1;
	for (;;) {
		if (rb->pos < rb->len &&
		    take_line_part(rb, dst, room, len, &dropped)) {
			dst[*len] = '\0';
			return dropped > 0 ? LINE_TOOLONG : LINE_OK;
		}
		r = rbuf_fill(rb);
		if (r == -1) {
			dst[*len] = '\0';
			return LINE_ERROR;
		}
		if (r == 0) {
			dst[*len] = '\0';
			return dropped > 0 ? LINE_TOOLONG : LINE_EOF;
		}
	}
}

/* ---- writing ---------------------------------------------------------- */

void
wbuf_init(struct wbuf *wb, int fd, char *mem, size_t cap, int timeout_ms)
{
	memset(wb, 0, sizeof *wb);
	wb->fd = fd;
	wb->mem = mem;
	wb->cap = cap;
	wb->timeout_ms = timeout_ms;
	wb->writefn = fd_write_timeout;
}

void
wbuf_set_writer(struct wbuf *wb, buf_write_fn fn, void *ctx)
{
	wb->writefn = fn;
	wb->ctx = ctx;
}

/* Write src[0..n) through the writer until done; 0, or -1 (sticky). */
static int
write_through(struct wbuf *wb, const char *src, size_t n)
{
	ssize_t	 w;
	int	 left;

	while (n > 0) {
		if (wait_allowed(wb->timeout_ms, wb->deadline, &left) == -1)
			w = -1;
		else
			w = wb->writefn(wb->ctx, wb->fd, src, n, left);
		if (w <= 0) {
			wb->err = w == 0 ? EIO : errno;
			errno = wb->err;
			return -1;
		}
		src += w;
		n -= (size_t)w;
	}
	return 0;
}

int
wbuf_flush(struct wbuf *wb)
{
	if (wb->err) {
		errno = wb->err;
		return -1;
	}
	if (wb->len == 0)
		return 0;
	if (write_through(wb, wb->mem, wb->len) == -1)
		return -1;
	wb->len = 0;
	return 0;
}

int
wbuf_put(struct wbuf *wb, const void *src, size_t n)
{
	const char	*p = src;
	size_t		 room;

	if (wb->err) {
		errno = wb->err;
		return -1;
	}
	while (n > 0) {
		if (wb->len == wb->cap && wbuf_flush(wb) == -1)
			return -1;
		/* Data larger than the buffer goes straight out, once flushed. */
		if (wb->len == 0 && n >= wb->cap)
			return write_through(wb, p, n);
		room = wb->cap - wb->len;
		if (room > n)
			room = n;
		memcpy(wb->mem + wb->len, p, room);
		wb->len += room;
		p += room;
		n -= room;
	}
	return 0;
}

int
wbuf_puts(struct wbuf *wb, const char *s)
{
	return wbuf_put(wb, s, strlen(s));
}

int
wbuf_printf(struct wbuf *wb, const char *fmt, ...)
{
	char	 small[1024];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	/* Replies are short by construction; a longer one is a bug, not data. */
	if ((size_t)n >= sizeof small) {
		errno = EOVERFLOW;
		return -1;
	}
	return wbuf_put(wb, small, (size_t)n);
}
