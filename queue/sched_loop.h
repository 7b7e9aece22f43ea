/* sched_loop.h: stamp-send's running state and event loop. */
#ifndef STAMP_SCHED_LOOP_H
#define STAMP_SCHED_LOOP_H

#include <signal.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#include "sched.h"

#define JOBS_MAX        2000      /* concurrencylocal + concurrencyremote at most */
#define TODO_SCAN_EVERY 60        /* seconds: catches injections whose trigger byte was lost */
#define STOP_WAIT       60        /* seconds SIGTERM waits for running deliveries */

struct job {
	int          used;
	int          local;
	struct msg  *m;
	const char  *domain;      /* remote jobs: the recipients' domain (in m) */
	size_t       idx[REMOTE_RCPTS_MAX];
	size_t       n;
};

struct sched {
	struct sconf  conf;
	struct heap   heap;
	struct msg   *blocked_head, *blocked_tail;
	struct job    jobs[JOBS_MAX];
	long long     nlocal, nremote;
	size_t        nmsgs;
	int           have_remote;
	int           sock;          /* to the spawner */
	int           fifo;          /* lock/trigger, read end */
	int           fifo_hold;     /* a write end we hold so reads never see EOF */
	int           sigpipe_r;     /* signal handlers write a byte here */
	char          tbuf[512];     /* a trigger line not yet complete */
	size_t        tlen;
	time_t        next_todo_scan;
};

/* sched_jobs.c */
/* Start jobs for m's due recipients; 1 when some had to wait for a slot. */
int  sched_dispatch(struct sched *, struct msg *, time_t now);
void job_done(struct sched *, unsigned job, char *out, time_t now);

/* sched_loop.c */
/* Put m back where it belongs after something changed: heap, blocked list, or gone. */
void sched_requeue(struct sched *, struct msg *, time_t now);
int  sched_init(struct sched *, int sock);
noreturn void sched_run(struct sched *);

#endif
