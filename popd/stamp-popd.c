/*
 * stamp-popd: the POP3 server (RFC 1939, 2449, 5034). One session on
 * stdin/stdout under tcpserver or inetd, or -l ADDR:PORT to listen with the
 * pre-forking listener of common/listen.h; session.h tells the processes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "home.h"
#include "listen.h"
#include "log.h"
#include "session.h"

static noreturn void
usage(void)
{
	fprintf(stderr, "usage: stamp-popd [--home DIR] [-l ADDR:PORT]... [--ready-fd N]\n");
	exit(2);
}

/* One accepted client: the same session as under tcpserver, with its addresses in the environment. */
static void
listen_session(int fd, const struct peer *p, void *arg)
{
	(void)arg;
	if (setenv("TCPREMOTEIP", p->remote_ip, 1) == -1 ||
	    setenv("TCPLOCALIP", p->local_ip, 1) == -1) {
		close(fd);
		return;
	}
	(void)popd_session(fd, fd);
}

static void
refuse(int fd, const struct peer *p, int why, void *arg)
{
	static const char msg[] = "-ERR [SYS/TEMP] too many connections from your address\r\n";

	(void)p;
	(void)why;
	(void)arg;
	if (write(fd, msg, sizeof msg - 1) == -1)
		return;	/* the listener closes fd either way */
}

int
main(int argc, char **argv)
{
	struct listen_conf	 lc;
	const char		*home = NULL;
	int			 transaction = 0;

	log_init("stamp-popd");
	memset(&lc, 0, sizeof lc);
	lc.ready_fd = -1;
	lc.name = "stamp-popd";
	lc.stop_grace = 30;
	lc.refuse = refuse;
	/* lc.user stays NULL: each session's first process must be able to start stamp-checkpw as root. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
			home = argv[++i];
		else if (strcmp(argv[i], "--transaction") == 0)
			transaction = 1;
		else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc && lc.naddrs < LISTEN_MAX_ADDRS)
			lc.addrs[lc.naddrs++] = argv[++i];
		else if (strcmp(argv[i], "--ready-fd") == 0 && i + 1 < argc)
			lc.ready_fd = atoi(argv[++i]);
		else
			usage();
	}
	if (home_init(home) == -1)
		return 111;
	signal(SIGPIPE, SIG_IGN);
	if (transaction)
		return popd_transaction();
	if (home != NULL && setenv("STAMP_HOME", home_dir(), 1) == -1)
		return 111;
	if (lc.naddrs > 0) {
		listen_proctitle_init(argc, argv);
		return listen_run(&lc, listen_session, NULL);
	}
	return popd_session(0, 1);
}
