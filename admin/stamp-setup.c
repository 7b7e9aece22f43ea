/*
 * stamp-setup: create or repair a STAMP_HOME.
 *
 * A program of its own so that the queue's layout is defined once, in C,
 * for make install, stamp-run and the tests alike.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "home.h"
#include "homesetup.h"
#include "log.h"

static void
usage(int code)
{
	fprintf(code ? stderr : stdout,
	    "usage: stamp-setup [--home DIR] [--owners]\n"
	    "  Create what is missing of a stamp home: control/, mail/, the queue.\n"
	    "  --owners  (as root) give the queue to stampq/stamps, mail/ to stampv\n");
	exit(code);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ "owners", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *home = NULL;
	int c, owners = 0;

	log_init("stamp-setup");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': home = optarg; break;
		case 'o': owners = 1; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (owners && geteuid() != 0)
		fatalx(1, "reason=\"--owners needs root\"");
	if (home_init(home) == -1)
		fatalx(1, "reason=\"home path too long\"");
	umask(022);
	if (home_setup(home_dir(), owners) == -1)
		fatalx(1, "reason=\"setup failed\" home=%s", home_dir());
	return 0;
}
