/*
 * inj_read.h: read the message a local program hands to sendmail.
 *
 * CR LF becomes LF as it arrives (bare CR and bare LF stay), so what is
 * parsed is what is queued. Without -i a line holding only "." ends the
 * message, as sendmail has it; the rest of the input is not read.
 */
#ifndef STAMP_INJ_READ_H
#define STAMP_INJ_READ_H

#include <stddef.h>

#include "str.h"

/*
 * Read fd to its end (or the "." line when dot_ends) into out. 0; -1 with
 * errno: EFBIG when more than max octets came (max 0: STR_MAX), or read(2)'s.
 */
int inj_read(int fd, int dot_ends, size_t max, struct str *out);

#endif
