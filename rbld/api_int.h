/* SPDX-License-Identifier: BSD-2-Clause */
/* What the api*.c files share: struct api, JSON helpers and the handlers. */
#ifndef RBLD_API_INT_H
#define RBLD_API_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "auth.h"
#include "conf.h"
#include "dns.h"
#include "ipaddr.h"
#include "view.h"

#define API_LIST_LIMIT_DEFAULT	100
#define API_LIST_LIMIT_MAX	1000
#define API_RTYPE_METRICS_MAX	64
#define API_NROUTES		21	/* the route table's rows and "none" */
#define API_NSTATUS		15	/* the statuses /metrics counts */

struct MHD_Daemon;
struct report_job;

#define API_HISTORY		1440	/* minutes of history: a day */

/* One minute's figures (or, as hist_last, the running totals). */
struct api_minute {
	uint32_t	t;		/* the minute's start */
	uint64_t	queries, listed, unlisted, reports, listings;
};

struct api_rtype_count {
	char		name[CONF_RTYPE_MAX];
	uint64_t	n;
};

struct api {
	struct store	*st;
	struct commitq	*cq;
	struct net	*net;
	uint32_t	(*now)(void);

	/* The view in force: a request reads it once, inside a read
	 * section, and uses that one throughout. */
	struct view_ref	*views;

	/* api_http.c's */
	int		 nmhd;
	struct MHD_Daemon *mhd[CONF_MAX_LISTEN];
	char		*cert, *key;
	unsigned	 max_conns;	/* api-connections, all addresses together */
	atomic_uint	 conns;		/* open now, all addresses together */
	struct api_conns *cguard;	/* per address, and deadlines */

	struct auth_lockouts *lockouts;

	/* Puts a runtime allowlist change in force (api_on_allow). */
	int		(*republish)(void *arg, char *err, size_t errlen);
	void		*republish_arg;

	/* /metrics */
	atomic_uint_fast64_t requests[API_NROUTES][API_NSTATUS];
	atomic_uint_fast64_t listings, reports_allowlisted;
	atomic_uint_fast64_t expired_entries, pruned_records;
	pthread_mutex_t	 rt_mtx;
	int		 nrt;
	struct api_rtype_count rt[API_RTYPE_METRICS_MAX];

	/* GET /v1/stats/history: a ring of minutes (api_tick) */
	pthread_mutex_t	 hist_mtx;
	struct api_minute hist[API_HISTORY];
	unsigned long	 hist_n;	/* minutes ever recorded */
	uint32_t	 hist_minute;	/* the minute being counted */
	struct api_minute hist_last;	/* the totals at its start */
};

/*
 * A route's handler for one method. V is the view in force for the whole
 * request (the caller is in a grace read section); PARAM is the path's
 * {parameter} ("" if the route has none), WHO the token's name ("" if the
 * route needs none). It fills RS.
 */
typedef void	api_handler(struct api *api, const struct view *v,
		    const struct api_req *rq, struct api_resp *rs,
		    const char *param, const char *who);

/* ---- api.c: responses, routes, query arguments ---- */

/* J (its reference taken) as RS's body, one object per line. */
void		 api_reply(struct api_resp *rs, int status, json_t *j);
/* {"error": MESSAGE} as RS's body, anything but printable ASCII made "?". */
void		 api_error(struct api_resp *rs, int status,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A write the store refused, errno as it left it: "WHAT: the disk is full"
 * as a 503 with Retry-After (the client may try again once an admin has
 * freed space, and rbld needs no restart), anything else a 500 with
 * WHAT: ERR (ERR may be NULL). */
void		 api_write_error(struct api_resp *rs, const char *what,
		    const char *err);

/* The name of route R (0 .. API_NROUTES - 1) in /metrics. */
const char	*api_route_name(size_t r);

/* A 413 for PATH, counted in /metrics like every answer api_handle gives. */
void		 api_too_big(struct api *, const char *path,
		    struct api_resp *rs);

/* The query argument NAME, or NULL. */
const char	*api_arg(const struct api_req *rq, const char *name);

/* "limit", 1 to API_LIST_LIMIT_MAX (API_LIST_LIMIT_DEFAULT if absent); -1
 * with a 400 in RS if bad. */
int		 api_arg_limit(const struct api_req *rq, struct api_resp *rs);

/* A list's "next" cursor AFTER ("PREFIX,SOURCE") into P and *SRCID; 0, or
 * -1 with a 400 in RS. */
int		 api_cursor_parse(const struct view *, const char *after,
		    struct prefix *p, int *srcid, struct api_resp *rs);
/* The cursor of the list item P of SOURCE. */
json_t		*api_cursor_json(const struct prefix *p, const char *source);

/* ---- api_json.c: JSON values and bodies ---- */

/* "2024-01-02T03:04:05Z", or null for 0. */
json_t		*api_json_time(uint32_t t);
/* S as a string, bytes that are not UTF-8 made U+FFFD. */
json_t		*api_json_text(const char *s);
/* An IPv4 address in host order as "a.b.c.d". */
json_t		*api_json_a(uint32_t a);
/* "ADDR/LEN". */
json_t		*api_json_prefix(const struct prefix *p);
/* "ADDR" when P is a whole address, else "ADDR/LEN". */
json_t		*api_json_addr(const struct prefix *p);

/* The body as one JSON object whose keys are all in KEYS (NULL ended; NULL:
 * any keys); NULL with a 400 in RS. */
json_t		*api_json_body(const struct api_req *rq, struct api_resp *rs,
		    const char *const *keys);
/* J's "ttl" (seconds, or a duration such as "7d"; absent or null: none) as
 * an expiry time after NOW into *EXPIRES (0: never); 0, or -1 with a 400. */
int		 api_json_ttl(json_t *j, uint32_t now, uint32_t *expires,
		    struct api_resp *rs);
/* J's member KEY, if present, into *OUT (else NULL); 0, or -1 with a 400 in
 * RS if it is not a string or holds a NUL. */
int		 api_json_string(json_t *j, const char *key, const char **out,
		    struct api_resp *rs);

/* Commit report RJ (its address and texts checked, RJ->v set) for WHO,
 * count it in /metrics and log the listing it makes: 0, or -1 with the
 * error answer in RS. */
int		 api_report_apply(struct api *api, struct report_job *rj,
		    struct api_resp *rs, const char *who);

/* ---- api_dovecot.c: Dovecot's authentication policy protocol ---- */

void		 api_dovecot_post(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *,
		    const char *);

/* ---- api_conns.c: per-address limits and deadlines ---- */

/*
 * The open connections, each with its client (auth_client_key) and a
 * deadline: PER_IP from one client at most, the whole headers of a
 * request within HEADER_S of connecting, a request within REQUEST_S of its
 * headers, the next request's headers within IDLE_S of an answer. A
 * connection past its deadline is shut down (libmicrohttpd then closes
 * it). NULL when out of memory.
 */
struct api_conns;
struct api_conn;
struct api_conns *api_conns_new(unsigned per_ip, uint32_t header_s,
		    uint32_t request_s, uint32_t idle_s);
void		 api_conns_free(struct api_conns *);
/* A thread that enforces the deadlines: 0, or -1. */
int		 api_conns_watch(struct api_conns *);
/* Connection FD from CLIENT opened at NOW (ms): its record; NULL when it
 * must be closed at once (its client has PER_IP connections, all in a
 * request). Else, at the limit, the client's oldest connection not in a
 * request is shut down to make room. */
struct api_conn	*api_conns_open(struct api_conns *, int fd,
		    const struct sockaddr *client, uint64_t now);
/* Its headers are in (a request runs); it was answered; it closed. */
void		 api_conns_request(struct api_conns *, struct api_conn *,
		    uint64_t now);
void		 api_conns_done(struct api_conns *, struct api_conn *,
		    uint64_t now);
void		 api_conns_close(struct api_conns *, struct api_conn *);
/* Shut down the connections past their deadline at NOW: how many. */
unsigned	 api_conns_expire(struct api_conns *, uint64_t now);
/* Connections closed for a deadline, evicted, refused, ever. */
void		 api_conns_counts(struct api_conns *, uint64_t *late,
		    uint64_t *evicted, uint64_t *refused);

/* ---- api_http.c ---- */

/* Stop listening and forget the TLS key. */
void		 api_http_free(struct api *);

/* ---- api_metrics.c ---- */

/* GET /metrics */
void		 api_metrics_get(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
/* Count an answer with STATUS on route R. */
void		 api_metrics_request(struct api *, size_t r, int status);
/* Count a report of TYPE. */
void		 api_metrics_report(struct api *, const char *type);

/* ---- api_entries.c: entries, lookups, reports ---- */

/* GET, POST /v1/entries; DELETE /v1/entries/{prefix} */
void		 api_entries_get(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
void		 api_entries_post(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
void		 api_entries_delete(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
/* GET /v1/lookup/{ip} */
void		 api_entries_lookup(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
/* GET, POST /v1/reports */
void		 api_entries_reports_get(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
void		 api_entries_reports_post(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);

/* ---- api_zones.c: sources, zones, export ---- */

/* GET /v1/sources; POST /v1/sources/{name}/refresh */
void		 api_zones_sources_get(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
void		 api_zones_refresh_post(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
/* GET /v1/zones; GET /v1/zones/{zone}/export */
void		 api_zones_get(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
void		 api_zones_export_get(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);

/* ---- api_allow.c: the allowlist ---- */

/* GET, POST /v1/allow; DELETE /v1/allow/{prefix} */
void		 api_allow_get(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
void		 api_allow_post(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
void		 api_allow_delete(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
/* The allowlist entries of V that cover LA, for a lookup; *IN_CONF
 * whether one is [allow]'s. */
struct listing_addr;
json_t		*api_allow_covering(struct api *, const struct view *v,
		    const struct listing_addr *la, bool *in_conf);

/* ---- api_stats.c: the hits log and the day's history ---- */

/* GET /v1/hits?ip=&client=&zone=&limit=; GET /v1/stats/history */
void		 api_stats_hits(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
void		 api_stats_history(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);

/* ---- api_web.c: the web page ---- */

/*
 * GET / and GET /{file}: the file of the web folder ([rbld] web;
 * index.html for "/"), with its type, an ETag and Last-Modified, or 304
 * when the client's copy is current. Only plain files directly in the
 * folder, of the types the page uses, are served: 404 for anything else.
 */
void		 api_web_get(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);

/* ---- api_tokens.c: credentials ---- */

/* GET /v1/whoami: the token's name and role (any role) */
void		 api_tokens_whoami(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
/* GET, POST /v1/tokens; DELETE /v1/tokens/{name} (admin) */
void		 api_tokens_get(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
void		 api_tokens_post(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);
void		 api_tokens_delete(struct api *, const struct view *,
		    const struct api_req *, struct api_resp *, const char *param,
		    const char *who);

#endif
