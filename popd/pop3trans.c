/* pop3trans.c: STAT LIST RETR DELE NOOP RSET TOP UIDL CAPA QUIT after login. */
#include "pop3trans.h"

#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "msgwrite.h"
#include "pop3cmd.h"
#include "pop3io.h"

struct trans {
	struct rbuf	*in;
	struct wbuf	*out;
	struct maildrop	*d;
	const char	*user;
};

static void
totals(const struct maildrop *d, size_t *n, long long *size)
{
	*n = 0;
	*size = 0;
	for (size_t i = 0; i < d->n; i++)
		if (!d->m[i].deleted) {
			(*n)++;
			*size += d->m[i].size;
		}
}

/* The message a number names, or -1 after an -ERR. */
static long
message(struct trans *t, const char *arg)
{
	size_t	 no;

	if (!pop3_msgno(arg, t->d->n, &no) || t->d->m[no - 1].deleted) {
		wbuf_puts(t->out, "-ERR no such message\r\n");
		return -1;
	}
	return (long)(no - 1);
}

/* LIST and UIDL: one message, or all that are not deleted. */
static void
listing(struct trans *t, const struct pop3_cmd *c, int uidl)
{
	char	 u[UIDL_MAX + 1];
	long	 i;

	if (c->nargs > 1) {
		wbuf_puts(t->out, "-ERR syntax error\r\n");
		return;
	}
	if (c->nargs == 1) {
		if ((i = message(t, c->arg[0])) < 0)
			return;
		if (uidl) {
			maildrop_uidl(t->d, (size_t)i, u);
			wbuf_printf(t->out, "+OK %ld %s\r\n", i + 1, u);
		} else
			wbuf_printf(t->out, "+OK %ld %lld\r\n", i + 1, (long long)t->d->m[i].size);
		return;
	}
	wbuf_puts(t->out, uidl ? "+OK unique-id listing follows\r\n" : "+OK scan listing follows\r\n");
	for (size_t k = 0; k < t->d->n; k++) {
		if (t->d->m[k].deleted)
			continue;
		if (uidl) {
			maildrop_uidl(t->d, k, u);
			wbuf_printf(t->out, "%zu %s\r\n", k + 1, u);
		} else
			wbuf_printf(t->out, "%zu %lld\r\n", k + 1, (long long)t->d->m[k].size);
	}
	wbuf_puts(t->out, ".\r\n");
}

/* RETR n and TOP n m; -1 ends the session (a response broken off midway). */
static int
retrieve(struct trans *t, const struct pop3_cmd *c, int top)
{
	long	 i, lines = MSGWRITE_ALL;
	int	 fd, r;

	if (c->nargs != (top ? 2 : 1)) {
		wbuf_puts(t->out, top ? "-ERR usage: TOP msg lines\r\n" : "-ERR usage: RETR msg\r\n");
		return 0;
	}
	if ((i = message(t, c->arg[0])) < 0)
		return 0;
	if (top && !pop3_count(c->arg[1], &lines)) {
		wbuf_puts(t->out, "-ERR usage: TOP msg lines\r\n");
		return 0;
	}
	if ((fd = maildrop_openmsg(t->d, (size_t)i)) == -1) {
		log_warn("user=%s action=open name=%s", t->user, maildrop_name(t->d, (size_t)i));
		wbuf_puts(t->out, errno == ENOENT ? "-ERR [SYS/PERM] message removed by another program\r\n" :
		    "-ERR [SYS/TEMP] cannot read the message now\r\n");
		return 0;
	}
	wbuf_printf(t->out, "+OK %lld octets\r\n", (long long)t->d->m[i].size);
	r = msg_write(t->out, fd, lines);
	if (r == -1)
		log_warn("user=%s action=read name=%s", t->user, maildrop_name(t->d, (size_t)i));
	close(fd);
	return r;
}

static enum pop3_trans_end
update(struct trans *t)
{
	size_t	 n = 0, failed;

	for (size_t i = 0; i < t->d->n; i++)
		n += t->d->m[i].deleted != 0;
	failed = n > 0 ? maildrop_commit(t->d) : 0;
	log_info("event=logout user=%s deleted=%zu failed=%zu", t->user, n - (failed > n ? n : failed),
	    failed);
	if (failed > 0) {
		wbuf_puts(t->out, "-ERR [SYS/TEMP] some deleted messages not removed\r\n");
		wbuf_flush(t->out);
		return PT_UPDATE_FAILED;
	}
	wbuf_printf(t->out, "+OK bye, %zu messages deleted\r\n", n);
	wbuf_flush(t->out);
	return PT_UPDATED;
}

enum pop3_trans_end
pop3_transaction(struct rbuf *in, struct wbuf *out, struct maildrop *d, const char *user)
{
	struct trans	 t = { in, out, d, user };
	struct capa	 k = { 0, 0, 0 };
	struct pop3_cmd	 c;
	size_t		 n;
	long long	 size;
	long		 i;

	totals(d, &n, &size);
	wbuf_printf(out, "+OK %zu messages (%lld octets)\r\n", n, size);
	while (pop3_next(in, out, &c)) {
		switch (c.verb) {
		case P_STAT:
			totals(d, &n, &size);
			wbuf_printf(out, "+OK %zu %lld\r\n", n, size);
			break;
		case P_LIST:
			listing(&t, &c, 0);
			break;
		case P_UIDL:
			listing(&t, &c, 1);
			break;
		case P_RETR:
		case P_TOP:
			if (retrieve(&t, &c, c.verb == P_TOP) == -1)
				return PT_GONE;
			break;
		case P_DELE:
			if (c.nargs != 1)
				wbuf_puts(out, "-ERR usage: DELE msg\r\n");
			else if ((i = message(&t, c.arg[0])) >= 0) {
				d->m[i].deleted = 1;
				wbuf_printf(out, "+OK message %ld deleted\r\n", i + 1);
			}
			break;
		case P_RSET:
			for (size_t k2 = 0; k2 < d->n; k2++)
				d->m[k2].deleted = 0;
			totals(d, &n, &size);
			wbuf_printf(out, "+OK %zu messages (%lld octets)\r\n", n, size);
			break;
		case P_NOOP:
			wbuf_puts(out, "+OK\r\n");
			break;
		case P_CAPA:
			pop3_capa(out, &k);
			break;
		case P_QUIT:
			return update(&t);
		case P_UNKNOWN:
			wbuf_puts(out, "-ERR unknown command\r\n");
			break;
		default:
			wbuf_puts(out, "-ERR not in TRANSACTION state\r\n");
			break;
		}
	}
	log_info("event=dropped user=%s reason=\"no QUIT; nothing deleted\"", user);
	return PT_GONE;
}
