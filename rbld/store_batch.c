/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's batches (several changes, one commit) and its keyed records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- batches: several changes, each all or nothing, one commit ---- */

/*
 * Each job runs in a nested transaction: a job that fails leaves no trace,
 * and the others still commit together. The counters of the outer
 * transaction are saved before a job and put back if it fails.
 */
struct batch_arg {
	int		(*fn)(struct store_txn *, void *, int);
	void		*arg;
	int		 njobs;
	int		*results;
};

/* One job's view of the batch; MAP_FULL sticks once LMDB said so. */
struct store_txn {
	struct wctx	*w;
	bool		 map_full;
};

struct wsave {
	uint32_t	 plen4[33], plen6[129];
	bool		 plen_dirty, wrote;
	uint32_t	 touched;
	uint64_t	 changes;
	int64_t		 cnt[STORE_MAX_SOURCES];
};

/*
 * LMDB's code RC for a job, as the store's boundary gives it: -1 with
 * errno ENOSPC when the map is full (the batch then grows it and runs
 * again), EIO for anything else LMDB says; an errno value passes as is.
 */
static int
txn_fail(struct store_txn *t, int rc)
{
	if (rc == MDB_MAP_FULL)
		t->map_full = true;
	return st_fail(rc);
}

static void
w_save(const struct wctx *w, struct wsave *sv)
{
	memcpy(sv->plen4, w->plen4, sizeof(sv->plen4));
	memcpy(sv->plen6, w->plen6, sizeof(sv->plen6));
	memcpy(sv->cnt, w->cntdelta, sizeof(sv->cnt));
	sv->plen_dirty = w->plen_dirty;
	sv->wrote = w->wrote;
	sv->touched = w->touched;
	sv->changes = w->changes;
}

static void
w_restore(struct wctx *w, const struct wsave *sv)
{
	memcpy(w->plen4, sv->plen4, sizeof(sv->plen4));
	memcpy(w->plen6, sv->plen6, sizeof(sv->plen6));
	memcpy(w->cntdelta, sv->cnt, sizeof(sv->cnt));
	w->plen_dirty = sv->plen_dirty;
	w->wrote = sv->wrote;
	w->touched = sv->touched;
	w->changes = sv->changes;
}

static int
w_batch(struct wctx *w, void *arg)
{
	struct batch_arg *ba = arg;
	MDB_txn *outer = w->txn;
	struct wsave *sv;
	int rc = 0;

	if ((sv = malloc(sizeof(*sv))) == NULL)
		return ENOMEM;
	for (int j = 0; j < ba->njobs; j++) {
		struct store_txn t = { w, false };
		MDB_txn *inner;

		w_save(w, sv);
		if ((rc = mdb_txn_begin(w->st->env, outer, 0, &inner)) != 0)
			break;
		w->txn = inner;
		errno = 0;
		ba->results[j] = ba->fn(&t, ba->arg, j) == 0 ? 0 :
		    errno != 0 ? errno : EIO;
		w->txn = outer;
		if (ba->results[j] == 0) {
			if ((rc = mdb_txn_commit(inner)) != 0)
				break;
			continue;
		}
		mdb_txn_abort(inner);
		w_restore(w, sv);
		/* The map is full: the whole batch runs again in a larger one. */
		if (t.map_full) {
			rc = MDB_MAP_FULL;
			break;
		}
	}
	free(sv);
	return rc;
}

int
store_batch(struct store *st, int njobs,
    int (*fn)(struct store_txn *, void *arg, int job), void *arg,
    int *results, char *err, size_t errlen)
{
	struct batch_arg ba = { fn, arg, njobs, results };
	int rc;

	if ((rc = st_write(st, w_batch, &ba)) != 0) {
		st_err(err, errlen, "write", rc);
		return -1;
	}
	return 0;
}

struct one_job {
	int	(*fn)(struct store_txn *, void *);
	void	*arg;
};

static int
one_job(struct store_txn *t, void *arg, int j)
{
	struct one_job *oj = arg;

	(void)j;
	return oj->fn(t, oj->arg);
}

int
store_run(struct store *st, int (*fn)(struct store_txn *, void *), void *arg,
    char *err, size_t errlen)
{
	struct one_job oj = { fn, arg };
	int result;

	if (store_batch(st, 1, one_job, &oj, &result, err, errlen) != 0)
		return -1;
	if (result != 0) {
		snprintf(err, errlen, "%s", store_strerror(result));
		errno = result;
		return -1;
	}
	return 0;
}

int
store_txn_add(struct store_txn *t, int src, const struct prefix *p, bool excl,
    uint32_t a, const char *txt, uint32_t expires, const char *reason,
    enum store_origin origin)
{
	struct add_arg aa = { src, p, excl, a, txt, expires, reason, origin };
	int rc;

	if (src <= 0 || src >= STORE_MAX_SOURCES ||
	    store_entry_check(txt, reason, NULL, 0) != 0)
		return txn_fail(t, EINVAL);
	if ((rc = w_add(t->w, &aa)) != 0)
		return txn_fail(t, rc);
	return 0;
}

bool
store_txn_listed(struct store_txn *t, int src, const struct prefix *p,
    uint32_t now)
{
	uint8_t key[KEY_MAX];
	MDB_val k, v;
	struct entval ev;

	k.mv_size = key_entry(key, p, src);
	k.mv_data = key;
	if (mdb_get(t->w->txn, t->w->st->entries, &k, &v) != 0 ||
	    v.mv_size < sizeof(ev))
		return false;
	memcpy(&ev, v.mv_data, sizeof(ev));
	return !(ev.flags & VAL_EXCL) && (ev.expires == 0 || ev.expires > now);
}

int
store_txn_del(struct store_txn *t, int src, const struct prefix *p, int *n,
    int *kept)
{
	struct del_arg da = { src, p, 0, 0 };
	int rc = w_del(t->w, &da);

	*n = da.n;
	if (kept != NULL)
		*kept = da.kept;
	return rc != 0 ? txn_fail(t, rc) : 0;
}

int
store_txn_rec_get(struct store_txn *t, const void *key, size_t klen,
    void *out, size_t max, size_t *len)
{
	MDB_val k = { klen, (void *)key }, v;
	int rc;

	if ((rc = mdb_get(t->w->txn, t->w->st->records, &k, &v)) != 0)
		return txn_fail(t, rc == MDB_NOTFOUND ? ENOENT : rc);
	if (v.mv_size > max)
		return txn_fail(t, EOVERFLOW);
	memcpy(out, v.mv_data, v.mv_size);
	*len = v.mv_size;
	return 0;
}

int
store_txn_rec_put(struct store_txn *t, const void *key, size_t klen,
    const void *data, size_t len)
{
	MDB_val k = { klen, (void *)key }, v = { len, (void *)data };
	int rc;

	t->w->wrote = true;
	if ((rc = mdb_put(t->w->txn, t->w->st->records, &k, &v, 0)) != 0)
		return txn_fail(t, rc);
	return 0;
}

int
store_txn_rec_del(struct store_txn *t, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)key };
	int rc;

	t->w->wrote = true;
	rc = mdb_del(t->w->txn, t->w->st->records, &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return txn_fail(t, rc);
	return 0;
}

int
store_rec_walk(struct store *st, const void *prefix, size_t plen,
    int (*fn)(void *arg, const void *key, size_t klen, const void *data,
    size_t len), void *arg)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc;

	if ((rc = st_rbegin(st, &txn)) != 0)
		return st_fail(rc);
	if ((rc = mdb_cursor_open(txn, st->records, &cur)) != 0) {
		st_rend(st, txn);
		return st_fail(rc);
	}
	rc = plen > 0 ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) :
	    mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0 && k.mv_size >= plen &&
	    memcmp(k.mv_data, prefix, plen) == 0) {
		if (fn(arg, k.mv_data, k.mv_size, v.mv_data, v.mv_size) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	st_rend(st, txn);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : st_fail(rc);
}

struct prune_arg {
	bool		(*drop)(void *, const void *, size_t, const void *,
			    size_t);
	void		*arg;
	long		 n;
};

static bool
prune_pick(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct prune_arg *pa = arg;

	return pa->drop(pa->arg, k->mv_data, k->mv_size, v->mv_data,
	    v->mv_size);
}

static void
prune_gone(struct wctx *w, const uint8_t *key, size_t klen, void *arg)
{
	struct prune_arg *pa = arg;

	(void)w;
	(void)key;
	(void)klen;
	pa->n++;
}

static int
w_prune(struct wctx *w, void *arg)
{
	struct prune_arg *pa = arg;

	pa->n = 0;
	return w_sweep(w, w->st->records, prune_pick, prune_gone, pa);
}

long
store_rec_prune(struct store *st, bool (*drop)(void *arg, const void *key,
    size_t klen, const void *data, size_t len), void *arg)
{
	struct prune_arg pa = { drop, arg, 0 };
	int rc;

	if ((rc = st_write(st, w_prune, &pa)) != 0)
		return st_fail(rc);
	return pa.n;
}


const char *
store_strerror(int errnum)
{
	if (errnum == EEXIST)	/* from w_add */
		return "a data file or a feed lists this prefix in this "
		    "source; change it there";
	if (errnum == ENOSPC)
		return "the disk is full";
	return strerror(errnum);
}
