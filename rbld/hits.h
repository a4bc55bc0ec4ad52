/* SPDX-License-Identifier: BSD-2-Clause */
/* The hits log: the most recent listed answers, in a ring per DNS worker. */
#ifndef RBLD_HITS_H
#define RBLD_HITS_H

#include <stdatomic.h>
#include <stdint.h>

#include "ipaddr.h"

#define HITS_SOURCES	8	/* sources kept per hit */

/* One listed answer: when, to whom, about what, in which zone, and the
 * sources that listed it (store ids: they stay while a reload renames
 * nothing; the zone by its store slot, for the same reason). */
struct hit {
	uint32_t	time;
	struct prefix	client;		/* a full-length address */
	struct prefix	ip;		/* the address asked about */
	int16_t		zslot;
	uint8_t		nsrc;
	uint16_t	srcids[HITS_SOURCES];
};

/*
 * A ring that one thread writes and any thread reads without a lock: a
 * slot's sequence number is odd while it is written, and a reader keeps
 * a copy only if the number was even and the same before and after.
 */
struct hits_ring;

/* A ring of CAP hits (at least 1); NULL when out of memory. */
struct hits_ring *hits_ring_new(unsigned cap);
void		 hits_ring_free(struct hits_ring *);

/* Record H (its owner thread only). */
void		 hits_record(struct hits_ring *, const struct hit *h);

/* Up to MAX of the ring's hits into OUT, newest first: how many. */
unsigned	 hits_read(struct hits_ring *, struct hit *out, unsigned max);

#endif
