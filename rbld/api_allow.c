/* SPDX-License-Identifier: BSD-2-Clause */
/* API handlers for the allowlist: the runtime one to change, [allow]'s to read. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "allow.h"
#include "api_int.h"
#include "listing.h"
#include "log.h"

static json_t *
entry_json(const struct allow_entry *e, uint32_t now)
{
	return json_pack("{s:o,s:o,s:s,s:o,s:o,s:b}", "prefix",
	    api_json_prefix(&e->p), "reason", api_json_text(e->reason), "by",
	    e->by, "added", api_json_time(e->added), "expires",
	    api_json_time(e->expires), "expired", e->expires != 0 &&
	    e->expires <= now);
}

/* Where [allow]'s entry I of V comes from. */
static const char *
conf_origin(const struct view *v, int i)
{
	return i < v->conf->nallow ? "rbld.conf" : v->conf->allow_file;
}

struct list_ctx {
	json_t		*arr;
	uint32_t	 now;
};

static int
list_cb(void *arg, const struct allow_entry *e)
{
	struct list_ctx *lc = arg;

	json_array_append_new(lc->arr, entry_json(e, lc->now));
	return 0;
}

/* Does allowlist entry A cover an address LA is looked up as (the address
 * itself, or the IPv4 address a 6to4 or mapped one holds)? */
static bool
covers(const struct prefix *a, const struct listing_addr *la)
{
	struct prefix p;

	memset(&p, 0, sizeof(p));
	if (la->has6) {
		p.family = 6;
		p.len = 128;
		memcpy(p.addr, la->a6, 16);
		if (ipaddr_contains(a, &p))
			return true;
	}
	if (la->has4) {
		memset(&p, 0, sizeof(p));
		p.family = 4;
		p.len = 32;
		memcpy(p.addr, la->a4, 4);
		if (ipaddr_contains(a, &p))
			return true;
	}
	return false;
}

json_t *
api_allow_covering(struct api *api, const struct view *v,
    const struct listing_addr *la, bool *in_conf)
{
	json_t *arr = json_array();

	*in_conf = false;
	for (int i = 0; i < v->nallow; i++) {
		struct allow_entry e;

		if (!covers(&v->allow[i], la))
			continue;
		if (i < v->nallow_conf) {
			*in_conf = true;
			json_array_append_new(arr, json_pack("{s:o,s:s}",
			    "prefix", api_json_prefix(&v->allow[i]), "from",
			    conf_origin(v, i)));
		} else if (allow_get(api->st, &v->allow[i], &e) == 0)
			json_array_append_new(arr, json_pack("{s:o,s:s,s:o,"
			    "s:s,s:o}", "prefix", api_json_prefix(&e.p), "from",
			    "runtime", "reason", api_json_text(e.reason), "by",
			    e.by, "expires", api_json_time(e.expires)));
	}
	return arr;
}

void
api_allow_get(struct api *api, const struct view *v, const struct api_req *rq,
    struct api_resp *rs, const char *param, const char *who)
{
	struct list_ctx lc = { json_array(), api->now() };
	json_t *conf = json_array();

	(void)rq;
	(void)param;
	(void)who;
	if (allow_walk(api->st, list_cb, &lc) != 0) {
		json_decref(lc.arr);
		json_decref(conf);
		api_error(rs, 500, "cannot read the allowlist");
		return;
	}
	for (int i = 0; i < v->nallow_conf; i++)
		json_array_append_new(conf, json_pack("{s:o,s:s}", "prefix",
		    api_json_prefix(&v->allow[i]), "from", conf_origin(v, i)));
	api_reply(rs, 200, json_pack("{s:o,s:o}", "runtime", lc.arr, "config",
	    conf));
}

/* The change in force before the answer: a new view. */
static bool
republish(struct api *api, struct api_resp *rs)
{
	char err[256] = "no way to put it in force";

	if (api->republish != NULL && api->republish(api->republish_arg, err,
	    sizeof(err)) == 0)
		return true;
	log_err("allow: a change is stored but not in force: %s", err);
	api_error(rs, 500, "stored, but not in force yet (%s): rbld retries "
	    "at the next reload", err);
	return false;
}

void
api_allow_post(struct api *api, const struct view *v, const struct api_req *rq,
    struct api_resp *rs, const char *param, const char *who)
{
	static const char *const keys[] = { "prefix", "reason", "ttl", NULL };
	const char *pfx = NULL, *reason = NULL;
	struct allow_entry e, old;
	char bad[64], err[128], text[IPADDR_STRLEN];
	bool replaced;
	json_t *j;

	(void)v;
	(void)param;
	if ((j = api_json_body(rq, rs, keys)) == NULL)
		return;
	memset(&e, 0, sizeof(e));
	if (api_json_string(j, "prefix", &pfx, rs) != 0 ||
	    api_json_string(j, "reason", &reason, rs) != 0)
		goto out;
	if (pfx == NULL) {
		api_error(rs, 400, "\"prefix\" is required");
		goto out;
	}
	if (ipaddr_parse_prefix(pfx, &e.p, bad, sizeof(bad)) != 0) {
		api_error(rs, 400, "bad prefix \"%s\": %s", pfx, bad);
		goto out;
	}
	ipaddr_canonical(&e.p);
	if (reason == NULL || reason[0] == '\0') {
		api_error(rs, 400, "\"reason\" is required: say why it is "
		    "allowed");
		goto out;
	}
	if (store_entry_check(NULL, reason, err, sizeof(err)) != 0) {
		api_error(rs, 400, "%s", err);
		goto out;
	}
	e.added = api->now();
	if (api_json_ttl(j, e.added, &e.expires, rs) != 0)
		goto out;
	snprintf(e.by, sizeof(e.by), "%s", who);
	snprintf(e.reason, sizeof(e.reason), "%s", reason);
	replaced = allow_get(api->st, &e.p, &old) == 0;
	if (allow_put(api->st, &e) != 0) {
		if (errno == EMLINK)
			api_error(rs, 409, "cannot store the entry: the "
			    "allowlist holds %d, the most it may", ALLOW_MAX);
		else
			api_write_error(rs, "cannot store the entry", NULL);
		goto out;
	}
	ipaddr_format(&e.p, false, text, sizeof(text));
	if (e.expires != 0) {
		time_t t = (time_t)e.expires;
		struct tm tm;
		char until[32];

		gmtime_r(&t, &tm);
		strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
		log_info("allow: %s allowed by %s until %s: %s", text, who,
		    until, e.reason);
	} else
		log_info("allow: %s allowed by %s: %s", text, who, e.reason);
	if (!republish(api, rs))
		goto out;
	{
		json_t *o = entry_json(&e, e.added);

		json_object_set_new(o, "replaced", json_boolean(replaced));
		api_reply(rs, replaced ? 200 : 201, o);
	}
out:
	json_decref(j);
}

void
api_allow_delete(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *pfx,
    const char *who)
{
	struct allow_entry e;
	struct prefix p;
	char bad[64], text[IPADDR_STRLEN];

	(void)rq;
	if (ipaddr_parse_prefix(pfx, &p, bad, sizeof(bad)) != 0) {
		api_error(rs, 400, "bad prefix \"%s\": %s", pfx, bad);
		return;
	}
	ipaddr_canonical(&p);
	ipaddr_format(&p, false, text, sizeof(text));
	if (allow_get(api->st, &p, &e) != 0 && errno != EIO) {
		for (int i = 0; errno == ENOENT && i < v->nallow_conf; i++)
			if (v->allow[i].family == p.family &&
			    v->allow[i].len == p.len && memcmp(v->allow[i].addr,
			    p.addr, sizeof(p.addr)) == 0) {
				api_error(rs, 409, "%s is in %s, which the API "
				    "does not change", text, conf_origin(v, i));
				return;
			}
		if (errno == ENOENT)
			api_error(rs, 404, "%s is not in the allowlist", text);
		else
			api_error(rs, 500, "cannot read the allowlist");
		return;
	}	/* (an entry that cannot be read can still be removed) */
	if (allow_del(api->st, &p) != 0) {
		api_write_error(rs, "cannot remove the entry", NULL);
		return;
	}
	log_info("allow: %s removed by %s", text, who);
	if (republish(api, rs))
		api_reply(rs, 200, json_pack("{s:s,s:b}", "prefix", text,
		    "removed", 1));
}
