/* SPDX-License-Identifier: BSD-2-Clause */
/* A zone as one rbldnsd "combined" dataset file, for rbldctl and the API. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "export.h"
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

/* $SOA and $NS: the zone's, else those of its first source file with one. */
static void
export_soa_ns(struct exportctx *x, const struct conf_zone *cz, int z)
{
	uint32_t ttl = cz->ttl ? cz->ttl : DNS_DEFAULT_TTL;
	struct store_srcmeta m, fsoa, fns;
	bool have_soa = false, have_ns = false;

	for (int i = 0; i < cz->nsources; i++) {
		if (store_source_meta(x->st, x->srcids[cz->sources[i]], &m) != 0)
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
	if (cz->has_soa || !have_soa) {
		char rname[CONF_DNAME_MAX + 16];
		const char *mname = cz->has_soa ? cz->soa_mname :
		    cz->nns > 0 ? cz->ns[0] : cz->name;

		snprintf(rname, sizeof(rname), "hostmaster.%s", cz->name);
		fprintf(x->f, "$SOA %u ", ttl);
		put_name(x->f, mname);
		fputc(' ', x->f);
		put_name(x->f, cz->has_soa ? cz->soa_rname : rname);
		if (cz->has_soa)
			fprintf(x->f, " %u %u %u %u %u\n", store_serial(x->st, z),
			    cz->soa_refresh, cz->soa_retry, cz->soa_expire,
			    cz->soa_minimum);
		else
			fprintf(x->f, " %u 3600 600 604800 %u\n",
			    store_serial(x->st, z), ttl);
	} else {
		fprintf(x->f, "$SOA %u ", fsoa.soa_ttl ? fsoa.soa_ttl : ttl);
		put_name(x->f, fsoa.soa_mname);
		fputc(' ', x->f);
		put_name(x->f, fsoa.soa_rname);
		fprintf(x->f, " %u %u %u %u %u\n", store_serial(x->st, z),
		    fsoa.soa_refresh, fsoa.soa_retry, fsoa.soa_expire,
		    fsoa.soa_minttl);
	}
	if (cz->nns > 0 || have_ns) {
		int n = cz->nns > 0 ? cz->nns : fns.nns;

		fprintf(x->f, "$NS %u", cz->nns > 0 || fns.ns_ttl == 0 ? ttl :
		    fns.ns_ttl);
		for (int i = 0; i < n; i++) {
			fputc(' ', x->f);
			put_name(x->f, cz->nns > 0 ? cz->ns[i] : fns.ns[i]);
		}
		fputc('\n', x->f);
	}
}

/* RFC 5782: rbld lists 127.0.0.2 even when no source does; so must the export. */
static void
export_test_point(struct exportctx *x, const struct conf_zone *cz)
{
	const struct conf_source *first = &x->conf->sources[cz->sources[0]];
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
	fprintf(x->f, "$DATASET ip4trie:rfc5782 @\n$TTL %u\n127.0.0.2 :%u.%u.%u.%u:%s\n",
	    cz->ttl ? cz->ttl : DNS_DEFAULT_TTL, first->a >> 24,
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
	export_soa_ns(&x, cz, z);
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
