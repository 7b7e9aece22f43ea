/*
 * uniq.h: unique names for queue entries and Maildir files.
 *
 * A queue ID is QID_LEN lowercase hex digits: 8 of the time in seconds, then
 * 8 random ones, so IDs sort by age; its last two digits are its bucket.
 * Uniqueness is finally guaranteed by the O_EXCL create of the message file,
 * the caller tries another ID when that fails with EEXIST.
 */
#ifndef STAMP_UNIQ_H
#define STAMP_UNIQ_H

#include <stddef.h>
#include <time.h>

#define QID_LEN 16

/* out must hold QID_LEN + 1 bytes. */
void qid_new(char *out, time_t now);
/* Is s exactly a queue ID (16 lowercase hex digits, then NUL)? */
int  qid_valid(const char *s);
/* The bucket of a valid ID, 0..255. */
unsigned qid_bucket(const char *id);
/* The commit-time part of a valid ID. */
time_t qid_time(const char *id);

/*
 * The unique part of a Maildir file name, as Dovecot makes them:
 * "SECONDS.MUSECONDSPpidQcount.host", with "/" and ":" in host written as
 * \057 and \072 (the Maildir convention). The deliverer appends
 * ",S=size,W=size". Returns 0, or -1 (ENAMETOOLONG).
 */
int  maildir_unique(char *out, size_t outsz, const char *host);

#endif
