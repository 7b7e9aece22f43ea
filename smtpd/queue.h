/*
 * queue.h: hand a received message to the queue program.
 *
 * The program is $STAMPQUEUE, or the sibling stamp-queue; it gets the
 * message on fd 0 and the envelope (qmail-queue's format) on fd 1, both
 * memory files at offset 0, so no pipe can deadlock; fd 6 is a memory file
 * for the reason of an exit 82 (notqmail's custom error: "D" permanent or
 * "Z" temporary, then the text), and fd 7 one where stamp-queue writes the
 * queue ID ("ID\n") when STAMP_QUEUE_IDFD=7 is in its environment. A
 * qmail-queue filter in STAMPQUEUE works unchanged: it ignores both, and
 * the reply then has no queue ID.
 */
#ifndef STAMP_SMTPD_QUEUE_H
#define STAMP_SMTPD_QUEUE_H

#include <stddef.h>

#include "world.h"

#define QUEUE_WAIT_MS (3600 * 1000)   /* stamp-queue bounds itself; a filter might not */

/* The smtpd_world queue function; ctx is unused. */
enum queue_result queue_message(void *ctx, int msgfd, const char *sender,
    char *const *rcpts, size_t nrcpt, char *qid, size_t qidsz,
    char *text, size_t textsz);

/* The smtpd_world queue_hold function: STAMP_QUEUE_HOLD=reason for the next queue_message(). */
void queue_hold(void *ctx, const char *reason);

/* What an exit code and the fd 6 text mean; text gets the reason (for tests too). */
enum queue_result queue_verdict(int code, const char *fd6, size_t fd6len,
    char *text, size_t textsz);

#endif
