/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/reports.c: counting, thresholds, bans, group commit. */

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../rbld/commitq.h"
#include "../rbld/conf.h"
#include "../rbld/log.h"
#include "../rbld/reports.h"
#include "../rbld/source.h"
#include "../rbld/store.h"
#include "../rbld/wire.h"
#include "testutil.h"

#define T		1700000000u
#define MAPSIZE		(16u << 20)
#define HOUR		3600u

/* Source indexes in the configuration below. */
#define R		0	/* failed-login, spam; escalates; history 1h */
#define R2		1	/* spam only, no TXT */

static char			 tmpdir[64];	/* /tmp/rbld-check-reports.XXXXXX */
static struct conf		*conf;
static struct store		*st;
static struct store_reader	*rd;
static struct view		*view;
static int			 srcids[CONF_MAX_SOURCES];

static void
open_store(void)
{
	char err[256];

	st = store_open(conf->database, MAPSIZE, false, err, sizeof(err));
	ck_assert_msg(st != NULL, "store_open: %s", err);
	ck_assert_int_eq(source_register(conf, st, srcids, NULL, err, sizeof(err)),
	    0);
	ck_assert_ptr_nonnull(rd = store_reader_new(st));
}

static void
close_store(void)
{
	store_reader_free(rd);
	rd = NULL;
	store_close(st);
	st = NULL;
}

static void
setup(void)
{
	char path[PATH_MAX], err[256];
	FILE *f;

	log_init("check_reports", LOG_LVL_WARN);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbld-check-reports.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/rbld.conf", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("[rbld]\n"
	    "database = db\n"
	    "[zone bl.test]\n"
	    "sources = r r2\n"
	    "[source r]\n"
	    "kind = reports\n"
	    "a = 127.0.0.3\n"
	    "txt = Reported: $\n"
	    "failed-login = 3 in 10m ban 1h\n"
	    "spam = 2 in 1d ban 1d\n"
	    "escalate = 2x max 4h\n"
	    "ipv6-prefix = 64\n"
	    "history = 1h\n"
	    "[source r2]\n"
	    "kind = reports\n"
	    "a = 127.0.0.4\n"
	    "spam = 2 in 1d ban 1d\n"
	    "[allow]\n"
	    "nets = 192.0.2.99/32\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(conf = conf_load(path, NULL));
	ck_assert_int_eq(conf->nsources, 2);
	ck_assert_str_eq(conf->sources[R].name, "r");
	ck_assert_str_eq(conf->sources[R2].name, "r2");
	open_store();
	view = view_build(conf, srcids, conf->allow, conf->nallow, err,
	    sizeof(err));
	ck_assert_msg(view != NULL, "%s", err);
}

static void
teardown(void)
{
	if (st != NULL)
		close_store();
	view_free(view);
	conf_free(conf);
	rm_rf(tmpdir);
}

static struct prefix
addr(const char *s)
{
	struct prefix p;

	ck_assert_msg(ipaddr_parse_addr(s, &p) == 0, "bad address %s", s);
	return p;
}

/* ---- reporting ---- */

struct rjob {
	struct report		 r;
	struct report_result	 res;
	int			 rc;
};

static int
rjob_fn(struct store_txn *t, void *arg, int j)
{
	struct rjob *jobs = arg;

	return reports_apply(t, view, &jobs[j].r, &jobs[j].res);
}

/* Report IP for TYPE at NOW in a batch of its own. */
static struct report_result
report(const char *ip, const char *type, const char *service, uint32_t now)
{
	struct rjob j;
	char err[256];
	int result = -1;

	memset(&j, 0, sizeof(j));
	j.r.ip = addr(ip);
	j.r.type = type;
	j.r.service = service != NULL ? service : "";
	j.r.reason = "";
	j.r.now = now;
	ck_assert_msg(store_batch(st, 1, rjob_fn, &j, &result, err,
	    sizeof(err)) == 0, "store_batch: %s", err);
	ck_assert_int_eq(result, 0);
	return j.res;
}

/* Report IP N times at NOW, NOW+1, ...; the last result. */
static struct report_result
report_n(const char *ip, const char *type, int n, uint32_t now)
{
	struct report_result res;

	memset(&res, 0, sizeof(res));
	for (int i = 0; i < n; i++)
		res = report(ip, type, "", now + (uint32_t)i);
	return res;
}

/* Does source SRC (an index) list IP at NOW? */
static bool
listed(const char *ip, int src, uint32_t now, uint32_t *a)
{
	struct prefix p = addr(ip);
	struct store_hit hit;

	ck_assert_int_eq(store_reader_begin(rd), 0);
	ck_assert_int_eq(store_lookup(rd, p.family, p.addr, &srcids[src], 1,
	    now, &hit), 0);
	store_reader_end(rd);
	if (a != NULL)
		*a = hit.a;
	return hit.listed;
}

/* One stored entry, copied. */
struct found {
	int		 n;
	struct store_entry e;
	char		 txt[512], reason[512];
	bool		 has_txt;
	char		 source[STORE_NAME_MAX];
};

struct find_ctx {
	const char	*source;	/* NULL: any */
	struct found	*f;
};

static int
find_cb(void *arg, const struct store_entry *e)
{
	struct find_ctx *fc = arg;

	if (fc->source != NULL && strcmp(e->source, fc->source) != 0)
		return 0;
	fc->f->n++;
	fc->f->e = *e;
	fc->f->has_txt = e->txt != NULL;
	snprintf(fc->f->txt, sizeof(fc->f->txt), "%s", e->txt ? e->txt : "");
	snprintf(fc->f->reason, sizeof(fc->f->reason), "%s", e->reason);
	fc->f->e.txt = NULL;
	fc->f->e.reason = NULL;
	return 0;
}

/* The entries of SOURCE (NULL: any) covering IP, expired or not. */
static struct found
entries_of(const char *ip, const char *source)
{
	struct prefix p = addr(ip);
	struct found f;
	struct find_ctx fc = { source, &f };

	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(store_covering(st, &p, find_cb, &fc), 0);
	return f;
}

/* The histories of IP (NULL: all). */
struct hist_list {
	int			 n;
	struct report_history	 h[8];
};

static int
hist_cb(void *arg, const struct report_history *h)
{
	struct hist_list *hl = arg;

	if (hl->n < 8)
		hl->h[hl->n] = *h;
	hl->n++;
	return 0;
}

static struct hist_list
history(const char *ip)
{
	struct hist_list hl;
	struct prefix p;

	memset(&hl, 0, sizeof(hl));
	if (ip != NULL)
		p = addr(ip);
	ck_assert_int_eq(reports_walk(st, view, ip ? &p : NULL, NULL, 0,
	    hist_cb, &hl), 0);
	return hl;
}

/* ---- tests ---- */

START_TEST(test_threshold)
{
	struct report_result res;
	struct found f;
	uint32_t a;

	res = report("198.51.100.7", "failed-login", "sshd", T);
	ck_assert(!res.listed);
	ck_assert(!res.newly);
	ck_assert(!res.allowlisted);
	ck_assert_uint_eq(res.count, 1);
	ck_assert_uint_eq(res.expires, 0);
	res = report("198.51.100.7", "failed-login", "sshd", T + 1);
	ck_assert(!res.listed);
	ck_assert_uint_eq(res.count, 2);
	ck_assert(!listed("198.51.100.7", R, T + 1, NULL));
	ck_assert_int_eq(entries_of("198.51.100.7", NULL).n, 0);

	res = report("198.51.100.7", "failed-login", "sshd", T + 2);
	ck_assert(res.listed);
	ck_assert(res.newly);
	ck_assert_uint_eq(res.count, 3);
	ck_assert_uint_eq(res.expires, T + 2 + HOUR);
	ck_assert_uint_eq(res.offences, 1);
	ck_assert_uint_eq(res.ban, HOUR);

	/* really listed, as the reports source says */
	ck_assert(listed("198.51.100.7", R, T + 3, &a));
	ck_assert_uint_eq(a, 0x7f000003);
	ck_assert(!listed("198.51.100.7", R2, T + 3, NULL));
	ck_assert(!listed("198.51.100.8", R, T + 3, NULL));
	f = entries_of("198.51.100.7", "r");
	ck_assert_int_eq(f.n, 1);
	ck_assert_int_eq(f.e.p.len, 32);
	ck_assert_int_eq(f.e.origin, ORIGIN_REPORT);
	ck_assert(!f.e.excl);
	ck_assert_uint_eq(f.e.a, 0x7f000003);
	ck_assert_uint_eq(f.e.expires, T + 2 + HOUR);
	ck_assert(f.has_txt);
	ck_assert_msg(strncmp(f.txt, "Reported: $", 11) == 0, "%s", f.txt);
	ck_assert_msg(strstr(f.txt, "failed-login") != NULL, "%s", f.txt);
	ck_assert_msg(strstr(f.txt, "sshd") != NULL, "%s", f.txt);
	ck_assert_msg(strstr(f.reason, "failed-login") != NULL, "%s", f.reason);
	ck_assert_msg(strstr(f.reason, "3 reports") != NULL, "%s", f.reason);
	ck_assert_msg(strstr(f.reason, "sshd") != NULL, "%s", f.reason);

	/* a report while listed keeps it listed, makes no new listing */
	res = report("198.51.100.7", "failed-login", "sshd", T + 10);
	ck_assert(res.listed);
	ck_assert(!res.newly);
	ck_assert_uint_eq(res.expires, T + 2 + HOUR);
	ck_assert_uint_eq(res.offences, 1);
	ck_assert_uint_eq(entries_of("198.51.100.7", "r").e.expires,
	    T + 2 + HOUR);

	/* another type counts on its own */
	res = report("198.51.100.7", "spam", "", T + 11);
	ck_assert_uint_eq(res.count, 1);
}
END_TEST

START_TEST(test_window)
{
	struct report_result res;

	report("198.51.100.7", "failed-login", "", T);
	report("198.51.100.7", "failed-login", "", T + 400);
	res = report("198.51.100.7", "failed-login", "", T + 700);
	/* the first has left the 10m window */
	ck_assert(!res.listed);
	ck_assert(!res.newly);
	ck_assert_uint_eq(res.count, 2);
	ck_assert(!listed("198.51.100.7", R, T + 700, NULL));
	/* the next one makes three inside it */
	res = report("198.51.100.7", "failed-login", "", T + 800);
	ck_assert(res.newly);
	ck_assert_uint_eq(res.count, 3);
	ck_assert(listed("198.51.100.7", R, T + 800, NULL));

	/* just inside the window: listed */
	report("198.51.100.8", "failed-login", "", T);
	report("198.51.100.8", "failed-login", "", T + 1);
	res = report("198.51.100.8", "failed-login", "", T + 599);
	ck_assert(res.newly);

	/* more reports than N, spread out: only the window counts */
	for (uint32_t i = 0; i < 10; i++) {
		res = report("198.51.100.9", "failed-login", "", T + i * 301);
		ck_assert_msg(!res.listed, "listed at report %u", i);
		ck_assert_uint_le(res.count, 2);
	}
}
END_TEST

START_TEST(test_expiry)
{
	struct report_result res = report_n("198.51.100.7", "failed-login", 3, T);
	uint32_t until = T + 2 + HOUR;

	ck_assert_uint_eq(res.expires, until);
	ck_assert(listed("198.51.100.7", R, until - 1, NULL));
	/* at the expiry it no longer lists, before the reaper ran */
	ck_assert(!listed("198.51.100.7", R, until, NULL));
	ck_assert(!listed("198.51.100.7", R, until + 100, NULL));
	ck_assert_int_eq(entries_of("198.51.100.7", "r").n, 1);
	/* the reaper keeps it until then, and removes it after */
	ck_assert_int_eq(store_expire(st, until - 1), 0);
	ck_assert_int_eq(entries_of("198.51.100.7", "r").n, 1);
	ck_assert_int_eq(store_expire(st, until), 1);
	ck_assert_int_eq(entries_of("198.51.100.7", "r").n, 0);
	/* the history stays, no longer listed */
	res = report("198.51.100.7", "failed-login", "", until + 1);
	ck_assert(!res.listed);
	ck_assert_uint_eq(res.count, 1);
	ck_assert_uint_eq(res.offences, 1);
	ck_assert_uint_eq(res.expires, 0);
}
END_TEST

START_TEST(test_ban_lengths)
{
	const struct conf_source *cs = &conf->sources[R];
	const struct conf_rtype *fl = conf_rtype(cs, "failed-login");
	const struct conf_rtype *sp = conf_rtype(cs, "spam");
	const struct conf_rtype *sp2 = conf_rtype(&conf->sources[R2], "spam");

	ck_assert_ptr_nonnull(fl);
	ck_assert_ptr_nonnull(sp);
	ck_assert_ptr_nonnull(sp2);
	ck_assert_ptr_null(conf_rtype(&conf->sources[R2], "failed-login"));
	ck_assert_uint_eq(reports_ban(cs, fl, 1), HOUR);
	ck_assert_uint_eq(reports_ban(cs, fl, 2), 2 * HOUR);
	ck_assert_uint_eq(reports_ban(cs, fl, 3), 4 * HOUR);
	ck_assert_uint_eq(reports_ban(cs, fl, 4), 4 * HOUR);
	ck_assert_uint_eq(reports_ban(cs, fl, 100), 4 * HOUR);
	ck_assert_uint_eq(reports_ban(cs, fl, UINT32_MAX), 4 * HOUR);
	/* escalation never shortens a first ban longer than its cap */
	ck_assert_uint_eq(reports_ban(cs, sp, 1), 86400);
	ck_assert_uint_eq(reports_ban(cs, sp, 2), 86400);
	ck_assert_uint_eq(reports_ban(cs, sp, 5), 86400);
	/* without escalate: always the first ban */
	ck_assert_uint_eq(reports_ban(&conf->sources[R2], sp2, 1), 86400);
	ck_assert_uint_eq(reports_ban(&conf->sources[R2], sp2, 7), 86400);
}
END_TEST

START_TEST(test_escalation)
{
	static const uint32_t want[] = { HOUR, 2 * HOUR, 4 * HOUR, 4 * HOUR };
	uint32_t t = T;

	for (uint32_t k = 0; k < 4; k++) {
		struct report_result res;

		res = report_n("198.51.100.7", "failed-login", 3, t);
		ck_assert_msg(res.newly, "offence %u", k + 1);
		ck_assert_uint_eq(res.offences, k + 1);
		ck_assert_uint_eq(res.ban, want[k]);
		ck_assert_uint_eq(res.expires, t + 2 + want[k]);
		ck_assert_uint_eq(entries_of("198.51.100.7", "r").e.expires,
		    t + 2 + want[k]);
		ck_assert(listed("198.51.100.7", R, t + 1 + want[k], NULL));
		ck_assert(!listed("198.51.100.7", R, t + 2 + want[k], NULL));
		/* the next offence comes after this ban */
		t += want[k] + 1000;
	}
	/* another address starts at the first ban */
	ck_assert_uint_eq(report_n("198.51.100.8", "failed-login", 3, t).ban,
	    HOUR);
}
END_TEST

/* Offences while still listed escalate too, and never shorten a listing. */
START_TEST(test_escalation_while_listed)
{
	struct report_result res;

	res = report_n("198.51.100.7", "failed-login", 3, T);
	ck_assert_uint_eq(res.expires, T + 2 + HOUR);
	res = report_n("198.51.100.7", "failed-login", 3, T + 100);
	ck_assert(res.newly);
	ck_assert_uint_eq(res.offences, 2);
	ck_assert_uint_eq(res.expires, T + 102 + 2 * HOUR);
	ck_assert_uint_eq(entries_of("198.51.100.7", "r").e.expires,
	    T + 102 + 2 * HOUR);

	/* a shorter ban for another type leaves the longer listing */
	res = report_n("198.51.100.8", "spam", 2, T);
	ck_assert_uint_eq(res.expires, T + 1 + 86400);
	res = report_n("198.51.100.8", "failed-login", 3, T + 100);
	ck_assert(res.newly);
	ck_assert_uint_eq(res.offences, 2);
	ck_assert_uint_eq(res.ban, 2 * HOUR);
	ck_assert_uint_eq(res.expires, T + 1 + 86400);
	ck_assert_uint_eq(entries_of("198.51.100.8", "r").e.expires,
	    T + 1 + 86400);
	ck_assert(listed("198.51.100.8", R, T + 86400, NULL));
}
END_TEST

/* ---- record encoding ---- */

struct rawrec {
	uint8_t	key[21];
	uint8_t	val[512];
	size_t	len;
};

static int
rawrec_put(struct store_txn *t, void *arg)
{
	struct rawrec *rr = arg;

	return store_txn_rec_put(t, rr->key, sizeof(rr->key), rr->val,
	    rr->len);
}

static int
rawrec_get(void *arg, const void *key, size_t klen, const void *data,
    size_t len)
{
	struct rawrec *rr = arg;

	(void)key;
	(void)klen;
	ck_assert_uint_le(len, sizeof(rr->val));
	memcpy(rr->val, data, len);
	rr->len = len;
	return 1;
}

static size_t
put_host32(uint8_t *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
	return off + 4;
}

static size_t
put_lstr(uint8_t *b, size_t off, const char *s)
{
	b[off] = (uint8_t)strlen(s);
	memcpy(b + off + 1, s, strlen(s));
	return off + 1 + strlen(s);
}

/*
 * A record of version 1 (host byte order, as earlier releases wrote it) is
 * read: its offences make the next ban longer, its history shows; the
 * next report writes it again as version 2, every number big-endian.
 */
START_TEST(test_record_versions)
{
	struct prefix p = addr("198.51.100.7");
	struct report_result res;
	struct hist_list hl;
	struct rawrec rr;
	size_t off = 0;
	char err[256];

	memset(&rr, 0, sizeof(rr));
	rr.key[0] = 'R';
	rr.key[1] = (uint8_t)(srcids[R] >> 8);
	rr.key[2] = (uint8_t)srcids[R];
	rr.key[3] = 4;
	memcpy(rr.key + 4, p.addr, 4);
	rr.key[20] = 32;
	rr.val[0] = 1;			/* version */
	rr.val[1] = 1;			/* ntypes */
	rr.val[2] = 1;			/* nrecent */
	off = 4;			/* and a pad byte */
	off = put_host32(rr.val, off, 3);		/* total */
	off = put_host32(rr.val, off, 1);		/* offences */
	off = put_host32(rr.val, off, T - 200);	/* last offence */
	off = put_host32(rr.val, off, T - 100);	/* banned until */
	off = put_host32(rr.val, off, T - 200);	/* last seen */
	off = put_lstr(rr.val, off, "failed-login");
	off = put_host32(rr.val, off, 0);		/* no times kept */
	off = put_host32(rr.val, off, T - 200);	/* a recent report */
	rr.val[off++] = 0x02;				/* it listed */
	off = put_lstr(rr.val, off, "failed-login");
	off = put_lstr(rr.val, off, "ssh");
	off = put_lstr(rr.val, off, "old reason");
	rr.len = off;
	ck_assert_msg(store_run(st, rawrec_put, &rr, err, sizeof(err)) == 0,
	    "%s", err);

	hl = history("198.51.100.7");
	ck_assert_int_eq(hl.n, 1);
	ck_assert_uint_eq(hl.h[0].total, 3);
	ck_assert_uint_eq(hl.h[0].offences, 1);
	ck_assert_uint_eq(hl.h[0].banned_until, T - 100);
	ck_assert_int_eq(hl.h[0].nrecent, 1);
	ck_assert_str_eq(hl.h[0].recent[0].service, "ssh");
	ck_assert_str_eq(hl.h[0].recent[0].reason, "old reason");
	ck_assert(hl.h[0].recent[0].listed);

	/* The second offence: twice the first ban. */
	res = report_n("198.51.100.7", "failed-login", 3, T);
	ck_assert_uint_eq(res.offences, 2);
	ck_assert_uint_eq(res.ban, 2 * HOUR);

	memset(rr.val, 0, sizeof(rr.val));
	ck_assert_int_eq(store_rec_walk(st, rr.key, sizeof(rr.key),
	    rawrec_get, &rr), 0);
	ck_assert_uint_eq(rr.val[0], 2);		/* version */
	ck_assert_uint_eq(rr.val[1], 1);		/* ntypes */
	ck_assert_uint_eq(rr.val[2], 4);		/* nrecent */
	/* total, then offences, big-endian */
	ck_assert_uint_eq(wire_get32(rr.val + 3), 6);
	ck_assert_uint_eq(wire_get32(rr.val + 7), 2);
	hl = history("198.51.100.7");
	ck_assert_uint_eq(hl.h[0].total, 6);
	ck_assert_int_eq(hl.h[0].nrecent, 4);
	ck_assert_str_eq(hl.h[0].recent[3].reason, "old reason");

	/* A damaged record is started afresh, not trusted. */
	rr.len = 10;
	ck_assert_int_eq(store_run(st, rawrec_put, &rr, err, sizeof(err)), 0);
	res = report("198.51.100.7", "failed-login", "", T + 50);
	ck_assert(!res.newly);
	hl = history("198.51.100.7");
	ck_assert_uint_eq(hl.h[0].total, 1);
}
END_TEST

START_TEST(test_restart)
{
	struct report_result res;
	struct hist_list hl;
	uint32_t t2 = T + 2 * HOUR;

	ck_assert_uint_eq(report_n("198.51.100.7", "failed-login", 3, T).ban,
	    HOUR);
	close_store();
	open_store();
	/* the listing survived */
	ck_assert(listed("198.51.100.7", R, T + 10, NULL));
	res = report_n("198.51.100.7", "failed-login", 3, t2);
	ck_assert_uint_eq(res.offences, 2);
	ck_assert_uint_eq(res.ban, 2 * HOUR);
	close_store();
	open_store();
	hl = history("198.51.100.7");
	ck_assert_int_eq(hl.n, 1);
	ck_assert_int_eq(hl.h[0].srcid, srcids[R]);
	ck_assert_uint_eq(hl.h[0].total, 6);
	ck_assert_uint_eq(hl.h[0].offences, 2);
	ck_assert_uint_eq(hl.h[0].last_offence, t2 + 2);
	ck_assert_uint_eq(hl.h[0].banned_until, t2 + 2 + 2 * HOUR);
	ck_assert_uint_eq(hl.h[0].last_seen, t2 + 2);
	ck_assert_int_eq(hl.h[0].nrecent, REPORT_RECENT);
	ck_assert_uint_eq(hl.h[0].recent[0].time, t2 + 2);
	ck_assert(hl.h[0].recent[0].listed);
	ck_assert(!hl.h[0].recent[1].listed);
	ck_assert_str_eq(hl.h[0].recent[0].type, "failed-login");
	res = report_n("198.51.100.7", "failed-login", 3, t2 + 3 * HOUR);
	ck_assert_uint_eq(res.ban, 4 * HOUR);
}
END_TEST

START_TEST(test_allowlist)
{
	struct report_result res;
	struct hist_list hl;

	for (uint32_t i = 0; i < 10; i++) {
		res = report("192.0.2.99", "failed-login", "sshd", T + i);
		ck_assert(res.allowlisted);
		ck_assert(!res.listed);
		ck_assert(!res.newly);
		ck_assert_uint_eq(res.expires, 0);
		ck_assert_uint_eq(res.offences, 0);
	}
	ck_assert(!listed("192.0.2.99", R, T + 10, NULL));
	ck_assert_int_eq(entries_of("192.0.2.99", NULL).n, 0);
	/* but its reports are recorded, marked */
	hl = history("192.0.2.99");
	ck_assert_int_eq(hl.n, 1);
	ck_assert_uint_eq(hl.h[0].total, 10);
	ck_assert_uint_eq(hl.h[0].offences, 0);
	ck_assert_uint_eq(hl.h[0].banned_until, 0);
	ck_assert_int_eq(hl.h[0].nrecent, REPORT_RECENT);
	for (int i = 0; i < hl.h[0].nrecent; i++) {
		ck_assert(hl.h[0].recent[i].allowlisted);
		ck_assert(!hl.h[0].recent[i].listed);
		ck_assert_str_eq(hl.h[0].recent[i].service, "sshd");
	}
	ck_assert_uint_eq(hl.h[0].recent[0].time, T + 9);
	ck_assert_uint_eq(hl.h[0].recent[4].time, T + 5);
	/* its neighbour is not allowed */
	ck_assert(report_n("192.0.2.98", "failed-login", 3, T).listed);

	/* RFC 5782: 127.0.0.1 is never listed */
	for (uint32_t i = 0; i < 10; i++) {
		res = report("127.0.0.1", "failed-login", "", T + i);
		ck_assert(!res.listed);
		ck_assert(res.allowlisted);
	}
	ck_assert(!listed("127.0.0.1", R, T + 10, NULL));
	ck_assert_int_eq(entries_of("127.0.0.1", NULL).n, 0);
}
END_TEST

START_TEST(test_ipv6)
{
	struct report_result res;
	struct found f;
	char buf[IPADDR_STRLEN];
	struct hist_list hl;

	res = report("2001:db8:1:2::1", "failed-login", "", T);
	ck_assert_uint_eq(res.count, 1);
	res = report("2001:db8:1:2:ffff:ffff:ffff:ffff", "failed-login", "",
	    T + 1);
	ck_assert_uint_eq(res.count, 2);	/* the same /64 */
	/* another /64 counts on its own */
	res = report("2001:db8:1:3::1", "failed-login", "", T + 1);
	ck_assert_uint_eq(res.count, 1);
	ck_assert(!res.listed);

	res = report("2001:db8:1:2::abcd", "failed-login", "", T + 2);
	ck_assert(res.newly);
	ck_assert_uint_eq(res.count, 3);
	/* the whole /64 is listed */
	f = entries_of("2001:db8:1:2:1234::5", "r");
	ck_assert_int_eq(f.n, 1);
	ck_assert_int_eq(f.e.p.family, 6);
	ck_assert_int_eq(f.e.p.len, 64);
	ipaddr_format(&f.e.p, false, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8:1:2::/64");
	ck_assert(listed("2001:db8:1:2::1", R, T + 3, NULL));
	ck_assert(listed("2001:db8:1:2:dead:beef::", R, T + 3, NULL));
	ck_assert(!listed("2001:db8:1:3::1", R, T + 3, NULL));
	ck_assert(!listed("2001:db8:1:1:ffff:ffff:ffff:ffff", R, T + 3, NULL));

	/* its history is that of the /64, whichever address asks */
	hl = history("2001:db8:1:2::77");
	ck_assert_int_eq(hl.n, 1);
	ck_assert_uint_eq(hl.h[0].total, 3);
	ipaddr_format(&hl.h[0].key, false, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8:1:2::/64");
	hl = history("2001:db8:1:3::9");
	ck_assert_int_eq(hl.n, 1);
	ck_assert_uint_eq(hl.h[0].total, 1);
	/* and every record: two */
	ck_assert_int_eq(history(NULL).n, 2);
}
END_TEST

/* 0 if report_check_text takes SERVICE and REASON, else its errno (with
 * a message). */
static int
check_text(const char *service, const char *reason)
{
	char err[128] = "";

	errno = 0;
	if (report_check_text(service, reason, err, sizeof(err)) == 0)
		return 0;
	ck_assert_str_ne(err, "");
	return errno;
}

START_TEST(test_check_text)
{
	char s[300];

	ck_assert_int_eq(check_text("", ""), 0);
	ck_assert_int_eq(check_text("dovecot", "bad password"), 0);
	ck_assert_int_eq(check_text("postfix/smtpd-1.2_x", "a:b \"c\" é"), 0);
	ck_assert_int_eq(check_text("a$b", ""), EINVAL);
	ck_assert_int_eq(check_text("$", ""), EINVAL);
	ck_assert_int_eq(check_text("a b", ""), EINVAL);
	ck_assert_int_eq(check_text("a\nb", ""), EINVAL);
	ck_assert_int_eq(check_text("", "line\nbreak"), EINVAL);
	ck_assert_int_eq(check_text("", "tab\there"), EINVAL);
	ck_assert_int_eq(check_text("", "del\x7f"), EINVAL);
	ck_assert_int_eq(check_text("", "\x1b[31mred"), EINVAL);
	/* 63 characters of service, 200 of reason */
	memset(s, 's', 63);
	s[63] = '\0';
	ck_assert_int_eq(check_text(s, ""), 0);
	strcat(s, "s");
	ck_assert_int_eq(check_text(s, ""), EINVAL);
	memset(s, 'r', 200);
	s[200] = '\0';
	ck_assert_int_eq(check_text("", s), 0);
	strcat(s, "r");
	ck_assert_int_eq(check_text("", s), EINVAL);

	ck_assert(reports_type_known(conf, "failed-login"));
	ck_assert(reports_type_known(conf, "spam"));
	ck_assert(!reports_type_known(conf, "nope"));
	ck_assert(!reports_type_known(conf, ""));
}
END_TEST

START_TEST(test_prune)
{
	struct report_result res;

	/* quiet, never listed */
	report("198.51.100.1", "failed-login", "", T);
	/* listed for a day by two sources */
	res = report_n("198.51.100.2", "spam", 2, T);
	ck_assert(res.listed);
	ck_assert_uint_eq(res.expires, T + 1 + 86400);
	/* reported later: still within its history */
	report("198.51.100.3", "failed-login", "", T + 3000);
	ck_assert_int_eq(history(NULL).n, 4);

	ck_assert_int_eq(reports_prune(st, view, T + 10), 0);
	ck_assert_int_eq(reports_prune(st, view, T + HOUR - 1), 0);
	/* history = 1h: the quiet one is forgotten */
	ck_assert_int_eq(reports_prune(st, view, T + HOUR), 1);
	ck_assert_int_eq(history("198.51.100.1").n, 0);
	ck_assert_int_eq(history("198.51.100.2").n, 2);
	ck_assert_int_eq(history("198.51.100.3").n, 1);
	/* the listed one stays until its ban ends, then goes with r's history
	 * (1h) and r2's (default 30d) */
	ck_assert_int_eq(reports_prune(st, view, T + 3000 + HOUR), 1);
	ck_assert_int_eq(history("198.51.100.3").n, 0);
	ck_assert_int_eq(reports_prune(st, view, T + 86400), 0);
	ck_assert_int_eq(reports_prune(st, view, T + 1 + 86400), 1);
	ck_assert_int_eq(history("198.51.100.2").n, 1);
	ck_assert_int_eq(history("198.51.100.2").h[0].srcid, srcids[R2]);
	ck_assert_int_eq(reports_prune(st, view, T + 1 + 30 * 86400),
	    1);
	ck_assert_int_eq(history(NULL).n, 0);

	/* a forgotten IP starts again at its first offence */
	ck_assert_uint_eq(report_n("198.51.100.2", "spam", 2, T + 40 * 86400)
	    .offences, 1);
}
END_TEST

/* Pruning many records, every other one: none skipped, none kept wrongly
 * (the prune deletes under a cursor, across many pages). */
START_TEST(test_prune_many)
{
	enum { N = 3000 };
	struct rjob *jobs = calloc(N, sizeof(*jobs));
	int *results = calloc(N, sizeof(*results));
	char err[256];

	ck_assert_ptr_nonnull(jobs);
	ck_assert_ptr_nonnull(results);
	for (int i = 0; i < N; i++) {
		ipaddr_set_v4(&jobs[i].r.ip, 0x0a000000u + (uint32_t)i, 32);
		jobs[i].r.type = "failed-login";
		jobs[i].r.service = "sshd";
		jobs[i].r.reason = "a reason long enough to fill the pages";
		/* odd addresses are seen later, within their history */
		jobs[i].r.now = i % 2 ? T + 3000 : T;
	}
	ck_assert_msg(store_batch(st, N, rjob_fn, jobs, results, err,
	    sizeof(err)) == 0, "%s", err);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(results[i], 0);
	ck_assert_int_eq(history(NULL).n, N);
	ck_assert_int_eq(reports_prune(st, view, T + HOUR), N / 2);
	ck_assert_int_eq(history(NULL).n, N / 2);
	ck_assert_int_eq(history("10.0.0.0").n, 0);
	ck_assert_int_eq(history("10.0.0.1").n, 1);
	ck_assert_int_eq(history("10.0.11.183").n, 1);	/* the last */
	ck_assert_int_eq(reports_prune(st, view, T + 3000 + HOUR),
	    N / 2);
	ck_assert_int_eq(history(NULL).n, 0);
	free(jobs);
	free(results);
}
END_TEST

/* Forgetting matters: an IP pruned after its history gets a first ban. */
START_TEST(test_prune_resets_offences)
{
	uint32_t t2 = T + 3 * HOUR;

	ck_assert_uint_eq(report_n("198.51.100.7", "failed-login", 3, T).ban,
	    HOUR);
	ck_assert_int_eq(reports_prune(st, view, T + 2 + 2 * HOUR), 1);
	ck_assert_uint_eq(report_n("198.51.100.7", "failed-login", 3, t2).ban,
	    HOUR);
}
END_TEST

START_TEST(test_two_sources)
{
	struct report_result res;
	struct hist_list hl;
	uint32_t a;

	res = report("198.51.100.20", "spam", "postfix", T);
	ck_assert_uint_eq(res.count, 1);
	ck_assert(!res.listed);
	res = report("198.51.100.20", "spam", "postfix", T + 5);
	ck_assert(res.newly);
	ck_assert_uint_eq(res.count, 2);
	ck_assert_uint_eq(res.expires, T + 5 + 86400);
	/* both sources counted it and both list it */
	ck_assert(listed("198.51.100.20", R, T + 6, &a));
	ck_assert_uint_eq(a, 0x7f000003);
	ck_assert(listed("198.51.100.20", R2, T + 6, &a));
	ck_assert_uint_eq(a, 0x7f000004);
	ck_assert_int_eq(entries_of("198.51.100.20", NULL).n, 2);
	ck_assert(entries_of("198.51.100.20", "r").has_txt);
	ck_assert(!entries_of("198.51.100.20", "r2").has_txt);
	hl = history("198.51.100.20");
	ck_assert_int_eq(hl.n, 2);
	ck_assert_uint_eq(hl.h[0].total, 2);
	ck_assert_uint_eq(hl.h[1].total, 2);
	ck_assert_int_ne(hl.h[0].srcid, hl.h[1].srcid);
	/* a type only r knows is counted by r only */
	report("198.51.100.21", "failed-login", "", T);
	hl = history("198.51.100.21");
	ck_assert_int_eq(hl.n, 1);
	ck_assert_int_eq(hl.h[0].srcid, srcids[R]);
}
END_TEST

/* ---- batches ---- */

struct bjob {
	const char	*prefix;
	bool		 fail;
};

static int
bjob_fn(struct store_txn *t, void *arg, int j)
{
	struct bjob *jobs = arg;
	struct prefix p;
	char key[32];
	ck_assert_int_eq(ipaddr_parse_prefix(jobs[j].prefix, &p, NULL, 0), 0);
	if (store_txn_add(t, srcids[R], &p, false, 0x7f000003, NULL, 0,
	    "batch", ORIGIN_API) != 0)
		return -1;
	snprintf(key, sizeof(key), "Xtest%d", j);
	if (store_txn_rec_put(t, key, strlen(key), "v", 1) != 0)
		return -1;
	if (jobs[j].fail) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int
count_rec(void *arg, const void *key, size_t klen, const void *data,
    size_t len)
{
	(void)key;
	(void)klen;
	(void)data;
	(void)len;
	(*(int *)arg)++;
	return 0;
}

START_TEST(test_batch_atomic)
{
	struct bjob jobs[3] = {
		{ "198.51.100.1", false },
		{ "198.51.100.2", true },
		{ "198.51.100.3", false },
	};
	int results[3] = { -1, -1, -1 }, nrec = 0;
	uint32_t s0 = store_serial(st, 0);
	char err[256];

	ck_assert_int_eq(store_batch(st, 3, bjob_fn, jobs, results, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(results[0], 0);
	ck_assert_int_eq(results[1], EINVAL);
	ck_assert_int_eq(results[2], 0);
	ck_assert_int_eq(entries_of("198.51.100.1", NULL).n, 1);
	ck_assert_int_eq(entries_of("198.51.100.2", NULL).n, 0);
	ck_assert_int_eq(entries_of("198.51.100.3", NULL).n, 1);
	ck_assert(listed("198.51.100.1", R, T, NULL));
	ck_assert(!listed("198.51.100.2", R, T, NULL));
	ck_assert_int_eq(store_rec_walk(st, "Xtest", 5, count_rec, &nrec), 0);
	ck_assert_int_eq(nrec, 2);
	ck_assert_int_eq(store_source_count(st, srcids[R]), 2);
	ck_assert_uint_gt(store_serial(st, 0), s0);
	/* a batch where every job fails changes nothing */
	s0 = store_serial(st, 0);
	jobs[0].fail = jobs[2].fail = true;
	jobs[0].prefix = "198.51.100.10";
	jobs[2].prefix = "198.51.100.11";
	ck_assert_int_eq(store_batch(st, 3, bjob_fn, jobs, results, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(entries_of("198.51.100.10", NULL).n, 0);
	ck_assert_int_eq(entries_of("198.51.100.11", NULL).n, 0);
	ck_assert_int_eq(store_source_count(st, srcids[R]), 2);
	ck_assert_uint_eq(store_serial(st, 0), s0);
}
END_TEST

/* A failing report job in a batch does not undo the others' counting. */
START_TEST(test_batch_reports)
{
	struct rjob jobs[3];
	int results[3];
	char err[256];

	memset(jobs, 0, sizeof(jobs));
	for (int i = 0; i < 3; i++) {
		jobs[i].r.ip = addr("198.51.100.5");
		jobs[i].r.type = "failed-login";
		jobs[i].r.service = "";
		jobs[i].r.reason = "";
		jobs[i].r.now = T + (uint32_t)i;
	}
	/* three reports in one transaction: each sees the one before */
	ck_assert_int_eq(store_batch(st, 3, rjob_fn, jobs, results, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(jobs[0].res.count, 1);
	ck_assert_uint_eq(jobs[1].res.count, 2);
	ck_assert_uint_eq(jobs[2].res.count, 3);
	ck_assert(jobs[2].res.newly);
	ck_assert(listed("198.51.100.5", R, T + 3, NULL));
}
END_TEST

/* ---- group commit ---- */

struct cqjob {
	struct report		 r;
	struct report_result	 res;
};

static int
cq_fn(struct store_txn *t, void *arg)
{
	struct cqjob *j = arg;

	return reports_apply(t, view, &j->r, &j->res);
}

static int
cq_fail(struct store_txn *t, void *arg)
{
	struct prefix p;

	(void)arg;
	ck_assert_int_eq(ipaddr_parse_prefix("198.51.100.99", &p, NULL, 0), 0);
	ck_assert_int_eq(store_txn_add(t, srcids[R], &p, false, 0x7f000003,
	    NULL, 0, "", ORIGIN_API), 0);
	errno = EPERM;
	return -1;
}

struct thr {
	struct commitq	*cq;
	int		 id;
	int		 fails;
};

#define THREADS		8
#define PER_THREAD	20

static void *
thr_main(void *arg)
{
	struct thr *th = arg;
	char err[256];

	for (int i = 0; i < PER_THREAD; i++) {
		struct cqjob j;

		memset(&j, 0, sizeof(j));
		if (ipaddr_parse_addr("2001:db8:9::1", &j.r.ip) != 0) {
			th->fails++;	/* no ck_assert outside the test's thread */
			continue;
		}
		j.r.ip.addr[15] = (uint8_t)th->id;	/* the same /64 */
		j.r.type = "spam";
		j.r.service = "";
		j.r.reason = "";
		j.r.now = T + (uint32_t)i;
		if (commitq_run(th->cq, cq_fn, &j, err, sizeof(err)) != 0)
			th->fails++;
	}
	return NULL;
}

START_TEST(test_commitq)
{
	struct commitq *cq;
	struct cqjob j;
	struct hist_list hl;
	pthread_t tids[THREADS];
	struct thr th[THREADS];
	uint64_t batches, njobs;
	char err[256];

	ck_assert_ptr_nonnull(cq = commitq_start(st));
	memset(&j, 0, sizeof(j));
	j.r.ip = addr("198.51.100.7");
	j.r.type = "spam";
	j.r.service = "";
	j.r.reason = "";
	j.r.now = T;
	ck_assert_int_eq(commitq_run(cq, cq_fn, &j, err, sizeof(err)), 0);
	ck_assert_uint_eq(j.res.count, 1);
	j.r.now = T + 1;
	ck_assert_int_eq(commitq_run(cq, cq_fn, &j, err, sizeof(err)), 0);
	ck_assert(j.res.newly);
	/* committed on return */
	ck_assert(listed("198.51.100.7", R, T + 2, NULL));
	/* a job's error comes back, and leaves no trace */
	errno = 0;
	ck_assert_int_eq(commitq_run(cq, cq_fail, NULL, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(entries_of("198.51.100.99", NULL).n, 0);

	/* many writers at once: no report is lost */
	for (int i = 0; i < THREADS; i++) {
		th[i].cq = cq;
		th[i].id = i + 1;
		th[i].fails = 0;
		ck_assert_int_eq(pthread_create(&tids[i], NULL, thr_main,
		    &th[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tids[i], NULL);
		ck_assert_int_eq(th[i].fails, 0);
	}
	hl = history("2001:db8:9::1");
	ck_assert_int_eq(hl.n, 2);	/* r and r2 */
	ck_assert_uint_eq(hl.h[0].total, THREADS * PER_THREAD);
	ck_assert_uint_eq(hl.h[1].total, THREADS * PER_THREAD);
	commitq_stats(cq, &batches, &njobs);
	ck_assert_uint_eq(njobs, 3 + THREADS * PER_THREAD);
	ck_assert_uint_le(batches, njobs);
	ck_assert_uint_ge(batches, 1);
	commitq_stop(cq);
}
END_TEST

/* reports_walk over every record, page by page with AFTER. */
static int
first_cb(void *arg, const struct report_history *h)
{
	*(struct report_history *)arg = *h;
	return 1;
}

START_TEST(test_walk_after)
{
	struct report_history h;
	struct prefix after;
	char buf[IPADDR_STRLEN];
	int asrc;

	report("198.51.100.1", "failed-login", "", T);
	report("198.51.100.2", "failed-login", "", T);
	report("198.51.100.3", "failed-login", "", T);
	memset(&h, 0, sizeof(h));
	ck_assert_int_eq(reports_walk(st, view, NULL, NULL, 0,
	    first_cb, &h), 0);
	ipaddr_format(&h.key, true, buf, sizeof(buf));
	ck_assert_str_eq(buf, "198.51.100.1");
	after = h.key;
	asrc = h.srcid;
	memset(&h, 0, sizeof(h));
	ck_assert_int_eq(reports_walk(st, view, NULL, &after, asrc,
	    first_cb, &h), 0);
	ipaddr_format(&h.key, true, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "198.51.100.2") == 0, "the walk after "
	    "198.51.100.1 starts at %s", buf);
}
END_TEST

/* One IP in two sources: the cursor moves from the first to the second. */
START_TEST(test_walk_ip_after)
{
	struct report_history h, h2;
	struct prefix ip = addr("198.51.100.1");

	report("198.51.100.1", "spam", "", T);	/* both r and r2 count it */
	memset(&h, 0, sizeof(h));
	ck_assert_int_eq(reports_walk(st, view, &ip, NULL, 0,
	    first_cb, &h), 0);
	ck_assert_int_eq(h.srcid, srcids[R]);
	memset(&h2, 0, sizeof(h2));
	ck_assert_int_eq(reports_walk(st, view, &ip, &h.key, h.srcid,
	    first_cb, &h2), 0);
	ck_assert_int_eq(h2.srcid, srcids[R2]);
	memset(&h, 0, sizeof(h));
	ck_assert_int_eq(reports_walk(st, view, &ip, &h2.key,
	    h2.srcid, first_cb, &h), 0);
	ck_assert_int_eq(h.total, 0);		/* nothing after the last */
}
END_TEST

/* A report type's count lowered by a reload: the times kept shrink to it. */
START_TEST(test_count_lowered)
{
	struct conf_rtype *rt = (struct conf_rtype *)conf_rtype(
	    &conf->sources[R], "spam");
	struct report_result res;

	rt->count = 6;
	for (uint32_t i = 0; i < 6; i++)
		res = report("192.0.2.99", "spam", "", T + i);
	ck_assert_uint_eq(res.count, 6);
	rt->count = 2;
	for (uint32_t i = 0; i < 3; i++) {
		res = report("192.0.2.99", "spam", "", T + 10 + i);
		ck_assert_uint_eq(res.count, 2);
	}
	ck_assert(res.allowlisted && !res.listed);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("reports");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_threshold);
	tcase_add_test(tc, test_window);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_ban_lengths);
	tcase_add_test(tc, test_escalation);
	tcase_add_test(tc, test_escalation_while_listed);
	tcase_add_test(tc, test_record_versions);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_allowlist);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_check_text);
	tcase_add_test(tc, test_prune);
	tcase_add_test(tc, test_prune_many);
	tcase_add_test(tc, test_prune_resets_offences);
	tcase_add_test(tc, test_two_sources);
	tcase_add_test(tc, test_batch_atomic);
	tcase_add_test(tc, test_batch_reports);
	tcase_add_test(tc, test_commitq);
	tcase_add_test(tc, test_walk_after);
	tcase_add_test(tc, test_count_lowered);
	tcase_add_test(tc, test_walk_ip_after);
	suite_add_tcase(s, tc);
	return test_run(s);
}
