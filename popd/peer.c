/* peer.c: who is talking to us, and is it this host over loopback? */
#include "peer.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static void
sock_ip(int local, char *out, size_t outsz)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	int			 r;

	r = local ? getsockname(0, (struct sockaddr *)&ss, &len) :
	    getpeername(0, (struct sockaddr *)&ss, &len);
	strlcpy(out, "?", outsz);
	if (r == -1)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)outsz);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)outsz);
}

static void
one(const char *env, int local, char *out, size_t outsz)
{
	const char	*v = getenv(env);
	unsigned char	 b[16];

	/* Only a well-formed address from the environment; anything else is looked up. */
	if (v != NULL && (inet_pton(AF_INET, v, b) == 1 || inet_pton(AF_INET6, v, b) == 1) &&
	    strlcpy(out, v, outsz) < outsz)
		return;
	sock_ip(local, out, outsz);
}

void
peer_get(struct peer_ip *p)
{
	one("TCPREMOTEIP", 0, p->remote, sizeof p->remote);
	one("TCPLOCALIP", 1, p->local, sizeof p->local);
}

int
peer_addr_is_loopback(const char *ip)
{
	return strcmp(ip, "127.0.0.1") == 0 || strcmp(ip, "::1") == 0 ||
	    strcmp(ip, "::ffff:127.0.0.1") == 0;
}

int
peer_is_loopback(const struct peer_ip *p)
{
	return peer_addr_is_loopback(p->remote) && peer_addr_is_loopback(p->local);
}
