/* SPDX-License-Identifier: BSD-2-Clause */
/* The catalog zone (RFC 9432, version 2): every zone rbld serves, as a member secondaries provision themselves from. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "hash.h"

/*
 * The SOA's timers: a consumer polls every 10 minutes when NOTIFY does
 * not reach it, and keeps serving its members for four weeks without
 * reaching us, since a catalog that expires takes every member with it.
 */
#define CATALOG_REFRESH	600
#define CATALOG_RETRY	300
#define CATALOG_EXPIRE	2419200

static const uint8_t invalid[] = "\7invalid";	/* RFC 9432 4.1 */
static const uint8_t version_owner[] = "\7version";
static const uint8_t version_txt[] = { 1, '2' };

/* Zone Z's member label: a hash of its name, so that it stays the same
 * across reloads and restarts (a new label tells consumers to start the
 * member afresh, RFC 9432 5.1), made unique among the labels before it. */
static void
member_id(struct view *v, int z)
{
	const struct view_zone *vz = &v->zones[z];
	uint64_t h = hash_bytes(HASH_INIT, vz->name, vz->namelen);

	for (;;) {
		int k;

		snprintf(v->catalog.id[z], sizeof(v->catalog.id[z]), "%016llx",
		    (unsigned long long)h);
		for (k = 0; k < z; k++)
			if (strcmp(v->catalog.id[k], v->catalog.id[z]) == 0)
				break;
		if (k == z)
			return;
		h = hash_bytes(h, "#", 1);
	}
}

int
catalog_build(struct view *v, char *err, size_t errlen)
{
	struct view_catalog *c = &v->catalog;
	int l;

	memset(c, 0, sizeof(*c));
	if (v->conf->catalog[0] == '\0')
		return 0;
	if ((l = wire_name_from_text(v->conf->catalog, c->name,
	    sizeof(c->name))) < 0) {
		snprintf(err, errlen, "catalog %s: bad name", v->conf->catalog);
		errno = EINVAL;
		return -1;
	}
	c->on = true;
	c->text = v->conf->catalog;
	c->namelen = (size_t)l;
	for (size_t o = 0; c->name[o] != 0; o += c->name[o] + 1u)
		c->nlabels++;
	memcpy(c->ap.mname, invalid, sizeof(invalid));
	memcpy(c->ap.rname, invalid, sizeof(invalid));
	c->ap.mlen = c->ap.rlen = sizeof(invalid);
	c->ap.soa_ttl = c->ap.ns_ttl = CATALOG_TTL;
	c->ap.refresh = CATALOG_REFRESH;
	c->ap.retry = CATALOG_RETRY;
	c->ap.expire = CATALOG_EXPIRE;
	c->ap.minimum = CATALOG_TTL;
	c->ap.nns = 1;
	memcpy(c->ap.ns[0], invalid, sizeof(invalid));
	c->ap.nslen[0] = sizeof(invalid);
	for (int z = 0; z < v->nzones; z++)
		member_id(v, z);
	return 0;
}

uint64_t
catalog_fingerprint(const struct view *v)
{
	uint64_t h = HASH_INIT;

	for (int z = 0; z < v->nzones; z++) {
		h = hash_bytes(h, v->zones[z].name, v->zones[z].namelen);
		h = hash_bytes(h, v->catalog.id[z], strlen(v->catalog.id[z]));
	}
	return h;
}

int
catalog_nrecs(const struct view *v)
{
	return v->catalog.on ? 1 + v->nzones : 0;
}

void
catalog_rec(const struct view *v, int i, struct catalog_rec *out)
{
	memset(out, 0, sizeof(*out));
	if (i == 0) {
		out->olen = sizeof(version_owner) - 1;
		memcpy(out->owner, version_owner, out->olen);
		out->type = TYPE_TXT;
		out->rdata = version_txt;
		out->rdlen = sizeof(version_txt);
		return;
	}
	/* <id>.zones: a 16-character label, then "zones". */
	out->owner[0] = 16;
	memcpy(out->owner + 1, v->catalog.id[i - 1], 16);
	memcpy(out->owner + 17, "\5zones", 6);
	out->olen = 23;
	out->type = TYPE_PTR;
	out->rdata = v->zones[i - 1].name;
	out->rdlen = v->zones[i - 1].namelen;
}

void
catalog_put(struct wire_buf *w, const struct catalog_rec *r,
    const uint8_t *apex, size_t alen)
{
	wire_put(w, r->owner, r->olen);
	wire_put(w, apex, alen);
	wire_put16(w, r->type);
	wire_put16(w, CLASS_IN);
	wire_put32(w, CATALOG_TTL);
	wire_put16(w, (uint16_t)r->rdlen);
	wire_put(w, r->rdata, r->rdlen);
}
