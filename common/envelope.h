/*
 * envelope.h: the envelope file of a queued message (queue/README.md).
 *
 * V version, I id, T time, U uid, F sender, [H hold reason], R recipient..., E crc32.
 */
#ifndef STAMP_ENVELOPE_H
#define STAMP_ENVELOPE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "address.h"
#include "str.h"
#include "uniq.h"

#define ENV_RCPT_MAX 10000
#define ENV_HOLD_MAX 255

struct envelope {
	char     id[QID_LEN + 1];
	time_t   time;
	uid_t    uid;
	char     sender[ADDR_PATH_MAX + 1];   /* "" for <> */
	char     hold[ENV_HOLD_MAX + 1];      /* why the message is held ("": not held) */
	char   **rcpt;                        /* nrcpt strings, each malloc'ed */
	size_t   nrcpt;
};

enum env_error {
	ENV_OK = 0,
	ENV_ENOMEM,     /* out of memory */
	ENV_EFORMAT,    /* not a complete, valid envelope file */
};

/* Add a recipient (copied). -1 with errno (ENOMEM; E2BIG past ENV_RCPT_MAX; EINVAL when too long). */
int  envelope_add_rcpt(struct envelope *, const char *rcpt);
/* The file's bytes for env, appended to out. 0, or -1 with errno. */
int  envelope_encode(const struct envelope *, struct str *out);
/* Parse a whole file; on error env is left empty (nothing to free). */
enum env_error envelope_parse(const char *buf, size_t len, struct envelope *env);
void envelope_free(struct envelope *);

#endif
