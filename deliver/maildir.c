/* maildir.c: the Maildir protocol, with Dovecot's S= and W= (see maildir.h). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "maildir.h"
#include "uniq.h"

#define UNIQ_TRIES	4	/* names to try when one already exists in tmp/ */

/* The folder descriptors: each name is looked up once, never through a symlink. */
struct md {
	const char	*path;
	int		 top, tmp, new;
};

static void
fail(struct dlv_result *r, int err, const char *what, const char *path, const char *sub)
{
	dlv_set(r, dlv_errno_status(err), "%s %s Maildir %s%s: %s", dlv_errno_code(err),
	    what, path, sub, strerror(err));
}

/* mkdir -p of the folders above path (a virtual user's first mail). */
static void
make_parents(const char *path)
{
	char	 p[PATH_MAX];

	if (strlcpy(p, path, sizeof p) >= sizeof p)
		return;
	for (char *s = p + 1; *s != '\0'; s++)
		if (*s == '/' && s[-1] != '/') {
			*s = '\0';
			(void)mkdir(p, 0700);	/* errors show up below, on the Maildir itself */
			*s = '/';
		}
}

/*
 * Open one folder of the Maildir below at (make it first if create). A
 * symlink or a non-folder is a permanent error: the path is wrong or hostile.
 * A missing one is temporary (an unmounted home, say).
 */
static int
open_dir(int at, const char *name, int create, const struct md *m, const char *sub,
    struct dlv_result *r)
{
	int	 fd;

	if (create && mkdirat(at, name, 0700) == -1 && errno != EEXIST) {
		fail(r, errno, "cannot create", m->path, sub);
		return -1;
	}
	if ((fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) != -1)
		return fd;
	if (errno == ENOENT)
		dlv_set(r, DLV_TEMP, "4.2.0 Maildir %s%s does not exist", m->path, sub);
	else if (errno == ENOTDIR || errno == ELOOP)
		dlv_set(r, DLV_PERM, "5.2.0 %s%s is not a Maildir folder", m->path, sub);
	else
		fail(r, errno, "cannot open", m->path, sub);
	return -1;
}

static void
md_close(struct md *m)
{
	if (m->new != -1)
		close(m->new);
	if (m->tmp != -1)
		close(m->tmp);
	if (m->top != -1)
		close(m->top);
}

static int
md_open(struct md *m, const char *maildir, int create, struct dlv_result *r)
{
	char	 top[PATH_MAX];
	size_t	 n;
	int	 cur;

	m->path = maildir;
	m->top = m->tmp = m->new = -1;
	/* "Maildir/" would follow a symlink named Maildir: drop the slashes. */
	if ((n = strlcpy(top, maildir, sizeof top)) >= sizeof top || n == 0) {
		dlv_set(r, DLV_PERM, "5.3.5 bad Maildir path %.200s", maildir);
		return -1;
	}
	while (n > 1 && top[n - 1] == '/')
		top[--n] = '\0';
	if (create)
		make_parents(top);
	if ((m->top = open_dir(AT_FDCWD, top, create, m, "", r)) == -1 ||
	    (m->tmp = open_dir(m->top, "tmp", create, m, "/tmp", r)) == -1 ||
	    (m->new = open_dir(m->top, "new", create, m, "/new", r)) == -1 ||
	    (cur = open_dir(m->top, "cur", create, m, "/cur", r)) == -1) {
		md_close(m);
		return -1;
	}
	close(cur);
	return 0;
}

/*
 * Copy head and message into fd, counting octets and the LFs that have no
 * CR before them: Dovecot's virtual size (W=) is the size once those become
 * CRLF. *rd tells a failed read of the message from a failed write.
 */
static int
copy(int fd, int msgfd, const char *head, size_t headlen, size_t *size, size_t *wire,
    int *rd)
{
	char	 buf[65536], prev = '\0';
	off_t	 off = 0;
	ssize_t	 n;

	*size = *wire = 0;
	*rd = 0;
	for (size_t i = 0; i < headlen; i++) {
		*wire += 1 + (head[i] == '\n' && prev != '\r');
		prev = head[i];
	}
	*size = headlen;
	if (write_full(fd, head, headlen) == -1)
		return -1;
	for (;;) {
		if ((n = pread(msgfd, buf, sizeof buf, off)) == -1) {
			if (errno == EINTR)
				continue;
			*rd = 1;
			return -1;
		}
		if (n == 0)
			return 0;
		for (ssize_t i = 0; i < n; i++) {
			*wire += 1 + (buf[i] == '\n' && prev != '\r');
			prev = buf[i];
		}
		if (write_full(fd, buf, (size_t)n) == -1)
			return -1;
		off += n;
		*size += (size_t)n;
	}
}

/* Make tmp/NAME, a name nobody has (O_EXCL), and return its descriptor. */
static int
create_tmp(struct md *m, char *uniq, size_t uniqsz, struct dlv_result *r)
{
	char	 host[HOST_NAME_MAX + 1];
	int	 fd;

	if (gethostname(host, sizeof host) == -1)
		strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	for (int i = 0; i < UNIQ_TRIES; i++) {
		if (maildir_unique(uniq, uniqsz, host) == -1) {
			dlv_set(r, DLV_TEMP, "4.3.0 cannot make a Maildir file name");
			return -1;
		}
		fd = openat(m->tmp, uniq, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		    0600);
		if (fd != -1)
			return fd;
		if (errno != EEXIST)
			break;
	}
	fail(r, errno, "cannot create a file in", m->path, "/tmp");
	return -1;
}

/* rename(2) that never replaces a message already in new/. */
static int
move_new(struct md *m, const char *from, const char *to)
{
	if (renameat2(m->tmp, from, m->new, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	/* A file system without RENAME_NOREPLACE: the name is unique anyway. */
	return renameat(m->tmp, from, m->new, to);
}

/* Write the message to tmp/, sync it, move it to new/ with its sizes, sync new/. */
static int
deliver(struct md *m, int msgfd, const char *head, size_t headlen, char *name,
    size_t namesz, struct dlv_result *r)
{
	char	 uniq[256];
	size_t	 size, wire;
	int	 fd, rd, err;

	if ((fd = create_tmp(m, uniq, sizeof uniq, r)) == -1)
		return -1;
	if (copy(fd, msgfd, head, headlen, &size, &wire, &rd) == -1 || fsync(fd) == -1) {
		err = errno;
		(void)close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		err = errno;
		goto fail;
	}
	if ((size_t)snprintf(name, namesz, "%s,S=%zu,W=%zu", uniq, size, wire) >= namesz) {
		err = ENAMETOOLONG;
		goto fail;
	}
	if (move_new(m, uniq, name) == -1) {
		err = errno;
		(void)unlinkat(m->tmp, uniq, 0);
		fail(r, err, "cannot move a message into", m->path, "/new");
		return -1;
	}
	if (fsync(m->new) == -1) {
		/* The rename may not be on disk: take it back, the retry redoes it. */
		err = errno;
		(void)unlinkat(m->new, name, 0);
		fail(r, err, "cannot sync", m->path, "/new");
		return -1;
	}
	return 0;
fail:
	(void)unlinkat(m->tmp, uniq, 0);
	if (rd)
		dlv_set(r, DLV_TEMP, "4.3.0 cannot read the message: %s", strerror(err));
	else
		fail(r, err, "cannot write to", m->path, "/tmp");
	return -1;
}

int
maildir_deliver(const char *maildir, int create, int msgfd, const char *head,
    size_t headlen, struct dlv_result *r, char *name_out, size_t namesz)
{
	struct md	 m;
	char		 name[NAME_MAX + 1];
	int		 rv;

	if (md_open(&m, maildir, create, r) == -1)
		return -1;
	rv = deliver(&m, msgfd, head, headlen, name, sizeof name, r);
	md_close(&m);
	if (rv == -1)
		return -1;
	if (name_out != NULL && namesz > 0)
		strlcpy(name_out, name, namesz);
	dlv_set(r, DLV_OK, "2.0.0 delivered to Maildir %s", maildir);
	return 0;
}
