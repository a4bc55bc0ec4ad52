/* SPDX-License-Identifier: BSD-2-Clause */
/* The runtime allowlist: prefixes the API allows, kept in the database beside [allow]. */
#ifndef RBLD_ALLOW_H
#define RBLD_ALLOW_H

#include <stdint.h>

#include "ipaddr.h"
#include "store.h"
#include "token.h"

#define ALLOW_MAX	65536	/* runtime entries at most */

/* One entry: never listed by any zone, as [allow]'s are, until EXPIRES. */
struct allow_entry {
	struct prefix	p;		/* canonical (IPv4-mapped is IPv4) */
	uint32_t	added;
	uint32_t	expires;	/* 0: never */
	char		by[TOKEN_NAME_MAX + 1];	/* the token that added it */
	char		reason[STORE_REASON_MAX + 1];
};

/* Add E, or replace the entry of the same prefix: 0, or -1 with errno
 * (EMLINK ALLOW_MAX reached, ENOSPC the disk full, EIO, EINVAL). */
int	allow_put(struct store *, const struct allow_entry *e);

/* Remove P's entry: 0, or -1 with errno ENOENT (none), EIO. */
int	allow_del(struct store *, const struct prefix *p);

/* P's entry into OUT: 0, or -1 with errno ENOENT, EIO. */
int	allow_get(struct store *, const struct prefix *p,
	    struct allow_entry *out);

/* Remove the entries expired at NOW: how many, or -1 (EIO). */
long	allow_expire(struct store *, uint32_t now);

/* FN for each entry, expired or not, in name order, until it returns
 * non-zero; an entry that cannot be read is passed over. 0, or -1 (EIO). */
int	allow_walk(struct store *, int (*fn)(void *arg,
	    const struct allow_entry *e), void *arg);

#endif
