/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the upstream answer filter (rbld/match.c). */
#include <check.h>
#include <string.h>

#include "../rbld/match.h"
#include "testutil.h"

static bool
passes(const char *filter, int a, int b, int c, int d)
{
	struct match m;
	char why[128];
	uint8_t ip[4] = { (uint8_t)a, (uint8_t)b, (uint8_t)c, (uint8_t)d };

	ck_assert_msg(match_parse(filter, &m, why, sizeof(why)) == 0,
	    "%s: %s", filter, why);
	return match_test(&m, ip);
}

START_TEST(test_forms)
{
	ck_assert(passes("127.0.0.2", 127, 0, 0, 2));
	ck_assert(!passes("127.0.0.2", 127, 0, 0, 3));
	ck_assert(passes("127.0.0.[2..11]", 127, 0, 0, 2));
	ck_assert(passes("127.0.0.[2..11]", 127, 0, 0, 11));
	ck_assert(!passes("127.0.0.[2..11]", 127, 0, 0, 1));
	ck_assert(!passes("127.0.0.[2..11]", 127, 0, 0, 12));
	ck_assert(!passes("127.0.0.[2..11]", 127, 0, 1, 2));
	ck_assert(passes("127.0.[0..255].[1..3]", 127, 0, 200, 3));
	ck_assert(!passes("127.0.[0..255].[1..3]", 127, 0, 200, 0));
	ck_assert(passes("127.0.0.[2;4;10..11]", 127, 0, 0, 4));
	ck_assert(passes("127.0.0.[2;4;10..11]", 127, 0, 0, 10));
	ck_assert(!passes("127.0.0.[2;4;10..11]", 127, 0, 0, 3));
	ck_assert(passes("[0..255].[0..255].[0..255].[0..255]", 0, 255, 64,
	    63));
	/* The default never takes the error codes lists send. */
	ck_assert(passes(MATCH_DNSBL_DEFAULT, 127, 0, 0, 2));
	ck_assert(passes(MATCH_DNSBL_DEFAULT, 127, 0, 0, 254));
	ck_assert(!passes(MATCH_DNSBL_DEFAULT, 127, 255, 255, 254));
	ck_assert(!passes(MATCH_DNSBL_DEFAULT, 127, 0, 0, 255));
	ck_assert(!passes(MATCH_DNSBL_DEFAULT, 127, 0, 0, 1));
}
END_TEST

START_TEST(test_bad)
{
	static const char *const bad[] = {
		"", "127.0.0", "127.0.0.2.", "127.0.0.256", "127.0.0.[2..]",
		"127.0.0.[..2]", "127.0.0.[11..2]", "127.0.0.[2", "127.0.0.[]",
		"127.0.0.[2,3]", "127.0.0.2 ", "127.0.0.-1", "127.0.0.0002",
		"127..0.2", "a.b.c.d", "127.0.0.[2;]", "127.0.0.[2..300]",
	};
	struct match m;
	char why[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(match_parse(bad[i], &m, why, sizeof(why)) == -1,
		    "\"%s\" parsed", bad[i]);
		ck_assert_msg(why[0] != '\0', "\"%s\": no reason", bad[i]);
	}
}
END_TEST

static Suite *
match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_forms);
	tcase_add_test(tc, test_bad);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(match_suite());
}
