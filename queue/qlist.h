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
/* "Nd Nh" style age: 45s, 3m12s, 2h5m, 4d1h. */
void qtool_age(char *out, size_t outsz, long long seconds);

#endif
