/* sched_conf.c: the settings stamp-send reads (again on SIGHUP). */
#include <string.h>
#include <strings.h>

#include "address.h"
#include "log.h"
#include "sched.h"
#include "vdomain.h"

int
sconf_load(struct sconf *c)
{
	struct sconf	 n;

	memset(&n, 0, sizeof n);
	if (ctl_number("concurrencylocal", &n.clocal) == -1 ||
	    ctl_number("concurrencyremote", &n.cremote) == -1 ||
	    ctl_number("concurrencyperdomain", &n.cperdomain) == -1 ||
	    ctl_number("retrymin", &n.retrymin) == -1 ||
	    ctl_number("retrymax", &n.retrymax) == -1 ||
	    ctl_number("queuelifetime", &n.lifetime) == -1 ||
	    ctl_list("locals", &n.locals) == -1 ||
	    ctl_list("virtualdomains", &n.vdomains) == -1 ||
	    ctl_list("lmtp", &n.lmtp) == -1 ||
	    ctl_string("me", &n.me) == -1 ||
	    ctl_string("bouncefrom", &n.bouncefrom) == -1 ||
	    ctl_string("doublebounceto", &n.doublebounceto) == -1) {
		sconf_free(&n);
		return -1;
	}
	if (n.retrymin < 1)
		n.retrymin = 1;
	if (n.retrymax < n.retrymin)
		n.retrymax = n.retrymin;
	sconf_free(c);
	*c = n;
	return 0;
}

void
sconf_free(struct sconf *c)
{
	ctl_list_free(&c->locals);
	ctl_list_free(&c->vdomains);
	ctl_list_free(&c->lmtp);
	str_free(&c->me);
	str_free(&c->bouncefrom);
	str_free(&c->doublebounceto);
}

int
sconf_is_local(const struct sconf *c, const char *domain)
{
	/* A bare local part ("postmaster") is ours. */
	if (*domain == '\0')
		return 1;
	return ctl_list_has(&c->locals, domain) || vdomain_has(&c->vdomains, domain);
}
