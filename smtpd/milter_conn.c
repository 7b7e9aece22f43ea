/* milter_conn.c: a filter's line, socket and packets (see milter_conn.h). */
#include "milter_conn.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sockconn.h"

int
milter_spec_parse(const char *line, struct milter_spec *sp, const char **why)
{
	char	 addr[CTL_LINE_MAX + 1], opt[64];
	size_t	 al;

	memset(sp, 0, sizeof *sp);
	line += strspn(line, " \t");
	al = strcspn(line, " \t");
	if (al >= sizeof addr) {
		*why = "line too long";
		return -1;
	}
	memcpy(addr, line, al);
	addr[al] = '\0';
	line += al;
	line += strspn(line, " \t");
	al = strcspn(line, " \t");
	if (al >= sizeof opt || line[al + strspn(line + al, " \t")] != '\0') {
		*why = "one address, then at most default=tempfail or default=accept";
		return -1;
	}
	memcpy(opt, line, al);
	opt[al] = '\0';
	if (strcmp(opt, "default=accept") == 0)
		sp->default_accept = 1;
	else if (opt[0] != '\0' && strcmp(opt, "default=tempfail") != 0) {
		*why = "the option is default=tempfail or default=accept";
		return -1;
	}
	strlcpy(sp->name, addr, sizeof sp->name);
	if (strncmp(addr, "inet:", 5) == 0)
		return sock_parse_inet(addr + 5, sp->host, sizeof sp->host, sp->port,
		    sizeof sp->port, why);
	if (strncmp(addr, "unix:/", 6) == 0) {
		sp->is_unix = 1;
		if (strlcpy(sp->path, addr + 5, sizeof sp->path) >= sizeof sp->path) {
			*why = "unix: socket path too long";
			return -1;
		}
		return 0;
	}
	*why = "not inet:HOST:PORT or unix:/path";
	return -1;
}

/* rbuf reader that never waits past the exchange's deadline. */
static ssize_t
read_by_deadline(void *ctx, int fd, void *dst, size_t n, int timeout_ms)
{
	struct milter_io	*io = ctx;
	int			 left = sock_left_ms(io->deadline);

	(void)timeout_ms;
	if (left == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return fd_read_timeout(NULL, fd, dst, n, left);
}

void
milter_io_fd(struct milter_io *io, int fd)
{
	io->fd = fd;
	io->deadline = sock_now_ms();
	rbuf_init(&io->rb, fd, io->rmem, sizeof io->rmem, -1);
	rbuf_set_reader(&io->rb, read_by_deadline, io);
}

int
milter_io_open(struct milter_io *io, const struct milter_spec *sp, int timeout_ms)
{
	long long	 deadline = sock_now_ms() + timeout_ms;
	int		 fd;

	fd = sp->is_unix ? sock_connect_unix(sp->path, deadline) :
	    sock_connect_inet(sp->host, sp->port, deadline);
	if (fd == -1)
		return -1;
	milter_io_fd(io, fd);
	return 0;
}

void
milter_io_close(struct milter_io *io)
{
	if (io->fd != -1)
		close(io->fd);
	io->fd = -1;
}

void
milter_io_deadline(struct milter_io *io, int timeout_ms)
{
	io->deadline = sock_now_ms() + timeout_ms;
}

int
milter_io_send(struct milter_io *io, const struct str *out)
{
	int	 left = sock_left_ms(io->deadline);

	if (left == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return fd_write_all(io->fd, out->s, out->len, left);
}

/* Exactly n octets into dst: 1, 0 at EOF before any, -2 EOF inside, -1 error. */
static int
read_exact(struct milter_io *io, char *dst, size_t n)
{
	size_t	 got = 0;

	while (got < n) {
		ssize_t r = rbuf_read(&io->rb, dst + got, n - got);
		if (r == -1)
			return -1;
		if (r == 0)
			return got == 0 ? 0 : -2;
		got += (size_t)r;
	}
	return 1;
}

enum milter_rd
milter_io_read(struct milter_io *io, struct milter_pkt *p)
{
	char		 head[4];
	uint32_t	 len;
	int		 r;

	if ((r = read_exact(io, head, 4)) != 1)
		return r == 0 ? MRD_EOF : r == -2 ? MRD_TRUNCATED : MRD_ERROR;
	len = milter_get32(head);
	if (len == 0 || len > MILTER_PKT_MAX)
		return MRD_OVERSIZE;
	if ((r = read_exact(io, io->pkt, len)) != 1)
		return r == -1 ? MRD_ERROR : MRD_TRUNCATED;
	p->cmd = io->pkt[0];
	p->data = io->pkt + 1;
	p->len = len - 1;
	return MRD_OK;
}

const char *
milter_rd_name(enum milter_rd r)
{
	switch (r) {
	case MRD_OK:        return "ok";
	case MRD_EOF:       return "eof";
	case MRD_TRUNCATED: return "truncated";
	case MRD_OVERSIZE:  return "oversize";
	default:            return "error";
	}
}
