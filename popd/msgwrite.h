/*
 * msgwrite.h: a message file onto the POP3 stream (RETR and TOP).
 *
 * LF line ends become CRLF (a CRLF already there stays one), a line that
 * starts with "." gets a second one (RFC 1939 byte-stuffing), a last line
 * without its end gets CRLF, and ".\r\n" ends the response.
 */
#ifndef STAMP_MSGWRITE_H
#define STAMP_MSGWRITE_H

#include "buf.h"

#define MSGWRITE_ALL (-1L)

/*
 * Write fd's content from offset 0. body_lines: MSGWRITE_ALL for RETR; for
 * TOP n m, the header, the blank line after it and m lines of the body.
 * 0, or -1 (read error: errno; the caller ends the session, since the
 * response is already under way; write errors are sticky in out->err).
 */
int msg_write(struct wbuf *out, int fd, long body_lines);

#endif
