/* SPDX-License-Identifier: BSD-2-Clause */
/* Feeds: fetch, vet and apply a source's list, keep every feed on its schedule. */
#ifndef RBLD_FEED_H
#define RBLD_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "feed_parse.h"
#include "store.h"

#define FEED_VALIDATOR_MAX	256	/* an ETag or Last-Modified, with NUL */

/* A feed's state, kept in the database across restarts. */
struct feed_status {
	int64_t		last_attempt;	/* unix times; 0 = never */
	int64_t		last_success;
	int		http_status;	/* of the last attempt; 0 if not HTTP */
	uint32_t	failures;	/* in a row */
	uint64_t	entries;	/* of the list serving now */
	int64_t		changed;	/* keys the last attempt changed; -1 if none ran */
	struct feed_counts counts;	/* of the last list parsed */
	char		etag[FEED_VALIDATOR_MAX];	/* of the serving list */
	char		last_modified[FEED_VALIDATOR_MAX];
	char		error[FEED_ERR_MAX + 64];	/* why the last attempt failed, or "" */
};

/*
 * Fetch source CS (id SRCID) now, vet the list and replace the source's
 * feed entries with it in one transaction, writing only the difference
 * (an axfr feed's names are under the zone its url names). On any failure
 * the stored
 * list stays. The status is saved and copied to OUT (may be NULL). Returns
 * 0 when the source serves the feed's current list, else -1 with errno
 * (EINVAL: the list was rejected; EIO: the fetch or the database failed)
 * and in ERR what went wrong and what serves meanwhile.
 */
int		 feed_refresh(struct store *st, const struct conf_source *cs,
		    int srcid, struct feed_status *out, char *err,
		    size_t errlen);

/* How often CS is fetched: its every, or its operator's minimum if longer. */
uint32_t	 feed_interval(const struct conf_source *cs);

/* The saved status of a feed; -1 and zeroes if it was never fetched
 * (ENOENT) or cannot be read (EIO). */
int		 feed_status_get(struct store *st, int srcid, struct feed_status *);

/* A thread that keeps every feed of CONF on its schedule. */
struct feeds;
struct feeds	*feeds_start(struct store *st, const struct conf *conf,
		    const int *srcids);
void		 feeds_update(struct feeds *, const struct conf *conf,
		    const int *srcids);
void		 feeds_stop(struct feeds *);

/*
 * A NOTIFY (RFC 1996) for ZONE from PEER: every axfr feed of ZONE whose
 * primary is PEER's address is fetched at once (at most once per
 * FEED_NOTIFY_SECS). Returns how many feeds it names (0: not ours).
 */
#define FEED_NOTIFY_SECS	5
struct sockaddr;
int		 feeds_notified(struct feeds *, const char *zone,
		    const struct sockaddr *peer);

#endif
