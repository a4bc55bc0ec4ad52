/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/dns.c: answers to DNS queries, decoded with ldns. */

#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <dirent.h>
#include <ldns/ldns.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../rbld/catalog.h"
#include "../rbld/conf.h"
#include "../rbld/dns.h"
#include "../rbld/hits.h"
#include "../rbld/log.h"
#include "../rbld/rbldnsd.h"
#include "../rbld/runtime.h"
#include "../rbld/source.h"
#include "../rbld/store.h"
#include "testutil.h"

#define DEF_A	0x7f000002u

#define T_A	1
#define T_NS	2
#define T_SOA	6
#define T_PTR	12
#define T_MX	15
#define T_TXT	16
#define T_AAAA	28
#define T_OPT	41
#define T_AXFR	252
#define T_ANY	255
#define C_IN	1
#define C_CH	3
#define C_ANY	255

#define F_RD	0x0100

#define ZONE	"bl.example.test"	/* zone 0: sources a, b, c */
#define ZONE1	"filesoa.test"		/* zone 1: source d, SOA/NS from its file */
#define CATALOG	"catalog.test"		/* their catalog zone */

static char		 tmpdir[64];	/* "/tmp/rbld-check-dns.XXXXXX" */
static struct store	*st;
static struct store_reader *rd;
static int		 A, B, C, D;
static struct conf	*CF;
static int		 IDS[CONF_MAX_SOURCES];
static struct view	*V;
static struct apex_cache APEX;
static struct prefix	 allow[4];
static struct dns_stats	 S;
static char		 err[256];
static uint32_t		 NOW;
static struct hits_ring	*HITS;		/* run_from's hits log; NULL none */

/* The last query and reply. */
static uint8_t		 Q[1024];
static size_t		 QLEN;
static uint8_t		 R[65536];
static size_t		 RLEN;
static ldns_pkt		*P;

/* Zone 0 has a soa and ns of its own; zone 1 takes them from its file. */
static const char CONF_TEXT[] =
    "[rbld]\n"
    "database = db\n"
    "catalog = " CATALOG "\n"
    "[zone " ZONE "]\n"
    "sources = a b c\n"
    "ns = ns1.example.test ns2.example.test\n"
    "soa = ns1.example.test hostmaster.example.test 1h 10m 1w 2m\n"
    "ttl = 300\n"
    "transfer = 192.0.2.53/32 2001:db8::/64\n"
    "[zone " ZONE1 "]\n"
    "sources = d\n"
    "ttl = 600\n"
    "[source a]\n"
    "kind = local\n"
    "txt = Listed: $\n"
    "[source b]\n"
    "kind = local\n"
    "a = 127.0.0.3\n"
    "[source c]\n"
    "kind = local\n"
    "a = 127.0.0.4\n"
    "txt = C $\n"
    "[source d]\n"
    "kind = local\n"
    "a = 127.0.0.4\n"
    "txt = D $\n";

/* The view, again, with the first N prefixes of allow[] as [allow]. */
static void
allow_set(int n)
{
	view_free(V);
	V = view_build(CF, IDS, allow, n, err, sizeof(err));
	ck_assert_msg(V != NULL, "%s", err);
}

static char *repeat(int, size_t);

/* Add PREFIX and 249 times C to SRC as an entry made by the API. */
static void
import(int src, const char *prefix, int c)
{
	struct rbl_data d;
	char line[1024];

	rbldnsd_init(&d, DEF_A, NULL);
	snprintf(line, sizeof(line), "%s%s", prefix, repeat(c, 249));
	rbldnsd_parse_line(&d, line, "x", 1, NULL, NULL);
	rbldnsd_finish(&d);
	ck_assert_int_eq(store_import(st, src, &d, ORIGIN_API, err,
	    sizeof(err)), 1);
	rbldnsd_free(&d);
}

static char *
repeat(int c, size_t n)
{
	static char buf[4][1024];
	static int i;

	i = (i + 1) % 4;
	ck_assert_uint_lt(n, sizeof(buf[i]));
	memset(buf[i], c, n);
	buf[i][n] = '\0';
	return buf[i];
}

static void
setup(void)
{
	char text[2048];

	log_init("check_dns", LOG_LVL_ERR);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbld-check-dns.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	CF = test_conf(tmpdir, CONF_TEXT);
	st = store_open(CF->database, 16u << 20, false, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(source_register(CF, st, IDS, NULL, err, sizeof(err)), 0);
	A = IDS[0], B = IDS[1], C = IDS[2], D = IDS[3];
	V = NULL;
	allow_set(0);
	memset(&APEX, 0, sizeof(APEX));
	ck_assert_ptr_nonnull(rd = store_reader_new(st));

	test_load(st, A, DEF_A, "Listed: $",
	    "$TTL 100\n"
	    "1.2.3.4 :5:Listed $\n"
	    "1.2.3.0/24\n"
	    "2001:db8::/32 :6:v6 $\n"
	    "10.0.0.0/8 :7:\n"
	    "127.0.0.0/8 :8:loopback\n"
	    "2.2.2.2 :2:same\n"
	    "3.3.3.3 :3:a-three\n"
	    "!5.5.5.5\n"
	    "5.5.5.0/24 :9\n"
	    "::ffff:198.18.0.0/120 :11:mapped\n");
	test_load(st, B, DEF_A, NULL,
	    "2.2.2.2 :2:same\n"
	    "3.3.3.3 :4:b-three\n"
	    "2002::/16 :10:sixtofour [$]\n"
	    "1.2.3.4 :5:other text\n"
	    "5.5.5.5 :12\n");
	/* a, b and c list 9.9.9.9 with long texts, more than 512 bytes. */
	snprintf(text, sizeof(text), "9.9.9.9 :12:a%s\n", repeat('x', 249));
	test_load(st, C, DEF_A, NULL, text);
	import(A, "9.9.9.9 :14:c", 'z');
	import(B, "9.9.9.9 :13:b", 'y');
	test_load(st, D, DEF_A, "D $",
	    "$SOA 3600 ns.file.test. hm.file.test. 0 1h 10m 1w 77\n"
	    "$NS 0 ns-a.file.test ns-b.file.test\n"
	    "$TTL 66\n"
	    "6.6.6.6 :6:six\n");
	memset(&S, 0, sizeof(S));
	NOW = (uint32_t)time(NULL);
	P = NULL;
}

static void
teardown(void)
{
	if (P != NULL)
		ldns_pkt_free(P);
	P = NULL;
	store_reader_free(rd);
	view_free(V);
	V = NULL;
	store_close(st);
	conf_free(CF);
	rm_rf(tmpdir);
}

/* ---- queries ---- */

struct qopt {
	uint16_t	id, flags, qdcount;
	uint16_t	qclass;
	int		edns;		/* -1: no OPT; else its version */
	uint16_t	edns_size;
	bool		edns_do;
};

static const struct qopt QDEF = { 0x1234, F_RD, 1, C_IN, -1, 0, false };

/* A query for NAME (case kept) and QTYPE into Q. */
static size_t
mkquery(const struct qopt *o, const char *name, uint16_t qtype)
{
	size_t n = 12;
	const char *s = name;

	memset(Q, 0, 12);
	Q[0] = (uint8_t)(o->id >> 8), Q[1] = (uint8_t)o->id;
	Q[2] = (uint8_t)(o->flags >> 8), Q[3] = (uint8_t)o->flags;
	Q[4] = (uint8_t)(o->qdcount >> 8), Q[5] = (uint8_t)o->qdcount;
	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t l = dot != NULL ? (size_t)(dot - s) : strlen(s);

		Q[n++] = (uint8_t)l;
		memcpy(Q + n, s, l);
		n += l;
		s += l;
		if (*s == '.')
			s++;
	}
	Q[n++] = 0;
	Q[n++] = (uint8_t)(qtype >> 8), Q[n++] = (uint8_t)qtype;
	Q[n++] = (uint8_t)(o->qclass >> 8), Q[n++] = (uint8_t)o->qclass;
	if (o->edns >= 0) {
		Q[11] = 1;
		Q[n++] = 0;				/* root */
		Q[n++] = 0, Q[n++] = T_OPT;
		Q[n++] = (uint8_t)(o->edns_size >> 8);
		Q[n++] = (uint8_t)o->edns_size;
		Q[n++] = 0;				/* extended rcode */
		Q[n++] = (uint8_t)o->edns;		/* version */
		Q[n++] = o->edns_do ? 0x80 : 0, Q[n++] = 0;
		Q[n++] = 0, Q[n++] = 0;			/* no options */
	}
	QLEN = n;
	return n;
}

/* Answer Q[0..QLEN) into R with OUTMAX bytes; decode into P when any. */
static size_t
run(size_t outmax, bool tcp)
{
	ldns_status s;

	if (P != NULL)
		ldns_pkt_free(P);
	P = NULL;
	ck_assert_int_eq(store_reader_begin(rd), 0);
	{
		struct dns_ctx cx = { V, rd, &APEX, NOW, &S };

		RLEN = dns_answer(&cx, Q, QLEN, R, outmax, tcp);
	}
	store_reader_end(rd);
	ck_assert_uint_le(RLEN, outmax);
	if (RLEN > 0) {
		s = ldns_wire2pkt(&P, R, RLEN);
		ck_assert_msg(s == LDNS_STATUS_OK, "reply does not parse: %s",
		    ldns_get_errorstr_by_id(s));
	}
	return RLEN;
}

static void
askq(const struct qopt *o, const char *name, uint16_t qtype)
{
	mkquery(o, name, qtype);
	ck_assert_uint_gt(run(512, false), 0);
}

static void
ask(const char *name, uint16_t qtype)
{
	askq(&QDEF, name, qtype);
}

/* ANY for NAME over TCP, where it gets every record (over UDP it gets
 * the A records alone: test_any_minimal). */
static void
ask_any(const char *name)
{
	mkquery(&QDEF, name, T_ANY);
	ck_assert_uint_gt(run(65535, true), 0);
}

/* Header fields of the raw reply. */
static unsigned
rcode(void)
{
	return R[3] & 0x0f;
}

static unsigned
count(int i)
{
	return (unsigned)R[4 + 2 * i] << 8 | R[5 + 2 * i];
}

#define QD	0
#define AN	1
#define NS	2
#define AR	3

static bool
flag(uint16_t f)
{
	return (((unsigned)R[2] << 8 | R[3]) & f) != 0;
}

#define F_QR	0x8000
#define F_AA	0x0400
#define F_TC	0x0200
#define F_RA	0x0080

/* A section of P as "owner TYPE ttl rdata" lines joined by "; ". */
static const char *
section(ldns_pkt_section which)
{
	static char out[8192];
	ldns_rr_list *l;
	size_t n = 0;

	switch (which) {
	case LDNS_SECTION_ANSWER:
		l = ldns_pkt_answer(P);
		break;
	case LDNS_SECTION_AUTHORITY:
		l = ldns_pkt_authority(P);
		break;
	default:
		l = ldns_pkt_additional(P);
	}
	out[0] = '\0';
	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		char *owner = ldns_rdf2str(ldns_rr_owner(rr));
		char *type = ldns_rr_type2str(ldns_rr_get_type(rr));

		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s %s %u",
		    n ? "; " : "", owner, type, ldns_rr_ttl(rr));
		for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
			char *rdf = ldns_rdf2str(ldns_rr_rdf(rr, j));

			n += (size_t)snprintf(out + n, sizeof(out) - n, " %s", rdf);
			free(rdf);
		}
		free(owner);
		free(type);
		ck_assert_uint_lt(n, sizeof(out));
	}
	return out;
}

#define ANSWER		section(LDNS_SECTION_ANSWER)
#define AUTHORITY	section(LDNS_SECTION_AUTHORITY)

/* The text of the first TXT record of the answer. */
static const char *
first_txt(void)
{
	static char out[256];
	ldns_rr_list *l = ldns_pkt_answer(P);
	const ldns_rdf *rdf;

	for (size_t i = 0; l != NULL && i < ldns_rr_list_rr_count(l); i++) {
		if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) != LDNS_RR_TYPE_TXT)
			continue;
		rdf = ldns_rr_rdf(ldns_rr_list_rr(l, i), 0);
		ck_assert_uint_ge(ldns_rdf_size(rdf), 1);
		ck_assert_uint_eq(ldns_rdf_data(rdf)[0], ldns_rdf_size(rdf) - 1);
		memcpy(out, ldns_rdf_data(rdf) + 1, ldns_rdf_size(rdf) - 1);
		out[ldns_rdf_size(rdf) - 1] = '\0';
		return out;
	}
	return NULL;
}

/* The 32-label name of IPv6 address S under ZONE. */
static const char *
v6name(const char *s, const char *zone)
{
	static char out[256];
	uint8_t a[16];
	size_t n = 0;

	ck_assert_int_eq(inet_pton(AF_INET6, s, a), 1);
	for (int i = 15; i >= 0; i--)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%x.%x.",
		    a[i] & 15, a[i] >> 4);
	snprintf(out + n, sizeof(out) - n, "%s", zone);
	return out;
}

/* The zone's SOA as the authority section shows it. */
static const char *
soa0(const char *owner, uint32_t ttl)
{
	static char out[512];

	snprintf(out, sizeof(out), "%s. SOA %u ns1.example.test. "
	    "hostmaster.example.test. %u 3600 600 604800 120", owner, ttl,
	    store_serial(st, 0));
	return out;
}

/* ---- answers ---- */

START_TEST(test_listed)
{
	ask("4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert(flag(F_QR));
	ck_assert(flag(F_AA));
	ck_assert(flag(F_RD));
	ck_assert(!flag(F_TC));
	ck_assert(!flag(F_RA));
	ck_assert_uint_eq(ldns_pkt_id(P), 0x1234);
	/* a and b both say 127.0.0.5: one record, the lower TTL. */
	ck_assert_str_eq(ANSWER, "4.3.2.1." ZONE ". A 100 127.0.0.5");
	ck_assert_uint_eq(count(QD), 1);
	ck_assert_uint_eq(count(AN), 1);
	ck_assert_uint_eq(count(AR), 0);

	ask("4.3.2.1." ZONE, T_TXT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(ANSWER,
	    "4.3.2.1." ZONE ". TXT 100 \"Listed 1.2.3.4\"; "
	    "4.3.2.1." ZONE ". TXT 100 \"other text\"");

	/* ANY: each source's A then its TXT, in source order. */
	ask_any("4.3.2.1." ZONE);
	ck_assert_str_eq(ANSWER,
	    "4.3.2.1." ZONE ". A 100 127.0.0.5; "
	    "4.3.2.1." ZONE ". TXT 100 \"Listed 1.2.3.4\"; "
	    "4.3.2.1." ZONE ". TXT 100 \"other text\"");
	ck_assert_uint_eq(count(AN), 3);

	/* A covering /24 in a, the source's default TXT. */
	ask_any("9.3.2.1." ZONE);
	ck_assert_str_eq(ANSWER,
	    "9.3.2.1." ZONE ". A 100 127.0.0.2; "
	    "9.3.2.1." ZONE ". TXT 100 \"Listed: 1.2.3.9\"");
}
END_TEST

START_TEST(test_merge_and_min_ttl)
{
	/* Different A values: both, each type at its lowest TTL. */
	ask("3.3.3.3." ZONE, T_A);
	ck_assert_str_eq(ANSWER,
	    "3.3.3.3." ZONE ". A 100 127.0.0.3; "
	    "3.3.3.3." ZONE ". A 100 127.0.0.4");
	ask("3.3.3.3." ZONE, T_TXT);
	ck_assert_str_eq(ANSWER,
	    "3.3.3.3." ZONE ". TXT 100 \"a-three\"; "
	    "3.3.3.3." ZONE ". TXT 100 \"b-three\"");
	/* Identical A and TXT in two sources: one of each. */
	ask_any("2.2.2.2." ZONE);
	ck_assert_str_eq(ANSWER,
	    "2.2.2.2." ZONE ". A 100 127.0.0.2; "
	    "2.2.2.2." ZONE ". TXT 100 \"same\"");
	/* Only b (no $TTL): the zone's TTL. */
	ask_any("5.5.5.5." ZONE);
	ck_assert_str_eq(ANSWER, "5.5.5.5." ZONE ". A 300 127.0.0.12");
	/* a excludes 5.5.5.5, its /24 answers elsewhere. */
	ask("6.5.5.5." ZONE, T_A);
	ck_assert_str_eq(ANSWER, "6.5.5.5." ZONE ". A 100 127.0.0.9");
}
END_TEST

START_TEST(test_nxdomain)
{
	ask("6.7.8.9." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ck_assert(flag(F_AA));
	ck_assert(flag(F_QR));
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_uint_eq(count(NS), 1);
	/* The SOA's TTL is its minimum, the negative caching time. */
	ck_assert_str_eq(AUTHORITY, soa0(ZONE, 120));
	ck_assert_uint_eq(S.nxdomain, 1);

	ask("6.7.8.9." ZONE, T_TXT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ask(v6name("2001:db9::1", ZONE), T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ck_assert_str_eq(AUTHORITY, soa0(ZONE, 120));
}
END_TEST

START_TEST(test_nodata)
{
	ask("4.3.2.1." ZONE, T_MX);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert(flag(F_AA));
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_str_eq(AUTHORITY, soa0(ZONE, 120));
	ask("4.3.2.1." ZONE, T_AAAA);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_uint_eq(count(NS), 1);
	/* Listed without a TXT: a TXT query is NODATA. */
	ask("1.0.0.10." ZONE, T_A);
	ck_assert_str_eq(ANSWER, "1.0.0.10." ZONE ". A 100 127.0.0.7");
	ask("1.0.0.10." ZONE, T_TXT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_str_eq(AUTHORITY, soa0(ZONE, 120));
	ck_assert_uint_eq(S.nodata, 3);
}
END_TEST

START_TEST(test_refused_and_errors)
{
	struct qopt o = QDEF;

	ask("4.3.2.1.example.com", T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ck_assert(!flag(F_AA));
	ck_assert(flag(F_RD));
	ck_assert_uint_eq(count(QD), 1);
	ck_assert_uint_eq(count(AN) + count(NS) + count(AR), 0);
	ck_assert_mem_eq(R + 12, Q + 12, QLEN - 12);
	ask("example.test", T_SOA);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ask("4.3.2.1." ZONE ".evil", T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ask("xbl.example.test", T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ask("", T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ck_assert_uint_eq(S.refused, 5);

	/* Class CHAOS is not served. */
	o.qclass = C_CH;
	askq(&o, "4.3.2.1." ZONE, T_TXT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);

	/* Opcodes other than QUERY. */
	o = QDEF;
	o.flags = F_RD | 2 << 11;	/* STATUS */
	askq(&o, "4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOTIMPL);
	ck_assert(!flag(F_AA));
	ck_assert_uint_eq(count(AN), 0);
	o.flags = 5 << 11;		/* UPDATE */
	askq(&o, ZONE, T_SOA);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOTIMPL);
	/* Transfers only to `transfer` (test_transfer_requests); other
	 * meta types are not answered. */
	ask(ZONE, T_AXFR);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ask("4.3.2.1." ZONE, 251);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ask("4.3.2.1." ZONE, T_OPT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOTIMPL);
	ask("4.3.2.1." ZONE, 253);	/* MAILB */
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOTIMPL);
	ck_assert_uint_eq(S.notimp, 4);

	/* Not exactly one question. */
	o = QDEF;
	o.qdcount = 2;
	askq(&o, "4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_id(P), 0x1234);
	o.qdcount = 0;
	askq(&o, "4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	ck_assert_uint_eq(S.formerr, 2);

	/* A response is never answered; nor is a packet shorter than a header. */
	o = QDEF;
	o.flags = F_QR | F_RD;
	mkquery(&o, "4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(run(512, false), 0);
	mkquery(&QDEF, "4.3.2.1." ZONE, T_A);
	QLEN = 11;
	ck_assert_uint_eq(run(512, false), 0);
}
END_TEST

/* Q answered as if from PEER (an IPv4 address), over TCP with X (may be
 * NULL) or over UDP. */
static size_t
run_from(const char *peer, bool tcp, struct dns_xfr *x)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, peer, &sin.sin_addr), 1);
	if (P != NULL)
		ldns_pkt_free(P);
	P = NULL;
	ck_assert_int_eq(store_reader_begin(rd), 0);
	{
		struct dns_ctx cx = { .view = V, .rd = rd, .apexes = &APEX,
		    .now = NOW, .stats = &S, .hits = HITS,
		    .peer = (const struct sockaddr *)&sin, .xfr = x };

		RLEN = dns_answer(&cx, Q, QLEN, R, sizeof(R), tcp);
	}
	store_reader_end(rd);
	if (RLEN > 0)
		ck_assert_int_eq(ldns_wire2pkt(&P, R, RLEN), LDNS_STATUS_OK);
	return RLEN;
}

/* An IXFR query for ZONE whose authority section holds SERIAL. */
static void
mkixfr(uint32_t serial, bool with_soa)
{
	static const uint8_t soa[] = {
		0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22,
		0, 0,				/* mname, rname: the root */
	};

	mkquery(&QDEF, ZONE, 251);
	if (!with_soa)
		return;
	Q[9] = 1;			/* NSCOUNT */
	memcpy(Q + QLEN, soa, sizeof(soa));
	QLEN += sizeof(soa);
	Q[QLEN++] = (uint8_t)(serial >> 24), Q[QLEN++] = (uint8_t)(serial >> 16);
	Q[QLEN++] = (uint8_t)(serial >> 8), Q[QLEN++] = (uint8_t)serial;
	memset(Q + QLEN, 0, 16);
	QLEN += 16;
}

/*
 * AXFR and IXFR: a client in the zone's `transfer`, over TCP, gets its
 * request described for the caller to stream, and no reply of
 * dns_answer's own; everyone else, AXFR over UDP, a name below the apex:
 * REFUSED. IXFR over UDP: the SOA alone to a current client, TC to an
 * older one; an IXFR without the client's SOA is malformed.
 */
START_TEST(test_transfer_requests)
{
	struct dns_xfr x;
	struct prefix peer;
	uint32_t serial;

	mkquery(&QDEF, ZONE, T_AXFR);
	memset(&x, 0xff, sizeof(x));
	ck_assert_uint_eq(run_from("192.0.2.53", true, &x), 0);
	ck_assert_int_eq(x.zone, 0);
	ck_assert_uint_eq(x.qtype, T_AXFR);
	ck_assert_uint_eq(x.id, 0x1234);
	ck_assert_uint_eq(x.qend, QLEN);
	ck_assert(!x.has_serial);
	/* The same check on its own, as a transfer thread makes it again. */
	ck_assert_int_eq(ipaddr_parse_prefix("192.0.2.53", &peer, NULL, 0), 0);
	ck_assert_int_eq(dns_xfr_check(V, Q, QLEN, &peer, &x), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("2001:db8::9", &peer, NULL, 0),
	    0);
	ck_assert_int_eq(dns_xfr_check(V, Q, QLEN, &peer, &x), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("2001:db8:1::9", &peer, NULL, 0),
	    0);
	ck_assert_int_eq(dns_xfr_check(V, Q, QLEN, &peer, &x),
	    LDNS_RCODE_REFUSED);
	/* Not in transfer; over UDP; over TCP where transfers are not
	 * served; another zone, whose transfer is empty; below the apex. */
	ck_assert_uint_gt(run_from("192.0.2.54", true, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ck_assert_uint_gt(run_from("192.0.2.53", false, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ck_assert_uint_gt(run_from("192.0.2.53", true, NULL), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	mkquery(&QDEF, ZONE1, T_AXFR);
	ck_assert_uint_gt(run_from("192.0.2.53", true, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	mkquery(&QDEF, "2.0.0.127." ZONE, T_AXFR);
	ck_assert_uint_gt(run_from("192.0.2.53", true, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	/* No AXFR-looking query is a transfer request but AXFR and IXFR. */
	mkquery(&QDEF, ZONE, T_SOA);
	ck_assert_int_eq(dns_xfr_check(V, Q, QLEN, &peer, &x), -1);

	/* IXFR over UDP. */
	ck_assert_int_eq(store_reader_begin(rd), 0);
	serial = store_reader_serial(rd, V->zones[0].slot);
	store_reader_end(rd);
	mkixfr(serial, true);
	ck_assert_uint_gt(run_from("192.0.2.53", false, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert(flag(F_AA));
	ck_assert(!flag(F_TC));
	ck_assert_uint_eq(count(AN), 1);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(
	    ldns_pkt_answer(P), 0), 2)), serial);
	mkixfr(serial + 7, true);	/* newer than ours: current too */
	ck_assert_uint_gt(run_from("192.0.2.53", false, &x), 0);
	ck_assert_uint_eq(count(AN), 1);
	mkixfr(serial - 1, true);
	ck_assert_uint_gt(run_from("192.0.2.53", false, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert(flag(F_TC));
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_uint_gt(run_from("192.0.2.54", false, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	/* Over TCP an IXFR is streamed, with the client's serial. */
	ck_assert_uint_eq(run_from("192.0.2.53", true, &x), 0);
	ck_assert(x.has_serial);
	ck_assert_uint_eq(x.serial, serial - 1);
	mkixfr(0, false);
	ck_assert_uint_gt(run_from("192.0.2.53", false, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
}
END_TEST

/*
 * The hits log: a listed answer is recorded with its client, address,
 * zone and the sources that listed it; an unlisted one, an allowed one
 * and an error are not. The ring keeps the newest.
 */
START_TEST(test_hits_log)
{
	struct hit h[8];
	char t[IPADDR_STRLEN];

	ck_assert_ptr_nonnull(HITS = hits_ring_new(3));
	mkquery(&QDEF, "4.3.2.1." ZONE, T_A);	/* a and b list it */
	ck_assert_uint_gt(run_from("192.0.2.25", false, NULL), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(hits_read(HITS, h, 8), 1);
	ipaddr_format(&h[0].client, true, t, sizeof(t));
	ck_assert_str_eq(t, "192.0.2.25");
	ipaddr_format(&h[0].ip, true, t, sizeof(t));
	ck_assert_str_eq(t, "1.2.3.4");
	ck_assert_int_eq(h[0].zslot, V->zones[0].slot);
	ck_assert_uint_eq(h[0].time, NOW);
	ck_assert_uint_eq(h[0].nsrc, 2);
	ck_assert_uint_eq(h[0].srcids[0], (unsigned)A);
	ck_assert_uint_eq(h[0].srcids[1], (unsigned)B);
	/* Not listed, not an address, NXDOMAIN: nothing. */
	mkquery(&QDEF, "9.9.9.8." ZONE, T_A);
	ck_assert_uint_gt(run_from("192.0.2.25", false, NULL), 0);
	mkquery(&QDEF, ZONE, T_SOA);
	ck_assert_uint_gt(run_from("192.0.2.25", false, NULL), 0);
	ck_assert_uint_eq(hits_read(HITS, h, 8), 1);
	/* Newest first; the ring forgets the oldest. */
	for (int i = 0; i < 3; i++) {
		mkquery(&QDEF, "6.6.6.6." ZONE1, T_TXT);
		ck_assert_uint_gt(run_from("192.0.2.26", false, NULL), 0);
	}
	ck_assert_uint_eq(hits_read(HITS, h, 8), 3);
	ck_assert_int_eq(h[0].zslot, V->zones[1].slot);
	ck_assert_uint_eq(h[2].srcids[0], (unsigned)D);
	ck_assert_uint_eq(hits_read(HITS, h, 2), 2);
	hits_ring_free(HITS);
	HITS = NULL;
}
END_TEST

/* The answer's record I as text (the caller frees it). */
static char *
answer_text(int i)
{
	ck_assert_ptr_nonnull(P);
	return ldns_rr2str(ldns_rr_list_rr(ldns_pkt_answer(P), (size_t)i));
}

/*
 * The catalog zone (RFC 9432): SOA and NS at its apex, "2" at version, a
 * PTR per zone under zones, each with a label of its own that a view
 * built again keeps; names it does not have are NXDOMAIN, "zones" itself
 * NODATA. Its transfer goes to whoever may transfer a member.
 */
START_TEST(test_catalog_zone)
{
	char want[512], name[256], *t;
	struct dns_xfr x;
	struct view *v2;

	ck_assert(V->catalog.on);
	V->catalog.serial = 4242;	/* runtime_publish's, from the store */
	ask(CATALOG, T_SOA);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert(flag(F_AA));
	t = answer_text(0);
	ck_assert_str_eq(t, CATALOG ".\t0\tIN\tSOA\tinvalid. invalid. 4242 "
	    "600 300 2419200 0\n");
	free(t);
	ask(CATALOG, T_NS);
	t = answer_text(0);
	ck_assert_str_eq(t, CATALOG ".\t0\tIN\tNS\tinvalid.\n");
	free(t);
	ask("VERSION.Catalog.Test", T_TXT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 1);
	t = answer_text(0);
	ck_assert_str_eq(t, "VERSION.Catalog.Test.\t0\tIN\tTXT\t\"2\"\n");
	free(t);
	/* Every zone a member, under a label of 16 hex digits. */
	ck_assert_str_ne(V->catalog.id[0], V->catalog.id[1]);
	for (int z = 0; z < V->nzones; z++) {
		ck_assert_uint_eq(strlen(V->catalog.id[z]), 16);
		ck_assert_uint_eq(strspn(V->catalog.id[z], "0123456789abcdef"),
		    16);
		snprintf(name, sizeof(name), "%s.zones." CATALOG,
		    V->catalog.id[z]);
		ask(name, T_ANY);
		ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
		ck_assert_uint_eq(count(AN), 1);
		snprintf(want, sizeof(want), "%s.\t0\tIN\tPTR\t%s.\n", name,
		    z == 0 ? ZONE : ZONE1);
		t = answer_text(0);
		ck_assert_str_eq(t, want);
		free(t);
		ask(name, T_TXT);	/* the name is there: NODATA */
		ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
		ck_assert_uint_eq(count(AN), 0);
		ck_assert_uint_eq(count(NS), 1);
	}
	v2 = view_build(CF, IDS, allow, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(v2);
	ck_assert_str_eq(v2->catalog.id[0], V->catalog.id[0]);
	ck_assert_str_eq(v2->catalog.id[1], V->catalog.id[1]);
	ck_assert(catalog_fingerprint(v2) == catalog_fingerprint(V));
	v2->nzones = 1;			/* a zone less: other members */
	ck_assert(catalog_fingerprint(v2) != catalog_fingerprint(V));
	view_free(v2);
	ask("zones." CATALOG, T_PTR);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_uint_eq(count(NS), 1);
	ask("0000000000000000.zones." CATALOG, T_PTR);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(count(NS), 1);
	t = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_authority(P), 0));
	ck_assert_ptr_nonnull(strstr(t, "invalid. invalid. 4242"));
	free(t);
	ask("version.x." CATALOG, T_TXT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	/* Transfers: to ZONE's transfer list, the union of the members'. */
	mkquery(&QDEF, CATALOG, T_AXFR);
	memset(&x, 0xff, sizeof(x));
	ck_assert_uint_eq(run_from("192.0.2.53", true, &x), 0);
	ck_assert(x.catalog);
	ck_assert_int_eq(x.zone, -1);
	ck_assert(!x.is_signed);
	ck_assert_uint_gt(run_from("192.0.2.54", true, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ck_assert_uint_gt(run_from("192.0.2.53", false, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	mkquery(&QDEF, "version." CATALOG, T_AXFR);
	ck_assert_uint_gt(run_from("192.0.2.53", true, &x), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
}
END_TEST

START_TEST(test_malformed_questions)
{
	/* The question runs past the end: no qtype/qclass. */
	mkquery(&QDEF, "4.3.2.1." ZONE, T_A);
	QLEN -= 3;
	ck_assert_uint_gt(run(512, false), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	/* A compression pointer in the question. */
	mkquery(&QDEF, "4.3.2.1." ZONE, T_A);
	Q[12] = 0xc0;
	Q[13] = 12;
	ck_assert_uint_gt(run(512, false), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	/* A label longer than 63. */
	mkquery(&QDEF, repeat('a', 64), T_A);
	ck_assert_uint_gt(run(512, false), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	/* A name longer than 255. */
	{
		char name[400];

		snprintf(name, sizeof(name), "%s.%s.%s.%s.%s", repeat('a', 63),
		    repeat('b', 63), repeat('c', 63), repeat('d', 63), ZONE);
		mkquery(&QDEF, name, T_A);
		ck_assert_uint_gt(run(512, false), 0);
		ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	}
	/* Label types 0x40 and 0x80 (RFC 6891) are not label lengths. */
	mkquery(&QDEF, "4.3.2.1." ZONE, T_A);
	Q[12] = 0x41;
	ck_assert_uint_gt(run(512, false), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	mkquery(&QDEF, "4.3.2.1." ZONE, T_A);
	Q[12] = 0x81;
	ck_assert_uint_gt(run(512, false), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	/* The most labels a name has room for, 127 in 255 bytes, make a
	 * question (of no zone of ours); one more does not. */
	{
		char name[300];

		for (int i = 0; i < 127; i++)
			memcpy(name + 2 * i, "a.", 2);
		name[253] = '\0';
		mkquery(&QDEF, name, T_A);
		ck_assert_uint_eq(QLEN, 12 + 255 + 4);
		ck_assert_uint_gt(run(512, false), 0);
		ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
		name[253] = '.';
		name[254] = 'a';
		name[255] = '\0';
		mkquery(&QDEF, name, T_A);
		ck_assert_uint_gt(run(512, false), 0);
		ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	}
	/* An additional record that runs past the end. */
	{
		struct qopt o = QDEF;

		o.edns = 0;
		o.edns_size = 1232;
		mkquery(&o, "4.3.2.1." ZONE, T_A);
		QLEN -= 1;
		ck_assert_uint_gt(run(512, false), 0);
		ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	}
	/* Two OPT records. */
	{
		struct qopt o = QDEF;
		size_t n;

		o.edns = 0;
		o.edns_size = 1232;
		n = mkquery(&o, "4.3.2.1." ZONE, T_A);
		memcpy(Q + n, Q + n - 11, 11);
		QLEN = n + 11;
		Q[11] = 2;
		ck_assert_uint_gt(run(512, false), 0);
		ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	}
}
END_TEST

START_TEST(test_flags)
{
	struct qopt o = QDEF;

	/* RD is echoed, whichever way. */
	o.flags = 0;
	o.id = 0xbeef;
	askq(&o, "4.3.2.1." ZONE, T_A);
	ck_assert(!flag(F_RD));
	ck_assert(flag(F_AA));
	ck_assert_uint_eq(ldns_pkt_id(P), 0xbeef);
	ask("4.3.2.1." ZONE, T_A);
	ck_assert(flag(F_RD));
	/* AD and CD from the query are not echoed; RA never set. */
	o.flags = F_RD | 0x0020 | 0x0010;
	askq(&o, "4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq((unsigned)R[2] << 8 | R[3], F_QR | F_AA | F_RD);
	/* Class ANY is answered, without AA (rbldnsd does the same). */
	o = QDEF;
	o.qclass = C_ANY;
	askq(&o, "4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert(!flag(F_AA));
	ck_assert_uint_eq(count(AN), 1);
}
END_TEST

/* The question goes back as asked; owner names point at it. */
START_TEST(test_question_case)
{
	ask("4.3.2.1.Bl.ExAmPlE.TeSt", T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_mem_eq(R + 12, Q + 12, QLEN - 12);
	ck_assert_str_eq(ANSWER, "4.3.2.1.Bl.ExAmPlE.TeSt. A 100 127.0.0.5");
	ask("4.3.2.255.BL.EXAMPLE.TEST", T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ck_assert_mem_eq(R + 12, Q + 12, QLEN - 12);
	ck_assert_str_eq(AUTHORITY, soa0("BL.EXAMPLE.TEST", 120));
	ask(v6name("2001:db8::1", "bL." "example.test"), T_TXT);
	ck_assert_mem_eq(R + 12, Q + 12, QLEN - 12);
	ck_assert_uint_eq(count(AN), 1);
}
END_TEST

START_TEST(test_dollar_expansion)
{
	/* Leading zeros in the name: "$" is the address. */
	ask("04.003.2.1." ZONE, T_TXT);
	ck_assert_str_eq(ANSWER,
	    "04.003.2.1." ZONE ". TXT 100 \"Listed 1.2.3.4\"; "
	    "04.003.2.1." ZONE ". TXT 100 \"other text\"");
	/* IPv6 as rbldnsd prints it. */
	ask(v6name("2001:db8::ff00:42:8329", ZONE), T_TXT);
	ck_assert_uint_eq(count(AN), 1);
	ck_assert_str_eq(first_txt(), "v6 2001:db8::ff00:42:8329");
	ask(v6name("2001:db8:0:0:1::", ZONE), T_TXT);
	ck_assert_str_eq(first_txt(), "v6 2001:db8:0:0:1::");
	ask(v6name("2001:db8::1.2.3.4", ZONE), T_TXT);
	ck_assert_str_eq(first_txt(), "v6 2001:db8::102:304");
	/* Upper-case nibbles are the same name. */
	ask(v6name("2001:db8::abcd", "bl.example.test"), T_A);
	ck_assert_uint_eq(count(AN), 1);
	{
		char name[256];

		snprintf(name, sizeof(name), "%s", v6name("2001:db8::abcd",
		    ZONE));
		for (char *c = name; *c != '\0'; c++)
			if (*c >= 'a' && *c <= 'f')
				*c = (char)(*c - 'a' + 'A');
		ask(name, T_TXT);
		ck_assert_str_eq(first_txt(), "v6 2001:db8::abcd");
	}
}
END_TEST

START_TEST(test_apex)
{
	ask(ZONE, T_SOA);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert(flag(F_AA));
	ck_assert_str_eq(ANSWER, soa0(ZONE, 300));
	ck_assert_uint_eq(count(AN), 1);

	ask(ZONE, T_NS);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(ANSWER,
	    ZONE ". NS 300 ns1.example.test.; "
	    ZONE ". NS 300 ns2.example.test.");

	ask_any("Bl.Example.Test");
	ck_assert_uint_eq(count(AN), 3);
	{
		char want[1024];

		snprintf(want, sizeof(want), "%s; Bl.Example.Test. NS 300 "
		    "ns1.example.test.; "
		    "Bl.Example.Test. NS 300 ns2.example.test.",
		    soa0("Bl.Example.Test", 300));
		ck_assert_str_eq(ANSWER, want);
	}
	/* Other types at the apex: NODATA with the SOA. */
	ask(ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_str_eq(AUTHORITY, soa0(ZONE, 120));
	ask(ZONE, T_TXT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_uint_eq(count(NS), 1);
}
END_TEST

/* A zone without SOA and NS in its config takes its source file's. */
START_TEST(test_soa_ns_from_file)
{
	char want[512];

	ask(ZONE1, T_SOA);
	snprintf(want, sizeof(want), ZONE1 ". SOA 3600 ns.file.test. "
	    "hm.file.test. %u 3600 600 604800 77", store_serial(st, 1));
	ck_assert_str_eq(ANSWER, want);
	ask(ZONE1, T_NS);
	ck_assert_str_eq(ANSWER, ZONE1 ". NS 600 ns-a.file.test.; "
	    ZONE1 ". NS 600 ns-b.file.test.");
	ask("9.9.9.8." ZONE1, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	snprintf(want, sizeof(want), ZONE1 ". SOA 77 ns.file.test. "
	    "hm.file.test. %u 3600 600 604800 77", store_serial(st, 1));
	ck_assert_str_eq(AUTHORITY, want);
	/* The file's $TTL for its answers. */
	ask_any("6.6.6.6." ZONE1);
	ck_assert_str_eq(ANSWER, "6.6.6.6." ZONE1 ". A 66 127.0.0.6; "
	    "6.6.6.6." ZONE1 ". TXT 66 \"six\"");
	/* Zone 0's sources are not zone 1's. */
	ask("4.3.2.1." ZONE1, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
}
END_TEST

/* The serial in the SOA follows the store. */
START_TEST(test_serial_follows_store)
{
	uint32_t s0 = store_serial(st, 0);

	ask(ZONE, T_SOA);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(
	    ldns_pkt_answer(P), 0), 2)), s0);
	ck_assert_int_eq(store_add(st, A, &(struct prefix){ .family = 4,
	    .len = 32, .addr = { 8, 8, 4, 4 } }, false, 0x7f00000au, NULL, 0,
	    NULL, ORIGIN_CLI, err, sizeof(err)), 0);
	ask(ZONE, T_SOA);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(
	    ldns_pkt_answer(P), 0), 2)), s0 + 1);
	/* And the answer reflects the write at once. */
	ask("4.4.8.8." ZONE, T_A);
	ck_assert_str_eq(ANSWER, "4.4.8.8." ZONE ". A 100 127.0.0.10");
}
END_TEST

/* Partial names exist (RFC 8020, QNAME minimisation); odd ones do not. */
START_TEST(test_partial_and_odd_names)
{
	static const char *nodata[] = {
		"3.2.1." ZONE, "1." ZONE, "255.255." ZONE,
		"0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2." ZONE,
		"2." ZONE, "a.b." ZONE, "1.4.3.2.1." ZONE,
	};
	static const char *nx[] = {
		"x.3.2.1." ZONE, "256.3.2.1." ZONE, "0004.3.2.1." ZONE,
		"www." ZONE, "-1.3.2.1." ZONE, "1.2.3.4.5.x." ZONE,
		"12.0.0.0.0." ZONE,
	};
	char name[256];
	size_t n;

	for (size_t i = 0; i < sizeof(nodata) / sizeof(nodata[0]); i++) {
		ask(nodata[i], T_A);
		ck_assert_msg(rcode() == LDNS_RCODE_NOERROR && count(AN) == 0 &&
		    count(NS) == 1, "%s: rcode %u an %u", nodata[i], rcode(),
		    count(AN));
	}
	for (size_t i = 0; i < sizeof(nx) / sizeof(nx[0]); i++) {
		ask(nx[i], T_A);
		ck_assert_msg(rcode() == LDNS_RCODE_NXDOMAIN, "%s: rcode %u",
		    nx[i], rcode());
		ck_assert_uint_eq(count(NS), 1);
	}
	/* 31 nibbles: partial. 33, or 32 with a bad one: no such name. */
	for (int k = 0; k < 4; k++) {
		n = 0;
		for (int i = 0; i < (k == 1 ? 33 : k == 0 ? 31 : 32); i++)
			n += (size_t)snprintf(name + n, sizeof(name) - n, "%s.",
			    i == 0 && k == 2 ? "g" : i == 0 && k == 3 ? "10" :
			    "1");
		snprintf(name + n, sizeof(name) - n, "%s", ZONE);
		ask(name, T_A);
		ck_assert_msg(rcode() == (k == 0 ? LDNS_RCODE_NOERROR :
		    LDNS_RCODE_NXDOMAIN), "case %d: rcode %u", k, rcode());
		ck_assert_uint_eq(count(AN), 0);
	}
}
END_TEST

/* RFC 5782 test points, whatever the sources say. */
START_TEST(test_test_points)
{
	/* a lists 127.0.0.0/8 as real feeds do; 127.0.0.1 stays unlisted. */
	ask("1.0.0.127." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ask_any(v6name("::ffff:127.0.0.1", ZONE));
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	/* Listed by a source: its answer. */
	ask("2.0.0.127." ZONE, T_A);
	ck_assert_str_eq(ANSWER, "2.0.0.127." ZONE ". A 100 127.0.0.8");
	/* Listed by nobody: the first source's defaults and its $TTL. */
	ask_any("2.0.0.127." ZONE1);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_str_eq(ANSWER, "2.0.0.127." ZONE1 ". A 66 127.0.0.4; "
	    "2.0.0.127." ZONE1 ". TXT 66 \"D 127.0.0.2\"");
	ask(v6name("::ffff:7f00:2", ZONE1), T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 1);
	ask("1.0.0.127." ZONE1, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ask("3.0.0.127." ZONE1, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
}
END_TEST

/* ::ffff:0:0/96 and 2002::/16 names are looked up in the IPv4 data, where
 * an entry written ::ffff:a.b.c.d is kept. */
START_TEST(test_mapped_and_6to4)
{
	ask_any(v6name("::ffff:1.2.3.4", ZONE));
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	/* "$" is the IPv4 address. */
	{
		char want[1024];
		char *name = strdup(v6name("::ffff:1.2.3.4", ZONE));

		snprintf(want, sizeof(want), "%s. A 100 127.0.0.5; "
		    "%s. TXT 100 \"Listed 1.2.3.4\"; %s. TXT 100 \"other text\"",
		    name, name, name);
		ck_assert_str_eq(ANSWER, want);
		free(name);
	}
	ask(v6name("::ffff:6.7.8.9", ZONE), T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	/* a's ::ffff:198.18.0.0/120 lists 198.18.0.0/24, in both forms. */
	ask("7.0.18.198." ZONE, T_TXT);
	ck_assert_str_eq(ANSWER, "7.0.18.198." ZONE ". TXT 100 \"mapped\"");
	{
		char want[512];
		char *name = strdup(v6name("::ffff:198.18.0.7", ZONE));

		ask(name, T_A);
		snprintf(want, sizeof(want), "%s. A 100 127.0.0.11", name);
		ck_assert_str_eq(ANSWER, want);
		free(name);
	}

	/* 6to4: the IPv6 data, then the embedded IPv4 address's. */
	ask_any(v6name("2002:102:304::1", ZONE));
	{
		char want[1024];
		char *name = strdup(v6name("2002:102:304::1", ZONE));

		snprintf(want, sizeof(want), "%s. A 100 127.0.0.10; "
		    "%s. TXT 100 \"sixtofour [2002:102:304::1]\"; "
		    "%s. A 100 127.0.0.5; %s. TXT 100 \"Listed 1.2.3.4\"; "
		    "%s. TXT 100 \"other text\"", name, name, name, name, name);
		ck_assert_str_eq(ANSWER, want);
		free(name);
	}
	ask(v6name("2002:909:909::", ZONE), T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 4);
}
END_TEST

/* [allow] wins over every source. */
START_TEST(test_allow)
{
	ck_assert_int_eq(ipaddr_parse_prefix("3.3.3.3", &allow[0], NULL, 0), 0);
	ck_assert_int_eq(ipaddr_parse_prefix("2001:db8::/48", &allow[1], NULL, 0),
	    0);
	allow_set(2);
	ask("3.3.3.3." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ask(v6name("::ffff:3.3.3.3", ZONE), T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ask("2.2.2.2." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 1);
	ask(v6name("2001:db8::1", ZONE), T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ask(v6name("2001:db8:1::1", ZONE), T_A);
	ck_assert_uint_eq(count(AN), 1);
}
END_TEST

/* [allow] 127.0.0.0/8 keeps 127.0.0.1 out and the 127.0.0.2 test point in. */
START_TEST(test_allow_keeps_test_point)
{
	ck_assert_int_eq(ipaddr_parse_prefix("127.0.0.0/8", &allow[0], NULL, 0), 0);
	allow_set(1);
	ask("2.0.0.127." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 1);
	ask("1.0.0.127." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ask("3.0.0.127." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
}
END_TEST

START_TEST(test_expiry_at_query_time)
{
	struct prefix p;

	ck_assert_int_eq(ipaddr_parse_prefix("8.8.8.8", &p, NULL, 0), 0);
	ck_assert_int_eq(store_add(st, B, &p, false, 0x7f000063u, "until",
	    NOW + 60, NULL, ORIGIN_REPORT, err, sizeof(err)), 0);
	ask("8.8.8.8." ZONE, T_A);
	ck_assert_str_eq(ANSWER, "8.8.8.8." ZONE ". A 300 127.0.0.99");
	NOW += 60;
	ask("8.8.8.8." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
}
END_TEST

START_TEST(test_edns)
{
	struct qopt o = QDEF;

	o.edns = 0;
	o.edns_size = 4096;
	o.edns_do = true;
	askq(&o, "4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AR), 1);
	ck_assert(ldns_pkt_edns(P));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(P), DNS_EDNS_SIZE);
	ck_assert_uint_eq(ldns_pkt_edns_version(P), 0);
	ck_assert(ldns_pkt_edns_do(P));
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(P), 0);
	ck_assert_str_eq(ANSWER, "4.3.2.1." ZONE ". A 100 127.0.0.5");

	o.edns_do = false;
	askq(&o, "6.7.8.9." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(count(AR), 1);
	ck_assert(ldns_pkt_edns(P));
	ck_assert(!ldns_pkt_edns_do(P));
	ck_assert_str_eq(AUTHORITY, soa0(ZONE, 120));

	/* Errors keep the OPT too. */
	askq(&o, "4.3.2.1.example.com", T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ck_assert(ldns_pkt_edns(P));

	/* No OPT in, none out. */
	ask("4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(count(AR), 0);
	ck_assert(!ldns_pkt_edns(P));

	/* An unknown EDNS version: BADVERS (16), nothing else. */
	o.edns = 1;
	askq(&o, "4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(rcode(), 0);
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_uint_eq(count(AR), 1);
	ck_assert(ldns_pkt_edns(P));
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(P), 1);
	ck_assert_uint_eq(ldns_pkt_edns_version(P), 0);
	ck_assert(flag(F_RD));
	ck_assert(!flag(F_AA));
}
END_TEST

/* 9.9.9.9 has three 250-byte TXTs: more than 512 bytes. */
START_TEST(test_truncation)
{
	struct qopt o = QDEF;

	ask("9.9.9.9." ZONE, T_A);
	ck_assert(!flag(F_TC));
	ck_assert_uint_eq(count(AN), 3);

	ask("9.9.9.9." ZONE, T_TXT);
	ck_assert(flag(F_TC));
	ck_assert(flag(F_AA));
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(QD), 1);
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_uint_eq(count(NS), 0);
	ck_assert_uint_le(RLEN, 512);
	ck_assert_mem_eq(R + 12, Q + 12, QLEN - 12);
	ck_assert_uint_eq(S.truncated, 1);

	/* Over TCP: all of it. */
	mkquery(&QDEF, "9.9.9.9." ZONE, T_ANY);
	ck_assert_uint_gt(run(65535, true), 512);
	ck_assert(!flag(F_TC));
	ck_assert_uint_eq(count(AN), 6);
	{
		char want[2048];

		snprintf(want, sizeof(want),
		    "9.9.9.9." ZONE ". A 100 127.0.0.14; "
		    "9.9.9.9." ZONE ". TXT 100 \"c%s\"; "
		    "9.9.9.9." ZONE ". A 100 127.0.0.13; "
		    "9.9.9.9." ZONE ". TXT 100 \"b%s\"; "
		    "9.9.9.9." ZONE ". A 100 127.0.0.12; "
		    "9.9.9.9." ZONE ". TXT 100 \"a%s\"",
		    repeat('z', 249), repeat('y', 249), repeat('x', 249));
		ck_assert_str_eq(ANSWER, want);
	}

	/* EDNS raises the UDP limit; a small one does not lower it. */
	o.edns = 0;
	o.edns_size = 4096;
	mkquery(&o, "9.9.9.9." ZONE, T_TXT);
	ck_assert_uint_gt(run(4096, false), 512);
	ck_assert(!flag(F_TC));
	ck_assert_uint_eq(count(AN), 3);
	ck_assert_uint_eq(count(AR), 1);
	/* Without EDNS, 512 bytes whatever the buffer. */
	mkquery(&QDEF, "9.9.9.9." ZONE, T_TXT);
	ck_assert_uint_le(run(4096, false), 512);
	ck_assert(flag(F_TC));
	o.edns_size = 100;
	mkquery(&o, "9.9.9.9." ZONE, T_TXT);
	ck_assert_uint_gt(run(4096, false), 0);
	ck_assert(flag(F_TC));
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_uint_eq(count(AR), 1);
	ck_assert(ldns_pkt_edns(P));
	ck_assert_uint_le(RLEN, 512);
	/* The reader's buffer is a limit too. */
	o.edns_size = 4096;
	mkquery(&o, "9.9.9.9." ZONE, T_TXT);
	ck_assert_uint_gt(run(600, false), 0);
	ck_assert(flag(F_TC));
}
END_TEST

/*
 * A UDP answer is never above the 1232 bytes we advertise, whatever the
 * query's EDNS says: six sources' 250-byte TXTs (1.6 KiB) go TC over UDP,
 * whole over TCP.
 */
START_TEST(test_udp_cap)
{
	char dir[128], text[2048];
	struct qopt o = QDEF;
	struct conf *c2;
	struct store *s2;
	struct view *v2, *keep_v = V;
	struct store_reader *r2, *keep_rd = rd;
	int ids[CONF_MAX_SOURCES];
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/cap", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	n = snprintf(text, sizeof(text), "[rbld]\ndatabase = db\n"
	    "[zone big.test]\nsources = s0 s1 s2 s3 s4 s5\n");
	for (int i = 0; i < 6; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
		    "[source s%d]\nkind = local\n", i);
	ck_assert_ptr_nonnull(c2 = test_conf(dir, text));
	ck_assert_ptr_nonnull(s2 = store_open(c2->database, 16u << 20, false,
	    err, sizeof(err)));
	ck_assert_int_eq(source_register(c2, s2, ids, NULL, err, sizeof(err)),
	    0);
	for (int i = 0; i < 6; i++) {
		snprintf(text, sizeof(text), "9.9.9.9 :%d:%c%s\n", i + 2,
		    'a' + i, repeat('q', 249));
		test_load(s2, ids[i], DEF_A, NULL, text);
	}
	ck_assert_ptr_nonnull(v2 = view_build(c2, ids, NULL, 0, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(r2 = store_reader_new(s2));
	V = v2;
	rd = r2;
	memset(&APEX, 0, sizeof(APEX));
	o.edns = 0;
	for (int k = 0; k < 3; k++) {
		o.edns_size = k == 0 ? 1232 : k == 1 ? 4096 : 65535;
		mkquery(&o, "9.9.9.9.big.test", T_TXT);
		ck_assert_uint_le(run(65535, false), 1232);
		ck_assert(flag(F_TC));
		ck_assert_uint_eq(count(AN), 0);
	}
	mkquery(&o, "9.9.9.9.big.test", T_TXT);
	ck_assert_uint_gt(run(65535, true), 1232);
	ck_assert(!flag(F_TC));
	ck_assert_uint_eq(count(AN), 6);
	V = keep_v;
	rd = keep_rd;
	memset(&APEX, 0, sizeof(APEX));
	store_reader_free(r2);
	view_free(v2);
	store_close(s2);
	conf_free(c2);
}
END_TEST

/*
 * ANY over UDP is minimal (RFC 8482): the A records alone at an address,
 * the SOA alone at the apex; over TCP, everything, as rbldnsd answers.
 */
START_TEST(test_any_minimal)
{
	struct qopt o = QDEF;

	o.edns = 0;
	o.edns_size = 1232;
	mkquery(&o, "9.9.9.9." ZONE, T_ANY);
	ck_assert_uint_gt(run(4096, false), 0);
	ck_assert(!flag(F_TC));
	ck_assert_uint_eq(count(AN), 3);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(ldns_rr_get_type(ldns_rr_list_rr(
		    ldns_pkt_answer(P), (size_t)i)), LDNS_RR_TYPE_A);
	ck_assert_uint_lt(RLEN, 200);
	mkquery(&o, "9.9.9.9." ZONE, T_ANY);
	ck_assert_uint_gt(run(65535, true), 512);
	ck_assert_uint_eq(count(AN), 6);
	ask(ZONE, T_ANY);
	ck_assert_uint_eq(count(AN), 1);
	ck_assert_uint_eq(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(P),
	    0)), LDNS_RR_TYPE_SOA);
	mkquery(&QDEF, ZONE, T_ANY);
	ck_assert_uint_gt(run(65535, true), 0);
	ck_assert_uint_eq(count(AN), 3);		/* SOA and two NS */
}
END_TEST

START_TEST(test_stats_counters)
{
	ask("4.3.2.1." ZONE, T_A);
	ask("6.7.8.9." ZONE, T_A);
	ask("4.3.2.1." ZONE, T_MX);
	ask("x.example.com", T_A);
	ck_assert_uint_eq(S.queries, 4);
	ck_assert_uint_eq(S.noerror, 1);
	ck_assert_uint_eq(S.listed, 1);
	ck_assert_uint_eq(S.nxdomain, 1);
	ck_assert_uint_eq(S.nodata, 1);
	ck_assert_uint_eq(S.refused, 1);
}
END_TEST

/* The sum of a row of N counters. */
static uint64_t
sum(const uint64_t *row, int n)
{
	uint64_t t = 0;

	for (int i = 0; i < n; i++)
		t += row[i];
	return t;
}

/* Every reply counts once, in a zone's row or the unattributed one. */
static uint64_t
replies_counted(void)
{
	uint64_t t = sum(S.nozone_rcode, DNS_RC_SLOTS);

	for (int z = 0; z < DNS_STATS_ZONES; z++)
		t += sum(S.zone_rcode[z], DNS_RC_SLOTS);
	return t;
}

START_TEST(test_zone_stats_listed)
{
	/* Zone 0: listed v4 (twice, A and TXT), unlisted v4 and v6. */
	ask("4.3.2.1." ZONE, T_A);
	ask("4.3.2.1." ZONE, T_TXT);
	ask("6.7.8.9." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ask_any(v6name("2001:db9::1", ZONE));
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	/* Zone 1: one listed, one not; counted apart from zone 0. */
	ask("6.6.6.6." ZONE1, T_TXT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ask("7.6.6.6." ZONE1, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);

	ck_assert_uint_eq(S.zone_listed[0], 2);
	ck_assert_uint_eq(S.zone_unlisted[0], 2);
	ck_assert_uint_eq(S.zone_rcode[0][DNS_RC_NOERROR], 2);
	ck_assert_uint_eq(S.zone_rcode[0][DNS_RC_NXDOMAIN], 2);
	ck_assert_uint_eq(sum(S.zone_rcode[0], DNS_RC_SLOTS), 4);
	ck_assert_uint_eq(S.zone_listed[1], 1);
	ck_assert_uint_eq(S.zone_unlisted[1], 1);
	ck_assert_uint_eq(S.zone_rcode[1][DNS_RC_NOERROR], 1);
	ck_assert_uint_eq(S.zone_rcode[1][DNS_RC_NXDOMAIN], 1);
	ck_assert_uint_eq(sum(S.zone_rcode[1], DNS_RC_SLOTS), 2);
	ck_assert_uint_eq(sum(S.zone_listed + 2, DNS_STATS_ZONES - 2), 0);
	ck_assert_uint_eq(sum(S.zone_unlisted + 2, DNS_STATS_ZONES - 2), 0);
	ck_assert_uint_eq(sum(S.nozone_rcode, DNS_RC_SLOTS), 0);
	/* The global counters still count the same answers. */
	ck_assert_uint_eq(S.listed, 3);
	ck_assert_uint_eq(S.nxdomain, 3);
	ck_assert_uint_eq(S.queries, 6);

	/* A truncated positive answer is still a listing. */
	ask("9.9.9.9." ZONE, T_TXT);
	ck_assert(flag(F_TC));
	ck_assert_uint_eq(S.zone_listed[0], 3);
	ck_assert_uint_eq(S.zone_rcode[0][DNS_RC_NOERROR], 3);
}
END_TEST

/* Answers in a zone that are not about an address: rcodes only. */
START_TEST(test_zone_stats_not_addresses)
{
	ask(ZONE, T_SOA);			/* the apex */
	ask(ZONE1, T_NS);
	ask("3.2.1." ZONE, T_A);		/* partial name: NODATA */
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 0);
	ask("www." ZONE, T_A);			/* no address: NXDOMAIN */
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NXDOMAIN);
	ask("4.3.2.1." ZONE, T_MX);		/* listed, but not A/TXT/ANY */
	ask("7.6.6.6." ZONE1, T_AAAA);		/* not listed, nor A/TXT/ANY */
	ck_assert_uint_eq(S.zone_rcode[0][DNS_RC_NOERROR], 3);
	ck_assert_uint_eq(S.zone_rcode[0][DNS_RC_NXDOMAIN], 1);
	ck_assert_uint_eq(S.zone_rcode[1][DNS_RC_NOERROR], 1);
	ck_assert_uint_eq(S.zone_rcode[1][DNS_RC_NXDOMAIN], 1);
	ck_assert_uint_eq(sum(S.zone_listed, DNS_STATS_ZONES), 0);
	ck_assert_uint_eq(sum(S.zone_unlisted, DNS_STATS_ZONES), 0);

	/* Listed without a TXT, asked for TXT: NODATA, so not listed. */
	ask("1.0.0.10." ZONE, T_TXT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(count(AN), 0);
	ck_assert_uint_eq(S.zone_unlisted[0], 1);
	ck_assert_uint_eq(S.zone_listed[0], 0);
	ck_assert_uint_eq(S.zone_rcode[0][DNS_RC_NOERROR], 4);
}
END_TEST

START_TEST(test_zone_stats_errors)
{
	struct qopt o = QDEF;

	/* Outside every zone: unattributed. */
	ask("4.3.2.1.example.com", T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	ask("xbl.example.test", T_A);
	ck_assert_uint_eq(S.nozone_rcode[DNS_RC_REFUSED], 2);
	/* The question does not parse: unattributed. */
	o.qdcount = 2;
	askq(&o, "4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	mkquery(&QDEF, "4.3.2.1." ZONE, T_A);
	QLEN -= 2;				/* no qclass */
	ck_assert_uint_gt(run(512, false), 0);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_FORMERR);
	ck_assert_uint_eq(S.nozone_rcode[DNS_RC_FORMERR], 2);
	/* Dropped: no reply, no rcode. */
	o = QDEF;
	o.flags = F_QR;
	mkquery(&o, "4.3.2.1." ZONE, T_A);
	ck_assert_uint_eq(run(512, false), 0);
	ck_assert_uint_eq(sum(S.nozone_rcode, DNS_RC_SLOTS), 4);
	ck_assert_uint_eq(sum(S.zone_rcode[0], DNS_RC_SLOTS), 0);

	/* Errors about a parsed question count against its zone. */
	ask(ZONE, 253);				/* MAILB */
	ck_assert_uint_eq(rcode(), LDNS_RCODE_NOTIMPL);
	o = QDEF;
	o.flags = F_RD | 2 << 11;		/* STATUS */
	askq(&o, "4.3.2.1." ZONE, T_A);
	o = QDEF;
	o.qclass = C_CH;
	askq(&o, "4.3.2.1." ZONE, T_TXT);
	ck_assert_uint_eq(rcode(), LDNS_RCODE_REFUSED);
	o = QDEF;
	o.edns = 1;
	o.edns_size = 1232;
	askq(&o, "6.6.6.6." ZONE1, T_A);
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(P), 1);
	ck_assert_uint_eq(S.zone_rcode[0][DNS_RC_NOTIMP], 2);
	ck_assert_uint_eq(S.zone_rcode[0][DNS_RC_REFUSED], 1);
	ck_assert_uint_eq(sum(S.zone_rcode[0], DNS_RC_SLOTS), 3);
	ck_assert_uint_eq(S.zone_rcode[1][DNS_RC_BADVERS], 1);
	ck_assert_uint_eq(sum(S.zone_rcode[1], DNS_RC_SLOTS), 1);
	ck_assert_uint_eq(sum(S.nozone_rcode, DNS_RC_SLOTS), 4);
	/* None of these is a listing or its absence. */
	ck_assert_uint_eq(sum(S.zone_listed, DNS_STATS_ZONES), 0);
	ck_assert_uint_eq(sum(S.zone_unlisted, DNS_STATS_ZONES), 0);
	ck_assert_uint_eq(replies_counted() + S.dropped, S.queries);
	/* BADVERS still counts as FORMERR in the global counters. */
	ck_assert_uint_eq(S.formerr, 3);
}
END_TEST

START_TEST(test_rcode_slot_names)
{
	static const char *want[DNS_RC_SLOTS] = { "NOERROR", "NXDOMAIN",
	    "REFUSED", "FORMERR", "NOTIMP", "SERVFAIL", "BADVERS" };

	for (int i = 0; i < DNS_RC_SLOTS; i++)
		ck_assert_str_eq(dns_rcode_slot_name(i), want[i]);
	ck_assert_ptr_null(dns_rcode_slot_name(-1));
	ck_assert_ptr_null(dns_rcode_slot_name(DNS_RC_SLOTS));
}
END_TEST

/* ---- robustness ---- */

static uint8_t	 OUT[1024 + 64];

/* Answer BUF into OUT with OUTMAX bytes, checking every byte past it. */
static size_t
answer_raw(const uint8_t *buf, size_t len, size_t outmax, bool tcp)
{
	size_t n;

	memset(OUT, 0xa5, sizeof(OUT));
	ck_assert_int_eq(store_reader_begin(rd), 0);
	{
		struct dns_ctx cx = { V, rd, &APEX, NOW, &S };

		n = dns_answer(&cx, buf, len, OUT, outmax, tcp);
	}
	store_reader_end(rd);
	/* One assertion per call: Check reports each through a pipe. */
	{
		size_t i = outmax;

		while (i < sizeof(OUT) && OUT[i] == 0xa5)
			i++;
		ck_assert_msg(n <= outmax && i == sizeof(OUT),
		    "reply of %zu bytes, byte %zu written, limit %zu", n, i,
		    outmax);
	}
	if (n > 0) {
		ldns_pkt *p = NULL;
		ldns_status s;

		s = ldns_wire2pkt(&p, OUT, n);
		ck_assert_msg(n >= 12 && OUT[0] == buf[0] && OUT[1] == buf[1] &&
		    (OUT[2] & 0x80) && s == LDNS_STATUS_OK,
		    "bad reply of %zu bytes: %s", n, ldns_get_errorstr_by_id(s));
		ldns_pkt_free(p);
	}
	return n;
}

START_TEST(test_truncated_queries)
{
	static const char *names[] = {
		"4.3.2.1." ZONE, "9.9.9.9." ZONE, ZONE, "x.example.com",
	};
	struct qopt o = QDEF;
	uint8_t q[1024];

	o.edns = 0;
	o.edns_size = 1232;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		for (int e = 0; e < 2; e++) {
			size_t len;

			mkquery(e ? &o : &QDEF, names[k], T_ANY);
			len = QLEN;
			memcpy(q, Q, len);
			for (size_t l = 0; l <= len; l++) {
				size_t n = answer_raw(q, l, 512, false);

				if (l < 12)
					ck_assert_uint_eq(n, 0);
				else if (l < len)
					ck_assert_msg(n == 0 ||
					    (OUT[3] & 15) == LDNS_RCODE_FORMERR,
					    "%s cut at %zu: rcode %d", names[k],
					    l, OUT[3] & 15);
				answer_raw(q, l, 1024, true);
			}
		}
	}
}
END_TEST

START_TEST(test_random_packets)
{
	uint8_t q[600];

	srandom(20240611);
	for (int i = 0; i < 30000; i++) {
		size_t len = (size_t)(random() % (int)sizeof(q));

		if (i % 3 == 0) {
			/* A valid query with a few bytes changed. */
			struct qopt o = QDEF;

			o.edns = i % 2 ? 0 : -1;
			o.edns_size = (uint16_t)random();
			mkquery(&o, i % 5 ? "4.3.2.1." ZONE : v6name(
			    "2001:db8::1", ZONE), (uint16_t)(i % 7 ? T_ANY :
			    random() % 300));
			memcpy(q, Q, QLEN);
			len = QLEN;
			for (int k = random() % 4; k >= 0; k--)
				q[random() % (long)len] = (uint8_t)random();
			if (i % 11 == 0)
				len = (size_t)random() % (len + 1);
		} else {
			for (size_t k = 0; k < len; k++)
				q[k] = (uint8_t)random();
			/* Mostly queries, with sane counts, to get further. */
			if (len >= 12 && i % 2) {
				q[2] &= 0x79;
				q[4] = 0;
				q[5] = 1;
				q[6] = q[8] = q[10] = 0;
			}
		}
		answer_raw(q, len, 512, false);
		answer_raw(q, len, 1024, true);
	}
	ck_assert_uint_eq(S.queries, 60000);
	/* Whatever the packet, a reply is counted in exactly one row. */
	ck_assert_uint_eq(replies_counted() + S.dropped, S.queries);
	ck_assert_uint_eq(sum(S.zone_listed, DNS_STATS_ZONES), S.listed);
}
END_TEST

/* Whatever OUTMAX the caller gives, nothing is written past it. */
START_TEST(test_small_output_buffers)
{
	static const char *names[] = {
		"4.3.2.1." ZONE, "6.7.8.9." ZONE, "x.example.com",
	};
	uint8_t q[512];

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t len;

		mkquery(&QDEF, names[k], T_ANY);
		len = QLEN;
		memcpy(q, Q, len);
		for (size_t outmax = 0; outmax <= 200; outmax++)
			answer_raw(q, len, outmax, false);
		q[5] = 2;	/* FORMERR */
		for (size_t outmax = 0; outmax <= 40; outmax++)
			answer_raw(q, len, outmax, false);
	}
}
END_TEST

/* ---- from a configuration, as rbld builds it ---- */

START_TEST(test_view_from_conf)
{
	char path[PATH_MAX], db[PATH_MAX];
	struct store *s2;
	struct store_reader *r2;
	struct view *v;
	struct conf *c;
	struct apex_cache *ac;
	bool loaded;
	FILE *f;
	uint8_t out[512];
	size_t n;
	ldns_pkt *p = NULL;
	char *txt;

#define PUT(rel, text) do {						\
	snprintf(path, sizeof(path), "%s/%s", tmpdir, (rel));		\
	ck_assert_ptr_nonnull(f = fopen(path, "w"));			\
	fputs((text), f);						\
	ck_assert_int_eq(fclose(f), 0);					\
} while (0)
	PUT("local.rbl", "1.2.3.4\n5.6.7.0/24 :9:own $\n");
	PUT("allow.rbl", "5.6.7.8\n");
	PUT("rbld.conf",
	    "[rbld]\n"
	    "database = db2\n"
	    "[zone conf.test]\n"
	    "sources = local\n"
	    "ns = ns1.conf.test.\n"
	    "soa = ns1.conf.test. hostmaster.conf.test. 1h 10m 1w 5m\n"
	    "ttl = 10m\n"
	    "[source local]\n"
	    "kind = local\n"
	    "file = local.rbl\n"
	    "a = 127.0.0.3\n"
	    "txt = Local: $\n"
	    "[allow]\n"
	    "file = allow.rbl\n"
	    "nets = 1.2.3.4/32\n");
	snprintf(path, sizeof(path), "%s/rbld.conf", tmpdir);
	ck_assert_ptr_nonnull(c = conf_load(path, stderr));
	snprintf(db, sizeof(db), "%s/db2", tmpdir);
	ck_assert_ptr_nonnull(s2 = store_open(db, 1u << 20, false, err,
	    sizeof(err)));
	v = runtime_build(c, s2, err, sizeof(err));
	ck_assert_msg(v != NULL, "%s", err);
	ck_assert_int_eq(source_load(s2, &c->sources[0], v->srcids[0], true,
	    &loaded, err, sizeof(err)), 0);
	ck_assert(loaded);
	ck_assert_ptr_nonnull(r2 = store_reader_new(s2));
	ck_assert_ptr_nonnull(ac = calloc(1, sizeof(*ac)));

#define ASK2(name, type) do {						\
	mkquery(&QDEF, (name), (type));					\
	ck_assert_int_eq(store_reader_begin(r2), 0);			\
	{								\
		struct dns_ctx cx = { v, r2, ac, NOW, &S };		\
									\
		n = dns_answer(&cx, Q, QLEN, out, sizeof(out), true);		\
	}								\
	store_reader_end(r2);						\
	ck_assert_uint_gt(n, 0);					\
	if (p != NULL)							\
		ldns_pkt_free(p);					\
	p = NULL;							\
	ck_assert_int_eq(ldns_wire2pkt(&p, out, n), LDNS_STATUS_OK);	\
} while (0)
	ASK2("9.7.6.5.conf.test", T_ANY);
	ck_assert_uint_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	txt = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 1),
	    0));
	ck_assert_str_eq(txt, "\"own 5.6.7.9\"");
	free(txt);
	ck_assert_uint_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
	    600);
	/* Allowed by the file and by nets. */
	ASK2("8.7.6.5.conf.test", T_A);
	ck_assert_uint_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ASK2("4.3.2.1.conf.test", T_A);
	ck_assert_uint_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p),
	    0)), 300);
	/* The test point takes the source's a and txt. */
	ASK2("2.0.0.127.conf.test", T_ANY);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	txt = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 1),
	    0));
	ck_assert_str_eq(txt, "\"Local: 127.0.0.2\"");
	free(txt);
	txt = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0),
	    0));
	ck_assert_str_eq(txt, "127.0.0.3");
	free(txt);
	ASK2("conf.test", T_NS);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
#undef ASK2
#undef PUT
	store_reader_free(r2);
	free(ac);
	view_free(v);
	conf_free(c);
	store_close(s2);
}
END_TEST

static Suite *
dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_listed);
	tcase_add_test(tc, test_merge_and_min_ttl);
	tcase_add_test(tc, test_nxdomain);
	tcase_add_test(tc, test_nodata);
	tcase_add_test(tc, test_refused_and_errors);
	tcase_add_test(tc, test_transfer_requests);
	tcase_add_test(tc, test_malformed_questions);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_question_case);
	tcase_add_test(tc, test_dollar_expansion);
	tcase_add_test(tc, test_apex);
	tcase_add_test(tc, test_soa_ns_from_file);
	tcase_add_test(tc, test_serial_follows_store);
	tcase_add_test(tc, test_partial_and_odd_names);
	tcase_add_test(tc, test_test_points);
	tcase_add_test(tc, test_mapped_and_6to4);
	tcase_add_test(tc, test_allow);
	tcase_add_test(tc, test_allow_keeps_test_point);
	tcase_add_test(tc, test_expiry_at_query_time);
	tcase_add_test(tc, test_edns);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_stats_counters);
	tcase_add_test(tc, test_zone_stats_listed);
	tcase_add_test(tc, test_zone_stats_not_addresses);
	tcase_add_test(tc, test_zone_stats_errors);
	tcase_add_test(tc, test_rcode_slot_names);
	tcase_add_test(tc, test_truncated_queries);
	tcase_add_test(tc, test_random_packets);
	tcase_add_test(tc, test_small_output_buffers);
	tcase_add_test(tc, test_view_from_conf);
	tcase_add_test(tc, test_catalog_zone);
	tcase_add_test(tc, test_hits_log);
	tcase_add_test(tc, test_any_minimal);
	tcase_add_test(tc, test_udp_cap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(dns_suite());
}
