/* SPDX-License-Identifier: BSD-2-Clause */
/* The answers of upstream DNS lists, cached within their TTLs, in bounded memory. */
#ifndef RBLD_UPSTREAM_CACHE_H
#define RBLD_UPSTREAM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipaddr.h"

#define UCACHE_A_MAX	8	/* answer addresses kept per question */
#define UCACHE_TXT_MAX	255	/* TXT bytes kept (one string, cut) */

/*
 * What one upstream list said about one address: listed with its A
 * records (and TXT, when asked), or not listed. A question nobody has
 * answered yet is "pending": the first to ask it sends the one upstream
 * query, and whoever asks meanwhile waits for that answer instead of
 * sending another (ucache_claim).
 */
struct uanswer {
	bool		listed;
	uint8_t		na;
	uint8_t		a[UCACHE_A_MAX][4];
	uint8_t		txtlen;		/* 0: none */
	char		txt[UCACHE_TXT_MAX];
};

enum ucache_state { UCACHE_MISS, UCACHE_PENDING, UCACHE_HIT };

struct ucache;

/*
 * A cache of at most BYTES (its table is allocated at once, so memory is
 * bounded whatever is asked), keeping answers for their TTL clamped to
 * MIN_TTL .. MAX_TTL seconds, and a pending question for PENDING_TTL
 * seconds at most (then it is asked again). NULL when out of memory.
 * Safe for any number of threads.
 */
struct ucache	*ucache_new(size_t bytes, uint32_t min_ttl, uint32_t max_ttl,
		    uint32_t pending_ttl);
void		 ucache_free(struct ucache *);

/* Entries the table holds at most. */
size_t		 ucache_capacity(const struct ucache *);

/* Source SRC's answer about IP at NOW into *OUT (when UCACHE_HIT). */
enum ucache_state ucache_get(struct ucache *, int src, const struct prefix *ip,
		    uint32_t now, struct uanswer *out);

/*
 * Claim the question (SRC, IP) at NOW: true if the caller is the first and
 * is to ask upstream (it is pending from now on), false if it is answered
 * already or another caller is asking (UCACHE_PENDING in ucache_get).
 */
bool		 ucache_claim(struct ucache *, int src, const struct prefix *ip,
		    uint32_t now);

/* The upstream's answer A about (SRC, IP), with the TTL it gave, at NOW;
 * the question is no longer pending. */
void		 ucache_put(struct ucache *, int src, const struct prefix *ip,
		    const struct uanswer *a, uint32_t ttl, uint32_t now);

/* The question (SRC, IP) failed (a timeout, SERVFAIL): not pending any more,
 * nothing cached, so the next asker asks again. */
void		 ucache_fail(struct ucache *, int src, const struct prefix *ip);

#endif
