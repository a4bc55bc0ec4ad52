/* SPDX-License-Identifier: BSD-2-Clause */
/* A zone as one rbldnsd "combined" dataset file, for rbldctl and the API. */
#ifndef RBLD_EXPORT_H
#define RBLD_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"
#include "dns.h"
#include "store.h"

/*
 * Write zone Z of CONF (SRCIDS: store ids of its sources) to F as an
 * rbldnsd combined dataset that rbldnsd serves with rbld's answers. VIEW
 * gives the [allow] list DNS uses (NULL: read it now). With PROGRESS, a
 * count goes to stderr as it runs. *COUNT (may be NULL) gets the entries
 * written. Returns 0, or -1 on a read or write error.
 */
int	export_rbldnsd(FILE *f, const struct conf *conf, const int *srcids,
	    const struct dns_view *view, struct store *st, int z,
	    bool progress, unsigned long *count);

/*
 * The same zone as a master file that a standard server (NSD, Knot, BIND)
 * loads: prefixes become names and wildcards, with the wildcards empty
 * non-terminals need; a wildcard's TXT names its range instead of the
 * address. Same arguments and result as export_rbldnsd; *COUNT gets the
 * names with records.
 */
int	export_bind(FILE *f, const struct conf *conf, const int *srcids,
	    const struct dns_view *view, struct store *st, int z,
	    bool progress, unsigned long *count);

#endif
