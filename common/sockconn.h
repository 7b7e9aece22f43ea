/*
 * sockconn.h: connect a stream socket to a local service (a policy service,
 * a milter) within a deadline on the monotonic clock. Numeric addresses and
 * "localhost" only: no DNS lookup ever happens for such a service.
 */
#ifndef STAMP_SOCKCONN_H
#define STAMP_SOCKCONN_H

/* Milliseconds on the monotonic clock. */
long long sock_now_ms(void);
/* Milliseconds left until deadline (0 when past; at most an hour). */
int       sock_left_ms(long long deadline);

/*
 * A non-blocking, close-on-exec socket connected to host (numeric, in
 * brackets or not, or "localhost") and port, or to the UNIX socket path.
 * fd, or -1 with errno (ETIMEDOUT when the deadline passed).
 */
int sock_connect_inet(const char *host, const char *port, long long deadline);
int sock_connect_unix(const char *path, long long deadline);

#include <stddef.h>

/*
 * Split "HOST:PORT" (HOST maybe in brackets, PORT 1 to 65535) into host
 * and port. 0, or -1 with *why saying what is wrong.
 */
int sock_parse_inet(const char *s, char *host, size_t hostsz, char *port, size_t portsz,
    const char **why);

#endif
