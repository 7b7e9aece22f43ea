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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "control.h"
#include "ldeliver.h"
#include "log.h"
#include "ragent.h"
#include "str.h"


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
	struct ragent_run	 r;
	struct lconf		 conf;
	struct lmtp_target	 t;
	struct str		 me = STR_INIT;
	const char		*why;
	char			 text[512], q[LOG_QUOTE_MAX];

	ragent_start(&r, "stamp-lmtp", argc, argv, usage);
	if (lmtp_parse(r.target, &t, &why) < 0) {
		log_warnx("id=%s file=control/lmtp target=%s reason=\"%s\"", r.id,
		    log_quotes(q, sizeof q, r.target), why);
		(void)snprintf(text, sizeof text, "4.3.5 the control/lmtp target %s is malformed:"
		    " %s", r.target, why);
		ragent_fail_all(r.id, r.rc, r.n, text);
	}
	r.m.utf8 = check_rcpts(r.rc, r.n);
	ragent_read_message(&r);
	if (load_conf(&conf, &me) < 0)
		ragent_fail_all(r.id, r.rc, r.n, "4.3.5 cannot read the control files; see the log");
	ldeliver(&conf, r.id, &r.m, r.target, &t, r.rc, r.n);
	str_free(&me);
	ragent_finish(r.id, r.rc, r.n);
}
