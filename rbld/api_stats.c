/* SPDX-License-Identifier: BSD-2-Clause */
/* API handlers for what happened: the hits log, and per-minute history of the last day. */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "hits.h"
#include "reports.h"

#define TOP_N		10	/* top listed and top reported addresses */

/* ---- the per-minute history ---- */

/* The running totals a minute's figures are the difference of. */
static void
totals(struct api *api, struct api_minute *m)
{
	struct dns_stats s;

	memset(m, 0, sizeof(*m));
	if (api->net != NULL) {
		net_stats(api->net, &s);
		m->queries = s.queries;
		m->listed = s.listed;
		for (int z = 0; z < DNS_STATS_ZONES; z++)
			m->unlisted += s.zone_unlisted[z];
	}
	pthread_mutex_lock(&api->rt_mtx);
	for (int i = 0; i < api->nrt; i++)
		m->reports += api->rt[i].n;
	pthread_mutex_unlock(&api->rt_mtx);
	m->listings = atomic_load(&api->listings);
}

void
api_tick(struct api *api, uint32_t now)
{
	uint32_t minute = now - now % 60;
	struct api_minute cur;

	if (minute == api->hist_minute)
		return;
	totals(api, &cur);
	pthread_mutex_lock(&api->hist_mtx);
	if (api->hist_minute != 0) {
		/* The minute that just ended (and nothing for minutes rbld
		 * did not see, e.g. a suspended machine). */
		struct api_minute *m = &api->hist[api->hist_n++ % API_HISTORY];

		m->t = api->hist_minute;
		m->queries = cur.queries - api->hist_last.queries;
		m->listed = cur.listed - api->hist_last.listed;
		m->unlisted = cur.unlisted - api->hist_last.unlisted;
		m->reports = cur.reports - api->hist_last.reports;
		m->listings = cur.listings - api->hist_last.listings;
	}
	api->hist_last = cur;
	api->hist_minute = minute;
	pthread_mutex_unlock(&api->hist_mtx);
}

/* ---- the hits log ---- */

static int
hit_cmp(const void *x, const void *y)
{
	const struct hit *a = x, *b = y;

	return (a->time < b->time) - (a->time > b->time);	/* newest first */
}

/* Every worker's hits, newest first, in a new array (*N of them); NULL
 * when the log is off or memory is short. */
static struct hit *
all_hits(struct api *api, unsigned *n, unsigned *size)
{
	struct hit *h;

	*n = *size = 0;
	if (api->net == NULL)
		return NULL;
	(void)net_hits(api->net, NULL, 0, size);
	if (*size == 0 || (h = calloc(*size + 64, sizeof(*h))) == NULL)
		return NULL;
	*n = net_hits(api->net, h, *size + 64, size);
	qsort(h, *n, sizeof(*h), hit_cmp);
	return h;
}

static const char *
zone_name(const struct view *v, int slot)
{
	for (int z = 0; z < v->nzones; z++)
		if (v->zones[z].slot == slot)
			return v->zones[z].cz->name;
	return NULL;
}

static const char *
source_name(const struct view *v, int id)
{
	for (int i = 0; i < v->conf->nsources; i++)
		if (v->srcids[i] == id)
			return v->conf->sources[i].name;
	return NULL;
}

/* A filter argument NAME: a prefix into P (*SET), or a 400. */
static int
prefix_arg(const struct api_req *rq, const char *name, struct prefix *p,
    bool *set, struct api_resp *rs)
{
	const char *s = api_arg(rq, name);
	char bad[64];

	*set = s != NULL && s[0] != '\0';
	if (!*set)
		return 0;
	if (ipaddr_parse_prefix(s, p, bad, sizeof(bad)) != 0) {
		api_error(rs, 400, "bad %s \"%s\": %s", name, s, bad);
		return -1;
	}
	ipaddr_canonical(p);
	return 0;
}

void
api_stats_hits(struct api *api, const struct view *v, const struct api_req *rq,
    struct api_resp *rs, const char *param, const char *who)
{
	struct prefix ip, client;
	bool has_ip, has_client;
	const char *zone = api_arg(rq, "zone");
	unsigned n, size;
	struct hit *h;
	json_t *arr;
	int limit, got = 0;

	(void)param;
	(void)who;
	if ((limit = api_arg_limit(rq, rs)) < 0 ||
	    prefix_arg(rq, "ip", &ip, &has_ip, rs) != 0 ||
	    prefix_arg(rq, "client", &client, &has_client, rs) != 0)
		return;
	if (zone != NULL && zone[0] != '\0' &&
	    conf_zone_index(v->conf, zone) < 0) {
		api_error(rs, 400, "no zone \"%s\"", zone);
		return;
	}
	h = all_hits(api, &n, &size);
	arr = json_array();
	for (unsigned i = 0; i < n && got < limit; i++) {
		const char *zn = zone_name(v, h[i].zslot);
		json_t *srcs;

		if (zn == NULL || (zone != NULL && zone[0] != '\0' &&
		    strcmp(zone, zn) != 0) ||
		    (has_ip && !ipaddr_contains(&ip, &h[i].ip)) ||
		    (has_client && !ipaddr_contains(&client, &h[i].client)))
			continue;
		srcs = json_array();
		for (int k = 0; k < h[i].nsrc; k++) {
			const char *sn = source_name(v, h[i].srcids[k]);

			if (sn != NULL)
				json_array_append_new(srcs, json_string(sn));
		}
		json_array_append_new(arr, json_pack("{s:o,s:o,s:o,s:s,s:o}",
		    "time", api_json_time(h[i].time), "client",
		    h[i].client.family != 0 ? api_json_addr(&h[i].client) :
		    json_null(), "ip", api_json_addr(&h[i].ip), "zone", zn,
		    "sources", srcs));
		got++;
	}
	free(h);
	api_reply(rs, 200, json_pack("{s:b,s:I,s:o}", "enabled", size > 0,
	    "size", (json_int_t)size, "hits", arr));
}

/* ---- the day's figures, and the top addresses ---- */

struct top {
	struct prefix	 ip;
	const char	*source;
	long		 n;
};

/* Keep T (N of at most TOP_N, most first) with ENTRY in it if it is among
 * the most. */
static void
top_add(struct top *t, int *n, const struct top *entry)
{
	int i = *n < TOP_N ? (*n)++ : TOP_N - 1;

	if (i == TOP_N - 1 && *n == TOP_N && t[i].n >= entry->n)
		return;
	t[i] = *entry;
	for (; i > 0 && t[i].n > t[i - 1].n; i--) {
		struct top x = t[i];

		t[i] = t[i - 1];
		t[i - 1] = x;
	}
}

struct reported_ctx {
	const struct view *v;
	struct top	 top[TOP_N];
	int		 n;
};

static int
reported_cb(void *arg, const struct report_history *h)
{
	struct reported_ctx *rc = arg;
	struct top e = { h->key, source_name(rc->v, h->srcid), h->total };

	top_add(rc->top, &rc->n, &e);
	return 0;
}

static int
prefix_cmp(const void *x, const void *y)
{
	return memcmp(x, y, sizeof(struct prefix));
}

/* The addresses asked about most among the N hits H, most first. */
static int
top_listed(const struct hit *h, unsigned n, struct top *t)
{
	struct prefix *ips = malloc(sizeof(*ips) * (n + 1));
	int nt = 0;

	if (ips == NULL)
		return 0;
	for (unsigned i = 0; i < n; i++)
		ips[i] = h[i].ip;
	qsort(ips, n, sizeof(*ips), prefix_cmp);
	for (unsigned i = 0, j; i < n; i = j) {
		struct top e = { ips[i], NULL, 0 };

		for (j = i; j < n && prefix_cmp(&ips[j], &ips[i]) == 0; j++)
			e.n++;
		top_add(t, &nt, &e);
	}
	free(ips);
	return nt;
}

void
api_stats_history(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	struct reported_ctx rc;
	struct top tl[TOP_N];
	json_t *mins = json_array(), *jl = json_array(), *jr = json_array();
	unsigned n, size;
	struct hit *h;
	int ntl;

	(void)rq;
	(void)param;
	(void)who;
	pthread_mutex_lock(&api->hist_mtx);
	for (unsigned long i = api->hist_n > API_HISTORY ?
	    api->hist_n - API_HISTORY : 0; i < api->hist_n; i++) {
		const struct api_minute *m = &api->hist[i % API_HISTORY];

		json_array_append_new(mins, json_pack("{s:o,s:I,s:I,s:I,s:I,"
		    "s:I}", "t", api_json_time(m->t), "queries",
		    (json_int_t)m->queries, "listed", (json_int_t)m->listed,
		    "unlisted", (json_int_t)m->unlisted, "reports",
		    (json_int_t)m->reports, "listings",
		    (json_int_t)m->listings));
	}
	/* The minute under way, so far. */
	if (api->hist_minute != 0) {
		struct api_minute cur;

		totals(api, &cur);
		json_array_append_new(mins, json_pack("{s:o,s:I,s:I,s:I,s:I,"
		    "s:I,s:b}", "t", api_json_time(api->hist_minute), "queries",
		    (json_int_t)(cur.queries - api->hist_last.queries),
		    "listed", (json_int_t)(cur.listed - api->hist_last.listed),
		    "unlisted", (json_int_t)(cur.unlisted -
		    api->hist_last.unlisted), "reports",
		    (json_int_t)(cur.reports - api->hist_last.reports),
		    "listings", (json_int_t)(cur.listings -
		    api->hist_last.listings), "partial", 1));
	}
	pthread_mutex_unlock(&api->hist_mtx);
	h = all_hits(api, &n, &size);
	ntl = top_listed(h, n, tl);
	free(h);
	for (int i = 0; i < ntl; i++)
		json_array_append_new(jl, json_pack("{s:o,s:I}", "ip",
		    api_json_addr(&tl[i].ip), "hits", (json_int_t)tl[i].n));
	memset(&rc, 0, sizeof(rc));
	rc.v = v;
	if (reports_walk(api->st, v, NULL, NULL, 0, reported_cb, &rc) != 0) {
		json_decref(mins);
		json_decref(jl);
		json_decref(jr);
		api_error(rs, 500, "cannot read the reports");
		return;
	}
	for (int i = 0; i < rc.n; i++)
		json_array_append_new(jr, json_pack("{s:o,s:s?,s:I}", "ip",
		    api_json_addr(&rc.top[i].ip), "source", rc.top[i].source,
		    "reports", (json_int_t)rc.top[i].n));
	api_reply(rs, 200, json_pack("{s:o,s:o,s:o}", "minutes", mins,
	    "top_listed", jl, "top_reported", jr));
}
