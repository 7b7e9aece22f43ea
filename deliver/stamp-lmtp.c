/*
 * stamp-lmtp: hand one queued message to an LMTP server (RFC 2033) for
 * its recipients at local domains that control/lmtp routes there.
 *
 *   stamp-lmtp [--home DIR] ID SENDER TARGET RECIPIENT...
 *
 * TARGET is the target text of the control/lmtp line the scheduler chose
 * (inet:HOST:PORT or unix:/path). The message is on fd 0; one result line
 * per recipient, in order, goes to fd 1, as for stamp-remote. Started as
 * root it becomes stampr first: it reads its message and control files
 * and talks to one socket, and never needs a recipient's uid (the LMTP
 * server writes the mailboxes).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "control.h"
#include "home.h"
#include "ldeliver.h"
#include "log.h"
#include "ragent.h"
#include "str.h"

#define RCPTS_MAX 10000

static void
usage(void)
{
	fprintf(stderr, "usage: stamp-lmtp [--home DIR] ID SENDER TARGET RECIPIENT...\n");
	exit(111);
}

/* Wrong recipients get their result now. 1 when one needs SMTPUTF8. */
static int
check_rcpts(struct rs_rcpt *rc, size_t n)
{
	struct addr	 a;
	int		 utf8 = 0;

	for (size_t i = 0; i < n; i++) {
		if (addr_parse_mailbox(rc[i].addr, strlen(rc[i].addr), ADDR_UTF8, &a) != ADDR_OK ||
		    a.domain[0] == '\0') {
			dlv_set(&rc[i].res, DLV_PERM, "5.1.3 %s is not a valid mailbox", rc[i].addr);
			rc[i].done = 1;
		} else
			utf8 |= a.has_8bit;
	}
	return utf8;
}

static int
load_conf(struct lconf *c, struct str *me)
{
	long long	 tc, tl;

	if (ctl_string("me", me) < 0 || ctl_number("timeoutconnect", &tc) < 0 ||
	    ctl_number("timeoutlmtp", &tl) < 0)
		return -1;
	c->helo = me->s;
	c->timeout_connect_ms = (int)tc * 1000;
	c->timeout_ms = (int)tl * 1000;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct rs_rcpt		*rc;
	struct rs_msg		 m;
	struct lconf		 conf;
	struct lmtp_target	 t;
	struct str		 me = STR_INIT;
	struct addr		 sa;
	const char		*home = NULL, *id, *spec, *why;
	char			 text[512], q[LOG_QUOTE_MAX];
	size_t			 n;
	int			 c;

	log_init("stamp-lmtp");
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd')
			usage();
		home = optarg;
	}
	if (argc - optind < 4 || argc - optind - 3 > RCPTS_MAX)
		usage();
	id = argv[optind];
	spec = argv[optind + 2];
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
	if (lmtp_parse(spec, &t, &why) < 0) {
		log_warnx("id=%s file=control/lmtp target=%s reason=\"%s\"", id,
		    log_quotes(q, sizeof q, spec), why);
		(void)snprintf(text, sizeof text, "4.3.5 the control/lmtp target %s is malformed:"
		    " %s", spec, why);
		ragent_fail_all(id, rc, n, text);
	}
	m.utf8 = check_rcpts(rc, n);
	if (m.sender[0] != '\0') {
		if (addr_parse_mailbox(m.sender, strlen(m.sender), ADDR_UTF8, &sa) != ADDR_OK)
			ragent_fail_all(id, rc, n, "5.1.7 the envelope sender is not a valid mailbox");
		m.utf8 |= sa.has_8bit;
	}
	if (rdata_scan(0, &m.info) < 0) {
		log_warn("id=%s action=read-message", id);
		ragent_fail_all(id, rc, n, "4.3.0 cannot read the queued message");
	}
	if (load_conf(&conf, &me) < 0)
		ragent_fail_all(id, rc, n, "4.3.5 cannot read the control files; see the log");
	ldeliver(&conf, id, &m, spec, &t, rc, n);
	str_free(&me);
	ragent_finish(id, rc, n);
}
