/* SPDX-License-Identifier: BSD-2-Clause */
/* File-backed sources: notice a changed data file and load it into the store. */
#ifndef RBLD_SOURCE_H
#define RBLD_SOURCE_H

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"
#include "dns.h"
#include "store.h"

/*
 * Register every source and zone of CONF in ST (source ids, zone serials).
 * Fills SRCIDS[i] with the id of conf->sources[i]. Returns 0 or -1 (logged).
 */
int	source_register(const struct conf *conf, struct store *st, int *srcids);

/*
 * Load CS's data file into source SRCID when its mtime or size changed since
 * the last load (always when FORCE). Bad lines are logged as warnings with
 * file:line. Returns 1 if loaded, 0 if unchanged, -1 on error (logged); on
 * error the entries already stored keep serving.
 */
int	source_load(struct store *st, const struct conf_source *cs, int srcid,
	    bool force);

/* Parse a data file only, printing each bad line to ERRS as file:line;
 * returns the number of problems (an unreadable file counts as one). */
int	source_check_file(const char *path, FILE *errs);

/* Build the answer builder's view of CONF's zones; NULL on error (logged). */
struct dns_view *view_build(const struct conf *conf, const int *srcids);
void	view_free(struct dns_view *);

#endif
