/*
 * world.h: everything an SMTP session reaches outside itself.
 *
 * The session logic (session.c and the cmd_*.c files) never forks, sleeps,
 * reads the clock or looks up a user by itself: it calls these, so that the
 * check suite drives it with scripted input and stubs, and stamp-smtpd.c
 * wires the real ones (queue.c, checkpw.c, tls.c, lookup.h).
 */
#ifndef STAMP_SMTPD_WORLD_H
#define STAMP_SMTPD_WORLD_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "hooks.h"
#include "lookup.h"

struct milter_set;

enum queue_result { QR_OK, QR_TEMP, QR_PERM };
enum checkpw_result { PW_OK, PW_BAD, PW_TEMP };

struct smtpd_world {
	void	*ctx;
	/*
	 * Queue the message in msgfd (at offset 0; the callee closes it) for
	 * sender and rcpts. QR_OK fills qid (maybe ""); otherwise text says why
	 * (a sentence, no reply code).
	 */
	enum queue_result (*queue)(void *ctx, int msgfd, const char *sender,
	    char *const *rcpts, size_t nrcpt, char *qid, size_t qidsz,
	    char *text, size_t textsz);
	/*
	 * The next queue() call holds the message (quarantine) with this
	 * reason; NULL: the next one does not. NULL function: no held state.
	 */
	void (*queue_hold)(void *ctx, const char *reason);
	/* Check a password (checkpassword interface). */
	enum checkpw_result (*checkpw)(void *ctx, const char *user,
	    const char *pass, const char *timestamp);
	/*
	 * The TLS handshake on the session's fds, after the 220: on success the
	 * reader and writer of rb and wb are TLS and proto/desc describe it
	 * ("TLSv1.3", "TLSv1.3 TLS_AES_256_GCM_SHA384"). 0, or -1 (the session ends).
	 */
	int (*starttls)(void *ctx, struct rbuf *rb, struct wbuf *wb,
	    char *proto, size_t protosz, char *desc, size_t descsz);
	/* lookup_recipient(), or a stand-in; the callee frees what it found. */
	enum lookup_kind (*lookup)(void *ctx, const char *local, const char *domain);
	/* Wait ms milliseconds (after a failed AUTH). */
	void (*pause)(void *ctx, int ms);
	time_t (*now)(void *ctx);
	smtpd_policy_fn	 policy;   /* NULL: no policy services */
	smtpd_dnsbl_fn	 dnsbl;    /* NULL: no DNSBL */
	/* milter_open() (milter.h), or NULL: no filters. */
	struct milter_set *(*milter_open)(int submission, unsigned long long databytes,
	    size_t maxrcpt);
};

#endif
