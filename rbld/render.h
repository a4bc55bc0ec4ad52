/* SPDX-License-Identifier: BSD-2-Clause */
/* A zone as the records a standard DNS server serves, streamed name by name from one snapshot. */
#ifndef RBLD_RENDER_H
#define RBLD_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "listing.h"
#include "store.h"
#include "view.h"

/*
 * How a DNSBL becomes a static zone: each listed address is a name (its
 * octets or nibbles, reversed, under the apex); each CIDR is wildcards at
 * its octet (IPv4) or nibble (IPv6) boundaries, split into aligned pieces
 * when it does not end on one; the wildcards that empty non-terminals
 * need are added; and around what rbld never lists there (exclusions,
 * [allow], 127.0.0.1, the test point's neighbours) a wildcard is replaced
 * by its siblings one by one so that those stay unlisted. Every record is
 * what listing_find and listing_records give for an address the name
 * stands for, so a standard server loaded with them lists exactly what
 * rbld lists, with the same A records (a wildcard's TXT names its range:
 * a static record cannot expand "$").
 *
 * The renderer walks the zone's entries in address order (store_scan) and
 * holds only the path from the apex to the current name: its memory does
 * not grow with the zone. Names come out children before parents; the
 * SOA and NS at the apex are the caller's to write.
 */

/* A name under the apex. */
struct render_name {
	uint8_t		family;		/* 4: octet labels, 6: nibble labels */
	uint8_t		depth;		/* labels below the apex */
	bool		wild;		/* "*." before them */
	uint8_t		addr[16];	/* the labels' address, the rest zero */
};

/* NAME relative to the apex, as a master file writes it ("*.3.2.1"). */
void		 render_name_text(const struct render_name *name, char *buf,
		    size_t len);
/* NAME under the zone ZONE (wire form, ZLEN bytes) in wire form, into OUT
 * (WIRE_NAME_MAX bytes); its length, or 0 when it would be too long. */
size_t		 render_name_wire(const struct render_name *name,
		    const uint8_t *zone, size_t zlen, uint8_t *out);

struct render;

/*
 * The records of zone Z of V as the snapshot RD holds it (between
 * store_reader_begin and _end, for the renderer's whole life but for
 * suspensions), with its apex AP, at time NOW. NULL with errno (ENOMEM,
 * EIO) on failure.
 */
struct render	*render_new(const struct view *v, int z,
		    struct store_reader *rd, const struct apex *ap,
		    uint32_t now);

/*
 * Only the names under one first label, FAMILY's first octet or nibble
 * DIGIT (a store_dirty region): exactly the records render_new gives
 * there, for a journal step that re-renders what a change touched.
 */
struct render	*render_region(const struct view *v, int z,
		    struct store_reader *rd, const struct apex *ap,
		    uint32_t now, int family, unsigned digit);

/*
 * The next record: 1 with *NAME and *RR (valid until the next call), 0
 * when the zone is done, -1 with errno (EIO, ENOMEM). A name's A records
 * come before its TXT records.
 */
int		 render_next(struct render *, struct render_name *name,
		    const struct listing_rr **rr);

/*
 * Let RD's snapshot go (before store_reader_end), and go on after a new
 * store_reader_begin. The caller makes sure the zone is the same in the
 * new snapshot (its serial): the renderer does not read again what it
 * has already read.
 */
void		 render_suspend(struct render *);
int		 render_resume(struct render *);

/* Names with an A record so far, and records so far. */
unsigned long	 render_names(const struct render *);
unsigned long	 render_records(const struct render *);

void		 render_free(struct render *);

#endif
