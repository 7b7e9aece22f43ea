/* mbox.c: append to an mbox with a dotlock and an fcntl lock (see mbox.h). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "mbox.h"

struct out {
	int	 fd;
	char	 buf[65536];
	size_t	 len;
	int	 bol, gt, fm;	/* quoting state: at line start, '>'s seen, "From " matched */
	int	 last_lf;
};

static int
flush(struct out *o)
{
	if (o->len > 0 && write_full(o->fd, o->buf, o->len) == -1)
		return -1;
	o->len = 0;
	return 0;
}

static int
put(struct out *o, const char *p, size_t n)
{
	while (n > 0) {
		size_t k = sizeof o->buf - o->len;
		if (k == 0 && flush(o) == -1)
			return -1;
		k = sizeof o->buf - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, p, k);
		o->len += k;
		p += k;
		n -= k;
	}
	return 0;
}

static int
put_gts(struct out *o, int n)
{
	for (; n > 0; n--)
		if (put(o, ">", 1) == -1)
			return -1;
	return 0;
}

/* mboxrd: a line matching ^>*From  gets one more '>'. */
static int
quoted(struct out *o, const char *p, size_t n)
{
	static const char from[] = "From ";

	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (o->bol) {
			if (o->fm == 0 && c == '>') {
				o->gt++;
				continue;
			}
			if (c == from[o->fm]) {
				if (++o->fm < 5)
					continue;
				if (put_gts(o, o->gt + 1) == -1 || put(o, from, 5) == -1)
					return -1;
				o->bol = o->gt = o->fm = o->last_lf = 0;
				continue;
			}
			if (put_gts(o, o->gt) == -1 || put(o, from, (size_t)o->fm) == -1)
				return -1;
			o->bol = o->gt = o->fm = 0;
		}
		if (put(o, &c, 1) == -1)
			return -1;
		o->bol = c == '\n';
		o->last_lf = c == '\n';
	}
	return 0;
}

static int
dotlock(const char *lock, struct dlv_result *r)
{
	struct stat	 st;
	time_t		 end = time(NULL) + MBOX_LOCK_WAIT;
	int		 fd;

	for (;;) {
		fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd != -1) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST) {
			dlv_set(r, DLV_TEMP, "4.2.0 cannot make the lock %s: %s", lock,
			    strerror(errno));
			return -1;
		}
		if (lstat(lock, &st) == 0 && time(NULL) - st.st_mtime > MBOX_LOCK_STALE)
			unlink(lock);	/* left by a crashed writer */
		else if (time(NULL) >= end) {
			dlv_set(r, DLV_TEMP, "4.2.1 mailbox busy: %s is locked", lock);
			return -1;
		}
		usleep(100000);
	}
}

static int
fcntl_lock(int fd, const char *path, struct dlv_result *r)
{
	struct flock	 fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	time_t		 end = time(NULL) + MBOX_LOCK_WAIT;

	while (fcntl(fd, F_SETLK, &fl) == -1) {
		if ((errno != EAGAIN && errno != EACCES) || time(NULL) >= end) {
			dlv_set(r, DLV_TEMP, "4.2.1 mailbox busy: cannot lock %s", path);
			return -1;
		}
		usleep(100000);
	}
	return 0;
}

static int
append(int fd, const char *sender, time_t when, int msgfd, const char *head,
    size_t headlen)
{
	static struct out o;
	char		 date[64], buf[65536];
	struct tm	 tm;
	off_t		 off = 0;
	ssize_t		 n;

	memset(&o, 0, sizeof o);
	o.fd = fd;
	o.bol = 1;
	gmtime_r(&when, &tm);
	strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm);
	if (put(&o, "From ", 5) == -1 ||
	    put(&o, *sender ? sender : "MAILER-DAEMON", strlen(*sender ? sender : "MAILER-DAEMON")) == -1 ||
	    put(&o, " ", 1) == -1 || put(&o, date, strlen(date)) == -1 || put(&o, "\n", 1) == -1 ||
	    quoted(&o, head, headlen) == -1)
		return -1;
	while ((n = pread(msgfd, buf, sizeof buf, off)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (quoted(&o, buf, (size_t)n) == -1)
			return -1;
		off += n;
	}
	/* Finish a cut quoting prefix, end the last line, then one blank line. */
	if (o.gt > 0 || o.fm > 0)
		o.last_lf = 0;
	if (put_gts(&o, o.gt) == -1 || put(&o, "From ", (size_t)o.fm) == -1 ||
	    (!o.last_lf && put(&o, "\n", 1) == -1) || put(&o, "\n", 1) == -1)
		return -1;
	return flush(&o);
}

int
mbox_deliver(const char *path, const char *sender, time_t when, int msgfd,
    const char *head, size_t headlen, struct dlv_result *r)
{
	char		 lock[PATH_MAX];
	struct stat	 st;
	int		 fd, err;

	if (snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock) {
		dlv_set(r, DLV_PERM, "5.3.5 mbox path too long");
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd == -1) {
		err = errno;
		dlv_set(r, dlv_errno_status(err), "%s cannot open mbox %s: %s",
		    dlv_errno_status(err) == DLV_PERM ? "5.2.0" : "4.2.0", path, strerror(err));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		dlv_set(r, DLV_PERM, "5.2.0 mbox %s is not a regular file", path);
		return -1;
	}
	if (dotlock(lock, r) == -1) {
		close(fd);
		return -1;
	}
	if (fcntl_lock(fd, path, r) == -1) {
		unlink(lock);
		close(fd);
		return -1;
	}
	/* The size once locked: what to cut back to on failure. */
	if (fstat(fd, &st) == -1 || append(fd, sender, when, msgfd, head, headlen) == -1 ||
	    fsync(fd) == -1) {
		err = errno;
		if (ftruncate(fd, st.st_size) == -1)
			err = errno;
		unlink(lock);
		close(fd);
		dlv_set(r, DLV_TEMP, "4.3.0 cannot write to mbox %s: %s", path, strerror(err));
		return -1;
	}
	unlink(lock);
	if (close(fd) == -1) {
		dlv_set(r, DLV_TEMP, "4.3.0 cannot close mbox %s: %s", path, strerror(errno));
		return -1;
	}
	dlv_set(r, DLV_OK, "2.0.0 delivered to mbox %s", path);
	return 0;
}
