/* msgwrite.c: LF to CRLF, dot-stuffing, and TOP's line count. */
#include "msgwrite.h"

#include <errno.h>
#include <unistd.h>

struct wstate {
	int	 bol;        /* at the start of a line */
	int	 prev_cr;
	int	 in_body;
	size_t	 linelen;    /* octets of the current line, CR not counted */
	long	 left;       /* body lines still to send; MSGWRITE_ALL: no limit */
	int	 done;
};

/* Feed one input octet; appends to o (room for 3). */
static size_t
feed(struct wstate *s, char c, char *o)
{
	size_t	 k = 0;

	if (s->bol && c == '.')
		o[k++] = '.';
	s->bol = 0;
	if (c == '\n') {
		if (!s->prev_cr)
			o[k++] = '\r';
		o[k++] = '\n';
		s->bol = 1;
		if (!s->in_body) {
			if (s->linelen == 0) {
				s->in_body = 1;
				s->done = s->left == 0;
			}
		} else if (s->left != MSGWRITE_ALL && --s->left <= 0)
			s->done = 1;
		s->linelen = 0;
	} else {
		o[k++] = c;
		if (c != '\r')
			s->linelen++;
	}
	s->prev_cr = c == '\r';
	return k;
}

int
msg_write(struct wbuf *out, int fd, long body_lines)
{
	char		 in[16384], o[3 * sizeof in];
	struct wstate	 s = { .bol = 1, .left = body_lines };
	off_t		 at = 0;
	ssize_t		 r;

	while (!s.done && (r = pread(fd, in, sizeof in, at)) != 0) {
		size_t k = 0;

		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		at += r;
		for (ssize_t i = 0; i < r && !s.done; i++)
			k += feed(&s, in[i], o + k);
		if (wbuf_put(out, o, k) == -1)
			return 0;
	}
	if (!s.bol)
		wbuf_puts(out, "\r\n");
	wbuf_puts(out, ".\r\n");
	return 0;
}
