/*
 * mbox.h: append one message to an mbox file (mboxrd quoting).
 *
 * Locked twice, as mail readers expect: a dotlock (PATH.lock, made with
 * O_EXCL) and an fcntl lock, both bounded in time. On any error the file is
 * cut back to its size before, so no reader ever sees half a message.
 * The file must be a regular file with one link, opened without following
 * a symlink; sender is written as "MAILER-DAEMON" when empty or NULL.
 * 0 on success, else -1 with r saying why ("4.2.1 mailbox busy ..." when a
 * lock stays taken past MBOX_LOCK_WAIT).
 */
#ifndef STAMP_MBOX_H
#define STAMP_MBOX_H

#include <stddef.h>
#include <time.h>

#include "dlv.h"

#define MBOX_LOCK_WAIT   5       /* seconds to wait for both locks together */
#define MBOX_LOCK_STALE  300     /* a dotlock older than this is removed */

int mbox_deliver(const char *path, const char *sender, time_t when, int msgfd,
    const char *head, size_t headlen, struct dlv_result *r);

#endif
