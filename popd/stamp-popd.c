/*
 * stamp-popd: the POP3 server (RFC 1939, 2449, 5034). One session on
 * stdin/stdout under tcpserver or inetd; see session.h for the processes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "home.h"
#include "log.h"
#include "session.h"

static noreturn void
usage(void)
{
	fprintf(stderr, "usage: stamp-popd [--home DIR] [-l ADDR:PORT]... [--ready-fd N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char	*home = NULL;
	int		 transaction = 0, nlisten = 0;

	log_init("stamp-popd");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
			home = argv[++i];
		else if (strcmp(argv[i], "--transaction") == 0)
			transaction = 1;
		else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc) {
			nlisten++;
			i++;
		} else if (strcmp(argv[i], "--ready-fd") == 0 && i + 1 < argc)
			i++;
		else
			usage();
	}
	if (home_init(home) == -1)
		return 111;
	signal(SIGPIPE, SIG_IGN);
	if (transaction)
		return popd_transaction();
	if (nlisten > 0)
		fatalx(2, "reason=\"-l needs the listener module (common/listen.c), not in this build; "
		    "run under tcpserver\"");
	return popd_session(0, 1);
}
