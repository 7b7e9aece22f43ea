/*
 * ragent.h: what stamp-remote and stamp-lmtp do alike as delivery agents
 * of the scheduler: become stampr, and hand back one result line per
 * recipient (queue/README.md, "Delivery agents").
 */
#ifndef STAMP_RAGENT_H
#define STAMP_RAGENT_H

#include <stddef.h>
#include <stdnoreturn.h>

#include "rsmtp.h"

/* Started as root: become stampr for good. 0, or -1 (logged). */
int  ragent_drop_root(void);

/* Every recipient's result line in one write to fd 1 (logged), then exit 0. */
noreturn void ragent_finish(const char *id, struct rs_rcpt *, size_t n);

/* Every recipient not done gets the temporary text, then ragent_finish. */
noreturn void ragent_fail_all(const char *id, struct rs_rcpt *, size_t n, const char *text);

#endif
