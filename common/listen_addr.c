/*
 * listen_addr.c: listener addresses ("127.0.0.1:25", "[::1]:25", "*:25")
 * and the peer of a session, from a socket or from tcpserver's environment.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"

#define ADDR_TEXT_MAX 64

/* A decimal port 1..65535, digits only, no leading zero. -1 when not. */
static int
parse_port(const char *s)
{
	long	 v = 0;

	if (*s < '1' || *s > '9')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -1;
	}
	return (int)v;
}

int
listen_parse_addr(const char *s, struct sockaddr_storage *out, socklen_t *outlen)
{
	char		 host[ADDR_TEXT_MAX];
	const char	*colon, *hs;
	size_t		 hlen;
	int		 port;

	if (s == NULL || strlen(s) >= ADDR_TEXT_MAX)
		return -1;
	memset(out, 0, sizeof *out);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return -1;
		hs = s + 1;
		hlen = (size_t)(close - hs);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		hs = s;
		hlen = (size_t)(colon - s);
		if (memchr(hs, ':', hlen) != NULL)	/* bare IPv6 needs brackets */
			return -1;
	}
	if (hlen == 0 || (port = parse_port(colon + 1)) == -1)
		return -1;
	memcpy(host, hs, hlen);
	host[hlen] = '\0';
	if (s[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return -1;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*outlen = sizeof *a6;
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	if (strcmp(host, "*") == 0)
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return -1;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*outlen = sizeof *a4;
	return 0;
}

/* ip and port of one address; an IPv4-mapped IPv6 address becomes IPv4. */
static void
addr_text(const struct sockaddr *sa, socklen_t len, char ip[INET6_ADDRSTRLEN],
    unsigned *port)
{
	ip[0] = '\0';
	*port = 0;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &a4->sin_addr, ip, INET6_ADDRSTRLEN);
		*port = ntohs(a4->sin_port);
	} else if (sa->sa_family == AF_INET6 &&
	    len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
			inet_ntop(AF_INET, &a6->sin6_addr.s6_addr[12], ip, INET6_ADDRSTRLEN);
		else
			inet_ntop(AF_INET6, &a6->sin6_addr, ip, INET6_ADDRSTRLEN);
		*port = ntohs(a6->sin6_port);
	}
}

void
peer_from_addrs(struct peer *p, const struct sockaddr *remote, socklen_t rlen,
    const struct sockaddr *local, socklen_t llen)
{
	memset(p, 0, sizeof *p);
	if (remote != NULL && rlen > 0) {
		memcpy(&p->remote, remote, rlen < sizeof p->remote ? rlen : sizeof p->remote);
		addr_text(remote, rlen, p->remote_ip, &p->remote_port);
	}
	if (local != NULL && llen > 0) {
		memcpy(&p->local, local, llen < sizeof p->local ? llen : sizeof p->local);
		addr_text(local, llen, p->local_ip, &p->local_port);
	}
}

/* A numeric IP (v4 or v6, v4-mapped shown as v4) into ss and text; 0 or -1. */
static int
env_addr(const char *ipvar, const char *portvar, struct sockaddr_storage *ss,
    char ip[INET6_ADDRSTRLEN], unsigned *port)
{
	const char	*v = getenv(ipvar), *pv = getenv(portvar);
	int		 pn = pv != NULL ? parse_port(pv) : 0;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	if (v == NULL)
		return -1;
	if (pn == -1)
		pn = 0;	/* "0" or nonsense: the address still holds, the port is unknown */
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, v, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)pn);
		addr_text((struct sockaddr *)a4, sizeof *a4, ip, port);
		return 0;
	}
	if (inet_pton(AF_INET6, v, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)pn);
		addr_text((struct sockaddr *)a6, sizeof *a6, ip, port);
		return 0;
	}
	return -1;
}

/*
 * tcpserver's variables when TCPREMOTEIP holds an IP address; otherwise the
 * socket on fd 0 (inetd). Anything unknown stays empty (ip "", port 0), so
 * a pipe on fd 0 (a test, a local run) gives an empty peer.
 */
void
peer_from_env(struct peer *p)
{
	struct sockaddr_storage	 r, l;
	socklen_t		 rl = sizeof r, ll = sizeof l;

	memset(p, 0, sizeof *p);
	if (env_addr("TCPREMOTEIP", "TCPREMOTEPORT", &p->remote, p->remote_ip,
	    &p->remote_port) == 0) {
		if (env_addr("TCPLOCALIP", "TCPLOCALPORT", &p->local, p->local_ip,
		    &p->local_port) == -1) {
			memset(&p->local, 0, sizeof p->local);
			p->local_ip[0] = '\0';
			p->local_port = 0;
		}
		return;
	}
	memset(&p->remote, 0, sizeof p->remote);
	p->remote_ip[0] = '\0';
	p->remote_port = 0;
	if (getpeername(0, (struct sockaddr *)&r, &rl) == -1)
		rl = 0;
	if (getsockname(0, (struct sockaddr *)&l, &ll) == -1)
		ll = 0;
	if (rl > 0 && r.ss_family != AF_INET && r.ss_family != AF_INET6)
		rl = 0;
	if (ll > 0 && l.ss_family != AF_INET && l.ss_family != AF_INET6)
		ll = 0;
	peer_from_addrs(p, (struct sockaddr *)&r, rl, (struct sockaddr *)&l, ll);
}
