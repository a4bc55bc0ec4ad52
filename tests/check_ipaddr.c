/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/ipaddr.c: parse, mask, print, split ranges into CIDRs. */

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rbld/ipaddr.h"
#include "testutil.h"

/* Text of P as ipaddr_format prints it, in a rotating static buffer. */
static const char *
fmt(const struct prefix *p)
{
	static char buf[4][IPADDR_STRLEN];
	static int i;

	i = (i + 1) % 4;
	ipaddr_format(p, false, buf[i], sizeof(buf[i]));
	return buf[i];
}

/* IPv6 text of the address S (parsed with ipaddr_parse_addr). */
static const char *
ntop6(const char *s)
{
	static char buf[IPADDR_STRLEN];
	struct prefix p;

	ck_assert_msg(ipaddr_parse_addr(s, &p) == 0, "cannot parse %s", s);
	ck_assert_int_eq(p.family, 6);
	ipaddr_ntop(6, p.addr, buf, sizeof(buf));
	return buf;
}

START_TEST(test_parse_addr_good)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 1, 2, 3, 4 };
	struct prefix p;
	int i;

	ck_assert_int_eq(ipaddr_parse_addr("192.0.2.1", &p), 0);
	ck_assert_int_eq(p.family, 4);
	ck_assert_int_eq(p.len, 32);
	ck_assert_int_eq(p.addr[0], 192);
	ck_assert_int_eq(p.addr[1], 0);
	ck_assert_int_eq(p.addr[2], 2);
	ck_assert_int_eq(p.addr[3], 1);
	for (i = 4; i < 16; i++)
		ck_assert_int_eq(p.addr[i], 0);
	ck_assert_uint_eq(ipaddr_v4(&p), 0xc0000201u);

	ck_assert_int_eq(ipaddr_parse_addr("0.0.0.0", &p), 0);
	ck_assert_uint_eq(ipaddr_v4(&p), 0);
	ck_assert_int_eq(ipaddr_parse_addr("255.255.255.255", &p), 0);
	ck_assert_uint_eq(ipaddr_v4(&p), 0xffffffffu);

	ck_assert_int_eq(ipaddr_parse_addr("2001:db8::1", &p), 0);
	ck_assert_int_eq(p.family, 6);
	ck_assert_int_eq(p.len, 128);
	ck_assert_mem_eq(p.addr, v6, 16);
	ck_assert_int_eq(ipaddr_parse_addr("2001:DB8::1", &p), 0);
	ck_assert_mem_eq(p.addr, v6, 16);

	ck_assert_int_eq(ipaddr_parse_addr("::ffff:1.2.3.4", &p), 0);
	ck_assert_int_eq(p.family, 6);
	ck_assert_mem_eq(p.addr, mapped, 16);

	ck_assert_int_eq(ipaddr_parse_addr("::", &p), 0);
	ck_assert_int_eq(p.family, 6);
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(p.addr[i], 0);
}
END_TEST

START_TEST(test_parse_addr_bad)
{
	static const char *bad[] = {
		"", " ", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-1",
		" 1.2.3.4", "1.2.3.4 ", "1.2.3.4/32", "1..2.3", "a.b.c.d",
		"0x1.2.3.4", "2001:db8::1::2", "2001:db8:::1", "gggg::1",
		"1:2:3:4:5:6:7:8:9", "2001:db8::1/128", "::ffff:1.2.3", ":",
	};
	struct prefix p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ipaddr_parse_addr(bad[i], &p) == -1,
		    "\"%s\" parsed as an address", bad[i]);
}
END_TEST

START_TEST(test_parse_prefix_good)
{
	static const struct {
		const char *in, *out;
		int family, len;
	} t[] = {
		{ "10.0.0.0/8", "10.0.0.0/8", 4, 8 },
		{ "0.0.0.0/0", "0.0.0.0/0", 4, 0 },
		{ "192.0.2.1", "192.0.2.1/32", 4, 32 },
		{ "192.0.2.1/32", "192.0.2.1/32", 4, 32 },
		{ "192.0.2.128/25", "192.0.2.128/25", 4, 25 },
		{ "128.0.0.0/1", "128.0.0.0/1", 4, 1 },
		{ "::/0", "::/0", 6, 0 },
		{ "2001:db8::/32", "2001:db8::/32", 6, 32 },
		{ "2001:DB8:1::/48", "2001:db8:1::/48", 6, 48 },
		{ "2001:db8::1", "2001:db8::1/128", 6, 128 },
		{ "2001:db8::8000:0/97", "2001:db8::8000:0/97", 6, 97 },
		{ "2001:db8::1/128", "2001:db8::1/128", 6, 128 },
	};
	struct prefix p;
	char why[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(ipaddr_parse_prefix(t[i].in, &p, why, sizeof(why)) == 0,
		    "%s: %s", t[i].in, why);
		ck_assert_int_eq(p.family, t[i].family);
		ck_assert_int_eq(p.len, t[i].len);
		ck_assert_str_eq(fmt(&p), t[i].out);
	}
	/* WHY may be NULL. */
	ck_assert_int_eq(ipaddr_parse_prefix("10.0.0.0/8", &p, NULL, 0), 0);
}
END_TEST

START_TEST(test_parse_prefix_host_bits)
{
	static const char *hb[] = {
		"10.0.0.1/8", "192.0.2.1/24", "192.0.2.129/25", "0.0.0.1/0",
		"128.0.0.0/0", "192.0.2.3/31", "2001:db8::1/32",
		"2001:db8::1/127", "::1/0", "2001:db8:0:1::/63",
	};
	struct prefix p;
	char why[64];

	for (size_t i = 0; i < sizeof(hb) / sizeof(hb[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(ipaddr_parse_prefix(hb[i], &p, why, sizeof(why)) == -1,
		    "%s accepted", hb[i]);
		ck_assert_str_eq(why, "host bits set past the prefix length");
	}
	/* NULL WHY is allowed on errors too. */
	ck_assert_int_eq(ipaddr_parse_prefix("10.0.0.1/8", &p, NULL, 0), -1);
}
END_TEST

START_TEST(test_parse_prefix_lengths)
{
	static const char *badlen[] = {
		"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/x",
		"10.0.0.0/8x", "10.0.0.0/ 8", "10.0.0.0/+8", "10.0.0.0/0008",
		"::/129", "::/", "::/1000", "10.0.0.0/8/8",
	};
	static const char *badaddr[] = {
		"", "/8", "10.0.0/8", "10.0.0.0.0/8", "300.0.0.0/8", "x/8",
		"2001:db8::1::/64",
	};
	struct prefix p;
	char why[64];

	for (size_t i = 0; i < sizeof(badlen) / sizeof(badlen[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(ipaddr_parse_prefix(badlen[i], &p, why, sizeof(why)) == -1,
		    "%s accepted", badlen[i]);
		ck_assert_str_eq(why, "bad prefix length");
	}
	for (size_t i = 0; i < sizeof(badaddr) / sizeof(badaddr[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(ipaddr_parse_prefix(badaddr[i], &p, why, sizeof(why)) == -1,
		    "%s accepted", badaddr[i]);
		ck_assert_str_eq(why, "not an IP address");
	}
	/* Every length of each family, on an address that allows it. */
	for (int len = 0; len <= 32; len++) {
		char s[32];

		snprintf(s, sizeof(s), "0.0.0.0/%d", len);
		ck_assert_int_eq(ipaddr_parse_prefix(s, &p, NULL, 0), 0);
		ck_assert_int_eq(p.len, len);
	}
	for (int len = 0; len <= 128; len++) {
		char s[32];

		snprintf(s, sizeof(s), "::/%d", len);
		ck_assert_int_eq(ipaddr_parse_prefix(s, &p, NULL, 0), 0);
		ck_assert_int_eq(p.len, len);
	}
}
END_TEST

START_TEST(test_mask)
{
	static const struct {
		const char *addr;
		int len;
		const char *want;
	} t[] = {
		{ "255.255.255.255", 0, "0.0.0.0/0" },
		{ "255.255.255.255", 1, "128.0.0.0/1" },
		{ "255.255.255.255", 7, "254.0.0.0/7" },
		{ "255.255.255.255", 8, "255.0.0.0/8" },
		{ "192.0.2.77", 24, "192.0.2.0/24" },
		{ "192.0.2.77", 26, "192.0.2.64/26" },
		{ "255.255.255.255", 31, "255.255.255.254/31" },
		{ "192.0.2.77", 32, "192.0.2.77/32" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, "::/0" },
		{ "2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::/48" },
		{ "2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65,
		    "ffff:ffff:ffff:ffff:8000::/65" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 127,
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127" },
		{ "2001:db8::1", 128, "2001:db8::1/128" },
	};
	struct prefix p;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(ipaddr_parse_addr(t[i].addr, &p), 0);
		p.len = (uint8_t)t[i].len;
		ipaddr_mask(&p);
		ck_assert_str_eq(fmt(&p), t[i].want);
	}
	/* An IPv4 prefix never keeps bytes past its 4. */
	ck_assert_int_eq(ipaddr_parse_addr("1.2.3.4", &p), 0);
	memset(p.addr + 4, 0xaa, 12);
	ipaddr_mask(&p);
	for (int i = 4; i < 16; i++)
		ck_assert_int_eq(p.addr[i], 0);
	ck_assert_uint_eq(ipaddr_v4(&p), 0x01020304u);
}
END_TEST

START_TEST(test_contains)
{
	struct prefix a, b, c, d, all4, all6, v6, v6h, mapped;

	ck_assert_int_eq(ipaddr_parse_prefix("10.0.0.0/8", &a, NULL, 0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("10.1.0.0/16", &b, NULL, 0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("11.1.0.0/16", &c, NULL, 0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("10.1.2.3", &d, NULL, 0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("0.0.0.0/0", &all4, NULL, 0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("::/0", &all6, NULL, 0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("2001:db8::/32", &v6, NULL, 0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("2001:db8:ffff::1", &v6h, NULL, 0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("::ffff:10.1.2.3", &mapped,
	    NULL, 0), 0);

	ck_assert(ipaddr_contains(&a, &b));
	ck_assert(ipaddr_contains(&a, &d));
	ck_assert(ipaddr_contains(&b, &d));
	ck_assert(ipaddr_contains(&a, &a));
	ck_assert(ipaddr_contains(&d, &d));
	ck_assert(!ipaddr_contains(&b, &a));	/* longer cannot hold shorter */
	ck_assert(!ipaddr_contains(&d, &b));
	ck_assert(!ipaddr_contains(&a, &c));
	ck_assert(!ipaddr_contains(&c, &d));
	ck_assert(ipaddr_contains(&all4, &a));
	ck_assert(ipaddr_contains(&all4, &c));
	ck_assert(ipaddr_contains(&all6, &v6));
	ck_assert(ipaddr_contains(&v6, &v6h));
	ck_assert(!ipaddr_contains(&v6h, &v6));
	/* Families never mix, not even through ::ffff:0:0/96. */
	ck_assert(!ipaddr_contains(&all4, &v6));
	ck_assert(!ipaddr_contains(&all6, &a));
	ck_assert(!ipaddr_contains(&a, &mapped));
	ck_assert(!ipaddr_contains(&v6, &d));
}
END_TEST

/* S as ipaddr_canonical leaves it, printed; every byte past the family's
 * is zero. */
static const char *
canon(const char *s)
{
	struct prefix p;

	ck_assert_msg(ipaddr_parse_prefix(s, &p, NULL, 0) == 0,
	    "cannot parse %s", s);
	ipaddr_canonical(&p);
	for (int i = ipaddr_bytes(p.family); i < 16; i++)
		ck_assert_int_eq(p.addr[i], 0);
	return fmt(&p);
}

START_TEST(test_canonical)
{
	/* IPv4-mapped, ::ffff:0:0/96 and longer: the IPv4 prefix. */
	ck_assert_str_eq(canon("::ffff:192.0.2.1"), "192.0.2.1/32");
	ck_assert_str_eq(canon("::ffff:198.51.100.0/120"), "198.51.100.0/24");
	ck_assert_str_eq(canon("::ffff:10.0.0.0/104"), "10.0.0.0/8");
	ck_assert_str_eq(canon("::ffff:0:0/96"), "0.0.0.0/0");
	/* Shorter than /96 it is more than the mapped space: left alone,
	 * even unmasked. */
	ck_assert_str_eq(canon("::fffe:0:0/95"), "::fffe:0:0/95");
	ck_assert_str_eq(canon("::/0"), "::/0");
	{
		struct prefix p;

		ck_assert_int_eq(ipaddr_parse_addr("::ffff:0:0", &p), 0);
		p.len = 95;
		ipaddr_canonical(&p);
		ck_assert_int_eq(p.family, 6);
		ck_assert_str_eq(fmt(&p), "::ffff:0:0/95");
	}
	/* Ordinary IPv6, and look-alikes that are not ::ffff:0:0/96. */
	ck_assert_str_eq(canon("2001:db8::1"), "2001:db8::1/128");
	ck_assert_str_eq(canon("2001:db8::/32"), "2001:db8::/32");
	ck_assert_str_eq(canon("::1.2.3.4"), "::102:304/128");
	ck_assert_str_eq(canon("::fffe:1.2.3.4"), "::fffe:102:304/128");
	ck_assert_str_eq(canon("1::ffff:1.2.3.4"), "1::ffff:102:304/128");
	ck_assert_str_eq(canon("2002:c000:201::"), "2002:c000:201::/128");
	/* IPv4 stays as it is. */
	ck_assert_str_eq(canon("192.0.2.1"), "192.0.2.1/32");
	ck_assert_str_eq(canon("0.0.0.0/0"), "0.0.0.0/0");
	ck_assert_str_eq(canon("255.255.0.0/16"), "255.255.0.0/16");
}
END_TEST

START_TEST(test_ntop4)
{
	char buf[IPADDR_STRLEN];
	uint8_t a[4] = { 0, 0, 0, 0 };

	ipaddr_ntop(4, a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0.0.0.0");
	memset(a, 255, 4);
	ipaddr_ntop(4, a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "255.255.255.255");
	a[0] = 1, a[1] = 2, a[2] = 30, a[3] = 4;
	ipaddr_ntop(4, a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.2.30.4");
	/* Cut to the buffer, always terminated. */
	ipaddr_ntop(4, a, buf, 4);
	ck_assert_str_eq(buf, "1.2");
}
END_TEST

/* The forms observed in rbldnsd's "$" substitution (notes, section 2b). */
START_TEST(test_ntop6_rbldnsd)
{
	ck_assert_str_eq(ntop6("2001:0db8:0000:0000:0000:ff00:0042:8329"),
	    "2001:db8::ff00:42:8329");
	ck_assert_str_eq(ntop6("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
	ck_assert_str_eq(ntop6("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
	ck_assert_str_eq(ntop6("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
	ck_assert_str_eq(ntop6("1:2:3:4:5:6:7:0"), "1:2:3:4:5:6:7:0");
	ck_assert_str_eq(ntop6("0:1:2:3:4:5:6:7"), "0:1:2:3:4:5:6:7");
	ck_assert_str_eq(ntop6("::"), "::");
	ck_assert_str_eq(ntop6("abcd:ef01::"), "abcd:ef01::");
	ck_assert_str_eq(ntop6("ABCD:EF01::"), "abcd:ef01::");
	ck_assert_str_eq(ntop6("::ffff:1.2.3.4"), "::ffff:102:304");
	ck_assert_str_eq(ntop6("::1.2.3.4"), "::102:304");
	ck_assert_str_eq(ntop6("::1"), "::1");
	ck_assert_str_eq(ntop6("1::"), "1::");
	ck_assert_str_eq(ntop6("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8");
	ck_assert_str_eq(ntop6("1:0:0:0:2:0:0:0"), "1::2:0:0:0");
	ck_assert_str_eq(ntop6("0:0:1:0:0:0:0:2"), "0:0:1::2");
	ck_assert_str_eq(ntop6("2002:102:304::1"), "2002:102:304::1");
	ck_assert_str_eq(ntop6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert_str_eq(ntop6("0:0:0:0:0:0:0:1"), "::1");
	ck_assert_str_eq(ntop6("1:0:0:0:0:0:0:0"), "1::");
}
END_TEST

/* Every output against a reference: RFC 5952 without dotted quads. */
START_TEST(test_ntop6_exhaustive_zero_patterns)
{
	char buf[IPADDR_STRLEN], want[IPADDR_STRLEN];
	uint8_t a[16];

	/* All 256 patterns of zero / non-zero words. */
	for (int m = 0; m < 256; m++) {
		int best = -1, bestlen = 1, run = 0;
		size_t n = 0;

		for (int i = 0; i < 8; i++) {
			a[2 * i] = 0;
			a[2 * i + 1] = (m >> i & 1) ? (uint8_t)(i + 1) : 0;
			if (a[2 * i + 1] == 0) {
				if (++run > bestlen) {
					bestlen = run;
					best = i - run + 1;
				}
			} else
				run = 0;
		}
		for (int i = 0; i < 8; i++) {
			if (i == best) {
				n += (size_t)snprintf(want + n, sizeof(want) - n,
				    "::");
				i += bestlen - 1;
				continue;
			}
			if (n > 0 && want[n - 1] != ':')
				want[n++] = ':';
			n += (size_t)snprintf(want + n, sizeof(want) - n, "%x",
			    a[2 * i + 1]);
		}
		want[n] = '\0';
		ipaddr_ntop(6, a, buf, sizeof(buf));
		ck_assert_msg(strcmp(buf, want) == 0, "pattern %02x: %s, want %s",
		    m, buf, want);
	}
}
END_TEST

START_TEST(test_ntop6_small_buffer)
{
	char buf[64];
	struct prefix p;

	ck_assert_int_eq(ipaddr_parse_addr("2001:db8:1:2:3:4:5:6", &p), 0);
	memset(buf, 'Z', sizeof(buf));
	ipaddr_ntop(6, p.addr, buf, 8);
	ck_assert_int_eq(strlen(buf), 7);
	ck_assert_str_eq(buf, "2001:db");
	ck_assert_int_eq(buf[8], 'Z');	/* nothing written past LEN */
	memset(buf, 'Z', sizeof(buf));
	ipaddr_ntop(6, p.addr, buf, 1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(buf[1], 'Z');
}
END_TEST

START_TEST(test_format)
{
	char buf[IPADDR_STRLEN];
	struct prefix p;

	ck_assert_int_eq(ipaddr_parse_prefix("192.0.2.1", &p, NULL, 0), 0);
	ipaddr_format(&p, true, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.1");
	ipaddr_format(&p, false, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.1/32");
	ck_assert_int_eq(ipaddr_parse_prefix("192.0.2.0/24", &p, NULL, 0), 0);
	ipaddr_format(&p, true, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.0/24");
	ck_assert_int_eq(ipaddr_parse_prefix("::1", &p, NULL, 0), 0);
	ipaddr_format(&p, true, buf, sizeof(buf));
	ck_assert_str_eq(buf, "::1");
	ipaddr_format(&p, false, buf, sizeof(buf));
	ck_assert_str_eq(buf, "::1/128");
	ck_assert_int_eq(ipaddr_parse_prefix("::ffff:0:0/96", &p, NULL, 0), 0);
	ipaddr_format(&p, true, buf, sizeof(buf));
	ck_assert_str_eq(buf, "::ffff:0:0/96");
	/* The longest text fits IPADDR_STRLEN. */
	ck_assert_int_eq(ipaddr_parse_prefix(
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", &p, NULL, 0), 0);
	ipaddr_format(&p, false, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
	ipaddr_format(&p, false, buf, 10);
	ck_assert_str_eq(buf, "ffff:ffff");
}
END_TEST

START_TEST(test_v4_helpers)
{
	struct prefix p;

	memset(&p, 0xee, sizeof(p));
	ipaddr_set_v4(&p, 0x01020304u, 24);
	ck_assert_int_eq(p.family, 4);
	ck_assert_int_eq(p.len, 24);
	ck_assert_int_eq(p.addr[0], 1);
	ck_assert_int_eq(p.addr[3], 4);
	for (int i = 4; i < 16; i++)
		ck_assert_int_eq(p.addr[i], 0);
	ck_assert_uint_eq(ipaddr_v4(&p), 0x01020304u);
	ipaddr_set_v4(&p, 0xffffffffu, 32);
	ck_assert_uint_eq(ipaddr_v4(&p), 0xffffffffu);
	ck_assert_str_eq(fmt(&p), "255.255.255.255/32");
}
END_TEST

/* ---- range4 ---- */

#define MAXP	80

struct coll {
	struct prefix	p[MAXP];
	int		n;
	int		stop_at;	/* return 7 on call N (from 1); 0 never */
};

static int
collect(void *arg, const struct prefix *p)
{
	struct coll *c = arg;

	/* Plain checks in hot loops: each ck_assert costs a write(2). */
	if (c->n >= MAXP)
		ck_abort_msg("more than %d prefixes", MAXP);
	c->p[c->n++] = *p;
	return c->n == c->stop_at ? 7 : 0;
}

/* Split LO..HI and print the CIDRs space-separated. */
static const char *
split(uint32_t lo, uint32_t hi)
{
	static char out[MAXP * IPADDR_STRLEN];
	struct coll c = { .n = 0 };
	size_t n = 0;

	ck_assert_int_eq(ipaddr_range4(lo, hi, collect, &c), 0);
	out[0] = '\0';
	for (int i = 0; i < c.n; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
		    i ? " " : "", fmt(&c.p[i]));
	return out;
}

/*
 * Check the CIDRs of LO..HI: family 4, ascending, contiguous, aligned,
 * covering exactly the range, and no neighbours that could merge.
 */
static int
check_split(uint32_t lo, uint32_t hi)
{
	struct coll c = { .n = 0 };
	uint64_t next = lo;

	if (ipaddr_range4(lo, hi, collect, &c) != 0)
		ck_abort_msg("ipaddr_range4 failed");
	for (int i = 0; i < c.n; i++) {
		uint32_t v = ipaddr_v4(&c.p[i]);
		uint64_t size = 1ull << (32 - c.p[i].len);
		struct prefix m = c.p[i];

		ipaddr_mask(&m);
		if (c.p[i].family != 4 || v != next || (v & (size - 1)) != 0 ||
		    memcmp(m.addr, c.p[i].addr, 16) != 0)
			ck_abort_msg("%08x-%08x: bad piece %s", lo, hi,
			    fmt(&c.p[i]));
		next = (uint64_t)v + size;
		if (i > 0 && c.p[i - 1].len == c.p[i].len &&
		    (ipaddr_v4(&c.p[i - 1]) & (2 * size - 1)) == 0)
			ck_abort_msg("%s and %s could be one prefix",
			    fmt(&c.p[i - 1]), fmt(&c.p[i]));
	}
	if (next != (uint64_t)hi + 1)
		ck_abort_msg("%08x-%08x: covered up to %llx", lo, hi,
		    (unsigned long long)next);
	return c.n;
}

START_TEST(test_range4_edges)
{
	ck_assert_str_eq(split(0, 0xffffffffu), "0.0.0.0/0");
	ck_assert_str_eq(split(0, 0), "0.0.0.0/32");
	ck_assert_str_eq(split(0x01020304u, 0x01020304u), "1.2.3.4/32");
	ck_assert_str_eq(split(0xffffffffu, 0xffffffffu),
	    "255.255.255.255/32");
	ck_assert_str_eq(split(0xfffffffeu, 0xffffffffu),
	    "255.255.255.254/31");
	ck_assert_str_eq(split(0x80000000u, 0xffffffffu), "128.0.0.0/1");
	ck_assert_str_eq(split(0, 0x7fffffffu), "0.0.0.0/1");
	ck_assert_str_eq(split(0x01020304u, 0x0102030au),
	    "1.2.3.4/30 1.2.3.8/31 1.2.3.10/32");
	ck_assert_str_eq(split(0x7f100000u, 0x7f1fffffu), "127.16.0.0/12");
	ck_assert_str_eq(split(0x7f000001u, 0x7f0000ffu),
	    "127.0.0.1/32 127.0.0.2/31 127.0.0.4/30 127.0.0.8/29 "
	    "127.0.0.16/28 127.0.0.32/27 127.0.0.64/26 127.0.0.128/25");
	ck_assert_str_eq(split(0xffffff01u, 0xffffffffu),
	    "255.255.255.1/32 255.255.255.2/31 255.255.255.4/30 "
	    "255.255.255.8/29 255.255.255.16/28 255.255.255.32/27 "
	    "255.255.255.64/26 255.255.255.128/25");
	ck_assert_str_eq(split(0x0a0000ffu, 0x0a000100u),
	    "10.0.0.255/32 10.0.1.0/32");
	/* An empty range calls nothing. */
	ck_assert_str_eq(split(5, 4), "");
	ck_assert_str_eq(split(0xffffffffu, 0), "");
	/* The worst case: 62 prefixes. */
	ck_assert_int_eq(check_split(1, 0xfffffffeu), 62);
	ck_assert_int_eq(check_split(0, 0xfffffffeu), 32);
	ck_assert_int_eq(check_split(1, 0xffffffffu), 32);
}
END_TEST

START_TEST(test_range4_random)
{
	srandom(20240611);
	for (int i = 0; i < 20000; i++) {
		uint32_t a = (uint32_t)random() ^ (uint32_t)random() << 16;
		uint32_t b = (uint32_t)random() ^ (uint32_t)random() << 16;

		/* Small ranges too, and ranges near the ends. */
		switch (i % 4) {
		case 1:
			b = a + (uint32_t)(random() % 1000);
			if (b < a)
				b = 0xffffffffu;
			break;
		case 2:
			b = 0xffffffffu;
			break;
		case 3:
			a = (uint32_t)(random() % 70000);
			break;
		}
		if (a > b) {
			uint32_t t = a;

			a = b;
			b = t;
		}
		check_split(a, b);
	}
}
END_TEST

START_TEST(test_range4_stop)
{
	struct coll c = { .n = 0, .stop_at = 2 };

	/* 1.2.3.4-1.2.3.10 has three prefixes; the second call stops it. */
	ck_assert_int_eq(ipaddr_range4(0x01020304u, 0x0102030au, collect, &c), 7);
	ck_assert_int_eq(c.n, 2);
	c.n = 0;
	c.stop_at = 1;
	ck_assert_int_eq(ipaddr_range4(0, 0xffffffffu, collect, &c), 7);
	ck_assert_int_eq(c.n, 1);
}
END_TEST

static Suite *
ipaddr_suite(void)
{
	Suite *s = suite_create("ipaddr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_addr_good);
	tcase_add_test(tc, test_parse_addr_bad);
	tcase_add_test(tc, test_parse_prefix_good);
	tcase_add_test(tc, test_parse_prefix_host_bits);
	tcase_add_test(tc, test_parse_prefix_lengths);
	tcase_add_test(tc, test_mask);
	tcase_add_test(tc, test_contains);
	tcase_add_test(tc, test_canonical);
	tcase_add_test(tc, test_ntop4);
	tcase_add_test(tc, test_ntop6_rbldnsd);
	tcase_add_test(tc, test_ntop6_exhaustive_zero_patterns);
	tcase_add_test(tc, test_ntop6_small_buffer);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_v4_helpers);
	tcase_add_test(tc, test_range4_edges);
	tcase_add_test(tc, test_range4_random);
	tcase_add_test(tc, test_range4_stop);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(ipaddr_suite());
}
