/* SPDX-License-Identifier: BSD-2-Clause */
/* The zones as one configuration makes them, their apex, and the [allow] list. */
#ifndef RBLD_VIEW_H
#define RBLD_VIEW_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ipaddr.h"
#include "store.h"
#include "tsig.h"
#include "wire.h"

#define VIEW_MAX_ZONES		CONF_MAX_ZONES
#define VIEW_MAX_SOURCES	CONF_MAX_ZONE_SOURCES
#define VIEW_MAX_NS		CONF_MAX_NS
#define VIEW_DEFAULT_TTL	2100	/* rbldnsd's default, 35 minutes */

/*
 * What a zone's answers carry besides the entries: the SOA and NS records
 * at its apex and the TTL of each source's answers. The config's soa and
 * ns win; without them, those of the zone's first source whose data file
 * (or rbldnsd-format feed) has $SOA or $NS; without those, a SOA naming
 * the zone. A source's TTL is its file's $TTL, else the zone's ttl.
 */
struct apex {
	uint8_t		mname[WIRE_NAME_MAX], rname[WIRE_NAME_MAX];
	size_t		mlen, rlen;
	uint32_t	soa_ttl, refresh, retry, expire, minimum;
	int		nns;
	uint8_t		ns[VIEW_MAX_NS][WIRE_NAME_MAX];
	size_t		nslen[VIEW_MAX_NS];
	uint32_t	ns_ttl;
	uint32_t	src_ttl[VIEW_MAX_SOURCES];	/* in the zone's sources order */
};

/* One zone: conf->zones[i] is view->zones[i]. */
struct view_zone {
	const struct conf_zone *cz;
	int		 slot;		/* the store's, for its serial (store_set_zones) */
	uint8_t		 name[WIRE_NAME_MAX];	/* lowercase wire form */
	size_t		 namelen;
	int		 nlabels;
	uint32_t	 ttl;		/* the zone's ttl, or VIEW_DEFAULT_TTL */
	int		 nsrc;
	int		 srcids[VIEW_MAX_SOURCES];	/* store ids, sources order */
	const struct conf_source *src[VIEW_MAX_SOURCES];
	struct apex	 conf_apex;	/* the config's SOA and NS, defaults filled in */
	bool		 has_key;	/* transfer-key: transfers and NOTIFYs signed */
	struct tsig_key	 xfr_key;
};

/*
 * The catalog zone ([rbld] catalog, RFC 9432 version 2): every zone of the
 * view is a member, under a label of its own that stays the same while its
 * name does (catalog.c).
 */
struct view_catalog {
	bool		 on;
	const char	*text;		/* its name, lowercase, no final dot */
	uint8_t		 name[WIRE_NAME_MAX];	/* wire form */
	size_t		 namelen;
	int		 nlabels;
	struct apex	 ap;		/* SOA and NS: "invalid." (RFC 9432 4.1) */
	uint32_t	 serial;	/* set before the view serves */
	char		 id[VIEW_MAX_ZONES][17];	/* zone i's label */
};

/*
 * Everything answers need that one configuration decides, built once per
 * reload (or change of the [allow] file) and never changed after: DNS
 * workers and API requests share it.
 */
struct view {
	uint64_t		 gen;		/* unique to this view (for caches) */
	const struct conf	*conf;
	int			 srcids[CONF_MAX_SOURCES];	/* of conf->sources */
	int			 nzones;
	struct view_zone	 zones[VIEW_MAX_ZONES];
	struct view_catalog	 catalog;
	int			 nallow;	/* never listed: [allow] nets and file, */
	struct prefix		*allow;		/* then the runtime allowlist */
	int			 nallow_conf;	/* how many are [allow]'s */
	uint32_t		 allow_expiry;	/* the runtime's next expiry; 0 none */
};

/*
 * The view of CONF, whose sources have store ids SRCIDS, with ALLOW (NALLOW
 * prefixes: [allow]'s nets and its file's entries, copied). CONF must
 * outlive the view. NULL (message in ERR) on failure.
 */
struct view	*view_build(const struct conf *conf, const int *srcids,
		    const struct prefix *allow, int nallow, char *err,
		    size_t errlen);
void		 view_free(struct view *v);

/*
 * The view in force: the runtime puts a new one in force at each reload,
 * DNS workers and API requests read it inside grace_enter/grace_exit.
 */
struct view_ref {
	_Atomic(struct view *) cur;
};

/* The view in force (NULL before the first); only inside a read section. */
const struct view *view_get(struct view_ref *);

/* Put V in force; the one before is freed once no reader can hold it
 * (its configuration is the caller's to retire, when it goes too). */
void		 view_set(struct view_ref *, struct view *v);

/* Is ADDR (4 or 16 bytes of FAMILY) in [allow]? */
bool		 view_allowed(const struct view *, int family,
		    const uint8_t *addr);

/* The apex of zone Z in the snapshot RD reads (between store_reader_begin
 * and _end). Never fails: a source without metadata has none. */
void		 view_apex(const struct view *, int z, struct store_reader *rd,
		    struct apex *out);

/*
 * What zone Z's records depend on besides the store (its SOA and NS, TTL,
 * sources and their defaults, [allow]), as a number that changes when any
 * of it does: a reload that changes it moves the zone's serial
 * (store_zone_config), since its secondaries' copies are stale.
 */
uint64_t	 view_zone_fingerprint(const struct view *v, int z);

/*
 * One thread's apexes, each resolved once and kept while the view and the
 * snapshot stay the same: answers read them without converting a name.
 */
struct apex_cache {
	uint64_t	view_gen;
	uint64_t	snapshot;
	uint32_t	resolved;	/* bit z: apex[z] is current */
	struct apex	apex[VIEW_MAX_ZONES];
};

/* Zone Z's apex in RD's snapshot, from C when it is current there. */
const struct apex *view_apex_cached(const struct view *, int z,
		    struct store_reader *rd, struct apex_cache *c);

#endif
