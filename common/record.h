/*
 * record.h: typed, length-checked records, the unit of every queue file.
 *
 *   record = TYPE LENGTH ":" DATA LF
 *
 * TYPE is one ASCII capital letter, LENGTH the decimal octet count of DATA
 * (no leading zeros, at most RECORD_LEN_DIGITS digits). A cut or damaged
 * record never parses as a good one of another length: the LF must be where
 * LENGTH says.
 */
#ifndef STAMP_RECORD_H
#define STAMP_RECORD_H

#include <stddef.h>

#include "str.h"

#define RECORD_LEN_DIGITS 7
#define RECORD_DATA_MAX   9999999

/* Append one record to out. 0, or -1 (ENOMEM, EOVERFLOW, EINVAL for a bad type or size). */
int record_put(struct str *out, char type, const void *data, size_t len);

struct record {
	char        type;
	const char *data;   /* points into the buffer parsed */
	size_t      len;
	size_t      start;  /* offset of the record's first octet */
};

/*
 * Parse the record at *pos of buf[0..len). Returns 1 and advances *pos past
 * it; 0 when *pos == len (no more); -1 when the bytes at *pos are not a
 * whole, well-formed record.
 */
int record_next(const char *buf, size_t len, size_t *pos, struct record *out);

#endif
