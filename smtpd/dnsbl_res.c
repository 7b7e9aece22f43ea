/*
 * dnsbl_res.c: the resolver of dnsbl_check(), on libresolv, honouring
 * control/nameservers (IPv4 "IP[:port]" lines) instead of /etc/resolv.conf.
 *
 * Interim: common/dns.h (branch remote) is the project's one DNS client;
 * once it is merged this file shrinks to an adapter over it.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "dnsbl_core.h"
#include "log.h"

/* A resolver state on control/nameservers when it names any, else resolv.conf. */
static int
open_res(struct __res_state *rs)
{
	struct ctl_list	ns = { NULL, 0 };
	int		n = 0;

	memset(rs, 0, sizeof(*rs));
	if (res_ninit(rs) == -1)
		return -1;
	rs->retrans = 2;
	rs->retry = 2;
	if (ctl_list("nameservers", &ns) == -1) {
		res_nclose(rs);
		return -1;
	}
	for (size_t i = 0; i < ns.n && n < MAXNS; i++) {
		char		 host[64];
		const char	*colon = strchr(ns.items[i], ':');
		size_t		 hl = colon ? (size_t)(colon - ns.items[i]) : strlen(ns.items[i]);
		long		 port = colon ? strtol(colon + 1, NULL, 10) : 53;
		struct in_addr	 a;

		if (hl >= sizeof(host) || port < 1 || port > 65535)
			continue;
		memcpy(host, ns.items[i], hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, &a) != 1) {
			log_warnx("dnsbl nameserver=%s error=\"only IPv4 nameservers here\"", host);
			continue;
		}
		rs->nsaddr_list[n].sin_family = AF_INET;
		rs->nsaddr_list[n].sin_addr = a;
		rs->nsaddr_list[n].sin_port = htons((unsigned short)port);
		n++;
	}
	if (n > 0)
		rs->nscount = n;
	ctl_list_free(&ns);
	return 0;
}

/* Query name/type: 1 with the answer parsed into msg, 0 NXDOMAIN or no data, -1 trouble. */
static int
query(const char *name, int type, unsigned char *ans, int anssz, ns_msg *msg)
{
	struct __res_state	rs;
	int			len;

	if (open_res(&rs) == -1)
		return -1;
	len = res_nquery(&rs, name, ns_c_in, type, ans, anssz);
	int herr = rs.res_h_errno;
	res_nclose(&rs);
	if (len < 0)
		return herr == HOST_NOT_FOUND || herr == NO_DATA ? 0 : -1;
	if (ns_initparse(ans, len, msg) == -1)
		return -1;
	return 1;
}

static int
lookup_a(void *ctx, const char *name, unsigned char (*addrs)[4], int max, int *n)
{
	unsigned char	ans[4096];
	ns_msg		msg;
	ns_rr		rr;
	int		r;

	(void)ctx;
	*n = 0;
	if ((r = query(name, ns_t_a, ans, sizeof(ans), &msg)) != 1)
		return r;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && *n < max; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			return -1;
		if (ns_rr_type(rr) == ns_t_a && ns_rr_rdlen(rr) == 4)
			memcpy(addrs[(*n)++], ns_rr_rdata(rr), 4);
	}
	return *n > 0 ? 1 : 0;
}

static int
lookup_txt(void *ctx, const char *name, char *txt, size_t txtsz)
{
	unsigned char	ans[4096];
	ns_msg		msg;
	ns_rr		rr;
	size_t		out = 0;
	int		r;

	(void)ctx;
	txt[0] = '\0';
	if ((r = query(name, ns_t_txt, ans, sizeof(ans), &msg)) != 1)
		return r;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			return -1;
		if (ns_rr_type(rr) != ns_t_txt)
			continue;
		/* character-strings: a length octet, then that many octets */
		const unsigned char *p = ns_rr_rdata(rr), *end = p + ns_rr_rdlen(rr);
		while (p < end) {
			size_t l = *p++;
			if (l > (size_t)(end - p))
				return -1;
			for (size_t k = 0; k < l && out + 1 < txtsz; k++)
				txt[out++] = (char)p[k];
			p += l;
		}
		txt[out] = '\0';
		return 1;
	}
	return 0;
}

const struct dnsbl_resolver dnsbl_system_resolver = { lookup_a, lookup_txt, NULL };
