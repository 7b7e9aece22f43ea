/*
 * fsutil.h: the file-system steps that durability depends on.
 *
 * Each returns 0, or -1 with errno set and nothing half done that the
 * caller must undo (except where said).
 */
#ifndef STAMP_FSUTIL_H
#define STAMP_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* open(2) that never follows a final symlink and never leaks into children. */
int open_safe(const char *path, int flags, mode_t mode);
/* fsync(2) a folder, so that names made or removed in it are on disk. */
int fsync_dir(const char *path);
/* The folder part of path: fsync_dir(dirname(path)). */
int fsync_parent(const char *path);
/*
 * fsync(2) each of n descriptors (at most FSYNC_TOGETHER_MAX), all at once:
 * n - 1 threads and the caller's each wait for one, so the disk's flushes
 * overlap instead of queueing one after another. errs[i] gets fd i's
 * errno, 0 when it is on disk. Returns 0 when every one is, else -1 (with
 * errno the first failure's). A thread that cannot start: its fsync runs
 * in the caller's turn.
 */
#define FSYNC_TOGETHER_MAX 4
int fsync_together(const int *fds, int *errs, int n);
/* Write all n bytes to fd at its offset (restarting on EINTR and short writes). */
int write_full(int fd, const void *buf, size_t n);
/*
 * Replace path with data, crash-safely: write path.tmp.PID, fsync it,
 * rename it over path, fsync the folder. A crash leaves either the old file
 * or the new one (and maybe a .tmp file), never a mix.
 */
int write_file_atomic(const char *path, const void *data, size_t n, mode_t mode);
/* The same, the new file owned by uid:gid ((uid_t)-1, (gid_t)-1: unchanged) with exactly mode. */
int write_file_atomic_owned(const char *path, const void *data, size_t n, mode_t mode,
    uid_t uid, gid_t gid);
/* Read a whole regular file of at most max octets into a malloc'ed buffer (NUL-terminated). */
int read_file_max(const char *path, size_t max, char **out, size_t *outlen);
/* mkdir(2) that accepts an existing folder (but not an existing non-folder). */
int mkdir_exist_ok(const char *path, mode_t mode);

#endif
