/* SPDX-License-Identifier: BSD-2-Clause */
/* An in-memory, read-only copy of the entries of one LMDB snapshot, for fast lookups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "index.h"

/*
 * Open addressing with linear probing over power-of-two slot arrays at most
 * 70% full (a probe sequence rarely leaves the 64-byte line of its first
 * slot, which holds eight IPv4 slots). Entries of a list mostly share a
 * handful of values (A, TXT, expiry), so values live once in a small table
 * that stays in the cache, and an IPv4 slot is just the address and a value
 * number: 8 bytes, one cache miss per probe. An IPv6 slot holds 32 bits of
 * the hash and an entry number; the entry holds the address.
 */
struct ival {
	uint32_t	a, txt, expires;
	uint16_t	src;
	uint8_t		plen;
	uint8_t		excl;
};

struct slot4 {
	uint32_t	addr;		/* masked, host order */
	uint32_t	val;		/* value number + 1; 0 = empty */
};

struct slot6 {
	uint32_t	tag;		/* high bits of the hash */
	uint32_t	ent;		/* entry number + 1; 0 = empty */
};

struct ent6 {
	uint8_t		addr[16];
	uint32_t	val;		/* value number */
};

struct index {
	size_t		 gen;		/* see index_new */
	size_t		 cap, n;

	struct ival	*vals;
	size_t		 nvals, capvals;
	uint32_t	*valhash;	/* build only: value number + 1 */
	size_t		 valmask;

	struct slot4	*s4;
	size_t		 mask4;
	struct slot6	*s6;
	size_t		 mask6;
	struct ent6	*e6;
	size_t		 n4, n6;

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

static uint64_t
hashval(const struct ival *v)
{
	return mix(((uint64_t)v->a << 32 | v->txt) ^
	    mix((uint64_t)v->expires << 32 | (uint64_t)v->src << 16 |
	    (uint64_t)v->plen << 8 | v->excl));
}

#define HUGE_PAGE	(2u << 20)

/*
 * The slot arrays are read at random, one probe per lookup: with 4 KiB pages
 * a lookup in a table of several megabytes misses the TLB as well as the
 * cache. They are mapped on 2 MiB boundaries and offered to the kernel for
 * transparent huge pages (THP "madvise" mode, Debian's default), which turns
 * the page walk into a TLB hit. Fresh anonymous pages read as zero.
 */
static void *
table_alloc(size_t bytes)
{
	size_t len = bytes + HUGE_PAGE;
	uint8_t *p, *a;

	if (bytes < HUGE_PAGE)
		return calloc(1, bytes);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + bytes < p + len)
		munmap(a + bytes, (size_t)(p + len - (a + bytes)));
#ifdef MADV_HUGEPAGE
	madvise(a, bytes, MADV_HUGEPAGE);
#endif
	return a;
}

static void
table_free(void *p, size_t bytes)
{
	if (p == NULL)
		return;
	if (bytes < HUGE_PAGE)
		free(p);
	else
		munmap(p, bytes);
}

static size_t
pow2_for(size_t n)
{
	size_t size = 16;

	while (size * 7 < n * 10)
		size <<= 1;
	return size;
}

struct index *
index_new(size_t n, size_t gen)
{
	struct index *ix = calloc(1, sizeof(*ix));
	size_t size = pow2_for(n);

	if (ix == NULL)
		return NULL;
	ix->gen = gen;
	ix->cap = n;
	/*
	 * Families are unknown until the scan: size both for N. Large
	 * allocations are fresh zero pages, so the table of a family with
	 * no entries costs address space, not memory.
	 */
	ix->mask4 = ix->mask6 = size - 1;
	ix->capvals = 64;
	ix->valmask = 127;
	if ((ix->s4 = table_alloc(size * sizeof(*ix->s4))) == NULL ||
	    (ix->s6 = table_alloc(size * sizeof(*ix->s6))) == NULL ||
	    (ix->e6 = malloc((n ? n : 1) * sizeof(*ix->e6))) == NULL ||
	    (ix->vals = malloc(ix->capvals * sizeof(*ix->vals))) == NULL ||
	    (ix->valhash = calloc(ix->valmask + 1, sizeof(*ix->valhash))) ==
	    NULL) {
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
	table_free(ix->s4, (ix->mask4 + 1) * sizeof(*ix->s4));
	table_free(ix->s6, (ix->mask6 + 1) * sizeof(*ix->s6));
	free(ix->e6);
	free(ix->vals);
	free(ix->valhash);
	free(ix);
}

/* The number of value V, adding it if new; -1 when out of memory. */
static long
val_ref(struct index *ix, const struct ival *v)
{
	size_t h;

	if ((ix->nvals + 1) * 2 > ix->valmask + 1) {
		size_t size = (ix->valmask + 1) * 2;
		uint32_t *nh = calloc(size, sizeof(*nh));

		if (nh == NULL)
			return -1;
		for (size_t i = 0; i < ix->nvals; i++) {
			h = hashval(&ix->vals[i]) & (size - 1);
			while (nh[h] != 0)
				h = (h + 1) & (size - 1);
			nh[h] = (uint32_t)i + 1;
		}
		free(ix->valhash);
		ix->valhash = nh;
		ix->valmask = size - 1;
	}
	h = hashval(v) & ix->valmask;
	for (; ix->valhash[h] != 0; h = (h + 1) & ix->valmask)
		if (memcmp(&ix->vals[ix->valhash[h] - 1], v, sizeof(*v)) == 0)
			return ix->valhash[h] - 1;
	if (ix->nvals == ix->capvals) {
		struct ival *nv = realloc(ix->vals, ix->capvals * 2 *
		    sizeof(*nv));

		if (nv == NULL)
			return -1;
		ix->vals = nv;
		ix->capvals *= 2;
	}
	ix->vals[ix->nvals] = *v;
	ix->valhash[h] = (uint32_t)ix->nvals + 1;
	return (long)ix->nvals++;
}

int
index_add(struct index *ix, int family, int plen, const uint8_t *addr,
    int src, const struct index_val *v)
{
	struct ival iv;
	long ref;
	size_t h;

	if (ix->n >= ix->cap) {
		errno = ENOSPC;
		return -1;
	}
	memset(&iv, 0, sizeof(iv));
	iv.a = v->a;
	iv.txt = v->txt;
	iv.expires = v->expires;
	iv.src = (uint16_t)src;
	iv.plen = (uint8_t)plen;
	iv.excl = v->excl;
	if ((ref = val_ref(ix, &iv)) < 0)
		return -1;
	ix->n++;
	if (family == 4) {
		uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
		    (uint32_t)addr[2] << 8 | addr[3];

		h = hash4(a, plen, src) & ix->mask4;
		while (ix->s4[h].val != 0)
			h = (h + 1) & ix->mask4;
		ix->s4[h].addr = a;
		ix->s4[h].val = (uint32_t)ref + 1;
		ix->n4++;
		ix->used4[plen / 32] |= 1u << (plen % 32);
	} else {
		uint64_t hv = hash6(addr, plen, src);

		memcpy(ix->e6[ix->n6].addr, addr, 16);
		ix->e6[ix->n6].val = (uint32_t)ref;
		h = hv & ix->mask6;
		while (ix->s6[h].ent != 0)
			h = (h + 1) & ix->mask6;
		ix->s6[h].tag = (uint32_t)(hv >> 32);
		ix->s6[h].ent = (uint32_t)++ix->n6;
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
	/* The value index is for building only. */
	free(ix->valhash);
	ix->valhash = NULL;
}

size_t
index_gen(const struct index *ix)
{
	return ix->gen;
}

size_t
index_bytes(const struct index *ix)
{
	/* What is touched: the slots of the families in use, the values. */
	return (ix->n4 ? (ix->mask4 + 1) * sizeof(struct slot4) : 0) +
	    (ix->n6 ? (ix->mask6 + 1) * sizeof(struct slot6) : 0) +
	    ix->n6 * sizeof(struct ent6) + ix->nvals * sizeof(struct ival);
}

int
index_plens(const struct index *ix, int family, const uint8_t **plens)
{
	*plens = family == 4 ? ix->plens4 : ix->plens6;
	return family == 4 ? ix->np4 : ix->np6;
}

static uint32_t
masked4(const uint8_t *addr, int plen)
{
	uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
	    (uint32_t)addr[2] << 8 | addr[3];

	return plen == 0 ? 0 : a & (0xffffffffu << (32 - plen));
}

void
index_prefetch(const struct index *ix, int family, int plen,
    const uint8_t *addr, int src)
{
	if (family == 4)
		__builtin_prefetch(&ix->s4[hash4(masked4(addr, plen), plen,
		    src) & ix->mask4]);
}

/* The caller sees the public type, not how the table stores it. */
static bool
out(const struct ival *v, struct index_val *o)
{
	o->a = v->a;
	o->txt = v->txt;
	o->expires = v->expires;
	o->excl = v->excl;
	return true;
}

bool
index_get(const struct index *ix, int family, int plen, const uint8_t *addr,
    int src, struct index_val *o)
{
	size_t h;

	if (family == 4) {
		uint32_t a = masked4(addr, plen);

		h = hash4(a, plen, src) & ix->mask4;
		for (; ix->s4[h].val != 0; h = (h + 1) & ix->mask4) {
			const struct ival *v;

			if (ix->s4[h].addr != a)
				continue;
			v = &ix->vals[ix->s4[h].val - 1];
			if (v->plen == plen && v->src == src)
				return out(v, o);
		}
	} else {
		uint64_t hv;
		uint8_t m[16];

		for (int i = 0; i < 16; i++) {
			int bits = plen - i * 8;

			m[i] = bits >= 8 ? addr[i] : bits <= 0 ? 0 :
			    (uint8_t)(addr[i] & (0xff00 >> bits));
		}
		hv = hash6(m, plen, src);
		h = hv & ix->mask6;
		for (; ix->s6[h].ent != 0; h = (h + 1) & ix->mask6) {
			const struct ent6 *e;
			const struct ival *v;

			if (ix->s6[h].tag != (uint32_t)(hv >> 32))
				continue;
			e = &ix->e6[ix->s6[h].ent - 1];
			v = &ix->vals[e->val];
			if (v->plen == plen && v->src == src &&
			    memcmp(e->addr, m, 16) == 0)
				return out(v, o);
		}
	}
	return false;
}
