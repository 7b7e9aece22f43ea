/*
 * spawner.h: the process that starts delivery agents for stamp-send.
 *
 * The scheduler runs as `stamps` and cannot switch users; the spawner is
 * forked before the scheduler drops root, keeps root only for this job, and
 * does nothing else: it execs stamp-local (which switches to the mailbox
 * owner itself) and stamp-remote (as `stampr`), collects what each writes on
 * its fd 1, and hands it back. They talk over a SOCK_SEQPACKET socket pair,
 * one datagram per request and per reply, the message's fd passed along
 * with SCM_RIGHTS (the agents cannot open the queue themselves).
 *
 *   request: "JOB\0KIND\0ID\0SENDER\0[DOMAIN\0]RCPT\0..."   KIND L, R or M
 *
 * KIND M is stamp-lmtp (local domains that control/lmtp hands to an LMTP
 * server): its DOMAIN field is the LMTP target, and it runs as stampr too.
 *   reply:   "JOB\0OUTPUT"                                  OUTPUT at most SPAWN_OUT_MAX
 */
#ifndef STAMP_SPAWNER_H
#define STAMP_SPAWNER_H

#include <stddef.h>
#include <sys/types.h>

#define SPAWN_OUT_MAX   (64 * 1024)
#define SPAWN_REQ_MAX   (128 * 1024)
#define SPAWN_DEADLINE  7200            /* seconds an agent may run */

struct spawn_job {
	unsigned      job;
	int           local;
	const char   *id;
	const char   *sender;
	const char   *domain;               /* remote only */
	const char   *lmtp;                 /* an LMTP job (local set): its target */
	char *const  *rcpts;
	size_t        nrcpts;
	int           msgfd;
};

/*
 * Fork the spawner. remote_uid/gid: who stamp-remote runs as (ignored
 * unless root). *sock is the scheduler's end. 0, or -1 (logged).
 */
int spawner_start(int as_root, uid_t remote_uid, gid_t remote_gid, int *sock, pid_t *pid);
/* Send one job. 0, or -1 with errno. */
int spawn_send(int sock, const struct spawn_job *);
/* Receive one reply: 1, 0 when the spawner is gone, -1 with errno. */
int spawn_recv(int sock, unsigned *job, char *out, size_t outsz, size_t *outlen);

#endif
