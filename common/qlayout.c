/* qlayout.c: create and walk the queue's bucketed folders. */
#include "qlayout.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "uniq.h"

#define QUEUE_MODE   0750
#define STATE_MODE   02770   /* set-group-ID: files get the scheduler's group */
#define TRIGGER_MODE 0660

static const char *const state_names[Q_NSTATES] = { "mess", "intd", "todo", "info", "done", "hold" };

const char *
qstate_name(enum qstate s)
{
	return state_names[s];
}

static int
checked(int r, size_t outsz)
{
	if (r < 0 || (size_t)r >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
qpath(char *out, size_t outsz, enum qstate s, const char *id)
{
	return checked(snprintf(out, outsz, "%s/%02x/%s", state_names[s],
	    qid_bucket(id), id), outsz);
}

int
qbucket_path(char *out, size_t outsz, enum qstate s, unsigned bucket)
{
	return checked(snprintf(out, outsz, "%s/%02x", state_names[s], bucket & 0xff),
	    outsz);
}

/* Make path a folder with exactly this mode and, when asked, these owners. */
static int
ensure_dir(const char *path, mode_t mode, const struct qowners *own)
{
	if (mkdir_exist_ok(path, mode & 0777) == -1) {
		log_warn("action=mkdir path=%s", path);
		return -1;
	}
	if (own != NULL && chown(path, own->queue_uid, own->sched_gid) == -1) {
		log_warn("action=chown path=%s", path);
		return -1;
	}
	/* After chown, which clears set-ID bits, and regardless of umask. */
	if (chmod(path, mode) == -1) {
		log_warn("action=chmod path=%s", path);
		return -1;
	}
	return 0;
}

static int
ensure_trigger(const char *path, const struct qowners *own)
{
	struct stat st;

	if (mkfifo(path, TRIGGER_MODE) == -1 && errno != EEXIST) {
		log_warn("action=mkfifo path=%s", path);
		return -1;
	}
	if (lstat(path, &st) == -1) {
		log_warn("action=lstat path=%s", path);
		return -1;
	}
	if (!S_ISFIFO(st.st_mode)) {
		errno = EEXIST;
		log_warnx("action=mkfifo path=%s reason=\"exists and is not a named pipe\"", path);
		return -1;
	}
	if (own != NULL && chown(path, own->queue_uid, own->sched_gid) == -1) {
		log_warn("action=chown path=%s", path);
		return -1;
	}
	if (chmod(path, TRIGGER_MODE) == -1) {
		log_warn("action=chmod path=%s", path);
		return -1;
	}
	return 0;
}

int
qlayout_create(const char *queue, const struct qowners *own)
{
	char path[4096];

	if (ensure_dir(queue, QUEUE_MODE, own) == -1)
		return -1;
	if (checked(snprintf(path, sizeof path, "%s/lock", queue), sizeof path) == -1 ||
	    ensure_dir(path, QUEUE_MODE, own) == -1)
		return -1;
	if (checked(snprintf(path, sizeof path, "%s/%s", queue, QUEUE_TRIGGER),
	    sizeof path) == -1 || ensure_trigger(path, own) == -1)
		return -1;
	for (int s = 0; s < Q_NSTATES; s++) {
		if (checked(snprintf(path, sizeof path, "%s/%s", queue, state_names[s]),
		    sizeof path) == -1 || ensure_dir(path, STATE_MODE, own) == -1)
			return -1;
		for (unsigned b = 0; b < QUEUE_BUCKETS; b++) {
			if (checked(snprintf(path, sizeof path, "%s/%s/%02x", queue,
			    state_names[s], b), sizeof path) == -1 ||
			    ensure_dir(path, STATE_MODE, own) == -1)
				return -1;
		}
	}
	return 0;
}

static int
scan_bucket(const char *dir, int (*fn)(const char *, void *), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (d == NULL) {
		log_warn("action=opendir path=%s", dir);
		return -1;
	}
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL)
		if (qid_valid(de->d_name))
			r = fn(de->d_name, arg);
	if (r == 0 && errno != 0) {
		log_warn("action=readdir path=%s", dir);
		r = -1;
	}
	closedir(d);
	return r;
}

int
qscan(const char *queue, enum qstate s, int (*fn)(const char *, void *), void *arg)
{
	char dir[4096];
	int r = 0;

	for (unsigned b = 0; b < QUEUE_BUCKETS && r == 0; b++) {
		if (checked(snprintf(dir, sizeof dir, "%s/%s/%02x", queue,
		    state_names[s], b), sizeof dir) == -1)
			return -1;
		r = scan_bucket(dir, fn, arg);
	}
	return r;
}
