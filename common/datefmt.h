/* datefmt.h: dates as RFC 5322 writes them ("Tue, 24 Nov 2026 15:40:01 +0100"). */
#ifndef STAMP_DATEFMT_H
#define STAMP_DATEFMT_H

#include <stddef.h>
#include <time.h>

#define DATE_RFC5322_MAX 40

/* t in the local time zone. Returns 0, or -1 when out is too small. */
int date_rfc5322(char *out, size_t outsz, time_t t);

#endif
