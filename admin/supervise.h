/*
 * supervise.h: the children of stamp-run (the scheduler and the listeners),
 * each started with a ready pipe on its fd 3, watched together.
 *
 * Signals are taken through a signalfd, so that SIGTERM during start-up,
 * SIGHUP to relay and the death of a child are all one poll() away and
 * none is lost between a check and a wait.
 */
#ifndef STAMP_SUPERVISE_H
#define STAMP_SUPERVISE_H

#include <sys/types.h>

#define SUP_MAX   8
#define SUP_ARGS  8

struct sup_child {
	const char	*what;               /* "scheduler", "smtp", "submission", "pop3" */
	const char	*prog;               /* "stamp-smtpd" */
	const char	*argv[SUP_ARGS + 1]; /* after the program name; NULL-terminated */
	const char	*addr;               /* for the ready line; NULL for the scheduler */
	pid_t		 pid;                /* 0 when not running */
	int		 readyfd;            /* read end, -1 once ready or closed */
	int		 status;             /* wait status, once exited */
};

struct sup {
	struct sup_child c[SUP_MAX];
	int		 n;
	int		 sigfd;               /* SIGINT SIGTERM SIGHUP SIGCHLD */
	int		 stop;                /* SIGINT or SIGTERM seen */
};

/* Block the signals and open the signalfd. 0, or -1 (logged). */
int  sup_init(struct sup *);
/* Add a child to start; the strings must outlive the sup. */
struct sup_child *sup_add(struct sup *, const char *what, const char *prog, const char *addr);
/* Start every child. 0, or -1 (logged, with the ones started stopped again). */
int  sup_start(struct sup *);
/*
 * Wait until every child has written to its ready pipe (or closed it after
 * writing), for at most timeout_ms. 0 when all are ready; -1 when one died,
 * closed its pipe without a word, the time ran out, or SIGINT/SIGTERM came
 * (logged, naming which).
 */
int  sup_await_ready(struct sup *, int timeout_ms);
/*
 * Serve: relay SIGHUP, return on SIGINT/SIGTERM (0) or when a child
 * exits (-1, logged naming it).
 */
int  sup_watch(struct sup *);
/* SIGTERM to every running child, wait for them for at most grace_ms, then SIGKILL. */
void sup_stop(struct sup *, int grace_ms);

#endif
