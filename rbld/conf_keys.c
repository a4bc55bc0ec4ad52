/* SPDX-License-Identifier: BSD-2-Clause */
/* rbld.conf's keys with a syntax of their own: sources, soa, urls, keys, report types, tokens. */
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


/* ---- keys with a syntax of their own ---- */

int
conf_zone_sources(struct conf_parser *p, const struct conf_item *it,
    void *base, const char *key, char *val)
{
	struct conf_frame *fr = p->top;
	struct conf_zone_aux *za = fr->zaux;
	char *w;
	int i, rc = 0;

	(void)it;
	(void)base;
	(void)key;
	za->src_file = fr->file;
	za->src_line = fr->line;
	while ((w = conf_next_word(&val)) != NULL) {
		if (!conf_source_name_ok(w)) {
			rc = conf_bad_source_name(p, w);
			continue;
		}
		for (i = 0; i < za->nsrc; i++)
			if (strcmp(za->src[i], w) == 0)
				break;
		if (i < za->nsrc) {
			rc = conf_perr(p, "source \"%s\" is listed twice in %s", w,
			    conf_label(fr));
			continue;
		}
		if (za->nsrc >= CONF_MAX_ZONE_SOURCES)
			return conf_perr(p, "too many sources in %s (max %d)",
			    conf_label(fr), CONF_MAX_ZONE_SOURCES);
		/* Fits: conf_source_name_ok() checked the length. */
		snprintf(za->src[za->nsrc++], CONF_NAME_MAX, "%s", w);
	}
	return rc;
}

int
conf_zone_soa(struct conf_parser *p, const struct conf_item *it, void *base,
    const char *key, char *val)
{
	struct conf_zone *z = base;
	char mname[CONF_DNAME_MAX], rname[CONF_DNAME_MAX], why[WHY_MAX];
	uint32_t t[4] = { 0, 0, 0, 0 };
	char *w[7];
	int n, bad = 0;

	(void)it;
	(void)key;
	for (n = 0; n < 7 && (w[n] = conf_next_word(&val)) != NULL; n++)
		;
	if (n != 6)
		return conf_perr(p, "soa needs 6 fields: mname rname refresh "
		    "retry expire minimum");
	if (parse_dname(w[0], mname, why, sizeof(why)) == -1)
		bad = conf_perr(p, "bad soa mname \"%s\": %s", w[0], why);
	if (parse_dname(w[1], rname, why, sizeof(why)) == -1)
		bad = conf_perr(p, "bad soa rname \"%s\": %s", w[1], why);
	bad |= conf_duration(p, "soa refresh", w[2], &t[0]);
	bad |= conf_duration(p, "soa retry", w[3], &t[1]);
	bad |= conf_duration(p, "soa expire", w[4], &t[2]);
	bad |= conf_duration(p, "soa minimum", w[5], &t[3]);
	if (bad)
		return -1;
	memcpy(z->soa_mname, mname, sizeof(mname));
	memcpy(z->soa_rname, rname, sizeof(rname));
	z->soa_refresh = t[0];
	z->soa_retry = t[1];
	z->soa_expire = t[2];
	z->soa_minimum = t[3];
	z->has_soa = true;
	return 0;
}

/* Checked as the fetcher will read it. */
int
conf_source_url(struct conf_parser *p, const struct conf_item *it, void *base,
    const char *key, char *val)
{
	char **url = FIELD(base, it);

	(void)key;
	free(*url);
	*url = NULL;
	if (strncmp(val, "axfr://", 7) == 0) {
		struct sockaddr_storage ss;
		socklen_t sslen;
		char zone[256], why[WHY_MAX];

		if (parse_axfr_url(val, &ss, &sslen, zone, sizeof(zone), why,
		    sizeof(why)) != 0)
			return conf_perr(p, "bad url \"%s\": %s", val, why);
	}
	if (strncmp(val, "http://", 7) == 0 || strncmp(val, "https://", 8) == 0 ||
	    strncmp(val, "axfr://", 7) == 0) {
		*url = conf_strdup(p, val);
		return 0;
	}
	if (strncmp(val, "file://", 7) == 0)
		val += 7;
	else if (strstr(val, "://") != NULL)
		return conf_perr(p, "unsupported url \"%s\" (use http://, "
		    "https://, file://, axfr:// or a path)", val);
	if (*val == '\0')
		return conf_perr(p, "empty url");
	*url = conf_resolve(p, p->top->file, val);
	return 0;
}

int
conf_source_min_prefix(struct conf_parser *p, const struct conf_item *it,
    void *base, const char *key, char *val)
{
	struct conf_source *src = base;
	char *w4 = conf_next_word(&val), *w6 = conf_next_word(&val), *end;
	long v4, v6;

	(void)it;
	(void)key;
	if (w4 == NULL || w6 == NULL || conf_next_word(&val) != NULL)
		return conf_perr(p, "min-prefix takes two lengths: IPv4 then "
		    "IPv6 (e.g. 8 19)");
	if (*w4 == '/')
		w4++;
	if (*w6 == '/')
		w6++;
	v4 = strtol(w4, &end, 10);
	if (end == w4 || *end != '\0' || v4 < 0 || v4 > 32)
		return conf_perr(p, "bad IPv4 min-prefix \"%s\" (0 to 32)", w4);
	v6 = strtol(w6, &end, 10);
	if (end == w6 || *end != '\0' || v6 < 0 || v6 > 128)
		return conf_perr(p, "bad IPv6 min-prefix \"%s\" (0 to 128)", w6);
	src->min_prefix4 = (int)v4;
	src->min_prefix6 = (int)v6;
	return 0;
}

/* A TSIG key as tsig.c reads it: what passes here, a fetch or a transfer
 * accepts. 0, or -1 with the error reported. */
int
conf_tsig_check(struct conf_parser *p, const char *val)
{
	struct tsig_key tk;
	char err[WHY_MAX];

	if (tsig_key_parse(val, &tk, err, sizeof(err)) != 0)
		return conf_perr(p, "%s (e.g. hmac-sha256:xfr-key:BASE64SECRET)",
		    err);
	explicit_bzero(&tk, sizeof(tk));
	return 0;
}

int
conf_source_tsig(struct conf_parser *p, const struct conf_item *it,
    void *base, const char *key, char *val)
{
	char **tsig = FIELD(base, it);

	(void)key;
	if (conf_tsig_check(p, val) != 0)
		return -1;
	free(*tsig);
	*tsig = conf_strdup(p, val);
	return 0;
}

/* [rbld] rrl-exempt: prefixes, or "none". */
int
conf_rbld_rrl_exempt(struct conf_parser *p, const struct conf_item *it,
    void *base, const char *key, char *val)
{
	struct conf *c = base;
	char why[WHY_MAX], *w;
	int rc = 0;

	(void)it;
	(void)key;
	c->nrrl_exempt = 0;
	if (strcmp(val, "none") == 0)
		return 0;
	while ((w = conf_next_word(&val)) != NULL) {
		struct prefix pfx;

		if (ipaddr_parse_prefix(w, &pfx, why, sizeof(why)) == -1) {
			rc = conf_perr(p, "bad rrl-exempt prefix \"%s\": %s (or "
			    "\"none\")", w, why);
			continue;
		}
		if (c->nrrl_exempt >= CONF_MAX_NETS)
			return conf_perr(p, "too many rrl-exempt prefixes (max "
			    "%d)", CONF_MAX_NETS);
		ipaddr_canonical(&pfx);
		c->rrl_exempt[c->nrrl_exempt++] = pfx;
	}
	return rc;
}

/* [rbld] catalog: the name of the catalog zone of every zone. */
int
conf_rbld_catalog(struct conf_parser *p, const struct conf_item *it,
    void *base, const char *key, char *val)
{
	struct conf *c = base;
	char dn[CONF_DNAME_MAX], why[WHY_MAX], *w = conf_next_word(&val);

	(void)it;
	(void)key;
	if (w == NULL || conf_next_word(&val) != NULL)
		return conf_perr(p, "catalog needs one zone name");
	if (parse_dname(w, dn, why, sizeof(why)) == -1)
		return conf_perr(p, "bad catalog name \"%s\": %s", w, why);
	memcpy(c->catalog, dn, sizeof(dn));
	c->catalog_file = p->top->file;
	c->catalog_line = p->top->line;
	return 0;
}

/*
 * A zone's transfer key: a secret, so the file that holds it must not be
 * readable by others (an rbld.conf is often world-readable by default).
 */
int
conf_zone_transfer_key(struct conf_parser *p, const struct conf_item *it,
    void *base, const char *key, char *val)
{
	char **spec = FIELD(base, it);
	struct stat sb;

	(void)key;
	if (conf_tsig_check(p, val) != 0)
		return -1;
	if (stat(p->top->file, &sb) == 0 && (sb.st_mode & S_IROTH))
		return conf_perr(p, "transfer-key is a secret, but %s is "
		    "readable by others: chmod o-r %s", p->top->file,
		    p->top->file);
	free(*spec);
	*spec = conf_strdup(p, val);
	return 0;
}

int
conf_source_escalate(struct conf_parser *p, const struct conf_item *it,
    void *base, const char *key, char *val)
{
	struct conf_source *src = base;
	char *f = conf_next_word(&val), *kw = conf_next_word(&val);
	char *cap = conf_next_word(&val), *end;
	double x;
	uint32_t v;

	(void)it;
	(void)key;
	if (f == NULL || kw == NULL || cap == NULL || strcmp(kw, "max") != 0 ||
	    conf_next_word(&val) != NULL)
		return conf_perr(p, "escalate takes FACTOR max DURATION (e.g. "
		    "2x max 30d)");
	x = strtod(f, &end);
	if (end == f || (*end != 'x' && *end != '\0') ||
	    (*end == 'x' && end[1] != '\0') || !(x >= 1.0 && x <= 100.0))
		return conf_perr(p, "bad escalate factor \"%s\" (1x to 100x, "
		    "e.g. 2x or 1.5x)", f);
	if (conf_duration(p, "escalate max", cap, &v) != 0)
		return -1;
	if (v < 1)
		return conf_perr(p, "escalate max must be at least 1s");
	src->escalate_pct = (uint32_t)(x * 100.0 + 0.5);
	src->escalate_max = v;
	return 0;
}

bool
conf_rtype_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");

	return n > 0 && s[n] == '\0' && n < CONF_RTYPE_MAX && s[0] != '-';
}

/* "5 in 10m ban 1h": a report type of a reports source, named by the key.
 * Any key a source has no row for is taken as one; the kind check at the
 * end of the section refuses them unless the kind is reports. */
int
conf_source_rtype(struct conf_parser *p, const struct conf_item *it,
    void *base, const char *key, char *val)
{
	struct conf_source *src = base;
	char *n = conf_next_word(&val), *in = conf_next_word(&val);
	char *w = conf_next_word(&val), *ban = conf_next_word(&val);
	char *d = conf_next_word(&val);
	struct conf_rtype rt;
	long cnt;

	(void)it;
	if (n == NULL || in == NULL || w == NULL || ban == NULL || d == NULL ||
	    strcmp(in, "in") != 0 || strcmp(ban, "ban") != 0 ||
	    conf_next_word(&val) != NULL)
		return conf_perr(p, "unknown key \"%s\" in %s", key,
		    conf_label(p->top));
	if (!conf_rtype_name_ok(key))
		return conf_perr(p, "bad report type name \"%s\" (1 to %d of a-z "
		    "0-9 _ -)", key, CONF_RTYPE_MAX - 1);
	if (conf_rtype(src, key) != NULL)
		return conf_perr(p, "duplicate report type \"%s\" in %s", key,
		    conf_label(p->top));
	if (src->nrtypes >= CONF_MAX_REPORT_TYPES)
		return conf_perr(p, "too many report types (max %d)",
		    CONF_MAX_REPORT_TYPES);
	memset(&rt, 0, sizeof(rt));
	snprintf(rt.name, sizeof(rt.name), "%s", key);
	if (conf_count(p, "the report count", n, 1, CONF_RTYPE_COUNT_MAX,
	    &cnt) != 0 || conf_duration(p, "window", w, &rt.window) != 0 ||
	    conf_duration(p, "ban", d, &rt.ban) != 0)
		return -1;
	if (rt.window < 1 || rt.ban < 1)
		return conf_perr(p, "window and ban must be at least 1s");
	rt.count = (uint32_t)cnt;
	rt.conf_line = p->top->line;
	src->rtypes[src->nrtypes++] = rt;
	return 0;
}

int
conf_token_hash(struct conf_parser *p, const struct conf_item *it, void *base,
    const char *key, char *val)
{
	struct conf_token *tok = base;
	size_t n = strlen(val);

	(void)it;
	(void)key;
	if (n != 71 || strncmp(val, "sha256:", 7) != 0 ||
	    strspn(val + 7, "0123456789abcdef") != 64)
		return conf_perr(p, "hash must be sha256: and 64 lowercase hex "
		    "digits (the SHA-256 of the token)");
	memcpy(tok->hash, val, n + 1);
	return 0;
}

