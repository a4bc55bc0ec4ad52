/* SPDX-License-Identifier: BSD-2-Clause */
/* Zone transfers out (RFC 5936): a thread per transfer streams the zone from one snapshot. */
#ifndef RBLD_XFR_H
#define RBLD_XFR_H

#include <stddef.h>
#include <stdint.h>

#include "ipaddr.h"
#include "store.h"
#include "view.h"

#define XFR_MAX_ACTIVE	8	/* transfers at once; more are refused */

struct xfr;

/* Transfers of the zones in force in VIEWS, read from ST. */
struct xfr	*xfr_new(struct store *st, struct view_ref *views);

/*
 * Serve the transfer request Q (QLEN bytes, the DNS message without its
 * TCP length) that PEER sent on the TCP connection FD, on a thread of its
 * own: 0, and FD is the transfer's to close; -1 (errno EBUSY at
 * XFR_MAX_ACTIVE, or ENOMEM), and FD stays the caller's.
 */
int		 xfr_start(struct xfr *, int fd, const uint8_t *q, size_t qlen,
		    const struct prefix *peer);

/* Transfers in progress. */
int		 xfr_active(struct xfr *);

/* Stop every transfer, wait for their threads, and free X. */
void		 xfr_free(struct xfr *);

#endif
