/*
 * check_listen.c: listener addresses, the peer of a session (tcpserver's
 * environment or the socket on fd 0), and the per-IP scoreboard.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "listen_board.h"
#include "tests/unit/ckmain.h"

/* ---- listen_parse_addr ---------------------------------------------------- */

static const struct {
	const char	*in;
	int		 ok, family;
	const char	*ip;	/* inet_ntop of the result */
	unsigned	 port;
} addrs[] = {
	{ "127.0.0.1:25", 1, AF_INET, "127.0.0.1", 25 },
	{ "0.0.0.0:2525", 1, AF_INET, "0.0.0.0", 2525 },
	{ "*:25", 1, AF_INET, "0.0.0.0", 25 },
	{ "192.0.2.1:65535", 1, AF_INET, "192.0.2.1", 65535 },
	{ "[::1]:110", 1, AF_INET6, "::1", 110 },
	{ "[::]:25", 1, AF_INET6, "::", 25 },
	{ "[2001:db8::1]:587", 1, AF_INET6, "2001:db8::1", 587 },
	{ "[::ffff:192.0.2.1]:25", 1, AF_INET6, "::ffff:192.0.2.1", 25 },
	{ "127.0.0.1:1", 1, AF_INET, "127.0.0.1", 1 },
	{ "", 0, 0, NULL, 0 },
	{ ":25", 0, 0, NULL, 0 },
	{ "127.0.0.1", 0, 0, NULL, 0 },
	{ "127.0.0.1:", 0, 0, NULL, 0 },
	{ "127.0.0.1:0", 0, 0, NULL, 0 },
	{ "127.0.0.1:65536", 0, 0, NULL, 0 },
	{ "127.0.0.1:99999999999999999999", 0, 0, NULL, 0 },
	{ "127.0.0.1:025", 0, 0, NULL, 0 },
	{ "127.0.0.1:+25", 0, 0, NULL, 0 },
	{ "127.0.0.1:-1", 0, 0, NULL, 0 },
	{ "127.0.0.1:2 5", 0, 0, NULL, 0 },
	{ "127.0.0.1:25x", 0, 0, NULL, 0 },
	{ "127.0.0.256:25", 0, 0, NULL, 0 },
	{ "127.1:25", 0, 0, NULL, 0 },
	{ "localhost:25", 0, 0, NULL, 0 },    /* numeric only: no DNS at start */
	{ "::1:25", 0, 0, NULL, 0 },          /* IPv6 needs brackets */
	{ "[::1]25", 0, 0, NULL, 0 },
	{ "[::1]:", 0, 0, NULL, 0 },
	{ "[::1:25", 0, 0, NULL, 0 },
	{ "[]:25", 0, 0, NULL, 0 },
	{ "[127.0.0.1]:25", 0, 0, NULL, 0 },
	{ "[*]:25", 0, 0, NULL, 0 },
	{ "**:25", 0, 0, NULL, 0 },
	{ "[::1]:25:25", 0, 0, NULL, 0 },
	{ "1.2.3.4:25\n", 0, 0, NULL, 0 },
	{ " 1.2.3.4:25", 0, 0, NULL, 0 },
	{ "[fe80::1%eth0]:25", 0, 0, NULL, 0 },
	{ "[1111:2222:3333:4444:5555:6666:7777:8888:9999]:25", 0, 0, NULL, 0 },
	{ "1111111111111111111111111111111111111111111111111111111111111111111111:25", 0, 0, NULL, 0 },
};

START_TEST(parse_addr)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = 0;
	char			 ip[INET6_ADDRSTRLEN];
	unsigned		 port;
	int			 r = listen_parse_addr(addrs[_i].in, &ss, &len);

	ck_assert_msg((r == 0) == addrs[_i].ok, "%s: %d", addrs[_i].in, r);
	if (!addrs[_i].ok)
		return;
	ck_assert_int_eq(ss.ss_family, addrs[_i].family);
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		ck_assert_uint_eq(len, sizeof *a);
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
		port = ntohs(a->sin_port);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		ck_assert_uint_eq(len, sizeof *a);
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
		port = ntohs(a->sin6_port);
	}
	ck_assert_str_eq(ip, addrs[_i].ip);
	ck_assert_uint_eq(port, addrs[_i].port);
}
END_TEST

START_TEST(parse_addr_null)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	ck_assert_int_eq(listen_parse_addr(NULL, &ss, &len), -1);
}
END_TEST

/* ---- peer_from_env: tcpserver's variables ---------------------------------- */

static const struct {
	const char	*rip, *rport, *lip, *lport;
	const char	*want_rip, *want_lip;
	unsigned	 want_rport, want_lport;
	int		 want_rfamily;
} envs[] = {
	{ "192.0.2.1", "4321", "127.0.0.1", "25", "192.0.2.1", "127.0.0.1", 4321, 25, AF_INET },
	{ "2001:db8::7", "1", "::1", "587", "2001:db8::7", "::1", 1, 587, AF_INET6 },
	{ "::ffff:192.0.2.9", "65535", "::ffff:127.0.0.1", "25", "192.0.2.9", "127.0.0.1",
	  65535, 25, AF_INET6 },
	{ "192.0.2.1", NULL, NULL, NULL, "192.0.2.1", "", 0, 0, AF_INET },
	{ "192.0.2.1", "0", "127.0.0.1", "0", "192.0.2.1", "127.0.0.1", 0, 0, AF_INET },
	{ "192.0.2.1", "25", "not-an-ip", "25", "192.0.2.1", "", 25, 0, AF_INET },
	{ "192.0.2.1", "25", "127.0.0.1", "99999", "192.0.2.1", "127.0.0.1", 25, 0, AF_INET },
	{ "192.0.2.1", "25x", NULL, NULL, "192.0.2.1", "", 0, 0, AF_INET },
	{ "192.0.2.1", "-25", NULL, NULL, "192.0.2.1", "", 0, 0, AF_INET },
	/* Not an address: tcpserver is not what set it; fd 0 is a pipe, so nothing is known. */
	{ "example.org", "25", "127.0.0.1", "25", "", "", 0, 0, 0 },
	{ "192.0.2.1\n", "25", NULL, NULL, "", "", 0, 0, 0 },
	{ "", "25", NULL, NULL, "", "", 0, 0, 0 },
	{ NULL, NULL, "127.0.0.1", "25", "", "", 0, 0, 0 },
};

static void
setenv_or_unset(const char *name, const char *v)
{
	if (v != NULL)
		ck_assert_int_eq(setenv(name, v, 1), 0);
	else
		ck_assert_int_eq(unsetenv(name), 0);
}

/* Put fd onto fd 0 for one call; the old fd 0 comes back after. */
static int
swap_stdin(int fd)
{
	int	 saved = dup(0);

	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fd, 0), 0);
	return saved;
}

static void
restore_stdin(int saved)
{
	ck_assert_int_eq(dup2(saved, 0), 0);
	close(saved);
}

START_TEST(peer_env)
{
	struct peer	 p;
	int		 pp[2], saved;

	setenv_or_unset("TCPREMOTEIP", envs[_i].rip);
	setenv_or_unset("TCPREMOTEPORT", envs[_i].rport);
	setenv_or_unset("TCPLOCALIP", envs[_i].lip);
	setenv_or_unset("TCPLOCALPORT", envs[_i].lport);
	ck_assert_int_eq(pipe(pp), 0);
	saved = swap_stdin(pp[0]);
	memset(&p, 0x5a, sizeof p);
	peer_from_env(&p);
	restore_stdin(saved);
	close(pp[0]);
	close(pp[1]);
	ck_assert_str_eq(p.remote_ip, envs[_i].want_rip);
	ck_assert_str_eq(p.local_ip, envs[_i].want_lip);
	ck_assert_uint_eq(p.remote_port, envs[_i].want_rport);
	ck_assert_uint_eq(p.local_port, envs[_i].want_lport);
	ck_assert_int_eq(p.remote.ss_family, envs[_i].want_rfamily);
}
END_TEST

/* ---- peer_from_env: the socket on fd 0 (inetd) --------------------------- */

struct conn {
	int	 lsn, cli, srv;
};

/* A TCP connection over loopback; 0, or -1 when the family is not there. */
static int
connect_loop(int family, int v6only, const char *to, struct conn *c)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	int			 zero = 0;

	memset(&ss, 0, sizeof ss);
	c->lsn = socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(c->lsn, 0);
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = v6only ? in6addr_loopback : in6addr_any;
		if (!v6only)
			ck_assert_int_eq(setsockopt(c->lsn, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
			    sizeof zero), 0);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	if (bind(c->lsn, (struct sockaddr *)&ss, family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) == -1) {
		close(c->lsn);
		return -1;	/* no IPv6 here */
	}
	ck_assert_int_eq(listen(c->lsn, 1), 0);
	ck_assert_int_eq(getsockname(c->lsn, (struct sockaddr *)&ss, &len), 0);
	/* Connect to the loopback of `to`, same port. */
	unsigned port = family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port;
	struct sockaddr_storage	 dst;
	memset(&dst, 0, sizeof dst);
	if (strchr(to, ':') != NULL) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&dst;
		a->sin6_family = AF_INET6;
		a->sin6_port = (in_port_t)port;
		ck_assert_int_eq(inet_pton(AF_INET6, to, &a->sin6_addr), 1);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&dst;
		a->sin_family = AF_INET;
		a->sin_port = (in_port_t)port;
		ck_assert_int_eq(inet_pton(AF_INET, to, &a->sin_addr), 1);
		len = sizeof *a;
	}
	c->cli = socket(dst.ss_family, SOCK_STREAM, 0);
	ck_assert_int_ge(c->cli, 0);
	ck_assert_int_eq(connect(c->cli, (struct sockaddr *)&dst, len), 0);
	c->srv = accept(c->lsn, NULL, NULL);
	ck_assert_int_ge(c->srv, 0);
	return 0;
}

static const struct {
	int		 family, v6only;
	const char	*to;      /* client connects to this; it is also the client's address */
} socks[] = {
	{ AF_INET, 1, "127.0.0.1" },
	{ AF_INET6, 1, "::1" },
	{ AF_INET6, 0, "127.0.0.1" },   /* dual-stack socket: ::ffff:127.0.0.1 shown as IPv4 */
};

START_TEST(peer_socket)
{
	struct conn	 c;
	struct peer	 p;
	int		 saved;

	unsetenv("TCPREMOTEIP");
	unsetenv("TCPREMOTEPORT");
	unsetenv("TCPLOCALIP");
	unsetenv("TCPLOCALPORT");
	if (connect_loop(socks[_i].family, socks[_i].v6only, socks[_i].to, &c) == -1)
		return;	/* this machine has no IPv6 */
	saved = swap_stdin(c.srv);
	peer_from_env(&p);
	restore_stdin(saved);

	struct sockaddr_storage	 cl;
	socklen_t		 len = sizeof cl;
	ck_assert_int_eq(getsockname(c.cli, (struct sockaddr *)&cl, &len), 0);
	unsigned cport = cl.ss_family == AF_INET6 ?
	    ntohs(((struct sockaddr_in6 *)&cl)->sin6_port) :
	    ntohs(((struct sockaddr_in *)&cl)->sin_port);
	ck_assert_str_eq(p.remote_ip, socks[_i].to);
	ck_assert_str_eq(p.local_ip, socks[_i].to);
	ck_assert_uint_eq(p.remote_port, cport);
	ck_assert_uint_ne(p.local_port, 0);
	ck_assert_int_eq(p.remote.ss_family, socks[_i].family);
	close(c.cli);
	close(c.srv);
	close(c.lsn);
}
END_TEST

START_TEST(peer_closed_stdin)
{
	struct peer	 p;
	int		 saved = dup(0);

	unsetenv("TCPREMOTEIP");
	close(0);
	peer_from_env(&p);
	restore_stdin(saved);
	ck_assert_str_eq(p.remote_ip, "");
	ck_assert_str_eq(p.local_ip, "");
	ck_assert_uint_eq(p.remote_port, 0);
}
END_TEST

/* ---- the scoreboard -------------------------------------------------------- */

static void
key_of(const char *ip, uint8_t key[16])
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 a[80];

	snprintf(a, sizeof a, strchr(ip, ':') ? "[%s]:1" : "%s:1", ip);
	ck_assert_int_eq(listen_parse_addr(a, &ss, &len), 0);
	board_ip_key(&ss, key);
}

START_TEST(board_perip_limit)
{
	struct board	*b = board_create(8);
	uint8_t		 k1[16], k2[16], k3[16];

	ck_assert_ptr_nonnull(b);
	atomic_store(&b->perip, 2);
	key_of("192.0.2.1", k1);
	key_of("192.0.2.2", k2);
	key_of("::ffff:192.0.2.1", k3);    /* the same client as k1 */
	ck_assert_int_eq(board_claim(b, 0, k1), 1);
	ck_assert_int_eq(board_claim(b, 1, k1), 1);
	ck_assert_int_eq(board_claim(b, 2, k1), 0);
	ck_assert_int_eq(board_claim(b, 2, k3), 0);
	ck_assert_int_eq(board_claim(b, 2, k2), 1);
	ck_assert_int_eq(board_count_ip(b, k1), 2);
	board_release(b, 0);
	ck_assert_int_eq(board_count_ip(b, k1), 1);
	ck_assert_int_eq(board_claim(b, 0, k3), 1);
	/* A worker that died: the master clears its slot, and its session no longer counts. */
	b->slot[1].pid = 4242;
	ck_assert_int_eq(board_find_pid(b, 4242), 1);
	board_clear(b, 1);
	ck_assert_int_eq(board_find_pid(b, 4242), -1);
	ck_assert_int_eq(board_count_ip(b, k1), 1);
	ck_assert_int_eq(board_claim(b, 1, k1), 1);
	ck_assert_int_eq(board_count_ip(b, k2), 1);
	board_destroy(b);
}
END_TEST

START_TEST(board_free_slots)
{
	struct board	*b = board_create(3);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(board_free_slot(b), 0);
	b->slot[0].pid = 10;
	b->slot[1].pid = 11;
	ck_assert_int_eq(board_free_slot(b), 2);
	b->slot[2].pid = 12;
	ck_assert_int_eq(board_free_slot(b), -1);
	board_clear(b, 1);
	ck_assert_int_eq(board_free_slot(b), 1);
	board_destroy(b);
	ck_assert_ptr_null(board_create(0));
}
END_TEST

/* A worker killed while it holds the lock does not lock out the others. */
START_TEST(board_lock_owner_dies)
{
	struct board	*b = board_create(4);
	uint8_t		 k[16];
	int		 status;
	pid_t		 pid;

	ck_assert_ptr_nonnull(b);
	atomic_store(&b->perip, 1);
	key_of("198.51.100.1", k);
	if ((pid = fork()) == 0) {
		pthread_mutex_lock(&b->lock);
		_exit(0);	/* dies holding it */
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(board_claim(b, 0, k), 1);
	ck_assert_int_eq(board_claim(b, 1, k), 0);
	ck_assert_int_eq(board_count_ip(b, k), 1);
	board_destroy(b);
}
END_TEST

/* Claims across processes at once never pass the limit. */
START_TEST(board_concurrent_claims)
{
	enum { PROCS = 4, SLOTS = 4, ROUNDS = 2000 };
	struct board	*b = board_create(SLOTS);
	uint8_t		 k[16];
	_Atomic int	*over;
	int		 status;

	ck_assert_ptr_nonnull(b);
	over = mmap(NULL, sizeof *over, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(over, MAP_FAILED);
	atomic_store(over, 0);
	atomic_store(&b->perip, 2);
	key_of("203.0.113.5", k);
	for (int w = 0; w < PROCS; w++) {
		if (fork() == 0) {
			for (int r = 0; r < ROUNDS; r++) {
				if (board_claim(b, w, k) == 1) {
					int n = board_count_ip(b, k);
					if (n > 2)
						atomic_fetch_add(over, 1);
					board_release(b, w);
				}
			}
			_exit(0);
		}
	}
	for (int w = 0; w < PROCS; w++) {
		ck_assert_int_gt(wait(&status), 0);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(atomic_load(over), 0);
	ck_assert_int_eq(board_count_ip(b, k), 0);
	munmap(over, sizeof *over);
	board_destroy(b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("listen");
	TCase	*tc = tcase_create("listen");

	tcase_add_loop_test(tc, parse_addr, 0, (int)(sizeof addrs / sizeof addrs[0]));
	tcase_add_test(tc, parse_addr_null);
	tcase_add_loop_test(tc, peer_env, 0, (int)(sizeof envs / sizeof envs[0]));
	tcase_add_loop_test(tc, peer_socket, 0, (int)(sizeof socks / sizeof socks[0]));
	tcase_add_test(tc, peer_closed_stdin);
	tcase_add_test(tc, board_perip_limit);
	tcase_add_test(tc, board_free_slots);
	tcase_add_test(tc, board_lock_owner_dies);
	tcase_add_test(tc, board_concurrent_claims);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
