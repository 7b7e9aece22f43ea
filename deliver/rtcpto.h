/*
 * rtcpto.h: the memory of exchangers that did not answer (qmail's tcpto).
 *
 * When a connection to an address times out or is refused, stamp-remote
 * writes it down in STAMP_HOME/remote/tcpto; for a while after that, later
 * deliveries skip the address and go to the next one (or wait), instead of
 * each paying the connect timeout again. The wait doubles with each
 * failure in a row: 60 s after the first, up to an hour; a connection
 * that succeeds forgets the address.
 *
 * The file is text, one "ADDRESS FAILURES LAST-FAILURE" line per address,
 * at most RTCPTO_MAX lines (the oldest go first), rewritten in place under
 * flock(2) by whichever stamp-remote is updating it. It is only a hint:
 * a missing, unreadable or garbled file (or a missing remote/ folder)
 * means "nothing remembered", and stamp-remote delivers as usual.
 */
#ifndef STAMP_RTCPTO_H
#define STAMP_RTCPTO_H

#include <time.h>

#include "dns.h"

#define RTCPTO_MAX       256
#define RTCPTO_BASE      60
#define RTCPTO_CEILING   3600

/* How long an address with failures in a row is skipped after the last. */
time_t rtcpto_window(unsigned failures);

/* Skip ip now? 1 yes, 0 no (also when the file cannot be read). */
int  rtcpto_skip(const char *path, const struct dns_ip *ip, time_t now);
/* Remember a failed connection (1) or forget the address after a good one (0). */
void rtcpto_note(const char *path, const struct dns_ip *ip, int failed, time_t now);

#endif
