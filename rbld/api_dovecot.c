/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Dovecot's authentication policy protocol (auth_policy_server_url), so
 * Dovecot asks rbld before each login and tells it how each went, without
 * a log watcher:
 *
 *   POST /v1/dovecot/?command=allow   {"remote": "192.0.2.7", ...}
 *        -> {"status": -1, "msg": "..."}  refuse: a configured zone lists it
 *           {"status": N,  "msg": "..."}  wait N seconds first: it failed
 *                                         lately, below the threshold
 *           {"status": 0,  "msg": ""}     go ahead
 *   POST /v1/dovecot/?command=report  {"remote": ..., "protocol": "imap",
 *                                      "success": false, ...}
 *        -> a report of type dovecot-report, as POST /v1/reports counts it
 *
 * Dovecot sends the attributes auth_policy_request_attributes names (by
 * default login, pwhash, remote, device_id, protocol, session_id), so any
 * key is accepted and only "remote", "protocol", "success" and
 * "policy_reject" are read. The login and password hash are never kept.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "listing.h"
#include "log.h"
#include "parse.h"
#include "reports.h"
#include "source.h"
#include "store.h"

#define DOVECOT_MSG_MAX	(RBL_TXT_ANSWER_MAX + PARSE_DNAME_MAX + 16)

struct refuse_ctx {
	const struct view	*v;
	struct store_reader	*rd;
	const struct listing_addr *la;
	bool			 found;
	char			 msg[DOVECOT_MSG_MAX];
};

static bool
zone_refuses(const struct conf *c, const char *zone)
{
	if (c->ndovecot_zones == 0)
		return true;
	for (int i = 0; i < c->ndovecot_zones; i++)
		if (strcmp(c->dovecot_zones[i], zone) == 0)
			return true;
	return false;
}

static int
refuse_cb(void *arg, int z, const struct listing_hit *hit)
{
	struct refuse_ctx *rc = arg;
	const char *zone = rc->v->zones[z].cz->name;
	char txt[RBL_TXT_ANSWER_MAX + 1];
	size_t n;

	if (!zone_refuses(rc->v->conf, zone))
		return 0;
	n = listing_txt(rc->rd, rc->la, hit, txt);
	txt[n] = '\0';
	/* Dovecot may show the message to the client: printable ASCII. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)txt[i] < 0x20 || (unsigned char)txt[i] > 0x7e)
			txt[i] = '?';
	snprintf(rc->msg, sizeof(rc->msg), "listed in %s%s%s", zone,
	    n > 0 ? ": " : "", txt);
	rc->found = true;
	return 1;
}

/* The failures of this type that the reports sources hold for the address
 * and that have not led to a listing yet. */
struct fail_ctx {
	const char	*type;
	uint32_t	 now, n;
};

static int
fail_cb(void *arg, const struct report_history *h)
{
	struct fail_ctx *fc = arg;

	if (h->banned_until > fc->now)
		return 0;
	for (int i = 0; i < h->ntypes; i++)
		if (strcmp(h->types[i].type, fc->type) == 0 &&
		    h->types[i].n > fc->n)
			fc->n = h->types[i].n;
	return 0;
}

static void
reply(struct api_resp *rs, int status, const char *msg)
{
	api_reply(rs, 200, json_pack("{s:i,s:s}", "status", status, "msg",
	    msg));
}

static void
allow(struct api *api, const struct view *v, struct api_resp *rs,
    const struct prefix *ip)
{
	const struct conf *c = v->conf;
	struct refuse_ctx rc;
	struct listing_addr la;
	struct fail_ctx fc = { c->dovecot_report, api->now(), 0 };
	char msg[DOVECOT_MSG_MAX];
	int n;

	listing_addr(v, ip, &la);
	memset(&rc, 0, sizeof(rc));
	rc.v = v;
	rc.la = &la;
	if ((rc.rd = store_reader_new(api->st)) == NULL ||
	    store_reader_begin(rc.rd) != 0)
		n = -1;
	else {
		n = listing_each(v, rc.rd, &la, fc.now, refuse_cb, &rc);
		store_reader_end(rc.rd);
	}
	store_reader_free(rc.rd);
	if (n < 0) {
		api_error(rs, 500, "cannot read the database");
		return;
	}
	if (rc.found) {
		reply(rs, -1, rc.msg);
		return;
	}
	if (c->dovecot_tarpit > 0 && reports_walk(api->st, v, ip, NULL, 0,
	    fail_cb, &fc) == 0 && fc.n > 0) {
		uint32_t delay = fc.n * c->dovecot_tarpit;

		if (delay > c->dovecot_tarpit_max)
			delay = c->dovecot_tarpit_max;
		snprintf(msg, sizeof(msg), "%u recent failed login%s", fc.n,
		    fc.n == 1 ? "" : "s");
		reply(rs, (int)delay, msg);
		return;
	}
	reply(rs, 0, "");
}

static void
report(struct api *api, const struct view *v, struct api_resp *rs,
    const struct prefix *ip, json_t *j, const char *who)
{
	json_t *success = json_object_get(j, "success");
	json_t *refused = json_object_get(j, "policy_reject");
	const char *protocol = NULL;
	struct report_job rj;
	char err[256];

	if (!json_is_boolean(success)) {
		api_error(rs, 400, "\"success\" must be true or false");
		return;
	}
	if (api_json_string(j, "protocol", &protocol, rs) != 0)
		return;
	/* A login that went through, or one rbld's own answer refused (its
	 * failure was counted when it happened), is no new failure. */
	if (json_is_true(success) || json_is_true(refused)) {
		reply(rs, 0, "");
		return;
	}
	if (!reports_type_known(v->conf, v->conf->dovecot_report)) {
		api_error(rs, 409, "no reports source counts \"%s\" reports "
		    "(dovecot-report)", v->conf->dovecot_report);
		return;
	}
	memset(&rj, 0, sizeof(rj));
	rj.v = v;
	rj.r.ip = *ip;
	rj.r.type = v->conf->dovecot_report;
	rj.r.service = protocol != NULL ? protocol : "dovecot";
	rj.r.reason = "failed login (Dovecot's auth policy)";
	if (report_check_text(rj.r.service, rj.r.reason, err,
	    sizeof(err)) != 0) {
		api_error(rs, 400, "%s", err);
		return;
	}
	if (api_report_apply(api, &rj, rs, who) != 0)
		return;
	reply(rs, 0, "");
}

void
api_dovecot_post(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	const char *command = api_arg(rq, "command"), *remote = NULL;
	char err[256];
	struct prefix ip;
	json_t *j;

	(void)param;
	if (command == NULL || (strcmp(command, "allow") != 0 &&
	    strcmp(command, "report") != 0)) {
		api_error(rs, 400, "command must be allow or report");
		return;
	}
	if ((j = api_json_body(rq, rs, NULL)) == NULL)
		return;
	if (api_json_string(j, "remote", &remote, rs) != 0)
		goto out;
	if (remote == NULL || ipaddr_parse_addr(remote, &ip) != 0) {
		api_error(rs, 400, "\"remote\" must be the client's IP address "
		    "(auth_policy_request_attributes: remote=%%{rip})");
		goto out;
	}
	ipaddr_canonical(&ip);
	if (strcmp(command, "allow") == 0)
		allow(api, v, rs, &ip);
	else if (source_report_check(&ip, err, sizeof(err)) != 0)
		reply(rs, 0, "");	/* a local login: nothing to count */
	else
		report(api, v, rs, &ip, j, who);
out:
	json_decref(j);
}
