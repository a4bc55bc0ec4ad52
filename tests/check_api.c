/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/api.c: the HTTP API's request handler, without HTTP. */

#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../rbld/api.h"
#include "../rbld/export.h"
#include "../rbld/journal.h"
#include "../rbld/auth.h"
#include "../rbld/commitq.h"
#include "../rbld/conf.h"
#include "../rbld/log.h"
#include "../rbld/rbldnsd.h"
#include "../rbld/reports.h"
#include "../rbld/runtime.h"
#include "../rbld/source.h"
#include "../rbld/store.h"
#include "../rbld/token.h"
#include "apitest.h"
#include "testutil.h"

/* ---- routing ---- */

START_TEST(test_routing)
{
	ck_error(get("/v1/nope", NULL, ADMIN), 404);
	ck_error(get("/", NULL, NULL), 404);
	ck_error(get("/v1/entries/", NULL, ADMIN), 404);
	ck_error(get("/v1/lookup/1.2.3.4/extra", NULL, ADMIN), 404);
	/* Bytes that are not UTF-8 still get a JSON error, not a 500. */
	ck_error(get("/v1/lookup/\xff\xfe", NULL, ADMIN), 400);
	ck_assert_ptr_nonnull(strstr(jstr(lj, "error"), "\"??\""));
	ck_error(get("/v1/n\xffpe", NULL, ADMIN), 404);

	ck_error(call("PUT", "/v1/entries", NULL, ADMIN, JSON, "{}"), 405);
	ck_assert_str_eq(last.allow, "GET, HEAD, POST");
	ck_error(get("/v1/entries/1.2.3.4", NULL, ADMIN), 405);
	ck_assert_str_eq(last.allow, "DELETE");
	ck_error(call("DELETE", "/v1/lookup/1.2.3.4", NULL, ADMIN, NULL, NULL),
	    405);
	ck_assert_str_eq(last.allow, "GET, HEAD");
	ck_error(post("/healthz", NULL, "{}"), 405);
	ck_assert_str_eq(last.allow, "GET, HEAD");
	ck_error(call("GET", "/v1/sources/local/refresh", NULL, ADMIN, NULL,
	    NULL), 405);
	ck_assert_str_eq(last.allow, "POST");
	/* 405 comes before auth: no token needed to learn the methods */
	ck_error(call("PATCH", "/v1/reports", NULL, NULL, NULL, NULL), 405);
	ck_assert_str_eq(last.allow, "GET, HEAD, POST");

	/* /healthz needs no token */
	ck_status(get("/healthz", NULL, NULL), 200);
	ck_assert_str_eq(jstr(lj, "status"), "ok");
	ck_status(call("HEAD", "/healthz", NULL, NULL, NULL, NULL), 200);
	/* and HEAD is GET elsewhere too */
	ck_status(call("HEAD", "/v1/entries", NULL, READER, NULL, NULL), 200);
	/* a 200 has no allow */
	ck_assert_str_eq(last.allow, "");
}
END_TEST

/* ---- auth ---- */

START_TEST(test_auth)
{
	snprintf(client_ip, sizeof(client_ip), "10.0.1.1");
	ck_error(get("/v1/entries", NULL, NULL), 401);
	ck_error(get("/v1/entries", NULL, "rbld_not_a_token"), 401);
	ck_error(get("/v1/entries", NULL, ""), 401);
	/* another scheme with a valid token's text is still no token */
	ck_error(call_raw("GET", "/v1/entries", NULL, "Basic " READER, NULL,
	    NULL), 401);
	ck_error(call_raw("GET", "/v1/entries", NULL, READER, NULL, NULL), 401);
	/* the hash of a token is not the token */
	{
		char h[TOKEN_HASH_LEN + 1];

		token_hash(READER, h);
		ck_error(get("/v1/entries", NULL, h), 401);
	}
	/* a token with one character more or less is wrong */
	ck_error(get("/v1/entries", NULL, READER "x"), 401);
	ck_status(get("/v1/entries", NULL, READER), 200);
	/* the scheme is case-insensitive (RFC 7235) */
	ck_status(call_raw("GET", "/v1/entries", NULL, "bearer " READER, NULL,
	    NULL), 200);
	/* failures above did not lock anyone out (7 < 10) */
	ck_status(get("/v1/sources", NULL, ADMIN), 200);
	/* blanks around the token are the header's */
	ck_status(call_raw("GET", "/v1/entries", NULL, "Bearer " READER " ",
	    NULL, NULL), 200);
	ck_status(call_raw("GET", "/v1/entries", NULL, "Bearer \t" READER "\t",
	    NULL, NULL), 200);
	/* no token at all is no failed login: a page's <img> tags send
	 * those from an admin's browser */
	snprintf(client_ip, sizeof(client_ip), "10.0.1.2");
	for (int i = 0; i < 3 * AUTH_FAIL_MAX; i++) {
		ck_error(get("/v1/entries", NULL, NULL), 401);
		ck_error(call_raw("GET", "/v1/entries", NULL, "Bearer ", NULL,
		    NULL), 401);
	}
	ck_error(get("/v1/entries", NULL, "rbld_wrong"), 401);
}
END_TEST

START_TEST(test_roles)
{
	static const char rep[] = "{\"ip\":\"198.51.100.1\",\"type\":\"spam\"}";

	/* reporter: only POST /v1/reports */
	ck_error(get("/v1/entries", NULL, REPORTER), 403);
	ck_error(get("/v1/reports", NULL, REPORTER), 403);
	ck_error(get("/v1/lookup/198.51.100.1", NULL, REPORTER), 403);
	ck_error(get("/metrics", NULL, REPORTER), 403);
	ck_error(post("/v1/entries", REPORTER,
	    "{\"prefix\":\"198.51.100.0/24\"}"), 403);
	ck_status(post("/v1/reports", REPORTER, rep), 202);

	/* reader: reads only */
	ck_error(post("/v1/reports", READER, rep), 403);
	ck_error(post("/v1/entries", READER,
	    "{\"prefix\":\"198.51.100.0/24\"}"), 403);
	ck_error(call("DELETE", "/v1/entries/198.51.100.0/24", NULL, READER,
	    NULL, NULL), 403);
	ck_error(call("POST", "/v1/sources/local/refresh", NULL, READER, NULL,
	    NULL), 403);
	ck_status(get("/v1/entries", NULL, READER), 200);
	ck_status(get("/v1/reports", NULL, READER), 200);
	ck_status(get("/v1/sources", NULL, READER), 200);
	ck_status(get("/v1/zones", NULL, READER), 200);
	ck_status(get("/v1/lookup/198.51.100.1", NULL, READER), 200);
	ck_status(get("/metrics", NULL, READER), 200);
	ck_status(get("/v1/zones/bl.test/export", NULL, READER), 200);

	/* nothing was written by the refused requests */
	ck_status(get("/v1/entries", NULL, READER), 200);
	ck_assert_uint_eq(json_array_size(member("entries")), 0);

	/* admin: everything */
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"198.51.100.0/24\"}"),
	    201);
	ck_status(post("/v1/reports", ADMIN, rep), 202);
	ck_assert(json_is_true(member("listed")));	/* spam: 2 in 1d */
	ck_status(get("/v1/entries", NULL, ADMIN), 200);
	ck_status(get("/v1/reports", NULL, ADMIN), 200);
	ck_status(get("/v1/sources", NULL, ADMIN), 200);
	ck_status(get("/v1/zones", NULL, ADMIN), 200);
	ck_status(get("/v1/lookup/198.51.100.1", NULL, ADMIN), 200);
	ck_status(get("/metrics", NULL, ADMIN), 200);
	ck_status(get("/v1/zones/bl.test/export", NULL, ADMIN), 200);
	ck_status(call("DELETE", "/v1/entries/198.51.100.0/24", "source=local",
	    ADMIN, NULL, NULL), 200);
	/* refreshing a source that is not a feed is a conflict, not a 403 */
	ck_error(call("POST", "/v1/sources/local/refresh", NULL, ADMIN, NULL,
	    NULL), 409);
	ck_error(call("POST", "/v1/sources/nope/refresh", NULL, ADMIN, NULL,
	    NULL), 404);
}
END_TEST

START_TEST(test_db_token)
{
	struct auth_token r;

	memset(&r, 0, sizeof(r));
	r.role = ROLE_ADMIN;
	r.created = T0;
	token_hash("rbld_stored_in_the_database_000000000000000", r.hash);
	snprintf(client_ip, sizeof(client_ip), "10.0.2.1");
	ck_error(get("/v1/entries", NULL,
	    "rbld_stored_in_the_database_000000000000000"), 401);
	ck_assert_int_eq(auth_token_put(st, "dbadmin", &r), 0);
	ck_status(get("/v1/entries", NULL,
	    "rbld_stored_in_the_database_000000000000000"), 200);
	ck_status(post("/v1/entries",
	    "rbld_stored_in_the_database_000000000000000",
	    "{\"prefix\":\"198.51.100.0/24\"}"), 201);

	/* a stored reporter token has the reporter's rights only */
	r.role = ROLE_REPORTER;
	token_hash("rbld_stored_reporter_00000000000000000000000", r.hash);
	ck_assert_int_eq(auth_token_put(st, "dbrep", &r), 0);
	ck_error(get("/v1/entries", NULL,
	    "rbld_stored_reporter_00000000000000000000000"), 403);
	ck_status(post("/v1/reports",
	    "rbld_stored_reporter_00000000000000000000000",
	    "{\"ip\":\"198.51.100.9\",\"type\":\"spam\"}"), 202);

	ck_assert_int_eq(auth_token_del(st, "dbadmin"), 0);
	ck_error(get("/v1/entries", NULL,
	    "rbld_stored_in_the_database_000000000000000"), 401);
	/* the configured tokens still work */
	ck_status(get("/v1/entries", NULL, ADMIN), 200);
}
END_TEST

START_TEST(test_lockout)
{
	unsigned retry;
	int i, status = 0;

	snprintf(client_ip, sizeof(client_ip), "10.0.3.1");
	for (i = 1; i <= AUTH_FAIL_MAX; i++) {
		status = get("/v1/entries", NULL, "rbld_wrong");
		if (status == 429)
			break;
		ck_assert_msg(status == 401, "failure %d: %d", i, status);
	}
	if (status != 429)	/* the 10th failure, or the request after it */
		status = get("/v1/entries", NULL, "rbld_wrong");
	ck_assert_int_eq(status, 429);
	ck_assert_uint_gt(last.retry_after, 0);
	ck_assert_uint_le(last.retry_after, AUTH_LOCKOUT);
	ck_assert(json_is_string(member("error")));

	/* any wrong token gets 429 from this address, and counts nothing */
	fake_now += 10;
	ck_error(get("/v1/entries", NULL, "rbld_other"), 429);
	ck_assert_uint_gt(last.retry_after, 0);
	ck_assert_uint_le(last.retry_after, AUTH_LOCKOUT - 10);
	retry = last.retry_after;
	ck_error(post("/v1/reports", "rbld_wrong",
	    "{\"ip\":\"198.51.100.1\",\"type\":\"spam\"}"), 429);
	snprintf(client_ip, sizeof(client_ip), "10.0.3.2");
	ck_status(get("/v1/reports", "ip=198.51.100.1", READER), 200);
	ck_assert_uint_eq(json_array_size(member("reports")), 0);
	/* but a valid token is never refused for others' failures: local
	 * reporters all share one address */
	snprintf(client_ip, sizeof(client_ip), "10.0.3.1");
	ck_status(get("/v1/entries", NULL, READER), 200);
	ck_status(post("/v1/reports", REPORTER,
	    "{\"ip\":\"198.51.100.1\",\"type\":\"spam\"}"), 202);

	/* another address is not locked out */
	ck_status(get("/v1/entries", NULL, READER), 200);
	snprintf(client_ip, sizeof(client_ip), "2001:db8::1");
	ck_status(get("/v1/entries", NULL, READER), 200);

	/* still locked just before the end */
	snprintf(client_ip, sizeof(client_ip), "10.0.3.1");
	fake_now += retry - 1;
	ck_error(get("/v1/entries", NULL, "rbld_wrong"), 429);
	/* and free after AUTH_LOCKOUT */
	fake_now = T0 + AUTH_LOCKOUT + 1;
	ck_status(get("/v1/entries", NULL, READER), 200);
	/* one more mistake does not lock it out again at once */
	ck_error(get("/v1/entries", NULL, "rbld_wrong"), 401);
	ck_status(get("/v1/entries", NULL, READER), 200);
}
END_TEST

/* Failures spread wider than AUTH_FAIL_WINDOW never lock out. */
START_TEST(test_lockout_window)
{
	snprintf(client_ip, sizeof(client_ip), "10.0.4.1");
	for (int i = 0; i < 3 * AUTH_FAIL_MAX; i++) {
		ck_error(get("/v1/entries", NULL, "rbld_wrong"), 401);
		fake_now += AUTH_FAIL_WINDOW / 5 + 1;
	}
	ck_status(get("/v1/entries", NULL, READER), 200);
}
END_TEST

/* An IPv6 client is counted by its /64: rotating addresses inside it does
 * not escape the lockout; the next /64 is another client. */
START_TEST(test_lockout_ipv6)
{
	for (int i = 0; i < AUTH_FAIL_MAX; i++) {
		snprintf(client_ip, sizeof(client_ip), "2001:db8:5:1::%x", i + 1);
		get("/v1/entries", NULL, "rbld_wrong");
	}
	ck_assert_int_eq(last.status, 429);
	snprintf(client_ip, sizeof(client_ip), "2001:db8:5:1:ffff::1");
	ck_error(get("/v1/entries", NULL, "rbld_wrong"), 429);
	snprintf(client_ip, sizeof(client_ip), "2001:db8:5:2::1");
	ck_error(get("/v1/entries", NULL, "rbld_wrong"), 401);
	/* an IPv4 client is still one address */
	snprintf(client_ip, sizeof(client_ip), "10.0.6.1");
	for (int i = 0; i < AUTH_FAIL_MAX; i++)
		get("/v1/entries", NULL, "rbld_wrong");
	ck_error(get("/v1/entries", NULL, "rbld_wrong"), 429);
	snprintf(client_ip, sizeof(client_ip), "10.0.6.2");
	ck_error(get("/v1/entries", NULL, "rbld_wrong"), 401);
	snprintf(client_ip, sizeof(client_ip), "::ffff:10.0.6.1");
	ck_error(get("/v1/entries", NULL, "rbld_wrong"), 429);
}
END_TEST

/*
 * The failure table is bounded; when it is full it forgets the quietest
 * address, "never a locked one while another slot will do" (api.c). An
 * attacker who fails once from each of many other addresses must not free
 * a locked-out address early.
 */
START_TEST(test_lockout_table_full)
{
	snprintf(client_ip, sizeof(client_ip), "10.0.5.1");
	for (int i = 0; i < AUTH_FAIL_MAX; i++)
		get("/v1/entries", NULL, "rbld_wrong");
	ck_error(get("/v1/entries", NULL, "rbld_wrong"), 429);
	/* one failure each from 1100 other addresses, later on */
	for (int i = 0; i < 1100; i++) {
		fake_now = T0 + 1 + (uint32_t)i / 10;
		snprintf(client_ip, sizeof(client_ip), "10.1.%d.%d", i / 250,
		    i % 250 + 1);
		ck_error(get("/v1/entries", NULL, "rbld_wrong"), 401);
	}
	snprintf(client_ip, sizeof(client_ip), "10.0.5.1");
	ck_assert_uint_lt(fake_now, T0 + AUTH_LOCKOUT);
	ck_error(get("/v1/entries", NULL, "rbld_wrong"), 429);
}
END_TEST

/* ---- JSON bodies ---- */

START_TEST(test_json_validation)
{
	static const struct {
		const char	*path, *body;
	} bad[] = {
		{ "/v1/reports", "{\"ip\":" },
		{ "/v1/reports", "{\"ip\":\"198.51.100.1\",\"type\":\"spam\"" },
		{ "/v1/reports", "not json" },
		{ "/v1/reports", "[1,2]" },
		{ "/v1/reports", "\"198.51.100.1\"" },
		{ "/v1/reports", "null" },
		{ "/v1/reports", "{\"ip\":\"198.51.100.1\",\"type\":\"spam\","
		    "\"foo\":1}" },
		{ "/v1/reports", "{\"ip\":\"198.51.100.1\",\"ip\":\"198.51.100.2\","
		    "\"type\":\"spam\"}" },
		{ "/v1/reports", "{\"ip\":5,\"type\":\"spam\"}" },
		{ "/v1/reports", "{\"ip\":[\"198.51.100.1\"],\"type\":\"spam\"}" },
		{ "/v1/reports", "{\"ip\":\"198.51.100.1\",\"type\":7}" },
		{ "/v1/reports", "{\"ip\":\"300.1.1.1\",\"type\":\"spam\"}" },
		{ "/v1/reports", "{\"ip\":\"1.2.3.4/24\",\"type\":\"spam\"}" },
		{ "/v1/reports", "{\"ip\":\"1.2.3.4/32\",\"type\":\"spam\"}" },
		{ "/v1/reports", "{\"ip\":\"\",\"type\":\"spam\"}" },
		{ "/v1/reports", "{\"type\":\"spam\"}" },
		{ "/v1/reports", "{\"ip\":\"198.51.100.1\"}" },
		{ "/v1/reports", "{\"ip\":\"198.51.100.1\",\"type\":\"nope\"}" },
		{ "/v1/reports", "{\"ip\":\"198.51.100.1\",\"type\":\"spam\","
		    "\"service\":\"a$b\"}" },
		{ "/v1/reports", "{\"ip\":\"198.51.100.1\",\"type\":\"spam\","
		    "\"service\":\"sshd\",\"reason\":\"a\\nb\"}" },
		{ "/v1/reports", "{\"ip\":\"198.51.100.1\",\"type\":\"spam\","
		    "\"service\":\"ss\\u0000hd\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.1/24\"}" },
		{ "/v1/entries", "{\"prefix\":\"300.1.1.1\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/33\"}" },
		{ "/v1/entries", "{\"prefix\":192}" },
		{ "/v1/entries", "{\"reason\":\"no prefix\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"source\":\"nope\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"ttl\":\"forever\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"ttl\":\"10x\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"ttl\":-5}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"ttl\":1.5}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"ttl\":true}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"ttl\":"
		    "99999999999}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"a\":\"1.2.3\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"a\":\"::1\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"txt\":\"\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"exclude\":\"yes\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"prefix\":"
		    "\"192.0.3.0/24\"}" },
		{ "/v1/entries", "{\"prefix\":\"192.0.2.0/24\",\"bogus\":null}" },
		{ "/v1/entries", "{}" },
		{ "/v1/entries", "" },
	};
	char body[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = post(bad[i].path, ADMIN, bad[i].body);

		ck_assert_msg(status == 400, "POST %s %s: %d (%s)", bad[i].path,
		    bad[i].body, status, last.body);
		ck_assert_msg(json_is_string(member("error")), "%s", last.body);
	}
	/* a reason of 201 characters is too long for a report */
	memset(body, 0, sizeof(body));
	strcpy(body, "{\"ip\":\"198.51.100.1\",\"type\":\"spam\",\"reason\":\"");
	memset(body + strlen(body), 'r', 201);
	strcat(body, "\"}");
	ck_error(post("/v1/reports", ADMIN, body), 400);

	/* the wrong media type, whatever the body */
	ck_error(call("POST", "/v1/entries", NULL, ADMIN, "text/plain",
	    "{\"prefix\":\"192.0.2.0/24\"}"), 415);
	ck_error(call("POST", "/v1/reports", NULL, REPORTER, "text/plain",
	    "{\"ip\":\"198.51.100.1\",\"type\":\"spam\"}"), 415);
	ck_error(call("POST", "/v1/reports", NULL, REPORTER, NULL,
	    "{\"ip\":\"198.51.100.1\",\"type\":\"spam\"}"), 415);
	ck_error(call("POST", "/v1/reports", NULL, REPORTER,
	    "application/jsonp", "{\"ip\":\"198.51.100.1\",\"type\":\"spam\"}"),
	    415);

	/* nothing above was recorded */
	ck_status(get("/v1/entries", NULL, READER), 200);
	ck_assert_uint_eq(json_array_size(member("entries")), 0);
	ck_status(get("/v1/reports", NULL, READER), 200);
	ck_assert_uint_eq(json_array_size(member("reports")), 0);

	/* while the right ones pass, with parameters to the media type */
	ck_status(call("POST", "/v1/reports", NULL, REPORTER,
	    "application/json; charset=utf-8",
	    "{\"ip\":\"198.51.100.1\",\"type\":\"spam\",\"service\":"
	    "\"postfix/smtpd\",\"reason\":\"RCPT flood\"}"), 202);
	ck_status(call("POST", "/v1/entries", NULL, ADMIN, "Application/JSON",
	    "{\"prefix\":\"2001:db8::/32\",\"ttl\":3600,\"a\":\"127.0.0.4\","
	    "\"txt\":\"custom $\",\"reason\":null}"), 201);
	ck_assert_str_eq(jstr(lj, "a"), "127.0.0.4");
	ck_assert_str_eq(jstr(lj, "txt"), "custom $");
	ck_assert_str_eq(jstr(lj, "prefix"), "2001:db8::/32");
}
END_TEST

/* ---- entries ---- */

START_TEST(test_entries_lookup)
{
	json_t *answers, *entries, *e;

	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"203.0.113.0/24\","
	    "\"ttl\":\"1h\",\"reason\":\"test\"}"), 201);
	ck_assert_str_eq(jstr(lj, "prefix"), "203.0.113.0/24");
	ck_assert_str_eq(jstr(lj, "source"), "local");
	ck_assert_str_eq(jstr(lj, "a"), "127.0.0.2");
	ck_assert_str_eq(jstr(lj, "txt"), "Local: $");
	ck_assert_str_eq(jstr(lj, "reason"), "test");
	ck_assert_str_eq(jstr(lj, "expires"), "2023-11-14T23:13:20Z");	/* T0+1h */
	ck_assert(json_is_false(member("replaced")));

	ck_status(get("/v1/lookup/203.0.113.9", NULL, READER), 200);
	ck_assert_str_eq(jstr(lj, "ip"), "203.0.113.9");
	ck_assert(json_is_true(member("listed")));
	ck_assert(json_is_null(member("never_listed")));
	answers = member("answers");
	ck_assert_uint_eq(json_array_size(answers), 1);
	ck_assert_str_eq(jstr(json_array_get(answers, 0), "zone"), "bl.test");
	ck_assert_str_eq(jstr(json_array_get(answers, 0), "source"), "local");
	ck_assert_str_eq(jstr(json_array_get(answers, 0), "a"), "127.0.0.2");
	ck_assert_str_eq(jstr(json_array_get(answers, 0), "txt"),
	    "Local: 203.0.113.9");
	entries = member("entries");
	ck_assert_uint_eq(json_array_size(entries), 1);
	e = json_array_get(entries, 0);
	ck_assert_str_eq(jstr(e, "prefix"), "203.0.113.0/24");
	ck_assert_str_eq(jstr(e, "source"), "local");
	ck_assert_str_eq(jstr(e, "origin"), "api");
	ck_assert_str_eq(jstr(e, "reason"), "test");
	/* the store stamps "added" with its own (wall) clock */
	ck_assert_uint_eq(strlen(jstr(e, "added")), 20);
	ck_assert_str_eq(jstr(e, "expires"), "2023-11-14T23:13:20Z");
	ck_assert(json_is_false(json_object_get(e, "expired")));

	/* outside the prefix: not listed */
	ck_status(get("/v1/lookup/203.0.114.1", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	ck_assert_uint_eq(json_array_size(member("answers")), 0);
	ck_assert_uint_eq(json_array_size(member("entries")), 0);
	/* a mapped address is the IPv4 one */
	ck_status(get("/v1/lookup/::ffff:203.0.113.9", NULL, READER), 200);
	ck_assert_str_eq(jstr(lj, "ip"), "203.0.113.9");
	ck_assert(json_is_true(member("listed")));
	ck_error(get("/v1/lookup/203.0.113.300", NULL, READER), 400);
	ck_error(get("/v1/lookup/203.0.113.0%2F24", NULL, READER), 400);

	/* RFC 5782 test points */
	ck_status(get("/v1/lookup/127.0.0.2", NULL, READER), 200);
	ck_assert(json_is_true(member("listed")));
	ck_assert_str_eq(jstr(json_array_get(member("answers"), 0), "txt"),
	    "Local: 127.0.0.2");
	ck_status(get("/v1/lookup/127.0.0.1", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	ck_assert(json_is_string(member("never_listed")));
	/* [allow] wins over an entry */
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"192.0.2.0/24\"}"),
	    201);
	ck_status(get("/v1/lookup/192.0.2.99", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	ck_assert_str_eq(json_string_value(member("never_listed")), "in [allow]");
	ck_status(get("/v1/lookup/192.0.2.98", NULL, READER), 200);
	ck_assert(json_is_true(member("listed")));

	/* the same prefix again replaces it */
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"203.0.113.0/24\","
	    "\"reason\":\"again\"}"), 200);
	ck_assert(json_is_true(member("replaced")));
	ck_assert(json_is_null(member("expires")));
	ck_status(get("/v1/lookup/203.0.113.9", NULL, READER), 200);
	ck_assert_uint_eq(json_array_size(member("entries")), 1);
	ck_assert_str_eq(jstr(json_array_get(member("entries"), 0), "reason"),
	    "again");
}
END_TEST

START_TEST(test_entries_expire)
{
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"203.0.113.0/24\","
	    "\"ttl\":\"10m\"}"), 201);
	fake_now += 599;
	ck_status(get("/v1/lookup/203.0.113.9", NULL, READER), 200);
	ck_assert(json_is_true(member("listed")));
	/* an entry past its expiry no longer lists, even before the reaper */
	fake_now += 1;
	ck_status(get("/v1/lookup/203.0.113.9", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	ck_assert_uint_eq(json_array_size(member("entries")), 1);
	ck_assert(json_is_true(json_object_get(json_array_get(
	    member("entries"), 0), "expired")));
	ck_status(get("/v1/entries", NULL, READER), 200);
	ck_assert(json_is_true(json_object_get(json_array_get(
	    member("entries"), 0), "expired")));
}
END_TEST

/* Collect every page of GET /v1/entries?ARGS with LIMIT per page. */
static int
list_all(const char *args, int limit, char seen[][80], int max)
{
	char q[512], cursor[256] = "";
	int n = 0, pages = 0;

	for (;;) {
		json_t *entries, *next;

		ck_assert_int_lt(pages++, 20);
		if (*cursor != '\0')
			snprintf(q, sizeof(q), "%s%slimit=%d&after=%s",
			    args ? args : "", args ? "&" : "", limit, cursor);
		else
			snprintf(q, sizeof(q), "%s%slimit=%d", args ? args : "",
			    args ? "&" : "", limit);
		ck_status(get("/v1/entries", q, READER), 200);
		entries = member("entries");
		ck_assert_int_le(json_array_size(entries), limit);
		for (size_t i = 0; i < json_array_size(entries); i++) {
			ck_assert_int_lt(n, max);
			json_t *e = json_array_get(entries, i);

			if (args == NULL)	/* every source: say which */
				snprintf(seen[n++], 80, "%s,%s",
				    jstr(e, "prefix"), jstr(e, "source"));
			else
				snprintf(seen[n++], 80, "%s",
				    jstr(e, "prefix"));
		}
		next = member("next");
		if (json_is_null(next))
			break;
		ck_assert(json_is_string(next));
		snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
	}
	return n;
}

START_TEST(test_entries_pages)
{
	static const char *const want[] = { "198.51.100.0/24", "203.0.113.0/24",
	    "2001:db8::/48" };
	static const char *const want_all[] = { "198.51.100.0/24,local",
	    "203.0.113.0/24,local", "2001:db8::/48,local",
	    "192.0.2.0/24,reports", "203.0.113.0/24,reports" };
	char seen[16][80];
	int n;

	add_entry("203.0.113.0/24", "local");
	add_entry("2001:db8::/48", "local");
	add_entry("198.51.100.0/24", "local");
	/* another source's entries are not listed with source=local */
	add_entry("192.0.2.0/24", "reports");
	add_entry("203.0.113.0/24", "reports");

	n = list_all("source=local", 1, seen, 16);
	ck_assert_int_eq(n, 3);
	for (int w = 0; w < 3; w++) {
		int k = 0;

		for (int i = 0; i < n; i++)
			k += strcmp(seen[i], want[w]) == 0;
		ck_assert_msg(k == 1, "%s seen %d times", want[w], k);
	}
	/* every source, one or two per page: each entry once, even the
	 * same prefix in two sources */
	for (int limit = 1; limit <= 2; limit++) {
		n = list_all(NULL, limit, seen, 16);
		ck_assert_int_eq(n, 5);
		for (int w = 0; w < 5; w++) {
			int k = 0;

			for (int i = 0; i < n; i++)
				k += strcmp(seen[i], want_all[w]) == 0;
			ck_assert_msg(k == 1, "limit %d: %s seen %d times",
			    limit, want_all[w], k);
		}
	}
	ck_assert_int_eq(list_all("source=reports", 1, seen, 16), 2);
	/* one page of all */
	ck_status(get("/v1/entries", "source=local", READER), 200);
	ck_assert_uint_eq(json_array_size(member("entries")), 3);
	ck_assert(json_is_null(member("next")));

	/* a cursor whose entry was deleted meanwhile still works */
	ck_status(get("/v1/entries", "source=local&limit=1", READER), 200);
	ck_assert_str_eq(jstr(json_array_get(member("entries"), 0), "prefix"),
	    "198.51.100.0/24");
	ck_assert_str_eq(jstr(lj, "next"), "198.51.100.0/24,local");
	ck_status(call("DELETE", "/v1/entries/198.51.100.0/24", "source=local",
	    ADMIN, NULL, NULL), 200);
	ck_status(get("/v1/entries", "source=local&limit=1&"
	    "after=198.51.100.0/24,local", READER), 200);
	ck_assert_uint_eq(json_array_size(member("entries")), 1);
	ck_assert_str_eq(jstr(json_array_get(member("entries"), 0), "prefix"),
	    "203.0.113.0/24");

	ck_error(get("/v1/entries", "limit=0", READER), 400);
	ck_error(get("/v1/entries", "limit=1001", READER), 400);
	ck_error(get("/v1/entries", "limit=abc", READER), 400);
	ck_error(get("/v1/entries", "after=garbage", READER), 400);
	ck_error(get("/v1/entries", "after=192.0.2.0/24,nope", READER), 400);
}
END_TEST

START_TEST(test_entries_delete)
{
	add_entry("203.0.113.0/24", "local");
	add_entry("203.0.113.0/25", "local");
	ck_status(get("/v1/lookup/203.0.113.9", NULL, READER), 200);
	ck_assert(json_is_true(member("listed")));

	ck_status(call("DELETE", "/v1/entries/203.0.113.0/24", "source=local",
	    ADMIN, NULL, NULL), 200);
	ck_assert_int_eq(json_integer_value(member("deleted")), 1);
	ck_assert_str_eq(jstr(lj, "prefix"), "203.0.113.0/24");
	ck_error(call("DELETE", "/v1/entries/203.0.113.0/24", "source=local",
	    ADMIN, NULL, NULL), 404);
	/* the /25 is still there: 203.0.113.9 listed, 203.0.113.200 not */
	ck_status(get("/v1/lookup/203.0.113.200", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	ck_status(get("/v1/lookup/203.0.113.9", NULL, READER), 200);
	ck_assert(json_is_true(member("listed")));
	ck_status(call("DELETE", "/v1/entries/203.0.113.0/25", NULL, ADMIN,
	    NULL, NULL), 200);
	ck_status(get("/v1/lookup/203.0.113.9", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	ck_assert_uint_eq(json_array_size(member("entries")), 0);

	/* without a source: from every source */
	add_entry("198.51.100.0/24", "local");
	add_entry("198.51.100.0/24", "reports");
	ck_status(call("DELETE", "/v1/entries/198.51.100.0/24", NULL, ADMIN,
	    NULL, NULL), 200);
	ck_assert_int_eq(json_integer_value(member("deleted")), 2);

	ck_error(call("DELETE", "/v1/entries/203.0.113.1/24", NULL, ADMIN,
	    NULL, NULL), 400);
	ck_error(call("DELETE", "/v1/entries/203.0.113.0/24", "source=nope",
	    ADMIN, NULL, NULL), 400);
	ck_error(get("/v1/entries", "source=nope", READER), 400);
	ck_status(get("/v1/entries", NULL, READER), 200);
	ck_assert_uint_eq(json_array_size(member("entries")), 0);
}
END_TEST

/* An entry a data file owns is changed in the file: POST and DELETE over
 * it answer 409 and leave it as it was. */
START_TEST(test_entries_file_owned)
{
	char line[] = "192.0.2.77 :9:from the file", err[256];
	struct rbl_data d;
	struct store_srcmeta m;

	rbldnsd_init(&d, 0x7f000002u, NULL);
	rbldnsd_parse_line(&d, line, "local.rbl", 1, NULL, NULL);
	rbldnsd_finish(&d);
	store_srcmeta_init(&m, &d);
	ck_assert_int_eq(store_replace_file(st, srcids[0], &d, &m, err,
	    sizeof(err)), 1);
	rbldnsd_free(&d);

	ck_error(post("/v1/entries", ADMIN, "{\"prefix\":\"192.0.2.77\","
	    "\"source\":\"local\",\"a\":\"127.0.0.5\"}"), 409);
	ck_error(call("DELETE", "/v1/entries/192.0.2.77", "source=local", ADMIN,
	    NULL, NULL), 409);
	ck_error(call("DELETE", "/v1/entries/192.0.2.77", NULL, ADMIN, NULL,
	    NULL), 409);
	ck_status(get("/v1/lookup/192.0.2.77", NULL, READER), 200);
	ck_assert(json_is_true(member("listed")));
	ck_assert_str_eq(jstr(json_array_get(member("answers"), 0), "txt"),
	    "from the file");
}
END_TEST

/* ---- reports ---- */

START_TEST(test_reports)
{
	static const char rep[] = "{\"ip\":\"198.51.100.7\",\"type\":"
	    "\"failed-login\",\"service\":\"sshd\",\"reason\":\"bad password\"}";
	json_t *h, *answers;

	ck_status(post("/v1/reports", REPORTER, rep), 202);
	ck_assert(json_is_false(member("listed")));
	ck_assert_int_eq(json_integer_value(member("count")), 1);
	ck_assert(json_is_null(member("expires")));
	ck_assert(json_is_false(member("allowlisted")));
	fake_now += 1;
	ck_status(post("/v1/reports", REPORTER, rep), 202);
	ck_assert(json_is_false(member("listed")));
	ck_assert_int_eq(json_integer_value(member("count")), 2);
	fake_now += 1;
	ck_status(post("/v1/reports", REPORTER, rep), 202);
	ck_assert(json_is_true(member("listed")));
	ck_assert_int_eq(json_integer_value(member("count")), 3);
	ck_assert_int_eq(json_integer_value(member("offences")), 1);
	ck_assert_str_eq(jstr(lj, "expires"), "2023-11-14T23:13:22Z"); /* +2+1h */

	ck_status(get("/v1/lookup/198.51.100.7", NULL, READER), 200);
	ck_assert(json_is_true(member("listed")));
	answers = member("answers");
	ck_assert_uint_eq(json_array_size(answers), 1);
	ck_assert_str_eq(jstr(json_array_get(answers, 0), "source"), "reports");
	ck_assert_str_eq(jstr(json_array_get(answers, 0), "a"), "127.0.0.3");
	ck_assert_msg(strncmp(jstr(json_array_get(answers, 0), "txt"),
	    "Reported: 198.51.100.7", 22) == 0, "%s", last.body);
	ck_assert_uint_eq(json_array_size(member("reports")), 1);
	h = json_array_get(member("reports"), 0);
	ck_assert_str_eq(jstr(h, "source"), "reports");
	ck_assert_int_eq(json_integer_value(json_object_get(h, "reports")), 3);
	ck_assert(json_is_true(json_object_get(h, "listed")));

	ck_status(get("/v1/reports", "ip=198.51.100.7", READER), 200);
	ck_assert_uint_eq(json_array_size(member("reports")), 1);
	h = json_array_get(member("reports"), 0);
	ck_assert_str_eq(jstr(h, "ip"), "198.51.100.7");
	ck_assert_int_eq(json_integer_value(json_object_get(h, "offences")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(h, "recent")), 3);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(h, "recent"), 0),
	    "service"), "sshd");
	ck_assert_str_eq(jstr(json_array_get(json_object_get(h, "recent"), 0),
	    "reason"), "bad password");
	ck_error(get("/v1/reports", "ip=nope", READER), 400);

	/* an address in [allow] is counted, never listed */
	for (int i = 0; i < 5; i++) {
		ck_status(post("/v1/reports", REPORTER, "{\"ip\":\"192.0.2.99\","
		    "\"type\":\"failed-login\"}"), 202);
		ck_assert(json_is_false(member("listed")));
		ck_assert(json_is_true(member("allowlisted")));
	}
	ck_status(get("/v1/lookup/192.0.2.99", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	ck_assert_uint_eq(json_array_size(member("entries")), 0);

	/* a mapped address is reported as its IPv4 address */
	ck_status(post("/v1/reports", REPORTER, "{\"ip\":\"::ffff:198.51.100.7\","
	    "\"type\":\"failed-login\"}"), 202);
	ck_status(get("/v1/reports", "ip=198.51.100.7", READER), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    member("reports"), 0), "reports")), 4);

	/* the ban ends */
	fake_now = T0 + 2 + 3600;
	ck_status(get("/v1/lookup/198.51.100.7", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
}
END_TEST

START_TEST(test_reports_pages)
{
	static const char *const ips[] = { "198.51.100.1", "198.51.100.2",
	    "198.51.100.3" };
	char q[256], cursor[128] = "";
	int seen[3] = { 0, 0, 0 }, pages = 0;

	for (int i = 0; i < 3; i++) {
		char body[128];

		snprintf(body, sizeof(body), "{\"ip\":\"%s\",\"type\":\"spam\"}",
		    ips[i]);
		ck_status(post("/v1/reports", REPORTER, body), 202);
	}
	for (;;) {
		json_t *arr, *next;

		ck_assert_msg(pages++ < 5, "GET /v1/reports never ends: "
		    "\"next\" does not advance");
		if (*cursor)
			snprintf(q, sizeof(q), "limit=1&after=%s", cursor);
		else
			snprintf(q, sizeof(q), "limit=1");
		ck_status(get("/v1/reports", q, READER), 200);
		arr = member("reports");
		for (size_t i = 0; i < json_array_size(arr); i++)
			for (int k = 0; k < 3; k++)
				if (strcmp(jstr(json_array_get(arr, i), "ip"),
				    ips[k]) == 0)
					seen[k]++;
		next = member("next");
		if (json_is_null(next))
			break;
		snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
	}
	for (int k = 0; k < 3; k++)
		ck_assert_msg(seen[k] == 1, "%s seen %d times", ips[k], seen[k]);
}
END_TEST

/* An admin who deletes a listing made by reports unlists the IP; the next
 * report must not claim it is listed. */
START_TEST(test_report_after_delete)
{
	static const char rep[] = "{\"ip\":\"198.51.100.7\",\"type\":"
	    "\"failed-login\"}";

	for (int i = 0; i < 3; i++)
		ck_status(post("/v1/reports", REPORTER, rep), 202);
	ck_assert(json_is_true(member("listed")));
	ck_status(call("DELETE", "/v1/entries/198.51.100.7", "source=reports",
	    ADMIN, NULL, NULL), 200);
	ck_status(get("/v1/lookup/198.51.100.7", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	fake_now += 60;
	ck_status(post("/v1/reports", REPORTER, rep), 202);
	ck_assert_msg(json_is_false(member("listed")), "a report says an IP "
	    "is listed that is not: %s", last.body);
	ck_status(get("/v1/lookup/198.51.100.7", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	ck_assert_msg(json_is_false(json_object_get(json_array_get(
	    member("reports"), 0), "listed")), "%s", last.body);
}
END_TEST

/* ---- metrics, sources, zones, export ---- */

START_TEST(test_metrics)
{
	static const char rep[] = "{\"ip\":\"198.51.100.7\",\"type\":"
	    "\"failed-login\"}";

	add_entry("203.0.113.0/24", "local");
	for (int i = 0; i < 3; i++)
		ck_status(post("/v1/reports", REPORTER, rep), 202);
	ck_status(post("/v1/reports", REPORTER, "{\"ip\":\"192.0.2.99\","
	    "\"type\":\"spam\"}"), 202);
	ck_error(get("/v1/nope", NULL, READER), 404);

	ck_error(get("/metrics", NULL, REPORTER), 403);
	ck_status(get("/metrics", NULL, READER), 200);
	ck_assert_ptr_null(lj);	/* text, not JSON */
	ck_assert_ptr_nonnull(last.content_type);
	ck_assert_msg(strncmp(last.content_type, "text/plain", 10) == 0, "%s",
	    last.content_type);
#define HAS(s) ck_assert_msg(strstr(last.body, s) != NULL, \
	    "no \"%s\" in:\n%s", s, last.body)
	HAS("rbld_api_requests_total{route=\"entries\",status=\"201\"} 1\n");
	HAS("rbld_api_requests_total{route=\"reports\",status=\"202\"} 4\n");
	HAS("rbld_api_requests_total{route=\"metrics\",status=\"403\"} 1\n");
	HAS("rbld_api_requests_total{route=\"none\",status=\"404\"} 1\n");
	HAS("rbld_reports_total{type=\"failed-login\"} 3\n");
	HAS("rbld_reports_total{type=\"spam\"} 1\n");
	HAS("rbld_reports_allowlisted_total 1\n");
	HAS("rbld_listings_total 1\n");
	HAS("rbld_source_entries{source=\"local\",kind=\"local\"} 1\n");
	HAS("rbld_source_entries{source=\"reports\",kind=\"reports\"} 1\n");
	HAS("rbld_zone_serial{zone=\"bl.test\"} ");
	HAS("# TYPE rbld_api_requests_total counter\n");
	/* a failed login is counted */
	HAS("rbld_api_auth_failures_total 0\n");
	snprintf(client_ip, sizeof(client_ip), "10.0.9.1");
	ck_error(get("/metrics", NULL, "rbld_wrong"), 401);
	ck_status(get("/metrics", NULL, READER), 200);
	HAS("rbld_api_auth_failures_total 1\n");
	HAS("rbld_api_requests_total{route=\"metrics\",status=\"401\"} 1\n");
#undef HAS
}
END_TEST

START_TEST(test_sources_zones)
{
	json_t *srcs, *s, *zones, *z, *ft;
	json_int_t serial;

	ck_status(get("/v1/sources", NULL, READER), 200);
	srcs = member("sources");
	ck_assert_uint_eq(json_array_size(srcs), 2);
	s = json_array_get(srcs, 0);
	ck_assert_str_eq(jstr(s, "name"), "local");
	ck_assert_str_eq(jstr(s, "kind"), "local");
	ck_assert_str_eq(jstr(s, "txt"), "Local: $");
	ck_assert_str_eq(jstr(s, "a"), "127.0.0.2");
	ck_assert_int_eq(json_integer_value(json_object_get(s, "entries")), 0);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(s,
	    "zones"), 0)), "bl.test");
	s = json_array_get(srcs, 1);
	ck_assert_str_eq(jstr(s, "name"), "reports");
	ck_assert_str_eq(jstr(s, "kind"), "reports");
	ck_assert_str_eq(jstr(s, "a"), "127.0.0.3");
	ft = json_object_get(json_object_get(s, "types"), "failed-login");
	ck_assert_ptr_nonnull(ft);
	ck_assert_int_eq(json_integer_value(json_object_get(ft, "count")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(ft, "window")), 600);
	ck_assert_int_eq(json_integer_value(json_object_get(ft, "ban")), 3600);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(s, "types"),
	    "spam"));

	ck_status(get("/v1/zones", NULL, READER), 200);
	zones = member("zones");
	ck_assert_uint_eq(json_array_size(zones), 1);
	ck_assert(json_is_null(member("catalog")));	/* none configured */
	z = json_array_get(zones, 0);
	ck_assert_str_eq(jstr(z, "zone"), "bl.test");
	ck_assert_int_eq(json_integer_value(json_object_get(z, "entries")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(z, "sources")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(z,
	    "sources"), 1)), "reports");
	serial = json_integer_value(json_object_get(z, "serial"));
	/* Sharing: an empty journal, no secondary seen yet; then the
	 * record the journal thread writes. */
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(z,
	    "journal"), "steps")), 0);
	ck_assert(json_is_null(json_object_get(json_object_get(z, "journal"),
	    "oldest_serial")));
	ck_assert_uint_eq(json_array_size(json_object_get(z, "secondaries")),
	    0);
	journal_note_transfer("bl.test", "192.0.2.53", "AXFR", 7, 1234, 5);
	journal_share_save(st);
	ck_status(get("/v1/zones", NULL, READER), 200);
	z = json_array_get(json_object_get(json_array_get(member("zones"), 0),
	    "secondaries"), 0);
	ck_assert_str_eq(jstr(z, "client"), "192.0.2.53");
	ck_assert_str_eq(jstr(z, "transfer"), "AXFR");
	ck_assert_int_eq(json_integer_value(json_object_get(z, "bytes")), 1234);
	ck_assert_int_eq(json_integer_value(json_object_get(z, "serial")), 7);
	z = json_array_get(member("zones"), 0);

	add_entry("203.0.113.0/24", "local");
	ck_status(get("/v1/zones", NULL, READER), 200);
	z = json_array_get(member("zones"), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(z, "serial")),
	    serial);
	ck_assert_int_eq(json_integer_value(json_object_get(z, "entries")), 1);
	serial = json_integer_value(json_object_get(z, "serial"));

	/* a listing by reports bumps it too */
	ck_status(post("/v1/reports", REPORTER, "{\"ip\":\"198.51.100.1\","
	    "\"type\":\"spam\"}"), 202);
	ck_status(post("/v1/reports", REPORTER, "{\"ip\":\"198.51.100.1\","
	    "\"type\":\"spam\"}"), 202);
	ck_status(get("/v1/zones", NULL, READER), 200);
	z = json_array_get(member("zones"), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(z, "serial")),
	    serial);
	ck_assert_int_eq(json_integer_value(json_object_get(z, "entries")), 2);

	ck_status(get("/v1/sources", NULL, READER), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    member("sources"), 1), "entries")), 1);
}
END_TEST

START_TEST(test_export)
{
	add_entry("203.0.113.0/24", "local");
	add_entry("2001:db8::/48", "local");
	ck_status(get("/v1/zones/bl.test/export", NULL, READER), 200);
	ck_assert_ptr_null(lj);
	ck_assert_msg(strncmp(last.content_type, "text/plain", 10) == 0, "%s",
	    last.content_type);
	ck_assert_msg(strstr(last.body, "$DATASET") != NULL, "%s", last.body);
	ck_assert_msg(strstr(last.body, "203.0.113.0/24") != NULL, "%s",
	    last.body);
	ck_assert_msg(strstr(last.body, "2001:db8::/48") != NULL, "%s",
	    last.body);
	ck_status(get("/v1/zones/bl.test/export", "format=rbldnsd", READER),
	    200);
	ck_error(get("/v1/zones/nope.test/export", NULL, READER), 404);
	ck_error(get("/v1/zones/bl.test/export", "format=nope", READER), 400);
	/* HEAD: the headers, nothing rendered. */
	ck_status(call("HEAD", "/v1/zones/bl.test/export", NULL, READER, NULL,
	    NULL), 200);
	ck_assert_uint_eq(last.len, 0);
	/* A bounded number at once; one more gets 503 and a time to retry. */
	{
		struct export_job *held[EXPORT_MAX_ACTIVE];
		struct view_ref *vr = &views;

		for (int i = 0; i < EXPORT_MAX_ACTIVE; i++)
			ck_assert_ptr_nonnull(held[i] = export_start(st, vr,
			    "bl.test", true));
		ck_error(get("/v1/zones/bl.test/export", NULL, READER), 503);
		ck_assert_uint_eq(last.retry_after, 5);
		for (int i = 0; i < EXPORT_MAX_ACTIVE; i++)
			export_job_free(held[i]);	/* unread: they stop */
		ck_status(get("/v1/zones/bl.test/export", NULL, READER), 200);
	}
	/* a deleted entry is gone from the export */
	ck_status(call("DELETE", "/v1/entries/203.0.113.0/24", NULL, ADMIN,
	    NULL, NULL), 200);
	ck_status(get("/v1/zones/bl.test/export", NULL, READER), 200);
	ck_assert_msg(strstr(last.body, "203.0.113.0/24") == NULL, "%s",
	    last.body);
}
END_TEST

/* Before a view is in force: 503, not a crash. */
START_TEST(test_not_ready)
{
	struct view_ref none = { NULL };
	struct api *a2, *keep = api;

	ck_assert_ptr_nonnull(a2 = api_new(st, cq, NULL, &none));
	api = a2;
	ck_status(get("/healthz", NULL, NULL), 503);
	api = keep;
	api_free(a2);
}
END_TEST

/* Review findings: each of these once got a wrong answer. */
START_TEST(test_review_fixes)
{
	struct prefix p;
	char err[128];
	json_t *e;

	/* A ttl past 2106 is refused, not wrapped into the past. */
	ck_error(post("/v1/entries", ADMIN, "{\"prefix\":\"192.0.2.1\","
	    "\"ttl\":9223372036854775807}"), 400);
	ck_error(post("/v1/entries", ADMIN, "{\"prefix\":\"192.0.2.1\","
	    "\"ttl\":\"9223372036854775807s\"}"), 400);
	/* A newline in a TXT would start a line of its own in the export. */
	ck_error(post("/v1/entries", ADMIN, "{\"prefix\":\"192.0.2.10\","
	    "\"txt\":\"evil\\n198.51.100.0/24 :127.0.0.9:injected\"}"), 400);
	ck_error(post("/v1/entries", ADMIN, "{\"prefix\":\"192.0.2.10\","
	    "\"reason\":\"a\\tb\"}"), 400);
	ck_status(get("/v1/entries", NULL, ADMIN), 200);
	ck_assert_uint_eq(json_array_size(member("entries")), 0);
	/* Text that is not UTF-8 (written by another tool) is shown with
	 * U+FFFD, not dropped from the answer. */
	ck_assert_int_eq(ipaddr_parse_prefix("192.0.2.20", &p, NULL, 0), 0);
	ck_assert_int_eq(store_add(st, srcids[0], &p, false, 0x7f000002,
	    "T\xe9xt $", 0, "caf\xe9", ORIGIN_CLI, err, sizeof(err)), 0);
	ck_status(get("/v1/lookup/192.0.2.20", NULL, READER), 200);
	e = json_array_get(member("entries"), 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(jstr(e, "reason"), "caf\xef\xbf\xbd");
	ck_assert_str_eq(jstr(e, "txt"), "T\xef\xbf\xbdxt $");
	ck_assert_str_eq(jstr(json_array_get(member("answers"), 0), "txt"),
	    "T\xef\xbf\xbdxt 192.0.2.20");
	/* An IPv4-mapped prefix is the IPv4 one, as lookups ask it; so is
	 * deleting it. */
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":"
	    "\"::ffff:198.51.100.9\"}"), 201);
	ck_assert_str_eq(jstr(lj, "prefix"), "198.51.100.9/32");
	ck_status(get("/v1/lookup/198.51.100.9", NULL, READER), 200);
	ck_assert(json_is_true(member("listed")));
	ck_status(call("DELETE", "/v1/entries/::ffff:198.51.100.9", NULL, ADMIN,
	    NULL, NULL), 200);
	ck_status(get("/v1/lookup/198.51.100.9", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	/* The 6to4 form of an address in [allow] is never listed either. */
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"2002::/16\",\"force\":true}"),
	    201);
	ck_status(get("/v1/lookup/2002:c000:263::", NULL, READER), 200);
	ck_assert(json_is_false(member("listed")));
	ck_assert_str_eq(json_string_value(member("never_listed")), "in [allow]");
	ck_status(get("/v1/lookup/2002:c000:264::", NULL, READER), 200);
	ck_assert(json_is_true(member("listed")));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_routing);
	tcase_add_test(tc, test_auth);
	tcase_add_test(tc, test_roles);
	tcase_add_test(tc, test_db_token);
	tcase_add_test(tc, test_lockout);
	tcase_add_test(tc, test_lockout_window);
	tcase_add_test(tc, test_lockout_ipv6);
	tcase_add_test(tc, test_json_validation);
	tcase_add_test(tc, test_entries_lookup);
	tcase_add_test(tc, test_entries_expire);
	tcase_add_test(tc, test_entries_pages);
	tcase_add_test(tc, test_entries_delete);
	tcase_add_test(tc, test_entries_file_owned);
	tcase_add_test(tc, test_reports);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_sources_zones);
	tcase_add_test(tc, test_export);
	tcase_add_test(tc, test_not_ready);
	/* Bugs found by these tests, fixed since. */
	tcase_add_test(tc, test_reports_pages);
	tcase_add_test(tc, test_lockout_table_full);
	tcase_add_test(tc, test_report_after_delete);
	tcase_add_test(tc, test_review_fixes);
	suite_add_tcase(s, tc);
	return test_run(s);
}
