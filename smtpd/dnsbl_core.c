/*
 * dnsbl_core.c: reversed names, reply text and the zone loop of the DNSBL
 * check (see dnsbl_core.h).
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "dnsbl_core.h"
#include "log.h"

int
dnsbl_reverse(const char *ip, char *out, size_t outsz)
{
	static const unsigned char mapped[12] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff };
	struct dns_ip	a;

	if (ip == NULL || outsz == 0)
		return -1;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, ip, a.addr) == 1)
		a.af = AF_INET;
	else if (inet_pton(AF_INET6, ip, a.addr) == 1) {
		a.af = AF_INET6;
		/* ::ffff:a.b.c.d is an IPv4 client on an IPv6 socket: list it as IPv4 */
		if (memcmp(a.addr, mapped, sizeof(mapped)) == 0) {
			memmove(a.addr, a.addr + 12, 4);
			a.af = AF_INET;
		}
	} else
		return -1;
	return dns_reverse(&a, "", out, outsz);
}

/* A zone is dot-separated labels of letters, digits, '-' and '_', 1 to 63 each. */
static int
zone_ok(const char *z, size_t len)
{
	size_t	label = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)z[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0;
}

int
dnsbl_query_name(const char *reversed, const char *zone, char *out, size_t outsz)
{
	size_t	zl = strlen(zone);

	if (zl > 0 && zone[zl - 1] == '.')
		zl--;
	if (!zone_ok(zone, zl))
		return -1;
	int n = snprintf(out, outsz, "%s.%.*s", reversed, (int)zl, zone);
	if (n < 0 || (size_t)n >= outsz || (size_t)n > DNSBL_NAME_MAX - 1)
		return -1;
	return 0;
}

void
dnsbl_reply(const char *zone, const char *ip, const char *txt, char *reply, size_t replysz)
{
	char	clean[DNSBL_TEXT_MAX + 1];
	size_t	n = 0;

	/* Only printable ASCII reaches the client; runs of blanks become one. */
	for (const char *p = txt ? txt : ""; *p != '\0' && n < DNSBL_TEXT_MAX; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (n > 0 && clean[n - 1] != ' ')
				clean[n++] = ' ';
		} else
			clean[n++] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
	}
	while (n > 0 && clean[n - 1] == ' ')
		n--;
	clean[n] = '\0';
	if (n > 0)
		snprintf(reply, replysz, "554 5.7.1 %s", clean);
	else
		snprintf(reply, replysz, "554 5.7.1 Client address %s is listed in %s", ip, zone);
}

/* One zone: 1 listed (reply set), 0 not, -1 trouble. */
static int
check_zone(const struct dnsbl_resolver *res, const char *zone, const char *rev,
    const char *ip, char *reply, size_t replysz)
{
	char		 name[DNSBL_NAME_MAX + 64], txt[DNSBL_TEXT_MAX * 2], qz[LOG_QUOTE_MAX];
	unsigned char	 addrs[8][4];
	int		 n = 0, r, listed = 0;

	log_quotes(qz, sizeof(qz), zone);
	if (dnsbl_query_name(rev, zone, name, sizeof(name)) == -1) {
		log_warnx("dnsbl=%s error=\"bad zone name\"", qz);
		return -1;
	}
	if ((r = res->lookup_a(res->ctx, name, addrs, 8, &n)) != 1)
		return r;
	for (int i = 0; i < n; i++) {
		/* 127.0.0.0/8 lists; 127.255.255.0/24 is a list's "refused" or error code. */
		if (addrs[i][0] != 127)
			continue;
		if (addrs[i][1] == 255 && addrs[i][2] == 255) {
			log_warnx("dnsbl=%s ip=%s result=refused code=127.255.255.%u", qz, ip, addrs[i][3]);
			return -1;
		}
		listed = 1;
	}
	if (!listed)
		return 0;
	txt[0] = '\0';
	if (res->lookup_txt(res->ctx, name, txt, sizeof(txt)) != 1)
		txt[0] = '\0';
	dnsbl_reply(zone, ip, txt, reply, replysz);
	return 1;
}

int
dnsbl_check_zones(const struct dnsbl_resolver *res, const struct ctl_list *zones,
    const char *ip, char *reply, size_t replysz)
{
	char	rev[80], q[LOG_QUOTE_MAX];
	int	trouble = 0;

	reply[0] = '\0';
	if (zones->n == 0)
		return 0;
	if (dnsbl_reverse(ip, rev, sizeof(rev)) == -1) {
		log_warnx("dnsbl ip=%s error=\"not a numeric address\"", log_quotes(q, sizeof(q), ip ? ip : ""));
		return -1;
	}
	for (size_t i = 0; i < zones->n; i++) {
		int r = check_zone(res, zones->items[i], rev, ip, reply, replysz);
		if (r == 1) {
			log_info("dnsbl=%s ip=%s result=listed", log_quotes(q, sizeof(q), zones->items[i]), ip);
			return 1;
		}
		if (r == -1)
			trouble = 1;
	}
	reply[0] = '\0';
	return trouble ? -1 : 0;
}
