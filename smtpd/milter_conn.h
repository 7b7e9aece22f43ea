/*
 * milter_conn.h: one filter of control/milters: its line, its connection,
 * and packets sent and received within deadlines.
 *
 * A line is
 *     inet:HOST:PORT [default=tempfail|default=accept]
 *     unix:/path/to/socket [default=tempfail|default=accept]
 * HOST is a numeric address (brackets allowed) or "localhost": no DNS.
 * default= is what happens when the filter cannot be reached or misbehaves:
 * tempfail (the default) answers 4xx, accept goes on without that filter.
 */
#ifndef STAMP_SMTPD_MILTER_CONN_H
#define STAMP_SMTPD_MILTER_CONN_H

#include <stddef.h>

#include "buf.h"
#include "control.h"
#include "milter_codec.h"
#include "str.h"

struct milter_spec {
	char	 name[CTL_LINE_MAX + 1];   /* the address as written, for the log */
	int	 is_unix;
	char	 host[256], port[16], path[108];
	int	 default_accept;
};

/* Parse one line. 0, or -1 with *why. */
int milter_spec_parse(const char *line, struct milter_spec *, const char **why);

/* A connection: the socket and the buffer of what the filter sent. */
struct milter_io {
	int		 fd;
	long long	 deadline;             /* of the exchange in progress */
	struct rbuf	 rb;
	char		 rmem[8192];
	char		 pkt[MILTER_PKT_MAX];  /* the last packet read */
};

/* Connect within timeout_ms; 0, or -1 with errno. */
int  milter_io_open(struct milter_io *, const struct milter_spec *, int timeout_ms);
/* Use an already connected fd (the check suite's socket pairs). */
void milter_io_fd(struct milter_io *, int fd);
void milter_io_close(struct milter_io *);
/* Set the deadline of the next sends and reads to now + timeout_ms. */
void milter_io_deadline(struct milter_io *, int timeout_ms);

/* Send what is in out (whole packets). 0, or -1 with errno. */
int  milter_io_send(struct milter_io *, const struct str *out);

enum milter_rd { MRD_OK, MRD_EOF, MRD_TRUNCATED, MRD_OVERSIZE, MRD_ERROR };
/* Read one packet into p (its data in io->pkt). MRD_ERROR: errno (ETIMEDOUT). */
enum milter_rd milter_io_read(struct milter_io *, struct milter_pkt *p);
const char *milter_rd_name(enum milter_rd);

#endif
