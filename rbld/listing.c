/* SPDX-License-Identifier: BSD-2-Clause */
/* Who lists an address: the one place for every listing rule (see listing.h). */
#include <errno.h>
#include <string.h>

#include "listing.h"
#include "wire.h"

static bool
is_6to4(const uint8_t *a6)
{
	return a6[0] == 0x20 && a6[1] == 0x02;
}

void
listing_addr(const struct view *v, const struct prefix *ip,
    struct listing_addr *la)
{
	struct prefix p = *ip;

	memset(la, 0, sizeof(*la));
	ipaddr_canonical(&p);
	if (p.family == 4) {
		memcpy(la->a4, p.addr, 4);
		la->v4 = la->has4 = true;
	} else {
		memcpy(la->a6, p.addr, 16);
		la->has6 = true;
		la->v6 = !view_allowed(v, 6, la->a6);
		if (is_6to4(la->a6)) {
			memcpy(la->a4, la->a6 + 2, 4);
			la->v4 = la->has4 = true;
		}
	}
	if (la->v4) {
		uint32_t a = wire_get32(la->a4);

		if (a == LISTING_LOOPBACK4) {
			la->never = LISTING_LOOPBACK;
			la->v4 = la->v6 = false;
			return;
		}
		la->test_point = a == LISTING_TEST_POINT4;
		if (view_allowed(v, 4, la->a4)) {
			/* Its 6to4 form is the same host: not listed either. */
			la->v6 = false;
			la->v4 = la->test_point;
		}
	}
	if (!la->v4 && !la->v6)
		la->never = LISTING_ALLOWED;
}

/* Every source's answer for ADDR of FAMILY in zone Z, appended to HITS. */
static int
find_family(const struct view_zone *z, const struct apex *ap,
    struct store_reader *rd, int family, const uint8_t *addr, uint32_t now,
    struct listing_hit *hits, int *n)
{
	struct store_hit sh[VIEW_MAX_SOURCES];

	if (store_lookup(rd, family, addr, z->srcids, z->nsrc, now, sh) != 0) {
		errno = EIO;
		return -1;
	}
	for (int i = 0; i < z->nsrc; i++) {
		struct listing_hit *h;

		if (!sh[i].listed)
			continue;
		h = &hits[(*n)++];
		h->src = i;
		h->family = (uint8_t)family;
		h->plen = sh[i].plen;
		h->a = sh[i].a;
		h->txt = sh[i].txt;
		h->tmpl = NULL;
		h->ttl = ap->src_ttl[i];
	}
	return 0;
}

int
listing_find(const struct view *v, int zi, const struct apex *ap,
    struct store_reader *rd, const struct listing_addr *la, uint32_t now,
    struct listing_hit *hits)
{
	const struct view_zone *z = &v->zones[zi];
	int n = 0, n6;

	if (la->v6 && find_family(z, ap, rd, 6, la->a6, now, hits, &n) != 0)
		return -1;
	n6 = n;
	if (la->v4 && find_family(z, ap, rd, 4, la->a4, now, hits, &n) != 0)
		return -1;
	if (la->test_point && n == n6 && z->nsrc > 0) {
		/* Listed by no source: as if the first one listed it. */
		struct listing_hit *h = &hits[n++];

		h->src = -1;
		h->family = 4;
		h->plen = 32;
		h->a = z->src[0]->a;
		h->txt = RBL_NO_TXT;
		h->tmpl = z->src[0]->txt;
		h->ttl = ap->src_ttl[0];
	}
	return n;
}

int
listing_each(const struct view *v, struct store_reader *rd,
    const struct listing_addr *la, uint32_t now,
    int (*fn)(void *arg, int z, const struct listing_hit *), void *arg)
{
	struct listing_hit hits[LISTING_MAX_HITS];
	struct apex ap;
	int total = 0;

	if (la->never != LISTING_LISTABLE)
		return 0;
	for (int z = 0; z < v->nzones; z++) {
		int n;

		view_apex(v, z, rd, &ap);
		if ((n = listing_find(v, z, &ap, rd, la, now, hits)) < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			total++;
			if (fn(arg, z, &hits[i]) != 0)
				return total;
		}
	}
	return total;
}

bool
listing_template(struct store_reader *rd, const struct listing_hit *hit,
    const char **tmpl, size_t *len)
{
	if (hit->tmpl != NULL) {
		*tmpl = hit->tmpl;
		*len = strlen(hit->tmpl);
		return true;
	}
	return hit->txt != RBL_NO_TXT && store_text(rd, hit->txt, tmpl,
	    len) == 0;
}

size_t
listing_txt(struct store_reader *rd, const struct listing_addr *la,
    const struct listing_hit *hit, char out[RBL_TXT_ANSWER_MAX])
{
	char iptext[IPADDR_STRLEN];
	const char *t;
	size_t tlen;

	if (!listing_template(rd, hit, &t, &tlen))
		return 0;
	ipaddr_ntop(hit->family, hit->family == 4 ? la->a4 : la->a6, iptext,
	    sizeof(iptext));
	return rbldnsd_expand(t, tlen, iptext, out);
}

static void
add_rr(struct listing_rrs *rs, uint16_t type, uint32_t ttl, uint32_t a,
    const char *txt, size_t txtlen)
{
	struct listing_rr *r;

	for (int i = 0; i < rs->n; i++) {
		r = &rs->rr[i];
		if (r->type != type)
			continue;
		if (type == TYPE_A ? r->a == a : (r->txtlen == txtlen &&
		    memcmp(r->txt, txt, txtlen) == 0)) {
			if (ttl < r->ttl)
				r->ttl = ttl;
			return;
		}
	}
	if (rs->n >= (int)(sizeof(rs->rr) / sizeof(rs->rr[0])))
		return;
	r = &rs->rr[rs->n++];
	r->type = type;
	r->ttl = ttl;
	r->a = a;
	r->txtlen = (uint8_t)txtlen;
	if (txtlen > 0)
		memcpy(r->txt, txt, txtlen);
}

void
listing_records(struct store_reader *rd, const struct listing_addr *la,
    const struct listing_hit *hits, int n, bool want_a, bool want_txt,
    const char *range, struct listing_rrs *rs)
{
	uint32_t mina = UINT32_MAX, mintxt = UINT32_MAX;

	rs->n = 0;
	for (int i = 0; i < n; i++) {
		if (want_a)
			add_rr(rs, TYPE_A, hits[i].ttl, hits[i].a, NULL, 0);
		if (want_txt) {
			char txt[RBL_TXT_ANSWER_MAX];
			const char *t;
			size_t len, tl;

			if (range == NULL)
				len = listing_txt(rd, la, &hits[i], txt);
			else
				len = listing_template(rd, &hits[i], &t, &tl) ?
				    rbldnsd_expand(t, tl, range, txt) : 0;
			if (len > 0)
				add_rr(rs, TYPE_TXT, hits[i].ttl, 0, txt, len);
		}
	}
	for (int i = 0; i < rs->n; i++) {
		uint32_t *m = rs->rr[i].type == TYPE_A ? &mina : &mintxt;

		if (rs->rr[i].ttl < *m)
			*m = rs->rr[i].ttl;
	}
	for (int i = 0; i < rs->n; i++)
		rs->rr[i].ttl = rs->rr[i].type == TYPE_A ? mina : mintxt;
}

/* The 6to4 range (2002:AABB:CCDD::/48 and broader) of an IPv4 prefix. */
static void
six_to_four(const struct prefix *p4, struct prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->family = 6;
	out->len = (uint8_t)(16 + p4->len);
	out->addr[0] = 0x20;
	out->addr[1] = 0x02;
	memcpy(out->addr + 2, p4->addr, 4);
}

int
listing_unasked(const struct view *v, int family,
    int (*fn)(void *arg, const struct prefix *), void *arg)
{
	struct prefix p, lo;
	int rc;

	ipaddr_set_v4(&lo, LISTING_LOOPBACK4, 32);
	if (family == 4) {
		if ((rc = fn(arg, &lo)) != 0)
			return rc;
	} else {
		memset(&p, 0, sizeof(p));
		p.family = 6;
		p.len = 96;		/* ::ffff:0:0/96, asked as IPv4 */
		p.addr[10] = p.addr[11] = 0xff;
		if ((rc = fn(arg, &p)) != 0)
			return rc;
		six_to_four(&lo, &p);
		if ((rc = fn(arg, &p)) != 0)
			return rc;
	}
	for (int i = 0; i < v->nallow; i++) {
		const struct prefix *a = &v->allow[i];

		if (a->family == family)
			rc = fn(arg, a);
		else if (a->family == 4) {
			six_to_four(a, &p);
			rc = fn(arg, &p);
		} else
			continue;
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
contains_cb(void *arg, const struct prefix *range)
{
	return ipaddr_contains(range, arg);
}

bool
listing_is_unasked(const struct view *v, const struct prefix *p)
{
	return listing_unasked(v, p->family, contains_cb, (void *)p) != 0;
}
