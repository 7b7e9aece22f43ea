/*
 * cmd_tls.c: STARTTLS (RFC 3207). Everything the client sent after the
 * STARTTLS line, before the handshake, is thrown away unread, and so is
 * every piece of state: commands smuggled in the plaintext (CVE-2011-0411)
 * never run, and the client must say EHLO again.
 */
#include <string.h>

#include "log.h"
#include "sess.h"

void
cmd_starttls(struct sess *s, char *arg)
{
	size_t	 dropped;

	if (!s->o->tls_available || s->w->starttls == NULL) {
		sess_bad(s, "502 5.5.1 STARTTLS not available");
		return;
	}
	if (s->tls) {
		sess_bad(s, "503 5.5.1 Already in TLS");
		return;
	}
	if (*arg != '\0') {
		sess_bad(s, "501 5.5.4 STARTTLS takes no arguments");
		return;
	}
	sess_reply(s, "220 2.0.0 Ready to start TLS");
	if (sess_flush(s) == -1)
		return;
	if ((dropped = rbuf_pending(s->rb)) > 0)
		log_info("event=starttls ip=%s dropped=%zu reason=\"plaintext after STARTTLS\"",
		    sess_ip(s), dropped);
	rbuf_discard(s->rb);
	if (s->w->starttls(s->w->ctx, s->rb, s->wb, s->tls_proto, sizeof s->tls_proto,
	    s->tls_desc, sizeof s->tls_desc) == -1) {
		log_info("event=close ip=%s reason=\"TLS handshake failed\"", sess_ip(s));
		s->quit = 1;
		return;
	}
	s->tls = 1;
	sess_reset(s);
	s->helo = HELO_NONE;
	s->heloname[0] = '\0';
	s->authed = 0;
	s->user[0] = '\0';
	log_info("event=starttls ip=%s tls=\"%s\"", sess_ip(s), s->tls_desc);
}
