/* spool.c: the received message in a memfd (see spool.h). */
#include "spool.h"

#include <sys/mman.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

int
spool_open(struct spool *sp, unsigned long long limit)
{
	sp->size = 0;
	sp->limit = limit;
	sp->over = 0;
	sp->err = 0;
	sp->len = 0;
	if ((sp->fd = memfd_create("stamp-smtpd-msg", MFD_CLOEXEC)) == -1)
		return -1;
	return 0;
}

static void
flush(struct spool *sp)
{
	if (sp->len > 0 && sp->err == 0 && write_full(sp->fd, sp->buf, sp->len) == -1)
		sp->err = errno != 0 ? errno : EIO;
	sp->len = 0;
}

void
spool_put(struct spool *sp, const void *p, size_t n)
{
	const char	*s = p;

	sp->size += n;
	if (sp->limit != 0 && sp->size > sp->limit)
		sp->over = 1;
	if (sp->over || sp->err)
		return;
	while (n > 0) {
		size_t room = sizeof sp->buf - sp->len, k = n < room ? n : room;

		memcpy(sp->buf + sp->len, s, k);
		sp->len += k;
		s += k;
		n -= k;
		if (sp->len == sizeof sp->buf)
			flush(sp);
	}
}

int
spool_finish(struct spool *sp)
{
	int	 fd = sp->fd;

	flush(sp);
	sp->fd = -1;
	if (sp->err != 0 || lseek(fd, 0, SEEK_SET) == -1) {
		int e = sp->err != 0 ? sp->err : errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

void
spool_discard(struct spool *sp)
{
	if (sp->fd != -1)
		close(sp->fd);
	sp->fd = -1;
	sp->len = 0;
}
