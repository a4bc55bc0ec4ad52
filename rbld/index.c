/* SPDX-License-Identifier: BSD-2-Clause */
/* An in-memory, read-only copy of the entries of one LMDB snapshot, for fast lookups. */
#include <stdlib.h>
#include <string.h>

#include "index.h"

/*
 * Open addressing with linear probing over a power-of-two slot array at most
 * half full. A slot holds an entry number + 1 (0 = empty) and 32 bits of the
 * key, so a probe that misses costs one cache line, not two; IPv4 and IPv6
 * entries live in separate arrays so an IPv4 key costs 20 bytes, not 32.
 */
struct slot {
	uint32_t	tag;		/* IPv4 address, or 32 bits of the IPv6 hash */
	uint32_t	idx;		/* entry number + 1; 0 = empty */
};
struct ent4 {
	uint32_t	addr;		/* host order, masked */
	uint16_t	src;
	uint8_t		plen;
	uint8_t		excl;
	uint32_t	a, txt, expires;
};

struct ent6 {
	uint8_t		addr[16];
	uint16_t	src;
	uint8_t		plen;
	uint8_t		excl;
	uint32_t	a, txt, expires;
};

struct table {
	struct slot	*slots;
	size_t		 mask;
};

struct index {
	size_t		 txnid;
	struct ent4	*e4;
	struct ent6	*e6;
	size_t		 n4, n6, cap;
	struct table	 t4, t6;
	uint32_t	 used4[2], used6[5];	/* bit per prefix length */
	uint8_t		 plens4[33], plens6[129];
	int		 np4, np6;
};

static uint64_t
mix(uint64_t x)
{
	/* A strong 64-bit finaliser (splitmix64): keys are far from random. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static uint64_t
hash4(uint32_t addr, int plen, int src)
{
	return mix((uint64_t)addr << 32 | (uint64_t)plen << 16 | (uint64_t)src);
}

static uint64_t
hash6(const uint8_t *addr, int plen, int src)
{
	uint64_t hi, lo;

	memcpy(&hi, addr, 8);
	memcpy(&lo, addr + 8, 8);
	return mix(hi ^ mix(lo ^ ((uint64_t)plen << 16 | (uint64_t)src)));
}

static int
table_init(struct table *t, size_t n)
{
	size_t size = 16;

	while (size < n * 2)
		size <<= 1;
	t->slots = calloc(size, sizeof(*t->slots));
	t->mask = size - 1;
	return t->slots == NULL ? -1 : 0;
}

struct index *
index_new(size_t n, size_t txnid)
{
	struct index *ix = calloc(1, sizeof(*ix));

	if (ix == NULL)
		return NULL;
	ix->txnid = txnid;
	ix->cap = n;
	/* Families are unknown until the scan: size both for N, then the
	 * tables' memory is what matters, and calloc pages not touched stay
	 * free. */
	if ((ix->e4 = malloc((n ? n : 1) * sizeof(*ix->e4))) == NULL ||
	    (ix->e6 = malloc((n ? n : 1) * sizeof(*ix->e6))) == NULL ||
	    table_init(&ix->t4, n) != 0 || table_init(&ix->t6, n) != 0) {
		index_free(ix);
		return NULL;
	}
	return ix;
}

void
index_free(struct index *ix)
{
	if (ix == NULL)
		return;
	free(ix->e4);
	free(ix->e6);
	free(ix->t4.slots);
	free(ix->t6.slots);
	free(ix);
}

int
index_add(struct index *ix, int family, int plen, const uint8_t *addr,
    int src, const struct index_val *v)
{
	struct table *t = family == 4 ? &ix->t4 : &ix->t6;
	size_t h;

	if (ix->n4 + ix->n6 >= ix->cap)
		return -1;
	if (family == 4) {
		struct ent4 *e = &ix->e4[ix->n4];

		e->addr = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
		    (uint32_t)addr[2] << 8 | addr[3];
		e->src = (uint16_t)src;
		e->plen = (uint8_t)plen;
		e->excl = v->excl;
		e->a = v->a;
		e->txt = v->txt;
		e->expires = v->expires;
		h = hash4(e->addr, plen, src) & t->mask;
		while (t->slots[h].idx != 0)
			h = (h + 1) & t->mask;
		t->slots[h].tag = e->addr;
		t->slots[h].idx = (uint32_t)++ix->n4;
		ix->used4[plen / 32] |= 1u << (plen % 32);
	} else {
		struct ent6 *e = &ix->e6[ix->n6];

		memcpy(e->addr, addr, 16);
		e->src = (uint16_t)src;
		e->plen = (uint8_t)plen;
		e->excl = v->excl;
		e->a = v->a;
		e->txt = v->txt;
		e->expires = v->expires;
		{
			uint64_t hv = hash6(addr, plen, src);

			h = hv & t->mask;
			while (t->slots[h].idx != 0)
				h = (h + 1) & t->mask;
			t->slots[h].tag = (uint32_t)(hv >> 32);
			t->slots[h].idx = (uint32_t)++ix->n6;
		}
		ix->used6[plen / 32] |= 1u << (plen % 32);
	}
	return 0;
}

void
index_finish(struct index *ix)
{
	ix->np4 = ix->np6 = 0;
	for (int l = 32; l >= 0; l--)
		if (ix->used4[l / 32] & 1u << (l % 32))
			ix->plens4[ix->np4++] = (uint8_t)l;
	for (int l = 128; l >= 0; l--)
		if (ix->used6[l / 32] & 1u << (l % 32))
			ix->plens6[ix->np6++] = (uint8_t)l;
}

size_t
index_txnid(const struct index *ix)
{
	return ix->txnid;
}

size_t
index_bytes(const struct index *ix)
{
	return ix->n4 * sizeof(struct ent4) + ix->n6 * sizeof(struct ent6) +
	    (ix->t4.mask + 1 + ix->t6.mask + 1) * sizeof(struct slot);
}

int
index_plens(const struct index *ix, int family, const uint8_t **plens)
{
	*plens = family == 4 ? ix->plens4 : ix->plens6;
	return family == 4 ? ix->np4 : ix->np6;
}

void
index_prefetch(const struct index *ix, int family, int plen,
    const uint8_t *addr, int src)
{
	if (family == 4) {
		uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
		    (uint32_t)addr[2] << 8 | addr[3];

		a = plen == 0 ? 0 : a & (0xffffffffu << (32 - plen));
		__builtin_prefetch(&ix->t4.slots[hash4(a, plen, src) &
		    ix->t4.mask]);
	}
}

/* Values are copied into a thread's buffer so the caller sees one type. */
static __thread struct index_val ix_out;

const struct index_val *
index_get(const struct index *ix, int family, int plen, const uint8_t *addr,
    int src)
{
	size_t h;

	if (family == 4) {
		const struct table *t = &ix->t4;
		uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
		    (uint32_t)addr[2] << 8 | addr[3];

		a = plen == 0 ? 0 : a & (0xffffffffu << (32 - plen));
		h = hash4(a, plen, src) & t->mask;
		for (; t->slots[h].idx != 0; h = (h + 1) & t->mask) {
			const struct ent4 *e;

			if (t->slots[h].tag != a)
				continue;
			e = &ix->e4[t->slots[h].idx - 1];
			if (e->plen == plen && e->src == src) {
				ix_out.a = e->a;
				ix_out.txt = e->txt;
				ix_out.expires = e->expires;
				ix_out.excl = e->excl;
				return &ix_out;
			}
		}
	} else {
		const struct table *t = &ix->t6;
		uint64_t hv;
		uint8_t m[16];

		for (int i = 0; i < 16; i++) {
			int bits = plen - i * 8;

			m[i] = bits >= 8 ? addr[i] : bits <= 0 ? 0 :
			    (uint8_t)(addr[i] & (0xff00 >> bits));
		}
		hv = hash6(m, plen, src);
		h = hv & t->mask;
		for (; t->slots[h].idx != 0; h = (h + 1) & t->mask) {
			const struct ent6 *e;

			if (t->slots[h].tag != (uint32_t)(hv >> 32))
				continue;
			e = &ix->e6[t->slots[h].idx - 1];
			if (e->plen == plen && e->src == src &&
			    memcmp(e->addr, m, 16) == 0) {
				ix_out.a = e->a;
				ix_out.txt = e->txt;
				ix_out.expires = e->expires;
				ix_out.excl = e->excl;
				return &ix_out;
			}
		}
	}
	return NULL;
}
