/* sockconn.c: connect to a local service within a deadline (see sockconn.h). */
#include "sockconn.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

long long
sock_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
sock_left_ms(long long deadline)
{
	long long left = deadline - sock_now_ms();

	return left <= 0 ? 0 : left > 3600000 ? 3600000 : (int)left;
}

/* Connect a non-blocking socket within the deadline. fd, or -1 with errno. */
static int
connect_by(const struct sockaddr *sa, socklen_t salen, long long deadline)
{
	int		 fd, err = 0;
	socklen_t	 el = sizeof(err);
	struct pollfd	 pfd;

	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, sa, salen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EAGAIN)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	for (;;) {
		int r = poll(&pfd, 1, sock_left_ms(deadline));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1)
		goto fail;
	if (err != 0) {
		errno = err;
		goto fail;
	}
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

int
sock_connect_inet(const char *hostname, const char *port, long long deadline)
{
	struct addrinfo	 hints, *res = NULL;
	const char	*host = strcasecmp(hostname, "localhost") == 0 ? "127.0.0.1" : hostname;
	int		 fd = -1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;   /* no DNS here */
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		errno = r == EAI_SYSTEM ? errno : EINVAL;
		return -1;
	}
	fd = connect_by(res->ai_addr, res->ai_addrlen, deadline);
	r = errno;
	freeaddrinfo(res);
	errno = r;
	return fd;
}

int
sock_connect_unix(const char *path, long long deadline)
{
	struct sockaddr_un	sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return connect_by((struct sockaddr *)&sun, sizeof(sun), deadline);
}

int
sock_parse_inet(const char *s, char *host, size_t hostsz, char *port, size_t portsz,
    const char **why)
{
	const char	*colon = strrchr(s, ':');
	size_t		 hl;

	if (colon == NULL || colon == s || colon[1] == '\0') {
		*why = "inet: needs HOST:PORT";
		return -1;
	}
	hl = (size_t)(colon - s);
	if (s[0] == '[' && colon[-1] == ']')          /* [::1]:port */
		s++, hl -= 2;
	if (hl >= hostsz || strlen(colon + 1) >= portsz) {
		*why = "inet: host or port too long";
		return -1;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	strlcpy(port, colon + 1, portsz);
	if (strspn(port, "0123456789") != strlen(port) || atoi(port) < 1 ||
	    atoi(port) > 65535) {
		*why = "inet: port is not a number from 1 to 65535";
		return -1;
	}
	return 0;
}
