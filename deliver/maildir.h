/*
 * maildir.h: deliver one message into a Maildir, the way Dovecot names files.
 *
 * tmp/NAME is written and fsynced, then renamed to
 * new/NAME,S=<file size>,W=<size with CRLF line ends>, and new/ is fsynced;
 * a message is never half in new/, and tmp/ keeps nothing after a failure.
 */
#ifndef STAMP_MAILDIR_H
#define STAMP_MAILDIR_H

#include <stddef.h>

#include "dlv.h"

/*
 * msgfd is read with pread from offset 0 (its position is not used); head is
 * written before it. create: make maildir, tmp, new, cur (0700) when missing.
 * name_out (may be NULL) gets the final file name. 0 on success, else -1
 * with r saying why.
 */
int maildir_deliver(const char *maildir, int create, int msgfd, const char *head,
    size_t headlen, struct dlv_result *r, char *name_out, size_t namesz);

#endif
