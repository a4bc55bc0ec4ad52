/* SPDX-License-Identifier: BSD-2-Clause */
/* rbld: the daemon. Options, config, sockets, privileges, threads, signals. */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "allow.h"
#include "api.h"
#include "auth.h"
#include "commitq.h"
#include "conf.h"
#include "feed.h"
#include "feed_fetch.h"
#include "grace.h"
#include "journal.h"
#include "log.h"
#include "net.h"
#include "reports.h"
#include "runtime.h"
#include "source.h"
#include "store.h"

#define RBLD_VERSION		"0.1.0"
#define RBLD_FILE_CHECK_SECS	5	/* how often data files are stat()ed */
#define RBLD_REAP_SECS		30	/* how often expired entries are removed */
#define RBLD_TRIM_SECS		10	/* how often free heap goes back */
/*
 * glibc gives each new thread that allocates an arena of its own, up to 8
 * per core; the API's threads (one per connection), the feed fetchers and
 * the indexer each leave free blocks in theirs that nothing else reuses.
 * Measured by tests/bench/load.sh (60 s of dnsperf, 500 reports/s and a
 * feed every 10 s): anonymous memory grew 30 -> 47 MB with glibc's
 * default, 28 -> 36 MB with 4 arenas and stayed at 27-31 MB with 2. No
 * DNS worker allocates, so fewer arenas cost the hot path nothing.
 * MALLOC_ARENA_MAX in the environment still decides, as glibc documents.
 */
#define RBLD_ARENAS		2

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rbld [-c FILE] [--check] [-d]\n"
	    "\n"
	    "Serve DNSBL zones from the LMDB database named in the configuration.\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default: rbld.conf)\n"
	    "      --check        check the configuration and every data file it\n"
	    "                     names, print each problem as file:line, exit\n"
	    "  -d, --debug        log debug messages too\n"
	    "  -h, --help         show this help\n"
	    "  -V, --version      show the version\n"
	    "\n"
	    "Signals: SIGHUP re-reads the configuration and every data file;\n"
	    "SIGTERM and SIGINT stop. Exit status: 0 ok, 1 error, 2 bad usage.\n");
}

/* NOTIFYs for the zones of axfr feeds: the feeds, once they run. */
static _Atomic(struct feeds *) notify_feeds;

static int
on_notify(void *arg, const char *zone, const struct sockaddr *peer)
{
	(void)arg;
	return feeds_notified(atomic_load(&notify_feeds), zone, peer);
}

/* The API changed the runtime allowlist: a view with it, before the
 * request is answered. */
static int
republish(void *arg, char *err, size_t errlen)
{
	struct runtime *rt = arg;
	int rc;

	runtime_lock(rt);
	rc = runtime_reload_allow(rt, err, errlen);
	runtime_unlock(rt);
	return rc;
}

/* --check: the config, then every data file it names. */
static int
check_all(const char *path)
{
	struct conf *conf = conf_load(path, stderr);
	int bad = 0;

	if (conf == NULL)
		return 1;
	for (int i = 0; i < conf->nsources; i++)
		if (conf->sources[i].file != NULL)
			bad += source_check_file(conf->sources[i].file, stderr);
	if (conf->allow_file != NULL)
		bad += source_check_file(conf->allow_file, stderr);
	conf_free(conf);
	if (bad == 0)
		printf("%s: configuration and data files are valid\n", path);
	return bad == 0 ? 0 : 1;
}

static void
drop_privileges(const char *user)
{
	struct passwd *pw;

	if (user == NULL) {
		if (geteuid() == 0)
			log_warnx("running as root: set user in [rbld] to run "
			    "as an unprivileged user once the sockets are bound");
		return;
	}
	if ((pw = getpwnam(user)) == NULL)
		fatalx("user %s: no such user", user);
	if (setgroups(1, &pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		fatal("cannot become user %s", user);
	log_info("running as user %s", user);
}

static bool
listens_equal(const struct conf *a, const struct conf *b)
{
	if (a->ndns != b->ndns || a->workers != b->workers)
		return false;
	for (int i = 0; i < a->ndns; i++)
		if (strcmp(a->dns[i].text, b->dns[i].text) != 0)
			return false;
	return true;
}

/* The [allow] file's identity: a change of either means a new list. */
struct filestamp {
	int64_t	mtime_ns;
	int64_t	size;
};

static struct filestamp
stamp(const char *path)
{
	struct filestamp fs = { -1, -1 };
	struct stat sb;

	if (path != NULL && stat(path, &sb) == 0) {
		fs.mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 +
		    sb.st_mtim.tv_nsec;
		fs.size = (int64_t)sb.st_size;
	}
	return fs;
}

/*
 * Load every file-backed source of V that changed (or all when FORCE). A
 * file that is missing or cannot be read is logged once per outage, not
 * every few seconds: MISSING (one flag per source of V) remembers which
 * are failing.
 */
static void
load_sources(const struct view *v, struct store *st, bool force,
    bool *missing)
{
	char err[512];
	bool loaded;

	for (int i = 0; i < v->conf->nsources; i++) {
		const struct conf_source *cs = &v->conf->sources[i];


		if (source_load(st, cs, v->srcids[i], force, &loaded, err,
		    sizeof(err)) == 0) {
			missing[i] = false;
			continue;
		}
		if (!missing[i]) {
			if (errno == ENOENT)
				log_warnx("source %s: %s", cs->name, err);
			else
				log_err("source %s: %s", cs->name, err);
		}
		missing[i] = true;
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = "rbld.conf";
	const struct conf *conf;
	struct conf *nc;
	struct view *nv;
	struct runtime *rt;
	struct store *st;
	struct net *net;
	struct feeds *feeds;
	struct journal *jr;
	struct commitq *cq;
	struct api *api;
	bool check = false, debug = false;
	time_t last_files, last_reap, last_trim, allow_retry = 0;
	bool missing[CONF_MAX_SOURCES] = { false };
	struct filestamp allow_stamp;
	sigset_t sigs;
	char err[512];
	int ch;

	if (getenv("MALLOC_ARENA_MAX") == NULL)
		mallopt(M_ARENA_MAX, RBLD_ARENAS);
	while ((ch = getopt_long(argc, argv, "c:dhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'C': check = true; break;
		case 'd': debug = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rbld %s\n", RBLD_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "rbld: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (check)
		return check_all(path);
	log_init("rbld", debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);

	/* Signals are taken synchronously by the main thread only. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((nc = conf_load(path, stderr)) == NULL)
		fatalx("%s: configuration has errors, not starting", path);
	fetch_global_init();
	if ((net = net_bind(nc, err, sizeof(err))) == NULL)
		fatalx("dns: %s", err);
	if ((st = store_open(nc->database, nc->mapsize, false, err,
	    sizeof(err))) == NULL)
		fatalx("database: %s", err);
	if ((rt = runtime_new(st)) == NULL)
		fatalx("out of memory");
	/* The main thread's while it works; the API's allowlist writes
	 * take it while the loop below waits for a signal. */
	runtime_lock(rt);
	if ((nv = runtime_build(nc, st, err, sizeof(err))) == NULL)
		fatalx("database: %s", err);
	runtime_publish(rt, nc, nv);
	conf = nc;
	if (store_index_start(st) != 0)
		fatal("cannot start the indexer");
	if ((cq = commitq_start(st)) == NULL ||
	    (api = api_new(st, cq, net, runtime_views(rt))) == NULL)
		fatalx("cannot set up the API");
	api_on_allow(api, republish, rt);
	if (conf->napi > 0) {
		if (auth_first_token(st, conf, stderr, NULL) != 0)
			fatalx("database: cannot store the first admin token");
		/* Bound before privileges are dropped; the key is read now. */
		if (api_listen(api, conf, err, sizeof(err)) != 0)
			fatalx("api: %s", err);
	}
	/* Serve what the database holds at once; files are checked after. */
	net_on_notify(net, on_notify, NULL);
	if (net_start(net, st, runtime_views(rt)) != 0)
		fatal("cannot start DNS workers");
	drop_privileges(conf->user);
	log_info("rbld %s ready: %d zone(s), %d source(s), database %s",
	    RBLD_VERSION, conf->nzones, conf->nsources, conf->database);
	load_sources(runtime_view(rt), st, false, missing);
	/* After the first load, which a journal could only record whole. */
	if ((jr = journal_start(st, runtime_views(rt))) == NULL)
		fatal("cannot start the zone journals");
	/* Feeds are fetched by a thread of their own: never in the way of DNS. */
	if ((feeds = feeds_start(st, conf, runtime_view(rt)->srcids)) == NULL)
		fatal("cannot start the feed scheduler");
	atomic_store(&notify_feeds, feeds);
	last_files = last_reap = last_trim = time(NULL);
	allow_stamp = stamp(conf->allow_file);

	for (;;) {
		struct timespec tmo = { 1, 0 };
		time_t now;
		int sig;

		runtime_unlock(rt);
		sig = sigtimedwait(&sigs, NULL, &tmo);
		runtime_lock(rt);

		/* Old views and configurations go once no reader holds them. */
		grace_reclaim();
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("signal %d: stopping", sig);
			break;
		}
		if (sig == SIGHUP) {
			log_info("SIGHUP: reloading %s", path);
			if ((nc = conf_load(path, stderr)) == NULL) {
				log_err("%s: new configuration has errors, "
				    "keeping the old one", path);
				continue;
			}
					if (!listens_equal(conf, nc) ||
			    strcmp(conf->database, nc->database) != 0)
				log_warnx("listen addresses, workers and "
				    "database change only on restart");
			if (nc->napi != conf->napi)
				log_warnx("api addresses change only on restart");
			if ((nv = runtime_build(nc, st, err, sizeof(err))) ==
			    NULL) {
				log_err("new configuration cannot be applied "
				    "(%s), keeping the old one", err);
				conf_free(nc);
				continue;
			}
			/* Its files first: a new zone is served with its data. */
			memset(missing, 0, sizeof(missing));
			load_sources(nv, st, true, missing);
			feeds_update(feeds, nc, nv->srcids);
			runtime_publish(rt, nc, nv);
			conf = nc;
			allow_stamp = stamp(conf->allow_file);
			log_info("configuration reloaded: %d zone(s), %d "
			    "source(s)", conf->nzones, conf->nsources);
			continue;
		}
		now = time(NULL);
		api_tick(api, (uint32_t)now);
		if (now - last_files >= RBLD_FILE_CHECK_SECS) {
			struct filestamp as = stamp(conf->allow_file);

			load_sources(runtime_view(rt), st, false, missing);
			last_files = now;
			/* The [allow] list lives in the view: a changed file
			 * means a new view for DNS and the API. */
			if (as.mtime_ns != allow_stamp.mtime_ns ||
			    as.size != allow_stamp.size) {
				allow_stamp = as;
				if (runtime_reload_allow(rt, err,
				    sizeof(err)) == 0)
					log_info("allow: %s changed: %d "
					    "prefixes never listed",
					    conf->allow_file,
					    runtime_view(rt)->nallow);
				else
					/* Tried again when the file next
					 * changes, or at SIGHUP. */
					log_err("allow: %s changed, but the new "
					    "list could not be put in place "
					    "(%s); the old one stays",
					    conf->allow_file, err);
			}
		}
		/* A runtime allowlist entry that expired: a view without it. */
		if (runtime_view(rt)->allow_expiry != 0 &&
		    (uint32_t)now >= runtime_view(rt)->allow_expiry &&
		    now >= allow_retry) {
			if (runtime_reload_allow(rt, err, sizeof(err)) == 0)
				log_info("allow: an allowlist entry expired: %d "
				    "prefixes never listed",
				    runtime_view(rt)->nallow);
			else {
				log_err("allow: cannot drop an expired "
				    "allowlist entry (%s); trying again in "
				    "%ds", err, RBLD_REAP_SECS);
				allow_retry = now + RBLD_REAP_SECS;
			}
		}
		/* Index rebuilds, feed lists and API requests free large
		 * blocks in many threads' malloc arenas, which glibc keeps:
		 * under steady writes resident memory would creep up by
		 * megabytes a minute (tests/bench/load.sh). Hand the free
		 * pages back to the kernel now and then. */
		if (now - last_trim >= RBLD_TRIM_SECS) {
			malloc_trim(0);
			last_trim = now;
		}
		if (now - last_reap >= RBLD_REAP_SECS) {
			long n = store_expire(st, (uint32_t)now);
			long r = reports_prune(st, runtime_view(rt),
			    (uint32_t)now);
			long a = allow_expire(st, (uint32_t)now);

			if (n > 0)
				log_info("expired %ld entries", n);
			if (r > 0)
				log_info("reports: forgot %ld quiet addresses", r);
			if (a > 0)
				log_info("allow: removed %ld expired allowlist "
				    "entries", a);
			api_note_expired(api, n, r);
			last_reap = now;
		}
	}
	runtime_unlock(rt);
	api_stop(api);
	commitq_stop(cq);
	atomic_store(&notify_feeds, NULL);
	net_stop(net);		/* no NOTIFY reaches the feeds after this */
	net = NULL;
	feeds_stop(feeds);
	journal_stop(jr);
	net_stop(net);
	api_free(api);
	runtime_free(rt);
	store_close(st);
	log_info("stopped");
	return 0;
}
