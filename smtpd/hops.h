/*
 * hops.h: count the trace lines (Received:, Delivered-To:) in a message's
 * header as it streams by, so a mail loop is refused at the end of DATA
 * (control/maxhops), as qmail-smtpd does, before it goes round again.
 */
#ifndef STAMP_SMTPD_HOPS_H
#define STAMP_SMTPD_HOPS_H

#include <stddef.h>

#define HOPS_NAME_MAX 14   /* "delivered-to:" and one more */

struct hops {
	int		 state;      /* where in the header we are */
	size_t		 len;
	char		 name[HOPS_NAME_MAX];
	unsigned	 count;
};

void hops_init(struct hops *);
/* Feed the message's bytes in order (any cuts). */
void hops_feed(struct hops *, const char *p, size_t n);

#endif
