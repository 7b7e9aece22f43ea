/* child.h: wait for a child program with a time bound. */
#ifndef STAMP_SMTPD_CHILD_H
#define STAMP_SMTPD_CHILD_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Wait for pid at most timeout_ms; past it the child is killed (SIGKILL)
 * and reaped. Returns its exit code, 256 + the signal that ended it, or -1
 * with errno (ETIMEDOUT after the kill).
 */
int child_wait(pid_t pid, int timeout_ms);

/*
 * The program to run: the environment variable envname when it is set and
 * not empty (STAMPQUEUE, STAMPCHECKPW), else the stamp program sibling
 * beside this one. 0, or -1 with errno.
 */
int child_program(char *out, size_t outsz, const char *envname, const char *sibling);

#endif
