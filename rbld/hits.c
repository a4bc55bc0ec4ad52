/* SPDX-License-Identifier: BSD-2-Clause */
/* The hits log: the most recent listed answers, in a ring per DNS worker. */
#include <stdlib.h>
#include <string.h>

#include "hits.h"

/* A cache line each: a write touches one line, and no slot shares one
 * with its neighbour's writer or readers. */
struct slot {
	_Alignas(64) atomic_uint seq;	/* odd: being written */
	struct hit	h;
};

_Static_assert(sizeof(struct slot) == 64, "a hits slot is one cache line");

struct hits_ring {
	_Alignas(64) unsigned cap;
	atomic_ulong	head;		/* hits ever written */
	struct slot	slots[];
};

struct hits_ring *
hits_ring_new(unsigned cap)
{
	struct hits_ring *r;

	if (cap == 0)
		cap = 1;
	if ((r = aligned_alloc(64, sizeof(*r) + sizeof(struct slot) * cap)) ==
	    NULL)
		return NULL;
	memset(r, 0, sizeof(*r) + sizeof(struct slot) * cap);
	r->cap = cap;
	return r;
}

void
hits_ring_free(struct hits_ring *r)
{
	free(r);
}

void
hits_record(struct hits_ring *r, const struct hit *h)
{
	unsigned long n = atomic_load_explicit(&r->head, memory_order_relaxed);
	struct slot *s = &r->slots[n % r->cap];
	unsigned seq = atomic_load_explicit(&s->seq, memory_order_relaxed);

	atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	s->h = *h;
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
	atomic_store_explicit(&r->head, n + 1, memory_order_release);
	/* The next slot's line is fetched for writing now, while the
	 * worker answers other queries, not when the next hit needs it. */
	__builtin_prefetch(&r->slots[(n + 1) % r->cap], 1, 0);
}

unsigned
hits_read(struct hits_ring *r, struct hit *out, unsigned max)
{
	unsigned long head = atomic_load_explicit(&r->head,
	    memory_order_acquire);
	unsigned got = 0;

	for (unsigned long k = 0; k < r->cap && k < head && got < max; k++) {
		struct slot *s = &r->slots[(head - 1 - k) % r->cap];
		unsigned a = atomic_load_explicit(&s->seq, memory_order_acquire);

		if (a & 1)
			continue;	/* being written: a newer one */
		memcpy(&out[got], &s->h, sizeof(s->h));
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) != a)
			continue;
		got++;
	}
	return got;
}
