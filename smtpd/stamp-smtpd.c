/*
 * stamp-smtpd: receive mail over SMTP (issue 4).
 *
 *   stamp-smtpd [--home DIR] [--submission] [-l ADDR:PORT]... [--ready-fd N]
 *
 * Without -l: one session on fd 0 and fd 1 (tcpserver, inetd). With -l: the
 * pre-forking listener of common/listen.h, each worker running the same
 * session on its accepted socket.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "home.h"
#include "listen.h"
#include "log.h"
#include "opts.h"
#include "session.h"
#include "tls.h"
#include "world_real.h"

#define EXIT_TEMP 111
#define BUF_SIZE  16384

struct smtpd_main {
	int			 submission;
	struct smtpd_tls	*tls;
};

/* A session that cannot start (broken controls): say so once and stop. */
static void
say_unavailable(int fd)
{
	static const char msg[] = "421 4.3.0 Temporary failure: cannot read my settings\r\n";

	(void)fd_write_all(fd, msg, sizeof msg - 1, 10000);
}

/* The session on rfd/wfd, settings read afresh (under a listener: SIGHUP is for free). */
static int
serve(struct smtpd_main *m, int rfd, int wfd, const struct smtpd_client *c)
{
	char			 rmem[BUF_SIZE], wmem[BUF_SIZE];
	struct smtpd_opts	 o;
	struct smtpd_world	 w;
	struct rbuf		 rb;
	struct wbuf		 wb;

	if (smtpd_opts_read(&o, m->submission) == -1) {
		say_unavailable(wfd);
		return EXIT_TEMP;
	}
	o.tls_available = m->tls != NULL;
	world_real(&w, m->tls);
	rbuf_init(&rb, rfd, rmem, sizeof rmem, o.timeout_ms);
	wbuf_init(&wb, wfd, wmem, sizeof wmem, o.timeout_ms);
	/* However the client ended it, the session is done: exit 0. */
	(void)smtpd_session(&rb, &wb, c, &o, &w);
	smtpd_tls_end(m->tls);
	smtpd_opts_free(&o);
	return 0;
}

static void
listener_session(int fd, const struct peer *p, void *arg)
{
	struct smtpd_client	 c;

	smtpd_client_from_peer(&c, p);
	(void)serve(arg, fd, fd, &c);
	close(fd);
}

static void
listener_refuse(int fd, const struct peer *p, int why, void *arg)
{
	static const char msg[] = "421 4.7.0 Too many connections from your address\r\n";

	(void)p;
	(void)arg;
	if (why == LISTEN_OVER_PERIP && write(fd, msg, sizeof msg - 1) == -1)
		log_warn("event=refuse");
}

/* SIGHUP in the master: a renewed certificate is loaded, if it can be read. */
static int
listener_reload(void *arg)
{
	struct smtpd_main	*m = arg;
	struct smtpd_tls	*t = smtpd_tls_new(60000);

	if (t == NULL && m->tls != NULL)
		return -1;	/* keep the old one */
	smtpd_tls_free(m->tls);
	m->tls = t;
	return 0;
}

static noreturn void
usage(void)
{
	fprintf(stderr, "usage: stamp-smtpd [--home DIR] [--submission] "
	    "[-l ADDR:PORT]... [--ready-fd N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ "submission", no_argument, NULL, 's' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct listen_conf	 lc = { .user = "stampd", .stop_grace = 60,
	    .ready_fd = -1, .refuse = listener_refuse, .reload = listener_reload };
	struct smtpd_main	 m = { 0, NULL };
	struct smtpd_client	 c;
	const char		*home = NULL, *err = NULL;
	int			 ch, rc;

	listen_proctitle_init(argc, argv);
	log_init("stamp-smtpd");
	while ((ch = getopt_long(argc, argv, "l:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (lc.naddrs == LISTEN_MAX_ADDRS)
				usage();
			lc.addrs[lc.naddrs++] = optarg;
			break;
		case 'd': home = optarg; break;
		case 's': m.submission = 1; break;
		case 'r':
			lc.ready_fd = (int)strtonum(optarg, 0, 1024, &err);
			if (err != NULL)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	/* The queue program and the password checker find the home through it. */
	if (home_init(home) == -1 || setenv("STAMP_HOME", home_dir(), 1) == -1)
		fatalx(EXIT_TEMP, "reason=\"home path too long\"");
	signal(SIGPIPE, SIG_IGN);
	/* The key may be root's: load it before any drop of privilege. */
	m.tls = smtpd_tls_new(60000);
	if (lc.naddrs > 0) {
		lc.name = m.submission ? "stamp-smtpd-submission" : "stamp-smtpd";
		rc = listen_run(&lc, listener_session, &m);
		smtpd_tls_free(m.tls);
		return rc;
	}
	if (lc.ready_fd >= 0)
		usage();	/* a readiness signal only means something for a listener */
	smtpd_client_from_env(&c);
	rc = serve(&m, 0, 1, &c);
	smtpd_tls_free(m.tls);
	return rc;
}
