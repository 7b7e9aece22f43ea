/*
 * opts.h: what a session knows before its first byte: its settings (from
 * the control files) and its client (from tcpserver's environment or the
 * listener's accepted socket).
 */
#ifndef STAMP_SMTPD_OPTS_H
#define STAMP_SMTPD_OPTS_H

#include <netinet/in.h>

#include "control.h"
#include "listen.h"
#include "str.h"

#define SMTPD_HOST_MAX 255

struct smtpd_opts {
	struct str	 me;             /* control/me */
	struct str	 greeting;       /* control/smtpgreeting */
	unsigned long long databytes;    /* 0: no limit */
	int		 timeout_ms;     /* control/timeoutsmtpd */
	int		 greetdelay_ms;  /* control/greetdelay */
	long long	 session_ms;     /* control/timeoutsession: the whole session */
	long long	 data_ms;        /* control/timeoutdata: one message's text */
	unsigned	 maxrcpt;
	unsigned	 maxhops;        /* trace lines before a message is a loop */
	int		 authplaintext;
	int		 submission;     /* --submission: AUTH before MAIL */
	int		 tls_available;  /* tlscert and tlskey are set and loaded */
	struct ctl_list	 locals, vdomains, rcpthosts;
	struct ctl_list	 badmailfrom, badrcptto, relayclients;
};

struct smtpd_client {
	char	 ip[INET6_ADDRSTRLEN];        /* "" when unknown */
	char	 host[SMTPD_HOST_MAX + 1];    /* reverse name, "" when unknown */
	char	 local_ip[INET6_ADDRSTRLEN];
	unsigned local_port;
	unsigned port;                        /* the client's port, 0 when unknown */
	int	 relayclient;                 /* RELAYCLIENT is set (tcprules) */
};

/* Read every setting; 0, or -1 (a control file is broken: it was logged). */
int  smtpd_opts_read(struct smtpd_opts *, int submission);
void smtpd_opts_free(struct smtpd_opts *);

/* The client from TCPREMOTEIP, TCPREMOTEHOST, TCPLOCALIP, TCPLOCALPORT, RELAYCLIENT. */
void smtpd_client_from_env(struct smtpd_client *);
/* The client of an accepted socket (no reverse name; relaying by relayclients only). */
void smtpd_client_from_peer(struct smtpd_client *, const struct peer *);

/* Is ip a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104)? */
int  smtpd_ip_loopback(const char *ip);

#endif
