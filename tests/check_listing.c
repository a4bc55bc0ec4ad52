/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/listing.c: who lists an address, by every rule in one place. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../rbld/conf.h"
#include "../rbld/journal.h"
#include "../rbld/listing.h"
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
static struct apex	 AP[2];
static char		 err[256];
static uint32_t		 NOW;

/* Zone 0 serves a then b; zone 1 serves c alone, which lists nothing. */
static const char CONF_TEXT[] =
    "[rbld]\n"
    "database = db\n"
    "[zone bl.test]\n"
    "sources = a b\n"
    "ttl = 300\n"
    "[zone empty.test]\n"
    "sources = c\n"
    "[source a]\n"
    "kind = local\n"
    "txt = a: $\n"
    "[source b]\n"
    "kind = local\n"
    "a = 127.0.0.3\n"
    "[source c]\n"
    "kind = local\n"
    "a = 127.0.0.4\n"
    "txt = c lists $\n";

static const char *const ALLOW[] = {
	"192.0.2.7", "2001:db8:1::/48", "2002:c633:6400::/40", "127.0.0.0/8",
};

/* The view with the first N prefixes of ALLOW as [allow]. */
static void
allow_set(int n)
{
	struct prefix p[4];

	for (int i = 0; i < n; i++)
		ck_assert_int_eq(ipaddr_parse_prefix(ALLOW[i], &p[i], NULL, 0), 0);
	view_free(V);
	V = view_build(CF, IDS, p, n, err, sizeof(err));
	ck_assert_msg(V != NULL, "%s", err);
}

static void
setup(void)
{
	log_init("check_listing", LOG_LVL_ERR);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbld-check-listing.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	CF = test_conf(tmpdir, CONF_TEXT);
	ck_assert_ptr_nonnull(st = store_open(CF->database, 16u << 20, false,
	    err, sizeof(err)));
	ck_assert_int_eq(source_register(CF, st, IDS, NULL, err, sizeof(err)), 0);
	test_load(st, IDS[0], DEF_A, NULL,
	    "$TTL 100\n"
	    "192.0.2.0/24 :5:a: $\n"
	    "198.51.100.9 :9\n"
	    "127.0.0.0/8 :8:loop $\n"
	    "2001:db8::/32 :6:v6 $\n"
	    "2002::/16 :10:six [$]\n"
	    "::ffff:198.18.0.0/120 :11:mapped\n");
	test_load(st, IDS[1], DEF_A, NULL, "192.0.2.8 :7:b: $\n");
	V = NULL;
	allow_set(4);
	ck_assert_ptr_nonnull(rd = store_reader_new(st));
	ck_assert_int_eq(store_reader_begin(rd), 0);
	view_apex(V, 0, rd, &AP[0]);
	view_apex(V, 1, rd, &AP[1]);
	NOW = (uint32_t)time(NULL);
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

static void
addr_of(const char *text, struct listing_addr *la)
{
	struct prefix ip;

	ck_assert_int_eq(ipaddr_parse_addr(text, &ip), 0);
	listing_addr(V, &ip, la);
}

/* The hits for TEXT in zone Z as "family/plen:src:A" words. */
static const char *
hits_of(const char *text, int z)
{
	static char out[512];
	struct listing_hit h[LISTING_MAX_HITS];
	struct listing_addr la;
	size_t o = 0;
	int n;

	addr_of(text, &la);
	ck_assert_int_ge(n = listing_find(V, z, &AP[z], rd, &la, NOW, h), 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%d/%u:%d:%u",
		    i ? " " : "", h[i].family, h[i].plen, h[i].src,
		    h[i].a & 0xff);
	return out;
}

static enum listing_never
never_of(const char *text)
{
	struct listing_addr la;

	addr_of(text, &la);
	return la.never;
}

START_TEST(test_never)
{
	/* RFC 5782's 127.0.0.1, in each of its forms. */
	ck_assert_int_eq(never_of("127.0.0.1"), LISTING_LOOPBACK);
	ck_assert_int_eq(never_of("::ffff:127.0.0.1"), LISTING_LOOPBACK);
	ck_assert_int_eq(never_of("2002:7f00:1::"), LISTING_LOOPBACK);
	ck_assert_int_eq(never_of("2002:7f00:1:ffff::9"), LISTING_LOOPBACK);
	/* [allow], and the 6to4 form of an allowed IPv4 address. */
	ck_assert_int_eq(never_of("192.0.2.7"), LISTING_ALLOWED);
	ck_assert_int_eq(never_of("::ffff:192.0.2.7"), LISTING_ALLOWED);
	ck_assert_int_eq(never_of("2002:c000:207::"), LISTING_ALLOWED);
	ck_assert_int_eq(never_of("2001:db8:1::5"), LISTING_ALLOWED);
	ck_assert_int_eq(never_of("127.0.0.3"), LISTING_ALLOWED);
	/* The test point wins over [allow] 127.0.0.0/8. */
	ck_assert_int_eq(never_of("127.0.0.2"), LISTING_LISTABLE);
	ck_assert_int_eq(never_of("192.0.2.8"), LISTING_LISTABLE);
	ck_assert_int_eq(never_of("2001:db8:2::5"), LISTING_LISTABLE);
	ck_assert_str_eq(hits_of("127.0.0.1", 0), "");
	ck_assert_str_eq(hits_of("2002:7f00:1::", 0), "");
	ck_assert_str_eq(hits_of("2002:c000:207::", 0), "");
	ck_assert_str_eq(hits_of("192.0.2.7", 0), "");
}
END_TEST

START_TEST(test_hits)
{
	/* Longest prefix per source, sources in zone order. */
	ck_assert_str_eq(hits_of("192.0.2.8", 0), "4/24:0:5 4/32:1:7");
	ck_assert_str_eq(hits_of("192.0.2.9", 0), "4/24:0:5");
	ck_assert_str_eq(hits_of("203.0.113.1", 0), "");
	/* IPv4-mapped: the IPv4 data only; an entry written mapped is kept
	 * as the IPv4 one. */
	ck_assert_str_eq(hits_of("::ffff:192.0.2.8", 0), "4/24:0:5 4/32:1:7");
	ck_assert_str_eq(hits_of("::ffff:203.0.113.1", 0), "");
	ck_assert_str_eq(hits_of("198.18.0.1", 0), "4/24:0:11");
	ck_assert_str_eq(hits_of("::ffff:198.18.0.1", 0), "4/24:0:11");
	/* 6to4: the IPv6 data first, then the embedded address's. */
	ck_assert_str_eq(hits_of("2002:c000:208::", 0),
	    "6/16:0:10 4/24:0:5 4/32:1:7");
	ck_assert_str_eq(hits_of("2002:cb00:7101::", 0), "6/16:0:10");
	/* An IPv6 address in [allow] keeps only itself out. */
	ck_assert_str_eq(hits_of("2002:c633:6409::", 0), "4/32:0:9");
	ck_assert_str_eq(hits_of("2001:db8:2::5", 0), "6/32:0:6");
	/* 127.0.0.2: by the sources that list it, in [allow] or not. */
	ck_assert_str_eq(hits_of("127.0.0.2", 0), "4/8:0:8");
	/* ... else as if the zone's first source listed it. */
	ck_assert_str_eq(hits_of("127.0.0.2", 1), "4/32:-1:4");
	ck_assert_str_eq(hits_of("2002:7f00:2::", 1), "4/32:-1:4");
	ck_assert_str_eq(hits_of("192.0.2.8", 1), "");
}
END_TEST

START_TEST(test_ttl_and_txt)
{
	struct listing_hit h[LISTING_MAX_HITS];
	struct listing_addr la;
	char txt[RBL_TXT_ANSWER_MAX + 1];
	size_t n;

	/* a's data file says $TTL 100; b has none: the zone's 300. */
	addr_of("2002:c000:208::", &la);
	ck_assert_int_eq(listing_find(V, 0, &AP[0], rd, &la, NOW, h), 3);
	ck_assert_uint_eq(h[0].ttl, 100);
	ck_assert_uint_eq(h[2].ttl, 300);
	/* "$" is the address the hit's data was asked about. */
	n = listing_txt(rd, &la, &h[0], txt);
	txt[n] = '\0';
	ck_assert_str_eq(txt, "six [2002:c000:208::]");
	n = listing_txt(rd, &la, &h[1], txt);
	txt[n] = '\0';
	ck_assert_str_eq(txt, "a: 192.0.2.8");
	/* The test point's TXT is its source's template; its TTL the
	 * zone's (c has no data file). */
	addr_of("127.0.0.2", &la);
	ck_assert_int_eq(listing_find(V, 1, &AP[1], rd, &la, NOW, h), 1);
	ck_assert_uint_eq(h[0].ttl, VIEW_DEFAULT_TTL);
	n = listing_txt(rd, &la, &h[0], txt);
	txt[n] = '\0';
	ck_assert_str_eq(txt, "c lists 127.0.0.2");
}
END_TEST

START_TEST(test_expiry)
{
	struct prefix p;

	ck_assert_int_eq(ipaddr_parse_prefix("192.0.2.9", &p, NULL, 0), 0);
	ck_assert_int_eq(store_add(st, IDS[1], &p, false, 0x7f000063, NULL,
	    NOW + 10, "", ORIGIN_API, err, sizeof(err)), 0);
	store_reader_end(rd);
	ck_assert_int_eq(store_reader_begin(rd), 0);
	ck_assert_str_eq(hits_of("192.0.2.9", 0), "4/24:0:5 4/32:1:99");
	NOW += 10;
	ck_assert_str_eq(hits_of("192.0.2.9", 0), "4/24:0:5");
}
END_TEST

struct ranges {
	int		 n;
	char		 text[16][IPADDR_STRLEN];
};

static int
range_cb(void *arg, const struct prefix *p)
{
	struct ranges *r = arg;

	ck_assert_int_lt(r->n, 16);
	ipaddr_format(p, false, r->text[r->n++], IPADDR_STRLEN);
	return 0;
}

/* The ranges an export leaves out are those the lookups never ask. */
START_TEST(test_unasked)
{
	struct ranges r4 = { 0 }, r6 = { 0 };
	static const char *const addrs[] = {
		"127.0.0.1", "127.0.0.2", "127.0.0.3", "192.0.2.7", "192.0.2.8",
		"198.51.100.9", "::ffff:1.2.3.4", "2002:7f00:1::",
		"2002:7f00:2::", "2002:7f00:3::1", "2002:c000:207::",
		"2002:c000:208::", "2002:c633:6409::", "2001:db8:1::5",
		"2001:db8:2::5", "2400::1",
	};

	ck_assert_int_eq(listing_unasked(V, 4, range_cb, &r4), 0);
	ck_assert_int_eq(r4.n, 3);
	ck_assert_str_eq(r4.text[0], "127.0.0.1/32");
	ck_assert_str_eq(r4.text[1], "192.0.2.7/32");
	ck_assert_str_eq(r4.text[2], "127.0.0.0/8");
	ck_assert_int_eq(listing_unasked(V, 6, range_cb, &r6), 0);
	ck_assert_int_eq(r6.n, 6);
	ck_assert_str_eq(r6.text[0], "::ffff:0:0/96");
	ck_assert_str_eq(r6.text[1], "2002:7f00:1::/48");
	ck_assert_str_eq(r6.text[2], "2002:c000:207::/48");
	ck_assert_str_eq(r6.text[3], "2001:db8:1::/48");
	ck_assert_str_eq(r6.text[4], "2002:c633:6400::/40");
	ck_assert_str_eq(r6.text[5], "2002:7f00::/24");
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct listing_addr la;
		struct prefix ip, p;
		bool mapped, six4;

		ck_assert_int_eq(ipaddr_parse_addr(addrs[i], &ip), 0);
		listing_addr(V, &ip, &la);
		mapped = ip.family == 6 && ip.addr[10] == 0xff &&
		    ip.addr[11] == 0xff && ip.addr[0] == 0;
		six4 = ip.family == 6 && ip.addr[0] == 0x20 && ip.addr[1] == 2;
		if (ip.family == 6 && !mapped)
			ck_assert_msg(la.v6 == !listing_is_unasked(V, &ip),
			    "%s: IPv6 data asked: %d", addrs[i], la.v6);
		if (ip.family == 4 || mapped || six4) {
			memset(&p, 0, sizeof(p));
			p.family = 4;
			p.len = 32;
			memcpy(p.addr, ip.family == 4 ? ip.addr : mapped ?
			    ip.addr + 12 : ip.addr + 2, 4);
			/* 127.0.0.2 is asked even where it is unasked. */
			ck_assert_msg(la.v4 == (la.test_point ||
			    !listing_is_unasked(V, &p)), "%s: IPv4 data asked: "
			    "%d", addrs[i], la.v4);
		}
	}
}
END_TEST

/* One journal record into B at O: op, owner labels "4.3.2.1", A 127.0.0.X. */
static size_t
jrec(uint8_t *b, size_t o, int op, uint8_t x)
{
	static const uint8_t owner[] = { 1, '4', 1, '3', 1, '2', 1, '1' };

	b[o++] = (uint8_t)op;
	b[o++] = sizeof(owner);
	memcpy(b + o, owner, sizeof(owner));
	o += sizeof(owner);
	b[o++] = 0, b[o++] = 1;				/* A */
	b[o++] = 0, b[o++] = 0, b[o++] = 0x0e, b[o++] = 0x10;	/* 3600 */
	b[o++] = 0, b[o++] = 4;
	b[o++] = 127, b[o++] = 0, b[o++] = 0, b[o++] = x;
	return o;
}

static int
jcount(void *arg, const uint8_t *rec, size_t len)
{
	int *n = arg;

	ck_assert_uint_eq(len, 1 + 8 + 8 + 4);
	*n += rec[len - 1] * 100;	/* which: 127.0.0.X */
	(*n)++;
	return 0;
}

/*
 * Steps condensed for IXFR: a record added then removed was never there
 * for the client, one removed then added again is unchanged; what is left
 * is removed or added once. A blob cut short is refused.
 */
START_TEST(test_journal_condense)
{
	uint8_t s1[128], s2[128], s3[128];
	size_t n1 = 0, n2 = 0, n3 = 0;
	struct journal_diff *d;
	int dels = 0, adds = 0;

	n1 = jrec(s1, n1, 1, 2);		/* + .2 */
	n1 = jrec(s1, n1, 1, 3);		/* + .3 */
	n1 = jrec(s1, n1, 0, 9);		/* - .9 */
	n2 = jrec(s2, n2, 0, 2);		/* - .2: never there */
	n2 = jrec(s2, n2, 1, 9);		/* + .9: unchanged */
	n2 = jrec(s2, n2, 0, 5);		/* - .5 */
	n3 = jrec(s3, n3, 1, 4);		/* + .4 */
	ck_assert_ptr_nonnull(d = journal_diff_new());
	ck_assert_int_eq(journal_diff_add(d, s1, n1), 0);
	ck_assert_int_eq(journal_diff_add(d, s2, n2), 0);
	ck_assert_int_eq(journal_diff_add(d, s3, n3), 0);
	ck_assert_int_eq(journal_diff_each(d, false, jcount, &dels), 0);
	ck_assert_int_eq(journal_diff_each(d, true, jcount, &adds), 0);
	ck_assert_int_eq(dels, 1 + 500);		/* .5 */
	ck_assert_int_eq(adds, 2 + 300 + 400);		/* .3, .4 */
	errno = 0;
	ck_assert_int_eq(journal_diff_add(d, s1, n1 - 3), -1);
	ck_assert_int_eq(errno, EINVAL);
	journal_diff_free(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("listing");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_never);
	tcase_add_test(tc, test_hits);
	tcase_add_test(tc, test_ttl_and_txt);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_unasked);
	tcase_add_test(tc, test_journal_condense);
	suite_add_tcase(s, tc);
	return test_run(s);
}
