/*
 * qmsg.h: one committed message as the queue tools see it: its envelope,
 * the state of each recipient (from the scheduler's done log) and the size
 * of its message file. Read while the scheduler runs: a message that is
 * delivered meanwhile is simply gone.
 */
#ifndef STAMP_QMSG_H
#define STAMP_QMSG_H

#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "envelope.h"
#include "qdone.h"
#include "qlist.h"

struct qmsg {
	struct qentry        e;
	struct envelope      env;
	struct rcpt_status  *rs;        /* env.nrcpt of them */
	struct stat          st;        /* of mess/BB/ID */
};

enum qmsg_load { QM_ERROR = -1, QM_GONE = 0, QM_OK = 1, QM_INVALID = 2 };

/* Load e's message. QM_OK (qmsg_free after), QM_GONE, QM_INVALID (a bad envelope), QM_ERROR (errno). */
enum qmsg_load qmsg_load(const char *queue, const struct qentry *e, struct qmsg *m);
void qmsg_free(struct qmsg *);
/* Is id committed (todo or info)? 1 with *e filled, 0 no, -1 error. */
int  qmsg_find(const char *queue, const char *id, struct qentry *e);

/*
 * Do sender and recipients match the fnmatch(3) patterns (either may be
 * NULL: anything), ASCII case-insensitively? The recipient pattern needs one
 * recipient that matches; the null sender is matched as "<>" and as "".
 */
int  qmsg_match(const struct qmsg *, const char *sender_pat, const char *rcpt_pat);

/* The back-off settings, for the time of each recipient's next try. */
struct qretry {
	long long min, max;
};
/* Read retrymin and retrymax; 0 or -1 (logged). */
int  qretry_read(struct qretry *);
/* When recipient st is tried next, 0 when not pending or never tried. */
time_t qretry_next(const struct qretry *, const struct rcpt_status *st);
/* "  ADDRESS state=... tries=N [next=AGE] [last=TEXT]\n" for recipient i. */
void qmsg_print_rcpt(FILE *, const struct qmsg *, size_t i, const struct qretry *, time_t now);

#endif
