/*
 * clock.h: the one monotonic clock for timeouts and deadlines.
 */
#ifndef STAMP_CLOCK_H
#define STAMP_CLOCK_H

/* Milliseconds of CLOCK_MONOTONIC: only differences mean anything. */
long long mono_ms(void);

#endif
