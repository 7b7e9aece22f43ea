/*
 * clock.c: the monotonic clock in milliseconds (deadlines that a change of
 * the wall clock cannot move).
 */
#include <time.h>

#include "clock.h"

long long
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
