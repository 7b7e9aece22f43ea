/*
 * qexit.h: stamp-queue's exit codes (qmail-queue's, so that qmail's filters
 * and front ends understand them), and what they mean to a front end.
 */
#ifndef STAMP_QEXIT_H
#define STAMP_QEXIT_H

enum qexit {
	QX_OK      = 0,
	QX_ADDR    = 11,   /* address too long or not a mailbox */
	QX_RCPTS   = 12,   /* too many recipients */
	QX_SIZE    = 13,   /* message larger than databytes */
	QX_NOMEM   = 51,
	QX_TIMEOUT = 52,
	QX_WRITE   = 53,   /* disk full, quota, I/O error */
	QX_READ    = 54,   /* cannot read message or envelope */
	QX_CONTROL = 55,   /* cannot read a control file */
	QX_HOME    = 61,
	QX_QUEUE   = 62,
	QX_MESS    = 64,
	QX_INTD    = 65,
	QX_TODO    = 66,
	QX_BUG     = 81,
	QX_CUSTOM  = 82,   /* the reason is the text the queue program wrote on fd 6 */
	QX_FORMAT  = 91,   /* envelope format error */
};

/*
 * stamp-queue --serve (queue/inj_serve.h): its reply, "CODE ID", is at
 * most this long; CODE is one of the above.
 */
#define QSERVE_REPLY_MAX 64

/* 11..40 are permanent failures; everything else but 0 is temporary. */
int qexit_permanent(int code);
/* A short text for a reply or a log line ("queue folder unusable"). */
const char *qexit_text(int code);

#endif
