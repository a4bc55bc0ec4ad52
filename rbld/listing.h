/* SPDX-License-Identifier: BSD-2-Clause */
/* Who lists an address: the one place for every listing rule. */
#ifndef RBLD_LISTING_H
#define RBLD_LISTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipaddr.h"
#include "rbldnsd.h"
#include "store.h"
#include "view.h"

/*
 * The rules, for an address asked about in any zone:
 *
 *  - An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address a.b.c.d
 *    (ipaddr_canonical; the store keeps entries and view.c [allow] so).
 *  - A 6to4 address (2002:AABB:CCDD::/48) is looked up in the IPv6 data
 *    and its embedded IPv4 address (A.B.C.D) in the IPv4 data.
 *  - 127.0.0.1 is never listed (RFC 5782), nor its 6to4 form.
 *  - An address in [allow] is never listed. An IPv4 address in [allow]
 *    keeps its 6to4 form out of the IPv6 data too; an IPv6 address in
 *    [allow] keeps only itself out.
 *  - 127.0.0.2 is always listed (RFC 5782), [allow] or not: by the
 *    sources that list it, else with the zone's first source's A, TXT and
 *    TTL as if it listed it.
 *  - In each source the longest prefix that covers the address wins; an
 *    exclusion there, or an expired entry's absence, means "not by this
 *    source".
 *  - A source's answer is its entry's A and TXT template, with the
 *    source's TTL (its data file's $TTL, else the zone's).
 */

#define LISTING_LOOPBACK4	0x7f000001u	/* 127.0.0.1: never listed */
#define LISTING_TEST_POINT4	0x7f000002u	/* 127.0.0.2: always listed */

enum listing_never {
	LISTING_LISTABLE = 0,
	LISTING_LOOPBACK,	/* 127.0.0.1, the RFC 5782 "never listed" point */
	LISTING_ALLOWED,	/* in [allow] */
};

/* The addresses one address is looked up as. */
struct listing_addr {
	enum listing_never never;
	bool		 v6, v4;	/* look up a6 in IPv6 data, a4 in IPv4 */
	bool		 has6, has4;	/* the addresses, looked up or not */
	uint8_t		 a6[16], a4[4];
	bool		 test_point;	/* a4 is 127.0.0.2 */
};

/* One source's answer for an address in a zone. */
struct listing_hit {
	int		 src;		/* index in the zone's sources; -1: test point */
	uint8_t		 family;	/* the data it came from: 4 (a4) or 6 (a6) */
	uint8_t		 plen;		/* the matching entry's prefix length */
	uint32_t	 a;		/* host order */
	uint32_t	 txt;		/* template id in the store, or RBL_NO_TXT */
	const char	*tmpl;		/* the template when not in the store, or NULL */
	uint32_t	 ttl;
};

/* At most one hit per source and family, and the test point. */
#define LISTING_MAX_HITS	(2 * VIEW_MAX_SOURCES + 1)

/* What address IP (a full-length address of either family) is looked up
 * as in every zone of V. */
void	listing_addr(const struct view *v, const struct prefix *ip,
	    struct listing_addr *out);

/*
 * Who lists LA in zone Z of V, in the snapshot RD holds, at time NOW (an
 * entry expired at NOW does not count), with the zone's apex AP (for the
 * sources' TTLs): the IPv6 data's hits first, then the IPv4 data's, each
 * in the zone's sources order. Fills HITS (LISTING_MAX_HITS) and returns
 * how many, or -1 (errno EIO) when the store cannot be read.
 */
int	listing_find(const struct view *v, int z, const struct apex *ap,
	    struct store_reader *rd, const struct listing_addr *la,
	    uint32_t now, struct listing_hit *hits);

/*
 * listing_find for every zone of V in turn: FN(ARG, Z, HIT) for each hit
 * until FN returns non-zero. Returns the number of hits seen, or -1
 * (errno EIO) when the store cannot be read.
 */
int	listing_each(const struct view *v, struct store_reader *rd,
	    const struct listing_addr *la, uint32_t now,
	    int (*fn)(void *arg, int z, const struct listing_hit *hit),
	    void *arg);

/* HIT's TXT template (not NUL-terminated), or false when it has none. */
bool	listing_template(struct store_reader *rd, const struct listing_hit *hit,
	    const char **tmpl, size_t *len);

/*
 * HIT's TXT as DNS serves it for LA: the template with "$" the address
 * that matched, cut as rbldnsd cuts it. Returns the length (no NUL), 0 when
 * the hit has no TXT or it expands to nothing.
 */
size_t	listing_txt(struct store_reader *rd, const struct listing_addr *la,
	    const struct listing_hit *hit, char out[RBL_TXT_ANSWER_MAX]);

/* One record of an answer: an A, or a TXT of TXTLEN bytes. */
struct listing_rr {
	uint16_t	type;		/* TYPE_A or TYPE_TXT */
	uint32_t	ttl;
	uint32_t	a;
	uint8_t		txtlen;
	char		txt[RBL_TXT_ANSWER_MAX];
};

struct listing_rrs {
	int		  n;
	struct listing_rr rr[2 * LISTING_MAX_HITS];	/* an A and a TXT each */
};

/*
 * The records N hits give LA, as DNS answers them and exports write them:
 * each hit's A (if WANT_A), then its TXT (if WANT_TXT and it has one), in
 * the hits' order; identical records merge, and all the records of a type
 * share its lowest TTL (RFC 2181, 5.2). With RANGE, a TXT template's "$"
 * is RANGE instead of the matched address (a wildcard's records).
 */
void	listing_records(struct store_reader *rd, const struct listing_addr *la,
	    const struct listing_hit *hits, int n, bool want_a, bool want_txt,
	    const char *range, struct listing_rrs *out);

/*
 * Every range that FAMILY's data is never asked about, so that an entry
 * there lists nothing, calling FN for each until it returns non-zero: for
 * IPv4, 127.0.0.1 and [allow]'s IPv4 ranges (but for 127.0.0.2, which is
 * asked even there: an export answers it apart); for IPv6, the IPv4-mapped
 * range, the 6to4 forms of 127.0.0.1 and of [allow]'s IPv4 ranges, and
 * [allow]'s IPv6 ranges. Returns FN's last value.
 */
int	listing_unasked(const struct view *v, int family,
	    int (*fn)(void *arg, const struct prefix *), void *arg);

/* Does P lie inside a range listing_unasked names? */
bool	listing_is_unasked(const struct view *v, const struct prefix *p);

#endif
