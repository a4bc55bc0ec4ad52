/* SPDX-License-Identifier: BSD-2-Clause */
/* A zone as one rbldnsd "combined" dataset file, or as a master file, for rbldctl and the API. */
#ifndef RBLD_EXPORT_H
#define RBLD_EXPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

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

/*
 * An export streamed: zone ZONE of the view in force in VIEWS, in the
 * rbldnsd (BIND false) or master-file format, written by a thread of its
 * own into a pipe that export_job_read reads, so that memory does not grow
 * with the zone and a slow reader holds only that thread. At most
 * EXPORT_MAX_ACTIVE at once: NULL with errno EBUSY beyond, ENOENT for no
 * such zone, ENOMEM.
 */
#define EXPORT_MAX_ACTIVE	4

struct export_job;

struct export_job *export_start(struct store *st, struct view_ref *views,
	    const char *zone, bool bind);
/* Up to MAX bytes into BUF: how many, 0 at the end, -1 when the export
 * failed (a read error) and what was read is not the whole zone. */
ssize_t	export_job_read(struct export_job *, char *buf, size_t max);
/* Stop the export if it still runs (the reader left), and free it. */
void	export_job_free(struct export_job *);

#endif
