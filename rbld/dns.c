/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS answers: parse a query and build the reply into a caller's buffer. */
#include <ctype.h>
#include <string.h>

#include "dns.h"
#include "ipaddr.h"
#include "rbldnsd.h"

#define T_A		1
#define T_NS		2
#define T_SOA		6
#define T_TXT		16
#define T_OPT		41
#define T_ANY		255
#define C_IN		1
#define C_ANY		255

#define R_NOERROR	0
#define R_FORMERR	1
#define R_SERVFAIL	2
#define R_NXDOMAIN	3
#define R_NOTIMP	4
#define R_REFUSED	5

#define HDR		12
#define MAX_RR		(2 * DNS_MAX_SOURCES * 2)

/* The reply under construction; every write is bounds-checked. */
struct pkt {
	uint8_t	*b;
	size_t	 len, max;
	bool	 full;		/* something did not fit: answer goes out with TC */
};

static void
put(struct pkt *p, const void *d, size_t n)
{
	if (p->full || p->len + n > p->max) {
		p->full = true;
		return;
	}
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static void
put16(struct pkt *p, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(p, b, 2);
}

static void
put32(struct pkt *p, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	put(p, b, 4);
}

int
dns_name_to_wire(const char *name, uint8_t *out, size_t outlen)
{
	size_t n = 0;
	const char *s = name;

	if (strcmp(name, ".") == 0 || *name == '\0') {
		if (outlen < 1)
			return -1;
		out[0] = 0;
		return 1;
	}
	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t l = dot != NULL ? (size_t)(dot - s) : strlen(s);

		if (l == 0 || l > 63 || n + l + 2 > outlen || n + l + 2 > 255)
			return -1;
		out[n++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			out[n++] = (uint8_t)tolower((unsigned char)s[i]);
		s += l;
		if (*s == '.')
			s++;
	}
	out[n++] = 0;
	return (int)n;
}

/* A parsed query. */
struct query {
	uint16_t	id, flags, qtype, qclass;
	size_t		qname_len;		/* wire length of the name */
	size_t		qend;			/* offset just past the question */
	uint8_t		lname[DNS_NAME_WIRE];	/* lowercase copy */
	int		nlabels;
	uint8_t		loff[128];		/* label offsets in lname */
	bool		edns;
	uint16_t	edns_size;
	uint8_t		edns_version;
	bool		edns_do;
};

static int
parse_name(const uint8_t *q, size_t qlen, size_t off, struct query *qq)
{
	size_t n = 0;

	qq->nlabels = 0;
	for (;;) {
		uint8_t l;

		if (off >= qlen)
			return -1;
		l = q[off];
		if (l == 0)
			break;
		if (l > 63 || qq->nlabels >= 127)
			return -1;	/* compression has no place in a question */
		if (off + 1 + l > qlen || n + 1 + l + 1 > 255)
			return -1;
		qq->loff[qq->nlabels++] = (uint8_t)n;
		qq->lname[n++] = l;
		for (uint8_t i = 0; i < l; i++)
			qq->lname[n++] = (uint8_t)tolower(q[off + 1 + i]);
		off += 1 + l;
	}
	qq->lname[n++] = 0;
	qq->qname_len = n;
	return 0;
}

/* Skip a resource record's owner name (compression allowed); -1 if bad. */
static long
skip_name(const uint8_t *q, size_t qlen, size_t off)
{
	for (int hops = 0; hops < 128; hops++) {
		if (off >= qlen)
			return -1;
		if ((q[off] & 0xc0) == 0xc0)
			return off + 2 <= qlen ? (long)(off + 2) : -1;
		if (q[off] > 63)
			return -1;
		if (q[off] == 0)
			return (long)(off + 1);
		off += 1 + q[off];
	}
	return -1;
}

/*
 * The additional section of a query: find an OPT record. Returns -1 when the
 * packet is malformed.
 */
static int
parse_edns(const uint8_t *q, size_t qlen, size_t off, unsigned an,
    unsigned ns, unsigned ar, struct query *qq)
{
	unsigned total = an + ns + ar;

	for (unsigned i = 0; i < total; i++) {
		long o = skip_name(q, qlen, off);
		uint16_t type, rdlen;

		if (o < 0 || (size_t)o + 10 > qlen)
			return -1;
		type = (uint16_t)(q[o] << 8 | q[o + 1]);
		rdlen = (uint16_t)(q[o + 8] << 8 | q[o + 9]);
		if ((size_t)o + 10 + rdlen > qlen)
			return -1;
		if (i >= an + ns && type == T_OPT) {
			if (qq->edns || q[off] != 0)
				return -1;	/* two OPTs, or not at the root */
			qq->edns = true;
			qq->edns_size = (uint16_t)(q[o + 2] << 8 | q[o + 3]);
			qq->edns_version = q[o + 5];
			qq->edns_do = q[o + 6] & 0x80;
		}
		off = (size_t)o + 10 + rdlen;
	}
	return 0;
}

/* Header and question, as echoed in every reply. */
static void
reply_start(struct pkt *p, const uint8_t *q, const struct query *qq,
    uint16_t flags, bool with_question)
{
	put16(p, qq->id);
	put16(p, flags);
	put16(p, with_question ? 1 : 0);
	put16(p, 0);
	put16(p, 0);
	put16(p, 0);
	if (with_question)
		put(p, q + HDR, qq->qend - HDR);	/* the name as asked: case kept */
}

static void
set_count(struct pkt *p, int which, uint16_t v)
{
	if (p->len < HDR)
		return;		/* not even the header fitted the buffer */
	p->b[4 + 2 * which] = (uint8_t)(v >> 8);
	p->b[5 + 2 * which] = (uint8_t)v;
}

static void
put_opt(struct pkt *p, const struct query *qq, uint8_t ext_rcode)
{
	uint8_t zero = 0;

	put(p, &zero, 1);
	put16(p, T_OPT);
	put16(p, DNS_EDNS_SIZE);
	put(p, &ext_rcode, 1);
	put(p, &zero, 1);		/* version 0 */
	put16(p, qq->edns_do ? 0x8000 : 0);
	put16(p, 0);
}

/* An error reply: header, question if it parsed, OPT if the query had one. */
static size_t
reply_error(struct pkt *p, const uint8_t *q, const struct query *qq,
    int rcode, bool with_question)
{
	/* RD is echoed; AA is never set on errors. */
	uint16_t flags = (uint16_t)(0x8000 | (qq->flags & 0x7900) |
	    (rcode & 0xf));

	p->len = 0;
	p->full = false;
	reply_start(p, q, qq, flags, with_question);
	if (qq->edns) {
		put_opt(p, qq, 0);
		set_count(p, 3, 1);
	}
	return p->full ? 0 : p->len;
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

/* One RR under construction: A or TXT, from a source. */
struct rr {
	uint16_t	type;
	uint32_t	ttl;
	uint32_t	a;
	char		txt[RBL_TXT_ANSWER_MAX];
	uint8_t		txtlen;
};

struct answer {
	struct rr	rr[MAX_RR];
	int		n;
};

static void
add_rr(struct answer *an, uint16_t type, uint32_t ttl, uint32_t a,
    const char *txt, size_t txtlen)
{
	struct rr *r;

	/* Identical records merge; one type shares the lowest TTL (RFC 2181). */
	for (int i = 0; i < an->n; i++) {
		r = &an->rr[i];
		if (r->type != type)
			continue;
		if (type == T_A ? r->a == a : (r->txtlen == txtlen &&
		    memcmp(r->txt, txt, txtlen) == 0)) {
			if (ttl < r->ttl)
				r->ttl = ttl;
			return;
		}
	}
	if (an->n >= MAX_RR)
		return;
	r = &an->rr[an->n++];
	r->type = type;
	r->ttl = ttl;
	r->a = a;
	r->txtlen = (uint8_t)txtlen;
	if (txtlen > 0)
		memcpy(r->txt, txt, txtlen);
}

static void
min_ttls(struct answer *an)
{
	uint32_t mina = UINT32_MAX, mintxt = UINT32_MAX;

	for (int i = 0; i < an->n; i++) {
		uint32_t *m = an->rr[i].type == T_A ? &mina : &mintxt;

		if (an->rr[i].ttl < *m)
			*m = an->rr[i].ttl;
	}
	for (int i = 0; i < an->n; i++)
		an->rr[i].ttl = an->rr[i].type == T_A ? mina : mintxt;
}

/* The zone's SOA and NS: the config's, else the first source file's. */
struct zmeta {
	const uint8_t	*mname, *rname;
	size_t		 mlen, rlen;
	uint32_t	 soa_ttl, serial, refresh, retry, expire, minimum;
	int		 nns;
	const uint8_t	*ns[DNS_MAX_NS];
	size_t		 nslen[DNS_MAX_NS];
	uint32_t	 ns_ttl;
	/* wire forms of names from files */
	uint8_t		 fm[DNS_NAME_WIRE], fr[DNS_NAME_WIRE];
	uint8_t		 fns[DNS_MAX_NS][DNS_NAME_WIRE];
};

static uint32_t
src_ttl(const struct dns_zone *z, struct store_reader *r, int i)
{
	const struct store_srcmeta *m = store_reader_srcmeta(r, z->srcids[i]);

	return m != NULL && m->ttl != 0 ? m->ttl : z->ttl;
}

static void
zone_meta(const struct dns_zone *z, struct store_reader *r, struct zmeta *zm)
{
	const struct store_srcmeta *fsoa = NULL, *fns = NULL;

	for (int i = 0; i < z->nsrc; i++) {
		const struct store_srcmeta *m = store_reader_srcmeta(r,
		    z->srcids[i]);

		if (m == NULL)
			continue;
		if (fsoa == NULL && m->has_soa)
			fsoa = m;
		if (fns == NULL && m->nns > 0)
			fns = m;
	}
	zm->serial = store_reader_serial(r, z->index);
	if (z->has_soa || fsoa == NULL) {
		zm->mname = z->soa_mname;
		zm->mlen = z->soa_mlen;
		zm->rname = z->soa_rname;
		zm->rlen = z->soa_rlen;
		zm->soa_ttl = z->ttl;
		zm->refresh = z->soa_refresh;
		zm->retry = z->soa_retry;
		zm->expire = z->soa_expire;
		zm->minimum = z->soa_minimum;
	} else {
		int ml = dns_name_to_wire(fsoa->soa_mname, zm->fm, sizeof(zm->fm));
		int rl = dns_name_to_wire(fsoa->soa_rname, zm->fr, sizeof(zm->fr));

		zm->mname = zm->fm;
		zm->mlen = ml > 0 ? (size_t)ml : 0;
		zm->rname = zm->fr;
		zm->rlen = rl > 0 ? (size_t)rl : 0;
		if (ml <= 0 || rl <= 0) {
			zm->fm[0] = zm->fr[0] = 0;
			zm->mlen = zm->rlen = 1;
		}
		zm->soa_ttl = fsoa->soa_ttl != 0 ? fsoa->soa_ttl : z->ttl;
		zm->refresh = fsoa->soa_refresh;
		zm->retry = fsoa->soa_retry;
		zm->expire = fsoa->soa_expire;
		zm->minimum = fsoa->soa_minttl;
	}
	zm->nns = 0;
	zm->ns_ttl = z->ttl;
	if (z->nns > 0 || fns == NULL) {
		for (int i = 0; i < z->nns; i++) {
			zm->ns[i] = z->ns[i];
			zm->nslen[i] = z->nslen[i];
		}
		zm->nns = z->nns;
	} else {
		for (int i = 0; i < fns->nns && i < DNS_MAX_NS; i++) {
			int l = dns_name_to_wire(fns->ns[i], zm->fns[zm->nns],
			    DNS_NAME_WIRE);

			if (l <= 0)
				continue;
			zm->ns[zm->nns] = zm->fns[zm->nns];
			zm->nslen[zm->nns++] = (size_t)l;
		}
		if (fns->ns_ttl != 0)
			zm->ns_ttl = fns->ns_ttl;
	}
}

static void
put_soa(struct pkt *p, uint16_t owner, const struct zmeta *zm, uint32_t ttl)
{
	size_t rdstart;

	put16(p, owner);
	put16(p, T_SOA);
	put16(p, C_IN);
	put32(p, ttl);
	rdstart = p->len;
	put16(p, 0);
	put(p, zm->mname, zm->mlen);
	put(p, zm->rname, zm->rlen);
	put32(p, zm->serial);
	put32(p, zm->refresh);
	put32(p, zm->retry);
	put32(p, zm->expire);
	put32(p, zm->minimum);
	if (!p->full) {
		size_t rdlen = p->len - rdstart - 2;

		p->b[rdstart] = (uint8_t)(rdlen >> 8);
		p->b[rdstart + 1] = (uint8_t)rdlen;
	}
}

static void
put_ns(struct pkt *p, uint16_t owner, const uint8_t *ns, size_t nslen,
    uint32_t ttl)
{
	put16(p, owner);
	put16(p, T_NS);
	put16(p, C_IN);
	put32(p, ttl);
	put16(p, (uint16_t)nslen);
	put(p, ns, nslen);
}

static void
put_rr(struct pkt *p, const struct rr *r)
{
	put16(p, 0xc000 | HDR);		/* the owner is the question name */
	put16(p, r->type);
	put16(p, C_IN);
	put32(p, r->ttl);
	if (r->type == T_A) {
		put16(p, 4);
		put32(p, r->a);
	} else {
		uint8_t l = r->txtlen;

		put16(p, (uint16_t)(l + 1));
		put(p, &l, 1);
		put(p, r->txt, l);
	}
}

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

/* Find the zone QQ falls in: the longest zone that is a suffix. */
static const struct dns_zone *
find_zone(const struct dns_view *v, const struct query *qq, int *rel)
{
	const struct dns_zone *best = NULL;

	for (int i = 0; i < v->nzones; i++) {
		const struct dns_zone *z = &v->zones[i];
		int skip = qq->nlabels - z->nlabels;
		size_t off;

		if (skip < 0)
			continue;
		off = skip == qq->nlabels ? qq->qname_len - 1 : qq->loff[skip];
		if (qq->qname_len - off != z->wirelen ||
		    memcmp(qq->lname + off, z->wire, z->wirelen) != 0)
			continue;
		if (best == NULL || z->nlabels > best->nlabels) {
			best = z;
			*rel = skip;
		}
	}
	return best;
}

/* [allow]: addresses never listed in any zone, whatever a source says. */
bool
dns_allowed(const struct dns_view *v, int family, const uint8_t *addr)
{
	struct prefix a;

	a.family = (uint8_t)family;
	a.len = family == 4 ? 32 : 128;
	memset(a.addr, 0, sizeof(a.addr));
	memcpy(a.addr, addr, family == 4 ? 4 : 16);
	for (int i = 0; i < v->nallow; i++)
		if (ipaddr_contains(&v->allow[i], &a))
			return true;
	return false;
}

/* Collect every source's listing of one address. */
static int
lookup_sources(const struct dns_zone *z, struct store_reader *r, uint32_t now,
    int family, const uint8_t *addr, uint16_t qtype, struct answer *an,
    bool *listed)
{
	struct store_hit hits[DNS_MAX_SOURCES];
	char iptext[IPADDR_STRLEN];
	bool want_a = qtype == T_A || qtype == T_ANY;
	bool want_txt = qtype == T_TXT || qtype == T_ANY;

	if (store_lookup(r, family, addr, z->srcids, z->nsrc, now, hits) != 0)
		return -1;
	iptext[0] = '\0';
	for (int i = 0; i < z->nsrc; i++) {
		uint32_t ttl;

		if (!hits[i].listed)
			continue;
		*listed = true;
		ttl = src_ttl(z, r, i);
		if (want_a)
			add_rr(an, T_A, ttl, hits[i].a, NULL, 0);
		if (want_txt && hits[i].txt != RBL_NO_TXT) {
			char txt[RBL_TXT_ANSWER_MAX];
			const char *t;
			size_t tlen, n;

			if (store_text(r, hits[i].txt, &t, &tlen) != 0)
				continue;
			if (iptext[0] == '\0')
				ipaddr_ntop(family, addr, iptext, sizeof(iptext));
			n = rbldnsd_expand(t, tlen, iptext, txt);
			if (n > 0)
				add_rr(an, T_TXT, ttl, 0, txt, n);
		}
	}
	return 0;
}

/*
 * RFC 5782 test point 127.0.0.2: listed even when no source says so, with
 * the first source's A, TXT and TTL, as if it listed it.
 */
static void
test_point(const struct dns_zone *z, struct store_reader *r, uint16_t qtype,
    struct answer *an)
{
	uint32_t ttl;

	if (z->nsrc == 0)
		return;
	ttl = src_ttl(z, r, 0);
	if (qtype == T_A || qtype == T_ANY)
		add_rr(an, T_A, ttl, z->src_a[0], NULL, 0);
	if ((qtype == T_TXT || qtype == T_ANY) && z->src_txt[0] != NULL) {
		char txt[RBL_TXT_ANSWER_MAX];
		size_t n = rbldnsd_expand(z->src_txt[0], strlen(z->src_txt[0]),
		    "127.0.0.2", txt);

		if (n > 0)
			add_rr(an, T_TXT, ttl, 0, txt, n);
	}
}

size_t
dns_answer(const struct dns_view *v, struct store_reader *r, uint32_t now,
    const uint8_t *q, size_t qlen, uint8_t *out, size_t outmax, bool tcp,
    struct dns_stats *st)
{
	struct pkt p = { out, 0, outmax, false };
	struct query qq;
	const struct dns_zone *z;
	struct answer an;
	struct zmeta zm;
	uint16_t qd, ancnt, nscnt, arcnt, zone_ptr;
	int rel = 0, rcode = R_NOERROR, zi;
	bool listed = false, apex, exists = true, ipq = false;
	size_t limit;

	st->queries++;
	memset(&qq, 0, sizeof(qq));
	if (qlen < HDR) {
		st->dropped++;
		return 0;
	}
	qq.id = (uint16_t)(q[0] << 8 | q[1]);
	qq.flags = (uint16_t)(q[2] << 8 | q[3]);
	qd = (uint16_t)(q[4] << 8 | q[5]);
	ancnt = (uint16_t)(q[6] << 8 | q[7]);
	nscnt = (uint16_t)(q[8] << 8 | q[9]);
	arcnt = (uint16_t)(q[10] << 8 | q[11]);
	if (qq.flags & 0x8000) {
		st->dropped++;	/* a response: answering could loop */
		return 0;
	}
	if (qd != 1 || parse_name(q, qlen, HDR, &qq) != 0) {
		st->formerr++;
		count_rcode(st, -1, DNS_RC_FORMERR);
		return reply_error(&p, q, &qq, R_FORMERR, false);
	}
	{
		/* Offset past the question: wire name length equals lname's. */
		size_t qend = HDR + qq.qname_len + 4;

		if (qend > qlen) {
			st->formerr++;
			count_rcode(st, -1, DNS_RC_FORMERR);
			return reply_error(&p, q, &qq, R_FORMERR, false);
		}
		qq.qend = qend;
		qq.qtype = (uint16_t)(q[qend - 4] << 8 | q[qend - 3]);
		qq.qclass = (uint16_t)(q[qend - 2] << 8 | q[qend - 1]);
		/*
		 * The zone is needed for every answer from here on, errors
		 * included: they count against it in the stats.
		 */
		z = find_zone(v, &qq, &rel);
		zi = z != NULL ? (int)(z - v->zones) : -1;
		if (parse_edns(q, qlen, qend, ancnt, nscnt, arcnt, &qq) != 0) {
			st->formerr++;
			count_rcode(st, zi, DNS_RC_FORMERR);
			return reply_error(&p, q, &qq, R_FORMERR, true);
		}
	}
	if (((qq.flags >> 11) & 0xf) != 0) {
		st->notimp++;
		count_rcode(st, zi, DNS_RC_NOTIMP);
		return reply_error(&p, q, &qq, R_NOTIMP, true);
	}
	if (qq.edns && qq.edns_version != 0) {
		/* BADVERS: extended rcode 16 = 1 in the OPT, 0 in the header. */
		p.len = 0;
		reply_start(&p, q, &qq, (uint16_t)(0x8000 | (qq.flags & 0x0100)),
		    true);
		put_opt(&p, &qq, 1);
		set_count(&p, 3, 1);
		st->formerr++;
		count_rcode(st, zi, DNS_RC_BADVERS);
		return p.full ? 0 : p.len;
	}
	if (qq.qclass != C_IN && qq.qclass != C_ANY) {
		st->refused++;
		count_rcode(st, zi, DNS_RC_REFUSED);
		return reply_error(&p, q, &qq, R_REFUSED, true);
	}
	if (qq.qtype == T_OPT || (qq.qtype >= 128 && qq.qtype != T_ANY)) {
		/* meta types and AXFR/IXFR (not served here) */
		st->notimp++;
		count_rcode(st, zi, DNS_RC_NOTIMP);
		return reply_error(&p, q, &qq, R_NOTIMP, true);
	}
	if (z == NULL) {
		st->refused++;
		count_rcode(st, -1, DNS_RC_REFUSED);
		return reply_error(&p, q, &qq, R_REFUSED, true);
	}
	if (tcp)
		limit = outmax;
	else if (qq.edns)
		limit = qq.edns_size < 512 ? 512 : qq.edns_size;
	else
		limit = 512;
	if (limit > outmax)
		limit = outmax;
	p.max = limit;

	an.n = 0;
	apex = rel == 0;
	zone_ptr = (uint16_t)(0xc000 | (HDR + (apex ? 0 : qq.loff[rel])));
	if (!apex) {
		uint8_t addr[16];
		int nl = rel;
		bool v4 = true, v6 = true;

		for (int i = 0; i < nl; i++) {
			const uint8_t *l = qq.lname + qq.loff[i];

			if (v4 && (nl > 4 || label_octet(l) < 0))
				v4 = false;
			if (v6 && (nl > 32 || label_nibble(l) < 0))
				v6 = false;
		}
		/* A question about an address, for listed/unlisted counts. */
		ipq = ((v4 && nl == 4) || (v6 && nl == 32)) &&
		    (qq.qtype == T_A || qq.qtype == T_TXT || qq.qtype == T_ANY);
		if (v4 && nl == 4) {
			for (int i = 0; i < 4; i++)
				addr[3 - i] = (uint8_t)label_octet(qq.lname +
				    qq.loff[i]);
			goto v4lookup;
		} else if (v6 && nl == 32) {
			memset(addr, 0, sizeof(addr));
			for (int i = 0; i < 32; i++) {
				int nib = label_nibble(qq.lname + qq.loff[i]);
				int pos = 31 - i;

				addr[pos / 2] |= (uint8_t)(pos % 2 ? nib : nib << 4);
			}
			{
				static const uint8_t mapped[12] = { 0, 0, 0, 0,
				    0, 0, 0, 0, 0, 0, 0xff, 0xff };

				if (memcmp(addr, mapped, 12) == 0) {
					/* ::ffff:a.b.c.d is the IPv4 address. */
					memmove(addr, addr + 12, 4);
					goto v4lookup;
				}
			}
			if (!dns_allowed(v, 6, addr) && lookup_sources(z, r, now, 6,
			    addr, qq.qtype, &an, &listed) != 0)
				goto servfail;
			if (addr[0] == 0x20 && addr[1] == 0x02) {
				/* 6to4: the embedded IPv4 address answers too. */
				memmove(addr, addr + 2, 4);
				goto v4lookup;
			}
			goto looked_up;
		} else if ((v4 && nl < 4) || (v6 && nl < 32)) {
			/* A partial name: it exists, so NODATA (RFC 8020). */
			goto nodata;
		} else {
			exists = false;
			goto negative;
		}
v4lookup:
		if (addr[0] == 127 && addr[1] == 0 && addr[2] == 0 &&
		    addr[3] == 1)
			goto looked_up;		/* RFC 5782: never listed */
		/* RFC 5782's positive test point stays, even inside [allow]. */
		if (dns_allowed(v, 4, addr) && !(addr[0] == 127 && addr[1] == 0 &&
		    addr[2] == 0 && addr[3] == 2))
			goto looked_up;
		if (lookup_sources(z, r, now, 4, addr, qq.qtype, &an,
		    &listed) != 0)
			goto servfail;
		if (!listed && addr[0] == 127 && addr[1] == 0 && addr[2] == 0 &&
		    addr[3] == 2) {
			listed = true;
			test_point(z, r, qq.qtype, &an);
		}
looked_up:
		if (!listed) {
			exists = false;
			goto negative;
		}
		if (an.n == 0)
			goto nodata;
		min_ttls(&an);
		p.len = 0;
		reply_start(&p, q, &qq, (uint16_t)(0x8000 |
		    (qq.qclass == C_IN ? 0x0400 : 0) | (qq.flags & 0x0100)), true);
		if (qq.qtype == T_ANY) {
			/* rbldnsd's order: each source's A, then its TXT. */
			for (int i = 0; i < an.n; i++)
				put_rr(&p, &an.rr[i]);
		} else {
			for (int i = 0; i < an.n; i++)
				if (an.rr[i].type == qq.qtype)
					put_rr(&p, &an.rr[i]);
		}
		set_count(&p, 1, (uint16_t)an.n);
		st->listed++;
		st->noerror++;
		if (zi < DNS_STATS_ZONES)
			st->zone_listed[zi]++;
		goto finish;
	}

	/* The apex: SOA, NS, ANY; anything else is NODATA. */
	zone_meta(z, r, &zm);
	if (qq.qtype == T_SOA || qq.qtype == T_NS || qq.qtype == T_ANY) {
		uint16_t n = 0;

		p.len = 0;
		reply_start(&p, q, &qq, (uint16_t)(0x8000 |
		    (qq.qclass == C_IN ? 0x0400 : 0) | (qq.flags & 0x0100)), true);
		if (qq.qtype != T_NS) {
			put_soa(&p, zone_ptr, &zm, zm.soa_ttl);
			n++;
		}
		if (qq.qtype != T_SOA) {
			for (int i = 0; i < zm.nns; i++, n++)
				put_ns(&p, zone_ptr, zm.ns[i], zm.nslen[i],
				    zm.ns_ttl);
		}
		if (n == 0)
			goto nodata;
		set_count(&p, 1, n);
		st->noerror++;
		goto finish;
	}
nodata:
	exists = true;
negative:
	if (!apex)
		zone_meta(z, r, &zm);
	rcode = exists ? R_NOERROR : R_NXDOMAIN;
	p.len = 0;
	p.full = false;
	reply_start(&p, q, &qq, (uint16_t)(0x8000 |
	    (qq.qclass == C_IN ? 0x0400 : 0) | (qq.flags & 0x0100) | rcode), true);
	/* The SOA's TTL here is its minimum: the negative caching time. */
	put_soa(&p, zone_ptr, &zm, zm.minimum);
	set_count(&p, 2, 1);
	if (exists)
		st->nodata++;
	else
		st->nxdomain++;
	/*
	 * "Listed" means a positive answer, so the zones' listed counts add
	 * up to st->listed; NODATA (asked TXT, listed without one) is not.
	 */
	if (ipq && zi < DNS_STATS_ZONES)
		st->zone_unlisted[zi]++;
finish:
	count_rcode(st, zi, rcode == R_NXDOMAIN ? DNS_RC_NXDOMAIN :
	    DNS_RC_NOERROR);
	if (qq.edns) {
		size_t before = p.len;

		put_opt(&p, &qq, 0);
		if (!p.full)
			set_count(&p, 3, 1);
		else
			p.len = before;
	}
	if (p.full) {
		/* Did not fit: header, question and OPT with TC; TCP has it all. */
		p.len = 0;
		p.full = false;
		reply_start(&p, q, &qq, (uint16_t)(0x8000 | 0x0200 |
		    (qq.qclass == C_IN ? 0x0400 : 0) | (qq.flags & 0x0100) |
		    rcode), true);
		if (qq.edns) {
			put_opt(&p, &qq, 0);
			set_count(&p, 3, 1);
		}
		st->truncated++;
	}
	return p.full ? 0 : p.len;
servfail:
	st->servfail++;
	count_rcode(st, zi, DNS_RC_SERVFAIL);
	return reply_error(&p, q, &qq, R_SERVFAIL, true);
}
