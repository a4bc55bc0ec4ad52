/* SPDX-License-Identifier: BSD-2-Clause */
/* The API tests' harness: a database, a view and the API, and requests made without HTTP. */

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

char		 tmpdir[64];	/* /tmp/rbld-check-api.XXXXXX */
struct conf	*conf;
struct store	*st;
struct commitq	*cq;
struct api	*api;
int		 srcids[CONF_MAX_SOURCES];
struct view	*view;
struct view_ref	 views;
uint32_t		 fake_now;

/* The last response. */
struct api_resp	 last;
json_t		*lj;		/* its body as JSON, or NULL */
char		 client_ip[64] = "10.0.0.1";
const char	*if_none_match;

static uint32_t
clock_fn(void)
{
	return fake_now;
}

static void
write_conf(void)
{
	char path[PATH_MAX], hr[TOKEN_HASH_LEN + 1], hp[TOKEN_HASH_LEN + 1];
	char ha[TOKEN_HASH_LEN + 1];
	FILE *f;

	token_hash(READER, hr);
	token_hash(REPORTER, hp);
	token_hash(ADMIN, ha);
	snprintf(path, sizeof(path), "%s/rbld.conf", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f,
	    "[rbld]\n"
	    "database = db\n"
	    "[zone bl.test]\n"
	    "sources = local reports\n"
	    "[source local]\n"
	    "kind = local\n"
	    "txt = Local: $\n"
	    "[source reports]\n"
	    "kind = reports\n"
	    "a = 127.0.0.3\n"
	    "txt = Reported: $\n"
	    "failed-login = 3 in 10m ban 1h\n"
	    "spam = 2 in 1d ban 1d\n"
	    "escalate = 2x max 4h\n"
	    "ipv6-prefix = 64\n"
	    "[allow]\n"
	    "nets = 192.0.2.99/32\n"
	    "[token reader1]\n"
	    "role = reader\n"
	    "hash = %s\n"
	    "[token rep1]\n"
	    "role = reporter\n"
	    "hash = %s\n"
	    "[token adm1]\n"
	    "role = admin\n"
	    "hash = %s\n", hr, hp, ha);
	ck_assert_int_eq(fclose(f), 0);
}

void
setup(void)
{
	char path[PATH_MAX], err[256];

	log_init("check_api", LOG_LVL_WARN);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbld-check-api.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	write_conf();
	snprintf(path, sizeof(path), "%s/rbld.conf", tmpdir);
	ck_assert_ptr_nonnull(conf = conf_load(path, NULL));
	ck_assert_int_eq(conf->nsources, 2);
	st = store_open(conf->database, MAPSIZE, false, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
	view = runtime_build(conf, st, err, sizeof(err));
	ck_assert_msg(view != NULL, "%s", err);
	memcpy(srcids, view->srcids, sizeof(srcids));
	views.cur = view;
	ck_assert_ptr_nonnull(cq = commitq_start(st));
	ck_assert_ptr_nonnull(api = api_new(st, cq, NULL, &views));
	fake_now = T0;
	api_set_clock(api, clock_fn);
	memset(&last, 0, sizeof(last));
	lj = NULL;
	snprintf(client_ip, sizeof(client_ip), "10.0.0.1");
	if_none_match = NULL;
}

void
teardown(void)
{
	json_decref(lj);
	lj = NULL;
	free(last.body);
	last.body = NULL;
	api_free(api);
	commitq_stop(cq);
	view_free(view);
	store_close(st);
	conf_free(conf);
	rm_rf(tmpdir);
}

/* ---- requests ---- */

/* Query arguments "a=1&b=2", split once per request. */
struct args {
	int	 n;
	char	 buf[1024];
	char	*name[16], *value[16];
};

static const char *
args_get(void *ctx, const char *name)
{
	struct args *a = ctx;

	for (int i = 0; i < a->n; i++)
		if (strcmp(a->name[i], name) == 0)
			return a->value[i];
	return NULL;
}

static void
args_split(struct args *a, const char *text)
{
	char *s, *save = NULL;

	memset(a, 0, sizeof(*a));
	if (text == NULL)
		return;
	snprintf(a->buf, sizeof(a->buf), "%s", text);
	for (s = strtok_r(a->buf, "&", &save); s != NULL && a->n < 16;
	    s = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(s, '=');

		a->name[a->n] = s;
		a->value[a->n] = eq != NULL ? eq + 1 : s + strlen(s);
		if (eq != NULL)
			*eq = '\0';
		a->n++;
	}
}

/*
 * METHOD PATH?ARGS with the Authorization header AUTHZ (NULL: none), from
 * client_ip. Returns the status; the response stays in last (and lj).
 */
int
call_raw(const char *method, const char *path, const char *args,
    const char *authz, const char *ct, const char *body)
{
	struct api_req rq;
	struct args a;
	struct sockaddr_storage ss;
	json_error_t je;

	json_decref(lj);
	lj = NULL;
	free(last.body);
	memset(&last, 0, sizeof(last));
	memset(&ss, 0, sizeof(ss));
	if (strchr(client_ip, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, client_ip, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(40000);
		ck_assert_int_eq(inet_pton(AF_INET, client_ip, &s4->sin_addr), 1);
	}
	args_split(&a, args);
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = path;
	rq.arg = args_get;
	rq.argctx = &a;
	rq.authorization = authz;
	rq.content_type = ct;
	rq.if_none_match = if_none_match;
	rq.body = body;
	rq.bodylen = body != NULL ? strlen(body) : 0;
	rq.client = (const struct sockaddr *)&ss;
	api_handle(api, &rq, &last);
	if (last.stream != NULL) {
		/* As api_http.c does: the body read as it is written. */
		size_t cap = 4096, len = 0;
		char *b = malloc(cap);
		ssize_t n;

		ck_assert_ptr_nonnull(b);
		while ((n = export_job_read(last.stream, b + len,
		    cap - len - 1)) > 0) {
			len += (size_t)n;
			if (cap - len < 1024)
				ck_assert_ptr_nonnull(b = realloc(b, cap *= 2));
		}
		ck_assert_int_eq(n, 0);
		export_job_free(last.stream);
		last.stream = NULL;
		b[len] = '\0';
		free(last.body);
		last.body = b;
		last.len = len;
	}
	if (last.status == 304) {	/* no body, by definition */
		ck_assert_ptr_null(last.body);
		return last.status;
	}
	ck_assert_ptr_nonnull(last.body);
	ck_assert_uint_eq(last.len, strlen(last.body));
	lj = json_loads(last.body, 0, &je);
	return last.status;
}

/* The same with "Bearer TOKEN" (TOKEN NULL: no header). */
int
call(const char *method, const char *path, const char *args,
    const char *token, const char *ct, const char *body)
{
	char authz[512];

	if (token == NULL)
		return call_raw(method, path, args, NULL, ct, body);
	snprintf(authz, sizeof(authz), "Bearer %s", token);
	return call_raw(method, path, args, authz, ct, body);
}

int
get(const char *path, const char *args, const char *token)
{
	return call("GET", path, args, token, NULL, NULL);
}

int
post(const char *path, const char *token, const char *body)
{
	return call("POST", path, NULL, token, JSON, body);
}

/* Member KEY of the last JSON answer (an object). */
json_t *
member(const char *key)
{
	ck_assert_msg(json_is_object(lj), "not a JSON object: %s", last.body);
	return json_object_get(lj, key);
}

const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_string(v), "\"%s\" is not a string", key);
	return json_string_value(v);
}

/* Add PREFIX to source local as admin. */
void
add_entry(const char *prefix, const char *source)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"prefix\":\"%s\",\"source\":\"%s\","
	    "\"reason\":\"r-%s\"}", prefix, source, prefix);
	ck_status(post("/v1/entries", ADMIN, body), 201);
}

