/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for tsig.c: keys, signing, and multi-message verification. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../rbld/tsig.h"
#include "../rbld/wire.h"
#include "testutil.h"

#define NOW	1795000000ull
#define SPEC	"hmac-sha256:xfr-key:cmJsZCBmZWVkIHRlc3QgdHNpZyBrZXksIDMyIGJ5dGU="

/* A minimal answer: header with ID, QR, one A record per message. */
static size_t
message(uint8_t *m, uint16_t id, uint8_t tag)
{
	static const uint8_t body[] = {
		/* question: bl.test AXFR IN */
		2, 'b', 'l', 4, 't', 'e', 's', 't', 0, 0, 252, 0, 1,
		/* answer: bl.test A 127.0.0.x, compressed owner */
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 0,
	};

	memset(m, 0, 12);
	m[0] = (uint8_t)(id >> 8);
	m[1] = (uint8_t)id;
	m[2] = 0x84;		/* QR AA */
	m[5] = 1;		/* QDCOUNT */
	m[7] = 1;		/* ANCOUNT */
	memcpy(m + 12, body, sizeof(body));
	m[12 + sizeof(body) - 1] = tag;
	return 12 + sizeof(body);
}

static struct tsig_key key;

static void
setup(void)
{
	char err[128];

	ck_assert_int_eq(tsig_key_parse(SPEC, &key, err, sizeof(err)), 0);
}

/* Sign a query, then answers as a server would, and check them. */
struct exchange {
	uint8_t		qmac[TSIG_MAC_MAX];
	size_t		qmaclen;
	struct tsig_ctx	srv, cli;
};

static void
exchange_start(struct exchange *x, const struct tsig_key *sk)
{
	uint8_t q[512];
	size_t ml;
	const uint8_t *mac;
	struct tsig_ctx c;

	tsig_start(&c, &key, NULL, 0);
	ck_assert_int_gt(tsig_sign(&c, q, message(q, 7, 0), sizeof(q), NOW), 0);
	mac = tsig_mac(&c, &ml);
	memcpy(x->qmac, mac, ml);
	x->qmaclen = ml;
	tsig_end(&c);
	tsig_start(&x->srv, sk, x->qmac, x->qmaclen);
	tsig_start(&x->cli, &key, x->qmac, x->qmaclen);
}

/* tsig_verify as 1 (signed), 0 (unsigned, allowed) or -1, the reason in
 * the test's own ERR; every message refused is bad input. */
static int
verify_(struct tsig_ctx *c, const uint8_t *m, size_t len, uint64_t now,
    char *err, size_t errlen)
{
	bool is_signed;

	errno = 0;
	if (tsig_verify(c, m, len, now, &is_signed, err, errlen) != 0) {
		ck_assert_int_eq(errno, EINVAL);
		return -1;
	}
	return is_signed ? 1 : 0;
}

#define verify(c, m, len, now)	verify_((c), (m), (len), (now), err, \
				    sizeof(err))

static void
exchange_end(struct exchange *x)
{
	tsig_end(&x->srv);
	tsig_end(&x->cli);
}

START_TEST(test_key_parse)
{
	struct tsig_key k;
	char err[128];

	ck_assert_int_eq(key.alg, TSIG_HMAC_SHA256);
	ck_assert_uint_eq(key.secretlen, 32);
	ck_assert_uint_eq(key.namelen, 9);	/* 7 xfr-key 0 */
	ck_assert_int_eq(tsig_key_parse("HMAC-SHA512:K.Example.:c2VjcmV0", &k,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(k.alg, TSIG_HMAC_SHA512);
	ck_assert_mem_eq(k.name, "\001k\007example\000", 11);
	errno = 0;
	ck_assert_int_eq(tsig_key_parse("hmac-md5:k:c2VjcmV0", &k, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "algorithm"));
	errno = 0;
	ck_assert_int_eq(tsig_key_parse("hmac-sha256:k:!!!", &k, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "base64"));
	errno = 0;
	ck_assert_int_eq(tsig_key_parse("hmac-sha256:k", &k, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(err, "tsig takes ALGORITHM:NAME:SECRET");
	errno = 0;
	ck_assert_int_eq(tsig_key_parse("hmac-sha256:a..b:c2VjcmV0", &k, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "key name"));
}
END_TEST

START_TEST(test_sign_verify_one)
{
	struct exchange x;
	uint8_t m[512];
	char err[128];
	ssize_t n;

	exchange_start(&x, &key);
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(m[11], 1);		/* ARCOUNT counts the TSIG */
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW + 10), 1);
	exchange_end(&x);
}
END_TEST

/* A message that is no header, or a buffer with no room for the TSIG. */
START_TEST(test_sign_no_room)
{
	struct tsig_ctx c;
	uint8_t m[512];
	size_t len = message(m, 7, 1);

	tsig_start(&c, &key, NULL, 0);
	errno = 0;
	ck_assert_int_eq(tsig_sign(&c, m, WIRE_HEADER - 1, sizeof(m), NOW), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(tsig_sign(&c, m, len, len + 20, NOW), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(m[11], 0);		/* nothing was added */
	ck_assert_int_gt(tsig_sign(&c, m, len, sizeof(m), NOW), 0);
	tsig_end(&c);
}
END_TEST

/*
 * A TSIG record whose fields do not add up: -1, errno EINVAL, and no
 * signature checked. The record follows the message: the key's name
 * (9 bytes), type, class, TTL, RDLENGTH, the algorithm's name (13 bytes),
 * time (6), fudge, MAC size, the MAC, original ID, error, other length.
 */
START_TEST(test_malformed_record)
{
	struct exchange x;
	uint8_t m[512], good[512];
	size_t at = message(m, 7, 1), rdata = at + 9 + WIRE_RR_FIXED;
	char err[128];
	ssize_t n;

	exchange_start(&x, &key);
	n = tsig_sign(&x.srv, m, at, sizeof(m), NOW);
	ck_assert_int_gt(n, 0);
	memcpy(good, m, (size_t)n);

	/* Its class is ANY, not IN. */
	wire_set16(m + at + 9 + 2, CLASS_IN);
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), -1);
	ck_assert_str_eq(err, "malformed TSIG record");

	/* A MAC longer than the record. */
	memcpy(m, good, (size_t)n);
	wire_set16(m + rdata + 13 + 8, 0xff00);
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), -1);
	ck_assert_str_eq(err, "malformed TSIG record");

	/* Other data said to be there and not there. */
	memcpy(m, good, (size_t)n);
	wire_set16(m + n - 2, 1);
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), -1);
	ck_assert_str_eq(err, "malformed TSIG record");

	/* Cut short inside the algorithm's name, RDLENGTH to match. */
	memcpy(m, good, (size_t)n);
	wire_set16(m + rdata - 2, 4);
	ck_assert_int_eq(verify(&x.cli, m, rdata + 4, NOW), -1);

	/* Unharmed, it still verifies. */
	ck_assert_int_eq(verify(&x.cli, good, (size_t)n, NOW), 1);
	exchange_end(&x);
}
END_TEST

/* Signed, two unsigned, signed: the last signature covers all three. */
START_TEST(test_multi_message)
{
	struct exchange x;
	uint8_t m[4][512];
	size_t len[4];
	char err[128];

	exchange_start(&x, &key);
	for (int i = 0; i < 4; i++)
		len[i] = message(m[i], 7, (uint8_t)(i + 1));
	len[0] = (size_t)tsig_sign(&x.srv, m[0], len[0], sizeof(m[0]), NOW);
	tsig_skip(&x.srv, m[1], len[1]);
	tsig_skip(&x.srv, m[2], len[2]);
	len[3] = (size_t)tsig_sign(&x.srv, m[3], len[3], sizeof(m[3]), NOW);
	ck_assert_int_eq(verify(&x.cli, m[0], len[0], NOW), 1);
	ck_assert_int_eq(verify(&x.cli, m[1], len[1], NOW), 0);
	ck_assert_int_eq(verify(&x.cli, m[2], len[2], NOW), 0);
	ck_assert_msg(verify(&x.cli, m[3], len[3], NOW) == 1, "%s", err);
	exchange_end(&x);
}
END_TEST

/* An unsigned message changed on the way breaks the next signature. */
START_TEST(test_multi_message_tampered)
{
	struct exchange x;
	uint8_t m[3][512];
	size_t len[3];
	char err[128];

	exchange_start(&x, &key);
	for (int i = 0; i < 3; i++)
		len[i] = message(m[i], 7, (uint8_t)(i + 1));
	len[0] = (size_t)tsig_sign(&x.srv, m[0], len[0], sizeof(m[0]), NOW);
	tsig_skip(&x.srv, m[1], len[1]);
	len[2] = (size_t)tsig_sign(&x.srv, m[2], len[2], sizeof(m[2]), NOW);
	m[1][len[1] - 1] ^= 1;			/* 127.0.0.2 -> 127.0.0.3 */
	ck_assert_int_eq(verify(&x.cli, m[0], len[0], NOW), 1);
	ck_assert_int_eq(verify(&x.cli, m[1], len[1], NOW), 0);
	ck_assert_int_eq(verify(&x.cli, m[2], len[2], NOW), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad TSIG signature"));
	exchange_end(&x);
}
END_TEST

START_TEST(test_rejections)
{
	struct exchange x;
	struct tsig_key other;
	uint8_t m[512], u[512];
	char err[128];
	ssize_t n;

	/* A changed byte in a signed message. */
	exchange_start(&x, &key);
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	m[40] ^= 1;
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad TSIG signature"));
	exchange_end(&x);

	/* The first message unsigned. */
	exchange_start(&x, &key);
	ck_assert_int_eq(verify(&x.cli, u, message(u, 7, 1), NOW), -1);
	ck_assert_ptr_nonnull(strstr(err, "not signed"));
	exchange_end(&x);

	/* Another secret under the same name. */
	ck_assert_int_eq(tsig_key_parse("hmac-sha256:xfr-key:b3RoZXI=",
	    &other, err, sizeof(err)), 0);
	exchange_start(&x, &other);
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), -1);
	exchange_end(&x);

	/* Another key name. */
	ck_assert_int_eq(tsig_key_parse("hmac-sha256:other-key:"
	    "cmJsZCBmZWVkIHRlc3QgdHNpZyBrZXksIDMyIGJ5dGU=", &other, err,
	    sizeof(err)), 0);
	exchange_start(&x, &other);
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), -1);
	ck_assert_ptr_nonnull(strstr(err, "another key"));
	exchange_end(&x);

	/* Another algorithm with the same name and secret. */
	ck_assert_int_eq(tsig_key_parse("hmac-sha512:xfr-key:"
	    "cmJsZCBmZWVkIHRlc3QgdHNpZyBrZXksIDMyIGJ5dGU=", &other, err,
	    sizeof(err)), 0);
	exchange_start(&x, &other);
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), -1);
	ck_assert_ptr_nonnull(strstr(err, "algorithm"));
	exchange_end(&x);

	/* A signature from outside the time window. */
	exchange_start(&x, &key);
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW + TSIG_FUDGE + 1),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "time"));
	exchange_end(&x);

	/* The answer to another query (another request MAC). */
	exchange_start(&x, &key);
	x.cli.prior[0] ^= 1;
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), -1);
	exchange_end(&x);

	/* The TSIG counted in the answer section, not the additional one. */
	exchange_start(&x, &key);
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	ck_assert_uint_eq(m[11], 1);
	m[11] = 0;
	m[7]++;
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), -1);
	ck_assert_ptr_nonnull(strstr(err, "malformed"));
	exchange_end(&x);

	/* A truncated message. */
	exchange_start(&x, &key);
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n - 3, NOW), -1);
	exchange_end(&x);
}
END_TEST

START_TEST(test_too_many_unsigned)
{
	struct exchange x;
	uint8_t m[512];
	char err[128];
	ssize_t n;
	int i;

	exchange_start(&x, &key);
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), 1);
	for (i = 0; i < TSIG_MAX_UNSIGNED; i++)
		ck_assert_int_eq(verify(&x.cli, m, message(m, 7, 2), NOW), 0);
	ck_assert_int_eq(verify(&x.cli, m, message(m, 7, 2), NOW), -1);
	ck_assert_ptr_nonnull(strstr(err, "without TSIG"));
	exchange_end(&x);
}
END_TEST

/* The server's TSIG error (here BADKEY) is reported, not a bad MAC. */
START_TEST(test_server_error)
{
	struct exchange x;
	uint8_t m[512];
	char err[128];
	ssize_t n;

	exchange_start(&x, &key);
	n = tsig_sign(&x.srv, m, message(m, 7, 1), sizeof(m), NOW);
	m[n - 3] = RCODE_BADKEY;	/* error field, low byte */
	ck_assert_int_eq(verify(&x.cli, m, (size_t)n, NOW), -1);
	ck_assert_ptr_nonnull(strstr(err, "BADKEY"));
	exchange_end(&x);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tsig");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_key_parse);
	tcase_add_test(tc, test_sign_verify_one);
	tcase_add_test(tc, test_sign_no_room);
	tcase_add_test(tc, test_malformed_record);
	tcase_add_test(tc, test_multi_message);
	tcase_add_test(tc, test_multi_message_tampered);
	tcase_add_test(tc, test_rejections);
	tcase_add_test(tc, test_too_many_unsigned);
	tcase_add_test(tc, test_server_error);
	suite_add_tcase(s, tc);
	return test_run(s);
}
