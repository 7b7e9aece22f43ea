/*
 * qlist.h: what the queue holds, for the inspection tools.
 *
 * Only committed messages count (an envelope in todo/ or info/); messages
 * being injected are invisible here as they are to the scheduler.
 */
#ifndef STAMP_QLIST_H
#define STAMP_QLIST_H

#include <stddef.h>

#include "qlayout.h"
#include "uniq.h"

struct qentry {
	char        id[QID_LEN + 1];
	enum qstate state;     /* Q_TODO (not yet preprocessed) or Q_INFO */
};

/* Every committed message, oldest first. 0, or -1 (logged). Free *out. */
int qlist_collect(const char *queue, struct qentry **out, size_t *n);

/* Parse the common options (--home DIR, -h) of a queue tool; exits on misuse. */
void qtool_options(int argc, char **argv, const char *usage);
/* The same, with positional arguments allowed (from optind on) and --json when json != NULL. */
void qtool_options_ex(int argc, char **argv, const char *usage, int want_args, int *json);
/* A tool's own long option: a value stored in *value, or a switch setting *flag to 1. */
struct qtool_opt {
	const char   *name;
	const char  **value;
	int          *flag;
};
#define QTOOL_OPTS_MAX 8
/* The common options plus extra (ending in a NULL name; at most QTOOL_OPTS_MAX). */
void qtool_getopt(int argc, char **argv, const char *usage, int want_args,
    const struct qtool_opt *extra);
/* "Nd Nh" style age: 45s, 3m12s, 2h5m, 4d1h. */
void qtool_age(char *out, size_t outsz, long long seconds);

/*
 * Send one command line ("flush", "rm ID") to the running scheduler through
 * the trigger fifo. 0; or -1 with errno ENXIO when no scheduler is running.
 */
int qtool_tell_scheduler(const char *queue, const char *line);
/*
 * Is a scheduler running on this queue? 0 no (and *lockfd then holds the
 * scheduler's lock, so that none starts until it is closed), 1 yes, -1 error.
 */
int qtool_scheduler_running(const char *queue, int *lockfd);

#endif
