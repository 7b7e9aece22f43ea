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
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "address.h"
#include "control.h"
#include "dns.h"
#include "home.h"
#include "log.h"
#include "ragent.h"
#include "rdeliver.h"
#include "str.h"

#define RCPTS_MAX 10000

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
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct rs_rcpt	*rc;
	struct rs_msg	 m;
	struct rconf	 conf;
	struct dns	 dns;
	struct addr	 sa;
	const char	*home = NULL, *id, *domain;
	size_t		 n;
	int		 c;

	log_init("stamp-remote");
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd')
			usage();
		home = optarg;
	}
	if (argc - optind < 4 || argc - optind - 3 > RCPTS_MAX)
		usage();
	id = argv[optind];
	domain = argv[optind + 2];
	n = (size_t)(argc - optind - 3);
	if ((rc = calloc(n, sizeof *rc)) == NULL)
		fatal(111, "calloc");
	for (size_t i = 0; i < n; i++)
		rc[i].addr = argv[optind + 3 + i];
	memset(&m, 0, sizeof m);
	m.sender = argv[optind + 1];
	m.fd = 0;
	if (home_init(home) == -1)
		ragent_fail_all(id, rc, n, "4.3.5 the home path is too long");
	if (ragent_drop_root() < 0)
		ragent_fail_all(id, rc, n, "4.3.0 cannot become the user stampr");
	m.utf8 = check_rcpts(rc, n, domain);
	if (m.sender[0] != '\0') {
		if (addr_parse_mailbox(m.sender, strlen(m.sender), ADDR_UTF8, &sa) != ADDR_OK)
			ragent_fail_all(id, rc, n, "5.1.7 the envelope sender is not a valid mailbox");
		m.utf8 |= sa.has_8bit;
	}
	if (rdata_scan(0, &m.info) < 0) {
		log_warn("id=%s action=read-message", id);
		ragent_fail_all(id, rc, n, "4.3.0 cannot read the queued message");
	}
	if (rconf_load(&conf) < 0)
		ragent_fail_all(id, rc, n, "4.3.5 cannot read the control files; see the log");
	if (dns_init(&dns, (int)conf.timeout_dns) < 0) {
		log_warnx("id=%s action=dns-init reason=\"%s\"", id, dns.err);
		ragent_fail_all(id, rc, n, "4.3.5 cannot set up the DNS resolver (control/nameservers?)");
	}
	rdeliver(&conf, &dns, id, &m, domain, rc, n);
	dns_free(&dns);
	rconf_free(&conf);
	ragent_finish(id, rc, n);
}
