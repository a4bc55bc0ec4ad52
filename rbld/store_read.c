/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's reads outside the DNS path, and its small named records. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "grace.h"
#include "store_int.h"
#include "wire.h"

/* ---- reading many ---- */

static int
st_decode(MDB_txn *txn, struct store *st, const MDB_val *k, const MDB_val *v,
    struct store_entry *e, char *reason, char *srcname, int *lastsrc)
{
	const uint8_t *kp = k->mv_data;
	struct entval ev;
	int src = key_src(k), rc;

	/* A damaged record is an error, never a read past its end. */
	if (k->mv_size != (size_t)(kp[0] == 4 ? 8 : 20) ||
	    (kp[0] != 4 && kp[0] != 6) || v->mv_size < sizeof(ev))
		return MDB_CORRUPTED;
	memset(&e->p, 0, sizeof(e->p));
	e->p.family = kp[0];
	e->p.len = kp[1];
	memcpy(e->p.addr, kp + 2, kp[0] == 4 ? 4 : 16);
	if (src != *lastsrc) {
		/* An entry whose source has no name is damage too, not
		 * the end of a walk. */
		if ((rc = st_source_name(txn, st, src, srcname,
		    STORE_NAME_MAX)) != 0)
			return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
		*lastsrc = src;
	}
	snprintf(e->source, sizeof(e->source), "%s", srcname);
	memcpy(&ev, v->mv_data, sizeof(ev));
	e->excl = ev.flags & VAL_EXCL;
	e->origin = (enum store_origin)(ev.flags >> VAL_ORIGIN_SHIFT);
	e->a = ev.a;
	e->added = ev.added;
	e->expires = ev.expires;
	e->txt = NULL;
	if (ev.txt != RBL_NO_TXT) {
		uint8_t idk[4];
		MDB_val tk = { 4, idk }, tv;
		static __thread char tbuf[RBL_TXT_MAX + 1];

		wire_set32(idk, ev.txt);
		if (mdb_get(txn, st->texts, &tk, &tv) == 0 &&
		    tv.mv_size <= RBL_TXT_MAX) {
			memcpy(tbuf, tv.mv_data, tv.mv_size);
			tbuf[tv.mv_size] = '\0';
			e->txt = tbuf;
		}
	}
	{
		size_t rl = v->mv_size - sizeof(ev);

		if (rl > STORE_REASON_MAX)
			rl = STORE_REASON_MAX;
		memcpy(reason, (const uint8_t *)v->mv_data + sizeof(ev), rl);
		reason[rl] = '\0';
		e->reason = reason;
	}
	return 0;
}

int
store_walk(struct store *st, int src,
    int (*fn)(void *arg, const struct store_entry *), void *arg)
{
	return store_walk_after(st, src, NULL, 0, fn, arg);
}

/* A walk inside TXN: see store_walk_after. */
static int
st_walk(MDB_txn *txn, struct store *st, int src, const struct prefix *after,
    int after_src, int (*fn)(void *arg, const struct store_entry *),
    void *arg)
{
	char reason[STORE_REASON_MAX + 1], srcname[STORE_NAME_MAX];
	uint8_t akey[KEY_MAX];
	struct store_entry e;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, last = -1;

	if ((rc = mdb_cursor_open(txn, st->entries, &cur)) != 0)
		return st_fail(rc);
	if (after == NULL)
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	else {
		k.mv_size = key_build(akey, after->family, after->len,
		    after->addr, after_src);
		k.mv_data = akey;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == key_build(akey, after->family,
		    after->len, after->addr, after_src) &&
		    memcmp(k.mv_data, akey, k.mv_size) == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	while (rc == 0) {
		if (src < 0 || key_src(&k) == src) {
			if ((rc = st_decode(txn, st, &k, &v, &e, reason, srcname,
			    &last)) != 0)
				break;
			if (fn(arg, &e) != 0)
				break;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : st_fail(rc);
}

int
store_walk_after(struct store *st, int src, const struct prefix *after,
    int after_src, int (*fn)(void *arg, const struct store_entry *),
    void *arg)
{
	MDB_txn *txn;
	int rc;

	if ((rc = st_rbegin(st, &txn)) != 0)
		return st_fail(rc);
	rc = st_walk(txn, st, src, after, after_src, fn, arg);
	st_rend(st, txn);
	return rc;
}

int
store_reader_walk(struct store_reader *r, int src,
    int (*fn)(void *arg, const struct store_entry *), void *arg)
{
	if (!r->held) {
		errno = EINVAL;
		return -1;
	}
	return st_walk(r->txn, r->st, src, NULL, 0, fn, arg);
}

int
store_covering(struct store *st, const struct prefix *addr,
    int (*fn)(void *arg, const struct store_entry *), void *arg)
{
	char reason[STORE_REASON_MAX + 1], srcname[STORE_NAME_MAX];
	struct store_entry e;
	MDB_txn *txn;
	MDB_cursor *cur;
	int rc = 0, last = -1, maxlen = addr->family == 4 ? 32 : 128;

	if ((rc = st_rbegin(st, &txn)) != 0)
		return st_fail(rc);
	if ((rc = mdb_cursor_open(txn, st->entries, &cur)) != 0) {
		st_rend(st, txn);
		return st_fail(rc);
	}
	for (int plen = maxlen; plen >= 0; plen--) {
		uint8_t key[KEY_MAX];
		size_t klen = key_build(key, addr->family, plen, addr->addr, 0);
		MDB_val k = { klen, key }, v;

		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		while (rc == 0 && k.mv_size == klen &&
		    memcmp(k.mv_data, key, klen - 2) == 0) {
			if ((rc = st_decode(txn, st, &k, &v, &e, reason, srcname,
			    &last)) != 0)
				goto out;
			if (fn(arg, &e) != 0)
				goto out;
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto out;
		rc = 0;
	}
out:
	mdb_cursor_close(cur);
	st_rend(st, txn);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : st_fail(rc);
}

uint32_t
store_serial(struct store *st, int zone)
{
	char name[STORE_DNAME_MAX + 8] = "";
	const struct zonetab *zt;
	uint32_t serial = 0;
	MDB_txn *txn;

	grace_enter();
	zt = atomic_load(&st->zt);
	if (zone >= 0 && zone < zt->nzones)
		snprintf(name, sizeof(name), "zone:%s", zt->zones[zone].name);
	grace_exit();
	if (name[0] == '\0' || st_rbegin(st, &txn) != 0)
		return 0;
	st_meta_get(txn, st, name, &serial, sizeof(serial));
	st_rend(st, txn);
	return serial;
}

long
store_source_count(struct store *st, int src)
{
	char name[32];
	int64_t cnt = 0;
	MDB_txn *txn;
	int rc;

	if ((rc = st_rbegin(st, &txn)) != 0)
		return st_fail(rc);
	snprintf(name, sizeof(name), "count:%d", src);
	st_meta_get(txn, st, name, &cnt, sizeof(cnt));
	st_rend(st, txn);
	return (long)cnt;
}

int
store_stats(struct store *st, struct store_stats *out)
{
	MDB_envinfo info;
	MDB_stat ms, es;
	MDB_txn *txn;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = st_rbegin(st, &txn)) != 0)
		return st_fail(rc);
	mdb_stat(txn, st->entries, &es);
	mdb_env_stat(st->env, &ms);
	mdb_env_info(st->env, &info);
	st_meta_get(txn, st, "changes", &out->changes, sizeof(out->changes));
	st_rend(st, txn);
	out->entries = es.ms_entries;
	out->db_bytes = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	out->map_bytes = info.me_mapsize;
	return 0;
}

/* ---- source metadata ---- */

int
store_source_meta(struct store *st, int src, struct store_srcmeta *out)
{
	struct srcrec rec;
	MDB_txn *txn;
	int rc;

	if ((rc = st_rbegin(st, &txn)) != 0)
		return st_fail(rc);
	rc = st_srcrec_get(txn, st, src, &rec);
	st_rend(st, txn);
	if (rc == MDB_NOTFOUND || (rc == 0 && !rec.has_meta)) {
		errno = ENOENT;
		return -1;
	}
	if (rc != 0)
		return st_fail(rc);
	*out = rec.meta;
	return 0;
}

void
store_srcmeta_init(struct store_srcmeta *m, const struct rbl_data *d)
{
	memset(m, 0, sizeof(*m));
	m->ttl = d->ttl;
	m->has_soa = d->has_soa;
	m->soa_ttl = d->soa_ttl;
	m->soa_refresh = d->soa_refresh;
	m->soa_retry = d->soa_retry;
	m->soa_expire = d->soa_expire;
	m->soa_minttl = d->soa_minttl;
	snprintf(m->soa_mname, sizeof(m->soa_mname), "%s", d->soa_mname);
	snprintf(m->soa_rname, sizeof(m->soa_rname), "%s", d->soa_rname);
	m->nns = d->nns < STORE_MAX_NS ? d->nns : STORE_MAX_NS;
	m->ns_ttl = d->ns_ttl;
	for (int i = 0; i < m->nns; i++)
		snprintf(m->ns[i], sizeof(m->ns[i]), "%s", d->ns[i]);
	m->file_mtime = -1;
	m->bad_lines = (uint32_t)d->nbad;
}

/* ---- small named records: feed status, requests between processes ---- */

/* The longest name of a small record: put and delete refuse longer. */
#define BLOB_NAME_MAX	400

struct blob_arg {
	const char	*name;
	const void	*data;
	size_t		 len;
	bool		 del;
};

static int
w_blob(struct wctx *w, void *arg)
{
	struct blob_arg *b = arg;
	MDB_val k = { strlen(b->name), (void *)b->name };
	int rc;

	w->wrote = true;
	if (b->del) {
		rc = mdb_del(w->txn, w->st->meta, &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	return st_meta_put(w->txn, w->st, b->name, b->data, b->len);
}

int
store_blob_put(struct store *st, const char *name, const void *data,
    size_t len)
{
	struct blob_arg b = { name, data, len, false };
	int rc;

	if (strlen(name) > BLOB_NAME_MAX || strncmp(name, "blob:", 5) != 0) {
		errno = EINVAL;
		return -1;
	}
	return (rc = st_write(st, w_blob, &b)) == 0 ? 0 : st_fail(rc);
}

int
store_blob_del(struct store *st, const char *name)
{
	struct blob_arg b = { name, NULL, 0, true };
	int rc;

	if (strlen(name) > BLOB_NAME_MAX || strncmp(name, "blob:", 5) != 0) {
		errno = EINVAL;
		return -1;
	}
	return (rc = st_write(st, w_blob, &b)) == 0 ? 0 : st_fail(rc);
}

ssize_t
store_blob_get(struct store *st, const char *name, void *out, size_t max)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	MDB_txn *txn;
	size_t n = 0;
	int rc;

	if ((rc = st_rbegin(st, &txn)) != 0)
		return st_fail(rc);
	if ((rc = mdb_get(txn, st->meta, &k, &v)) == 0) {
		if (v.mv_size <= max) {
			memcpy(out, v.mv_data, v.mv_size);
			n = v.mv_size;
		} else
			rc = EOVERFLOW;
	}
	st_rend(st, txn);
	if (rc == MDB_NOTFOUND)
		rc = ENOENT;
	return rc == 0 ? (ssize_t)n : st_fail(rc);
}

int
store_blob_walk(struct store *st, const char *prefix,
    int (*fn)(void *arg, const char *name, const void *data, size_t len),
    void *arg)
{
	size_t plen = strlen(prefix);
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc;

	if (plen > BLOB_NAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((rc = st_rbegin(st, &txn)) != 0)
		return st_fail(rc);
	if ((rc = mdb_cursor_open(txn, st->meta, &cur)) != 0) {
		st_rend(st, txn);
		return st_fail(rc);
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size >= plen && k.mv_size < 512 &&
	    memcmp(k.mv_data, prefix, plen) == 0) {
		char name[512];

		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		if (fn(arg, name, v.mv_data, v.mv_size) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	st_rend(st, txn);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : st_fail(rc);
}

const char *
store_origin_name(enum store_origin o)
{
	switch (o) {
	case ORIGIN_FILE: return "file";
	case ORIGIN_CLI: return "cli";
	case ORIGIN_API: return "api";
	case ORIGIN_FEED: return "feed";
	case ORIGIN_REPORT: return "report";
	}
	return "?";
}
