/* SPDX-License-Identifier: BSD-2-Clause */
/* The catalog zone (RFC 9432, version 2): every zone rbld serves, as a member secondaries provision themselves from. */
#ifndef RBLD_CATALOG_H
#define RBLD_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "view.h"
#include "wire.h"

#define CATALOG_TTL	0	/* the catalog's records are not for caches */

/*
 * Fill V's catalog from its configuration ([rbld] catalog; nothing when
 * there is none): its name, SOA and NS, and each member's label. 0, or -1
 * (EINVAL) with a message in ERR.
 */
int		 catalog_build(struct view *v, char *err, size_t errlen);

/* A number that changes when the members do (their names, hence their
 * labels): a reload that changes it moves the catalog's serial. */
uint64_t	 catalog_fingerprint(const struct view *v);

/*
 * The catalog's records besides its SOA and NS, in order: the version
 * TXT, then a PTR per member zone. OWNER is the labels in front of the
 * catalog's name.
 */
struct catalog_rec {
	uint8_t		 owner[WIRE_NAME_MAX];
	size_t		 olen;
	uint16_t	 type;		/* TYPE_TXT or TYPE_PTR */
	const uint8_t	*rdata;
	size_t		 rdlen;
};

/* Records there are; record I of them in *OUT (0 <= I < catalog_nrecs). */
int		 catalog_nrecs(const struct view *v);
void		 catalog_rec(const struct view *v, int i, struct catalog_rec *out);

/* Record R into W, its owner the labels and then APEX (ALEN bytes: the
 * catalog's name, or a compression pointer to it). */
void		 catalog_put(struct wire_buf *w, const struct catalog_rec *r,
		    const uint8_t *apex, size_t alen);

#endif
