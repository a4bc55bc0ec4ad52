/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/view.c and rbld/grace.c: zones, their apex, and publishing a view. */
#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../rbld/conf.h"
#include "../rbld/grace.h"
#include "../rbld/log.h"
#include "../rbld/rbldnsd.h"
#include "../rbld/source.h"
#include "../rbld/store.h"
#include "../rbld/view.h"
#include "testutil.h"

#define DEF_A	0x7f000002u	/* 127.0.0.2 */

static char		 tmpdir[64];
static struct conf	*CF;
static struct store	*st;
static struct store_reader *rd;
static struct view	*V;
static int		 IDS[CONF_MAX_SOURCES];
static char		 err[256];

/*
 * own.test has a soa and ns of its own; plain.test has neither and no
 * data file with them; files.test takes both from its second source's
 * data file (its first has none).
 */
static const char CONF_TEXT[] =
    "[rbld]\n"
    "database = db\n"
    "[zone own.test]\n"
    "sources = f1\n"
    "ns = ns1.own.test ns2.own.test\n"
    "soa = ns0.own.test hm.own.test 2h 20m 2w 3m\n"
    "ttl = 5m\n"
    "[zone plain.test]\n"
    "sources = none\n"
    "ns = ns.plain.test\n"
    "[zone files.test]\n"
    "sources = none f1 f2\n"
    "ttl = 10m\n"
    "[source none]\n"
    "kind = local\n"
    "[source f1]\n"
    "kind = local\n"
    "[source f2]\n"
    "kind = local\n";

static void
setup(void)
{
	log_init("check_view", LOG_LVL_ERR);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbld-check-view.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	CF = test_conf(tmpdir, CONF_TEXT);
	ck_assert_ptr_nonnull(st = store_open(CF->database, 16u << 20, false,
	    err, sizeof(err)));
	ck_assert_int_eq(source_register(CF, st, IDS, NULL, err, sizeof(err)), 0);
	test_load(st, IDS[1], DEF_A, NULL, "$TTL 111\n192.0.2.1\n");
	test_load(st, IDS[2], DEF_A, NULL,
	    "$SOA 600 ns.f2.test. hm.f2.test. 0 1h 2m 3d 44\n"
	    "$NS 222 ns-a.f2.test ns-b.f2.test\n$TTL 333\n192.0.2.2\n");
	ck_assert_ptr_nonnull(V = view_build(CF, IDS, NULL, 0, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(rd = store_reader_new(st));
	ck_assert_int_eq(store_reader_begin(rd), 0);
}

static void
teardown(void)
{
	store_reader_end(rd);
	store_reader_free(rd);
	view_free(V);
	store_close(st);
	conf_free(CF);
	rm_rf(tmpdir);
}

static const char *
name(const uint8_t *w, size_t len)
{
	static char text[4][WIRE_NAME_TEXT];
	static int i;

	i = (i + 1) % 4;
	ck_assert_int_eq(wire_name_to_text(w, len, text[i], sizeof(text[i])),
	    0);
	return text[i];
}

START_TEST(test_zones)
{
	const struct view_zone *z = &V->zones[2];

	ck_assert_int_eq(V->nzones, 3);
	ck_assert_str_eq(name(z->name, z->namelen), "files.test.");
	ck_assert_int_eq(z->nlabels, 2);
	ck_assert_int_eq(z->nsrc, 3);
	ck_assert_int_eq(z->srcids[1], IDS[1]);
	ck_assert_str_eq(z->src[2]->name, "f2");
	ck_assert_uint_eq(z->ttl, 600);
	ck_assert_uint_eq(V->zones[1].ttl, VIEW_DEFAULT_TTL);
	/* Two builds are two views, whatever caches keyed on them think. */
	{
		struct view *v2 = view_build(CF, IDS, NULL, 0, err, sizeof(err));

		ck_assert_ptr_nonnull(v2);
		ck_assert_uint_ne(v2->gen, V->gen);
		view_free(v2);
	}
}
END_TEST

START_TEST(test_apex_config)
{
	struct apex a;

	/* The config's soa and ns win over any file's. */
	view_apex(V, 0, rd, &a);
	ck_assert_str_eq(name(a.mname, a.mlen), "ns0.own.test.");
	ck_assert_str_eq(name(a.rname, a.rlen), "hm.own.test.");
	ck_assert_uint_eq(a.refresh, 7200);
	ck_assert_uint_eq(a.retry, 1200);
	ck_assert_uint_eq(a.expire, 1209600);
	ck_assert_uint_eq(a.minimum, 180);
	ck_assert_uint_eq(a.soa_ttl, 300);
	ck_assert_int_eq(a.nns, 2);
	ck_assert_str_eq(name(a.ns[1], a.nslen[1]), "ns2.own.test.");
	ck_assert_uint_eq(a.ns_ttl, 300);
	ck_assert_uint_eq(a.src_ttl[0], 111);
	/* No soa anywhere: one naming the zone, its first ns as mname. */
	view_apex(V, 1, rd, &a);
	ck_assert_str_eq(name(a.mname, a.mlen), "ns.plain.test.");
	ck_assert_str_eq(name(a.rname, a.rlen), "hostmaster.plain.test.");
	ck_assert_uint_eq(a.refresh, 3600);
	ck_assert_uint_eq(a.retry, 600);
	ck_assert_uint_eq(a.expire, 604800);
	ck_assert_uint_eq(a.minimum, VIEW_DEFAULT_TTL);
	ck_assert_uint_eq(a.src_ttl[0], VIEW_DEFAULT_TTL);
}
END_TEST

START_TEST(test_apex_files)
{
	struct apex a;

	view_apex(V, 2, rd, &a);
	ck_assert_str_eq(name(a.mname, a.mlen), "ns.f2.test.");
	ck_assert_str_eq(name(a.rname, a.rlen), "hm.f2.test.");
	ck_assert_uint_eq(a.soa_ttl, 600);
	ck_assert_uint_eq(a.refresh, 3600);
	ck_assert_uint_eq(a.retry, 120);
	ck_assert_uint_eq(a.expire, 259200);
	ck_assert_uint_eq(a.minimum, 44);
	ck_assert_int_eq(a.nns, 2);
	ck_assert_str_eq(name(a.ns[0], a.nslen[0]), "ns-a.f2.test.");
	ck_assert_uint_eq(a.ns_ttl, 222);
	/* Each source's TTL: its file's $TTL, else the zone's. */
	ck_assert_uint_eq(a.src_ttl[0], 600);
	ck_assert_uint_eq(a.src_ttl[1], 111);
	ck_assert_uint_eq(a.src_ttl[2], 333);
}
END_TEST

/* The cache is current for one view and one snapshot. */
START_TEST(test_apex_cache)
{
	struct apex_cache *c = calloc(1, sizeof(*c));
	const struct apex *a;
	struct view *v2;

	ck_assert_ptr_nonnull(c);
	a = view_apex_cached(V, 2, rd, c);
	ck_assert_uint_eq(a->src_ttl[2], 333);
	ck_assert_uint_eq(c->resolved, 1u << 2);
	/* A new $TTL is seen from the next snapshot on, not before. */
	test_load(st, IDS[2], DEF_A, NULL, "$TTL 444\n192.0.2.2\n");
	ck_assert_uint_eq(view_apex_cached(V, 2, rd, c)->src_ttl[2], 333);
	store_reader_end(rd);
	ck_assert_int_eq(store_reader_begin(rd), 0);
	a = view_apex_cached(V, 2, rd, c);
	ck_assert_uint_eq(a->src_ttl[2], 444);
	ck_assert_str_eq(name(a->mname, a->mlen), "files.test.");
	/* And a new view resolves again. */
	ck_assert_ptr_nonnull(v2 = view_build(CF, IDS, NULL, 0, err,
	    sizeof(err)));
	view_apex_cached(v2, 0, rd, c);
	ck_assert_uint_eq(c->resolved, 1u << 0);
	ck_assert_uint_eq(c->view_gen, v2->gen);
	view_free(v2);
	free(c);
}
END_TEST

START_TEST(test_allowed)
{
	struct prefix p[2];
	struct view *v;
	uint8_t a4[4] = { 192, 0, 2, 200 }, b4[4] = { 192, 0, 3, 1 };
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	ck_assert_int_eq(ipaddr_parse_prefix("192.0.2.128/25", &p[0], NULL, 0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("2001:db8::/32", &p[1], NULL, 0), 0);
	ck_assert_ptr_nonnull(v = view_build(CF, IDS, p, 2, err, sizeof(err)));
	ck_assert(view_allowed(v, 4, a4));
	ck_assert(!view_allowed(v, 4, b4));
	ck_assert(view_allowed(v, 6, a6));
	a6[3] = 0xb9;
	ck_assert(!view_allowed(v, 6, a6));
	ck_assert(!view_allowed(V, 4, a4));
	view_free(v);

	/* [allow] written in the IPv4-mapped form keeps the IPv4 addresses. */
	ck_assert_int_eq(ipaddr_parse_prefix("::ffff:192.0.2.0/120", &p[0],
	    NULL, 0), 0);
	ck_assert_ptr_nonnull(v = view_build(CF, IDS, p, 1, err, sizeof(err)));
	ck_assert(view_allowed(v, 4, a4));
	ck_assert(!view_allowed(v, 4, b4));
	view_free(v);
}
END_TEST

/* [allow]'s file: read with the config's nets; a missing one adds
 * nothing; one that cannot be read whole is refused, not half used. */
START_TEST(test_allow_file)
{
	char dir[128], path[PATH_MAX];
	struct prefix *allow = NULL;
	struct conf *c;
	FILE *f;
	int n = -1;

	snprintf(dir, sizeof(dir), "%s/allow", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/allow.txt", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("192.0.2.0/24\n!192.0.2.7\n::ffff:203.0.113.0/120\n", f);
	ck_assert_int_eq(fclose(f), 0);
	c = test_conf(dir, "[rbld]\ndatabase = db\n[zone a.test]\n"
	    "sources = s\n[source s]\nkind = local\n[allow]\n"
	    "file = allow.txt\nnets = 198.51.100.1\n");
	ck_assert_int_eq(source_allow_read(c, &allow, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 3);		/* the exclusion is no allow entry */
	free(allow);

	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(source_allow_read(c, &allow, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 1);
	free(allow);

	ck_assert_int_eq(mkdir(path, 0700), 0);	/* read() fails: EISDIR */
	err[0] = '\0';
	allow = NULL;
	ck_assert_int_eq(source_allow_read(c, &allow, &n, err, sizeof(err)),
	    -1);
	ck_assert_ptr_null(allow);
	ck_assert_msg(strstr(err, "allow.txt") != NULL, "%s", err);
	conf_free(c);
}
END_TEST

/* ---- publishing: views in force, freed after a grace period ---- */

static atomic_int freed;
static atomic_int stage;

static void
count_free(void *p)
{
	free(p);
	atomic_fetch_add(&freed, 1);
}

static void *
reader(void *arg)
{
	_Atomic(int *) *shared = arg;

	grace_enter();
	(void)atomic_load(shared);
	atomic_store(&stage, 1);
	while (atomic_load(&stage) != 2)
		usleep(1000);
	grace_exit();
	atomic_store(&stage, 3);
	return NULL;
}

START_TEST(test_grace)
{
	_Atomic(int *) shared;
	pthread_t t;
	int *old;

	/* The fixture's reader holds a read section of this thread's. */
	store_reader_end(rd);
	atomic_store(&freed, 0);
	atomic_store(&stage, 0);
	atomic_store(&shared, calloc(1, sizeof(int)));
	ck_assert_int_eq(pthread_create(&t, NULL, reader, &shared), 0);
	while (atomic_load(&stage) != 1)
		usleep(1000);
	/* A reader inside its section: what it may hold stays. */
	old = atomic_exchange(&shared, calloc(1, sizeof(int)));
	grace_retire(old, count_free);
	grace_reclaim();
	ck_assert_int_eq(atomic_load(&freed), 0);
	/* A section that starts now cannot see the old one: no wait. */
	grace_enter();
	grace_enter();		/* sections nest */
	grace_exit();
	grace_exit();
	atomic_store(&stage, 2);
	while (atomic_load(&stage) != 3)
		usleep(1000);
	grace_reclaim();
	ck_assert_int_eq(atomic_load(&freed), 1);
	pthread_join(t, NULL);
	/* With no reader at all, retiring frees at once. */
	grace_retire(atomic_exchange(&shared, NULL), count_free);
	ck_assert_int_eq(atomic_load(&freed), 2);
	grace_barrier();
	ck_assert_int_eq(store_reader_begin(rd), 0);
}
END_TEST

START_TEST(test_view_ref)
{
	struct view_ref ref = { NULL };
	struct view *v2;

	store_reader_end(rd);
	grace_enter();
	ck_assert_ptr_null(view_get(&ref));
	grace_exit();
	view_set(&ref, V);
	ck_assert_ptr_nonnull(v2 = view_build(CF, IDS, NULL, 0, err,
	    sizeof(err)));
	grace_enter();
	ck_assert_ptr_eq(view_get(&ref), V);
	grace_exit();
	/* The old view is freed by the swap (no reader holds it). */
	view_set(&ref, v2);
	V = NULL;
	grace_enter();
	ck_assert_ptr_eq(view_get(&ref), v2);
	grace_exit();
	view_set(&ref, NULL);
	grace_barrier();
	ck_assert_int_eq(store_reader_begin(rd), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zones);
	tcase_add_test(tc, test_apex_config);
	tcase_add_test(tc, test_apex_files);
	tcase_add_test(tc, test_apex_cache);
	tcase_add_test(tc, test_allowed);
	tcase_add_test(tc, test_allow_file);
	tcase_add_test(tc, test_grace);
	tcase_add_test(tc, test_view_ref);
	suite_add_tcase(s, tc);
	return test_run(s);
}
