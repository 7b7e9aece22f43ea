/*
 * dns_rev.c: the names DNS block lists are asked for (RFC 5782 section 2):
 * the address reversed, octets for IPv4 and nibbles for IPv6, then the zone.
 */
#include "dns.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int
dns_reverse(const struct dns_ip *ip, const char *zone, char *out, size_t outsz)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 rev[DNS_REV_SZ];
	size_t			 at = 0;
	int			 n;

	if (ip->af == AF_INET) {
		n = snprintf(rev, sizeof rev, "%u.%u.%u.%u", ip->addr[3], ip->addr[2],
		    ip->addr[1], ip->addr[0]);
		if (n < 0 || (size_t)n >= sizeof rev)
			return -1;
	} else if (ip->af == AF_INET6) {
		for (int i = 15; i >= 0; i--) {
			rev[at++] = hex[ip->addr[i] & 0xf];
			rev[at++] = '.';
			rev[at++] = hex[ip->addr[i] >> 4];
			rev[at++] = '.';
		}
		rev[at - 1] = '\0';     /* no dot after the last nibble */
	} else
		return -1;
	if (zone[0] == '\0')
		n = snprintf(out, outsz, "%s", rev);
	else
		n = snprintf(out, outsz, "%s.%s", rev, zone);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
dns_reverse_text(const char *text, const char *zone, char *out, size_t outsz)
{
	struct dns_ip	 ip;

	memset(&ip, 0, sizeof ip);
	if (inet_pton(AF_INET, text, ip.addr) == 1)
		ip.af = AF_INET;
	else if (inet_pton(AF_INET6, text, ip.addr) == 1)
		ip.af = AF_INET6;
	else
		return -1;
	return dns_reverse(&ip, zone, out, outsz);
}

const char *
dns_ip_text(const struct dns_ip *ip, char *out, size_t outsz)
{
	if (inet_ntop(ip->af == AF_INET ? AF_INET : AF_INET6, ip->addr, out, (socklen_t)outsz) == NULL)
		(void)snprintf(out, outsz, "?");
	return out;
}
