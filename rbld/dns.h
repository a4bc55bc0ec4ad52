/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS answers: parse a query and build the reply into a caller's buffer. */
#ifndef RBLD_DNS_H
#define RBLD_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;
struct hits_ring;

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
	uint64_t	rrl_dropped, rrl_slipped;	/* rate limited (net.c) */
	uint64_t	tcp_per_ip, tcp_evicted, tcp_closed;	/* TCP limits */
	uint64_t	zone_rcode[DNS_STATS_ZONES][DNS_RC_SLOTS];
	uint64_t	nozone_rcode[DNS_RC_SLOTS];
	uint64_t	zone_listed[DNS_STATS_ZONES];
	uint64_t	zone_unlisted[DNS_STATS_ZONES];
};

/* "NOERROR", "NXDOMAIN", ... for a slot; NULL when out of range. */
const char	*dns_rcode_slot_name(int slot);

/* A zone transfer a client may have: what dns_xfr_check found. */
struct dns_xfr {
	int		zone;		/* in the view; -1: the catalog */
	bool		catalog;
	uint16_t	id, qtype;	/* TYPE_AXFR or TYPE_IXFR */
	size_t		qend;		/* the question ends here in the query */
	bool		has_serial;	/* IXFR: the client's SOA serial */
	uint32_t	serial;
	bool		is_signed;	/* with zone KEYZONE's transfer-key */
	int		keyzone;	/* (-1: unsigned): the request's MAC, */
	uint8_t		mac[64];	/* which the answers' signatures */
	size_t		maclen;		/* chain from */
};

/* What answers are made from; a worker fills it in for each batch. */
struct dns_ctx {
	const struct view	*view;
	struct store_reader	*rd;		/* between store_reader_begin and _end */
	struct apex_cache	*apexes;	/* the worker's own */
	uint32_t		 now;		/* for expiry */
	struct dns_stats	*stats;		/* the worker's own */
	struct hits_ring	*hits;		/* listed answers; NULL: none */
	const struct sockaddr	*peer;		/* the client; NULL: not known */
	/* TCP: where a transfer the client may have is described (and
	 * dns_answer replies nothing: the caller streams it); NULL: none. */
	struct dns_xfr		*xfr;
	/* A NOTIFY for ZONE (text, lowercase) from PEER: how many of our
	 * feeds it concerns (0: refused); NULL: NOTIFY is not taken. */
	int			(*notified)(void *arg, const char *zone,
				    const struct sockaddr *peer);
	void			*notified_arg;
};

/*
 * Answer query Q of QLEN bytes into OUT (OUTMAX bytes: 65535 for TCP).
 * Returns the reply length, or 0 when the packet deserves no reply at all.
 * Allocates nothing of its own (the reader keeps a source's metadata, read
 * once per source and snapshot, in a slot of its own).
 */
size_t		 dns_answer(const struct dns_ctx *, const uint8_t *q, size_t qlen,
		    uint8_t *out, size_t outmax, bool tcp);

/*
 * Is Q (QLEN bytes) a transfer request (AXFR, IXFR) that PEER may have,
 * over TCP, of a zone of V? 0 with *OUT filled, or the rcode to refuse it
 * with: REFUSED for a name that is no zone's apex and for a client not in
 * the zone's `transfer`, NOTAUTH for a zone with a transfer-key when the
 * request is not signed with it (RFC 8945), FORMERR for a malformed
 * request. -1 when Q is no transfer request at all. The catalog zone goes
 * to whoever may transfer one of its members, as that member would.
 */
int		 dns_xfr_check(const struct view *v, const uint8_t *q,
		    size_t qlen, const struct prefix *peer, struct dns_xfr *out);

/* Records as answers and transfers write them, OWNER (OLEN bytes) in wire
 * form or a compression pointer (2 bytes). */
struct listing_rr;
struct wire_buf;
void		 dns_put_soa(struct wire_buf *w, const uint8_t *owner,
		    size_t olen, const struct apex *ap, uint32_t serial,
		    uint32_t ttl);
void		 dns_put_ns(struct wire_buf *w, const uint8_t *owner,
		    size_t olen, const struct apex *ap, int i);
void		 dns_put_rr(struct wire_buf *w, const uint8_t *owner,
		    size_t olen, const struct listing_rr *r);

/* REPLY (LEN bytes, a reply of dns_answer) cut to its header and question
 * with TC set, which asks the client to come again over TCP: the new
 * length, 0 when it is not a reply. */
size_t		 dns_slip(uint8_t *reply, size_t len);

/* A reply to Q with RCODE and Q's question, into OUT (OUTMAX bytes); its
 * length, 0 when Q is too damaged to answer. */
size_t		 dns_error_reply(const uint8_t *q, size_t qlen, int rcode,
		    uint8_t *out, size_t outmax);

#endif
