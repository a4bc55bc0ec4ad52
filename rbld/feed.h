/* SPDX-License-Identifier: BSD-2-Clause */
/* Feeds: parse and vet downloaded blocklists, fetch them, keep them on schedule. */
#ifndef RBLD_FEED_H
#define RBLD_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "rbldnsd.h"
#include "store.h"

enum feed_format {
	FEED_PLAIN = 1,		/* an IP or CIDR per line, # and ; comments */
	FEED_RBLDNSD,		/* the full rbldnsd syntax, values included */
	FEED_SPAMHAUS,		/* drop.txt: "CIDR ; SBLnnn" */
	FEED_SPAMHAUS_JSON,	/* drop_v4.json / drop_v6.json: one object per line */
	FEED_DSHIELD,		/* block.txt: start, end, netblock, tab-separated */
	FEED_NETSET,		/* FireHOL .netset / .ipset */
	FEED_AXFR,		/* a DNSBL zone's names turned back into prefixes */
};

/* "plain" -> FEED_PLAIN ...; -1 if unknown. */
int		 feed_format_parse(const char *name);
const char	*feed_format_name(enum feed_format);

/* What a list may contain: a feed source's min-prefix, allow-special and
 * max-shrink (their defaults are rbld.conf's, in conf_schema.c). */
struct feed_policy {
	int		min_prefix4;	/* drop IPv4 entries broader than this */
	int		min_prefix6;	/* and IPv6 */
	bool		allow_special;	/* keep bogon/special ranges */
	unsigned	max_shrink;	/* percent a list may shrink */
};

/* What parsing a list found; also kept as the source's status. */
struct feed_counts {
	size_t		lines;		/* data lines (not comments) */
	size_t		accepted;	/* entries kept */
	size_t		rejected;	/* lines that did not parse */
	size_t		broad;		/* entries dropped by min-prefix */
	size_t		special;	/* entries dropped as bogon/special */
};

#define FEED_ERR_MAX	256

/*
 * Parse BUF (LEN bytes, the whole download) in FORMAT into D, which the
 * caller has set up with rbldnsd_init (source defaults) and finishes with
 * rbldnsd_finish. ZONE is the zone name for FEED_AXFR (NULL otherwise).
 * Applies POLICY's prefix and special-range rules. Returns 0 if the list is
 * fit to serve, or -1 with a one-line reason in ERR when it must be
 * rejected: HTML, binary junk, mostly unparseable, or empty.
 */
int		 feed_parse(enum feed_format format, const char *buf, size_t len,
		    const char *zone, const struct feed_policy *policy,
		    struct rbl_data *d, struct feed_counts *counts,
		    char err[FEED_ERR_MAX]);

/* True if P lies in or covers a bogon/special-use range (RFC 6890 and
 * friends: 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16,
 * documentation, benchmarking, multicast, reserved; IPv6 likewise). */
bool		 feed_special(const struct prefix *p);

/* ---- fetching and applying (feed.c) ---- */

/* A feed's state, kept in the database across restarts. */
struct feed_status {
	uint32_t	version;
	int64_t		last_attempt;	/* unix times; 0 = never */
	int64_t		last_success;
	int		http_status;	/* of the last attempt; 0 if not HTTP */
	uint32_t	failures;	/* in a row */
	uint64_t	entries;	/* of the list serving now */
	int64_t		changed;	/* keys the last attempt changed; -1 if none ran */
	struct feed_counts counts;	/* of the last list parsed */
	char		etag[256];	/* validators of the serving list */
	char		last_modified[256];
	char		error[FEED_ERR_MAX + 64];	/* why the last attempt failed, or "" */
};

/*
 * Fetch source CS (id SRCID) now, vet the list and replace the source's
 * feed entries with it in one transaction, writing only the difference.
 * ZONE names the zone for axfr feeds (else NULL). On any failure the stored
 * list stays. The status is saved and copied to OUT (may be NULL). Returns
 * 0 when the source serves the feed's current list, -1 otherwise (logged).
 */
int		 feed_refresh(struct store *st, const struct conf_source *cs,
		    int srcid, const char *zone, struct feed_status *out);

/* The saved status of a feed; -1 (and zeroes) if it was never fetched. */
int		 feed_status_get(struct store *st, int srcid, struct feed_status *);

/* A thread that keeps every feed of CONF on its schedule. */
struct feeds;
struct feeds	*feeds_start(struct store *st, const struct conf *conf,
		    const int *srcids);
void		 feeds_update(struct feeds *, const struct conf *conf,
		    const int *srcids);
void		 feeds_stop(struct feeds *);

#endif
