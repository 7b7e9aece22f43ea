/*
 * dnsbl_ask.c: dnsbl_check() for one address, for tests.
 *
 * usage: dnsbl_ask IP
 *
 * Prints "result=1|0|-1 reply=TEXT". The home (control/dnsbl,
 * control/nameservers) comes from STAMP_HOME. Exit: 1 listed, 0 not listed,
 * 3 lookup trouble, 64 usage.
 */
#include <stdio.h>

#include "home.h"
#include "log.h"
#include "smtpd/dnsbl.h"

int
main(int argc, char **argv)
{
	char	reply[512];

	log_init("dnsbl_ask");
	if (argc != 2) {
		fprintf(stderr, "usage: dnsbl_ask IP\n");
		return 64;
	}
	if (home_init(NULL) == -1)
		fatal(64, "home");
	int r = dnsbl_check(argv[1], reply, sizeof(reply));
	printf("result=%d reply=%s\n", r, reply);
	return r == -1 ? 3 : r;
}
