/* mbox.c: append to an mbox with a dotlock and an fcntl lock (see mbox.h). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "mbox.h"

#define SENDER_MAX	512	/* the From line's address, cut beyond this */

/* A buffered writer that quotes mboxrd-style as it goes. */
struct out {
	int	 fd;
	size_t	 len;
	int	 bol;		/* at the start of a line */
	size_t	 gt;		/* '>'s held back at the start of this line */
	size_t	 fm;		/* octets of "From " matched after them */
	char	 last;		/* the last octet of the message put so far */
	char	 buf[16384];
};

static const char from_[] = "From ";

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

		if (k == 0) {
			if (flush(o) == -1)
				return -1;
			continue;
		}
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, p, k);
		o->len += k;
		p += k;
		n -= k;
	}
	return 0;
}

/* Write what the start of the line held back: its '>'s and part of "From ". */
static int
release(struct out *o)
{
	for (; o->gt > 0; o->gt--) {
		if (put(o, ">", 1) == -1)
			return -1;
		o->last = '>';
	}
	if (o->fm > 0) {
		if (put(o, from_, o->fm) == -1)
			return -1;
		o->last = from_[o->fm - 1];
		o->fm = 0;
	}
	return 0;
}

/*
 * mboxrd: a line matching ^>*From  gets one more '>'. The start of each
 * line is held back until it is known not to match; the rest of the line
 * is copied as one run.
 */
static int
quoted(struct out *o, const char *p, size_t n)
{
	size_t	 i = 0;

	while (i < n) {
		if (o->bol) {
			char c = p[i];

			if (o->fm == 0 && c == '>') {
				o->gt++;
				i++;
				continue;
			}
			if (c == from_[o->fm]) {
				i++;
				if (++o->fm < sizeof from_ - 1)
					continue;
				o->gt++;
			}
			if (release(o) == -1)
				return -1;
			o->bol = 0;
			continue;
		}
		const char *nl = memchr(p + i, '\n', n - i);
		size_t k = nl != NULL ? (size_t)(nl - (p + i)) + 1 : n - i;

		if (put(o, p + i, k) == -1)
			return -1;
		o->last = p[i + k - 1];
		o->bol = nl != NULL;
		i += k;
	}
	return 0;
}

/* "From SENDER DATE\n", the address made safe for one line. */
static int
from_line(struct out *o, const char *sender, time_t when)
{
	char		 s[SENDER_MAX + 1], date[64];
	struct tm	 tm;
	size_t		 n;

	if (sender == NULL || *sender == '\0')
		sender = "MAILER-DAEMON";
	n = strlcpy(s, sender, sizeof s);
	if (n >= sizeof s)
		n = sizeof s - 1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 127)
			s[i] = '_';	/* a space or LF would break the separator */
	if (gmtime_r(&when, &tm) == NULL) {
		when = 0;
		gmtime_r(&when, &tm);
	}
	/* asctime(3)'s layout, without its locale or its newline. */
	if (strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm) == 0)
		strlcpy(date, "Thu Jan  1 00:00:00 1970", sizeof date);
	if (put(o, from_, 5) == -1 || put(o, s, n) == -1 || put(o, " ", 1) == -1 ||
	    put(o, date, strlen(date)) == -1 || put(o, "\n", 1) == -1)
		return -1;
	o->last = '\n';
	return 0;
}

/*
 * The separator before our From line: a mailbox that does not end in a
 * blank line (another writer's crash) gets one, so the From line is a line.
 */
static int
separate(struct out *o, off_t size)
{
	char	 t[2];
	ssize_t	 n;

	if (size == 0)
		return 0;
	if ((n = pread(o->fd, t, size >= 2 ? 2 : 1, size >= 2 ? size - 2 : 0)) <= 0)
		return n == 0 ? 0 : -1;
	if (t[n - 1] != '\n')
		return put(o, "\n\n", 2);
	if (n == 2 && t[0] != '\n')
		return put(o, "\n", 1);
	return 0;
}

static int
append(int fd, off_t size, const char *sender, time_t when, int msgfd, const char *head,
    size_t headlen)
{
	struct out	*o;
	char		*buf;
	off_t		 off = 0;
	ssize_t		 n;
	int		 rv = -1;

	if ((o = calloc(1, sizeof *o)) == NULL)
		return -1;
	if ((buf = malloc(sizeof o->buf)) == NULL)
		goto out;
	o->fd = fd;
	o->bol = 1;
	if (separate(o, size) == -1 || from_line(o, sender, when) == -1 ||
	    quoted(o, head, headlen) == -1)
		goto out;
	for (;;) {
		if ((n = pread(msgfd, buf, sizeof o->buf, off)) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (n == 0)
			break;
		if (quoted(o, buf, (size_t)n) == -1)
			goto out;
		off += n;
	}
	/* End the last line (even a cut ">From"), then one blank line. */
	if (release(o) == -1 || (o->last != '\n' && put(o, "\n", 1) == -1) ||
	    put(o, "\n", 1) == -1 || flush(o) == -1)
		goto out;
	rv = 0;
out:
	free(buf);
	free(o);
	return rv;
}

static int
expired(const struct timespec *end)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > end->tv_sec ||
	    (now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec);
}

/* 50 to 100 ms, so that two waiting writers do not retry in step. */
static void
nap(void)
{
	struct timespec	 ts = { 0, 50000000L + (long)arc4random_uniform(50000000) };

	nanosleep(&ts, NULL);
}

/* Make PATH.lock with O_EXCL; *ino gets its inode, to remove only our own. */
static int
dotlock(const char *lock, const struct timespec *end, ino_t *ino, struct dlv_result *r)
{
	struct stat	 st;
	int		 fd;

	for (;;) {
		fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd != -1) {
			if (fstat(fd, &st) == -1)
				st.st_ino = 0;
			close(fd);
			*ino = st.st_ino;
			return 0;
		}
		if (errno != EEXIST) {
			dlv_set(r, DLV_TEMP, "4.2.0 cannot make the lock %s: %s", lock,
			    strerror(errno));
			return -1;
		}
		if (lstat(lock, &st) == -1) {
			if (errno == ENOENT)
				continue;	/* just removed: try again at once */
		} else if (S_ISREG(st.st_mode) && time(NULL) - st.st_mtime > MBOX_LOCK_STALE) {
			if (unlink(lock) == 0 || errno == ENOENT)
				continue;	/* left by a crashed writer */
		}
		if (expired(end)) {
			dlv_set(r, DLV_TEMP, "4.2.1 mailbox busy: %s is locked", lock);
			return -1;
		}
		nap();
	}
}

static void
dotunlock(const char *lock, ino_t ino)
{
	struct stat	 st;

	/* Someone may have taken it from us as stale; theirs stays. */
	if (lstat(lock, &st) == 0 && st.st_ino == ino)
		(void)unlink(lock);
}

static int
fcntl_lock(int fd, const char *path, const struct timespec *end, struct dlv_result *r)
{
	struct flock	 fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	while (fcntl(fd, F_SETLK, &fl) == -1) {
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EACCES) {
			dlv_set(r, DLV_TEMP, "4.2.0 cannot lock mbox %s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (expired(end)) {
			dlv_set(r, DLV_TEMP, "4.2.1 mailbox busy: mbox %s is locked", path);
			return -1;
		}
		nap();
	}
	return 0;
}

/* Open the mailbox: a regular file with one name, never through a symlink. */
static int
open_mbox(const char *path, struct dlv_result *r)
{
	struct stat	 st;
	int		 fd, err;

	/* O_NONBLOCK: a FIFO put there must not hang us before fstat says no. */
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
	    0600);
	if (fd == -1) {
		err = errno;
		dlv_set(r, dlv_errno_status(err), "%s cannot open mbox %s: %s",
		    dlv_errno_code(err), path, strerror(err));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		err = errno;
		close(fd);
		dlv_set(r, DLV_TEMP, "4.3.0 cannot stat mbox %s: %s", path, strerror(err));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		dlv_set(r, DLV_PERM, "5.2.0 mbox %s is not a regular file%s", path,
		    S_ISREG(st.st_mode) ? " with one name" : "");
		return -1;
	}
	return fd;
}

/* Locked: append, sync, or cut the file back to its size before. */
static int
write_locked(int fd, const char *path, const char *sender, time_t when, int msgfd,
    const char *head, size_t headlen, struct dlv_result *r)
{
	struct stat	 st;
	int		 err;

	if (fstat(fd, &st) == -1) {
		dlv_set(r, DLV_TEMP, "4.3.0 cannot stat mbox %s: %s", path, strerror(errno));
		return -1;
	}
	if (append(fd, st.st_size, sender, when, msgfd, head, headlen) == 0 && fsync(fd) == 0)
		return 0;
	err = errno;
	if (ftruncate(fd, st.st_size) == -1 || fsync(fd) == -1)
		dlv_set(r, DLV_TEMP, "4.3.0 cannot write to mbox %s: %s, and cannot cut "
		    "it back: %s", path, strerror(err), strerror(errno));
	else
		dlv_set(r, DLV_TEMP, "%s cannot write to mbox %s: %s",
		    err == EDQUOT ? "4.2.2" : "4.3.0", path, strerror(err));
	return -1;
}

int
mbox_deliver(const char *path, const char *sender, time_t when, int msgfd,
    const char *head, size_t headlen, struct dlv_result *r)
{
	char		 lock[PATH_MAX];
	struct timespec	 end;
	ino_t		 ino;
	int		 fd, rv;

	if ((size_t)snprintf(lock, sizeof lock, "%s.lock", path) >= sizeof lock) {
		dlv_set(r, DLV_PERM, "5.3.5 mbox path too long");
		return -1;
	}
	if ((fd = open_mbox(path, r)) == -1)
		return -1;
	/* One bound for both locks together. */
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += MBOX_LOCK_WAIT;
	if (dotlock(lock, &end, &ino, r) == -1) {
		close(fd);
		return -1;
	}
	rv = -1;
	if (fcntl_lock(fd, path, &end, r) == 0)
		rv = write_locked(fd, path, sender, when, msgfd, head, headlen, r);
	/*
	 * Closing drops the fcntl lock. Its error is no news: the data was
	 * synced, and failing now would only deliver the message twice.
	 */
	(void)close(fd);
	dotunlock(lock, ino);
	if (rv == 0)
		dlv_set(r, DLV_OK, "2.0.0 delivered to mbox %s", path);
	return rv;
}
