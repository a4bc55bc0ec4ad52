/* SPDX-License-Identifier: BSD-2-Clause */
/* A zone as the records a standard DNS server serves, streamed name by name from one snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "wire.h"

/*
 * Two stages. The first turns the zone's prefixes (its sources' entries,
 * and the ranges listing_unasked names plus the test point, each of which
 * needs names around it) into "nodes": every aligned piece of a prefix at
 * its digit boundary, and each piece's ancestors below the apex. It
 * merges one generator per prefix in a heap, so nodes come out sorted (by
 * address, then depth: the name tree in pre-order) and without repeats,
 * and holds only the generators of prefixes around the current address.
 *
 * The second walks that pre-order with a stack, one level per depth, and
 * decides each node when it closes, once everything below it is known:
 * what the node answers for an address under none of its children, and
 * whether anything below it exists. A node that answers becomes its own
 * records (a leaf), a wildcard, or, when a child exists without records
 * (an exclusion, [allow]) and the wildcard would answer there, the
 * children that are no node of their own, one by one.
 */

struct node {
	uint8_t		family, depth;
	uint8_t		addr[16];
};

/* The nodes of one prefix: ancestors at depths 1..d-1, then 2^extra pieces
 * at depth d. */
struct gen {
	struct prefix	p;
	uint8_t		d, extra, k;	/* k: the depth of the next node */
	uint32_t	piece;		/* the next piece, once k == d */
	struct node	cur;		/* the next node */
};

#define F_ANSWERS	0x01	/* answers for an address under none of its children */
#define F_EXISTS	0x02	/* it or a name below it has records */

struct level {
	struct node	n;
	uint8_t		inset[32];	/* children that are nodes, bit per digit */
	uint8_t		exists[32];	/* ... that exist */
};

enum close_mode { C_NONE, C_HOLES };

struct render {
	const struct view *v;
	int		 z;
	struct store_reader *rd;
	const struct apex *ap;
	uint32_t	 now;

	/* stage one, for the family at hand */
	int		 family;
	struct store_scan *scan;
	struct store_scan_item in;
	bool		 in_have, scan_end;
	struct prefix	*extra;		/* unasked ranges and the test point, sorted */
	size_t		 nextra, nextra_alloc, iextra;
	struct gen	*heap;
	size_t		 nheap, heapcap;
	struct node	 last;
	bool		 last_valid;
	struct prefix	 ahead;		/* read, not yet due in the heap */
	bool		 have_ahead;
	struct node	 pending;	/* the next node, to open */
	bool		 have_pending;

	/* stage two */
	struct level	 lv[33];	/* lv[0] is the apex */
	int		 top;		/* depth of the deepest open node */
	enum close_mode	 mode;
	struct level	 closing;
	unsigned	 digit;		/* C_HOLES: the next child to try */

	/* the records of the name at hand */
	struct render_name name;
	struct listing_rrs rs;
	int		 order[2 * LISTING_MAX_HITS], nord, iord;

	unsigned long	 names, records;

	/* render_region: only names under this first label */
	bool		 region;
	int		 rfamily;
	unsigned	 rdigit;
	struct prefix	 within;
};

static int
digit_bits(int family)
{
	return family == 4 ? 8 : 4;
}

static int
max_depth(int family)
{
	return family == 4 ? 4 : 32;
}

static void
set_bit(uint8_t *a, int bit, int v)
{
	uint8_t m = (uint8_t)(0x80 >> (bit % 8));

	if (v)
		a[bit / 8] |= m;
	else
		a[bit / 8] &= (uint8_t)~m;
}

/* The digit at DEPTH (1-based) of ADDR. */
static unsigned
digit_at(int family, const uint8_t *addr, int depth)
{
	int d = depth - 1;

	if (family == 4)
		return addr[d];
	return d % 2 ? addr[d / 2] & 0xfu : (unsigned)addr[d / 2] >> 4;
}

static void
set_digit(int family, uint8_t *addr, int depth, unsigned v)
{
	int bits = digit_bits(family);

	for (int k = 0; k < bits; k++)
		set_bit(addr, (depth - 1) * bits + k,
		    (int)(v >> (bits - 1 - k)) & 1);
}

static bool
bit_get(const uint8_t *m, unsigned i)
{
	return (m[i / 8] >> (i % 8)) & 1;
}

static void
bit_set(uint8_t *m, unsigned i)
{
	m[i / 8] |= (uint8_t)(1u << (i % 8));
}

static int
node_cmp(const struct node *a, const struct node *b)
{
	int c;

	if (a->family != b->family)
		return a->family - b->family;
	if ((c = memcmp(a->addr, b->addr, 16)) != 0)
		return c;
	return a->depth - b->depth;
}

/* ADDR kept to DEPTH digits. */
static void
node_set(struct node *n, int family, int depth, const uint8_t *addr)
{
	int keep = depth * digit_bits(family);

	memset(n, 0, sizeof(*n));
	n->family = (uint8_t)family;
	n->depth = (uint8_t)depth;
	memcpy(n->addr, addr, (size_t)ipaddr_bytes(family));
	for (int b = keep; b < ipaddr_bytes(family) * 8; b++)
		set_bit(n->addr, b, 0);
}

/* ---- stage one: the nodes in pre-order ---- */

static void
gen_node(struct gen *g)
{
	uint8_t a[16];

	if (g->k < g->d) {
		node_set(&g->cur, g->p.family, g->k, g->p.addr);
		return;
	}
	memcpy(a, g->p.addr, 16);
	for (int b = 0; b < g->extra; b++)
		set_bit(a, g->p.len + b,
		    (int)(g->piece >> (g->extra - 1 - b)) & 1);
	node_set(&g->cur, g->p.family, g->d, a);
}

/* False when the generator has no node left. */
static bool
gen_advance(struct gen *g)
{
	if (g->k < g->d)
		g->k++;
	else if (++g->piece >= 1u << g->extra)
		return false;
	gen_node(g);
	return true;
}

static void
heap_swap(struct gen *h, size_t a, size_t b)
{
	struct gen t = h[a];

	h[a] = h[b];
	h[b] = t;
}

static void
heap_down(struct render *r, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < r->nheap && node_cmp(&r->heap[l].cur, &r->heap[m].cur) < 0)
			m = l;
		if (l + 1 < r->nheap &&
		    node_cmp(&r->heap[l + 1].cur, &r->heap[m].cur) < 0)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(r->heap, i, m);
		i = m;
	}
}

static int
heap_push(struct render *r, const struct prefix *p)
{
	int bits = digit_bits(p->family);
	struct gen *g;
	size_t i;

	if (r->nheap == r->heapcap) {
		size_t cap = r->heapcap ? r->heapcap * 2 : 64;
		struct gen *h = realloc(r->heap, cap * sizeof(*h));

		if (h == NULL)
			return -1;
		r->heap = h;
		r->heapcap = cap;
	}
	g = &r->heap[r->nheap];
	memset(g, 0, sizeof(*g));
	g->p = *p;
	g->d = (uint8_t)((p->len + bits - 1) / bits);
	g->extra = (uint8_t)(g->d * bits - p->len);
	g->k = 1;
	gen_node(g);
	for (i = r->nheap++; i > 0; i = (i - 1) / 2) {
		if (node_cmp(&r->heap[i].cur, &r->heap[(i - 1) / 2].cur) >= 0)
			break;
		heap_swap(r->heap, i, (i - 1) / 2);
	}
	return 0;
}

static int
prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int c = memcmp(a->addr, b->addr, 16);

	return c != 0 ? c : a->len - b->len;
}

static int
prefix_qcmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static int
extra_add(void *arg, const struct prefix *p)
{
	struct render *r = arg;

	if (r->nextra == r->nextra_alloc) {
		size_t cap = r->nextra_alloc ? r->nextra_alloc * 2 : 16;
		struct prefix *v = realloc(r->extra, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		r->extra = v;
		r->nextra_alloc = cap;
	}
	r->extra[r->nextra++] = *p;
	return 0;
}

/* Start on FAMILY: its scan and the ranges that need names around them. */
static int
family_begin(struct render *r, int family)
{
	const struct view_zone *vz = &r->v->zones[r->z];

	r->family = family;
	r->nextra = r->iextra = 0;
	r->nheap = 0;
	r->in_have = r->scan_end = r->have_ahead = false;
	r->last_valid = r->have_pending = false;
	r->top = 0;
	memset(&r->lv[0], 0, sizeof(r->lv[0]));
	r->lv[0].n.family = (uint8_t)family;
	store_scan_free(r->scan);
	if ((r->scan = store_scan_within(r->rd, family, vz->srcids,
	    vz->nsrc, r->region ? &r->within : NULL)) == NULL)
		return -1;
	if (listing_unasked(r->v, family, extra_add, r) != 0)
		return -1;
	if (family == 4) {
		struct prefix tp;

		ipaddr_set_v4(&tp, LISTING_TEST_POINT4, 32);
		if (extra_add(r, &tp) != 0)
			return -1;
	}
	for (size_t i = 0; i < r->nextra; i++)
		ipaddr_mask(&r->extra[i]);
	if (r->region) {
		size_t o = 0;

		for (size_t i = 0; i < r->nextra; i++)
			if (ipaddr_contains(&r->within, &r->extra[i]) ||
			    ipaddr_contains(&r->extra[i], &r->within))
				r->extra[o++] = r->extra[i];
		r->nextra = o;
	}
	if (r->nextra > 1)
		qsort(r->extra, r->nextra, sizeof(*r->extra), prefix_qcmp);
	return 0;
}

/* The next prefix in address order, entries and extras merged: 1, 0 at
 * the end, -1 on a read error. */
static int
input_next(struct render *r, struct prefix *out)
{
	while (!r->in_have && !r->scan_end) {
		int n = store_scan_next(r->scan, &r->in);

		if (n < 0)
			return -1;
		if (n == 0)
			r->scan_end = true;
		else if (r->in.expires == 0 || r->in.expires > r->now)
			r->in_have = true;
	}
	if (r->in_have && (r->iextra == r->nextra ||
	    prefix_cmp(&r->in.p, &r->extra[r->iextra]) <= 0)) {
		*out = r->in.p;
		r->in_have = false;
		return 1;
	}
	if (r->iextra < r->nextra) {
		*out = r->extra[r->iextra++];
		return 1;
	}
	return 0;
}

/* The first node a prefix gives: its depth-1 ancestor (or piece). */
static void
first_node(const struct prefix *p, struct node *n)
{
	node_set(n, p->family, 1, p->addr);
}

/* The next node of the family in pre-order: 1, 0 at the end, -1. */
static int
node_next(struct render *r, struct node *out)
{
	for (;;) {
		if (!r->have_ahead) {
			int n = input_next(r, &r->ahead);

			if (n < 0)
				return -1;
			r->have_ahead = n > 0;
		}
		/* A prefix joins the heap once its first node is due. */
		if (r->have_ahead) {
			struct node f;

			first_node(&r->ahead, &f);
			if (r->nheap == 0 || node_cmp(&f, &r->heap[0].cur) <= 0) {
				if (r->ahead.len > 0 && heap_push(r, &r->ahead) != 0)
					return -1;
				r->have_ahead = false;
				continue;
			}
		}
		if (r->nheap == 0)
			return 0;
		*out = r->heap[0].cur;
		if (!gen_advance(&r->heap[0]))
			r->heap[0] = r->heap[--r->nheap];
		heap_down(r, 0);
		if (r->last_valid && node_cmp(out, &r->last) == 0)
			continue;
		r->last = *out;
		r->last_valid = true;
		/* A shorter prefix's pieces outside the region. */
		if (r->region && digit_at(r->family, out->addr, 1) != r->rdigit)
			continue;
		return 1;
	}
}

/* ---- stage two: what each node answers ---- */

/* The records rbld answers for ADDR (a full-length address) as the name
 * at hand; with RANGE for TXT's "$" (a wildcard's records). */
static int
fill(struct render *r, const struct prefix *addr, const struct prefix *range)
{
	struct listing_hit hits[LISTING_MAX_HITS];
	struct listing_addr la;
	char rtext[IPADDR_STRLEN];
	bool any_a = false;
	int n;

	listing_addr(r->v, addr, &la);
	if ((n = listing_find(r->v, r->z, r->ap, r->rd, &la, r->now,
	    hits)) < 0)
		return -1;
	if (range != NULL)
		ipaddr_format(range, false, rtext, sizeof(rtext));
	listing_records(r->rd, &la, hits, n, true, true,
	    range != NULL ? rtext : NULL, &r->rs);
	r->nord = r->iord = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < r->rs.n; i++)
			if ((r->rs.rr[i].type == TYPE_A) == (pass == 0)) {
				r->order[r->nord++] = i;
				any_a |= pass == 0;
			}
	if (any_a)
		r->names++;
	return 0;
}

/* Does rbld list ADDR in the zone? -1 on a read error. */
static int
answers(struct render *r, const struct prefix *addr)
{
	struct listing_hit hits[LISTING_MAX_HITS];
	struct listing_addr la;
	int n;

	listing_addr(r->v, addr, &la);
	if ((n = listing_find(r->v, r->z, r->ap, r->rd, &la, r->now,
	    hits)) < 0)
		return -1;
	return n > 0;
}

static void
full_prefix(struct prefix *p, int family, const uint8_t *addr)
{
	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)family;
	p->len = (uint8_t)(family == 4 ? 32 : 128);
	memcpy(p->addr, addr, 16);
}

static void
name_set(struct render_name *nm, const struct node *n, bool wild)
{
	nm->family = n->family;
	nm->depth = n->depth;
	nm->wild = wild;
	memcpy(nm->addr, n->addr, 16);
}

/* Open node N below the deepest open one, its parent. */
static void
node_open(struct render *r, const struct node *n)
{
	struct level *l = &r->lv[n->depth];

	bit_set(r->lv[n->depth - 1].inset, digit_at(n->family, n->addr,
	    n->depth));
	memset(l, 0, sizeof(*l));
	l->n = *n;
	r->top = n->depth;
}

/*
 * Close the deepest open node: whether it answers and exists, and its
 * records when it is a leaf or a wildcard; with holes below it, its free
 * children follow one by one (close_step).
 */
static int
close_top(struct render *r)
{
	struct level *l = &r->closing;
	const struct node *n;
	int fam, bits, flags = 0, rc;
	struct prefix rep, range;
	bool holes = false;
	unsigned d;

	*l = r->lv[r->top--];
	n = &l->n;
	fam = n->family;
	bits = digit_bits(fam);
	r->mode = C_NONE;
	full_prefix(&rep, fam, n->addr);
	if (n->depth < max_depth(fam)) {
		/* An address under none of its children, if there is one. */
		for (d = 0; d < 1u << bits && bit_get(l->inset, d); d++)
			;
		if (d == 1u << bits)
			goto up;
		set_digit(fam, rep.addr, n->depth + 1, d);
	}
	if ((rc = answers(r, &rep)) < 0)
		return -1;
	if (rc > 0)
		flags = F_ANSWERS | F_EXISTS;
up:
	for (unsigned i = 0; i < sizeof(l->exists); i++)
		if (l->exists[i] != 0)
			flags |= F_EXISTS;
	if ((flags & F_EXISTS) && n->depth > 1)
		bit_set(r->lv[r->top].exists, digit_at(fam, n->addr,
		    n->depth));
	if (!(flags & F_ANSWERS))
		return 0;
	if (n->depth == max_depth(fam)) {
		name_set(&r->name, n, false);
		return fill(r, &rep, NULL);
	}
	for (d = 0; d < 1u << bits && !holes; d++)
		holes = bit_get(l->inset, d) && !bit_get(l->exists, d);
	if (!holes) {
		range = rep;
		range.len = (uint8_t)(n->depth * bits);
		ipaddr_mask(&range);
		name_set(&r->name, n, true);
		return fill(r, &rep, &range);
	}
	r->mode = C_HOLES;
	r->digit = 0;
	return 0;
}

/* The next child of the node closing that is no node of its own. */
static int
close_step(struct render *r)
{
	const struct level *l = &r->closing;
	const struct node *n = &l->n;
	int fam = n->family, bits = digit_bits(fam);
	struct node c;
	struct prefix cp, range;

	while (r->digit < 1u << bits && bit_get(l->inset, r->digit))
		r->digit++;
	if (r->digit == 1u << bits) {
		r->mode = C_NONE;
		return 0;
	}
	c = *n;
	c.depth++;
	set_digit(fam, c.addr, c.depth, r->digit++);
	full_prefix(&cp, fam, c.addr);
	if (c.depth == max_depth(fam)) {
		name_set(&r->name, &c, false);
		return fill(r, &cp, NULL);
	}
	range = cp;
	range.len = (uint8_t)(c.depth * bits);
	name_set(&r->name, &c, true);
	return fill(r, &cp, &range);
}

int
render_next(struct render *r, struct render_name *name,
    const struct listing_rr **rr)
{
	for (;;) {
		if (r->iord < r->nord) {
			*name = r->name;
			*rr = &r->rs.rr[r->order[r->iord++]];
			r->records++;
			return 1;
		}
		r->nord = r->iord = 0;
		if (r->mode == C_HOLES) {
			if (close_step(r) != 0)
				return -1;
			continue;
		}
		if (r->have_pending) {
			if (r->top >= r->pending.depth) {
				if (close_top(r) != 0)
					return -1;
				continue;
			}
			node_open(r, &r->pending);
			r->have_pending = false;
		}
		switch (node_next(r, &r->pending)) {
		case -1:
			return -1;
		case 1:
			r->have_pending = true;
			continue;
		}
		if (r->top > 0) {
			if (close_top(r) != 0)
				return -1;
			continue;
		}
		if (r->family == 6 || r->region)
			return 0;
		if (family_begin(r, 6) != 0)
			return -1;
	}
}

static struct render *
render_start(const struct view *v, int z, struct store_reader *rd,
    const struct apex *ap, uint32_t now, int family, int digit)
{
	struct render *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->v = v;
	r->z = z;
	r->rd = rd;
	r->ap = ap;
	r->now = now;
	if (digit >= 0) {
		r->region = true;
		r->rfamily = family;
		r->rdigit = (unsigned)digit;
		memset(&r->within, 0, sizeof(r->within));
		r->within.family = (uint8_t)family;
		r->within.len = (uint8_t)digit_bits(family);
		set_digit(family, r->within.addr, 1, (unsigned)digit);
	}
	if (family_begin(r, family) != 0) {
		int e = errno;

		render_free(r);
		errno = e == ENOMEM ? ENOMEM : EIO;
		return NULL;
	}
	return r;
}

struct render *
render_new(const struct view *v, int z, struct store_reader *rd,
    const struct apex *ap, uint32_t now)
{
	return render_start(v, z, rd, ap, now, 4, -1);
}

struct render *
render_region(const struct view *v, int z, struct store_reader *rd,
    const struct apex *ap, uint32_t now, int family, unsigned digit)
{
	if ((family != 4 && family != 6) || digit >= (family == 4 ? 256u : 16u)) {
		errno = EINVAL;
		return NULL;
	}
	return render_start(v, z, rd, ap, now, family, (int)digit);
}

void
render_suspend(struct render *r)
{
	store_scan_suspend(r->scan);
}

int
render_resume(struct render *r)
{
	return store_scan_resume(r->scan);
}

unsigned long
render_names(const struct render *r)
{
	return r->names;
}

unsigned long
render_records(const struct render *r)
{
	return r->records;
}

void
render_free(struct render *r)
{
	if (r == NULL)
		return;
	store_scan_free(r->scan);
	free(r->extra);
	free(r->heap);
	free(r);
}

void
render_name_text(const struct render_name *nm, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	if (nm->wild)
		o = (size_t)snprintf(buf, len, "*");
	for (int d = nm->depth; d >= 1 && o < len; d--)
		o += (size_t)snprintf(buf + o, len - o, nm->family == 4 ?
		    "%s%u" : "%s%x", o ? "." : "",
		    digit_at(nm->family, nm->addr, d));
}

size_t
render_name_wire(const struct render_name *nm, const uint8_t *zone,
    size_t zlen, uint8_t *out)
{
	size_t o = 0;

	if (nm->wild) {
		out[o++] = 1;
		out[o++] = '*';
	}
	for (int d = nm->depth; d >= 1; d--) {
		char lab[4];
		int n = snprintf(lab, sizeof(lab), nm->family == 4 ? "%u" :
		    "%x", digit_at(nm->family, nm->addr, d));

		if (o + 1 + (size_t)n + zlen > WIRE_NAME_MAX)
			return 0;
		out[o++] = (uint8_t)n;
		memcpy(out + o, lab, (size_t)n);
		o += (size_t)n;
	}
	if (o + zlen > WIRE_NAME_MAX)
		return 0;
	memcpy(out + o, zone, zlen);
	return o + zlen;
}
