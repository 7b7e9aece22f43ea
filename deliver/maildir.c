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

/* mkdir -p of the folders above path (a virtual user's first mail). */
static void
make_parents(const char *path)
{
	char	 p[PATH_MAX];

	if (strlcpy(p, path, sizeof p) >= sizeof p)
		return;
	for (char *s = p + 1; *s != '\0'; s++)
		if (*s == '/') {
			*s = '\0';
			(void)mkdir(p, 0700);	/* errors show up below, on the Maildir itself */
			*s = '/';
		}
}

static int
ensure(const char *maildir, int create, struct dlv_result *r)
{
	static const char *const sub[] = { "", "/tmp", "/new", "/cur" };
	char		 p[PATH_MAX];
	struct stat	 st;

	if (create)
		make_parents(maildir);
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		if (snprintf(p, sizeof p, "%s%s", maildir, sub[i]) >= (int)sizeof p) {
			dlv_set(r, DLV_PERM, "5.3.5 Maildir path too long");
			return -1;
		}
		if (create && mkdir(p, 0700) == -1 && errno != EEXIST) {
			dlv_set(r, dlv_errno_status(errno), "%s cannot create %s: %s",
			    dlv_errno_status(errno) == DLV_PERM ? "5.2.0" : "4.2.0", p,
			    strerror(errno));
			return -1;
		}
		if (lstat(p, &st) == -1 || !S_ISDIR(st.st_mode)) {
			int missing = errno == ENOENT;
			dlv_set(r, missing ? DLV_TEMP : DLV_PERM, "%s %s is not a Maildir folder",
			    missing ? "4.2.0" : "5.2.0", p);
			return -1;
		}
	}
	return 0;
}

/* Copy head and message into fd, counting octets and LFs. */
static int
copy(int fd, int msgfd, const char *head, size_t headlen, size_t *size, size_t *lfs)
{
	char	 buf[65536];
	off_t	 off = 0;
	ssize_t	 n;

	*size = headlen;
	*lfs = 0;
	for (size_t i = 0; i < headlen; i++)
		*lfs += head[i] == '\n';
	if (write_full(fd, head, headlen) == -1)
		return -1;
	while ((n = pread(msgfd, buf, sizeof buf, off)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (ssize_t i = 0; i < n; i++)
			*lfs += buf[i] == '\n';
		if (write_full(fd, buf, (size_t)n) == -1)
			return -1;
		off += n;
		*size += (size_t)n;
	}
	return 0;
}

int
maildir_deliver(const char *maildir, int create, int msgfd, const char *head,
    size_t headlen, struct dlv_result *r, char *name_out, size_t namesz)
{
	char	 uniq[256], host[128], tmp[PATH_MAX], dst[PATH_MAX], newdir[PATH_MAX];
	size_t	 size, lfs;
	int	 fd, err;

	if (ensure(maildir, create, r) == -1)
		return -1;
	if (gethostname(host, sizeof host) == -1)
		strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	if (maildir_unique(uniq, sizeof uniq, host) == -1 ||
	    snprintf(tmp, sizeof tmp, "%s/tmp/%s", maildir, uniq) >= (int)sizeof tmp) {
		dlv_set(r, DLV_PERM, "5.3.5 Maildir path too long");
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		err = errno;
		dlv_set(r, dlv_errno_status(err), "%s cannot create %s: %s",
		    dlv_errno_status(err) == DLV_PERM ? "5.2.0" : "4.3.0", tmp, strerror(err));
		return -1;
	}
	if (copy(fd, msgfd, head, headlen, &size, &lfs) == -1 || fsync(fd) == -1) {
		err = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		err = errno;
		goto fail;
	}
	if (snprintf(dst, sizeof dst, "%s/new/%s,S=%zu,W=%zu", maildir, uniq, size,
	    size + lfs) >= (int)sizeof dst) {
		err = ENAMETOOLONG;
		goto fail;
	}
	if (rename(tmp, dst) == -1) {
		err = errno;
		goto fail;
	}
	snprintf(newdir, sizeof newdir, "%s/new", maildir);
	if (fsync_dir(newdir) == -1) {
		/* The rename may not be on disk: a temporary failure repeats it. */
		err = errno;
		unlink(dst);
		dlv_set(r, DLV_TEMP, "4.3.0 cannot fsync %s: %s", newdir, strerror(err));
		return -1;
	}
	if (name_out != NULL)
		strlcpy(name_out, strrchr(dst, '/') + 1, namesz);
	dlv_set(r, DLV_OK, "2.0.0 delivered to Maildir %s", maildir);
	return 0;
fail:
	unlink(tmp);
	dlv_set(r, dlv_errno_status(err) == DLV_PERM ? DLV_PERM : DLV_TEMP,
	    "%s cannot write to Maildir %s: %s",
	    dlv_errno_status(err) == DLV_PERM ? "5.2.0" : "4.3.0", maildir, strerror(err));
	return -1;
}
