/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's index thread: an in-memory copy of the entries, kept fresh. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "grace.h"
#include "store_int.h"

static void	st_release_map(struct store *);

static struct index *
st_index_build(struct store *st, size_t *gen)
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
		*gen = (size_t)ch;
	}
	if (mdb_stat(txn, st->entries, &ms) != 0 ||
	    mdb_cursor_open(txn, st->entries, &cur) != 0) {
		st_rend(st, txn);
		return NULL;
	}
	if ((ix = index_new(ms.ms_entries, *gen)) == NULL)
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

static void
index_retire_fn(void *ix)
{
	index_free(ix);
}

/* Publish IX; the one it replaces goes once no reader can hold it. */
static void
st_index_publish(struct store *st, struct index *ix)
{
	grace_retire(atomic_exchange(&st->index, ix), index_retire_fn);
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
			size_t gen;
			struct index *ix = st_index_build(st, &gen);

			if (ix != NULL) {
				st_index_publish(st, ix);
				built = gen;
			}
		}
		usleep(100000);
	}
	return NULL;
}

int
store_index_start(struct store *st)
{
	int rc;

	if (st->indexer_running)
		return 0;
	/* pthread_create returns its error instead of setting errno. */
	if ((rc = pthread_create(&st->indexer, NULL, st_indexer, st)) != 0) {
		errno = rc;
		return -1;
	}
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
