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
#define SOURCE_READ_TRIES	3	/* reads of a file that changes meanwhile */

int
source_register(const struct conf *conf, struct store *st, int *srcids,
    int *zslots, char *err, size_t errlen)
{
	int slots[CONF_MAX_ZONES];
	const char *names[CONF_MAX_ZONES];
	int nsrc[CONF_MAX_ZONES], ids[CONF_MAX_ZONES][CONF_MAX_ZONE_SOURCES];
	const int *idp[CONF_MAX_ZONES];

	for (int i = 0; i < conf->nsources; i++) {
		srcids[i] = store_source_id(st, conf->sources[i].name, true);
		if (srcids[i] < 0) {
			snprintf(err, errlen, "source %s: cannot register it in "
			    "the database", conf->sources[i].name);
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
	if (store_set_zones(st, conf->nzones, names, nsrc, idp,
	    zslots != NULL ? zslots : slots) != 0) {
		snprintf(err, errlen, "cannot register the zones in the "
		    "database: %s", strerror(errno));
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

/* Why a data file could not be read, from rbldnsd_parse_file's errno. */
static const char *
read_error(int e)
{
	return e == EINVAL ? "not a regular file" : strerror(e);
}

static int64_t
mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

int
source_load(struct store *st, const struct conf_source *cs, int srcid,
    bool force, bool *loaded, char *err, size_t errlen)
{
	struct store_srcmeta old, meta;
	struct rbl_data d;
	struct logctx lc = { 0, 0 };
	struct timespec t0, t1;
	struct stat sb;
	char why[256];
	long changed;
	bool have_old;

	*loaded = false;
	have_old = store_source_meta(st, srcid, &old) == 0;
	if (cs->file == NULL) {
		/* The file was taken out of the config: so are its entries. */
		if (!have_old || old.file_mtime == -1 ||
		    cs->kind != SOURCE_LOCAL)
			return 0;
		if (rbldnsd_init(&d, cs->a, cs->txt) != 0 ||
		    rbldnsd_finish(&d) != 0) {
			rbldnsd_free(&d);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memset(&meta, 0, sizeof(meta));
		meta.file_mtime = -1;
		changed = store_replace_file(st, srcid, &d, &meta, why,
		    sizeof(why));
		rbldnsd_free(&d);
		if (changed < 0) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		log_info("source %s: no file any more, %ld file entries "
		    "removed", cs->name, changed);
		*loaded = true;
		return 0;
	}
	if (stat(cs->file, &sb) == -1) {
		int e = errno;

		snprintf(err, errlen, "%s: %s (the entries already loaded keep "
		    "serving)", cs->file, strerror(e));
		errno = e;
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file (a FIFO or a "
		    "device is never read); the entries already loaded keep "
		    "serving", cs->file);
		errno = EINVAL;
		return -1;
	}
	if (!force && have_old && old.file_mtime == mtime_ns(&sb) &&
	    old.file_size == (int64_t)sb.st_size)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/*
	 * A file rewritten in place while it is read would load half of
	 * it: read it again until it stayed the same from start to end
	 * (write a new file and rename it over the old one instead).
	 */
	for (int tries = 0;; tries++) {
		struct stat after;

		rbldnsd_init(&d, cs->a, cs->txt);
		if (rbldnsd_parse_file(&d, cs->file, log_bad_line, &lc) == -1) {
			int e = errno;

			snprintf(err, errlen, "cannot read %s, keeping the "
			    "entries already loaded: %s", cs->file,
			    read_error(e));
			rbldnsd_free(&d);
			errno = e;
			return -1;
		}
		if (stat(cs->file, &after) == 0 &&
		    mtime_ns(&after) == mtime_ns(&sb) &&
		    after.st_size == sb.st_size && after.st_ino == sb.st_ino)
			break;
		rbldnsd_free(&d);
		if (tries == SOURCE_READ_TRIES - 1) {
			snprintf(err, errlen, "%s kept changing while it was "
			    "read (%d times), keeping the entries already "
			    "loaded; write a new file and rename it over the "
			    "old one", cs->file, SOURCE_READ_TRIES);
			errno = EAGAIN;
			return -1;
		}
		if (stat(cs->file, &sb) == -1 || !S_ISREG(sb.st_mode)) {
			snprintf(err, errlen, "%s went away while it was read; "
			    "the entries already loaded keep serving",
			    cs->file);
			errno = ENOENT;
			return -1;
		}
		lc.logged = lc.more = 0;
	}
	if (lc.more > 0)
		log_warnx("%s: %u more bad lines not shown", cs->file, lc.more);
	if (rbldnsd_finish(&d) != 0) {
		snprintf(err, errlen, "out of memory loading %s, keeping the "
		    "entries already loaded", cs->file);
		rbldnsd_free(&d);
		errno = ENOMEM;
		return -1;
	}

	store_srcmeta_init(&meta, &d);
	meta.file_mtime = mtime_ns(&sb);
	meta.file_size = (int64_t)sb.st_size;
	meta.loaded = (uint64_t)time(NULL);

	changed = store_replace_file(st, srcid, &d, &meta, why, sizeof(why));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (changed < 0) {
		snprintf(err, errlen, "%s: %s", cs->file, why);
		rbldnsd_free(&d);
		return -1;
	}
	log_info("source %s: loaded %s: %zu entries, %zu bad lines, %ld "
	    "changed, %.3f s", cs->name, cs->file, d.nents, d.nbad, changed,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rbldnsd_free(&d);
	*loaded = true;
	return 0;
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

	rbldnsd_init(&d, 0, NULL);	/* A values are not checked */
	if (rbldnsd_parse_file(&d, path, check_bad_line, &cc) == -1) {
		fprintf(errs, "%s: cannot read: %s\n", path,
		    read_error(errno));
		cc.n++;
	}
	rbldnsd_free(&d);
	return cc.n;
}

int
source_allow_read(const struct conf *conf, struct prefix **out, int *n,
    char *err, size_t errlen)
{
	struct rbl_data d;
	struct logctx lc = { 0, 0 };
	struct prefix *v;
	size_t cap = (size_t)conf->nallow + 1;
	int k = 0;

	rbldnsd_init(&d, 0, NULL);	/* [allow] has no A values */
	if (conf->allow_file != NULL && rbldnsd_parse_file(&d, conf->allow_file,
	    log_bad_line, &lc) == -1) {
		int e = errno;

		/* A missing file allows nothing more; a file read in part
		 * would allow less than it says, so that is refused. */
		if (e != ENOENT) {
			snprintf(err, errlen, "cannot read %s: %s",
			    conf->allow_file, read_error(e));
			rbldnsd_free(&d);
			errno = e;
			return -1;
		}
		log_warn("allow: cannot read %s", conf->allow_file);
		rbldnsd_free(&d);
		rbldnsd_init(&d, 0, NULL);
	}
	if (lc.more > 0)
		log_warnx("%s: %u more bad lines not shown", conf->allow_file,
		    lc.more);
	cap += d.nents;
	if ((v = calloc(cap, sizeof(*v))) == NULL) {
		rbldnsd_free(&d);
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	for (int i = 0; i < conf->nallow; i++)
		v[k++] = conf->allow[i];
	for (size_t i = 0; i < d.nents; i++)
		if (!d.ents[i].excl)
			v[k++] = d.ents[i].p;
	rbldnsd_free(&d);
	*out = v;
	*n = k;
	return 0;
}

int
source_entry_check(const struct conf_source *cs, const struct prefix *p,
    bool excl, uint32_t a, bool force, char *err, size_t errlen)
{
	const char *never = ipaddr_never_client(p);
	int min = p->family == 4 ? cs->min_prefix4 : cs->min_prefix6;
	char t[IPADDR_STRLEN];

	ipaddr_format(p, false, t, sizeof(t));
	errno = EINVAL;
	if (never != NULL) {
		snprintf(err, errlen, "%s is in %s, which never sends mail", t,
		    never);
		return -1;
	}
	if (excl)
		return 0;
	if (p->len < min && !force) {
		snprintf(err, errlen, "%s is broader than source %s's "
		    "min-prefix /%d; force it (--force, \"force\": true) if "
		    "you mean it", t, cs->name, min);
		return -1;
	}
	if ((a >> 24) != 127) {
		snprintf(err, errlen, "a must be in 127.0.0.0/8 (RFC 5782), "
		    "not %u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		    a & 255);
		return -1;
	}
	return 0;
}

int
source_report_check(const struct prefix *ip, char *err, size_t errlen)
{
	const char *never = ipaddr_never_client(ip);
	char t[IPADDR_STRLEN];

	if (never == NULL)
		return 0;
	ipaddr_format(ip, true, t, sizeof(t));
	snprintf(err, errlen, "%s is in %s, which never sends mail: not "
	    "counted", t, never);
	errno = EINVAL;
	return -1;
}
