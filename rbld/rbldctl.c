/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldctl: administer rbld's database directly, with or without rbld running. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "dns.h"
#include "feed.h"
#include "feed_fetch.h"
#include "ipaddr.h"
#include "log.h"
#include "rbldnsd.h"
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
	    "            [--exclude]     list PREFIX in source S (default: local)\n"
	    "  del PREFIX [--source S]   remove PREFIX (from every source if no S)\n"
	    "  list [--source S]         every entry, one per line\n"
	    "  import SOURCE FILE        add every entry of an rbldnsd data file\n"
	    "  export ZONE [--format rbldnsd]\n"
	    "                            the zone as one rbldnsd combined dataset\n"
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
	    "  -h, --help         show this help\n");
}

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("rbldctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EX_FAIL;
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
	if (source_register(c->conf, c->st, c->srcids) != 0)
		return fail("database: cannot register sources");
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
origin_name(enum store_origin o)
{
	switch (o) {
	case ORIGIN_FILE: return "file";
	case ORIGIN_CLI: return "cli";
	case ORIGIN_API: return "api";
	case ORIGIN_FEED: return "feed";
	case ORIGIN_REPORT: return "report";
	}
	return "?";
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
		    p, e->source, origin_name(e->origin), added, exp);
	else
		fprintf(f, "%s\t%s\tA %s\tTXT \"%s\"\t%s\tadded %s\texpires %s",
		    p, e->source, a, e->txt ? e->txt : "", origin_name(e->origin),
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

static int
cmd_lookup(struct ctl *c, int argc, char **argv)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	struct prefix ip;
	struct store_reader *rd;
	struct dns_view *view;
	struct cover cv = { 0 };
	char iptext[IPADDR_STRLEN];
	bool any = false, lo, tp;
	uint32_t now = (uint32_t)time(NULL);

	if (argc != 2)
		return fail("usage: lookup IP");
	if (ipaddr_parse_addr(argv[1], &ip) != 0)
		return fail("\"%s\" is not an IP address", argv[1]);
	/* As DNS does: ::ffff:a.b.c.d is the IPv4 address. */
	if (ip.family == 6 && memcmp(ip.addr, mapped, 12) == 0) {
		memmove(ip.addr, ip.addr + 12, 4);
		memset(ip.addr + 4, 0, 12);
		ip.family = 4;
		ip.len = 32;
	}
	ipaddr_ntop(ip.family, ip.addr, iptext, sizeof(iptext));
	lo = ip.family == 4 && ipaddr_v4(&ip) == 0x7f000001;
	tp = ip.family == 4 && ipaddr_v4(&ip) == 0x7f000002;
	if ((view = view_build(c->conf, c->srcids)) == NULL)
		return fail("cannot build the zones");
	if (lo)
		printf("%s: never listed (RFC 5782 test point)\n", iptext);
	else if (!tp && dns_allowed(view, ip.family, ip.addr))
		printf("%s: never listed (in [allow])\n", iptext);
	else if ((rd = store_reader_new(c->st)) == NULL ||
	    store_reader_begin(rd) != 0) {
		view_free(view);
		return fail("database: cannot read");
	} else {
		/* The same answers DNS gives: one line per listing source. */
		for (int z = 0; z < view->nzones; z++) {
			const struct dns_zone *dz = &view->zones[z];
			struct store_hit hits[DNS_MAX_SOURCES];
			bool zany = false;

			if (store_lookup(rd, ip.family, ip.addr, dz->srcids,
			    dz->nsrc, now, hits) != 0)
				continue;
			for (int i = 0; i < dz->nsrc; i++) {
				const struct conf_zone *cz = &c->conf->zones[z];
				char a[IPADDR_STRLEN], txt[RBL_TXT_ANSWER_MAX + 1];
				uint8_t ab[4] = { (uint8_t)(hits[i].a >> 24),
				    (uint8_t)(hits[i].a >> 16),
				    (uint8_t)(hits[i].a >> 8), (uint8_t)hits[i].a };
				const char *t;
				size_t tl, n = 0;

				if (!hits[i].listed)
					continue;
				if (hits[i].txt != RBL_NO_TXT &&
				    store_text(rd, hits[i].txt, &t, &tl) == 0)
					n = rbldnsd_expand(t, tl, iptext, txt);
				txt[n] = '\0';
				ipaddr_ntop(4, ab, a, sizeof(a));
				printf("%s: listed in %s by %s: A %s%s%s%s\n",
				    iptext, cz->name,
				    c->conf->sources[cz->sources[i]].name, a,
				    n ? ", TXT \"" : "", txt, n ? "\"" : "");
				any = zany = true;
			}
			if (tp && !zany) {
				printf("%s: listed in %s (RFC 5782 test point)\n",
				    iptext, c->conf->zones[z].name);
				any = true;
			}
		}
		store_reader_end(rd);
		store_reader_free(rd);
		if (!any)
			printf("%s: not listed\n", iptext);
	}
	view_free(view);
	/* Then every entry that covers it, with its history. */
	if (store_covering(c->st, &ip, cover_cb, &cv) != 0)
		return fail("database: cannot read");
	return any ? EX_OK : EX_FAIL;
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
		{ NULL, 0, NULL, 0 }
	};
	const char *source = "local", *reason = NULL, *txt = NULL, *why;
	struct prefix p, a;
	int64_t ttl = 0;
	uint32_t aval, expires = 0;
	bool excl = false, have_a = false;
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
		case 't':
			if ((ttl = conf_parse_duration(optarg)) <= 0)
				return fail("bad --ttl \"%s\" (use 30s, 10m, "
				    "12h, 7d or 2w)", optarg);
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
		return fail("usage: add PREFIX [--source S] [--ttl DUR] "
		    "[--reason TEXT]");
	if (ipaddr_parse_prefix(argv[optind], &p, &why) != 0)
		return fail("bad prefix \"%s\": %s", argv[optind], why);
	if (ctl_source(c, source, &si) != EX_OK)
		return EX_FAIL;
	aval = have_a ? ipaddr_v4(&a) : c->conf->sources[si].a;
	if (txt == NULL)
		txt = c->conf->sources[si].txt;
	if (ttl > 0) {
		if ((int64_t)time(NULL) + ttl > (int64_t)UINT32_MAX)
			return fail("--ttl %s is too long (expiry past 2106)",
			    argv[0]);
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
	const char *source = NULL, *why;
	struct prefix p;
	char err[512];
	int ch, si = -1, n, src = -1;

	/* 0, not 1: reset getopt, and forget main's "+" (options may follow). */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 's')
			return EX_USAGE;
		source = optarg;
	}
	if (optind != argc - 1)
		return fail("usage: del PREFIX [--source S]");
	if (ipaddr_parse_prefix(argv[optind], &p, &why) != 0)
		return fail("bad prefix \"%s\": %s", argv[optind], why);
	if (source != NULL) {
		if (ctl_source(c, source, &si) != EX_OK)
			return EX_FAIL;
		src = c->srcids[si];
	}
	if ((n = store_del(c->st, src, &p, err, sizeof(err))) < 0)
		return fail("%s", err);
	if (n == 0)
		return fail("%s is not in %s", argv[optind],
		    source ? source : "any source");
	printf("deleted %s from %d source(s)\n", argv[optind], n);
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
		return fail("usage: list [--source S]");
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
		return fail("usage: import SOURCE FILE");
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
	rbldnsd_finish(&d);
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
		return fail("%s", err);
	}
	printf("imported %s into %s: %zu entries, %ld changed, %u bad lines, "
	    "%.2f s\n", argv[2], argv[1], d.nents, n, bad.n,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rbldnsd_free(&d);
	return bad.n > 0 ? EX_FAIL : EX_OK;
}

/* ---- export ---- */

struct exportctx {
	FILE		*f;
	int		 family;
	uint32_t	 now;
	unsigned long	 n;
	bool		 tty;
	const struct dns_view *view;	/* its [allow] list */
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
export_soa_ns(struct ctl *c, const struct conf_zone *cz, int z)
{
	uint32_t ttl = cz->ttl ? cz->ttl : DNS_DEFAULT_TTL;
	struct store_srcmeta m, fsoa, fns;
	bool have_soa = false, have_ns = false;

	for (int i = 0; i < cz->nsources; i++) {
		if (store_source_meta(c->st, c->srcids[cz->sources[i]], &m) != 0)
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
		printf("$SOA %u ", ttl);
		put_name(stdout, mname);
		putchar(' ');
		put_name(stdout, cz->has_soa ? cz->soa_rname : rname);
		if (cz->has_soa)
			printf(" %u %u %u %u %u\n", store_serial(c->st, z),
			    cz->soa_refresh, cz->soa_retry, cz->soa_expire,
			    cz->soa_minimum);
		else
			printf(" %u 3600 600 604800 %u\n",
			    store_serial(c->st, z), ttl);
	} else {
		printf("$SOA %u ", fsoa.soa_ttl ? fsoa.soa_ttl : ttl);
		put_name(stdout, fsoa.soa_mname);
		putchar(' ');
		put_name(stdout, fsoa.soa_rname);
		printf(" %u %u %u %u %u\n", store_serial(c->st, z),
		    fsoa.soa_refresh, fsoa.soa_retry, fsoa.soa_expire,
		    fsoa.soa_minttl);
	}
	if (cz->nns > 0 || have_ns) {
		int n = cz->nns > 0 ? cz->nns : fns.nns;

		printf("$NS %u", cz->nns > 0 || fns.ns_ttl == 0 ? ttl :
		    fns.ns_ttl);
		for (int i = 0; i < n; i++) {
			putchar(' ');
			put_name(stdout, cz->nns > 0 ? cz->ns[i] : fns.ns[i]);
		}
		putchar('\n');
	}
}

/* RFC 5782: rbld lists 127.0.0.2 even when no source does; so must the export. */
static void
export_test_point(struct ctl *c, const struct conf_zone *cz)
{
	const struct conf_source *first = &c->conf->sources[cz->sources[0]];
	struct store_hit hits[CONF_MAX_ZONE_SOURCES];
	int ids[CONF_MAX_ZONE_SOURCES];
	uint8_t tp[4] = { 127, 0, 0, 2 };
	struct store_reader *rd;
	bool listed = false;

	for (int i = 0; i < cz->nsources; i++)
		ids[i] = c->srcids[cz->sources[i]];
	if ((rd = store_reader_new(c->st)) != NULL &&
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
	printf("$DATASET ip4trie:rfc5782 @\n$TTL %u\n127.0.0.2 :%u.%u.%u.%u:%s\n",
	    cz->ttl ? cz->ttl : DNS_DEFAULT_TTL, first->a >> 24,
	    (first->a >> 16) & 0xff, (first->a >> 8) & 0xff, first->a & 0xff,
	    first->txt ? first->txt : "");
}

static int
cmd_export(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *format = "rbldnsd";
	const struct conf_zone *cz;
	struct exportctx x;
	int ch, z;

	/* 0, not 1: reset getopt, and forget main's "+" (options may follow). */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'f')
			return EX_USAGE;
		format = optarg;
	}
	if (optind != argc - 1)
		return fail("usage: export ZONE [--format rbldnsd]");
	if (strcmp(format, "rbldnsd") != 0)
		return fail("--format %s is not supported yet (use rbldnsd)",
		    format);
	if ((z = conf_zone_index(c->conf, argv[optind])) < 0)
		return fail("no zone \"%s\" in %s", argv[optind], c->conf->path);
	cz = &c->conf->zones[z];

	memset(&x, 0, sizeof(x));
	if ((x.view = view_build(c->conf, c->srcids)) == NULL)
		return fail("cannot build zone %s", cz->name);
	x.f = stdout;
	x.now = (uint32_t)time(NULL);
	x.tty = isatty(STDERR_FILENO);
	printf("# rbldnsd combined dataset for zone %s, exported by rbld\n"
	    "# serve with: rbldnsd ... %s:combined:FILE\n", cz->name, cz->name);
	export_soa_ns(c, cz, z);
	for (int i = 0; i < cz->nsources; i++) {
		const struct conf_source *cs = &c->conf->sources[cz->sources[i]];
		int src = c->srcids[cz->sources[i]];
		struct store_srcmeta meta;
		uint32_t ttl = cz->ttl ? cz->ttl : DNS_DEFAULT_TTL;

		if (store_source_meta(c->st, src, &meta) == 0 && meta.ttl != 0)
			ttl = meta.ttl;
		for (int fam = 4; fam <= 6; fam += 2) {
			printf("$DATASET ip%dtrie:%s @\n$TTL %u\n", fam,
			    cs->name, ttl);
			/* Exclusions first: in rbldnsd the first line wins. */
			if (fam == 4)
				printf("!127.0.0.1\n");
			for (int a = 0; a < x.view->nallow; a++) {
				char ap[IPADDR_STRLEN];

				if (x.view->allow[a].family != fam)
					continue;
				ipaddr_format(&x.view->allow[a], true, ap,
				    sizeof(ap));
				printf("!%s\n", ap);
			}
			x.family = fam;
			if (store_walk(c->st, src, export_cb, &x) != 0) {
				view_free((struct dns_view *)x.view);
				return fail("database: cannot read");
			}
		}
	}
	export_test_point(c, cz);
	view_free((struct dns_view *)x.view);
	if (x.tty)
		fprintf(stderr, "exported %lu entries\n", x.n);
	if (fflush(stdout) != 0 || ferror(stdout))
		return fail("writing the export: %s", strerror(errno));
	return EX_OK;
}

/* ---- refresh ---- */

static int
cmd_refresh(struct ctl *c, int argc, char **argv)
{
	const struct conf_source *cs;
	struct feed_status fs;
	const char *zone = NULL;
	int si = -1;

	if (argc != 2)
		return fail("usage: refresh SOURCE");
	if (ctl_source(c, argv[1], &si) != EX_OK)
		return EX_FAIL;
	cs = &c->conf->sources[si];
	if (cs->kind != SOURCE_FEED)
		return fail("source %s is not a feed (kind = feed)", cs->name);
	if (cs->format == FEED_AXFR && strncmp(cs->url, "axfr://", 7) == 0) {
		const char *sl = strchr(cs->url + 7, '/');

		zone = sl != NULL ? sl + 1 : NULL;
	}
	fetch_global_init();
	/* One line either way: ours, not the daemon-style log lines. */
	log_init("rbldctl", LOG_LVL_ERR);
	fs.changed = -1;
	if (feed_refresh(c->st, cs, c->srcids[si], zone, &fs) != 0)
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
token_list_cb(void *arg, const char *name, const struct token_rec *r)
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
	struct token_rec rec;

	if (strcmp(sub, "list") == 0 && argc == 2)
		return token_walk(c->st, token_list_cb, NULL) == 0 ? EX_OK :
		    fail("database: cannot read");
	if (strcmp(sub, "revoke") == 0 && argc == 3) {
		if (token_del(c->st, argv[2]) != 0)
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
			return fail("usage: token new NAME --role "
			    "reader|reporter|admin");
		if (!token_name_ok(argv[optind + 1]))
			return fail("bad token name \"%s\" (1 to %d of "
			    "A-Z a-z 0-9 _ . -)", argv[optind + 1],
			    TOKEN_NAME_MAX);
		if (token_get(c->st, argv[optind + 1], &rec) == 0)
			return fail("token \"%s\" exists (revoke it first)",
			    argv[optind + 1]);
		if (token_generate(tok) != 0)
			return fail("no random numbers: %s", strerror(errno));
		memset(&rec, 0, sizeof(rec));
		rec.role = role;
		rec.created = time(NULL);
		token_hash(tok, rec.hash);
		if (token_put(c->st, argv[optind + 1], &rec) != 0)
			return fail("database: cannot store the token");
		/* The only time the token exists outside its owner's hands. */
		printf("%s\n", tok);
		fprintf(stderr, "token %s (%s) created; keep it now, rbld stores "
		    "only its hash\n", argv[optind + 1], token_role_name(role));
		return EX_OK;
	}
	return fail("usage: token new NAME --role ROLE | token list | "
	    "token revoke NAME");
}

/* ---- stats ---- */

static int
cmd_stats(struct ctl *c, int argc, char **argv)
{
	struct store_stats s;

	(void)argv;
	if (argc != 1)
		return fail("usage: stats");
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
			    cs->every > cs->min_interval ? cs->every :
			    cs->min_interval);
			if (feed_status_get(c->st, c->srcids[i], &fs) != 0) {
				printf("  status       never fetched\n");
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
	for (int z = 0; z < c->conf->nzones; z++)
		printf("zone %s\n  serial       %u\n", c->conf->zones[z].name,
		    store_serial(c->st, z));
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
	};
	static const char *later[] = { "report" };
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
	if (strcmp(argv[0], "help") == 0 || (argc > 1 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))) {
		usage(stdout);
		return EX_OK;
	}
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
		if (strcmp(argv[0], later[i]) == 0)
			return fail("%s is not supported yet", argv[0]);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name) != 0)
			continue;
		if ((rc = ctl_open(&c, path)) != EX_OK)
			return rc;
		rc = cmds[i].fn(&c, argc, argv);
		store_close(c.st);
		conf_free(c.conf);
		return rc;
	}
	fprintf(stderr, "rbldctl: unknown command \"%s\"\n", argv[0]);
	usage(stderr);
	return EX_USAGE;
}
