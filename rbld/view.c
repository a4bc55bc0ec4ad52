/* SPDX-License-Identifier: BSD-2-Clause */
/* The zones as one configuration makes them, their apex, and the [allow] list. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "grace.h"
#include "hash.h"
#include "view.h"

/* A zone without a soa in the config: a plain SOA naming the zone. */
#define VIEW_SOA_REFRESH	3600
#define VIEW_SOA_RETRY		600
#define VIEW_SOA_EXPIRE		604800

static _Atomic uint64_t view_gens;

/*
 * MNAME and RNAME to wire form into A; both the root name when either is
 * not a name, so that a SOA always goes out whole.
 */
static void
soa_names(const char *mname, const char *rname, struct apex *a)
{
	int ml = wire_name_from_text(mname, a->mname, sizeof(a->mname));
	int rl = wire_name_from_text(rname, a->rname, sizeof(a->rname));

	if (ml < 0 || rl < 0) {
		a->mname[0] = a->rname[0] = 0;
		ml = rl = 1;
	}
	a->mlen = (size_t)ml;
	a->rlen = (size_t)rl;
}

/* The config's SOA and NS, and its defaults where the config has none. */
static int
conf_apex(const struct conf_zone *cz, uint32_t ttl, struct apex *a,
    char *err, size_t errlen)
{
	char rname[CONF_DNAME_MAX + 16];
	int ml, rl;

	memset(a, 0, sizeof(*a));
	if (cz->has_soa) {
		ml = wire_name_from_text(cz->soa_mname, a->mname,
		    sizeof(a->mname));
		rl = wire_name_from_text(cz->soa_rname, a->rname,
		    sizeof(a->rname));
		if (ml < 0 || rl < 0) {
			snprintf(err, errlen, "zone %s: bad soa name", cz->name);
			errno = EINVAL;
			return -1;
		}
		a->mlen = (size_t)ml;
		a->rlen = (size_t)rl;
		a->refresh = cz->soa_refresh;
		a->retry = cz->soa_retry;
		a->expire = cz->soa_expire;
		a->minimum = cz->soa_minimum;
	} else {
		snprintf(rname, sizeof(rname), "hostmaster.%s", cz->name);
		soa_names(cz->nns > 0 ? cz->ns[0] : cz->name, rname, a);
		a->refresh = VIEW_SOA_REFRESH;
		a->retry = VIEW_SOA_RETRY;
		a->expire = VIEW_SOA_EXPIRE;
		a->minimum = ttl;
	}
	a->soa_ttl = ttl;
	a->ns_ttl = ttl;
	for (int i = 0; i < cz->nns && a->nns < VIEW_MAX_NS; i++) {
		int l = wire_name_from_text(cz->ns[i], a->ns[a->nns],
		    WIRE_NAME_MAX);

		if (l > 0)
			a->nslen[a->nns++] = (size_t)l;
	}
	return 0;
}

struct view *
view_build(const struct conf *conf, const int *srcids,
    const struct prefix *allow, int nallow, char *err, size_t errlen)
{
	struct view *v;

	if (conf->nzones > VIEW_MAX_ZONES) {
		snprintf(err, errlen, "too many zones");
		errno = EINVAL;
		return NULL;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v->allow = calloc((size_t)nallow + 1, sizeof(*v->allow))) == NULL)
		goto nomem;
	v->gen = atomic_fetch_add(&view_gens, 1) + 1;
	v->conf = conf;
	memcpy(v->srcids, srcids, sizeof(int) * (size_t)conf->nsources);
	v->nzones = conf->nzones;
	for (int i = 0; i < conf->nzones; i++) {
		const struct conf_zone *cz = &conf->zones[i];
		struct view_zone *z = &v->zones[i];
		int l;

		z->cz = cz;
		z->slot = i;	/* a store given the zones in this order */
		if ((l = wire_name_from_text(cz->name, z->name,
		    sizeof(z->name))) < 0) {
			snprintf(err, errlen, "zone %s: bad name", cz->name);
			goto fail;
		}
		z->namelen = (size_t)l;
		for (size_t o = 0; z->name[o] != 0; o += z->name[o] + 1u)
			z->nlabels++;
		z->ttl = cz->ttl != 0 ? cz->ttl : VIEW_DEFAULT_TTL;
		z->nsrc = cz->nsources < VIEW_MAX_SOURCES ? cz->nsources :
		    VIEW_MAX_SOURCES;
		for (int s = 0; s < z->nsrc; s++) {
			z->src[s] = &conf->sources[cz->sources[s]];
			z->srcids[s] = srcids[cz->sources[s]];
		}
		if (cz->transfer_key != NULL) {
			if (tsig_key_parse(cz->transfer_key, &z->xfr_key, err,
			    errlen) != 0)
				goto fail;
			z->has_key = true;
		}
		if (conf_apex(cz, z->ttl, &z->conf_apex, err, errlen) != 0)
			goto fail;
	}
	if (catalog_build(v, err, errlen) != 0)
		goto fail;
	/* ::ffff:a.b.c.d is a.b.c.d, as listing_addr asks about it. */
	for (int i = 0; i < nallow; i++) {
		v->allow[i] = allow[i];
		ipaddr_canonical(&v->allow[i]);
	}
	v->nallow = v->nallow_conf = nallow;
	return v;
nomem:
	snprintf(err, errlen, "out of memory");
	errno = ENOMEM;
fail:
	if (v != NULL) {
		free(v->allow);
		free(v);
	}
	return NULL;
}

void
view_free(struct view *v)
{
	if (v == NULL)
		return;
	free(v->allow);
	free(v);
}

const struct view *
view_get(struct view_ref *ref)
{
	return atomic_load_explicit(&ref->cur, memory_order_acquire);
}

static void
view_retire_fn(void *v)
{
	view_free(v);
}

void
view_set(struct view_ref *ref, struct view *v)
{
	struct view *old = atomic_exchange(&ref->cur, v);

	grace_retire(old, view_retire_fn);
}

bool
view_allowed(const struct view *v, int family, const uint8_t *addr)
{
	struct prefix a;

	a.family = (uint8_t)family;
	a.len = (uint8_t)(ipaddr_bytes(family) * 8);
	memset(a.addr, 0, sizeof(a.addr));
	memcpy(a.addr, addr, (size_t)ipaddr_bytes(family));
	for (int i = 0; i < v->nallow; i++)
		if (ipaddr_contains(&v->allow[i], &a))
			return true;
	return false;
}

/* The SOA of a data file's $SOA line. */
static void
file_soa(const struct store_srcmeta *m, uint32_t zttl, struct apex *a)
{
	soa_names(m->soa_mname, m->soa_rname, a);
	a->soa_ttl = m->soa_ttl != 0 ? m->soa_ttl : zttl;
	a->refresh = m->soa_refresh;
	a->retry = m->soa_retry;
	a->expire = m->soa_expire;
	a->minimum = m->soa_minttl;
}

void
view_apex(const struct view *v, int zi, struct store_reader *rd,
    struct apex *out)
{
	const struct view_zone *z = &v->zones[zi];
	const struct conf_zone *cz = z->cz;
	bool have_soa = false, have_ns = false;

	*out = z->conf_apex;
	for (int i = 0; i < z->nsrc; i++) {
		const struct store_srcmeta *m = store_reader_srcmeta(rd,
		    z->srcids[i]);

		out->src_ttl[i] = m != NULL && m->ttl != 0 ? m->ttl : z->ttl;
		if (m == NULL)
			continue;
		if (!have_soa && m->has_soa) {
			have_soa = true;
			if (!cz->has_soa)
				file_soa(m, z->ttl, out);
		}
		if (!have_ns && m->nns > 0) {
			have_ns = true;
			if (cz->nns > 0)
				continue;
			out->nns = 0;
			for (int n = 0; n < m->nns && n < VIEW_MAX_NS; n++) {
				int l = wire_name_from_text(m->ns[n],
				    out->ns[out->nns], WIRE_NAME_MAX);

				if (l > 0)
					out->nslen[out->nns++] = (size_t)l;
			}
			if (m->ns_ttl != 0)
				out->ns_ttl = m->ns_ttl;
		}
	}
}

const struct apex *
view_apex_cached(const struct view *v, int z, struct store_reader *rd,
    struct apex_cache *c)
{
	uint64_t snap = store_reader_snapshot(rd);

	if (c->view_gen != v->gen || c->snapshot != snap) {
		c->view_gen = v->gen;
		c->snapshot = snap;
		c->resolved = 0;
	}
	if (!(c->resolved & 1u << z)) {
		view_apex(v, z, rd, &c->apex[z]);
		c->resolved |= 1u << z;
	}
	return &c->apex[z];
}

uint64_t
view_zone_fingerprint(const struct view *v, int z)
{
	const struct view_zone *vz = &v->zones[z];
	const struct apex *ap = &vz->conf_apex;
	uint64_t h = HASH_INIT;

	h = hash_bytes(h, ap->mname, ap->mlen);
	h = hash_bytes(h, ap->rname, ap->rlen);
	h = hash_bytes(h, &ap->soa_ttl, sizeof(ap->soa_ttl));
	h = hash_bytes(h, &ap->refresh, sizeof(ap->refresh));
	h = hash_bytes(h, &ap->retry, sizeof(ap->retry));
	h = hash_bytes(h, &ap->expire, sizeof(ap->expire));
	h = hash_bytes(h, &ap->minimum, sizeof(ap->minimum));
	h = hash_bytes(h, &ap->ns_ttl, sizeof(ap->ns_ttl));
	for (int i = 0; i < ap->nns; i++)
		h = hash_bytes(h, ap->ns[i], ap->nslen[i]);
	h = hash_bytes(h, &vz->ttl, sizeof(vz->ttl));
	for (int i = 0; i < vz->nsrc; i++) {
		const struct conf_source *cs = vz->src[i];

		h = hash_bytes(h, &vz->srcids[i], sizeof(vz->srcids[i]));
		h = hash_bytes(h, &cs->a, sizeof(cs->a));
		if (cs->txt != NULL)
			h = hash_bytes(h, cs->txt, strlen(cs->txt) + 1);
		h = hash_bytes(h, "|", 1);
	}
	for (int i = 0; i < v->nallow; i++) {
		const struct prefix *p = &v->allow[i];

		h = hash_bytes(h, &p->family, 1);
		h = hash_bytes(h, &p->len, 1);
		h = hash_bytes(h, p->addr, 16);
	}
	return h;
}
