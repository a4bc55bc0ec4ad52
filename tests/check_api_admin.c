/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the API's admin routes: whoami, tokens, the runtime allowlist, the web page's files. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../rbld/allow.h"
#include "../rbld/api_int.h"
#include "../rbld/runtime.h"
#include "apitest.h"
#include "testutil.h"

/* ---- whoami and tokens ---- */

START_TEST(test_whoami)
{
	ck_status(get("/v1/whoami", NULL, READER), 200);
	ck_assert_str_eq(jstr(lj, "name"), "reader1");
	ck_assert_str_eq(jstr(lj, "role"), "reader");
	ck_status(get("/v1/whoami", NULL, REPORTER), 200);
	ck_assert_str_eq(jstr(lj, "role"), "reporter");
	ck_status(get("/v1/whoami", NULL, ADMIN), 200);
	ck_assert_str_eq(jstr(lj, "name"), "adm1");
	ck_error(get("/v1/whoami", NULL, NULL), 401);
	ck_error(get("/v1/whoami", NULL, "rbld_not_a_token"), 401);
}
END_TEST

/* The token in the last answer, copied. */
static char *
new_token(void)
{
	char *t = strdup(jstr(lj, "token"));

	ck_assert_ptr_nonnull(t);
	return t;
}

START_TEST(test_tokens)
{
	json_t *arr;
	char *tok;

	/* Admin only. */
	ck_error(get("/v1/tokens", NULL, READER), 403);
	ck_error(post("/v1/tokens", READER, "{\"name\":\"x\",\"role\":\"admin\"}"),
	    403);
	/* The config's, marked as such. */
	ck_status(get("/v1/tokens", NULL, ADMIN), 200);
	arr = member("tokens");
	ck_assert_uint_eq(json_array_size(arr), 3);
	ck_assert_str_eq(jstr(json_array_get(arr, 0), "name"), "reader1");
	ck_assert(json_is_true(json_object_get(json_array_get(arr, 0),
	    "config")));
	/* A new one: shown once, and it works at once with its role. */
	ck_status(post("/v1/tokens", ADMIN, "{\"name\":\"f2b-mx1\","
	    "\"role\":\"reporter\"}"), 201);
	ck_assert_str_eq(jstr(lj, "role"), "reporter");
	tok = new_token();
	ck_assert_uint_eq(strlen(tok), TOKEN_LEN);
	ck_status(get("/v1/whoami", NULL, tok), 200);
	ck_assert_str_eq(jstr(lj, "name"), "f2b-mx1");
	ck_error(get("/v1/sources", NULL, tok), 403);
	ck_status(get("/v1/tokens", NULL, ADMIN), 200);
	arr = member("tokens");
	ck_assert_uint_eq(json_array_size(arr), 4);
	ck_assert_str_eq(jstr(json_array_get(arr, 3), "name"), "f2b-mx1");
	ck_assert(json_is_false(json_object_get(json_array_get(arr, 3),
	    "config")));
	ck_assert(json_is_string(json_object_get(json_array_get(arr, 3),
	    "created")));
	/* No token is listed with its secret or hash. */
	ck_assert_ptr_null(strstr(last.body, tok));
	ck_assert_ptr_null(strstr(last.body, "sha256"));
	/* Names are unique, the config's too; bad input says why. */
	ck_error(post("/v1/tokens", ADMIN, "{\"name\":\"f2b-mx1\","
	    "\"role\":\"reader\"}"), 409);
	ck_error(post("/v1/tokens", ADMIN, "{\"name\":\"adm1\","
	    "\"role\":\"reader\"}"), 409);
	ck_error(post("/v1/tokens", ADMIN, "{\"name\":\"a b\","
	    "\"role\":\"reader\"}"), 400);
	ck_error(post("/v1/tokens", ADMIN, "{\"name\":\"ok\","
	    "\"role\":\"root\"}"), 400);
	ck_error(post("/v1/tokens", ADMIN, "{\"name\":\"ok\"}"), 400);
	ck_error(post("/v1/tokens", ADMIN, "{\"name\":\"ok\","
	    "\"role\":\"reader\",\"extra\":1}"), 400);
	/* Revoked: refused at once. The config's stay. */
	ck_status(call("DELETE", "/v1/tokens/f2b-mx1", NULL, ADMIN, NULL,
	    NULL), 200);
	ck_error(get("/v1/whoami", NULL, tok), 401);
	ck_error(call("DELETE", "/v1/tokens/f2b-mx1", NULL, ADMIN, NULL, NULL),
	    404);
	ck_error(call("DELETE", "/v1/tokens/reader1", NULL, ADMIN, NULL, NULL),
	    409);
	ck_status(get("/v1/whoami", NULL, READER), 200);
	free(tok);
}
END_TEST

/* GET /v1/entries?q=: entries whose prefix, reason or TXT hold the text. */
START_TEST(test_entries_filter)
{
	json_t *arr;

	add_entry("198.51.100.0/24", "local");		/* reason r-PREFIX */
	add_entry("203.0.113.0/24", "local");
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"192.0.2.5\","
	    "\"reason\":\"Spam run 42\"}"), 201);
	ck_status(get("/v1/entries", "source=local&q=spam", READER), 200);
	arr = member("entries");
	ck_assert_uint_eq(json_array_size(arr), 1);
	ck_assert_str_eq(jstr(json_array_get(arr, 0), "prefix"), "192.0.2.5/32");
	ck_status(get("/v1/entries", "source=local&q=203.0.113", READER), 200);
	ck_assert_uint_eq(json_array_size(member("entries")), 1);
	ck_status(get("/v1/entries", "source=local&q=r-&limit=1", READER), 200);
	ck_assert_uint_eq(json_array_size(member("entries")), 1);
	ck_assert(json_is_string(member("next")));
	ck_status(get("/v1/entries", "source=local&q=nothing-like-it", READER),
	    200);
	ck_assert_uint_eq(json_array_size(member("entries")), 0);
	ck_assert(json_is_null(member("next")));
	ck_status(get("/v1/entries", "source=local&q=", READER), 200);
	ck_assert_uint_eq(json_array_size(member("entries")), 3);
}
END_TEST

/*
 * Hand-made entries and reports never name an address that cannot send
 * mail; entries broader than the source's min-prefix need "force"; an
 * answer stays inside 127.0.0.0/8 (RFC 5782).
 */
START_TEST(test_entry_bounds)
{
	static const char *const never[] = { "0.0.0.0", "0.1.2.3",
	    "255.255.255.255", "224.0.0.1", "239.1.2.0/24", "240.0.0.0/8",
	    "127.0.0.5", "127.0.0.1", "::", "::1", "ff02::1", "::ffff:224.0.0.9",
	    NULL };
	char body[256];

	for (int i = 0; never[i] != NULL; i++) {
		snprintf(body, sizeof(body), "{\"prefix\":\"%s\",\"force\":"
		    "true}", never[i]);
		ck_error(post("/v1/entries", ADMIN, body), 400);
		ck_assert_ptr_nonnull(strstr(last.body, "never sends mail"));
		if (strchr(never[i], '/') != NULL)
			continue;
		snprintf(body, sizeof(body), "{\"ip\":\"%s\",\"type\":"
		    "\"spam\"}", never[i]);
		ck_error(post("/v1/reports", REPORTER, body), 400);
		ck_assert_ptr_nonnull(strstr(last.body, "never sends mail"));
	}
	/* Broader than /8 (IPv4) or /19 (IPv6): only when forced. */
	ck_error(post("/v1/entries", ADMIN, "{\"prefix\":\"0.0.0.0/0\"}"), 400);
	ck_assert_ptr_nonnull(strstr(last.body, "min-prefix /8"));
	ck_error(post("/v1/entries", ADMIN, "{\"prefix\":\"::/0\"}"), 400);
	ck_error(post("/v1/entries", ADMIN, "{\"prefix\":\"2001:db8::/16\"}"),
	    400);
	ck_error(post("/v1/entries", ADMIN, "{\"prefix\":\"10.0.0.0/7\","
	    "\"force\":\"yes\"}"), 400);
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"10.0.0.0/7\","
	    "\"force\":true}"), 201);
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"10.0.0.0/8\"}"),
	    201);
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"2001::/19\"}"),
	    201);
	/* An exclusion may be broad: it lists nothing. */
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"160.0.0.0/4\","
	    "\"exclude\":true}"), 201);
	/* Answers stay inside 127.0.0.0/8. */
	ck_error(post("/v1/entries", ADMIN, "{\"prefix\":\"192.0.2.1\","
	    "\"a\":\"8.8.8.8\"}"), 400);
	ck_assert_ptr_nonnull(strstr(last.body, "127.0.0.0/8"));
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"192.0.2.1\","
	    "\"a\":\"127.0.0.10\"}"), 201);
	/* The test point, and private and documentation ranges, are fine. */
	ck_status(post("/v1/entries", ADMIN, "{\"prefix\":\"127.0.0.2\"}"),
	    201);
	ck_status(post("/v1/reports", REPORTER, "{\"ip\":\"10.1.2.3\","
	    "\"type\":\"spam\"}"), 202);
	ck_status(post("/v1/reports", REPORTER, "{\"ip\":\"192.0.2.200\","
	    "\"type\":\"spam\"}"), 202);
}
END_TEST

/* ---- the runtime allowlist ---- */

static int republished, fail_republish;

/* What rbld.c's republish does: a new view, with the allowlist. */
static int
test_republish(void *arg, char *err, size_t errlen)
{
	struct view *nv;

	(void)arg;
	republished++;
	if (fail_republish) {
		snprintf(err, errlen, "no view for you");
		return -1;
	}
	if ((nv = runtime_build(conf, st, err, errlen)) == NULL)
		return -1;
	view_free(view);	/* no request runs meanwhile */
	view = nv;
	views.cur = nv;
	return 0;
}

static bool
listed(const char *ip)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/lookup/%s", ip);
	ck_status(get(path, NULL, READER), 200);
	return json_is_true(member("listed"));
}

START_TEST(test_allowlist)
{
	json_t *e, *arr;

	api_on_allow(api, test_republish, NULL);
	/* The runtime clock: an expiry is checked against the real time. */
	fake_now = (uint32_t)time(NULL);
	add_entry("198.51.100.0/24", "local");
	ck_assert(listed("198.51.100.7"));

	/* Admin only, with a prefix and a reason. */
	ck_error(post("/v1/allow", READER, "{\"prefix\":\"198.51.100.7\","
	    "\"reason\":\"x\"}"), 403);
	ck_error(post("/v1/allow", ADMIN, "{\"prefix\":\"198.51.100.7\"}"), 400);
	ck_error(post("/v1/allow", ADMIN, "{\"prefix\":\"198.51.100.7\","
	    "\"reason\":\"\"}"), 400);
	ck_error(post("/v1/allow", ADMIN, "{\"prefix\":\"198.51.100.300\","
	    "\"reason\":\"x\"}"), 400);
	ck_error(post("/v1/allow", ADMIN, "{\"prefix\":\"198.51.100.7\","
	    "\"reason\":\"x\",\"ttl\":\"soon\"}"), 400);
	ck_error(post("/v1/allow", ADMIN, "{\"prefix\":\"198.51.100.7\","
	    "\"reason\":\"line\\nbreak\"}"), 400);
	ck_assert_int_eq(republished, 0);
	ck_assert(listed("198.51.100.7"));

	/* Allowed: never listed from the answer on; the lookup says why. */
	ck_status(post("/v1/allow", ADMIN, "{\"prefix\":\"::ffff:198.51.100.7\","
	    "\"reason\":\"<img src=x onerror=alert(1)>\"}"), 201);
	ck_assert_str_eq(jstr(lj, "prefix"), "198.51.100.7/32");
	ck_assert_str_eq(jstr(lj, "by"), "adm1");
	ck_assert(json_is_null(member("expires")));
	ck_assert_int_eq(republished, 1);
	ck_assert(!listed("198.51.100.7"));
	ck_assert_str_eq(jstr(lj, "never_listed"), "in the runtime allowlist");
	e = json_array_get(member("allowed_by"), 0);
	ck_assert_str_eq(jstr(e, "from"), "runtime");
	ck_assert_str_eq(jstr(e, "reason"), "<img src=x onerror=alert(1)>");
	ck_assert(listed("198.51.100.8"));
	/* [allow]'s entry is told apart. */
	ck_assert(!listed("192.0.2.99"));
	ck_assert_str_eq(jstr(lj, "never_listed"), "in [allow]");
	ck_assert_str_eq(jstr(json_array_get(member("allowed_by"), 0), "from"),
	    "rbld.conf");

	/* Listed apart from the config's, which stay read-only. */
	ck_status(get("/v1/allow", NULL, READER), 200);
	arr = member("runtime");
	ck_assert_uint_eq(json_array_size(arr), 1);
	ck_assert_str_eq(jstr(json_array_get(arr, 0), "prefix"),
	    "198.51.100.7/32");
	arr = member("config");
	ck_assert_uint_eq(json_array_size(arr), 1);
	ck_assert_str_eq(jstr(json_array_get(arr, 0), "prefix"),
	    "192.0.2.99/32");
	ck_error(call("DELETE", "/v1/allow/192.0.2.99/32", NULL, ADMIN, NULL,
	    NULL), 409);

	/* The same prefix again replaces it, with an expiry. */
	ck_status(post("/v1/allow", ADMIN, "{\"prefix\":\"198.51.100.7/32\","
	    "\"reason\":\"partner relay\",\"ttl\":\"1h\"}"), 200);
	ck_assert(json_is_true(member("replaced")));
	ck_assert(json_is_string(member("expires")));

	/* Removed: listed again at once. */
	ck_error(call("DELETE", "/v1/allow/198.51.100.7", NULL, READER, NULL,
	    NULL), 403);
	ck_status(call("DELETE", "/v1/allow/198.51.100.7/32", NULL, ADMIN,
	    NULL, NULL), 200);
	ck_assert(listed("198.51.100.7"));
	ck_error(call("DELETE", "/v1/allow/198.51.100.7", NULL, ADMIN, NULL,
	    NULL), 404);

	/* A network, expired: out of the view and, by the reaper, of the
	 * database. */
	ck_status(post("/v1/allow", ADMIN, "{\"prefix\":\"198.51.100.0/28\","
	    "\"reason\":\"r\",\"ttl\":60}"), 201);
	ck_assert(!listed("198.51.100.7"));
	ck_assert_uint_gt(view->allow_expiry, 0);
	ck_assert_int_eq(allow_expire(st, fake_now + 30), 0);
	ck_assert_int_eq(allow_expire(st, fake_now + 61), 1);
	ck_assert_int_eq(test_republish(NULL, NULL, 0), 0);
	ck_assert(listed("198.51.100.7"));
	ck_status(get("/v1/allow", NULL, READER), 200);
	ck_assert_uint_eq(json_array_size(member("runtime")), 0);

	/* A change that cannot be put in force says so. */
	fail_republish = 1;
	ck_error(post("/v1/allow", ADMIN, "{\"prefix\":\"203.0.113.5\","
	    "\"reason\":\"r\"}"), 500);
	ck_assert_ptr_nonnull(strstr(last.body, "not in force"));
	fail_republish = 0;
}
END_TEST

/* ---- connections: per address, deadlines ---- */

/* Has the peer of socket pair P been shut down (EOF at our end)? */
static bool
was_cut(const int *p)
{
	char b;

	return recv(p[0], &b, 1, MSG_DONTWAIT) == 0;
}

START_TEST(test_connection_guard)
{
	struct api_conns *cs = api_conns_new(2, 10, 60, 30);
	struct api_conn *a, *b, *c, *d;
	struct sockaddr_in one = { .sin_family = AF_INET }, two = one;
	int pa[2], pb[2], pc[2], pd[2];

	one.sin_addr.s_addr = htonl(0x7f000001);
	two.sin_addr.s_addr = htonl(0x7f000002);
	ck_assert_ptr_nonnull(cs);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pa), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pb), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pc), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pd), 0);
	ck_assert_ptr_nonnull(a = api_conns_open(cs, pa[1],
	    (struct sockaddr *)&one, 1000));
	ck_assert_ptr_nonnull(b = api_conns_open(cs, pb[1],
	    (struct sockaddr *)&one, 2000));
	/* The third from 127.0.0.1 makes room: the oldest not in a request
	 * (b is in one) goes. Another address is not concerned. */
	api_conns_request(cs, b, 2500);
	ck_assert_ptr_nonnull(c = api_conns_open(cs, pc[1],
	    (struct sockaddr *)&one, 3000));
	ck_assert(was_cut(pa));
	ck_assert(!was_cut(pb));
	ck_assert_ptr_nonnull(d = api_conns_open(cs, pd[1],
	    (struct sockaddr *)&two, 3000));
	api_conns_close(cs, a);
	/* Both of 127.0.0.1's in requests: a new one is refused. */
	api_conns_request(cs, c, 3100);
	ck_assert_ptr_null(api_conns_open(cs, -1, (struct sockaddr *)&one,
	    3200));
	/* Deadlines: headers within 10 s of connecting (d), a request
	 * within 60 s of its headers (b, c), the next request within 30 s
	 * of an answer. */
	ck_assert_uint_eq(api_conns_expire(cs, 12999), 0);
	ck_assert_uint_eq(api_conns_expire(cs, 13000), 1);
	ck_assert(was_cut(pd));
	api_conns_done(cs, b, 20000);
	ck_assert_uint_eq(api_conns_expire(cs, 49999), 0);
	ck_assert_uint_eq(api_conns_expire(cs, 50000), 1);	/* b, idle */
	ck_assert(was_cut(pb));
	ck_assert_uint_eq(api_conns_expire(cs, 63100), 1);	/* c */
	ck_assert(was_cut(pc));
	ck_assert_uint_eq(api_conns_expire(cs, 99999), 0);	/* once each */
	{
		uint64_t late, evicted, refused;

		api_conns_counts(cs, &late, &evicted, &refused);
		ck_assert_uint_eq(late, 3);
		ck_assert_uint_eq(evicted, 1);
		ck_assert_uint_eq(refused, 1);
	}
	api_conns_free(cs);
	for (int i = 0; i < 2; i++) {
		close(pa[i]);
		close(pb[i]);
		close(pc[i]);
		close(pd[i]);
	}
}
END_TEST

/* ---- the web page's files ---- */

static void
web_file(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/web/%s", tmpdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_web_files)
{
	char dir[PATH_MAX], path[PATH_MAX], etag[64];

	/* No folder: the page is not installed, and the API says so. */
	ck_error(get("/", NULL, NULL), 404);
	ck_assert_ptr_nonnull(strstr(last.body, "not installed"));
	snprintf(dir, sizeof(dir), "%s/web", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	web_file("index.html", "<!DOCTYPE html><title>rbld</title>\n");
	web_file("app.js", "'use strict';\n");
	web_file("style.css", "body{}\n");
	web_file(".hidden.js", "secret\n");
	web_file("notes.conf", "secret\n");
	snprintf(path, sizeof(path), "%s/web/sub.css", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/web/evil.js", tmpdir);
	ck_assert_int_eq(symlink("../rbld.conf", path), 0);

	/* No token needed: the page signs in itself. */
	ck_status(get("/", NULL, NULL), 200);
	ck_assert_str_eq(last.content_type, "text/html; charset=utf-8");
	ck_assert_str_eq(last.body, "<!DOCTYPE html><title>rbld</title>\n");
	ck_assert(last.cache);
	ck_assert_uint_gt(strlen(last.etag), 2);
	ck_assert_int_gt(last.last_modified, 0);
	ck_status(get("/index.html", NULL, NULL), 200);
	ck_status(get("/app.js", NULL, NULL), 200);
	ck_assert_str_eq(last.content_type, "text/javascript; charset=utf-8");
	snprintf(etag, sizeof(etag), "%s", last.etag);
	ck_status(get("/style.css", NULL, NULL), 200);
	ck_assert_str_eq(last.content_type, "text/css; charset=utf-8");
	/* A current copy: 304, no body. */
	if_none_match = etag;
	ck_status(get("/app.js", NULL, NULL), 304);
	ck_assert_str_eq(last.etag, etag);
	if_none_match = "\"other\"";
	ck_status(get("/app.js", NULL, NULL), 200);
	if_none_match = NULL;
	ck_status(call("HEAD", "/", NULL, NULL, NULL, NULL), 200);

	/* Nothing but the folder's plain files of the page's types. The
	 * router gets the path decoded: "%2e%2e%2f" is "../" here. */
	ck_error(get("/.hidden.js", NULL, NULL), 404);
	ck_error(get("/notes.conf", NULL, NULL), 404);
	ck_error(get("/sub.css", NULL, NULL), 404);
	ck_error(get("/evil.js", NULL, NULL), 404);
	ck_error(get("/../rbld.conf", NULL, NULL), 404);
	ck_error(get("/..", NULL, NULL), 404);
	ck_error(get("/missing.js", NULL, NULL), 404);
	ck_error(get("/a\\b.js", NULL, NULL), 404);
	ck_error(call("POST", "/", NULL, NULL, JSON, "{}"), 405);
	ck_error(call("PUT", "/app.js", NULL, NULL, NULL, NULL), 405);
	/* The API's own routes still win. */
	ck_status(get("/healthz", NULL, NULL), 200);
	ck_assert_str_eq(last.content_type, "application/json");
	ck_assert(!last.cache);
}
END_TEST

/* Dovecot's auth policy protocol: allow refuses what a zone lists and
 * tarpits recent failures; report counts a failed login. */
static int
dovecot(const char *command, const char *token, const char *body)
{
	char args[32];

	snprintf(args, sizeof(args), "command=%s", command);
	return call("POST", "/v1/dovecot/", args, token, JSON, body);
}

static json_int_t
status_of(void)
{
	ck_assert_msg(json_is_integer(member("status")) &&
	    json_is_string(member("msg")), "not a policy answer: %s",
	    last.body);
	return json_integer_value(member("status"));
}

START_TEST(test_dovecot)
{
	const char *fail = "{\"login\":\"u\",\"pwhash\":\"ab\","
	    "\"remote\":\"198.51.100.5\",\"device_id\":\"\","
	    "\"protocol\":\"imap\",\"session_id\":\"s\","
	    "\"success\":false,\"policy_reject\":false}";
	const char *ask = "{\"login\":\"u\",\"remote\":\"198.51.100.5\","
	    "\"protocol\":\"imap\"}";

	/* Unknown: go ahead. A listed address: refused, with the TXT. */
	ck_status(dovecot("allow", REPORTER, ask), 200);
	ck_assert_int_eq(status_of(), 0);
	add_entry("192.0.2.66/32", "local");
	ck_status(dovecot("allow", REPORTER,
	    "{\"remote\":\"192.0.2.66\"}"), 200);
	ck_assert_int_eq(status_of(), -1);
	ck_assert_str_eq(jstr(lj, "msg"), "listed in bl.test: Local: "
	    "192.0.2.66");
	/* Failures below the threshold (3): a tarpit of 2 s each. */
	ck_status(dovecot("report", REPORTER, fail), 200);
	ck_status(dovecot("allow", REPORTER, ask), 200);
	ck_assert_int_eq(status_of(), 2);
	ck_assert_str_eq(jstr(lj, "msg"), "1 recent failed login");
	ck_status(dovecot("report", REPORTER, fail), 200);
	ck_status(dovecot("allow", REPORTER, ask), 200);
	ck_assert_int_eq(status_of(), 4);
	/* A success, or rbld's own refusal, counts nothing. */
	ck_status(dovecot("report", REPORTER, "{\"remote\":\"198.51.100.5\","
	    "\"success\":true}"), 200);
	ck_status(dovecot("report", REPORTER, "{\"remote\":\"198.51.100.5\","
	    "\"success\":false,\"policy_reject\":true}"), 200);
	ck_status(dovecot("allow", REPORTER, ask), 200);
	ck_assert_int_eq(status_of(), 4);
	/* The third failure lists it, as POST /v1/reports would. */
	ck_status(dovecot("report", REPORTER, fail), 200);
	ck_status(dovecot("allow", REPORTER, ask), 200);
	ck_assert_int_eq(status_of(), -1);
	ck_assert_str_eq(jstr(lj, "msg"), "listed in bl.test: Reported: "
	    "198.51.100.5 (failed-login, 3 reports, imap)");
	ck_status(get("/v1/reports", "ip=198.51.100.5", READER), 200);
	ck_assert_msg(strstr(last.body, "\"service\":\"imap\"") != NULL &&
	    strstr(last.body, "\"reports\":3,") != NULL, "%s", last.body);
	/* A local login is nothing to count; [allow] is never refused. */
	ck_status(dovecot("report", REPORTER, "{\"remote\":\"127.0.0.1\","
	    "\"success\":false}"), 200);
	ck_status(dovecot("allow", REPORTER, "{\"remote\":\"192.0.2.99\"}"),
	    200);
	ck_assert_int_eq(status_of(), 0);
	/* Bad input: clear errors; the reader role may not post. */
	ck_error(dovecot("deny", REPORTER, ask), 400);
	ck_error(call("POST", "/v1/dovecot/", NULL, REPORTER, JSON, ask), 400);
	ck_error(dovecot("allow", REPORTER, "{\"login\":\"u\"}"), 400);
	ck_error(dovecot("allow", REPORTER, "{\"remote\":\"example.org\"}"),
	    400);
	ck_error(dovecot("report", REPORTER, "{\"remote\":\"198.51.100.6\"}"),
	    400);
	ck_error(dovecot("allow", REPORTER, "[1]"), 400);
	ck_error(dovecot("allow", READER, ask), 403);
	ck_error(dovecot("allow", NULL, ask), 401);
}
END_TEST

static Suite *
api_admin_suite(void)
{
	Suite *s = suite_create("api_admin");
	TCase *tc = tcase_create("admin");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_whoami);
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_entries_filter);
	tcase_add_test(tc, test_entry_bounds);
	tcase_add_test(tc, test_allowlist);
	tcase_add_test(tc, test_web_files);
	tcase_add_test(tc, test_connection_guard);
	tcase_add_test(tc, test_dovecot);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(api_admin_suite());
}
