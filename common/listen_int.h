/*
 * listen_int.h: what the listener's master (listen.c) and its workers
 * (listen_worker.c) share. Not for callers: they use listen.h.
 */
#ifndef STAMP_LISTEN_INT_H
#define STAMP_LISTEN_INT_H

#include <sys/types.h>

#include <stdnoreturn.h>

#include "listen.h"
#include "listen_board.h"

struct worker_ctx {
	const struct listen_conf *conf;
	listen_session_fn	  session;
	void			 *arg;
	struct board		 *board;
	int			  slot;
	const int		 *fds;        /* the listening sockets */
	int			  nfds;
	int			  notify_fd;  /* write end: "my state changed" to the master */
	pid_t			  master;
};

/* The worker's life, in the forked child; never returns. */
noreturn void worker_main(const struct worker_ctx *);

/* setproctitle "NAME: <text>", when listen_proctitle_init() was called. */
void listen_title(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Poke the master (a non-blocking write; a full pipe wakes it anyway). */
void listen_notify(int fd);

#endif
