/* SPDX-License-Identifier: BSD-2-Clause */
/* The zones' journals of rendered changes (IXFR), and where each zone changed since. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

/*
 * journal  key    zone name, 0, step number (8, big-endian, from 1 up)
 *          value  from serial(4) to serial(4) made at(4, unix seconds),
 *                 all big-endian, then the step's blob
 * meta "dirty:ZONE"  35 bytes: IPv4 first octets (32), IPv6 first nibbles
 *                 (2), 1 when everything changed
 */

#define JHEAD	12
#define DIRTY_LEN	35

void
store_dirty_mark(struct store_dirty *d, int family, int plen,
    const uint8_t *addr)
{
	int bits = family == 4 ? 8 : 4, n, first;
	uint8_t *m = family == 4 ? d->v4 : d->v6;

	first = family == 4 ? addr[0] : addr[0] >> 4;
	n = plen >= bits ? 1 : 1 << (bits - plen);
	if (plen < bits)
		first &= ~(n - 1);
	for (int i = first; i < first + n; i++)
		m[i / 8] |= (uint8_t)(1u << (i % 8));
}

bool
store_dirty_any(const struct store_dirty *d)
{
	if (d->all)
		return true;
	for (size_t i = 0; i < sizeof(d->v4); i++)
		if (d->v4[i] != 0)
			return true;
	return d->v6[0] != 0 || d->v6[1] != 0;
}

static void
dirty_key(char *name, size_t len, const char *zone)
{
	snprintf(name, len, "dirty:%s", zone);
}

static void
dirty_decode(const uint8_t *b, struct store_dirty *d)
{
	memcpy(d->v4, b, 32);
	memcpy(d->v6, b + 32, 2);
	d->all = b[34] != 0;
}

static void
dirty_encode(const struct store_dirty *d, uint8_t *b)
{
	memcpy(b, d->v4, 32);
	memcpy(b + 32, d->v6, 2);
	b[34] = d->all;
}

int
st_dirty_add(MDB_txn *txn, struct store *st, const char *zone,
    const struct store_dirty *add)
{
	char name[STORE_DNAME_MAX + 8];
	uint8_t b[DIRTY_LEN];
	struct store_dirty d;
	int rc;

	dirty_key(name, sizeof(name), zone);
	memset(&d, 0, sizeof(d));
	rc = st_meta_get(txn, st, name, b, sizeof(b));
	if (rc == 0)
		dirty_decode(b, &d);
	else if (rc != MDB_NOTFOUND && rc != MDB_CORRUPTED)
		return rc;
	for (size_t i = 0; i < sizeof(d.v4); i++)
		d.v4[i] |= add->v4[i];
	d.v6[0] |= add->v6[0];
	d.v6[1] |= add->v6[1];
	d.all |= add->all;
	dirty_encode(&d, b);
	return st_meta_put(txn, st, name, b, sizeof(b));
}

int
store_reader_dirty(struct store_reader *r, const char *zone,
    struct store_dirty *out)
{
	char name[STORE_DNAME_MAX + 8];
	uint8_t b[DIRTY_LEN];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!r->held) {
		errno = EINVAL;
		return -1;
	}
	dirty_key(name, sizeof(name), zone);
	rc = st_meta_get(r->txn, r->st, name, b, sizeof(b));
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc == MDB_CORRUPTED) {
		out->all = true;	/* damaged: assume everything */
		return 0;
	}
	if (rc != 0)
		return st_fail(rc);
	dirty_decode(b, out);
	return 0;
}

/* ---- the journal ---- */

static size_t
jkey(uint8_t *k, const char *zone, uint64_t seq)
{
	size_t n = strlen(zone);

	memcpy(k, zone, n);
	k[n] = 0;
	wire_set32(k + n + 1, (uint32_t)(seq >> 32));
	wire_set32(k + n + 5, (uint32_t)seq);
	return n + 9;
}

static bool
jkey_is(const MDB_val *k, const char *zone)
{
	size_t n = strlen(zone);

	return k->mv_size == n + 9 && memcmp(k->mv_data, zone, n) == 0 &&
	    ((const uint8_t *)k->mv_data)[n] == 0;
}

static uint64_t
jkey_seq(const MDB_val *k)
{
	const uint8_t *p = (const uint8_t *)k->mv_data + k->mv_size - 8;

	return (uint64_t)wire_get32(p) << 32 | wire_get32(p + 4);
}

struct japp {
	const char	*zone;
	uint32_t	 from, to;
	const void	*blob;
	size_t		 len;
	const struct store_journal_limits *lim;
};

/* Delete every step of the zone with a cursor on DBI. */
static int
j_clear(MDB_cursor *cur, const char *zone)
{
	uint8_t kb[STORE_DNAME_MAX + 9];
	MDB_val k, v;
	int rc;

	for (;;) {
		k.mv_size = jkey(kb, zone, 0);
		k.mv_data = kb;
		if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) != 0)
			return rc == MDB_NOTFOUND ? 0 : rc;
		if (!jkey_is(&k, zone))
			return 0;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			return rc;
	}
}

static int
w_journal(struct wctx *w, void *arg)
{
	struct japp *ja = arg;
	struct store *st = w->st;
	uint8_t kb[STORE_DNAME_MAX + 9], *val = NULL;
	char name[STORE_DNAME_MAX + 8];
	uint32_t serial = 0, now = (uint32_t)time(NULL);
	uint64_t seq = 1, nsteps = 0;
	size_t bytes = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(w->txn, st->journal, &cur)) != 0)
		return rc;
	if (ja->blob == NULL) {
		rc = j_clear(cur, ja->zone);
		goto dirty;
	}
	/* The newest step: this one follows it, or the journal starts over. */
	k.mv_size = jkey(kb, ja->zone, UINT64_MAX);
	k.mv_data = kb;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) :
	    mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && jkey_is(&k, ja->zone)) {
		if (v.mv_size < JHEAD || wire_get32((const uint8_t *)v.mv_data +
		    4) != ja->from) {
			if ((rc = j_clear(cur, ja->zone)) != 0)
				goto out;
		} else
			seq = jkey_seq(&k) + 1;
	} else if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	if ((val = malloc(JHEAD + ja->len)) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	wire_set32(val, ja->from);
	wire_set32(val + 4, ja->to);
	wire_set32(val + 8, now);
	memcpy(val + JHEAD, ja->blob, ja->len);
	k.mv_size = jkey(kb, ja->zone, seq);
	k.mv_data = kb;
	v.mv_size = JHEAD + ja->len;
	v.mv_data = val;
	if ((rc = mdb_put(w->txn, st->journal, &k, &v, 0)) != 0)
		goto out;
	/* Within the bounds: count from the newest, drop what is beyond. */
	k.mv_size = jkey(kb, ja->zone, seq);
	k.mv_data = kb;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0 &&
	    jkey_is(&k, ja->zone); rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		uint32_t made = v.mv_size >= JHEAD ?
		    wire_get32((const uint8_t *)v.mv_data + 8) : 0;

		nsteps++;
		bytes += v.mv_size;
		if (nsteps > 1 && (nsteps > ja->lim->steps ||
		    bytes > ja->lim->bytes || now - made > ja->lim->age))
			break;
		if (nsteps == 1 && bytes > ja->lim->bytes)
			break;
	}
	if (rc == 0 && jkey_is(&k, ja->zone)) {
		/* K and every older step go, oldest first. */
		uint64_t last = jkey_seq(&k);

		for (;;) {
			k.mv_size = jkey(kb, ja->zone, 0);
			k.mv_data = kb;
			if ((rc = mdb_cursor_get(cur, &k, &v,
			    MDB_SET_RANGE)) != 0 || !jkey_is(&k, ja->zone) ||
			    jkey_seq(&k) > last)
				break;
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				goto out;
		}
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	rc = 0;
dirty:
	if (rc != 0)
		goto out;
	/* The record clears only if nothing changed since the step's
	 * snapshot; else it keeps that change's regions (and some already
	 * in the step, which costs a render and changes nothing). */
	snprintf(name, sizeof(name), "zone:%s", ja->zone);
	rc = st_meta_get(w->txn, st, name, &serial, sizeof(serial));
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	rc = 0;
	if (serial == ja->to) {
		uint8_t b[DIRTY_LEN] = { 0 };

		dirty_key(name, sizeof(name), ja->zone);
		rc = st_meta_put(w->txn, st, name, b, sizeof(b));
	}
	w->wrote = true;
out:
	free(val);
	mdb_cursor_close(cur);
	return rc;
}

int
store_journal_append(struct store *st, const char *zone, uint32_t from,
    uint32_t to, const void *blob, size_t len,
    const struct store_journal_limits *lim)
{
	struct japp ja = { zone, from, to, blob, len, lim };
	int rc;

	if (strlen(zone) >= STORE_DNAME_MAX || !st->has_journal) {
		errno = EINVAL;
		return -1;
	}
	if ((rc = st_write(st, w_journal, &ja)) != 0)
		return st_fail(rc);
	return 0;
}

int
store_reader_journal(struct store_reader *r, const char *zone, uint32_t from,
    int (*fn)(void *arg, uint32_t from, uint32_t to, const uint8_t *blob,
    size_t len), void *arg)
{
	uint8_t kb[STORE_DNAME_MAX + 9];
	MDB_cursor *cur;
	MDB_val k, v;
	bool found = false;
	uint32_t at = from;
	int rc;

	if (!r->held || strlen(zone) >= STORE_DNAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (!r->st->has_journal)
		return ENOENT;
	if ((rc = mdb_cursor_open(r->txn, r->st->journal, &cur)) != 0)
		return st_fail(rc);
	k.mv_size = jkey(kb, zone, 0);
	k.mv_data = kb;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	    rc == 0 && jkey_is(&k, zone);
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;
		uint32_t f, t;

		if (v.mv_size < JHEAD) {
			rc = MDB_CORRUPTED;
			break;
		}
		f = wire_get32(p);
		t = wire_get32(p + 4);
		if (!found && f != from)
			continue;
		if (f != at) {		/* a hole: no chain from FROM */
			found = false;
			break;
		}
		found = true;
		at = t;
		if (fn(arg, f, t, p + JHEAD, v.mv_size - JHEAD) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_CORRUPTED || (rc != 0 && rc != MDB_NOTFOUND && !found))
		return st_fail(rc);
	return found ? 0 : ENOENT;
}

int
store_reader_journal_info(struct store_reader *r, const char *zone,
    struct store_journal_info *out)
{
	uint8_t kb[STORE_DNAME_MAX + 9];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!r->held || strlen(zone) >= STORE_DNAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (!r->st->has_journal)
		return 0;
	if ((rc = mdb_cursor_open(r->txn, r->st->journal, &cur)) != 0)
		return st_fail(rc);
	k.mv_size = jkey(kb, zone, 0);
	k.mv_data = kb;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	    rc == 0 && jkey_is(&k, zone);
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size < JHEAD)
			continue;
		if (out->steps++ == 0)
			out->oldest = wire_get32(v.mv_data);
		out->newest = wire_get32((const uint8_t *)v.mv_data + 4);
		out->bytes += v.mv_size;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : st_fail(rc);
}

/* ---- a zone's configuration ---- */

struct zcfg {
	const char	*zone;
	uint64_t	 fp;
	bool		 moved;
};

static int
w_zone_config(struct wctx *w, void *arg)
{
	struct zcfg *zc = arg;
	struct store_dirty all = { .all = true };
	char name[STORE_DNAME_MAX + 12];
	uint8_t b[8], old[8];
	uint32_t serial = 0;
	bool first;
	int rc;

	wire_set32(b, (uint32_t)(zc->fp >> 32));
	wire_set32(b + 4, (uint32_t)zc->fp);
	snprintf(name, sizeof(name), "zonecfg:%s", zc->zone);
	rc = st_meta_get(w->txn, w->st, name, old, sizeof(old));
	if (rc == 0 && memcmp(old, b, sizeof(b)) == 0)
		return 0;			/* the same: no commit */
	if (rc != 0 && rc != MDB_NOTFOUND && rc != MDB_CORRUPTED)
		return rc;
	first = rc == MDB_NOTFOUND;
	if ((rc = st_meta_put(w->txn, w->st, name, b, sizeof(b))) != 0)
		return rc;
	w->wrote = true;
	if (first)
		return 0;	/* nothing to compare with: a zone's first start */
	snprintf(name, sizeof(name), "zone:%s", zc->zone);
	rc = st_meta_get(w->txn, w->st, name, &serial, sizeof(serial));
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (rc == MDB_NOTFOUND)
		serial = (uint32_t)time(NULL);
	else if (++serial == 0)
		serial = 1;
	if ((rc = st_meta_put(w->txn, w->st, name, &serial,
	    sizeof(serial))) != 0 ||
	    (rc = st_dirty_add(w->txn, w->st, zc->zone, &all)) != 0)
		return rc;
	zc->moved = true;
	w->wrote = true;
	return 0;
}

int
store_zone_config(struct store *st, const char *zone, uint64_t fingerprint)
{
	struct zcfg zc = { zone, fingerprint, false };
	int rc;

	if (strlen(zone) >= STORE_DNAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (st->readonly)
		return 0;
	if ((rc = st_write(st, w_zone_config, &zc)) != 0)
		return st_fail(rc);
	return zc.moved;
}

struct catcfg {
	const char	*name;
	uint64_t	 fp;
	uint32_t	 serial;
};

static int
w_catalog(struct wctx *w, void *arg)
{
	struct catcfg *cc = arg;
	char name[STORE_DNAME_MAX + 12];
	uint8_t b[12];
	int rc;

	snprintf(name, sizeof(name), "catalog:%s", cc->name);
	rc = st_meta_get(w->txn, w->st, name, b, sizeof(b));
	if (rc != 0 && rc != MDB_NOTFOUND && rc != MDB_CORRUPTED)
		return rc;
	if (rc == 0) {
		uint64_t fp = (uint64_t)wire_get32(b) << 32 | wire_get32(b + 4);

		cc->serial = wire_get32(b + 8);
		if (fp == cc->fp)
			return 0;		/* the same: no commit */
		if (++cc->serial == 0)
			cc->serial = 1;
	} else
		cc->serial = (uint32_t)time(NULL);
	wire_set32(b, (uint32_t)(cc->fp >> 32));
	wire_set32(b + 4, (uint32_t)cc->fp);
	wire_set32(b + 8, cc->serial);
	if ((rc = st_meta_put(w->txn, w->st, name, b, sizeof(b))) != 0)
		return rc;
	w->wrote = true;
	return 0;
}

int
store_catalog_serial(struct store *st, const char *catalog,
    uint64_t fingerprint, uint32_t *serial)
{
	struct catcfg cc = { catalog, fingerprint, 0 };
	int rc;

	if (strlen(catalog) >= STORE_DNAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((rc = st_write(st, w_catalog, &cc)) != 0)
		return st_fail(rc);
	*serial = cc.serial;
	return 0;
}

int
store_catalog_get(struct store *st, const char *catalog, uint32_t *serial)
{
	char name[STORE_DNAME_MAX + 12];
	uint8_t b[12];
	MDB_txn *txn;
	int rc;

	snprintf(name, sizeof(name), "catalog:%s", catalog);
	if ((rc = st_rbegin(st, &txn)) != 0)
		return st_fail(rc);
	rc = st_meta_get(txn, st, name, b, sizeof(b));
	st_rend(st, txn);
	if (rc == MDB_NOTFOUND) {
		errno = ENOENT;
		return -1;
	}
	if (rc != 0)
		return st_fail(rc);
	*serial = wire_get32(b + 8);
	return 0;
}

int
store_journal_info(struct store *st, const char *zone,
    struct store_journal_info *out)
{
	struct store_reader *r;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((r = store_reader_new_long(st)) == NULL)
		return -1;
	if ((rc = store_reader_begin(r)) == 0) {
		rc = store_reader_journal_info(r, zone, out);
		store_reader_end(r);
	}
	store_reader_free(r);
	return rc;
}
