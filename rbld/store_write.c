/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's entry writes: replace a list, import, add, delete, expire. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

/* ---- replacing a file's entries ---- */

struct newent {
	uint8_t		key[KEY_MAX];
	uint8_t		klen;
	const struct rbl_entry *e;
};

/* Keys sort by (family, plen, ...): order the in-memory list the same way. */
static int
key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
newent_lmdb_cmp(const void *a, const void *b)
{
	const struct newent *x = a, *y = b;
	int c = key_cmp(x->key, x->klen, y->key, y->klen);

	if (c != 0)
		return c;
	return x->e->line < y->e->line ? -1 : x->e->line > y->e->line;
}

struct replace_arg {
	int			 src;
	const struct rbl_data	*d;
	const struct store_srcmeta *meta;
	struct newent		*ne;
	size_t			 nne;
	uint32_t		*txtids;	/* d->txts index -> store text id */
	enum store_origin	 origin;
	long			 changed;
};

static int st_prepare(struct replace_arg *, int, const struct rbl_data *);

/* Do two metadata records give different answers (file times aside)? */
static bool
srcmeta_answers_differ(const struct store_srcmeta *a,
    const struct store_srcmeta *b)
{
	if (a->ttl != b->ttl || a->has_soa != b->has_soa || a->nns != b->nns ||
	    a->ns_ttl != b->ns_ttl)
		return true;
	if (a->has_soa && (a->soa_ttl != b->soa_ttl ||
	    a->soa_refresh != b->soa_refresh || a->soa_retry != b->soa_retry ||
	    a->soa_expire != b->soa_expire || a->soa_minttl != b->soa_minttl ||
	    strcmp(a->soa_mname, b->soa_mname) != 0 ||
	    strcmp(a->soa_rname, b->soa_rname) != 0))
		return true;
	for (int i = 0; i < a->nns && i < STORE_MAX_NS; i++)
		if (strcmp(a->ns[i], b->ns[i]) != 0)
			return true;
	return false;
}

static int
val_equal(const MDB_val *v, const struct entval *ev)
{
	return v->mv_size == sizeof(*ev) && memcmp(v->mv_data, ev,
	    sizeof(*ev)) == 0;
}

static int
w_replace(struct wctx *w, void *arg)
{
	struct replace_arg *ra = arg;
	struct store *st = w->st;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	struct srcrec rec;
	uint32_t now = (uint32_t)time(NULL);
	size_t i = 0;
	int rc;

	ra->changed = 0;
	for (size_t t = 0; t < ra->d->ntxts; t++)
		if ((rc = w_text_id(w, ra->d->txts[t], &ra->txtids[t])) != 0)
			return rc;
	if ((rc = mdb_cursor_open(w->txn, st->entries, &cur)) != 0)
		return rc;
	/*
	 * Walk the stored keys and the new list together, both in key order:
	 * delete what went, write what is new or changed, keep what is equal.
	 */
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (;;) {
		const struct newent *n = i < ra->nne ? &ra->ne[i] : NULL;
		int c;

		/*
		 * Skip stored keys of other sources and non-file entries, up
		 * to the next new key: one past it means that key is new, and
		 * it is written before going on. Skipping further would walk
		 * the rest of the database again for every new key.
		 */
		while (rc == 0) {
			const struct entval *ev = v.mv_data;
			int kc = n == NULL ? -1 :
			    key_cmp(k.mv_data, k.mv_size, n->key, n->klen);

			if (key_src(&k) == ra->src && v.mv_size >= sizeof(*ev) &&
			    ev->flags >> VAL_ORIGIN_SHIFT == ra->origin)
				break;
			/* The same key is the same source: a hand-made entry
			 * with a key the file has. */
			if (kc >= 0)
				break;
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto out;
		if (rc == MDB_NOTFOUND && n == NULL)
			break;
		c = rc == MDB_NOTFOUND ? 1 :
		    n == NULL ? -1 : key_cmp(k.mv_data, k.mv_size, n->key, n->klen);
		if (c < 0) {
			/* Stored file entry no longer in the file. */
			uint8_t kb[KEY_MAX];

			memcpy(kb, k.mv_data, k.mv_size);
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				goto out;
			w_count(w, kb, ra->src, -1);
			ra->changed++;
			rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
			if (rc == EINVAL)
				rc = MDB_NOTFOUND;
			continue;
		}
		{
			struct entval ev;
			const struct rbl_entry *e = n->e;
			bool exists = c == 0;
			MDB_val nk = { n->klen, (void *)n->key }, nv;

			if (exists) {
				const struct entval *old = v.mv_data;

				if (old->flags >> VAL_ORIGIN_SHIFT != ra->origin) {
					/* A hand-made entry outranks the file. */
					i++;
					rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
					continue;
				}
			}
			memset(&ev, 0, sizeof(ev));
			ev.flags = (uint8_t)(ra->origin << VAL_ORIGIN_SHIFT |
			    (e->excl ? VAL_EXCL : 0));
			ev.a = e->a;
			ev.txt = e->txt == RBL_NO_TXT ? RBL_NO_TXT :
			    ra->txtids[e->txt];
			ev.expires = 0;
			if (exists) {
				struct entval old;

				memcpy(&old, v.mv_data, sizeof(old));
				ev.added = old.added;
				if (val_equal(&v, &ev)) {
					i++;
					rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
					continue;
				}
			} else
				ev.added = now;
			nv.mv_size = sizeof(ev);
			nv.mv_data = &ev;
			if ((rc = mdb_cursor_put(cur, &nk, &nv, 0)) != 0)
				goto out;
			if (!exists)
				w_count(w, n->key, ra->src, +1);
			else
				w_touch(w, ra->src, n->key);
			ra->changed++;
			i++;
			/* The cursor sits on the key just written. */
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
	}
	rc = ra->meta == NULL ? 0 : st_srcrec_get(w->txn, st, ra->src, &rec);
	if (rc == 0 && ra->meta != NULL) {
		/* A new $TTL, $SOA or $NS changes answers: the serial moves. */
		if (!rec.has_meta || srcmeta_answers_differ(&rec.meta, ra->meta))
			w_touch(w, ra->src, NULL);
		rec.meta = *ra->meta;
		rec.has_meta = true;
		w->wrote = true;
		rc = st_srcrec_put(w->txn, st, ra->src, &rec);
	}
out:
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

long
store_replace_file(struct store *st, int src, const struct rbl_data *d,
    const struct store_srcmeta *meta, char *err, size_t errlen)
{
	return store_replace(st, src, ORIGIN_FILE, d, meta, err, errlen);
}

/* Sort D into keys and run FN (w_replace or w_import) in one transaction. */
static long
st_bulk(struct store *st, struct replace_arg *ra,
    int (*fn)(struct wctx *, void *), const char *what, char *err,
    size_t errlen)
{
	int rc;

	if (ra->src <= 0 || ra->src >= STORE_MAX_SOURCES) {
		snprintf(err, errlen, "bad source id %d", ra->src);
		errno = EINVAL;
		return -1;
	}
	if (st_prepare(ra, ra->src, ra->d) != 0) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	rc = st_write(st, fn, ra);
	free(ra->ne);
	free(ra->txtids);
	if (rc != 0) {
		st_err(err, errlen, what, rc);
		return -1;
	}
	return ra->changed;
}

long
store_replace(struct store *st, int src, enum store_origin origin,
    const struct rbl_data *d, const struct store_srcmeta *meta, char *err,
    size_t errlen)
{
	struct replace_arg ra = { .src = src, .d = d, .meta = meta,
	    .origin = origin };

	return st_bulk(st, &ra, w_replace, "replace", err, errlen);
}

/* Bulk add (import): upsert D's entries with ORIGIN, deleting nothing. */
static int
w_import(struct wctx *w, void *arg)
{
	struct replace_arg *ra = arg;
	uint32_t now = (uint32_t)time(NULL);
	int rc;

	ra->changed = 0;
	for (size_t t = 0; t < ra->d->ntxts; t++)
		if ((rc = w_text_id(w, ra->d->txts[t], &ra->txtids[t])) != 0)
			return rc;
	for (size_t i = 0; i < ra->nne; i++) {
		const struct rbl_entry *e = ra->ne[i].e;
		MDB_val k = { ra->ne[i].klen, ra->ne[i].key }, v, old;
		struct entval ev;

		memset(&ev, 0, sizeof(ev));
		ev.flags = (uint8_t)(ra->origin << VAL_ORIGIN_SHIFT |
		    (e->excl ? VAL_EXCL : 0));
		ev.a = e->a;
		ev.txt = e->txt == RBL_NO_TXT ? RBL_NO_TXT : ra->txtids[e->txt];
		ev.added = now;
		v.mv_size = sizeof(ev);
		v.mv_data = &ev;
		old = v;
		rc = mdb_put(w->txn, w->st->entries, &k, &old, MDB_NOOVERWRITE);
		if (rc == 0) {
			w_count(w, ra->ne[i].key, ra->src, +1);
			ra->changed++;
			continue;
		}
		if (rc != MDB_KEYEXIST)
			return rc;
		/* old now holds the stored value */
		if (old.mv_size >= sizeof(ev)) {
			struct entval o;
			int was;

			memcpy(&o, old.mv_data, sizeof(o));
			/* As in w_add: a file's or a feed's entry stays. */
			was = o.flags >> VAL_ORIGIN_SHIFT;
			if (was == ORIGIN_FILE || was == ORIGIN_FEED)
				continue;
			ev.added = o.added;
			if (val_equal(&old, &ev))
				continue;
		}
		if ((rc = mdb_put(w->txn, w->st->entries, &k, &v, 0)) != 0)
			return rc;
		w_touch(w, ra->src, k.mv_data);
		ra->changed++;
	}
	return 0;
}

/*
 * Sort D's entries into key order, the first line of a repeated key
 * winning: ::ffff:a.b.c.d and a.b.c.d are one key (key_entry), so the later
 * of the two is a repeat like any other.
 */
static int
st_prepare(struct replace_arg *ra, int src, const struct rbl_data *d)
{
	size_t i, j;

	ra->ne = malloc((d->nents ? d->nents : 1) * sizeof(*ra->ne));
	ra->txtids = malloc((d->ntxts ? d->ntxts : 1) * sizeof(*ra->txtids));
	if (ra->ne == NULL || ra->txtids == NULL) {
		free(ra->ne);
		free(ra->txtids);
		return -1;
	}
	for (i = 0; i < d->nents; i++) {
		const struct rbl_entry *e = &d->ents[i];

		ra->ne[i].klen = (uint8_t)key_entry(ra->ne[i].key, &e->p, src);
		ra->ne[i].e = e;
	}
	qsort(ra->ne, d->nents, sizeof(*ra->ne), newent_lmdb_cmp);
	for (i = 0, j = 0; i < d->nents; i++) {
		if (j > 0 && ra->ne[j - 1].klen == ra->ne[i].klen &&
		    memcmp(ra->ne[j - 1].key, ra->ne[i].key, ra->ne[i].klen) == 0)
			continue;
		ra->ne[j++] = ra->ne[i];
	}
	ra->nne = j;
	return 0;
}

long
store_import(struct store *st, int src, const struct rbl_data *d,
    enum store_origin origin, char *err, size_t errlen)
{
	struct replace_arg ra = { .src = src, .d = d, .origin = origin };

	return st_bulk(st, &ra, w_import, "import", err, errlen);
}

/* ---- single entries ---- */

int
w_add(struct wctx *w, void *arg)
{
	struct add_arg *aa = arg;
	uint8_t key[KEY_MAX], buf[sizeof(struct entval) + STORE_REASON_MAX];
	struct entval ev;
	size_t rlen = aa->reason ? strlen(aa->reason) : 0;
	MDB_val k, v;
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.flags = (uint8_t)(aa->origin << VAL_ORIGIN_SHIFT |
	    (aa->excl ? VAL_EXCL : 0));
	ev.a = aa->a;
	ev.txt = RBL_NO_TXT;
	ev.added = (uint32_t)time(NULL);
	ev.expires = aa->expires;
	if (aa->txt != NULL && (rc = w_text_id(w, aa->txt, &ev.txt)) != 0)
		return rc;
	if (rlen > STORE_REASON_MAX)
		return EINVAL;
	k.mv_size = key_entry(key, aa->p, aa->src);
	k.mv_data = key;
	rc = mdb_get(w->txn, w->st->entries, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (rc == 0 && v.mv_size > 0) {
		int was = ((const uint8_t *)v.mv_data)[0] >> VAL_ORIGIN_SHIFT;

		/* A file's or a feed's entry is changed there: replaced by
		 * hand, it would vanish at the next load. */
		if (was == ORIGIN_FILE || was == ORIGIN_FEED)
			return EEXIST;
	}
	memcpy(buf, &ev, sizeof(ev));
	if (rlen > 0)
		memcpy(buf + sizeof(ev), aa->reason, rlen);
	v.mv_size = sizeof(ev) + rlen;
	v.mv_data = buf;
	if (rc == MDB_NOTFOUND)
		w_count(w, key, aa->src, +1);
	else
		w_touch(w, aa->src, key);
	return mdb_put(w->txn, w->st->entries, &k, &v, 0);
}

int
store_entry_check(const char *txt, const char *reason, char *err,
    size_t errlen)
{
	if (txt != NULL && (strlen(txt) == 0 || strlen(txt) > RBL_TXT_MAX)) {
		if (err != NULL)
			snprintf(err, errlen, "txt must be 1 to %d characters",
			    RBL_TXT_MAX);
	} else if (reason != NULL && strlen(reason) > STORE_REASON_MAX) {
		if (err != NULL)
			snprintf(err, errlen, "reason is longer than %d "
			    "characters", STORE_REASON_MAX);
	} else if (!text_ok(txt) || !text_ok(reason)) {
		if (err != NULL)
			snprintf(err, errlen, "txt and reason may not hold "
			    "control characters");
	} else
		return 0;
	errno = EINVAL;
	return -1;
}

int
store_add(struct store *st, int src, const struct prefix *p, bool excl,
    uint32_t a, const char *txt, uint32_t expires, const char *reason,
    enum store_origin origin, char *err, size_t errlen)
{
	struct add_arg aa = { src, p, excl, a, txt, expires, reason, origin };
	int rc;

	if (src <= 0 || src >= STORE_MAX_SOURCES) {
		snprintf(err, errlen, "bad source id %d", src);
		errno = EINVAL;
		return -1;
	}
	if (store_entry_check(txt, reason, err, errlen) != 0)
		return -1;
	if ((rc = st_write(st, w_add, &aa)) != 0) {
		if (rc == EEXIST) {
			snprintf(err, errlen, "%s", store_strerror(rc));
			errno = EEXIST;
		} else
			st_err(err, errlen, "add", rc);
		return -1;
	}
	return 0;
}

int
w_del(struct wctx *w, void *arg)
{
	struct del_arg *da = arg;
	uint8_t key[KEY_MAX];
	MDB_cursor *cur;
	MDB_val k, v;
	size_t klen;
	int rc;

	da->n = da->kept = 0;
	klen = key_entry(key, da->p, da->src < 0 ? 0 : da->src);
	if ((rc = mdb_cursor_open(w->txn, w->st->entries, &cur)) != 0)
		return rc;
	k.mv_size = klen;
	k.mv_data = key;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == klen &&
	    memcmp(k.mv_data, key, klen - 2) == 0) {
		int s = key_src(&k);

		if (da->src < 0 || s == da->src) {
			uint8_t kb[KEY_MAX];
			int origin = v.mv_size > 0 ?
			    ((const uint8_t *)v.mv_data)[0] >> VAL_ORIGIN_SHIFT : 0;

			/*
			 * A file's or a feed's entry is changed there: deleted
			 * here, it would come back at the next load.
			 */
			if (origin == ORIGIN_FILE || origin == ORIGIN_FEED) {
				da->kept++;
				if (da->src >= 0)
					break;
				rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
				continue;
			}
			memcpy(kb, k.mv_data, k.mv_size);
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			w_count(w, kb, s, -1);
			da->n++;
			rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
			if (rc == EINVAL)
				rc = MDB_NOTFOUND;
			continue;
		}
		if (da->src >= 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

int
store_del(struct store *st, int src, const struct prefix *p, int *kept,
    char *err, size_t errlen)
{
	struct del_arg da = { src, p, 0, 0 };
	int rc;

	if ((rc = st_write(st, w_del, &da)) != 0) {
		st_err(err, errlen, "delete", rc);
		return -1;
	}
	if (kept != NULL)
		*kept = da.kept;
	return da.n;
}

/* ---- expiry, and the sweep that batches' pruning shares ---- */

struct expire_arg {
	uint32_t	now;
	long		n;
};

/* One cursor pass over DBI that deletes what DROP picks. */
int
w_sweep(struct wctx *w, MDB_dbi dbi,
    bool (*drop)(void *arg, const MDB_val *k, const MDB_val *v),
    void (*gone)(struct wctx *, const uint8_t *key, size_t klen, void *arg),
    void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(w->txn, dbi, &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (drop(arg, &k, &v)) {
			uint8_t kb[64];
			size_t klen = k.mv_size < sizeof(kb) ? k.mv_size :
			    sizeof(kb);

			memcpy(kb, k.mv_data, klen);
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			w->wrote = true;
			if (gone != NULL)
				gone(w, kb, klen, arg);
			rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
			if (rc == EINVAL)
				rc = MDB_NOTFOUND;
			continue;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static bool
expired(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct expire_arg *ea = arg;
	struct entval ev;

	(void)k;
	if (v->mv_size < sizeof(ev))
		return false;
	memcpy(&ev, v->mv_data, sizeof(ev));
	return ev.expires != 0 && ev.expires <= ea->now;
}

static void
expired_gone(struct wctx *w, const uint8_t *key, size_t klen, void *arg)
{
	MDB_val k = { klen, (void *)key };
	struct expire_arg *ea = arg;

	w_count(w, key, key_src(&k), -1);
	ea->n++;
}

static int
w_expire(struct wctx *w, void *arg)
{
	struct expire_arg *ea = arg;

	ea->n = 0;
	return w_sweep(w, w->st->entries, expired, expired_gone, ea);
}

long
store_expire(struct store *st, uint32_t now)
{
	struct expire_arg ea = { now, 0 };
	int rc;

	if ((rc = st_write(st, w_expire, &ea)) != 0)
		return st_fail(rc);
	return ea.n;
}
