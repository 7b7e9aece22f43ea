/*
 * mbox.h: append one message to an mbox file (mboxrd quoting).
 *
 * Locked twice, as mail readers expect: a dotlock (PATH.lock, made with
 * O_EXCL) and an fcntl lock, both bounded in time. On any error the file is
 * cut back to its size before, so no reader ever sees half a message.
 */
#ifndef STAMP_MBOX_H
#define STAMP_MBOX_H

#include <stddef.h>
#include <time.h>

#include "dlv.h"

#define MBOX_LOCK_WAIT   10      /* seconds to wait for either lock */
#define MBOX_LOCK_STALE  300     /* a dotlock older than this is removed */

int mbox_deliver(const char *path, const char *sender, time_t when, int msgfd,
    const char *head, size_t headlen, struct dlv_result *r);

#endif
