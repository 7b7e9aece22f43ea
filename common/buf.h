/*
 * buf.h: buffered reading and writing on file descriptors, with timeouts.
 *
 * Every wait goes through poll(2) with the buffer's timeout (ms; -1 none), so
 * no peer can stall a program for longer than that per operation. The actual
 * transfer goes through a replaceable function, so that TLS (libtls) and unit
 * tests (scripted input, captured output) plug in without touching callers.
 */
#ifndef STAMP_BUF_H
#define STAMP_BUF_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Transfer functions behave like read(2) and write(2) on ctx, but may block
 * only up to timeout_ms; they return -1 with errno ETIMEDOUT when it passes.
 * The default ones poll fd and then read/write it (writes in chunks that
 * cannot block: send(MSG_DONTWAIT) on sockets, PIPE_BUF on pipes).
 *
 * A deadline (mono_ms(), 0 none) bounds the whole stream as well: each wait
 * is cut to what is left of it, so that a peer sending one byte just before
 * each timeout cannot hold the program for ever. A read refused by it fails
 * with ETIMEDOUT and sets expired, so the caller can tell the two apart.
 */
typedef ssize_t (*buf_read_fn)(void *ctx, int fd, void *dst, size_t n, int timeout_ms);
typedef ssize_t (*buf_write_fn)(void *ctx, int fd, const void *src, size_t n, int timeout_ms);

ssize_t fd_read_timeout(void *ctx, int fd, void *dst, size_t n, int timeout_ms);
ssize_t fd_write_timeout(void *ctx, int fd, const void *src, size_t n, int timeout_ms);
/* Write all of src (retrying short writes, EINTR); 0, or -1 with errno. */
int     fd_write_all(int fd, const void *src, size_t n, int timeout_ms);

struct rbuf {
	int          fd;
	int          timeout_ms;
	buf_read_fn  readfn;
	void        *ctx;
	char        *mem;
	size_t       cap;
	size_t       pos;       /* first unread byte */
	size_t       len;       /* end of buffered bytes */
	int          eof;
	long long    deadline;  /* mono_ms() past which no read waits; 0 none */
	int          expired;   /* a read failed because the deadline passed */
};

struct wbuf {
	int          fd;
	int          timeout_ms;
	buf_write_fn writefn;
	void        *ctx;
	char        *mem;
	size_t       cap;
	size_t       len;
	int          err;       /* sticky errno of the first failed write, 0 if none */
	long long    deadline;  /* mono_ms() past which no write waits; 0 none */
};

/* mem/cap is caller-owned storage (a stack array is fine). */
void    rbuf_init(struct rbuf *, int fd, char *mem, size_t cap, int timeout_ms);
void    rbuf_set_reader(struct rbuf *, buf_read_fn, void *ctx);
/* Read more into the buffer: bytes added, 0 at EOF, -1 with errno (ETIMEDOUT). */
ssize_t rbuf_fill(struct rbuf *);
/* Bytes already buffered and not yet consumed (to tell a pipelining client). */
size_t  rbuf_pending(const struct rbuf *);
/* Throw away everything buffered (STARTTLS, STLS: no plaintext may survive). */
void    rbuf_discard(struct rbuf *);
/* Up to n bytes, from the buffer first: count, 0 at EOF, -1 with errno. */
ssize_t rbuf_read(struct rbuf *, void *dst, size_t n);

enum line_status {
	LINE_OK,        /* a whole line, LF included, is in dst */
	LINE_TOOLONG,   /* longer than dst: dst has the start, the rest of it up to LF was consumed */
	LINE_EOF,       /* end of input; *len bytes of a last line without LF are in dst (maybe 0) */
	LINE_ERROR,     /* read error or timeout: errno says which */
};
/*
 * Read one line ending in LF into dst (at most dstsz - 1 bytes, then a NUL).
 * *len is the number of bytes stored, LF (and CR) included. An overlong line
 * is never split into two: its tail is read and discarded, and LINE_TOOLONG
 * says so, so that the caller answers it as one bad line.
 */
enum line_status rbuf_getline(struct rbuf *, char *dst, size_t dstsz, size_t *len);

void    wbuf_init(struct wbuf *, int fd, char *mem, size_t cap, int timeout_ms);
void    wbuf_set_writer(struct wbuf *, buf_write_fn, void *ctx);
/* Buffer (flushing as needed); 0, or -1 with errno once anything failed. */
int     wbuf_put(struct wbuf *, const void *, size_t);
int     wbuf_puts(struct wbuf *, const char *);
int     wbuf_printf(struct wbuf *, const char *, ...) __attribute__((format(printf, 2, 3)));
int     wbuf_flush(struct wbuf *);

#endif
