/*
 * dnsbl.c: dnsbl_check(), the zones of control/dnsbl asked through
 * common/dns.h (control/nameservers, control/timeoutdns).
 */
#include <arpa/nameser.h>

#include <string.h>

#include "control.h"
#include "dns.h"
#include "dnsbl.h"
#include "dnsbl_core.h"
#include "log.h"

static int
result_of(enum dns_status st)
{
	return st == DNS_FOUND ? 1 : st == DNS_TEMP ? -1 : 0;
}

static int
dns_lookup_a(void *ctx, const char *name, unsigned char (*addrs)[4], int max, int *n)
{
	struct dns_iplist	list;
	enum dns_status		st;

	list.n = 0;
	*n = 0;
	if ((st = dns_addr(ctx, name, ns_t_a, &list)) != DNS_FOUND)
		return result_of(st);
	for (size_t i = 0; i < list.n && *n < max; i++)
		if (list.ip[i].af == AF_INET)
			memcpy(addrs[(*n)++], list.ip[i].addr, 4);
	return *n > 0 ? 1 : 0;
}

static int
dns_lookup_txt(void *ctx, const char *name, char *txt, size_t txtsz)
{
	struct str	out = STR_INIT;
	enum dns_status	st = dns_txt(ctx, name, &out);

	txt[0] = '\0';
	if (st == DNS_FOUND && out.s != NULL)
		strlcpy(txt, out.s, txtsz);
	str_free(&out);
	return result_of(st);
}

const struct dnsbl_resolver dnsbl_dns_resolver = { dns_lookup_a, dns_lookup_txt, NULL };

int
dnsbl_check(const char *client_ip, char *reply, size_t replysz)
{
	struct ctl_list		zones = { NULL, 0 };
	struct dnsbl_resolver	res = dnsbl_dns_resolver;
	struct dns		d;
	long long		tmo;
	int			r;

	reply[0] = '\0';
	if (ctl_list("dnsbl", &zones) == -1)
		return -1;
	if (zones.n == 0) {
		ctl_list_free(&zones);
		return 0;
	}
	if (ctl_number("timeoutdns", &tmo) == -1)
		tmo = 5;
	if (dns_init(&d, (int)tmo) == -1) {
		log_warnx("dnsbl error=\"%s\"", d.err);
		ctl_list_free(&zones);
		return -1;
	}
	res.ctx = &d;
	r = dnsbl_check_zones(&res, &zones, client_ip, reply, replysz);
	dns_free(&d);
	ctl_list_free(&zones);
	return r;
}
