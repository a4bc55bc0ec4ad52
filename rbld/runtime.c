/* SPDX-License-Identifier: BSD-2-Clause */
/* The state in force: a configuration and its view, built once per reload and published for DNS and the API. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "allow.h"
#include "catalog.h"
#include "grace.h"
#include "log.h"
#include "runtime.h"
#include "source.h"

struct runtime {
	pthread_mutex_t	 mtx;
	struct store	*st;
	struct view_ref	 views;
	struct conf	*conf;		/* of the view in force */
	struct view	*view;
};

/* The runtime allowlist's entries in force, after the NALLOW of *ALLOW;
 * *EXPIRY gets the soonest expiry among them (0: none). */
struct allow_acc {
	struct prefix	*v;
	int		 n, cap;
	uint32_t	 now, expiry;
	bool		 nomem;
};

static int
allow_acc_cb(void *arg, const struct allow_entry *e)
{
	struct allow_acc *a = arg;

	if (e->expires != 0 && e->expires <= a->now)
		return 0;		/* the next rebuild's reaper drops it */
	if (e->expires != 0 && (a->expiry == 0 || e->expires < a->expiry))
		a->expiry = e->expires;
	if (a->n == a->cap) {
		int cap = a->cap * 2 + 16;
		struct prefix *v = realloc(a->v, sizeof(*v) * (size_t)cap);

		if (v == NULL) {
			a->nomem = true;
			return 1;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = e->p;
	return 0;
}

static int
runtime_allow_read(struct store *st, struct prefix **allow, int *nallow,
    uint32_t *expiry, char *err, size_t errlen)
{
	struct allow_acc a = { *allow, *nallow, *nallow,
	    (uint32_t)time(NULL), 0, false };

	if (allow_walk(st, allow_acc_cb, &a) != 0 || a.nomem) {
		snprintf(err, errlen, a.nomem ? "out of memory" :
		    "cannot read the runtime allowlist");
		*allow = a.v;
		errno = a.nomem ? ENOMEM : EIO;
		return -1;
	}
	*allow = a.v;
	*nallow = a.n;
	*expiry = a.expiry;
	return 0;
}

struct view *
runtime_build(const struct conf *conf, struct store *st, char *err,
    size_t errlen)
{
	int srcids[CONF_MAX_SOURCES], zslots[CONF_MAX_ZONES];
	struct prefix *allow = NULL;
	struct view *v;
	int nallow = 0, nconf;
	uint32_t expiry = 0;

	/*
	 * [allow] first: what can fail for the file fails before the store
	 * takes the new zones. Views in force meanwhile are not disturbed:
	 * each zone keeps its slot in the store (store_set_zones).
	 */
	if (source_allow_read(conf, &allow, &nallow, err, errlen) != 0)
		return NULL;
	nconf = nallow;
	if (runtime_allow_read(st, &allow, &nallow, &expiry, err, errlen) != 0) {
		free(allow);
		return NULL;
	}
	if (source_register(conf, st, srcids, zslots, err, errlen) != 0) {
		free(allow);
		return NULL;
	}
	v = view_build(conf, srcids, allow, nallow, err, errlen);
	free(allow);
	if (v != NULL) {
		for (int z = 0; z < conf->nzones; z++)
			v->zones[z].slot = zslots[z];
		v->nallow_conf = nconf;
		v->allow_expiry = expiry;
	}
	return v;
}

struct runtime *
runtime_new(struct store *st)
{
	struct runtime *rt = calloc(1, sizeof(*rt));

	if (rt != NULL) {
		pthread_mutex_init(&rt->mtx, NULL);
		rt->st = st;
	}
	return rt;
}

static void
conf_retire_fn(void *conf)
{
	conf_free(conf);
}

void
runtime_publish(struct runtime *rt, struct conf *conf, struct view *v)
{
	struct conf *old = rt->conf;

	/* A zone whose records this view changes gets a new serial before
	 * the view serves: its secondaries' copies are stale. */
	for (int z = 0; z < v->nzones; z++) {
		const char *name = v->zones[z].cz->name;

		switch (store_zone_config(rt->st, name,
		    view_zone_fingerprint(v, z))) {
		case 1:
			log_info("zone %s: the configuration changes its "
			    "records: its serial moves", name);
			break;
		case -1:
			log_warn("zone %s: cannot record its configuration",
			    name);
			break;
		}
	}
	/* The catalog's serial moves when its members do. */
	if (v->catalog.on && store_catalog_serial(rt->st, v->catalog.text,
	    catalog_fingerprint(v), &v->catalog.serial) != 0) {
		v->catalog.serial = rt->view != NULL &&
		    rt->view->catalog.on ? rt->view->catalog.serial :
		    (uint32_t)time(NULL);
		log_warn("catalog %s: cannot record its members; serving "
		    "serial %u", v->catalog.text, v->catalog.serial);
	}
	rt->view = v;
	view_set(&rt->views, v);
	if (old != conf) {
		rt->conf = conf;
		/* Readers reach a configuration only through its view, which
		 * view_set retired first: both go in the same grace period. */
		grace_retire(old, conf_retire_fn);
	}
}

int
runtime_reload_allow(struct runtime *rt, char *err, size_t errlen)
{
	struct view *v;

	if (rt->conf == NULL) {
		snprintf(err, errlen, "no configuration in force");
		errno = EINVAL;
		return -1;
	}
	if ((v = runtime_build(rt->conf, rt->st, err, errlen)) == NULL)
		return -1;
	runtime_publish(rt, rt->conf, v);
	return 0;
}

void
runtime_lock(struct runtime *rt)
{
	pthread_mutex_lock(&rt->mtx);
}

void
runtime_unlock(struct runtime *rt)
{
	pthread_mutex_unlock(&rt->mtx);
}

const struct view *
runtime_view(const struct runtime *rt)
{
	return rt->view;
}

struct view_ref *
runtime_views(struct runtime *rt)
{
	return &rt->views;
}

void
runtime_free(struct runtime *rt)
{
	if (rt == NULL)
		return;
	view_set(&rt->views, NULL);
	grace_retire(rt->conf, conf_retire_fn);
	grace_barrier();
	pthread_mutex_destroy(&rt->mtx);
	free(rt);
}
