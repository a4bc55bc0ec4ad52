/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/feed_parse.c and feed.c: every feed format, the policy, the refusals, a refresh and its status. */
#include <sys/resource.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../rbld/conf.h"
#include "../rbld/feed.h"
#include "../rbld/log.h"
#include "../rbld/store.h"
#include "testutil.h"

#define DEF_A	0x7f000002u	/* 127.0.0.2 */
#define DEF_TXT	"Listed: $"
#define ZONE	"bl.example.org"

static struct rbl_data		D;	/* what the last parse filled */
static struct feed_counts	C;
static struct feed_policy	P;
static char			E[FEED_ERR_MAX];

/* The policy of a feed source that sets none of min-prefix, allow-special
 * and max-shrink. */
static void
policy_default(struct feed_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->min_prefix4 = 8;
	p->min_prefix6 = 19;
	p->allow_special = false;
	p->max_shrink = 50;
}

static void
setup(void)
{
	memset(&D, 0, sizeof(D));
	policy_default(&P);
}

static void
teardown(void)
{
	rbldnsd_free(&D);
}

/* Parse LEN bytes of BUF into a fresh data set, finished as the caller does. */
static int
parse_buf(enum feed_format f, const char *buf, size_t len, const char *zone)
{
	int rc, why;

	rbldnsd_free(&D);
	ck_assert_int_eq(rbldnsd_init(&D, DEF_A, DEF_TXT), 0);
	memset(&C, 0xa5, sizeof(C));	/* feed_parse must set every count */
	memset(E, 'x', sizeof(E));
	errno = 0;
	rc = feed_parse(f, buf, len, zone, &P, &D, &C, E, sizeof(E));
	why = errno;
	/* A list refused is bad input. */
	if (rc != 0)
		ck_assert_int_eq(why, EINVAL);
	/* The reason is one line of text, and there only on failure. */
	for (const char *e = E; *e != '\0'; e++)
		ck_assert_msg((unsigned char)*e >= 0x20 && *e != 0x7f,
		    "control byte in \"%s\"", E);
	if (rc == 0)
		ck_assert_str_eq(E, "");
	else
		ck_assert_uint_gt(strlen(E), 0);
	ck_assert_int_eq(rbldnsd_finish(&D), 0);
	return rc;
}

static int
parse(enum feed_format f, const char *text)
{
	return parse_buf(f, text, strlen(text), f == FEED_AXFR ? ZONE : NULL);
}

static char *
slurp(const char *name, size_t *len)
{
	const char *dir = getenv("RBLD_TEST_DIR");
	char path[PATH_MAX];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/data/feeds/%s",
	    dir != NULL && *dir != '\0' ? dir : "tests", name);
	ck_assert_msg((f = fopen(path, "rb")) != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(f), 0);
	rewind(f);
	ck_assert_ptr_nonnull(buf = malloc((size_t)n + 1));
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static int
parse_file(enum feed_format f, const char *name)
{
	size_t len;
	char *buf = slurp(name, &len);
	int rc = parse_buf(f, buf, len, f == FEED_AXFR ? ZONE : NULL);

	free(buf);
	return rc;
}

static void
counts_are(size_t lines, size_t accepted, size_t rejected, size_t broad,
    size_t special)
{
	ck_assert_uint_eq(C.lines, lines);
	ck_assert_uint_eq(C.accepted, accepted);
	ck_assert_uint_eq(C.rejected, rejected);
	ck_assert_uint_eq(C.broad, broad);
	ck_assert_uint_eq(C.special, special);
	ck_assert_uint_eq(D.nents, accepted);
}

/* The entry for prefix S, or NULL. */
static const struct rbl_entry *
find(const char *s)
{
	struct prefix p;
	size_t i;

	ck_assert_int_eq(ipaddr_parse_prefix(s, &p, NULL, 0), 0);
	for (i = 0; i < D.nents; i++)
		if (D.ents[i].p.family == p.family && D.ents[i].p.len == p.len &&
		    memcmp(D.ents[i].p.addr, p.addr, 16) == 0)
			return &D.ents[i];
	return NULL;
}

static const struct rbl_entry *
entry(const char *s)
{
	const struct rbl_entry *e = find(s);

	ck_assert_msg(e != NULL, "no entry %s", s);
	return e;
}

static const char *
txt(const struct rbl_entry *e)
{
	if (e->txt == RBL_NO_TXT)
		return NULL;
	ck_assert_uint_lt(e->txt, D.ntxts);
	return D.txts[e->txt];
}

/* The TXT answer for the address text IP of entry E. */
static const char *
answer(const struct rbl_entry *e, const char *ip)
{
	static char out[RBL_TXT_ANSWER_MAX + 1];
	const char *t = txt(e);
	size_t n;

	ck_assert_ptr_nonnull(t);
	n = rbldnsd_expand(t, strlen(t), ip, out);
	out[n] = '\0';
	return out;
}

static uint64_t
addrs4(void)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < D.nents; i++)
		if (D.ents[i].p.family == 4)
			n += 1ull << (32 - D.ents[i].p.len);
	return n;
}

static size_t
count6(void)
{
	size_t n = 0, i;

	for (i = 0; i < D.nents; i++)
		n += D.ents[i].p.family == 6;
	return n;
}

/* Every entry has the source's defaults (non-rbldnsd formats). */
static void
all_defaults(void)
{
	size_t i;

	for (i = 0; i < D.nents; i++) {
		ck_assert_uint_eq(D.ents[i].a, DEF_A);
		ck_assert(!D.ents[i].excl);
		ck_assert_str_eq(txt(&D.ents[i]), DEF_TXT);
	}
}

static void
err_has(const char *what)
{
	ck_assert_msg(strstr(E, what) != NULL, "\"%s\" not in \"%s\"", what, E);
}

/* ---- names, policy, special ranges ---- */

START_TEST(test_format_names)
{
	static const char *const names[] = { "plain", "rbldnsd", "spamhaus",
	    "spamhaus-json", "dshield", "netset", "axfr" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int f = feed_format_parse(names[i]);

		ck_assert_int_eq(f, FEED_PLAIN + (int)i);
		ck_assert_str_eq(feed_format_name(f), names[i]);
	}
	ck_assert_int_eq(feed_format_parse("json"), -1);
	ck_assert_int_eq(feed_format_parse("Plain"), -1);
	ck_assert_int_eq(feed_format_parse(""), -1);
}
END_TEST

static bool
special(const char *s)
{
	struct prefix p;

	ck_assert_int_eq(ipaddr_parse_prefix(s, &p, NULL, 0), 0);
	return feed_special(&p);
}

START_TEST(test_special_ranges)
{
	static const char *const yes[] = {
		"0.0.0.0/8", "0.1.2.3", "10.0.0.0/8", "10.20.30.0/24",
		"100.64.0.0/10", "100.127.255.255", "127.0.0.1", "169.254.1.1",
		"172.16.0.0/12", "172.31.255.0/24", "192.0.0.0/24", "192.0.0.9",
		"192.0.2.0/24", "192.88.99.1", "192.168.0.0/16", "198.18.0.0/15",
		"198.19.255.255", "198.51.100.7", "203.0.113.0/25",
		"224.0.0.1", "239.255.255.255", "240.0.0.0/4",
		"255.255.255.255",
		/* covering a special range is as bad as being in one */
		"0.0.0.0/0", "8.0.0.0/6", "192.0.0.0/8", "224.0.0.0/3",
		"::", "::1", "::ffff:0:0/96", "::ffff:1.2.3.4", "64:ff9b::/96",
		"64:ff9b::8.8.8.8", "100::/64", "100::1", "2001:db8::/32",
		"2001:db8:1::1", "fc00::/7", "fd12:3456::1", "fe80::/10",
		"febf::1", "ff02::1", "ff00::/8", "::/0", "2000::/3",
	};
	static const char *const no[] = {
		"1.0.0.0/8", "9.255.255.255", "11.0.0.0/8", "100.63.255.255",
		"100.128.0.0/9", "126.255.255.255", "128.0.0.0/8",
		"169.253.0.0/16", "172.15.255.255", "172.32.0.0/11",
		"192.0.1.0/24", "192.0.3.0/24", "192.88.98.0/24", "192.167.0.0/16",
		"192.169.0.0/16", "198.17.0.0/16", "198.20.0.0/14",
		"198.51.101.0/24", "203.0.112.0/24", "223.255.255.0/24",
		"::2", "::fffe:0:0/96", "64:ff9b:1::/48", "100:0:0:1::/64",
		"2001::/23", "2001::1", "2001:4860::/32", "2001:db9::/32",
		"fe00::/9", "fec0::/10", "feff::/16", "2a00:1450::/32",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ck_assert_msg(special(yes[i]), "%s is special", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!special(no[i]), "%s is not special", no[i]);
}
END_TEST

/* ---- the real published files (counts checked with Python ipaddress) ---- */

START_TEST(test_real_ipsum_head)
{
	ck_assert_int_eq(parse_file(FEED_PLAIN, "ipsum-head.txt"), 0);
	/* "IP<TAB>count": the first field; the 7 '#' lines are no data. */
	counts_are(975, 975, 0, 0, 0);
	ck_assert_uint_eq(addrs4(), 975);
	ck_assert_uint_eq(entry("80.94.95.112")->line, 8);
	ck_assert_uint_eq(entry("152.32.206.160")->line, 982);
	all_defaults();
	ck_assert_str_eq(answer(entry("80.94.95.112"), "80.94.95.112"),
	    "Listed: 80.94.95.112");

	/* As a netset, the count column is text after the address. */
	ck_assert_int_eq(parse_file(FEED_NETSET, "ipsum-head.txt"), -1);
	counts_are(975, 0, 975, 0, 0);
	err_has("mostly unparseable as netset");
	err_has("line 8: text after the address");
}
END_TEST

START_TEST(test_real_ipsum_level6)
{
	ck_assert_int_eq(parse_file(FEED_PLAIN, "ipsum-level6.txt"), 0);
	counts_are(1366, 1366, 0, 0, 0);
	ck_assert_uint_eq(addrs4(), 1366);
	ck_assert_uint_eq(entry("223.247.218.112")->line, 1366);
	ck_assert_int_eq(parse_file(FEED_NETSET, "ipsum-level6.txt"), 0);
	counts_are(1366, 1366, 0, 0, 0);
}
END_TEST

START_TEST(test_real_kashalls)
{
	enum feed_format f[] = { FEED_PLAIN, FEED_SPAMHAUS };
	size_t i;

	for (i = 0; i < 2; i++) {
		/* "2.58.95.0/24,DE" is rejected; 1 of 11 is no majority. */
		ck_assert_int_eq(parse_file(f[i], "kashalls-drop-mixed.txt"), 0);
		counts_are(11, 10, 1, 0, 0);
		ck_assert_uint_eq(count6(), 5);
		ck_assert_uint_eq(addrs4(), 1280);
		ck_assert_ptr_null(find("2.58.95.0/24"));
		ck_assert_uint_eq(entry("94.103.124.0/24")->line, 10);
		/* The last line has no newline. */
		ck_assert_uint_eq(entry("2a06:1287:e800::/39")->line, 15);
		all_defaults();
	}
}
END_TEST

START_TEST(test_real_spamhaus_drop)
{
	ck_assert_int_eq(parse_file(FEED_SPAMHAUS, "spamhaus-drop.txt"), 0);
	counts_are(936, 936, 0, 0, 0);
	ck_assert_uint_eq(addrs4(), 16678144);
	ck_assert_uint_eq(entry("1.10.16.0/20")->line, 5);
	ck_assert_uint_eq(entry("223.254.0.0/16")->line, 940);
	all_defaults();
}
END_TEST

START_TEST(test_real_spamhaus_json)
{
	ck_assert_int_eq(parse_file(FEED_SPAMHAUS_JSON,
	    "spamhaus-drop_v4-head.json"), 0);
	counts_are(265, 265, 0, 0, 0);
	ck_assert_uint_eq(addrs4(), 4258048);
	ck_assert_uint_eq(entry("1.10.16.0/20")->line, 1);
	/* "rir":null does not matter. */
	ck_assert_uint_eq(entry("86.106.104.0/24")->line, 265);
	all_defaults();

	/* The same file is not a line-per-CIDR list. */
	ck_assert_int_eq(parse_file(FEED_PLAIN, "spamhaus-drop_v4-head.json"),
	    -1);
	counts_are(265, 0, 265, 0, 0);
}
END_TEST

START_TEST(test_real_dshield_block)
{
	ck_assert_int_eq(parse_file(FEED_DSHIELD, "dshield-block.txt"), 0);
	/* The "Start End Netmask ..." header row is no data line. */
	counts_are(20, 20, 0, 0, 0);
	ck_assert_uint_eq(addrs4(), 5120);
	ck_assert_uint_eq(entry("77.72.82.0/24")->line, 30);
	ck_assert_uint_eq(entry("104.236.178.0/24")->line, 49);
	all_defaults();
}
END_TEST

START_TEST(test_real_netsets)
{
	ck_assert_int_eq(parse_file(FEED_NETSET, "dshield.netset"), 0);
	counts_are(20, 20, 0, 0, 0);
	ck_assert_uint_eq(addrs4(), 5120);
	ck_assert_uint_eq(entry("43.229.53.0/24")->line, 31);
	all_defaults();

	ck_assert_int_eq(parse_file(FEED_NETSET, "spamhaus_drop.netset"), 0);
	counts_are(683, 683, 0, 0, 0);
	ck_assert_uint_eq(addrs4(), 22583552);

	ck_assert_int_eq(parse_file(FEED_NETSET, "spamhaus_edrop.netset"), 0);
	counts_are(63, 63, 0, 0, 0);
	ck_assert_uint_eq(addrs4(), 786944);

	ck_assert_int_eq(parse_file(FEED_NETSET, "et_compromised.ipset"), 0);
	counts_are(2191, 2191, 0, 0, 0);
	ck_assert_uint_eq(addrs4(), 2191);
	ck_assert_uint_eq(entry("99.63.238.108")->line, 2210);
}
END_TEST

START_TEST(test_real_firehol_level1)
{
	static const char *const bogons[] = { "0.0.0.0/8", "10.0.0.0/8",
	    "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
	    "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
	    "198.51.100.0/24", "203.0.113.0/24" };
	size_t i;

	/* 6273 entries, 680,864,624 addresses as published: 12 bogons are
	 * special and 224.0.0.0/3 is broader than /8. */
	ck_assert_int_eq(parse_file(FEED_NETSET, "firehol_level1.netset"), 0);
	counts_are(6273, 6260, 0, 1, 12);
	ck_assert_uint_eq(addrs4(), 88156016);
	for (i = 0; i < sizeof(bogons) / sizeof(bogons[0]); i++)
		ck_assert_ptr_null(find(bogons[i]));
	ck_assert_ptr_null(find("224.0.0.0/3"));
	ck_assert_uint_eq(entry("1.93.0.224")->line, 38);

	/* allow_special keeps the bogons; 224/3 is still too broad. */
	P.allow_special = true;
	ck_assert_int_eq(parse_file(FEED_NETSET, "firehol_level1.netset"), 0);
	counts_are(6273, 6272, 0, 1, 0);
	ck_assert_uint_eq(entry("10.0.0.0/8")->line, 100);
	ck_assert_uint_eq(addrs4(), 680864624u - 536870912u);

	/* And a /2 minimum keeps everything. */
	P.min_prefix4 = 2;
	ck_assert_int_eq(parse_file(FEED_NETSET, "firehol_level1.netset"), 0);
	counts_are(6273, 6273, 0, 0, 0);
	ck_assert_uint_eq(addrs4(), 680864624u);
}
END_TEST

START_TEST(test_real_rbldnsd_zone)
{
	ck_assert_int_eq(parse_file(FEED_RBLDNSD, "real-rbldnsd.zone"), 0);
	/* 100::1/128 is in 100::/64 (special), 2000::/6 broader than /19. */
	counts_are(287, 285, 0, 1, 1);
	ck_assert_uint_eq(count6(), 285);
	ck_assert_ptr_null(find("100::1/128"));
	ck_assert_ptr_null(find("2000::/6"));
	ck_assert_str_eq(answer(entry("2001:1201:10::/48"), "2001:1201:10::1"),
	    "27661|2001:1201:10::/48|MX|lacnic|");
	ck_assert_uint_eq(entry("2001:1201:10::/48")->line, 4);
	ck_assert_uint_eq(entry("2001:1248:24b2::/48")->line, 287);
	ck_assert_uint_eq(entry("2001:1248:24b2::/48")->a, DEF_A);
}
END_TEST

/* ---- each format by hand ---- */

START_TEST(test_plain_forms)
{
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "# comment\n"
	    "; another comment\n"
	    "   # indented comment\n"
	    "\n"
	    "1.2.3.4\n"
	    "5.6.7.0/24 # trailing\n"
	    "8.8.4.0/22;trailing\n"
	    "\t9.9.9.9\t42\textra fields\n"
	    "2a00:1450::/32\n"
	    "2a00:1450:4001::1 ; v6 host\n"
	    "2a03:2880::/29#fb\n"
	    "1.2.3.128/24\n"		/* host bits */
	    "2a00:1450::1/32\n"		/* host bits */
	    "1.2.3\n"			/* rbldnsd short form: not plain */
	    "300.1.1.1\n"
	    "1.2.3.4/33\n"), 0);
	counts_are(12, 7, 5, 0, 0);
	ck_assert_uint_eq(entry("1.2.3.4")->line, 5);
	ck_assert_uint_eq(entry("5.6.7.0/24")->line, 6);
	ck_assert_uint_eq(entry("8.8.4.0/22")->line, 7);
	ck_assert_uint_eq(entry("9.9.9.9")->line, 8);
	ck_assert_uint_eq(entry("2a00:1450::/32")->line, 9);
	ck_assert_uint_eq(entry("2a00:1450:4001::1")->line, 10);
	ck_assert_uint_eq(entry("2a03:2880::/29")->line, 11);
	ck_assert_uint_eq(count6(), 3);
	all_defaults();

	/* An IPv4-mapped entry is the IPv4 one, vetted as IPv4 (/8 at the
	 * broadest), even where special ranges are kept. */
	P.allow_special = true;
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "::ffff:198.51.100.7\n"
	    "::ffff:0.0.0.0/96\n"
	    "::ffff:10.0.0.0/104\n"), 0);
	counts_are(3, 2, 0, 1, 0);
	ck_assert_ptr_nonnull(entry("198.51.100.7"));
	ck_assert_ptr_nonnull(entry("10.0.0.0/8"));
	ck_assert_uint_eq(count6(), 0);
}
END_TEST

START_TEST(test_spamhaus_forms)
{
	ck_assert_int_eq(parse(FEED_SPAMHAUS,
	    "; Spamhaus DROP List 2023/02/20 - (c) 2023 The Spamhaus Project\n"
	    "; Last-Modified: Sun, 19 Feb 2023 22:03:03 GMT\n"
	    "1.10.16.0/20 ; SBL256894\n"
	    "1.19.0.0/16;SBL434604\n"
	    "2001:678:738::/48 ; SBL591000\n"
	    "2a06:e480::/29 ; SBL301771\n"
	    "2.56.192.0/22 SBL459831\n"	/* no ';': text after it */
	    "2.57.123.0/23 ; SBL636050\n"	/* host bits */
	    "# hash comment\n"), 0);
	counts_are(6, 4, 2, 0, 0);
	ck_assert_ptr_nonnull(find("1.19.0.0/16"));
	ck_assert_uint_eq(entry("2001:678:738::/48")->line, 5);
	ck_assert_uint_eq(count6(), 2);
	all_defaults();
}
END_TEST

START_TEST(test_json_forms)
{
	ck_assert_int_eq(parse(FEED_SPAMHAUS_JSON,
	    "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\n"
	    "{\"cidr\":\"2001:678:738::/48\",\"sblid\":\"SBL1\",\"rir\":\"ripencc\"}\n"
	    "{\"cidr\":\"1.19.0.0/16\",\"sblid\":\"SBL2\",\"rir\":null\n"	/* syntax */
	    "{\"cidr\":\"2.56.192.0/22\",\"cidr\":\"2.57.0.0/16\"}\n"	/* duplicate */
	    "{\"sblid\":\"SBL3\"}\n"			/* no cidr */
	    "{\"cidr\":42}\n"
	    "[\"2.58.0.0/16\"]\n"
	    "{\"cidr\":\"3.0.0.0/8\\u0000x\"}\n"	/* jansson: no NUL */
	    "{\"cidr\":\"5.0.0.1/8\"}\n"		/* host bits */
	    "{\"cidr\":\"5.6.0.0/16\"} trailing\n"
	    "\n"
	    "  {\"cidr\" : \"2a06:e480::/29\", \"extra\": {\"x\": [1,2]}}  \n"
	    "{\"type\":\"metadata\",\"timestamp\":1700000000,\"size\":92658,"
	    "\"records\":1234,\"copyright\":\"(c) 2023 The Spamhaus Project\"}\n"), -1);
	/* The metadata line is no data line; the rest are, most of them bad. */
	counts_are(11, 3, 8, 0, 0);
	err_has("mostly unparseable as spamhaus-json: 8 of 11");
	err_has("(line 3: bad JSON: ");
	ck_assert_uint_eq(entry("1.10.16.0/20")->line, 1);
	ck_assert_uint_eq(entry("2001:678:738::/48")->line, 2);
	ck_assert_uint_eq(entry("2a06:e480::/29")->line, 12);
	ck_assert_ptr_null(find("2.56.192.0/22"));
	ck_assert_ptr_null(find("2.57.0.0/16"));
	all_defaults();

	/* One broken line among good ones: only that line goes. */
	ck_assert_int_eq(parse(FEED_SPAMHAUS_JSON,
	    "{\"cidr\":\"1.10.16.0/20\"}\n"
	    "{\"cidr\":\"1.19.0.0/16\",}\n"
	    "{\"cidr\":\"2.56.192.0/22\"}\n"), 0);
	counts_are(3, 2, 1, 0, 0);
	ck_assert_ptr_nonnull(find("2.56.192.0/22"));

	/* jansson quotes the input; the reason stays one line of text. */
	ck_assert_int_eq(parse(FEED_SPAMHAUS_JSON,
	    "{\"cidr\":\"1.2.3.4\"\r\x0b}\n"), -1);
	err_has("(line 1: bad JSON: ");

	/* Only metadata: empty. */
	ck_assert_int_eq(parse(FEED_SPAMHAUS_JSON,
	    "{\"type\":\"metadata\",\"records\":0}\n"), -1);
	counts_are(0, 0, 0, 0, 0);
	err_has("empty");
}
END_TEST

START_TEST(test_dshield_forms)
{
	ck_assert_int_eq(parse(FEED_DSHIELD,
	    "#\n#   DShield.org Recommended Block List\n#\n"
	    "Start\tEnd\tNetblock\tAttacks\tName\tCountry\temail\n"
	    "77.72.82.0\t77.72.82.255\t24\t9424\tNETUP-AS ,\tRU\ta@b.ru\n"
	    "1.2.3.0\t1.2.4.255\t24\t1\tend does not match\tXX\tx@y\n"
	    "1.2.5.128\t1.2.5.255\t24\t1\thost bits in start\tXX\tx@y\n"
	    "1.2.6.0 1.2.6.255 24 5 blank separated\n"
	    "1.2.7.0\t1.2.7.255\tNetblock\t1\tno length\tXX\tx@y\n"
	    "2001:67c:1::\t2001:67c:1::ffff\t112\t1\tv6\tXX\tx@y\n"
	    "2001:67c:2:1::\t2001:67c:2:2:ffff:ffff:ffff:ffff\t48\t1\tv6 range\n"
	    "1.2.9.0\t1.2.8.255\t24\t1\tbackwards\n"
	    "1.2.10.0\t1.2.10.255\n"
	    "1.2.11.0\t2001:db8::\t24\n"
	    "1.2.12.0\t1.2.12.255\t24\t# commented rest\n"), 0);
	counts_are(11, 10, 3, 0, 0);
	ck_assert_uint_eq(entry("77.72.82.0/24")->line, 5);
	/* A row that does not agree with itself is the range it states. */
	ck_assert_uint_eq(entry("1.2.3.0/24")->line, 6);
	ck_assert_uint_eq(entry("1.2.4.0/24")->line, 6);
	ck_assert_uint_eq(entry("1.2.5.128/25")->line, 7);
	ck_assert_ptr_null(find("1.2.5.0/24"));
	ck_assert_ptr_nonnull(find("1.2.6.0/24"));
	ck_assert_ptr_nonnull(find("1.2.7.0/24"));
	ck_assert_uint_eq(entry("2001:67c:1::/112")->line, 10);
	ck_assert_uint_eq(entry("2001:67c:2:1::/64")->line, 11);
	ck_assert_uint_eq(entry("2001:67c:2:2::/64")->line, 11);
	ck_assert_ptr_nonnull(find("1.2.12.0/24"));
	ck_assert_uint_eq(count6(), 3);
	all_defaults();
}
END_TEST

START_TEST(test_netset_forms)
{
	ck_assert_int_eq(parse(FEED_NETSET,
	    "#\n# firehol_level1\n#\n# ipv4 hash:net ipset\n#\n"
	    "1.2.3.4\n"
	    "5.6.0.0/16 # trailing\n"
	    "2a00:1450::/32\n"
	    "2a03:2880:f000::1\n"
	    "6.7.8.9;x\n"		/* ';' is no comment in a netset */
	    "6.7.8.9 6.7.8.10\n"	/* one per line */
	    "6.7.8.0-6.7.8.255\n"), 0);
	counts_are(7, 4, 3, 0, 0);
	ck_assert_uint_eq(entry("1.2.3.4")->line, 6);
	ck_assert_uint_eq(entry("5.6.0.0/16")->line, 7);
	ck_assert_uint_eq(entry("2a03:2880:f000::1")->line, 9);
	ck_assert_uint_eq(count6(), 2);
	all_defaults();
}
END_TEST

START_TEST(test_rbldnsd_forms)
{
	ck_assert_int_eq(parse(FEED_RBLDNSD,
	    "# comment\n"
	    "$SOA 3600 ns.example.org. hostmaster.example.org. 1 3600 600 86400 300\n"
	    "$NS 3600 ns.example.org.\n"
	    "$TTL 300\n"
	    "1.2.3.4\n"
	    "1.2.4.0/24 :3:Spam from $\n"
	    ":127.0.0.4:Default from here: $\n"
	    "5.6.7.8\n"
	    "2a00:1450::/32 :5:v6 $\n"
	    "9.9.9.0-9.9.10.255\n"
	    "!1.2.4.4\n"
	    "!10.1.2.3\n"		/* exclusions are never dropped */
	    "!0.0.0.0/1\n"
	    "10.0.0.0/8\n"		/* special */
	    "127.0.0.2 :2:test point\n"
	    "0.0.0.0/1\n"		/* broad */
	    "2000::/3\n"
	    "1.2.3.4/24\n"		/* host bits */
	    "$BOGUS x\n"
	    "not-an-address\n"), 0);
	/* 19 lines (specials too), 9 kept, 3 bad, 2 broad, 2 special. */
	counts_are(19, 9, 3, 2, 2);
	ck_assert_uint_eq(D.ttl, 300);
	ck_assert(D.has_soa);
	ck_assert_int_eq(D.nns, 1);
	ck_assert_uint_eq(entry("1.2.3.4")->a, DEF_A);
	ck_assert_str_eq(answer(entry("1.2.3.4"), "1.2.3.4"), "Listed: 1.2.3.4");
	ck_assert_uint_eq(entry("1.2.4.0/24")->a, 0x7f000003u);
	ck_assert_str_eq(answer(entry("1.2.4.0/24"), "1.2.4.9"),
	    "Spam from 1.2.4.9");
	ck_assert_uint_eq(entry("5.6.7.8")->a, 0x7f000004u);
	ck_assert_str_eq(answer(entry("5.6.7.8"), "5.6.7.8"),
	    "Default from here: 5.6.7.8");
	ck_assert_uint_eq(entry("2a00:1450::/32")->a, 0x7f000005u);
	ck_assert_uint_eq(entry("9.9.9.0/24")->line, 10);
	ck_assert_uint_eq(entry("9.9.10.0/24")->line, 10);
	ck_assert(entry("1.2.4.4")->excl);
	ck_assert(entry("10.1.2.3")->excl);
	ck_assert(entry("0.0.0.0/1")->excl);
	ck_assert_ptr_null(find("10.0.0.0/8"));
	ck_assert_ptr_null(find("127.0.0.2"));
	ck_assert_ptr_null(find("2000::/3"));

	/* allow_special keeps 10/8 and 127.0.0.2 with their values. */
	P.allow_special = true;
	ck_assert_int_eq(parse(FEED_RBLDNSD,
	    "10.0.0.0/8\n127.0.0.2 :2:test point\n"), 0);
	counts_are(2, 2, 0, 0, 0);
	ck_assert_str_eq(txt(entry("127.0.0.2")), "test point");
}
END_TEST

START_TEST(test_rbldnsd_only_exclusions_and_defaults)
{
	/* Specials and defaults are data lines but no entries. */
	ck_assert_int_eq(parse(FEED_RBLDNSD,
	    "$TTL 300\n:127.0.0.3:x\n"), -1);
	counts_are(2, 0, 0, 0, 0);
	err_has("empty: no entries as rbldnsd");

	/* An exclusion is an entry. */
	ck_assert_int_eq(parse(FEED_RBLDNSD, "!1.2.3.4\n"), 0);
	counts_are(1, 1, 0, 0, 0);
}
END_TEST

static const char axfr_zone[] =
    "; <<>> DiG 9.18 <<>> @ns axfr bl.example.org\n"
    ";; global options: +cmd\n"
    "bl.example.org.\t3600\tIN\tSOA\tns.example.org. hm.example.org. 7 3600 600 86400 300\n"
    "bl.example.org.\t3600\tIN\tNS\tns.example.org.\n"
    "bl.example.org.\t300\tIN\tA\t127.0.0.2\n"		/* the apex */
    "bl.example.org.\t300\tIN\tTXT\t\"apex\"\n"
    "4.3.2.1.bl.example.org.\t300\tIN\tA\t127.0.0.2\n"
    "4.3.2.1.bl.example.org.\t300\tIN\tTXT\t\"Listed: see http://x/?ip=4.3.2.1\"\n"
    "*.3.2.1.bl.example.org.\t300\tIN\tA\t127.0.0.3\n"	/* /24 */
    "*.6.5.bl.example.org.\t300\tIN\tA\t127.0.0.4\n"	/* /16 */
    "*.6.5.bl.example.org.\t300\tIN\tTXT\t\"costs $5 or $$10\"\n"
    "*.9.bl.example.org.\t300\tIN\tA\t127.0.0.5\n"	/* /8 */
    "*.7.bl.example.org.\tIN\t300\tTXT\t\"only text\"\n"	/* no A */
    "8.8.8.8.bl.example.org. 300 IN A 127.0.0.6\n"		/* no TXT */
    "9.9.9.9.BL.Example.ORG.\t300\tin\ta\t127.0.0.7\n"
    "1.1.1.1.bl.example.org.\t300\tIN\tTXT\t\"=starts with equals\"\n"
    "2.2.2.2.bl.example.org.\t300\tIN\tTXT\t\"part one, \" \"part two\" bare\n"
    "3.3.3.3.bl.example.org.\t300\tIN\tTXT\t\"quote \\\" and \\065\\066\\\\\"\n"
    "2.0.0.127.bl.example.org.\t300\tIN\tA\t127.0.0.2\n"	/* special */
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.4.1.0.0.a.2.ip6.bl.example.org.\t300\tIN\tA\t127.0.0.2\n"
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.4.0.5.4.1.0.0.A.2.bl.example.org.\t300\tIN\tA\t127.0.0.8\n"
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.4.0.5.4.1.0.0.A.2.bl.example.org.\t300\tIN\tTXT\t\"v6 host $\"\n"
    "*.0.5.4.1.0.0.a.2.bl.example.org.\t300\tIN\tA\t127.0.0.9\n"	/* /32 */
    "*.f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.3.a.2.bl.example.org.\t300\tIN\tA\t127.0.0.10\n"	/* /76 */
    "*.2.a.bl.example.org.\t300\tIN\tA\t127.0.0.2\n"	/* a200::/8: broad */
    "www.bl.example.org.\t300\tIN\tA\t192.0.2.80\n"	/* not an address */
    "ns.bl.example.org.\t300\tIN\tAAAA\t2001:db8::53\n"	/* other type */
    "4.3.2.1.other.example.org.\t300\tIN\tA\t127.0.0.2\n"	/* other zone */
    "4.3.2.1.xbl.example.org.\t300\tIN\tA\t127.0.0.2\n"
    "bl.example.org.\t3600\tIN\tSOA\tns.example.org. hm.example.org. 7 3600 600 86400 300\n"
    ";; Query time: 1 msec\n"
    ";; XFR size: 30 records (messages 1, bytes 1234)\n";

START_TEST(test_axfr_forms)
{
	const struct rbl_entry *e;

	ck_assert_int_eq(parse(FEED_AXFR, axfr_zone), 0);
	/* 20 A/TXT records below the zone; "ip6" and "www" are no addresses;
	 * 127.0.0.2 is special and a200::/8 broad. */
	counts_are(20, 13, 2, 1, 1);

	e = entry("1.2.3.4");
	ck_assert_uint_eq(e->a, 0x7f000002u);
	ck_assert_uint_eq(e->line, 7);
	ck_assert_str_eq(txt(e), "Listed: see http://x/?ip=4.3.2.1");
	e = entry("1.2.3.0/24");
	ck_assert_uint_eq(e->a, 0x7f000003u);
	ck_assert_ptr_null(txt(e));
	e = entry("5.6.0.0/16");
	ck_assert_uint_eq(e->a, 0x7f000004u);
	/* A transferred TXT is literal: no "$" expands. */
	ck_assert_str_eq(txt(e), "costs $$5 or $$$$10");
	ck_assert_str_eq(answer(e, "5.6.7.8"), "costs $5 or $$10");
	ck_assert_uint_eq(entry("9.0.0.0/8")->a, 0x7f000005u);
	/* A name with only a TXT gets the source's A. */
	e = entry("7.0.0.0/8");
	ck_assert_uint_eq(e->a, DEF_A);
	ck_assert_str_eq(txt(e), "only text");
	e = entry("8.8.8.8");
	ck_assert_uint_eq(e->a, 0x7f000006u);
	ck_assert_ptr_null(txt(e));
	ck_assert_uint_eq(entry("9.9.9.9")->a, 0x7f000007u);
	ck_assert_str_eq(answer(entry("1.1.1.1"), "1.1.1.1"),
	    "=starts with equals");
	ck_assert_str_eq(txt(entry("2.2.2.2")), "part one, part twobare");
	ck_assert_str_eq(txt(entry("3.3.3.3")), "quote \" and AB\\");
	ck_assert_ptr_null(find("127.0.0.2"));

	e = entry("2a00:1450:4001::1");
	ck_assert_uint_eq(e->a, 0x7f000008u);
	ck_assert_str_eq(answer(e, "2a00:1450:4001::1"), "v6 host $");
	ck_assert_uint_eq(entry("2a00:1450::/32")->a, 0x7f000009u);
	ck_assert_uint_eq(entry("2a30:1234:5678:9abc:def0::/76")->a,
	    0x7f00000au);
	ck_assert_ptr_null(find("a200::/8"));
	ck_assert_ptr_null(find("192.0.2.80"));
	ck_assert_uint_eq(count6(), 3);

	/* The zone may be given with its final dot, in any case. */
	ck_assert_int_eq(parse_buf(FEED_AXFR, axfr_zone, strlen(axfr_zone),
	    "BL.example.org."), 0);
	counts_are(20, 13, 2, 1, 1);

	/* Another zone's view of the same text has nothing. */
	ck_assert_int_eq(parse_buf(FEED_AXFR, axfr_zone, strlen(axfr_zone),
	    "other.example.org"), 0);
	counts_are(1, 1, 0, 0, 0);
	ck_assert_ptr_nonnull(find("1.2.3.4"));
	ck_assert_int_eq(parse_buf(FEED_AXFR, axfr_zone, strlen(axfr_zone),
	    "none.example.org"), -1);
	counts_are(0, 0, 0, 0, 0);
	err_has("no A or TXT records below none.example.org");
	ck_assert_int_eq(parse_buf(FEED_AXFR, axfr_zone, strlen(axfr_zone),
	    NULL), -1);
	err_has("zone");
}
END_TEST

START_TEST(test_axfr_zone_file_forms)
{
	/* What a hand-written zone file adds: $ORIGIN, a multi-line SOA,
	 * an owner carried from the line before, other classes. */
	ck_assert_int_eq(parse(FEED_AXFR,
	    "$ORIGIN bl.example.org.\n"
	    "$TTL 300\n"
	    "bl.example.org. IN SOA ns.example.org. hm.example.org. (\n"
	    "\t7 ; serial\n"
	    "\t3600 600 86400 300 )\n"
	    "4.3.2.1.bl.example.org. A 127.0.0.2\n"
	    "\tTXT \"carried owner\"\n"
	    "5.3.2.1.bl.example.org. 300 CH TXT \"chaos\"\n"
	    "5.3.2.1.bl.example.org. HS 300 A 127.0.0.2\n"
	    "4.3.2.1.bl.example.org. TXT \"a second TXT\"\n"
	    "4.3.2.1.bl.example.org. A 127.0.0.3\n"
	    "6.3.2.1.bl.example.org. 300 IN TXT \"unclosed\n"
	    "7.3.2.1.bl.example.org. 300 IN A 127.0.0.300\n"
	    "8.3.2.1.bl.example.org. 300 IN A\n"
	    "9.3.2.1.bl.example.org. 300 IN TXT\n"
	    "01.3.2.1.bl.example.org. 300 IN A 127.0.0.2\n"
	    "256.3.2.1.bl.example.org. 300 IN A 127.0.0.2\n"
	    "5.4.3.2.1.bl.example.org. 300 IN A 127.0.0.2\n"
	    "*.4.3.2.1.bl.example.org. 300 IN A 127.0.0.2\n"
	    "10.3.2.1.bl.example.org. 300 IN TXT \"nul \\000 byte\"\n"
	    "4.4.4.4.bl.example.org. 300 IN TXT ( \"multi\"\n"
	    "\t\"line\" )\n"
	    "5.5.5.5.bl.example.org. 300 IN (\n"
	    "\tA 127.0.0.2 )\n"), -1);
	/* "*.4.3.2.1" is 4 nibbles: 1234::/16, too broad for IPv6. The
	 * bad records are the majority: refused, but counted as they are. */
	counts_are(15, 1, 10, 1, 0);
	ck_assert_ptr_null(find("4.4.4.4"));
	ck_assert_ptr_null(find("5.5.5.5"));
	err_has("line 12: unclosed quote");
	/* A name's first A and first TXT make its entry. */
	ck_assert_str_eq(txt(entry("1.2.3.4")), "carried owner");
	ck_assert_uint_eq(entry("1.2.3.4")->a, 0x7f000002u);
	ck_assert_uint_eq(entry("1.2.3.4")->line, 6);
	ck_assert_ptr_null(find("1.2.3.5"));
	ck_assert_ptr_null(find("1.2.3.6"));
}
END_TEST

START_TEST(test_axfr_txt_limits)
{
	char buf[4096], t255[256], t256[257];
	int n;

	memset(t255, 'x', 255);
	t255[255] = '\0';
	memset(t256, 'y', 256);
	t256[256] = '\0';
	t256[0] = '$';
	/* 255 bytes are kept whole; a text that would not fit the store
	 * once its "$" is escaped is refused, not cut. */
	n = snprintf(buf, sizeof(buf),
	    "1.1.1.1." ZONE ". 300 IN TXT \"%s\"\n"
	    "2.2.2.2." ZONE ". 300 IN TXT \"%.255s\"\n"
	    "2.2.2.2." ZONE ". 300 IN A 127.0.0.2\n"
	    "3.3.3.3." ZONE ". 300 IN TXT \"%.254s\"\n", t255, t256, t256);
	ck_assert_int_lt(n, (int)sizeof(buf));
	ck_assert_int_eq(parse(FEED_AXFR, buf), 0);
	counts_are(4, 3, 1, 0, 0);
	ck_assert_str_eq(txt(entry("1.1.1.1")), t255);
	ck_assert_ptr_null(txt(entry("2.2.2.2")));
	ck_assert_uint_eq(strlen(txt(entry("3.3.3.3"))), 255);
	/* 254 bytes served: "$" and 253 of the rest. */
	ck_assert_uint_eq(strlen(answer(entry("3.3.3.3"), "3.3.3.3")), 254);

	/* More character-strings than a record is read with: refused. */
	n = snprintf(buf, sizeof(buf), "4.4.4.4." ZONE ". 300 IN A 127.0.0.2\n"
	    "4.4.4.4." ZONE ". 300 IN TXT");
	for (int i = 0; i < 70; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " \"%d\"", i);
	ck_assert_int_lt(n, (int)sizeof(buf) - 1);
	buf[n++] = '\n';
	buf[n] = '\0';
	ck_assert_int_eq(parse(FEED_AXFR, buf), 0);
	counts_are(2, 1, 1, 0, 0);
	ck_assert_ptr_null(txt(entry("4.4.4.4")));

	/* Control characters (a newline, DEL) are refused, as the rbldnsd
	 * export needs; a tab is text, as in the data files a primary (rbld,
	 * rbldnsd) may serve it from. */
	ck_assert_int_eq(parse(FEED_AXFR,
	    "5.5.5.5." ZONE ". 300 IN A 127.0.0.2\n"
	    "5.5.5.5." ZONE ". 300 IN TXT \"line\\010$SOA break\"\n"
	    "6.6.6.6." ZONE ". 300 IN A 127.0.0.2\n"
	    "6.6.6.6." ZONE ". 300 IN TXT \"tab\\009here\" \"del\\127\"\n"
	    "7.7.7.7." ZONE ". 300 IN A 127.0.0.2\n"
	    "7.7.7.7." ZONE ". 300 IN TXT \"fine \\126 tilde\"\n"
	    "8.8.8.8." ZONE ". 300 IN A 127.0.0.2\n"
	    "8.8.8.8." ZONE ". 300 IN TXT \"tab\\009here\"\n"), 0);
	counts_are(8, 4, 2, 0, 0);
	ck_assert_ptr_null(txt(entry("5.5.5.5")));
	ck_assert_ptr_null(txt(entry("6.6.6.6")));
	ck_assert_str_eq(txt(entry("7.7.7.7")), "fine ~ tilde");
	ck_assert_str_eq(txt(entry("8.8.8.8")), "tab\there");
}
END_TEST

/* ---- refusals ---- */

static const char cloudflare_page[] =
    "<!DOCTYPE html>\n"
    "<!--[if lt IE 7]> <html class=\"no-js ie6 oldie\" lang=\"en-US\"> <![endif]-->\n"
    "<head>\n<title>Attention Required! | Cloudflare</title>\n"
    "<meta charset=\"UTF-8\" />\n</head>\n<body>\n"
    "<div id=\"cf-wrapper\"><h1>Sorry, you have been blocked</h1>\n"
    "<p>You are unable to access 1.2.3.4</p>\n"
    "<span>Cloudflare Ray ID: 7a1b2c3d4e5f6789</span> 10.0.0.1\n"
    "</div></body></html>\n";

START_TEST(test_html_refused)
{
	char buf[4096];
	size_t i;

	for (i = FEED_PLAIN; i <= FEED_AXFR; i++) {
		ck_assert_int_eq(parse(i, cloudflare_page), -1);
		err_has("HTML");
		counts_are(0, 0, 0, 0, 0);
	}

	/* After a BOM and blank lines, lower or mixed case. */
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "\xef\xbb\xbf\r\n \t\n<HtMl><title>x</title>1.2.3.4\n"), -1);
	err_has("HTML");
	/* Not first, but within the first 2 KiB. */
	snprintf(buf, sizeof(buf), "1.2.3.4\n5.6.7.8\n%1900s\n<BODY>9.9.9.9\n",
	    "#");
	ck_assert_int_eq(parse(FEED_PLAIN, buf), -1);
	err_has("HTML tag at offset");
	ck_assert_int_eq(parse(FEED_PLAIN, "1.2.3.4\n<head>\n"), -1);
	/* A page that starts like one is one, however long its preamble. */
	snprintf(buf, sizeof(buf), "<!DOCTYPE html>\n<!--%2100s-->\n<html>\n",
	    "");
	ck_assert_int_eq(parse(FEED_PLAIN, buf), -1);
	err_has("an HTML page, not a list");
	ck_assert_ptr_null(strstr(E, "offset"));
	memset(buf, '\n', 2100);
	snprintf(buf + 2100, sizeof(buf) - 2100, "<!doctype html>\n");
	ck_assert_int_eq(parse(FEED_PLAIN, buf), -1);
	err_has("an HTML page, not a list");

	/* A tag past 2 KiB is just a bad line. */
	snprintf(buf, sizeof(buf), "1.2.3.4\n5.6.7.8\n%2100s\n<body>\n", "#");
	ck_assert_int_eq(parse(FEED_PLAIN, buf), 0);
	counts_are(3, 2, 1, 0, 0);
	/* And "<" alone is no HTML. */
	ck_assert_int_eq(parse(FEED_PLAIN, "1.2.3.4 # a <3 b <x>\n"), 0);
	counts_are(1, 1, 0, 0, 0);
}
END_TEST

START_TEST(test_binary_refused)
{
	const char *text =
	    "1.2.3.4\n5.6.7.8\n9.9.9.9\n2a00:1450::/32\n# a list as gzip\n";
	unsigned char gz[512], junk[1000];
	char buf[8192];
	z_stream zs;
	size_t i;

	/* A gzip body nobody decompressed. */
	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)(uintptr_t)text;
	zs.avail_in = (unsigned)strlen(text);
	zs.next_out = gz;
	zs.avail_out = sizeof(gz);
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	ck_assert_int_eq(deflateEnd(&zs), Z_OK);
	ck_assert_int_eq(parse_buf(FEED_PLAIN, (char *)gz, zs.total_out, NULL),
	    -1);
	err_has("binary");
	err_has("gzip");
	counts_are(0, 0, 0, 0, 0);

	/* One NUL byte anywhere, even late, even in a comment. */
	snprintf(buf, sizeof(buf), "1.2.3.4\n%5000s\n", "#");
	buf[4000] = '\0';
	ck_assert_int_eq(parse_buf(FEED_PLAIN, buf, strlen(buf + 4001) + 4001,
	    NULL), -1);
	err_has("NUL byte at offset 4000");

	/* Junk without NUL: bytes that are not UTF-8 or are controls. */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i % 2 == 0 ? 0x80 + i % 64 : 0x01 + i % 7);
	ck_assert_int_eq(parse_buf(FEED_NETSET, (char *)junk, sizeof(junk), NULL),
	    -1);
	err_has("binary data: 1000 of the first 1000 bytes are not text");
}
END_TEST

/* Text of 4096 bytes with BAD control bytes in a comment, then entries. */
static size_t
text_with_junk(char *buf, size_t bad)
{
	size_t n = 0, i;

	buf[n++] = '#';
	for (i = 0; i < bad; i++)
		buf[n++] = '\x01';
	buf[n++] = '\n';
	while (n < 4096 - 8) {
		memcpy(buf + n, "1.2.3.4\n", 8);
		n += 8;
	}
	while (n < 4096)
		buf[n++] = '\n';
	return n;
}

START_TEST(test_junk_threshold)
{
	static const char *const notutf8[] = { "\xc0\xaf", "\xc1\xbf",
	    "\xe0\x80\xaf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
	    "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80",
	    "\xf5\x80\x80\x80", "\xe2\x9c", "\xe2\x28\xa1",
	    "\xf0\x9f\x9a\x28" };
	static const char *const utf8[] = { "\xc2\x80", "\xe0\xa0\x80",
	    "\xed\x9f\xbf", "\xee\x80\x80", "\xf0\x90\x80\x80",
	    "\xf4\x8f\xbf\xbf" };
	char buf[4096 + 64];
	size_t n, i;

	/* 5% of 4096 is 204.8 bytes: 204 pass, 205 do not. */
	n = text_with_junk(buf, 204);
	ck_assert_int_eq(parse_buf(FEED_PLAIN, buf, n, NULL), 0);
	ck_assert_uint_gt(C.accepted, 400);
	n = text_with_junk(buf, 205);
	ck_assert_int_eq(parse_buf(FEED_PLAIN, buf, n, NULL), -1);
	err_has("205 of the first 4096 bytes are not text");

	/* UTF-8 text is text, however much of it; tabs and CR too. */
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "# Sperrliste für Österreich — «Ящик» 日本語 ✓✓✓✓✓✓✓✓✓✓✓✓ 🚫🚫🚫\r\n"
	    "1.2.3.4\t# naïve\r\n"), 0);
	counts_are(1, 1, 0, 0, 0);
	/* Latin-1 bytes are not UTF-8. */
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "# \xfc\xfc\xfc\xfc\xfc\xfc\xfc\xfc\n1.2.3.4\n"), -1);
	err_has("binary");
	/* Overlong forms, surrogates, past U+10FFFF, cut: not UTF-8 either. */
	for (i = 0; i < sizeof(notutf8) / sizeof(notutf8[0]); i++) {
		snprintf(buf, sizeof(buf), "# %s\n1.2.3.4\n", notutf8[i]);
		ck_assert_msg(parse(FEED_PLAIN, buf) == -1, "case %zu", i);
		err_has("binary");
	}
	/* A sequence cut by the end of the data (exactly sized, for ASan). */
	{
		static const char cut[] = "1.2.3.4\n#\xf0\x9f\x9a";
		char *b = malloc(sizeof(cut) - 1);

		ck_assert_ptr_nonnull(b);
		memcpy(b, cut, sizeof(cut) - 1);
		ck_assert_int_eq(parse_buf(FEED_PLAIN, b, sizeof(cut) - 1, NULL),
		    -1);
		free(b);
		err_has("3 of the first 12 bytes are not text");
	}
	/* Their nearest valid neighbours are text. */
	for (i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
		snprintf(buf, sizeof(buf), "# %s\n1.2.3.4\n", utf8[i]);
		ck_assert_msg(parse(FEED_PLAIN, buf) == 0, "case %zu", i);
	}
}
END_TEST

START_TEST(test_mostly_garbage)
{
	/* 10 data lines, 6 bad: refused, with the first bad line named. */
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "1.2.3.4\n5.6.7.8\ngarbage\n9.9.9.9\nmore garbage\n8.8.8.8\n"
	    "x\ny\nz\nw\n"), -1);
	counts_are(10, 4, 6, 0, 0);
	err_has("mostly unparseable as plain: 6 of 10 data lines rejected");
	err_has("line 3: not an IP address");
	/* 10 lines, 5 bad: not more than accepted. */
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "1.2.3.4\n5.6.7.8\n9.9.9.9\n8.8.8.8\n7.7.7.7\nv\nx\ny\nz\nw\n"), 0);
	counts_are(10, 5, 5, 0, 0);
	/* 9 lines, 5 bad: too few lines for a majority verdict. */
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "1.2.3.4\n5.6.7.8\n9.9.9.9\n8.8.8.8\nv\nx\ny\nz\nw\n"), 0);
	counts_are(9, 4, 5, 0, 0);
	/* Any lines and none accepted. */
	ck_assert_int_eq(parse(FEED_PLAIN, "garbage\nmore\n"), -1);
	counts_are(2, 0, 2, 0, 0);
	err_has("unparseable as plain: no entry in 2 data lines");
	/* Policy drops count as neither. */
	ck_assert_int_eq(parse(FEED_PLAIN, "10.0.0.0/8\n0.0.0.0/0\n"
	    "2000::/3\n::1\n"), -1);
	counts_are(4, 0, 0, 2, 2);
	err_has("no entries left: 2 too broad, 2 special-use");
}
END_TEST

START_TEST(test_empty)
{
	static const char *const empties[] = { "", "\n\n\r\n", "   \t\n",
	    "# only\n; comments\n", "\xef\xbb\xbf" };
	size_t i;

	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		ck_assert_int_eq(parse(FEED_PLAIN, empties[i]), -1);
		counts_are(0, 0, 0, 0, 0);
		err_has("empty: no entries as plain");
	}
	ck_assert_int_eq(parse(FEED_DSHIELD,
	    "# header\nStart\tEnd\tNetblock\n"), -1);
	err_has("empty");
	ck_assert_int_eq(parse(FEED_RBLDNSD, "# nothing\n;\n"), -1);
	err_has("empty: no entries as rbldnsd");
}
END_TEST

/* What feed_parse cannot work with at all: a format, a zone. */
START_TEST(test_bad_arguments)
{
	char zone[1100];

	ck_assert_int_eq(parse_buf((enum feed_format)99, "1.2.3.4\n", 8,
	    NULL), -1);
	err_has("unknown feed format 99");
	ck_assert_int_eq(parse_buf(FEED_AXFR, axfr_zone, strlen(axfr_zone),
	    NULL), -1);
	err_has("axfr format needs a zone name");
	ck_assert_int_eq(parse_buf(FEED_AXFR, axfr_zone, strlen(axfr_zone),
	    "."), -1);
	err_has("axfr format needs a zone name");
	memset(zone, 'a', sizeof(zone) - 1);
	zone[sizeof(zone) - 1] = '\0';
	ck_assert_int_eq(parse_buf(FEED_AXFR, axfr_zone, strlen(axfr_zone),
	    zone), -1);
	err_has("zone name too long");
	counts_are(0, 0, 0, 0, 0);
}
END_TEST

/* ---- memory running out ---- */

static struct rlimit	 as_saved;

/*
 * Let the process grow by no more than MARGIN bytes of address space, so
 * that what is allocated past that fails as when memory runs out; Check
 * runs each test in a process of its own, and memory_back undoes it.
 */
static void
memory_cap(size_t margin)
{
	unsigned long pages;
	struct rlimit r;
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen("/proc/self/statm", "r"));
	ck_assert_int_eq(fscanf(f, "%lu", &pages), 1);
	fclose(f);
	ck_assert_int_eq(getrlimit(RLIMIT_AS, &as_saved), 0);
	r = as_saved;
	r.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + margin;
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &r), 0);
}

static void
memory_back(void)
{
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &as_saved), 0);
}

/* feed_parse of BUF in FORMAT with no more than MARGIN bytes to grow by:
 * -1, ENOMEM and "out of memory", and D says it is incomplete. */
static void
parse_starved(enum feed_format f, const char *buf, size_t margin)
{
	int rc, e;

	rbldnsd_free(&D);
	ck_assert_int_eq(rbldnsd_init(&D, DEF_A, DEF_TXT), 0);
	memory_cap(margin);
	errno = 0;
	rc = feed_parse(f, buf, strlen(buf), f == FEED_AXFR ? ZONE : NULL, &P,
	    &D, &C, E, sizeof(E));
	e = errno;
	memory_back();
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e, ENOMEM);
	ck_assert_str_eq(E, "out of memory");
	ck_assert(D.nomem);
	/* The caller's rbldnsd_finish fails as well. */
	errno = 0;
	ck_assert_int_eq(rbldnsd_finish(&D), -1);
	ck_assert_int_eq(errno, ENOMEM);
}

START_TEST(test_out_of_memory)
{
	size_t n = 400000, cap = n * 64, o;
	char *buf;

	/* A data set whose rbldnsd_init found no memory: refused at once. */
	rbldnsd_free(&D);
	D.nomem = true;
	errno = 0;
	ck_assert_int_eq(feed_parse(FEED_PLAIN, "1.2.3.4\n", 8, NULL, &P, &D,
	    &C, E, sizeof(E)), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_str_eq(E, "out of memory");
	counts_are(0, 0, 0, 0, 0);

	/* Lists that run out in the middle: the entries, and a zone
	 * transfer's records and texts. */
	ck_assert_ptr_nonnull(buf = malloc(cap));
	for (size_t i = o = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o, "1.%zu.%zu.%zu\n",
		    (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
	parse_starved(FEED_PLAIN, buf, 4 << 20);
	for (size_t i = o = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%zu.%zu.%zu.1." ZONE
		    ". 300 IN TXT \"t%zu\"\n", i & 0xff, (i >> 8) & 0xff,
		    (i >> 16) & 0xff, i);
	parse_starved(FEED_AXFR, buf, 4 << 20);
	free(buf);
}
END_TEST

START_TEST(test_crlf_and_bom)
{
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "\xef\xbb\xbf" "1.2.3.4\r\n5.6.7.0/24 # c\r\n2a00::/19\r\n"), 0);
	counts_are(3, 3, 0, 0, 0);
	ck_assert_uint_eq(entry("1.2.3.4")->line, 1);
	ck_assert_ptr_nonnull(find("5.6.7.0/24"));

	ck_assert_int_eq(parse(FEED_SPAMHAUS_JSON,
	    "\xef\xbb\xbf{\"cidr\":\"1.10.16.0/20\"}\r\n{\"cidr\":\"2a00::/19\"}\r\n"), 0);
	counts_are(2, 2, 0, 0, 0);

	ck_assert_int_eq(parse(FEED_DSHIELD,
	    "Start\tEnd\tNetblock\r\n1.2.3.0\t1.2.3.255\t24\r\n"), 0);
	counts_are(1, 1, 0, 0, 0);

	ck_assert_int_eq(parse(FEED_NETSET, "# x\r\n1.2.3.4\r\n"), 0);
	counts_are(1, 1, 0, 0, 0);

	/* No "\r" left in a value. */
	ck_assert_int_eq(parse(FEED_RBLDNSD, "1.2.3.4 :3:text\r\n"), 0);
	ck_assert_str_eq(txt(entry("1.2.3.4")), "text");

	ck_assert_int_eq(parse(FEED_AXFR,
	    "4.3.2.1." ZONE ".\t300\tIN\tTXT\t\"crlf\"\r\n"
	    "4.3.2.1." ZONE ".\t300\tIN\tA\t127.0.0.4\r\n"), 0);
	counts_are(2, 1, 0, 0, 0);
	ck_assert_str_eq(txt(entry("1.2.3.4")), "crlf");
	ck_assert_uint_eq(entry("1.2.3.4")->a, 0x7f000004u);

	/* A BOM only counts at the very start. */
	ck_assert_int_eq(parse(FEED_PLAIN, "1.2.3.4\n\xef\xbb\xbf" "5.6.7.8\n"),
	    0);
	counts_are(2, 1, 1, 0, 0);
}
END_TEST

START_TEST(test_long_lines)
{
	size_t len = 4 * RBL_LINE_MAX, n = 0;
	char *buf = malloc(len);

	ck_assert_ptr_nonnull(buf);
	/* A comment of any length is a comment. */
	n += (size_t)sprintf(buf + n, "# ");
	memset(buf + n, 'c', RBL_LINE_MAX + 100);
	n += RBL_LINE_MAX + 100;
	buf[n++] = '\n';
	/* A data line of exactly the limit is read. */
	n += (size_t)sprintf(buf + n, "1.2.3.4");
	memset(buf + n, ' ', RBL_LINE_MAX - 7);
	n += RBL_LINE_MAX - 7;
	buf[n++] = '\n';
	/* One byte more is refused, not cut: its end might matter. */
	n += (size_t)sprintf(buf + n, "5.6.7.8 ");
	memset(buf + n, ' ', RBL_LINE_MAX - 7);
	n += RBL_LINE_MAX - 7;
	buf[n++] = '\n';
	n += (size_t)sprintf(buf + n, "9.9.9.9\n");
	ck_assert_uint_lt(n, len);
	ck_assert_int_eq(parse_buf(FEED_PLAIN, buf, n, NULL), 0);
	counts_are(3, 2, 1, 0, 0);
	ck_assert_uint_eq(entry("1.2.3.4")->line, 2);
	ck_assert_ptr_null(find("5.6.7.8"));
	ck_assert_uint_eq(entry("9.9.9.9")->line, 4);

	/* The same in rbldnsd format: "#$" would be a special, so counts. */
	buf[0] = ';';
	buf[1] = '$';
	ck_assert_int_eq(parse_buf(FEED_RBLDNSD, buf, n, NULL), 0);
	counts_are(4, 2, 2, 0, 0);
	free(buf);
}
END_TEST

START_TEST(test_policy_min_prefix)
{
	P.min_prefix4 = 24;
	P.min_prefix6 = 48;
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "1.2.3.0/24\n1.2.0.0/23\n2a00:1450:1::/48\n2a00:1450::/47\n"), 0);
	counts_are(4, 2, 0, 2, 0);
	ck_assert_ptr_null(find("1.2.0.0/23"));
	ck_assert_ptr_null(find("2a00:1450::/47"));

	/* The defaults: /8 and /19 pass, /7 and /18 do not. */
	policy_default(&P);
	ck_assert_int_eq(parse(FEED_PLAIN,
	    "1.0.0.0/8\n2.0.0.0/7\n2a00::/19\n2a00::/18\n"), 0);
	counts_are(4, 2, 0, 2, 0);
	ck_assert_ptr_nonnull(find("1.0.0.0/8"));
	ck_assert_ptr_nonnull(find("2a00::/19"));

	/* Broad wins over special: 224/3 with allow_special is still broad. */
	P.allow_special = true;
	ck_assert_int_eq(parse(FEED_PLAIN, "1.2.3.4\n224.0.0.0/3\n"
	    "224.0.0.0/8\n"), 0);
	counts_are(3, 2, 0, 1, 0);
	ck_assert_ptr_nonnull(find("224.0.0.0/8"));
}
END_TEST

/* ---- feed.c: refreshing a feed and its saved status ---- */

/* The status record of earlier releases, as it lay in memory (feed.c
 * reads it still). */
struct status_v2 {
	uint32_t	version;
	int64_t		last_attempt, last_success;
	int		http_status;
	uint32_t	failures;
	uint64_t	entries;
	int64_t		changed;
	struct feed_counts counts;
	char		etag[256], last_modified[256];
	char		error[FEED_ERR_MAX + 64];
};

START_TEST(test_refresh_and_status)
{
	char dir[64], text[256], err[512];
	struct feed_status fs, back;
	struct status_v2 v2;
	struct store *st;
	struct conf *c;
	int srcid;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/rbld-check-feed.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(text, sizeof(text), "%s/list.txt", dir);
	ck_assert_ptr_nonnull(f = fopen(text, "w"));
	for (int i = 1; i <= 20; i++)
		fprintf(f, "198.18.%d.0/24\n", i);
	fclose(f);
	c = test_conf(dir, "[rbld]\ndatabase = db\n[zone z.test]\n"
	    "sources = f\n[source f]\nkind = feed\nurl = list.txt\n"
	    "format = plain\nallow-special = yes\n");
	ck_assert_ptr_nonnull(st = store_open(c->database, 16u << 20, false,
	    err, sizeof(err)));
	ck_assert_int_gt(srcid = store_source_id(st, "f", true), 0);
	ck_assert_int_eq(feed_status_get(st, srcid, &fs), -1);
	ck_assert_int_eq(feed_refresh(st, &c->sources[0], srcid, &fs, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(fs.entries, 20);
	/* What is saved is what is read back, field by field. */
	ck_assert_int_eq(feed_status_get(st, srcid, &back), 0);
	ck_assert_int_eq(back.last_attempt, fs.last_attempt);
	ck_assert_int_eq(back.last_success, fs.last_success);
	ck_assert_uint_eq(back.entries, 20);
	ck_assert_int_eq(back.changed, 20);
	ck_assert_uint_eq(back.counts.lines, 20);
	ck_assert_uint_eq(back.counts.accepted, 20);
	ck_assert_str_eq(back.error, "");
	/* A list that shrank by more than max-shrink is refused, and says
	 * what serves meanwhile. */
	ck_assert_ptr_nonnull(f = fopen(text, "w"));
	fprintf(f, "198.18.1.0/24\n");
	fclose(f);
	errno = 0;
	ck_assert_int_eq(feed_refresh(st, &c->sources[0], srcid, &fs, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "shrank"));
	ck_assert_ptr_nonnull(strstr(err, "the last good list (20 entries) "
	    "keeps serving"));
	ck_assert_int_eq(feed_status_get(st, srcid, &back), 0);
	ck_assert_uint_eq(back.failures, 1);
	ck_assert_str_eq(back.error, fs.error);
	ck_assert_ptr_nonnull(strstr(back.error, "shrank"));
	/* A record written by an earlier release is read as it was. */
	memset(&v2, 0, sizeof(v2));
	v2.version = 2;
	v2.last_success = 1700000000;
	v2.http_status = 200;
	v2.entries = 7;
	v2.counts.lines = 9;
	snprintf(v2.etag, sizeof(v2.etag), "\"abc\"");
	snprintf(v2.error, sizeof(v2.error), "old");
	ck_assert_int_eq(store_blob_put(st, "blob:feed:99", &v2, sizeof(v2)),
	    0);
	ck_assert_int_eq(feed_status_get(st, 99, &back), 0);
	ck_assert_int_eq(back.last_success, 1700000000);
	ck_assert_int_eq(back.http_status, 200);
	ck_assert_uint_eq(back.entries, 7);
	ck_assert_uint_eq(back.counts.lines, 9);
	ck_assert_str_eq(back.etag, "\"abc\"");
	ck_assert_str_eq(back.error, "old");
	/* Anything else is no status at all. */
	ck_assert_int_eq(store_blob_put(st, "blob:feed:98", "\x09junk", 5), 0);
	ck_assert_int_eq(feed_status_get(st, 98, &back), -1);
	store_close(st);
	conf_free(c);
	rm_rf(dir);
}
END_TEST

static Suite *
feed_suite(void)
{
	Suite *s = suite_create("feed");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_format_names);
	tcase_add_test(tc, test_special_ranges);
	tcase_add_test(tc, test_real_ipsum_head);
	tcase_add_test(tc, test_real_ipsum_level6);
	tcase_add_test(tc, test_real_kashalls);
	tcase_add_test(tc, test_real_spamhaus_drop);
	tcase_add_test(tc, test_real_spamhaus_json);
	tcase_add_test(tc, test_real_dshield_block);
	tcase_add_test(tc, test_real_netsets);
	tcase_add_test(tc, test_real_firehol_level1);
	tcase_add_test(tc, test_real_rbldnsd_zone);
	tcase_add_test(tc, test_plain_forms);
	tcase_add_test(tc, test_spamhaus_forms);
	tcase_add_test(tc, test_json_forms);
	tcase_add_test(tc, test_dshield_forms);
	tcase_add_test(tc, test_netset_forms);
	tcase_add_test(tc, test_rbldnsd_forms);
	tcase_add_test(tc, test_rbldnsd_only_exclusions_and_defaults);
	tcase_add_test(tc, test_axfr_forms);
	tcase_add_test(tc, test_axfr_zone_file_forms);
	tcase_add_test(tc, test_axfr_txt_limits);
	tcase_add_test(tc, test_html_refused);
	tcase_add_test(tc, test_binary_refused);
	tcase_add_test(tc, test_junk_threshold);
	tcase_add_test(tc, test_mostly_garbage);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_out_of_memory);
	tcase_add_test(tc, test_crlf_and_bom);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_policy_min_prefix);
	tcase_add_test(tc, test_refresh_and_status);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("check_feed", LOG_LVL_ERR);
	return test_run(feed_suite());
}
