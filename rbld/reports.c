/* SPDX-License-Identifier: BSD-2-Clause */
/* Abuse reports: counting per IP and type, thresholds, escalating bans. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "listing.h"
#include "reports.h"
#include "wire.h"

/*
 * Each reports source keeps one record per counted address (an IPv4
 * address, or an IPv6 prefix of ipv6-prefix bits) in the store's records.
 * Version 2 writes every field in turn, big-endian (wire.h's builder and
 * reader), so that a record reads the same on any host:
 *
 *   key     'R' . source id (2) . family (1) . address (16) . len (1)
 *   value   version (1) = 2, ntypes (1), nrecent (1), then total,
 *           offences, last_offence, banned_until, last_seen (4 each);
 *           per report type: its name (a length byte and bytes), the number
 *           of times kept (2, at most N of "N in WINDOW") and those times
 *           (4 each, oldest first); then the newest reports for display,
 *           newest first: time (4), flags (1: RECENT_*), and type, service
 *           and reason as a length byte and bytes.
 *
 * Version 1, of earlier releases, had the same fields in the same order
 * but the header and every number as they lay in memory: a pad byte after
 * nrecent, numbers in host byte order, a count of times in 4 bytes.
 * Such records are still read, and written again as version 2.
 *
 * The record outlives its listings: the number of offences is what makes a
 * repeat offender's next ban longer, until the IP has been quiet for the
 * source's history.
 */
#define REC_KEY_LEN	21
#define REC_VERSION	2
#define REC_HDR_LEN	(3 + 5 * 4)
/* The largest record of either version (version 1's header has a pad byte). */
#define REC_MAX		(REC_HDR_LEN + 1 + CONF_MAX_REPORT_TYPES * \
			(CONF_RTYPE_MAX + 4 + 4 * CONF_RTYPE_COUNT_MAX) + \
			REPORT_RECENT * (8 + CONF_RTYPE_MAX + \
			REPORT_SERVICE_MAX + REPORT_REASON_MAX))

struct rec_hdr {
	uint8_t		ntypes, nrecent;
	uint32_t	total, offences, last_offence, banned_until, last_seen;
};

#define RECENT_ALLOWED	0x01
#define RECENT_LISTED	0x02

/* A record as counting needs it. */
struct rec {
	struct rec_hdr	h;
	struct {
		char		name[CONF_RTYPE_MAX];
		uint32_t	n;
		uint32_t	times[CONF_RTYPE_COUNT_MAX];	/* oldest first */
	} types[CONF_MAX_REPORT_TYPES];
	struct report_recent recent[REPORT_RECENT];	/* newest first */
};

int
report_check_text(const char *service, const char *reason, char *err,
    size_t errlen)
{
	size_t n = strlen(service);
	const char *why = NULL;

	/* The service goes into TXT records, where "$" would expand. */
	if (n >= REPORT_SERVICE_MAX)
		why = "service is longer than 63 characters";
	else if (strspn(service, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-/") != n)
		why = "service may hold only A-Z a-z 0-9 _ . - /";
	else if (strlen(reason) >= REPORT_REASON_MAX)
		why = "reason is longer than 200 characters";
	else
		for (const unsigned char *s = (const unsigned char *)reason;
		    *s && why == NULL; s++)
			if (*s < 0x20 || *s == 0x7f)
				why = "reason holds a control character";
	if (why == NULL)
		return 0;
	snprintf(err, errlen, "%s", why);
	errno = EINVAL;
	return -1;
}

bool
reports_type_known(const struct conf *conf, const char *type)
{
	for (int i = 0; i < conf->nsources; i++)
		if (conf->sources[i].kind == SOURCE_REPORTS &&
		    conf_rtype(&conf->sources[i], type) != NULL)
			return true;
	return false;
}

uint32_t
reports_ban(const struct conf_source *cs, const struct conf_rtype *rt,
    uint32_t n)
{
	double ban = rt->ban;
	double cap = cs->escalate_max ? cs->escalate_max : (double)INT32_MAX;

	if (cap < rt->ban)
		cap = rt->ban;	/* escalation never shortens the first ban */
	if (cs->escalate_pct <= 100)
		return rt->ban;
	for (uint32_t i = 1; i < n && ban < cap; i++)
		ban = ban * cs->escalate_pct / 100.0;
	if (ban > cap)
		ban = cap;
	return (uint32_t)ban;
}

/* ---- records ---- */

static void
rec_key(uint8_t k[REC_KEY_LEN], int srcid, const struct prefix *p)
{
	memset(k, 0, REC_KEY_LEN);
	k[0] = 'R';
	k[1] = (uint8_t)(srcid >> 8);
	k[2] = (uint8_t)srcid;
	k[3] = p->family;
	memcpy(k + 4, p->addr, ipaddr_bytes(p->family));
	k[20] = p->len;
}

static int
key_decode(const uint8_t *k, size_t klen, int *srcid, struct prefix *p)
{
	if (klen != REC_KEY_LEN || k[0] != 'R' || (k[3] != 4 && k[3] != 6) ||
	    k[20] > (k[3] == 4 ? 32 : 128))
		return -1;
	*srcid = k[1] << 8 | k[2];
	memset(p, 0, sizeof(*p));
	p->family = k[3];
	p->len = k[20];
	memcpy(p->addr, k + 4, ipaddr_bytes(p->family));
	return 0;
}

/* The address counted for IP in source CS. */
static void
rec_prefix(const struct conf_source *cs, const struct prefix *ip,
    struct prefix *out)
{
	*out = *ip;
	if (ip->family == 6) {
		out->len = (uint8_t)cs->ipv6_prefix;
		ipaddr_mask(out);
	}
}

static size_t
rec_encode(const struct rec *r, uint8_t *b)
{
	struct wire_buf w;

	wire_buf_init(&w, b, REC_MAX);
	wire_put8(&w, REC_VERSION);
	wire_put8(&w, r->h.ntypes);
	wire_put8(&w, r->h.nrecent);
	wire_put32(&w, r->h.total);
	wire_put32(&w, r->h.offences);
	wire_put32(&w, r->h.last_offence);
	wire_put32(&w, r->h.banned_until);
	wire_put32(&w, r->h.last_seen);
	for (int i = 0; i < r->h.ntypes; i++) {
		wire_put_str(&w, r->types[i].name);
		wire_put16(&w, (uint16_t)r->types[i].n);
		for (uint32_t j = 0; j < r->types[i].n; j++)
			wire_put32(&w, r->types[i].times[j]);
	}
	for (int i = 0; i < r->h.nrecent; i++) {
		const struct report_recent *e = &r->recent[i];

		wire_put32(&w, e->time);
		wire_put8(&w, (uint8_t)((e->allowlisted ? RECENT_ALLOWED : 0) |
		    (e->listed ? RECENT_LISTED : 0)));
		wire_put_str(&w, e->type);
		wire_put_str(&w, e->service);
		wire_put_str(&w, e->reason);
	}
	/* REC_MAX holds the largest record the limits allow. */
	assert(!w.full);
	return w.len;
}

/* A number of record version V: big-endian in 2, host order in 1. */
static uint32_t
rd_num(struct wire_rd *rd, int v)
{
	const uint8_t *p;
	uint32_t n;

	if (v == REC_VERSION)
		return wire_rd32(rd);
	if ((p = wire_rd_take(rd, 4)) == NULL)
		return 0;
	memcpy(&n, p, 4);
	return n;
}

/* Decode a stored record of either version; -1 if it is damaged or of
 * another version. */
static int
rec_decode(const uint8_t *b, size_t len, struct rec *r)
{
	struct wire_rd rd;
	int v;

	memset(r, 0, sizeof(*r));
	wire_rd_init(&rd, b, len);
	if ((v = wire_rd8(&rd)) != REC_VERSION && v != 1)
		return -1;
	r->h.ntypes = wire_rd8(&rd);
	r->h.nrecent = wire_rd8(&rd);
	if (v == 1)
		(void)wire_rd8(&rd);		/* pad */
	r->h.total = rd_num(&rd, v);
	r->h.offences = rd_num(&rd, v);
	r->h.last_offence = rd_num(&rd, v);
	r->h.banned_until = rd_num(&rd, v);
	r->h.last_seen = rd_num(&rd, v);
	if (rd.bad || r->h.ntypes > CONF_MAX_REPORT_TYPES ||
	    r->h.nrecent > REPORT_RECENT)
		return -1;
	for (int i = 0; i < r->h.ntypes; i++) {
		uint32_t n;

		wire_rd_str(&rd, r->types[i].name, CONF_RTYPE_MAX);
		n = v == REC_VERSION ? wire_rd16(&rd) : rd_num(&rd, v);
		if (rd.bad || r->types[i].name[0] == '\0' ||
		    n > CONF_RTYPE_COUNT_MAX)
			return -1;
		for (int j = 0; j < i; j++)
			if (strcmp(r->types[j].name, r->types[i].name) == 0)
				return -1;
		r->types[i].n = n;
		for (uint32_t j = 0; j < n; j++)
			r->types[i].times[j] = rd_num(&rd, v);
	}
	for (int i = 0; i < r->h.nrecent; i++) {
		struct report_recent *e = &r->recent[i];
		uint8_t fl;

		e->time = rd_num(&rd, v);
		fl = wire_rd8(&rd);
		e->allowlisted = (fl & RECENT_ALLOWED) != 0;
		e->listed = (fl & RECENT_LISTED) != 0;
		wire_rd_str(&rd, e->type, sizeof(e->type));
		wire_rd_str(&rd, e->service, sizeof(e->service));
		wire_rd_str(&rd, e->reason, sizeof(e->reason));
	}
	return rd.bad || rd.left != 0 ? -1 : 0;
}

/* ---- counting ---- */

static char *
fmt_dur(uint32_t s, char *buf, size_t len)
{
	if (s % 604800 == 0)
		snprintf(buf, len, "%uw", s / 604800);
	else if (s % 86400 == 0)
		snprintf(buf, len, "%ud", s / 86400);
	else if (s % 3600 == 0)
		snprintf(buf, len, "%uh", s / 3600);
	else if (s % 60 == 0)
		snprintf(buf, len, "%um", s / 60);
	else
		snprintf(buf, len, "%us", s);
	return buf;
}

/* Keep only the types CS still defines, and of each the times inside
 * its window. Returns the slot of type RT (added if missing). */
static int
rec_trim(struct rec *r, const struct conf_source *cs,
    const struct conf_rtype *rt, uint32_t now)
{
	int slot = -1, k = 0;

	for (int i = 0; i < r->h.ntypes; i++) {
		const struct conf_rtype *t = conf_rtype(cs, r->types[i].name);
		uint32_t j = 0, n = 0;

		if (t == NULL || (t == rt && slot >= 0))
			continue;	/* gone from the config, or a duplicate */
		/* Times older than the window no longer count, nor more
		 * than the count asks for (it may have been lowered). */
		while (j < r->types[i].n &&
		    ((uint64_t)r->types[i].times[j] + t->window <= now ||
		    r->types[i].n - j > t->count))
			j++;
		if (k != i)
			memcpy(r->types[k].name, r->types[i].name,
			    sizeof(r->types[k].name));
		for (; j < r->types[i].n; j++)
			r->types[k].times[n++] = r->types[i].times[j];
		r->types[k].n = n;
		if (t == rt)
			slot = k;
		k++;
	}
	r->h.ntypes = (uint8_t)k;
	if (slot < 0) {
		/* k < CONF_MAX_REPORT_TYPES: each kept slot is a distinct
		 * type of CS, which has at most that many, RT not among them. */
		slot = r->h.ntypes++;
		snprintf(r->types[slot].name, sizeof(r->types[slot].name),
		    "%s", rt->name);
		r->types[slot].n = 0;
	}
	return slot;
}

static int
apply_source(struct store_txn *t, const struct conf_source *cs, int srcid,
    bool allowed, const struct report *rp, struct report_result *out,
    struct rec *r, uint8_t *buf)
{
	const struct conf_rtype *rt = conf_rtype(cs, rp->type);
	struct report_recent *e;
	uint8_t key[REC_KEY_LEN];
	struct prefix kp;
	size_t len;
	int rc, slot;
	uint32_t now = rp->now, n;

	rec_prefix(cs, &rp->ip, &kp);
	rec_key(key, srcid, &kp);
	rc = store_txn_rec_get(t, key, sizeof(key), buf, REC_MAX, &len);
	if (rc != 0 && errno != ENOENT)
		return -1;
	if (rc == 0 && rec_decode(buf, len, r) != 0) {
		log_warnx("reports: damaged record in source %s, starting it "
		    "afresh", cs->name);
		rc = -1;
	}
	if (rc != 0)
		memset(r, 0, sizeof(*r));

	/* A listing deleted by hand is over, whatever the record says. */
	if (r->h.banned_until > now && !store_txn_listed(t, srcid, &kp, now))
		r->h.banned_until = 0;
	slot = rec_trim(r, cs, rt, now);
	n = r->types[slot].n;
	if (n >= rt->count) {	/* full: the oldest makes room */
		memmove(r->types[slot].times, r->types[slot].times + (n -
		    rt->count + 1), 4 * (rt->count - 1));
		n = rt->count - 1;
	}
	r->types[slot].times[n++] = now;
	r->types[slot].n = n;
	r->h.total++;
	r->h.last_seen = now;

	memmove(&r->recent[1], &r->recent[0],
	    sizeof(r->recent[0]) * (REPORT_RECENT - 1));
	if (r->h.nrecent < REPORT_RECENT)
		r->h.nrecent++;
	e = &r->recent[0];
	memset(e, 0, sizeof(*e));
	e->time = now;
	e->allowlisted = allowed;
	snprintf(e->type, sizeof(e->type), "%s", rt->name);
	snprintf(e->service, sizeof(e->service), "%s", rp->service);
	snprintf(e->reason, sizeof(e->reason), "%s", rp->reason);

	if (n > out->count)
		out->count = n;
	if (!allowed && n >= rt->count) {
		char txt[CONF_TXT_MAX * 2], reason[STORE_REASON_MAX + 1];
		char w[16], b[16];
		uint32_t ban, until;

		r->h.offences++;
		r->h.last_offence = now;
		ban = reports_ban(cs, rt, r->h.offences);
		until = now + ban < now ? UINT32_MAX : now + ban;
		if (until < r->h.banned_until)
			until = r->h.banned_until;	/* never shortened */
		snprintf(reason, sizeof(reason), "%s: %u reports in %s%s%s; "
		    "offence %u, listed for %s", rt->name, n,
		    fmt_dur(rt->window, w, sizeof(w)),
		    *rp->service ? " from " : "", rp->service, r->h.offences,
		    fmt_dur(ban, b, sizeof(b)));
		if (cs->txt != NULL) {
			/* The TXT says why: type, count, service. */
			snprintf(txt, sizeof(txt), "%s (%s, %u reports%s%s)",
			    cs->txt, rt->name, n, *rp->service ? ", " : "",
			    rp->service);
			if (strlen(txt) > RBL_TXT_MAX)
				snprintf(txt, sizeof(txt), "%s", cs->txt);
		}
		if (store_txn_add(t, srcid, &kp, false, cs->a,
		    cs->txt != NULL ? txt : NULL, until, reason,
		    ORIGIN_REPORT) != 0)
			return -1;
		r->h.banned_until = until;
		r->types[slot].n = 0;	/* as fail2ban: a ban starts afresh */
		e->listed = true;
		out->newly = true;
		if (r->h.offences > out->offences)
			out->offences = r->h.offences;
		if (ban > out->ban)
			out->ban = ban;
	}
	if (r->h.banned_until > now) {
		out->listed = true;
		if (r->h.banned_until > out->expires)
			out->expires = r->h.banned_until;
	}
	if (r->h.offences > out->offences)
		out->offences = r->h.offences;
	len = rec_encode(r, buf);
	return store_txn_rec_put(t, key, sizeof(key), buf, len);
}

int
reports_apply(struct store_txn *t, const struct view *v,
    const struct report *rp, struct report_result *out)
{
	const struct conf *conf = v->conf;
	struct listing_addr la;
	struct rec *r;
	uint8_t *buf;
	bool allowed;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	/* An address no zone would list ([allow], RFC 5782's 127.0.0.1) is
	 * recorded, never listed. */
	listing_addr(v, &rp->ip, &la);
	allowed = la.never != LISTING_LISTABLE;
	out->allowlisted = allowed;
	if ((r = malloc(sizeof(*r))) == NULL || (buf = malloc(REC_MAX)) == NULL) {
		free(r);
		errno = ENOMEM;
		return -1;
	}
	for (int i = 0; i < conf->nsources && rc == 0; i++) {
		const struct conf_source *cs = &conf->sources[i];

		if (cs->kind != SOURCE_REPORTS || conf_rtype(cs, rp->type) == NULL)
			continue;
		rc = apply_source(t, cs, v->srcids[i], allowed, rp, out, r, buf);
	}
	free(buf);
	free(r);
	return rc;
}

int
reports_del(struct store_txn *t, const struct view *v, int src,
    const struct prefix *p, int *n, int *kept)
{
	const struct conf *conf = v->conf;
	int rc;

	if ((rc = store_txn_del(t, src, p, n, kept)) != 0 || *n == 0)
		return rc;
	/* A report listing lifted by hand: its record must say so too. */
	for (int i = 0; i < conf->nsources && rc == 0; i++)
		if (conf->sources[i].kind == SOURCE_REPORTS && (src < 0 ||
		    src == v->srcids[i]))
			rc = reports_unlist(t, v, v->srcids[i], p);
	return rc;
}

int
reports_apply_job(struct store_txn *t, void *arg)
{
	struct report_job *j = arg;

	return reports_apply(t, j->v, &j->r, &j->res);
}

int
reports_del_job(struct store_txn *t, void *arg)
{
	struct report_del_job *j = arg;

	return reports_del(t, j->v, j->src, &j->p, &j->n, &j->kept);
}

int
reports_unlist(struct store_txn *t, const struct view *v, int srcid,
    const struct prefix *p)
{
	const struct conf *conf = v->conf;
	uint8_t key[REC_KEY_LEN], *buf;
	struct rec *r;
	size_t len;
	bool ours = false;
	int rc = 0;

	for (int i = 0; i < conf->nsources; i++)
		if (v->srcids[i] == srcid &&
		    conf->sources[i].kind == SOURCE_REPORTS)
			ours = true;
	if (!ours)
		return 0;
	if ((r = malloc(sizeof(*r))) == NULL || (buf = malloc(REC_MAX)) == NULL) {
		free(r);
		errno = ENOMEM;
		return -1;
	}
	rec_key(key, srcid, p);
	rc = store_txn_rec_get(t, key, sizeof(key), buf, REC_MAX, &len);
	if (rc != 0 && errno == ENOENT)
		rc = 0;
	else if (rc == 0 && rec_decode(buf, len, r) == 0 &&
	    r->h.banned_until != 0) {
		r->h.banned_until = 0;
		len = rec_encode(r, buf);
		rc = store_txn_rec_put(t, key, sizeof(key), buf, len);
	}
	free(buf);
	free(r);
	return rc;
}

/* ---- reading ---- */

static void
history_fill(struct report_history *h, int srcid, const struct prefix *kp,
    const struct rec *r)
{
	memset(h, 0, sizeof(*h));
	h->srcid = srcid;
	h->key = *kp;
	h->total = r->h.total;
	h->offences = r->h.offences;
	h->last_offence = r->h.last_offence;
	h->banned_until = r->h.banned_until;
	h->last_seen = r->h.last_seen;
	h->ntypes = r->h.ntypes;
	for (int i = 0; i < r->h.ntypes; i++) {
		memcpy(h->types[i].type, r->types[i].name, CONF_RTYPE_MAX);
		h->types[i].n = r->types[i].n;
		h->types[i].newest = r->types[i].n ?
		    r->types[i].times[r->types[i].n - 1] : 0;
	}
	h->nrecent = r->h.nrecent;
	memcpy(h->recent, r->recent, sizeof(h->recent));
}

struct walk_arg {
	int		(*fn)(void *, const struct report_history *);
	void		*arg;
	struct rec	*r;
	struct report_history h;
	const uint8_t	*after;		/* skip keys up to this one */
	int		 stopped;
};

static int
walk_cb(void *arg, const void *key, size_t klen, const void *data, size_t len)
{
	struct walk_arg *wa = arg;
	struct prefix kp;
	int srcid;

	if (wa->after != NULL && klen == REC_KEY_LEN &&
	    memcmp(key, wa->after, REC_KEY_LEN) <= 0)
		return 0;
	if (key_decode(key, klen, &srcid, &kp) != 0 ||
	    rec_decode(data, len, wa->r) != 0)
		return 0;
	history_fill(&wa->h, srcid, &kp, wa->r);
	return wa->stopped = wa->fn(wa->arg, &wa->h);
}

int
reports_walk(struct store *st, const struct view *v,
    const struct prefix *ip, const struct prefix *after, int after_srcid,
    int (*fn)(void *arg, const struct report_history *), void *arg)
{
	struct walk_arg *wa;
	uint8_t key[REC_KEY_LEN], akey[REC_KEY_LEN];
	int rc = 0;

	if ((wa = calloc(1, sizeof(*wa))) == NULL ||
	    (wa->r = malloc(sizeof(*wa->r))) == NULL) {
		free(wa);
		return -1;
	}
	wa->fn = fn;
	wa->arg = arg;
	if (after != NULL) {
		rec_key(akey, after_srcid, after);
		wa->after = akey;
	}
	if (ip == NULL) {
		rc = store_rec_walk(st, "R", 1, walk_cb, wa);
	} else {
		for (int i = 0; i < v->conf->nsources && rc == 0 &&
		    !wa->stopped; i++) {
			const struct conf_source *cs = &v->conf->sources[i];
			struct prefix kp;

			if (cs->kind != SOURCE_REPORTS)
				continue;
			rec_prefix(cs, ip, &kp);
			rec_key(key, v->srcids[i], &kp);
			rc = store_rec_walk(st, key, sizeof(key), walk_cb, wa);
		}
	}
	free(wa->r);
	free(wa);
	return rc;
}

struct prune_ctx {
	const struct view *v;
	uint32_t	 now;
	struct rec	*r;
};

static bool
prune_cb(void *arg, const void *key, size_t klen, const void *data,
    size_t len)
{
	struct prune_ctx *pc = arg;
	const struct conf_source *cs = NULL;
	struct prefix kp;
	int srcid;

	if (key_decode(key, klen, &srcid, &kp) != 0)
		return false;	/* not ours */
	for (int i = 0; i < pc->v->conf->nsources; i++)
		if (pc->v->srcids[i] == srcid &&
		    pc->v->conf->sources[i].kind == SOURCE_REPORTS)
			cs = &pc->v->conf->sources[i];
	if (cs == NULL || rec_decode(data, len, pc->r) != 0)
		return true;
	return pc->r->h.banned_until <= pc->now &&
	    (uint64_t)pc->r->h.last_seen + cs->history <= pc->now;
}

long
reports_prune(struct store *st, const struct view *v, uint32_t now)
{
	struct prune_ctx pc = { v, now, NULL };
	long n;

	if ((pc.r = malloc(sizeof(*pc.r))) == NULL)
		return -1;
	n = store_rec_prune(st, prune_cb, &pc);
	free(pc.r);
	return n;
}
