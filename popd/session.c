/* session.c: the privileged parent, the unprivileged AUTHORIZATION child, the hand-off. */
#include "session.h"

#include <sys/socket.h>
#include <poll.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "control.h"
#include "fsutil.h"
#include "home.h"
#include "log.h"
#include "maildrop.h"
#include "peer.h"
#include "pop3auth.h"
#include "pop3trans.h"
#include "relay.h"
#include "tlsio.h"
#include "users.h"

#define CRED_MAX 512
/* P hands the session's deadline (timeoutpop3session) to T through the checkpassword program. */
#define DEADLINE_ENV "STAMPPOP3DEADLINE"

/* P: when the whole session must end (mono_ms(); the clock is the machine's, so T can share it). */
static long long
session_deadline(void)
{
	long long	 secs = 3600;

	if (ctl_number("timeoutpop3session", &secs) == -1)
		secs = 3600;
	return mono_ms() + secs * 1000;
}

/* T: the deadline P set, or one from now when a checkpassword program dropped it. */
static long long
inherited_deadline(void)
{
	const char	*v = getenv(DEADLINE_ENV), *err = NULL;
	long long	 d = 0;

	if (v != NULL)
		d = strtonum(v, 1, LLONG_MAX, &err);
	unsetenv(DEADLINE_ENV);
	return v != NULL && err == NULL ? d : session_deadline();
}

struct child_ctx {
	int	 sock;       /* A's end of the socketpair to P */
};

static int
write_msg(int fd, const void *a, uint32_t alen, const void *b, uint32_t blen)
{
	return write_full(fd, &alen, sizeof alen) == -1 || write_full(fd, a, alen) == -1 ||
	    write_full(fd, &blen, sizeof blen) == -1 || write_full(fd, b, blen) == -1 ? -1 : 0;
}

static int
read_full(int fd, void *buf, size_t n)
{
	size_t	 got = 0;
	ssize_t	 r;

	while (got < n) {
		if ((r = read(fd, (char *)buf + got, n - got)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return got == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

/* A: send the credentials to P and wait for its verdict. */
static enum pop3_verdict
child_check(void *vctx, const char *user, const char *pass, const char *ts,
    const char *leftover, size_t leftlen)
{
	struct child_ctx	*ctx = vctx;
	char			 cred[CRED_MAX];
	size_t			 ul = strlen(user), pl = strlen(pass), tl = strlen(ts);
	char			 v;
	int			 r;

	if (ul + pl + tl + 3 > sizeof cred || leftlen > SESSION_LEFTOVER_MAX)
		return PV_FAIL;
	memcpy(cred, user, ul + 1);
	memcpy(cred + ul + 1, pass, pl + 1);
	memcpy(cred + ul + pl + 2, ts, tl + 1);
	r = write_msg(ctx->sock, cred, (uint32_t)(ul + pl + tl + 3), leftover, (uint32_t)leftlen);
	explicit_bzero(cred, sizeof cred);
	if (r == -1 || read_full(ctx->sock, &v, 1) != 1)
		return PV_TEMP;
	return v == 'K' ? PV_OK : v == 'F' ? PV_FAIL : PV_TEMP;
}

#define STLS_REQUEST 0xffffffffU

/* A: P does the handshake (it keeps the TLS session); wait until it is done. */
static int
child_starttls(void *vctx)
{
	struct child_ctx	*ctx = vctx;
	uint32_t		 req = STLS_REQUEST;
	char			 v;

	if (write_full(ctx->sock, &req, sizeof req) == -1 || read_full(ctx->sock, &v, 1) != 1)
		return -1;
	return v == 'K' ? 0 : -1;
}

static void
child_delay(void *ctx, int seconds)
{
	struct timespec ts = { seconds, 0 };

	(void)ctx;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* "<pid.random.time@me>": never the same twice (RFC 1939 APOP). */
static void
make_timestamp(char *out, size_t outsz)
{
	struct str	 me = STR_INIT;

	if (ctl_string("me", &me) == -1 || me.len == 0)
		str_sets(&me, "localhost");
	snprintf(out, outsz, "<%ld.%08x.%lld@%s>", (long)getpid(), arc4random(),
	    (long long)time(NULL), me.s != NULL ? me.s : "localhost");
	str_free(&me);
}

static int
plaintext_allowed(const struct peer_ip *p)
{
	long long	 set = 0;

	if (ctl_number("pop3plaintext", &set) == 0 && set == 1)
		return 1;
	/* A tcprules rule may allow it for some clients, as RELAYCLIENT works for SMTP. */
	if (getenv("POP3PLAINTEXT") != NULL)
		return 1;
	return peer_is_loopback(p);
}

/* A: drop to stampd (when root), then AUTHORIZATION. Never returns. */
static noreturn void
run_child(int sock, int rfd, int wfd, const struct passwd *unpriv, int any_secret,
    const struct peer_ip *peer, int stls, long long deadline)
{
	char			 rmem[SESSION_LEFTOVER_MAX], wmem[4096], ts[256] = "";
	struct rbuf		 in;
	struct wbuf		 out;
	struct child_ctx	 ctx = { sock };
	struct pop3_auth_hooks	 hooks = { child_check, child_delay, child_starttls, &ctx };
	struct pop3_auth_conf	 conf;
	long long		 timeout = 600, delay = 2;

	if (unpriv != NULL && (setgroups(1, &unpriv->pw_gid) == -1 ||
	    setgid(unpriv->pw_gid) == -1 || setuid(unpriv->pw_uid) == -1))
		fatal(111, "action=setuid user=stampd");
	if (ctl_number("timeoutpop3", &timeout) == -1 || ctl_number("pop3faildelay", &delay) == -1)
		fatalx(111, "reason=\"control files unreadable\"");
	if (any_secret)
		make_timestamp(ts, sizeof ts);
	memset(&conf, 0, sizeof conf);
	conf.plaintext_ok = plaintext_allowed(peer);
	conf.stls = stls;
	conf.timestamp = ts;
	conf.faildelay = (int)delay;
	conf.ip = peer->remote;
	rbuf_init(&in, rfd, rmem, sizeof rmem, (int)timeout * 1000);
	wbuf_init(&out, wfd, wmem, sizeof wmem, (int)timeout * 1000);
	in.deadline = out.deadline = deadline;
	switch (pop3_authorization(&in, &out, &conf, &hooks)) {
	case PA_LOGGED_IN:
		_exit(0);	/* T has the client now: not one more byte from here */
	default:
		wbuf_flush(&out);
		_exit(0);
	}
}

static int
checkpw_path(char *out, size_t outsz)
{
	struct str	 s = STR_INIT;
	int		 r = 0;

	if (ctl_string("pop3checkpassword", &s) == -1)
		return -1;
	if (s.len > 0)
		r = strlcpy(out, s.s, outsz) < outsz ? 0 : -1;
	else
		r = sibling_path(out, outsz, "stamp-checkpw");
	str_free(&s);
	return r;
}

/* P: run the checkpassword program for one request; its verdict 'K', 'F' or 'T'. */
static char
run_checkpw(const char *cred, size_t credlen, const char *left, size_t leftlen, int rfd, int wfd,
    pid_t *session, long long deadline)
{
	char	 cpw[4096], self[4096], v;
	int	 cp[2], lp[2], vp[2], st;
	pid_t	 pid;

	if (checkpw_path(cpw, sizeof cpw) == -1 || sibling_path(self, sizeof self, "stamp-popd") == -1)
		return 'T';
	if (pipe2(cp, O_CLOEXEC) == -1)
		return 'T';
	if (pipe2(lp, O_CLOEXEC) == -1) {
		close(cp[0]), close(cp[1]);
		return 'T';
	}
	if (pipe2(vp, O_CLOEXEC) == -1) {
		close(cp[0]), close(cp[1]), close(lp[0]), close(lp[1]);
		return 'T';
	}
	if ((pid = fork()) == -1) {
		log_warn("action=fork");
		v = 'T';
		goto out;
	}
	if (pid == 0) {
		/*
		 * fds 0 and 1: the client; 3 credentials, 4 leftover input, 5
		 * verdict. Sources first above 10, so that no dup2 overwrites one
		 * still to be copied.
		 */
		int src[5] = { rfd, wfd, cp[0], lp[0], vp[1] };

		for (int k = 0; k < 5; k++)
			if ((src[k] = fcntl(src[k], F_DUPFD_CLOEXEC, 10)) == -1)
				_exit(111);
		char	 d[24];

		for (int k = 0; k < 5; k++)
			if (dup2(src[k], k < 2 ? k : k + 1) == -1)
				_exit(111);
		snprintf(d, sizeof d, "%lld", deadline);
		if (setenv(DEADLINE_ENV, d, 1) == -1)
			_exit(111);
		execl(cpw, cpw, self, "--transaction", (char *)NULL);
		_exit(111);
	}
	close(cp[0]), close(lp[0]), close(vp[1]);
	cp[0] = lp[0] = vp[1] = -1;
	if (write_full(cp[1], cred, credlen) == -1 || close(cp[1]) == -1 ||
	    write_full(lp[1], left, leftlen) == -1 || close(lp[1]) == -1)
		log_warn("action=write to=checkpassword");
	cp[1] = lp[1] = -1;
	if (read_full(vp[0], &v, 1) == 1 && v == 'K') {
		close(vp[0]);
		*session = pid;		/* T runs now; the caller waits for it */
		return 'K';
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	v = WIFEXITED(st) && WEXITSTATUS(st) == 1 ? 'F' : 'T';
	if (v == 'T')
		log_warnx("program=%s status=%d reason=\"checkpassword failed\"", cpw,
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
out:
	for (int *fd = (int[]){ cp[0], cp[1], lp[0], lp[1], vp[0], vp[1] }, k = 0; k < 6; k++)
		if (fd[k] != -1)
			close(fd[k]);
	return v;
}

/* P: serve A's requests until it ends; a success ends the session. */
static int handed_off;

/* P: one request from A. 1 the session is T's now, 0 go on, -1 over. */
static int
one_request(int sock, int rfd, int wfd, struct relay *relay, pid_t *t, long long deadline)
{
	char		 cred[CRED_MAX], left[SESSION_LEFTOVER_MAX];
	uint32_t	 cl, ll;
	char		 v;
	int		 r;

	if ((r = read_full(sock, &cl, sizeof cl)) != 1)
		return -1;	/* A is gone */
	if (cl == STLS_REQUEST) {
		v = relay != NULL && !relay->tls_on && relay_starttls(relay) == 0 ? 'K' : 'E';
		if (write_full(sock, &v, 1) == -1 || v != 'K')
			return -1;
		return 0;
	}
	if (cl > sizeof cred || read_full(sock, cred, cl) != 1 ||
	    read_full(sock, &ll, sizeof ll) != 1 || ll > sizeof left ||
	    (ll > 0 && read_full(sock, left, ll) != 1)) {
		log_warnx("reason=\"malformed request from the AUTHORIZATION process\"");
		return -1;
	}
	v = run_checkpw(cred, cl, left, ll, rfd, wfd, t, deadline);
	explicit_bzero(cred, sizeof cred);
	if (write_full(sock, &v, 1) == -1 && v != 'K')
		return -1;
	return v == 'K';
}

static void
reap(pid_t pid)
{
	int	 st;

	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
}

/* P without TLS: A and T have the client's fds; serve A's requests until it ends. */
static int
serve_requests(int sock, int rfd, int wfd, long long deadline)
{
	pid_t	 t = -1;
	int	 r;

	while ((r = one_request(sock, rfd, wfd, NULL, &t, deadline)) == 0)
		;
	if (r == 1) {
		/* Only T may hold the client now, so that its end is the connection's end. */
		close(rfd);
		if (wfd != rfd)
			close(wfd);
		handed_off = 1;
		reap(t);
	}
	return 0;
}

/* P with TLS possible: relay the client to inner, and serve A's requests, until both ends close. */
static int
serve_relay(int sock, struct relay *rl, int inner_child, long long deadline)
{
	pid_t	 t = -1;
	int	 ctl = 1, in_open = 1, client_done = 0, r;

	while (in_open) {
		int blocked = relay_inner_blocked(rl);
		struct pollfd p[3] = {
			{ rl->inner, (short)(POLLIN | (blocked ? POLLOUT : 0)), 0 },
			{ ctl ? sock : -1, POLLIN, 0 },
			{ rl->paused || blocked || client_done ? -1 : rl->rfd, POLLIN, 0 },
		};

		if (!relay_pending(rl) && poll(p, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((p[0].revents & POLLOUT) && relay_flush_inner(rl) == -1)
			break;
		if (relay_pending(rl) || (p[2].revents & (POLLIN | POLLHUP | POLLERR)))
			if (relay_from_client(rl) == -1)
				client_done = 1;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			in_open = relay_to_client(rl) != -1;
		if (ctl && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			if ((r = one_request(sock, inner_child, inner_child, rl, &t, deadline)) != 0) {
				/* A is done (T has the session, or it ended): drain what it wrote. */
				ctl = 0;
				if (r == 1)
					relay_raw(rl);
				close(inner_child);
				inner_child = -1;
			}
		}
	}
	if (inner_child != -1)
		close(inner_child);
	relay_close(rl);
	if (t != -1)
		reap(t);
	return 0;
}

/* Close every descriptor but those in keep (fork, not exec, leaves them open). */
static void
close_all_but(int *keep, size_t n)
{
	unsigned	 lo = 0;

	for (size_t i = 1; i < n; i++)		/* n is small: insertion sort */
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)keep[i] > lo && close_range(lo, (unsigned)keep[i] - 1, 0) == -1)
			fatal(111, "action=close_range");
		lo = (unsigned)keep[i] + 1;
	}
	if (close_range(lo, ~0U, 0) == -1)
		fatal(111, "action=close_range");
}

static struct tls *
tls_server(void)
{
	char		 cert[4096], key[4096], err[256];
	struct tls	*srv;

	if (!tlsio_server_configured(cert, sizeof cert, key, sizeof key))
		return NULL;
	if ((srv = tlsio_server_new(cert, key, err, sizeof err)) == NULL)
		log_warnx("reason=\"no STLS: %s\"", err);
	return srv;
}

int
popd_session(int rfd, int wfd)
{
	struct passwd	*pw, unpriv;
	struct peer_ip	 peer;
	struct tls	*srv;
	struct relay	*rl = NULL;
	int		 sp[2], ip[2] = { -1, -1 }, any, rc, st, arfd = rfd, awfd = wfd;
	long long	 timeout = 600, deadline = session_deadline();
	pid_t		 pid;

	handed_off = 0;
	peer_get(&peer);
	memset(&unpriv, 0, sizeof unpriv);
	if (geteuid() == 0) {
		if ((pw = getpwnam("stampd")) == NULL) {
			log_warnx("reason=\"no user stampd (make install creates it)\"");
			fd_write_all(wfd, "-ERR [SYS/TEMP] server misconfigured\r\n", 38, 5000);
			return 111;
		}
		unpriv = *pw;
	}
	/* Read while we may still read the users file and the key: APOP? STLS? */
	any = users_any_secret() == 1;
	if ((srv = tls_server()) != NULL) {
		if (ctl_number("timeoutpop3", &timeout) == -1 ||
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ip) == -1 ||
		    (rl = malloc(sizeof *rl)) == NULL) {
			log_warn("action=socketpair");
			return 111;
		}
		relay_init(rl, rfd, wfd, ip[0], srv, (int)timeout * 1000);
		arfd = awfd = ip[1];
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1 || (pid = fork()) == -1) {
		log_warn("action=fork");
		return 111;
	}
	if (pid == 0) {
		int keep[] = { 0, 1, 2, sp[1], arfd, awfd };

		/* A keeps nothing else: no listening socket, no other client. */
		close_all_but(keep, sizeof keep / sizeof keep[0]);
		run_child(sp[1], arfd, awfd, geteuid() == 0 ? &unpriv : NULL, any, &peer, rl != NULL,
		    deadline);
	}
	close(sp[1]);
	rc = rl != NULL ? serve_relay(sp[0], rl, ip[1], deadline) :
	    serve_requests(sp[0], rfd, wfd, deadline);
	close(sp[0]);
	if (rl != NULL)
		close(ip[0]);
	if (rc != 0 || !handed_off) {
		close(rfd);
		if (wfd != rfd)
			close(wfd);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	free(rl);
	return rc;
}

int
popd_transaction(void)
{
	char		 rmem[SESSION_LEFTOVER_MAX + 4096], wmem[65536];
	const char	*maildir = getenv("MAILDIR"), *user = getenv("USER");
	struct rbuf	 in;
	struct wbuf	 out;
	struct maildrop	 d;
	long long	 timeout = 600;
	ssize_t		 r;
	char		 k = 'K';

	rbuf_init(&in, 0, rmem, sizeof rmem, 0);
	/* The client's bytes A had read past the login command come first. */
	while (in.len < SESSION_LEFTOVER_MAX && (r = read(4, rmem + in.len, SESSION_LEFTOVER_MAX - in.len)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		in.len += (size_t)r;
	}
	close(4);
	if (write(5, &k, 1) != 1 && errno != EBADF)
		log_warn("action=write fd=5");
	close(5);
	if (ctl_number("timeoutpop3", &timeout) == -1)
		timeout = 600;
	in.timeout_ms = (int)timeout * 1000;
	wbuf_init(&out, 1, wmem, sizeof wmem, (int)timeout * 1000);
	in.deadline = out.deadline = inherited_deadline();
	if (user == NULL)
		user = "?";
	if (maildir == NULL || *maildir == '\0') {
		log_warnx("user=%s reason=\"no MAILDIR from the checkpassword program\"", user);
		wbuf_puts(&out, "-ERR [SYS/PERM] no mailbox for this user\r\n");
		wbuf_flush(&out);
		return 111;
	}
	switch (maildrop_open(&d, maildir)) {
	case MD_OK:
		break;
	case MD_INUSE:
		log_info("event=in-use user=%s", user);
		wbuf_puts(&out, "-ERR [IN-USE] mailbox in use by another session\r\n");
		wbuf_flush(&out);
		return 0;
	case MD_ERROR:
		wbuf_puts(&out, "-ERR [SYS/TEMP] cannot open the mailbox now\r\n");
		wbuf_flush(&out);
		return 111;
	}
	r = pop3_transaction(&in, &out, &d, user);
	maildrop_close(&d);
	return r == PT_UPDATE_FAILED ? 111 : 0;
}
