/*
 * peer.h: the client's and the server's addresses of a POP3 session, and
 * what "loopback" means for plaintext passwords.
 */
#ifndef STAMP_PEER_H
#define STAMP_PEER_H

#include <netinet/in.h>

struct peer_ip {
	char	 remote[INET6_ADDRSTRLEN + 8];   /* "?" when unknown */
	char	 local[INET6_ADDRSTRLEN + 8];
};

/* From TCPREMOTEIP and TCPLOCALIP (tcpserver), else getpeername/getsockname on fd 0. */
void peer_get(struct peer_ip *);
/*
 * Loopback, for this purpose, is exactly 127.0.0.1 or ::1 on both ends: a
 * client on this host talking to the loopback service address. Other
 * 127.0.0.0/8 addresses count as a network (a port forwarded to 127.0.0.2,
 * a container's published port), so plaintext there needs TLS or a setting.
 */
int  peer_is_loopback(const struct peer_ip *);
int  peer_addr_is_loopback(const char *ip);

#endif
