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

/* The most recipients one run takes (the scheduler sends far fewer). */
#define RAGENT_RCPTS_MAX 10000

/* One run: `PROG [--home DIR] ID SENDER TARGET RECIPIENT...`. */
struct ragent_run {
	const char	*id;
	const char	*target;	/* the domain, or the control/lmtp target */
	struct rs_rcpt	*rc;
	size_t		 n;
	struct rs_msg	 m;		/* sender and fd 0; read by ragent_read_message */
};

/*
 * Start a run: log as prog, parse argv (usage() when it is wrong), set up
 * the home and become stampr; a failure is every recipient's result.
 */
void ragent_start(struct ragent_run *, const char *prog, int argc, char **argv,
    void (*usage)(void));

/* Check the sender (its 8-bit bytes into m.utf8) and scan the message on fd 0. */
void ragent_read_message(struct ragent_run *);

/* Started as root: become stampr for good. 0, or -1 (logged). */
int  ragent_drop_root(void);

/* Every recipient's result line in one write to fd 1 (logged), then exit 0. */
noreturn void ragent_finish(const char *id, struct rs_rcpt *, size_t n);

/* Every recipient not done gets the temporary text, then ragent_finish. */
noreturn void ragent_fail_all(const char *id, struct rs_rcpt *, size_t n, const char *text);

#endif
