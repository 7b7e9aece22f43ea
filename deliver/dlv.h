/*
 * dlv.h: the result of one delivery, as stamp-local reports it.
 *
 * text starts with an RFC 3463 enhanced status code, then a sentence for
 * the log and the bounce ("4.3.0 cannot write to Maildir ...: No space").
 */
#ifndef STAMP_DLV_H
#define STAMP_DLV_H

enum dlv_status { DLV_OK = 0, DLV_TEMP, DLV_PERM };

struct dlv_result {
	enum dlv_status	 status;
	char		 text[512];
};

void dlv_set(struct dlv_result *, enum dlv_status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An errno after a failed write or open: temporary unless clearly not. */
enum dlv_status dlv_errno_status(int err);
/* The RFC 3463 code that goes with such an errno: "5.2.0", "4.2.2"... */
const char *dlv_errno_code(int err);

#endif
