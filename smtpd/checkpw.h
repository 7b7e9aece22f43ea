/*
 * checkpw.h: check a password through the checkpassword interface.
 *
 * Runs $STAMPCHECKPW (default: the sibling stamp-checkpw) as
 * "PROG /bin/true" with "user\0password\0timestamp\0" on fd 3, a pipe.
 * Exit 0: good; 1: bad password; anything else (or no exit within
 * CHECKPW_WAIT_MS): temporary trouble.
 */
#ifndef STAMP_SMTPD_CHECKPW_H
#define STAMP_SMTPD_CHECKPW_H

#include "world.h"

#define CHECKPW_WAIT_MS (60 * 1000)

/* The smtpd_world checkpw function; ctx is unused. */
enum checkpw_result checkpw_run(void *ctx, const char *user, const char *pass,
    const char *timestamp);

/* What an exit code means. */
enum checkpw_result checkpw_verdict(int code);

#endif
