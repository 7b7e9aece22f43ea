/* sched_heap.c: a binary min-heap of messages by next attempt time. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "sched.h"

static void
put(struct heap *h, size_t i, struct msg *m)
{
	h->a[i] = m;
	m->heapidx = i;
}

static void
sift_up(struct heap *h, size_t i)
{
	struct msg	*m = h->a[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (h->a[parent]->next <= m->next)
			break;
		put(h, i, h->a[parent]);
		i = parent;
	}
	put(h, i, m);
}

static void
sift_down(struct heap *h, size_t i)
{
	struct msg	*m = h->a[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->a[c + 1]->next < h->a[c]->next)
			c++;
		if (m->next <= h->a[c]->next)
			break;
		put(h, i, h->a[c]);
		i = c;
	}
	put(h, i, m);
}

int
heap_push(struct heap *h, struct msg *m)
{
	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 1024;
		struct msg **na = reallocarray(h->a, ncap, sizeof *na);
		if (na == NULL)
			return -1;
		h->a = na;
		h->cap = ncap;
	}
	h->a[h->n] = m;
	m->heapidx = h->n;
	sift_up(h, h->n++);
	return 0;
}

struct msg *
heap_top(const struct heap *h)
{
	return h->n > 0 ? h->a[0] : NULL;
}

void
heap_remove(struct heap *h, struct msg *m)
{
	size_t	 i = m->heapidx;

	if (i == SIZE_MAX || i >= h->n || h->a[i] != m)
		return;
	m->heapidx = SIZE_MAX;
	if (i == --h->n)
		return;
	struct msg *last = h->a[h->n];
	put(h, i, last);
	sift_down(h, i);
	sift_up(h, last->heapidx);
}

struct msg *
heap_pop(struct heap *h)
{
	struct msg	*m = heap_top(h);

	if (m != NULL)
		heap_remove(h, m);
	return m;
}

void
heap_free(struct heap *h)
{
	free(h->a);
	h->a = NULL;
	h->n = h->cap = 0;
}
