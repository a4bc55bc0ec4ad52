/* SPDX-License-Identifier: BSD-2-Clause */
/* File-backed sources: notice a changed data file and load it into the store. */
#ifndef RBLD_SOURCE_H
#define RBLD_SOURCE_H

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"
#include "store.h"

/*
 * Register every source and zone of CONF in ST (source ids, zone serials).
 * Fills SRCIDS[i] with the id of conf->sources[i] and, unless ZSLOTS is
 * NULL, ZSLOTS[z] with the store's slot for conf->zones[z]. Returns 0, or
 * -1 with a message in ERR.
 */
int	source_register(const struct conf *conf, struct store *st, int *srcids,
	    int *zslots, char *err, size_t errlen);

/*
 * Load CS's data file into source SRCID when its mtime or size changed since
 * the last load (always when FORCE); *LOADED says whether it was. Bad lines
 * are logged as warnings with file:line, and a load as an event. Returns
 * 0, or -1 with errno (ENOENT: no such file) and a message in ERR; the
 * entries already stored keep serving.
 */
int	source_load(struct store *st, const struct conf_source *cs, int srcid,
	    bool force, bool *loaded, char *err, size_t errlen);

/*
 * May a hand-made entry (API, rbldctl) list P with answer A (host order)
 * in source CS? Not when P lies in a range that never sends mail
 * (ipaddr_never_client), nor, unless FORCE, when it is broader than the
 * source's min-prefix; and A must be in 127.0.0.0/8 (RFC 5782). An
 * exclusion (EXCL) is only checked for the first. 0, or -1 (EINVAL) with
 * the reason in ERR.
 */
int	source_entry_check(const struct conf_source *cs, const struct prefix *p,
	    bool excl, uint32_t a, bool force, char *err, size_t errlen);

/* May IP be reported? Not an address that never sends mail. 0, or -1
 * (EINVAL) with the reason in ERR. */
int	source_report_check(const struct prefix *ip, char *err, size_t errlen);

/* Parse a data file only, printing each bad line to ERRS as file:line;
 * returns the number of problems (an unreadable file counts as one). */
int	source_check_file(const char *path, FILE *errs);

/*
 * [allow]: its nets and every listing of its file, in a new array in *OUT
 * (*N prefixes; the caller frees it). An unreadable file or bad lines are
 * logged and skipped, as a data file's are. -1 (message in ERR) when out
 * of memory.
 */
int	source_allow_read(const struct conf *conf, struct prefix **out, int *n,
	    char *err, size_t errlen);

#endif
