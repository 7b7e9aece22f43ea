/*
 * qlayout.h: the queue's folders, named once (see queue/README.md).
 *
 *   QUEUE/STATE/BB/ID    STATE one of mess intd todo info done hold, BB the ID's bucket
 */
#ifndef STAMP_QLAYOUT_H
#define STAMP_QLAYOUT_H

#include <stddef.h>
#include <sys/types.h>

#define QUEUE_BUCKETS 256
#define QUEUE_TRIGGER "lock/trigger"

/*
 * Q_DONE is not a state of its own: done/BB/ID is the scheduler's append-only
 * log of what happened to each recipient of info/BB/ID (common/qdone.h).
 */
/* Q_HOLD holds the committed envelopes of held messages (quarantine). */
enum qstate { Q_MESS, Q_INTD, Q_TODO, Q_INFO, Q_DONE, Q_HOLD, Q_NSTATES };

const char *qstate_name(enum qstate);

/* "STATE/BB/ID" relative to the queue folder (callers chdir there or prefix it). */
int qpath(char *out, size_t outsz, enum qstate, const char *id);
/* "STATE/BB" for bucket 0..255. */
int qbucket_path(char *out, size_t outsz, enum qstate, unsigned bucket);

/* Who owns what, when installed by root; NULL owners means "leave as is". */
struct qowners {
	uid_t queue_uid;   /* stampq: the injector */
	gid_t sched_gid;   /* stamps' group: the scheduler */
};

/*
 * Create whatever is missing of the queue in the folder queue (which may
 * exist), fix the modes of what exists, and with owners set the owners.
 * Idempotent: safe on a live queue. 0, or -1 with errno, logged.
 */
int qlayout_create(const char *queue, const struct qowners *owners);

/*
 * Call fn for every valid ID in STATE (all buckets), in no particular order.
 * Stops when fn returns non-zero and returns that; -1 (logged) when a
 * bucket cannot be read; else 0. queue may be "." after chdir.
 */
int qscan(const char *queue, enum qstate, int (*fn)(const char *id, void *arg), void *arg);

#endif
