/*
 * qdone.h: the scheduler's per-message log, queue/done/BB/ID.
 *
 * An append-only sequence of records (common/record.h), one per event:
 *
 *   K "IDX TIME TEXT"   recipient IDX delivered at TIME
 *   D "IDX TIME TEXT"   recipient IDX failed permanently (to be bounced)
 *   Z "IDX TIME TEXT"   recipient IDX failed temporarily at TIME (retry later)
 *   B "IDX TIME"        the bounce that covers recipient IDX's D is queued
 *
 * IDX is the recipient's position in the envelope (0-based). Each append is
 * fsynced before the scheduler acts on it. A torn last record (a crash in
 * the middle of an append) is detected by the record framing and dropped:
 * that event simply happens again.
 */
#ifndef STAMP_QDONE_H
#define STAMP_QDONE_H

#include <stddef.h>
#include <time.h>

#include "str.h"

#define QDONE_TEXT_MAX 512

enum rcpt_state {
	RS_PENDING = 0,  /* not tried, or failed temporarily */
	RS_DELIVERED,    /* K */
	RS_FAILED,       /* D, bounce not yet queued */
	RS_BOUNCED,      /* D, and its bounce is queued (B) */
};

struct rcpt_status {
	enum rcpt_state state;
	unsigned        tries;       /* temporary failures so far */
	time_t          last;        /* time of the last attempt, 0 never */
	char           *text;        /* the last result's text (malloc'ed), or NULL */
};

/*
 * Read the log in buf[0..len) into st[0..n) (zeroed by the caller). Returns
 * the length of the well-formed prefix: a caller that appends later first
 * truncates the file to it. Records naming an IDX >= n are ignored.
 */
size_t qdone_parse(const char *buf, size_t len, struct rcpt_status *st, size_t n);
/* Read done/BB/ID relative to the queue folder; a missing file is an empty log. 0 or -1. */
int    qdone_load(const char *queue, const char *id, struct rcpt_status *st, size_t n,
    size_t *goodlen);
/* Append one record for (type, idx, when, text) to out (text may be NULL). 0 or -1. */
int    qdone_put(struct str *out, char type, size_t idx, time_t when, const char *text);
void   qdone_free(struct rcpt_status *st, size_t n);
const char *rcpt_state_name(enum rcpt_state);

#endif
