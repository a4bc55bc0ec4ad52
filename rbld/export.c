/* SPDX-License-Identifier: BSD-2-Clause */
/* A zone as one rbldnsd "combined" dataset file, for rbldctl and the API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "lookup.h"
#include "source.h"


struct exportctx {
	FILE		*f;
	int		 family;
	uint32_t	 now;
	unsigned long	 n;
	bool		 tty;
	const struct dns_view *view;	/* its [allow] list */
	const struct conf *conf;
	const int	*srcids;
	struct store	*st;
};

static bool
export_allowed(const struct exportctx *x, const struct prefix *p)
{
	struct prefix lo, tp;

	ipaddr_set_v4(&lo, 0x7f000001, 32);
	ipaddr_set_v4(&tp, 0x7f000002, 32);
	if (ipaddr_contains(&lo, p))
		return true;
	if (ipaddr_contains(p, &tp) && p->len == 32)
		return false;	/* the RFC 5782 test point outranks [allow] */
	for (int i = 0; i < x->view->nallow; i++)
		if (ipaddr_contains(&x->view->allow[i], p))
			return true;
	return false;
}

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
	if (!e->excl && export_allowed(x, &e->p))
		return 0;	/* never listed by rbld: not by rbldnsd either */
	ipaddr_format(&e->p, true, p, sizeof(p));
	if (e->excl)
		fprintf(x->f, "!%s\n", p);
	else
		fprintf(x->f, "%s :%u.%u.%u.%u:%s\n", p, e->a >> 24,
		    (e->a >> 16) & 0xff, (e->a >> 8) & 0xff, e->a & 0xff,
		    e->txt ? e->txt : "");
	if (x->tty && ++x->n % 100000 == 0)
		fprintf(stderr, "exported %lu entries\r", x->n);
	return ferror(x->f) ? 1 : 0;
}

static void
put_name(FILE *f, const char *name)
{
	size_t l = strlen(name);

	fprintf(f, "%s%s", name, l > 0 && name[l - 1] == '.' ? "" : ".");
}

/* The zone's SOA and NS as its answers give them. */
struct zmeta {
	char		mname[STORE_DNAME_MAX + 1], rname[STORE_DNAME_MAX + 16];
	uint32_t	soa_ttl, serial, refresh, retry, expire, minimum;
	int		nns;
	char		ns[STORE_MAX_NS][STORE_DNAME_MAX + 1];
	uint32_t	ns_ttl;
};

/* The zone's SOA and NS: the config's, else those of its first source file
 * with one; the serial is the store's. */
static void
zone_meta(const struct conf *conf, const int *srcids, struct store *st, int z,
    struct zmeta *zm)
{
	const struct conf_zone *cz = &conf->zones[z];
	uint32_t ttl = cz->ttl ? cz->ttl : DNS_DEFAULT_TTL;
	struct store_srcmeta m, fsoa, fns;
	bool have_soa = false, have_ns = false;

	memset(zm, 0, sizeof(*zm));
	for (int i = 0; i < cz->nsources; i++) {
		if (store_source_meta(st, srcids[cz->sources[i]], &m) != 0)
			continue;
		if (!have_soa && m.has_soa) {
			fsoa = m;
			have_soa = true;
		}
		if (!have_ns && m.nns > 0) {
			fns = m;
			have_ns = true;
		}
	}
	zm->serial = store_serial(st, z);
	if (cz->has_soa || !have_soa) {
		snprintf(zm->mname, sizeof(zm->mname), "%s", cz->has_soa ?
		    cz->soa_mname : cz->nns > 0 ? cz->ns[0] : cz->name);
		if (cz->has_soa)
			snprintf(zm->rname, sizeof(zm->rname), "%s",
			    cz->soa_rname);
		else
			snprintf(zm->rname, sizeof(zm->rname), "hostmaster.%s",
			    cz->name);
		zm->soa_ttl = ttl;
		zm->refresh = cz->has_soa ? cz->soa_refresh : 3600;
		zm->retry = cz->has_soa ? cz->soa_retry : 600;
		zm->expire = cz->has_soa ? cz->soa_expire : 604800;
		zm->minimum = cz->has_soa ? cz->soa_minimum : ttl;
	} else {
		snprintf(zm->mname, sizeof(zm->mname), "%s", fsoa.soa_mname);
		snprintf(zm->rname, sizeof(zm->rname), "%s", fsoa.soa_rname);
		zm->soa_ttl = fsoa.soa_ttl ? fsoa.soa_ttl : ttl;
		zm->refresh = fsoa.soa_refresh;
		zm->retry = fsoa.soa_retry;
		zm->expire = fsoa.soa_expire;
		zm->minimum = fsoa.soa_minttl;
	}
	if (cz->nns > 0 || have_ns) {
		zm->nns = cz->nns > 0 ? cz->nns : fns.nns;
		if (zm->nns > STORE_MAX_NS)
			zm->nns = STORE_MAX_NS;
		zm->ns_ttl = cz->nns > 0 || fns.ns_ttl == 0 ? ttl : fns.ns_ttl;
		for (int i = 0; i < zm->nns; i++)
			snprintf(zm->ns[i], sizeof(zm->ns[i]), "%s",
			    cz->nns > 0 ? cz->ns[i] : fns.ns[i]);
	}
}

/* $SOA and $NS lines. */
static void
export_soa_ns(struct exportctx *x, int z)
{
	struct zmeta zm;

	zone_meta(x->conf, x->srcids, x->st, z, &zm);
	fprintf(x->f, "$SOA %u ", zm.soa_ttl);
	put_name(x->f, zm.mname);
	fputc(' ', x->f);
	put_name(x->f, zm.rname);
	fprintf(x->f, " %u %u %u %u %u\n", zm.serial, zm.refresh, zm.retry,
	    zm.expire, zm.minimum);
	if (zm.nns > 0) {
		fprintf(x->f, "$NS %u", zm.ns_ttl);
		for (int i = 0; i < zm.nns; i++) {
			fputc(' ', x->f);
			put_name(x->f, zm.ns[i]);
		}
		fputc('\n', x->f);
	}
}

/*
 * RFC 5782: rbld lists 127.0.0.2 even when no source does, with the first
 * source's values and TTL; so must the export.
 */
static void
export_test_point(struct exportctx *x, const struct conf_zone *cz)
{
	const struct conf_source *first = &x->conf->sources[cz->sources[0]];
	struct store_srcmeta meta;
	struct store_hit hits[CONF_MAX_ZONE_SOURCES];
	int ids[CONF_MAX_ZONE_SOURCES];
	uint8_t tp[4] = { 127, 0, 0, 2 };
	struct store_reader *rd;
	bool listed = false;

	for (int i = 0; i < cz->nsources; i++)
		ids[i] = x->srcids[cz->sources[i]];
	if ((rd = store_reader_new(x->st)) != NULL &&
	    store_reader_begin(rd) == 0) {
		if (store_lookup(rd, 4, tp, ids, cz->nsources,
		    (uint32_t)time(NULL), hits) == 0)
			for (int i = 0; i < cz->nsources; i++)
				listed |= hits[i].listed;
		store_reader_end(rd);
	}
	store_reader_free(rd);
	if (listed)
		return;
	if (store_source_meta(x->st, ids[0], &meta) != 0 || meta.ttl == 0)
		meta.ttl = cz->ttl ? cz->ttl : DNS_DEFAULT_TTL;
	fprintf(x->f, "$DATASET ip4trie:rfc5782 @\n$TTL %u\n127.0.0.2 :%u.%u.%u.%u:%s\n",
	    meta.ttl, first->a >> 24,
	    (first->a >> 16) & 0xff, (first->a >> 8) & 0xff, first->a & 0xff,
	    first->txt ? first->txt : "");
}


int
export_rbldnsd(FILE *f, const struct conf *conf, const int *srcids,
    const struct dns_view *view, struct store *st, int z, bool progress,
    unsigned long *count)
{
	const struct conf_zone *cz = &conf->zones[z];
	struct dns_view *own = NULL;
	struct exportctx x;
	int rc = 0;

	memset(&x, 0, sizeof(x));
	if (view == NULL && (view = own = view_build(conf, srcids)) == NULL)
		return -1;
	x.view = view;
	x.f = f;
	x.conf = conf;
	x.srcids = srcids;
	x.st = st;
	x.now = (uint32_t)time(NULL);
	x.tty = progress;
	fprintf(f, "# rbldnsd combined dataset for zone %s, exported by rbld\n"
	    "# serve with: rbldnsd ... %s:combined:FILE\n", cz->name, cz->name);
	export_soa_ns(&x, z);
	for (int i = 0; i < cz->nsources && rc == 0; i++) {
		const struct conf_source *cs = &conf->sources[cz->sources[i]];
		int src = srcids[cz->sources[i]];
		struct store_srcmeta meta;
		uint32_t ttl = cz->ttl ? cz->ttl : DNS_DEFAULT_TTL;

		if (store_source_meta(st, src, &meta) == 0 && meta.ttl != 0)
			ttl = meta.ttl;
		for (int fam = 4; fam <= 6 && rc == 0; fam += 2) {
			fprintf(f, "$DATASET ip%dtrie:%s @\n$TTL %u\n", fam,
			    cs->name, ttl);
			/* Exclusions first: in rbldnsd the first line wins. */
			if (fam == 4)
				fprintf(f, "!127.0.0.1\n");
			for (int a = 0; a < x.view->nallow; a++) {
				char ap[IPADDR_STRLEN];

				if (x.view->allow[a].family != fam)
					continue;
				ipaddr_format(&x.view->allow[a], true, ap,
				    sizeof(ap));
				fprintf(f, "!%s\n", ap);
			}
			x.family = fam;
			if (store_walk(st, src, export_cb, &x) != 0)
				rc = -1;
		}
	}
	if (rc == 0)
		export_test_point(&x, cz);
	view_free(own);
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
put_txt(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\%03u", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

struct rrs {
	int		 zone;
	int		 n;
	struct lookup_answer a[CONF_MAX_ZONE_SOURCES + 1];
};

static int
rrs_cb(void *arg, const struct lookup_answer *an)
{
	struct rrs *r = arg;

	if (an->zone == r->zone && r->n < (int)(sizeof(r->a) / sizeof(r->a[0])))
		r->a[r->n++] = *an;
	return 0;
}

struct bindctx {
	FILE		*f;
	const struct conf *conf;
	const int	*srcids;
	const struct dns_view *view;
	struct store	*st;
	struct store_reader *rd;	/* one snapshot for the whole export */
	int		 z;
	uint32_t	 now, zttl;
	uint32_t	 ttl[CONF_MAX_SOURCES];	/* by conf source index */
	uint32_t	 tpttl;		/* 127.0.0.2 listed by no source */
	unsigned long	 names;
};

/* The records rbld answers for ADDR, under OWNER; for a wildcard, RANGE
 * stands in for the address in TXT. Returns 0 or -1. */
static int
bind_records(struct bindctx *b, const char *owner, const struct prefix *addr,
    const char *range)
{
	struct rrs r;
	enum lookup_never never;
	uint32_t a[CONF_MAX_ZONE_SOURCES + 1], atl = UINT32_MAX, ttl_txt = UINT32_MAX;
	char txt[CONF_MAX_ZONE_SOURCES + 1][RBL_TXT_ANSWER_MAX + 1];
	int na = 0, nt = 0;

	memset(&r, 0, sizeof(r));
	r.zone = b->z;
	if (lookup_ip_reader(b->conf, b->view, b->rd, addr, b->now, &never,
	    rrs_cb, &r) < 0)
		return -1;
	for (int i = 0; i < r.n; i++) {
		const struct lookup_answer *an = &r.a[i];
		uint32_t t = an->source < 0 ? b->tpttl : b->ttl[an->source];
		int k;

		for (k = 0; k < na && a[k] != an->a; k++)
			;
		if (k == na)
			a[na++] = an->a;
		if (t < atl)
			atl = t;
		if (!an->has_txt)
			continue;
		if (range != NULL) {
			size_t l = rbldnsd_expand(an->tmpl, strlen(an->tmpl),
			    range, txt[nt]);

			txt[nt][l] = '\0';
		} else
			snprintf(txt[nt], sizeof(txt[nt]), "%s", an->txt);
		if (txt[nt][0] == '\0')
			continue;
		for (k = 0; k < nt && strcmp(txt[k], txt[nt]) != 0; k++)
			;
		if (k == nt)
			nt++;
		if (t < ttl_txt)
			ttl_txt = t;
	}
	for (int i = 0; i < na; i++)
		fprintf(b->f, "%s\t%u\tIN\tA\t%u.%u.%u.%u\n", owner, atl,
		    a[i] >> 24, (a[i] >> 16) & 0xff, (a[i] >> 8) & 0xff,
		    a[i] & 0xff);
	for (int i = 0; i < nt; i++) {
		fprintf(b->f, "%s\t%u\tIN\tTXT\t", owner, ttl_txt);
		put_txt(b->f, txt[i]);
		fputc('\n', b->f);
	}
	if (na > 0)
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

/* Does rbld list ADDR in the zone? 1, 0, or -1 on a read error. */
static int
has_records(struct bindctx *b, const struct prefix *addr)
{
	struct rrs r;
	enum lookup_never never;

	memset(&r, 0, sizeof(r));
	r.zone = b->z;
	if (lookup_ip_reader(b->conf, b->view, b->rd, addr, b->now, &never,
	    rrs_cb, &r) < 0)
		return -1;
	return r.n > 0;
}

int
export_bind(FILE *f, const struct conf *conf, const int *srcids,
    const struct dns_view *view, struct store *st, int z, bool progress,
    unsigned long *count)
{
	const struct conf_zone *cz = &conf->zones[z];
	struct dns_view *own = NULL;
	struct nodes ns;
	struct bindctx b;
	struct zmeta zm;
	struct prefix tp, *rep = NULL;
	uint8_t *flags = NULL;
	int rc = -1, k;

	memset(&ns, 0, sizeof(ns));
	memset(&b, 0, sizeof(b));
	if (view == NULL && (view = own = view_build(conf, srcids)) == NULL)
		return -1;
	b.f = f;
	b.conf = conf;
	b.srcids = srcids;
	b.view = view;
	b.st = st;
	b.z = z;
	b.now = ns.now = (uint32_t)time(NULL);
	b.zttl = cz->ttl ? cz->ttl : DNS_DEFAULT_TTL;
	for (int i = 0; i < conf->nsources; i++) {
		struct store_srcmeta m;

		b.ttl[i] = store_source_meta(st, srcids[i], &m) == 0 && m.ttl ?
		    m.ttl : b.zttl;
	}
	b.tpttl = cz->nsources > 0 ? b.ttl[cz->sources[0]] : b.zttl;

	/* Every name the zone needs. */
	for (int i = 0; i < cz->nsources; i++)
		if (store_walk(st, srcids[cz->sources[i]], nodes_entry_cb,
		    &ns) != 0)
			goto out;
	for (int i = 0; i < view->nallow; i++)
		if (nodes_add(&ns, &view->allow[i]) != 0)
			goto out;
	ipaddr_set_v4(&tp, 0x7f000001, 32);
	if (nodes_add(&ns, &tp) != 0)
		goto out;
	ipaddr_set_v4(&tp, 0x7f000002, 32);
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

	/* One snapshot for every lookup: the file is one version of the
	 * zone, and a reader per name would cost more than the lookup. */
	if ((b.rd = store_reader_new(st)) == NULL ||
	    store_reader_begin(b.rd) != 0)
		goto out;
	zone_meta(conf, srcids, st, z, &zm);
	fprintf(f, "; zone %s exported by rbld: serve it with any standard "
	    "DNS server\n$ORIGIN %s.\n@\t%u\tIN\tSOA\t", cz->name, cz->name,
	    zm.soa_ttl);
	put_name(f, zm.mname);
	fputc(' ', f);
	put_name(f, zm.rname);
	fprintf(f, " %u %u %u %u %u\n", zm.serial, zm.refresh, zm.retry,
	    zm.expire, zm.minimum);
	for (int i = 0; i < zm.nns; i++) {
		fprintf(f, "@\t%u\tIN\tNS\t", zm.ns_ttl);
		put_name(f, zm.ns[i]);
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
		if ((k = has_records(&b, &rep[i])) < 0)
			goto out;
		if (k)
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
	if (b.rd != NULL) {
		store_reader_end(b.rd);
		store_reader_free(b.rd);
	}
	free(rep);
	free(flags);
	free(ns.v);
	view_free(own);
	return rc;
}
