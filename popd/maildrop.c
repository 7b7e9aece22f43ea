/* maildrop.c: lock, scan and clean up a Maildir for one POP3 session. */
#include "maildrop.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "md5.h"

size_t
maildrop_unique_len(const char *name)
{
	const char	*c = strchr(name, ':');

	return c != NULL ? (size_t)(c - name) : strlen(name);
}

long long
maildrop_name_wsize(const char *name)
{
	size_t		 ulen = maildrop_unique_len(name);
	long long	 v = 0;
	const char	*p;

	for (p = name; (p = strstr(p, ",W=")) != NULL && (size_t)(p - name) < ulen; p += 3) {
		const char *d = p + 3;

		if (*d < '0' || *d > '9')
			continue;
		for (v = 0; *d >= '0' && *d <= '9'; d++) {
			if (v > (LLONG_MAX - 9) / 10)
				return -1;
			v = v * 10 + (*d - '0');
		}
		if (*d == ',' || *d == ':' || *d == '\0')
			return v;
	}
	return -1;
}

off_t
maildrop_wire_size(int fd)
{
	char	 buf[65536];
	off_t	 size = 0, at = 0;
	int	 prev_cr = 0;
	ssize_t	 r;

	while ((r = pread(fd, buf, sizeof buf, at)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (ssize_t i = 0; i < r; i++) {
			size += buf[i] == '\n' && !prev_cr ? 2 : 1;
			prev_cr = buf[i] == '\r';
		}
		at += r;
	}
	return size;
}

/* "SECONDS.M<usec>P..." gives the delivery time; other names sort after, by name. */
static void
name_time(const char *name, unsigned long long *sec, unsigned long long *usec)
{
	char	*end;

	*sec = strtoull(name, &end, 10);
	*usec = 0;
	if (end == name) {
		*sec = ULLONG_MAX;
		return;
	}
	if (end[0] == '.' && end[1] == 'M')
		*usec = strtoull(end + 2, NULL, 10);
}

static int
pool_add(struct maildrop *d, const char *name, size_t *off)
{
	size_t	 n = strlen(name) + 1;

	if (d->poollen + n > d->poolcap) {
		size_t cap = d->poolcap ? d->poolcap * 2 : 65536;
		char *p;

		while (cap < d->poollen + n)
			cap *= 2;
		if ((p = realloc(d->pool, cap)) == NULL)
			return -1;
		d->pool = p;
		d->poolcap = cap;
	}
	memcpy(d->pool + d->poollen, name, n);
	*off = d->poollen;
	d->poollen += n;
	return 0;
}

static int
add_msg(struct maildrop *d, const char *name)
{
	struct msg	*m;
	long long	 w = maildrop_name_wsize(name);

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;

		if ((m = reallocarray(d->m, cap, sizeof *m)) == NULL)
			return -1;
		d->m = m;
		d->cap = cap;
	}
	m = &d->m[d->n];
	memset(m, 0, sizeof *m);
	if (pool_add(d, name, &m->name) == -1)
		return -1;
	m->ulen = maildrop_unique_len(name);
	name_time(name, &m->sec, &m->usec);
	if (w >= 0)
		m->size = (off_t)w;
	else {
		/* No W= (not from stamp-local or Dovecot): count this one file. */
		int fd = openat(d->curfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd == -1)
			return errno == ENOENT ? 0 : -1;
		m->size = maildrop_wire_size(fd);
		close(fd);
		if (m->size == -1)
			return -1;
	}
	d->n++;
	return 0;
}

/*
 * Call fn(arg, name) for each name in the folder dirfd, from its start, dot
 * files skipped. Stops at fn's first non-zero result and returns it; 0 at
 * the end; -1 when the folder cannot be read.
 */
static int
each_name(int dirfd, int (*fn)(void *, const char *), void *arg)
{
	DIR		*dir;
	struct dirent	*e;
	int		 fd, rc = 0;

	if ((fd = dup(dirfd)) == -1)
		return -1;
	if (lseek(fd, 0, SEEK_SET) == -1 || (dir = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while (rc == 0 && (errno = 0, e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			rc = fn(arg, e->d_name);
	if (rc == 0 && errno != 0)
		rc = -1;
	closedir(dir);
	return rc;
}

/* new/NAME to cur/NAME:2, (as IMAP servers and other POP3 servers do). */
static int
move_one(void *arg, const char *name)
{
	struct maildrop	*d = arg;
	char		 to[NAME_MAX + 1];

	if (snprintf(to, sizeof to, "%s%s", name, strchr(name, ':') ? "" : ":2,") >= (int)sizeof to)
		return 0;	/* no room for the info: it stays in new/ */
	if (renameat(d->newfd, name, d->curfd, to) == -1 && errno != ENOENT) {
		log_warn("action=rename name=%s", name);
		return -1;
	}
	return 0;
}

static int
add_one(void *arg, const char *name)
{
	return add_msg(arg, name);
}

static int
move_new(struct maildrop *d)
{
	if (each_name(d->newfd, move_one, d) == -1)
		return -1;
	return fsync(d->curfd);
}

static int
read_cur(struct maildrop *d)
{
	return each_name(d->curfd, add_one, d);
}

static const struct maildrop *sort_drop;

static int
by_delivery(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->usec != y->usec)
		return x->usec < y->usec ? -1 : 1;
	return strcmp(sort_drop->pool + x->name, sort_drop->pool + y->name);
}

enum md_status
maildrop_open(struct maildrop *d, const char *maildir)
{
	memset(d, 0, sizeof *d);
	d->curfd = d->newfd = -1;
	if ((d->dirfd = open(maildir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		log_warn("action=open maildir=%s", maildir);
		return MD_ERROR;
	}
	/* flock, not a lock file: it goes away with the process, however it ends. */
	if (flock(d->dirfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			return MD_INUSE;
		log_warn("action=flock maildir=%s", maildir);
		return MD_ERROR;
	}
	if ((d->curfd = openat(d->dirfd, "cur", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    (d->newfd = openat(d->dirfd, "new", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		log_warn("action=open maildir=%s", maildir);
		return MD_ERROR;
	}
	if (move_new(d) == -1 || read_cur(d) == -1) {
		log_warn("action=scan maildir=%s", maildir);
		return MD_ERROR;
	}
	sort_drop = d;
	if (d->n > 1)
		qsort(d->m, d->n, sizeof *d->m, by_delivery);
	return MD_OK;
}

const char *
maildrop_name(const struct maildrop *d, size_t i)
{
	return d->pool + d->m[i].name;
}

void
maildrop_uidl(const struct maildrop *d, size_t i, char out[UIDL_MAX + 1])
{
	const char	*name = maildrop_name(d, i);
	size_t		 ulen = d->m[i].ulen;
	int		 ok = ulen > 0 && ulen <= UIDL_MAX;

	for (size_t k = 0; ok && k < ulen; k++)
		ok = name[k] >= 0x21 && name[k] <= 0x7e;
	if (ok) {
		memcpy(out, name, ulen);
		out[ulen] = '\0';
	} else
		md5_hex(name, ulen, out);
}

struct find {
	const char	*name;
	size_t		 ulen;
	char		*out;
	size_t		 outsz;
};

static int
same_unique(void *arg, const char *name)
{
	struct find	*f = arg;

	if (strncmp(name, f->name, f->ulen) != 0 || (name[f->ulen] != ':' && name[f->ulen] != '\0'))
		return 0;
	return strlcpy(f->out, name, f->outsz) < f->outsz ? 1 : 0;
}

/* The current name in cur/ of a message whose flags another program changed. */
static int
find_again(const struct maildrop *d, size_t i, char *out, size_t outsz)
{
	struct find	 f = { maildrop_name(d, i), d->m[i].ulen, out, outsz };
	int		 r = each_name(d->curfd, same_unique, &f);

	if (r == 0)
		errno = ENOENT;
	return r == 1 ? 0 : -1;
}

int
maildrop_openmsg(const struct maildrop *d, size_t i)
{
	char	 again[NAME_MAX + 1];
	int	 fd;

	fd = openat(d->curfd, maildrop_name(d, i), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && find_again(d, i, again, sizeof again) == 0)
		fd = openat(d->curfd, again, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

size_t
maildrop_commit(struct maildrop *d)
{
	size_t	 failed = 0;

	for (size_t i = 0; i < d->n; i++) {
		char again[NAME_MAX + 1];

		if (!d->m[i].deleted)
			continue;
		if (unlinkat(d->curfd, maildrop_name(d, i), 0) == 0)
			continue;
		if (errno == ENOENT) {
			if (find_again(d, i, again, sizeof again) == -1)
				continue;	/* gone already: what DELE wanted */
			if (unlinkat(d->curfd, again, 0) == 0)
				continue;
		}
		log_warn("action=unlink name=%s", maildrop_name(d, i));
		failed++;
	}
	if (fsync(d->curfd) == -1) {
		log_warn("action=fsync folder=cur");
		return failed + 1;
	}
	return failed;
}

void
maildrop_close(struct maildrop *d)
{
	if (d->newfd != -1)
		close(d->newfd);
	if (d->curfd != -1)
		close(d->curfd);
	if (d->dirfd != -1)
		close(d->dirfd);
	free(d->m);
	free(d->pool);
	memset(d, 0, sizeof *d);
	d->dirfd = d->curfd = d->newfd = -1;
}
