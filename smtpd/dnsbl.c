/*
 * dnsbl.c: dnsbl_check(), the zones of control/dnsbl over the system resolver.
 */
#include <errno.h>
#include <stdio.h>

#include "dnsbl.h"
#include "dnsbl_core.h"
#include "log.h"

int
dnsbl_check(const char *client_ip, char *reply, size_t replysz)
{
	struct ctl_list	zones = { NULL, 0 };
	int		r;

	reply[0] = '\0';
	if (ctl_list("dnsbl", &zones) == -1)
		return -1;
	r = dnsbl_check_zones(&dnsbl_system_resolver, &zones, client_ip, reply, replysz);
	ctl_list_free(&zones);
	return r;
}
