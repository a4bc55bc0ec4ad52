/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/rrl.c: answers per second per client network, slip and exemptions. */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../rbld/log.h"
#include "../rbld/rrl.h"
#include "testutil.h"

static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, text, &s4->sin_addr), 1);
	}
	return ss;
}

/* N answers to TEXT at second NOW: how many go out, slip, are dropped. */
static void
burst(struct rrl *r, const struct rrl_settings *s, const char *text,
    uint32_t now, int n, int *send, int *slip, int *drop, int *logs)
{
	struct sockaddr_storage ss = addr(text);

	*send = *slip = *drop = *logs = 0;
	for (int i = 0; i < n; i++) {
		bool logged;

		switch (rrl_check(r, s, (struct sockaddr *)&ss, now, &logged)) {
		case RRL_SEND: (*send)++; break;
		case RRL_SLIP: (*slip)++; break;
		case RRL_DROP: (*drop)++; break;
		}
		*logs += logged;
	}
}

START_TEST(test_rate_per_network)
{
	struct rrl *r = calloc(1, sizeof(*r));
	struct prefix exempt[2];
	struct rrl_settings s = { 200, 2, 24, 56, 0, exempt };
	int send, slip, drop, logs;

	ck_assert_ptr_nonnull(r);
	/* 5,000 in a second from one client: 200 answers, then every 2nd
	 * of the rest truncated, the others dropped; logged once. */
	burst(r, &s, "192.0.2.7", 1000, 5000, &send, &slip, &drop, &logs);
	ck_assert_int_eq(send, 200);
	ck_assert_int_eq(slip, 2400);
	ck_assert_int_eq(drop, 2400);
	ck_assert_int_eq(logs, 1);
	/* Its /24 shares the limit; the next /24 does not. */
	burst(r, &s, "192.0.2.200", 1000, 10, &send, &slip, &drop, &logs);
	ck_assert_int_eq(send, 0);
	burst(r, &s, "192.0.3.1", 1000, 10, &send, &slip, &drop, &logs);
	ck_assert_int_eq(send, 10);
	/* A new second, a new allowance; the log waits for the next minute. */
	burst(r, &s, "192.0.2.7", 1001, 300, &send, &slip, &drop, &logs);
	ck_assert_int_eq(send, 200);
	ck_assert_int_eq(logs, 0);
	burst(r, &s, "192.0.2.7", 1080, 300, &send, &slip, &drop, &logs);
	ck_assert_int_eq(logs, 1);
	/* IPv6 per /56. */
	burst(r, &s, "2001:db8:0:1::1", 1000, 250, &send, &slip, &drop, &logs);
	ck_assert_int_eq(send, 200);
	burst(r, &s, "2001:db8:0:ff::1", 1000, 5, &send, &slip, &drop, &logs);
	ck_assert_int_eq(send, 0);
	burst(r, &s, "2001:db8:0:100::1", 1000, 5, &send, &slip, &drop, &logs);
	ck_assert_int_eq(send, 5);
	/* Slip 0: all dropped; slip 1: all truncated. */
	s.slip = 0;
	burst(r, &s, "198.51.100.1", 2000, 210, &send, &slip, &drop, &logs);
	ck_assert_int_eq(slip, 0);
	ck_assert_int_eq(drop, 10);
	s.slip = 1;
	burst(r, &s, "198.51.100.1", 2001, 210, &send, &slip, &drop, &logs);
	ck_assert_int_eq(slip, 10);
	ck_assert_int_eq(drop, 0);
	/* Exempt networks and rate 0 are never limited. */
	ck_assert_int_eq(ipaddr_parse_prefix("127.0.0.0/8", &exempt[0], NULL,
	    0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("::1/128", &exempt[1], NULL, 0),
	    0);
	s.nexempt = 2;
	burst(r, &s, "127.0.0.1", 3000, 5000, &send, &slip, &drop, &logs);
	ck_assert_int_eq(send, 5000);
	burst(r, &s, "::1", 3000, 5000, &send, &slip, &drop, &logs);
	ck_assert_int_eq(send, 5000);
	s.rate = 0;
	burst(r, &s, "203.0.113.9", 3000, 5000, &send, &slip, &drop, &logs);
	ck_assert_int_eq(send, 5000);
	free(r);
}
END_TEST

static Suite *
rrl_suite(void)
{
	Suite *s = suite_create("rrl");
	TCase *tc = tcase_create("core");

	log_init("check_rrl", LOG_LVL_ERR);
	tcase_add_test(tc, test_rate_per_network);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(rrl_suite());
}
