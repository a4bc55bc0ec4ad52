/* SPDX-License-Identifier: BSD-2-Clause */
/* The HTTP admin API without HTTP: the route table, auth, dispatch, setup. */
#include <netinet/in.h>

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_int.h"
#include "grace.h"
#include "log.h"

#define ROUTE_METHODS	2	/* the most methods one path takes */
#define PARAM_MAX	512	/* a longer {parameter} matches no route */

/* Whom a method is for. */
enum need { NEED_NONE, NEED_ANY, NEED_READER, NEED_REPORTER, NEED_ADMIN };

struct method {
	const char	*method;	/* "GET" also answers HEAD */
	enum need	 need;
	api_handler	*fn;
};

/*
 * One row per path. The pattern's "{...}" is the parameter handed to the
 * handler: "{prefix}" takes the rest of the path, "/" included (a prefix
 * is ADDR/LEN); any other parameter is one path segment. The parameter is
 * never empty. The first row whose pattern matches a path takes it (only
 * the page's "/{file}", last, matches paths another row takes), and the
 * row order is the order of /metrics.
 */
struct route {
	const char	*name;		/* in rbld_api_requests_total */
	const char	*pattern;
	struct method methods[ROUTE_METHODS];
};

static void	get_healthz(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *,
		    const char *);

static const struct route routes[] = {
	{ "healthz", "/healthz", {
		{ "GET", NEED_NONE, get_healthz } } },
	{ "metrics", "/metrics", {
		{ "GET", NEED_READER, api_metrics_get } } },
	{ "lookup", "/v1/lookup/{ip}", {
		{ "GET", NEED_READER, api_entries_lookup } } },
	{ "entries", "/v1/entries", {
		{ "GET", NEED_READER, api_entries_get },
		{ "POST", NEED_ADMIN, api_entries_post } } },
	{ "entry", "/v1/entries/{prefix}", {
		{ "DELETE", NEED_ADMIN, api_entries_delete } } },
	{ "reports", "/v1/reports", {
		{ "GET", NEED_READER, api_entries_reports_get },
		{ "POST", NEED_REPORTER, api_entries_reports_post } } },
	{ "sources", "/v1/sources", {
		{ "GET", NEED_READER, api_zones_sources_get } } },
	{ "refresh", "/v1/sources/{name}/refresh", {
		{ "POST", NEED_ADMIN, api_zones_refresh_post } } },
	{ "zones", "/v1/zones", {
		{ "GET", NEED_READER, api_zones_get } } },
	{ "export", "/v1/zones/{zone}/export", {
		{ "GET", NEED_READER, api_zones_export_get } } },
	{ "allow", "/v1/allow", {
		{ "GET", NEED_READER, api_allow_get },
		{ "POST", NEED_ADMIN, api_allow_post } } },
	{ "allowed", "/v1/allow/{prefix}", {
		{ "DELETE", NEED_ADMIN, api_allow_delete } } },
	{ "hits", "/v1/hits", {
		{ "GET", NEED_READER, api_stats_hits } } },
	{ "history", "/v1/stats/history", {
		{ "GET", NEED_READER, api_stats_history } } },
	{ "whoami", "/v1/whoami", {
		{ "GET", NEED_ANY, api_tokens_whoami } } },
	{ "tokens", "/v1/tokens", {
		{ "GET", NEED_ADMIN, api_tokens_get },
		{ "POST", NEED_ADMIN, api_tokens_post } } },
	{ "token", "/v1/tokens/{name}", {
		{ "DELETE", NEED_ADMIN, api_tokens_delete } } },
	{ "dovecot", "/v1/dovecot/", {
		{ "POST", NEED_REPORTER, api_dovecot_post } } },
	{ "page", "/", {
		{ "GET", NEED_NONE, api_web_get } } },
	{ "file", "/{file}", {
		{ "GET", NEED_NONE, api_web_get } } },
};

#define NROUTES		(sizeof(routes) / sizeof(routes[0]))
#define ROUTE_NONE	NROUTES		/* counts paths that match no row */

_Static_assert(NROUTES + 1 == API_NROUTES, "API_NROUTES counts the routes");

static uint32_t
wall_now(void)
{
	return (uint32_t)time(NULL);
}

/* ---- responses ---- */

void
api_reply(struct api_resp *r, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	r->status = status;
	r->content_type = "application/json";
	if (s == NULL) {
		r->status = 500;
		s = strdup("{\"error\":\"out of memory\"}");
	}
	r->body = s;
	r->len = s != NULL ? strlen(s) : 0;
	if (r->body != NULL) {
		/* One object per line, for curl users. */
		char *t = realloc(r->body, r->len + 2);

		if (t != NULL) {
			t[r->len++] = '\n';
			t[r->len] = '\0';
			r->body = t;
		}
	}
}

void
api_error(struct api_resp *r, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages quote what the client sent, which need not be UTF-8
	 * (JSON strings must be): anything but printable ASCII becomes "?". */
	for (unsigned char *c = (unsigned char *)msg; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	api_reply(r, status, json_pack("{s:s}", "error", msg));
}

#define API_DISK_FULL_RETRY	30	/* seconds */

void
api_write_error(struct api_resp *rs, const char *what, const char *err)
{
	if (errno == ENOSPC || errno == EDQUOT) {
		api_error(rs, 503, "%s: the disk is full", what);
		rs->retry_after = API_DISK_FULL_RETRY;
	} else if (err != NULL && *err != '\0')
		api_error(rs, 500, "%s: %s", what, err);
	else
		api_error(rs, 500, "%s", what);
}

/* ---- query arguments ---- */

const char *
api_arg(const struct api_req *rq, const char *name)
{
	return rq->arg != NULL ? rq->arg(rq->argctx, name) : NULL;
}

int
api_arg_limit(const struct api_req *rq, struct api_resp *rs)
{
	const char *s = api_arg(rq, "limit");
	char *end;
	long v;

	if (s == NULL)
		return API_LIST_LIMIT_DEFAULT;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < 1 || v > API_LIST_LIMIT_MAX) {
		api_error(rs, 400, "limit must be 1 to %d",
		    API_LIST_LIMIT_MAX);
		return -1;
	}
	return (int)v;
}

/*
 * Pages: a list's "next" is its last item, "PREFIX,SOURCE", and the next
 * page starts after it, whether or not it still exists.
 */
int
api_cursor_parse(const struct view *v, const char *after, struct prefix *p,
    int *srcid, struct api_resp *rs)
{
	char buf[IPADDR_STRLEN + CONF_NAME_MAX + 2], *comma;
	int si;

	snprintf(buf, sizeof(buf), "%s", after);
	if ((comma = strrchr(buf, ',')) == NULL)
		goto bad;
	*comma = '\0';
	if (ipaddr_parse_prefix(buf, p, NULL, 0) != 0 ||
	    (si = conf_source_index(v->conf, comma + 1)) < 0)
		goto bad;
	*srcid = v->srcids[si];
	return 0;
bad:
	api_error(rs, 400, "bad cursor \"%s\" (use the \"next\" of the "
	    "last page)", after);
	return -1;
}

json_t *
api_cursor_json(const struct prefix *p, const char *source)
{
	char cur[IPADDR_STRLEN + CONF_NAME_MAX + 2], pt[IPADDR_STRLEN];

	ipaddr_format(p, false, pt, sizeof(pt));
	snprintf(cur, sizeof(cur), "%s,%s", pt, source);
	return json_string(cur);
}

/* ---- routing ---- */

const char *
api_route_name(size_t r)
{
	return r < NROUTES ? routes[r].name : "none";
}

/* Whether PATH matches PATTERN; its parameter, if any, goes to PARAM. */
static bool
route_path(const char *pattern, const char *path, char param[PARAM_MAX])
{
	const char *open = strchr(pattern, '{'), *tail;
	size_t hl, tl, pl = strlen(path);

	param[0] = '\0';
	if (open == NULL)
		return strcmp(path, pattern) == 0;
	tail = strchr(open, '}') + 1;
	hl = (size_t)(open - pattern);
	tl = strlen(tail);
	if (pl <= hl + tl || strncmp(path, pattern, hl) != 0 ||
	    strcmp(path + pl - tl, tail) != 0 || pl - hl - tl >= PARAM_MAX)
		return false;
	memcpy(param, path + hl, pl - hl - tl);
	param[pl - hl - tl] = '\0';
	return strncmp(open, "{prefix}", 8) == 0 || strchr(param, '/') == NULL;
}

/* The row whose pattern PATH matches, or ROUTE_NONE. */
static size_t
route_match(const char *path, char param[PARAM_MAX])
{
	for (size_t r = 0; r < NROUTES; r++)
		if (route_path(routes[r].pattern, path, param))
			return r;
	return ROUTE_NONE;
}

/* What METHOD does on route R; NULL if R does not take it. */
static const struct method *
route_method(const struct route *r, const char *method)
{
	bool head = strcmp(method, "HEAD") == 0;

	for (int i = 0; i < ROUTE_METHODS && r->methods[i].method != NULL;
	    i++)
		if (strcmp(r->methods[i].method, method) == 0 ||
		    (head && strcmp(r->methods[i].method, "GET") == 0))
			return &r->methods[i];
	return NULL;
}

/* R's methods, for 405 and its Allow header: "GET, HEAD, POST". */
static void
route_allow(const struct route *r, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < ROUTE_METHODS && r->methods[i].method != NULL;
	    i++) {
		const char *m = r->methods[i].method;

		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s%s",
		    i > 0 ? ", " : "", m,
		    strcmp(m, "GET") == 0 ? ", HEAD" : "");
	}
	assert(n < len);
}

static bool
role_ok(int role, enum need need)
{
	switch (need) {
	case NEED_NONE:
	case NEED_ANY:
		return true;
	case NEED_READER:
		return role == ROLE_READER || role == ROLE_ADMIN;
	case NEED_REPORTER:
		return role == ROLE_REPORTER || role == ROLE_ADMIN;
	case NEED_ADMIN:
		return role == ROLE_ADMIN;
	}
	return false;
}

static bool
content_type_json(const char *ct)
{
	size_t n = strlen("application/json");

	return ct != NULL && strncasecmp(ct, "application/json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/*
 * Whether RQ may go on to NEED's handler; if not, the answer (401, 403,
 * 429 or 503) is in RS. WHO gets the token's name.
 */
static bool
authorized(struct api *api, const struct view *v, const struct api_req *rq,
    struct api_resp *rs, enum need need, char *who, size_t wholen)
{
	enum auth_result res;
	uint32_t now = api->now(), left;
	char addr[INET6_ADDRSTRLEN];
	int role;

	if (need == NEED_NONE)
		return true;
	if (auth_bearer(api->st, v->conf, rq->authorization, &res, &role,
	    who, wholen) != 0) {
		api_error(rs, 503, "cannot read the tokens; try again");
		return false;
	}
	/*
	 * A valid token is never refused for others' failures from its
	 * address (every local client shares 127.0.0.1); a request without
	 * any token is no failed login (a page's <img> sends those).
	 */
	if (res != AUTH_OK &&
	    (left = auth_locked(api->lockouts, rq->client, now)) > 0) {
		rs->retry_after = left;
		api_error(rs, 429, "too many failed logins from this "
		    "address; try again in %us", left);
		return false;
	}
	if (res == AUTH_NO_TOKEN) {
		api_error(rs, 401, "a bearer token is required "
		    "(Authorization: Bearer TOKEN)");
		return false;
	}
	if (res != AUTH_OK) {
		if (auth_failed(api->lockouts, rq->client, now, addr,
		    sizeof(addr))) {
			log_warnx("api: %s locked out for %ds after %d failed "
			    "logins", addr, AUTH_LOCKOUT, AUTH_FAIL_MAX);
			rs->retry_after = AUTH_LOCKOUT;
			api_error(rs, 429, "too many failed logins from "
			    "this address; try again in %ds", AUTH_LOCKOUT);
			return false;
		}
		api_error(rs, 401, "invalid token");
		return false;
	}
	if (!role_ok(role, need)) {
		api_error(rs, 403, "token %s (role %s) may not %s %s", who,
		    token_role_name(role), rq->method, rq->path);
		return false;
	}
	return true;
}

static void
get_healthz(struct api *api, const struct view *v, const struct api_req *rq,
    struct api_resp *rs, const char *param, const char *who)
{
	(void)api;
	(void)v;
	(void)rq;
	(void)param;
	(void)who;
	api_reply(rs, 200, json_pack("{s:s}", "status", "ok"));
}

static void
dispatch(struct api *api, const struct view *v, const struct api_req *rq,
    struct api_resp *rs)
{
	const struct method *m;
	char param[PARAM_MAX], who[TOKEN_NAME_MAX + 1] = "";
	size_t r;

	if ((r = route_match(rq->path, param)) == ROUTE_NONE) {
		api_error(rs, 404, "no such resource: %s", rq->path);
		goto out;
	}
	if ((m = route_method(&routes[r], rq->method)) == NULL) {
		route_allow(&routes[r], rs->allow, sizeof(rs->allow));
		api_error(rs, 405, "%s takes %s, not %s", rq->path,
		    rs->allow, rq->method);
		goto out;
	}
	if (!authorized(api, v, rq, rs, m->need, who, sizeof(who)))
		goto out;
	if (strcmp(rq->method, "POST") == 0 && rq->bodylen > 0 &&
	    !content_type_json(rq->content_type)) {
		api_error(rs, 415, "send Content-Type: application/json");
		goto out;
	}
	m->fn(api, v, rq, rs, param, who);
out:
	api_metrics_request(api, r, rs->status);
}

void
api_handle(struct api *api, const struct api_req *rq, struct api_resp *rs)
{
	const struct view *v;

	memset(rs, 0, sizeof(*rs));
	/* One view for the whole request, however long it takes: a reload
	 * meanwhile publishes the next one without waiting for it. */
	grace_enter();
	if ((v = view_get(api->views)) == NULL)
		api_error(rs, 503, "not ready");
	else
		dispatch(api, v, rq, rs);
	grace_exit();
}

void
api_too_big(struct api *api, const char *path, struct api_resp *rs)
{
	char param[PARAM_MAX];

	memset(rs, 0, sizeof(*rs));
	api_error(rs, 413, "the body is larger than %d bytes",
	    API_BODY_MAX);
	api_metrics_request(api, route_match(path, param), rs->status);
}

/* ---- setup ---- */

struct api *
api_new(struct store *st, struct commitq *cq, struct net *net,
    struct view_ref *views)
{
	struct api *api;

	if ((api = calloc(1, sizeof(*api))) == NULL)
		return NULL;
	api->st = st;
	api->cq = cq;
	api->net = net;
	api->views = views;
	api->now = wall_now;
	if ((api->lockouts = auth_lockouts_new()) == NULL) {
		free(api);
		return NULL;
	}
	pthread_mutex_init(&api->rt_mtx, NULL);
	pthread_mutex_init(&api->hist_mtx, NULL);
	return api;
}

void
api_set_clock(struct api *api, uint32_t (*now)(void))
{
	api->now = now;
}

void
api_on_allow(struct api *api, int (*fn)(void *, char *, size_t), void *arg)
{
	api->republish = fn;
	api->republish_arg = arg;
}

void
api_note_expired(struct api *api, long entries, long records)
{
	if (entries > 0)
		atomic_fetch_add(&api->expired_entries, (uint64_t)entries);
	if (records > 0)
		atomic_fetch_add(&api->pruned_records, (uint64_t)records);
}

void
api_free(struct api *api)
{
	if (api == NULL)
		return;
	api_http_free(api);
	auth_lockouts_free(api->lockouts);
	pthread_mutex_destroy(&api->rt_mtx);
	pthread_mutex_destroy(&api->hist_mtx);
	free(api);
}
