/* SPDX-License-Identifier: BSD-2-Clause */
/* Abuse reports: counting per IP and type, thresholds, escalating bans. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "listing.h"
#include "reports.h"

/*
 * Each reports source keeps one record per counted address (an IPv4
 * address, or an IPv6 prefix of ipv6-prefix bits) in the store's records:
 *
 *   key   'R' . source id (2, big-endian) . family (1) . address (16) . len (1)
 *   value header, then per report type its name and the times of its newest
 *         reports (at most N of "N in WINDOW"), then the newest reports for
 *         display, strings as length and bytes.
 *
 * The record outlives its listings: the number of offences is what makes a
 * repeat offender's next ban longer, until the IP has been quiet for the
 * source's history.
 */
#define REC_KEY_LEN	21
#define REC_VERSION	1
#define REC_MAX		(sizeof(struct rec_hdr) + CONF_MAX_REPORT_TYPES * \
			(CONF_RTYPE_MAX + 4 + 4 * CONF_RTYPE_COUNT_MAX) + \
			REPORT_RECENT * (8 + CONF_RTYPE_MAX + \
			REPORT_SERVICE_MAX + REPORT_REASON_MAX))

struct rec_hdr {
	uint8_t		version, ntypes, nrecent, pad;
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

const char *
report_check_text(const char *service, const char *reason)
{
	size_t n = strlen(service);

	/* The service goes into TXT records, where "$" would expand. */
	if (n >= REPORT_SERVICE_MAX)
		return "service is longer than 63 characters";
	if (strspn(service, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-/") != n)
		return "service may hold only A-Z a-z 0-9 _ . - /";
	if (strlen(reason) >= REPORT_REASON_MAX)
		return "reason is longer than 200 characters";
	for (const unsigned char *s = (const unsigned char *)reason; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return "reason holds a control character";
	return "";
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
put_str(uint8_t *b, size_t off, const char *s)
{
	size_t n = strlen(s);

	b[off] = (uint8_t)n;
	memcpy(b + off + 1, s, n);
	return off + 1 + n;
}

static size_t
rec_encode(const struct rec *r, uint8_t *b)
{
	size_t off = sizeof(r->h);

	memcpy(b, &r->h, sizeof(r->h));
	for (int i = 0; i < r->h.ntypes; i++) {
		uint32_t n = r->types[i].n;

		off = put_str(b, off, r->types[i].name);
		memcpy(b + off, &n, 4);
		memcpy(b + off + 4, r->types[i].times, 4 * n);
		off += 4 + 4 * n;
	}
	for (int i = 0; i < r->h.nrecent; i++) {
		const struct report_recent *e = &r->recent[i];
		uint8_t fl = (uint8_t)((e->allowlisted ? RECENT_ALLOWED : 0) |
		    (e->listed ? RECENT_LISTED : 0));

		memcpy(b + off, &e->time, 4);
		b[off + 4] = fl;
		off = put_str(b, off + 5, e->type);
		off = put_str(b, off, e->service);
		off = put_str(b, off, e->reason);
	}
	return off;
}

static int
get_str(const uint8_t *b, size_t len, size_t *off, char *out, size_t max)
{
	size_t n;

	if (*off >= len || (n = b[*off]) >= max || *off + 1 + n > len)
		return -1;
	memcpy(out, b + *off + 1, n);
	out[n] = '\0';
	*off += 1 + n;
	return 0;
}

/* Decode a stored record; -1 if it is damaged or of another version. */
static int
rec_decode(const uint8_t *b, size_t len, struct rec *r)
{
	size_t off = sizeof(r->h);

	memset(r, 0, sizeof(*r));
	if (len < sizeof(r->h))
		return -1;
	memcpy(&r->h, b, sizeof(r->h));
	if (r->h.version != REC_VERSION ||
	    r->h.ntypes > CONF_MAX_REPORT_TYPES ||
	    r->h.nrecent > REPORT_RECENT)
		return -1;
	for (int i = 0; i < r->h.ntypes; i++) {
		uint32_t n;

		if (get_str(b, len, &off, r->types[i].name, CONF_RTYPE_MAX) ||
		    off + 4 > len || r->types[i].name[0] == '\0')
			return -1;
		for (int j = 0; j < i; j++)
			if (strcmp(r->types[j].name, r->types[i].name) == 0)
				return -1;
		memcpy(&n, b + off, 4);
		if (n > CONF_RTYPE_COUNT_MAX || off + 4 + 4 * (size_t)n > len)
			return -1;
		r->types[i].n = n;
		memcpy(r->types[i].times, b + off + 4, 4 * n);
		off += 4 + 4 * n;
	}
	for (int i = 0; i < r->h.nrecent; i++) {
		struct report_recent *e = &r->recent[i];

		if (off + 5 > len)
			return -1;
		memcpy(&e->time, b + off, 4);
		e->allowlisted = (b[off + 4] & RECENT_ALLOWED) != 0;
		e->listed = (b[off + 4] & RECENT_LISTED) != 0;
		off += 5;
		if (get_str(b, len, &off, e->type, sizeof(e->type)) ||
		    get_str(b, len, &off, e->service, sizeof(e->service)) ||
		    get_str(b, len, &off, e->reason, sizeof(e->reason)))
			return -1;
	}
	return off == len ? 0 : -1;
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
	if (rc != 0) {
		memset(r, 0, sizeof(*r));
		r->h.version = REC_VERSION;
	}

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
