/* child.h: wait for a child program with a time bound. */
#ifndef STAMP_SMTPD_CHILD_H
#define STAMP_SMTPD_CHILD_H

#include <sys/types.h>

/*
 * Wait for pid at most timeout_ms; past it the child is killed (SIGKILL)
 * and reaped. Returns its exit code, 256 + the signal that ended it, or -1
 * with errno (ETIMEDOUT after the kill).
 */
int child_wait(pid_t pid, int timeout_ms);

#endif
