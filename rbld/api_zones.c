/* SPDX-License-Identifier: BSD-2-Clause */
/* API handlers for sources, feed refreshes, zones and zone exports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "export.h"
#include "feed.h"
#include "grace.h"
#include "journal.h"
#include "log.h"

static json_t *
feed_json(const struct conf_source *cs, const struct feed_status *fs,
    bool fetched)
{
	json_t *f = json_object();

	json_object_set_new(f, "url", api_json_text(cs->url));
	json_object_set_new(f, "format",
	    json_string(feed_format_name(cs->format)));
	json_object_set_new(f, "every", json_integer(cs->every));
	json_object_set_new(f, "status", json_string(!fetched ? "never" :
	    fs->failures > 0 ? "error" : "ok"));
	json_object_set_new(f, "last_attempt",
	    api_json_time((uint32_t)fs->last_attempt));
	json_object_set_new(f, "last_success",
	    api_json_time((uint32_t)fs->last_success));
	json_object_set_new(f, "http_status", json_integer(fs->http_status));
	json_object_set_new(f, "failures", json_integer(fs->failures));
	json_object_set_new(f, "error", *fs->error ? api_json_text(fs->error) :
	    json_null());
	json_object_set_new(f, "lines",
	    json_integer((json_int_t)fs->counts.lines));
	json_object_set_new(f, "rejected",
	    json_integer((json_int_t)fs->counts.rejected));
	return f;
}

static json_t *
source_json(struct api *api, const struct view *v, int i)
{
	const struct conf_source *cs = &v->conf->sources[i];
	json_t *s = json_object(), *zones = json_array();
	struct store_srcmeta meta;

	json_object_set_new(s, "name", json_string(cs->name));
	json_object_set_new(s, "kind", json_string(conf_kind_name(cs->kind)));
	json_object_set_new(s, "entries",
	    json_integer(store_source_count(api->st, v->srcids[i])));
	json_object_set_new(s, "a", api_json_a(cs->a));
	json_object_set_new(s, "txt", cs->txt ? api_json_text(cs->txt) :
	    json_null());
	for (int z = 0; z < v->conf->nzones; z++)
		for (int k = 0; k < v->conf->zones[z].nsources; k++)
			if (v->conf->zones[z].sources[k] == i)
				json_array_append_new(zones,
				    json_string(v->conf->zones[z].name));
	json_object_set_new(s, "zones", zones);
	if (cs->file != NULL) {
		bool have = store_source_meta(api->st, v->srcids[i],
		    &meta) == 0;

		json_object_set_new(s, "file", api_json_text(cs->file));
		json_object_set_new(s, "last_refresh", have ?
		    api_json_time((uint32_t)meta.loaded) : json_null());
		json_object_set_new(s, "bad_lines", json_integer(have ?
		    meta.bad_lines : 0));
	}
	if (cs->kind == SOURCE_FEED) {
		struct feed_status fs;
		bool fetched = feed_status_get(api->st, v->srcids[i],
		    &fs) == 0;

		json_object_set_new(s, "last_refresh", fetched ?
		    api_json_time((uint32_t)fs.last_success) : json_null());
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

void
api_zones_sources_get(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	json_t *arr = json_array();

	(void)rq;
	(void)param;
	(void)who;
	for (int i = 0; i < v->conf->nsources; i++)
		json_array_append_new(arr, source_json(api, v, i));
	api_reply(rs, 200, json_pack("{s:o}", "sources", arr));
}

void
api_zones_refresh_post(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *name,
    const char *who)
{
	const struct conf_source *cs;
	struct feed_status fs;
	int si;

	(void)rq;
	if ((si = conf_source_index(v->conf, name)) < 0) {
		api_error(rs, 404, "no source \"%s\"", name);
		return;
	}
	cs = &v->conf->sources[si];
	if (cs->kind != SOURCE_FEED) {
		api_error(rs, 409, "source %s is not a feed", name);
		return;
	}
	log_info("api: %s asked for a refresh of %s", who, name);
	memset(&fs, 0, sizeof(fs));
	fs.changed = -1;
	/*
	 * A fetch may take minutes: it runs on a private copy of the source,
	 * outside the read section, so that what a reload retires meanwhile
	 * (V among it) is freed without waiting for the fetch. Nothing read
	 * through V is used after. Source ids never change: SRCID stays right.
	 */
	{
		struct conf_source copy;
		char err[FEED_ERR_MAX + 128];
		int srcid = v->srcids[si], rc;

		if (conf_source_copy(&copy, cs) != 0) {
			api_error(rs, 500, "out of memory");
			return;
		}
		grace_exit();
		rc = feed_refresh(api->st, &copy, srcid, &fs, err, sizeof(err));
		grace_enter();
		conf_source_clear(&copy);
		if (rc != 0) {
			log_warnx("feed %s: %s", copy.name, err);
			api_error(rs, 502, "%s: %s", copy.name, fs.error);
			return;
		}
		name = copy.name;	/* CS may be gone after a reload */
		api_reply(rs, 200, json_pack("{s:s,s:I,s:I,s:o}", "source",
		    name, "entries", (json_int_t)fs.entries, "changed",
		    (json_int_t)fs.changed, "not_modified",
		    json_boolean(fs.changed < 0)));
	}
}

/* The zone's IXFR journal: steps, bytes, the oldest serial it serves. */
static json_t *
journal_json(struct api *api, const char *zone)
{
	struct store_journal_info ji;

	if (store_journal_info(api->st, zone, &ji) != 0)
		memset(&ji, 0, sizeof(ji));
	return json_pack("{s:I,s:I,s:o}", "steps", (json_int_t)ji.steps,
	    "bytes", (json_int_t)ji.bytes, "oldest_serial", ji.steps > 0 ?
	    json_integer(ji.oldest) : json_null());
}

static json_t *
when_json(uint32_t t)
{
	return t != 0 ? json_integer(t) : json_null();
}

/* Each NOTIFY target and each client that took a transfer. */
static json_t *
secondaries_json(struct api *api, const char *zone)
{
	struct journal_share sh;
	json_t *arr = json_array();

	if (journal_share_get(api->st, zone, &sh) != 0)
		return arr;
	for (int i = 0; i < sh.npeers; i++) {
		const struct journal_peer *p = &sh.peers[i];

		if (p->notify)
			json_array_append_new(arr, json_pack(
			    "{s:s,s:s,s:I,s:o,s:o,s:I}", "notify", p->name,
			    "kind", "notify", "serial", (json_int_t)p->serial,
			    "sent", when_json(p->sent), "answered",
			    when_json(p->answered), "tries", (json_int_t)p->tries));
		else
			json_array_append_new(arr, json_pack(
			    "{s:s,s:s,s:s,s:I,s:I,s:I,s:o}", "client", p->name,
			    "kind", "transfer", "transfer", p->kind,
			    "serial", (json_int_t)p->serial,
			    "bytes", (json_int_t)p->bytes,
			    "ms", (json_int_t)p->ms, "at", when_json(p->at)));
	}
	return arr;
}

/* The catalog zone: its serial, each member's label, its secondaries. */
static json_t *
catalog_json(struct api *api, const struct view *v)
{
	json_t *m;

	if (!v->catalog.on)
		return json_null();
	m = json_array();
	for (int z = 0; z < v->nzones; z++)
		json_array_append_new(m, json_pack("{s:s,s:s}", "zone",
		    v->zones[z].cz->name, "id", v->catalog.id[z]));
	return json_pack("{s:s,s:I,s:o,s:o}", "zone", v->catalog.text,
	    "serial", (json_int_t)v->catalog.serial, "members", m,
	    "secondaries", secondaries_json(api, v->catalog.text));
}

void
api_zones_get(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	json_t *arr = json_array();

	(void)rq;
	(void)param;
	(void)who;
	for (int z = 0; z < v->conf->nzones; z++) {
		const struct conf_zone *cz = &v->conf->zones[z];
		json_t *srcs = json_array();
		json_int_t n = 0;

		for (int i = 0; i < cz->nsources; i++) {
			json_array_append_new(srcs, json_string(
			    v->conf->sources[cz->sources[i]].name));
			n += store_source_count(api->st,
			    v->srcids[cz->sources[i]]);
		}
		json_array_append_new(arr, json_pack("{s:s,s:I,s:I,s:o,s:o,s:o}",
		    "zone", cz->name,
		    "serial", (json_int_t)store_serial(api->st,
		    v->zones[z].slot),
		    "entries", n, "sources", srcs,
		    "journal", journal_json(api, cz->name),
		    "secondaries", secondaries_json(api, cz->name)));
	}
	api_reply(rs, 200, json_pack("{s:o,s:o}", "zones", arr, "catalog",
	    catalog_json(api, v)));
}

void
api_zones_export_get(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *zone,
    const char *who)
{
	const char *format = api_arg(rq, "format");
	struct export_job *j;

	(void)who;
	if (conf_zone_index(v->conf, zone) < 0) {
		api_error(rs, 404, "no zone \"%s\"", zone);
		return;
	}
	if (format == NULL)
		format = "rbldnsd";
	if (strcmp(format, "rbldnsd") != 0 && strcmp(format, "bind") != 0) {
		api_error(rs, 400, "unknown format %s (use rbldnsd or bind)",
		    format);
		return;
	}
	rs->status = 200;
	rs->content_type = "text/plain; charset=utf-8";
	/* HEAD: the headers alone, nothing rendered. */
	if (strcmp(rq->method, "HEAD") == 0) {
		rs->body = strdup("");
		rs->len = 0;
		if (rs->body == NULL)
			api_error(rs, 500, "out of memory");
		return;
	}
	/* Streamed from a thread of its own: memory flat in the zone. */
	if ((j = export_start(api->st, api->views, zone,
	    strcmp(format, "bind") == 0)) == NULL) {
		if (errno == EBUSY) {
			api_error(rs, 503, "%d exports are running: try again "
			    "shortly", EXPORT_MAX_ACTIVE);
			rs->retry_after = 5;
		} else
			api_error(rs, 500, "cannot start the export of %s", zone);
		return;
	}
	rs->stream = j;
}
