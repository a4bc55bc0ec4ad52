/* SPDX-License-Identifier: BSD-2-Clause */
/* The LMDB store: the one source of truth for entries, sources and serials. */
#ifndef RBLD_STORE_H
#define RBLD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipaddr.h"
#include "rbldnsd.h"

struct store;
struct store_reader;

/* A function here that returns -1 sets errno to the class of failure, as
 * docs/HACKING.md lists them. */

#define STORE_MAX_NS		8
#define STORE_NAME_MAX		64
#define STORE_DNAME_MAX		256
#define STORE_REASON_MAX	256

/* Where an entry came from: file entries are replaced when the file changes;
 * the others stay until deleted or expired. */
enum store_origin {
	ORIGIN_FILE = 1,
	ORIGIN_CLI,
	ORIGIN_API,
	ORIGIN_FEED,
	ORIGIN_REPORT,
};

/* What a data file said about its zone, kept with the source. */
struct store_srcmeta {
	uint32_t	ttl;		/* $TTL, 0 = none */
	bool		has_soa;
	uint32_t	soa_ttl, soa_refresh, soa_retry, soa_expire, soa_minttl;
	char		soa_mname[STORE_DNAME_MAX], soa_rname[STORE_DNAME_MAX];
	int		nns;
	uint32_t	ns_ttl;
	char		ns[STORE_MAX_NS][STORE_DNAME_MAX];
	int64_t		file_mtime;	/* nanoseconds; -1 = never loaded */
	int64_t		file_size;
	uint64_t	loaded;		/* unix time of the last successful load */
	uint32_t	bad_lines;
};

/* One entry, as listed, exported and shown by lookup. */
struct store_entry {
	struct prefix	p;
	char		source[STORE_NAME_MAX];
	bool		excl;
	enum store_origin origin;
	uint32_t	a;		/* host order */
	const char	*txt;		/* template, NULL = none; valid until next call */
	uint32_t	added, expires;	/* unix times; expires 0 = never */
	const char	*reason;	/* "" if none; valid until next call */
};

/* A source's answer for one address. */
struct store_hit {
	bool		listed;
	uint8_t		plen;		/* of the entry that matched */
	uint32_t	a;
	uint32_t	txt;		/* text id, or RBL_NO_TXT */
};

/*
 * Open (creating if needed) the environment in folder PATH with an initial
 * map of MAPSIZE bytes, and register the source names in use (ids are
 * assigned once and kept). Returns NULL with a message in ERR on failure.
 */
struct store	*store_open(const char *path, uint64_t mapsize, bool readonly,
		    char *err, size_t errlen);
void		 store_close(struct store *);

/* Id of source NAME, creating it when CREATE; -1 with errno ENOENT if it is
 * missing (not CREATE), EINVAL a bad name, ENOSPC no id left, EIO an error. */
int		 store_source_id(struct store *, const char *name, bool create);

/*
 * Declare the zones: zone i has NSRC[i] sources SRCIDS[i][]. Writers bump the
 * serial of every zone that holds a changed source, in the same transaction.
 * SLOTS[i] gets zone i's slot, the ZONE that store_serial and
 * store_reader_serial take: a zone keeps its slot while the store is open,
 * so slots from before a call stay right for the zones they named. Zones
 * no longer declared keep their serials. 0, or -1 with errno (EINVAL too
 * many zones or a name too long, ENOMEM, ENOSPC, EIO). One caller at a time
 * (the runtime's lock: the main thread, or an API allowlist change).
 */
int		 store_set_zones(struct store *, int nzones, const char **names,
		    const int *nsrc, const int *const *srcids, int *slots);

/*
 * Every write of an entry (a list, an import, an add, a delete, a batch's
 * jobs) keeps an IPv4-mapped prefix as the IPv4 prefix it maps
 * (ipaddr_canonical), which is what lookups ask: ::ffff:192.0.2.1 and
 * 192.0.2.1 are one entry.
 */

/*
 * Replace every file-origin entry of source SRC with the entries of D (after
 * rbldnsd_finish), writing only the difference, in one transaction; entries
 * added by hand to the source stay. META is saved with the source. Returns
 * the number of keys changed, or -1 (message in ERR).
 */
long		 store_replace_file(struct store *, int src, const struct rbl_data *d,
		    const struct store_srcmeta *meta, char *err, size_t errlen);

/* The same for the entries of ORIGIN (file or feed): a new list replaces
 * the last one, writing only the difference. META may be NULL. */
long		 store_replace(struct store *, int src, enum store_origin origin,
		    const struct rbl_data *d, const struct store_srcmeta *meta,
		    char *err, size_t errlen);

/*
 * Small named records ("blob:..." names) beside the entries: feed status,
 * requests from rbldctl to rbld. Put and delete commit at once; get returns
 * the length copied into OUT, or -1 with errno ENOENT if it is missing,
 * EOVERFLOW if it is larger than MAX, EIO on a database error.
 */
int		 store_blob_put(struct store *, const char *name, const void *data,
		    size_t len);
int		 store_blob_del(struct store *, const char *name);
ssize_t		 store_blob_get(struct store *, const char *name, void *out,
		    size_t max);

/* Call FN for each small record whose name starts with PREFIX, in order;
 * stops when FN returns non-zero. 0, or -1 (errno EIO) on a read error. */
int		 store_blob_walk(struct store *, const char *prefix,
		    int (*fn)(void *arg, const char *name, const void *data,
		    size_t len), void *arg);

/* Add or update every entry of D in source SRC with ORIGIN, deleting
 * nothing, in one transaction. Returns the number of keys changed or -1. */
long		 store_import(struct store *, int src, const struct rbl_data *d,
		    enum store_origin origin, char *err, size_t errlen);

/* What data set D says about its zone ($TTL, $SOA, $NS, bad lines); no
 * file times (file_mtime -1). */
void		 store_srcmeta_init(struct store_srcmeta *m,
		    const struct rbl_data *d);

/* Read a source's saved metadata; -1 with errno ENOENT if the source has
 * none yet, EIO on a database error. */
int		 store_source_meta(struct store *, int src, struct store_srcmeta *out);

/* Whether an entry's TXT template (NULL: none) and REASON (NULL: none)
 * may be stored: 0, or -1 with errno EINVAL and why in ERR (may be NULL).
 * Every write of an entry checks them so. */
int		 store_entry_check(const char *txt, const char *reason,
		    char *err, size_t errlen);

/*
 * Add one entry (replacing the same prefix in the same source). TXT may be
 * NULL; EXPIRES 0 = never. Committed (durable) on return 0. A prefix that
 * a data file or a feed lists in SRC is not replaced: -1 with a message.
 */
int		 store_add(struct store *, int src, const struct prefix *p,
		    bool excl, uint32_t a, const char *txt, uint32_t expires,
		    const char *reason, enum store_origin origin,
		    char *err, size_t errlen);

/*
 * Delete one prefix from source SRC (or from every source when SRC < 0).
 * Entries a data file or a feed owns are left alone (the next load would
 * bring them back); *KEPT (KEPT may be NULL) counts those that matched.
 * Returns the number deleted (0 if none), -1 on error.
 */
int		 store_del(struct store *, int src, const struct prefix *p,
		    int *kept, char *err, size_t errlen);

/* Remove expired entries; returns the number removed, or -1 with errno. */
long		 store_expire(struct store *, uint32_t now);

/* Call FN for each entry (of SRC, or all when SRC < 0) in key order; stops
 * when FN returns non-zero. */
int		 store_walk(struct store *, int src,
		    int (*fn)(void *arg, const struct store_entry *), void *arg);

/* The same, starting after the entry AFTER of source AFTER_SRC (whether
 * or not it still exists): for listing page by page. */
int		 store_walk_after(struct store *, int src,
		    const struct prefix *after, int after_src,
		    int (*fn)(void *arg, const struct store_entry *), void *arg);

/* store_walk in the snapshot R holds (between store_reader_begin and _end):
 * a walk that must agree with R's other reads. Never call store_walk or
 * another one-shot read while holding R: map growth would wait for R
 * while the read waited for the growth. */
int		 store_reader_walk(struct store_reader *r, int src,
		    int (*fn)(void *arg, const struct store_entry *), void *arg);

/*
 * Where a zone changed: a bit per IPv4 first octet and per IPv6 first
 * nibble (the regions a zone is rendered in, render.h), or everything.
 * Every commit that changes a zone adds its regions to the zone's record
 * (meta "dirty:ZONE"), which its journal's builder reads and clears.
 */
struct store_dirty {
	uint8_t		v4[32], v6[2];
	bool		all;
};

/* Mark the regions a prefix (FAMILY, PLEN, masked address ADDR) touches. */
void		 store_dirty_mark(struct store_dirty *, int family, int plen,
		    const uint8_t *addr);
bool		 store_dirty_any(const struct store_dirty *);
/* Zone ZONE's record in R's snapshot (all clear when none). */
int		 store_reader_dirty(struct store_reader *r, const char *zone,
		    struct store_dirty *out);

/*
 * Zone ZONE's records now depend on configuration FINGERPRINT
 * (view_zone_fingerprint): when it differs from the one recorded, record
 * it, move the zone's serial and mark everything dirty. 1 when the serial
 * moved, 0 when nothing changed, -1 with errno.
 */
int		 store_zone_config(struct store *, const char *zone,
		    uint64_t fingerprint);

/*
 * The serial of catalog zone CATALOG, whose members have FINGERPRINT
 * (catalog_fingerprint): the recorded one while the fingerprint stays,
 * the next (RFC 1982) when it changes, the time for a first. 0 with
 * *SERIAL, or -1 with errno (ENOSPC, EIO, EACCES, EINVAL a name too long).
 */
int		 store_catalog_serial(struct store *, const char *catalog,
		    uint64_t fingerprint, uint32_t *serial);
/* The serial recorded for CATALOG: 0, or -1 with errno (ENOENT none). */
int		 store_catalog_get(struct store *, const char *catalog,
		    uint32_t *serial);

/*
 * The journal of a zone's rendered changes, for IXFR: steps, each the
 * records one serial removed and added going to the next (an opaque blob,
 * journal.c's encoding), oldest first, bounded by bytes, steps and age.
 * store_journal_append adds the step FROM -> TO (TO must be the zone's
 * serial in the snapshot the step was made in) and drops the oldest steps
 * beyond the bounds, and clears the zone's dirty record when the zone is
 * still at TO; with BLOB NULL it only empties the journal (a change it
 * cannot tell: clients take a full transfer) and clears the record.
 * 0, or -1 with errno (ENOSPC, EIO, EACCES).
 */
struct store_journal_limits {
	size_t		bytes;
	unsigned	steps;
	uint32_t	age;		/* seconds */
};

int		 store_journal_append(struct store *, const char *zone,
		    uint32_t from, uint32_t to, const void *blob, size_t len,
		    const struct store_journal_limits *lim);

/* The steps from serial FROM on, in R's snapshot: FN(ARG, FROM, TO, BLOB,
 * LEN) for each in order until it returns non-zero. 0 when the steps reach
 * from FROM to the newest, ENOENT when FROM is not in the journal (or the
 * chain is broken), -1 (errno EIO) on a read error. BLOB stays valid
 * until the snapshot ends. */
int		 store_reader_journal(struct store_reader *r, const char *zone,
		    uint32_t from, int (*fn)(void *arg, uint32_t from,
		    uint32_t to, const uint8_t *blob, size_t len), void *arg);

/* The journal's extent in R's snapshot, for status: steps, bytes, the
 * oldest serial a client may have for an IXFR (0 steps: none). */
struct store_journal_info {
	unsigned	steps;
	size_t		bytes;
	uint32_t	oldest, newest;
};
int		 store_reader_journal_info(struct store_reader *r,
		    const char *zone, struct store_journal_info *out);
/* The same in a snapshot of its own (rbldctl, the API). */
int		 store_journal_info(struct store *, const char *zone,
		    struct store_journal_info *out);

/*
 * The entries of sources SRCIDS (NSRC store ids) of one FAMILY in address
 * order, then prefix length, then source id, from the snapshot R holds:
 * what a renderer streaming a zone walks. Holds a cursor per prefix length
 * in use, never the entries. store_scan_next gives 1 and *OUT, 0 at the
 * end, -1 (errno EIO) on a read error. Before R's snapshot ends, suspend
 * the scan; after a new store_reader_begin, resume goes on from where it
 * stopped in the new snapshot (the caller checks that nothing it reads
 * has changed, e.g. by the zone's serial).
 */
struct store_scan;
struct store_scan_item {
	struct prefix	p;
	int		src;
	bool		excl;
	uint32_t	expires;	/* 0 = never */
};

struct store_scan *store_scan_new(struct store_reader *r, int family,
		    const int *srcids, int nsrc);
/* Only the entries that meet WITHIN (inside it, or containing it). */
struct store_scan *store_scan_within(struct store_reader *r, int family,
		    const int *srcids, int nsrc, const struct prefix *within);
int		 store_scan_next(struct store_scan *, struct store_scan_item *out);
void		 store_scan_suspend(struct store_scan *);
int		 store_scan_resume(struct store_scan *);
void		 store_scan_free(struct store_scan *);

/* Every entry of any source whose prefix contains ADDR (expired ones too;
 * the caller compares E->expires). */
int		 store_covering(struct store *, const struct prefix *addr,
		    int (*fn)(void *arg, const struct store_entry *), void *arg);

/*
 * Batches: run FN(txn, ARG, job) for job 0..NJOBS-1 in one write
 * transaction and one commit (one disk sync for all). Each job is all or
 * nothing: FN returns 0, or -1 with errno set, and then leaves no change.
 * RESULTS[job] is 0 for a job that committed, else its errno. Returns 0
 * once committed (durable), or -1 (errno, and a message in ERR) when
 * nothing was.
 */
struct store_txn;
int		 store_batch(struct store *, int njobs,
		    int (*fn)(struct store_txn *, void *arg, int job), void *arg,
		    int *results, char *err, size_t errlen);

/* A batch of one job, FN(txn, ARG): 0 once committed, or -1 with errno
 * (the job's, or the batch's) and a message in ERR. */
int		 store_run(struct store *, int (*fn)(struct store_txn *, void *),
		    void *arg, char *err, size_t errlen);

/*
 * The operations of a batch's jobs: 0, or -1 with errno EINVAL (bad
 * values), EEXIST (a prefix a data file or a feed lists in SRC), ENOENT
 * (a record that is not there), EOVERFLOW (one larger than MAX), ENOSPC
 * (the database is full: the batch runs again in a larger map) or EIO.
 */
int		 store_txn_add(struct store_txn *, int src, const struct prefix *p,
		    bool excl, uint32_t a, const char *txt, uint32_t expires,
		    const char *reason, enum store_origin origin);

/* Does source SRC hold the entry P, unexpired at NOW (inside a batch)? */
bool		 store_txn_listed(struct store_txn *, int src,
		    const struct prefix *p, uint32_t now);

/* store_del inside a batch: *N entries deleted, *KEPT (may be NULL) left
 * to their file or feed. */
int		 store_txn_del(struct store_txn *, int src, const struct prefix *p,
		    int *n, int *kept);

/* Records: small keyed values beside the entries (report counters). Get
 * copies at most MAX bytes to OUT; put replaces; deleting a missing key is
 * no error. */
int		 store_txn_rec_get(struct store_txn *, const void *key,
		    size_t klen, void *out, size_t max, size_t *len);
int		 store_txn_rec_put(struct store_txn *, const void *key,
		    size_t klen, const void *data, size_t len);
int		 store_txn_rec_del(struct store_txn *, const void *key,
		    size_t klen);
/* Call FN for every record whose key starts with PREFIX (PLEN may be 0),
 * in key order, until it returns non-zero. 0, or -1 on a read error. */
int		 store_rec_walk(struct store *, const void *prefix, size_t plen,
		    int (*fn)(void *arg, const void *key, size_t klen,
		    const void *data, size_t len), void *arg);
/* Delete, in one transaction, every record DROP says to; the count, or -1
 * with errno. */
long		 store_rec_prune(struct store *, bool (*drop)(void *arg,
		    const void *key, size_t klen, const void *data, size_t len),
		    void *arg);

/* "file", "cli", "api", "feed", "report". */
const char	*store_origin_name(enum store_origin);

/* What a store operation's errno means, in the store's words. */
const char	*store_strerror(int errnum);

/* Current serial of the zone in slot ZONE (see store_set_zones). */
uint32_t	 store_serial(struct store *, int zone);

struct store_stats {
	uint64_t	entries;
	uint64_t	db_bytes;	/* pages in use times page size */
	uint64_t	map_bytes;
	uint64_t	changes;	/* committed changes since creation */
};
int		 store_stats(struct store *, struct store_stats *);
/* Entries of one source. */
long		 store_source_count(struct store *, int src);

/*
 * Keep an in-memory index of the entries, rebuilt by a thread of its own
 * when the database has been quiet for 200 ms; a reader whose snapshot is
 * newer than the index reads LMDB instead, so a write is served at once.
 */
int		 store_index_start(struct store *);
/* The bytes of the index that lookups touch; 0 before the first build. */
size_t		 store_index_bytes(struct store *);

/* ---- readers: one per DNS worker thread ---- */

struct store_reader *store_reader_new(struct store *);
/* A reader whose snapshot may be held across read sections (a journal's
 * base, kept from one step to the next): it never uses the in-memory
 * index, and its begin and end are no read section. */
struct store_reader *store_reader_new_long(struct store *);
void		 store_reader_free(struct store_reader *);

/* Does a writer wait for every snapshot to end (to grow the map)? A long
 * read (a zone transfer) lets its snapshot go at its next step then. */
bool		 store_reader_contended(const struct store_reader *);

/* Take a fresh snapshot; 0, or -1 on error. Pair with store_reader_end. */
int		 store_reader_begin(struct store_reader *);
void		 store_reader_end(struct store_reader *);

/*
 * Longest-prefix match of ADDR (4 or 16 bytes of FAMILY) in each of the NSRC
 * sources SRCIDS; entries expired at NOW do not match. Fills HITS[NSRC].
 * Returns 0 or -1.
 */
int		 store_lookup(struct store_reader *, int family, const uint8_t *addr,
		    const int *srcids, int nsrc, uint32_t now,
		    struct store_hit *hits);

/* The template with id ID; 0 with *S and *LEN set, -1 if missing. */
int		 store_text(struct store_reader *, uint32_t id, const char **s,
		    size_t *len);

/* Which snapshot the reader holds: equal numbers, equal contents. */
uint64_t	 store_reader_snapshot(const struct store_reader *);

/* Zone Z's serial, and a source's metadata, in the reader's snapshot. */
uint32_t	 store_reader_serial(struct store_reader *, int zone);
const struct store_srcmeta *store_reader_srcmeta(struct store_reader *, int src);

#endif
