/*
 * listen_board.c: the scoreboard the listener's master and workers share.
 * See listen_board.h for who writes what.
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#include "listen_board.h"

static size_t
board_size(int nslots)
{
	return sizeof(struct board) + (size_t)nslots * sizeof(struct board_slot);
}

struct board *
board_create(int nslots)
{
	pthread_mutexattr_t	 ma;
	struct board		*b;
	int			 e;

	if (nslots <= 0) {
		errno = EINVAL;
		return NULL;
	}
	b = mmap(NULL, board_size(nslots), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return NULL;
	/* Anonymous mappings are zero: every slot SLOT_FREE. */
	b->nslots = nslots;
	if ((e = pthread_mutexattr_init(&ma)) != 0 ||
	    (e = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED)) != 0 ||
	    (e = pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST)) != 0 ||
	    (e = pthread_mutex_init(&b->lock, &ma)) != 0) {
		munmap(b, board_size(nslots));
		errno = e;
		return NULL;
	}
	pthread_mutexattr_destroy(&ma);
	return b;
}

void
board_destroy(struct board *b)
{
	if (b != NULL)
		munmap(b, board_size(b->nslots));
}

void
board_ip_key(const struct sockaddr_storage *ss, uint8_t key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)ss;
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &a4->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	}
}

/* Lock, taking over the lock of a worker that died holding it. */
static int
board_lock(struct board *b)
{
	int	 e = pthread_mutex_lock(&b->lock);

	if (e == EOWNERDEAD)
		e = pthread_mutex_consistent(&b->lock);
	return e == 0 ? 0 : -1;
}

static int
count_locked(struct board *b, const uint8_t key[16])
{
	int	 n = 0;

	for (int i = 0; i < b->nslots; i++)
		if (atomic_load(&b->slot[i].in_session) &&
		    memcmp(b->slot[i].ip, key, 16) == 0)
			n++;
	return n;
}

int
board_claim(struct board *b, int i, const uint8_t key[16])
{
	int	 ok;

	if (board_lock(b) == -1)
		return -1;
	ok = count_locked(b, key) < atomic_load(&b->perip);
	if (ok) {
		memcpy(b->slot[i].ip, key, 16);
		atomic_store(&b->slot[i].in_session, 1);
	}
	pthread_mutex_unlock(&b->lock);
	return ok;
}

void
board_release(struct board *b, int i)
{
	atomic_store(&b->slot[i].in_session, 0);
}

int
board_count_ip(struct board *b, const uint8_t key[16])
{
	int	 n;

	if (board_lock(b) == -1)
		return -1;
	n = count_locked(b, key);
	pthread_mutex_unlock(&b->lock);
	return n;
}

int
board_free_slot(const struct board *b)
{
	for (int i = 0; i < b->nslots; i++)
		if (b->slot[i].pid == 0)
			return i;
	return -1;
}

int
board_find_pid(const struct board *b, pid_t pid)
{
	for (int i = 0; i < b->nslots; i++)
		if (b->slot[i].pid == pid)
			return i;
	return -1;
}

void
board_clear(struct board *b, int i)
{
	struct board_slot *s = &b->slot[i];

	atomic_store(&s->in_session, 0);
	atomic_store(&s->retire, 0);
	atomic_store(&s->state, SLOT_FREE);
	s->gen = 0;
	s->pid = 0;
}
