/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's per-worker readers: snapshots, and the lookup of the DNS path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grace.h"
#include "store_int.h"
#include "wire.h"

struct store_reader *
store_reader_new(struct store *st)
{
	struct store_reader *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->st = st;
	pthread_mutex_lock(&st->readers_mtx);
	if (st->nreaders == STORE_MAX_READERS) {
		pthread_mutex_unlock(&st->readers_mtx);
		free(r);
		return NULL;
	}
	st->readers[st->nreaders++] = r;
	pthread_mutex_unlock(&st->readers_mtx);
	return r;
}

struct store_reader *
store_reader_new_long(struct store *st)
{
	struct store_reader *r = store_reader_new(st);

	if (r != NULL)
		r->long_lived = true;
	return r;
}

void
store_reader_free(struct store_reader *r)
{
	if (r == NULL)
		return;
	if (r->held)
		store_reader_end(r);
	pthread_mutex_lock(&r->st->readers_mtx);
	for (int i = 0; i < r->st->nreaders; i++) {
		if (r->st->readers[i] == r) {
			r->st->readers[i] = r->st->readers[--r->st->nreaders];
			break;
		}
	}
	pthread_mutex_unlock(&r->st->readers_mtx);
	if (r->cur != NULL)
		mdb_cursor_close(r->cur);
	if (r->txn != NULL)
		mdb_txn_abort(r->txn);
	for (int i = 0; i < STORE_MAX_SOURCES; i++)
		free(r->srcmeta[i]);
	free(r);
}

static void
rd_refresh(struct store_reader *r)
{
	struct store *st = r->st;
	const struct zonetab *zt;
	uint32_t p4[33], p6[129];

	memset(p4, 0, sizeof(p4));
	memset(p6, 0, sizeof(p6));
	st_meta_get(r->txn, st, "plen4", p4, sizeof(p4));
	st_meta_get(r->txn, st, "plen6", p6, sizeof(p6));
	r->n4 = r->n6 = 0;
	for (int l = 32; l >= 0; l--)
		if (p4[l] != 0)
			r->plens4[r->n4++] = (uint8_t)l;
	for (int l = 128; l >= 0; l--)
		if (p6[l] != 0)
			r->plens6[r->n6++] = (uint8_t)l;
	{
		uint64_t ch = 0;

		st_meta_get(r->txn, st, "changes", &ch, sizeof(ch));
		r->gen = (size_t)ch;
	}
	/*
	 * The generation first: a swap after it makes the next begin read the
	 * serials again. (A pointer compare could be fooled by a new table
	 * allocated where a freed one was.)
	 */
	r->zt_gen = atomic_load(&st->zt_gen);
	zt = atomic_load(&st->zt);
	r->nzones = zt->nzones;
	for (int z = 0; z < zt->nzones; z++) {
		char name[STORE_DNAME_MAX + 8];

		r->serials[z] = 0;
		snprintf(name, sizeof(name), "zone:%s", zt->zones[z].name);
		st_meta_get(r->txn, st, name, &r->serials[z],
		    sizeof(r->serials[z]));
	}
}

int
store_reader_begin(struct store_reader *r)
{
	struct store *st = r->st;
	int rc;

	/* The index and the zone table are read inside a read section:
	 * what a swap retires stays until store_reader_end (a long-lived
	 * reader's section only lasts the begin: it never uses the index). */
	grace_enter();
	for (;;) {
		atomic_store(&r->active, 1);
		if (atomic_load(&st->resizing) != 0) {
			atomic_store(&r->active, 0);
			usleep(100);
			continue;
		}
		if (r->txn == NULL)
			rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &r->txn);
		else
			rc = mdb_txn_renew(r->txn);
		if (rc != MDB_MAP_RESIZED)
			break;
		if (r->txn != NULL) {
			/* Read-only cursors outlive their transaction. */
			if (r->cur != NULL)
				mdb_cursor_close(r->cur);
			mdb_txn_abort(r->txn);
			r->txn = NULL;
			r->cur = NULL;
		}
		atomic_store(&r->active, 0);
		st_adopt_size(st);
	}
	if (rc != 0)
		goto fail;
	if (r->cur == NULL)
		rc = mdb_cursor_open(r->txn, st->entries, &r->cur);
	else
		rc = mdb_cursor_renew(r->txn, r->cur);
	if (rc != 0)
		goto fail;
	r->held = true;
	if (mdb_txn_id(r->txn) != r->txnid || r->txnid == 0 ||
	    r->zt_gen != atomic_load(&st->zt_gen)) {
		r->txnid = mdb_txn_id(r->txn);
		rd_refresh(r);
	}
	/* Use the index only if it is exactly this snapshot. */
	if (r->long_lived) {
		r->fast = NULL;
		grace_exit();
	} else {
		struct index *ix = atomic_load_explicit(&st->index,
		    memory_order_acquire);

		r->fast = ix != NULL && index_gen(ix) == r->gen ? ix : NULL;
	}
	return 0;
fail:
	if (r->txn != NULL) {
		if (r->cur != NULL)
			mdb_cursor_close(r->cur);
		mdb_txn_abort(r->txn);
	}
	r->cur = NULL;
	r->txn = NULL;
	atomic_store(&r->active, 0);
	grace_exit();
	return st_fail(rc);
}

void
store_reader_end(struct store_reader *r)
{
	if (!r->held)
		return;
	mdb_txn_reset(r->txn);
	r->held = false;
	r->fast = NULL;
	atomic_store(&r->active, 0);
	if (!r->long_lived)
		grace_exit();
}

int
store_lookup(struct store_reader *r, int family, const uint8_t *addr,
    const int *srcids, int nsrc, uint32_t now, struct store_hit *hits)
{
	const uint8_t *plens = family == 4 ? r->plens4 : r->plens6;
	int np = family == 4 ? r->n4 : r->n6, left = nsrc;
	bool done[64];
	int minsrc = 0xffff;

	if (nsrc > 64) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < nsrc; i++) {
		hits[i].listed = false;
		done[i] = false;
		if (srcids[i] < minsrc)
			minsrc = srcids[i];
	}
	if (r->fast != NULL) {
		np = index_plens(r->fast, family, &plens);
		for (int pi = 0; pi < np && pi < 8; pi++)
			for (int i = 0; i < nsrc; i++)
				index_prefetch(r->fast, family, plens[pi], addr,
				    srcids[i]);
		for (int pi = 0; pi < np && left > 0; pi++) {
			for (int i = 0; i < nsrc; i++) {
				struct index_val iv;

				if (done[i] || !index_get(r->fast, family,
				    plens[pi], addr, srcids[i], &iv))
					continue;
				if (iv.expires != 0 && iv.expires <= now)
					continue;
				done[i] = true;
				left--;
				if (!iv.excl) {
					hits[i].listed = true;
					hits[i].plen = plens[pi];
					hits[i].a = iv.a;
					hits[i].txt = iv.txt;
				}
			}
		}
		return 0;
	}
	for (int pi = 0; pi < np && left > 0; pi++) {
		uint8_t key[KEY_MAX];
		size_t klen = key_build(key, family, plens[pi], addr, minsrc);
		MDB_val k = { klen, key }, v;
		int rc;

		rc = mdb_cursor_get(r->cur, &k, &v, MDB_SET_RANGE);
		while (rc == 0 && k.mv_size == klen &&
		    memcmp(k.mv_data, key, klen - 2) == 0) {
			int s = key_src(&k);

			for (int i = 0; i < nsrc; i++) {
				struct entval ev;

				if (srcids[i] != s || done[i])
					continue;
				memcpy(&ev, v.mv_data, sizeof(ev));
				if (ev.expires != 0 && ev.expires <= now)
					break;	/* as if absent: a shorter prefix may match */
				done[i] = true;
				left--;
				if (!(ev.flags & VAL_EXCL)) {
					hits[i].listed = true;
					hits[i].plen = plens[pi];
					hits[i].a = ev.a;
					hits[i].txt = ev.txt;
				}
			}
			if (left == 0)
				break;
			rc = mdb_cursor_get(r->cur, &k, &v, MDB_NEXT);
		}
		if (rc != 0 && rc != MDB_NOTFOUND)
			return st_fail(rc);
	}
	return 0;
}

int
store_text(struct store_reader *r, uint32_t id, const char **s, size_t *len)
{
	uint8_t idk[4];
	MDB_val k = { 4, idk }, v;
	int rc;

	wire_set32(idk, id);
	if ((rc = mdb_get(r->txn, r->st->texts, &k, &v)) != 0)
		return st_fail(rc == MDB_NOTFOUND ? ENOENT : rc);
	*s = v.mv_data;
	*len = v.mv_size;
	return 0;
}

uint64_t
store_reader_snapshot(const struct store_reader *r)
{
	return r->txnid;
}

uint32_t
store_reader_serial(struct store_reader *r, int zone)
{
	return zone >= 0 && zone < r->nzones ? r->serials[zone] : 0;
}

const struct store_srcmeta *
store_reader_srcmeta(struct store_reader *r, int src)
{
	struct srcrec rec;

	if (src <= 0 || src >= STORE_MAX_SOURCES)
		return NULL;
	/* Cached per snapshot, a missing record too: this is on the query path. */
	if (r->srctxn[src] != (uint32_t)r->txnid + 1) {
		r->srctxn[src] = (uint32_t)r->txnid + 1;
		r->srchave[src] = false;
		if (st_srcrec_get(r->txn, r->st, src, &rec) != 0 ||
		    !rec.has_meta)
			return NULL;
		if (r->srcmeta[src] == NULL &&
		    (r->srcmeta[src] = malloc(sizeof(*r->srcmeta[src]))) == NULL)
			return NULL;
		*r->srcmeta[src] = rec.meta;
		r->srchave[src] = true;
	}
	return r->srchave[src] ? r->srcmeta[src] : NULL;
}

bool
store_reader_contended(const struct store_reader *r)
{
	return atomic_load(&r->st->resizing) != 0;
}
