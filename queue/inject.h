/*
 * inject.h: the injection itself, apart from main() so tests can drive it.
 *
 * The caller has chdir'ed into the queue folder. inject() performs the steps
 * of queue/README.md ("Injection, step by step") and returns a qexit code;
 * on any failure before the commit it removes what it made.
 */
#ifndef STAMP_INJECT_H
#define STAMP_INJECT_H

#include <sys/types.h>

#include "buf.h"
#include "envelope.h"
#include "uniq.h"

/* A message that takes more than a day to arrive is not coming. */
#define INJECT_LIFETIME 86400

struct inject_opts {
	int                 msgfd;       /* the message (fd 0) */
	int                 envfd;       /* the envelope (fd 1) */
	int                 timeout_ms;  /* per read */
	unsigned long long  databytes;   /* 0: no limit */
	uid_t               uid;         /* the real uid, for Received: and U */
	int                 from_network;
	const char         *hold;        /* NULL, or commit into hold/ with this reason */
};

struct inject_result {
	char        id[QID_LEN + 1];
	const char *reason;              /* a log value for a failure */
};

int inject(const struct inject_opts *, struct inject_result *);

/*
 * Read a qmail-queue envelope (F sender \0, T rcpt \0 ..., \0) from rb into
 * env, canonicalising each address. Returns a qexit code; *reason says why.
 */
int inject_read_envelope(struct rbuf *rb, struct envelope *env, const char **reason);

#endif
