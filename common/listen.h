/*
 * listen.h: the pre-forking listener shared by stamp-smtpd -l and
 * stamp-popd -l.
 *
 * The master binds every address (IPv4 and IPv6) while it may still be
 * root, drops to the listener's user, and keeps between `prefork` idle
 * workers and `concurrencyincoming` workers in all. Each worker accepts on
 * the shared sockets itself (no hand-off through the master), refuses a
 * client over `concurrencyperip` sessions at once, runs one session through
 * the callback, and accepts again. setproctitle shows each worker's state.
 *
 * SIGHUP: the master rereads its settings and replaces the workers, each
 * after its current session; SIGTERM/SIGINT: stop accepting at once, let
 * sessions finish for at most stop_grace seconds, then kill them.
 *
 * Settings (control/, read by the master at start and on SIGHUP):
 * prefork (idle workers kept ready; 0 still keeps one worker accepting),
 * concurrencyincoming (workers in all, so sessions at once: a client over it
 * waits in the kernel's backlog until a worker is free), concurrencyperip.
 *
 * What the caller does: call listen_proctitle_init(argc, argv) first thing
 * in main() (before anything reads environ) so that workers can show their
 * state in ps; without it the titles are left alone. Workers ignore SIGPIPE
 * and SIGINT/SIGHUP (the master decides), and reset SIGCHLD to its default;
 * a session that wants other dispositions sets them itself.
 */
#ifndef STAMP_LISTEN_H
#define STAMP_LISTEN_H

#include <netinet/in.h>
#include <sys/socket.h>

#define LISTEN_MAX_ADDRS 16

/* Who is on the other end, as tcpserver would put it in TCPREMOTEIP and friends. */
struct peer {
	struct sockaddr_storage remote, local;
	char	 remote_ip[INET6_ADDRSTRLEN];   /* "192.0.2.1", "2001:db8::1" (IPv4-mapped shown as IPv4) */
	char	 local_ip[INET6_ADDRSTRLEN];
	unsigned remote_port, local_port;
};

struct listen_conf {
	const char	*addrs[LISTEN_MAX_ADDRS];  /* "127.0.0.1:25", "[::1]:25", "*:25" */
	int		 naddrs;
	const char	*user;           /* drop to this user after binding, when root (NULL: stay) */
	const char	*name;           /* for setproctitle and logs: "stamp-smtpd" */
	int		 stop_grace;     /* seconds sessions may go on after SIGTERM */
	int		 ready_fd;       /* >= 0: write "ready\n" here once every address accepts, then close it */

	/*
	 * Optional (NULL: the defaults). refuse: say the protocol's refusal on
	 * a client that is over a limit, e.g. "421 4.7.0 too many connections
	 * from your address\r\n"; fd is non-blocking and is closed by the
	 * listener afterwards, so write one short line and return. Without it
	 * the connection is just closed. reload: run in the master on SIGHUP,
	 * before the new workers are forked (they inherit what it loads); a
	 * return of -1 is logged and the old settings stay.
	 */
	void		(*refuse)(int fd, const struct peer *peer, int why, void *arg);
	int		(*reload)(void *arg);
};

/* Why refuse() is called. */
#define LISTEN_OVER_PERIP 1	/* concurrencyperip sessions from this address already */

/*
 * One session on the accepted socket fd. The callback owns fd (closes it),
 * returns when the session is over, and must not exit: the worker goes on to
 * its next accept. It runs in the worker, after the drop of privilege.
 */
typedef void (*listen_session_fn)(int fd, const struct peer *peer, void *arg);

/*
 * Run the listener until SIGTERM or SIGINT; returns the exit code for main()
 * (0 after a clean stop). An address that cannot be bound, bad control
 * files or a failed drop of privilege end it at once with 111, after a
 * message naming the address or the reason.
 */
int listen_run(const struct listen_conf *conf, listen_session_fn session, void *arg);

/*
 * Parse "ADDR:PORT", "[v6]:PORT" or "*:PORT" (every IPv4 address; "[::]:PORT"
 * is every IPv6 address) into a socket address. Addresses are numeric (no
 * DNS), ports decimal 1..65535. 0, or -1.
 */
int listen_parse_addr(const char *s, struct sockaddr_storage *out, socklen_t *outlen);

/* Let workers set their process titles (libbsd setproctitle_init). */
void listen_proctitle_init(int argc, char *argv[]);

/* Fill p from two socket addresses (IPv4-mapped IPv6 shown as IPv4). */
void peer_from_addrs(struct peer *p, const struct sockaddr *remote, socklen_t rlen,
    const struct sockaddr *local, socklen_t llen);

/*
 * Fill a struct peer from the environment (TCPREMOTEIP, TCPREMOTEPORT,
 * TCPLOCALIP, TCPLOCALPORT, as tcpserver sets them) when TCPREMOTEIP holds
 * a numeric address, or else from getpeername/getsockname on fd 0 (inetd).
 * What is not known stays empty: ip "", port 0 (a pipe on fd 0 gives an
 * empty peer; a bad port number gives port 0).
 */
void peer_from_env(struct peer *p);

#endif
