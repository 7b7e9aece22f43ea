/*
 * milter_msg.h: the message as the filters see and change it at the end of
 * DATA: its header fields, its body and its envelope.
 *
 * The spool (CR LF line ends, our Received: first) is read once into
 * fields; the body stays in the spool until a filter replaces it. Each
 * filter in turn gets the fields (SMFIC_HEADER, the value without its
 * leading white space unless the filter asked for HDR_LEADSPC, folds as
 * LF), SMFIC_EOH, the body in chunks of at most 65535 octets with CR LF
 * line ends, and SMFIC_BODYEOB; its modifications are applied at once, so
 * the next filter sees the changed message. When any was made, the message
 * is written out again into a new memory file.
 *
 * Bounds: MMSG_FIELDS_MAX fields, a field of MMSG_FIELD_MAX octets, a body
 * no larger than the byte limit given, rcpt_max recipients.
 */
#ifndef STAMP_SMTPD_MILTER_MSG_H
#define STAMP_SMTPD_MILTER_MSG_H

#include <stddef.h>

#include "address.h"
#include "milter_codec.h"
#include "str.h"

#define MMSG_FIELDS_MAX 2000
#define MMSG_FIELD_MAX  65536

struct mfield {
	char	*name;
	char	*value;    /* after the colon, as stored: leading space, CR LF folds */
};

struct mmsg {
	struct mfield	*f;
	size_t		 nf;
	const char	*map;          /* the spool, mapped */
	size_t		 maplen;
	size_t		 body_off;     /* the body in the spool (after the empty line) */
	struct str	 newbody;      /* a replacement body */
	int		 body_replaced;
	int		 replbody_open; /* a REPLBODY sequence of the current filter is going on */
	int		 changed;
	unsigned long long max_bytes;   /* body bound (0: 64 MiB) */
	/* The envelope. */
	char		 sender[ADDR_PATH_MAX + 1];
	char		**rcpts;
	size_t		 nrcpt;
	size_t		 rcpt_max;
	char		 quarantine[256];   /* "" none */
};

/*
 * Load the spool fd (rewound) and the envelope. 0, or -1 with errno
 * (E2BIG: more fields or a longer field than the bounds).
 */
int  mmsg_load(struct mmsg *, int fd, const char *sender, char *const *rcpts, size_t nrcpt,
    size_t rcpt_max, unsigned long long max_bytes);
void mmsg_free(struct mmsg *);

/* The packets a filter gets for fields and body go through this. */
typedef int (*mmsg_send_fn)(void *ctx, char cmd, const void *data, size_t len);
/*
 * Send the fields (SMFIC_HEADER each), then call eoh, then the body chunks
 * through body. Returns what the first call that did not return 0 returned.
 */
int  mmsg_send_fields(const struct mmsg *, int leadspc, mmsg_send_fn hdr, void *ctx);
int  mmsg_send_body(const struct mmsg *, mmsg_send_fn body, void *ctx);

/* Apply one modification (a milter_mod_fn). 0, or -1 (malformed or over a bound). */
int  mmsg_apply(void *mmsg, const struct milter_reply *, int leadspc);
/* A filter's turn ends: a REPLBODY sequence, if any, is complete. */
void mmsg_filter_done(struct mmsg *);

/* Write the message out into a new memory file, rewound. fd, or -1 with errno. */
int  mmsg_write(const struct mmsg *);

#endif
