/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS answers: parse a query and build the reply into a caller's buffer. */
#ifndef RBLD_DNS_H
#define RBLD_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipaddr.h"
#include "store.h"

#define DNS_MAX_SOURCES	16
#define DNS_MAX_NS	8
#define DNS_NAME_WIRE	256
#define DNS_DEFAULT_TTL	2100	/* rbldnsd's default, 35 minutes */
#define DNS_EDNS_SIZE	1232	/* what we advertise (DNS flag day 2020) */

/* One zone as the answer builder needs it; built from the config. */
struct dns_zone {
	uint8_t		wire[DNS_NAME_WIRE];	/* lowercase wire name */
	size_t		wirelen;
	int		nlabels;
	int		index;			/* for store_reader_serial */
	uint32_t	ttl;			/* default answer TTL */
	int		nsrc;
	int		srcids[DNS_MAX_SOURCES];
	uint32_t	src_a[DNS_MAX_SOURCES];	/* the source's default A */
	const char	*src_txt[DNS_MAX_SOURCES]; /* its default TXT or NULL */

	/* SOA and NS from the config; when absent, from the sources' files. */
	bool		has_soa;
	uint8_t		soa_mname[DNS_NAME_WIRE], soa_rname[DNS_NAME_WIRE];
	size_t		soa_mlen, soa_rlen;
	uint32_t	soa_refresh, soa_retry, soa_expire, soa_minimum;
	int		nns;
	uint8_t		ns[DNS_MAX_NS][DNS_NAME_WIRE];
	size_t		nslen[DNS_MAX_NS];
};

struct dns_view {
	int		 nzones;
	struct dns_zone	*zones;
	int		 nallow;	/* [allow]: never listed */
	struct prefix	*allow;
};

/* One zone per view->zones entry; CONF_MAX_ZONES must agree (net.c). */
#define DNS_STATS_ZONES	32

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

/* Text name ("bl.example.test", with or without final dot) to lowercase
 * wire form; returns the length or -1. */
int	dns_name_to_wire(const char *name, uint8_t *out, size_t outlen);

/* Is ADDR (4 or 16 bytes of FAMILY) in the view's [allow] list? */
bool	dns_allowed(const struct dns_view *v, int family, const uint8_t *addr);

/*
 * Answer query Q of QLEN bytes into OUT (OUTMAX bytes: 65535 for TCP). The
 * reader R must be between store_reader_begin and _end. NOW is the time used
 * for expiry. Returns the reply length, or 0 when the packet deserves no
 * reply at all. Never allocates.
 */
size_t	dns_answer(const struct dns_view *v, struct store_reader *r,
	    uint32_t now, const uint8_t *q, size_t qlen, uint8_t *out,
	    size_t outmax, bool tcp, struct dns_stats *st);

#endif
