/* SPDX-License-Identifier: BSD-2-Clause */
/* The state in force: a configuration and its view, built once per reload and published for DNS and the API. */
#ifndef RBLD_RUNTIME_H
#define RBLD_RUNTIME_H

#include <stddef.h>

#include "conf.h"
#include "store.h"
#include "view.h"

/*
 * The view of CONF over ST: CONF's sources and zones registered in ST (ids
 * assigned once and kept), and [allow] read from the config and its file.
 * CONF must outlive the view. NULL (message in ERR) on failure.
 */
struct view	*runtime_build(const struct conf *conf, struct store *st,
		    char *err, size_t errlen);

struct runtime;

struct runtime	*runtime_new(struct store *st);

/*
 * Put CONF and V (its view, from runtime_build) in force in one pointer
 * swap; the configuration and view before them are freed once no DNS
 * worker or API request can hold them. Takes both. The caller holds the
 * runtime's lock.
 */
void		 runtime_publish(struct runtime *, struct conf *conf,
		    struct view *v);

/* The same configuration with a fresh view: [allow]'s file or the
 * runtime allowlist changed, or an entry of it expired. Under the lock. */
int		 runtime_reload_allow(struct runtime *, char *err,
		    size_t errlen);

/*
 * Whoever builds, publishes or reads the view in force through
 * runtime_view holds the lock: the main thread while it works (not while
 * it waits for a signal), an API request that changes the allowlist.
 */
void		 runtime_lock(struct runtime *);
void		 runtime_unlock(struct runtime *);

/* The view in force, for the thread that holds the lock. */
const struct view *runtime_view(const struct runtime *);

/* Where DNS workers and API requests read the view in force. */
struct view_ref	*runtime_views(struct runtime *);

/* Free the runtime, its configuration and view, once no reader holds them
 * (after DNS and the API have stopped). */
void		 runtime_free(struct runtime *);

#endif
