/* fdpass.c: datagrams with descriptors (see fdpass.h). */
#include "fdpass.h"

#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

union fdpass_cmsg {
	struct cmsghdr	 h;
	char		 b[CMSG_SPACE(FDPASS_MAX * sizeof(int))];
};

int
fdpass_send(int sock, const void *data, size_t len, const int *fds, int nfds)
{
	union fdpass_cmsg cm;
	struct msghdr	 mh;
	struct iovec	 iov = { .iov_base = (void *)data, .iov_len = len };
	struct cmsghdr	*c;
	ssize_t		 w;

	if (nfds < 0 || nfds > FDPASS_MAX || len == 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&mh, 0, sizeof mh);
	memset(&cm, 0, sizeof cm);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		mh.msg_control = cm.b;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	do
		w = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (w == -1 && errno == EINTR);
	if (w == -1)
		return -1;
	if ((size_t)w != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Keep up to maxfds of the descriptors in c, close the rest; 1 when some were closed. */
static int
take_fds(struct cmsghdr *c, int *fds, int maxfds, int *nfds)
{
	size_t	 n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	int	 fd, dropped = 0;

	for (size_t i = 0; i < n; i++) {
		memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
		if (*nfds < maxfds)
			fds[(*nfds)++] = fd;
		else {
			close(fd);
			dropped = 1;
		}
	}
	return dropped;
}

ssize_t
fdpass_recv(int sock, void *buf, size_t bufsz, int *fds, int maxfds, int *nfds)
{
	union fdpass_cmsg cm;
	struct msghdr	 mh;
	struct iovec	 iov = { .iov_base = buf, .iov_len = bufsz };
	struct cmsghdr	*c;
	ssize_t		 r;
	int		 bad = 0;

	*nfds = 0;
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	mh.msg_controllen = sizeof cm.b;
	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			bad |= take_fds(c, fds, maxfds, nfds);
	if (bad || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (int i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		errno = EMSGSIZE;
		return -1;
	}
	return r;
}
