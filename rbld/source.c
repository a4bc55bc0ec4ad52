/* SPDX-License-Identifier: BSD-2-Clause */
/* File-backed sources: notice a changed data file and load it into the store. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "rbldnsd.h"
#include "source.h"

#define SOURCE_MAX_LOGGED	20	/* bad lines logged per load; the rest counted */
#define SOURCE_MAX_IDS		1024

/* Sources whose file is missing and said so (only the main thread loads). */
static bool missing[SOURCE_MAX_IDS];

int
source_register(const struct conf *conf, struct store *st, int *srcids)
{
	const char *names[CONF_MAX_ZONES];
	int nsrc[CONF_MAX_ZONES], ids[CONF_MAX_ZONES][CONF_MAX_ZONE_SOURCES];
	const int *idp[CONF_MAX_ZONES];

	for (int i = 0; i < conf->nsources; i++) {
		srcids[i] = store_source_id(st, conf->sources[i].name, true);
		if (srcids[i] < 0) {
			log_err("source %s: cannot register it in the database",
			    conf->sources[i].name);
			return -1;
		}
	}
	for (int z = 0; z < conf->nzones; z++) {
		names[z] = conf->zones[z].name;
		nsrc[z] = conf->zones[z].nsources;
		for (int i = 0; i < nsrc[z]; i++)
			ids[z][i] = srcids[conf->zones[z].sources[i]];
		idp[z] = ids[z];
	}
	if (store_set_zones(st, conf->nzones, names, nsrc, idp) != 0) {
		log_err("cannot register the zones in the database");
		return -1;
	}
	return 0;
}

struct logctx {
	unsigned	logged, more;
};

static void
log_bad_line(void *arg, const char *file, unsigned line, const char *msg)
{
	struct logctx *lc = arg;

	if (lc->logged++ < SOURCE_MAX_LOGGED)
		log_warnx("%s:%u: %s, line skipped", file, line, msg);
	else
		lc->more++;
}

static int64_t
mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

int
source_load(struct store *st, const struct conf_source *cs, int srcid,
    bool force)
{
	struct store_srcmeta old, meta;
	struct rbl_data d;
	struct logctx lc = { 0, 0 };
	struct timespec t0, t1;
	struct stat sb;
	char err[256];
	long changed;
	bool have_old;

	have_old = store_source_meta(st, srcid, &old) == 0;
	if (cs->file == NULL) {
		/* The file was taken out of the config: so are its entries. */
		if (have_old && old.file_mtime != -1 && cs->kind == SOURCE_LOCAL) {
			rbldnsd_init(&d, cs->a, cs->txt);
			rbldnsd_finish(&d);
			memset(&meta, 0, sizeof(meta));
			meta.file_mtime = -1;
			changed = store_replace_file(st, srcid, &d, &meta, err,
			    sizeof(err));
			rbldnsd_free(&d);
			if (changed < 0) {
				log_err("source %s: %s", cs->name, err);
				return -1;
			}
			log_info("source %s: no file any more, %ld file entries "
			    "removed", cs->name, changed);
			return 1;
		}
		return 0;
	}
	if (stat(cs->file, &sb) == -1) {
		/* Once per outage, not every few seconds. */
		if (srcid >= 0 && srcid < SOURCE_MAX_IDS && !missing[srcid])
			log_warn("source %s: %s (the entries already loaded "
			    "keep serving)", cs->name, cs->file);
		if (srcid >= 0 && srcid < SOURCE_MAX_IDS)
			missing[srcid] = true;
		return -1;
	}
	if (srcid >= 0 && srcid < SOURCE_MAX_IDS)
		missing[srcid] = false;
	if (!force && have_old && old.file_mtime == mtime_ns(&sb) &&
	    old.file_size == (int64_t)sb.st_size)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rbldnsd_init(&d, cs->a, cs->txt);
	if (rbldnsd_parse_file(&d, cs->file, log_bad_line, &lc) == -1) {
		log_warn("source %s: cannot read %s, keeping the entries "
		    "already loaded", cs->name, cs->file);
		rbldnsd_free(&d);
		return -1;
	}
	if (lc.more > 0)
		log_warnx("%s: %u more bad lines not shown", cs->file, lc.more);
	rbldnsd_finish(&d);

	store_srcmeta_init(&meta, &d);
	meta.file_mtime = mtime_ns(&sb);
	meta.file_size = (int64_t)sb.st_size;
	meta.loaded = (uint64_t)time(NULL);

	changed = store_replace_file(st, srcid, &d, &meta, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (changed < 0) {
		log_err("source %s: %s: %s", cs->name, cs->file, err);
		rbldnsd_free(&d);
		return -1;
	}
	log_info("source %s: loaded %s: %zu entries, %zu bad lines, %ld "
	    "changed, %.3f s", cs->name, cs->file, d.nents, d.nbad, changed,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rbldnsd_free(&d);
	return 1;
}

struct checkctx {
	FILE	*errs;
	int	 n;
};

static void
check_bad_line(void *arg, const char *file, unsigned line, const char *msg)
{
	struct checkctx *cc = arg;

	fprintf(cc->errs, "%s:%u: %s\n", file, line, msg);
	cc->n++;
}

int
source_check_file(const char *path, FILE *errs)
{
	struct checkctx cc = { errs, 0 };
	struct rbl_data d;

	rbldnsd_init(&d, 0x7f000002, NULL);
	if (rbldnsd_parse_file(&d, path, check_bad_line, &cc) == -1) {
		fprintf(errs, "%s: cannot read: %s\n", path, strerror(errno));
		cc.n++;
	}
	rbldnsd_free(&d);
	return cc.n;
}

static int
name_wire(const char *name, uint8_t *out, size_t *len)
{
	int l = dns_name_to_wire(name, out, DNS_NAME_WIRE);

	if (l < 0)
		return -1;
	*len = (size_t)l;
	return 0;
}

struct dns_view *
view_build(const struct conf *conf, const int *srcids)
{
	struct dns_view *v;

	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v->zones = calloc((size_t)conf->nzones + 1,
	    sizeof(*v->zones))) == NULL)
		goto fail;
	v->nzones = conf->nzones;
	for (int i = 0; i < conf->nzones; i++) {
		const struct conf_zone *cz = &conf->zones[i];
		struct dns_zone *z = &v->zones[i];
		char rname[CONF_DNAME_MAX + 16];

		if (name_wire(cz->name, z->wire, &z->wirelen) != 0)
			goto fail;
		z->nlabels = 0;
		for (size_t o = 0; z->wire[o] != 0; o += z->wire[o] + 1)
			z->nlabels++;
		z->index = i;
		z->ttl = cz->ttl != 0 ? cz->ttl : DNS_DEFAULT_TTL;
		z->nsrc = cz->nsources < DNS_MAX_SOURCES ? cz->nsources :
		    DNS_MAX_SOURCES;
		for (int s = 0; s < z->nsrc; s++) {
			const struct conf_source *cs =
			    &conf->sources[cz->sources[s]];

			z->srcids[s] = srcids[cz->sources[s]];
			z->src_a[s] = cs->a;
			z->src_txt[s] = cs->txt;
		}
		/* Without a configured SOA: a plain one naming the zone. */
		z->has_soa = cz->has_soa;
		if (cz->has_soa) {
			if (name_wire(cz->soa_mname, z->soa_mname,
			    &z->soa_mlen) != 0 || name_wire(cz->soa_rname,
			    z->soa_rname, &z->soa_rlen) != 0)
				goto fail;
			z->soa_refresh = cz->soa_refresh;
			z->soa_retry = cz->soa_retry;
			z->soa_expire = cz->soa_expire;
			z->soa_minimum = cz->soa_minimum;
		} else {
			snprintf(rname, sizeof(rname), "hostmaster.%s", cz->name);
			if (name_wire(cz->nns > 0 ? cz->ns[0] : cz->name,
			    z->soa_mname, &z->soa_mlen) != 0 ||
			    name_wire(rname, z->soa_rname, &z->soa_rlen) != 0) {
				z->soa_mname[0] = z->soa_rname[0] = 0;
				z->soa_mlen = z->soa_rlen = 1;
			}
			z->soa_refresh = 3600;
			z->soa_retry = 600;
			z->soa_expire = 604800;
			z->soa_minimum = z->ttl;
		}
		z->nns = 0;
		for (int n = 0; n < cz->nns && n < DNS_MAX_NS; n++)
			if (name_wire(cz->ns[n], z->ns[z->nns],
			    &z->nslen[z->nns]) == 0)
				z->nns++;
	}

	/* [allow]: nets from the config and every listing of the file. */
	{
		size_t cap = (size_t)conf->nallow + 16;

		if ((v->allow = calloc(cap, sizeof(*v->allow))) == NULL)
			goto fail;
		for (int i = 0; i < conf->nallow; i++)
			v->allow[v->nallow++] = conf->allow[i];
		if (conf->allow_file != NULL) {
			struct rbl_data d;
			struct logctx lc = { 0, 0 };

			rbldnsd_init(&d, 0x7f000002, NULL);
			if (rbldnsd_parse_file(&d, conf->allow_file,
			    log_bad_line, &lc) == -1)
				log_warn("allow: cannot read %s",
				    conf->allow_file);
			for (size_t i = 0; i < d.nents; i++) {
				struct prefix *np;

				if (d.ents[i].excl)
					continue;
				if ((size_t)v->nallow == cap) {
					cap *= 2;
					np = realloc(v->allow, cap *
					    sizeof(*v->allow));
					if (np == NULL) {
						rbldnsd_free(&d);
						goto fail;
					}
					v->allow = np;
				}
				v->allow[v->nallow++] = d.ents[i].p;
			}
			rbldnsd_free(&d);
		}
	}
	return v;
fail:
	log_err("cannot build the zones");
	view_free(v);
	return NULL;
}

void
view_free(struct dns_view *v)
{
	if (v == NULL)
		return;
	free(v->zones);
	free(v->allow);
	free(v);
}
