/*
 * stamp-remote: deliver one queued message to its recipients at one remote
 * domain, straight to the domain's mail exchangers.
 *
 *   stamp-remote [--home DIR] ID SENDER DOMAIN RECIPIENT...
 *
 * The message is on fd 0 (the queue file, read with pread so that each
 * connection sends it from its start); one result line per recipient, in
 * order, goes to fd 1 (K, Z or D, a space, an enhanced status code and a
 * sentence), as queue/README.md specifies. Started as root it becomes
 * stampr first: it reads nothing but its message, its control files and
 * DNS, and writes nothing but remote/tcpto.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "address.h"
#include "control.h"
#include "dns.h"
#include "log.h"
#include "ragent.h"
#include "rdeliver.h"
#include "str.h"


static void
usage(void)
{
	fprintf(stderr, "usage: stamp-remote [--home DIR] ID SENDER DOMAIN RECIPIENT...\n");
	exit(111);
}

/* Check each recipient; the wrong ones get their result now. 1 when one needs SMTPUTF8. */
static int
check_rcpts(struct rs_rcpt *rc, size_t n, const char *domain)
{
	struct addr	 a;
	int		 utf8 = 0;

	for (size_t i = 0; i < n; i++) {
		if (addr_parse_mailbox(rc[i].addr, strlen(rc[i].addr), ADDR_UTF8, &a) != ADDR_OK) {
			dlv_set(&rc[i].res, DLV_PERM, "5.1.3 %s is not a valid mailbox", rc[i].addr);
			rc[i].done = 1;
		} else if (addr_domain_cmp(a.domain, domain) != 0) {
			dlv_set(&rc[i].res, DLV_PERM, "5.1.3 %s is not at %s", rc[i].addr, domain);
			rc[i].done = 1;
		} else
			utf8 |= a.has_8bit;
	}
	return utf8;
}

int
main(int argc, char **argv)
{
	struct ragent_run	 r;
	struct rconf		 conf;
	struct dns		 dns;

	ragent_start(&r, "stamp-remote", argc, argv, usage);
	r.m.utf8 = check_rcpts(r.rc, r.n, r.target);
	ragent_read_message(&r);
	if (rconf_load(&conf) < 0)
		ragent_fail_all(r.id, r.rc, r.n, "4.3.5 cannot read the control files; see the log");
	if (dns_init(&dns, (int)conf.timeout_dns) < 0) {
		log_warnx("id=%s action=dns-init reason=\"%s\"", r.id, dns.err);
		ragent_fail_all(r.id, r.rc, r.n,
		    "4.3.5 cannot set up the DNS resolver (control/nameservers?)");
	}
	rdeliver(&conf, &dns, r.id, &r.m, r.target, r.rc, r.n);
	dns_free(&dns);
	rconf_free(&conf);
	ragent_finish(r.id, r.rc, r.n);
}
