/* SPDX-License-Identifier: BSD-2-Clause */
/* The LMDB store: the one source of truth for entries, sources and serials. */
#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "index.h"
#include "store.h"

/*
 * Schema (version 1). Every multi-byte key field is big-endian so that keys
 * sort numerically; values are host order (an LMDB file is not portable
 * across architectures anyway).
 *
 *   entries  family(1) plen(1) masked-address(4|16) source-id(2) -> entval + reason
 *   sources  name -> srcrec          srcids  source-id(2) -> name
 *   texts    text-id(4) -> template  textidx template -> text-id(4)
 *   meta     "version" "changes" "plen4" "plen6" "nexttext" "nextsrc"
 *            "zone:NAME" -> serial   "count:ID" -> entries of a source
 *
 * A lookup probes only the prefix lengths in use (the plen counters), one
 * MDB_SET_RANGE seek each, longest first.
 */
#define STORE_VERSION		1
#define STORE_MAX_SOURCES	1024
#define STORE_MAX_ZONES		32
/*
 * LMDB reader slots (64 bytes each in the lock file): up to 1000 DNS sockets
 * (conf.c's SOCKETS_MAX), up to 1024 API connections (API_CONNECTIONS_MAX),
 * rbld's own threads and every rbldctl that runs meanwhile.
 */
#define STORE_MAX_READERS	4096
#define KEY_MAX			20

#define VAL_EXCL		0x01
#define VAL_ORIGIN_SHIFT	4

struct entval {
	uint8_t		flags;
	uint8_t		pad[3];
	uint32_t	a;
	uint32_t	txt;
	uint32_t	added;
	uint32_t	expires;
	/* reason text follows, not NUL-terminated */
};

struct srcrec {
	uint16_t	id;
	uint16_t	pad;
	struct store_srcmeta meta;
	bool		has_meta;
};

struct zoneinfo {
	char		name[STORE_DNAME_MAX];
};

struct zonetab {
	int		 nzones;
	struct zoneinfo	 zones[STORE_MAX_ZONES];
	uint32_t	 srczones[STORE_MAX_SOURCES];	/* bit z: zone z holds it */
};

static struct zonetab zt_empty;

struct store {
	MDB_env		*env;
	MDB_dbi		 entries, sources, srcids, texts, textidx, meta, records;
	bool		 readonly;
	uint64_t	 mapsize;
	/* Writers and readers hold it shared; growing the map takes it alone. */
	pthread_rwlock_t resize;
	/* The zones as the config names them. A SIGHUP publishes a new table
	 * while other threads read the old one: it is freed a swap later. */
	_Atomic(struct zonetab *) zt;
	struct zonetab	*zt_old;
	_Atomic uint64_t zt_gen;	/* bumped at each swap */

	/* The in-memory index of the newest snapshot it was built from, and
	 * the readers that may be using an older one. */
	_Atomic(struct index *) index;
	pthread_mutex_t	 readers_mtx;
	struct store_reader *readers[STORE_MAX_READERS];
	int		 nreaders;
	pthread_t	 indexer;
	bool		 indexer_running;
	atomic_int	 resizing;	/* DNS readers keep out while set */
	atomic_bool	 indexer_stop;
};

struct store_reader {
	struct store	*st;
	MDB_txn		*txn;
	MDB_cursor	*cur;
	size_t		 txnid;
	int		 n4, n6;
	uint8_t		 plens4[33], plens6[129];	/* in use, longest first */
	uint32_t	 serials[STORE_MAX_ZONES];
	size_t		 changes;	/* entry changes in this snapshot */
	uint64_t	 zt_gen;	/* the serials were read for this table */
	int		 nzones;
	uint32_t	 srcgen[STORE_MAX_SOURCES];	/* txnid+1 when cached */
	struct store_srcmeta *srcmeta[STORE_MAX_SOURCES];
	bool		 srchave[STORE_MAX_SOURCES];
	bool		 held;
	/* Hazard pointer: the index this reader may be reading. */
	_Atomic(struct index *) inuse;
	/* Set while this reader holds a transaction: a resize waits for it.
	 * One flag per reader, not a shared lock, so that two workers never
	 * fight over one cache line for every batch. */
	atomic_int	 active;
	struct index	*fast;		/* inuse, when it matches the snapshot */
};

/* One write transaction and the counters it changes. */
struct wctx {
	struct store	*st;
	MDB_txn		*txn;
	uint32_t	 plen4[33], plen6[129];
	bool		 plen_dirty;
	int64_t		*cntdelta;	/* per source id */
	uint32_t	 touched;	/* zones whose serial must move */
	uint64_t	 changes;
	uint64_t	 changes0;	/* as the transaction began */
	bool		 wrote;		/* anything at all: else abort, not commit */
	const struct zonetab *zt;	/* as the transaction began */
};

static void
st_err(char *err, size_t errlen, const char *what, int rc)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, mdb_strerror(rc));
}

static size_t
key_build(uint8_t *k, int family, int plen, const uint8_t *addr, int src)
{
	int n = family == 4 ? 4 : 16;

	k[0] = (uint8_t)family;
	k[1] = (uint8_t)plen;
	memcpy(k + 2, addr, n);
	/* Mask in place: keys always hold the network address. */
	for (int i = 0; i < n; i++) {
		int bits = plen - i * 8;

		if (bits <= 0)
			k[2 + i] = 0;
		else if (bits < 8)
			k[2 + i] &= (uint8_t)(0xff00 >> bits);
	}
	k[2 + n] = (uint8_t)(src >> 8);
	k[3 + n] = (uint8_t)src;
	return (size_t)n + 4;
}

static int
key_src(const MDB_val *k)
{
	const uint8_t *p = k->mv_data;

	return p[k->mv_size - 2] << 8 | p[k->mv_size - 1];
}

/* ---- opening ---- */

static int
st_meta_get(MDB_txn *txn, struct store *st, const char *name, void *out,
    size_t len)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc;

	if ((rc = mdb_get(txn, st->meta, &k, &v)) != 0)
		return rc;
	if (v.mv_size != len)
		return MDB_CORRUPTED;
	memcpy(out, v.mv_data, len);
	return 0;
}

static int
st_meta_put(MDB_txn *txn, struct store *st, const char *name, const void *p,
    size_t len)
{
	MDB_val k = { strlen(name), (void *)name }, v = { len, (void *)p };

	return mdb_put(txn, st->meta, &k, &v, 0);
}

/* mkdir -p: the database folder and any missing parents. */
static int
st_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0750) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

struct store *
store_open(const char *path, uint64_t mapsize, bool readonly, char *err,
    size_t errlen)
{
	struct store *st;
	MDB_txn *txn = NULL;
	unsigned flags = MDB_NOTLS | (readonly ? MDB_RDONLY : 0);
	uint32_t version;
	int rc, dead;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_rwlock_init(&st->resize, NULL);
	pthread_mutex_init(&st->readers_mtx, NULL);
	atomic_store(&st->zt, &zt_empty);
	st->readonly = readonly;
	if (!readonly && st_mkdirs(path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, 8)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env, STORE_MAX_READERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, mapsize)) != 0) {
		st_err(err, errlen, path, rc);
		goto fail;
	}
	if ((rc = mdb_env_open(st->env, path, flags, 0640)) != 0) {
		st_err(err, errlen, path, rc);
		goto fail;
	}
	/* The file may already be larger than asked: use what it has. */
	{
		MDB_envinfo info;

		mdb_env_info(st->env, &info);
		st->mapsize = info.me_mapsize;
	}
	/* Readers left by a killed process would pin old pages forever. */
	mdb_reader_check(st->env, &dead);

	/* DBIs must be opened in a committed transaction to stay valid. */
	if ((rc = mdb_txn_begin(st->env, NULL, readonly ? MDB_RDONLY : 0,
	    &txn)) != 0) {
		st_err(err, errlen, path, rc);
		goto fail;
	}
	{
		unsigned create = readonly ? 0 : MDB_CREATE;

		if ((rc = mdb_dbi_open(txn, "entries", create, &st->entries)) ||
		    (rc = mdb_dbi_open(txn, "sources", create, &st->sources)) ||
		    (rc = mdb_dbi_open(txn, "srcids", create, &st->srcids)) ||
		    (rc = mdb_dbi_open(txn, "texts", create, &st->texts)) ||
		    (rc = mdb_dbi_open(txn, "textidx", create, &st->textidx)) ||
		    (rc = mdb_dbi_open(txn, "meta", create, &st->meta)) ||
		    (rc = mdb_dbi_open(txn, "records", create, &st->records))) {
			st_err(err, errlen, readonly ?
			    "database not initialised (run rbld once)" : path, rc);
			goto fail;
		}
	}
	rc = st_meta_get(txn, st, "version", &version, sizeof(version));
	if (rc == MDB_NOTFOUND && !readonly) {
		version = STORE_VERSION;
		rc = st_meta_put(txn, st, "version", &version, sizeof(version));
	}
	if (rc != 0) {
		st_err(err, errlen, "schema version", rc);
		goto fail;
	}
	if (version != STORE_VERSION) {
		snprintf(err, errlen, "%s: database schema version %u, this rbld "
		    "reads version %u", path, version, STORE_VERSION);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		st_err(err, errlen, path, rc);
		goto fail;
	}
	return st;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (st->env != NULL)
		mdb_env_close(st->env);
	pthread_rwlock_destroy(&st->resize);
	free(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->indexer_running) {
		atomic_store(&st->indexer_stop, true);
		pthread_join(st->indexer, NULL);
	}
	index_free(atomic_load(&st->index));
	if (atomic_load(&st->zt) != &zt_empty)
		free(atomic_load(&st->zt));
	free(st->zt_old);
	mdb_env_close(st->env);
	pthread_rwlock_destroy(&st->resize);
	free(st);
}

/* Keep every transaction of this process out while the map is remapped. */
static void
st_quiesce(struct store *st)
{
	pthread_rwlock_wrlock(&st->resize);
	atomic_store(&st->resizing, 1);
	for (;;) {
		bool busy = false;

		pthread_mutex_lock(&st->readers_mtx);
		for (int i = 0; i < st->nreaders && !busy; i++)
			busy = atomic_load(&st->readers[i]->active) != 0;
		pthread_mutex_unlock(&st->readers_mtx);
		if (!busy)
			break;
		usleep(50);
	}
}

static void
st_unquiesce(struct store *st)
{
	atomic_store(&st->resizing, 0);
	pthread_rwlock_unlock(&st->resize);
}

/* Another process grew the map: adopt its size. Called with no txn open. */
static void
st_adopt_size(struct store *st)
{
	MDB_envinfo info;

	st_quiesce(st);
	mdb_env_set_mapsize(st->env, 0);
	mdb_env_info(st->env, &info);
	st->mapsize = info.me_mapsize;
	st_unquiesce(st);
}

static void
st_grow(struct store *st)
{
	MDB_envinfo info;

	st_quiesce(st);
	mdb_env_info(st->env, &info);
	/* Someone else may have grown it while we waited. */
	if (info.me_mapsize <= st->mapsize) {
		size_t next = info.me_mapsize * 2;

		if (mdb_env_set_mapsize(st->env, next) == 0)
			info.me_mapsize = next;
	}
	st->mapsize = info.me_mapsize;
	st_unquiesce(st);
}

/*
 * A short read transaction outside the DNS workers' readers (rbldctl, the
 * indexer, the feed thread): held with the resize lock shared, since the
 * map may not be resized under any transaction of this process.
 */
static int
st_rbegin(struct store *st, MDB_txn **txn)
{
	int rc;

	for (;;) {
		pthread_rwlock_rdlock(&st->resize);
		rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
		if (rc == 0)
			return 0;
		pthread_rwlock_unlock(&st->resize);
		if (rc != MDB_MAP_RESIZED)
			return rc;
		st_adopt_size(st);
	}
}

static void
st_rend(struct store *st, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&st->resize);
}

/* ---- write transactions ---- */

static int
w_begin(struct store *st, struct wctx *w)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->st = st;
	for (;;) {
		pthread_rwlock_rdlock(&st->resize);
		rc = mdb_txn_begin(st->env, NULL, 0, &w->txn);
		if (rc != MDB_MAP_RESIZED)
			break;
		pthread_rwlock_unlock(&st->resize);
		st_adopt_size(st);
	}
	if (rc != 0) {
		pthread_rwlock_unlock(&st->resize);
		return rc;
	}
	/*
	 * Only now, holding LMDB's writer lock: store_set_zones frees a table
	 * after its own write transaction, so none can go while we run.
	 */
	w->zt = atomic_load(&st->zt);
	rc = st_meta_get(w->txn, st, "plen4", w->plen4, sizeof(w->plen4));
	if (rc == 0 || rc == MDB_NOTFOUND)
		rc = st_meta_get(w->txn, st, "plen6", w->plen6,
		    sizeof(w->plen6));
	if (rc == MDB_NOTFOUND)
		rc = 0;
	if (rc == 0)
		rc = st_meta_get(w->txn, st, "changes", &w->changes,
		    sizeof(w->changes));
	if (rc == MDB_NOTFOUND)
		rc = 0;
	w->changes0 = w->changes;
	if (rc == 0 && (w->cntdelta = calloc(STORE_MAX_SOURCES,
	    sizeof(*w->cntdelta))) == NULL)
		rc = ENOMEM;
	if (rc != 0) {
		mdb_txn_abort(w->txn);
		pthread_rwlock_unlock(&st->resize);
	}
	return rc;
}

static void
w_abort(struct wctx *w)
{
	mdb_txn_abort(w->txn);
	free(w->cntdelta);
	pthread_rwlock_unlock(&w->st->resize);
}

static int
w_commit(struct wctx *w)
{
	struct store *st = w->st;
	int rc = 0;

	if (w->plen_dirty) {
		if ((rc = st_meta_put(w->txn, st, "plen4", w->plen4,
		    sizeof(w->plen4))) != 0 ||
		    (rc = st_meta_put(w->txn, st, "plen6", w->plen6,
		    sizeof(w->plen6))) != 0)
			goto fail;
	}
	for (int i = 0; i < STORE_MAX_SOURCES; i++) {
		char name[32];
		int64_t cnt = 0;

		if (w->cntdelta[i] == 0)
			continue;
		snprintf(name, sizeof(name), "count:%d", i);
		rc = st_meta_get(w->txn, st, name, &cnt, sizeof(cnt));
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto fail;
		cnt += w->cntdelta[i];
		if ((rc = st_meta_put(w->txn, st, name, &cnt, sizeof(cnt))) != 0)
			goto fail;
	}
	for (int z = 0; z < w->zt->nzones; z++) {
		char name[STORE_DNAME_MAX + 8];
		uint32_t serial = 0;

		if (!(w->touched & 1u << z))
			continue;
		snprintf(name, sizeof(name), "zone:%s", w->zt->zones[z].name);
		rc = st_meta_get(w->txn, st, name, &serial, sizeof(serial));
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto fail;
		/* Serial arithmetic (RFC 1982) wraps; 0 is avoided for clarity. */
		if (++serial == 0)
			serial = 1;
		if ((rc = st_meta_put(w->txn, st, name, &serial,
		    sizeof(serial))) != 0)
			goto fail;
	}
	if (!w->wrote && w->changes == w->changes0) {
		/* Nothing changed: a commit would only move the txnid and
		 * make every reader's index look stale. */
		w_abort(w);
		return 0;
	}
	if ((rc = st_meta_put(w->txn, st, "changes", &w->changes,
	    sizeof(w->changes))) != 0)
		goto fail;
	rc = mdb_txn_commit(w->txn);
	free(w->cntdelta);
	pthread_rwlock_unlock(&st->resize);
	return rc;
fail:
	w_abort(w);
	return rc;
}

/* Run FN in a write transaction, growing the map and retrying when full. */
static int
st_write(struct store *st, int (*fn)(struct wctx *, void *), void *arg)
{
	struct wctx w;
	int rc, tries;

	if (st->readonly)
		return EACCES;
	for (tries = 0; tries < 16; tries++) {
		if ((rc = w_begin(st, &w)) != 0)
			return rc;
		if ((rc = fn(&w, arg)) != 0) {
			w_abort(&w);
		} else
			rc = w_commit(&w);
		if (rc != MDB_MAP_FULL)
			return rc;
		st_grow(st);
	}
	return rc;
}

static void
w_touch(struct wctx *w, int src)
{
	w->touched |= w->zt->srczones[src];
	w->changes++;
}

/* Count a key that appears (+1) or goes (-1). */
static void
w_count(struct wctx *w, const uint8_t *key, int src, int delta)
{
	if (key[0] == 4)
		w->plen4[key[1]] += (uint32_t)delta;
	else
		w->plen6[key[1]] += (uint32_t)delta;
	w->plen_dirty = true;
	w->cntdelta[src] += delta;
	w_touch(w, src);
}

static int
w_text_id(struct wctx *w, const char *txt, uint32_t *id)
{
	struct store *st = w->st;
	MDB_val k = { strlen(txt), (void *)txt }, v;
	uint8_t idk[4];
	uint32_t next = 0;
	int rc;

	if (k.mv_size == 0 || k.mv_size > RBL_TXT_MAX)
		return EINVAL;
	if ((rc = mdb_get(w->txn, st->textidx, &k, &v)) == 0) {
		memcpy(id, v.mv_data, sizeof(*id));
		return 0;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	rc = st_meta_get(w->txn, st, "nexttext", &next, sizeof(next));
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	*id = next;
	next++;
	w->wrote = true;
	if ((rc = st_meta_put(w->txn, st, "nexttext", &next, sizeof(next))))
		return rc;
	v.mv_size = sizeof(*id);
	v.mv_data = id;
	if ((rc = mdb_put(w->txn, st->textidx, &k, &v, 0)) != 0)
		return rc;
	idk[0] = (uint8_t)(*id >> 24);
	idk[1] = (uint8_t)(*id >> 16);
	idk[2] = (uint8_t)(*id >> 8);
	idk[3] = (uint8_t)*id;
	k.mv_size = 4;
	k.mv_data = idk;
	v.mv_size = strlen(txt);
	v.mv_data = (void *)txt;
	return mdb_put(w->txn, st->texts, &k, &v, 0);
}

/* ---- sources and zones ---- */

struct srcid_arg {
	const char	*name;
	int		 id;
};

static int
w_source_id(struct wctx *w, void *arg)
{
	struct srcid_arg *a = arg;
	struct store *st = w->st;
	MDB_val k = { strlen(a->name), (void *)a->name }, v, ik;
	struct srcrec rec;
	uint8_t idk[2];
	uint32_t next = 1;
	int rc;

	if ((rc = mdb_get(w->txn, st->sources, &k, &v)) == 0) {
		memcpy(&rec.id, v.mv_data, sizeof(rec.id));
		a->id = rec.id;
		return 0;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	rc = st_meta_get(w->txn, st, "nextsrc", &next, sizeof(next));
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (next >= STORE_MAX_SOURCES)
		return MDB_DBS_FULL;
	memset(&rec, 0, sizeof(rec));
	rec.id = (uint16_t)next;
	rec.meta.file_mtime = -1;
	w->wrote = true;
	v.mv_size = sizeof(rec);
	v.mv_data = &rec;
	if ((rc = mdb_put(w->txn, st->sources, &k, &v, 0)) != 0)
		return rc;
	idk[0] = (uint8_t)(next >> 8);
	idk[1] = (uint8_t)next;
	ik.mv_size = 2;
	ik.mv_data = idk;
	if ((rc = mdb_put(w->txn, st->srcids, &ik, &k, 0)) != 0)
		return rc;
	a->id = (int)next;
	next++;
	return st_meta_put(w->txn, st, "nextsrc", &next, sizeof(next));
}

int
store_source_id(struct store *st, const char *name, bool create)
{
	struct srcid_arg a = { name, -1 };
	MDB_txn *txn;
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc;

	if (k.mv_size == 0 || k.mv_size >= STORE_NAME_MAX)
		return -1;
	if ((rc = st_rbegin(st, &txn)) == 0) {
		rc = mdb_get(txn, st->sources, &k, &v);
		if (rc == 0) {
			uint16_t id;

			memcpy(&id, v.mv_data, sizeof(id));
			st_rend(st, txn);
			return id;
		}
		st_rend(st, txn);
	}
	if (!create)
		return -1;
	if (st_write(st, w_source_id, &a) != 0)
		return -1;
	return a.id;
}

static int
st_source_name(MDB_txn *txn, struct store *st, int src, char *out, size_t len)
{
	uint8_t idk[2] = { (uint8_t)(src >> 8), (uint8_t)src };
	MDB_val k = { 2, idk }, v;
	int rc;

	if ((rc = mdb_get(txn, st->srcids, &k, &v)) != 0)
		return rc;
	if (v.mv_size >= len)
		return MDB_CORRUPTED;
	memcpy(out, v.mv_data, v.mv_size);
	out[v.mv_size] = '\0';
	return 0;
}

struct zones_arg {
	int	nzones;
};

static int
w_init_zones(struct wctx *w, void *arg)
{
	struct store *st = w->st;
	const struct zonetab *zt = arg;
	int rc;

	for (int z = 0; z < zt->nzones; z++) {
		char name[STORE_DNAME_MAX + 8];
		uint32_t serial;

		snprintf(name, sizeof(name), "zone:%s", zt->zones[z].name);
		rc = st_meta_get(w->txn, st, name, &serial, sizeof(serial));
		if (rc == MDB_NOTFOUND) {
			/* A new zone starts at the current time, like most
			 * servers, so a re-created zone still moves forward. */
			serial = (uint32_t)time(NULL);
			w->wrote = true;
			rc = st_meta_put(w->txn, st, name, &serial,
			    sizeof(serial));
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
store_set_zones(struct store *st, int nzones, const char **names,
    const int *nsrc, const int *const *srcids)
{
	struct zonetab *zt;

	if (nzones > STORE_MAX_ZONES || (zt = calloc(1, sizeof(*zt))) == NULL)
		return -1;
	for (int z = 0; z < nzones; z++) {
		if (strlen(names[z]) >= STORE_DNAME_MAX) {
			free(zt);
			return -1;
		}
		snprintf(zt->zones[z].name, sizeof(zt->zones[z].name), "%s",
		    names[z]);
		for (int i = 0; i < nsrc[z]; i++)
			if (srcids[z][i] >= 0 && srcids[z][i] < STORE_MAX_SOURCES)
				zt->srczones[srcids[z][i]] |= 1u << z;
	}
	zt->nzones = nzones;
	if (!st->readonly && st_write(st, w_init_zones, zt) != 0) {
		free(zt);
		return -1;
	}
	/* Readers of the table before the last swap are long gone. */
	free(st->zt_old);
	st->zt_old = atomic_exchange(&st->zt, zt);
	atomic_fetch_add(&st->zt_gen, 1);
	if (st->zt_old == &zt_empty)
		st->zt_old = NULL;
	return 0;
}

static int
st_srcrec_get(MDB_txn *txn, struct store *st, int src, struct srcrec *rec)
{
	char name[STORE_NAME_MAX];
	MDB_val k, v;
	int rc;

	if ((rc = st_source_name(txn, st, src, name, sizeof(name))) != 0)
		return rc;
	k.mv_size = strlen(name);
	k.mv_data = name;
	if ((rc = mdb_get(txn, st->sources, &k, &v)) != 0)
		return rc;
	if (v.mv_size != sizeof(*rec))
		return MDB_CORRUPTED;
	memcpy(rec, v.mv_data, sizeof(*rec));
	return 0;
}

static int
st_srcrec_put(MDB_txn *txn, struct store *st, int src, const struct srcrec *rec)
{
	char name[STORE_NAME_MAX];
	MDB_val k, v = { sizeof(*rec), (void *)rec };
	int rc;

	if ((rc = st_source_name(txn, st, src, name, sizeof(name))) != 0)
		return rc;
	k.mv_size = strlen(name);
	k.mv_data = name;
	return mdb_put(txn, st->sources, &k, &v, 0);
}

int
store_source_meta(struct store *st, int src, struct store_srcmeta *out)
{
	struct srcrec rec;
	MDB_txn *txn;
	int rc;

	if ((rc = st_rbegin(st, &txn)) != 0)
		return -1;
	rc = st_srcrec_get(txn, st, src, &rec);
	st_rend(st, txn);
	if (rc != 0 || !rec.has_meta)
		return -1;
	*out = rec.meta;
	return 0;
}

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

		/* Skip stored keys of other sources and non-file entries. */
		while (rc == 0) {
			const struct entval *ev = v.mv_data;

			if (key_src(&k) == ra->src && v.mv_size >= sizeof(*ev) &&
			    ev->flags >> VAL_ORIGIN_SHIFT == ra->origin)
				break;
			if (n != NULL && key_src(&k) == ra->src &&
			    key_cmp(k.mv_data, k.mv_size, n->key, n->klen) == 0)
				break;	/* a hand-made entry with a key the file has */
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
				w_touch(w, ra->src);
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
			w_touch(w, ra->src);
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
		return -1;
	}
	if (st_prepare(ra, ra->src, ra->d) != 0) {
		snprintf(err, errlen, "out of memory");
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
		w_touch(w, ra->src);
		ra->changed++;
	}
	return 0;
}

/* Sort D's entries into key order, the first line of a repeated key winning. */
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

		ra->ne[i].klen = (uint8_t)key_build(ra->ne[i].key, e->p.family,
		    e->p.len, e->p.addr, src);
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

struct add_arg {
	int		 src;
	const struct prefix *p;
	bool		 excl;
	uint32_t	 a;
	const char	*txt;
	uint32_t	 expires;
	const char	*reason;
	enum store_origin origin;
};

static int
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
	k.mv_size = key_build(key, aa->p->family, aa->p->len, aa->p->addr,
	    aa->src);
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
		w_touch(w, aa->src);
	return mdb_put(w->txn, w->st->entries, &k, &v, 0);
}

/* No control characters: a TXT or reason goes into exports and logs,
 * where a newline would start a line of its own. */
static bool
text_ok(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
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
		return -1;
	}
	if (txt != NULL && (strlen(txt) == 0 || strlen(txt) > RBL_TXT_MAX)) {
		snprintf(err, errlen, "TXT must be 1 to %d characters",
		    RBL_TXT_MAX);
		return -1;
	}
	if (reason != NULL && strlen(reason) > STORE_REASON_MAX) {
		snprintf(err, errlen, "reason longer than %d characters",
		    STORE_REASON_MAX);
		return -1;
	}
	if (!text_ok(txt) || !text_ok(reason)) {
		snprintf(err, errlen, "TXT and reason may not hold control "
		    "characters");
		return -1;
	}
	if ((rc = st_write(st, w_add, &aa)) != 0) {
		if (rc == EEXIST)
			snprintf(err, errlen, "%s", store_strerror(rc));
		else
			st_err(err, errlen, "add", rc);
		return -1;
	}
	return 0;
}

struct del_arg {
	int		 src;
	const struct prefix *p;
	int		 n;
	int		 kept;		/* matches a file or feed owns */
};

static int
w_del(struct wctx *w, void *arg)
{
	struct del_arg *da = arg;
	uint8_t key[KEY_MAX];
	MDB_cursor *cur;
	MDB_val k, v;
	size_t klen;
	int rc;

	da->n = da->kept = 0;
	klen = key_build(key, da->p->family, da->p->len, da->p->addr,
	    da->src < 0 ? 0 : da->src);
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

struct expire_arg {
	uint32_t	now;
	long		n;
};

/*
 * Delete, with one cursor pass over DBI, every key DROP picks; GONE (may be
 * NULL) hears of each. Returns 0 or an LMDB error.
 */
static int
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

	if (st_write(st, w_expire, &ea) != 0)
		return -1;
	return ea.n;
}

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
		if ((rc = st_source_name(txn, st, src, srcname,
		    STORE_NAME_MAX)) != 0)
			return rc;
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
		uint8_t idk[4] = { (uint8_t)(ev.txt >> 24), (uint8_t)(ev.txt >> 16),
		    (uint8_t)(ev.txt >> 8), (uint8_t)ev.txt };
		MDB_val tk = { 4, idk }, tv;
		static __thread char tbuf[RBL_TXT_MAX + 1];

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

int
store_walk_after(struct store *st, int src, const struct prefix *after,
    int after_src, int (*fn)(void *arg, const struct store_entry *),
    void *arg)
{
	char reason[STORE_REASON_MAX + 1], srcname[STORE_NAME_MAX];
	uint8_t akey[KEY_MAX];
	struct store_entry e;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, last = -1;

	if ((rc = st_rbegin(st, &txn)) != 0)
		return -1;
	if ((rc = mdb_cursor_open(txn, st->entries, &cur)) != 0) {
		st_rend(st, txn);
		return -1;
	}
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
	st_rend(st, txn);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : -1;
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

	if (st_rbegin(st, &txn) != 0)
		return -1;
	if (mdb_cursor_open(txn, st->entries, &cur) != 0) {
		st_rend(st, txn);
		return -1;
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
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : -1;
}

uint32_t
store_serial(struct store *st, int zone)
{
	char name[STORE_DNAME_MAX + 8];
	uint32_t serial = 0;
	MDB_txn *txn;

	const struct zonetab *zt = atomic_load(&st->zt);

	if (zone < 0 || zone >= zt->nzones)
		return 0;
	if (st_rbegin(st, &txn) != 0)
		return 0;
	snprintf(name, sizeof(name), "zone:%s", zt->zones[zone].name);
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

	if (st_rbegin(st, &txn) != 0)
		return -1;
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

	memset(out, 0, sizeof(*out));
	if (st_rbegin(st, &txn) != 0)
		return -1;
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

/* ---- readers ---- */

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
		r->changes = (size_t)ch;
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
	{
		struct index *ix;

		do {
			ix = atomic_load(&st->index);
			atomic_store(&r->inuse, ix);
		} while (ix != atomic_load(&st->index));
		r->fast = ix != NULL && index_txnid(ix) == r->changes ? ix : NULL;
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
	return -1;
}

void
store_reader_end(struct store_reader *r)
{
	if (!r->held)
		return;
	mdb_txn_reset(r->txn);
	r->held = false;
	r->fast = NULL;
	atomic_store(&r->inuse, NULL);
	atomic_store(&r->active, 0);
}

int
store_lookup(struct store_reader *r, int family, const uint8_t *addr,
    const int *srcids, int nsrc, uint32_t now, struct store_hit *hits)
{
	const uint8_t *plens = family == 4 ? r->plens4 : r->plens6;
	int np = family == 4 ? r->n4 : r->n6, left = nsrc;
	bool done[64];
	int minsrc = 0xffff;

	if (nsrc > 64)
		return -1;
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
				const struct index_val *iv;

				if (done[i] || (iv = index_get(r->fast, family,
				    plens[pi], addr, srcids[i])) == NULL)
					continue;
				if (iv->expires != 0 && iv->expires <= now)
					continue;
				done[i] = true;
				left--;
				if (!iv->excl) {
					hits[i].listed = true;
					hits[i].plen = plens[pi];
					hits[i].a = iv->a;
					hits[i].txt = iv->txt;
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
			return -1;
	}
	return 0;
}

int
store_text(struct store_reader *r, uint32_t id, const char **s, size_t *len)
{
	uint8_t idk[4] = { (uint8_t)(id >> 24), (uint8_t)(id >> 16),
	    (uint8_t)(id >> 8), (uint8_t)id };
	MDB_val k = { 4, idk }, v;

	if (mdb_get(r->txn, r->st->texts, &k, &v) != 0)
		return -1;
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
	if (r->srcgen[src] != (uint32_t)r->txnid + 1) {
		r->srcgen[src] = (uint32_t)r->txnid + 1;
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

/* ---- the in-memory index ---- */

static void	st_release_map(struct store *);

static struct index *
st_index_build(struct store *st, size_t *txnid)
{
	struct index *ix = NULL;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_stat ms;
	MDB_val k, v;
	int rc;

	if (st_rbegin(st, &txn) != 0)
		return NULL;
	/* The index is labelled with the entry-change counter, not the
	 * txnid: a commit of a status record leaves it exact. */
	{
		uint64_t ch = 0;

		st_meta_get(txn, st, "changes", &ch, sizeof(ch));
		*txnid = (size_t)ch;
	}
	if (mdb_stat(txn, st->entries, &ms) != 0 ||
	    mdb_cursor_open(txn, st->entries, &cur) != 0) {
		st_rend(st, txn);
		return NULL;
	}
	if ((ix = index_new(ms.ms_entries, *txnid)) == NULL)
		goto out;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		const uint8_t *kp = k.mv_data;
		struct index_val iv;
		struct entval ev;

		memcpy(&ev, v.mv_data, sizeof(ev));
		iv.a = ev.a;
		iv.txt = ev.txt;
		iv.expires = ev.expires;
		iv.excl = ev.flags & VAL_EXCL;
		if (index_add(ix, kp[0], kp[1], kp + 2, key_src(&k), &iv) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc != MDB_NOTFOUND) {
		index_free(ix);
		ix = NULL;
		goto out;
	}
	index_finish(ix);
out:
	mdb_cursor_close(cur);
	st_rend(st, txn);
	{
		/*
		 * The scan paged the whole database into this process; the
		 * index answers from now on, so give those pages back (they
		 * stay in the page cache; LMDB's map is shared and read-only,
		 * so a later read faults them in again).
		 */
		st_release_map(st);
	}
	return ix;
}

/* Drop this process's mappings of the data file's pages (see the caller). */
static void
st_release_map(struct store *st)
{
	char real[PATH_MAX], want[PATH_MAX + 16], line[PATH_MAX + 128];
	const char *dir;
	FILE *f;

	if (mdb_env_get_path(st->env, &dir) != 0 ||
	    realpath(dir, real) == NULL)
		return;
	snprintf(want, sizeof(want), "%s/data.mdb", real);
	if ((f = fopen("/proc/self/maps", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		char *path = strchr(line, '/');

		if (path == NULL || sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		path[strcspn(path, "\n")] = '\0';
		if (strcmp(path, want) == 0)
			madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
	fclose(f);
}

/* Publish IX and free the one it replaces once no reader holds it. */
static void
st_index_publish(struct store *st, struct index *ix)
{
	struct index *old = atomic_exchange(&st->index, ix);

	if (old == NULL)
		return;
	for (int tries = 0; tries < 100000; tries++) {
		bool busy = false;

		pthread_mutex_lock(&st->readers_mtx);
		for (int i = 0; i < st->nreaders; i++)
			if (atomic_load(&st->readers[i]->inuse) == old)
				busy = true;
		pthread_mutex_unlock(&st->readers_mtx);
		if (!busy) {
			index_free(old);
			return;
		}
		usleep(100);
	}
	/* A reader stuck for 10 s: leaking beats freeing under it. */
}

/* How many entry changes were ever committed (any process). */
static size_t
st_changes(struct store *st)
{
	uint64_t ch = 0;
	MDB_txn *txn;

	if (st_rbegin(st, &txn) != 0)
		return 0;
	st_meta_get(txn, st, "changes", &ch, sizeof(ch));
	st_rend(st, txn);
	return (size_t)ch;
}

/*
 * Rebuild the index once the database has been quiet for a moment: during
 * a burst of writes lookups go to LMDB, which is always current.
 */
static void *
st_indexer(void *arg)
{
	struct store *st = arg;
	size_t seen = 0, built = (size_t)-1;
	int quiet = 0;

	while (!atomic_load(&st->indexer_stop)) {
		size_t last = st_changes(st);

		if (last != seen) {
			seen = last;
			quiet = 0;
		} else if (last != built && ++quiet >= 2) {
			size_t txnid;
			struct index *ix = st_index_build(st, &txnid);

			if (ix != NULL) {
				st_index_publish(st, ix);
				built = txnid;
			}
		}
		usleep(100000);
	}
	return NULL;
}

int
store_index_start(struct store *st)
{
	if (st->indexer_running)
		return 0;
	if (pthread_create(&st->indexer, NULL, st_indexer, st) != 0)
		return -1;
	st->indexer_running = true;
	return 0;
}

size_t
store_index_bytes(struct store *st)
{
	struct index *ix = atomic_load(&st->index);

	/* Only for stats: the indexer is the one thread that frees. */
	return ix != NULL ? index_bytes(ix) : 0;
}

/* ---- small named records: feed status, requests between processes ---- */

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

	if (strlen(name) > 400 || strncmp(name, "blob:", 5) != 0)
		return -1;
	return st_write(st, w_blob, &b) == 0 ? 0 : -1;
}

int
store_blob_del(struct store *st, const char *name)
{
	struct blob_arg b = { name, NULL, 0, true };

	if (strlen(name) > 400 || strncmp(name, "blob:", 5) != 0)
		return -1;
	return st_write(st, w_blob, &b) == 0 ? 0 : -1;
}

ssize_t
store_blob_get(struct store *st, const char *name, void *out, size_t max)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	MDB_txn *txn;
	ssize_t n = -1;

	if (st_rbegin(st, &txn) != 0)
		return -1;
	if (mdb_get(txn, st->meta, &k, &v) == 0 && v.mv_size <= max) {
		memcpy(out, v.mv_data, v.mv_size);
		n = (ssize_t)v.mv_size;
	}
	st_rend(st, txn);
	return n;
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

	if (plen > 400 || st_rbegin(st, &txn) != 0)
		return -1;
	if (mdb_cursor_open(txn, st->meta, &cur) != 0) {
		st_rend(st, txn);
		return -1;
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
	struct wctx	*w;
};

struct store_txn {
	struct wctx	*w;
};

struct wsave {
	uint32_t	 plen4[33], plen6[129];
	bool		 plen_dirty, wrote;
	uint32_t	 touched;
	uint64_t	 changes;
	int64_t		 cnt[STORE_MAX_SOURCES];
};

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
		struct store_txn t = { w };
		MDB_txn *inner;

		memcpy(sv->plen4, w->plen4, sizeof(sv->plen4));
		memcpy(sv->plen6, w->plen6, sizeof(sv->plen6));
		memcpy(sv->cnt, w->cntdelta, sizeof(sv->cnt));
		sv->plen_dirty = w->plen_dirty;
		sv->wrote = w->wrote;
		sv->touched = w->touched;
		sv->changes = w->changes;
		if ((rc = mdb_txn_begin(w->st->env, outer, 0, &inner)) != 0)
			break;
		w->txn = inner;
		ba->results[j] = ba->fn(&t, ba->arg, j);
		w->txn = outer;
		if (ba->results[j] == 0) {
			if ((rc = mdb_txn_commit(inner)) != 0)
				break;
			continue;
		}
		mdb_txn_abort(inner);
		memcpy(w->plen4, sv->plen4, sizeof(sv->plen4));
		memcpy(w->plen6, sv->plen6, sizeof(sv->plen6));
		memcpy(w->cntdelta, sv->cnt, sizeof(sv->cnt));
		w->plen_dirty = sv->plen_dirty;
		w->wrote = sv->wrote;
		w->touched = sv->touched;
		w->changes = sv->changes;
		/* The map is full: the whole batch is retried in a larger one. */
		if (ba->results[j] == MDB_MAP_FULL) {
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
	struct batch_arg ba = { fn, arg, njobs, results, NULL };
	int rc;

	if ((rc = st_write(st, w_batch, &ba)) != 0) {
		st_err(err, errlen, "write", rc);
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

	if (src <= 0 || src >= STORE_MAX_SOURCES ||
	    (txt != NULL && (strlen(txt) == 0 || strlen(txt) > RBL_TXT_MAX)) ||
	    (reason != NULL && strlen(reason) > STORE_REASON_MAX) ||
	    !text_ok(txt) || !text_ok(reason))
		return EINVAL;
	return w_add(t->w, &aa);
}

bool
store_txn_listed(struct store_txn *t, int src, const struct prefix *p,
    uint32_t now)
{
	uint8_t key[KEY_MAX];
	MDB_val k, v;
	struct entval ev;

	k.mv_size = key_build(key, p->family, p->len, p->addr, src);
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
	return rc;
}

int
store_txn_rec_get(struct store_txn *t, const void *key, size_t klen,
    void *out, size_t max, size_t *len)
{
	MDB_val k = { klen, (void *)key }, v;
	int rc;

	if ((rc = mdb_get(t->w->txn, t->w->st->records, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? ENOENT : rc;
	if (v.mv_size > max)
		return EOVERFLOW;
	memcpy(out, v.mv_data, v.mv_size);
	*len = v.mv_size;
	return 0;
}

int
store_txn_rec_put(struct store_txn *t, const void *key, size_t klen,
    const void *data, size_t len)
{
	MDB_val k = { klen, (void *)key }, v = { len, (void *)data };

	t->w->wrote = true;
	return mdb_put(t->w->txn, t->w->st->records, &k, &v, 0);
}

int
store_txn_rec_del(struct store_txn *t, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)key };
	int rc;

	t->w->wrote = true;
	rc = mdb_del(t->w->txn, t->w->st->records, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
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

	if (st_rbegin(st, &txn) != 0)
		return -1;
	if (mdb_cursor_open(txn, st->records, &cur) != 0) {
		st_rend(st, txn);
		return -1;
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
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : -1;
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

	if (st_write(st, w_prune, &pa) != 0)
		return -1;
	return pa.n;
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

const char *
store_strerror(int code)
{
	if (code == EEXIST)	/* from w_add */
		return "a data file or a feed lists this prefix in this "
		    "source; change it there";
	return code < 0 ? mdb_strerror(code) : strerror(code);
}
