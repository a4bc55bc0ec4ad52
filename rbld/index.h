/* SPDX-License-Identifier: BSD-2-Clause */
/* An in-memory, read-only copy of the entries of one LMDB snapshot, for fast lookups. */
#ifndef RBLD_INDEX_H
#define RBLD_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One entry as the answer path needs it. */
struct index_val {
	uint32_t	a;
	uint32_t	txt;
	uint32_t	expires;
	uint8_t		excl;
};

struct index;

/*
 * An empty index for N entries of the snapshot whose generation is GEN: the
 * store's count of entry changes ever committed ("changes" in its meta), not
 * LMDB's transaction id, so that a commit that changes no entry (a feed's
 * status, say) leaves the index exact.
 */
struct index	*index_new(size_t n, size_t gen);
void		 index_free(struct index *);

/* Add a key (family 4|6, prefix length, masked address, source id); the
 * caller adds each key once. Returns 0, or -1 with errno ENOSPC when full
 * or ENOMEM. */
int		 index_add(struct index *, int family, int plen,
		    const uint8_t *addr, int src, const struct index_val *v);

/* Mark the prefix lengths in use, computed from the keys added. */
void		 index_finish(struct index *);

/* The GEN the index was made with. */
size_t		 index_gen(const struct index *);
size_t		 index_bytes(const struct index *);

/* Fill OUT with the value of an exact key and return true; false (OUT left
 * alone) if the index has no such key. */
bool		 index_get(const struct index *, int family, int plen,
		    const uint8_t *addr, int src, struct index_val *out);

/* Start loading the slot of a key into the cache (IPv4): issuing all of a
 * query's probes before using any overlaps their memory latency. */
void		 index_prefetch(const struct index *, int family, int plen,
		    const uint8_t *addr, int src);

/* Prefix lengths in use for a family, longest first. */
int		 index_plens(const struct index *, int family,
		    const uint8_t **plens);

#endif
