/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the upstream answers' cache (rbld/upstream_cache.c). */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "../rbld/upstream_cache.h"
#include "testutil.h"

static struct prefix
ip4(int a, int b, int c, int d)
{
	struct prefix p;
	char s[32];

	snprintf(s, sizeof(s), "%d.%d.%d.%d", a, b, c, d);
	ck_assert_int_eq(ipaddr_parse_addr(s, &p), 0);
	return p;
}

static struct uanswer
listed(int code)
{
	struct uanswer a;

	memset(&a, 0, sizeof(a));
	a.listed = true;
	a.na = 1;
	a.a[0][0] = 127;
	a.a[0][3] = (uint8_t)code;
	memcpy(a.txt, "why", 3);
	a.txtlen = 3;
	return a;
}

START_TEST(test_claim_put_get)
{
	struct ucache *c = ucache_new(1 << 20, 60, 3600, 5);
	struct prefix p = ip4(192, 0, 2, 7), q = ip4(192, 0, 2, 8);
	struct uanswer a = listed(4), out;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ucache_get(c, 1, &p, 1000, &out), UCACHE_MISS);
	/* One asker asks; the others wait for its answer. */
	ck_assert(ucache_claim(c, 1, &p, 1000));
	ck_assert(!ucache_claim(c, 1, &p, 1000));
	ck_assert_int_eq(ucache_get(c, 1, &p, 1001, &out), UCACHE_PENDING);
	/* Another source, another address: questions of their own. */
	ck_assert(ucache_claim(c, 2, &p, 1000));
	ck_assert(ucache_claim(c, 1, &q, 1000));
	ucache_put(c, 1, &p, &a, 300, 1002);
	ck_assert_int_eq(ucache_get(c, 1, &p, 1003, &out), UCACHE_HIT);
	ck_assert(out.listed && out.na == 1 && out.a[0][3] == 4 &&
	    out.txtlen == 3 && memcmp(out.txt, "why", 3) == 0);
	ck_assert(!ucache_claim(c, 1, &p, 1003));	/* answered: no query */
	/* Kept for its TTL, then asked again. */
	ck_assert_int_eq(ucache_get(c, 1, &p, 1301, &out), UCACHE_HIT);
	ck_assert_int_eq(ucache_get(c, 1, &p, 1302, &out), UCACHE_MISS);
	ck_assert(ucache_claim(c, 1, &p, 1302));
	ucache_free(c);
}
END_TEST

START_TEST(test_ttl_bounds_and_negative)
{
	struct ucache *c = ucache_new(1 << 20, 60, 600, 5);
	struct prefix p = ip4(198, 51, 100, 1);
	struct uanswer none, out;

	memset(&none, 0, sizeof(none));
	ck_assert(ucache_claim(c, 0, &p, 0));
	ucache_put(c, 0, &p, &none, 1, 0);	/* a TTL of 1 s: 60 s */
	ck_assert_int_eq(ucache_get(c, 0, &p, 59, &out), UCACHE_HIT);
	ck_assert(!out.listed);
	ck_assert_int_eq(ucache_get(c, 0, &p, 60, &out), UCACHE_MISS);
	ucache_put(c, 0, &p, &none, 86400, 100);	/* a day: 600 s */
	ck_assert_int_eq(ucache_get(c, 0, &p, 699, &out), UCACHE_HIT);
	ck_assert_int_eq(ucache_get(c, 0, &p, 700, &out), UCACHE_MISS);
	ucache_free(c);
}
END_TEST

START_TEST(test_pending_expires_and_fail)
{
	struct ucache *c = ucache_new(1 << 20, 60, 600, 5);
	struct prefix p = ip4(203, 0, 113, 9);

	ck_assert(ucache_claim(c, 3, &p, 10));
	/* An asker that never came back: asked again after pending_ttl. */
	ck_assert(!ucache_claim(c, 3, &p, 14));
	ck_assert(ucache_claim(c, 3, &p, 15));
	/* A failure frees the question at once. */
	ucache_fail(c, 3, &p);
	ck_assert_int_eq(ucache_get(c, 3, &p, 16, NULL), UCACHE_MISS);
	ck_assert(ucache_claim(c, 3, &p, 16));
	ucache_free(c);
}
END_TEST

START_TEST(test_bounded)
{
	struct ucache *c = ucache_new(64 * 1024, 60, 600, 5);
	size_t cap = ucache_capacity(c);
	struct uanswer a = listed(2), out;
	int hits = 0;

	/* Ten times what it holds: the table never grows, the newest stay. */
	for (size_t i = 0; i < cap * 10; i++) {
		struct prefix p = ip4(10, (int)(i >> 16 & 255),
		    (int)(i >> 8 & 255), (int)(i & 255));

		ucache_put(c, 0, &p, &a, 60 + (uint32_t)(i % 500), 1000);
	}
	ck_assert_uint_eq(ucache_capacity(c), cap);
	for (size_t i = cap * 10 - 100; i < cap * 10; i++) {
		struct prefix p = ip4(10, (int)(i >> 16 & 255),
		    (int)(i >> 8 & 255), (int)(i & 255));

		hits += ucache_get(c, 0, &p, 1001, &out) == UCACHE_HIT;
	}
	ck_assert_msg(hits >= 50, "%d of the 100 newest kept", hits);
	ucache_free(c);
}
END_TEST

/* Many threads asking the same questions: each is claimed once. */
static struct ucache *shared;
static atomic_int claims;

static void *
asker(void *arg)
{
	(void)arg;
	for (int round = 0; round < 200; round++)
		for (int k = 0; k < 50; k++) {
			struct prefix p = ip4(192, 0, 2, k);

			if (ucache_claim(shared, 0, &p, 1000))
				atomic_fetch_add(&claims, 1);
		}
	return NULL;
}

START_TEST(test_threads_share_questions)
{
	pthread_t t[4];

	shared = ucache_new(1 << 20, 60, 600, 30);
	atomic_store(&claims, 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, asker, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(atomic_load(&claims), 50);
	ucache_free(shared);
}
END_TEST

static Suite *
upstream_cache_suite(void)
{
	Suite *s = suite_create("upstream_cache");
	TCase *tc = tcase_create("cache");

	tcase_add_test(tc, test_claim_put_get);
	tcase_add_test(tc, test_ttl_bounds_and_negative);
	tcase_add_test(tc, test_pending_expires_and_fail);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_threads_share_questions);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(upstream_cache_suite());
}
