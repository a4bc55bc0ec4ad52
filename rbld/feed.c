/* SPDX-License-Identifier: BSD-2-Clause */
/* Feeds: fetch, vet and apply a source's list; keep every feed on its schedule. */
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "feed.h"
#include "feed_fetch.h"
#include "log.h"
#include "parse.h"
#include "wire.h"

#define FEED_BACKOFF_FIRST	60	/* seconds after the first failure */
#define FEED_JITTER_PCT		10	/* +- this much of the interval */

/*
 * A feed's status record, "blob:feed:ID", version 3. Every field in turn,
 * big-endian: version(1) last_attempt(8) last_success(8) http_status(4)
 * failures(4) entries(8) changed(8) lines(8) accepted(8) rejected(8)
 * broad(8) special(8), then etag and last_modified, each as its length(1)
 * and bytes, and error as its length(2) and bytes. Version 2, of earlier releases, was struct
 * feed_status_v2 as it lay in memory: still read, never written.
 */
#define STATUS_VERSION		3
#define STATUS_MAX		(1 + 11 * 8 - 8 + 2 * 256 + 2 + FEED_ERR_MAX + 64)

struct feed_status_v2 {
	uint32_t	version;	/* 2 */
	int64_t		last_attempt, last_success;
	int		http_status;
	uint32_t	failures;
	uint64_t	entries;
	int64_t		changed;
	struct feed_counts counts;
	char		etag[256], last_modified[256];
	char		error[FEED_ERR_MAX + 64];
};

/* A longer record is a version 2 one. */
_Static_assert(sizeof(struct feed_status_v2) > STATUS_MAX,
    "a version 2 record must be longer than any version 3 record");

static void
status_name(int srcid, char *buf, size_t len)
{
	snprintf(buf, len, "blob:feed:%d", srcid);
}

static size_t
status_encode(const struct feed_status *fs, uint8_t *buf)
{
	const struct feed_counts *c = &fs->counts;
	struct wire_buf w;

	wire_buf_init(&w, buf, STATUS_MAX);
	wire_put8(&w, STATUS_VERSION);
	wire_put64(&w, (uint64_t)fs->last_attempt);
	wire_put64(&w, (uint64_t)fs->last_success);
	wire_put32(&w, (uint32_t)fs->http_status);
	wire_put32(&w, fs->failures);
	wire_put64(&w, fs->entries);
	wire_put64(&w, (uint64_t)fs->changed);
	wire_put64(&w, c->lines);
	wire_put64(&w, c->accepted);
	wire_put64(&w, c->rejected);
	wire_put64(&w, c->broad);
	wire_put64(&w, c->special);
	wire_put_str(&w, fs->etag);
	wire_put_str(&w, fs->last_modified);
	wire_put_str16(&w, fs->error);
	return w.full ? 0 : w.len;
}

static int
status_decode(const uint8_t *data, size_t len, struct feed_status *fs)
{
	struct feed_counts *c = &fs->counts;
	struct wire_rd r;

	memset(fs, 0, sizeof(*fs));
	if (len == sizeof(struct feed_status_v2)) {
		struct feed_status_v2 v2;

		memcpy(&v2, data, sizeof(v2));
		if (v2.version != 2)
			return -1;
		fs->last_attempt = v2.last_attempt;
		fs->last_success = v2.last_success;
		fs->http_status = v2.http_status;
		fs->failures = v2.failures;
		fs->entries = v2.entries;
		fs->changed = v2.changed;
		fs->counts = v2.counts;
		/* Strings end inside their arrays, whatever was stored. */
		snprintf(fs->etag, sizeof(fs->etag), "%.*s",
		    (int)sizeof(v2.etag) - 1, v2.etag);
		snprintf(fs->last_modified, sizeof(fs->last_modified), "%.*s",
		    (int)sizeof(v2.last_modified) - 1, v2.last_modified);
		snprintf(fs->error, sizeof(fs->error), "%.*s",
		    (int)sizeof(fs->error) - 1, v2.error);
		return 0;
	}
	wire_rd_init(&r, data, len);
	if (wire_rd8(&r) != STATUS_VERSION)
		return -1;
	fs->last_attempt = (int64_t)wire_rd64(&r);
	fs->last_success = (int64_t)wire_rd64(&r);
	fs->http_status = (int)wire_rd32(&r);
	fs->failures = wire_rd32(&r);
	fs->entries = wire_rd64(&r);
	fs->changed = (int64_t)wire_rd64(&r);
	c->lines = wire_rd64(&r);
	c->accepted = wire_rd64(&r);
	c->rejected = wire_rd64(&r);
	c->broad = wire_rd64(&r);
	c->special = wire_rd64(&r);
	wire_rd_str(&r, fs->etag, sizeof(fs->etag));
	wire_rd_str(&r, fs->last_modified, sizeof(fs->last_modified));
	wire_rd_str16(&r, fs->error, sizeof(fs->error));
	if (r.bad || r.left != 0) {
		memset(fs, 0, sizeof(*fs));
		return -1;
	}
	return 0;
}

int
feed_status_get(struct store *st, int srcid, struct feed_status *fs)
{
	uint8_t buf[sizeof(struct feed_status_v2)];
	char name[64];
	ssize_t n;

	status_name(srcid, name, sizeof(name));
	memset(fs, 0, sizeof(*fs));
	if ((n = store_blob_get(st, name, buf, sizeof(buf))) < 0) {
		if (errno != ENOENT)
			errno = EIO;
		return -1;
	}
	if (status_decode(buf, (size_t)n, fs) != 0) {
		memset(fs, 0, sizeof(*fs));
		errno = EIO;
		return -1;
	}
	return 0;
}

static int
status_put(struct store *st, int srcid, const struct feed_status *fs)
{
	uint8_t buf[STATUS_MAX];
	char name[64];
	size_t n;

	status_name(srcid, name, sizeof(name));
	if ((n = status_encode(fs, buf)) == 0) {
		errno = EINVAL;
		return -1;
	}
	return store_blob_put(st, name, buf, n);
}

/* An AXFR feed's names are under the zone its url names: into BUF; NULL
 * for the other formats. */
static const char *
feed_zone(const struct conf_source *cs, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;

	if (cs->format != FEED_AXFR || parse_axfr_url(cs->url, &ss, &sslen,
	    buf, len, NULL, 0) != 0)
		return NULL;
	return buf;
}

static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *u = p;

	while (n-- > 0)
		h = (h ^ *u++) * 1099511628211ULL;
	return h;
}

/*
 * What the serving list was made with, besides the download itself: the
 * url and every setting that changes what a download parses to. A 304, or
 * an unchanged file, says only that the download is the same; after the
 * operator changed the source's a, txt, format or policy it must be parsed
 * again, or the old values would serve until the publisher's next change.
 */
static uint64_t
parse_key(const struct conf_source *cs, const char *zone)
{
	char buf[128];
	uint64_t h = 14695981039346656037ULL;

	snprintf(buf, sizeof(buf), "%d %u %d %d %d %d", cs->format,
	    (unsigned)cs->a, cs->min_prefix4, cs->min_prefix6,
	    cs->allow_special ? 1 : 0, cs->txt != NULL ? 1 : 0);
	h = fnv1a(h, buf, strlen(buf) + 1);
	h = fnv1a(h, cs->url, strlen(cs->url) + 1);
	if (cs->txt != NULL)
		h = fnv1a(h, cs->txt, strlen(cs->txt) + 1);
	if (zone != NULL)
		h = fnv1a(h, zone, strlen(zone) + 1);
	return h;
}

static void
key_name(int srcid, char *buf, size_t len)
{
	snprintf(buf, len, "blob:feedkey:%d", srcid);
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int
refresh(struct store *st, const struct conf_source *cs, int srcid,
    struct feed_status *out, const atomic_bool *cancel, char *errbuf,
    size_t errlen)
{
	struct fetch_request q;
	struct fetch_result r;
	struct feed_status fs;
	struct feed_policy pol;
	struct feed_counts counts;
	struct rbl_data d;
	struct timespec t0;
	char err[FEED_ERR_MAX], kname[64];
	char zbuf[PARSE_DNAME_MAX];
	const char *zone = feed_zone(cs, zbuf, sizeof(zbuf));
	uint8_t keyb[8], stored[8];
	uint64_t key = parse_key(cs, zone);
	long changed;
	int rc = -1, failure = EIO;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (feed_status_get(st, srcid, &fs) != 0 && errno != ENOENT)
		log_warnx("feed %s: its saved status cannot be read; it starts "
		    "afresh", cs->name);
	fs.changed = -1;
	fs.last_attempt = time(NULL);
	memset(&q, 0, sizeof(q));
	q.url = cs->url;
	q.timeout = cs->timeout;
	q.max_size = cs->max_size;
	q.tsig = cs->tsig;
	q.cancel = cancel;
	/* Ask conditionally only while the stored list is the one those
	 * validators describe, made with the settings in force now. */
	key_name(srcid, kname, sizeof(kname));
	wire_set32(keyb, (uint32_t)(key >> 32));
	wire_set32(keyb + 4, (uint32_t)key);
	if (fs.entries > 0 && store_blob_get(st, kname, stored,
	    sizeof(stored)) == (ssize_t)sizeof(stored) &&
	    memcmp(stored, keyb, sizeof(keyb)) == 0) {
		snprintf(q.etag, sizeof(q.etag), "%s", fs.etag);
		snprintf(q.last_modified, sizeof(q.last_modified), "%s",
		    fs.last_modified);
	}
	if (fetch(&q, &r, err, sizeof(err)) != 0) {
		/* Stopping is not the feed's fault: its status stays, so the
		 * next start fetches it on time and without a backoff. */
		if (errno == ECANCELED) {
			snprintf(errbuf, errlen, "fetch abandoned, rbld is "
			    "stopping");
			fetch_result_free(&r);
			if (out != NULL)
				*out = fs;
			errno = ECANCELED;
			return -1;
		}
		fs.http_status = r.http_status;
		snprintf(fs.error, sizeof(fs.error), "%s", err);
		goto fail;
	}
	fs.http_status = r.http_status;
	if (r.not_modified) {
		fs.last_success = fs.last_attempt;
		fs.failures = 0;
		fs.error[0] = '\0';
		log_info("feed %s: not modified%s, %llu entries keep serving",
		    cs->name, r.http_status == 304 ? " (HTTP 304)" : "",
		    (unsigned long long)fs.entries);
		rc = 0;
		goto done;
	}

	memset(&pol, 0, sizeof(pol));
	pol.min_prefix4 = cs->min_prefix4;
	pol.min_prefix6 = cs->min_prefix6;
	pol.allow_special = cs->allow_special;
	pol.max_shrink = cs->max_shrink;
	rbldnsd_init(&d, cs->a, cs->txt);
	if (feed_parse(cs->format, r.buf, r.len, zone, &pol, &d, &counts,
	    err, sizeof(err)) != 0 || rbldnsd_finish(&d) != 0) {
		/* Out of memory is no fault of the list's. */
		failure = errno == ENOMEM ? ENOMEM : EINVAL;
		snprintf(fs.error, sizeof(fs.error), "%s%s", failure == EINVAL ?
		    "rejected: " : "", failure == EINVAL ? err :
		    "out of memory");
		fs.counts = counts;
		rbldnsd_free(&d);
		goto fail;
	}
	fs.counts = counts;
	/* A list that lost most of its entries is more likely broken than
	 * a sudden end of abuse on the Internet. */
	if (fs.entries > 0 && counts.accepted * 100 <
	    fs.entries * (uint64_t)(100 - pol.max_shrink)) {
		snprintf(fs.error, sizeof(fs.error), "rejected: the list shrank "
		    "from %llu to %zu entries, more than max-shrink %u%%",
		    (unsigned long long)fs.entries, counts.accepted,
		    pol.max_shrink);
		rbldnsd_free(&d);
		failure = EINVAL;
		goto fail;
	}
	{
		struct store_srcmeta meta;

		/* An rbldnsd-format feed may carry $TTL, $SOA and $NS. */
		store_srcmeta_init(&meta, &d);
		meta.loaded = (uint64_t)time(NULL);
		meta.bad_lines = (uint32_t)counts.rejected;
		changed = store_replace(st, srcid, ORIGIN_FEED, &d, &meta, err,
		    sizeof(err));
	}
	rbldnsd_free(&d);
	if (changed < 0) {
		snprintf(fs.error, sizeof(fs.error), "database: %s", err);
		goto fail;
	}
	if (store_blob_put(st, kname, keyb, sizeof(keyb)) != 0)
		log_warnx("feed %s: cannot save its settings' key; the next "
		    "fetch asks unconditionally", cs->name);
	fs.entries = counts.accepted;
	fs.changed = changed;
	fs.last_success = fs.last_attempt;
	fs.failures = 0;
	fs.error[0] = '\0';
	snprintf(fs.etag, sizeof(fs.etag), "%s", r.etag);
	snprintf(fs.last_modified, sizeof(fs.last_modified), "%s",
	    r.last_modified);
	log_info("feed %s: %zu bytes, %zu entries, %zu bad lines, %zu too "
	    "broad, %zu special, %ld changed, %.3f s", cs->name, r.len,
	    counts.accepted, counts.rejected, counts.broad, counts.special,
	    changed, elapsed(&t0));
	rc = 0;
	goto done;
fail:
	fs.failures++;
	/* A list is never empty (feed_parse refuses that): none yet. */
	if (fs.entries == 0)
		snprintf(errbuf, errlen, "%s; it serves nothing until a fetch "
		    "succeeds", fs.error);
	else
		snprintf(errbuf, errlen, "%s; the last good list (%llu "
		    "entries) keeps serving", fs.error,
		    (unsigned long long)fs.entries);
done:
	fetch_result_free(&r);
	if (status_put(st, srcid, &fs) != 0)
		log_warnx("feed %s: cannot save its status", cs->name);
	if (out != NULL)
		*out = fs;
	if (rc != 0)
		errno = failure;
	return rc;
}

int
feed_refresh(struct store *st, const struct conf_source *cs, int srcid,
    struct feed_status *out, char *err, size_t errlen)
{
	return refresh(st, cs, srcid, out, NULL, err, errlen);
}

/* ---- the scheduler ---- */

struct job {
	struct conf_source	 cs;	/* a private copy: strings owned */
	int			 srcid;
	time_t			 next;
	bool			 now;	/* a NOTIFY asked: fetch, whatever */
	bool			 running; /* a fetcher has it */
};

/*
 * Feeds are fetched by up to FEED_FETCHERS threads at once, each started
 * for one fetch: a server that hangs or trickles (until the feed's
 * timeout) or sends without end (until max-size) holds up its own
 * fetcher, never the other feeds or anything else in rbld. A fetcher
 * works on its own copy of the feed's settings, as a reload may replace
 * the jobs meanwhile; the scheduler takes its result by the feed's name.
 */
#define FEED_FETCHERS	4

struct fetcher {
	struct feeds		*f;
	bool			 busy;	/* the scheduler's: a thread runs */
	atomic_bool		 done;	/* the thread's: it has finished */
	pthread_t		 thread;
	struct conf_source	 cs;
	int			 srcid;
	int			 rc, eno;
	struct feed_status	 fs;
	char			 err[FEED_ERR_MAX + 128];
};

struct feeds {
	struct store	*st;
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	struct job	*jobs;
	int		 njobs;
	bool		 changed;	/* jobs replaced: the thread re-reads */
	atomic_bool	 stop;
	atomic_bool	 cancel;	/* stops the fetches in progress */
	unsigned	 seed;
	struct fetcher	 fetchers[FEED_FETCHERS];	/* the scheduler's */
	/* axfr feeds' zones and primaries, for NOTIFYs (under mtx) */
	int		 naxfr;
	struct axfr_feed {
		char	 name[CONF_NAME_MAX];
		char	 zone[PARSE_DNAME_MAX];
		struct sockaddr_storage ss;
		bool	 due;		/* a NOTIFY came: fetch at once */
		time_t	 last;		/* the last NOTIFY taken */
	} axfr[CONF_MAX_SOURCES];
};

/* The axfr feeds of CONF, for feeds_notified; under F's mutex. */
static void
axfr_feeds(struct feeds *f, const struct conf *conf)
{
	f->naxfr = 0;
	for (int i = 0; i < conf->nsources; i++) {
		const struct conf_source *cs = &conf->sources[i];
		struct axfr_feed *a = &f->axfr[f->naxfr];
		socklen_t sl;
		char why[128];

		if (cs->kind != SOURCE_FEED || cs->url == NULL ||
		    strncmp(cs->url, "axfr://", 7) != 0 ||
		    parse_axfr_url(cs->url, &a->ss, &sl, a->zone,
		    sizeof(a->zone), why, sizeof(why)) != 0)
			continue;
		snprintf(a->name, sizeof(a->name), "%s", cs->name);
		a->due = false;
		a->last = 0;
		f->naxfr++;
	}
}

static bool
same_host(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	return b->sa_family == AF_INET6 &&
	    memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

int
feeds_notified(struct feeds *f, const char *zone, const struct sockaddr *peer)
{
	time_t now = time(NULL);
	int n = 0;

	if (f == NULL)
		return 0;
	pthread_mutex_lock(&f->mtx);
	for (int i = 0; i < f->naxfr; i++) {
		struct axfr_feed *a = &f->axfr[i];

		if (strcasecmp(a->zone, zone) != 0 || peer == NULL ||
		    !same_host(&a->ss, peer))
			continue;
		n++;
		/* One NOTIFY per feed every FEED_NOTIFY_SECS is taken: a
		 * stream of them cannot make rbld fetch without end. */
		if (now - a->last >= FEED_NOTIFY_SECS) {
			a->due = true;
			a->last = now;
		}
	}
	pthread_mutex_unlock(&f->mtx);
	return n;
}

uint32_t
feed_interval(const struct conf_source *cs)
{
	return cs->every > cs->min_interval ? cs->every : cs->min_interval;
}

/* When to try next: the interval with jitter, or a backoff after failures. */
static time_t
next_time(const struct conf_source *cs, const struct feed_status *fs,
    unsigned *seed)
{
	uint32_t iv = feed_interval(cs), base = iv;
	long jitter;

	if (fs->failures > 0) {
		uint64_t b = (uint64_t)FEED_BACKOFF_FIRST << (fs->failures > 20 ?
		    20 : fs->failures - 1);

		base = b < iv ? (uint32_t)b : iv;
		if (base < cs->min_interval)
			base = cs->min_interval;
	}
	jitter = (long)(base * FEED_JITTER_PCT / 100);
	if (jitter > 0)
		jitter = (long)(rand_r(seed) % (unsigned)(2 * jitter + 1)) -
		    jitter;
	return fs->last_attempt + (time_t)base + jitter;
}

static void
job_free(struct job *j)
{
	conf_source_clear(&j->cs);
}

static void *
fetcher_main(void *arg)
{
	struct fetcher *x = arg;

	x->rc = refresh(x->f->st, &x->cs, x->srcid, &x->fs, &x->f->cancel,
	    x->err, sizeof(x->err));
	x->eno = errno;
	atomic_store(&x->done, true);
	return NULL;
}

/* Start job J in a free fetcher: 0, or -1 if none is free or it failed. */
static int
fetch_start(struct feeds *f, struct job *j)
{
	for (int i = 0; i < FEED_FETCHERS; i++) {
		struct fetcher *x = &f->fetchers[i];

		if (x->busy)
			continue;
		if (conf_source_copy(&x->cs, &j->cs) != 0)
			return -1;
		x->f = f;
		x->srcid = j->srcid;
		atomic_store(&x->done, false);
		if (pthread_create(&x->thread, NULL, fetcher_main, x) != 0) {
			conf_source_clear(&x->cs);
			return -1;
		}
		x->busy = true;
		j->running = true;
		return 0;
	}
	return -1;
}

/* Take the results of the fetchers that finished (all of them, waiting,
 * if WAIT) into JOBS: the next time, the log line. */
static void
fetch_reap(struct feeds *f, struct job *jobs, int njobs, bool wait)
{
	for (int i = 0; i < FEED_FETCHERS; i++) {
		struct fetcher *x = &f->fetchers[i];

		if (!x->busy || (!wait && !atomic_load(&x->done)))
			continue;
		pthread_join(x->thread, NULL);
		x->busy = false;
		if (x->rc != 0 && x->eno == ECANCELED)
			log_info("feed %s: %s", x->cs.name, x->err);
		else if (x->rc != 0)
			log_warnx("feed %s: %s", x->cs.name, x->err);
		for (int k = 0; k < njobs; k++)
			if (strcmp(jobs[k].cs.name, x->cs.name) == 0) {
				jobs[k].running = false;
				jobs[k].now = false;
				jobs[k].next = next_time(&jobs[k].cs, &x->fs,
				    &f->seed);
			}
		conf_source_clear(&x->cs);
	}
}

static void *
feeds_main(void *arg)
{
	struct feeds *f = arg;
	struct job *jobs = NULL;
	int njobs = 0;

	while (!atomic_load(&f->stop)) {
		time_t now = time(NULL);

		pthread_mutex_lock(&f->mtx);
		if (f->changed) {
			/* Take the new jobs, keeping the schedule of known ones. */
			for (int i = 0; i < f->njobs; i++)
				for (int k = 0; k < njobs; k++)
					if (strcmp(f->jobs[i].cs.name,
					    jobs[k].cs.name) == 0) {
						f->jobs[i].running =
						    jobs[k].running;
						if (jobs[k].next != 0)
							f->jobs[i].next =
							    jobs[k].next;
					}
			for (int k = 0; k < njobs; k++)
				job_free(&jobs[k]);
			free(jobs);
			jobs = f->jobs;
			njobs = f->njobs;
			f->jobs = NULL;
			f->njobs = 0;
			f->changed = false;
		}
		/* Feeds whose primary sent a NOTIFY: at once. */
		for (int a = 0; a < f->naxfr; a++) {
			if (!f->axfr[a].due)
				continue;
			f->axfr[a].due = false;
			for (int k = 0; k < njobs; k++)
				if (strcmp(jobs[k].cs.name, f->axfr[a].name) == 0) {
					jobs[k].next = now;
					jobs[k].now = true;
					log_info("feed %s: NOTIFY from its primary: "
					    "fetching now", jobs[k].cs.name);
				}
		}
		pthread_mutex_unlock(&f->mtx);

		fetch_reap(f, jobs, njobs, false);
		for (int i = 0; i < njobs && !atomic_load(&f->stop); i++) {
			struct job *j = &jobs[i];
			struct feed_status fs;

			if (j->running)
				continue;
			if (j->next == 0) {
				/* First look: follow the stored status, so a
				 * restart does not refetch every feed. */
				if (feed_status_get(f->st, j->srcid, &fs) == 0 &&
				    fs.last_attempt > 0)
					j->next = next_time(&j->cs, &fs, &f->seed);
				else
					j->next = now;	/* never fetched: at once */
			}
			if (now < j->next)
				continue;
			/* Another process (rbldctl refresh) may have fetched
			 * (but a NOTIFY asks for a fetch now). */
			if (!j->now &&
			    feed_status_get(f->st, j->srcid, &fs) == 0 &&
			    fs.last_attempt > 0 &&
			    next_time(&j->cs, &fs, &f->seed) > now &&
			    fs.last_attempt > j->next -
			    (time_t)feed_interval(&j->cs)) {
				j->next = next_time(&j->cs, &fs, &f->seed);
				continue;
			}
			if (fetch_start(f, j) != 0)
				break;	/* every fetcher is busy: next second */
		}
		sleep(1);
	}
	fetch_reap(f, jobs, njobs, true);	/* cancelled: they end soon */
	for (int k = 0; k < njobs; k++)
		job_free(&jobs[k]);
	free(jobs);
	return NULL;
}

static struct job *
jobs_from(const struct conf *conf, const int *srcids, int *njobs)
{
	struct job *jobs = calloc((size_t)conf->nsources + 1, sizeof(*jobs));
	int n = 0;

	if (jobs == NULL)
		return NULL;
	for (int i = 0; i < conf->nsources; i++) {
		const struct conf_source *cs = &conf->sources[i];
		struct job *j = &jobs[n];

		bool used = false;

		if (cs->kind != SOURCE_FEED || cs->url == NULL)
			continue;
		/* A preset no zone serves costs its operator nothing. */
		for (int z = 0; z < conf->nzones && !used; z++)
			for (int k = 0; k < conf->zones[z].nsources; k++)
				if (conf->zones[z].sources[k] == i)
					used = true;
		if (!used)
			continue;
		if (conf_source_copy(&j->cs, cs) != 0)
			continue;	/* out of memory: refreshed when it is back */
		j->srcid = srcids[i];
		n++;
	}
	*njobs = n;
	return jobs;
}

struct feeds *
feeds_start(struct store *st, const struct conf *conf, const int *srcids)
{
	struct feeds *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->st = st;
	f->seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	pthread_mutex_init(&f->mtx, NULL);
	if ((f->jobs = jobs_from(conf, srcids, &f->njobs)) == NULL) {
		free(f);
		return NULL;
	}
	f->changed = true;
	axfr_feeds(f, conf);
	if (pthread_create(&f->thread, NULL, feeds_main, f) != 0) {
		free(f->jobs);
		free(f);
		return NULL;
	}
	return f;
}

void
feeds_update(struct feeds *f, const struct conf *conf, const int *srcids)
{
	int n;
	struct job *jobs = jobs_from(conf, srcids, &n);

	if (jobs == NULL)
		return;
	pthread_mutex_lock(&f->mtx);
	for (int k = 0; k < f->njobs; k++)
		job_free(&f->jobs[k]);
	free(f->jobs);
	f->jobs = jobs;
	f->njobs = n;
	f->changed = true;
	axfr_feeds(f, conf);
	pthread_mutex_unlock(&f->mtx);
}

void
feeds_stop(struct feeds *f)
{
	if (f == NULL)
		return;
	atomic_store(&f->stop, true);
	atomic_store(&f->cancel, true);
	pthread_join(f->thread, NULL);
	for (int k = 0; k < f->njobs; k++)
		job_free(&f->jobs[k]);
	free(f->jobs);
	pthread_mutex_destroy(&f->mtx);
	free(f);
}
