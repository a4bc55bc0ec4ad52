/* SPDX-License-Identifier: BSD-2-Clause */
/* Feed formats: turn a downloaded blocklist into entries, or refuse it as broken. */
#ifndef RBLD_FEED_PARSE_H
#define RBLD_FEED_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipaddr.h"
#include "rbldnsd.h"

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
 * fit to serve, or -1 with a one-line reason in ERR: errno EINVAL when it
 * must be rejected (HTML, binary junk, mostly unparseable, empty, a bad
 * FORMAT or ZONE), ENOMEM with "out of memory" when memory ran out, here or
 * in rbldnsd_init, and D holds only part of the list (its nomem is set).
 */
int		 feed_parse(enum feed_format format, const char *buf, size_t len,
		    const char *zone, const struct feed_policy *policy,
		    struct rbl_data *d, struct feed_counts *counts,
		    char *err, size_t errlen);

/* True if P lies in or covers a bogon/special-use range (RFC 6890 and
 * friends: 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16,
 * documentation, benchmarking, multicast, reserved; IPv6 likewise). */
bool		 feed_special(const struct prefix *p);

#endif
