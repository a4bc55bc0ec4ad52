/* SPDX-License-Identifier: BSD-2-Clause */
/* A zone as one rbldnsd "combined" dataset file, or as a master file, for rbldctl and the API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "listing.h"
#include "wire.h"

/* The snapshot a whole export reads, and the zone's apex in it. */
struct snap {
	struct store_reader	*rd;
	struct apex		 ap;
};

static int
snap_begin(struct snap *s, const struct view *v, struct store *st, int z)
{
	if ((s->rd = store_reader_new(st)) == NULL ||
	    store_reader_begin(s->rd) != 0) {
		store_reader_free(s->rd);
		s->rd = NULL;
		errno = EIO;
		return -1;
	}
	view_apex(v, z, s->rd, &s->ap);
	return 0;
}

static void
snap_end(struct snap *s)
{
	if (s->rd == NULL)
		return;
	store_reader_end(s->rd);
	store_reader_free(s->rd);
	s->rd = NULL;
}

static void
put_wire_name(FILE *f, const uint8_t *w, size_t len)
{
	char text[WIRE_NAME_TEXT];

	if (wire_name_to_text(w, len, text, sizeof(text)) != 0)
		snprintf(text, sizeof(text), ".");
	fputs(text, f);
}

/* The SOA's fields after its owner, TTL and type, as a master file has them. */
static void
put_soa_data(FILE *f, const struct apex *ap, uint32_t serial)
{
	put_wire_name(f, ap->mname, ap->mlen);
	fputc(' ', f);
	put_wire_name(f, ap->rname, ap->rlen);
	fprintf(f, " %u %u %u %u %u\n", serial, ap->refresh, ap->retry,
	    ap->expire, ap->minimum);
}

static void
put_a(FILE *f, uint32_t a)
{
	fprintf(f, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
	    a & 0xff);
}

/* ---- the zone as an rbldnsd combined dataset ---- */

struct exportctx {
	FILE		*f;
	int		 family;
	uint32_t	 now;
	unsigned long	 n;
	bool		 tty;
	const struct view *view;
};

/* Every value is written out (":A:TXT") so that no default line of
 * rbldnsd's can change it; the stored template holds only "$" and "$$". */
static int
export_cb(void *arg, const struct store_entry *e)
{
	struct exportctx *x = arg;
	char p[IPADDR_STRLEN];

	if (e->p.family != x->family)
		return 0;
	if (e->expires != 0 && e->expires <= x->now)
		return 0;
	if (!e->excl && listing_is_unasked(x->view, &e->p))
		return 0;	/* never listed by rbld: not by rbldnsd either */
	ipaddr_format(&e->p, true, p, sizeof(p));
	if (e->excl)
		fprintf(x->f, "!%s\n", p);
	else {
		fprintf(x->f, "%s :", p);
		put_a(x->f, e->a);
		fprintf(x->f, ":%s\n", e->txt ? e->txt : "");
	}
	if (x->tty && ++x->n % 100000 == 0)
		fprintf(stderr, "exported %lu entries\r", x->n);
	return ferror(x->f) ? 1 : 0;
}

/* An exclusion line; in rbldnsd the first line for a prefix wins, so
 * these go before the entries. */
static int
exclude_cb(void *arg, const struct prefix *p)
{
	FILE *f = arg;
	char text[IPADDR_STRLEN];

	ipaddr_format(p, true, text, sizeof(text));
	fprintf(f, "!%s\n", text);
	return 0;
}

/*
 * 127.0.0.2 is answered apart from the sources' datasets, each of which
 * excludes it: a dataset per answer rbld gives for it, with that answer's
 * TTL, A and TXT template. So whatever makes rbld list it (its sources,
 * the test point in [allow] or not), rbldnsd lists it the same way.
 */
static int
export_test_point(FILE *f, const struct view *v, int z, struct snap *s,
    uint32_t now)
{
	struct listing_hit hits[LISTING_MAX_HITS];
	struct listing_addr la;
	struct prefix tp;
	int n;

	ipaddr_set_v4(&tp, LISTING_TEST_POINT4, 32);
	listing_addr(v, &tp, &la);
	if ((n = listing_find(v, z, &s->ap, s->rd, &la, now, hits)) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *t = "";
		size_t tl = 0;

		listing_template(s->rd, &hits[i], &t, &tl);
		if (i == 0)
			fprintf(f, "$DATASET ip4trie:rfc5782 @\n");
		else
			fprintf(f, "$DATASET ip4trie:rfc5782-%d @\n", i + 1);
		fprintf(f, "$TTL %u\n", hits[i].ttl);
		put_a(f, LISTING_TEST_POINT4);
		fputs(" :", f);
		put_a(f, hits[i].a);
		fprintf(f, ":%.*s\n", (int)tl, t);
	}
	return 0;
}

int
export_rbldnsd(FILE *f, const struct view *v, struct store *st, int z,
    bool progress, unsigned long *count)
{
	const struct view_zone *vz = &v->zones[z];
	struct exportctx x;
	struct snap s;
	int rc = 0;

	memset(&x, 0, sizeof(x));
	x.view = v;
	x.f = f;
	x.now = (uint32_t)time(NULL);
	x.tty = progress;
	if (snap_begin(&s, v, st, z) != 0)
		return -1;
	fprintf(f, "# rbldnsd combined dataset for zone %s, exported by rbld\n"
	    "# serve with: rbldnsd ... %s:combined:FILE\n", vz->cz->name,
	    vz->cz->name);
	fprintf(f, "$SOA %u ", s.ap.soa_ttl);
	put_soa_data(f, &s.ap, store_reader_serial(s.rd, vz->slot));
	if (s.ap.nns > 0) {
		fprintf(f, "$NS %u", s.ap.ns_ttl);
		for (int i = 0; i < s.ap.nns; i++) {
			fputc(' ', f);
			put_wire_name(f, s.ap.ns[i], s.ap.nslen[i]);
		}
		fputc('\n', f);
	}
	for (int i = 0; i < vz->nsrc && rc == 0; i++) {
		for (int fam = 4; fam <= 6 && rc == 0; fam += 2) {
			fprintf(f, "$DATASET ip%dtrie:%s @\n$TTL %u\n", fam,
			    vz->src[i]->name, s.ap.src_ttl[i]);
			if (fam == 4) {
				fputc('!', f);
				put_a(f, LISTING_TEST_POINT4);
				fputc('\n', f);
			}
			listing_unasked(v, fam, exclude_cb, f);
			x.family = fam;
			if (store_reader_walk(s.rd, vz->srcids[i], export_cb,
			    &x) != 0)
				rc = -1;
		}
	}
	if (rc == 0)
		rc = export_test_point(f, v, z, &s, x.now);
	snap_end(&s);
	if (count != NULL)
		*count = x.n;
	if (rc == 0 && (fflush(f) != 0 || ferror(f)))
		rc = -1;
	return rc;
}

/* ---- the zone as a master file (RFC 1035) ---- */

/*
 * A static zone cannot look up the longest prefix: every CIDR becomes a
 * wildcard at its octet (IPv4) or nibble (IPv6) boundary, broken into
 * aligned pieces when it does not end on one. Every name that exists
 * (an entry's, and its ancestors, the empty non-terminals) hides the
 * wildcards above it from the names below, so each gets a wildcard of its
 * own when addresses below it are listed. What each name or wildcard
 * answers is asked of rbld's own lookup, for one address it stands for,
 * so the zone answers as rbld does.
 */
struct node {
	uint8_t		family, depth;
	uint8_t		addr[16];
};

struct nodes {
	struct node	*v;
	size_t		 n, cap;
	uint32_t	 now;
};

static int
node_cmp(const void *pa, const void *pb)
{
	const struct node *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family - b->family;
	if ((c = memcmp(a->addr, b->addr, 16)) != 0)
		return c;
	return a->depth - b->depth;
}

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

static int
node_push(struct nodes *ns, int family, int depth, const uint8_t *addr)
{
	struct node *n;
	int keep = depth * digit_bits(family);

	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 4096;
		struct node *v = realloc(ns->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		ns->v = v;
		ns->cap = cap;
	}
	n = &ns->v[ns->n++];
	memset(n, 0, sizeof(*n));
	n->family = (uint8_t)family;
	n->depth = (uint8_t)depth;
	memcpy(n->addr, addr, ipaddr_bytes(family));
	for (int b = keep; b < ipaddr_bytes(family) * 8; b++)
		set_bit(n->addr, b, 0);
	return 0;
}

/* P's aligned pieces, and their ancestors below the apex. */
static int
nodes_add(struct nodes *ns, const struct prefix *p)
{
	int bits = digit_bits(p->family);
	int depth = (p->len + bits - 1) / bits;
	int extra = depth * bits - p->len;
	uint8_t a[16];

	for (unsigned i = 0; i < 1u << extra; i++) {
		memcpy(a, p->addr, 16);
		for (int b = 0; b < extra; b++)
			set_bit(a, p->len + b, (int)(i >> (extra - 1 - b)) & 1);
		for (int d = depth; d >= 1; d--)
			if (node_push(ns, p->family, d, a) != 0)
				return -1;
	}
	return 0;
}

static int
nodes_entry_cb(void *arg, const struct store_entry *e)
{
	struct nodes *ns = arg;

	if (e->expires != 0 && e->expires <= ns->now)
		return 0;
	return nodes_add(ns, &e->p) != 0;
}

static bool
node_exists(const struct nodes *ns, int family, int depth, const uint8_t *a)
{
	struct node k;

	memset(&k, 0, sizeof(k));
	k.family = (uint8_t)family;
	k.depth = (uint8_t)depth;
	memcpy(k.addr, a, ipaddr_bytes(family));
	return bsearch(&k, ns->v, ns->n, sizeof(k), node_cmp) != NULL;
}

/* "3.2.1" for 1.2.3.0/24, "8.b.d.0.1.0.0.2" for 2001:db8::/32. */
static void
node_name(const struct node *n, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int d = n->depth - 1; d >= 0 && o < len; d--) {
		unsigned v = n->family == 4 ? n->addr[d] :
		    (unsigned)(d % 2 ? n->addr[d / 2] & 0xf : n->addr[d / 2] >> 4);

		o += (size_t)snprintf(buf + o, len - o, n->family == 4 ? "%s%u" :
		    "%s%x", o ? "." : "", v);
	}
}

static void
put_txt(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s;
	    p < (const unsigned char *)s + len; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\%03u", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

struct bindctx {
	FILE		*f;
	const struct view *view;
	struct snap	 s;		/* one snapshot for the whole export */
	int		 z;
	uint32_t	 now;
	unsigned long	 names;
};

/* The records rbld answers for ADDR, under OWNER; for a wildcard, RANGE
 * stands in for the address in TXT. Returns 0 or -1. */
static int
bind_records(struct bindctx *b, const char *owner, const struct prefix *addr,
    const char *range)
{
	struct listing_hit hits[LISTING_MAX_HITS];
	struct listing_addr la;
	struct listing_rrs rs;
	bool any_a = false;
	int n;

	listing_addr(b->view, addr, &la);
	if ((n = listing_find(b->view, b->z, &b->s.ap, b->s.rd, &la, b->now,
	    hits)) < 0)
		return -1;
	listing_records(b->s.rd, &la, hits, n, true, true, range, &rs);
	/* A records first, then TXT: the order of the file's earlier
	 * releases (a master file's order means nothing). */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < rs.n; i++) {
			const struct listing_rr *r = &rs.rr[i];

			if ((r->type == TYPE_A) != (pass == 0))
				continue;
			fprintf(b->f, "%s\t%u\tIN\t%s\t", owner, r->ttl,
			    r->type == TYPE_A ? "A" : "TXT");
			if (r->type == TYPE_A) {
				put_a(b->f, r->a);
				any_a = true;
			} else
				put_txt(b->f, r->txt, r->txtlen);
			fputc('\n', b->f);
		}
	if (any_a)
		b->names++;
	return ferror(b->f) ? -1 : 0;
}

#define F_ANSWERS	0x01	/* the name (or its wildcard) has records */
#define F_EXISTS	0x02	/* ... or a name below it does */

/* An address under N that is under none of N's children: into A (the
 * rest of A zero). False if every child is a name. */
static bool
free_child(const struct nodes *ns, const struct node *n, uint8_t *a)
{
	int bits = digit_bits(n->family);

	for (unsigned d = 0; d < 1u << bits; d++) {
		uint8_t c[16];

		memcpy(c, n->addr, 16);
		for (int k = 0; k < bits; k++)
			set_bit(c, n->depth * bits + k,
			    (int)(d >> (bits - 1 - k)) & 1);
		if (!node_exists(ns, n->family, n->depth + 1, c)) {
			memcpy(a, c, 16);
			return true;
		}
	}
	return false;
}

/* Does rbld list ADDR in the zone? *LISTED says; -1 on a read error. */
static int
has_records(struct bindctx *b, const struct prefix *addr, bool *listed)
{
	struct listing_hit hits[LISTING_MAX_HITS];
	struct listing_addr la;
	int n;

	listing_addr(b->view, addr, &la);
	if ((n = listing_find(b->view, b->z, &b->s.ap, b->s.rd, &la, b->now,
	    hits)) < 0)
		return -1;
	*listed = n > 0;
	return 0;
}

static int
node_range_cb(void *arg, const struct prefix *p)
{
	return nodes_add(arg, p) != 0;
}

int
export_bind(FILE *f, const struct view *v, struct store *st, int z,
    bool progress, unsigned long *count)
{
	const struct view_zone *vz = &v->zones[z];
	struct nodes ns;
	struct bindctx b;
	struct prefix tp, *rep = NULL;
	uint8_t *flags = NULL;
	bool listed;
	int rc = -1;

	memset(&ns, 0, sizeof(ns));
	memset(&b, 0, sizeof(b));
	b.f = f;
	b.view = v;
	b.z = z;
	b.now = ns.now = (uint32_t)time(NULL);

	/* One snapshot for every read: the file is one version of the
	 * zone, and a reader per name would cost more than the lookup. */
	if (snap_begin(&b.s, v, st, z) != 0)
		goto out;

	/* Every name the zone needs: the entries', and names around what is
	 * never listed and the test point, so that they answer as rbld does. */
	for (int i = 0; i < vz->nsrc; i++)
		if (store_reader_walk(b.s.rd, vz->srcids[i], nodes_entry_cb,
		    &ns) != 0)
			goto out;
	if (listing_unasked(v, 4, node_range_cb, &ns) != 0 ||
	    listing_unasked(v, 6, node_range_cb, &ns) != 0)
		goto out;
	ipaddr_set_v4(&tp, LISTING_TEST_POINT4, 32);
	if (nodes_add(&ns, &tp) != 0)
		goto out;
	if (ns.n > 0)
		qsort(ns.v, ns.n, sizeof(*ns.v), node_cmp);
	{
		size_t o = 0;

		for (size_t i = 0; i < ns.n; i++)
			if (o == 0 || node_cmp(&ns.v[o - 1], &ns.v[i]) != 0)
				ns.v[o++] = ns.v[i];
		ns.n = o;
	}

	fprintf(f, "; zone %s exported by rbld: serve it with any standard "
	    "DNS server\n$ORIGIN %s.\n@\t%u\tIN\tSOA\t", vz->cz->name,
	    vz->cz->name, b.s.ap.soa_ttl);
	put_soa_data(f, &b.s.ap, store_reader_serial(b.s.rd, vz->slot));
	for (int i = 0; i < b.s.ap.nns; i++) {
		fprintf(f, "@\t%u\tIN\tNS\t", b.s.ap.ns_ttl);
		put_wire_name(f, b.s.ap.ns[i], b.s.ap.nslen[i]);
		fputc('\n', f);
	}

	/*
	 * What each name answers (for a name above the leaves: the addresses
	 * under none of its children), then which names will exist in the
	 * file: a name exists if it or a name below it has records. A name
	 * with nothing (an exclusion, an [allow] range) would not exist, and
	 * a wildcard above would then answer for it: there the wildcard is
	 * replaced by one per sibling (or, above the leaves, by the names).
	 */
	if ((rep = calloc(ns.n ? ns.n : 1, sizeof(*rep))) == NULL ||
	    (flags = calloc(ns.n ? ns.n : 1, 1)) == NULL)
		goto out;
	for (size_t i = 0; i < ns.n; i++) {
		const struct node *n = &ns.v[i];

		rep[i].family = n->family;
		rep[i].len = (uint8_t)(n->family == 4 ? 32 : 128);
		memcpy(rep[i].addr, n->addr, 16);
		if (n->depth < max_depth(n->family) &&
		    !free_child(&ns, n, rep[i].addr))
			continue;	/* no address of its own */
		if (has_records(&b, &rep[i], &listed) != 0)
			goto out;
		if (listed)
			flags[i] |= F_ANSWERS | F_EXISTS;
	}
	for (size_t i = ns.n; i-- > 0;) {
		const struct node *n = &ns.v[i];
		struct node par;
		struct node *pp;

		if (!(flags[i] & F_EXISTS) || n->depth <= 1)
			continue;
		par = *n;
		par.depth--;
		for (int bb = par.depth * digit_bits(n->family);
		    bb < ipaddr_bytes(n->family) * 8; bb++)
			set_bit(par.addr, bb, 0);
		if ((pp = bsearch(&par, ns.v, ns.n, sizeof(par), node_cmp)) !=
		    NULL)
			flags[pp - ns.v] |= F_EXISTS;
	}
	for (size_t i = 0; i < ns.n; i++) {
		const struct node *n = &ns.v[i];
		int bits = digit_bits(n->family);
		char name[160], owner[200], range[IPADDR_STRLEN];
		struct prefix np;
		bool holes = false;

		if (!(flags[i] & F_ANSWERS))
			continue;
		node_name(n, name, sizeof(name));
		if (n->depth == max_depth(n->family)) {
			if (bind_records(&b, name, &rep[i], NULL) != 0)
				goto out;
			continue;
		}
		for (unsigned d = 0; d < 1u << bits && !holes; d++) {
			struct node c = *n;
			struct node *cp;

			c.depth++;
			for (int k2 = 0; k2 < bits; k2++)
				set_bit(c.addr, n->depth * bits + k2,
				    (int)(d >> (bits - 1 - k2)) & 1);
			cp = bsearch(&c, ns.v, ns.n, sizeof(c), node_cmp);
			holes = cp != NULL && !(flags[cp - ns.v] & F_EXISTS);
		}
		if (!holes) {
			np = rep[i];
			np.len = (uint8_t)(n->depth * bits);
			ipaddr_mask(&np);
			ipaddr_format(&np, false, range, sizeof(range));
			snprintf(owner, sizeof(owner), "*.%s", name);
			if (bind_records(&b, owner, &rep[i], range) != 0)
				goto out;
			continue;
		}
		/* Each child that is no name of its own, one by one. */
		for (unsigned d = 0; d < 1u << bits; d++) {
			struct node c = *n;
			struct prefix cp;
			bool leaf = n->depth + 1 == max_depth(n->family);

			c.depth++;
			for (int k2 = 0; k2 < bits; k2++)
				set_bit(c.addr, n->depth * bits + k2,
				    (int)(d >> (bits - 1 - k2)) & 1);
			if (bsearch(&c, ns.v, ns.n, sizeof(c), node_cmp) != NULL)
				continue;
			node_name(&c, name, sizeof(name));
			memset(&cp, 0, sizeof(cp));
			cp.family = c.family;
			cp.len = (uint8_t)(c.family == 4 ? 32 : 128);
			memcpy(cp.addr, c.addr, 16);
			if (leaf) {
				if (bind_records(&b, name, &cp, NULL) != 0)
					goto out;
				continue;
			}
			np = cp;
			np.len = (uint8_t)(c.depth * bits);
			ipaddr_format(&np, false, range, sizeof(range));
			snprintf(owner, sizeof(owner), "*.%s", name);
			if (bind_records(&b, owner, &cp, range) != 0)
				goto out;
		}
		if (progress && (i + 1) % 100000 == 0)
			fprintf(stderr, "exported %zu of %zu names\r", i + 1,
			    ns.n);
	}
	rc = fflush(f) != 0 || ferror(f) ? -1 : 0;
out:
	if (count != NULL)
		*count = b.names;
	snap_end(&b.s);
	free(rep);
	free(flags);
	free(ns.v);
	return rc;
}
