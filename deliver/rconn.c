/* rconn.c: non-blocking connect(2), bounded with poll(2). */
#include "rconn.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the connection to finish: 0, or -1 with errno. */
static int
await_connect(int fd, int timeout_ms)
{
	long long	 deadline = now_ms() + timeout_ms;
	struct pollfd	 p = { .fd = fd, .events = POLLOUT };
	int		 err = 0;
	socklen_t	 len = sizeof err;

	for (;;) {
		long long left = deadline - now_ms();
		int r;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if ((r = poll(&p, 1, (int)left)) > 0)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

static int
connect_to(const struct sockaddr_storage *ss, socklen_t sslen, int timeout_ms)
{
	int	 fd, saved;

	if ((fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)ss, sslen) == 0)
		return fd;
	/* A UNIX-domain socket with a full backlog fails at once (EAGAIN): temporary. */
	if ((errno == EINPROGRESS || errno == EINTR) && await_connect(fd, timeout_ms) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
rconn_open(const struct dns_ip *ip, unsigned short port, int timeout_ms)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;

	memset(&ss, 0, sizeof ss);
	if (ip->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, ip->addr, 4);
		sslen = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, ip->addr, 16);
		sslen = sizeof *sin6;
	}
	return connect_to(&ss, sslen, timeout_ms);
}

int
rconn_unix(const char *path, int timeout_ms)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;

	memset(&ss, 0, sizeof ss);
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof sun->sun_path) >= sizeof sun->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return connect_to(&ss, sizeof *sun, timeout_ms);
}
