/*
 * sched.h: stamp-send's model of the queue, apart from main() so that the
 * logic can be tested with check.
 *
 * Every message the scheduler has taken (info/BB/ID) is a struct msg in
 * memory; its recipients carry their state from the done log. Messages with
 * work to do wait in a heap ordered by their next attempt time, so that
 * with 100,000 messages queued an event costs O(log n), never a rescan.
 */
#ifndef STAMP_SCHED_H
#define STAMP_SCHED_H

#include <stddef.h>
#include <time.h>

#include "control.h"
#include "qdone.h"
#include "str.h"
#include "uniq.h"

#define REMOTE_RCPTS_MAX 100   /* recipients per stamp-remote job */

struct srcpt {
	char              *addr;     /* canonical mailbox */
	const char        *domain;   /* into addr, after the last "@"; "" when none */
	int                local;
	int                busy;     /* a job is running for it */
	time_t             next;     /* earliest next attempt */
	struct rcpt_status st;
};

struct msg {
	char          id[QID_LEN + 1];
	time_t        qtime;
	char         *sender;       /* "" for <> */
	struct srcpt *r;
	size_t        n;
	int           jobs;         /* running jobs */
	time_t        next;         /* min next of the idle pending recipients */
	size_t        heapidx;      /* position in the heap, or SIZE_MAX */
	int           blocked;      /* waiting for a free job slot */
	int           removing;     /* stamp-qrm asked: no more deliveries, no bounce */
	struct msg   *blocked_next;
};

struct sconf {
	long long        clocal, cremote, cperdomain;
	long long        retrymin, retrymax, lifetime;
	struct ctl_list  locals, vdomains, lmtp;
	struct str       me, bouncefrom, doublebounceto;
};

/* sched_conf.c */
int    sconf_load(struct sconf *);            /* 0, or -1 (logged) */
void   sconf_free(struct sconf *);
int    sconf_is_local(const struct sconf *, const char *domain);

/* sched_msg.c */
/* Load info/BB/ID (and its done log) relative to the queue folder. NULL: logged. */
struct msg *msg_load(const struct sconf *, const char *id);
void   msg_free(struct msg *);
/* Back-off after tries temporary failures. */
time_t retry_delay(const struct sconf *, unsigned tries);
/* Recompute next; returns 1 when nothing is left to do but finishing. */
int    msg_update_next(const struct sconf *, struct msg *, time_t now);
/* Append events to done/BB/ID and fdatasync it. 0, or -1 (logged). */
int    msg_log_append(struct msg *, const struct str *records);
/* Record one result for recipient i (K, Z or D) and apply it (Z past lifetime becomes D). */
int    msg_result(const struct sconf *, struct msg *, size_t i, char status,
    const char *text, time_t now, struct str *records);
/* Unlink info, done, mess, in that order. */
void   msg_remove(struct msg *);

/* sched_heap.c */
struct heap {
	struct msg **a;
	size_t       n, cap;
};
int    heap_push(struct heap *, struct msg *);
struct msg *heap_top(const struct heap *);
struct msg *heap_pop(struct heap *);
void   heap_remove(struct heap *, struct msg *);
void   heap_free(struct heap *);

/* sched_recover.c */
/* Remove leftovers of interrupted injections and removals (queue/README.md). */
int    recover_leftovers(void);

/* sched_bounce.c */
/*
 * Send the bounce owed for m's failed recipients (or drop a failed double
 * bounce), then log B for them. 0 when done, -1 when it must be tried later.
 */
int    sched_bounce(const struct sconf *, struct msg *, time_t now);

#endif
