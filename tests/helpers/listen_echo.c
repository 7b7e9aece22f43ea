/*
 * listen_echo.c: the pre-forking listener with a trivial session, to test
 * common/listen.c alone.
 *
 * usage: listen_echo [--home DIR] [--user USER] [--grace S] [--ready-fd N]
 *            [--refuse] [--name NAME] [--submission] [--stdio]
 *            [--late-titles] -l ADDR:PORT [-l ...]
 *
 * A session greets with "hello pid=P uid=U gid=G gen=N peer=IP:PORT
 * local=IP:PORT prog=ARGV0 mode=plain|submission", then answers each line with "echo LINE", "quit" ends it.
 * gen counts SIGHUP reloads (it is loaded in the master, so a worker shows
 * the generation it was forked in). With --refuse a client over the per-IP
 * limit reads "busy perip"; without it the connection is just closed.
 * "env" answers with PROTO and TCPREMOTEHOST as the session sees them.
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
static char prog[64] = "listen_echo";
static const char *mode = "plain";

static int stdio_mode;

/*
 * With --stdio the session is written as under tcpserver: it talks on fd 0
 * and fd 1 and learns its peer from the environment (peer_from_env).
 */
static void
session(int fd, const struct peer *lp, void *arg)
{
	char		 in[1024], out[1024], line[1200];
	struct peer	 envp;
	const struct peer *p = lp;
	struct rbuf	 r;
	size_t		 len;
	int		 rfd = fd, wfd = fd;

	(void)arg;
	if (stdio_mode) {
		close(fd);
		rfd = 0;
		wfd = 1;
		peer_from_env(&envp);
		p = &envp;
	}
	rbuf_init(&r, rfd, in, sizeof in, SESSION_TIMEOUT_MS);
	snprintf(line, sizeof line, "hello pid=%d uid=%d gid=%d gen=%d peer=%s:%u local=%s:%u "
	    "prog=%s mode=%s\r\n", (int)getpid(), (int)getuid(), (int)getgid(), generation,
	    p->remote_ip, p->remote_port, p->local_ip, p->local_port, prog, mode);
	if (fd_write_all(wfd, line, strlen(line), SESSION_TIMEOUT_MS) == -1)
		goto done;
	while (rbuf_getline(&r, out, sizeof out, &len) == LINE_OK) {
		out[strcspn(out, "\r\n")] = '\0';
		if (strcmp(out, "quit") == 0)
			break;
		if (strcmp(out, "env") == 0) {
			const char *v = getenv("PROTO"), *h = getenv("TCPREMOTEHOST");
			snprintf(line, sizeof line, "env PROTO=%s TCPREMOTEHOST=%s\r\n",
			    v ? v : "-", h ? h : "-");
		} else {
			snprintf(line, sizeof line, "echo %s\r\n", out);
		}
		if (fd_write_all(wfd, line, strlen(line), SESSION_TIMEOUT_MS) == -1)
			break;
	}
done:
	if (!stdio_mode)
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
	    "[--ready-fd N] [--refuse] [--name NAME] [--submission] [--stdio] -l ADDR:PORT [-l ...]\n");
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
		{ "submission", no_argument, NULL, 'S' },
		{ "stdio", no_argument, NULL, 'I' },
		{ "late-titles", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct listen_conf c = { .name = "listen_echo", .stop_grace = 10, .ready_fd = -1,
	    .reload = reload };
	const char	*home = NULL;
	int		 ch, late_titles = 0;

	/* A copy: the process titles write over argv's memory. */
	if (argc > 0 && argv[0] != NULL && *argv[0] != '\0')
		strlcpy(prog, strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0],
		    sizeof prog);
	/* --late-titles: as a program that starts the titles after getopt. */
	for (int i = 1; i < argc; i++)
		late_titles |= strcmp(argv[i], "--late-titles") == 0;
	if (!late_titles)
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
		case 'S': mode = "submission"; break;
		case 'I': stdio_mode = c.stdio = c.tcpenv = 1; break;
		case 'T': break;
		default: usage();
		}
	}
	if (optind != argc || c.naddrs == 0)
		usage();
	if (home_init(home) == -1)
		fatalx(2, "reason=\"home path too long\"");
	if (late_titles)
		listen_proctitle_init(argc, argv);
	return listen_run(&c, session, NULL);
}
