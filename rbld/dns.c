/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS answers: parse a query and build the reply into a caller's buffer. */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "dns.h"
#include "dns_int.h"
#include "hits.h"
#include "listing.h"
#include "tsig.h"
#include "wire.h"


/* One record of an answer before it is written: an A or a TXT. */
/* What the name under the zone says. */
enum name_kind {
	NAME_ADDRESS,		/* a full IPv4 or IPv6 address */
	NAME_PARTIAL,		/* fewer labels of one: it exists (RFC 8020) */
	NAME_OTHER,		/* nothing of ours */
};

static const char *const rcode_slot_names[DNS_RC_SLOTS] = {
	[DNS_RC_NOERROR] = "NOERROR",
	[DNS_RC_NXDOMAIN] = "NXDOMAIN",
	[DNS_RC_REFUSED] = "REFUSED",
	[DNS_RC_FORMERR] = "FORMERR",
	[DNS_RC_NOTIMP] = "NOTIMP",
	[DNS_RC_SERVFAIL] = "SERVFAIL",
	[DNS_RC_BADVERS] = "BADVERS",
};

const char *
dns_rcode_slot_name(int slot)
{
	if (slot < 0 || slot >= DNS_RC_SLOTS)
		return NULL;
	return rcode_slot_names[slot];
}

/*
 * One reply with rcode SLOT about zone ZI (-1: none). A view with more zones
 * than there are rows cannot come from a config; should one appear, its
 * extra zones go unattributed rather than past the array.
 */
void
dq_count_rcode(struct dns_stats *st, int zi, int slot)
{
	if (zi >= 0 && zi < DNS_STATS_ZONES)
		st->zone_rcode[zi][slot]++;
	else
		st->nozone_rcode[slot]++;
}

/* ---- parsing ---- */

/*
 * The question section: one question, its name (lowercased, with its label
 * offsets; compression has no place in a question), type and class.
 */
int
dq_parse_question(struct query *qq)
{
	int n;

	if (wire_count(qq->q, WIRE_QD) != 1 || (n = wire_name_read(qq->q,
	    qq->qlen, WIRE_HEADER, qq->lname, qq->loff, &qq->nlabels)) < 0)
		return -1;
	qq->qname_len = (size_t)n;
	/* The wire name is as long as its lowercase copy. */
	qq->qend = WIRE_HEADER + qq->qname_len + 4;
	if (qq->qend > qq->qlen)
		return -1;
	qq->qtype = wire_get16(qq->q + qq->qend - 4);
	qq->qclass = wire_get16(qq->q + qq->qend - 2);
	return 0;
}

/* The other sections: find the OPT record; -1 when malformed. */
static int
parse_edns(struct query *qq)
{
	const uint8_t *q = qq->q;
	unsigned an = wire_count(q, WIRE_AN), ns = wire_count(q, WIRE_NS);
	unsigned total = an + ns + wire_count(q, WIRE_AR);
	size_t off = qq->qend;

	for (unsigned i = 0; i < total; i++) {
		long o = wire_name_skip(q, qq->qlen, off);
		uint16_t type, rdlen;
		uint32_t ttl;

		if (o < 0 || (size_t)o + WIRE_RR_FIXED > qq->qlen)
			return -1;
		type = wire_rr_type(q + o);
		rdlen = wire_rr_rdlen(q + o);
		if ((size_t)o + WIRE_RR_FIXED + rdlen > qq->qlen)
			return -1;
		if (i >= an + ns && type == TYPE_OPT) {
			if (qq->edns || q[off] != 0)
				return -1;	/* two OPTs, or not at the root */
			ttl = wire_rr_ttl(q + o);
			qq->edns = true;
			qq->edns_size = wire_rr_class(q + o);
			qq->edns_version = wire_opt_version(ttl);
			qq->edns_do = wire_opt_do(ttl);
		}
		off = (size_t)o + WIRE_RR_FIXED + rdlen;
	}
	return 0;
}

/* Is the question's name at or under NAME (NAMELEN bytes, NLABELS
 * labels)? Then the labels in front of it. */
static int
name_under(const struct query *qq, const uint8_t *name, size_t namelen,
    int nlabels)
{
	int skip = qq->nlabels - nlabels;
	size_t off;

	if (skip < 0)
		return -1;
	off = skip == qq->nlabels ? qq->qname_len - 1 : qq->loff[skip];
	if (qq->qname_len - off != namelen ||
	    memcmp(qq->lname + off, name, namelen) != 0)
		return -1;
	return skip;
}

/* The zone the question falls in: the longest that is a suffix, or the
 * catalog (which no zone is above or under: conf.c). */
void
dq_find_zone(const struct view *v, struct query *qq)
{
	int best = -1, skip;

	qq->zi = -1;
	for (int i = 0; i < v->nzones; i++) {
		const struct view_zone *z = &v->zones[i];

		if ((skip = name_under(qq, z->name, z->namelen,
		    z->nlabels)) < 0)
			continue;
		if (best < 0 || z->nlabels > v->zones[best].nlabels) {
			best = i;
			qq->rel = skip;
		}
	}
	qq->zi = best;
	if (best < 0 && v->catalog.on && (skip = name_under(qq,
	    v->catalog.name, v->catalog.namelen, v->catalog.nlabels)) >= 0) {
		qq->cat = true;
		qq->rel = skip;
	}
}

/* The apex and serial of the zone asked about. */
const struct apex *
dq_zone_apex(const struct dns_ctx *cx, const struct query *qq)
{
	if (qq->cat)
		return &cx->view->catalog.ap;
	return view_apex_cached(cx->view, qq->zi, cx->rd, cx->apexes);
}

uint32_t
dq_zone_serial(const struct dns_ctx *cx, const struct query *qq)
{
	if (qq->cat)
		return cx->view->catalog.serial;
	return store_reader_serial(cx->rd, cx->view->zones[qq->zi].slot);
}

/* Octet label: 1..3 digits, value <= 255 (leading zeros allowed, as rbldnsd). */
static int
label_octet(const uint8_t *l)
{
	int v = 0;

	if (l[0] < 1 || l[0] > 3)
		return -1;
	for (int i = 1; i <= l[0]; i++) {
		if (!isdigit(l[i]))
			return -1;
		v = v * 10 + (l[i] - '0');
	}
	return v <= 255 ? v : -1;
}

static int
label_nibble(const uint8_t *l)
{
	if (l[0] != 1)
		return -1;
	if (isdigit(l[1]))
		return l[1] - '0';
	if (l[1] >= 'a' && l[1] <= 'f')
		return l[1] - 'a' + 10;
	return -1;
}

/* The labels in front of the zone as an address (reversed octets or
 * nibbles), a part of one, or neither. */
static enum name_kind
parse_address(const struct query *qq, struct prefix *ip)
{
	int nl = qq->rel;
	bool v4 = nl <= 4, v6 = nl <= 32;

	for (int i = 0; i < nl && (v4 || v6); i++) {
		const uint8_t *l = qq->lname + qq->loff[i];

		v4 = v4 && label_octet(l) >= 0;
		v6 = v6 && label_nibble(l) >= 0;
	}
	memset(ip, 0, sizeof(*ip));
	if (v4 && nl == 4) {
		ip->family = 4;
		ip->len = 32;
		for (int i = 0; i < 4; i++)
			ip->addr[3 - i] = (uint8_t)label_octet(qq->lname +
			    qq->loff[i]);
		return NAME_ADDRESS;
	}
	if (v6 && nl == 32) {
		ip->family = 6;
		ip->len = 128;
		for (int i = 0; i < 32; i++) {
			int nib = label_nibble(qq->lname + qq->loff[i]);
			int pos = 31 - i;

			ip->addr[pos / 2] |= (uint8_t)(pos % 2 ? nib : nib << 4);
		}
		return NAME_ADDRESS;
	}
	return v4 || v6 ? NAME_PARTIAL : NAME_OTHER;
}

/* ---- writing ---- */

/* Header and question, as every reply echoes them; the flags are set
 * through the header accessors by the stage that knows them. */
void
dq_reply_start(struct wire_buf *w, const struct query *qq, bool with_question)
{
	wire_buf_truncate(w, 0);
	wire_put16(w, qq->id);
	wire_put16(w, 0);
	wire_put16(w, with_question ? 1 : 0);
	wire_put16(w, 0);
	wire_put16(w, 0);
	wire_put16(w, 0);
	if (with_question)	/* the name as asked: case kept */
		wire_put(w, qq->q + WIRE_HEADER, qq->qend - WIRE_HEADER);
	if (w->full)
		return;		/* not even the header fits */
	wire_set_qr(w->b);
	if (qq->rd)
		wire_set_rd(w->b);
}

/* An answer from our data: authoritative for class IN. */
void
dq_reply_answer(struct wire_buf *w, const struct query *qq, int rcode)
{
	dq_reply_start(w, qq, true);
	if (w->full)
		return;
	if (qq->qclass == CLASS_IN)
		wire_set_aa(w->b);
	wire_set_rcode(w->b, rcode);
}

/* Our OPT record: version 0, RCODE's upper bits, the query's DO bit. */
static void
put_opt(struct wire_buf *w, const struct query *qq, int rcode)
{
	wire_put8(w, 0);		/* the root */
	wire_put16(w, TYPE_OPT);
	wire_put16(w, DNS_EDNS_SIZE);
	wire_put32(w, wire_opt_ttl(rcode, 0, qq->edns_do));
	wire_put16(w, 0);
}

void
dq_set_count(struct wire_buf *w, enum wire_section s, uint16_t n)
{
	if (w->len >= WIRE_HEADER)
		wire_set_count(w->b, s, n);
}

void
dns_put_soa(struct wire_buf *w, const uint8_t *owner, size_t olen,
    const struct apex *ap, uint32_t serial, uint32_t ttl)
{
	size_t rdlen_at;

	wire_put(w, owner, olen);
	wire_put16(w, TYPE_SOA);
	wire_put16(w, CLASS_IN);
	wire_put32(w, ttl);
	rdlen_at = w->len;
	wire_put16(w, 0);
	wire_put(w, ap->mname, ap->mlen);
	wire_put(w, ap->rname, ap->rlen);
	wire_put32(w, serial);
	wire_put32(w, ap->refresh);
	wire_put32(w, ap->retry);
	wire_put32(w, ap->expire);
	wire_put32(w, ap->minimum);
	if (!w->full)
		wire_patch16(w, rdlen_at, (uint16_t)(w->len - rdlen_at - 2));
}

void
dns_put_ns(struct wire_buf *w, const uint8_t *owner, size_t olen,
    const struct apex *ap, int i)
{
	wire_put(w, owner, olen);
	wire_put16(w, TYPE_NS);
	wire_put16(w, CLASS_IN);
	wire_put32(w, ap->ns_ttl);
	wire_put16(w, (uint16_t)ap->nslen[i]);
	wire_put(w, ap->ns[i], ap->nslen[i]);
}

void
dns_put_rr(struct wire_buf *w, const uint8_t *owner, size_t olen,
    const struct listing_rr *r)
{
	wire_put(w, owner, olen);
	wire_put16(w, r->type);
	wire_put16(w, CLASS_IN);
	wire_put32(w, r->ttl);
	if (r->type == TYPE_A) {
		wire_put16(w, 4);
		wire_put32(w, r->a);
	} else {
		wire_put16(w, (uint16_t)(r->txtlen + 1));
		wire_put8(w, r->txtlen);
		wire_put(w, r->txt, r->txtlen);
	}
}

/* Answers' owners are compression pointers into the question. */
void
dq_put_soa(struct wire_buf *w, uint16_t owner, const struct apex *ap,
    uint32_t serial, uint32_t ttl)
{
	uint8_t o[2];

	wire_set16(o, owner);
	dns_put_soa(w, o, 2, ap, serial, ttl);
}

static void
put_ns(struct wire_buf *w, uint16_t owner, const struct apex *ap, int i)
{
	uint8_t o[2];

	wire_set16(o, owner);
	dns_put_ns(w, o, 2, ap, i);
}

static void
put_rr(struct wire_buf *w, const struct listing_rr *r)
{
	static const uint8_t o[2] = { WIRE_PTR_HEADER >> 8,
	    WIRE_PTR_HEADER & 0xff };

	dns_put_rr(w, o, 2, r);	/* the owner is the question's name */
}

/* A pointer to the zone's name inside the question. */
uint16_t
dq_zone_ptr(const struct query *qq)
{
	return wire_ptr(WIRE_HEADER + (qq->rel == 0 ? 0 : qq->loff[qq->rel]));
}

/* ---- the records of a positive answer ---- */

/* ---- the stages ---- */

/* How a stage ends: the reply is built, or another stage makes it. */
enum next {
	NEXT_DONE,		/* W holds the reply (or nothing fits: none) */
	NEXT_NODATA,		/* the name exists, no record of the type */
	NEXT_NXDOMAIN,		/* no such name */
	NEXT_SERVFAIL,		/* the store could not be read */
};

/* A reply with an error rcode: header, the question if it parsed, OPT if
 * the query had one; never authoritative. */
size_t
dq_answer_error(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq, int rcode, int slot, bool with_question)
{
	dq_count_rcode(cx->stats, qq->zi, slot);
	dq_reply_start(w, qq, with_question);
	if (!w->full) {
		wire_set_opcode(w->b, qq->opcode);
		wire_set_rcode(w->b, rcode);
	}
	if (qq->edns) {
		put_opt(w, qq, RCODE_NOERROR);
		dq_set_count(w, WIRE_AR, 1);
	}
	return w->full ? 0 : w->len;
}

/* EDNS of another version: BADVERS, which lives in the OPT record. */
static size_t
answer_badvers(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq)
{
	cx->stats->formerr++;
	dq_count_rcode(cx->stats, qq->zi, DNS_RC_BADVERS);
	dq_reply_start(w, qq, true);
	put_opt(w, qq, RCODE_BADVERS);
	dq_set_count(w, WIRE_AR, 1);
	return w->full ? 0 : w->len;
}

/*
 * ANY over UDP gets one RRset, not every record (RFC 8482): a 40-byte
 * question must not fetch kilobytes for a spoofed source. Over TCP, where
 * no one is spoofed, it gets them all, as rbldnsd gives.
 */
static bool
any_minimal(const struct query *qq)
{
	return qq->qtype == TYPE_ANY && !qq->tcp;
}

/* The apex: SOA, NS and ANY; anything else is NODATA. */
static enum next
answer_apex(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq, const struct apex *ap)
{
	uint16_t n = 0, owner = dq_zone_ptr(qq);

	if (qq->qtype != TYPE_SOA && qq->qtype != TYPE_NS &&
	    qq->qtype != TYPE_ANY)
		return NEXT_NODATA;
	if (qq->qtype == TYPE_NS && ap->nns == 0)
		return NEXT_NODATA;
	dq_reply_answer(w, qq, RCODE_NOERROR);
	if (qq->qtype != TYPE_NS) {
		dq_put_soa(w, owner, ap, dq_zone_serial(cx, qq), ap->soa_ttl);
		n++;
	}
	if (qq->qtype != TYPE_SOA && !any_minimal(qq))
		for (int i = 0; i < ap->nns; i++, n++)
			put_ns(w, owner, ap, i);
	dq_set_count(w, WIRE_AN, n);
	cx->stats->noerror++;
	dq_count_rcode(cx->stats, qq->zi, DNS_RC_NOERROR);
	return NEXT_DONE;
}

/* A listed answer into the hits log: to whom, about what, who listed it. */
static void
record_hit(const struct dns_ctx *cx, const struct query *qq,
    const struct prefix *ip, const struct listing_hit *hits, int n)
{
	const struct view_zone *vz = &cx->view->zones[qq->zi];
	struct hit h;

	h.time = cx->now;
	if (cx->peer == NULL || ipaddr_from_sockaddr(cx->peer, &h.client) != 0)
		memset(&h.client, 0, sizeof(h.client));
	h.ip = *ip;
	h.zslot = (int16_t)vz->slot;
	h.nsrc = 0;
	for (int i = 0; i < n && h.nsrc < HITS_SOURCES; i++)
		if (hits[i].src >= 0)
			h.srcids[h.nsrc++] = (uint16_t)vz->srcids[hits[i].src];
	hits_record(cx->hits, &h);
}

/* A name under the apex: an address is listed, or it is not. */
static enum next
answer_address(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq, const struct apex *ap, enum name_kind kind,
    const struct prefix *ip)
{
	struct listing_hit hits[LISTING_MAX_HITS];
	struct listing_addr la;
	struct listing_rrs rs;
	int n;

	if (kind == NAME_PARTIAL)
		return NEXT_NODATA;
	if (kind == NAME_OTHER)
		return NEXT_NXDOMAIN;
	listing_addr(cx->view, ip, &la);
	if (la.never != LISTING_LISTABLE)
		return NEXT_NXDOMAIN;
	if ((n = listing_find(cx->view, qq->zi, ap, cx->rd, &la, cx->now,
	    hits)) < 0)
		return NEXT_SERVFAIL;
	if (n == 0)
		return NEXT_NXDOMAIN;
	listing_records(cx->rd, &la, hits, n, qq->qtype == TYPE_A ||
	    qq->qtype == TYPE_ANY, qq->qtype == TYPE_TXT ||
	    (qq->qtype == TYPE_ANY && !any_minimal(qq)), NULL, &rs);
	if (rs.n == 0)
		return NEXT_NODATA;
	dq_reply_answer(w, qq, RCODE_NOERROR);
	for (int i = 0; i < rs.n; i++)
		if (qq->qtype == TYPE_ANY || rs.rr[i].type == qq->qtype)
			put_rr(w, &rs.rr[i]);
	dq_set_count(w, WIRE_AN, (uint16_t)rs.n);
	if (cx->hits != NULL)
		record_hit(cx, qq, ip, hits, n);
	cx->stats->listed++;
	cx->stats->noerror++;
	if (qq->zi < DNS_STATS_ZONES)
		cx->stats->zone_listed[qq->zi]++;
	dq_count_rcode(cx->stats, qq->zi, DNS_RC_NOERROR);
	return NEXT_DONE;
}

/* Do the labels OWNER (OLEN bytes) end with the NLEN bytes of labels at
 * NAME? */
static bool
labels_end_with(const uint8_t *owner, size_t olen, const uint8_t *name,
    size_t nlen)
{
	for (size_t o = 0; o < olen; o += owner[o] + 1u)
		if (olen - o == nlen)
			return memcmp(owner + o, name, nlen) == 0;
	return nlen == 0;
}

/* A name under the catalog's apex: the version TXT, a member's PTR, the
 * empty non-terminal "zones", or no such name. */
static enum next
answer_catalog(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq)
{
	static const uint8_t qname[2] = { WIRE_PTR_HEADER >> 8,
	    WIRE_PTR_HEADER & 0xff };
	size_t len = qq->loff[qq->rel];	/* the labels in front of the apex */
	bool exists = false;
	uint16_t n = 0;

	for (int i = 0; i < catalog_nrecs(cx->view); i++) {
		struct catalog_rec r;

		catalog_rec(cx->view, i, &r);
		if (!labels_end_with(r.owner, r.olen, qq->lname, len))
			continue;
		exists = true;
		if (r.olen != len || (qq->qtype != r.type &&
		    qq->qtype != TYPE_ANY))
			continue;
		if (n++ == 0)
			dq_reply_answer(w, qq, RCODE_NOERROR);
		r.olen = 0;		/* the owner is the question's name */
		catalog_put(w, &r, qname, sizeof(qname));
	}
	if (n == 0)
		return exists ? NEXT_NODATA : NEXT_NXDOMAIN;
	dq_set_count(w, WIRE_AN, n);
	cx->stats->noerror++;
	dq_count_rcode(cx->stats, qq->zi, DNS_RC_NOERROR);
	return NEXT_DONE;
}

/* NXDOMAIN or NODATA, with the SOA for negative caching (RFC 2308). */
static void
answer_negative(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq, const struct apex *ap, bool exists)
{
	int rcode = exists ? RCODE_NOERROR : RCODE_NXDOMAIN;

	dq_reply_answer(w, qq, rcode);
	/* The SOA's TTL here is its minimum: the negative caching time. */
	dq_put_soa(w, dq_zone_ptr(qq), ap, dq_zone_serial(cx, qq), ap->minimum);
	dq_set_count(w, WIRE_NS, 1);
	if (exists)
		cx->stats->nodata++;
	else
		cx->stats->nxdomain++;
	dq_count_rcode(cx->stats, qq->zi, exists ? DNS_RC_NOERROR :
	    DNS_RC_NXDOMAIN);
}

/*
 * The OPT record, then: what did not fit goes out as header, question and
 * OPT with TC set (over UDP; TCP's 64 KiB always fit an answer of ours).
 */
size_t
dq_answer_finish(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq)
{
	int rcode = w->len >= WIRE_HEADER ? wire_rcode(w->b) : RCODE_NOERROR;

	if (qq->edns && !w->full) {
		size_t before = w->len;

		put_opt(w, qq, RCODE_NOERROR);
		if (!w->full)
			dq_set_count(w, WIRE_AR, 1);
		else
			w->len = before;
	}
	if (!w->full)
		return w->len;
	dq_reply_answer(w, qq, rcode);
	if (!w->full)
		wire_set_tc(w->b);
	if (qq->edns) {
		put_opt(w, qq, RCODE_NOERROR);
		dq_set_count(w, WIRE_AR, 1);
	}
	cx->stats->truncated++;
	return w->full ? 0 : w->len;
}

size_t
dns_slip(uint8_t *reply, size_t len)
{
	long o;

	if (len < WIRE_HEADER || wire_count(reply, WIRE_QD) != 1 ||
	    (o = wire_name_skip(reply, len, WIRE_HEADER)) < 0 ||
	    (size_t)o + 4 > len)
		return 0;
	wire_set_tc(reply);
	wire_set_count(reply, WIRE_AN, 0);
	wire_set_count(reply, WIRE_NS, 0);
	wire_set_count(reply, WIRE_AR, 0);
	return (size_t)o + 4;
}

size_t
dns_error_reply(const uint8_t *q, size_t qlen, int rcode, uint8_t *out,
    size_t outmax)
{
	struct wire_buf w;
	struct query qq;

	memset(&qq, 0, sizeof(qq));
	qq.q = q;
	qq.qlen = qlen;
	if (qlen < WIRE_HEADER || wire_qr(q) || dq_parse_question(&qq) != 0)
		return 0;
	qq.id = wire_id(q);
	qq.opcode = wire_opcode(q);
	qq.rd = wire_rd(q);
	wire_buf_init(&w, out, outmax);
	dq_reply_start(&w, &qq, true);
	if (w.full)
		return 0;
	wire_set_opcode(w.b, qq.opcode);
	wire_set_rcode(w.b, rcode);
	return w.len;
}

/*
 * The UDP limit: the query's EDNS size (at least 512), or 512, and never
 * more than the DNS_EDNS_SIZE we advertise (the 2020 flag day's 1232),
 * whatever the query says: nothing of ours is fragmented.
 */
static size_t
reply_limit(const struct query *qq, size_t outmax, bool tcp)
{
	size_t limit = WIRE_UDP_MAX;

	if (tcp)
		return outmax;
	if (qq->edns && qq->edns_size > WIRE_UDP_MAX)
		limit = qq->edns_size;
	if (limit > DNS_EDNS_SIZE)
		limit = DNS_EDNS_SIZE;
	return limit < outmax ? limit : outmax;
}

size_t
dns_answer(const struct dns_ctx *cx, const uint8_t *q, size_t qlen,
    uint8_t *out, size_t outmax, bool tcp)
{
	struct dns_stats *st = cx->stats;
	struct wire_buf w;
	struct query qq;
	struct prefix ip;
	const struct apex *ap;
	enum name_kind kind = NAME_OTHER;
	enum next next;

	st->queries++;
	memset(&qq, 0, sizeof(qq));
	qq.q = q;
	qq.qlen = qlen;
	qq.zi = -1;
	qq.tcp = tcp;
	wire_buf_init(&w, out, outmax);
	if (qlen < WIRE_HEADER || wire_qr(q)) {
		st->dropped++;	/* a response: answering could loop */
		return 0;
	}
	qq.id = wire_id(q);
	qq.opcode = wire_opcode(q);
	qq.rd = wire_rd(q);
	if (dq_parse_question(&qq) != 0) {
		st->formerr++;
		return dq_answer_error(cx, &w, &qq, RCODE_FORMERR, DNS_RC_FORMERR,
		    false);
	}
	/* Every reply from here on counts against the zone, errors too. */
	dq_find_zone(cx->view, &qq);
	if (parse_edns(&qq) != 0) {
		st->formerr++;
		return dq_answer_error(cx, &w, &qq, RCODE_FORMERR, DNS_RC_FORMERR,
		    true);
	}
	if (qq.opcode == OPCODE_NOTIFY && cx->notified != NULL)
		return dq_answer_notify(cx, &w, &qq);
	if (qq.opcode != OPCODE_QUERY) {
		st->notimp++;
		return dq_answer_error(cx, &w, &qq, RCODE_NOTIMP, DNS_RC_NOTIMP,
		    true);
	}
	if (qq.edns && qq.edns_version != 0)
		return answer_badvers(cx, &w, &qq);
	if (qq.qclass != CLASS_IN && qq.qclass != CLASS_ANY) {
		st->refused++;
		return dq_answer_error(cx, &w, &qq, RCODE_REFUSED, DNS_RC_REFUSED,
		    true);
	}
	if (qq.qtype == TYPE_AXFR || qq.qtype == TYPE_IXFR)
		return dq_answer_xfr(cx, &w, &qq, tcp);
	if (qq.qtype == TYPE_OPT || (qq.qtype >= TYPE_META_MIN &&
	    qq.qtype != TYPE_ANY)) {
		/* the other meta types */
		st->notimp++;
		return dq_answer_error(cx, &w, &qq, RCODE_NOTIMP, DNS_RC_NOTIMP,
		    true);
	}
	if (qq.zi < 0 && !qq.cat) {
		st->refused++;
		return dq_answer_error(cx, &w, &qq, RCODE_REFUSED, DNS_RC_REFUSED,
		    true);
	}

	w.max = reply_limit(&qq, outmax, tcp);
	ap = dq_zone_apex(cx, &qq);
	if (qq.rel == 0)
		next = answer_apex(cx, &w, &qq, ap);
	else if (qq.cat)
		next = answer_catalog(cx, &w, &qq);
	else {
		kind = parse_address(&qq, &ip);
		next = answer_address(cx, &w, &qq, ap, kind, &ip);
	}
	switch (next) {
	case NEXT_DONE:
		break;
	case NEXT_SERVFAIL:
		st->servfail++;
		return dq_answer_error(cx, &w, &qq, RCODE_SERVFAIL, DNS_RC_SERVFAIL,
		    true);
	case NEXT_NODATA:
	case NEXT_NXDOMAIN:
		answer_negative(cx, &w, &qq, ap, next == NEXT_NODATA);
		/* "Unlisted" counts questions about an address answered
		 * without records; the zones' listed counts add up to
		 * st->listed. */
		if (kind == NAME_ADDRESS && (qq.qtype == TYPE_A ||
		    qq.qtype == TYPE_TXT || qq.qtype == TYPE_ANY) &&
		    qq.zi < DNS_STATS_ZONES)
			st->zone_unlisted[qq.zi]++;
		break;
	}
	return dq_answer_finish(cx, &w, &qq);
}
