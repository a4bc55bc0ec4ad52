/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS answers: parse a query and build the reply into a caller's buffer. */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "dns.h"
#include "hits.h"
#include "listing.h"
#include "tsig.h"
#include "wire.h"

/* A parsed query. */
struct query {
	const uint8_t	*q;
	size_t		 qlen;
	uint16_t	 id, qtype, qclass;
	int		 opcode;
	bool		 rd;
	size_t		 qname_len;		/* wire length of the name */
	size_t		 qend;			/* offset just past the question */
	uint8_t		 lname[WIRE_NAME_MAX];	/* lowercase copy */
	int		 nlabels;
	uint8_t		 loff[WIRE_LABELS_MAX + 1];	/* labels in lname */
	bool		 edns, edns_do;
	uint16_t	 edns_size;
	uint8_t		 edns_version;
	int		 zi;			/* the zone asked about, -1: none */
	bool		 cat;			/* or the catalog zone */
	bool		 tcp;			/* asked over TCP */
	int		 rel;			/* labels in front of the zone's */
};

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
static void
count_rcode(struct dns_stats *st, int zi, int slot)
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
static int
parse_question(struct query *qq)
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
static void
find_zone(const struct view *v, struct query *qq)
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
static const struct apex *
zone_apex(const struct dns_ctx *cx, const struct query *qq)
{
	if (qq->cat)
		return &cx->view->catalog.ap;
	return view_apex_cached(cx->view, qq->zi, cx->rd, cx->apexes);
}

static uint32_t
zone_serial(const struct dns_ctx *cx, const struct query *qq)
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
static void
reply_start(struct wire_buf *w, const struct query *qq, bool with_question)
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
static void
reply_answer(struct wire_buf *w, const struct query *qq, int rcode)
{
	reply_start(w, qq, true);
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

static void
set_count(struct wire_buf *w, enum wire_section s, uint16_t n)
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
static void
put_soa(struct wire_buf *w, uint16_t owner, const struct apex *ap,
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
static uint16_t
zone_ptr(const struct query *qq)
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
static size_t
answer_error(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq, int rcode, int slot, bool with_question)
{
	count_rcode(cx->stats, qq->zi, slot);
	reply_start(w, qq, with_question);
	if (!w->full) {
		wire_set_opcode(w->b, qq->opcode);
		wire_set_rcode(w->b, rcode);
	}
	if (qq->edns) {
		put_opt(w, qq, RCODE_NOERROR);
		set_count(w, WIRE_AR, 1);
	}
	return w->full ? 0 : w->len;
}

/* EDNS of another version: BADVERS, which lives in the OPT record. */
static size_t
answer_badvers(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq)
{
	cx->stats->formerr++;
	count_rcode(cx->stats, qq->zi, DNS_RC_BADVERS);
	reply_start(w, qq, true);
	put_opt(w, qq, RCODE_BADVERS);
	set_count(w, WIRE_AR, 1);
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
	uint16_t n = 0, owner = zone_ptr(qq);

	if (qq->qtype != TYPE_SOA && qq->qtype != TYPE_NS &&
	    qq->qtype != TYPE_ANY)
		return NEXT_NODATA;
	if (qq->qtype == TYPE_NS && ap->nns == 0)
		return NEXT_NODATA;
	reply_answer(w, qq, RCODE_NOERROR);
	if (qq->qtype != TYPE_NS) {
		put_soa(w, owner, ap, zone_serial(cx, qq), ap->soa_ttl);
		n++;
	}
	if (qq->qtype != TYPE_SOA && !any_minimal(qq))
		for (int i = 0; i < ap->nns; i++, n++)
			put_ns(w, owner, ap, i);
	set_count(w, WIRE_AN, n);
	cx->stats->noerror++;
	count_rcode(cx->stats, qq->zi, DNS_RC_NOERROR);
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
	reply_answer(w, qq, RCODE_NOERROR);
	for (int i = 0; i < rs.n; i++)
		if (qq->qtype == TYPE_ANY || rs.rr[i].type == qq->qtype)
			put_rr(w, &rs.rr[i]);
	set_count(w, WIRE_AN, (uint16_t)rs.n);
	if (cx->hits != NULL)
		record_hit(cx, qq, ip, hits, n);
	cx->stats->listed++;
	cx->stats->noerror++;
	if (qq->zi < DNS_STATS_ZONES)
		cx->stats->zone_listed[qq->zi]++;
	count_rcode(cx->stats, qq->zi, DNS_RC_NOERROR);
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
			reply_answer(w, qq, RCODE_NOERROR);
		r.olen = 0;		/* the owner is the question's name */
		catalog_put(w, &r, qname, sizeof(qname));
	}
	if (n == 0)
		return exists ? NEXT_NODATA : NEXT_NXDOMAIN;
	set_count(w, WIRE_AN, n);
	cx->stats->noerror++;
	count_rcode(cx->stats, qq->zi, DNS_RC_NOERROR);
	return NEXT_DONE;
}

/* NXDOMAIN or NODATA, with the SOA for negative caching (RFC 2308). */
static void
answer_negative(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq, const struct apex *ap, bool exists)
{
	int rcode = exists ? RCODE_NOERROR : RCODE_NXDOMAIN;

	reply_answer(w, qq, rcode);
	/* The SOA's TTL here is its minimum: the negative caching time. */
	put_soa(w, zone_ptr(qq), ap, zone_serial(cx, qq), ap->minimum);
	set_count(w, WIRE_NS, 1);
	if (exists)
		cx->stats->nodata++;
	else
		cx->stats->nxdomain++;
	count_rcode(cx->stats, qq->zi, exists ? DNS_RC_NOERROR :
	    DNS_RC_NXDOMAIN);
}

/*
 * The OPT record, then: what did not fit goes out as header, question and
 * OPT with TC set (over UDP; TCP's 64 KiB always fit an answer of ours).
 */
static size_t
answer_finish(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq)
{
	int rcode = w->len >= WIRE_HEADER ? wire_rcode(w->b) : RCODE_NOERROR;

	if (qq->edns && !w->full) {
		size_t before = w->len;

		put_opt(w, qq, RCODE_NOERROR);
		if (!w->full)
			set_count(w, WIRE_AR, 1);
		else
			w->len = before;
	}
	if (!w->full)
		return w->len;
	reply_answer(w, qq, rcode);
	if (!w->full)
		wire_set_tc(w->b);
	if (qq->edns) {
		put_opt(w, qq, RCODE_NOERROR);
		set_count(w, WIRE_AR, 1);
	}
	cx->stats->truncated++;
	return w->full ? 0 : w->len;
}

/* ---- zone transfers ---- */

/* Q's IXFR serial: the SOA in its authority section (RFC 1995 3). */
static int
ixfr_serial(const struct query *qq, uint32_t *serial)
{
	long o, r;

	if (wire_count(qq->q, WIRE_NS) < 1)
		return -1;
	if ((o = wire_name_skip(qq->q, qq->qlen, qq->qend)) < 0 ||
	    (size_t)o + WIRE_RR_FIXED > qq->qlen ||
	    wire_rr_type(qq->q + o) != TYPE_SOA)
		return -1;
	r = o + WIRE_RR_FIXED;
	if ((r = wire_name_skip(qq->q, qq->qlen, (size_t)r)) < 0 ||
	    (r = wire_name_skip(qq->q, qq->qlen, (size_t)r)) < 0 ||
	    (size_t)r + 20 > qq->qlen ||
	    (size_t)r + 20 > (size_t)o + WIRE_RR_FIXED +
	    wire_rr_rdlen(qq->q + o))
		return -1;
	*serial = wire_get32(qq->q + r);
	return 0;
}

/* Is PEER in zone Z's `transfer`? */
static bool
may_transfer(const struct view *v, int z, const struct prefix *peer)
{
	const struct conf_zone *cz = v->zones[z].cz;

	for (int i = 0; peer != NULL && i < cz->ntransfer; i++)
		if (ipaddr_contains(&cz->transfer[i], peer))
			return true;
	return false;
}

/* Is QQ signed with zone Z's transfer-key? Then its MAC into OUT, which
 * the answers' signatures chain from. */
static bool
signed_with(const struct view *v, int z, const struct query *qq,
    struct dns_xfr *out)
{
	struct tsig_ctx tc;
	const uint8_t *mac;
	char why[128];
	bool sig = false;
	int rc;

	tsig_start(&tc, &v->zones[z].xfr_key, NULL, 0);
	rc = tsig_verify(&tc, qq->q, qq->qlen, (uint64_t)time(NULL), &sig, why,
	    sizeof(why));
	if (rc == 0 && sig) {
		mac = tsig_mac(&tc, &out->maclen);
		if (out->maclen > sizeof(out->mac))
			out->maclen = sizeof(out->mac);
		memcpy(out->mac, mac, out->maclen);
		out->keyzone = z;
		out->is_signed = true;
	}
	tsig_end(&tc);
	return out->is_signed;
}

/*
 * The catalog goes to whoever may transfer one of its members, signed
 * with that member's key when it has one: first a member whose key signed
 * the request, else a member without a key.
 */
static int
catalog_check(const struct view *v, const struct query *qq,
    const struct prefix *peer, struct dns_xfr *out)
{
	bool listed = false, open = false;

	for (int z = 0; z < v->nzones; z++) {
		if (!may_transfer(v, z, peer))
			continue;
		listed = true;
		if (!v->zones[z].has_key)
			open = true;
		else if (signed_with(v, z, qq, out))
			return 0;
	}
	return open ? 0 : listed ? RCODE_NOTAUTH : RCODE_REFUSED;
}

/* See dns_xfr_check; QQ's question and zone are parsed. */
static int
xfr_check(const struct view *v, const struct query *qq,
    const struct prefix *peer, struct dns_xfr *out)
{
	int rc;

	if ((qq->zi < 0 && !qq->cat) || qq->rel != 0 ||
	    qq->qclass != CLASS_IN)
		return RCODE_REFUSED;
	memset(out, 0, sizeof(*out));
	out->keyzone = -1;
	if (qq->cat) {
		if ((rc = catalog_check(v, qq, peer, out)) != 0)
			return rc;
	} else {
		if (!may_transfer(v, qq->zi, peer))
			return RCODE_REFUSED;
		if (v->zones[qq->zi].has_key &&
		    !signed_with(v, qq->zi, qq, out))
			return RCODE_NOTAUTH;
	}
	out->zone = qq->zi;
	out->catalog = qq->cat;
	out->id = qq->id;
	out->qtype = qq->qtype;
	out->qend = qq->qend;
	if (qq->qtype == TYPE_IXFR) {
		if (ixfr_serial(qq, &out->serial) != 0)
			return RCODE_FORMERR;
		out->has_serial = true;
	}
	return 0;
}

int
dns_xfr_check(const struct view *v, const uint8_t *q, size_t qlen,
    const struct prefix *peer, struct dns_xfr *out)
{
	struct query qq;

	memset(&qq, 0, sizeof(qq));
	qq.q = q;
	qq.qlen = qlen;
	if (qlen < WIRE_HEADER || wire_qr(q) ||
	    wire_opcode(q) != OPCODE_QUERY || parse_question(&qq) != 0 ||
	    (qq.qtype != TYPE_AXFR && qq.qtype != TYPE_IXFR))
		return -1;
	qq.id = wire_id(q);
	find_zone(v, &qq);
	return xfr_check(v, &qq, peer, out);
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
	if (qlen < WIRE_HEADER || wire_qr(q) || parse_question(&qq) != 0)
		return 0;
	qq.id = wire_id(q);
	qq.opcode = wire_opcode(q);
	qq.rd = wire_rd(q);
	wire_buf_init(&w, out, outmax);
	reply_start(&w, &qq, true);
	if (w.full)
		return 0;
	wire_set_opcode(w.b, qq.opcode);
	wire_set_rcode(w.b, rcode);
	return w.len;
}

/*
 * AXFR and IXFR. Over TCP, a client in `transfer` gets the stream the
 * caller sends (cx->xfr). Over UDP, AXFR is refused; IXFR gets the SOA
 * alone when the client is current, else TC so that it asks over TCP
 * (RFC 1995 2).
 */
static size_t
answer_xfr(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq, bool tcp)
{
	struct dns_stats *st = cx->stats;
	struct dns_xfr x;
	struct prefix peer;
	const struct apex *ap;
	uint32_t serial;
	int rc = xfr_check(cx->view, qq, cx->peer != NULL &&
	    ipaddr_from_sockaddr(cx->peer, &peer) == 0 ? &peer : NULL, &x);

	if (rc == 0 && tcp && cx->xfr != NULL) {
		*cx->xfr = x;
		return 0;
	}
	if (rc == 0 && (tcp || qq->qtype == TYPE_AXFR))
		rc = RCODE_REFUSED;
	if (rc == RCODE_FORMERR) {
		st->formerr++;
		return answer_error(cx, w, qq, rc, DNS_RC_FORMERR, true);
	}
	if (rc == RCODE_NOTAUTH) {
		st->refused++;
		return answer_error(cx, w, qq, rc, DNS_RC_REFUSED, true);
	}
	if (rc != 0) {
		st->refused++;
		return answer_error(cx, w, qq, rc, DNS_RC_REFUSED, true);
	}
	ap = zone_apex(cx, qq);
	serial = zone_serial(cx, qq);
	reply_answer(w, qq, RCODE_NOERROR);
	if (!wire_serial_lt(x.serial, serial)) {
		put_soa(w, zone_ptr(qq), ap, serial, ap->soa_ttl);
		set_count(w, WIRE_AN, 1);
	} else if (!w->full)
		wire_set_tc(w->b);
	st->noerror++;
	count_rcode(st, qq->zi, DNS_RC_NOERROR);
	if (x.is_signed) {
		/* Signed as the request was, and without EDNS's OPT: a TSIG
		 * must be the last record, and this answer is small. */
		struct tsig_ctx tc;
		ssize_t n;

		if (w->full)
			return 0;
		tsig_start(&tc, &cx->view->zones[x.keyzone].xfr_key, x.mac,
		    x.maclen);
		n = tsig_sign(&tc, w->b, w->len, w->max, (uint64_t)time(NULL));
		tsig_end(&tc);
		return n < 0 ? 0 : (size_t)n;
	}
	return answer_finish(cx, w, qq);
}

/*
 * A NOTIFY (RFC 1996): a primary says a zone changed. Taken for the zones
 * of our axfr feeds, from their primaries (the caller decides); the reply
 * echoes the question.
 */
static size_t
answer_notify(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq)
{
	char zone[WIRE_NAME_TEXT];
	size_t n;

	if (wire_name_to_text(qq->lname, qq->qname_len, zone,
	    sizeof(zone)) != 0)
		zone[0] = '\0';
	if ((n = strlen(zone)) > 1 && zone[n - 1] == '.')
		zone[n - 1] = '\0';	/* the feeds name zones without it */
	if (zone[0] == '\0' || cx->notified(cx->notified_arg, zone,
	    cx->peer) <= 0) {
		cx->stats->refused++;
		return answer_error(cx, w, qq, RCODE_REFUSED, DNS_RC_REFUSED,
		    true);
	}
	reply_start(w, qq, true);
	if (w->full)
		return 0;
	wire_set_opcode(w->b, OPCODE_NOTIFY);
	wire_set_aa(w->b);
	cx->stats->noerror++;
	count_rcode(cx->stats, qq->zi, DNS_RC_NOERROR);
	return w->len;
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
	if (parse_question(&qq) != 0) {
		st->formerr++;
		return answer_error(cx, &w, &qq, RCODE_FORMERR, DNS_RC_FORMERR,
		    false);
	}
	/* Every reply from here on counts against the zone, errors too. */
	find_zone(cx->view, &qq);
	if (parse_edns(&qq) != 0) {
		st->formerr++;
		return answer_error(cx, &w, &qq, RCODE_FORMERR, DNS_RC_FORMERR,
		    true);
	}
	if (qq.opcode == OPCODE_NOTIFY && cx->notified != NULL)
		return answer_notify(cx, &w, &qq);
	if (qq.opcode != OPCODE_QUERY) {
		st->notimp++;
		return answer_error(cx, &w, &qq, RCODE_NOTIMP, DNS_RC_NOTIMP,
		    true);
	}
	if (qq.edns && qq.edns_version != 0)
		return answer_badvers(cx, &w, &qq);
	if (qq.qclass != CLASS_IN && qq.qclass != CLASS_ANY) {
		st->refused++;
		return answer_error(cx, &w, &qq, RCODE_REFUSED, DNS_RC_REFUSED,
		    true);
	}
	if (qq.qtype == TYPE_AXFR || qq.qtype == TYPE_IXFR)
		return answer_xfr(cx, &w, &qq, tcp);
	if (qq.qtype == TYPE_OPT || (qq.qtype >= TYPE_META_MIN &&
	    qq.qtype != TYPE_ANY)) {
		/* the other meta types */
		st->notimp++;
		return answer_error(cx, &w, &qq, RCODE_NOTIMP, DNS_RC_NOTIMP,
		    true);
	}
	if (qq.zi < 0 && !qq.cat) {
		st->refused++;
		return answer_error(cx, &w, &qq, RCODE_REFUSED, DNS_RC_REFUSED,
		    true);
	}

	w.max = reply_limit(&qq, outmax, tcp);
	ap = zone_apex(cx, &qq);
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
		return answer_error(cx, &w, &qq, RCODE_SERVFAIL, DNS_RC_SERVFAIL,
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
	return answer_finish(cx, &w, &qq);
}
