/* SPDX-License-Identifier: BSD-2-Clause */
/* Upgrades of an older database schema, run when the store is opened. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/*
 * Schema version 1 kept a source record as the raw bytes of these structs,
 * in host order with the compiler's padding (2648 bytes on LP64). They are
 * frozen: they describe files already written, whatever the structs of
 * today become. The bools are read as bytes, which they were.
 */
#define V1_MAX_NS		8
#define V1_DNAME_MAX		256

struct srcmeta_v1 {
	uint32_t	ttl;
	uint8_t		has_soa;
	uint32_t	soa_ttl, soa_refresh, soa_retry, soa_expire, soa_minttl;
	char		soa_mname[V1_DNAME_MAX], soa_rname[V1_DNAME_MAX];
	int32_t		nns;
	uint32_t	ns_ttl;
	char		ns[V1_MAX_NS][V1_DNAME_MAX];
	int64_t		file_mtime;
	int64_t		file_size;
	uint64_t	loaded;
	uint32_t	bad_lines;
};

struct srcrec_v1 {
	uint16_t	id;
	uint16_t	pad;
	struct srcmeta_v1 meta;
	uint8_t		has_meta;
};

#if defined(__LP64__)
_Static_assert(sizeof(struct srcrec_v1) == 2648,
    "the version 1 source record is 2648 bytes on LP64");
#endif
_Static_assert(STORE_MAX_NS >= V1_MAX_NS && STORE_DNAME_MAX >= V1_DNAME_MAX,
    "every version 1 record fits today's struct srcrec");

/* A string of a version 1 array, which may lack its NUL if damaged. */
static void
v1_str(char *out, const char *in)
{
	size_t n = strnlen(in, V1_DNAME_MAX - 1);

	memcpy(out, in, n);
	out[n] = '\0';
}

/* Version 1 record V as today's struct; -1 if it is damaged. */
static int
v1_decode(const MDB_val *v, struct srcrec *rec)
{
	struct store_srcmeta *m = &rec->meta;
	struct srcrec_v1 old;

	if (v->mv_size != sizeof(old))
		return -1;
	memcpy(&old, v->mv_data, sizeof(old));
	if (old.meta.nns < 0 || old.meta.nns > V1_MAX_NS)
		return -1;
	memset(rec, 0, sizeof(*rec));
	rec->id = old.id;
	rec->has_meta = old.has_meta != 0;
	m->ttl = old.meta.ttl;
	m->has_soa = old.meta.has_soa != 0;
	m->soa_ttl = old.meta.soa_ttl;
	m->soa_refresh = old.meta.soa_refresh;
	m->soa_retry = old.meta.soa_retry;
	m->soa_expire = old.meta.soa_expire;
	m->soa_minttl = old.meta.soa_minttl;
	v1_str(m->soa_mname, old.meta.soa_mname);
	v1_str(m->soa_rname, old.meta.soa_rname);
	m->nns = old.meta.nns;
	m->ns_ttl = old.meta.ns_ttl;
	for (int i = 0; i < old.meta.nns; i++)
		v1_str(m->ns[i], old.meta.ns[i]);
	m->file_mtime = old.meta.file_mtime;
	m->file_size = old.meta.file_size;
	m->loaded = old.meta.loaded;
	m->bad_lines = old.meta.bad_lines;
	return 0;
}

int
st_upgrade_v1(MDB_txn *txn, struct store *st, char *err, size_t errlen)
{
	char (*names)[STORE_NAME_MAX] = NULL;
	uint8_t buf[SRCREC_MAX];
	MDB_cursor *cur = NULL;
	MDB_stat ms;
	MDB_val k, v;
	uint32_t version = 2;
	size_t n = 0;
	int rc, eno = EIO;

	/*
	 * The names first, then each record rewritten: the key a cursor
	 * returns points into a page that a put may rewrite under it.
	 */
	if ((rc = mdb_stat(txn, st->sources, &ms)) != 0)
		goto fail;
	if ((names = calloc(ms.ms_entries + 1, sizeof(*names))) == NULL) {
		snprintf(err, errlen, "upgrading the database to version 2: "
		    "out of memory");
		eno = ENOMEM;
		goto fail;
	}
	if ((rc = mdb_cursor_open(txn, st->sources, &cur)) != 0)
		goto fail;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (n == ms.ms_entries || k.mv_size == 0 ||
		    k.mv_size >= STORE_NAME_MAX) {
			rc = MDB_CORRUPTED;
			goto fail;
		}
		memcpy(names[n], k.mv_data, k.mv_size);
		names[n++][k.mv_size] = '\0';
	}
	if (rc != MDB_NOTFOUND)
		goto fail;
	mdb_cursor_close(cur);
	cur = NULL;
	for (size_t i = 0; i < n; i++) {
		struct srcrec rec;

		k.mv_size = strlen(names[i]);
		k.mv_data = names[i];
		if ((rc = mdb_get(txn, st->sources, &k, &v)) != 0)
			goto fail;
		if (v1_decode(&v, &rec) != 0) {
			snprintf(err, errlen, "upgrading the database to "
			    "version 2: source %s: damaged record (%zu bytes)",
			    names[i], v.mv_size);
			goto fail;
		}
		v.mv_size = st_srcrec_encode(&rec, buf);
		v.mv_data = buf;
		if ((rc = mdb_put(txn, st->sources, &k, &v, 0)) != 0)
			goto fail;
	}
	free(names);
	names = NULL;
	if ((rc = st_meta_put(txn, st, "version", &version,
	    sizeof(version))) != 0)
		goto fail;
	return 0;
fail:
	if (rc != 0) {
		st_err(err, errlen, "upgrading the database to version 2", rc);
		eno = rc == MDB_MAP_FULL ? ENOSPC : EIO;
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	free(names);
	errno = eno;
	return -1;
}
