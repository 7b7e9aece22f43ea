/*
 * sched_recover.c: remove what interrupted injections and removals left
 * (queue/README.md, "Recovery of leftovers"). Runs in the queue folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "qlayout.h"
#include "sched.h"

static int
exists(enum qstate s, const char *id)
{
	char		 path[64];
	struct stat	 st;

	if (qpath(path, sizeof path, s, id) == -1)
		return 1;	/* cannot tell: keep the message */
	return lstat(path, &st) == 0 || errno != ENOENT;
}

static void
remove_state(enum qstate s, const char *id)
{
	char	 path[64];

	if (qpath(path, sizeof path, s, id) == 0 && unlink(path) == -1 &&
	    errno != ENOENT)
		log_warn("id=%s action=remove-leftover path=%s", id, path);
}

/* A mess entry with no envelope: remove it unless an injector holds its lock. */
static int
mess_leftover(const char *id, void *arg)
{
	char	 path[64];
	int	 fd, *count = arg;

	if (exists(Q_TODO, id) || exists(Q_INFO, id) || exists(Q_HOLD, id))
		return 0;
	if (qpath(path, sizeof path, Q_MESS, id) == -1 ||
	    (fd = open_safe(path, O_RDONLY, 0)) == -1)
		return 0;
	/*
	 * Look again once the lock is held: an injector may have committed
	 * and exited between the first look and the lock.
	 */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && !exists(Q_TODO, id) &&
	    !exists(Q_INFO, id) && !exists(Q_HOLD, id)) {
		/* No injector is alive for it; it never reached the commit. */
		remove_state(Q_INTD, id);
		remove_state(Q_DONE, id);
		remove_state(Q_MESS, id);
		log_info("id=%s action=remove-leftover state=mess", id);
		(*count)++;
	}
	close(fd);
	return 0;
}

/* intd or done entries whose message is gone. */
static int
orphan_intd(const char *id, void *arg)
{
	int	*count = arg;

	if (!exists(Q_MESS, id)) {
		remove_state(Q_INTD, id);
		log_info("id=%s action=remove-leftover state=intd", id);
		(*count)++;
	}
	return 0;
}

static int
orphan_done(const char *id, void *arg)
{
	int	*count = arg;

	if (!exists(Q_INFO, id) && !exists(Q_TODO, id)) {
		remove_state(Q_DONE, id);
		log_info("id=%s action=remove-leftover state=done", id);
		(*count)++;
	}
	return 0;
}

int
recover_leftovers(void)
{
	int	 count = 0;

	if (qscan(".", Q_MESS, mess_leftover, &count) == -1 ||
	    qscan(".", Q_INTD, orphan_intd, &count) == -1 ||
	    qscan(".", Q_DONE, orphan_done, &count) == -1)
		return -1;
	if (count > 0)
		log_info("action=recover leftovers=%d", count);
	return 0;
}
