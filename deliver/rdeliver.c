/*
 * rdeliver.c: the attempts of one delivery, address after address.
 *
 * Each address gets a connection (skipped when remote/tcpto remembers it
 * as unreachable), the greeting, EHLO, STARTTLS when offered, and the
 * transaction; whatever the server decides is final for those recipients,
 * and whatever it could not decide (no greeting, 4xx greeting, a dropped
 * connection) goes on to the next address. A failed TLS handshake is tried
 * once more on a new connection without TLS, unless tlsdestinations
 * requires TLS for the domain.
 */
#include "rdeliver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rconn.h"
#include "rroute.h"
#include "rtcpto.h"

/*
 * No new address is tried after this many seconds, so that a run of slow
 * exchangers ends in results before the scheduler's agent deadline
 * (SPAWN_DEADLINE, 2 hours) would kill it and lose them.
 */
#define BUDGET_SECONDS 3600

struct attempt {
	const struct rconf	*c;
	const char		*id, *domain;
	const struct rs_msg	*m;
	struct rs_rcpt		*rc;
	size_t			 n;
	char			 last[512];     /* the last reason to go on, for the deferrals */
};

/* a->last = the text (cut to fit: it ends in a result line of 512 octets). */
static void __attribute__((format(printf, 2, 3)))
set_last(struct attempt *a, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(a->last, sizeof a->last, fmt, ap);
	va_end(ap);
}

static size_t
undecided(const struct attempt *a)
{
	size_t	 k = 0;

	for (size_t i = 0; i < a->n; i++)
		k += !a->rc[i].done;
	return k;
}

static void
log_session(const struct attempt *a, const struct rtarget *t, const struct rsmtp *s,
    const char *outcome)
{
	char	 qh[LOG_QUOTE_MAX], qo[LOG_QUOTE_MAX], qc[LOG_QUOTE_MAX];
	size_t	 k = 0, d = 0, z = 0;

	for (size_t i = 0; i < a->n; i++)
		if (a->rc[i].done)
			switch (a->rc[i].res.status) {
			case DLV_OK:    k++; break;
			case DLV_PERM:  d++; break;
			case DLV_TEMP:  z++; break;
			}
	log_info("id=%s domain=%s host=%s ip=%s port=%u tls=%s verified=%s cipher=%s "
	    "delivered=%zu failed=%zu deferred=%zu outcome=%s", a->id, a->domain,
	    log_quotes(qh, sizeof qh, t->name), s->ip, t->port, s->tls_on ? "yes" : "no",
	    s->tls_on && s->tls_verified ? "yes" : "no",
	    log_quotes(qc, sizeof qc, s->tls_on && s->tls_desc[0] ? s->tls_desc : "-"), k, d, z,
	    log_quotes(qo, sizeof qo, outcome));
}

/* One connection to t. RS_OK: the server decided; RS_NEXT / RS_TLSFAIL: a.last says why. */
static enum rs_step
session(struct attempt *a, const struct rtarget *t, const char *iptext, enum rs_tls tls)
{
	struct rsmtp	 s;
	enum rs_step	 step;
	int		 fd;

	if ((fd = rconn_open(&t->ip, t->port, (int)a->c->timeout_connect * 1000)) < 0) {
		int err = errno;

		if (a->c->tcpto[0] != '\0')
			rtcpto_note(a->c->tcpto, &t->ip, 1, time(NULL));
		set_last(a, "4.4.1 cannot connect to host %s [%s]"
		    " port %u: %s", t->name, iptext, t->port, strerror(err));
		log_info("id=%s domain=%s host=%s ip=%s port=%u action=connect error=\"%s\"",
		    a->id, a->domain, t->name, iptext, t->port, strerror(err));
		return RS_NEXT;
	}
	if (a->c->tcpto[0] != '\0')
		rtcpto_note(a->c->tcpto, &t->ip, 0, time(NULL));
	rsmtp_init(&s, fd, (int)a->c->timeout_remote * 1000, t->name, iptext);
	s.id = a->id;
	if ((step = rsmtp_open(&s, a->c->helo.s, tls)) == RS_OK)
		step = rsmtp_transact(&s, a->m, a->rc, a->n);
	if (step != RS_OK)
		(void)strlcpy(a->last, s.err, sizeof a->last);
	log_session(a, t, &s, step == RS_OK ? "decided" : step == RS_NEXT ? s.err : "tls-failed");
	if (step != RS_TLSFAIL)
		rsmtp_quit(&s);
	close(fd);
	return step;
}

/* Every address in turn until each recipient is decided. */
static void
try_targets(struct attempt *a, const struct rtargets *ts, enum rs_tls tls)
{
	size_t	 skipped = 0;
	char	 ip[64];
	time_t	 start = time(NULL);

	for (size_t i = 0; i < ts->n && undecided(a) > 0; i++) {
		const struct rtarget	*t = &ts->t[i];
		enum rs_step		 step;

		if (time(NULL) - start > BUDGET_SECONDS) {
			log_info("id=%s domain=%s action=give-up reason=\"tried for %d seconds\"",
			    a->id, a->domain, BUDGET_SECONDS);
			break;
		}
		(void)dns_ip_text(&t->ip, ip, sizeof ip);
		if (a->c->tcpto[0] != '\0' && rtcpto_skip(a->c->tcpto, &t->ip, time(NULL))) {
			log_info("id=%s domain=%s host=%s ip=%s action=skip reason=\"unreachable"
			    " recently (remote/tcpto)\"", a->id, a->domain, t->name, ip);
			skipped++;
			continue;
		}
		step = session(a, t, ip, tls);
		if (step == RS_TLSFAIL && tls < RS_TLS_MUST) {
			log_info("id=%s domain=%s host=%s ip=%s tls=failed action=retry-plaintext"
			    " reason=\"%s\"", a->id, a->domain, t->name, ip, a->last);
			(void)session(a, t, ip, RS_TLS_NO);
		}
	}
	if (skipped == ts->n && ts->n > 0)
		set_last(a, "4.4.1 every mail exchanger of %s was"
		    " unreachable a short while ago (remote/tcpto); trying again later", a->domain);
}

static void
decide_all(struct attempt *a, enum dlv_status st, const char *text)
{
	for (size_t i = 0; i < a->n; i++)
		if (!a->rc[i].done) {
			dlv_set(&a->rc[i].res, st, "%s", text);
			a->rc[i].done = 1;
		}
}

void
rdeliver(const struct rconf *c, struct dns *d, const char *id, const struct rs_msg *m,
    const char *domain, struct rs_rcpt *rc, size_t n)
{
	struct attempt		 a = { c, id, domain, m, rc, n, "" };
	struct rmx_self		 self = { c->me.s, c->self, c->nself, arc4random };
	struct rtargets		*ts;
	struct rroute		 route;
	struct dlv_result	 res;
	const char		*bad;
	int			 r;

	if ((r = rroute_find(&c->routes, domain, &route, &bad)) < 0) {
		char q[LOG_QUOTE_MAX];

		log_warnx("id=%s file=control/smtproutes line=%s reason=\"malformed route\"", id,
		    log_quotes(q, sizeof q, bad));
		decide_all(&a, DLV_TEMP, "4.3.5 the route for this domain in control/smtproutes"
		    " is malformed");
		return;
	}
	if ((ts = malloc(sizeof *ts)) == NULL) {
		decide_all(&a, DLV_TEMP, "4.3.0 out of memory");
		return;
	}
	if (rmx_targets(d, &self, domain, r == 1 ? &route : NULL, ts, &res) < 0) {
		log_info("id=%s domain=%s action=route result=%s", id, domain, res.text);
		decide_all(&a, res.status, res.text);
		free(ts);
		return;
	}
	set_last(&a, "4.4.1 no address of %s could be tried", domain);
	try_targets(&a, ts, rconf_tls(c, domain));
	decide_all(&a, DLV_TEMP, a.last);
	free(ts);
}
