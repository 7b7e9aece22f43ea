/*
 * listen_echo.c: the pre-forking listener with a trivial session, to test
 * common/listen.c alone.
 *
 * usage: listen_echo [--home DIR] [--user USER] [--grace S] [--ready-fd N]
 *            [--refuse] [--name NAME] -l ADDR:PORT [-l ...]
 *
 * A session greets with "hello pid=P uid=U gid=G gen=N peer=IP:PORT
 * local=IP:PORT", then answers each line with "echo LINE", "quit" ends it.
 * gen counts SIGHUP reloads (it is loaded in the master, so a worker shows
 * the generation it was forked in). With --refuse a client over the per-IP
 * limit reads "busy perip"; without it the connection is just closed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "home.h"
#include "listen.h"
#include "log.h"

#define SESSION_TIMEOUT_MS 60000

static int generation;

static void
session(int fd, const struct peer *p, void *arg)
{
	char		 in[1024], out[1024], line[1100];
	struct rbuf	 r;
	size_t		 len;

	(void)arg;
	rbuf_init(&r, fd, in, sizeof in, SESSION_TIMEOUT_MS);
	snprintf(line, sizeof line, "hello pid=%d uid=%d gid=%d gen=%d peer=%s:%u local=%s:%u\r\n",
	    (int)getpid(), (int)getuid(), (int)getgid(), generation, p->remote_ip,
	    p->remote_port, p->local_ip, p->local_port);
	if (fd_write_all(fd, line, strlen(line), SESSION_TIMEOUT_MS) == -1)
		goto done;
	while (rbuf_getline(&r, out, sizeof out, &len) == LINE_OK) {
		out[strcspn(out, "\r\n")] = '\0';
		if (strcmp(out, "quit") == 0)
			break;
		snprintf(line, sizeof line, "echo %s\r\n", out);
		if (fd_write_all(fd, line, strlen(line), SESSION_TIMEOUT_MS) == -1)
			break;
	}
done:
	close(fd);
}

static void
refuse(int fd, const struct peer *p, int why, void *arg)
{
	static const char msg[] = "busy perip\r\n";

	(void)p;
	(void)arg;
	if (why == LISTEN_OVER_PERIP && write(fd, msg, sizeof msg - 1) == -1)
		log_warn("action=refuse");
}

static int
reload(void *arg)
{
	(void)arg;
	generation++;
	log_info("action=app-reload gen=%d", generation);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: listen_echo [--home DIR] [--user USER] [--grace S] "
	    "[--ready-fd N] [--refuse] [--name NAME] -l ADDR:PORT [-l ...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "grace", required_argument, NULL, 'g' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "refuse", no_argument, NULL, 'R' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct listen_conf c = { .name = "listen_echo", .stop_grace = 10, .ready_fd = -1,
	    .reload = reload };
	const char	*home = NULL;
	int		 ch;

	listen_proctitle_init(argc, argv);
	log_init("listen_echo");
	while ((ch = getopt_long(argc, argv, "l:", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (c.naddrs == LISTEN_MAX_ADDRS)
				usage();
			c.addrs[c.naddrs++] = optarg;
			break;
		case 'd': home = optarg; break;
		case 'u': c.user = optarg; break;
		case 'g': c.stop_grace = atoi(optarg); break;
		case 'r': c.ready_fd = atoi(optarg); break;
		case 'R': c.refuse = refuse; break;
		case 'n': c.name = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || c.naddrs == 0)
		usage();
	if (home_init(home) == -1)
		fatalx(2, "reason=\"home path too long\"");
	return listen_run(&c, session, NULL);
}
