/* SPDX-License-Identifier: BSD-2-Clause */
/* rbld.conf as data: a row per key (type, range, default, field), read by one setter per type. */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_schema.h"
#include "conf_keys.h"
#include "feed_parse.h"
#include "parse.h"
#include "token.h"
#include "tsig.h"


/* ---- what the setters share ---- */

/* V into a row's number field, whatever its width. */
void
conf_put(void *base, const struct conf_item *it, int64_t v)
{
	uint64_t u64 = (uint64_t)v;
	uint32_t u32 = (uint32_t)v;
	bool b = v != 0;

	if (it->size == sizeof(u64))
		memcpy(FIELD(base, it), &u64, sizeof(u64));
	else if (it->size == sizeof(u32))
		memcpy(FIELD(base, it), &u32, sizeof(u32));
	else if (it->size == sizeof(b))
		memcpy(FIELD(base, it), &b, sizeof(b));
	else
		abort();	/* a row with a field of another width */
}

/* MSG (its "%s" is VAL) for a value a row refuses; a plain one if none. */
int
conf_refuse(struct conf_parser *p, const struct conf_item *it, const char *msg,
    const char *val)
{
	if (msg != NULL)
		return conf_perr(p, msg, val);
	return conf_perr(p, "%s \"%s\" is out of range", it->name, val);
}

/* A duration for a DNS field, 0..2^31-1 seconds. */
int
conf_duration(struct conf_parser *p, const char *what, const char *s,
    uint32_t *out)
{
	int64_t v;

	*out = 0;
	if ((v = parse_duration(s)) < 0)
		return conf_perr(p, "bad duration \"%s\" (use 30s, 10m, 12h, 7d "
		    "or 2w)", s);
	if (v > DURATION_MAX)
		return conf_perr(p, "%s \"%s\" is too long (max %ds)", what, s,
		    DURATION_MAX);
	*out = (uint32_t)v;
	return 0;
}

/* A number in strtol's syntax, MIN..MAX. */
int
conf_count(struct conf_parser *p, const char *what, const char *val, long min,
    long max, long *out)
{
	char *end;
	long v;

	*out = 0;
	errno = 0;
	v = strtol(val, &end, 10);
	if (end == val || *end != '\0' || errno != 0 || v < min || v > max)
		return conf_perr(p, "%s must be a number from %ld to %ld, not "
		    "\"%s\"", what, min, max, val);
	*out = v;
	return 0;
}

/* Same address and port; for port 0 (ephemeral) never, as those cannot clash. */
static bool
conf_endpoint_same(const struct endpoint *a, const struct endpoint *b)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)&b->ss;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->ss;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)&b->ss;

	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET)
		return a4->sin_port != 0 && a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port != 0 && a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

/* ---- one setter per type ---- */

static int
conf_set_path(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	char **f = FIELD(base, it);

	free(*f);
	*f = conf_resolve(p, p->top->file, val);
	if ((it->flags & CONF_F_READABLE) != 0 && *f != NULL &&
	    access(*f, R_OK) != 0)
		return conf_perr(p, "%s %s: %s", it->name, *f, strerror(errno));
	return 0;
}

static int
conf_set_string(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	char **f = FIELD(base, it);
	size_t n = strlen(val);

	if ((it->flags & CONF_F_WORD) != 0 && strpbrk(val, " \t") != NULL)
		return conf_refuse(p, it, it->bad, val);
	if (it->max > 0 && n > (size_t)it->max)
		return conf_perr(p, "%s is too long (%zu characters, max %d)",
		    it->name, n, (int)it->max);
	free(*f);
	*f = conf_strdup(p, val);
	return 0;
}

static int
conf_set_int(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	const char *s;
	long l;
	int64_t v;

	if ((it->flags & CONF_F_SLASH) != 0 && *val == '/')
		val++;
	if ((it->flags & CONF_F_DIGITS) == 0) {
		if (conf_count(p, it->name, val, (long)it->min, (long)it->max,
		    &l) != 0)
			return -1;
		conf_put(base, it, l);
		return 0;
	}
	s = val;
	if ((v = parse_decimal(&s, INT64_MAX)) < it->min || *s != '\0' ||
	    v > it->max)
		return conf_perr(p, "%s must be %lld..%lld, not \"%s\"", it->name,
		    (long long)it->min, (long long)it->max, val);
	conf_put(base, it, v);
	return 0;
}

static int
conf_set_duration(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	uint32_t v;

	if (conf_duration(p, it->name, val, &v) != 0)
		return -1;
	if (v < it->min)
		return conf_refuse(p, it, it->low, val);
	if (it->max != 0 && v > it->max)
		return conf_refuse(p, it, it->high, val);
	conf_put(base, it, v);
	return 0;
}

static int
conf_set_size(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	int64_t v;

	if ((v = parse_size(val)) < 0) {
		if (it->bad != NULL)
			return conf_perr(p, it->bad, val);
		return conf_perr(p, "bad size \"%s\" (use 512M, 4G; units K, M, "
		    "G, T)", val);
	}
	if (v < it->min)
		return conf_refuse(p, it, it->low, val);
	if (it->max != 0 && v > it->max)
		return conf_refuse(p, it, it->high, val);
	conf_put(base, it, v);
	return 0;
}

static int
conf_set_percent(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	char *end;
	long v = strtol(val, &end, 10);

	if (end == val || (*end != '%' && *end != '\0') ||
	    (*end == '%' && end[1] != '\0') || v < 0 || v > 100)
		return conf_perr(p, "bad %s \"%s\" (a percentage, 0%% to 100%%)",
		    it->name, val);
	conf_put(base, it, v);
	return 0;
}

static int
conf_set_bool(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	if (strcmp(val, "yes") == 0)
		*(bool *)FIELD(base, it) = true;
	else if (strcmp(val, "no") == 0)
		*(bool *)FIELD(base, it) = false;
	else
		return conf_perr(p, "%s takes yes or no, not \"%s\"", it->name,
		    val);
	return 0;
}

static int
conf_set_ipv4(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	struct in_addr in;

	if (inet_pton(AF_INET, val, &in) != 1)
		return conf_perr(p, "bad IPv4 address \"%s\"", val);
	conf_put(base, it, ntohl(in.s_addr));
	return 0;
}

static int
conf_set_enum(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	int v;

	if ((v = it->lookup(val)) < 0)
		return conf_refuse(p, it, it->bad, val);
	conf_put(base, it, v);
	return 0;
}

/* Is L already an address of a CONF_F_EXCLUSIVE row? Says so if it is: dns
 * and api both listen on TCP, so any overlap fails to bind. */
static bool
conf_endpoint_taken(struct conf_parser *p, void *base, const char *w,
    const struct endpoint *l)
{
	const struct conf_item *items;
	size_t nitems;

	items = conf_schema_items(p->top->sect, &nitems);
	for (size_t i = 0; i < nitems; i++) {
		const struct conf_item *o = &items[i];
		const struct endpoint *arr = FIELD(base, o);
		int n, j;

		if ((o->flags & CONF_F_EXCLUSIVE) == 0)
			continue;
		n = *COUNT(base, o);
		for (j = 0; j < n; j++)
			if (conf_endpoint_same(&arr[j], l))
				break;
		if (j < n) {
			conf_perr(p, "address \"%s\" is already used by %s", w,
			    o->name);
			return true;
		}
	}
	return false;
}

static int
conf_add_endpoints(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val, bool exclusive)
{
	struct endpoint *arr = FIELD(base, it), l;
	int *n = COUNT(base, it), rc = 0;
	char why[WHY_MAX], *w;

	while ((w = conf_next_word(&val)) != NULL) {
		if (parse_endpoint(w, &l, why, sizeof(why)) == -1) {
			rc = conf_perr(p, "bad address \"%s\": %s", w, why);
			continue;
		}
		if (*n >= it->max)
			return conf_perr(p, "too many %s addresses (max %d)",
			    it->name, (int)it->max);
		if (exclusive && conf_endpoint_taken(p, base, w, &l)) {
			rc = -1;
			continue;
		}
		arr[(*n)++] = l;
	}
	return rc;
}

static int
conf_set_endpoints(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	return conf_add_endpoints(p, it, base, val,
	    (it->flags & CONF_F_EXCLUSIVE) != 0);
}

static int
conf_set_prefixes(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	struct prefix *arr = FIELD(base, it), pfx;
	int *n = COUNT(base, it), rc = 0;
	char why[WHY_MAX], *w;

	while ((w = conf_next_word(&val)) != NULL) {
		if (ipaddr_parse_prefix(w, &pfx, why, sizeof(why)) == -1) {
			rc = conf_perr(p, "bad prefix \"%s\": %s", w, why);
			continue;
		}
		if (*n >= it->max)
			return conf_perr(p, "too many %s prefixes (max %d)",
			    it->name, (int)it->max);
		arr[(*n)++] = pfx;
	}
	return rc;
}

static int
conf_set_dnames(struct conf_parser *p, const struct conf_item *it,
    void *base, char *val)
{
	char (*arr)[PARSE_DNAME_MAX] = FIELD(base, it);
	char name[PARSE_DNAME_MAX], why[WHY_MAX], *w;
	int *n = COUNT(base, it), i, rc = 0;

	while ((w = conf_next_word(&val)) != NULL) {
		if (parse_dname(w, name, why, sizeof(why)) == -1) {
			rc = conf_perr(p, "bad %s name \"%s\": %s", it->name, w,
			    why);
			continue;
		}
		for (i = 0; i < *n; i++)
			if (strcmp(arr[i], name) == 0)
				break;
		if (i < *n) {
			rc = conf_perr(p, "duplicate %s \"%s\"", it->name, w);
			continue;
		}
		if (*n >= it->max)
			return conf_perr(p, "too many %s names (max %d)", it->name,
			    (int)it->max);
		memcpy(arr[(*n)++], name, sizeof(name));
	}
	return rc;
}

static int (*const conf_setters[])(struct conf_parser *,
    const struct conf_item *, void *, char *) = {
	[CONF_T_PATH] = conf_set_path,
	[CONF_T_STRING] = conf_set_string,
	[CONF_T_INT] = conf_set_int,
	[CONF_T_DURATION] = conf_set_duration,
	[CONF_T_SIZE] = conf_set_size,
	[CONF_T_PERCENT] = conf_set_percent,
	[CONF_T_BOOL] = conf_set_bool,
	[CONF_T_IPV4] = conf_set_ipv4,
	[CONF_T_ENUM] = conf_set_enum,
	[CONF_T_ENDPOINTS] = conf_set_endpoints,
	[CONF_T_PREFIXES] = conf_set_prefixes,
	[CONF_T_DNAMES] = conf_set_dnames,
};

/* ---- keys with a syntax oa kind they are not for ---- */

/* Unlike a feed key's, the message does not name the kind it is in. */
static void
conf_reports_misfit(struct conf_parser *p, const struct conf_item *it,
    void *base)
{
	struct conf_frame *fr = p->top;

	(void)base;
	conf_perr_at(p, fr->file, fr->sect_line, "key \"%s\" is for kind = "
	    "reports, in %s", it->name, conf_label(fr));
}

/* Each report type, at its own line. */
static void
conf_rtype_misfit(struct conf_parser *p, const struct conf_item *it,
    void *base)
{
	struct conf_frame *fr = p->top;
	const struct conf_source *src = base;

	(void)it;
	for (int i = 0; i < src->nrtypes; i++)
		conf_perr_at(p, fr->file, src->rtypes[i].conf_line, "unknown key "
		    "\"%s\" in %s (report types are for kind = reports)",
		    src->rtypes[i].name, conf_label(fr));
}

static void
conf_file_misfit(struct conf_parser *p, const struct conf_item *it,
    void *base)
{
	struct conf_frame *fr = p->top;
	const struct conf_source *src = base;

	(void)it;
	if (src->kind == SOURCE_FEED)
		conf_perr_at(p, fr->file, fr->sect_line, "a feed takes url, not "
		    "file, in %s", conf_label(fr));
	else if (src->kind == SOURCE_REPORTS)
		conf_perr_at(p, fr->file, fr->sect_line, "a reports source takes "
		    "no file, in %s", conf_label(fr));
}

/* The usual message names both kinds, so a source whose kind was bad
 * (and reported, leaving 0) gets none. */
void
conf_schema_misfit(struct conf_parser *p, const struct conf_item *it,
    void *base)
{
	struct conf_frame *fr = p->top;
	const struct conf_source *src = base;
	size_t k;

	if (it->misfit != NULL) {
		it->misfit(p, it, base);
		return;
	}
	if (src->kind == 0)
		return;
	/* The first kind the key is for: every row's mask names one. */
	for (k = SOURCE_LOCAL; k <= SOURCE_REPORTS; k++)
		if ((it->kinds & CONF_KIND(k)) != 0)
			break;
	conf_perr_at(p, fr->file, fr->sect_line, "key \"%s\" is for kind = %s, "
	    "not %s, in %s", it->name, conf_kind_name((enum source_kind)k),
	    conf_kind_name(src->kind), conf_label(fr));
}

/* ---- the rows ---- */

static const struct conf_item conf_rbld_items[] = {
	{ .name = "database", .type = CONF_T_PATH, .flags = CONF_F_REQUIRED,
	    AT(struct conf, database) },
	{ .name = "dns", .type = CONF_T_ENDPOINTS,
	    .flags = CONF_F_REPEAT | CONF_F_EXCLUSIVE, .max = CONF_MAX_LISTEN,
	    .dflt_text = "127.0.0.1:5353", LIST(struct conf, dns, ndns) },
	{ .name = "api", .type = CONF_T_ENDPOINTS,
	    .flags = CONF_F_REPEAT | CONF_F_EXCLUSIVE, .max = CONF_MAX_LISTEN,
	    LIST(struct conf, api, napi) },
	{ .name = "workers", .type = CONF_T_INT, .flags = CONF_F_DIGITS,
	    .min = 1, .max = WORKERS_MAX, .dflt = 2, AT(struct conf, workers) },
	{ .name = "user", .type = CONF_T_STRING, .flags = CONF_F_WORD,
	    AT(struct conf, user),
	    .bad = "bad user \"%s\": one user name expected" },
	{ .name = "catalog", .type = CONF_T_CUSTOM, .parse = conf_rbld_catalog },
	{ .name = "web", .type = CONF_T_PATH, .dflt_text = "web",
	    AT(struct conf, web) },
	{ .name = "tcp-connections", .type = CONF_T_INT,
	    .flags = CONF_F_DIGITS, .min = 1, .max = 1024, .dflt = 128,
	    AT(struct conf, tcp_connections) },
	{ .name = "tcp-per-ip", .type = CONF_T_INT, .flags = CONF_F_DIGITS,
	    .min = 1, .max = 1024, .dflt = 16, AT(struct conf, tcp_per_ip) },
	{ .name = "tcp-idle-timeout", .type = CONF_T_DURATION, .min = 1,
	    .max = 3600, .dflt = 10, AT(struct conf, tcp_idle_timeout),
	    .low = "tcp-idle-timeout must be from 1s to 1h",
	    .high = "tcp-idle-timeout must be from 1s to 1h" },
	{ .name = "tcp-queries", .type = CONF_T_INT, .flags = CONF_F_DIGITS,
	    .min = 0, .max = 1000000, .dflt = 100,
	    AT(struct conf, tcp_queries) },
	{ .name = "tcp-query-timeout", .type = CONF_T_DURATION, .min = 1,
	    .max = 60, .dflt = 5, AT(struct conf, tcp_query_timeout),
	    .low = "tcp-query-timeout must be from 1s to 1m",
	    .high = "tcp-query-timeout must be from 1s to 1m" },
	{ .name = "rrl-rate", .type = CONF_T_INT, .flags = CONF_F_DIGITS,
	    .min = 0, .max = 1000000, .dflt = 200, AT(struct conf, rrl_rate) },
	{ .name = "rrl-slip", .type = CONF_T_INT, .flags = CONF_F_DIGITS,
	    .min = 0, .max = 100, .dflt = 2, AT(struct conf, rrl_slip) },
	{ .name = "rrl-ipv4-prefix", .type = CONF_T_INT,
	    .flags = CONF_F_DIGITS, .min = 8, .max = 32, .dflt = 24,
	    AT(struct conf, rrl_prefix4) },
	{ .name = "rrl-ipv6-prefix", .type = CONF_T_INT,
	    .flags = CONF_F_DIGITS, .min = 16, .max = 128, .dflt = 56,
	    AT(struct conf, rrl_prefix6) },
	{ .name = "rrl-exempt", .type = CONF_T_CUSTOM,
	    .dflt_text = "127.0.0.0/8 ::1/128", .parse = conf_rbld_rrl_exempt },
	{ .name = "dovecot-zones", .type = CONF_T_DNAMES,
	    .flags = CONF_F_REPEAT, .max = CONF_MAX_ZONES,
	    LIST(struct conf, dovecot_zones, ndovecot_zones) },
	{ .name = "dovecot-report", .type = CONF_T_STRING,
	    .max = CONF_RTYPE_MAX - 1, .dflt_text = "failed-login",
	    AT(struct conf, dovecot_report) },
	{ .name = "dovecot-tarpit", .type = CONF_T_DURATION, .max = 60,
	    .dflt = 2, AT(struct conf, dovecot_tarpit) },
	{ .name = "dovecot-tarpit-max", .type = CONF_T_DURATION, .max = 300,
	    .dflt = 10, AT(struct conf, dovecot_tarpit_max) },
	{ .name = "hits", .type = CONF_T_INT, .flags = CONF_F_DIGITS,
	    .min = 0, .max = 100000, .dflt = 10000, AT(struct conf, hits) },
	{ .name = "map-size", .type = CONF_T_SIZE, .min = MAPSIZE_MIN,
	    .max = MAPSIZE_MAX, .dflt = INT64_C(1) << 30,
	    AT(struct conf, mapsize),
	    .low = "map-size \"%s\" is too small (min 1M)",
	    .high = "map-size \"%s\" is too large for this system" },
	{ .name = "api-cert", .type = CONF_T_PATH, .flags = CONF_F_READABLE,
	    AT(struct conf, api_cert) },
	{ .name = "api-key", .type = CONF_T_PATH, .flags = CONF_F_READABLE,
	    AT(struct conf, api_key) },
	{ .name = "api-connections", .type = CONF_T_INT, .min = 1,
	    .max = API_CONNECTIONS_MAX, .dflt = 64,
	    AT(struct conf, api_connections) },
	{ .name = "api-per-ip", .type = CONF_T_INT, .min = 1,
	    .max = API_CONNECTIONS_MAX, .dflt = 16,
	    AT(struct conf, api_per_ip) },
	{ .name = "api-timeout", .type = CONF_T_DURATION, .min = 1,
	    .max = 3600, .dflt = 30, AT(struct conf, api_timeout),
	    .low = "api-timeout must be from 1s to 1h",
	    .high = "api-timeout must be from 1s to 1h" },
	{ .name = "api-header-timeout", .type = CONF_T_DURATION, .min = 1,
	    .max = 3600, .dflt = 10, AT(struct conf, api_header_timeout),
	    .low = "api-header-timeout must be from 1s to 1h",
	    .high = "api-header-timeout must be from 1s to 1h" },
	{ .name = "api-request-timeout", .type = CONF_T_DURATION, .min = 1,
	    .max = 3600, .dflt = 60, AT(struct conf, api_request_timeout),
	    .low = "api-request-timeout must be from 1s to 1h",
	    .high = "api-request-timeout must be from 1s to 1h" },
};

static const struct conf_item conf_allow_items[] = {
	{ .name = "file", .type = CONF_T_PATH, AT(struct conf, allow_file) },
	{ .name = "nets", .type = CONF_T_PREFIXES, .flags = CONF_F_REPEAT,
	    .max = CONF_MAX_NETS, LIST(struct conf, allow, nallow) },
};

static const struct conf_item conf_zone_items[] = {
	{ .name = "sources", .type = CONF_T_CUSTOM, .flags = CONF_F_REQUIRED,
	    .parse = conf_zone_sources },
	{ .name = "ns", .type = CONF_T_DNAMES, .flags = CONF_F_REPEAT,
	    .max = CONF_MAX_NS, LIST(struct conf_zone, ns, nns) },
	{ .name = "soa", .type = CONF_T_CUSTOM, .parse = conf_zone_soa },
	/* 0 means "not set" in struct conf_zone: then 35m, as rbldnsd. */
	{ .name = "ttl", .type = CONF_T_DURATION, .min = 1,
	    AT(struct conf_zone, ttl), .low = "ttl must be at least 1s" },
	{ .name = "transfer", .type = CONF_T_PREFIXES, .flags = CONF_F_REPEAT,
	    .max = CONF_MAX_NETS, LIST(struct conf_zone, transfer, ntransfer) },
	{ .name = "notify", .type = CONF_T_ENDPOINTS, .flags = CONF_F_REPEAT,
	    .max = CONF_MAX_NOTIFY, LIST(struct conf_zone, notify, nnotify) },
	{ .name = "transfer-key", .type = CONF_T_CUSTOM, .flags = CONF_F_ALLOC,
	    AT(struct conf_zone, transfer_key),
	    .parse = conf_zone_transfer_key },
	{ .name = "notify-interval", .type = CONF_T_DURATION, .min = 1,
	    .max = 3600, .dflt = 5, AT(struct conf_zone, notify_interval),
	    .low = "notify-interval must be from 1s to 1h",
	    .high = "notify-interval must be from 1s to 1h" },
	{ .name = "journal-size", .type = CONF_T_SIZE, .min = 0,
	    .max = INT64_C(1) << 32, .dflt = INT64_C(16) << 20,
	    AT(struct conf_zone, journal_size),
	    .high = "journal-size \"%s\" is too large (max 4G)" },
	{ .name = "journal-steps", .type = CONF_T_INT, .flags = CONF_F_DIGITS,
	    .min = 0, .max = 100000, .dflt = 1000,
	    AT(struct conf_zone, journal_steps) },
	{ .name = "journal-age", .type = CONF_T_DURATION, .min = 60,
	    .max = 365 * 86400, .dflt = 7 * 86400,
	    AT(struct conf_zone, journal_age),
	    .low = "journal-age must be from 1m to 365d",
	    .high = "journal-age must be from 1m to 365d" },
};

#define LOCAL		CONF_KIND(SOURCE_LOCAL)
#define FEED		CONF_KIND(SOURCE_FEED)
#define REPORTS		CONF_KIND(SOURCE_REPORTS)
#define SRC(f)		AT(struct conf_source, f)

/*
 * The kind checks go down this table when a source ends, so its order is
 * the order of their messages: reports keys, report types, feed keys, file.
 */
static const struct conf_item conf_source_items[] = {
	{ .name = "kind", .type = CONF_T_ENUM, .flags = CONF_F_REQUIRED,
	    .kinds = CONF_KIND_ANY, SRC(kind), .lookup = conf_kind_parse,
	    .bad = "unknown kind \"%s\" (use local, feed or reports)" },
	{ .name = "a", .type = CONF_T_IPV4, .kinds = CONF_KIND_ANY,
	    .dflt = 0x7f000002, SRC(a) },	/* 127.0.0.2 */
	{ .name = "txt", .type = CONF_T_STRING, .kinds = CONF_KIND_ANY,
	    .max = TXT_LEN_MAX, SRC(txt) },
	/* "No escalation": 100%, and escalate_max 0. */
	{ .name = "escalate", .type = CONF_T_CUSTOM, .kinds = REPORTS,
	    .dflt = 100, SRC(escalate_pct), .parse = conf_source_escalate,
	    .misfit = conf_reports_misfit },
	{ .name = "ipv6-prefix", .type = CONF_T_INT, .flags = CONF_F_SLASH,
	    .kinds = REPORTS, .min = 16, .max = 128, .dflt = 64,
	    SRC(ipv6_prefix), .misfit = conf_reports_misfit },
	{ .name = "history", .type = CONF_T_DURATION, .kinds = REPORTS,
	    .min = 60, .dflt = 30 * 86400, SRC(history),
	    .low = "history must be at least 1m",
	    .misfit = conf_reports_misfit },
	{ .name = NULL, .type = CONF_T_CUSTOM,
	    .flags = CONF_F_OTHER | CONF_F_REPEAT, .kinds = REPORTS,
	    .parse = conf_source_rtype, .misfit = conf_rtype_misfit },
	{ .name = "url", .type = CONF_T_CUSTOM,
	    .flags = CONF_F_REQUIRED | CONF_F_ALLOC, .kinds = FEED, SRC(url),
	    .parse = conf_source_url },
	{ .name = "format", .type = CONF_T_ENUM, .kinds = FEED, SRC(format),
	    .lookup = feed_format_parse,
	    .bad = "unknown format \"%s\" (use plain, rbldnsd, spamhaus, "
	    "spamhaus-json, dshield, netset or axfr)" },
	{ .name = "every", .type = CONF_T_DURATION, .kinds = FEED, .min = 1,
	    .dflt = 3600, SRC(every),
	    .low = "every = %s is too often (min 1s)" },
	{ .name = "min-interval", .type = CONF_T_DURATION, .kinds = FEED,
	    SRC(min_interval) },
	{ .name = "timeout", .type = CONF_T_DURATION, .kinds = FEED, .min = 1,
	    .dflt = 120, SRC(timeout), .low = "timeout must be at least 1s" },
	{ .name = "max-size", .type = CONF_T_SIZE, .kinds = FEED, .min = 1024,
	    .dflt = INT64_C(64) << 20, SRC(max_size),
	    .bad = "bad max-size \"%s\" (a size such as 64M, at least 1K)",
	    .low = "bad max-size \"%s\" (a size such as 64M, at least 1K)" },
	{ .name = "max-shrink", .type = CONF_T_PERCENT, .kinds = FEED,
	    .dflt = 50, SRC(max_shrink) },
	{ .name = "min-prefix", .type = CONF_T_CUSTOM, .kinds = CONF_KIND_ANY,
	    .dflt_text = "8 19", .parse = conf_source_min_prefix },
	{ .name = "allow-special", .type = CONF_T_BOOL, .kinds = FEED,
	    SRC(allow_special) },
	{ .name = "tsig", .type = CONF_T_CUSTOM, .flags = CONF_F_ALLOC,
	    .kinds = FEED, SRC(tsig), .parse = conf_source_tsig },
	{ .name = "file", .type = CONF_T_PATH, .kinds = LOCAL, SRC(file),
	    .misfit = conf_file_misfit },
};

static const struct conf_item conf_token_items[] = {
	{ .name = "role", .type = CONF_T_ENUM, .flags = CONF_F_REQUIRED,
	    AT(struct conf_token, role), .lookup = token_role_parse,
	    .bad = "unknown role \"%s\" (use admin, reporter or reader)" },
	{ .name = "hash", .type = CONF_T_CUSTOM, .flags = CONF_F_REQUIRED,
	    .parse = conf_token_hash },
};

/* A section's seen and set bits are 32 wide. */
_Static_assert(NITEMS(conf_rbld_items) <= 32, "too many [rbld] keys");
_Static_assert(NITEMS(conf_source_items) <= 32, "too many [source] keys");

/* What a source's rows cannot say alone. */
static void
conf_source_close(struct conf_parser *p, void *base)
{
	struct conf_frame *fr = p->top;
	struct conf_source *src = base;

	if (src->kind == SOURCE_REPORTS && src->nrtypes == 0)
		conf_perr_at(p, fr->file, fr->sect_line, "%s defines no report "
		    "type (e.g. failed-login = 5 in 10m ban 1h)", conf_label(fr));
	if (src->kind != SOURCE_FEED)
		return;
	/* The url is NULL here if its value was bad (and reported). */
	if (src->url != NULL && src->format == 0) {
		if (strncmp(src->url, "axfr://", 7) == 0)
			src->format = FEED_AXFR;
		else
			conf_perr_at(p, fr->file, fr->sect_line,
			    "missing key \"format\" in %s", conf_label(fr));
	}
	if (src->url != NULL && (src->format == FEED_AXFR) !=
	    (strncmp(src->url, "axfr://", 7) == 0))
		conf_perr_at(p, fr->file, fr->sect_line, "format = axfr goes with "
		    "an axfr:// url, and only with one, in %s", conf_label(fr));
	if (src->tsig != NULL && (src->url == NULL ||
	    strncmp(src->url, "axfr://", 7) != 0))
		conf_perr_at(p, fr->file, fr->sect_line, "tsig is for axfr:// "
		    "urls, in %s", conf_label(fr));
}

static const struct {
	const struct conf_item	*items;
	size_t			 n;
} conf_rows[CONF_NSECT] = {
	[CONF_SECT_RBLD] = { conf_rbld_items, NITEMS(conf_rbld_items) },
	[CONF_SECT_ALLOW] = { conf_allow_items, NITEMS(conf_allow_items) },
	[CONF_SECT_ZONE] = { conf_zone_items, NITEMS(conf_zone_items) },
	[CONF_SECT_SOURCE] = { conf_source_items, NITEMS(conf_source_items) },
	[CONF_SECT_TOKEN] = { conf_token_items, NITEMS(conf_token_items) },
};

/* ---- what the reader asks ---- */

const struct conf_item *
conf_schema_items(enum conf_sect s, size_t *n)
{
	*n = conf_rows[s].n;
	return conf_rows[s].items;
}

int
conf_schema_set(struct conf_parser *p, const struct conf_item *it,
    void *base, const char *key, char *val)
{
	if (it->type == CONF_T_CUSTOM)
		return it->parse(p, it, base, key, val);
	return conf_setters[it->type](p, it, base, val);
}

void
conf_schema_default(struct conf_parser *p, const struct conf_item *it,
    void *base, bool set)
{
	char buf[64];

	/* A list is set once it has an entry, whatever else it was given. */
	if (it->type == CONF_T_ENDPOINTS || it->type == CONF_T_PREFIXES ||
	    it->type == CONF_T_DNAMES)
		set = *COUNT(base, it) > 0;
	if (set)
		return;
	if (it->dflt_text == NULL) {
		if (it->dflt != 0)
			conf_put(base, it, it->dflt);
		return;
	}
	/* As if rbld.conf said it, so a default is a value the key takes;
	 * but not compared with the addresses written: nobody wrote it. */
	snprintf(buf, sizeof(buf), "%s", it->dflt_text);
	if (it->type == CONF_T_ENDPOINTS)
		conf_add_endpoints(p, it, base, buf, false);
	else
		conf_schema_set(p, it, base, it->name, buf);
}

void
conf_schema_check(struct conf_parser *p, enum conf_sect s, void *base)
{
	if (s == CONF_SECT_SOURCE)
		conf_source_close(p, base);
}

void
conf_schema_finish(struct conf_parser *p, const char *path)
{
	struct conf *c = p->c;
	const char *rfile = p->once_file[CONF_SECT_RBLD];
	int rline = p->once_line[CONF_SECT_RBLD];

	/* Each address takes a UDP socket per worker and a TCP one, and
	 * each of those an LMDB reader slot. */
	if (c->workers > 0 && c->ndns * (c->workers + 1) > SOCKETS_MAX)
		conf_perr_at(p, rfile != NULL ? rfile : path, rline,
		    "%d dns addresses with %d workers each need %d sockets "
		    "(max %d)", c->ndns, c->workers, c->ndns * (c->workers + 1),
		    SOCKETS_MAX);
	if ((c->api_cert == NULL) != (c->api_key == NULL))
		conf_perr_at(p, rfile != NULL ? rfile : path, rline,
		    "api-cert and api-key go together");
	if (c->api_per_ip > c->api_connections)
		c->api_per_ip = c->api_connections;
	/* Dovecot's policy refuses what these zones list: zones of ours. */
	for (int i = 0; i < c->ndovecot_zones; i++) {
		int z = 0;

		while (z < c->nzones && strcmp(c->zones[z].name,
		    c->dovecot_zones[i]) != 0)
			z++;
		if (z == c->nzones)
			conf_perr_at(p, rfile != NULL ? rfile : path, rline,
			    "dovecot-zones: no [zone %s]", c->dovecot_zones[i]);
	}
	/* The catalog is a zone of its own: no DNSBL zone above, at or
	 * under its name, which would take its questions. */
	for (int i = 0; c->catalog[0] != '\0' && i < c->nzones; i++)
		if (parse_dname_under(c->zones[i].name, c->catalog) ||
		    parse_dname_under(c->catalog, c->zones[i].name))
			conf_perr_at(p, c->catalog_file, c->catalog_line,
			    "catalog %s and [zone %s] overlap: the catalog "
			    "needs a name of its own", c->catalog,
			    c->zones[i].name);
}

void
conf_schema_free(enum conf_sect s, void *base)
{
	for (size_t i = 0; i < conf_rows[s].n; i++) {
		const struct conf_item *it = &conf_rows[s].items[i];
		char **f;

		if (it->type != CONF_T_PATH && it->type != CONF_T_STRING &&
		    (it->flags & CONF_F_ALLOC) == 0)
			continue;
		f = FIELD(base, it);
		free(*f);
		*f = NULL;
	}
}
