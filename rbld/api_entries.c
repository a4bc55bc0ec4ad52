/* SPDX-License-Identifier: BSD-2-Clause */
/* API handlers for entries, lookups and reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "commitq.h"
#include "listing.h"
#include "log.h"
#include "parse.h"
#include "reports.h"
#include "source.h"

static json_t *
entry_json(const struct store_entry *e, uint32_t now)
{
	json_t *j = json_object();

	json_object_set_new(j, "prefix", api_json_prefix(&e->p));
	json_object_set_new(j, "source", json_string(e->source));
	json_object_set_new(j, "origin",
	    json_string(store_origin_name(e->origin)));
	if (e->excl)
		json_object_set_new(j, "exclude", json_true());
	else {
		json_object_set_new(j, "a", api_json_a(e->a));
		json_object_set_new(j, "txt", e->txt ? api_json_text(e->txt) :
		    json_null());
	}
	json_object_set_new(j, "added", api_json_time(e->added));
	json_object_set_new(j, "expires", api_json_time(e->expires));
	json_object_set_new(j, "expired",
	    json_boolean(e->expires != 0 && e->expires <= now));
	json_object_set_new(j, "reason", api_json_text(e->reason));
	return j;
}

struct list_ctx {
	json_t		*arr;
	int		 limit, n;
	uint32_t	 now;
	const char	*q;		/* only entries with this text; NULL all */
	struct store_entry last;
	bool		 more;
};

/* Does E's prefix, reason or TXT hold Q (any case)? */
static bool
entry_matches(const struct store_entry *e, const char *q)
{
	char p[IPADDR_STRLEN];

	ipaddr_format(&e->p, false, p, sizeof(p));
	return strcasestr(p, q) != NULL ||
	    (e->reason != NULL && strcasestr(e->reason, q) != NULL) ||
	    (e->txt != NULL && strcasestr(e->txt, q) != NULL);
}

static int
list_cb(void *arg, const struct store_entry *e)
{
	struct list_ctx *lc = arg;

	if (lc->q != NULL && !entry_matches(e, lc->q))
		return 0;
	if (lc->n == lc->limit) {
		lc->more = true;
		return 1;
	}
	json_array_append_new(lc->arr, entry_json(e, lc->now));
	lc->last = *e;
	lc->n++;
	return 0;
}

void
api_entries_get(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	const char *source = api_arg(rq, "source");
	const char *after = api_arg(rq, "after");
	struct list_ctx lc;
	struct prefix ap;
	int src = -1, asrc = 0, si;
	json_t *j;

	(void)param;
	(void)who;
	memset(&lc, 0, sizeof(lc));
	if ((lc.limit = api_arg_limit(rq, rs)) < 0)
		return;
	if (source != NULL) {
		if ((si = conf_source_index(v->conf, source)) < 0) {
			api_error(rs, 400, "no source \"%s\"", source);
			return;
		}
		src = v->srcids[si];
	}
	if (after != NULL && api_cursor_parse(v, after, &ap, &asrc, rs) != 0)
		return;
	lc.arr = json_array();
	lc.now = api->now();
	lc.q = api_arg(rq, "q");
	if (lc.q != NULL && lc.q[0] == '\0')
		lc.q = NULL;
	if (store_walk_after(api->st, src, after ? &ap : NULL, asrc, list_cb,
	    &lc) != 0) {
		json_decref(lc.arr);
		api_error(rs, 500, "cannot read the database");
		return;
	}
	j = json_pack("{s:o}", "entries", lc.arr);
	json_object_set_new(j, "next", lc.more ? api_cursor_json(&lc.last.p,
	    lc.last.source) : json_null());
	api_reply(rs, 200, j);
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

void
api_entries_post(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	static const char *const keys[] = { "prefix", "source", "ttl",
	    "reason", "a", "txt", "exclude", "force", NULL };
	const char *pfx, *source, *reason, *a, *txt;
	char bad[64];
	struct add_job aj;
	struct exists_ctx ex;
	struct prefix ap;
	json_t *j, *excl, *force, *out;
	char err[256];
	int si;
	uint32_t now = api->now();

	(void)param;
	if ((j = api_json_body(rq, rs, keys)) == NULL)
		return;
	memset(&aj, 0, sizeof(aj));
	if (api_json_string(j, "prefix", &pfx, rs) ||
	    api_json_string(j, "source", &source, rs) ||
	    api_json_string(j, "reason", &reason, rs) ||
	    api_json_string(j, "a", &a, rs) ||
	    api_json_string(j, "txt", &txt, rs))
		goto out;
	if (pfx == NULL) {
		api_error(rs, 400, "\"prefix\" is required");
		goto out;
	}
	if (ipaddr_parse_prefix(pfx, &aj.p, bad, sizeof(bad)) != 0) {
		api_error(rs, 400, "bad prefix \"%s\": %s", pfx, bad);
		goto out;
	}
	/* ::ffff:a.b.c.d is kept as a.b.c.d: lookups ask only that. */
	ipaddr_canonical(&aj.p);
	if (source == NULL)
		source = CONF_ENTRY_SOURCE;
	if ((si = conf_source_index(v->conf, source)) < 0) {
		api_error(rs, 400, "no source \"%s\"", source);
		goto out;
	}
	aj.src = v->srcids[si];
	if (api_json_ttl(j, now, &aj.expires, rs) != 0)
		goto out;
	excl = json_object_get(j, "exclude");
	if (excl != NULL && !json_is_boolean(excl)) {
		api_error(rs, 400, "\"exclude\" must be true or false");
		goto out;
	}
	aj.excl = json_is_true(excl);
	aj.a = v->conf->sources[si].a;
	if (a != NULL) {
		if (ipaddr_parse_addr(a, &ap) != 0 || ap.family != 4) {
			api_error(rs, 400, "bad \"a\" \"%s\": an IPv4 address "
			    "such as 127.0.0.2", a);
			goto out;
		}
		aj.a = ipaddr_v4(&ap);
	}
	aj.txt = txt != NULL ? txt : v->conf->sources[si].txt;
	aj.reason = reason != NULL ? reason : "";
	force = json_object_get(j, "force");
	if (force != NULL && !json_is_boolean(force)) {
		api_error(rs, 400, "\"force\" must be true or false");
		goto out;
	}
	if (store_entry_check(aj.txt, aj.reason, err, sizeof(err)) != 0 ||
	    source_entry_check(&v->conf->sources[si], &aj.p, aj.excl, aj.a,
	    json_is_true(force), err, sizeof(err)) != 0) {
		api_error(rs, 400, "%s", err);
		goto out;
	}
	/* A file's or a feed's entry would come back or vanish at the next
	 * load: it is changed there, not here. */
	memset(&ex, 0, sizeof(ex));
	ex.p = &aj.p;
	ex.source = source;
	if (store_covering(api->st, &aj.p, exists_cb, &ex) != 0) {
		api_error(rs, 500, "cannot read the database");
		goto out;
	}
	if (ex.found && (ex.origin == ORIGIN_FILE ||
	    ex.origin == ORIGIN_FEED)) {
		api_error(rs, 409, "%s is listed by source %s's %s; change it "
		    "there", pfx, source, store_origin_name(ex.origin));
		goto out;
	}
	if (commitq_run(api->cq, add_job, &aj, err, sizeof(err)) != 0) {
		/* EEXIST: a file or a feed took the prefix since the check. */
		if (errno == EINVAL || errno == EEXIST)
			api_error(rs, errno == EINVAL ? 400 : 409,
			    "not added: %s", err);
		else
			api_write_error(rs, "not added", err);
		goto out;
	}
	{
		char until[32] = "";
		time_t tt = aj.expires;
		struct tm tm;

		if (aj.expires != 0) {
			gmtime_r(&tt, &tm);
			strftime(until, sizeof(until),
			    " until %Y-%m-%dT%H:%M:%SZ", &tm);
		}
		log_info("api: %s added %s to %s%s", who, pfx, source, until);
	}
	out = json_object();
	json_object_set_new(out, "prefix", api_json_prefix(&aj.p));
	json_object_set_new(out, "source", json_string(source));
	if (!aj.excl) {
		json_object_set_new(out, "a", api_json_a(aj.a));
		json_object_set_new(out, "txt", aj.txt ? api_json_text(aj.txt) :
		    json_null());
	} else
		json_object_set_new(out, "exclude", json_true());
	json_object_set_new(out, "expires", api_json_time(aj.expires));
	json_object_set_new(out, "reason", json_string(aj.reason));
	json_object_set_new(out, "replaced", json_boolean(ex.found));
	api_reply(rs, ex.found ? 200 : 201, out);
out:
	json_decref(j);
}

void
api_entries_delete(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *pfx,
    const char *who)
{
	const char *source = api_arg(rq, "source");
	char bad[64];
	struct report_del_job dj;
	char err[256];
	int si;

	memset(&dj, 0, sizeof(dj));
	dj.v = v;
	dj.src = -1;
	if (ipaddr_parse_prefix(pfx, &dj.p, bad, sizeof(bad)) != 0) {
		api_error(rs, 400, "bad prefix \"%s\": %s", pfx, bad);
		return;
	}
	ipaddr_canonical(&dj.p);
	if (source != NULL) {
		if ((si = conf_source_index(v->conf, source)) < 0) {
			api_error(rs, 400, "no source \"%s\"", source);
			return;
		}
		dj.src = v->srcids[si];
	}
	if (commitq_run(api->cq, reports_del_job, &dj, err, sizeof(err)) != 0) {
		api_write_error(rs, "not deleted", err);
		return;
	}
	if (dj.n == 0 && dj.kept > 0) {
		api_error(rs, 409, "%s is listed by a data file or a feed; "
		    "change it there, or add it to [allow]", pfx);
		return;
	}
	if (dj.n == 0) {
		api_error(rs, 404, "%s is not an entry%s%s", pfx,
		    source ? " of source " : "", source ? source : "");
		return;
	}
	log_info("api: %s deleted %s from %s", who, pfx,
	    source ? source : "every source");
	api_reply(rs, 200, json_pack("{s:o,s:i}", "prefix",
	    api_json_prefix(&dj.p), "deleted", dj.n));
}

/* ---- lookup ---- */

struct lookup_ctx {
	const struct view *v;
	struct store_reader *rd;
	const struct listing_addr *la;
	json_t		*arr;
	uint32_t	 now;
};

static int
lookup_cb(void *arg, int z, const struct listing_hit *hit)
{
	struct lookup_ctx *lc = arg;
	const struct view_zone *vz = &lc->v->zones[z];
	char txt[RBL_TXT_ANSWER_MAX + 1];
	json_t *a = json_object();
	size_t n = listing_txt(lc->rd, lc->la, hit, txt);

	txt[n] = '\0';
	json_object_set_new(a, "zone", json_string(vz->cz->name));
	json_object_set_new(a, "source", hit->src < 0 ? json_null() :
	    json_string(vz->src[hit->src]->name));
	json_object_set_new(a, "a", api_json_a(hit->a));
	json_object_set_new(a, "txt", n > 0 ? api_json_text(txt) :
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

static json_t *history_json(struct api *, const struct view *,
    const struct report_history *);

struct hist_ctx {
	struct api	*api;
	const struct view *v;
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
	json_array_append_new(hc->arr, history_json(hc->api, hc->v, h));
	hc->last = h->key;
	hc->last_src = h->srcid;
	hc->n++;
	return 0;
}

void
api_entries_lookup(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *iptext,
    const char *who)
{
	struct lookup_ctx lc;
	struct hist_ctx hc;
	struct listing_addr la;
	struct prefix ip;
	char norm[IPADDR_STRLEN];
	json_t *j, *answers;
	int n;

	(void)rq;
	(void)who;
	if (ipaddr_parse_addr(iptext, &ip) != 0) {
		api_error(rs, 400, "\"%s\" is not an IP address", iptext);
		return;
	}
	ipaddr_canonical(&ip);
	ipaddr_ntop(ip.family, ip.addr, norm, sizeof(norm));
	listing_addr(v, &ip, &la);
	memset(&lc, 0, sizeof(lc));
	lc.v = v;
	lc.la = &la;
	lc.now = api->now();
	lc.arr = answers = json_array();
	if ((lc.rd = store_reader_new(api->st)) == NULL ||
	    store_reader_begin(lc.rd) != 0)
		n = -1;
	else {
		n = listing_each(v, lc.rd, &la, lc.now, lookup_cb, &lc);
		store_reader_end(lc.rd);
	}
	store_reader_free(lc.rd);
	if (n < 0) {
		json_decref(answers);
		api_error(rs, 500, "cannot read the database");
		return;
	}
	j = json_object();
	json_object_set_new(j, "ip", json_string(norm));
	json_object_set_new(j, "listed", json_boolean(n > 0));
	{
		bool in_conf;
		json_t *ab = api_allow_covering(api, v, &la, &in_conf);

		json_object_set_new(j, "never_listed", la.never ==
		    LISTING_LOOPBACK ? json_string("RFC 5782 test point") :
		    la.never != LISTING_ALLOWED ? json_null() : in_conf ?
		    json_string("in [allow]") :
		    json_string("in the runtime allowlist"));
		json_object_set_new(j, "allowed_by", ab);
	}
	json_object_set_new(j, "answers", answers);
	/* Every entry that covers it, expired or not, and its reports. */
	lc.arr = json_array();
	json_object_set_new(j, "entries", lc.arr);
	if (store_covering(api->st, &ip, covering_cb, &lc) != 0) {
		json_decref(j);
		api_error(rs, 500, "cannot read the database");
		return;
	}
	memset(&hc, 0, sizeof(hc));
	hc.api = api;
	hc.v = v;
	hc.limit = API_LIST_LIMIT_MAX;
	hc.arr = json_array();
	json_object_set_new(j, "reports", hc.arr);
	if (reports_walk(api->st, v, &ip, NULL, 0, hist_cb, &hc) != 0) {
		json_decref(j);
		api_error(rs, 500, "cannot read the database");
		return;
	}
	api_reply(rs, 200, j);
}

/* ---- reports ---- */

static const char *
source_name_of(const struct view *v, int srcid)
{
	for (int i = 0; i < v->conf->nsources; i++)
		if (v->srcids[i] == srcid)
			return v->conf->sources[i].name;
	return "?";
}

static json_t *
history_json(struct api *api, const struct view *v,
    const struct report_history *h)
{
	json_t *j = json_object(), *types = json_object();
	json_t *recent = json_array();
	uint32_t now = api->now();

	json_object_set_new(j, "source", json_string(source_name_of(v,
	    h->srcid)));
	json_object_set_new(j, "ip", api_json_addr(&h->key));
	json_object_set_new(j, "reports", json_integer(h->total));
	json_object_set_new(j, "offences", json_integer(h->offences));
	json_object_set_new(j, "listed", json_boolean(h->banned_until > now));
	json_object_set_new(j, "listed_until", api_json_time(h->banned_until));
	json_object_set_new(j, "last_offence", api_json_time(h->last_offence));
	json_object_set_new(j, "last_seen", api_json_time(h->last_seen));
	for (int i = 0; i < h->ntypes; i++)
		if (json_object_set_new(types, h->types[i].type,
		    json_integer(h->types[i].n)) != 0)
			continue;	/* a name that is not UTF-8: damaged */
	json_object_set_new(j, "counting", types);
	for (int i = 0; i < h->nrecent; i++) {
		const struct report_recent *e = &h->recent[i];

		json_array_append_new(recent, json_pack("{s:o,s:o,s:o,s:o,s:b,"
		    "s:b}", "time", api_json_time(e->time),
		    "type", api_json_text(e->type),
		    "service", api_json_text(e->service),
		    "reason", api_json_text(e->reason),
		    "allowlisted", e->allowlisted, "listed", e->listed));
	}
	json_object_set_new(j, "recent", recent);
	return j;
}

int
api_report_apply(struct api *api, struct report_job *rj, struct api_resp *rs,
    const char *who)
{
	char err[256];

	rj->r.now = api->now();
	if (commitq_run(api->cq, reports_apply_job, rj, err, sizeof(err)) != 0) {
		api_write_error(rs, "report not recorded", err);
		return -1;
	}
	api_metrics_report(api, rj->r.type);
	if (rj->res.allowlisted)
		atomic_fetch_add(&api->reports_allowlisted, 1);
	if (rj->res.newly) {
		char norm[IPADDR_STRLEN];

		atomic_fetch_add(&api->listings, 1);
		ipaddr_ntop(rj->r.ip.family, rj->r.ip.addr, norm, sizeof(norm));
		log_info("reports: %s listed for %us after %u %s reports "
		    "(offence %u, last from %s%s%s)", norm, rj->res.ban,
		    rj->res.count, rj->r.type, rj->res.offences, who,
		    *rj->r.service ? ", " : "", rj->r.service);
	}
	return 0;
}

void
api_entries_reports_post(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	static const char *const keys[] = { "ip", "type", "service", "reason",
	    NULL };
	const char *ip, *type, *service, *reason;
	struct report_job rj;
	char err[256];
	json_t *j, *out;

	(void)param;
	if ((j = api_json_body(rq, rs, keys)) == NULL)
		return;
	if (api_json_string(j, "ip", &ip, rs) ||
	    api_json_string(j, "type", &type, rs) ||
	    api_json_string(j, "service", &service, rs) ||
	    api_json_string(j, "reason", &reason, rs))
		goto out;
	if (ip == NULL || type == NULL) {
		api_error(rs, 400, "\"ip\" and \"type\" are required");
		goto out;
	}
	memset(&rj, 0, sizeof(rj));
	if (ipaddr_parse_addr(ip, &rj.r.ip) != 0) {
		api_error(rs, 400, "\"%s\" is not an IP address", ip);
		goto out;
	}
	ipaddr_canonical(&rj.r.ip);
	if (source_report_check(&rj.r.ip, err, sizeof(err)) != 0) {
		api_error(rs, 400, "%s", err);
		goto out;
	}
	if (!reports_type_known(v->conf, type)) {
		api_error(rs, 400, "unknown report type \"%s\" (no reports "
		    "source defines it)", type);
		goto out;
	}
	rj.r.service = service ? service : "";
	rj.r.reason = reason ? reason : "";
	if (report_check_text(rj.r.service, rj.r.reason, err,
	    sizeof(err)) != 0) {
		api_error(rs, 400, "%s", err);
		goto out;
	}
	rj.v = v;
	rj.r.type = type;
	if (api_report_apply(api, &rj, rs, who) != 0)
		goto out;
	out = json_object();
	json_object_set_new(out, "listed", json_boolean(rj.res.listed));
	json_object_set_new(out, "count", json_integer(rj.res.count));
	json_object_set_new(out, "expires", api_json_time(rj.res.expires));
	json_object_set_new(out, "allowlisted",
	    json_boolean(rj.res.allowlisted));
	json_object_set_new(out, "offences", json_integer(rj.res.offences));
	api_reply(rs, 202, out);
out:
	json_decref(j);
}

void
api_entries_reports_get(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	const char *ip = api_arg(rq, "ip"), *after = api_arg(rq, "after");
	struct hist_ctx hc;
	struct prefix p, ap;
	json_t *j;
	int rc, asrc = 0;

	(void)param;
	(void)who;
	memset(&hc, 0, sizeof(hc));
	if ((hc.limit = api_arg_limit(rq, rs)) < 0)
		return;
	if (ip != NULL && ipaddr_parse_addr(ip, &p) != 0) {
		api_error(rs, 400, "\"%s\" is not an IP address", ip);
		return;
	}
	if (ip != NULL)
		ipaddr_canonical(&p);
	if (after != NULL && api_cursor_parse(v, after, &ap, &asrc, rs) != 0)
		return;
	hc.api = api;
	hc.v = v;
	hc.arr = json_array();
	rc = reports_walk(api->st, v, ip ? &p : NULL, after ? &ap : NULL, asrc,
	    hist_cb, &hc);
	if (rc != 0) {
		json_decref(hc.arr);
		api_error(rs, 500, "cannot read the database");
		return;
	}
	j = json_pack("{s:o}", "reports", hc.arr);
	json_object_set_new(j, "next", hc.more ? api_cursor_json(&hc.last,
	    source_name_of(v, hc.last_src)) : json_null());
	api_reply(rs, 200, j);
}
