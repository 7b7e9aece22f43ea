/* fsutil.c: fsync, atomic replace, safe open. */
#include "fsutil.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
open_safe(const char *path, int flags, mode_t mode)
{
	int fd;

	do
		fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	while (fd == -1 && errno == EINTR);
	return fd;
}

int
fsync_dir(const char *path)
{
	int fd, r, saved;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL)
		return fsync_dir(".");
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	return fsync_dir(dir);
}

struct fsync_job {
	int	 fd;
	int	 err;
};

static void *
fsync_job_run(void *arg)
{
	struct fsync_job *j = arg;

	j->err = fsync(j->fd) == -1 ? errno : 0;
	return NULL;
}

int
fsync_together(const int *fds, int *errs, int n)
{
	struct fsync_job job[FSYNC_TOGETHER_MAX];
	pthread_t	 th[FSYNC_TOGETHER_MAX];
	int		 started[FSYNC_TOGETHER_MAX] = { 0 }, first = 0;

	if (n < 1 || n > FSYNC_TOGETHER_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < n; i++)
		job[i] = (struct fsync_job){ .fd = fds[i], .err = 0 };
	for (int i = 1; i < n; i++)
		started[i] = pthread_create(&th[i], NULL, fsync_job_run, &job[i]) == 0;
	fsync_job_run(&job[0]);
	for (int i = 1; i < n; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			fsync_job_run(&job[i]);
	}
	for (int i = 0; i < n; i++) {
		errs[i] = job[i].err;
		if (first == 0)
			first = job[i].err;
	}
	if (first != 0) {
		errno = first;
		return -1;
	}
	return 0;
}

int
write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
write_file_atomic(const char *path, const void *data, size_t n, mode_t mode)
{
	return write_file_atomic_owned(path, data, n, mode, (uid_t)-1, (gid_t)-1);
}

int
write_file_atomic_owned(const char *path, const void *data, size_t n, mode_t mode,
    uid_t uid, gid_t gid)
{
	char tmp[PATH_MAX];
	int fd, saved;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open_safe(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd == -1)
		return -1;
	/* Owner and mode before the rename: readers never see the file with others. */
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) == -1)
		goto fail;
	if (fchmod(fd, mode) == -1 || write_full(fd, data, n) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	return fsync_parent(path);
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int
read_file_max(const char *path, size_t max, char **out, size_t *outlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, saved;

	/* O_NONBLOCK: opening a fifo must not wait for a writer; it is refused below. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	/* Read what stat promised, and no more even if the file grew. */
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

int
mkdir_exist_ok(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (lstat(path, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}
