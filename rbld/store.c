/* SPDX-License-Identifier: BSD-2-Clause */
/* The LMDB store: environment, write transactions, sources and zones. */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "grace.h"
#include "log.h"
#include "store_int.h"
#include "wire.h"

/*
 * Schema, version 2 (meta "version"): eight named databases in one LMDB
 * environment. Key fields of more than one byte are big-endian, so that
 * keys sort numerically. Values are in host order (an LMDB file is not
 * portable across architectures anyway), but for the source records,
 * which are encoded field by field, big-endian, so that their layout is
 * written down here and not left to a C struct.
 *
 *   entries  key    family(1: 4|6) plen(1) address(4|16, masked to plen)
 *                   source id(2)
 *            value  struct entval, 20 bytes, fixed: flags(1: bit 0 an
 *                   exclusion, bits 4-7 enum store_origin) pad(3) A(4)
 *                   text id(4, RBL_NO_TXT = none) added(4) expires(4:
 *                   0 = never; times in unix seconds), then the reason:
 *                   0..STORE_REASON_MAX bytes, no NUL
 *   sources  key    source name (no NUL)
 *            value  source record (below)
 *   srcids   key    source id(2)          value  source name (no NUL)
 *   texts    key    text id(4)            value  TXT template (no NUL)
 *   textidx  key    TXT template          value  text id(4, host order)
 *   journal  each zone's IXFR journal: store_journal.c describes it (a
 *            file that no rbld since has written to may lack it)
 *   records  key    the owner's (reports.c: 'R' source id(2) family(1)
 *                   address(16) prefix length(1))
 *            value  the owner's encoding (reports.c describes its own)
 *   meta     key    a name (no NUL), value in host order:
 *            "version"    uint32       schema version, STORE_VERSION
 *            "changes"    uint64       entry changes ever committed: the
 *                                      generation of the in-memory index
 *            "plen4"      uint32[33]   entries per IPv4 prefix length
 *            "plen6"      uint32[129]  entries per IPv6 prefix length
 *            "nexttext"   uint32       the next text id
 *            "nextsrc"    uint32       the next source id (from 1)
 *            "count:ID"   int64        entries of source ID (decimal)
 *            "zone:NAME"  uint32       serial of zone NAME
 *            "dirty:NAME" 35 bytes     where zone NAME changed since its
 *                                      journal's last step (store_journal.c)
 *            "zonecfg:NAME" uint64, big-endian: the configuration zone
 *                                      NAME's records were last made from
 *            "catalog:NAME" 12 bytes, big-endian: the members' fingerprint
 *                                      (uint64) and serial (uint32) of the
 *                                      catalog zone NAME
 *            "blob:..."   small named records of other modules
 *                         (store_blob_*), each encoded field by field,
 *                         big-endian, by its owner, who describes it:
 *              "blob:feed:ID"     feed ID's status (feed.c)
 *              "blob:feedkey:ID"  uint64, a hash of the settings feed
 *                                 ID's list was parsed with (feed.c)
 *              "blob:token:NAME"  an API token's role, creation time and
 *                                 hash (auth.c)
 *
 * A source record (SRCREC_VERSION 2), every integer big-endian:
 *
 *   version(1) id(2) flags(1: bit 0 has metadata, bit 1 has $SOA)
 *   ttl(4) soa_ttl(4) soa_refresh(4) soa_retry(4) soa_expire(4)
 *   soa_minttl(4) soa_mname(s) soa_rname(s) ns_ttl(4) nns(1) ns(s)*nns
 *   file_mtime(8, signed, ns) file_size(8, signed) loaded(8) bad_lines(4)
 *
 * where (s) is a string: its length(1, < STORE_DNAME_MAX) and its bytes,
 * no NUL. The record ends there; anything else is damage. Version 1 of the
 * schema kept the raw bytes of a C struct; store_upgrade.c rewrites them.
 *
 * A lookup probes only the prefix lengths in use (the plen counters), one
 * MDB_SET_RANGE seek each, longest first.
 */
#define STORE_VERSION		2

static struct zonetab zt_empty;

int
st_errno(int rc)
{
	return rc == MDB_MAP_FULL || rc == EDQUOT ? ENOSPC : rc > 0 ? rc :
	    EIO;
}

/* A write failed for want of space on the file system (not for want of
 * room in the map, which st_write grows). */
static bool
st_no_space(int rc)
{
	return rc == ENOSPC || rc == EDQUOT;
}

int
st_fail(int rc)
{
	errno = st_errno(rc);
	return -1;
}

void
st_err(char *err, size_t errlen, const char *what, int rc)
{
	if (err == NULL || errlen == 0)
		;
	else if (st_no_space(rc))
		snprintf(err, errlen, "the disk is full");
	else if (rc == MDB_MAP_FULL)
		snprintf(err, errlen, "%s: the database is full (its map "
		    "cannot grow)", what);
	else
		snprintf(err, errlen, "%s: %s", what, mdb_strerror(rc));
	errno = st_errno(rc);
}

/* ---- opening ---- */

int
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

int
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

/*
 * Open the databases and check the schema version (writing it in a new
 * database, upgrading an older one) in one committed transaction: a DBI
 * opened in a transaction that is not committed is closed with it. 0, or
 * -1 with errno (ENOSPC the map is full, EPROTO another schema version, EIO
 * a database error) and a message in ERR; *GROW says that an upgrade ran
 * out of map and a larger one may succeed.
 */
static int
st_open_dbs(struct store *st, const char *path, bool *grow, char *err,
    size_t errlen)
{
	MDB_txn *txn = NULL;
	unsigned create = st->readonly ? 0 : MDB_CREATE;
	uint32_t version;
	bool upgrading = false;
	int rc, eno = EIO;

	*grow = false;
	if ((rc = mdb_txn_begin(st->env, NULL, st->readonly ? MDB_RDONLY : 0,
	    &txn)) != 0) {
		st_err(err, errlen, path, rc);
		goto fail;
	}
	if ((rc = mdb_dbi_open(txn, "entries", create, &st->entries)) ||
	    (rc = mdb_dbi_open(txn, "sources", create, &st->sources)) ||
	    (rc = mdb_dbi_open(txn, "srcids", create, &st->srcids)) ||
	    (rc = mdb_dbi_open(txn, "texts", create, &st->texts)) ||
	    (rc = mdb_dbi_open(txn, "textidx", create, &st->textidx)) ||
	    (rc = mdb_dbi_open(txn, "meta", create, &st->meta)) ||
	    (rc = mdb_dbi_open(txn, "records", create, &st->records))) {
		st_err(err, errlen, st->readonly ?
		    "database not initialised (run rbld once)" : path, rc);
		goto fail;
	}
	/* Younger than the others: a file no rbld has written to since may
	 * lack it, which for a read-only open means an empty journal. */
	rc = mdb_dbi_open(txn, "journal", create, &st->journal);
	if (rc != 0 && !(rc == MDB_NOTFOUND && st->readonly)) {
		st_err(err, errlen, path, rc);
		*grow = rc == MDB_MAP_FULL;
		goto fail;
	}
	st->has_journal = rc == 0;
	rc = st_meta_get(txn, st, "version", &version, sizeof(version));
	if (rc == MDB_NOTFOUND && !st->readonly) {
		version = STORE_VERSION;
		rc = st_meta_put(txn, st, "version", &version, sizeof(version));
	}
	if (rc != 0) {
		st_err(err, errlen, "schema version", rc);
		goto fail;
	}
	if (version == 1 && st->readonly) {
		snprintf(err, errlen, "%s: database schema version 1, this "
		    "rbld reads version %u: run rbld or rbldctl once to upgrade "
		    "it", path, STORE_VERSION);
		eno = EPROTO;
		goto fail;
	}
	if (version == 1) {
		upgrading = true;
		if (st_upgrade_v1(txn, st, err, errlen) == -1) {
			int e = errno;

			*grow = e == ENOSPC;
			mdb_txn_abort(txn);
			errno = e;
			return -1;
		}
		version = STORE_VERSION;
	}
	if (version != STORE_VERSION) {
		snprintf(err, errlen, "%s: database schema version %u, this "
		    "rbld reads version %u", path, version, STORE_VERSION);
		eno = EPROTO;
		goto fail;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		st_err(err, errlen, path, rc);
		*grow = upgrading && rc == MDB_MAP_FULL;
		goto fail;
	}
	return 0;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	errno = rc == MDB_MAP_FULL ? ENOSPC : eno;
	return -1;
}

struct store *
store_open(const char *path, uint64_t mapsize, bool readonly, char *err,
    size_t errlen)
{
	struct store *st;
	unsigned flags = MDB_NOTLS | (readonly ? MDB_RDONLY : 0);
	bool grow;
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

	/* An upgrade writes every record it converts anew (copy on write):
	 * a small map may have to grow for it. */
	for (int tries = 0; st_open_dbs(st, path, &grow, err, errlen) != 0;
	    tries++) {
		MDB_envinfo info;

		if (!grow || tries == 16)
			goto fail;
		if ((rc = mdb_env_set_mapsize(st->env, st->mapsize * 2)) != 0) {
			st_err(err, errlen, path, rc);
			goto fail;
		}
		mdb_env_info(st->env, &info);
		st->mapsize = info.me_mapsize;
	}
	return st;
fail:
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
	/* Tables and indexes retired before: no reader is left to hold them. */
	grace_barrier();
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
void
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
int
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

void
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
	/* The table stays while the transaction runs (w_commit and w_abort
	 * leave the read section). */
	grace_enter();
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
		grace_exit();
		pthread_rwlock_unlock(&st->resize);
	}
	return rc;
}

static void
w_abort(struct wctx *w)
{
	mdb_txn_abort(w->txn);
	free(w->cntdelta);
	grace_exit();
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
		if ((rc = st_dirty_add(w->txn, st, w->zt->zones[z].name,
		    &w->dirty)) != 0)
			goto fail;
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
		/* Nothing changed: a commit would cost a disk sync and only
		 * move the txnid, making every reader read its snapshot's
		 * counters and serials again. */
		w_abort(w);
		return 0;
	}
	if ((rc = st_meta_put(w->txn, st, "changes", &w->changes,
	    sizeof(w->changes))) != 0)
		goto fail;
	rc = mdb_txn_commit(w->txn);
	w->committed = true;
	free(w->cntdelta);
	grace_exit();
	pthread_rwlock_unlock(&st->resize);
	return rc;
fail:
	w_abort(w);
	return rc;
}

/* LMDB reports a short write as EIO: a disk that filled up during the
 * write. Told apart from a real I/O error by the space left. */
#define ST_NEARLY_FULL	(1024 * 1024)

static int
st_short_write(struct store *st, int rc)
{
	const char *path = NULL;
	struct statvfs sv;

	if (rc == EIO && mdb_env_get_path(st->env, &path) == 0 &&
	    statvfs(path, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < ST_NEARLY_FULL)
		return ENOSPC;
	return rc;
}

/* A full disk is logged once when the first write fails for it and once
 * when writes succeed again: one line each way per outage, however many
 * writers are refused meanwhile. Readers go on from the last commit. */
static void
st_disk_state(struct store *st, int rc, bool committed)
{
	const char *path = "";

	mdb_env_get_path(st->env, &path);
	if (st_no_space(rc)) {
		if (!atomic_exchange(&st->disk_full, true))
			log_warnx("store: %s: the disk is full: writes are "
			    "refused until space is freed; DNS answers from "
			    "what is committed", path);
	} else if (rc == 0 && committed && atomic_load(&st->disk_full)) {
		if (atomic_exchange(&st->disk_full, false))
			log_info("store: %s: there is space again: writes "
			    "succeed", path);
	}
}

/* Run FN in a write transaction, growing the map and retrying when full. */
int
st_write(struct store *st, int (*fn)(struct wctx *, void *), void *arg)
{
	struct wctx w;
	int rc, tries;

	if (st->readonly)
		return EACCES;
	w.committed = false;
	for (tries = 0; tries < 16; tries++) {
		if ((rc = w_begin(st, &w)) != 0)
			break;
		if ((rc = fn(&w, arg)) != 0) {
			w_abort(&w);
		} else
			rc = w_commit(&w);
		if (rc != MDB_MAP_FULL)
			break;
		st_grow(st);
	}
	rc = st_short_write(st, rc);
	st_disk_state(st, rc, w.committed);
	return rc;
}

int
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
	wire_set32(idk, *id);
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
	uint8_t idk[2], buf[SRCREC_MAX];
	uint32_t next = 1;
	int rc;

	if ((rc = mdb_get(w->txn, st->sources, &k, &v)) == 0) {
		if (st_srcrec_decode(v.mv_data, v.mv_size, &rec) != 0)
			return MDB_CORRUPTED;
		a->id = rec.id;
		return 0;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	rc = st_meta_get(w->txn, st, "nextsrc", &next, sizeof(next));
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	/* Every id is taken: the source table is full. */
	if (next >= STORE_MAX_SOURCES)
		return ENOSPC;
	memset(&rec, 0, sizeof(rec));
	rec.id = (uint16_t)next;
	rec.meta.file_mtime = -1;
	w->wrote = true;
	v.mv_size = st_srcrec_encode(&rec, buf);
	v.mv_data = buf;
	if ((rc = mdb_put(w->txn, st->sources, &k, &v, 0)) != 0)
		return rc;
	wire_set16(idk, (uint16_t)next);
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
	struct srcrec rec;
	MDB_txn *txn;
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc;

	if (k.mv_size == 0 || k.mv_size >= STORE_NAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((rc = st_rbegin(st, &txn)) != 0)
		return st_fail(rc);
	/* Decoded before st_rend: V points into the snapshot. */
	if ((rc = mdb_get(txn, st->sources, &k, &v)) == 0 &&
	    st_srcrec_decode(v.mv_data, v.mv_size, &rec) != 0)
		rc = MDB_CORRUPTED;
	st_rend(st, txn);
	if (rc == 0)
		return rec.id;
	if (rc != MDB_NOTFOUND)
		return st_fail(rc);
	if (!create) {
		errno = ENOENT;
		return -1;
	}
	if ((rc = st_write(st, w_source_id, &a)) != 0)
		return st_fail(rc);
	return a.id;
}

int
st_source_name(MDB_txn *txn, struct store *st, int src, char *out, size_t len)
{
	uint8_t idk[2];
	MDB_val k = { 2, idk }, v;
	int rc;

	wire_set16(idk, (uint16_t)src);
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

/*
 * A zone keeps its slot in the table for as long as the store is open, so
 * that a view built before a reload and one built after read the same
 * zone's serial through the slot each holds, while both are in use. A new
 * zone takes a slot never used, or, once none is left, one whose zone the
 * configuration no longer has.
 */
static int
zt_slot(const struct zonetab *old, struct zonetab *zt, const char *name,
    const bool *kept)
{
	for (int s = 0; s < old->nzones; s++)
		if (strcmp(old->zones[s].name, name) == 0)
			return s;
	if (zt->nzones < STORE_MAX_ZONES)
		return zt->nzones++;
	for (int s = 0; s < STORE_MAX_ZONES; s++)
		if (!kept[s])
			return s;
	return -1;	/* not reached: at most STORE_MAX_ZONES zones */
}

int
store_set_zones(struct store *st, int nzones, const char **names,
    const int *nsrc, const int *const *srcids, int *slots)
{
	struct zonetab *zt, *old;
	bool kept[STORE_MAX_ZONES] = { false };
	int rc;

	if (nzones < 0 || nzones > STORE_MAX_ZONES) {
		errno = EINVAL;
		return -1;
	}
	for (int z = 0; z < nzones; z++)
		if (strlen(names[z]) >= STORE_DNAME_MAX) {
			errno = EINVAL;
			return -1;
		}
	if ((zt = calloc(1, sizeof(*zt))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* One caller at a time sets zones (the runtime's lock): OLD stays
	 * while it runs. */
	old = atomic_load(&st->zt);
	memcpy(zt->zones, old->zones, sizeof(zt->zones));
	zt->nzones = old->nzones;
	for (int z = 0; z < nzones; z++)
		for (int s = 0; s < old->nzones; s++)
			if (strcmp(old->zones[s].name, names[z]) == 0)
				kept[s] = true;
	for (int z = 0; z < nzones; z++) {
		int s = zt_slot(old, zt, names[z], kept);

		kept[s] = true;
		slots[z] = s;
		snprintf(zt->zones[s].name, sizeof(zt->zones[s].name), "%s",
		    names[z]);
		for (int i = 0; i < nsrc[z]; i++)
			if (srcids[z][i] >= 0 && srcids[z][i] < STORE_MAX_SOURCES)
				zt->srczones[srcids[z][i]] |= 1u << s;
	}
	if (!st->readonly && (rc = st_write(st, w_init_zones, zt)) != 0) {
		free(zt);
		return st_fail(rc);
	}
	old = atomic_exchange(&st->zt, zt);
	atomic_fetch_add(&st->zt_gen, 1);
	if (old != &zt_empty)
		grace_retire(old, free);
	return 0;
}

/* ---- source records: encoded field by field (see the schema above) ---- */

#define SRCREC_HAS_META		0x01
#define SRCREC_HAS_SOA		0x02

size_t
st_srcrec_encode(const struct srcrec *rec, uint8_t *buf)
{
	const struct store_srcmeta *m = &rec->meta;
	struct wire_buf w;

	assert(m->nns >= 0 && m->nns <= STORE_MAX_NS);
	wire_buf_init(&w, buf, SRCREC_MAX);
	wire_put8(&w, SRCREC_VERSION);
	wire_put16(&w, rec->id);
	wire_put8(&w, (uint8_t)((rec->has_meta ? SRCREC_HAS_META : 0) |
	    (m->has_soa ? SRCREC_HAS_SOA : 0)));
	wire_put32(&w, m->ttl);
	wire_put32(&w, m->soa_ttl);
	wire_put32(&w, m->soa_refresh);
	wire_put32(&w, m->soa_retry);
	wire_put32(&w, m->soa_expire);
	wire_put32(&w, m->soa_minttl);
	/* The arrays hold at most STORE_DNAME_MAX - 1 characters. */
	wire_put_str(&w, m->soa_mname);
	wire_put_str(&w, m->soa_rname);
	wire_put32(&w, m->ns_ttl);
	wire_put8(&w, (uint8_t)m->nns);
	for (int i = 0; i < m->nns; i++)
		wire_put_str(&w, m->ns[i]);
	wire_put64(&w, (uint64_t)m->file_mtime);
	wire_put64(&w, (uint64_t)m->file_size);
	wire_put64(&w, m->loaded);
	wire_put32(&w, m->bad_lines);
	assert(!w.full);
	return w.len;
}

int
st_srcrec_decode(const void *data, size_t len, struct srcrec *rec)
{
	struct store_srcmeta *m = &rec->meta;
	struct wire_rd r;
	unsigned version, flags;

	memset(rec, 0, sizeof(*rec));
	wire_rd_init(&r, data, len);
	version = wire_rd8(&r);
	rec->id = wire_rd16(&r);
	flags = wire_rd8(&r);
	rec->has_meta = (flags & SRCREC_HAS_META) != 0;
	m->has_soa = (flags & SRCREC_HAS_SOA) != 0;
	m->ttl = wire_rd32(&r);
	m->soa_ttl = wire_rd32(&r);
	m->soa_refresh = wire_rd32(&r);
	m->soa_retry = wire_rd32(&r);
	m->soa_expire = wire_rd32(&r);
	m->soa_minttl = wire_rd32(&r);
	wire_rd_str(&r, m->soa_mname, sizeof(m->soa_mname));
	wire_rd_str(&r, m->soa_rname, sizeof(m->soa_rname));
	m->ns_ttl = wire_rd32(&r);
	m->nns = wire_rd8(&r);
	if (m->nns > STORE_MAX_NS)
		r.bad = true;
	for (int i = 0; i < m->nns && !r.bad; i++)
		wire_rd_str(&r, m->ns[i], sizeof(m->ns[i]));
	m->file_mtime = (int64_t)wire_rd64(&r);
	m->file_size = (int64_t)wire_rd64(&r);
	m->loaded = wire_rd64(&r);
	m->bad_lines = wire_rd32(&r);
	if (r.bad || r.left != 0 || version != SRCREC_VERSION ||
	    (flags & ~(unsigned)(SRCREC_HAS_META | SRCREC_HAS_SOA)) != 0) {
		memset(rec, 0, sizeof(*rec));
		errno = EIO;
		return -1;
	}
	return 0;
}

int
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
	return st_srcrec_decode(v.mv_data, v.mv_size, rec) == 0 ? 0 :
	    MDB_CORRUPTED;
}

int
st_srcrec_put(MDB_txn *txn, struct store *st, int src, const struct srcrec *rec)
{
	char name[STORE_NAME_MAX];
	uint8_t buf[SRCREC_MAX];
	MDB_val k, v = { 0, buf };
	int rc;

	if ((rc = st_source_name(txn, st, src, name, sizeof(name))) != 0)
		return rc;
	k.mv_size = strlen(name);
	k.mv_data = name;
	v.mv_size = st_srcrec_encode(rec, buf);
	return mdb_put(txn, st->sources, &k, &v, 0);
}

