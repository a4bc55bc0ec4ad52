/* SPDX-License-Identifier: BSD-2-Clause */
/* The HTTP admin API: routing, auth, JSON, reports, metrics. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "export.h"
#include "feed.h"
#include "log.h"
#include "lookup.h"
#include "parse.h"
#include "source.h"
#include "token.h"

#define AUTHFAIL_SLOTS		1024
#define LIST_LIMIT_DEFAULT	100
#define LIST_LIMIT_MAX		1000
#define RTYPE_METRICS_MAX	64
#define CONTROL_CHARS		"\001\002\003\004\005\006\007\010\011\012\013" \
				"\014\015\016\017\020\021\022\023\024\025\026" \
				"\027\030\031\032\033\034\035\036\037\177"

/* Routes, for dispatch and for the per-route request counters. */
enum route {
	R_HEALTHZ,
	R_METRICS,
	R_LOOKUP,
	R_ENTRIES,
	R_ENTRY,
	R_REPORTS,
	R_SOURCES,
	R_REFRESH,
	R_ZONES,
	R_EXPORT,
	R_NONE,		/* no such route */
	R_COUNT
};

static const char *const route_names[R_COUNT] = {
	"healthz", "metrics", "lookup", "entries", "entry", "reports",
	"sources", "refresh", "zones", "export", "none"
};

/* The statuses the API answers with; index into the counters. */
static const int statuses[] = {
	200, 201, 202, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 502,
	503
};
#define NSTATUS	(sizeof(statuses) / sizeof(statuses[0]))

struct authfail {
	struct in6_addr	addr;		/* IPv4 as ::ffff:a.b.c.d */
	uint32_t	first;		/* start of the counting window */
	uint32_t	count;
	uint32_t	locked_until;
	uint32_t	used;		/* last touched, to pick a slot to reuse */
};

struct rtype_count {
	char		name[CONF_RTYPE_MAX];
	uint64_t	n;
};

struct api {
	struct store	*st;
	struct commitq	*cq;
	struct net	*net;
	uint32_t	(*now)(void);

	/* The configuration requests read; a reload takes it exclusively. */
	pthread_rwlock_t lock;
	const struct conf *conf;
	int		 srcids[CONF_MAX_SOURCES];
	struct dns_view	*view;

	int		 nmhd;
	struct MHD_Daemon *mhd[CONF_MAX_LISTEN];
	char		*cert, *key;

	pthread_mutex_t	 fail_mtx;
	struct authfail	 fails[AUTHFAIL_SLOTS];

	/* /metrics */
	atomic_uint_fast64_t requests[R_COUNT][NSTATUS];
	atomic_uint_fast64_t auth_failures, lockouts;
	atomic_uint_fast64_t listings, reports_allowlisted;
	atomic_uint_fast64_t expired_entries, pruned_records;
	pthread_mutex_t	 rt_mtx;
	int		 nrt;
	struct rtype_count rt[RTYPE_METRICS_MAX];
};

static uint32_t
wall_now(void)
{
	return (uint32_t)time(NULL);
}

/* ---- responses ---- */

static void
resp_json(struct api_resp *r, int status, json_t *j)
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

static void __attribute__((format(printf, 3, 4)))
resp_error(struct api_resp *r, int status, const char *fmt, ...)
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
	resp_json(r, status, json_pack("{s:s}", "error", msg));
}

static json_t *
json_time(uint32_t t)
{
	char buf[32];
	time_t tt = t;
	struct tm tm;

	if (t == 0)
		return json_null();
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/*
 * Text from the database or a file as a JSON string. JSON needs UTF-8, and
 * jansson refuses anything else (json_string returns NULL, the member
 * silently goes missing): bytes that do not form UTF-8 become U+FFFD.
 */
static json_t *
json_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;
	char *buf;
	json_t *j;

	if ((buf = malloc(n * 3 + 1)) == NULL)
		return json_null();
	while (*p != '\0') {
		size_t len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		size_t i;

		for (i = 1; i < len && (p[i] & 0xc0) == 0x80; i++)
			;
		if (len == 0 || i < len || (len == 2 && *p < 0xc2) ||
		    (len == 3 && *p == 0xe0 && p[1] < 0xa0) ||
		    (len == 3 && *p == 0xed && p[1] >= 0xa0) ||
		    (len == 4 && ((*p == 0xf0 && p[1] < 0x90) ||
		    (*p == 0xf4 && p[1] >= 0x90) || *p > 0xf4))) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(buf + o, p, len);
		o += len;
		p += len;
	}
	buf[o] = '\0';
	j = json_stringn(buf, o);
	free(buf);
	return j != NULL ? j : json_null();
}

static json_t *
json_a(uint32_t a)
{
	char buf[INET_ADDRSTRLEN];
	uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16),
	    (uint8_t)(a >> 8), (uint8_t)a };

	ipaddr_ntop(4, b, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
json_prefix(const struct prefix *p)
{
	char buf[IPADDR_STRLEN];

	ipaddr_format(p, false, buf, sizeof(buf));
	return json_string(buf);
}

/* An address alone when the prefix is a whole address. */
static json_t *
json_addr_or_prefix(const struct prefix *p)
{
	char buf[IPADDR_STRLEN];

	ipaddr_format(p, true, buf, sizeof(buf));
	return json_string(buf);
}

/* ---- auth ---- */

static void
client_key(const struct sockaddr *sa, struct in6_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		out->s6_addr[10] = out->s6_addr[11] = 0xff;
		memcpy(out->s6_addr + 12,
		    &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		*out = ((const struct sockaddr_in6 *)sa)->sin6_addr;
		/* One IPv6 client holds a /64: rotating addresses inside it
		 * must not reset its count. */
		if (!IN6_IS_ADDR_V4MAPPED(out))
			memset(out->s6_addr + 8, 0, 8);
	}
}

/* Seconds left of ADDR's lockout, or 0. */
static uint32_t
auth_locked(struct api *api, const struct in6_addr *addr, uint32_t now)
{
	uint32_t left = 0;

	pthread_mutex_lock(&api->fail_mtx);
	for (int i = 0; i < AUTHFAIL_SLOTS; i++) {
		struct authfail *f = &api->fails[i];

		if (f->used != 0 && memcmp(&f->addr, addr, sizeof(*addr)) == 0) {
			if (f->locked_until > now)
				left = f->locked_until - now;
			break;
		}
	}
	pthread_mutex_unlock(&api->fail_mtx);
	return left;
}

/* Count a failure; true if ADDR is now locked out. */
static bool
auth_failed(struct api *api, const struct in6_addr *addr, uint32_t now)
{
	struct authfail *f = NULL, *oldest = &api->fails[0];
	bool locked = false;

	atomic_fetch_add(&api->auth_failures, 1);
	pthread_mutex_lock(&api->fail_mtx);
	for (int i = 0; i < AUTHFAIL_SLOTS; i++) {
		struct authfail *s = &api->fails[i];

		if (s->used != 0 && memcmp(&s->addr, addr, sizeof(*addr)) == 0) {
			f = s;
			break;
		}
		/* Reuse the quietest slot, preferring any that is not
		 * locked out over one that is. */
		if ((s->locked_until > now) != (oldest->locked_until > now)) {
			if (s->locked_until <= now)
				oldest = s;
		} else if (s->used < oldest->used)
			oldest = s;
	}
	if (f == NULL) {
		/* A full table forgets the quietest address, never a locked
		 * one while another slot will do. */
		f = oldest;
		memset(f, 0, sizeof(*f));
		f->addr = *addr;
	}
	if (f->first + API_AUTH_FAIL_WINDOW <= now) {
		f->first = now;
		f->count = 0;
	}
	f->used = now ? now : 1;
	if (++f->count >= API_AUTH_FAIL_MAX && f->locked_until <= now) {
		f->locked_until = now + API_AUTH_LOCKOUT;
		f->count = 0;
		locked = true;
	}
	pthread_mutex_unlock(&api->fail_mtx);
	if (locked)
		atomic_fetch_add(&api->lockouts, 1);
	return locked;
}

struct tokfind {
	const char	*hash;
	int		 role;
	char		 name[TOKEN_NAME_MAX + 1];
};

static int
tokfind_cb(void *arg, const char *name, const struct token_rec *r)
{
	struct tokfind *tf = arg;

	if (token_hash_equal(tf->hash, r->hash) && tf->role == 0) {
		tf->role = r->role;
		snprintf(tf->name, sizeof(tf->name), "%s", name);
	}
	return 0;
}

/* The role of the bearer token in AUTHZ, 0 if none matches, -1 if there is
 * no bearer token at all, -2 if the database's tokens cannot be read. */
static int
auth_role(struct api *api, const char *authz, char *who, size_t wholen)
{
	char hash[TOKEN_HASH_LEN + 1];
	struct tokfind tf;
	const char *tok;

	if (authz == NULL || strncasecmp(authz, "Bearer ", 7) != 0)
		return -1;
	tok = authz + 7;
	while (*tok == ' ')
		tok++;
	if (*tok == '\0' || strlen(tok) > 256)
		return 0;
	token_hash(tok, hash);
	memset(&tf, 0, sizeof(tf));
	tf.hash = hash;
	/* Every hash is compared in full, whichever matches. */
	for (int i = 0; i < api->conf->ntokens; i++)
		if (token_hash_equal(hash, api->conf->tokens[i].hash) &&
		    tf.role == 0) {
			tf.role = api->conf->tokens[i].role;
			snprintf(tf.name, sizeof(tf.name), "%s",
			    api->conf->tokens[i].name);
		}
	if (token_walk(api->st, tokfind_cb, &tf) != 0 && tf.role == 0)
		return -2;	/* cannot tell: not the client's failure */
	snprintf(who, wholen, "%s", tf.name);
	return tf.role;
}

/* ---- JSON bodies ---- */

/* Parse the body as one JSON object whose keys are all in KEYS. */
static json_t *
body_object(const struct api_req *rq, struct api_resp *rs,
    const char *const *keys)
{
	json_error_t je;
	json_t *j;
	const char *k;
	json_t *v;

	if (rq->bodylen == 0) {
		resp_error(rs, 400, "a JSON object is required");
		return NULL;
	}
	j = json_loadb(rq->body, rq->bodylen, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		resp_error(rs, 400, "bad JSON at line %d column %d: %s", je.line,
		    je.column, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		resp_error(rs, 400, "the body must be a JSON object");
		return NULL;
	}
	json_object_foreach(j, k, v) {
		int i;

		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL) {
			resp_error(rs, 400, "unknown key \"%s\"", k);
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

/* An optional string member; -1 (400 queued) if present but not a string. */
static int
opt_string(json_t *j, const char *key, const char **out, struct api_resp *rs)
{
	json_t *v = json_object_get(j, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		resp_error(rs, 400, "\"%s\" must be a string", key);
		return -1;
	}
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v)) {
		resp_error(rs, 400, "\"%s\" holds a NUL character", key);
		return -1;
	}
	return 0;
}

static const char *
arg(const struct api_req *rq, const char *name)
{
	return rq->arg != NULL ? rq->arg(rq->argctx, name) : NULL;
}

/* "limit" between 1 and LIST_LIMIT_MAX; -1 (400 queued) if bad. */
static int
arg_limit(const struct api_req *rq, struct api_resp *rs)
{
	const char *s = arg(rq, "limit");
	char *end;
	long v;

	if (s == NULL)
		return LIST_LIMIT_DEFAULT;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < 1 || v > LIST_LIMIT_MAX) {
		resp_error(rs, 400, "limit must be 1 to %d", LIST_LIMIT_MAX);
		return -1;
	}
	return (int)v;
}

/*
 * Pages: a list's "next" is its last item, "PREFIX,SOURCE", and the next
 * page starts after it, whether or not it still exists.
 */
static int
cursor_parse(struct api *api, const char *after, struct prefix *p,
    int *srcid, struct api_resp *rs)
{
	char buf[IPADDR_STRLEN + CONF_NAME_MAX + 2], *comma;
	int si;

	snprintf(buf, sizeof(buf), "%s", after);
	if ((comma = strrchr(buf, ',')) == NULL)
		goto bad;
	*comma = '\0';
	if (ipaddr_parse_prefix(buf, p, NULL) != 0 ||
	    (si = conf_source_index(api->conf, comma + 1)) < 0)
		goto bad;
	*srcid = api->srcids[si];
	return 0;
bad:
	resp_error(rs, 400, "bad cursor \"%s\" (use the \"next\" of the "
	    "last page)", after);
	return -1;
}

static json_t *
cursor_json(const struct prefix *p, const char *source)
{
	char cur[IPADDR_STRLEN + CONF_NAME_MAX + 2], pt[IPADDR_STRLEN];

	ipaddr_format(p, false, pt, sizeof(pt));
	snprintf(cur, sizeof(cur), "%s,%s", pt, source);
	return json_string(cur);
}

/* ---- entries ---- */

static json_t *
entry_json(const struct store_entry *e, uint32_t now)
{
	json_t *j = json_object();

	json_object_set_new(j, "prefix", json_prefix(&e->p));
	json_object_set_new(j, "source", json_string(e->source));
	json_object_set_new(j, "origin",
	    json_string(lookup_origin_name(e->origin)));
	if (e->excl)
		json_object_set_new(j, "exclude", json_true());
	else {
		json_object_set_new(j, "a", json_a(e->a));
		json_object_set_new(j, "txt", e->txt ? json_text(e->txt) :
		    json_null());
	}
	json_object_set_new(j, "added", json_time(e->added));
	json_object_set_new(j, "expires", json_time(e->expires));
	json_object_set_new(j, "expired",
	    json_boolean(e->expires != 0 && e->expires <= now));
	json_object_set_new(j, "reason", json_text(e->reason));
	return j;
}

struct list_ctx {
	json_t		*arr;
	int		 limit, n;
	uint32_t	 now;
	struct store_entry last;
	bool		 more;
};

static int
list_cb(void *arg, const struct store_entry *e)
{
	struct list_ctx *lc = arg;

	if (lc->n == lc->limit) {
		lc->more = true;
		return 1;
	}
	json_array_append_new(lc->arr, entry_json(e, lc->now));
	lc->last = *e;
	lc->n++;
	return 0;
}

static void
get_entries(struct api *api, const struct api_req *rq, struct api_resp *rs)
{
	const char *source = arg(rq, "source"), *after = arg(rq, "after");
	struct list_ctx lc;
	struct prefix ap;
	int src = -1, asrc = 0, si;
	json_t *j;

	memset(&lc, 0, sizeof(lc));
	if ((lc.limit = arg_limit(rq, rs)) < 0)
		return;
	if (source != NULL) {
		if ((si = conf_source_index(api->conf, source)) < 0) {
			resp_error(rs, 400, "no source \"%s\"", source);
			return;
		}
		src = api->srcids[si];
	}
	if (after != NULL && cursor_parse(api, after, &ap, &asrc, rs) != 0)
		return;
	lc.arr = json_array();
	lc.now = api->now();
	if (store_walk_after(api->st, src, after ? &ap : NULL, asrc, list_cb,
	    &lc) != 0) {
		json_decref(lc.arr);
		resp_error(rs, 500, "cannot read the database");
		return;
	}
	j = json_pack("{s:o}", "entries", lc.arr);
	json_object_set_new(j, "next", lc.more ? cursor_json(&lc.last.p,
	    lc.last.source) : json_null());
	resp_json(rs, 200, j);
}

struct add_job {
	int		 src;
	struct prefix	 p;
	bool		 excl;
	uint32_t	 a;
	const char	*txt;
	uint32_t	 expires;
	const char	*reason;
};

static int
add_job(struct store_txn *t, void *arg)
{
	struct add_job *aj = arg;

	return store_txn_add(t, aj->src, &aj->p, aj->excl, aj->a, aj->txt,
	    aj->expires, aj->reason, ORIGIN_API);
}

struct exists_ctx {
	const struct prefix *p;
	const char	*source;
	enum store_origin origin;
	bool		 found;
};

static int
exists_cb(void *arg, const struct store_entry *e)
{
	struct exists_ctx *x = arg;

	if (e->p.len == x->p->len && strcmp(e->source, x->source) == 0) {
		x->found = true;
		x->origin = e->origin;
	}
	return 0;
}

static void
post_entries(struct api *api, const struct api_req *rq, struct api_resp *rs,
    const char *who)
{
	static const char *const keys[] = { "prefix", "source", "ttl",
	    "reason", "a", "txt", "exclude", NULL };
	const char *pfx, *source, *reason, *a, *txt, *why;
	struct add_job aj;
	struct exists_ctx ex;
	struct prefix ap;
	json_t *j, *ttl, *excl, *out;
	char err[256];
	int si, rc;
	int64_t secs = 0;
	uint32_t now = api->now();

	if ((j = body_object(rq, rs, keys)) == NULL)
		return;
	memset(&aj, 0, sizeof(aj));
	if (opt_string(j, "prefix", &pfx, rs) || opt_string(j, "source",
	    &source, rs) || opt_string(j, "reason", &reason, rs) ||
	    opt_string(j, "a", &a, rs) || opt_string(j, "txt", &txt, rs))
		goto out;
	if (pfx == NULL) {
		resp_error(rs, 400, "\"prefix\" is required");
		goto out;
	}
	if (ipaddr_parse_prefix(pfx, &aj.p, &why) != 0) {
		resp_error(rs, 400, "bad prefix \"%s\": %s", pfx, why);
		goto out;
	}
	if (source == NULL)
		source = "local";
	if ((si = conf_source_index(api->conf, source)) < 0) {
		resp_error(rs, 400, "no source \"%s\"", source);
		goto out;
	}
	aj.src = api->srcids[si];
	ttl = json_object_get(j, "ttl");
	if (json_is_integer(ttl))
		secs = json_integer_value(ttl);
	else if (json_is_string(ttl))
		secs = parse_duration(json_string_value(ttl));
	else if (ttl != NULL && !json_is_null(ttl))
		secs = -1;
	if (secs < 0 || secs > (int64_t)(UINT32_MAX - now)) {
		resp_error(rs, 400, "bad ttl (seconds, or a duration such as "
		    "30s, 10m, 12h, 7d or 2w)");
		goto out;
	}
	aj.expires = secs > 0 ? now + (uint32_t)secs : 0;
	excl = json_object_get(j, "exclude");
	if (excl != NULL && !json_is_boolean(excl)) {
		resp_error(rs, 400, "\"exclude\" must be true or false");
		goto out;
	}
	aj.excl = json_is_true(excl);
	aj.a = api->conf->sources[si].a;
	if (a != NULL) {
		if (ipaddr_parse_addr(a, &ap) != 0 || ap.family != 4) {
			resp_error(rs, 400, "bad \"a\" \"%s\": an IPv4 address "
			    "such as 127.0.0.2", a);
			goto out;
		}
		aj.a = ipaddr_v4(&ap);
	}
	aj.txt = txt != NULL ? txt : api->conf->sources[si].txt;
	if (aj.txt != NULL && (*aj.txt == '\0' ||
	    strlen(aj.txt) > RBL_TXT_MAX)) {
		resp_error(rs, 400, "txt must be 1 to %d characters",
		    RBL_TXT_MAX);
		goto out;
	}
	aj.reason = reason != NULL ? reason : "";
	if (strpbrk(aj.reason, CONTROL_CHARS) != NULL || (aj.txt != NULL &&
	    strpbrk(aj.txt, CONTROL_CHARS) != NULL)) {
		resp_error(rs, 400, "txt and reason may not hold control "
		    "characters");
		goto out;
	}
	if (strlen(aj.reason) > STORE_REASON_MAX) {
		resp_error(rs, 400, "reason is longer than %d characters",
		    STORE_REASON_MAX);
		goto out;
	}
	/* A file's or a feed's entry would come back or vanish at the next
	 * load: it is changed there, not here. */
	memset(&ex, 0, sizeof(ex));
	ex.p = &aj.p;
	ex.source = source;
	if (store_covering(api->st, &aj.p, exists_cb, &ex) != 0) {
		resp_error(rs, 500, "cannot read the database");
		goto out;
	}
	if (ex.found && (ex.origin == ORIGIN_FILE || ex.origin == ORIGIN_FEED)) {
		resp_error(rs, 409, "%s is listed by source %s's %s; change it "
		    "there", pfx, source, lookup_origin_name(ex.origin));
		goto out;
	}
	if ((rc = commitq_run(api->cq, add_job, &aj, err, sizeof(err))) != 0) {
		/* EEXIST: a file or a feed took the prefix since the check. */
		resp_error(rs, rc == EINVAL ? 400 : rc == EEXIST ? 409 : 500,
		    "not added: %s", err);
		goto out;
	}
	{
		char until[32] = "";
		time_t tt = aj.expires;
		struct tm tm;

		if (aj.expires != 0) {
			gmtime_r(&tt, &tm);
			strftime(until, sizeof(until), " until %Y-%m-%dT%H:%M:%SZ",
			    &tm);
		}
		log_info("api: %s added %s to %s%s", who, pfx, source, until);
	}
	out = json_object();
	json_object_set_new(out, "prefix", json_prefix(&aj.p));
	json_object_set_new(out, "source", json_string(source));
	if (!aj.excl) {
		json_object_set_new(out, "a", json_a(aj.a));
		json_object_set_new(out, "txt", aj.txt ? json_text(aj.txt) :
		    json_null());
	} else
		json_object_set_new(out, "exclude", json_true());
	json_object_set_new(out, "expires", json_time(aj.expires));
	json_object_set_new(out, "reason", json_string(aj.reason));
	json_object_set_new(out, "replaced", json_boolean(ex.found));
	resp_json(rs, ex.found ? 200 : 201, out);
out:
	json_decref(j);
}

struct del_job {
	struct api	*api;
	int		 src;
	struct prefix	 p;
	int		 n, kept;
};

static int
del_job(struct store_txn *t, void *arg)
{
	struct del_job *dj = arg;

	return reports_del(t, dj->api->conf, dj->api->srcids, dj->src, &dj->p,
	    &dj->n, &dj->kept);
}

static void
delete_entry(struct api *api, const struct api_req *rq, struct api_resp *rs,
    const char *pfx, const char *who)
{
	const char *source = arg(rq, "source"), *why;
	struct del_job dj;
	char err[256];
	int si, rc;

	memset(&dj, 0, sizeof(dj));
	dj.api = api;
	dj.src = -1;
	if (ipaddr_parse_prefix(pfx, &dj.p, &why) != 0) {
		resp_error(rs, 400, "bad prefix \"%s\": %s", pfx, why);
		return;
	}
	if (source != NULL) {
		if ((si = conf_source_index(api->conf, source)) < 0) {
			resp_error(rs, 400, "no source \"%s\"", source);
			return;
		}
		dj.src = api->srcids[si];
	}
	if ((rc = commitq_run(api->cq, del_job, &dj, err, sizeof(err))) != 0) {
		resp_error(rs, 500, "not deleted: %s", err);
		return;
	}
	if (dj.n == 0 && dj.kept > 0) {
		resp_error(rs, 409, "%s is listed by a data file or a feed; "
		    "change it there, or add it to [allow]", pfx);
		return;
	}
	if (dj.n == 0) {
		resp_error(rs, 404, "%s is not an entry%s%s", pfx,
		    source ? " of source " : "", source ? source : "");
		return;
	}
	log_info("api: %s deleted %s from %s", who, pfx,
	    source ? source : "every source");
	resp_json(rs, 200, json_pack("{s:o,s:i}", "prefix", json_prefix(&dj.p),
	    "deleted", dj.n));
}

/* ---- lookup ---- */

struct lookup_ctx {
	const struct conf *conf;
	json_t		*zones;		/* zone name -> array of answers */
	json_t		*arr;
	uint32_t	 now;
};

static int
lookup_cb(void *arg, const struct lookup_answer *an)
{
	struct lookup_ctx *lc = arg;
	json_t *a = json_object();

	json_object_set_new(a, "zone",
	    json_string(lc->conf->zones[an->zone].name));
	json_object_set_new(a, "source", an->source < 0 ? json_null() :
	    json_string(lc->conf->sources[an->source].name));
	json_object_set_new(a, "a", json_a(an->a));
	json_object_set_new(a, "txt", an->has_txt ? json_text(an->txt) :
	    json_null());
	json_array_append_new(lc->arr, a);
	return 0;
}

static int
covering_cb(void *arg, const struct store_entry *e)
{
	struct lookup_ctx *lc = arg;

	json_array_append_new(lc->arr, entry_json(e, lc->now));
	return 0;
}

static json_t *history_json(struct api *, const struct report_history *);

struct hist_ctx {
	struct api	*api;
	json_t		*arr;
	int		 limit, n;
	struct prefix	 last;
	int		 last_src;
	bool		 more;
};

static int
hist_cb(void *arg, const struct report_history *h)
{
	struct hist_ctx *hc = arg;

	if (hc->n == hc->limit) {
		hc->more = true;
		return 1;
	}
	json_array_append_new(hc->arr, history_json(hc->api, h));
	hc->last = h->key;
	hc->last_src = h->srcid;
	hc->n++;
	return 0;
}

static void
get_lookup(struct api *api, struct api_resp *rs, const char *iptext)
{
	struct lookup_ctx lc;
	struct hist_ctx hc;
	enum lookup_never never;
	struct prefix ip;
	char norm[IPADDR_STRLEN];
	json_t *j, *answers;
	int n;

	if (ipaddr_parse_addr(iptext, &ip) != 0) {
		resp_error(rs, 400, "\"%s\" is not an IP address", iptext);
		return;
	}
	lookup_normalize(&ip);
	ipaddr_ntop(ip.family, ip.addr, norm, sizeof(norm));
	memset(&lc, 0, sizeof(lc));
	lc.conf = api->conf;
	lc.now = api->now();
	lc.arr = answers = json_array();
	n = lookup_ip(api->conf, api->view, api->st, &ip, lc.now, &never,
	    lookup_cb, &lc);
	if (n < 0) {
		json_decref(answers);
		resp_error(rs, 500, "cannot read the database");
		return;
	}
	j = json_object();
	json_object_set_new(j, "ip", json_string(norm));
	json_object_set_new(j, "listed", json_boolean(n > 0));
	json_object_set_new(j, "never_listed", never == LOOKUP_LOOPBACK ?
	    json_string("RFC 5782 test point") : never == LOOKUP_ALLOWED ?
	    json_string("in [allow]") : json_null());
	json_object_set_new(j, "answers", answers);
	/* Every entry that covers it, expired or not, and its reports. */
	lc.arr = json_array();
	json_object_set_new(j, "entries", lc.arr);
	if (store_covering(api->st, &ip, covering_cb, &lc) != 0) {
		json_decref(j);
		resp_error(rs, 500, "cannot read the database");
		return;
	}
	memset(&hc, 0, sizeof(hc));
	hc.api = api;
	hc.limit = LIST_LIMIT_MAX;
	hc.arr = json_array();
	json_object_set_new(j, "reports", hc.arr);
	if (reports_walk(api->st, api->conf, api->srcids, &ip, NULL, 0, hist_cb,
	    &hc) != 0) {
		json_decref(j);
		resp_error(rs, 500, "cannot read the database");
		return;
	}
	resp_json(rs, 200, j);
}

/* ---- reports ---- */

static const char *
source_name_of(struct api *api, int srcid)
{
	for (int i = 0; i < api->conf->nsources; i++)
		if (api->srcids[i] == srcid)
			return api->conf->sources[i].name;
	return "?";
}

static json_t *
history_json(struct api *api, const struct report_history *h)
{
	json_t *j = json_object(), *types = json_object(), *recent = json_array();
	uint32_t now = api->now();

	json_object_set_new(j, "source", json_string(source_name_of(api,
	    h->srcid)));
	json_object_set_new(j, "ip", json_addr_or_prefix(&h->key));
	json_object_set_new(j, "reports", json_integer(h->total));
	json_object_set_new(j, "offences", json_integer(h->offences));
	json_object_set_new(j, "listed", json_boolean(h->banned_until > now));
	json_object_set_new(j, "listed_until", json_time(h->banned_until));
	json_object_set_new(j, "last_offence", json_time(h->last_offence));
	json_object_set_new(j, "last_seen", json_time(h->last_seen));
	for (int i = 0; i < h->ntypes; i++)
		if (json_object_set_new(types, h->types[i].type,
		    json_integer(h->types[i].n)) != 0)
			continue;	/* a name that is not UTF-8: damaged */
	json_object_set_new(j, "counting", types);
	for (int i = 0; i < h->nrecent; i++) {
		const struct report_recent *e = &h->recent[i];

		json_array_append_new(recent, json_pack("{s:o,s:o,s:o,s:o,s:b,"
		    "s:b}", "time", json_time(e->time), "type",
		    json_text(e->type), "service", json_text(e->service),
		    "reason", json_text(e->reason), "allowlisted",
		    e->allowlisted, "listed", e->listed));
	}
	json_object_set_new(j, "recent", recent);
	return j;
}

struct report_job {
	struct api	*api;
	struct report	 r;
	struct report_result res;
};

static int
report_job(struct store_txn *t, void *arg)
{
	struct report_job *rj = arg;

	return reports_apply(t, rj->api->conf, rj->api->srcids, rj->api->view,
	    &rj->r, &rj->res);
}

static void
count_rtype(struct api *api, const char *type)
{
	pthread_mutex_lock(&api->rt_mtx);
	for (int i = 0; i < api->nrt; i++)
		if (strcmp(api->rt[i].name, type) == 0) {
			api->rt[i].n++;
			pthread_mutex_unlock(&api->rt_mtx);
			return;
		}
	if (api->nrt < RTYPE_METRICS_MAX) {
		snprintf(api->rt[api->nrt].name, CONF_RTYPE_MAX, "%s", type);
		api->rt[api->nrt++].n = 1;
	}
	pthread_mutex_unlock(&api->rt_mtx);
}

static void
post_report(struct api *api, const struct api_req *rq, struct api_resp *rs,
    const char *who)
{
	static const char *const keys[] = { "ip", "type", "service", "reason",
	    NULL };
	const char *ip, *type, *service, *reason, *why;
	struct report_job rj;
	char err[256];
	json_t *j, *out;
	int rc;

	if ((j = body_object(rq, rs, keys)) == NULL)
		return;
	if (opt_string(j, "ip", &ip, rs) || opt_string(j, "type", &type, rs) ||
	    opt_string(j, "service", &service, rs) ||
	    opt_string(j, "reason", &reason, rs))
		goto out;
	if (ip == NULL || type == NULL) {
		resp_error(rs, 400, "\"ip\" and \"type\" are required");
		goto out;
	}
	memset(&rj, 0, sizeof(rj));
	if (ipaddr_parse_addr(ip, &rj.r.ip) != 0) {
		resp_error(rs, 400, "\"%s\" is not an IP address", ip);
		goto out;
	}
	lookup_normalize(&rj.r.ip);
	if (!reports_type_known(api->conf, type)) {
		resp_error(rs, 400, "unknown report type \"%s\" (no reports "
		    "source defines it)", type);
		goto out;
	}
	rj.r.service = service ? service : "";
	rj.r.reason = reason ? reason : "";
	if (*(why = report_check_text(rj.r.service, rj.r.reason)) != '\0') {
		resp_error(rs, 400, "%s", why);
		goto out;
	}
	rj.api = api;
	rj.r.type = type;
	rj.r.now = api->now();
	if ((rc = commitq_run(api->cq, report_job, &rj, err, sizeof(err))) != 0) {
		resp_error(rs, 500, "report not recorded: %s", err);
		goto out;
	}
	count_rtype(api, type);
	if (rj.res.allowlisted)
		atomic_fetch_add(&api->reports_allowlisted, 1);
	if (rj.res.newly) {
		char norm[IPADDR_STRLEN];

		atomic_fetch_add(&api->listings, 1);
		ipaddr_ntop(rj.r.ip.family, rj.r.ip.addr, norm, sizeof(norm));
		log_info("reports: %s listed for %us after %u %s reports "
		    "(offence %u, last from %s%s%s)", norm, rj.res.ban,
		    rj.res.count, type, rj.res.offences, who,
		    *rj.r.service ? ", " : "", rj.r.service);
	}
	out = json_object();
	json_object_set_new(out, "listed", json_boolean(rj.res.listed));
	json_object_set_new(out, "count", json_integer(rj.res.count));
	json_object_set_new(out, "expires", json_time(rj.res.expires));
	json_object_set_new(out, "allowlisted",
	    json_boolean(rj.res.allowlisted));
	json_object_set_new(out, "offences", json_integer(rj.res.offences));
	resp_json(rs, 202, out);
out:
	json_decref(j);
}

static void
get_reports(struct api *api, const struct api_req *rq, struct api_resp *rs)
{
	const char *ip = arg(rq, "ip"), *after = arg(rq, "after");
	struct hist_ctx hc;
	struct prefix p, ap;
	json_t *j;
	int rc, asrc = 0;

	memset(&hc, 0, sizeof(hc));
	if ((hc.limit = arg_limit(rq, rs)) < 0)
		return;
	if (ip != NULL && ipaddr_parse_addr(ip, &p) != 0) {
		resp_error(rs, 400, "\"%s\" is not an IP address", ip);
		return;
	}
	if (ip != NULL)
		lookup_normalize(&p);
	if (after != NULL && cursor_parse(api, after, &ap, &asrc, rs) != 0)
		return;
	hc.api = api;
	hc.arr = json_array();
	rc = reports_walk(api->st, api->conf, api->srcids, ip ? &p : NULL,
	    after ? &ap : NULL, asrc, hist_cb, &hc);
	if (rc != 0) {
		json_decref(hc.arr);
		resp_error(rs, 500, "cannot read the database");
		return;
	}
	j = json_pack("{s:o}", "reports", hc.arr);
	json_object_set_new(j, "next", hc.more ? cursor_json(&hc.last,
	    source_name_of(api, hc.last_src)) : json_null());
	resp_json(rs, 200, j);
}

/* ---- sources and zones ---- */

static json_t *
feed_json(const struct conf_source *cs, const struct feed_status *fs,
    bool fetched)
{
	json_t *f = json_object();

	json_object_set_new(f, "url", json_text(cs->url));
	json_object_set_new(f, "format",
	    json_string(feed_format_name(cs->format)));
	json_object_set_new(f, "every", json_integer(cs->every));
	json_object_set_new(f, "status", json_string(!fetched ? "never" :
	    fs->failures > 0 ? "error" : "ok"));
	json_object_set_new(f, "last_attempt",
	    json_time((uint32_t)fs->last_attempt));
	json_object_set_new(f, "last_success",
	    json_time((uint32_t)fs->last_success));
	json_object_set_new(f, "http_status", json_integer(fs->http_status));
	json_object_set_new(f, "failures", json_integer(fs->failures));
	json_object_set_new(f, "error", *fs->error ? json_text(fs->error) :
	    json_null());
	json_object_set_new(f, "lines", json_integer((json_int_t)fs->counts.lines));
	json_object_set_new(f, "rejected",
	    json_integer((json_int_t)fs->counts.rejected));
	return f;
}

static json_t *
source_json(struct api *api, int i)
{
	const struct conf_source *cs = &api->conf->sources[i];
	json_t *s = json_object(), *zones = json_array();
	struct store_srcmeta meta;

	json_object_set_new(s, "name", json_string(cs->name));
	json_object_set_new(s, "kind",
	    json_string(conf_kind_name(cs->kind)));
	json_object_set_new(s, "entries",
	    json_integer(store_source_count(api->st, api->srcids[i])));
	json_object_set_new(s, "a", json_a(cs->a));
	json_object_set_new(s, "txt", cs->txt ? json_text(cs->txt) :
	    json_null());
	for (int z = 0; z < api->conf->nzones; z++)
		for (int k = 0; k < api->conf->zones[z].nsources; k++)
			if (api->conf->zones[z].sources[k] == i)
				json_array_append_new(zones,
				    json_string(api->conf->zones[z].name));
	json_object_set_new(s, "zones", zones);
	if (cs->file != NULL) {
		bool have = store_source_meta(api->st, api->srcids[i],
		    &meta) == 0;

		json_object_set_new(s, "file", json_text(cs->file));
		json_object_set_new(s, "last_refresh", have ?
		    json_time((uint32_t)meta.loaded) : json_null());
		json_object_set_new(s, "bad_lines", json_integer(have ?
		    meta.bad_lines : 0));
	}
	if (cs->kind == SOURCE_FEED) {
		struct feed_status fs;
		bool fetched = feed_status_get(api->st, api->srcids[i], &fs) == 0;

		json_object_set_new(s, "last_refresh", fetched ?
		    json_time((uint32_t)fs.last_success) : json_null());
		json_object_set_new(s, "feed", feed_json(cs, &fs, fetched));
	}
	if (cs->kind == SOURCE_REPORTS) {
		json_t *types = json_object();

		for (int t = 0; t < cs->nrtypes; t++)
			json_object_set_new(types, cs->rtypes[t].name,
			    json_pack("{s:i,s:i,s:i}", "count",
			    cs->rtypes[t].count, "window", cs->rtypes[t].window,
			    "ban", cs->rtypes[t].ban));
		json_object_set_new(s, "types", types);
	}
	return s;
}

static void
get_sources(struct api *api, struct api_resp *rs)
{
	json_t *arr = json_array();

	for (int i = 0; i < api->conf->nsources; i++)
		json_array_append_new(arr, source_json(api, i));
	resp_json(rs, 200, json_pack("{s:o}", "sources", arr));
}

static void
post_refresh(struct api *api, struct api_resp *rs, const char *name,
    const char *who)
{
	const struct conf_source *cs;
	struct feed_status fs;
	const char *zone = NULL;
	int si;

	if ((si = conf_source_index(api->conf, name)) < 0) {
		resp_error(rs, 404, "no source \"%s\"", name);
		return;
	}
	cs = &api->conf->sources[si];
	if (cs->kind != SOURCE_FEED) {
		resp_error(rs, 409, "source %s is not a feed", name);
		return;
	}
	if (cs->format == FEED_AXFR && strncmp(cs->url, "axfr://", 7) == 0) {
		const char *sl = strchr(cs->url + 7, '/');

		zone = sl != NULL ? sl + 1 : NULL;
	}
	log_info("api: %s asked for a refresh of %s", who, name);
	memset(&fs, 0, sizeof(fs));
	fs.changed = -1;
	/*
	 * A fetch may take minutes: it runs on a private copy of the source,
	 * without the configuration lock, so that requests and a reload go
	 * on meanwhile. Source ids never change, so SRCID stays right.
	 */
	{
		struct conf_source copy = *cs;
		char zbuf[CONF_DNAME_MAX];
		int srcid = api->srcids[si], rc;

		copy.url = strdup(cs->url);
		copy.txt = cs->txt != NULL ? strdup(cs->txt) : NULL;
		copy.tsig = cs->tsig != NULL ? strdup(cs->tsig) : NULL;
		copy.file = NULL;
		copy.conf_file = NULL;
		if (zone != NULL)
			snprintf(zbuf, sizeof(zbuf), "%s", zone);
		if (copy.url == NULL || (cs->txt != NULL && copy.txt == NULL) ||
		    (cs->tsig != NULL && copy.tsig == NULL)) {
			free(copy.url);
			free(copy.txt);
			free(copy.tsig);
			resp_error(rs, 500, "out of memory");
			return;
		}
		pthread_rwlock_unlock(&api->lock);
		rc = feed_refresh(api->st, &copy, srcid, zone != NULL ? zbuf :
		    NULL, &fs);
		pthread_rwlock_rdlock(&api->lock);
		free(copy.url);
		free(copy.txt);
		free(copy.tsig);
		if (rc != 0) {
			resp_error(rs, 502, "%s: %s", copy.name, fs.error);
			return;
		}
		name = copy.name;	/* CS may be gone after a reload */
		resp_json(rs, 200, json_pack("{s:s,s:I,s:I,s:o}", "source",
		    name, "entries", (json_int_t)fs.entries, "changed",
		    (json_int_t)fs.changed, "not_modified",
		    json_boolean(fs.changed < 0)));
	}
}

static void
get_zones(struct api *api, struct api_resp *rs)
{
	json_t *arr = json_array();

	for (int z = 0; z < api->conf->nzones; z++) {
		const struct conf_zone *cz = &api->conf->zones[z];
		json_t *srcs = json_array();
		json_int_t n = 0;

		for (int i = 0; i < cz->nsources; i++) {
			json_array_append_new(srcs, json_string(
			    api->conf->sources[cz->sources[i]].name));
			n += store_source_count(api->st,
			    api->srcids[cz->sources[i]]);
		}
		json_array_append_new(arr, json_pack("{s:s,s:I,s:I,s:o}", "zone",
		    cz->name, "serial", (json_int_t)store_serial(api->st, z),
		    "entries", n, "sources", srcs));
	}
	resp_json(rs, 200, json_pack("{s:o}", "zones", arr));
}

static void
get_export(struct api *api, const struct api_req *rq, struct api_resp *rs,
    const char *zone)
{
	const char *format = arg(rq, "format");
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int z;

	if ((z = conf_zone_index(api->conf, zone)) < 0) {
		resp_error(rs, 404, "no zone \"%s\"", zone);
		return;
	}
	if (format == NULL)
		format = "rbldnsd";
	if (strcmp(format, "rbldnsd") != 0 && strcmp(format, "bind") != 0) {
		resp_error(rs, 400, "unknown format %s (use rbldnsd or bind)",
		    format);
		return;
	}
	if ((f = open_memstream(&buf, &len)) == NULL) {
		resp_error(rs, 500, "out of memory");
		return;
	}
	if ((strcmp(format, "bind") == 0 ? export_bind : export_rbldnsd)(f,
	    api->conf, api->srcids, api->view, api->st, z, false, NULL) != 0) {
		fclose(f);
		free(buf);
		resp_error(rs, 500, "cannot export zone %s", zone);
		return;
	}
	fclose(f);
	rs->status = 200;
	rs->content_type = "text/plain; charset=utf-8";
	rs->body = buf;
	rs->len = len;
}

/* ---- metrics ---- */

static void
metric(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
get_metrics(struct api *api, struct api_resp *rs)
{
	const struct conf *c = api->conf;
	struct store_stats ss;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL) {
		resp_error(rs, 500, "out of memory");
		return;
	}
	if (api->net != NULL) {
		struct dns_stats *ds = calloc(1, sizeof(*ds));

		if (ds != NULL) {
			net_stats(api->net, ds);
			metric(f, "rbld_dns_queries_total", "counter",
			    "DNS answers by zone and rcode.");
			for (int z = 0; z < c->nzones && z < DNS_STATS_ZONES;
			    z++)
				for (int r = 0; r < DNS_RC_SLOTS; r++)
					fprintf(f, "rbld_dns_queries_total{zone="
					    "\"%s\",rcode=\"%s\"} %llu\n",
					    c->zones[z].name,
					    dns_rcode_slot_name(r),
					    (unsigned long long)
					    ds->zone_rcode[z][r]);
			for (int r = 0; r < DNS_RC_SLOTS; r++)
				fprintf(f, "rbld_dns_queries_total{zone=\"\","
				    "rcode=\"%s\"} %llu\n",
				    dns_rcode_slot_name(r), (unsigned long long)
				    ds->nozone_rcode[r]);
			metric(f, "rbld_dns_lookups_total", "counter",
			    "Questions about an IP, by zone and result.");
			for (int z = 0; z < c->nzones && z < DNS_STATS_ZONES;
			    z++)
				fprintf(f, "rbld_dns_lookups_total{zone=\"%s\","
				    "result=\"listed\"} %llu\n"
				    "rbld_dns_lookups_total{zone=\"%s\","
				    "result=\"not_listed\"} %llu\n",
				    c->zones[z].name, (unsigned long long)
				    ds->zone_listed[z], c->zones[z].name,
				    (unsigned long long)ds->zone_unlisted[z]);
			metric(f, "rbld_dns_truncated_total", "counter",
			    "UDP answers sent truncated.");
			fprintf(f, "rbld_dns_truncated_total %llu\n",
			    (unsigned long long)ds->truncated);
			free(ds);
		}
	}
	metric(f, "rbld_zone_serial", "gauge", "Serial of each zone.");
	for (int z = 0; z < c->nzones; z++)
		fprintf(f, "rbld_zone_serial{zone=\"%s\"} %u\n",
		    c->zones[z].name, store_serial(api->st, z));
	metric(f, "rbld_source_entries", "gauge", "Entries of each source.");
	for (int i = 0; i < c->nsources; i++)
		fprintf(f, "rbld_source_entries{source=\"%s\",kind=\"%s\"} "
		    "%ld\n", c->sources[i].name,
		    conf_kind_name(c->sources[i].kind),
		    store_source_count(api->st, api->srcids[i]));
	metric(f, "rbld_feed_last_success_seconds", "gauge",
	    "Unix time of each feed's last good refresh (0: never).");
	for (int i = 0; i < c->nsources; i++) {
		struct feed_status fs;

		if (c->sources[i].kind != SOURCE_FEED)
			continue;
		if (feed_status_get(api->st, api->srcids[i], &fs) != 0)
			memset(&fs, 0, sizeof(fs));
		fprintf(f, "rbld_feed_last_success_seconds{source=\"%s\"} "
		    "%lld\n", c->sources[i].name, (long long)fs.last_success);
	}
	metric(f, "rbld_feed_failures", "gauge",
	    "Failed refreshes of each feed since its last good one.");
	for (int i = 0; i < c->nsources; i++) {
		struct feed_status fs;

		if (c->sources[i].kind != SOURCE_FEED)
			continue;
		if (feed_status_get(api->st, api->srcids[i], &fs) != 0)
			memset(&fs, 0, sizeof(fs));
		fprintf(f, "rbld_feed_failures{source=\"%s\"} %u\n",
		    c->sources[i].name, fs.failures);
	}
	metric(f, "rbld_reports_total", "counter", "Reports received, by type.");
	pthread_mutex_lock(&api->rt_mtx);
	for (int i = 0; i < api->nrt; i++)
		fprintf(f, "rbld_reports_total{type=\"%s\"} %llu\n",
		    api->rt[i].name, (unsigned long long)api->rt[i].n);
	pthread_mutex_unlock(&api->rt_mtx);
	metric(f, "rbld_reports_allowlisted_total", "counter",
	    "Reports about addresses in [allow], recorded but never listed.");
	fprintf(f, "rbld_reports_allowlisted_total %llu\n",
	    (unsigned long long)atomic_load(&api->reports_allowlisted));
	metric(f, "rbld_listings_total", "counter",
	    "Listings made by reports.");
	fprintf(f, "rbld_listings_total %llu\n",
	    (unsigned long long)atomic_load(&api->listings));
	metric(f, "rbld_entries_expired_total", "counter",
	    "Expired entries removed by the reaper.");
	fprintf(f, "rbld_entries_expired_total %llu\n",
	    (unsigned long long)atomic_load(&api->expired_entries));
	metric(f, "rbld_report_records_pruned_total", "counter",
	    "Reported addresses forgotten after their history ran out.");
	fprintf(f, "rbld_report_records_pruned_total %llu\n",
	    (unsigned long long)atomic_load(&api->pruned_records));
	metric(f, "rbld_api_requests_total", "counter",
	    "API requests by route and status.");
	for (int r = 0; r < R_COUNT; r++)
		for (size_t s = 0; s < NSTATUS; s++) {
			uint64_t n = atomic_load(&api->requests[r][s]);

			if (n > 0)
				fprintf(f, "rbld_api_requests_total{route=\"%s\","
				    "status=\"%d\"} %llu\n", route_names[r],
				    statuses[s], (unsigned long long)n);
		}
	metric(f, "rbld_api_auth_failures_total", "counter",
	    "Requests with a missing or wrong token.");
	fprintf(f, "rbld_api_auth_failures_total %llu\n",
	    (unsigned long long)atomic_load(&api->auth_failures));
	metric(f, "rbld_api_lockouts_total", "counter",
	    "Client addresses locked out after repeated failed auth.");
	fprintf(f, "rbld_api_lockouts_total %llu\n",
	    (unsigned long long)atomic_load(&api->lockouts));
	if (api->cq != NULL) {
		uint64_t b, jb;

		commitq_stats(api->cq, &b, &jb);
		metric(f, "rbld_commits_total", "counter",
		    "Write transactions of the API's group commit.");
		fprintf(f, "rbld_commits_total %llu\n", (unsigned long long)b);
		metric(f, "rbld_commit_jobs_total", "counter",
		    "API writes committed by the group commit.");
		fprintf(f, "rbld_commit_jobs_total %llu\n",
		    (unsigned long long)jb);
	}
	if (store_stats(api->st, &ss) == 0) {
		metric(f, "rbld_database_bytes", "gauge",
		    "Bytes of database pages in use.");
		fprintf(f, "rbld_database_bytes %llu\n",
		    (unsigned long long)ss.db_bytes);
		metric(f, "rbld_database_map_bytes", "gauge",
		    "Size of the database map.");
		fprintf(f, "rbld_database_map_bytes %llu\n",
		    (unsigned long long)ss.map_bytes);
		metric(f, "rbld_entries", "gauge", "Entries of all sources.");
		fprintf(f, "rbld_entries %llu\n",
		    (unsigned long long)ss.entries);
	}
	fclose(f);
	rs->status = 200;
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
	rs->body = buf;
	rs->len = len;
}

/* ---- routing ---- */

enum need { NEED_NONE, NEED_READER, NEED_REPORTER, NEED_ADMIN };

struct match {
	enum route	 route;
	const char	*allow;		/* methods, for 405 */
	char		 param[512];	/* the {ip}, {prefix}, {name}, {zone} */
};

static bool
path_param(const char *path, const char *head, const char *tail, char *out,
    size_t outlen)
{
	size_t hl = strlen(head), tl = strlen(tail), pl = strlen(path);

	if (pl <= hl + tl || strncmp(path, head, hl) != 0 ||
	    strcmp(path + pl - tl, tail) != 0 || pl - hl - tl >= outlen)
		return false;
	memcpy(out, path + hl, pl - hl - tl);
	out[pl - hl - tl] = '\0';
	/* Only the entry route takes a "/" inside its parameter. */
	return true;
}

static void
route_match(const char *path, struct match *m)
{
	memset(m, 0, sizeof(*m));
	m->route = R_NONE;
	if (strcmp(path, "/healthz") == 0) {
		m->route = R_HEALTHZ;
		m->allow = "GET, HEAD";
	} else if (strcmp(path, "/metrics") == 0) {
		m->route = R_METRICS;
		m->allow = "GET, HEAD";
	} else if (strcmp(path, "/v1/entries") == 0) {
		m->route = R_ENTRIES;
		m->allow = "GET, HEAD, POST";
	} else if (strcmp(path, "/v1/reports") == 0) {
		m->route = R_REPORTS;
		m->allow = "GET, HEAD, POST";
	} else if (strcmp(path, "/v1/sources") == 0) {
		m->route = R_SOURCES;
		m->allow = "GET, HEAD";
	} else if (strcmp(path, "/v1/zones") == 0) {
		m->route = R_ZONES;
		m->allow = "GET, HEAD";
	} else if (path_param(path, "/v1/lookup/", "", m->param,
	    sizeof(m->param)) && strchr(m->param, '/') == NULL) {
		m->route = R_LOOKUP;
		m->allow = "GET, HEAD";
	} else if (path_param(path, "/v1/entries/", "", m->param,
	    sizeof(m->param))) {
		m->route = R_ENTRY;
		m->allow = "DELETE";
	} else if (path_param(path, "/v1/sources/", "/refresh", m->param,
	    sizeof(m->param)) && strchr(m->param, '/') == NULL) {
		m->route = R_REFRESH;
		m->allow = "POST";
	} else if (path_param(path, "/v1/zones/", "/export", m->param,
	    sizeof(m->param)) && strchr(m->param, '/') == NULL) {
		m->route = R_EXPORT;
		m->allow = "GET, HEAD";
	}
}

/* What METHOD on route M needs; -1 if the method is not allowed. */
static int
route_need(const struct match *m, const char *method)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0;

	switch (m->route) {
	case R_HEALTHZ:
		return get ? NEED_NONE : -1;
	case R_METRICS:
	case R_LOOKUP:
	case R_SOURCES:
	case R_ZONES:
	case R_EXPORT:
		return get ? NEED_READER : -1;
	case R_ENTRIES:
		return get ? NEED_READER : post ? NEED_ADMIN : -1;
	case R_REPORTS:
		return get ? NEED_READER : post ? NEED_REPORTER : -1;
	case R_ENTRY:
		return strcmp(method, "DELETE") == 0 ? NEED_ADMIN : -1;
	case R_REFRESH:
		return post ? NEED_ADMIN : -1;
	default:
		return -1;
	}
}

static bool
role_ok(int role, enum need need)
{
	switch (need) {
	case NEED_NONE:
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

static void
count_request(struct api *api, enum route r, int status)
{
	for (size_t s = 0; s < NSTATUS; s++)
		if (statuses[s] == status) {
			atomic_fetch_add(&api->requests[r][s], 1);
			return;
		}
}

static void
dispatch(struct api *api, const struct api_req *rq, struct api_resp *rs)
{
	struct match m;
	struct in6_addr ckey;
	char who[TOKEN_NAME_MAX + 1] = "";
	uint32_t now = api->now(), left;
	int need, role = 0;

	route_match(rq->path, &m);
	if (m.route == R_NONE) {
		resp_error(rs, 404, "no such resource: %s", rq->path);
		goto out;
	}
	if ((need = route_need(&m, rq->method)) < 0) {
		snprintf(rs->allow, sizeof(rs->allow), "%s", m.allow);
		resp_error(rs, 405, "%s takes %s, not %s", rq->path, m.allow,
		    rq->method);
		goto out;
	}
	if (need != NEED_NONE) {
		client_key(rq->client, &ckey);
		if ((left = auth_locked(api, &ckey, now)) > 0) {
			rs->retry_after = left;
			resp_error(rs, 429, "too many failed logins from this "
			    "address; try again in %us", left);
			goto out;
		}
		role = auth_role(api, rq->authorization, who, sizeof(who));
		if (role == -2) {
			resp_error(rs, 503, "cannot read the tokens; try again");
			goto out;
		}
		if (role <= 0) {
			if (auth_failed(api, &ckey, now)) {
				char ct[INET6_ADDRSTRLEN];

				if (IN6_IS_ADDR_V4MAPPED(&ckey))
					inet_ntop(AF_INET, ckey.s6_addr + 12, ct,
					    sizeof(ct));
				else
					inet_ntop(AF_INET6, &ckey, ct, sizeof(ct));
				log_warnx("api: %s locked out for %ds after %d "
				    "failed logins", ct, API_AUTH_LOCKOUT,
				    API_AUTH_FAIL_MAX);
				rs->retry_after = API_AUTH_LOCKOUT;
				resp_error(rs, 429, "too many failed logins "
				    "from this address; try again in %ds",
				    API_AUTH_LOCKOUT);
				goto out;
			}
			resp_error(rs, 401, role < 0 ? "a bearer token is "
			    "required (Authorization: Bearer TOKEN)" :
			    "invalid token");
			goto out;
		}
		if (!role_ok(role, need)) {
			resp_error(rs, 403, "token %s (role %s) may not %s %s",
			    who, token_role_name(role), rq->method, rq->path);
			goto out;
		}
	}
	if (strcmp(rq->method, "POST") == 0 && rq->bodylen > 0 &&
	    !content_type_json(rq->content_type)) {
		resp_error(rs, 415, "send Content-Type: application/json");
		goto out;
	}
	switch (m.route) {
	case R_HEALTHZ:
		resp_json(rs, 200, json_pack("{s:s}", "status", "ok"));
		break;
	case R_METRICS:
		get_metrics(api, rs);
		break;
	case R_LOOKUP:
		get_lookup(api, rs, m.param);
		break;
	case R_ENTRIES:
		if (strcmp(rq->method, "POST") == 0)
			post_entries(api, rq, rs, who);
		else
			get_entries(api, rq, rs);
		break;
	case R_ENTRY:
		delete_entry(api, rq, rs, m.param, who);
		break;
	case R_REPORTS:
		if (strcmp(rq->method, "POST") == 0)
			post_report(api, rq, rs, who);
		else
			get_reports(api, rq, rs);
		break;
	case R_SOURCES:
		get_sources(api, rs);
		break;
	case R_REFRESH:
		post_refresh(api, rs, m.param, who);
		break;
	case R_ZONES:
		get_zones(api, rs);
		break;
	case R_EXPORT:
		get_export(api, rq, rs, m.param);
		break;
	default:
		resp_error(rs, 404, "no such resource");
		break;
	}
out:
	count_request(api, m.route, rs->status);
}

void
api_handle(struct api *api, const struct api_req *rq, struct api_resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	pthread_rwlock_rdlock(&api->lock);
	if (api->conf == NULL)
		resp_error(rs, 503, "not ready");
	else
		dispatch(api, rq, rs);
	pthread_rwlock_unlock(&api->lock);
}

/* ---- setup ---- */

struct api *
api_new(struct store *st, struct commitq *cq, struct net *net)
{
	struct api *api;

	if ((api = calloc(1, sizeof(*api))) == NULL)
		return NULL;
	api->st = st;
	api->cq = cq;
	api->net = net;
	api->now = wall_now;
	{
		/* A reload must not wait forever behind a stream of requests
		 * that always overlap: writers go first. */
		pthread_rwlockattr_t ra;

		pthread_rwlockattr_init(&ra);
		pthread_rwlockattr_setkind_np(&ra,
		    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&api->lock, &ra);
		pthread_rwlockattr_destroy(&ra);
	}
	pthread_mutex_init(&api->fail_mtx, NULL);
	pthread_mutex_init(&api->rt_mtx, NULL);
	return api;
}

void
api_set_clock(struct api *api, uint32_t (*now)(void))
{
	api->now = now;
}

int
api_set_conf(struct api *api, const struct conf *conf, const int *srcids)
{
	struct dns_view *v, *old;

	if ((v = view_build(conf, srcids)) == NULL)
		return -1;
	pthread_rwlock_wrlock(&api->lock);
	old = api->view;
	api->view = v;
	api->conf = conf;
	memcpy(api->srcids, srcids, sizeof(int) * (size_t)conf->nsources);
	pthread_rwlock_unlock(&api->lock);
	if (old != NULL)
		view_free(old);
	return 0;
}

void
api_note_expired(struct api *api, long entries, long records)
{
	if (entries > 0)
		atomic_fetch_add(&api->expired_entries, (uint64_t)entries);
	if (records > 0)
		atomic_fetch_add(&api->pruned_records, (uint64_t)records);
}

struct admin_find {
	bool	found;
	bool	name_taken;
};

static int
admin_cb(void *arg, const char *name, const struct token_rec *r)
{
	struct admin_find *af = arg;

	if (r->role == ROLE_ADMIN)
		af->found = true;
	if (strcmp(name, "admin") == 0)
		af->name_taken = true;
	return 0;
}

int
api_first_token(struct store *st, const struct conf *conf, FILE *f)
{
	struct admin_find af = { false, false };
	struct token_rec rec;
	char tok[TOKEN_LEN + 1], name[TOKEN_NAME_MAX + 1] = "admin";

	for (int i = 0; i < conf->ntokens; i++)
		if (conf->tokens[i].role == ROLE_ADMIN)
			return 0;
	if (token_walk(st, admin_cb, &af) != 0)
		return -1;
	if (af.found)
		return 0;
	if (af.name_taken)
		snprintf(name, sizeof(name), "admin-%ld", (long)time(NULL));
	if (token_generate(tok) != 0)
		return -1;
	memset(&rec, 0, sizeof(rec));
	rec.version = 1;
	rec.role = ROLE_ADMIN;
	rec.created = time(NULL);
	token_hash(tok, rec.hash);
	if (token_put(st, name, &rec) != 0)
		return -1;
	fprintf(f, "rbld: no admin token existed, so one was made. It is shown "
	    "this once; only its hash is kept:\n"
	    "rbld: admin token \"%s\": %s\n", name, tok);
	fflush(f);
	explicit_bzero(tok, sizeof(tok));
	return 1;
}

/* ---- libmicrohttpd ---- */

struct conn {
	char		*body;
	size_t		 len, cap;
	bool		 too_big;
	bool		 answered;
};

static const char *
mhd_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

/* Queue RS; its body is handed over to libmicrohttpd (no copy: an export
 * may be large). For HEAD, libmicrohttpd sends the headers only, with the
 * length the body would have. */
static enum MHD_Result
mhd_send(struct MHD_Connection *c, struct api_resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char ra[16];

	r = MHD_create_response_from_buffer(rs->len, rs->body,
	    rs->body != NULL ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(rs->body);
		rs->body = NULL;
		return MHD_NO;
	}
	rs->body = NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    rs->content_type ? rs->content_type : "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (rs->status == 405 && rs->allow[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rs->allow);
	if (rs->status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer realm=\"rbld\"");
	if (rs->status == 429 && rs->retry_after > 0) {
		snprintf(ra, sizeof(ra), "%u", rs->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	ret = MHD_queue_response(c, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* 413, counted in /metrics like every answer api_handle gives. */
static enum MHD_Result
mhd_too_big(struct api *api, struct MHD_Connection *c, const char *url)
{
	struct api_resp rs;
	struct match m;

	memset(&rs, 0, sizeof(rs));
	resp_error(&rs, 413, "the body is larger than %d bytes", API_BODY_MAX);
	route_match(url, &m);
	count_request(api, m.route, rs.status);
	return mhd_send(c, &rs);
}

static enum MHD_Result
mhd_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct api *api = cls;
	struct conn *cn = *con_cls;
	struct api_req rq;
	struct api_resp rs;
	const union MHD_ConnectionInfo *ci;

	(void)version;
	if (cn == NULL) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);

		if ((cn = calloc(1, sizeof(*cn))) == NULL)
			return MHD_NO;
		*con_cls = cn;
		/* A body too large is refused before it is read. */
		if (cl != NULL && strtoull(cl, NULL, 10) > API_BODY_MAX) {
			cn->answered = true;
			return mhd_too_big(api, c, url);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* Chunked bodies have no length: count as they come. */
		if (!cn->too_big && cn->len + *upload_size <= API_BODY_MAX) {
			if (cn->len + *upload_size > cn->cap) {
				size_t cap = cn->cap ? cn->cap : 4096;
				char *b;

				while (cap < cn->len + *upload_size)
					cap *= 2;
				if ((b = realloc(cn->body, cap)) == NULL)
					return MHD_NO;
				cn->body = b;
				cn->cap = cap;
			}
			memcpy(cn->body + cn->len, upload, *upload_size);
			cn->len += *upload_size;
		} else
			cn->too_big = true;	/* the rest is read, not kept:
						 * libmicrohttpd 0.9.75 cannot
						 * answer before the end */
		*upload_size = 0;
		return MHD_YES;
	}
	if (cn->answered)
		return MHD_YES;
	cn->answered = true;
	if (cn->too_big)
		return mhd_too_big(api, c, url);
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = url;
	rq.arg = mhd_arg;
	rq.argctx = c;
	rq.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	rq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	rq.body = cn->body;
	rq.bodylen = cn->len;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	rq.client = ci != NULL ? ci->client_addr : NULL;
	api_handle(api, &rq, &rs);
	return mhd_send(c, &rs);
}

static void
mhd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn != NULL) {
		free(cn->body);
		free(cn);
		*con_cls = NULL;
	}
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_debug("api: %s", msg);
}

static char *
read_pem(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *b;

		if (len + n > 1024 * 1024 || (b = realloc(buf, len + n + 1)) ==
		    NULL) {
			snprintf(err, errlen, "%s: too large", path);
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = b;
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: empty", path);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static bool
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr)
		    >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->
	    sin6_addr);
}

int
api_listen(struct api *api, const struct conf *conf, char *err, size_t errlen)
{
	bool tls = conf->api_cert != NULL;

	if (tls) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd has no TLS");
			return -1;
		}
		if ((api->cert = read_pem(conf->api_cert, err, errlen)) == NULL ||
		    (api->key = read_pem(conf->api_key, err, errlen)) == NULL)
			return -1;
	}
	for (int i = 0; i < conf->napi; i++) {
		const struct endpoint *l = &conf->api[i];
		unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
		    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG |
		    (l->ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) |
		    (tls ? MHD_USE_TLS : 0);
		struct MHD_Daemon *d;
		const union MHD_DaemonInfo *di;
		char host[INET6_ADDRSTRLEN];
		const char *colon;

		d = MHD_start_daemon(flags, 0, NULL, NULL, mhd_handler, api,
		    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, api,
		    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&l->ss,
		    MHD_OPTION_CONNECTION_LIMIT,
		    (unsigned int)conf->api_connections,
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		    (unsigned int)conf->api_per_ip,
		    MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned int)conf->api_timeout,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		    MHD_OPTION_NOTIFY_COMPLETED, mhd_completed, api,
		    tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, api->key,
		    MHD_OPTION_HTTPS_MEM_CERT, api->cert,
		    MHD_OPTION_END);
		if (d == NULL) {
			snprintf(err, errlen, "cannot listen on %s%s", l->text,
			    tls ? " (or the TLS key and certificate do not "
			    "load)" : "");
			return -1;
		}
		api->mhd[api->nmhd++] = d;
		di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
		colon = strrchr(l->text, ':');
		snprintf(host, sizeof(host), "%.*s",
		    (int)(colon ? colon - l->text : (long)strlen(l->text)),
		    l->text);
		log_info("api: listening on %s:%u (%s)", host,
		    di != NULL ? di->port : 0, tls ? "https" : "http");
		if (!tls && !is_loopback(&l->ss))
			log_warnx("api: %s is not a loopback address and the API "
			    "has no TLS: tokens cross the network in clear "
			    "(set api-cert and api-key)", l->text);
	}
	return 0;
}

void
api_stop(struct api *api)
{
	for (int i = 0; i < api->nmhd; i++)
		MHD_stop_daemon(api->mhd[i]);
	api->nmhd = 0;
}

void
api_free(struct api *api)
{
	if (api == NULL)
		return;
	api_stop(api);
	if (api->view != NULL)
		view_free(api->view);
	if (api->key != NULL)
		explicit_bzero(api->key, strlen(api->key));
	free(api->key);
	free(api->cert);
	pthread_rwlock_destroy(&api->lock);
	pthread_mutex_destroy(&api->fail_mtx);
	pthread_mutex_destroy(&api->rt_mtx);
	free(api);
}
