/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldctl: administer rbld's database directly, with or without rbld running. */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "conf.h"
#include "export.h"
#include "journal.h"
#include "feed.h"
#include "feed_fetch.h"
#include "ipaddr.h"
#include "listing.h"
#include "log.h"
#include "parse.h"
#include "rbldnsd.h"
#include "reports.h"
#include "runtime.h"
#include "source.h"
#include "store.h"
#include "token.h"

/* Exit codes: 0 done (lookup: listed), 1 error or not listed, 2 bad usage. */
#define EX_OK		0
#define EX_FAIL		1
#define EX_USAGE	2

struct ctl {
	struct conf	*conf;
	struct store	*st;
	int		 srcids[CONF_MAX_SOURCES];
	int		 zslots[CONF_MAX_ZONES];	/* the store's slot of each zone */
	struct view	*view;		/* for the commands that answer as rbld */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rbldctl [-c FILE] COMMAND [ARGS]\n"
	    "\n"
	    "Administer the rbld database named in the configuration; safe while\n"
	    "rbld runs, which serves every change at once.\n"
	    "\n"
	    "  lookup IP                 every source and zone that lists IP\n"
	    "                            (exit 0 listed, 1 not listed)\n"
	    "  add PREFIX [--source S] [--ttl DUR] [--reason TEXT] [--a A] [--txt TXT]\n"
	    "            [--exclude] [--force]\n"
	    "                            list PREFIX in source S (default: local);\n"
	    "                            --force: broader than its min-prefix\n"
	    "  del PREFIX [--source S]   remove PREFIX (from every source if no S);\n"
	    "                            a data file's or feed's entry is changed there\n"
	    "  list [--source S]         every entry, one per line\n"
	    "  import SOURCE FILE        add every entry of an rbldnsd data file\n"
	    "                            (but those SOURCE's own file or feed lists)\n"
	    "  export ZONE [--format rbldnsd|bind] [-o FILE]\n"
	    "                            the zone as one rbldnsd combined dataset,\n"
	    "                            or as a zone file any DNS server loads\n"
	    "  report IP --type TYPE [--service S] [--reason TEXT]\n"
	    "                            count an abuse report, as the API does;\n"
	    "                            lists IP once its type's threshold is met\n"
	    "  refresh SOURCE            fetch a feed now (rbld serves the result\n"
	    "                            at once); exit 1 if it was rejected\n"
	    "  stats                     database, sources, feeds and zones\n"
	    "  token new NAME --role reader|reporter|admin\n"
	    "                            create an API token; it is printed once,\n"
	    "                            only its hash is stored\n"
	    "  token list                every token's name, role and creation\n"
	    "  token revoke NAME         delete a token\n"
	    "\n"
	    "Options:\n"
	    "  -c, --config FILE  configuration file (default: rbld.conf)\n"
	    "  -h, --help         show this help\n"
	    "\n"
	    "Exit status: 0 done (lookup: listed), 1 failed (lookup: not listed;\n"
	    "import: some lines were bad, the rest is imported), 2 wrong usage.\n");
}

static void
vsay(const char *what, const char *fmt, va_list ap)
{
	fprintf(stderr, "rbldctl: %s", what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
	return EX_FAIL;
}

/* A command given the wrong arguments: its usage line, exit 2. */
static int
bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("usage: ", fmt, ap);
	va_end(ap);
	return EX_USAGE;
}

static int
ctl_open(struct ctl *c, const char *path)
{
	char err[512];

	if ((c->conf = conf_load(path, stderr)) == NULL)
		return fail("%s: configuration has errors", path);
	if ((c->st = store_open(c->conf->database, c->conf->mapsize, false,
	    err, sizeof(err))) == NULL)
		return fail("database: %s", err);
	if (source_register(c->conf, c->st, c->srcids, c->zslots, err,
	    sizeof(err)) != 0)
		return fail("database: %s", err);
	return EX_OK;
}

/* The view rbld would serve with the same config ([allow] read now). */
static int
ctl_view(struct ctl *c)
{
	char err[512];

	if ((c->view = runtime_build(c->conf, c->st, err, sizeof(err))) ==
	    NULL)
		return fail("cannot build the zones: %s", err);
	return EX_OK;
}

static int
ctl_source(struct ctl *c, const char *name, int *idx)
{
	int i = conf_source_index(c->conf, name);

	if (i < 0)
		return fail("no source \"%s\" in %s", name, c->conf->path);
	*idx = i;
	return EX_OK;
}

static void
fmt_time(uint32_t t, char *buf, size_t len)
{
	time_t tt = t;
	struct tm tm;

	if (t == 0) {
		snprintf(buf, len, "never");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *
when(uint32_t t, char *buf, size_t len)
{
	fmt_time(t, buf, len);
	return buf;
}

static void
print_entry(FILE *f, const struct store_entry *e)
{
	char p[IPADDR_STRLEN], a[IPADDR_STRLEN], added[32], exp[32];
	uint8_t ab[4] = { (uint8_t)(e->a >> 24), (uint8_t)(e->a >> 16),
	    (uint8_t)(e->a >> 8), (uint8_t)e->a };

	ipaddr_format(&e->p, false, p, sizeof(p));
	ipaddr_ntop(4, ab, a, sizeof(a));
	fmt_time(e->added, added, sizeof(added));
	fmt_time(e->expires, exp, sizeof(exp));
	if (e->excl)
		fprintf(f, "!%s\t%s\texcluded\t%s\tadded %s\texpires %s",
		    p, e->source, store_origin_name(e->origin), added, exp);
	else
		fprintf(f, "%s\t%s\tA %s\tTXT \"%s\"\t%s\tadded %s\texpires %s",
		    p, e->source, a, e->txt ? e->txt : "", store_origin_name(e->origin),
		    added, exp);
	if (e->reason[0] != '\0')
		fprintf(f, "\treason \"%s\"", e->reason);
	fputc('\n', f);
}

/* ---- lookup ---- */

struct cover {
	int	n;
};

static int
cover_cb(void *arg, const struct store_entry *e)
{
	struct cover *cv = arg;

	printf("  entry ");
	print_entry(stdout, e);
	cv->n++;
	return 0;
}

struct lookup_print {
	const struct view *view;
	struct store_reader *rd;
	const struct listing_addr *la;
	const char	*iptext;
};

static int
lookup_print_cb(void *arg, int z, const struct listing_hit *hit)
{
	struct lookup_print *lp = arg;
	const struct view_zone *vz = &lp->view->zones[z];
	char a[IPADDR_STRLEN], txt[RBL_TXT_ANSWER_MAX + 1];
	uint8_t ab[4] = { (uint8_t)(hit->a >> 24), (uint8_t)(hit->a >> 16),
	    (uint8_t)(hit->a >> 8), (uint8_t)hit->a };
	size_t n;

	if (hit->src < 0) {
		printf("%s: listed in %s (RFC 5782 test point)\n", lp->iptext,
		    vz->cz->name);
		return 0;
	}
	ipaddr_ntop(4, ab, a, sizeof(a));
	n = listing_txt(lp->rd, lp->la, hit, txt);
	txt[n] = '\0';
	printf("%s: listed in %s by %s: A %s%s%s%s\n", lp->iptext,
	    vz->cz->name, vz->src[hit->src]->name, a, n > 0 ? ", TXT \"" : "",
	    txt, n > 0 ? "\"" : "");
	return 0;
}

static int
cmd_lookup(struct ctl *c, int argc, char **argv)
{
	struct prefix ip;
	struct store_reader *rd;
	struct cover cv = { 0 };
	struct lookup_print lp;
	struct listing_addr la;
	char iptext[IPADDR_STRLEN];
	int n;

	if (argc != 2)
		return bad_usage("lookup IP");
	if (ipaddr_parse_addr(argv[1], &ip) != 0)
		return fail("\"%s\" is not an IP address", argv[1]);
	ipaddr_canonical(&ip);
	ipaddr_ntop(ip.family, ip.addr, iptext, sizeof(iptext));
	if (ctl_view(c) != EX_OK)
		return EX_FAIL;
	listing_addr(c->view, &ip, &la);
	if ((rd = store_reader_new(c->st)) == NULL ||
	    store_reader_begin(rd) != 0) {
		store_reader_free(rd);
		return fail("database: cannot read");
	}
	lp.view = c->view;
	lp.rd = rd;
	lp.la = &la;
	lp.iptext = iptext;
	n = listing_each(c->view, rd, &la, (uint32_t)time(NULL),
	    lookup_print_cb, &lp);
	store_reader_end(rd);
	store_reader_free(rd);
	if (n < 0)
		return fail("database: cannot read");
	if (la.never == LISTING_LOOPBACK)
		printf("%s: never listed (RFC 5782 test point)\n", iptext);
	else if (la.never == LISTING_ALLOWED)
		printf("%s: never listed (in [allow])\n", iptext);
	else if (n == 0)
		printf("%s: not listed\n", iptext);
	/* Then every entry that covers it, with its history. */
	if (store_covering(c->st, &ip, cover_cb, &cv) != 0)
		return fail("database: cannot read");
	return n > 0 ? EX_OK : EX_FAIL;
}

/* ---- add, del ---- */

static int
cmd_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "ttl", required_argument, NULL, 't' },
		{ "reason", required_argument, NULL, 'r' },
		{ "a", required_argument, NULL, 'a' },
		{ "txt", required_argument, NULL, 'x' },
		{ "exclude", no_argument, NULL, 'e' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *source = CONF_ENTRY_SOURCE, *reason = NULL, *txt = NULL;
	char bad[64];
	const char *ttltext = NULL;
	struct prefix p, a;
	int64_t ttl = 0;
	uint32_t aval, expires = 0;
	bool excl = false, have_a = false, force = false;
	char err[512];
	int ch, si = -1;

	/* 0, not 1: reset getopt, and forget main's "+" (options may follow). */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': source = optarg; break;
		case 'r': reason = optarg; break;
		case 'x': txt = optarg; break;
		case 'e': excl = true; break;
		case 'f': force = true; break;
		case 't':
			if ((ttl = parse_duration(optarg)) <= 0)
				return fail("bad --ttl \"%s\" (use 30s, 10m, "
				    "12h, 7d or 2w)", optarg);
			ttltext = optarg;
			break;
		case 'a':
			if (ipaddr_parse_addr(optarg, &a) != 0 || a.family != 4)
				return fail("bad --a \"%s\": an IPv4 address "
				    "such as 127.0.0.2", optarg);
			have_a = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind != argc - 1)
		return bad_usage("add PREFIX [--source S] [--ttl DUR] "
		    "[--reason TEXT] [--a A] [--txt TXT] [--exclude] [--force]");
	if (ipaddr_parse_prefix(argv[optind], &p, bad, sizeof(bad)) != 0)
		return fail("bad prefix \"%s\": %s", argv[optind], bad);
	ipaddr_canonical(&p);
	if (ctl_source(c, source, &si) != EX_OK)
		return EX_FAIL;
	aval = have_a ? ipaddr_v4(&a) : c->conf->sources[si].a;
	if (txt == NULL)
		txt = c->conf->sources[si].txt;
	if (source_entry_check(&c->conf->sources[si], &p, excl, aval, force,
	    err, sizeof(err)) != 0)
		return fail("%s", err);
	if (ttl > 0) {
		if ((int64_t)time(NULL) + ttl > (int64_t)UINT32_MAX)
			return fail("--ttl %s is too long (expiry past 2106)",
			    ttltext);
		expires = (uint32_t)(time(NULL) + ttl);
	}
	if (store_add(c->st, c->srcids[si], &p, excl, aval, txt, expires,
	    reason, ORIGIN_CLI, err, sizeof(err)) != 0)
		return fail("%s", err);
	printf("added %s to %s\n", argv[optind], source);
	return EX_OK;
}

static int
cmd_del(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *source = NULL;
	char bad[64];
	struct report_del_job da;
	char err[512];
	int ch, si = -1;

	/* 0, not 1: reset getopt, and forget main's "+" (options may follow). */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 's')
			return EX_USAGE;
		source = optarg;
	}
	if (optind != argc - 1)
		return bad_usage("del PREFIX [--source S]");
	memset(&da, 0, sizeof(da));
	da.src = -1;
	if (ipaddr_parse_prefix(argv[optind], &da.p, bad, sizeof(bad)) != 0)
		return fail("bad prefix \"%s\": %s", argv[optind], bad);
	ipaddr_canonical(&da.p);
	if (ctl_view(c) != EX_OK)
		return EX_FAIL;
	da.v = c->view;
	if (source != NULL) {
		if (ctl_source(c, source, &si) != EX_OK)
			return EX_FAIL;
		da.src = c->srcids[si];
	}
	/* As the API does: a report listing deleted, its record told too. */
	if (store_run(c->st, reports_del_job, &da, err, sizeof(err)) != 0)
		return fail("not deleted: %s", err);
	if (da.n == 0 && da.kept > 0)
		return fail("%s is listed by a data file or a feed; change it "
		    "there, or add it to [allow]", argv[optind]);
	if (da.n == 0)
		return fail("%s is not in %s", argv[optind],
		    source ? source : "any source");
	printf("deleted %s from %d source(s)%s\n", argv[optind], da.n,
	    da.kept > 0 ? "; a data file or a feed lists it too" : "");
	return EX_OK;
}

/* ---- list ---- */

static int
list_cb(void *arg, const struct store_entry *e)
{
	(void)arg;
	print_entry(stdout, e);
	return ferror(stdout) ? 1 : 0;
}

static int
cmd_list(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, si = -1, src = -1;

	/* 0, not 1: reset getopt, and forget main's "+" (options may follow). */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 's')
			return EX_USAGE;
		if (ctl_source(c, optarg, &si) != EX_OK)
			return EX_FAIL;
		src = c->srcids[si];
	}
	if (optind != argc)
		return bad_usage("list [--source S]");
	if (store_walk(c->st, src, list_cb, NULL) != 0)
		return fail("database: cannot read");
	return EX_OK;
}

/* ---- import ---- */

struct badctx {
	unsigned	n;
};

static void
import_bad(void *arg, const char *file, unsigned line, const char *msg)
{
	struct badctx *b = arg;

	if (b->n++ < 20)
		fprintf(stderr, "%s:%u: %s, line skipped\n", file, line, msg);
}

static int
cmd_import(struct ctl *c, int argc, char **argv)
{
	struct rbl_data d;
	struct badctx bad = { 0 };
	struct timespec t0, t1;
	bool tty = isatty(STDERR_FILENO);
	char err[512];
	long n;
	int si = -1;

	if (argc != 3)
		return bad_usage("import SOURCE FILE");
	if (ctl_source(c, argv[1], &si) != EX_OK)
		return EX_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (tty)
		fprintf(stderr, "reading %s...\r", argv[2]);
	rbldnsd_init(&d, c->conf->sources[si].a, c->conf->sources[si].txt);
	if (rbldnsd_parse_file(&d, argv[2], import_bad, &bad) != 0) {
		rbldnsd_free(&d);
		return fail("%s: %s", argv[2], strerror(errno));
	}
	if (rbldnsd_finish(&d) != 0) {
		rbldnsd_free(&d);
		return fail("%s: %s", argv[2], strerror(errno));
	}
	if (bad.n > 20)
		fprintf(stderr, "%s: %u more bad lines not shown\n", argv[2],
		    bad.n - 20);
	if (tty)
		fprintf(stderr, "writing %zu entries...          \r", d.nents);
	n = store_import(c->st, c->srcids[si], &d, ORIGIN_CLI, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (tty)
		fprintf(stderr, "%40s\r", "");
	if (n < 0) {
		rbldnsd_free(&d);
		return fail("%s not imported (nothing of it was): %s", argv[2],
		    err);
	}
	printf("imported %s into %s: %zu entries, %ld changed, %u bad lines, "
	    "%.2f s\n", argv[2], argv[1], d.nents, n, bad.n,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rbldnsd_free(&d);
	return bad.n > 0 ? EX_FAIL : EX_OK;
}

/* ---- export ---- */

static int
cmd_export(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *format = "rbldnsd", *out = NULL;
	const struct conf_zone *cz;
	char tmp[PATH_MAX];
	unsigned long n = 0;
	FILE *f = stdout;
	int ch, z, rc, fd;

	/* 0, not 1: reset getopt, and forget main's "+" (options may follow). */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (ch == 'f')
			format = optarg;
		else if (ch == 'o')
			out = optarg;
		else
			return EX_USAGE;
	}
	if (optind != argc - 1)
		return bad_usage("export ZONE [--format rbldnsd|bind] [-o FILE]");
	if (strcmp(format, "rbldnsd") != 0 && strcmp(format, "bind") != 0)
		return fail("unknown --format %s (use rbldnsd or bind)", format);
	if ((z = conf_zone_index(c->conf, argv[optind])) < 0)
		return fail("no zone \"%s\" in %s", argv[optind], c->conf->path);
	cz = &c->conf->zones[z];

	if (ctl_view(c) != EX_OK)
		return EX_FAIL;
	/* -o: a temporary file beside FILE, renamed over it once complete,
	 * so that rsync or a server reading FILE never sees half a zone. */
	if (out != NULL) {
		if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out) >=
		    (int)sizeof(tmp))
			return fail("%s: name too long", out);
		if ((fd = mkstemp(tmp)) == -1 || fchmod(fd, 0640) != 0 ||
		    (f = fdopen(fd, "w")) == NULL)
			return fail("%s: %s", tmp, strerror(errno));
	}
	errno = 0;
	rc = (strcmp(format, "bind") == 0 ? export_bind : export_rbldnsd)(f,
	    c->view, c->st, z, isatty(STDERR_FILENO), &n);
	if (out != NULL) {
		if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
			rc = -1;
		if (fclose(f) != 0)
			rc = -1;
		if (rc == 0 && rename(tmp, out) != 0) {
			unlink(tmp);
			return fail("%s: %s", out, strerror(errno));
		}
		if (rc != 0)
			unlink(tmp);
	}
	if (rc != 0)
		return fail("exporting %s: %s", cz->name, errno ? strerror(errno) :
		    "cannot read the database");
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "exported %lu entries%s%s\n", n,
		    out != NULL ? " to " : "", out != NULL ? out : "");
	return EX_OK;
}

/* ---- report ---- */

static int
cmd_report(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "service", required_argument, NULL, 's' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_job ra;
	char iptext[IPADDR_STRLEN], err[256], until[32];
	int ch;

	memset(&ra, 0, sizeof(ra));
	ra.r.service = "rbldctl";
	ra.r.reason = "";
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': ra.r.type = optarg; break;
		case 's': ra.r.service = optarg; break;
		case 'r': ra.r.reason = optarg; break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc - 1 || ra.r.type == NULL)
		return bad_usage("report IP --type TYPE [--service S] "
		    "[--reason TEXT]");
	if (ipaddr_parse_addr(argv[optind], &ra.r.ip) != 0)
		return fail("\"%s\" is not an IP address", argv[optind]);
	ipaddr_canonical(&ra.r.ip);
	if (source_report_check(&ra.r.ip, err, sizeof(err)) != 0)
		return fail("%s", err);
	if (!reports_type_known(c->conf, ra.r.type))
		return fail("unknown report type \"%s\": no source with kind = "
		    "reports defines it", ra.r.type);
	if (report_check_text(ra.r.service, ra.r.reason, err, sizeof(err)) != 0)
		return fail("%s", err);
	if (ctl_view(c) != EX_OK)
		return EX_FAIL;
	ra.v = c->view;
	ra.r.now = (uint32_t)time(NULL);
	if (store_run(c->st, reports_apply_job, &ra, err, sizeof(err)) != 0)
		return fail("report not recorded: %s", err);
	ipaddr_ntop(ra.r.ip.family, ra.r.ip.addr, iptext, sizeof(iptext));
	fmt_time(ra.res.expires, until, sizeof(until));
	if (ra.res.allowlisted)
		printf("%s: report recorded; never listed (in [allow])\n",
		    iptext);
	else if (ra.res.listed)
		printf("%s: listed until %s (%u %s reports, offence %u)\n",
		    iptext, until, ra.res.count, ra.r.type, ra.res.offences);
	else
		printf("%s: %u %s report%s counted, not listed\n", iptext,
		    ra.res.count, ra.r.type, ra.res.count == 1 ? "" : "s");
	return EX_OK;
}

/* ---- refresh ---- */

static int
cmd_refresh(struct ctl *c, int argc, char **argv)
{
	const struct conf_source *cs;
	struct feed_status fs;
	char err[FEED_ERR_MAX + 128];
	int si = -1;

	if (argc != 2)
		return bad_usage("refresh SOURCE");
	if (ctl_source(c, argv[1], &si) != EX_OK)
		return EX_FAIL;
	cs = &c->conf->sources[si];
	if (cs->kind != SOURCE_FEED)
		return fail("source %s is not a feed (kind = feed)", cs->name);
	fetch_global_init();
	/* One line either way: ours, not the daemon-style log lines. */
	log_init("rbldctl", LOG_LVL_ERR);
	fs.changed = -1;
	if (feed_refresh(c->st, cs, c->srcids[si], &fs, err, sizeof(err)) != 0)
		return fail("%s: %s", cs->name, fs.error);
	if (fs.changed < 0)
		printf("%s: %llu entries serving (not modified)\n", cs->name,
		    (unsigned long long)fs.entries);
	else
		printf("%s: %llu entries serving, %lld changed (%zu bad lines, "
		    "%zu too broad, %zu special dropped)\n", cs->name,
		    (unsigned long long)fs.entries, (long long)fs.changed,
		    fs.counts.rejected, fs.counts.broad, fs.counts.special);
	return EX_OK;
}

/* ---- token ---- */

static int
token_list_cb(void *arg, const char *name, const struct auth_token *r)
{
	char when[32];

	(void)arg;
	fmt_time((uint32_t)r->created, when, sizeof(when));
	printf("%s\t%s\tcreated %s\n", name, token_role_name(r->role), when);
	return 0;
}

static int
cmd_token(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sub = argc > 1 ? argv[1] : "";
	struct auth_token rec;

	if (strcmp(sub, "list") == 0 && argc == 2)
		return auth_token_walk(c->st, token_list_cb, NULL) == 0 ? EX_OK :
		    fail("database: cannot read");
	if (strcmp(sub, "revoke") == 0 && argc == 3) {
		if (auth_token_del(c->st, argv[2]) != 0)
			return fail("no token \"%s\"", argv[2]);
		printf("revoked %s\n", argv[2]);
		return EX_OK;
	}
	if (strcmp(sub, "new") == 0) {
		char tok[TOKEN_LEN + 1];
		int ch, role = -1;

		optind = 0;
		while ((ch = getopt_long(argc - 1, argv + 1, "", opts,
		    NULL)) != -1) {
			if (ch != 'r')
				return EX_USAGE;
			if ((role = token_role_parse(optarg)) < 0)
				return fail("bad --role \"%s\" (use reader, "
				    "reporter or admin)", optarg);
		}
		if (optind + 1 != argc - 1 || role < 0)
			return bad_usage("token new NAME --role "
			    "reader|reporter|admin");
		if (!token_name_ok(argv[optind + 1]))
			return fail("bad token name \"%s\" (1 to %d of "
			    "A-Z a-z 0-9 _ . -)", argv[optind + 1],
			    TOKEN_NAME_MAX);
		if (auth_token_get(c->st, argv[optind + 1], &rec) == 0)
			return fail("token \"%s\" exists (revoke it first)",
			    argv[optind + 1]);
		if (token_generate(tok) != 0)
			return fail("no random numbers: %s", strerror(errno));
		memset(&rec, 0, sizeof(rec));
		rec.role = role;
		rec.created = time(NULL);
		token_hash(tok, rec.hash);
		if (auth_token_put(c->st, argv[optind + 1], &rec) != 0)
			return fail("database: cannot store the token");
		/* The only time the token exists outside its owner's hands. */
		printf("%s\n", tok);
		fprintf(stderr, "token %s (%s) created; keep it now, rbld stores "
		    "only its hash\n", argv[optind + 1], token_role_name(role));
		return EX_OK;
	}
	return bad_usage("token new NAME --role ROLE | token list | "
	    "token revoke NAME");
}

/* ---- stats ---- */

/* ZONE's NOTIFY targets and the clients that took a transfer. */
static void
print_secondaries(struct ctl *c, const char *zone)
{
	struct journal_share sh;

	if (journal_share_get(c->st, zone, &sh) != 0)
		return;
	for (int i = 0; i < sh.npeers; i++) {
		const struct journal_peer *p = &sh.peers[i];
		char t1[32], t2[32];

		if (p->notify)
			printf("  notify       %s: serial %u sent %s, "
			    "answered %s\n", p->name, p->serial,
			    when(p->sent, t1, sizeof(t1)),
			    when(p->answered, t2, sizeof(t2)));
		else
			printf("  transfer     %s: %s serial %u, %llu "
			    "bytes, %u ms, %s\n", p->name, p->kind,
			    p->serial, (unsigned long long)p->bytes,
			    p->ms, when(p->at, t1, sizeof(t1)));
	}
}

static int
cmd_stats(struct ctl *c, int argc, char **argv)
{
	struct store_stats s;

	(void)argv;
	if (argc != 1)
		return bad_usage("stats");
	if (store_stats(c->st, &s) != 0)
		return fail("database: cannot read");
	printf("database %s\n", c->conf->database);
	printf("  entries      %llu\n", (unsigned long long)s.entries);
	printf("  size         %llu bytes in use, %llu mapped\n",
	    (unsigned long long)s.db_bytes, (unsigned long long)s.map_bytes);
	printf("  changes      %llu\n", (unsigned long long)s.changes);
	for (int i = 0; i < c->conf->nsources; i++) {
		const struct conf_source *cs = &c->conf->sources[i];
		struct store_srcmeta m;
		char when[32];

		printf("source %s\n  entries      %ld\n", cs->name,
		    store_source_count(c->st, c->srcids[i]));
		if (cs->file != NULL && store_source_meta(c->st, c->srcids[i],
		    &m) == 0) {
			fmt_time((uint32_t)m.loaded, when, sizeof(when));
			printf("  file         %s\n  loaded       %s\n"
			    "  bad lines    %u\n", cs->file, when, m.bad_lines);
		} else if (cs->file != NULL)
			printf("  file         %s (not loaded yet)\n", cs->file);
		if (cs->kind == SOURCE_FEED) {
			struct feed_status fs;
			char t1[32], t2[32];

			printf("  url          %s\n  format       %s, every %us\n",
			    cs->url, feed_format_name(cs->format),
			    feed_interval(cs));
			if (feed_status_get(c->st, c->srcids[i], &fs) != 0) {
				printf("  status       %s\n", errno == ENOENT ?
				    "never fetched" : "cannot be read");
				continue;
			}
			fmt_time((uint32_t)fs.last_attempt, t1, sizeof(t1));
			fmt_time((uint32_t)fs.last_success, t2, sizeof(t2));
			printf("  last attempt %s\n  last success %s\n", t1, t2);
			if (fs.http_status != 0)
				printf("  http status  %d\n", fs.http_status);
			printf("  list         %llu entries; last parse: %zu lines, "
			    "%zu rejected, %zu too broad, %zu special\n",
			    (unsigned long long)fs.entries, fs.counts.lines,
			    fs.counts.rejected, fs.counts.broad,
			    fs.counts.special);
			printf("  status       %s\n", fs.error[0] ? fs.error :
			    fs.failures == 0 ? "ok" : "failing");
		}
	}
	for (int z = 0; z < c->conf->nzones; z++) {
		const char *zn = c->conf->zones[z].name;
		struct store_journal_info ji;

		printf("zone %s\n  serial       %u\n", zn,
		    store_serial(c->st, c->zslots[z]));
		if (store_journal_info(c->st, zn, &ji) == 0 && ji.steps > 0)
			printf("  journal      %u steps, %zu bytes, IXFR from "
			    "serial %u\n", ji.steps, ji.bytes, ji.oldest);
		print_secondaries(c, zn);
	}
	if (c->conf->catalog[0] != '\0') {
		uint32_t serial;

		printf("catalog %s\n", c->conf->catalog);
		if (store_catalog_get(c->st, c->conf->catalog, &serial) == 0)
			printf("  serial       %u\n", serial);
		else
			printf("  serial       %s\n", errno == ENOENT ?
			    "none yet (rbld has not served it)" :
			    "cannot be read");
		printf("  members      %d\n", c->conf->nzones);
		print_secondaries(c, c->conf->catalog);
	}
	return EX_OK;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct {
		const char *name;
		int (*fn)(struct ctl *, int, char **);
	} cmds[] = {
		{ "lookup", cmd_lookup }, { "add", cmd_add }, { "del", cmd_del },
		{ "list", cmd_list }, { "import", cmd_import },
		{ "export", cmd_export }, { "stats", cmd_stats },
		{ "refresh", cmd_refresh }, { "token", cmd_token },
		{ "report", cmd_report },
	};
	const char *path = "rbld.conf";
	struct ctl c;
	int ch, rc;

	memset(&c, 0, sizeof(c));
	log_init("rbldctl", LOG_LVL_WARN);
	/* "+": stop at the command; its own options follow it. */
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	argc -= optind;
	argv += optind;
	/* "--help" anywhere, as in "rbldctl token new --help". */
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
		    (i == 0 && strcmp(argv[i], "help") == 0)) {
			usage(stdout);
			return EX_OK;
		}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name) != 0)
			continue;
		if ((rc = ctl_open(&c, path)) != EX_OK)
			return rc;
		rc = cmds[i].fn(&c, argc, argv);
		view_free(c.view);
		store_close(c.st);
		conf_free(c.conf);
		return rc;
	}
	fprintf(stderr, "rbldctl: unknown command \"%s\"\n", argv[0]);
	usage(stderr);
	return EX_USAGE;
}
