/*
 * dns_query.c: one lookup through common/dns.c, for the integration tests.
 *
 * usage: dns_query [--home DIR] [-t SECONDS] mx|a|aaaa|txt|exists NAME
 *        dns_query rev IP ZONE
 *
 * Prints "status=found|nxdomain|nodata|temporary" and then one line per
 * record: "mx PREF NAME", "ip ADDRESS", "txt TEXT". The resolver reads
 * DIR/control/nameservers as stamp-remote does. Exit 0 unless the usage or
 * dns_init failed.
 */
#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "home.h"
#include "log.h"

static int
usage(void)
{
	fprintf(stderr, "usage: dns_query [--home DIR] [-t s] mx|a|aaaa|txt|exists NAME\n"
	    "       dns_query rev IP ZONE\n");
	return 2;
}

static void
print_ips(const struct dns_iplist *ips)
{
	char	 t[64];

	for (size_t i = 0; i < ips->n; i++)
		printf("ip %s\n", dns_ip_text(&ips->ip[i], t, sizeof t));
}

int
main(int argc, char *argv[])
{
	struct dns		 d;
	struct dns_mxlist	 mx;
	struct dns_iplist	 ips = { 0 };
	struct str		 txt = STR_INIT;
	enum dns_status		 st;
	const char		*home = NULL;
	int			 timeout = 0, i = 1;

	log_init("dns_query");
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--home") == 0)
			home = argv[i + 1];
		else if (strcmp(argv[i], "-t") == 0)
			timeout = atoi(argv[i + 1]);
		else
			return usage();
	}
	if (argc - i == 3 && strcmp(argv[i], "rev") == 0) {
		char	 out[DNS_REV_SZ];

		if (dns_reverse_text(argv[i + 1], argv[i + 2], out, sizeof out) < 0)
			return puts("rev error"), 1;
		printf("rev %s\n", out);
		return 0;
	}
	if (argc - i != 2)
		return usage();
	if (home_init(home) < 0 || dns_init(&d, timeout) < 0) {
		fprintf(stderr, "dns_query: %s\n", d.err);
		return 1;
	}
	const char *type = argv[i], *name = argv[i + 1];

	if (strcmp(type, "mx") == 0) {
		st = dns_mx(&d, name, &mx);
		printf("status=%s\n", dns_status_name(st));
		for (size_t k = 0; st == DNS_FOUND && k < mx.n; k++)
			printf("mx %u %s\n", mx.mx[k].pref, mx.mx[k].name[0] ? mx.mx[k].name : ".");
	} else if (strcmp(type, "a") == 0 || strcmp(type, "aaaa") == 0) {
		st = dns_addr(&d, name, type[1] == '\0' ? ns_t_a : ns_t_aaaa, &ips);
		printf("status=%s\n", dns_status_name(st));
		print_ips(&ips);
	} else if (strcmp(type, "txt") == 0) {
		st = dns_txt(&d, name, &txt);
		printf("status=%s\n", dns_status_name(st));
		if (st == DNS_FOUND)
			printf("txt %s\n", txt.s);
	} else if (strcmp(type, "exists") == 0) {
		printf("status=%s\n", dns_status_name(dns_exists_a(&d, name)));
	} else
		return usage();
	str_free(&txt);
	dns_free(&d);
	return 0;
}
