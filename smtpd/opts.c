/* opts.c: a session's settings and client (see opts.h). */
#include "opts.h"

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"

int
smtpd_opts_read(struct smtpd_opts *o, int submission)
{
	long long databytes, timeout, delay, maxrcpt, maxhops, plain, session, data;

	memset(o, 0, sizeof *o);
	o->submission = submission;
	if (ctl_string("me", &o->me) == -1 ||
	    ctl_string("smtpgreeting", &o->greeting) == -1 ||
	    ctl_number("databytes", &databytes) == -1 ||
	    ctl_number("timeoutsmtpd", &timeout) == -1 ||
	    ctl_number("greetdelay", &delay) == -1 ||
	    ctl_number("timeoutsession", &session) == -1 ||
	    ctl_number("timeoutdata", &data) == -1 ||
	    ctl_number("maxrcpt", &maxrcpt) == -1 ||
	    ctl_number("maxhops", &maxhops) == -1 ||
	    ctl_number("authplaintext", &plain) == -1 ||
	    ctl_list("locals", &o->locals) == -1 ||
	    ctl_list("virtualdomains", &o->vdomains) == -1 ||
	    ctl_list("rcpthosts", &o->rcpthosts) == -1 ||
	    ctl_list("badmailfrom", &o->badmailfrom) == -1 ||
	    ctl_list("badrcptto", &o->badrcptto) == -1 ||
	    ctl_list("relayclients", &o->relayclients) == -1) {
		smtpd_opts_free(o);
		return -1;
	}
	o->databytes = (unsigned long long)databytes;
	o->timeout_ms = (int)(timeout * 1000);
	o->greetdelay_ms = (int)(delay * 1000);
	o->session_ms = session * 1000;
	o->data_ms = data * 1000;
	o->maxrcpt = (unsigned)maxrcpt;
	o->maxhops = (unsigned)maxhops;
	o->authplaintext = plain == 1;
	return 0;
}

void
smtpd_opts_free(struct smtpd_opts *o)
{
	str_free(&o->me);
	str_free(&o->greeting);
	ctl_list_free(&o->locals);
	ctl_list_free(&o->vdomains);
	ctl_list_free(&o->rcpthosts);
	ctl_list_free(&o->badmailfrom);
	ctl_list_free(&o->badrcptto);
	ctl_list_free(&o->relayclients);
}

void
smtpd_client_from_peer(struct smtpd_client *c, const struct peer *p)
{
	memset(c, 0, sizeof *c);
	strlcpy(c->ip, p->remote_ip, sizeof c->ip);
	strlcpy(c->local_ip, p->local_ip, sizeof c->local_ip);
	c->local_port = p->local_port;
	c->port = p->remote_port;
}

void
smtpd_client_from_env(struct smtpd_client *c)
{
	const char	*host = getenv("TCPREMOTEHOST");
	struct peer	 p;

	peer_from_env(&p);
	smtpd_client_from_peer(c, &p);
	/* The name is the DNS's word, not ours: Received: and logs escape it. */
	if (host != NULL)
		strlcpy(c->host, host, sizeof c->host);
	/* qmail appends RELAYCLIENT's value to recipients; here it only allows relaying. */
	c->relayclient = getenv("RELAYCLIENT") != NULL;
}

int
smtpd_ip_loopback(const char *ip)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (inet_pton(AF_INET, ip, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, ip, &a6) != 1)
		return 0;
	if (IN6_IS_ADDR_LOOPBACK(&a6))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}
