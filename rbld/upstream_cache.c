/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * An open-addressing table of fixed size, split into stripes that each
 * have a lock of their own, so DNS workers and the resolver thread seldom
 * meet. A question hashes (with a seed chosen at start, as the addresses
 * are the internet's choice) to a slot, and lives in one of the PROBE
 * slots from there: a new one takes a free slot, else an expired one,
 * else the one that expires first. Nothing is ever allocated after
 * ucache_new: the memory is what cache-size says.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "upstream_cache.h"

#define PROBE		8	/* slots a question may live in */
#define STRIPES		64	/* locks; a power of two */

enum slot_state { SLOT_FREE, SLOT_PENDING, SLOT_READY };

struct slot {
	uint8_t		 state;
	uint8_t		 src;
	uint8_t		 family;
	uint8_t		 addr[16];
	uint32_t	 expires;	/* ready: the answer's; pending: retry */
	struct uanswer	 ans;
};

struct ucache {
	struct slot	*slots;
	size_t		 n;		/* a multiple of STRIPES */
	uint64_t	 seed;
	uint32_t	 min_ttl, max_ttl, pending_ttl;
	pthread_mutex_t	 locks[STRIPES];
};

struct ucache *
ucache_new(size_t bytes, uint32_t min_ttl, uint32_t max_ttl,
    uint32_t pending_ttl)
{
	struct ucache *c = calloc(1, sizeof(*c));
	size_t n = bytes / sizeof(struct slot);

	if (c == NULL)
		return NULL;
	n = n < STRIPES * PROBE ? STRIPES * PROBE : n - n % STRIPES;
	if ((c->slots = calloc(n, sizeof(*c->slots))) == NULL) {
		free(c);
		return NULL;
	}
	c->n = n;
	c->seed = HASH_INIT ^ ((uint64_t)arc4random() << 32 | arc4random());
	c->min_ttl = min_ttl;
	c->max_ttl = max_ttl < min_ttl ? min_ttl : max_ttl;
	c->pending_ttl = pending_ttl;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	return c;
}

void
ucache_free(struct ucache *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&c->locks[i]);
	free(c->slots);
	free(c);
}

size_t
ucache_capacity(const struct ucache *c)
{
	return c->n;
}

/*
 * The stripe a question's slots are in: its probe window stays within
 * one stripe (slots are grouped by stripe), so one lock covers it.
 */
static size_t
home(struct ucache *c, int src, const struct prefix *ip,
    pthread_mutex_t **lock)
{
	uint8_t key[18] = { (uint8_t)src, ip->family };
	size_t per = c->n / STRIPES;
	uint64_t h;

	memcpy(key + 2, ip->addr, 16);
	h = hash_bytes(c->seed, key, sizeof(key));
	*lock = &c->locks[h % STRIPES];
	return (size_t)(h % STRIPES) * per + (size_t)(h >> 8) % per;
}

static struct slot *
at(struct ucache *c, size_t base, int i)
{
	size_t per = c->n / STRIPES, stripe = base / per;

	return &c->slots[stripe * per + (base % per + (size_t)i) % per];
}

static bool
same(const struct slot *s, int src, const struct prefix *ip)
{
	return s->state != SLOT_FREE && s->src == (uint8_t)src &&
	    s->family == ip->family && memcmp(s->addr, ip->addr, 16) == 0;
}

/* The slot of (SRC, IP), or NULL; lock held. Expired ones read as gone. */
static struct slot *
find(struct ucache *c, size_t base, int src, const struct prefix *ip,
    uint32_t now)
{
	for (int i = 0; i < PROBE; i++) {
		struct slot *s = at(c, base, i);

		if (same(s, src, ip)) {
			if (s->expires <= now) {
				s->state = SLOT_FREE;
				return NULL;
			}
			return s;
		}
	}
	return NULL;
}

/* A slot for a new question: free, else expired, else expiring first. */
static struct slot *
victim(struct ucache *c, size_t base, uint32_t now)
{
	struct slot *best = NULL;

	for (int i = 0; i < PROBE; i++) {
		struct slot *s = at(c, base, i);

		if (s->state == SLOT_FREE || s->expires <= now)
			return s;
		if (best == NULL || s->expires < best->expires)
			best = s;
	}
	return best;
}

enum ucache_state
ucache_get(struct ucache *c, int src, const struct prefix *ip, uint32_t now,
    struct uanswer *out)
{
	pthread_mutex_t *lock;
	size_t base = home(c, src, ip, &lock);
	enum ucache_state st = UCACHE_MISS;
	struct slot *s;

	pthread_mutex_lock(lock);
	if ((s = find(c, base, src, ip, now)) != NULL) {
		st = s->state == SLOT_READY ? UCACHE_HIT : UCACHE_PENDING;
		if (st == UCACHE_HIT && out != NULL)
			*out = s->ans;
	}
	pthread_mutex_unlock(lock);
	return st;
}

bool
ucache_claim(struct ucache *c, int src, const struct prefix *ip,
    uint32_t now)
{
	pthread_mutex_t *lock;
	size_t base = home(c, src, ip, &lock);
	struct slot *s;
	bool mine = false;

	pthread_mutex_lock(lock);
	if (find(c, base, src, ip, now) == NULL) {
		s = victim(c, base, now);
		memset(s, 0, sizeof(*s));
		s->state = SLOT_PENDING;
		s->src = (uint8_t)src;
		s->family = ip->family;
		memcpy(s->addr, ip->addr, 16);
		s->expires = now + c->pending_ttl;
		mine = true;
	}
	pthread_mutex_unlock(lock);
	return mine;
}

void
ucache_put(struct ucache *c, int src, const struct prefix *ip,
    const struct uanswer *a, uint32_t ttl, uint32_t now)
{
	pthread_mutex_t *lock;
	size_t base = home(c, src, ip, &lock);
	struct slot *s;

	if (ttl < c->min_ttl)
		ttl = c->min_ttl;
	if (ttl > c->max_ttl)
		ttl = c->max_ttl;
	pthread_mutex_lock(lock);
	if ((s = find(c, base, src, ip, now)) == NULL) {
		s = victim(c, base, now);
		s->src = (uint8_t)src;
		s->family = ip->family;
		memcpy(s->addr, ip->addr, 16);
	}
	s->state = SLOT_READY;
	s->expires = now + ttl;
	s->ans = *a;
	pthread_mutex_unlock(lock);
}

void
ucache_fail(struct ucache *c, int src, const struct prefix *ip)
{
	pthread_mutex_t *lock;
	size_t base = home(c, src, ip, &lock);

	pthread_mutex_lock(lock);
	for (int i = 0; i < PROBE; i++) {
		struct slot *s = at(c, base, i);

		if (same(s, src, ip) && s->state == SLOT_PENDING)
			s->state = SLOT_FREE;
	}
	pthread_mutex_unlock(lock);
}
