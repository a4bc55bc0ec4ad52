/* SPDX-License-Identifier: BSD-2-Clause */
/* Check suite for token.c: roles, names, generation, hashing, stored records. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rbld/auth.h"
#include "../rbld/token.h"
#include "testutil.h"

static char		 tmpdir[64];
static struct store	*st;

static void
setup(void)
{
	char err[256];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbld-check-token.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_ptr_nonnull(st = store_open(tmpdir, 1 << 20, false, err,
	    sizeof(err)));
}

static void
teardown(void)
{
	store_close(st);
	rm_rf(tmpdir);
}

START_TEST(test_roles)
{
	ck_assert_int_eq(token_role_parse("reader"), ROLE_READER);
	ck_assert_int_eq(token_role_parse("reporter"), ROLE_REPORTER);
	ck_assert_int_eq(token_role_parse("admin"), ROLE_ADMIN);
	ck_assert_int_eq(token_role_parse("Admin"), -1);
	ck_assert_int_eq(token_role_parse(""), -1);
	ck_assert_str_eq(token_role_name(ROLE_REPORTER), "reporter");
	ck_assert_str_eq(token_role_name(9), "unknown");
}
END_TEST

START_TEST(test_names)
{
	ck_assert(token_name_ok("fail2ban"));
	ck_assert(token_name_ok("mx1.example-org_2"));
	ck_assert(!token_name_ok(""));
	ck_assert(!token_name_ok("two words"));
	ck_assert(!token_name_ok("a/b"));
	ck_assert(token_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ck_assert(!token_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}
END_TEST

/* The SPEC's hash: "sha256:" and lowercase hex (FIPS 180-2 test vector). */
START_TEST(test_hash)
{
	char h[TOKEN_HASH_LEN + 1];

	token_hash("abc", h);
	ck_assert_str_eq(h, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a3"
	    "96177a9cb410ff61f20015ad");
	ck_assert(token_hash_equal(h, h));
	ck_assert(!token_hash_equal(h, "sha256:ba7816bf"));
	h[TOKEN_HASH_LEN - 1] ^= 1;
	ck_assert(!token_hash_equal(h, "sha256:ba7816bf8f01cfea414140de5dae2223b"
	    "00361a396177a9cb410ff61f20015ad"));
}
END_TEST

START_TEST(test_generate)
{
	char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];

	ck_assert_int_eq(token_generate(a), 0);
	ck_assert_int_eq(token_generate(b), 0);
	ck_assert_uint_eq(strlen(a), TOKEN_LEN);
	ck_assert(strncmp(a, "rbld_", 5) == 0);
	ck_assert_uint_eq(strspn(a + 5, "0123456789abcdef"), TOKEN_LEN - 5);
	ck_assert_str_ne(a, b);
}
END_TEST

static int
count_cb(void *arg, const char *name, const struct auth_token *r)
{
	char *seen = arg;

	strcat(seen, name);
	strcat(seen, r->role == ROLE_ADMIN ? "=admin " : "=other ");
	return 0;
}

START_TEST(test_records)
{
	struct auth_token r, got;
	char seen[256] = "";

	memset(&r, 0, sizeof(r));
	r.role = ROLE_ADMIN;
	r.created = 1700000000;
	token_hash("secret", r.hash);
	ck_assert_int_eq(auth_token_put(st, "root", &r), 0);
	/* a name is taken once */
	ck_assert_int_eq(auth_token_put(st, "root", &r), -1);
	ck_assert_int_eq(auth_token_put(st, "bad name", &r), -1);
	r.role = ROLE_REPORTER;
	ck_assert_int_eq(auth_token_put(st, "f2b", &r), 0);
	ck_assert_int_eq(auth_token_get(st, "root", &got), 0);
	ck_assert_int_eq(got.role, ROLE_ADMIN);
	ck_assert_int_eq(got.created, 1700000000);
	ck_assert_str_eq(got.hash, r.hash);
	ck_assert_int_eq(auth_token_walk(st, count_cb, seen), 0);
	ck_assert_str_eq(seen, "f2b=other root=admin ");
	ck_assert_int_eq(auth_token_del(st, "f2b"), 0);
	ck_assert_int_eq(auth_token_del(st, "f2b"), -1);
	ck_assert_int_eq(auth_token_get(st, "f2b", &got), -1);
	seen[0] = '\0';
	ck_assert_int_eq(auth_token_walk(st, count_cb, seen), 0);
	ck_assert_str_eq(seen, "root=admin ");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roles);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_hash);
	tcase_add_test(tc, test_generate);
	tcase_add_test(tc, test_records);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
