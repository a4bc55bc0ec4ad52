/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/store.c: the LMDB store of entries, sources, serials. */

#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../rbld/index.h"
#include "../rbld/rbldnsd.h"
#include "../rbld/store.h"
#include "testutil.h"

#define DEF_A		0x7f000002u
#define MAPSIZE		(16u << 20)
#define TINY_MAP	(20u << 10)	/* the least store_open accepts */
/* store_int.h's limits, which the tests do not include. */
#define MAX_ZONES	32
#define MAX_SOURCES	1024

static char			 tmpdir[64];	/* /tmp/rbld-check-store.XXXXXX */
static struct store		*st;
static struct store_reader	*rd;
static int			 A, B, C;	/* ids of sources a, b, c */
static char			 err[256];


static const char *
dbdir(void)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/db", tmpdir);
	return buf;
}

/* Zone 0 "z1.test" serves a, b, c; zone 1 "z2.test" serves b only. */
static void
declare_zones(void)
{
	static const char *names[] = { "z1.test", "z2.test" };
	static const int nsrc[] = { 3, 1 };
	int z1[3], z2[1], slots[2];
	const int *ids[2] = { z1, z2 };

	z1[0] = A, z1[1] = B, z1[2] = C;
	z2[0] = B;
	ck_assert_int_eq(store_set_zones(st, 2, names, nsrc, ids, slots), 0);
	ck_assert_int_eq(slots[0], 0);
	ck_assert_int_eq(slots[1], 1);
}

static void
open_store(uint64_t mapsize)
{
	st = store_open(dbdir(), mapsize, false, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
	A = store_source_id(st, "a", true);
	B = store_source_id(st, "b", true);
	C = store_source_id(st, "c", true);
	ck_assert_int_gt(A, 0);
	ck_assert_int_gt(B, 0);
	ck_assert_int_gt(C, 0);
	declare_zones();
	ck_assert_ptr_nonnull(rd = store_reader_new(st));
}

static void
close_store(void)
{
	store_reader_free(rd);
	rd = NULL;
	store_close(st);
	st = NULL;
}

static void
setup_dir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbld-check-store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	st = NULL;
	rd = NULL;
}

static void
setup(void)
{
	setup_dir();
	open_store(MAPSIZE);
}

static void
teardown(void)
{
	if (st != NULL)
		close_store();
	rm_rf(tmpdir);
}

/* TEXT (rbldnsd lines) as a finished data set. */
static void
build(struct rbl_data *d, const char *text)
{
	char line[4096];
	unsigned lineno = 0;

	rbldnsd_init(d, DEF_A, NULL);
	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t n = nl != NULL ? (size_t)(nl - text) : strlen(text);

		ck_assert_uint_lt(n, sizeof(line));
		memcpy(line, text, n);
		line[n] = '\0';
		rbldnsd_parse_line(d, line, "t.rbl", ++lineno, NULL, NULL);
		text += n;
		if (*text == '\n')
			text++;
	}
	ck_assert_uint_eq(d->nbad, 0);
	rbldnsd_finish(d);
}

static void
meta_of(const struct rbl_data *d, struct store_srcmeta *m)
{
	store_srcmeta_init(m, d);
	m->file_mtime = 1;
	m->file_size = 2;
	m->loaded = 3;
}

/* Replace source SRC's file entries with TEXT; the number changed. */
static long
load(int src, const char *text)
{
	struct store_srcmeta m;
	struct rbl_data d;
	long n;

	build(&d, text);
	meta_of(&d, &m);
	n = store_replace_file(st, src, &d, &m, err, sizeof(err));
	ck_assert_msg(n >= 0, "store_replace_file: %s", err);
	rbldnsd_free(&d);
	return n;
}

static struct prefix
pfx(const char *s)
{
	struct prefix p;

	ck_assert_msg(ipaddr_parse_prefix(s, &p, NULL, 0) == 0, "bad prefix %s", s);
	return p;
}

static void
add(int src, const char *prefix, bool excl, uint32_t a, const char *txt,
    uint32_t expires, enum store_origin origin)
{
	struct prefix p = pfx(prefix);

	ck_assert_msg(store_add(st, src, &p, excl, a, txt, expires, "why",
	    origin, err, sizeof(err)) == 0, "store_add: %s", err);
}

static const char *
srcname(int id)
{
	return id == A ? "a" : id == B ? "b" : id == C ? "c" : "?";
}

/*
 * What sources a, b and c say about IP at NOW, through the reader:
 * "a 127.0.0.5 "txt"; b 127.0.0.2 -" ("" when nobody lists it).
 */
static const char *
look_at(const char *ip, uint32_t now)
{
	static char out[2048];
	struct store_hit hits[3];
	struct prefix p;
	int ids[3] = { A, B, C };
	size_t n = 0;

	ck_assert_int_eq(ipaddr_parse_addr(ip, &p), 0);
	ck_assert_int_eq(store_reader_begin(rd), 0);
	ck_assert_int_eq(store_lookup(rd, p.family, p.addr, ids, 3, now, hits),
	    0);
	out[0] = '\0';
	for (int i = 0; i < 3; i++) {
		const char *t;
		size_t tl;

		if (!hits[i].listed)
			continue;
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s %u.%u.%u.%u ",
		    n ? "; " : "", srcname(ids[i]), hits[i].a >> 24,
		    hits[i].a >> 16 & 255, hits[i].a >> 8 & 255, hits[i].a & 255);
		if (hits[i].txt == RBL_NO_TXT)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "-");
		else {
			ck_assert_int_eq(store_text(rd, hits[i].txt, &t, &tl), 0);
			n += (size_t)snprintf(out + n, sizeof(out) - n,
			    "\"%.*s\"", (int)tl, t);
		}
	}
	store_reader_end(rd);
	return out;
}

static const char *
look(const char *ip)
{
	return look_at(ip, (uint32_t)time(NULL));
}

struct walkbuf {
	char	s[8192];
	size_t	n;
};

static int
walk_cb(void *arg, const struct store_entry *e)
{
	struct walkbuf *w = arg;
	char p[IPADDR_STRLEN];

	ipaddr_format(&e->p, false, p, sizeof(p));
	w->n += (size_t)snprintf(w->s + w->n, sizeof(w->s) - w->n,
	    "%s%s %s%s %u.%u.%u.%u %s o%d%s\n", e->excl ? "!" : "", p,
	    e->source, e->expires ? " exp" : "", e->a >> 24, e->a >> 16 & 255,
	    e->a >> 8 & 255, e->a & 255, e->txt ? e->txt : "-", (int)e->origin,
	    *e->reason ? " why" : "");
	ck_assert_uint_lt(w->n, sizeof(w->s));
	return 0;
}

static const char *
walk(int src)
{
	static struct walkbuf w;

	w.n = 0;
	w.s[0] = '\0';
	ck_assert_int_eq(store_walk(st, src, walk_cb, &w), 0);
	return w.s;
}

static int
count_cb(void *arg, const struct store_entry *e)
{
	long *n = arg;

	(void)e;
	++*n;
	return 0;
}

/* Entries of SRC by walking; checked against the stored counter. */
static long
count(int src)
{
	long n = 0;

	ck_assert_int_eq(store_walk(st, src, count_cb, &n), 0);
	ck_assert_int_eq(store_source_count(st, src), n);
	return n;
}

/* ---- sources and zones ---- */

START_TEST(test_source_ids)
{
	char name[80];

	ck_assert_int_ne(A, B);
	ck_assert_int_ne(B, C);
	ck_assert_int_eq(store_source_id(st, "a", false), A);
	ck_assert_int_eq(store_source_id(st, "a", true), A);
	ck_assert_int_eq(store_source_id(st, "nope", false), -1);
	ck_assert_int_eq(store_source_id(st, "", true), -1);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(store_source_id(st, name, true), -1);
	name[STORE_NAME_MAX - 1] = '\0';
	ck_assert_int_gt(store_source_id(st, name, true), C);
	/* Bad ids are refused, not written. */
	{
		struct rbl_data d;
		struct store_srcmeta m;

		build(&d, "1.2.3.4\n");
		meta_of(&d, &m);
		ck_assert_int_eq(store_replace_file(st, 0, &d, &m, err,
		    sizeof(err)), -1);
		ck_assert_int_eq(store_replace_file(st, 5000, &d, &m, err,
		    sizeof(err)), -1);
		ck_assert_int_eq(store_import(st, 0, &d, ORIGIN_API, err,
		    sizeof(err)), -1);
		rbldnsd_free(&d);
	}
	{
		struct prefix p = pfx("1.2.3.4");

		ck_assert_int_eq(store_add(st, 0, &p, false, DEF_A, NULL, 0,
		    NULL, ORIGIN_CLI, err, sizeof(err)), -1);
	}
	ck_assert_str_eq(look("1.2.3.4"), "");
}
END_TEST

START_TEST(test_source_meta)
{
	struct store_srcmeta m;
	const struct store_srcmeta *rm;

	ck_assert_int_eq(store_source_meta(st, A, &m), -1);
	ck_assert_int_eq(load(A,
	    "$SOA 3600 ns1.z.test. hm.z.test. 0 600 300 86400 120\n"
	    "$NS 7200 ns1.z.test ns2.z.test\n"
	    "$TTL 900\n"
	    "1.2.3.4\n"), 1);
	ck_assert_int_eq(store_source_meta(st, A, &m), 0);
	ck_assert_uint_eq(m.ttl, 900);
	ck_assert(m.has_soa);
	ck_assert_uint_eq(m.soa_minttl, 120);
	ck_assert_str_eq(m.soa_mname, "ns1.z.test.");
	ck_assert_int_eq(m.nns, 2);
	ck_assert_str_eq(m.ns[1], "ns2.z.test");
	ck_assert_int_eq(m.file_mtime, 1);
	ck_assert_int_eq(m.file_size, 2);
	ck_assert_int_eq(store_source_meta(st, B, &m), -1);

	ck_assert_int_eq(store_reader_begin(rd), 0);
	ck_assert_ptr_nonnull(rm = store_reader_srcmeta(rd, A));
	ck_assert_uint_eq(rm->ttl, 900);
	ck_assert_ptr_null(store_reader_srcmeta(rd, B));
	ck_assert_ptr_null(store_reader_srcmeta(rd, 0));
	store_reader_end(rd);

	/* A reload with other specials updates them. */
	ck_assert_int_eq(load(A, "$TTL 60\n1.2.3.4\n"), 0);
	ck_assert_int_eq(store_source_meta(st, A, &m), 0);
	ck_assert_uint_eq(m.ttl, 60);
	ck_assert(!m.has_soa);
	ck_assert_int_eq(store_reader_begin(rd), 0);
	ck_assert_ptr_nonnull(rm = store_reader_srcmeta(rd, A));
	ck_assert_uint_eq(rm->ttl, 60);
	store_reader_end(rd);
}
END_TEST

static bool
drop_none(void *arg, const void *key, size_t klen, const void *data,
    size_t len)
{
	(void)arg;
	(void)key;
	(void)klen;
	(void)data;
	(void)len;
	return false;
}

static int
blob_cb(void *arg, const char *name, const void *data, size_t len)
{
	int *n = arg;

	(void)name;
	(void)data;
	(void)len;
	++*n;
	return 0;
}

/* A failure says which kind it is in errno: missing apart from broken. */
START_TEST(test_errno)
{
	static const char *names[MAX_ZONES + 1];
	static const int nsrc[MAX_ZONES + 1];
	const int *ids[MAX_ZONES + 1] = { NULL };
	char longname[STORE_DNAME_MAX + 8], blob[8];
	struct store_srcmeta m;
	struct prefix p = pfx("1.2.3.4");
	struct rbl_data d;
	struct store *ro;
	int n = 0, slots[MAX_ZONES + 1];

	errno = 0;
	ck_assert_int_eq(store_source_id(st, "nope", false), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(store_source_id(st, "", true), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(store_source_meta(st, B, &m), -1);
	ck_assert_int_eq(errno, ENOENT);

	/* Small records: missing, too large for the buffer, a bad name. */
	errno = 0;
	ck_assert_int_eq(store_blob_get(st, "blob:none", blob, sizeof(blob)),
	    -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(store_blob_put(st, "blob:big", "0123456789", 10), 0);
	errno = 0;
	ck_assert_int_eq(store_blob_get(st, "blob:big", blob, sizeof(blob)),
	    -1);
	ck_assert_int_eq(errno, EOVERFLOW);
	ck_assert_int_eq(store_blob_get(st, "blob:big", longname,
	    sizeof(longname)), 10);
	errno = 0;
	ck_assert_int_eq(store_blob_put(st, "noblob", "x", 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(store_blob_del(st, "noblob"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(store_blob_walk(st, "blob:", blob_cb, &n), 0);
	ck_assert_int_eq(n, 1);

	/* Zones: too many, or a name too long. */
	for (int z = 0; z <= MAX_ZONES; z++)
		names[z] = "z.test";
	errno = 0;
	ck_assert_int_eq(store_set_zones(st, MAX_ZONES + 1, names,
	    nsrc, ids, slots), -1);
	ck_assert_int_eq(errno, EINVAL);
	memset(longname, 'z', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	names[0] = longname;
	errno = 0;
	ck_assert_int_eq(store_set_zones(st, 1, names, nsrc, ids, slots), -1);
	ck_assert_int_eq(errno, EINVAL);

	/* Entries: bad values, and a prefix the file owns. */
	errno = 0;
	ck_assert_int_eq(store_add(st, 0, &p, false, DEF_A, NULL, 0, NULL,
	    ORIGIN_CLI, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(store_add(st, A, &p, false, DEF_A, "", 0, NULL,
	    ORIGIN_CLI, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(store_add(st, A, &p, false, DEF_A, NULL, 0, "a\nb",
	    ORIGIN_CLI, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(load(A, "1.2.3.4\n"), 1);
	errno = 0;
	ck_assert_int_eq(store_add(st, A, &p, false, DEF_A, NULL, 0, NULL,
	    ORIGIN_CLI, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EEXIST);
	build(&d, "5.6.7.8\n");
	errno = 0;
	ck_assert_int_eq(store_replace_file(st, 0, &d, NULL, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(store_import(st, MAX_SOURCES, &d,
	    ORIGIN_CLI, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	rbldnsd_free(&d);

	/* A read-only store refuses writes with an errno, not a bare -1. */
	close_store();
	ro = store_open(dbdir(), MAPSIZE, true, err, sizeof(err));
	ck_assert_msg(ro != NULL, "%s", err);
	errno = 0;
	ck_assert_int_eq(store_expire(ro, (uint32_t)time(NULL)), -1);
	ck_assert_int_ne(errno, 0);
	errno = 0;
	ck_assert_int_eq(store_rec_prune(ro, drop_none, NULL), -1);
	ck_assert_int_ne(errno, 0);
	errno = 0;
	ck_assert_int_eq(store_source_id(ro, "new", true), -1);
	ck_assert_int_ne(errno, 0);
	ck_assert_int_ne(errno, ENOENT);
	store_close(ro);
}
END_TEST

/* ---- lookups ---- */

/* Within one source the longest prefix wins, exclusions included. */
START_TEST(test_longest_prefix)
{
	ck_assert_int_eq(load(A,
	    "1.2.3.0/24 :10:big\n"
	    "1.2.3.0/25 :11:mid\n"
	    "1.2.3.4 :12:host\n"
	    "!1.2.3.128/26\n"
	    "!4.4.4.0/25\n"
	    "4.4.4.0/26 :40\n"
	    "10.10.0.0/20 :20:l20\n"
	    "!10.10.4.0/22\n"
	    "10.10.5.0/26 :26:l26\n"
	    "2.2.2.0/24 :24:big24\n"
	    "2.2.2.4/30 :30:small30\n"
	    "5.5.0.0/16 :16\n"
	    "!5.5.5.0/24\n"), 13);
	ck_assert_str_eq(look("1.2.3.4"), "a 127.0.0.12 \"host\"");
	ck_assert_str_eq(look("1.2.3.5"), "a 127.0.0.11 \"mid\"");
	ck_assert_str_eq(look("1.2.3.127"), "a 127.0.0.11 \"mid\"");
	ck_assert_str_eq(look("1.2.3.130"), "");
	ck_assert_str_eq(look("1.2.3.191"), "");
	ck_assert_str_eq(look("1.2.3.192"), "a 127.0.0.10 \"big\"");
	ck_assert_str_eq(look("1.2.3.255"), "a 127.0.0.10 \"big\"");
	ck_assert_str_eq(look("1.2.4.1"), "");
	/* The notes' ip4trie table: true longest-prefix match. */
	ck_assert_str_eq(look("4.4.4.1"), "a 127.0.0.40 -");
	ck_assert_str_eq(look("4.4.4.100"), "");
	ck_assert_str_eq(look("10.10.1.1"), "a 127.0.0.20 \"l20\"");
	ck_assert_str_eq(look("10.10.4.1"), "");
	ck_assert_str_eq(look("10.10.5.1"), "a 127.0.0.26 \"l26\"");
	ck_assert_str_eq(look("10.10.5.100"), "");
	ck_assert_str_eq(look("2.2.2.5"), "a 127.0.0.30 \"small30\"");
	ck_assert_str_eq(look("2.2.2.9"), "a 127.0.0.24 \"big24\"");
	ck_assert_str_eq(look("5.5.5.5"), "");
	ck_assert_str_eq(look("5.5.6.6"), "a 127.0.0.16 -");
}
END_TEST

/* The same prefix twice in a file: the first line wins. */
START_TEST(test_duplicates_first_wins)
{
	ck_assert_int_eq(load(A,
	    "7.7.7.7 :70:first\n"
	    "7.7.7.7 :71:second\n"
	    "8.8.8.8 :80\n"
	    "!8.8.8.8\n"
	    "!9.9.9.9\n"
	    "9.9.9.9 :90\n"
	    "2001:db8:8::/48 :14\n"
	    "!2001:db8:8::/48\n"), 4);
	ck_assert_str_eq(look("7.7.7.7"), "a 127.0.0.70 \"first\"");
	ck_assert_str_eq(look("8.8.8.8"), "a 127.0.0.80 -");
	ck_assert_str_eq(look("9.9.9.9"), "");
	ck_assert_str_eq(look("2001:db8:8::1"), "a 127.0.0.14 -");
	ck_assert_int_eq(count(A), 4);
}
END_TEST

/* Each source answers on its own; an exclusion stays in its source. */
START_TEST(test_per_source)
{
	ck_assert_int_eq(load(A, "1.1.1.0/24 :2:a-list\n3.3.3.3\n"), 2);
	ck_assert_int_eq(load(B, "1.1.1.1 :3:b-list\n!3.3.3.3\n3.3.3.0/24 :4\n"),
	    3);
	ck_assert_int_eq(load(C, "0.0.0.0/0 :9:everything\n!1.1.1.0/24\n"), 2);
	ck_assert_str_eq(look("1.1.1.1"),
	    "a 127.0.0.2 \"a-list\"; b 127.0.0.3 \"b-list\"");
	ck_assert_str_eq(look("1.1.1.2"), "a 127.0.0.2 \"a-list\"");
	ck_assert_str_eq(look("3.3.3.3"),
	    "a 127.0.0.2 -; c 127.0.0.9 \"everything\"");
	ck_assert_str_eq(look("3.3.3.4"),
	    "b 127.0.0.4 -; c 127.0.0.9 \"everything\"");
	ck_assert_str_eq(look("200.1.2.3"), "c 127.0.0.9 \"everything\"");
	/* Asking for fewer sources gives only theirs. */
	{
		struct store_hit hits[1];
		struct prefix p = pfx("1.1.1.1");
		int ids[1] = { B };

		ck_assert_int_eq(store_reader_begin(rd), 0);
		ck_assert_int_eq(store_lookup(rd, 4, p.addr, ids, 1,
		    (uint32_t)time(NULL), hits), 0);
		ck_assert(hits[0].listed);
		ck_assert_uint_eq(hits[0].a, 0x7f000003u);
		store_reader_end(rd);
	}
}
END_TEST

START_TEST(test_ipv6)
{
	ck_assert_int_eq(load(A,
	    "2001:db8::/32 :6:v6\n"
	    "2001:db8:1::/48 :7\n"
	    "!2001:db8:2::/48\n"
	    "2001:db8:2:3::/64 :8:deep\n"
	    "::/0 :9:all\n"
	    "2001:db8::1 :5:host\n"
	    "1.2.3.4 :4:four\n"), 7);
	ck_assert_str_eq(look("2001:db8::1"), "a 127.0.0.5 \"host\"");
	ck_assert_str_eq(look("2001:db8::2"), "a 127.0.0.6 \"v6\"");
	ck_assert_str_eq(look("2001:db8:1:ffff::1"), "a 127.0.0.7 -");
	ck_assert_str_eq(look("2001:db8:2::1"), "");
	ck_assert_str_eq(look("2001:db8:2:3::1"), "a 127.0.0.8 \"deep\"");
	ck_assert_str_eq(look("2001:db9::1"), "a 127.0.0.9 \"all\"");
	/* The families never mix. */
	ck_assert_str_eq(look("::ffff:1.2.3.4"), "a 127.0.0.9 \"all\"");
	ck_assert_str_eq(look("1.2.3.4"), "a 127.0.0.4 \"four\"");
	ck_assert_str_eq(look("1.2.3.5"), "");
}
END_TEST

/* ---- replacing a file's entries ---- */

START_TEST(test_replace_counts_difference)
{
	uint32_t s1 = store_serial(st, 0), s2 = store_serial(st, 1);

	ck_assert_uint_ne(s1, 0);
	ck_assert_int_eq(load(A, "1.1.1.1 :2:x\n2.2.2.2\n3.3.3.0/24\n"), 3);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 1);
	ck_assert_uint_eq(store_serial(st, 1), s2);	/* z2 does not hold a */
	ck_assert_int_eq(count(A), 3);

	/* The same content: nothing changed, no new serial. */
	ck_assert_int_eq(load(A, "1.1.1.1 :2:x\n2.2.2.2\n3.3.3.0/24\n"), 0);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 1);
	/* Other order, comments, duplicates after the first: the same. */
	ck_assert_int_eq(load(A, "# c\n3.3.3.0/24\n2.2.2.2\n1.1.1.1 :2:x\n"
	    "1.1.1.1 :9:later\n"), 0);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 1);

	/* One changed value, one gone, one new: 3 changes, one serial. */
	ck_assert_int_eq(load(A, "1.1.1.1 :3:x\n2.2.2.2\n4.4.4.4\n"), 3);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 2);
	ck_assert_str_eq(look("1.1.1.1"), "a 127.0.0.3 \"x\"");
	ck_assert_str_eq(look("3.3.3.3"), "");
	ck_assert_str_eq(look("4.4.4.4"), "a 127.0.0.2 -");

	/* Only the TXT changes. */
	ck_assert_int_eq(load(A, "1.1.1.1 :3:y\n2.2.2.2\n4.4.4.4\n"), 1);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 3);
	/* Listing becomes exclusion. */
	ck_assert_int_eq(load(A, "1.1.1.1 :3:y\n!2.2.2.2\n4.4.4.4\n"), 1);
	ck_assert_str_eq(look("2.2.2.2"), "");
	ck_assert_uint_eq(store_serial(st, 0), s1 + 4);

	/* Source b is in both zones. */
	ck_assert_int_eq(load(B, "9.9.9.9\n"), 1);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 5);
	ck_assert_uint_eq(store_serial(st, 1), s2 + 1);

	/* An empty file removes them all. */
	ck_assert_int_eq(load(A, ""), 3);
	ck_assert_int_eq(count(A), 0);
	ck_assert_int_eq(count(B), 1);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 6);
	ck_assert_int_eq(load(A, ""), 0);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 6);
}
END_TEST

/* A list is merged with the stored keys of other sources between its
 * own: each new key is written where it sorts, whatever lies around it. */
START_TEST(test_replace_among_other_sources)
{
	char *big;
	size_t len = 0;

	ck_assert_int_eq(load(A, "1.1.1.1\n2.2.2.2\n3.3.3.3\n"), 3);
	add(B, "2.2.2.2", false, 0x7f000009u, NULL, 0, ORIGIN_CLI);
	ck_assert_int_eq(load(B,
	    "1.1.1.1 :5\n2.2.2.2 :6\n3.3.3.3 :7\n4.4.4.4 :8\n"), 3);
	ck_assert_str_eq(look("2.2.2.2"), "a 127.0.0.2 -; b 127.0.0.9 -");
	ck_assert_str_eq(look("4.4.4.4"), "b 127.0.0.8 -");
	ck_assert_int_eq(load(B, "0.0.0.1\n3.3.3.3 :7\n"), 3);
	ck_assert_str_eq(look("1.1.1.1"), "a 127.0.0.2 -");
	ck_assert_str_eq(look("2.2.2.2"), "a 127.0.0.2 -; b 127.0.0.9 -");
	ck_assert_str_eq(look("0.0.0.1"), "b 127.0.0.2 -");
	ck_assert_str_eq(look("4.4.4.4"), "");
	ck_assert_int_eq(count(A), 3);
	ck_assert_int_eq(count(B), 3);

	/* The first load of a list beside a large one, interleaved with it
	 * (one pass: it once walked the rest of the database per new key). */
	ck_assert_ptr_nonnull(big = malloc(30000 * 16));
	for (int i = 0; i < 30000; i++)
		len += (size_t)sprintf(big + len, "10.%d.%d.%d\n", i >> 16,
		    i >> 8 & 255, i & 255);
	ck_assert_int_eq(load(C, big), 30000);
	ck_assert_int_eq(load(A, big), 30000 + 3);
	free(big);
	ck_assert_int_eq(count(A), 30000);
}
END_TEST

/*
 * What a file says besides its entries ($TTL, and $SOA and $NS for a zone
 * without its own) is in the zone's answers: changing it is a change of
 * the zone, which secondaries only see through a new serial.
 */
START_TEST(test_replace_meta_change_moves_serial)
{
	uint32_t s;

	ck_assert_int_eq(load(A, "$TTL 100\n1.2.3.4\n"), 1);
	s = store_serial(st, 0);
	ck_assert_int_eq(load(A, "$TTL 100\n1.2.3.4\n"), 0);
	ck_assert_uint_eq(store_serial(st, 0), s);
	ck_assert_int_eq(load(A, "$TTL 200\n1.2.3.4\n"), 0);
	ck_assert_uint_eq(store_serial(st, 0), s + 1);
	ck_assert_int_eq(load(A, "$TTL 200\n$NS 0 ns.z.test\n1.2.3.4\n"), 0);
	ck_assert_uint_eq(store_serial(st, 0), s + 2);
	ck_assert_int_eq(load(A, "$TTL 200\n$NS 0 ns.z.test\n1.2.3.4\n"), 0);
	ck_assert_uint_eq(store_serial(st, 0), s + 2);
}
END_TEST

START_TEST(test_reader_serial)
{
	uint32_t s;

	ck_assert_int_eq(store_reader_begin(rd), 0);
	s = store_reader_serial(rd, 0);
	store_reader_end(rd);
	ck_assert_uint_eq(s, store_serial(st, 0));
	ck_assert_int_eq(load(A, "1.2.3.4\n"), 1);
	ck_assert_int_eq(store_reader_begin(rd), 0);
	ck_assert_uint_eq(store_reader_serial(rd, 0), s + 1);
	ck_assert_uint_eq(store_reader_serial(rd, 7), 0);
	store_reader_end(rd);
	/* A snapshot keeps its view while a write commits. */
	ck_assert_int_eq(store_reader_begin(rd), 0);
	add(A, "5.6.7.8", false, DEF_A, NULL, 0, ORIGIN_CLI);
	{
		struct store_hit h[1];
		struct prefix p = pfx("5.6.7.8");
		int ids[1] = { A };

		ck_assert_int_eq(store_lookup(rd, 4, p.addr, ids, 1,
		    (uint32_t)time(NULL), h), 0);
		ck_assert(!h[0].listed);
		ck_assert_uint_eq(store_reader_serial(rd, 0), s + 1);
	}
	store_reader_end(rd);
	ck_assert_str_eq(look("5.6.7.8"), "a 127.0.0.2 -");
}
END_TEST

/* Entries added by hand stay through file reloads and outrank the file. */
/*
 * Zones set again, in another order, fewer or more: each keeps its slot,
 * so a view built before (which holds the old slots) still reads its own
 * zones' serials, even from a reader idle since before and a table
 * allocated where a freed one was.
 */
static void
set_zones(int n, const char *const *names, int *slots)
{
	int nsrc[MAX_ZONES + 1], z1[3] = { A, B, C };
	const int *ids[MAX_ZONES + 1];

	for (int i = 0; i < n; i++) {
		nsrc[i] = strcmp(names[i], "z2.test") == 0 ? 1 : 3;
		ids[i] = strcmp(names[i], "z2.test") == 0 ? &z1[1] : z1;
	}
	ck_assert_int_eq(store_set_zones(st, n, (const char **)names, nsrc,
	    ids, slots), 0);
}

START_TEST(test_reader_serial_zones_reordered)
{
	static const char *const order[] = { "z1.test", "z2.test" };
	static const char *const swapped[] = { "z2.test", "z1.test" };
	static const char *const z2_z3[] = { "z2.test", "z3.test" };
	const char *many[MAX_ZONES];
	char names[MAX_ZONES][16];
	int slots[MAX_ZONES];
	uint32_t s1, s2;

	add(A, "1.2.3.4", false, DEF_A, NULL, 0, ORIGIN_CLI);
	s1 = store_serial(st, 0);	/* z1.test */
	s2 = store_serial(st, 1);	/* z2.test */
	ck_assert_uint_ne(s1, s2);
	ck_assert_int_eq(store_reader_begin(rd), 0);
	ck_assert_uint_eq(store_reader_serial(rd, 0), s1);
	store_reader_end(rd);
	for (int i = 0; i < 6; i++) {
		/* Three sets between two reads: the table the reader read
		 * last is freed, and the allocator is likely to hand its
		 * memory out again for the third. */
		set_zones(2, i % 2 ? order : swapped, slots);
		set_zones(2, i % 2 ? swapped : order, slots);
		set_zones(2, i % 2 ? order : swapped, slots);
		ck_assert_int_eq(slots[0], i % 2 ? 0 : 1);
		ck_assert_int_eq(slots[1], i % 2 ? 1 : 0);
		ck_assert_int_eq(store_reader_begin(rd), 0);
		ck_assert_uint_eq(store_reader_serial(rd, 0), s1);
		ck_assert_uint_eq(store_reader_serial(rd, 1), s2);
		store_reader_end(rd);
	}

	/* z1.test leaves and z3.test comes: a slot never used, and z1's
	 * serial is still there for a view that serves it meanwhile. */
	set_zones(2, z2_z3, slots);
	ck_assert_int_eq(slots[0], 1);
	ck_assert_int_eq(slots[1], 2);
	ck_assert_uint_eq(store_serial(st, 0), s1);
	/* A's change moves z3.test (and not z1.test any more). */
	s2 = store_serial(st, 2);
	add(A, "1.2.3.5", false, DEF_A, NULL, 0, ORIGIN_CLI);
	ck_assert_uint_eq(store_serial(st, 0), s1);
	ck_assert_uint_eq(store_serial(st, 2), s2 + 1);

	/* Once every slot has been used, a zone gone takes a new one's. */
	for (int i = 0; i < MAX_ZONES; i++) {
		snprintf(names[i], sizeof(names[i]), "m%d.test", i);
		many[i] = names[i];
	}
	many[0] = "z2.test";
	set_zones(MAX_ZONES, many, slots);
	ck_assert_int_eq(slots[0], 1);
	for (int i = 1; i < MAX_ZONES; i++) {
		ck_assert_int_ge(slots[i], 0);
		ck_assert_int_lt(slots[i], MAX_ZONES);
		for (int j = 0; j < i; j++)
			ck_assert_int_ne(slots[i], slots[j]);
	}
}
END_TEST

START_TEST(test_hand_entries_survive_reload)
{
	struct prefix fp = pfx("5.5.5.6");

	ck_assert_int_eq(load(A, "5.5.5.6 :52\n"), 1);
	/* A file's entry is not replaced by hand: it is changed there. */
	ck_assert_int_eq(store_add(st, A, &fp, false, 0x7f000035u, NULL, 0,
	    NULL, ORIGIN_CLI, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "a data file or a feed lists this prefix in "
	    "this source; change it there");
	ck_assert_str_eq(look("5.5.5.6"), "a 127.0.0.52 -");
	/* A hand-made entry the file lists later stays as it was made. */
	add(A, "5.5.5.5", false, 0x7f000033u, "cli", 0, ORIGIN_CLI);
	ck_assert_str_eq(look("5.5.5.5"), "a 127.0.0.51 \"cli\"");
	ck_assert_int_eq(load(A, "5.5.5.5 :50:file\n5.5.5.6 :52\n"), 0);
	ck_assert_str_eq(look("5.5.5.5"), "a 127.0.0.51 \"cli\"");
	/* The file drops it: the hand-made entry stays. */
	ck_assert_int_eq(load(A, "5.5.5.6 :52\n"), 0);
	ck_assert_str_eq(look("5.5.5.5"), "a 127.0.0.51 \"cli\"");

	/* A hand-made entry added first, the file lists the key later. */
	add(A, "6.6.6.0/24", false, 0x7f000040u, "hand", 0, ORIGIN_API);
	ck_assert_int_eq(load(A, "5.5.5.6 :52\n6.6.6.0/24 :60:file\n"), 0);
	ck_assert_str_eq(look("6.6.6.1"), "a 127.0.0.64 \"hand\"");
	/* A hand-made key between new file keys. */
	add(A, "9.9.9.9", false, 0x7f000063u, NULL, 0, ORIGIN_CLI);
	ck_assert_int_eq(load(A, "5.5.5.6 :52\n6.6.6.0/24 :60:file\n"
	    "8.8.8.8\n9.9.9.9 :98\n9.9.9.10\n"), 2);
	ck_assert_str_eq(look("9.9.9.9"), "a 127.0.0.99 -");
	ck_assert_str_eq(look("8.8.8.8"), "a 127.0.0.2 -");
	ck_assert_str_eq(look("9.9.9.10"), "a 127.0.0.2 -");
	/* A hand-made exclusion outranks the file's listing of the key. */
	add(A, "7.7.7.7", true, 0, NULL, 0, ORIGIN_CLI);
	ck_assert_int_eq(load(A, "5.5.5.6 :52\n6.6.6.0/24 :60:file\n"
	    "8.8.8.8\n9.9.9.9 :98\n9.9.9.10\n7.7.7.0/24\n7.7.7.7\n"), 1);
	ck_assert_str_eq(look("7.7.7.7"), "");
	ck_assert_str_eq(look("7.7.7.8"), "a 127.0.0.2 -");
	ck_assert_str_eq(walk(A),
	    "6.6.6.0/24 a 127.0.0.64 hand o3 why\n"
	    "7.7.7.0/24 a 127.0.0.2 - o1\n"
	    "5.5.5.5/32 a 127.0.0.51 cli o2 why\n"
	    "5.5.5.6/32 a 127.0.0.52 - o1\n"
	    "!7.7.7.7/32 a 0.0.0.0 - o2 why\n"
	    "8.8.8.8/32 a 127.0.0.2 - o1\n"
	    "9.9.9.9/32 a 127.0.0.99 - o2 why\n"
	    "9.9.9.10/32 a 127.0.0.2 - o1\n");
	ck_assert_int_eq(count(A), 8);
	/* Once the hand-made entry goes, the file's comes back on reload. */
	{
		struct prefix p = pfx("5.5.5.5");

		ck_assert_int_eq(store_del(st, A, &p, NULL, err, sizeof(err)), 1);
	}
	ck_assert_str_eq(look("5.5.5.5"), "");
	ck_assert_int_eq(load(A, "5.5.5.5 :50:file\n"), 5);
	ck_assert_str_eq(look("5.5.5.5"), "a 127.0.0.50 \"file\"");
	ck_assert_int_eq(count(A), 4);
}
END_TEST

START_TEST(test_add_replaces_same_key)
{
	uint32_t s = store_serial(st, 0);

	add(A, "1.2.3.0/24", false, 0x7f000005u, "one", 0, ORIGIN_CLI);
	ck_assert_uint_eq(store_serial(st, 0), s + 1);
	add(A, "1.2.3.0/24", false, 0x7f000006u, "two", 0, ORIGIN_API);
	ck_assert_uint_eq(store_serial(st, 0), s + 2);
	ck_assert_str_eq(look("1.2.3.9"), "a 127.0.0.6 \"two\"");
	ck_assert_int_eq(count(A), 1);
	/* Bad TXT and reasons are refused. */
	{
		struct prefix p = pfx("1.2.3.4");
		char longtxt[300], longwhy[300];

		memset(longtxt, 't', sizeof(longtxt) - 1);
		longtxt[sizeof(longtxt) - 1] = '\0';
		memset(longwhy, 'w', sizeof(longwhy) - 1);
		longwhy[sizeof(longwhy) - 1] = '\0';
		ck_assert_int_eq(store_add(st, A, &p, false, DEF_A, "", 0, NULL,
		    ORIGIN_CLI, err, sizeof(err)), -1);
		ck_assert_int_eq(store_add(st, A, &p, false, DEF_A, longtxt, 0,
		    NULL, ORIGIN_CLI, err, sizeof(err)), -1);
		ck_assert_int_eq(store_add(st, A, &p, false, DEF_A, NULL, 0,
		    longwhy, ORIGIN_CLI, err, sizeof(err)), -1);
		/* A newline would start a line of its own in an export. */
		ck_assert_int_eq(store_add(st, A, &p, false, DEF_A,
		    "x\n1.2.3.0/24 :9:injected", 0, NULL, ORIGIN_CLI, err,
		    sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "control characters"));
		ck_assert_int_eq(store_add(st, A, &p, false, DEF_A, NULL, 0,
		    "a\tb", ORIGIN_CLI, err, sizeof(err)), -1);
		longtxt[RBL_TXT_MAX] = '\0';
		ck_assert_int_eq(store_add(st, A, &p, false, DEF_A, longtxt, 0,
		    NULL, ORIGIN_CLI, err, sizeof(err)), 0);
	}
	ck_assert_int_eq(count(A), 2);
	ck_assert_uint_eq(store_serial(st, 0), s + 3);
}
END_TEST

START_TEST(test_del)
{
	struct prefix p = pfx("1.2.3.4"), q = pfx("1.2.3.0/24");
	uint32_t s1 = store_serial(st, 0), s2 = store_serial(st, 1);

	add(A, "1.2.3.4", false, DEF_A, NULL, 0, ORIGIN_CLI);
	add(B, "1.2.3.4", false, 0x7f000003u, NULL, 0, ORIGIN_CLI);
	add(C, "1.2.3.4", false, 0x7f000004u, NULL, 0, ORIGIN_CLI);
	add(A, "1.2.3.0/24", false, 0x7f000009u, NULL, 0, ORIGIN_CLI);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 4);
	ck_assert_uint_eq(store_serial(st, 1), s2 + 1);

	/* One source. */
	ck_assert_int_eq(store_del(st, A, &p, NULL, err, sizeof(err)), 1);
	ck_assert_str_eq(look("1.2.3.4"),
	    "a 127.0.0.9 -; b 127.0.0.3 -; c 127.0.0.4 -");
	ck_assert_int_eq(store_del(st, A, &p, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 5);
	ck_assert_uint_eq(store_serial(st, 1), s2 + 1);
	/* Every source; the /24 is another key. */
	ck_assert_int_eq(store_del(st, -1, &p, NULL, err, sizeof(err)), 2);
	ck_assert_str_eq(look("1.2.3.4"), "a 127.0.0.9 -");
	ck_assert_uint_eq(store_serial(st, 0), s1 + 6);
	ck_assert_uint_eq(store_serial(st, 1), s2 + 2);
	ck_assert_int_eq(store_del(st, -1, &p, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(store_serial(st, 0), s1 + 6);
	ck_assert_int_eq(store_del(st, -1, &q, NULL, err, sizeof(err)), 1);
	ck_assert_str_eq(look("1.2.3.4"), "");
	ck_assert_int_eq(count(A), 0);
	ck_assert_int_eq(count(B), 0);
	ck_assert_int_eq(count(C), 0);

	/* A file entry is not deleted by hand (see the next test). */
	ck_assert_int_eq(load(B, "5.5.5.5\n6.6.6.6\n"), 2);
	p = pfx("5.5.5.5");
	ck_assert_int_eq(store_del(st, -1, &p, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(look("5.5.5.5"), "b 127.0.0.2 -");
	/* IPv6 keys. */
	add(C, "2001:db8::/32", false, DEF_A, NULL, 0, ORIGIN_CLI);
	p = pfx("2001:db8::/32");
	ck_assert_int_eq(store_del(st, C, &p, NULL, err, sizeof(err)), 1);
	ck_assert_str_eq(look("2001:db8::1"), "");
}
END_TEST

START_TEST(test_expiry)
{
	uint32_t now = (uint32_t)time(NULL), s;

	ck_assert_int_eq(load(A, "1.2.3.0/24 :24:file\n"), 1);
	add(A, "1.2.3.4", false, 0x7f000020u, "gone", now - 10, ORIGIN_REPORT);
	add(A, "1.2.3.5", false, 0x7f000021u, "soon", now + 100, ORIGIN_REPORT);
	add(A, "1.2.3.6", true, 0, NULL, now - 1, ORIGIN_CLI);
	add(B, "9.9.9.9", false, 0x7f000022u, NULL, now + 50, ORIGIN_REPORT);
	/* Expired: as if absent, so the covering /24 answers. */
	ck_assert_str_eq(look_at("1.2.3.4", now), "a 127.0.0.24 \"file\"");
	ck_assert_str_eq(look_at("1.2.3.6", now), "a 127.0.0.24 \"file\"");
	ck_assert_str_eq(look_at("1.2.3.5", now), "a 127.0.0.33 \"soon\"");
	ck_assert_str_eq(look_at("1.2.3.5", now + 99), "a 127.0.0.33 \"soon\"");
	ck_assert_str_eq(look_at("1.2.3.5", now + 100), "a 127.0.0.24 \"file\"");
	ck_assert_str_eq(look_at("9.9.9.9", now + 49), "b 127.0.0.34 -");
	ck_assert_str_eq(look_at("9.9.9.9", now + 50), "");
	/* Still stored until store_expire. */
	ck_assert_int_eq(count(A), 4);

	s = store_serial(st, 0);
	ck_assert_int_eq(store_expire(st, now), 2);
	ck_assert_uint_eq(store_serial(st, 0), s + 1);
	ck_assert_int_eq(count(A), 2);
	ck_assert_int_eq(store_expire(st, now), 0);
	ck_assert_uint_eq(store_serial(st, 0), s + 1);
	ck_assert_int_eq(store_expire(st, now + 1000), 2);
	ck_assert_int_eq(count(A), 1);
	ck_assert_int_eq(count(B), 0);
	ck_assert_str_eq(look_at("1.2.3.5", now), "a 127.0.0.24 \"file\"");
}
END_TEST

START_TEST(test_import)
{
	struct rbl_data d;
	uint32_t s2 = store_serial(st, 1);

	build(&d, "1.1.1.1 :5:imp\n2.2.2.0/24\n!3.3.3.3\n1.1.1.1 :6:dup\n");
	ck_assert_int_eq(store_import(st, B, &d, ORIGIN_API, err, sizeof(err)),
	    3);
	ck_assert_int_eq(store_import(st, B, &d, ORIGIN_API, err, sizeof(err)),
	    0);
	rbldnsd_free(&d);
	ck_assert_uint_eq(store_serial(st, 1), s2 + 1);
	ck_assert_str_eq(look("1.1.1.1"), "b 127.0.0.5 \"imp\"");
	ck_assert_int_eq(count(B), 3);

	build(&d, "1.1.1.1 :7:changed\n4.4.4.4\n");
	ck_assert_int_eq(store_import(st, B, &d, ORIGIN_API, err, sizeof(err)),
	    2);
	rbldnsd_free(&d);
	ck_assert_str_eq(look("1.1.1.1"), "b 127.0.0.7 \"changed\"");
	ck_assert_int_eq(count(B), 4);
	ck_assert_uint_eq(store_serial(st, 1), s2 + 2);

	/* Imported entries are not the file's: a reload keeps them. */
	ck_assert_int_eq(load(B, ""), 0);
	ck_assert_int_eq(count(B), 4);
	ck_assert_str_eq(look("2.2.2.2"), "b 127.0.0.2 -");
	ck_assert_str_eq(walk(B),
	    "2.2.2.0/24 b 127.0.0.2 - o3\n"
	    "1.1.1.1/32 b 127.0.0.7 changed o3\n"
	    "!3.3.3.3/32 b 0.0.0.0 - o3\n"
	    "4.4.4.4/32 b 127.0.0.2 - o3\n");

	/* A prefix the source's file lists stays the file's. */
	ck_assert_int_eq(load(B, "5.5.5.5 :50:file\n"), 1);
	build(&d, "5.5.5.5 :8:imported\n6.6.6.6\n");
	ck_assert_int_eq(store_import(st, B, &d, ORIGIN_CLI, err, sizeof(err)),
	    1);
	rbldnsd_free(&d);
	ck_assert_str_eq(look("5.5.5.5"), "b 127.0.0.50 \"file\"");
	ck_assert_str_eq(look("6.6.6.6"), "b 127.0.0.2 -");
}
END_TEST

/* ---- IPv4-mapped prefixes ---- */

/* A list's ::ffff:a.b.c.d is the entry a.b.c.d, and is found as it. */
START_TEST(test_mapped_replace)
{
	struct rbl_data d;
	struct store_srcmeta m;

	ck_assert_int_eq(load(A,
	    "::ffff:192.0.2.1 :5:mapped\n"
	    "::ffff:198.51.100.0/120 :6\n"
	    "!::ffff:198.51.100.128/121\n"
	    "2001:db8::1 :7\n"), 4);
	ck_assert_str_eq(look("192.0.2.1"), "a 127.0.0.5 \"mapped\"");
	ck_assert_str_eq(look("198.51.100.7"), "a 127.0.0.6 -");
	ck_assert_str_eq(look("198.51.100.200"), "");
	ck_assert_str_eq(look("2001:db8::1"), "a 127.0.0.7 -");
	/* Nothing is left in the IPv6 data under ::ffff:0:0/96. */
	ck_assert_str_eq(look("::ffff:192.0.2.1"), "");
	ck_assert_str_eq(walk(A),
	    "198.51.100.0/24 a 127.0.0.6 - o1\n"
	    "!198.51.100.128/25 a 0.0.0.0 - o1\n"
	    "192.0.2.1/32 a 127.0.0.5 mapped o1\n"
	    "2001:db8::1/128 a 127.0.0.7 - o1\n");
	/* The difference is taken in the kept form: the same list, or its
	 * IPv4 spelling, changes nothing; dropping a line deletes it. */
	ck_assert_int_eq(load(A,
	    "::ffff:192.0.2.1 :5:mapped\n"
	    "::ffff:198.51.100.0/120 :6\n"
	    "!::ffff:198.51.100.128/121\n"
	    "2001:db8::1 :7\n"), 0);
	ck_assert_int_eq(load(A,
	    "192.0.2.1 :5:mapped\n"
	    "198.51.100.0/24 :6\n"
	    "!198.51.100.128/25\n"
	    "2001:db8::1 :7\n"), 0);
	ck_assert_int_eq(load(A,
	    "::ffff:192.0.2.1 :5:mapped\n"
	    "2001:db8::1 :7\n"), 2);
	ck_assert_str_eq(look("198.51.100.7"), "");
	ck_assert_int_eq(count(A), 2);

	/* Both spellings in one list: the later is a repeat of the first,
	 * whichever it is, as for any repeated line. */
	ck_assert_int_eq(load(B,
	    "192.0.2.1 :8:four\n"
	    "::ffff:192.0.2.1 :9:mapped\n"
	    "::ffff:192.0.2.2 :10:mapped\n"
	    "192.0.2.2 :11:four\n"), 2);
	ck_assert_str_eq(look("192.0.2.1"),
	    "a 127.0.0.5 \"mapped\"; b 127.0.0.8 \"four\"");
	ck_assert_str_eq(look("192.0.2.2"), "b 127.0.0.10 \"mapped\"");
	ck_assert_int_eq(count(B), 2);

	/* A feed's list the same way. */
	build(&d, "::ffff:203.0.113.0/120 :12\n");
	meta_of(&d, &m);
	ck_assert_int_eq(store_replace(st, C, ORIGIN_FEED, &d, &m, err,
	    sizeof(err)), 1);
	rbldnsd_free(&d);
	ck_assert_str_eq(look("203.0.113.9"), "c 127.0.0.12 -");
	ck_assert_str_eq(walk(C), "203.0.113.0/24 c 127.0.0.12 - o4\n");
}
END_TEST

/* An import, an add and a delete given the mapped form act on the IPv4
 * entry. */
START_TEST(test_mapped_import_add_del)
{
	struct prefix p = pfx("::ffff:203.0.113.5");
	struct rbl_data d;
	int kept = -1;

	build(&d, "::ffff:203.0.113.5 :9:imp\n::ffff:203.0.113.0/120 :10\n"
	    "203.0.113.5 :11:dup\n");
	ck_assert_int_eq(store_import(st, C, &d, ORIGIN_CLI, err, sizeof(err)),
	    2);
	ck_assert_int_eq(store_import(st, C, &d, ORIGIN_CLI, err, sizeof(err)),
	    0);
	rbldnsd_free(&d);
	ck_assert_str_eq(look("203.0.113.5"), "c 127.0.0.9 \"imp\"");
	ck_assert_str_eq(look("203.0.113.6"), "c 127.0.0.10 -");
	ck_assert_str_eq(walk(C),
	    "203.0.113.0/24 c 127.0.0.10 - o2\n"
	    "203.0.113.5/32 c 127.0.0.9 imp o2\n");

	/* The mapped form deletes the IPv4 entry, in one source or all. */
	ck_assert_int_eq(store_del(st, C, &p, &kept, err, sizeof(err)), 1);
	ck_assert_int_eq(kept, 0);
	ck_assert_str_eq(look("203.0.113.5"), "c 127.0.0.10 -");
	add(A, "::ffff:203.0.113.5", false, 0x7f000014u, NULL, 0, ORIGIN_CLI);
	add(B, "203.0.113.5", false, 0x7f000015u, NULL, 0, ORIGIN_CLI);
	ck_assert_str_eq(walk(A), "203.0.113.5/32 a 127.0.0.20 - o2 why\n");
	/* Adding the mapped form replaces the IPv4 entry, not beside it. */
	add(B, "::ffff:203.0.113.5", false, 0x7f000016u, NULL, 0, ORIGIN_CLI);
	ck_assert_int_eq(count(B), 1);
	ck_assert_str_eq(look("203.0.113.5"),
	    "a 127.0.0.20 -; b 127.0.0.22 -; c 127.0.0.10 -");
	ck_assert_int_eq(store_del(st, -1, &p, NULL, err, sizeof(err)), 2);
	ck_assert_str_eq(look("203.0.113.5"), "c 127.0.0.10 -");
	p = pfx("::ffff:203.0.113.0/120");
	ck_assert_int_eq(store_del(st, C, &p, NULL, err, sizeof(err)), 1);
	ck_assert_str_eq(look("203.0.113.6"), "");
	ck_assert_int_eq(count(A) + count(B) + count(C), 0);

	/* A file's IPv4 entry is the file's for the mapped form too. */
	ck_assert_int_eq(load(A, "198.51.100.1 :30:file\n"), 1);
	p = pfx("::ffff:198.51.100.1");
	ck_assert_int_eq(store_add(st, A, &p, false, DEF_A, NULL, 0, NULL,
	    ORIGIN_CLI, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(store_del(st, A, &p, &kept, err, sizeof(err)), 0);
	ck_assert_int_eq(kept, 1);
	ck_assert_str_eq(look("198.51.100.1"), "a 127.0.0.30 \"file\"");
}
END_TEST

struct mapped_job {
	int	 src;
	int	 n;
	bool	 del;
	bool	 listed;
};

/* A batch's job: add or delete ::ffff:192.0.2.77, then ask for
 * 192.0.2.77. */
static int
mapped_job(struct store_txn *t, void *arg)
{
	struct mapped_job *mj = arg;
	struct prefix p = pfx("::ffff:192.0.2.77"), q = pfx("192.0.2.77");

	if (mj->del) {
		if (store_txn_del(t, mj->src, &p, &mj->n, NULL) != 0)
			return -1;
	} else if (store_txn_add(t, mj->src, &p, false, 0x7f000004u, NULL, 0,
	    NULL, ORIGIN_API) != 0)
		return -1;
	mj->listed = store_txn_listed(t, mj->src, &q, (uint32_t)time(NULL));
	return 0;
}

/* A batch's jobs keep the mapped form as IPv4 too. */
START_TEST(test_mapped_batch)
{
	struct mapped_job mj = { A, 0, false, false };

	ck_assert_msg(store_run(st, mapped_job, &mj, err, sizeof(err)) == 0,
	    "store_run: %s", err);
	ck_assert(mj.listed);
	ck_assert_str_eq(look("192.0.2.77"), "a 127.0.0.4 -");
	ck_assert_str_eq(walk(A), "192.0.2.77/32 a 127.0.0.4 - o3\n");
	mj.del = true;
	ck_assert_msg(store_run(st, mapped_job, &mj, err, sizeof(err)) == 0,
	    "store_run: %s", err);
	ck_assert_int_eq(mj.n, 1);
	ck_assert(!mj.listed);
	ck_assert_str_eq(look("192.0.2.77"), "");
	ck_assert_int_eq(count(A), 0);
}
END_TEST

/* ---- walking and stats ---- */

START_TEST(test_walk_and_covering)
{
	struct walkbuf w = { .n = 0 };
	struct prefix p = pfx("1.2.3.4");
	uint32_t now = (uint32_t)time(NULL);

	ck_assert_int_eq(load(A, "1.2.3.0/24 :5:tpl $\n1.2.3.4\n"
	    "2001:db8::/32\n"), 3);
	add(B, "1.2.3.4", false, 0x7f000003u, "b", now - 5, ORIGIN_REPORT);
	add(C, "0.0.0.0/0", true, 0, NULL, 0, ORIGIN_CLI);
	add(C, "1.2.4.0/24", false, DEF_A, NULL, 0, ORIGIN_CLI);
	ck_assert_str_eq(walk(A),
	    "1.2.3.0/24 a 127.0.0.5 tpl $ o1\n"
	    "1.2.3.4/32 a 127.0.0.2 - o1\n"
	    "2001:db8::/32 a 127.0.0.2 - o1\n");
	/* Key order: family, length, address, source. */
	ck_assert_str_eq(walk(-1),
	    "!0.0.0.0/0 c 0.0.0.0 - o2 why\n"
	    "1.2.3.0/24 a 127.0.0.5 tpl $ o1\n"
	    "1.2.4.0/24 c 127.0.0.2 - o2 why\n"
	    "1.2.3.4/32 a 127.0.0.2 - o1\n"
	    "1.2.3.4/32 b exp 127.0.0.3 b o5 why\n"
	    "2001:db8::/32 a 127.0.0.2 - o1\n");
	/* Longest first, expired ones included. */
	ck_assert_int_eq(store_covering(st, &p, walk_cb, &w), 0);
	ck_assert_str_eq(w.s,
	    "1.2.3.4/32 a 127.0.0.2 - o1\n"
	    "1.2.3.4/32 b exp 127.0.0.3 b o5 why\n"
	    "1.2.3.0/24 a 127.0.0.5 tpl $ o1\n"
	    "!0.0.0.0/0 c 0.0.0.0 - o2 why\n");
	w.n = 0;
	w.s[0] = '\0';
	p = pfx("2001:db8:1::1");
	ck_assert_int_eq(store_covering(st, &p, walk_cb, &w), 0);
	ck_assert_str_eq(w.s, "2001:db8::/32 a 127.0.0.2 - o1\n");
}
END_TEST

static int
stop_cb(void *arg, const struct store_entry *e)
{
	int *n = arg;

	(void)e;
	return ++*n == 2;
}

START_TEST(test_walk_stops)
{
	int n = 0;
	struct prefix p = pfx("1.2.3.4");

	ck_assert_int_eq(load(A, "1.2.3.4\n1.2.3.0/24\n1.2.0.0/16\n1.0.0.0/8\n"),
	    4);
	ck_assert_int_eq(store_walk(st, -1, stop_cb, &n), 0);
	ck_assert_int_eq(n, 2);
	n = 0;
	ck_assert_int_eq(store_covering(st, &p, stop_cb, &n), 0);
	ck_assert_int_eq(n, 2);
}
END_TEST

START_TEST(test_stats)
{
	struct store_stats s0, s1;

	ck_assert_int_eq(store_stats(st, &s0), 0);
	ck_assert_uint_eq(s0.entries, 0);
	ck_assert_uint_ge(s0.map_bytes, MAPSIZE);
	ck_assert_uint_gt(s0.db_bytes, 0);
	ck_assert_uint_le(s0.db_bytes, s0.map_bytes);
	ck_assert_int_eq(load(A, "1.1.1.1\n2.2.2.2\n3.3.3.3\n"), 3);
	ck_assert_int_eq(load(B, "1.1.1.1\n2001:db8::/32\n"), 2);
	add(C, "9.9.9.9", false, DEF_A, NULL, 0, ORIGIN_CLI);
	ck_assert_int_eq(store_stats(st, &s1), 0);
	ck_assert_uint_eq(s1.entries, 6);
	/* six entries, and the first load of each file's metadata */
	ck_assert_uint_eq(s1.changes, s0.changes + 6 + 2);
	ck_assert_int_eq(store_source_count(st, A), 3);
	ck_assert_int_eq(store_source_count(st, B), 2);
	ck_assert_int_eq(store_source_count(st, C), 1);
	ck_assert_int_eq(load(A, "1.1.1.1\n"), 2);
	ck_assert_int_eq(store_stats(st, &s1), 0);
	ck_assert_uint_eq(s1.entries, 4);
	ck_assert_uint_eq(s1.changes, s0.changes + 8 + 2);
	ck_assert_int_eq(store_source_count(st, A), 1);
}
END_TEST

/* ---- the map, persistence, other processes ---- */

struct grow_arg {
	char		*text;
	long		 n;
};

static void *
grow_thread(void *arg)
{
	struct grow_arg *ga = arg;
	struct store_srcmeta m;
	struct rbl_data d;
	char e[256];

	build(&d, ga->text);
	meta_of(&d, &m);
	ga->n = store_replace_file(st, B, &d, &m, e, sizeof(e));
	rbldnsd_free(&d);
	return NULL;
}

/*
 * A walk inside a snapshot while a write waits to grow the map (for every
 * snapshot to end) goes on: it reads in the snapshot it is given, and the
 * write goes on once that snapshot ends. A walk that took a transaction
 * of its own here would wait for the growth, and the growth for it.
 */
START_TEST(test_reader_walk_during_growth)
{
	struct store_reader *r;
	struct grow_arg ga;
	pthread_t t;
	char *p;
	long n = 0;

	close_store();
	rm_rf(dbdir());
	open_store(TINY_MAP);
	ck_assert_int_eq(load(A, "192.0.2.1\n192.0.2.2\n"), 2);
	ck_assert_ptr_nonnull(ga.text = malloc(20000 * 40));
	p = ga.text;
	for (int i = 0; i < 20000; i++)
		p += sprintf(p, "10.%d.%d.0/24 :%d:entry %d\n", i >> 8,
		    i & 255, i % 250 + 1, i);
	ck_assert_ptr_nonnull(r = store_reader_new(st));
	ck_assert_int_eq(store_reader_begin(r), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, grow_thread, &ga), 0);
	usleep(300 * 1000);	/* time for the write to reach the growth */
	ck_assert_int_eq(store_reader_walk(r, A, count_cb, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(store_reader_walk(r, B, count_cb, &n), 0);
	ck_assert_int_eq(n, 2);		/* the write is not in this snapshot */
	store_reader_end(r);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(ga.n, 20000);
	ck_assert_int_eq(count(B), 20000);
	/* Outside a snapshot there is nothing to walk. */
	errno = 0;
	ck_assert_int_eq(store_reader_walk(r, A, count_cb, &n), -1);
	ck_assert_int_eq(errno, EINVAL);
	store_reader_free(r);
	free(ga.text);
}
END_TEST

/*
 * A scan gives the wanted sources' entries of one family in address order,
 * then prefix length, then source (keys sort by length first: the scan
 * merges them), exclusions and expiry times with them, others' never;
 * suspended and resumed in a new snapshot, it goes on where it stopped.
 */
START_TEST(test_scan_order)
{
	static const char *const want[] = {
		"9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/8", "10.1.0.0/16",
		"10.1.2.3", "10.1.2.4/31", "192.0.2.0/24",
	};
	struct store_scan_item it;
	struct store_reader *r;
	struct store_scan *sc;
	int ids[2] = { A, B }, n = 0, lastsrc = 0;
	char buf[IPADDR_STRLEN];

	ck_assert_int_ge(load(A, "10.0.0.0/8\n!10.1.0.0/16\n10.1.2.3\n"
	    "192.0.2.0/24\n2001:db8::/32\n"), 0);
	ck_assert_int_ge(load(B, "10.0.0.0/8\n9.0.0.0/8\n10.1.2.4/31\n"), 0);
	ck_assert_int_ge(load(C, "10.5.5.5\n"), 0);
	ck_assert_ptr_nonnull(r = store_reader_new(st));
	ck_assert_int_eq(store_reader_begin(r), 0);
	ck_assert_ptr_nonnull(sc = store_scan_new(r, 4, ids, 2));
	while (store_scan_next(sc, &it) == 1) {
		ck_assert_int_lt(n, 7);
		ipaddr_format(&it.p, true, buf, sizeof(buf));
		ck_assert_str_eq(buf, want[n]);
		ck_assert(it.src == A || it.src == B);
		ck_assert_int_eq(it.excl, strcmp(buf, "10.1.0.0/16") == 0);
		if (n == 2)	/* the same prefix in both: by source id */
			ck_assert_int_gt(it.src, lastsrc);
		lastsrc = it.src;
		if (n++ == 3) {
			/* A new snapshot in between: the scan goes on. */
			store_scan_suspend(sc);
			store_reader_end(r);
			ck_assert_int_eq(store_reader_begin(r), 0);
			ck_assert_int_eq(store_scan_resume(sc), 0);
		}
	}
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(store_scan_next(sc, &it), 0);
	store_scan_free(sc);
	ck_assert_ptr_nonnull(sc = store_scan_new(r, 6, ids, 2));
	ck_assert_int_eq(store_scan_next(sc, &it), 1);
	ck_assert_int_eq(it.p.len, 32);
	ck_assert_int_eq(store_scan_next(sc, &it), 0);
	store_scan_free(sc);
	store_reader_end(r);
	/* Outside a snapshot there is nothing to scan. */
	errno = 0;
	ck_assert_ptr_null(store_scan_new(r, 4, ids, 2));
	ck_assert_int_eq(errno, EINVAL);
	store_reader_free(r);
}
END_TEST

struct jseen {
	int		 n;
	uint32_t	 from[8], to[8];
};

static int
jstep_cb(void *arg, uint32_t from, uint32_t to, const uint8_t *blob,
    size_t len)
{
	struct jseen *j = arg;

	(void)blob;
	(void)len;
	ck_assert_int_lt(j->n, 8);
	j->from[j->n] = from;
	j->to[j->n++] = to;
	return 0;
}

/* Steps from FROM on in a fresh snapshot: the function's result, *J. */
static int
jsteps(const char *zone, uint32_t from, struct jseen *j)
{
	struct store_reader *r;
	int rc;

	memset(j, 0, sizeof(*j));
	ck_assert_ptr_nonnull(r = store_reader_new(st));
	ck_assert_int_eq(store_reader_begin(r), 0);
	rc = store_reader_journal(r, zone, from, jstep_cb, j);
	store_reader_end(r);
	store_reader_free(r);
	return rc;
}

/*
 * A zone's journal: steps chain from a client's serial to the newest; a
 * step that does not follow the newest starts it over; the bounds on
 * steps and bytes drop the oldest (a step larger than the byte bound
 * empties it); a reset empties it. Journals of two zones stay apart.
 */
START_TEST(test_journal_steps)
{
	struct store_journal_limits lim = { 1 << 20, 3, 86400 };
	struct store_journal_info ji;
	struct jseen j;
	static uint8_t big[4096];

	ck_assert_int_eq(store_journal_append(st, "j.test", 1, 2, "a", 1,
	    &lim), 0);
	ck_assert_int_eq(store_journal_append(st, "j.test", 2, 3, "bb", 2,
	    &lim), 0);
	ck_assert_int_eq(store_journal_append(st, "other.test", 2, 9, "c", 1,
	    &lim), 0);
	ck_assert_int_eq(jsteps("j.test", 1, &j), 0);
	ck_assert_int_eq(j.n, 2);
	ck_assert_uint_eq(j.from[1], 2);
	ck_assert_uint_eq(j.to[1], 3);
	ck_assert_int_eq(jsteps("j.test", 2, &j), 0);
	ck_assert_int_eq(j.n, 1);
	ck_assert_int_eq(jsteps("j.test", 5, &j), ENOENT);
	ck_assert_int_eq(jsteps("other.test", 2, &j), 0);
	ck_assert_int_eq(j.n, 1);
	ck_assert_int_eq(store_journal_info(st, "j.test", &ji), 0);
	ck_assert_uint_eq(ji.steps, 2);
	ck_assert_uint_eq(ji.oldest, 1);
	ck_assert_uint_eq(ji.newest, 3);

	/* More steps than the bound: the oldest go. */
	ck_assert_int_eq(store_journal_append(st, "j.test", 3, 4, "d", 1,
	    &lim), 0);
	ck_assert_int_eq(store_journal_append(st, "j.test", 4, 5, "e", 1,
	    &lim), 0);
	ck_assert_int_eq(store_journal_info(st, "j.test", &ji), 0);
	ck_assert_uint_eq(ji.steps, 3);
	ck_assert_uint_eq(ji.oldest, 2);
	ck_assert_int_eq(jsteps("j.test", 1, &j), ENOENT);
	ck_assert_int_eq(jsteps("j.test", 2, &j), 0);
	ck_assert_int_eq(j.n, 3);

	/* A step that does not follow the newest: a new start. */
	ck_assert_int_eq(store_journal_append(st, "j.test", 7, 8, "f", 1,
	    &lim), 0);
	ck_assert_int_eq(jsteps("j.test", 4, &j), ENOENT);
	ck_assert_int_eq(jsteps("j.test", 7, &j), 0);
	ck_assert_int_eq(j.n, 1);

	/* Beyond the byte bound, even the newest step goes. */
	lim.bytes = 1000;
	ck_assert_int_eq(store_journal_append(st, "j.test", 8, 9, big,
	    sizeof(big), &lim), 0);
	ck_assert_int_eq(store_journal_info(st, "j.test", &ji), 0);
	ck_assert_uint_eq(ji.steps, 0);

	/* A reset empties one zone's journal only. */
	ck_assert_int_eq(store_journal_append(st, "j.test", 9, 10, "g", 1,
	    &lim), 0);
	ck_assert_int_eq(store_journal_append(st, "j.test", 0, 10, NULL, 0,
	    NULL), 0);
	ck_assert_int_eq(store_journal_info(st, "j.test", &ji), 0);
	ck_assert_uint_eq(ji.steps, 0);
	ck_assert_int_eq(jsteps("other.test", 2, &j), 0);
	ck_assert_int_eq(j.n, 1);
}
END_TEST

/* The regions a prefix touches: its first octet or nibble, or several
 * when it is shorter than one. */
START_TEST(test_dirty_regions)
{
	struct store_dirty d;
	uint8_t a4[4] = { 10, 1, 0, 0 }, a8[4] = { 8, 0, 0, 0 };
	uint8_t a6[16] = { 0x20, 0x01 };

	memset(&d, 0, sizeof(d));
	ck_assert(!store_dirty_any(&d));
	store_dirty_mark(&d, 4, 16, a4);
	ck_assert(d.v4[10 / 8] & 1u << (10 % 8));
	ck_assert(store_dirty_any(&d));
	store_dirty_mark(&d, 4, 6, a8);	/* 8.0.0.0/6: 8 to 11 */
	for (int o = 8; o < 12; o++)
		ck_assert(d.v4[o / 8] & 1u << (o % 8));
	ck_assert(!(d.v4[12 / 8] & 1u << (12 % 8)));
	store_dirty_mark(&d, 6, 32, a6);
	ck_assert_uint_eq(d.v6[0], 1u << 2);
	ck_assert_uint_eq(d.v6[1], 0);
}
END_TEST

START_TEST(test_map_growth)
{
	struct store_stats s;
	char *text, *p;
	int i;

	close_store();
	rm_rf(dbdir());
	open_store(TINY_MAP);
	ck_assert_int_eq(store_stats(st, &s), 0);
	ck_assert_uint_lt(s.map_bytes, 1u << 20);
	/* 20000 entries need megabytes: the map must grow, the write succeed. */
	ck_assert_ptr_nonnull(text = malloc(20000 * 40));
	for (i = 0, p = text; i < 20000; i++)
		p += sprintf(p, "10.%d.%d.0/24 :%d:entry %d\n", i >> 8,
		    i & 255, i % 250 + 1, i);
	ck_assert_int_eq(load(A, text), 20000);
	free(text);
	ck_assert_int_eq(store_stats(st, &s), 0);
	ck_assert_uint_eq(s.entries, 20000);
	ck_assert_uint_gt(s.map_bytes, 1u << 20);
	ck_assert_str_eq(look("10.78.31.200"), "a 127.0.0.250 \"entry 19999\"");
	/* Single writes after growing still work, and grow again. */
	for (i = 0; i < 300; i++) {
		char pf[32], txt[300];

		snprintf(pf, sizeof(pf), "11.0.%d.%d", i >> 8, i & 255);
		snprintf(txt, sizeof(txt), "%0250d", i);
		add(B, pf, false, DEF_A, txt, 0, ORIGIN_CLI);
	}
	ck_assert_int_eq(count(B), 300);
	ck_assert_int_eq(count(A), 20000);
}
END_TEST

START_TEST(test_reopen_persists)
{
	uint32_t s;
	int a = A, b = B, c = C;
	struct store_srcmeta m;

	ck_assert_int_eq(load(A, "$TTL 123\n1.2.3.0/24 :7:kept $\n"), 1);
	add(B, "2001:db8::/32", false, 0x7f000008u, "six", 0, ORIGIN_API);
	s = store_serial(st, 0);
	close_store();
	open_store(TINY_MAP);
	/* Same ids, same serial, same entries. */
	ck_assert_int_eq(A, a);
	ck_assert_int_eq(B, b);
	ck_assert_int_eq(C, c);
	ck_assert_uint_eq(store_serial(st, 0), s);
	ck_assert_str_eq(look("1.2.3.4"), "a 127.0.0.7 \"kept $\"");
	ck_assert_str_eq(look("2001:db8::5"), "b 127.0.0.8 \"six\"");
	ck_assert_int_eq(store_source_meta(st, A, &m), 0);
	ck_assert_uint_eq(m.ttl, 123);
	ck_assert_int_eq(count(A), 1);
	/* An unchanged reload after reopening changes nothing. */
	ck_assert_int_eq(load(A, "$TTL 123\n1.2.3.0/24 :7:kept $\n"), 0);
	ck_assert_uint_eq(store_serial(st, 0), s);
}
END_TEST

START_TEST(test_readonly)
{
	struct store *ro;
	struct store_reader *r;
	struct store_hit h[1];
	struct prefix p = pfx("1.2.3.4");
	int ids[1];

	ck_assert_int_eq(load(A, "1.2.3.4 :9\n"), 1);
	/* LMDB allows one environment per process: close ours first. */
	close_store();
	ro = store_open(dbdir(), MAPSIZE, true, err, sizeof(err));
	ck_assert_msg(ro != NULL, "%s", err);
	ids[0] = store_source_id(ro, "a", false);
	ck_assert_int_gt(ids[0], 0);
	ck_assert_int_eq(store_source_id(ro, "new", true), -1);
	ck_assert_int_eq(store_add(ro, ids[0], &p, false, DEF_A, NULL, 0, NULL,
	    ORIGIN_CLI, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(r = store_reader_new(ro));
	ck_assert_int_eq(store_reader_begin(r), 0);
	ck_assert_int_eq(store_lookup(r, 4, p.addr, ids, 1,
	    (uint32_t)time(NULL), h), 0);
	ck_assert(h[0].listed);
	ck_assert_uint_eq(h[0].a, 0x7f000009u);
	store_reader_end(r);
	store_reader_free(r);
	store_close(ro);

	/* A read-only open of nothing fails with a message. */
	err[0] = '\0';
	ck_assert_ptr_null(store_open(tmpdir, MAPSIZE, true, err, sizeof(err)));
	ck_assert_str_ne(err, "");
}
END_TEST

/* The database folder is created with its missing parents. */
START_TEST(test_open_creates_parents)
{
	char deep[PATH_MAX];
	struct store *s2;
	struct stat sb;

	snprintf(deep, sizeof(deep), "%s/a/b/db", tmpdir);
	ck_assert_ptr_nonnull(s2 = store_open(deep, MAPSIZE, false, err,
	    sizeof(err)));
	store_close(s2);
	ck_assert_int_eq(stat(deep, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
}
END_TEST

/*
 * LMDB is safe for several processes, not for two environments of one
 * process: a child process opens its own and writes, the parent's reader
 * sees it. The child writes enough to grow the map past the parent's.
 */
START_TEST(test_other_process)
{
	struct store_stats s;
	pid_t pid;
	int status;

	close_store();
	rm_rf(dbdir());
	open_store(TINY_MAP);
	ck_assert_int_eq(load(A, "1.1.1.1\n"), 1);
	ck_assert_str_eq(look("2.2.2.2"), "");
	ck_assert_int_eq(store_stats(st, &s), 0);
	ck_assert_uint_lt(s.map_bytes, 1u << 20);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store *cs;
		struct rbl_data d;
		struct prefix p;
		char e[256], *text, *t;
		int a;

		cs = store_open(dbdir(), TINY_MAP, false, e, sizeof(e));
		if (cs == NULL || (a = store_source_id(cs, "a", false)) <= 0)
			_exit(2);
		ipaddr_parse_prefix("2.2.2.2", &p, NULL, 0);
		if (store_add(cs, a, &p, false, 0x7f00000bu, "from child", 0,
		    NULL, ORIGIN_CLI, e, sizeof(e)) != 0)
			_exit(3);
		if ((text = malloc(5000 * 32)) == NULL)
			_exit(4);
		t = text;
		for (int i = 0; i < 5000; i++)
			t += sprintf(t, "20.0.%d.%d :5:child %d\n", i >> 8,
			    i & 255, i);
		rbldnsd_init(&d, DEF_A, NULL);
		for (t = strtok(text, "\n"); t != NULL; t = strtok(NULL, "\n"))
			rbldnsd_parse_line(&d, t, "c", 1, NULL, NULL);
		rbldnsd_finish(&d);
		if (store_import(cs, a, &d, ORIGIN_API, e, sizeof(e)) != 5000)
			_exit(5);
		store_close(cs);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);

	/* The parent's reader sees the child's commits, in the grown map. */
	ck_assert_str_eq(look("2.2.2.2"), "a 127.0.0.11 \"from child\"");
	ck_assert_str_eq(look("20.0.19.135"), "a 127.0.0.5 \"child 4999\"");
	ck_assert_str_eq(look("1.1.1.1"), "a 127.0.0.2 -");
	/* And its writer goes on in the grown map. */
	add(A, "3.3.3.3", false, DEF_A, NULL, 0, ORIGIN_CLI);
	ck_assert_str_eq(look("3.3.3.3"), "a 127.0.0.2 -");
	ck_assert_int_eq(count(A), 5003);
	ck_assert_int_eq(store_stats(st, &s), 0);
	ck_assert_uint_gt(s.map_bytes, 4 * TINY_MAP);
}
END_TEST

/* ---- the in-memory index ---- */

static const char *const probes[] = {
	"1.2.3.4", "1.2.3.5", "1.2.3.130", "1.2.3.200", "4.4.4.1", "4.4.4.100",
	"10.10.1.1", "10.10.4.1", "10.10.5.1", "7.7.7.7", "8.8.8.8", "9.9.9.9",
	"2001:db8::1", "2001:db8:2::1", "2001:db8:2:3::1", "2001:db9::1",
	"5.5.5.5", "6.6.6.6", "200.0.0.1",
};
#define NPROBES	(sizeof(probes) / sizeof(probes[0]))

static void
answers(char out[][256], uint32_t now)
{
	for (size_t i = 0; i < NPROBES; i++)
		snprintf(out[i], 256, "%s", look_at(probes[i], now));
}

/* Lookups through the index answer exactly as lookups in LMDB. */
START_TEST(test_index_same_answers)
{
	static char lm[4][NPROBES][256], ix[4][NPROBES][256];
	uint32_t now = (uint32_t)time(NULL);
	/* Expiry boundaries: 5.5.5.5 at +60, 7.7.7.7 at +100. */
	uint32_t when[4] = { now, now + 60, now + 80, now + 100 };
	int waited;

	ck_assert_int_eq(load(A,
	    "1.2.3.0/24 :10:big\n1.2.3.0/25 :11:mid\n1.2.3.4 :12:host\n"
	    "!1.2.3.128/26\n!4.4.4.0/25\n4.4.4.0/26 :40\n"
	    "10.10.0.0/20 :20:l20\n!10.10.4.0/22\n10.10.5.0/26 :26:l26\n"
	    "2001:db8::/32 :6:v6\n!2001:db8:2::/48\n"
	    "2001:db8:2:3::/64 :8:deep\n"), 12);
	ck_assert_int_eq(load(B, "0.0.0.0/0 :9:all\n!8.8.8.8\n"), 2);
	add(C, "7.7.7.7", false, 0x7f000007u, "seven", now + 100,
	    ORIGIN_REPORT);
	add(C, "5.5.5.0/24", false, 0x7f000005u, NULL, 0, ORIGIN_CLI);
	add(C, "5.5.5.5", false, 0x7f000006u, "short", now + 60, ORIGIN_REPORT);
	add(A, "1.2.3.5", false, 0x7f000013u, "old", now - 1, ORIGIN_REPORT);
	for (int t = 0; t < 4; t++)
		answers(lm[t], when[t]);
	ck_assert_str_eq(lm[0][0],
	    "a 127.0.0.12 \"host\"; b 127.0.0.9 \"all\"");
	ck_assert_str_eq(lm[0][1], "a 127.0.0.11 \"mid\"; b 127.0.0.9 \"all\"");
	ck_assert_str_eq(lm[0][9],
	    "b 127.0.0.9 \"all\"; c 127.0.0.7 \"seven\"");
	ck_assert_str_eq(lm[2][9],
	    "b 127.0.0.9 \"all\"; c 127.0.0.7 \"seven\"");
	ck_assert_str_eq(lm[3][9], "b 127.0.0.9 \"all\"");
	ck_assert_str_eq(lm[0][16],
	    "b 127.0.0.9 \"all\"; c 127.0.0.6 \"short\"");
	ck_assert_str_eq(lm[1][16], "b 127.0.0.9 \"all\"; c 127.0.0.5 -");
	ck_assert_str_eq(lm[0][10], "");

	ck_assert_int_eq(store_index_bytes(st), 0);
	ck_assert_int_eq(store_index_start(st), 0);
	for (waited = 0; waited < 5000 && store_index_bytes(st) == 0;
	    waited += 20)
		usleep(20000);
	ck_assert_uint_gt(store_index_bytes(st), 0);
	for (int t = 0; t < 4; t++) {
		answers(ix[t], when[t]);
		for (size_t i = 0; i < NPROBES; i++)
			ck_assert_msg(strcmp(lm[t][i], ix[t][i]) == 0,
			    "%s at now+%u: lmdb \"%s\", index \"%s\"",
			    probes[i], when[t] - now, lm[t][i], ix[t][i]);
	}

	/* A write is served at once, before the index catches up. */
	add(A, "200.0.0.1", false, 0x7f000064u, NULL, 0, ORIGIN_CLI);
	ck_assert_str_eq(look("200.0.0.1"), "a 127.0.0.100 -; b 127.0.0.9 "
	    "\"all\"");
	add(A, "1.2.3.9", false, 0x7f000065u, NULL, 0, ORIGIN_API);
	ck_assert_str_eq(look("1.2.3.9"), "a 127.0.0.101 -; b 127.0.0.9 "
	    "\"all\"");
	{
		struct prefix p = pfx("1.2.3.9");

		ck_assert_int_eq(store_del(st, A, &p, NULL, err, sizeof(err)), 1);
	}
	ck_assert_str_eq(look("1.2.3.9"), "a 127.0.0.11 \"mid\"; b 127.0.0.9 "
	    "\"all\"");
	/* And once it has caught up, still the same. */
	usleep(600000);
	ck_assert_str_eq(look("1.2.3.9"), "a 127.0.0.11 \"mid\"; b 127.0.0.9 "
	    "\"all\"");
	ck_assert_str_eq(look("200.0.0.1"), "a 127.0.0.100 -; b 127.0.0.9 "
	    "\"all\"");
}
END_TEST

/* A file's or a feed's entry is not deleted by hand: the next load would
 * bring it back. The caller hears how many were left. */
START_TEST(test_del_keeps_file_and_feed_entries)
{
	struct prefix p = pfx("1.2.3.4"), q = pfx("5.5.5.0/24");
	struct rbl_data d;
	struct store_srcmeta m;
	int kept = -1;

	ck_assert_int_eq(load(A, "1.2.3.4 :10:file\n"), 1);
	build(&d, "5.5.5.0/24 :20:feed\n");
	meta_of(&d, &m);
	ck_assert_int_ge(store_replace(st, B, ORIGIN_FEED, &d, &m, err,
	    sizeof(err)), 1);
	rbldnsd_free(&d);
	add(C, "1.2.3.4", false, 0x7f00001eu, NULL, 0, ORIGIN_CLI);

	ck_assert_int_eq(store_del(st, A, &p, &kept, err, sizeof(err)), 0);
	ck_assert_int_eq(kept, 1);
	ck_assert_int_eq(store_del(st, B, &q, &kept, err, sizeof(err)), 0);
	ck_assert_int_eq(kept, 1);
	ck_assert_str_eq(look("5.5.5.5"), "b 127.0.0.20 \"feed\"");
	/* Every source: the hand entry goes, the file's stays. */
	ck_assert_int_eq(store_del(st, -1, &p, &kept, err, sizeof(err)), 1);
	ck_assert_int_eq(kept, 1);
	ck_assert_str_eq(look("1.2.3.4"), "a 127.0.0.10 \"file\"");
	ck_assert_int_eq(count(A), 1);
	ck_assert_int_eq(count(C), 0);
}
END_TEST

/* LMDB's last transaction id, read by mdb_stat in another process. */
static long
last_txnid(void)
{
	char cmd[PATH_MAX + 64], line[256];
	long id = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "mdb_stat -e '%s' 2>/dev/null", dbdir());
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " Last transaction ID: %ld", &id) == 1)
			break;
	pclose(f);
	ck_assert_msg(id > 0, "mdb_stat -e gave no transaction id "
	    "(is lmdb-utils installed?)");
	return id;
}

/*
 * A write that changes nothing is not committed: no fsync, and the readers'
 * in-memory index, tied to the snapshot, stays current.
 */
START_TEST(test_noop_write_not_committed)
{
	struct prefix p = pfx("9.9.9.9");
	uint32_t s = store_serial(st, 0);
	long t0;

	add(A, "1.2.3.4", false, DEF_A, NULL, 0, ORIGIN_CLI);
	t0 = last_txnid();
	ck_assert_int_eq(store_del(st, A, &p, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(store_del(st, -1, &p, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(last_txnid(), t0);
	ck_assert_uint_eq(store_serial(st, 0), s + 1);
	/* A real change is committed, so the probe above could see one. */
	add(A, "5.6.7.8", false, DEF_A, NULL, 0, ORIGIN_CLI);
	ck_assert_int_gt(last_txnid(), t0);
	ck_assert_uint_eq(store_serial(st, 0), s + 2);
}
END_TEST

/* ---- the upgrade of a version 1 database ---- */

/* A file of the version 1 fixture (tests/data/store-v1, see its README). */
static const char *
v1_file(const char *name)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/data/store-v1/%s", test_dir(), name);
	return buf;
}

/* The fixture's data.mdb as the database of dbdir(). */
static void
copy_v1_fixture(void)
{
	char dst[PATH_MAX + 16], buf[8192];
	FILE *in, *out;
	size_t n;

	ck_assert_int_eq(mkdir(dbdir(), 0750), 0);
	snprintf(dst, sizeof(dst), "%s/data.mdb", dbdir());
	ck_assert_ptr_nonnull(in = fopen(v1_file("data.mdb"), "rb"));
	ck_assert_ptr_nonnull(out = fopen(dst, "wb"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	ck_assert(!ferror(in));
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

/* Meta "version", as mdb_dump reads it in another process. */
static long
schema_version(void)
{
	char cmd[PATH_MAX + 64], line[256];
	bool next = false;
	long version = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "mdb_dump -p -s meta '%s' 2>/dev/null",
	    dbdir());
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned b[4];

		if (next && sscanf(line, " \\%2x\\%2x\\%2x\\%2x", &b[0], &b[1],
		    &b[2], &b[3]) == 4) {
			/* Host order; the fixture was made on a little-endian
			 * machine, as are those the tests run on. */
			version = (long)(b[0] | b[1] << 8 | b[2] << 16 |
			    (unsigned long)b[3] << 24);
			break;
		}
		next = strcmp(line, " version\n") == 0;
	}
	pclose(f);
	ck_assert_msg(version >= 0, "mdb_dump found no schema version "
	    "(is lmdb-utils installed?)");
	return version;
}

/* The metadata of the fixture's sources, as its data files set it. */
static void
check_v1_meta(void)
{
	struct store_srcmeta m;
	struct stat sb;

	ck_assert_int_eq(store_source_meta(st, A, &m), 0);
	ck_assert_uint_eq(m.ttl, 3600);
	ck_assert(m.has_soa);
	ck_assert_uint_eq(m.soa_ttl, 7200);
	ck_assert_str_eq(m.soa_mname, "ns1.fixture.test.");
	ck_assert_str_eq(m.soa_rname, "hostmaster.fixture.test.");
	ck_assert_uint_eq(m.soa_refresh, 3600);
	ck_assert_uint_eq(m.soa_retry, 600);
	ck_assert_uint_eq(m.soa_expire, 604800);
	ck_assert_uint_eq(m.soa_minttl, 300);
	ck_assert_int_eq(m.nns, 2);
	ck_assert_uint_eq(m.ns_ttl, 10800);
	ck_assert_str_eq(m.ns[0], "ns1.fixture.test.");
	ck_assert_str_eq(m.ns[1], "ns2.fixture.test.");
	ck_assert_int_eq(stat(v1_file("zones/local.rbl"), &sb), 0);
	ck_assert_int_eq(m.file_size, (int64_t)sb.st_size);
	ck_assert_int_gt(m.file_mtime, 0);
	ck_assert_uint_gt(m.loaded, 0);
	ck_assert_uint_eq(m.bad_lines, 0);

	ck_assert_int_eq(store_source_meta(st, B, &m), 0);
	ck_assert_uint_eq(m.ttl, 0);
	ck_assert(!m.has_soa);
	ck_assert_int_eq(m.nns, 0);
	ck_assert_int_eq(stat(v1_file("zones/plain.rbl"), &sb), 0);
	ck_assert_int_eq(m.file_size, (int64_t)sb.st_size);

	/* Source hand has no data file: its record holds no metadata. */
	ck_assert_int_eq(store_source_meta(st, C, &m), -1);
}

/*
 * A database the previous rbld wrote (schema version 1, source records as
 * raw structs) is upgraded when opened for writing: version 2, the sources'
 * $TTL, $SOA and $NS and every entry intact. Read-only, it is refused with
 * what to do; a second open changes nothing.
 */
START_TEST(test_upgrade_v1)
{
	char blob[512];
	long t0;

	close_store();
	rm_rf(dbdir());
	copy_v1_fixture();
	ck_assert_int_eq(schema_version(), 1);

	err[0] = '\0';
	ck_assert_ptr_null(store_open(dbdir(), MAPSIZE, true, err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "schema version 1") != NULL &&
	    strstr(err, "run rbld or rbldctl once to upgrade it") != NULL,
	    "read-only open: %s", err);
	ck_assert_int_eq(schema_version(), 1);

	/* The smallest map: the upgrade's new pages make it grow. */
	st = store_open(dbdir(), TINY_MAP, false, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
	ck_assert_int_eq(schema_version(), 2);
	A = store_source_id(st, "local", false);
	B = store_source_id(st, "plain", false);
	C = store_source_id(st, "hand", false);
	ck_assert_int_eq(A, 1);
	ck_assert_int_eq(B, 2);
	ck_assert_int_eq(C, 3);
	check_v1_meta();
	ck_assert_str_eq(walk(-1),
	    "10.9.9.0/24 hand 127.0.0.4 hand entry o2 why\n"
	    "198.51.100.0/24 local 127.0.0.3 Spam network $ o1\n"
	    "!198.51.100.128/25 local 0.0.0.0 - o1\n"
	    "192.0.2.7/32 local 127.0.0.2 "
	    "Listed: see https://example.test/lookup?ip=$ o1\n"
	    "203.0.113.5/32 plain 127.0.0.2 - o1\n"
	    "2001:db8::/32 local 127.0.0.2 "
	    "Listed: see https://example.test/lookup?ip=$ o1\n");
	ck_assert_int_eq(store_source_count(st, A), 4);
	ck_assert_int_eq(store_source_count(st, B), 1);
	ck_assert_int_eq(store_source_count(st, C), 1);
	ck_assert_ptr_nonnull(rd = store_reader_new(st));
	ck_assert_str_eq(look("192.0.2.7"),
	    "a 127.0.0.2 \"Listed: see https://example.test/lookup?ip=$\"");
	ck_assert_str_eq(look("198.51.100.5"),
	    "a 127.0.0.3 \"Spam network $\"");
	ck_assert_str_eq(look("198.51.100.200"), "");
	ck_assert_str_eq(look("10.9.9.9"), "c 127.0.0.4 \"hand entry\"");
	ck_assert_str_eq(look("2001:db8::1"),
	    "a 127.0.0.2 \"Listed: see https://example.test/lookup?ip=$\"");
	/* Records of other modules are left as they were. */
	ck_assert_int_gt(store_blob_get(st, "blob:token:fixture", blob,
	    sizeof(blob)), 0);
	close_store();

	/* Version 2 already: nothing to do, nothing committed. */
	t0 = last_txnid();
	st = store_open(dbdir(), MAPSIZE, false, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
	ck_assert_int_eq(store_source_id(st, "local", false), A);
	check_v1_meta();
	store_close(st);
	st = NULL;
	ck_assert_int_eq(last_txnid(), t0);
	ck_assert_int_eq(schema_version(), 2);

	/* And read-only now works. */
	st = store_open(dbdir(), MAPSIZE, true, err, sizeof(err));
	ck_assert_msg(st != NULL, "read-only store_open: %s", err);
	check_v1_meta();
	store_close(st);
	st = NULL;
}
END_TEST

/*
 * An index big enough for its slot tables to be mapped on huge-page
 * boundaries (2 MiB and more): every key is found with its own value, keys
 * next to them are not, and freeing unmaps what was mapped (ASan checks).
 */
START_TEST(test_index_large)
{
	const size_t n4 = 200000, n6 = 100000;
	struct index *ix = index_new(n4 + n6, 7);
	struct index_val v = { 0 };
	struct index_val got;
	uint8_t a[16];

	ck_assert_ptr_nonnull(ix);
	for (size_t i = 0; i < n4; i++) {
		uint32_t addr = 0x0a000000u + (uint32_t)i * 2;

		a[0] = (uint8_t)(addr >> 24), a[1] = (uint8_t)(addr >> 16);
		a[2] = (uint8_t)(addr >> 8), a[3] = (uint8_t)addr;
		v.a = 0x7f000000u | (uint32_t)(i % 250 + 2);
		ck_assert_int_eq(index_add(ix, 4, 32, a, (int)(i % 3), &v), 0);
	}
	memset(a, 0, sizeof(a));
	a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
	for (size_t i = 0; i < n6; i++) {
		a[6] = (uint8_t)(i >> 16), a[7] = (uint8_t)(i >> 8);
		a[8] = (uint8_t)i;
		v.a = 0x7f000100u | (uint32_t)(i % 200);
		ck_assert_int_eq(index_add(ix, 6, 72, a, 1, &v), 0);
	}
	index_finish(ix);
	ck_assert_uint_eq(index_gen(ix), 7);
	ck_assert_uint_ge(index_bytes(ix), (n4 + n6) * 8);
	for (size_t i = 0; i < n4; i++) {
		uint32_t addr = 0x0a000000u + (uint32_t)i * 2;

		a[0] = (uint8_t)(addr >> 24), a[1] = (uint8_t)(addr >> 16);
		a[2] = (uint8_t)(addr >> 8), a[3] = (uint8_t)addr;
		ck_assert(index_get(ix, 4, 32, a, (int)(i % 3), &got));
		ck_assert_uint_eq(got.a, 0x7f000000u | (uint32_t)(i % 250 + 2));
		ck_assert(!index_get(ix, 4, 32, a, (int)(i % 3) + 1, &got));
		a[3] |= 1;	/* the odd neighbour was never added */
		ck_assert(!index_get(ix, 4, 32, a, (int)(i % 3), &got));
	}
	memset(a, 0, sizeof(a));
	a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
	for (size_t i = 0; i < n6; i++) {
		a[6] = (uint8_t)(i >> 16), a[7] = (uint8_t)(i >> 8);
		a[8] = (uint8_t)i;
		a[15] = 0x55;	/* host bits beyond /72 do not matter */
		ck_assert(index_get(ix, 6, 72, a, 1, &got));
		ck_assert_uint_eq(got.a, 0x7f000100u | (uint32_t)(i % 200));
		ck_assert(!index_get(ix, 6, 64, a, 1, &got));
		a[15] = 0;
	}
	index_free(ix);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_source_ids);
	tcase_add_test(tc, test_source_meta);
	tcase_add_test(tc, test_errno);
	tcase_add_test(tc, test_longest_prefix);
	tcase_add_test(tc, test_duplicates_first_wins);
	tcase_add_test(tc, test_per_source);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_replace_counts_difference);
	tcase_add_test(tc, test_replace_among_other_sources);
	tcase_add_test(tc, test_replace_meta_change_moves_serial);
	tcase_add_test(tc, test_reader_serial);
	tcase_add_test(tc, test_reader_serial_zones_reordered);
	tcase_add_test(tc, test_hand_entries_survive_reload);
	tcase_add_test(tc, test_add_replaces_same_key);
	tcase_add_test(tc, test_del);
	tcase_add_test(tc, test_del_keeps_file_and_feed_entries);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_import);
	tcase_add_test(tc, test_mapped_replace);
	tcase_add_test(tc, test_mapped_import_add_del);
	tcase_add_test(tc, test_mapped_batch);
	tcase_add_test(tc, test_walk_and_covering);
	tcase_add_test(tc, test_walk_stops);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_scan_order);
	tcase_add_test(tc, test_journal_steps);
	tcase_add_test(tc, test_dirty_regions);
	tcase_add_test(tc, test_map_growth);
	tcase_add_test(tc, test_reader_walk_during_growth);
	tcase_add_test(tc, test_reopen_persists);
	tcase_add_test(tc, test_open_creates_parents);
	tcase_add_test(tc, test_readonly);
	tcase_add_test(tc, test_other_process);
	tcase_add_test(tc, test_index_same_answers);
	tcase_add_test(tc, test_index_large);
	tcase_add_test(tc, test_noop_write_not_committed);
	tcase_add_test(tc, test_upgrade_v1);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(store_suite());
}
