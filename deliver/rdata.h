/*
 * rdata.h: the message as it goes on the wire after DATA.
 *
 * The queue stores LF line ends; SMTP wants CRLF, and a line that starts
 * with "." gets a second one (RFC 5321 section 4.5.2). The converter keeps
 * its state between chunks, so a message read in pieces cut anywhere comes
 * out the same; rdata_send reads the queue file with pread (from offset
 * 0, so another connection can send it again) and ends with CRLF "." CRLF.
 */
#ifndef STAMP_RDATA_H
#define STAMP_RDATA_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

struct rstuff {
	int	 mid;   /* inside a line (not at its start) */
};

/* Write in[0..n) converted to w. 0, or -1 (w's error). */
int  rstuff_chunk(struct rstuff *, const char *in, size_t n, struct wbuf *w);
/* End the data: CRLF if the last line had none, then ".\r\n". */
int  rstuff_finish(struct rstuff *, struct wbuf *w);

/* What the scan of a message found. */
struct rdata_info {
	off_t	 size;          /* octets on the wire with CRLF line ends (RFC 1870's SIZE) */
	int	 eightbit;      /* an octet over 127 */
};

/* Read fd from offset 0 to its end. 0, or -1 with errno. */
int  rdata_scan(int fd, struct rdata_info *);
/*
 * Send fd's whole content to w, stuffed, with the final dot, and flush.
 * 0; -1 with *readerr set when the file could not be read (errno), or
 * with *readerr 0 when writing failed.
 */
int  rdata_send(int fd, struct wbuf *w, int *readerr);

#endif
