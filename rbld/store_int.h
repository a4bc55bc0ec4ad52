/* SPDX-License-Identifier: BSD-2-Clause */
/* What the store*.c files share (LMDB types too); nothing else includes it. */
#ifndef RBLD_STORE_INT_H
#define RBLD_STORE_INT_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "index.h"
#include "store.h"
#include "wire.h"

/*
 * The schema is described at the top of store.c. Functions named st_ take
 * the store or an LMDB transaction; those named w_ run inside a write
 * transaction (struct wctx, begun and committed by st_write).
 */
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

/* The value of an entry: a fixed layout, host order (see the schema). */
struct entval {
	uint8_t		flags;
	uint8_t		pad[3];
	uint32_t	a;
	uint32_t	txt;
	uint32_t	added;
	uint32_t	expires;
	/* reason text follows, not NUL-terminated */
};

/* A source record as the code uses it; `sources` holds it encoded
 * (st_srcrec_encode, the schema in store.c). */
struct srcrec {
	uint16_t	id;
	struct store_srcmeta meta;
	bool		has_meta;
};

#define SRCREC_VERSION		2
/* The longest encoded record: the fixed fields, and every string a length
 * byte and STORE_DNAME_MAX - 1 bytes. */
#define SRCREC_MAX		(4 + 7 * 4 + 1 + 3 * 8 + 4 + \
				(2 + STORE_MAX_NS) * STORE_DNAME_MAX)

struct zoneinfo {
	char		name[STORE_DNAME_MAX];
};

struct zonetab {
	int		 nzones;
	struct zoneinfo	 zones[STORE_MAX_ZONES];
	uint32_t	 srczones[STORE_MAX_SOURCES];	/* bit z: zone z holds it */
};

struct store {
	MDB_env		*env;
	MDB_dbi		 entries, sources, srcids, texts, textidx, meta, records;
	MDB_dbi		 journal;
	bool		 has_journal;	/* a read-only open of an older file: none */
	bool		 readonly;
	uint64_t	 mapsize;
	/* Writers and readers hold it shared; growing the map takes it alone. */
	pthread_rwlock_t resize;
	/* The zones as the config names them. A reload publishes a new table
	 * while other threads read the old one, which goes after a grace
	 * period (grace.h); readers and writers load it in a read section. */
	_Atomic(struct zonetab *) zt;
	_Atomic uint64_t zt_gen;	/* bumped at each swap */

	/* The in-memory index of the newest snapshot it was built from,
	 * published the same way; the readers, for quiescing a resize. */
	_Atomic(struct index *) index;
	pthread_mutex_t	 readers_mtx;
	struct store_reader *readers[STORE_MAX_READERS];
	int		 nreaders;
	pthread_t	 indexer;
	bool		 indexer_running;
	atomic_int	 resizing;	/* DNS readers keep out while set */
	atomic_bool	 indexer_stop;
	atomic_bool	 disk_full;	/* the last write found no space */
};

struct store_reader {
	struct store	*st;
	MDB_txn		*txn;
	MDB_cursor	*cur;
	size_t		 txnid;		/* LMDB's id of the snapshot read last */
	int		 n4, n6;
	uint8_t		 plens4[33], plens6[129];	/* in use, longest first */
	uint32_t	 serials[STORE_MAX_ZONES];
	size_t		 gen;		/* its "changes": see index_new */
	uint64_t	 zt_gen;	/* the serials were read for this table */
	int		 nzones;
	uint32_t	 srctxn[STORE_MAX_SOURCES];	/* txnid+1 when cached */
	struct store_srcmeta *srcmeta[STORE_MAX_SOURCES];
	bool		 srchave[STORE_MAX_SOURCES];
	bool		 held;		/* inside begin/end, and a read section */
	bool		 long_lived;	/* store_reader_new_long: no section */
	/* Set while this reader holds a transaction: a resize waits for it.
	 * One flag per reader, not a shared lock, so that two workers never
	 * fight over one cache line for every batch. */
	atomic_int	 active;
	struct index	*fast;		/* the index, when it is this snapshot */
};

/* One write transaction and the counters it changes. */
struct wctx {
	struct store	*st;
	MDB_txn		*txn;
	uint32_t	 plen4[33], plen6[129];
	bool		 plen_dirty;
	int64_t		*cntdelta;	/* per source id */
	uint32_t	 touched;	/* zones whose serial must move */
	struct store_dirty dirty;	/* where, for the zones' journals */
	uint64_t	 changes;
	uint64_t	 changes0;	/* as the transaction began */
	bool		 wrote;		/* anything at all: else abort, not commit */
	bool		 committed;	/* w_commit reached the disk */
	const struct zonetab *zt;	/* as the transaction began */
};

/* A change in source SRC at entry KEY (NULL: to all its answers): the
 * serials of its zones move at commit, and their journals learn where. */
static inline void
w_touch(struct wctx *w, int src, const uint8_t *key)
{
	w->touched |= w->zt->srczones[src];
	w->changes++;
	if (key == NULL)
		w->dirty.all = true;
	else
		store_dirty_mark(&w->dirty, key[0], key[1], key + 2);
}

/* Count a key that appears (+1) or goes (-1). */
static inline void
w_count(struct wctx *w, const uint8_t *key, int src, int delta)
{
	if (key[0] == 4)
		w->plen4[key[1]] += (uint32_t)delta;
	else
		w->plen6[key[1]] += (uint32_t)delta;
	w->plen_dirty = true;
	w->cntdelta[src] += delta;
	w_touch(w, src, key);
}

/* Arguments of w_add and w_del, which batches run too. */
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

struct del_arg {
	int		 src;
	const struct prefix *p;
	int		 n;
	int		 kept;		/* matches a file or feed owns */
};

/* Keys: family(1) plen(1) masked address(4|16) source id(2), big-endian. */
static inline size_t
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
	wire_set16(k + 2 + n, (uint16_t)src);
	return (size_t)n + 4;
}

/*
 * The key of entry P of source SRC as it is kept: an IPv4-mapped prefix
 * is stored as the IPv4 one (ipaddr_canonical), which is what lookups ask.
 * Every write of an entry builds its key here, so that a list, an import
 * and a delete agree on one key for both spellings of an address.
 */
static inline size_t
key_entry(uint8_t *k, const struct prefix *p, int src)
{
	struct prefix c = *p;

	ipaddr_canonical(&c);
	return key_build(k, c.family, c.len, c.addr, src);
}

static inline int
key_src(const MDB_val *k)
{
	return wire_get16((const uint8_t *)k->mv_data + k->mv_size - 2);
}

/* No control characters: a TXT or reason goes into exports and logs,
 * where a newline would start a line of its own. */
static inline bool
text_ok(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* ---- store.c: environment, write core, sources ---- */

/* "WHAT: LMDB's message for RC" into ERR, and errno for RC: the store's
 * boundary, where LMDB's codes end. */
void		 st_err(char *err, size_t errlen, const char *what, int rc);

/* The errno of LMDB code (or errno value) RC: ENOSPC for a full map, EIO
 * for LMDB's own codes, an errno value as it is. */
int		 st_errno(int rc);

/* -1 with errno st_errno(RC), for functions with no message to give. */
int		 st_fail(int rc);

/* OR D into zone ZONE's dirty record (store_journal.c). */
int		 st_dirty_add(MDB_txn *, struct store *, const char *zone,
		    const struct store_dirty *d);
/* A meta record of exactly LEN bytes; LMDB codes (MDB_CORRUPTED if the
 * size differs). */
int		 st_meta_get(MDB_txn *, struct store *, const char *name,
		    void *out, size_t len);
int		 st_meta_put(MDB_txn *, struct store *, const char *name,
		    const void *p, size_t len);

/* Another process grew the map: adopt its size. Called with no txn open. */
void		 st_adopt_size(struct store *);

/* A short read transaction with the resize lock held shared; an LMDB
 * code. Pair with st_rend. */
int		 st_rbegin(struct store *, MDB_txn **);
void		 st_rend(struct store *, MDB_txn *);

/* Run FN in a write transaction, growing the map and retrying when full;
 * FN's or LMDB's code. */
int		 st_write(struct store *, int (*fn)(struct wctx *, void *),
		    void *arg);

/* The id of template TXT, adding it if new. */
int		 w_text_id(struct wctx *, const char *txt, uint32_t *id);

/* The name of source SRC into OUT[LEN]. */
int		 st_source_name(MDB_txn *, struct store *, int src, char *out,
		    size_t len);

/* REC encoded into BUF[SRCREC_MAX]; the length. */
size_t		 st_srcrec_encode(const struct srcrec *, uint8_t *buf);
/* A record of `sources` decoded; 0, or -1 (errno EIO) if it is damaged or
 * of another version. */
int		 st_srcrec_decode(const void *data, size_t len,
		    struct srcrec *);

/* Source SRC's record in `sources`. */
int		 st_srcrec_get(MDB_txn *, struct store *, int src,
		    struct srcrec *);
int		 st_srcrec_put(MDB_txn *, struct store *, int src,
		    const struct srcrec *);

/* ---- store_upgrade.c ---- */

/*
 * Rewrite a version 1 database as version 2 in TXN: every source record in
 * its new encoding, then meta "version". 0, or -1 with errno (ENOSPC the map
 * is full, EIO a damaged record or a database error) and a message in ERR.
 */
int		 st_upgrade_v1(MDB_txn *, struct store *, char *err,
		    size_t errlen);

/* ---- store_write.c: what batches share with single writes ---- */

int		 w_add(struct wctx *, void *add_arg);
int		 w_del(struct wctx *, void *del_arg);

/*
 * Delete, with one cursor pass over DBI, every key DROP picks; GONE (may be
 * NULL) hears of each. Returns 0 or an LMDB error.
 */
int		 w_sweep(struct wctx *, MDB_dbi dbi,
		    bool (*drop)(void *arg, const MDB_val *k, const MDB_val *v),
		    void (*gone)(struct wctx *, const uint8_t *key, size_t klen,
		    void *arg), void *arg);

#endif
