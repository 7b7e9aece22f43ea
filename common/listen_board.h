/*
 * listen_board.h: the listener's scoreboard, shared by the master and its
 * workers (mmap MAP_SHARED before the first fork).
 *
 * One slot per worker: the master fills pid and generation at fork and
 * frees the slot when it reaps the worker, so a worker killed with SIGKILL
 * gives its slot (and with it its place in the per-IP count) back. A worker
 * writes only its own state and address. The per-IP count is the number of
 * slots in session with the same address, taken and claimed under one
 * robust process-shared mutex, so two workers accepting the same client
 * address at once cannot both pass the limit, and a worker killed while
 * holding the lock does not block the others (EOWNERDEAD).
 */
#ifndef STAMP_LISTEN_BOARD_H
#define STAMP_LISTEN_BOARD_H

#include <sys/types.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "listen.h"

enum slot_state {
	SLOT_FREE = 0,
	SLOT_STARTING,     /* forked, not yet accepting */
	SLOT_IDLE,         /* waiting in poll/accept */
	SLOT_BUSY,         /* accepted, checking limits or in a session */
};

struct board_slot {
	_Atomic int	 state;
	_Atomic int	 retire;     /* master: finish the current session, then exit */
	pid_t		 pid;        /* master's; 0 when free */
	unsigned	 gen;        /* master's: the settings generation it was forked with */
	_Atomic int	 in_session; /* ip below counts toward the per-IP limit */
	uint8_t		 ip[16];     /* IPv4 as IPv4-mapped IPv6 */
};

struct board {
	pthread_mutex_t	 lock;       /* robust, process-shared: guards the per-IP claim */
	_Atomic int	 stopping;   /* master: SIGTERM seen; close the listening sockets */
	_Atomic int	 perip;      /* concurrencyperip */
	int		 nslots;
	struct board_slot slot[];
};

/* Map a board of nslots slots; NULL (errno set) on failure. */
struct board *board_create(int nslots);
void board_destroy(struct board *);

/* The address of a peer as 16 bytes (IPv4 as IPv4-mapped). */
void board_ip_key(const struct sockaddr_storage *ss, uint8_t key[16]);

/*
 * Claim slot i for a session from key, unless `perip` sessions from that
 * address run already. 1 claimed, 0 over the limit, -1 lock failure.
 */
int  board_claim(struct board *, int i, const uint8_t key[16]);
/* End slot i's session (its address no longer counts). */
void board_release(struct board *, int i);
/* Sessions from key now (for tests and logs). */
int  board_count_ip(struct board *, const uint8_t key[16]);

/* Master: a free slot index, or -1. */
int  board_free_slot(const struct board *);
/* Master: slot of pid, or -1. */
int  board_find_pid(const struct board *, pid_t pid);
/* Master: forget slot i (its worker is gone). */
void board_clear(struct board *, int i);

#endif
