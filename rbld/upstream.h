/* SPDX-License-Identifier: BSD-2-Clause */
/* Asking upstream DNS lists about addresses, with libunbound, off every DNS worker. */
#ifndef RBLD_UPSTREAM_H
#define RBLD_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipaddr.h"
#include "match.h"
#include "parse.h"
#include "upstream_cache.h"

#define UPSTREAM_STUBS_MAX	32	/* sources with a server of their own */
#define UPSTREAM_QUEUE		4096	/* questions waiting to be sent */
#define UPSTREAM_SOURCES	64	/* source indices (struct upstream_q's src) */
#define UPSTREAM_LAT_BUCKETS	16	/* latency histogram: < 2^i ms */

/* How the resolver reaches the lists. */
struct upstream_conf {
	const char	*forward;	/* "ADDR@PORT" to forward to; NULL:
					 * full recursion from this host */
	int		 nstubs;	/* zones asked of one server directly */
	struct {
		char	 zone[PARSE_DNAME_MAX];
		char	 addr[64];	/* "ADDR@PORT" */
	} stubs[UPSTREAM_STUBS_MAX];
	/* The circuit breaker: after BREAK_AFTER failures in a row a source
	 * is not asked for BREAK_SECS (doubling while it keeps failing, up to
	 * 16 times); then one question tries it. 0 and 0: 5 and 30 s. */
	unsigned	 break_after;
	uint32_t	 break_secs;
};

/* One question: what does list SRC (whose zone is ZONE) say about IP. */
struct upstream_q {
	int		 src;		/* 0 .. UPSTREAM_SOURCES - 1; the cache's
					 * key, with ip */
	struct prefix	 ip;
	char		 zone[PARSE_DNAME_MAX];
	char		 source[64];	/* its name, for the log */
	bool		 txt;		/* ask its TXT too */
	struct match	 match;		/* the answers that count */
	/* Called in the resolver's thread once the answer (or the failure)
	 * is in the cache; NULL for none. */
	void		(*done)(void *arg);
	void		*arg;
};

/* Per-resolver figures, for /metrics and rbldctl stats. */
struct upstream_stats {
	uint64_t	asked;		/* upstream queries sent */
	uint64_t	answered;	/* listed or not */
	uint64_t	failed;		/* SERVFAIL, REFUSED, timeouts, errors */
	uint64_t	unmatched;	/* answers that match does not take */
	uint64_t	dropped;	/* questions refused: the queue was full */
};

/* One source's figures. */
struct upstream_source_stats {
	uint64_t	asked;		/* questions sent */
	uint64_t	answered, failed, unmatched;
	uint64_t	skipped;	/* questions the breaker kept back */
	uint32_t	p50_ms, p99_ms;	/* an answer's latency, bucket bounds */
	uint32_t	broken_until;	/* the breaker is open until; 0 closed */
	uint32_t	last_error_time;
	char		last_error[128];	/* "" none yet */
};

struct upstream;

/*
 * A resolver with its own thread, filling CACHE. NULL with why not in
 * ERR (a bad address, no memory, no thread).
 */
struct upstream	*upstream_start(const struct upstream_conf *uc,
		    struct ucache *cache, char *err, size_t errlen);
void		 upstream_stop(struct upstream *);

/*
 * Ask Q (copied) unless the cache has it or another asker asks it already
 * (ucache_claim): 1 asked now, 0 answered or pending already (Q->done is
 * not called then), -1 with errno EAGAIN when the queue is full or
 * EHOSTDOWN while the source's breaker is open (count it as unanswered).
 */
int		 upstream_ask(struct upstream *, const struct upstream_q *q,
		    uint32_t now);

void		 upstream_stats(struct upstream *, struct upstream_stats *out);
void		 upstream_source_stats(struct upstream *, int src,
		    struct upstream_source_stats *out);

/* The name to ask about IP in ZONE: reversed octets or nibbles, the zone
 * after; -1 if it does not fit. */
int		 upstream_qname(const struct prefix *ip, const char *zone,
		    char out[PARSE_DNAME_MAX]);

#endif
