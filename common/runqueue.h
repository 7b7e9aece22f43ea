/*
 * runqueue.h: inject a message by running stamp-queue (bounces, forwards).
 *
 * Both inputs are files at offset 0 (memfds, say), so that no pipe can
 * fill up and deadlock: the message on stamp-queue's fd 0, the envelope
 * (qmail-queue's format) on its fd 1. The program is the sibling
 * stamp-queue, so that a set-user-ID install is used as installed.
 */
#ifndef STAMP_RUNQUEUE_H
#define STAMP_RUNQUEUE_H

#include <stddef.h>

/* stamp-queue's exit code (common/qexit.h), or -1 with errno when it could not run. Closes both fds. */
int run_queue(int msgfd, int envfd);
/*
 * The same with another queue program (a qmail-queue filter, named by
 * STAMPQUEUE for stamp-inject); prog NULL is the sibling stamp-queue.
 */
int run_queue_prog(const char *prog, int msgfd, int envfd);
/* A memfd holding data, at offset 0; -1 with errno. */
int memfd_with(const char *name, const void *data, size_t len);

#endif
