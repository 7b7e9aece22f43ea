/*
 * fdpass.h: one datagram with descriptors attached (SCM_RIGHTS), for the
 * SOCK_SEQPACKET pairs between a program and a helper it keeps running
 * (stamp-smtpd and stamp-queue --serve).
 */
#ifndef STAMP_FDPASS_H
#define STAMP_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#define FDPASS_MAX 4   /* descriptors in one datagram */

/* Send len bytes (at least 1) with nfds descriptors. 0, or -1 with errno (EPIPE: the peer is gone). */
int fdpass_send(int sock, const void *data, size_t len, const int *fds, int nfds);

/*
 * Receive one datagram into buf (a longer one is cut, and counts as an
 * error), with up to maxfds descriptors, each close-on-exec, into fds.
 * Returns its length, 0 when the peer is gone, -1 with errno (EMSGSIZE:
 * cut, or more descriptors than maxfds). Whatever the result, every
 * descriptor that came is either in fds (*nfds of them) or closed.
 */
ssize_t fdpass_recv(int sock, void *buf, size_t bufsz, int *fds, int maxfds, int *nfds);

#endif
