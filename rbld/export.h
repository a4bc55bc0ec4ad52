/* SPDX-License-Identifier: BSD-2-Clause */
/* A zone as one rbldnsd "combined" dataset file, or as a master file, for rbldctl and the API. */
#ifndef RBLD_EXPORT_H
#define RBLD_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"
#include "view.h"

/*
 * Write zone Z of view V to F as an rbldnsd combined dataset that rbldnsd
 * serves with rbld's answers: what the listing rules never list is
 * excluded in every dataset, and 127.0.0.2 answered apart. With PROGRESS,
 * a count goes to stderr as it runs. *COUNT (may be NULL) gets the entries
 * written. Returns 0, or -1 on a read or write error.
 */
int	export_rbldnsd(FILE *f, const struct view *v, struct store *st, int z,
	    bool progress, unsigned long *count);

/*
 * The same zone as a master file that a standard server (NSD, Knot, BIND)
 * loads: prefixes become names and wildcards, with the wildcards empty
 * non-terminals need; a wildcard's TXT names its range instead of the
 * address. Same arguments and result as export_rbldnsd; *COUNT gets the
 * names with records.
 */
int	export_bind(FILE *f, const struct view *v, struct store *st, int z,
	    bool progress, unsigned long *count);

#endif
