/* SPDX-License-Identifier: BSD-2-Clause */
/* Check suite for token.c (roles, names, hashing) and auth.c's records. */
#include <check.h>
#include <errno.h>
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

/* What records look like in the database, byte for byte. */
static size_t
raw_get(const char *name, unsigned char *buf, size_t len)
{
	char key[128];
	ssize_t n;

	snprintf(key, sizeof(key), "blob:token:%s", name);
	n = store_blob_get(st, key, buf, len);
	ck_assert_int_ge(n, 0);
	return (size_t)n;
}

static void
raw_put(const char *name, const void *data, size_t len)
{
	char key[128];

	snprintf(key, sizeof(key), "blob:token:%s", name);
	ck_assert_int_eq(store_blob_put(st, key, data, len), 0);
}

/* New records: a version byte, then every field big-endian. */
START_TEST(test_record_encoding)
{
	static const unsigned char head[] = {
		2,				/* version */
		0, 0, 0, 3,			/* role: admin */
		0, 0, 0, 0, 0x65, 0x53, 0xf1, 0,	/* created 1700000000 */
		71,				/* hash length */
	};
	unsigned char buf[256];
	struct auth_token r, got;
	size_t n;

	memset(&r, 0, sizeof(r));
	r.role = ROLE_ADMIN;
	r.created = 1700000000;
	token_hash("secret", r.hash);
	ck_assert_int_eq(auth_token_put(st, "root", &r), 0);
	n = raw_get("root", buf, sizeof(buf));
	ck_assert_uint_eq(n, sizeof(head) + TOKEN_HASH_LEN);
	ck_assert_mem_eq(buf, head, sizeof(head));
	ck_assert_mem_eq(buf + sizeof(head), r.hash, TOKEN_HASH_LEN);

	/* negative numbers and short hashes go through unchanged */
	r.role = -2;
	r.created = -1;
	snprintf(r.hash, sizeof(r.hash), "sha256:ab");
	ck_assert_int_eq(auth_token_put(st, "odd", &r), 0);
	n = raw_get("odd", buf, sizeof(buf));
	ck_assert_uint_eq(n, 14 + 9);
	ck_assert_int_eq(auth_token_get(st, "odd", &got), 0);
	ck_assert_int_eq(got.role, -2);
	ck_assert(got.created == -1);
	ck_assert_str_eq(got.hash, "sha256:ab");

	/* What does not decode is no token, told apart from a missing one:
	 * it is not replaced, and it can be revoked. */
	buf[0] = 3;
	raw_put("v3", buf, n);
	buf[0] = 2;
	raw_put("short", buf, n - 1);
	buf[13] = 72;
	raw_put("longhash", buf, 14 + 72);
	errno = 0;
	ck_assert_int_eq(auth_token_get(st, "v3", &got), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(auth_token_get(st, "short", &got), -1);
	ck_assert_int_eq(auth_token_get(st, "longhash", &got), -1);
	errno = 0;
	ck_assert_int_eq(auth_token_get(st, "nothing", &got), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(auth_token_put(st, "v3", &r), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(auth_token_del(st, "v3"), 0);
	ck_assert_int_eq(auth_token_put(st, "v3", &r), 0);
	ck_assert_int_eq(auth_token_get(st, "v3", &got), 0);
}
END_TEST

/* The previous release wrote this struct as it lay in memory. */
struct old_rec {
	uint32_t	version;
	int32_t		role;
	int64_t		created;
	char		hash[72];
};

START_TEST(test_record_previous_release)
{
	struct old_rec old;
	struct auth_token got;
	struct conf *c;
	enum auth_result res;
	char seen[256] = "", who[64] = "";
	int role;

#if defined(__x86_64__)
	ck_assert_uint_eq(sizeof(old), 88);
#endif
	memset(&old, 0, sizeof(old));
	old.version = 1;
	old.role = ROLE_REPORTER;
	old.created = 1600000000;
	token_hash("rbld_kept_across_the_upgrade", old.hash);
	raw_put("f2b", &old, sizeof(old));
	ck_assert_int_eq(auth_token_get(st, "f2b", &got), 0);
	ck_assert_int_eq(got.role, ROLE_REPORTER);
	ck_assert(got.created == 1600000000);
	ck_assert_str_eq(got.hash, old.hash);
	ck_assert_int_eq(auth_token_walk(st, count_cb, seen), 0);
	ck_assert_str_eq(seen, "f2b=other ");

	/* it still lets its owner in */
	ck_assert_ptr_nonnull(c = calloc(1, sizeof(*c)));
	ck_assert_int_eq(auth_bearer(st, c,
	    "Bearer rbld_kept_across_the_upgrade", &res, &role, who,
	    sizeof(who)), 0);
	ck_assert_int_eq(res, AUTH_OK);
	ck_assert_int_eq(role, ROLE_REPORTER);
	ck_assert_str_eq(who, "f2b");
	ck_assert_int_eq(auth_bearer(st, c, "Bearer rbld_something_else", &res,
	    &role, who, sizeof(who)), 0);
	ck_assert_int_eq(res, AUTH_BAD_TOKEN);
	free(c);

	/* its name stays taken until it is revoked */
	errno = 0;
	ck_assert_int_eq(auth_token_put(st, "f2b", &got), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(auth_token_del(st, "f2b"), 0);
	ck_assert_int_eq(auth_token_get(st, "f2b", &got), -1);

	/* a record that release would not read is not read now either */
	old.version = 0;
	raw_put("zero", &old, sizeof(old));
	ck_assert_int_eq(auth_token_get(st, "zero", &got), -1);
	seen[0] = '\0';
	ck_assert_int_eq(auth_token_walk(st, count_cb, seen), 0);
	ck_assert_str_eq(seen, "");
}
END_TEST

START_TEST(test_record_errors)
{
	struct auth_token r, got;

	memset(&r, 0, sizeof(r));
	r.role = ROLE_READER;
	errno = 0;
	ck_assert_int_eq(auth_token_put(st, "bad name", &r), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(auth_token_get(st, "nobody", &got), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(auth_token_del(st, "nobody"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(auth_token_put(st, "one", &r), 0);
	errno = 0;
	ck_assert_int_eq(auth_token_put(st, "one", &r), -1);
	ck_assert_int_eq(errno, EEXIST);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roles);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_hash);
	tcase_add_test(tc, test_generate);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, test_record_encoding);
	tcase_add_test(tc, test_record_previous_release);
	tcase_add_test(tc, test_record_errors);
	suite_add_tcase(s, tc);
	return test_run(s);
}
