/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/rbldnsd.c: reading rbldnsd data files as rbldnsd does. */

#include <sys/resource.h>
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../rbld/rbldnsd.h"
#include "testutil.h"

#define DEF_A	0x7f000002u	/* 127.0.0.2 */

static char		 tmpdir[64];	/* /tmp/rbld-check-rbldnsd.XXXXXX */
static struct rbl_data	 D;		/* what the last parse read */
static char		*errs;		/* "LINE: message\n" per bad line */
static size_t		 errslen;
static FILE		*errf;
static const char	*errfile;	/* the file name errfn last saw */



static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbld-check-rbldnsd.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	memset(&D, 0, sizeof(D));
	errs = NULL;
	errf = NULL;
}

static void
teardown(void)
{
	if (errf != NULL)
		fclose(errf);
	errf = NULL;
	free(errs);
	errs = NULL;
	rbldnsd_free(&D);
	rm_rf(tmpdir);
}

static void
errfn(void *arg, const char *file, unsigned line, const char *msg)
{
	(void)arg;
	errfile = file;
	fprintf(errf, "%u: %s\n", line, msg);
}

/* Start collecting messages and a fresh data set. */
static void
begin(uint32_t def_a, const char *def_txt)
{
	rbldnsd_free(&D);
	ck_assert_int_eq(rbldnsd_init(&D, def_a, def_txt), 0);
	free(errs);
	errs = NULL;
	ck_assert_ptr_nonnull(errf = open_memstream(&errs, &errslen));
}

static void
end(void)
{
	ck_assert_int_eq(fclose(errf), 0);
	errf = NULL;
}

/* Parse TEXT line by line with rbldnsd_parse_line, then finish. */
static void
parse_with(uint32_t def_a, const char *def_txt, const char *text)
{
	char line[8192];
	unsigned lineno = 0;
	const char *s = text;

	begin(def_a, def_txt);
	while (*s != '\0') {
		const char *nl = strchr(s, '\n');
		size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);

		ck_assert_uint_lt(n, sizeof(line));
		memcpy(line, s, n);
		line[n] = '\0';
		/* A bad line is reported, and is no failure. */
		ck_assert_int_eq(rbldnsd_parse_line(&D, line, "t.rbl",
		    ++lineno, errfn, NULL), 0);
		s += n;
		if (*s == '\n')
			s++;
	}
	end();
	ck_assert_int_eq(rbldnsd_finish(&D), 0);
}

static void
parse(const char *text)
{
	parse_with(DEF_A, NULL, text);
}

/* Path of REL inside the temporary folder. */
static const char *
tpath(const char *rel)
{
	static char buf[2][PATH_MAX];
	static int i;

	i = !i;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, rel);
	return buf[i];
}

static void
put(const char *rel, const void *data, size_t len)
{
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(tpath(rel), "w"));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* rbldnsd_parse_file PATH into D (default A 127.0.0.2, no TXT); its result. */
static int
parse_path(const char *path)
{
	int r;

	begin(DEF_A, NULL);
	errno = 0;
	r = rbldnsd_parse_file(&D, path, errfn, NULL);
	end();
	rbldnsd_finish(&D);
	return r;
}

/* One entry as text: "1.2.3.0/24 127.0.0.5 "txt"", "... -" without TXT,
 * "!1.2.3.4/32" for an exclusion. */
static void
dump_entry(const struct rbl_entry *e, char *buf, size_t len)
{
	char p[IPADDR_STRLEN];

	ipaddr_format(&e->p, false, p, sizeof(p));
	if (e->excl)
		snprintf(buf, len, "!%s", p);
	else if (e->txt == RBL_NO_TXT)
		snprintf(buf, len, "%s %u.%u.%u.%u -", p, e->a >> 24,
		    e->a >> 16 & 255, e->a >> 8 & 255, e->a & 255);
	else
		snprintf(buf, len, "%s %u.%u.%u.%u \"%s\"", p, e->a >> 24,
		    e->a >> 16 & 255, e->a >> 8 & 255, e->a & 255,
		    D.txts[e->txt]);
}

/* Every entry of D, one per line. */
static const char *
dump(void)
{
	static char out[65536];
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < D.nents; i++) {
		char e[1024];

		dump_entry(&D.ents[i], e, sizeof(e));
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n", e);
		ck_assert_uint_lt(n, sizeof(out));
	}
	return out;
}

/* The entry for prefix text P ("1.2.3.4/32"); fails if absent. */
static const struct rbl_entry *
entry(const char *p)
{
	char buf[IPADDR_STRLEN];

	for (size_t i = 0; i < D.nents; i++) {
		ipaddr_format(&D.ents[i].p, false, buf, sizeof(buf));
		if (strcmp(buf, p) == 0)
			return &D.ents[i];
	}
	ck_abort_msg("no entry %s", p);
	return NULL;
}

/* The TXT answer of entry P when IP is queried ("" if it has none). */
static const char *
answer(const char *p, const char *ip)
{
	static char out[RBL_TXT_ANSWER_MAX + 1];
	const struct rbl_entry *e = entry(p);
	size_t n;

	if (e->txt == RBL_NO_TXT)
		return "";
	n = rbldnsd_expand(D.txts[e->txt], strlen(D.txts[e->txt]), ip, out);
	ck_assert_uint_le(n, RBL_TXT_ANSWER_MAX);
	out[n] = '\0';
	return out;
}

static char *
repeat(int c, size_t n)
{
	static char buf[4][8192];
	static int i;

	i = (i + 1) % 4;
	ck_assert_uint_lt(n, sizeof(buf[i]));
	memset(buf[i], c, n);
	buf[i][n] = '\0';
	return buf[i];
}

/* ---- address syntax ---- */

START_TEST(test_ip4_forms)
{
	parse(
	    "127.0.0 :1\n"
	    "10/8 :2\n"
	    "95.1 :13\n"
	    "7\n"
	    "0.0.0.0/0\n"
	    "94.1.1.01\n"
	    "192.0.2.128/25\n"
	    "198.51.100.7/32\n");
	ck_assert_str_eq(errs, "");
	ck_assert_str_eq(dump(),
	    "127.0.0.0/24 127.0.0.1 -\n"
	    "10.0.0.0/8 127.0.0.2 -\n"
	    "95.1.0.0/16 127.0.0.13 -\n"
	    "7.0.0.0/8 127.0.0.2 -\n"
	    "0.0.0.0/0 127.0.0.2 -\n"
	    "94.1.1.1/32 127.0.0.2 -\n"
	    "192.0.2.128/25 127.0.0.2 -\n"
	    "198.51.100.7/32 127.0.0.2 -\n");
	ck_assert_uint_eq(D.nbad, 0);
	/* Each entry keeps its line. */
	ck_assert_uint_eq(entry("127.0.0.0/24")->line, 1);
	ck_assert_uint_eq(entry("198.51.100.7/32")->line, 8);
}
END_TEST

START_TEST(test_ip4_ranges)
{
	parse(
	    "1.2.3.4-1.2.3.10 :3\n"
	    "30.16-31 :4\n"
	    "90.1.1.1-3 :8\n"
	    "127.0.0.1-255\n"
	    "1.2.3-1.2.5\n"
	    "91.1.1.1 - 91.1.1.3 :9\n"
	    "5.5.5.5-5.5.5.5\n"
	    "!6.6.6.0-6.6.6.3\n");
	ck_assert_str_eq(errs, "");
	ck_assert_str_eq(dump(),
	    "1.2.3.4/30 127.0.0.3 -\n"
	    "1.2.3.8/31 127.0.0.3 -\n"
	    "1.2.3.10/32 127.0.0.3 -\n"
	    "30.16.0.0/12 127.0.0.4 -\n"
	    "90.1.1.1/32 127.0.0.8 -\n"
	    "90.1.1.2/31 127.0.0.8 -\n"
	    "127.0.0.1/32 127.0.0.2 -\n"
	    "127.0.0.2/31 127.0.0.2 -\n"
	    "127.0.0.4/30 127.0.0.2 -\n"
	    "127.0.0.8/29 127.0.0.2 -\n"
	    "127.0.0.16/28 127.0.0.2 -\n"
	    "127.0.0.32/27 127.0.0.2 -\n"
	    "127.0.0.64/26 127.0.0.2 -\n"
	    "127.0.0.128/25 127.0.0.2 -\n"
	    "1.2.3.0/24 127.0.0.2 -\n"
	    "1.2.4.0/23 127.0.0.2 -\n"
	    /* blanks around '-': one address, the rest is TXT */
	    "91.1.1.1/32 127.0.0.2 \"- 91.1.1.3 :9\"\n"
	    "5.5.5.5/32 127.0.0.2 -\n"
	    "!6.6.6.0/30\n");
	/* Every piece of a range keeps the range's line. */
	ck_assert_uint_eq(entry("1.2.3.8/31")->line, 1);
	ck_assert_uint_eq(entry("127.0.0.128/25")->line, 4);
}
END_TEST

START_TEST(test_ip4_bad)
{
	parse(
	    "1.1.1.1\n"
	    "40.1.1.4/24\n"
	    "50.1.1.0/24junk\n"
	    "92.1.1.0/33\n"
	    "93.1.1.256\n"
	    "1.2.3.10-1.2.3.4\n"
	    "1.2.3.4.5\n"
	    "1.2.3.4/24-1.2.3.5\n"
	    "x.y.z.w\n"
	    "1.2.3.4/\n"
	    "1..2.3\n"
	    "1.2.3.\n"
	    "1234.1.1.1\n"
	    "2.2.2.2\n");
	ck_assert_str_eq(errs,
	    "2: host bits set past the prefix length\n"
	    "3: bad prefix length\n"
	    "4: bad prefix length\n"
	    "5: not an IPv4 address, prefix or range\n"
	    "6: range ends before it starts\n"
	    "7: not an IPv4 address, prefix or range\n"
	    "8: not an IPv4 address, prefix or range\n"
	    "9: not an IPv4 address, prefix or range\n"
	    "10: not an IPv4 address, prefix or range\n"
	    "11: not an IPv4 address, prefix or range\n"
	    "12: not an IPv4 address, prefix or range\n"
	    "13: not an IPv4 address, prefix or range\n");
	ck_assert_uint_eq(D.nbad, 12);
	/* The rest of the file still loads. */
	ck_assert_str_eq(dump(),
	    "1.1.1.1/32 127.0.0.2 -\n"
	    "2.2.2.2/32 127.0.0.2 -\n");
}
END_TEST

START_TEST(test_ip6_forms)
{
	parse(
	    ":127.0.0.2:d\n"
	    "2001:db8::/32 :6:v6\n"
	    "2001:db8:3/48\n"
	    "2001:db8:9\n"
	    "2001:DB8:6::/48\n"
	    "2001:db8:4::1/48\n"
	    "2001:db8:7::/48junk\n"
	    "2001:db8:5::/48 junk :12\n"
	    "::1\n"
	    "::/0 :9\n"
	    "::ffff:1.2.3.4\n"
	    "2001:db8::1 :5:six\n"
	    "!2001:db8:8::/48\n"
	    "2001:db8:a::/48;comment\n"
	    "2001:db8::/129\n"
	    "2001:db8:\n"
	    "2001:db8::g\n"
	    "1:2:3:4:5:6:7:8\n");
	ck_assert_str_eq(errs,
	    "6: host bits set past the prefix length\n"
	    "7: bad prefix length\n"
	    "15: bad prefix length\n"
	    "16: not an IPv6 address or prefix\n"
	    "17: not an IPv6 address or prefix\n");
	ck_assert_str_eq(dump(),
	    "2001:db8::/32 127.0.0.6 \"v6\"\n"
	    "2001:db8:3::/48 127.0.0.2 \"d\"\n"
	    "2001:db8:9::/48 127.0.0.2 \"d\"\n"
	    "2001:db8:6::/48 127.0.0.2 \"d\"\n"
	    "2001:db8:5::/48 127.0.0.2 \"junk :12\"\n"
	    "::1/128 127.0.0.2 \"d\"\n"
	    "::/0 127.0.0.9 \"d\"\n"
	    "1.2.3.4/32 127.0.0.2 \"d\"\n"	/* mapped: kept as IPv4 */
	    "2001:db8::1/128 127.0.0.5 \"six\"\n"
	    "!2001:db8:8::/48\n"
	    "2001:db8:a::/48 127.0.0.2 \"d\"\n"
	    "1:2:3:4:5:6:7:8/128 127.0.0.2 \"d\"\n");
}
END_TEST

START_TEST(test_exclusions)
{
	parse(
	    ":127.0.0.2:listed\n"
	    "!1.2.3.4\n"
	    "! 10.0.0.0/8\n"
	    "!1.2.3.5 :5:ignored\n"
	    "!1.2.3.6:5:ignored\n"
	    "!\n"
	    "!   # nothing\n"
	    "!1.2.3.4/24\n"
	    "1.2.3.0/24\n");
	ck_assert_str_eq(errs,
	    "6: exclusion without address\n"
	    "7: not an IPv4 address, prefix or range\n"
	    "8: host bits set past the prefix length\n");
	ck_assert_str_eq(dump(),
	    "!1.2.3.4/32\n"
	    "!10.0.0.0/8\n"
	    "!1.2.3.5/32\n"
	    "!1.2.3.6/32\n"
	    "1.2.3.0/24 127.0.0.2 \"listed\"\n");
	/* An exclusion carries no value at all. */
	ck_assert_uint_eq(entry("1.2.3.5/32")->txt, RBL_NO_TXT);
	ck_assert(entry("1.2.3.5/32")->excl);
	ck_assert(!entry("1.2.3.0/24")->excl);
}
END_TEST

/* Same prefix twice: both kept in file order (the store keeps the first). */
START_TEST(test_duplicates_kept_in_order)
{
	parse(
	    "7.7.7.7 :70:first\n"
	    "7.7.7.7 :71:second\n"
	    "8.8.8.8 :80\n"
	    "!8.8.8.8\n");
	ck_assert_str_eq(dump(),
	    "7.7.7.7/32 127.0.0.70 \"first\"\n"
	    "7.7.7.7/32 127.0.0.71 \"second\"\n"
	    "8.8.8.8/32 127.0.0.80 -\n"
	    "!8.8.8.8/32\n");
	ck_assert_uint_eq(D.ents[0].line, 1);
	ck_assert_uint_eq(D.ents[1].line, 2);
}
END_TEST

/* ---- values ---- */

/* The value table of the notes, section 1. */
START_TEST(test_values)
{
	parse(
	    ":127.0.0.2:deftxt\n"
	    "1.1.1.1\n"
	    "1.1.1.2 :5\n"
	    "1.1.1.3 :127.0.0.6\n"
	    "1.1.1.4 :1.2\n"
	    "1.1.1.5 :127.0.0.0\n"
	    "1.1.1.6 :5:\n"
	    "1.1.1.7 :5:text five\n"
	    "1.1.1.8 :5:  spaced txt ; semi # hash\n"
	    "1.1.1.9 some txt  # comment?\n"
	    "1.1.1.10 :\n"
	    "1.1.1.11 ::text\n"
	    "1.1.1.12 :0\n"
	    "1.1.1.13 :300\n"
	    "1.1.1.14 :abc\n"
	    "1.1.1.15 :5 trailing\n"
	    "1.1.1.16 :5 :blank before colon\n"
	    "1.1.1.17 :1.2.3\n"
	    "1.1.1.18 :0.0.0.0\n"
	    "1.1.1.19 :255\n"
	    "1.1.1.20 :10.0.0.1:ten\n"
	    "1.1.1.21 :256.0.0.1\n"
	    "1.1.1.22\t:6\t:tabs\n");
	ck_assert_str_eq(errs,
	    "11: bad A value\n"
	    "12: bad A value\n"
	    "13: bad A value\n"
	    "14: bad A value\n"
	    "15: bad A value\n"
	    "16: bad A value\n"
	    "19: bad A value\n"
	    "22: bad A value\n");
	ck_assert_str_eq(dump(),
	    "1.1.1.1/32 127.0.0.2 \"deftxt\"\n"
	    "1.1.1.2/32 127.0.0.5 \"deftxt\"\n"
	    "1.1.1.3/32 127.0.0.6 \"deftxt\"\n"
	    "1.1.1.4/32 1.0.0.2 \"deftxt\"\n"
	    "1.1.1.5/32 127.0.0.0 \"deftxt\"\n"
	    "1.1.1.6/32 127.0.0.5 -\n"
	    "1.1.1.7/32 127.0.0.5 \"text five\"\n"
	    "1.1.1.8/32 127.0.0.5 \"spaced txt ; semi # hash\"\n"
	    "1.1.1.9/32 127.0.0.2 \"some txt  # comment?\"\n"
	    "1.1.1.16/32 127.0.0.5 \"blank before colon\"\n"
	    "1.1.1.17/32 1.2.0.3 \"deftxt\"\n"
	    "1.1.1.19/32 127.0.0.255 \"deftxt\"\n"
	    "1.1.1.20/32 10.0.0.1 \"ten\"\n"
	    "1.1.1.22/32 127.0.0.6 \"tabs\"\n");
}
END_TEST

/* ":A:TXT" lines set the defaults for the lines after them only. */
START_TEST(test_default_lines)
{
	parse(
	    "1.0.0.1\n"
	    "1.0.0.2 :3\n"
	    ":127.0.0.4:four $\n"
	    "1.0.0.3\n"
	    "1.0.0.33 :6\n"
	    ":7\n"
	    "1.0.0.4\n"
	    ":127.0.0.5:five\n"
	    ":bad\n"
	    "1.0.0.5\n"
	    ":8:\n"
	    "1.0.0.6\n"
	    ":9:nine\n"
	    "1.0.0.7 :10\n"
	    "nine-txt-line-is-not-an-address\n"
	    "1.0.0.8 plain text\n");
	ck_assert_str_eq(errs,
	    "9: bad A value\n"
	    "15: not an IPv4 address, prefix or range\n");
	ck_assert_str_eq(dump(),
	    "1.0.0.1/32 127.0.0.2 -\n"
	    "1.0.0.2/32 127.0.0.3 -\n"
	    "1.0.0.3/32 127.0.0.4 \"four $\"\n"
	    /* ":A" on an entry keeps the current default TXT */
	    "1.0.0.33/32 127.0.0.6 \"four $\"\n"
	    /* a default line starts from no TXT: ":7" alone has none */
	    "1.0.0.4/32 127.0.0.7 -\n"
	    /* a bad default line changes nothing */
	    "1.0.0.5/32 127.0.0.5 \"five\"\n"
	    "1.0.0.6/32 127.0.0.8 -\n"
	    "1.0.0.7/32 127.0.0.10 \"nine\"\n"
	    "1.0.0.8/32 127.0.0.9 \"plain text\"\n");
}
END_TEST

/* A source's own a/txt are the defaults before any ":" line. */
START_TEST(test_config_defaults)
{
	parse_with(0x7f000003u, "cfg $",
	    "1.2.3.4\n"
	    "1.2.3.5 :5\n"
	    "1.2.3.6 :6:\n"
	    ":127.0.0.7:file\n"
	    "1.2.3.7\n");
	ck_assert_str_eq(dump(),
	    "1.2.3.4/32 127.0.0.3 \"cfg $\"\n"
	    "1.2.3.5/32 127.0.0.5 \"cfg $\"\n"
	    "1.2.3.6/32 127.0.0.6 -\n"
	    "1.2.3.7/32 127.0.0.7 \"file\"\n");
	ck_assert_str_eq(answer("1.2.3.4/32", "1.2.3.4"), "cfg 1.2.3.4");
}
END_TEST

START_TEST(test_comments)
{
	parse(
	    ":127.0.0.2:d\n"
	    "# comment\n"
	    "; comment\n"
	    "   # indented comment\n"
	    "\n"
	    "   \t \n"
	    "1.2.3.4 # comment\n"
	    "1.2.3.5;c\n"
	    "1.2.3.6 ; c\n"
	    "1.2.3.7 :5:a # b\n"
	    "1.2.3.8:5:a;b\n"
	    "1.2.3.9:5:a#b c\n"
	    "1.2.3.10 txt ; x\n"
	    "1.2.3.11#c:5:x\n"
	    "80.1.1.0/24 ; semicolon\n"
	    "80.1.2.0/24#hash\n"
	    "10/8;x:y\n"
	    "::1;x.y\n"
	    "2001:db8::#c:d\n");
	ck_assert_str_eq(errs, "");
	ck_assert_str_eq(dump(),
	    "1.2.3.4/32 127.0.0.2 \"d\"\n"
	    "1.2.3.5/32 127.0.0.2 \"d\"\n"
	    "1.2.3.6/32 127.0.0.2 \"d\"\n"
	    "1.2.3.7/32 127.0.0.5 \"a # b\"\n"
	    "1.2.3.8/32 127.0.0.5 \"a;b\"\n"
	    "1.2.3.9/32 127.0.0.5 \"a#b c\"\n"
	    "1.2.3.10/32 127.0.0.2 \"txt ; x\"\n"
	    "1.2.3.11/32 127.0.0.2 \"d\"\n"
	    "80.1.1.0/24 127.0.0.2 \"d\"\n"
	    "80.1.2.0/24 127.0.0.2 \"d\"\n"
	    "10.0.0.0/8 127.0.0.2 \"d\"\n"
	    "::1/128 127.0.0.2 \"d\"\n"
	    "2001:db8::/128 127.0.0.2 \"d\"\n");
}
END_TEST

/* "1.2.3.4:5:text": the value may follow the address without a blank. */
START_TEST(test_value_without_blank)
{
	parse(
	    "70.1.1.1:7:colon-direct\n"
	    "70.1.1.2:8\n"
	    "70.1.1.3:9:more  words\there\n"
	    "70.1.1.4:\n"
	    "70.1.1.0/30:10:cidr\n"
	    "70.1.2.1-3:11:range\n");
	ck_assert_str_eq(errs, "4: bad A value\n");
	ck_assert_str_eq(dump(),
	    "70.1.1.1/32 127.0.0.7 \"colon-direct\"\n"
	    "70.1.1.2/32 127.0.0.8 -\n"
	    "70.1.1.3/32 127.0.0.9 \"more  words\there\"\n"
	    "70.1.1.0/30 127.0.0.10 \"cidr\"\n"
	    "70.1.2.1/32 127.0.0.11 \"range\"\n"
	    "70.1.2.2/31 127.0.0.11 \"range\"\n");
}
END_TEST

/* rbldnsd keeps a TXT longer than 255 bytes, cut to 255. */
START_TEST(test_long_txt_truncated)
{
	char text[1024];

	snprintf(text, sizeof(text),
	    "1.1.1.1 :5:%s\n"
	    "1.1.1.2 %s\n"
	    ":6:%s\n"
	    "1.1.1.3\n",
	    repeat('x', 300), repeat('y', 256), repeat('z', 400));
	parse(text);
	ck_assert_str_eq(errs, "");
	ck_assert_uint_eq(D.nents, 3);
	ck_assert_str_eq(D.txts[entry("1.1.1.1/32")->txt], repeat('x', 255));
	ck_assert_str_eq(D.txts[entry("1.1.1.2/32")->txt], repeat('y', 255));
	ck_assert_str_eq(D.txts[entry("1.1.1.3/32")->txt], repeat('z', 255));
	ck_assert_uint_eq(entry("1.1.1.3/32")->a, 0x7f000006u);
	/* The answer is cut at 254, as rbldnsd does. */
	ck_assert_str_eq(answer("1.1.1.1/32", "1.1.1.1"), repeat('x', 254));
}
END_TEST

/* ---- specials ---- */

START_TEST(test_soa_ns_ttl)
{
	parse(
	    "$SOA 3600 ns1.bl.test. hostmaster.bl.test. 0 600 300 86400 120\n"
	    "$SOA 1 a. b. 1 1 1 1 1\n"
	    "$NS 7200 ns1.bl.test -skipped.test ns2.other.test\n"
	    "$NS 1 ns3.x\n"
	    "$TTL 900\n"
	    "$ttl 5m\n"
	    "1.2.3.4\n");
	ck_assert_str_eq(errs, "");
	ck_assert(D.has_soa);
	ck_assert_uint_eq(D.soa_ttl, 3600);
	ck_assert_str_eq(D.soa_mname, "ns1.bl.test.");
	ck_assert_str_eq(D.soa_rname, "hostmaster.bl.test.");
	ck_assert_uint_eq(D.soa_serial, 0);
	ck_assert_uint_eq(D.soa_refresh, 600);
	ck_assert_uint_eq(D.soa_retry, 300);
	ck_assert_uint_eq(D.soa_expire, 86400);
	ck_assert_uint_eq(D.soa_minttl, 120);
	ck_assert_int_eq(D.nns, 2);
	ck_assert_uint_eq(D.ns_ttl, 7200);
	ck_assert_str_eq(D.ns[0], "ns1.bl.test");
	ck_assert_str_eq(D.ns[1], "ns2.other.test");
	/* $TTL: the last one counts. */
	ck_assert_uint_eq(D.ttl, 300);
	ck_assert_uint_eq(D.nents, 1);

	parse("$SOA 1h ns. rn. 4294967295 1h 10m 1w 2h\n"
	    "$TTL 1d\n");
	ck_assert_str_eq(errs, "");
	ck_assert_uint_eq(D.soa_ttl, 3600);
	ck_assert_uint_eq(D.soa_serial, 4294967295u);
	ck_assert_uint_eq(D.soa_refresh, 3600);
	ck_assert_uint_eq(D.soa_retry, 600);
	ck_assert_uint_eq(D.soa_expire, 604800);
	ck_assert_uint_eq(D.soa_minttl, 7200);
	ck_assert_uint_eq(D.ttl, 86400);
	ck_assert_int_eq(D.nns, 0);

	parse("1.2.3.4\n");
	ck_assert(!D.has_soa);
	ck_assert_uint_eq(D.ttl, 0);
}
END_TEST

START_TEST(test_special_prefixes_and_errors)
{
	parse(
	    "#$TTL 60\n"
	    ":$2 colon var\n"
	    ";$3 semi var\n"
	    "  $1 indented var\n"
	    "$\n"
	    "$TTL\n"
	    "$TTL x\n"
	    "$TTL 5 6\n"
	    "$SOA 1 2 3\n"
	    "$SOA 1 m. r. x 1 1 1 1\n"
	    "$SOA 1 m. r. 1 1 1 1 1 extra\n"
	    "$FOO bar\n"
	    "$NS\n"
	    "$NS x ns.test\n"
	    "$MAXRANGE4 0\n"
	    "$MAXRANGE4 /33\n"
	    "$MAXRANGE4 /\n"
	    "$MAXRANGE4 x\n"
	    "$MAXRANGE4\n"
	    "$TIMESTAMP 2024:01:01\n"
	    "$DATASET ip4set foo\n"
	    "$1x nope\n"
	    "1.2.3.4 :5:$1, $2, $3\n");
	ck_assert_str_eq(errs,
	    "5: empty special entry\n"
	    "6: bad $TTL value\n"
	    "7: bad $TTL value\n"
	    "8: bad $TTL value\n"
	    "9: $SOA needs: ttl origin person serial refresh retry expire minttl\n"
	    "10: bad $SOA value\n"
	    "11: $SOA needs: ttl origin person serial refresh retry expire minttl\n"
	    "12: unknown special entry\n"
	    "13: bad $NS value\n"
	    "14: bad $NS value\n"
	    "15: bad $MAXRANGE4 value\n"
	    "16: bad $MAXRANGE4 value\n"
	    "17: bad $MAXRANGE4 value\n"
	    "18: bad $MAXRANGE4 value\n"
	    "19: bad $MAXRANGE4 value\n"
	    "22: unknown special entry\n");
	ck_assert_uint_eq(D.nbad, 16);
	/* A bad line changes nothing. */
	ck_assert_uint_eq(D.ttl, 60);
	ck_assert(!D.has_soa);
	ck_assert_int_eq(D.nns, 0);
	ck_assert_uint_eq(D.nents, 1);
	ck_assert_str_eq(answer("1.2.3.4/32", "1.2.3.4"),
	    "indented var, colon var, semi var");

	/* "#$", ":$" and ";$" lines set $SOA and $NS too. */
	parse(":$NS 0 ns.a.test\n"
	    ";$SOA 0 m. r. 1 2 3 4 5\n");
	ck_assert_str_eq(errs, "");
	ck_assert_int_eq(D.nns, 1);
	ck_assert_str_eq(D.ns[0], "ns.a.test");
	ck_assert(D.has_soa);
	ck_assert_uint_eq(D.soa_minttl, 5);
}
END_TEST

START_TEST(test_maxrange4)
{
	parse(
	    "$MAXRANGE4 256\n"
	    "1.2.3.0/24\n"
	    "1.2.2.0/23\n"
	    "1.2.3.0-1.2.4.255\n"
	    "$MAXRANGE4 1024\n"
	    "1.2.4.0/23\n"
	    "$MAXRANGE4 /25\n"
	    "1.2.5.0/24\n"
	    "1.2.5.0/25\n"
	    "!1.2.6.0/24\n"
	    "2001:db8::/32\n"
	    "::ffff:1.2.7.0/120\n"	/* IPv4's limit for mapped forms */
	    "::ffff:1.2.7.0/121\n");
	ck_assert_str_eq(errs,
	    "3: range larger than $MAXRANGE4\n"
	    "4: range larger than $MAXRANGE4\n"
	    "6: range larger than $MAXRANGE4\n"
	    "8: range larger than $MAXRANGE4\n"
	    "10: range larger than $MAXRANGE4\n"
	    "12: range larger than $MAXRANGE4\n");
	ck_assert_str_eq(dump(),
	    "1.2.3.0/24 127.0.0.2 -\n"
	    "1.2.5.0/25 127.0.0.2 -\n"
	    "2001:db8::/32 127.0.0.2 -\n"
	    "1.2.7.0/25 127.0.0.2 -\n");
}
END_TEST

/* The template file of the notes: "$", "$$", "$n", first assignment wins,
 * variables defined after their use, an undefined one kept literally. */
START_TEST(test_variables)
{
	parse(
	    "$SOA 3600 ns1.bl.test. hostmaster.bl.test. 0 600 300 86400 120\n"
	    ":127.0.0.2:Listed $ see $1 and $$ and $9 end\n"
	    "$1 sub-one\n"
	    "$1 second assignment\n"
	    "1.2.3.4\n"
	    "1.2.3.5 :5:later $2 here\n"
	    "1.2.3.6 :6:cost $3\n"
	    "1.2.3.7 :7:$\n"
	    "1.2.3.8 :8:$$1 is not $1\n"
	    "$2 sub-two\n"
	    "$3 US$ 5 and $1\n");
	ck_assert_str_eq(errs, "");
	ck_assert_str_eq(answer("1.2.3.4/32", "1.2.3.4"),
	    "Listed 1.2.3.4 see sub-one and $ and $9 end");
	ck_assert_str_eq(answer("1.2.3.5/32", "1.2.3.5"), "later sub-two here");
	/* A variable's text is taken as it is: no "$" inside it expands. */
	ck_assert_str_eq(answer("1.2.3.6/32", "1.2.3.6"), "cost US$ 5 and $1");
	ck_assert_str_eq(answer("1.2.3.7/32", "1.2.3.7"), "1.2.3.7");
	ck_assert_str_eq(answer("1.2.3.8/32", "1.2.3.8"), "$1 is not sub-one");
	/* Leading zeros of the query name never show: "$" is the address. */
	ck_assert_str_eq(answer("1.2.3.7/32", "1.2.3.4"), "1.2.3.4");
}
END_TEST

/* Variables are per data set: another parse starts without them. */
START_TEST(test_variables_per_dataset)
{
	parse("$1 one\n1.2.3.4 :5:[$1]\n");
	ck_assert_str_eq(answer("1.2.3.4/32", "1.2.3.4"), "[one]");
	parse("1.2.3.4 :5:[$1]\n");
	ck_assert_str_eq(answer("1.2.3.4/32", "1.2.3.4"), "[$1]");
}
END_TEST

/* "$=" base template, as the notes observed it (section 2b). */
START_TEST(test_base_template)
{
	parse(
	    "$= Base [$] eq[$=] end\n"
	    "$1 one\n"
	    ":127.0.0.2:deftxt\n"
	    "2.2.2.1\n"
	    "2.2.2.2 :3:entrytxt\n"
	    "2.2.2.3 :3:=literal $ here\n"
	    "2.2.2.4 :3:\n"
	    "2.2.2.5 :3:v $1 $\n"
	    "!2.2.2.6\n"
	    "2.2.2.7 :3:=a $= b\n"
	    "$= second base ignored\n");
	ck_assert_str_eq(errs, "");
	ck_assert_str_eq(answer("2.2.2.1/32", "2.2.2.1"),
	    "Base [2.2.2.1] eq[deftxt] end");
	ck_assert_str_eq(answer("2.2.2.2/32", "2.2.2.2"),
	    "Base [2.2.2.2] eq[entrytxt] end");
	ck_assert_str_eq(answer("2.2.2.3/32", "2.2.2.3"), "literal 2.2.2.3 here");
	/* No TXT of its own: the base still answers, "$=" is the address. */
	ck_assert_str_eq(answer("2.2.2.4/32", "2.2.2.4"),
	    "Base [2.2.2.4] eq[2.2.2.4] end");
	/* rbldnsd's txtsubst inserts the entry's text as it is. */
	ck_assert_str_eq(answer("2.2.2.5/32", "2.2.2.5"),
	    "Base [2.2.2.5] eq[v $1 $] end");
	ck_assert_uint_eq(entry("2.2.2.6/32")->txt, RBL_NO_TXT);
	ck_assert_str_eq(answer("2.2.2.7/32", "2.2.2.7"), "a a $= b b");
}
END_TEST

START_TEST(test_no_base_template)
{
	parse(
	    "3.3.3.3 :3:x $= y\n"
	    "3.3.3.4 :3:=literal $ tpl\n"
	    "3.3.3.5 :5:\n"
	    "$=\n"
	    "3.3.3.6 :6:\n");
	/* "$=" with no text is no base template. */
	ck_assert_str_eq(answer("3.3.3.3/32", "3.3.3.3"), "x x $= y y");
	ck_assert_str_eq(answer("3.3.3.4/32", "3.3.3.4"), "literal 3.3.3.4 tpl");
	ck_assert_uint_eq(entry("3.3.3.5/32")->txt, RBL_NO_TXT);
	ck_assert_uint_eq(entry("3.3.3.6/32")->txt, RBL_NO_TXT);
}
END_TEST

/* Long variables: the result is cut as rbldnsd cuts it, and every final
 * template stays within what the store accepts. */
START_TEST(test_expanded_template_capped)
{
	char text[2048], want[RBL_TXT_ANSWER_MAX + 1];

	snprintf(text, sizeof(text),
	    "$1 %s\n"
	    "$= %s[$=]\n"
	    "4.4.4.4 :5:$1 $1 $\n"
	    "4.4.4.5 :5:=$1 $1 $\n"
	    "4.4.4.6 :5:=%s$$$$$$$$\n",
	    repeat('a', 200), repeat('b', 250), repeat('c', 250));
	parse(text);
	ck_assert_str_eq(errs, "");
	for (size_t i = 0; i < D.ntxts; i++)
		ck_assert_uint_le(strlen(D.txts[i]), RBL_TXT_MAX);
	/* With the base: 250 b's, "[" and the start of the entry text. */
	snprintf(want, sizeof(want), "%s[$1 ", repeat('b', 250));
	ck_assert_str_eq(answer("4.4.4.4/32", "4.4.4.4"), want);
	snprintf(want, sizeof(want), "%s %s", repeat('a', 200), repeat('a', 53));
	ck_assert_str_eq(answer("4.4.4.5/32", "4.4.4.5"), want);
	/*
	 * "$$" pairs are never split into an address slot. (rbldnsd would
	 * show four dollars: 255 bytes of template cannot hold them all.)
	 */
	snprintf(want, sizeof(want), "%s$$", repeat('c', 250));
	ck_assert_str_eq(answer("4.4.4.6/32", "4.4.4.6"), want);
}
END_TEST

START_TEST(test_expand)
{
	char out[RBL_TXT_ANSWER_MAX + 8];
	char tmpl[600];
	size_t n;

#define EXP(t, ip, want) do {						\
	n = rbldnsd_expand((t), strlen(t), (ip), out);			\
	out[n] = '\0';							\
	ck_assert_str_eq(out, (want));					\
} while (0)
	EXP("$", "1.2.3.4", "1.2.3.4");
	EXP("$$", "1.2.3.4", "$");
	EXP("a$$b$c", "1.2.3.4", "a$b1.2.3.4c");
	EXP("$$$", "1.2.3.4", "$1.2.3.4");
	EXP("$$$$", "1.2.3.4", "$$");
	EXP("x$", "1.2.3.4", "x1.2.3.4");
	EXP("", "1.2.3.4", "");
	EXP("no dollar", "1.2.3.4", "no dollar");
	EXP("[$]", "2001:db8::ff00:42:8329", "[2001:db8::ff00:42:8329]");
	EXP("$ and $", "::", ":: and ::");
	/* TLEN counts, not the NUL. */
	n = rbldnsd_expand("ab$cd", 3, "1.2.3.4", out);
	out[n] = '\0';
	ck_assert_str_eq(out, "ab1.2.3.4");
	n = rbldnsd_expand("a$$", 2, "1.2.3.4", out);
	out[n] = '\0';
	ck_assert_str_eq(out, "a1.2.3.4");

	/* Cut at 254 bytes: 250 y's + " $ end" -> 250 y's + " 1.1". */
	snprintf(tmpl, sizeof(tmpl), "%s $ end", repeat('y', 250));
	snprintf(out, sizeof(out), "%s 1.1", repeat('y', 250));
	{
		char want[RBL_TXT_ANSWER_MAX + 8];

		snprintf(want, sizeof(want), "%s", out);
		EXP(tmpl, "1.1.1.5", want);
	}
	EXP(repeat('x', 300), "1.2.3.4", repeat('x', 254));
	EXP(repeat('x', 254), "1.2.3.4", repeat('x', 254));
	snprintf(tmpl, sizeof(tmpl), "%s$$", repeat('a', 253));
	snprintf(out, sizeof(out), "%s$", repeat('a', 253));
	{
		char want[RBL_TXT_ANSWER_MAX + 8];

		snprintf(want, sizeof(want), "%s", out);
		EXP(tmpl, "1.2.3.4", want);
	}
	/* Never more than RBL_TXT_ANSWER_MAX bytes written. */
	{
		struct {
			char	out[RBL_TXT_ANSWER_MAX];
			char	canary[16];
		} b;

		memset(&b, 'C', sizeof(b));
		snprintf(tmpl, sizeof(tmpl), "%s", repeat('$', 599));
		n = rbldnsd_expand(tmpl, strlen(tmpl),
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", b.out);
		ck_assert_uint_eq(n, RBL_TXT_ANSWER_MAX);
		for (size_t i = 0; i < sizeof(b.canary); i++)
			ck_assert_int_eq(b.canary[i], 'C');
	}
#undef EXP
}
END_TEST

START_TEST(test_parse_time)
{
	ck_assert_int_eq(rbldnsd_parse_time("0"), 0);
	ck_assert_int_eq(rbldnsd_parse_time("300"), 300);
	ck_assert_int_eq(rbldnsd_parse_time("10s"), 10);
	ck_assert_int_eq(rbldnsd_parse_time("10S"), 10);
	ck_assert_int_eq(rbldnsd_parse_time("5m"), 300);
	ck_assert_int_eq(rbldnsd_parse_time("1h"), 3600);
	ck_assert_int_eq(rbldnsd_parse_time("2d"), 172800);
	ck_assert_int_eq(rbldnsd_parse_time("1w"), 604800);
	ck_assert_int_eq(rbldnsd_parse_time("4294967295"), 4294967295ll);
	ck_assert_int_eq(rbldnsd_parse_time("4294967296"), -1);
	ck_assert_int_eq(rbldnsd_parse_time("7102w"), -1);
	ck_assert_int_eq(rbldnsd_parse_time(""), -1);
	ck_assert_int_eq(rbldnsd_parse_time("m"), -1);
	ck_assert_int_eq(rbldnsd_parse_time("5x"), -1);
	ck_assert_int_eq(rbldnsd_parse_time("5mm"), -1);
	ck_assert_int_eq(rbldnsd_parse_time("-5"), -1);
	ck_assert_int_eq(rbldnsd_parse_time(" 5"), -1);
}
END_TEST

/* The index rbldnsd_txt_intern gives TXT, which must not fail. */
static uint32_t
intern(const char *txt)
{
	uint32_t id = RBL_NO_TXT;

	ck_assert_int_eq(rbldnsd_txt_intern(&D, txt, &id), 0);
	ck_assert_uint_lt(id, D.ntxts);
	return id;
}

START_TEST(test_txt_intern)
{
	uint32_t a, b, ids[2000];
	char s[32];

	begin(DEF_A, "default");
	end();
	ck_assert_uint_eq(D.ntxts, 1);
	a = intern("one");
	b = intern("two");
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(intern("one"), a);
	ck_assert_uint_eq(intern("default"), 0);
	/* Still right after the index grows many times. */
	for (int i = 0; i < 2000; i++) {
		snprintf(s, sizeof(s), "text %d", i);
		ids[i] = intern(s);
	}
	ck_assert_uint_eq(D.ntxts, 2003);
	for (int i = 0; i < 2000; i++) {
		snprintf(s, sizeof(s), "text %d", i);
		ck_assert_uint_eq(intern(s), ids[i]);
		ck_assert_str_eq(D.txts[ids[i]], s);
	}
	ck_assert_uint_eq(intern("two"), b);
	ck_assert_uint_eq(D.ntxts, 2003);
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

/* Once memory has run out, D says so, and every call after fails the
 * same way without adding to it or blaming a line. */
static void
assert_nomem(void)
{
	struct prefix p = { 4, 32, { 1, 2, 3, 4 } };
	char line[] = "1.2.3.5 :3:never";
	size_t nents = D.nents, ntxts = D.ntxts;
	uint32_t id;

	ck_assert(D.nomem);
	ck_assert_uint_eq(D.nbad, 0);
	errno = 0;
	ck_assert_int_eq(rbldnsd_parse_line(&D, line, "t.rbl", 1, errfn, NULL),
	    -1);
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_int_eq(rbldnsd_add(&D, &p, false, DEF_A, RBL_NO_TXT, 1), -1);
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_int_eq(rbldnsd_txt_intern(&D, "never", &id), -1);
	ck_assert_int_eq(errno, ENOMEM);
	put("ok.rbl", "1.2.3.6\n", 8);
	errno = 0;
	ck_assert_int_eq(rbldnsd_parse_file(&D, tpath("ok.rbl"), errfn, NULL),
	    -1);
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_int_eq(rbldnsd_finish(&D), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_uint_eq(D.nents, nents);
	ck_assert_uint_eq(D.ntxts, ntxts);
	ck_assert_uint_eq(D.nbad, 0);
}

/* A set whose rbldnsd_init found no memory is safe to use and to free. */
START_TEST(test_nomem_init)
{
	begin(DEF_A, NULL);
	rbldnsd_free(&D);
	D.nomem = true;		/* what a failed rbldnsd_init leaves */
	assert_nomem();
	end();
	ck_assert_str_eq(errs, "");
}
END_TEST

/* Entries and texts until memory runs out: -1 and ENOMEM, not abort(). */
START_TEST(test_nomem_entries)
{
	struct prefix p = { 4, 32, { 1 } };
	int rc = 0, e = 0;

	begin(DEF_A, "default");
	memory_cap(8 << 20);
	for (uint32_t i = 0; i < 100000000 && rc == 0; i++) {
		ipaddr_set_v4(&p, 0x01000000u + i, 32);
		rc = rbldnsd_add(&D, &p, false, DEF_A, RBL_NO_TXT, i);
		e = errno;
	}
	memory_back();
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e, ENOMEM);
	assert_nomem();
	end();
	ck_assert_str_eq(errs, "");

	/* Lines of texts of their own: the index, the texts, the entries. */
	begin(DEF_A, NULL);
	rc = 0;
	memory_cap(8 << 20);
	for (uint32_t i = 0; i < 100000000 && rc == 0; i++) {
		char line[64];

		snprintf(line, sizeof(line), "1.%u.%u.%u :2:text %u",
		    (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, i);
		rc = rbldnsd_parse_line(&D, line, "t.rbl", i + 1, errfn, NULL);
		e = errno;
	}
	memory_back();
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e, ENOMEM);
	ck_assert_uint_gt(D.ntxts, 1000);
	assert_nomem();
	end();
	ck_assert_str_eq(errs, "");
}
END_TEST

/* rbldnsd_finish copies every text a base template changes: when that
 * runs out of memory, it fails and what it leaves is still freed. */
START_TEST(test_nomem_finish)
{
	char line[256];
	int rc, e;

	begin(DEF_A, NULL);
	snprintf(line, sizeof(line), "$= %s [$=]", repeat('b', 200));
	ck_assert_int_eq(rbldnsd_parse_line(&D, line, "t.rbl", 1, errfn, NULL),
	    0);
	for (uint32_t i = 0; i < 200000; i++) {
		snprintf(line, sizeof(line), "1.%u.%u.%u :2:t%u",
		    (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, i);
		ck_assert_int_eq(rbldnsd_parse_line(&D, line, "t.rbl", i + 2,
		    errfn, NULL), 0);
	}
	memory_cap(1 << 20);
	errno = 0;
	rc = rbldnsd_finish(&D);
	e = errno;
	memory_back();
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e, ENOMEM);
	assert_nomem();
	end();
	ck_assert_str_eq(errs, "");
}
END_TEST

/* ---- files ---- */

START_TEST(test_file_crlf_and_last_line)
{
	static const char text[] =
	    "$TTL 300\r\n"
	    "1.2.3.4 :5:crlf\r\n"
	    "\r\n"
	    "# comment\r\n"
	    "2.3.4.5\r\n"
	    "3.4.5.6 :6:no newline at the end";

	put("crlf.rbl", text, sizeof(text) - 1);
	ck_assert_int_eq(parse_path(tpath("crlf.rbl")), 0);
	ck_assert_str_eq(errs, "");
	ck_assert_uint_eq(D.ttl, 300);
	ck_assert_str_eq(dump(),
	    "1.2.3.4/32 127.0.0.5 \"crlf\"\n"
	    "2.3.4.5/32 127.0.0.2 -\n"
	    "3.4.5.6/32 127.0.0.6 \"no newline at the end\"\n");
	ck_assert_uint_eq(entry("3.4.5.6/32")->line, 6);
}
END_TEST

START_TEST(test_file_line_numbers)
{
	static const char text[] =
	    "1.1.1.1\n"
	    "bad line\n"
	    "\n"
	    "1.1.1.300\n";

	put("n.rbl", text, sizeof(text) - 1);
	ck_assert_int_eq(parse_path(tpath("n.rbl")), 0);
	ck_assert_str_eq(errs,
	    "2: not an IPv4 address, prefix or range\n"
	    "4: not an IPv4 address, prefix or range\n");
	ck_assert_str_eq(errfile, tpath("n.rbl"));
	ck_assert_uint_eq(D.nbad, 2);
}
END_TEST

START_TEST(test_file_nul_bytes)
{
	static const char text[] =
	    "1.1.1.1\n"
	    "2.2.2.2\0junk\n"
	    "3.3.3.3\n"
	    "\0\n"
	    "4.4.4.4\n";

	put("nul.rbl", text, sizeof(text) - 1);
	ck_assert_int_eq(parse_path(tpath("nul.rbl")), 0);
	ck_assert_str_eq(errs,
	    "2: NUL byte in line\n"
	    "4: NUL byte in line\n");
	/* The lines after a NUL byte still load. */
	ck_assert_str_eq(dump(),
	    "1.1.1.1/32 127.0.0.2 -\n"
	    "3.3.3.3/32 127.0.0.2 -\n"
	    "4.4.4.4/32 127.0.0.2 -\n");
	ck_assert_uint_eq(entry("4.4.4.4/32")->line, 5);
}
END_TEST

START_TEST(test_file_long_lines)
{
	char *text;
	size_t n;

	/* A 5000-byte line is reported and skipped; a 600-byte one loads
	 * (its TXT cut to 255). Line numbers stay right. */
	ck_assert_ptr_nonnull(text = malloc(8192));
	n = (size_t)snprintf(text, 8192,
	    "1.1.1.1\n"
	    "2.2.2.2 :5:%s\n"
	    "3.3.3.3 :6:%s\n"
	    "4.4.4.4\n",
	    repeat('z', 5000), repeat('w', 600));
	put("long.rbl", text, n);
	free(text);
	ck_assert_int_eq(parse_path(tpath("long.rbl")), 0);
	ck_assert_str_eq(errs, "2: line too long\n");
	ck_assert_uint_eq(D.nents, 3);
	ck_assert_str_eq(D.txts[entry("3.3.3.3/32")->txt], repeat('w', 255));
	ck_assert_uint_eq(entry("3.3.3.3/32")->line, 3);
	ck_assert_uint_eq(entry("4.4.4.4/32")->line, 4);
}
END_TEST

START_TEST(test_file_missing_and_empty)
{
	ck_assert_int_eq(parse_path(tpath("nope.rbl")), -1);
	ck_assert_int_eq(errno, ENOENT);
	put("empty.rbl", "", 0);
	ck_assert_int_eq(parse_path(tpath("empty.rbl")), 0);
	ck_assert_uint_eq(D.nents, 0);
	ck_assert_str_eq(errs, "");
}
END_TEST

/* Write N lines "10.X.Y.Z :A:line K" compressed to REL; returns its size. */
static off_t
write_gz(const char *rel, int n)
{
	struct stat sb;
	gzFile gz;

	ck_assert_ptr_nonnull(gz = gzopen(tpath(rel), "wb9"));
	gzputs(gz, "$TTL 77\n:127.0.0.4:gz $\n");
	for (int i = 0; i < n; i++)
		ck_assert_int_gt(gzprintf(gz, "10.%d.%d.%d :%d:line %d\n",
		    i >> 16 & 255, i >> 8 & 255, i & 255, i % 200 + 1, i), 0);
	gzputs(gz, "!10.0.0.0\r\n");
	ck_assert_int_eq(gzclose(gz), Z_OK);
	ck_assert_int_eq(stat(tpath(rel), &sb), 0);
	return sb.st_size;
}

START_TEST(test_file_gzip)
{
	write_gz("data.rbl.gz", 3);
	ck_assert_int_eq(parse_path(tpath("data.rbl.gz")), 0);
	ck_assert_str_eq(errs, "");
	ck_assert_uint_eq(D.ttl, 77);
	ck_assert_str_eq(dump(),
	    "10.0.0.0/32 127.0.0.1 \"line 0\"\n"
	    "10.0.0.1/32 127.0.0.2 \"line 1\"\n"
	    "10.0.0.2/32 127.0.0.3 \"line 2\"\n"
	    "!10.0.0.0/32\n");

	/* A large one, to cross zlib's buffers. */
	write_gz("big.rbl.gz", 50000);
	ck_assert_int_eq(parse_path(tpath("big.rbl.gz")), 0);
	ck_assert_str_eq(errs, "");
	ck_assert_uint_eq(D.nents, 50001);
	ck_assert_str_eq(answer("10.0.195.79/32", "10.0.195.79"), "line 49999");
	ck_assert_uint_eq(entry("10.0.195.79/32")->line, 50002);
}
END_TEST

START_TEST(test_file_gzip_truncated)
{
	off_t size = write_gz("cut.rbl.gz", 20000);

	ck_assert_int_gt(size, 4096);
	ck_assert_int_eq(truncate(tpath("cut.rbl.gz"), size / 2), 0);
	ck_assert_int_eq(parse_path(tpath("cut.rbl.gz")), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_ptr_nonnull(strstr(errs, ": truncated compressed file\n"));
	ck_assert_uint_ge(D.nbad, 1);
	/* What came before the cut is there, and no half line. */
	ck_assert_uint_gt(D.nents, 100);
	ck_assert_uint_lt(D.nents, 20000);
	for (size_t i = 0; i < D.nents; i++) {
		const struct rbl_entry *e = &D.ents[i];
		uint32_t k = ipaddr_v4(&e->p) & 0xffffff;
		char want[32];

		snprintf(want, sizeof(want), "line %u", k);
		if (e->excl || e->p.len != 32 || k != i || e->txt == RBL_NO_TXT ||
		    strcmp(D.txts[e->txt], want) != 0 ||
		    e->a != 0x7f000000u + k % 200 + 1)
			ck_abort_msg("entry %zu is not line %zu", i, i);
	}

	/* Only the trailer (CRC and length) missing is an error too. */
	size = write_gz("tail.rbl.gz", 100);
	ck_assert_int_eq(truncate(tpath("tail.rbl.gz"), size - 4), 0);
	ck_assert_int_eq(parse_path(tpath("tail.rbl.gz")), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_ptr_nonnull(strstr(errs, ": truncated compressed file\n"));
}
END_TEST

START_TEST(test_file_gzip_corrupt)
{
	off_t size = write_gz("bad.rbl.gz", 20000);
	FILE *f;

	/* Overwrite part of the compressed stream. */
	ck_assert_ptr_nonnull(f = fopen(tpath("bad.rbl.gz"), "r+"));
	ck_assert_int_eq(fseeko(f, size / 2, SEEK_SET), 0);
	for (int i = 0; i < 64; i++)
		fputc(i * 37 & 255, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(parse_path(tpath("bad.rbl.gz")), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_uint_ge(D.nbad, 1);
}
END_TEST

/* ---- real feeds (tests/data/feeds, see SOURCES.md there) ---- */

struct feedcount {
	size_t		v4, v6;
	uint64_t	addrs4;		/* sum of the sizes of IPv4 entries */
};

static struct feedcount
parse_feed(const char *name)
{
	struct feedcount fc = { 0, 0, 0 };
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/data/feeds/%s", test_dir(), name);
	ck_assert_msg(parse_path(path) == 0, "%s: %s", path, strerror(errno));
	ck_assert_msg(strcmp(errs, "") == 0, "%s: %s", name, errs);
	ck_assert_uint_eq(D.nbad, 0);
	for (size_t i = 0; i < D.nents; i++) {
		if (D.ents[i].excl || D.ents[i].a != DEF_A)
			ck_abort_msg("%s: entry %zu is not a plain listing", name,
			    i);
		if (D.ents[i].p.family == 4) {
			fc.v4++;
			fc.addrs4 += 1ull << (32 - D.ents[i].p.len);
		} else
			fc.v6++;
	}
	return fc;
}

/* Counts checked with Python's ipaddress (comment lines skipped). */
/* Only regular files are read: a FIFO would block the open, a device
 * never end. Both are refused at once, with EINVAL. */
START_TEST(test_not_regular_files)
{
	struct rbl_data d;
	const char *fifo = tpath("fifo.rbl");

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	rbldnsd_init(&d, DEF_A, NULL);
	errno = 0;
	ck_assert_int_eq(rbldnsd_parse_file(&d, fifo, NULL, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(rbldnsd_parse_file(&d, "/dev/zero", NULL, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(rbldnsd_parse_file(&d, tmpdir, NULL, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(d.nents, 0);
	rbldnsd_free(&d);
}
END_TEST

START_TEST(test_feed_spamhaus_drop)
{
	struct feedcount fc = parse_feed("spamhaus_drop.netset");

	ck_assert_uint_eq(fc.v4, 683);
	ck_assert_uint_eq(fc.v6, 0);
	ck_assert_uint_eq(fc.addrs4, 22583552);
	ck_assert_uint_eq(entry("1.4.0.0/17")->line, 32);
	ck_assert_uint_eq(entry("223.254.0.0/16")->line, 714);
	ck_assert_uint_eq(entry("1.4.0.0/17")->txt, RBL_NO_TXT);
}
END_TEST

START_TEST(test_feed_firehol_level1)
{
	struct feedcount fc = parse_feed("firehol_level1.netset");

	ck_assert_uint_eq(fc.v4, 6273);
	ck_assert_uint_eq(fc.v6, 0);
	ck_assert_uint_eq(fc.addrs4, 680864624);
	ck_assert_uint_eq(entry("0.0.0.0/8")->line, 35);
	ck_assert_uint_eq(entry("1.93.0.224/32")->line, 38);
	ck_assert_uint_eq(entry("224.0.0.0/3")->line, 6307);
}
END_TEST

START_TEST(test_feed_et_compromised)
{
	struct feedcount fc = parse_feed("et_compromised.ipset");

	ck_assert_uint_eq(fc.v4, 2191);
	ck_assert_uint_eq(fc.addrs4, 2191);
	ck_assert_uint_eq(entry("1.179.187.141/32")->line, 20);
	ck_assert_uint_eq(entry("99.63.238.108/32")->line, 2210);
}
END_TEST

START_TEST(test_feed_ipsum_level6)
{
	struct feedcount fc = parse_feed("ipsum-level6.txt");

	ck_assert_uint_eq(fc.v4, 1366);
	ck_assert_uint_eq(fc.addrs4, 1366);
	ck_assert_uint_eq(entry("80.94.95.112/32")->line, 1);
	ck_assert_uint_eq(entry("223.247.218.112/32")->line, 1366);
}
END_TEST

START_TEST(test_feed_real_rbldnsd_zone)
{
	struct feedcount fc = parse_feed("real-rbldnsd.zone");

	ck_assert_uint_eq(fc.v4, 0);
	ck_assert_uint_eq(fc.v6, 287);
	/* Every line has its own TXT value. */
	ck_assert_uint_eq(D.ntxts, 287);
	ck_assert_str_eq(answer("100::1/128", "100::1"),
	    "174|100::1/128|US|arin|");
	ck_assert_str_eq(answer("2000::/6", "2000::1"),
	    "52095|2000::/6|CZ|ripencc|");
	ck_assert_str_eq(answer("2001:1201:10::/48", "2001:1201:10::1"),
	    "27661|2001:1201:10::/48|MX|lacnic|");
	ck_assert_uint_eq(entry("2001:1201:10::/48")->line, 4);
	ck_assert_uint_eq(entry("2001:1248:24b2::/48")->line, 287);
	ck_assert_uint_eq(entry("2001:1248:24b2::/48")->a, DEF_A);
}
END_TEST

static Suite *
rbldnsd_suite(void)
{
	Suite *s = suite_create("rbldnsd");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ip4_forms);
	tcase_add_test(tc, test_ip4_ranges);
	tcase_add_test(tc, test_ip4_bad);
	tcase_add_test(tc, test_ip6_forms);
	tcase_add_test(tc, test_exclusions);
	tcase_add_test(tc, test_duplicates_kept_in_order);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_default_lines);
	tcase_add_test(tc, test_config_defaults);
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_value_without_blank);
	tcase_add_test(tc, test_long_txt_truncated);
	tcase_add_test(tc, test_soa_ns_ttl);
	tcase_add_test(tc, test_special_prefixes_and_errors);
	tcase_add_test(tc, test_maxrange4);
	tcase_add_test(tc, test_variables);
	tcase_add_test(tc, test_variables_per_dataset);
	tcase_add_test(tc, test_base_template);
	tcase_add_test(tc, test_no_base_template);
	tcase_add_test(tc, test_expanded_template_capped);
	tcase_add_test(tc, test_expand);
	tcase_add_test(tc, test_parse_time);
	tcase_add_test(tc, test_txt_intern);
	tcase_add_test(tc, test_nomem_init);
	tcase_add_test(tc, test_nomem_entries);
	tcase_add_test(tc, test_nomem_finish);
	tcase_add_test(tc, test_file_crlf_and_last_line);
	tcase_add_test(tc, test_file_line_numbers);
	tcase_add_test(tc, test_file_nul_bytes);
	tcase_add_test(tc, test_file_long_lines);
	tcase_add_test(tc, test_file_missing_and_empty);
	tcase_add_test(tc, test_file_gzip);
	tcase_add_test(tc, test_file_gzip_truncated);
	tcase_add_test(tc, test_file_gzip_corrupt);
	tcase_add_test(tc, test_feed_spamhaus_drop);
	tcase_add_test(tc, test_feed_firehol_level1);
	tcase_add_test(tc, test_feed_et_compromised);
	tcase_add_test(tc, test_feed_ipsum_level6);
	tcase_add_test(tc, test_feed_real_rbldnsd_zone);
	tcase_add_test(tc, test_not_regular_files);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(rbldnsd_suite());
}
