/* SPDX-License-Identifier: BSD-2-Clause */
/* GET /metrics: the Prometheus text, and the API's own counters behind it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "journal.h"
#include "feed.h"
#include "net.h"

/* The statuses the API answers with; index into the counters. */
static const int statuses[] = {
	200, 201, 202, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 502,
	503
};

_Static_assert(sizeof(statuses) / sizeof(statuses[0]) == API_NSTATUS,
    "API_NSTATUS counts the statuses");

void
api_metrics_request(struct api *api, size_t r, int status)
{
	for (size_t s = 0; s < API_NSTATUS; s++)
		if (statuses[s] == status) {
			atomic_fetch_add(&api->requests[r][s], 1);
			return;
		}
}

void
api_metrics_report(struct api *api, const char *type)
{
	pthread_mutex_lock(&api->rt_mtx);
	for (int i = 0; i < api->nrt; i++)
		if (strcmp(api->rt[i].name, type) == 0) {
			api->rt[i].n++;
			pthread_mutex_unlock(&api->rt_mtx);
			return;
		}
	if (api->nrt < API_RTYPE_METRICS_MAX) {
		snprintf(api->rt[api->nrt].name, CONF_RTYPE_MAX, "%s", type);
		api->rt[api->nrt++].n = 1;
	}
	pthread_mutex_unlock(&api->rt_mtx);
}

static void
metric(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* DNS answers, from the workers' counters. */
static void
metrics_dns(FILE *f, struct api *api, const struct view *v)
{
	const struct conf *c = v->conf;
	struct dns_stats *ds;

	if (api->net == NULL || (ds = calloc(1, sizeof(*ds))) == NULL)
		return;
	net_stats(api->net, ds);
	metric(f, "rbld_dns_queries_total", "counter",
	    "DNS answers by zone and rcode.");
	for (int z = 0; z < c->nzones && z < DNS_STATS_ZONES; z++)
		for (int r = 0; r < DNS_RC_SLOTS; r++)
			fprintf(f, "rbld_dns_queries_total{zone=\"%s\","
			    "rcode=\"%s\"} %llu\n", c->zones[z].name,
			    dns_rcode_slot_name(r),
			    (unsigned long long)ds->zone_rcode[z][r]);
	for (int r = 0; r < DNS_RC_SLOTS; r++)
		fprintf(f, "rbld_dns_queries_total{zone=\"\",rcode=\"%s\"} "
		    "%llu\n", dns_rcode_slot_name(r),
		    (unsigned long long)ds->nozone_rcode[r]);
	metric(f, "rbld_dns_rate_limited_total", "counter",
	    "UDP answers over rrl-rate: sent truncated, or dropped.");
	fprintf(f, "rbld_dns_rate_limited_total{action=\"truncated\"} %llu\n"
	    "rbld_dns_rate_limited_total{action=\"dropped\"} %llu\n",
	    (unsigned long long)ds->rrl_slipped,
	    (unsigned long long)ds->rrl_dropped);
	metric(f, "rbld_dns_tcp_closed_total", "counter",
	    "DNS TCP connections closed for a newcomer of the same client "
	    "(tcp-per-ip) or of any (tcp-connections), or on a timeout.");
	fprintf(f, "rbld_dns_tcp_closed_total{why=\"per-ip\"} %llu\n"
	    "rbld_dns_tcp_closed_total{why=\"evicted\"} %llu\n"
	    "rbld_dns_tcp_closed_total{why=\"timeout\"} %llu\n",
	    (unsigned long long)ds->tcp_per_ip,
	    (unsigned long long)ds->tcp_evicted,
	    (unsigned long long)ds->tcp_closed);
	metric(f, "rbld_dns_lookups_total", "counter",
	    "Questions about an IP, by zone and result.");
	for (int z = 0; z < c->nzones && z < DNS_STATS_ZONES; z++)
		fprintf(f, "rbld_dns_lookups_total{zone=\"%s\","
		    "result=\"listed\"} %llu\n"
		    "rbld_dns_lookups_total{zone=\"%s\","
		    "result=\"not_listed\"} %llu\n",
		    c->zones[z].name, (unsigned long long)ds->zone_listed[z],
		    c->zones[z].name, (unsigned long long)ds->zone_unlisted[z]);
	metric(f, "rbld_dns_truncated_total", "counter",
	    "UDP answers sent truncated.");
	fprintf(f, "rbld_dns_truncated_total %llu\n",
	    (unsigned long long)ds->truncated);
	free(ds);
}

/* Zones, sources and feeds, from the database. */
static void
metrics_sources(FILE *f, struct api *api, const struct view *v)
{
	const struct conf *c = v->conf;
	struct feed_status fs;

	metric(f, "rbld_zone_serial", "gauge", "Serial of each zone.");
	for (int z = 0; z < c->nzones; z++)
		fprintf(f, "rbld_zone_serial{zone=\"%s\"} %u\n",
		    c->zones[z].name, store_serial(api->st, v->zones[z].slot));
	if (v->catalog.on) {
		metric(f, "rbld_catalog_serial", "gauge", "Serial of the "
		    "catalog zone, and its members.");
		fprintf(f, "rbld_catalog_serial{zone=\"%s\"} %u\n",
		    v->catalog.text, v->catalog.serial);
	}
	{
		struct store_journal_info ji[VIEW_MAX_ZONES];
		struct journal_share *sh = calloc((size_t)c->nzones + 1,
		    sizeof(*sh));
		bool have[VIEW_MAX_ZONES];

		for (int z = 0; z < c->nzones; z++) {
			if (store_journal_info(api->st, c->zones[z].name,
			    &ji[z]) != 0)
				memset(&ji[z], 0, sizeof(ji[z]));
			have[z] = sh != NULL && journal_share_get(api->st,
			    c->zones[z].name, &sh[z]) == 0;
		}
		metric(f, "rbld_zone_journal_bytes", "gauge",
		    "Bytes of each zone's IXFR journal.");
		for (int z = 0; z < c->nzones; z++)
			fprintf(f, "rbld_zone_journal_bytes{zone=\"%s\"} %zu\n",
			    c->zones[z].name, ji[z].bytes);
		metric(f, "rbld_zone_journal_steps", "gauge",
		    "Changes each zone's IXFR journal holds.");
		for (int z = 0; z < c->nzones; z++)
			fprintf(f, "rbld_zone_journal_steps{zone=\"%s\"} %u\n",
			    c->zones[z].name, ji[z].steps);
		metric(f, "rbld_zone_journal_oldest_serial", "gauge",
		    "The oldest serial each zone's journal answers IXFR from.");
		for (int z = 0; z < c->nzones; z++)
			if (ji[z].steps > 0)
				fprintf(f, "rbld_zone_journal_oldest_serial{zone="
				    "\"%s\"} %u\n", c->zones[z].name, ji[z].oldest);
		metric(f, "rbld_secondary_notify_answered_seconds", "gauge",
		    "When each NOTIFY target last answered (unix time; 0 "
		    "never).");
		for (int z = 0; z < c->nzones; z++)
			for (int i = 0; have[z] && i < sh[z].npeers; i++)
				if (sh[z].peers[i].notify)
					fprintf(f, "rbld_secondary_notify_answered_"
					    "seconds{zone=\"%s\",target=\"%s\"} "
					    "%u\n", c->zones[z].name,
					    sh[z].peers[i].name,
					    sh[z].peers[i].answered);
		metric(f, "rbld_secondary_transfer_bytes", "gauge",
		    "Bytes of each client's last zone transfer.");
		for (int z = 0; z < c->nzones; z++)
			for (int i = 0; have[z] && i < sh[z].npeers; i++)
				if (!sh[z].peers[i].notify)
					fprintf(f, "rbld_secondary_transfer_bytes{"
					    "zone=\"%s\",client=\"%s\",transfer="
					    "\"%s\"} %llu\n", c->zones[z].name,
					    sh[z].peers[i].name,
					    sh[z].peers[i].kind,
					    (unsigned long long)
					    sh[z].peers[i].bytes);
		free(sh);
	}
	metric(f, "rbld_source_entries", "gauge", "Entries of each source.");
	for (int i = 0; i < c->nsources; i++)
		fprintf(f, "rbld_source_entries{source=\"%s\",kind=\"%s\"} "
		    "%ld\n", c->sources[i].name,
		    conf_kind_name(c->sources[i].kind),
		    store_source_count(api->st, v->srcids[i]));
	metric(f, "rbld_feed_last_success_seconds", "gauge",
	    "Unix time of each feed's last good refresh (0: never).");
	for (int i = 0; i < c->nsources; i++) {
		if (c->sources[i].kind != SOURCE_FEED)
			continue;
		if (feed_status_get(api->st, v->srcids[i], &fs) != 0)
			memset(&fs, 0, sizeof(fs));
		fprintf(f, "rbld_feed_last_success_seconds{source=\"%s\"} "
		    "%lld\n", c->sources[i].name, (long long)fs.last_success);
	}
	metric(f, "rbld_feed_failures", "gauge",
	    "Failed refreshes of each feed since its last good one.");
	for (int i = 0; i < c->nsources; i++) {
		if (c->sources[i].kind != SOURCE_FEED)
			continue;
		if (feed_status_get(api->st, v->srcids[i], &fs) != 0)
			memset(&fs, 0, sizeof(fs));
		fprintf(f, "rbld_feed_failures{source=\"%s\"} %u\n",
		    c->sources[i].name, fs.failures);
	}
}

static void
counter(FILE *f, const char *name, const char *help, uint64_t n)
{
	metric(f, name, "counter", help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)n);
}

/* What the API itself counted: reports, requests, logins. */
static void
metrics_api(FILE *f, struct api *api)
{
	uint64_t failures, lockouts;

	metric(f, "rbld_reports_total", "counter",
	    "Reports received, by type.");
	pthread_mutex_lock(&api->rt_mtx);
	for (int i = 0; i < api->nrt; i++)
		fprintf(f, "rbld_reports_total{type=\"%s\"} %llu\n",
		    api->rt[i].name, (unsigned long long)api->rt[i].n);
	pthread_mutex_unlock(&api->rt_mtx);
	counter(f, "rbld_reports_allowlisted_total",
	    "Reports about addresses in [allow], recorded but never listed.",
	    atomic_load(&api->reports_allowlisted));
	counter(f, "rbld_listings_total", "Listings made by reports.",
	    atomic_load(&api->listings));
	counter(f, "rbld_entries_expired_total",
	    "Expired entries removed by the reaper.",
	    atomic_load(&api->expired_entries));
	counter(f, "rbld_report_records_pruned_total",
	    "Reported addresses forgotten after their history ran out.",
	    atomic_load(&api->pruned_records));
	metric(f, "rbld_api_requests_total", "counter",
	    "API requests by route and status.");
	for (size_t r = 0; r < API_NROUTES; r++)
		for (size_t s = 0; s < API_NSTATUS; s++) {
			uint64_t n = atomic_load(&api->requests[r][s]);

			if (n > 0)
				fprintf(f, "rbld_api_requests_total{route="
				    "\"%s\",status=\"%d\"} %llu\n",
				    api_route_name(r), statuses[s],
				    (unsigned long long)n);
		}
	auth_lockout_counts(api->lockouts, &failures, &lockouts);
	counter(f, "rbld_api_auth_failures_total",
	    "Requests with a wrong token.", failures);
	counter(f, "rbld_api_lockouts_total",
	    "Client addresses locked out after repeated failed auth.",
	    lockouts);
	if (api->cguard != NULL) {
		uint64_t late, evicted, refused;

		api_conns_counts(api->cguard, &late, &evicted, &refused);
		metric(f, "rbld_api_connections_closed_total", "counter",
		    "Connections closed by rbld: no whole request in time, "
		    "evicted for a new one from their address, refused.");
		fprintf(f, "rbld_api_connections_closed_total{why=\"deadline\"}"
		    " %llu\n", (unsigned long long)late);
		fprintf(f, "rbld_api_connections_closed_total{why=\"evicted\"}"
		    " %llu\n", (unsigned long long)evicted);
		fprintf(f, "rbld_api_connections_closed_total{why=\"refused\"}"
		    " %llu\n", (unsigned long long)refused);
	}
}

/* The group commit and the database file. */
static void
metrics_store(FILE *f, struct api *api)
{
	struct store_stats ss;

	if (api->cq != NULL) {
		uint64_t b, jb;

		commitq_stats(api->cq, &b, &jb);
		counter(f, "rbld_commits_total",
		    "Write transactions of the API's group commit.", b);
		counter(f, "rbld_commit_jobs_total",
		    "API writes committed by the group commit.", jb);
	}
	if (store_stats(api->st, &ss) != 0)
		return;
	metric(f, "rbld_database_bytes", "gauge",
	    "Bytes of database pages in use.");
	fprintf(f, "rbld_database_bytes %llu\n",
	    (unsigned long long)ss.db_bytes);
	metric(f, "rbld_database_map_bytes", "gauge",
	    "Size of the database map.");
	fprintf(f, "rbld_database_map_bytes %llu\n",
	    (unsigned long long)ss.map_bytes);
	metric(f, "rbld_entries", "gauge", "Entries of all sources.");
	fprintf(f, "rbld_entries %llu\n", (unsigned long long)ss.entries);
}

void
api_metrics_get(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)rq;
	(void)param;
	(void)who;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		api_error(rs, 500, "out of memory");
		return;
	}
	metrics_dns(f, api, v);
	metrics_sources(f, api, v);
	metrics_api(f, api);
	metrics_store(f, api);
	fclose(f);
	rs->status = 200;
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
	rs->body = buf;
	rs->len = len;
}
