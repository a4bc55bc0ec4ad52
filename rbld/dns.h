/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS answers: parse a query and build the reply into a caller's buffer. */
#ifndef RBLD_DNS_H
#define RBLD_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "view.h"

#define DNS_EDNS_SIZE	1232	/* what we advertise (DNS flag day 2020) */
#define DNS_STATS_ZONES	VIEW_MAX_ZONES

/* The rcodes dns_answer() replies with, as counter slots. */
enum dns_rcode_slot {
	DNS_RC_NOERROR,
	DNS_RC_NXDOMAIN,
	DNS_RC_REFUSED,
	DNS_RC_FORMERR,
	DNS_RC_NOTIMP,
	DNS_RC_SERVFAIL,
	DNS_RC_BADVERS,		/* EDNS version other than 0 */
	DNS_RC_SLOTS
};

/*
 * Counters a worker keeps, summed for stats. Only the worker writes them;
 * readers see them racily, which is good enough for monitoring.
 *
 * zone_rcode counts replies by the zone their question falls in (the index
 * in view->zones, config order) and rcode; a reply whose question did not
 * parse, or names no zone of ours, counts in nozone_rcode instead. Packets
 * dropped without a reply count in neither. zone_listed and zone_unlisted
 * count A, TXT and ANY questions about an address in the zone answered
 * positively, and with NXDOMAIN or NODATA.
 */
struct dns_stats {
	uint64_t	queries, noerror, nxdomain, nodata, refused, formerr;
	uint64_t	notimp, servfail, truncated, listed, dropped;
	uint64_t	zone_rcode[DNS_STATS_ZONES][DNS_RC_SLOTS];
	uint64_t	nozone_rcode[DNS_RC_SLOTS];
	uint64_t	zone_listed[DNS_STATS_ZONES];
	uint64_t	zone_unlisted[DNS_STATS_ZONES];
};

/* "NOERROR", "NXDOMAIN", ... for a slot; NULL when out of range. */
const char	*dns_rcode_slot_name(int slot);

/* What answers are made from; a worker fills it in for each batch. */
struct dns_ctx {
	const struct view	*view;
	struct store_reader	*rd;		/* between store_reader_begin and _end */
	struct apex_cache	*apexes;	/* the worker's own */
	uint32_t		 now;		/* for expiry */
	struct dns_stats	*stats;		/* the worker's own */
};

/*
 * Answer query Q of QLEN bytes into OUT (OUTMAX bytes: 65535 for TCP).
 * Returns the reply length, or 0 when the packet deserves no reply at all.
 * Allocates nothing of its own (the reader keeps a source's metadata, read
 * once per source and snapshot, in a slot of its own).
 */
size_t		 dns_answer(const struct dns_ctx *, const uint8_t *q, size_t qlen,
		    uint8_t *out, size_t outmax, bool tcp);

#endif
