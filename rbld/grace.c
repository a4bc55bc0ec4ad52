/* SPDX-License-Identifier: BSD-2-Clause */
/* Grace periods by epochs: readers announce the epoch they started in, writers free behind the oldest. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "grace.h"
#include "log.h"

/*
 * Each reader thread owns a slot holding the epoch its read section began
 * in (0: outside one). An object retired at epoch E can only be held by a
 * section whose slot says E or less: a section that began later read the
 * epoch after the writer moved it past E, so after the writer had swapped
 * the pointer, and loads the new one. Slots are counted in the thousands
 * because the API runs a thread per connection (api-connections, at most
 * 1024 for every API address together) and each DNS socket has a worker
 * and a TCP thread (at most 1000 in all): the configuration's limits keep
 * the threads well below GRACE_SLOTS.
 */
#define GRACE_SLOTS	4096
#define GRACE_WAIT_US	1000	/* grace_barrier's polling interval */

struct slot {
	_Atomic uint64_t	epoch;
	atomic_bool		used;
	/* one cache line each: readers never share a line with another */
	char			pad[64 - sizeof(uint64_t) - sizeof(atomic_bool)];
};

struct retired {
	struct retired	*next;
	void		*obj;
	void		(*fn)(void *);
	uint64_t	 epoch;
};

static struct slot slots[GRACE_SLOTS] __attribute__((aligned(64)));
static _Atomic uint64_t epoch_now = 1;
static atomic_int nslots;	/* slots ever handed out: the scan's bound */

static pthread_mutex_t retired_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct retired *retired_head;

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;

static __thread struct slot *my_slot;
static __thread int my_depth;

static void
slot_release(void *arg)
{
	struct slot *s = arg;

	atomic_store(&s->epoch, 0);
	atomic_store(&s->used, false);
}

static void
key_create(void)
{
	if (pthread_key_create(&slot_key, slot_release) != 0)
		fatalx("grace: cannot create the thread key");
}

static struct slot *
slot_claim(void)
{
	pthread_once(&key_once, key_create);
	for (int i = 0; i < GRACE_SLOTS; i++) {
		bool free_slot = false;

		if (!atomic_compare_exchange_strong(&slots[i].used, &free_slot,
		    true))
			continue;
		if (i >= atomic_load(&nslots)) {
			int n = atomic_load(&nslots);

			while (n <= i && !atomic_compare_exchange_weak(&nslots,
			    &n, i + 1))
				;
		}
		pthread_setspecific(slot_key, &slots[i]);
		return &slots[i];
	}
	/* More threads than the limits allow can exist: a bug, not input. */
	fatalx("grace: more than %d reader threads", GRACE_SLOTS);
}

void
grace_enter(void)
{
	if (my_depth++ > 0)
		return;
	if (my_slot == NULL)
		my_slot = slot_claim();
	atomic_store_explicit(&my_slot->epoch,
	    atomic_load_explicit(&epoch_now, memory_order_relaxed),
	    memory_order_relaxed);
	/* The slot is visible before anything shared is loaded (the
	 * writer's side of this pairing is in grace_reclaim). */
	atomic_thread_fence(memory_order_seq_cst);
}

void
grace_exit(void)
{
	if (--my_depth > 0)
		return;
	atomic_store_explicit(&my_slot->epoch, 0, memory_order_release);
}

/* The oldest epoch a running read section began in; UINT64_MAX if none. */
static uint64_t
oldest_reader(void)
{
	uint64_t min = UINT64_MAX;
	int n = atomic_load(&nslots);

	atomic_thread_fence(memory_order_seq_cst);
	for (int i = 0; i < n; i++) {
		uint64_t e = atomic_load(&slots[i].epoch);

		if (e != 0 && e < min)
			min = e;
	}
	return min;
}

void
grace_reclaim(void)
{
	struct retired *done = NULL, **pp, *r;
	uint64_t min = oldest_reader();

	pthread_mutex_lock(&retired_mtx);
	for (pp = &retired_head; (r = *pp) != NULL;) {
		if (r->epoch < min) {
			*pp = r->next;
			r->next = done;
			done = r;
		} else
			pp = &r->next;
	}
	pthread_mutex_unlock(&retired_mtx);
	while ((r = done) != NULL) {
		done = r->next;
		r->fn(r->obj);
		free(r);
	}
}

void
grace_retire(void *obj, void (*fn)(void *))
{
	struct retired *r;

	if (obj == NULL)
		return;
	if ((r = malloc(sizeof(*r))) == NULL) {
		/* Freeing at once could pull memory from under a reader:
		 * keeping it is the safe failure. */
		log_warnx("grace: out of memory, an old object is kept");
		return;
	}
	r->obj = obj;
	r->fn = fn;
	/* Sections that begin from now on read a later epoch. */
	r->epoch = atomic_fetch_add(&epoch_now, 1);
	pthread_mutex_lock(&retired_mtx);
	r->next = retired_head;
	retired_head = r;
	pthread_mutex_unlock(&retired_mtx);
	grace_reclaim();
}

void
grace_barrier(void)
{
	for (;;) {
		bool empty;

		grace_reclaim();
		pthread_mutex_lock(&retired_mtx);
		empty = retired_head == NULL;
		pthread_mutex_unlock(&retired_mtx);
		if (empty)
			return;
		usleep(GRACE_WAIT_US);
	}
}
