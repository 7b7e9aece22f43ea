/* relay.c: the client's stream (plain, then TLS after STLS) to and from A and T. */
#include "relay.h"

#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

void
relay_init(struct relay *r, int rfd, int wfd, int inner, struct tls *server, int timeout_ms)
{
	memset(r, 0, sizeof *r);
	r->rfd = rfd;
	r->wfd = wfd;
	r->inner = inner;
	r->server = server;
	r->lined = 1;
	r->timeout_ms = timeout_ms;
	rbuf_init(&r->cin, rfd, r->cmem, sizeof r->cmem, timeout_ms);
	wbuf_init(&r->cout, wfd, r->wmem, sizeof r->wmem, timeout_ms);
}

int
relay_pending(const struct relay *r)
{
	return !r->paused && !relay_inner_blocked(r) && rbuf_pending(&r->cin) > 0;
}

int
relay_inner_blocked(const struct relay *r)
{
	return r->ioff < r->ilen;
}

/*
 * Never block on the inner side: while T writes a long RETR to us, a client
 * that pipelines a flood of commands must not fill both directions and stall
 * us all (P would wait for T to read, T for P to read).
 */
int
relay_flush_inner(struct relay *r)
{
	while (r->ioff < r->ilen) {
		ssize_t n = send(r->inner, r->ibuf + r->ioff, r->ilen - r->ioff, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		r->ioff += (size_t)n;
	}
	r->ioff = r->ilen = 0;
	return 0;
}

static int
to_inner(struct relay *r, const char *p, size_t n)
{
	memcpy(r->ibuf, p, n);		/* callers never pass more than ibuf holds */
	r->ioff = 0;
	r->ilen = n;
	return relay_flush_inner(r);
}

static int
client_gone(struct relay *r)
{
	shutdown(r->inner, SHUT_WR);
	return -1;
}

static int
is_stls(const char *line)
{
	return strncasecmp(line, "STLS", 4) == 0 && strspn(line + 4, "\r\n") == strlen(line + 4);
}

int
relay_from_client(struct relay *r)
{
	char	 buf[sizeof r->ibuf];
	size_t	 len;
	ssize_t	 n;

	if (r->paused || relay_inner_blocked(r))
		return 0;
	if (r->lined) {
		switch (rbuf_getline(&r->cin, buf, sizeof buf, &len)) {
		case LINE_OK:
		case LINE_TOOLONG:	/* A answers the start as too long */
			if (buf[len > 0 ? len - 1 : 0] != '\n' && len < sizeof buf - 1)
				buf[len++] = '\n';
			r->paused = !r->tls_on && is_stls(buf);
			return to_inner(r, buf, len);
		default:
			return client_gone(r);
		}
	}
	/* Bytes: what our buffer holds, then what the stream has now, without waiting. */
	while (!relay_inner_blocked(r)) {
		if (rbuf_pending(&r->cin) > 0)
			n = rbuf_read(&r->cin, buf, sizeof buf);
		else
			n = r->cin.readfn(r->cin.ctx, r->rfd, buf, sizeof buf, 0);
		if (n == -1 && errno == ETIMEDOUT)
			return 0;
		if (n <= 0)
			return client_gone(r);
		if (to_inner(r, buf, (size_t)n) == -1)
			return -1;
	}
	return 0;
}

int
relay_to_client(struct relay *r)
{
	char	 buf[16384];
	ssize_t	 n;

	for (;;) {
		if ((n = recv(r->inner, buf, sizeof buf, MSG_DONTWAIT)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		if (n == 0) {
			wbuf_flush(&r->cout);
			return -1;
		}
		if (wbuf_put(&r->cout, buf, (size_t)n) == -1)
			return -1;
	}
	return wbuf_flush(&r->cout);
}

int
relay_starttls(struct relay *r)
{
	/* A wrote "+OK" before it asked: it is in the socketpair already. */
	if (relay_to_client(r) == -1)
		return -1;
	rbuf_discard(&r->cin);
	if (tlsio_accept(&r->tls, r->server, r->rfd, r->wfd, r->timeout_ms) == -1) {
		log_warnx("event=tls-failed reason=\"%s\"", r->tls.err);
		return -1;
	}
	rbuf_set_reader(&r->cin, tlsio_read, &r->tls);
	wbuf_set_writer(&r->cout, tlsio_write, &r->tls);
	r->tls_on = 1;
	r->paused = 0;
	r->lined = 0;
	return 0;
}

void
relay_raw(struct relay *r)
{
	r->lined = 0;
	r->paused = 0;
}

void
relay_close(struct relay *r)
{
	wbuf_flush(&r->cout);
	if (r->tls_on)
		tlsio_close(&r->tls, 5000);
}
