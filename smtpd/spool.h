/*
 * spool.h: the message being received, in an anonymous memory file.
 *
 * The whole message is in the spool before the queue program starts, so
 * that no pipe between the client and the queue can fill up and deadlock,
 * and a client that goes away leaves nothing in the queue. Bytes past the
 * limit are counted, not stored: the session reads the message to its end
 * and then refuses it (RFC 1870 6).
 */
#ifndef STAMP_SMTPD_SPOOL_H
#define STAMP_SMTPD_SPOOL_H

#include <stddef.h>

struct spool {
	int			 fd;
	unsigned long long	 size;    /* bytes given, stored or not */
	unsigned long long	 limit;   /* 0: none */
	int			 over;    /* size passed limit */
	int			 err;     /* errno of the first failed write, 0 if none */
	size_t			 len;
	char			 buf[16384];
};

/* 0, or -1 with errno (no memfd). */
int  spool_open(struct spool *, unsigned long long limit);
/* Append (never fails: a failure is remembered in err). */
void spool_put(struct spool *, const void *, size_t);
/* Flush and rewind; the fd for the queue (the caller owns it then), or -1 with errno. */
int  spool_finish(struct spool *);
/* Throw the spool away (after a refusal). */
void spool_discard(struct spool *);

#endif
