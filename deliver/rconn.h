/*
 * rconn.h: a TCP connection to one address, or a UNIX-domain stream
 * socket (stamp-lmtp), within a time limit.
 */
#ifndef STAMP_RCONN_H
#define STAMP_RCONN_H

#include "dns.h"

/*
 * Connect to ip:port, waiting at most timeout_ms. The socket (non-blocking,
 * close-on-exec), or -1 with errno (ETIMEDOUT, ECONNREFUSED...).
 */
int rconn_open(const struct dns_ip *ip, unsigned short port, int timeout_ms);

/* Connect to the stream socket at path, the same way. */
int rconn_unix(const char *path, int timeout_ms);

#endif
