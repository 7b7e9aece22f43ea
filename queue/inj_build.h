/*
 * inj_build.h: complete a message from a local program, as qmail-inject and
 * Postfix's cleanup do, before it goes to the queue.
 *
 * - Date:, Message-ID: and From: are added when missing (at the end of the
 *   header, in that order);
 * - Bcc: is removed (its recipients stay in the envelope with -t);
 * - display names, comments and the Subject with non-ASCII text become
 *   RFC 2047 encoded words (From, To, Cc, Reply-To, Sender, Subject);
 * - a body with 8-bit octets and no MIME header gets MIME-Version,
 *   Content-Type (charset UTF-8, or unknown-8bit when it is not valid
 *   UTF-8) and Content-Transfer-Encoding: 8bit;
 * - a header line over 998 octets is folded at white space;
 * - a first line "From " (an mbox separator) is dropped, and a blank line
 *   is put between header and body when the body started without one.
 * Input and output have LF line ends.
 */
#ifndef STAMP_INJ_BUILD_H
#define STAMP_INJ_BUILD_H

#include <stddef.h>
#include <time.h>

#include "control.h"
#include "str.h"

struct inj_ctx {
	int          extract;      /* -t: recipients from To, Cc and Bcc */
	const char  *fullname;     /* for a new From:, NULL or "" none */
	const char  *from_addr;    /* the address of a new From: (user@defaulthost) */
	const char  *defaulthost;  /* for bare names in headers */
	const char  *msgid;        /* "<unique@me>", for a new Message-ID: */
	time_t       now;          /* for a new Date: (local zone) */
};

/*
 * Complete msg[0..len) into out. With ctx->extract the header's recipients
 * are added to rc (with rcpts_add). 0; or -1 with *why a sentence (the message is refused;
 * *why is NULL when memory ran out).
 */
int  inj_build(const struct inj_ctx *, const char *msg, size_t len, struct str *out,
    struct ctl_list *rc, const char **why);
/* Add a recipient unless it is there already (ASCII case-insensitively). 0 or -1 (ENOMEM). */
int  rcpts_add(struct ctl_list *, const char *mailbox);

/* A display name for From: from free text (-F, NAME, GECOS): quoted or encoded as needed. */
int  inj_phrase(struct str *out, const char *name, size_t *col);

#endif
