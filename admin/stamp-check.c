/*
 * stamp-check: check an installation and say how to fix what is wrong.
 *
 * Prints one "problem:" or "warning:" line for each finding, each followed
 * by the command that fixes it, then "stamp-check: N problems". Exit 0 when
 * there are none, 1 when there are, 2 on a usage error. It changes nothing.
 * The checks themselves are in icheck*.c.
 */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "home.h"
#include "icheck.h"
#include "log.h"

#define DNS_TIMEOUT_S 3   /* per try: a check should not hang on a dead resolver */

static void
usage(int code)
{
	fprintf(code ? stderr : stdout,
	    "usage: stamp-check [--home DIR] [--no-dns]\n"
	    "  Check the installation: owners and modes, users, control files, me,\n"
	    "  TLS files, DNS, set-ID programs. Prints each problem with its fix.\n");
	exit(code);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ "no-dns", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ick_world	 w = ick_system_world;
	struct ick		 c;
	struct dns		 d;
	const char		*home = NULL;
	char			 sbin[HOME_PATH_MAX];
	int			 ch, nodns = 0, dns_ok = 0;

	log_init("stamp-check");
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': home = optarg; break;
		case 'n': nodns = 1; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (home_init(home) == -1)
		fatalx(2, "reason=\"home path too long\"");
	if (sibling_path(sbin, sizeof sbin, "stamp-queue") == 0)
		w.sbin = dirname(sbin);
	ick_init(&c, home_dir(), &w);
	if (!nodns) {
		if (dns_init(&d, DNS_TIMEOUT_S) == 0) {
			w.dns = &d;
			dns_ok = 1;
		} else {
			char fix[HOME_PATH_MAX + 200];

			snprintf(fix, sizeof fix, "check %s/control/nameservers (IP[:port] lines) "
			    "and /etc/resolv.conf", home_dir());
			ick_add(&c, ICK_PROBLEM, fix, "cannot set up the resolver: %s", d.err);
		}
	}
	ick_all(&c);
	ick_print(&c, stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		fatal(2, "action=write-stdout");
	if (dns_ok)
		dns_free(&d);
	ch = c.problems > 0;
	ick_free(&c);
	return ch;
}
