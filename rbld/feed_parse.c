/* SPDX-License-Identifier: BSD-2-Clause */
/* Feeds: turn a downloaded blocklist into entries, or refuse it as broken. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "feed_parse.h"
#include "wire.h"

#define FEED_HTML_SCAN	2048	/* bytes searched for HTML tags */
#define FEED_TEXT_SCAN	4096	/* bytes checked for being text */
#define FEED_JUNK_PCT	5	/* percent of those that may be non-text */
#define FEED_MIN_LINES	10	/* fewer data lines give no majority verdict */
#define FEED_WHY_MAX	100	/* the first rejected line's reason */
#define AXFR_TOKS	64	/* fields of one zone-text record */
#define AXFR_NAME_MAX	1024	/* an owner name in presentation form */

static const struct {
	const char		*name;
	enum feed_format	 format;
} feed_formats[] = {
	{ "plain",		FEED_PLAIN },
	{ "rbldnsd",		FEED_RBLDNSD },
	{ "spamhaus",		FEED_SPAMHAUS },
	{ "spamhaus-json",	FEED_SPAMHAUS_JSON },
	{ "dshield",		FEED_DSHIELD },
	{ "netset",		FEED_NETSET },
	{ "axfr",		FEED_AXFR },
};

#define NFORMATS	(sizeof(feed_formats) / sizeof(feed_formats[0]))

/*
 * Bogon and special-use ranges, exactly these. 2001::/23 as a whole is not
 * here: parts of it (Teredo, AMT, AS112) are global, and lists may rightly
 * name addresses there.
 */
static const struct prefix feed_specials[] = {
	{ 4, 8,  { 0 } },				/* "this" network */
	{ 4, 8,  { 10 } },				/* RFC 1918 */
	{ 4, 10, { 100, 64 } },				/* CGN shared */
	{ 4, 8,  { 127 } },				/* loopback */
	{ 4, 16, { 169, 254 } },			/* link local */
	{ 4, 12, { 172, 16 } },				/* RFC 1918 */
	{ 4, 24, { 192, 0, 0 } },			/* IETF protocol */
	{ 4, 24, { 192, 0, 2 } },			/* TEST-NET-1 */
	{ 4, 24, { 192, 88, 99 } },			/* 6to4 relay */
	{ 4, 16, { 192, 168 } },			/* RFC 1918 */
	{ 4, 15, { 198, 18 } },				/* benchmarking */
	{ 4, 24, { 198, 51, 100 } },			/* TEST-NET-2 */
	{ 4, 24, { 203, 0, 113 } },			/* TEST-NET-3 */
	{ 4, 4,  { 224 } },				/* multicast */
	{ 4, 4,  { 240 } },				/* reserved, broadcast */
	{ 6, 128, { 0 } },				/* unspecified */
	{ 6, 128, { [15] = 1 } },			/* loopback */
	{ 6, 96, { [10] = 0xff, [11] = 0xff } },	/* IPv4-mapped */
	{ 6, 96, { 0x00, 0x64, 0xff, 0x9b } },		/* NAT64 */
	{ 6, 64, { 0x01, 0x00 } },			/* discard only */
	{ 6, 32, { 0x20, 0x01, 0x0d, 0xb8 } },		/* documentation */
	{ 6, 7,  { 0xfc } },				/* unique local */
	{ 6, 10, { 0xfe, 0x80 } },			/* link local */
	{ 6, 8,  { 0xff } },				/* multicast */
};

#define NSPECIALS	(sizeof(feed_specials) / sizeof(feed_specials[0]))

/* One A or TXT record of a zone transfer, merged per name at the end. */
struct axfr_rr {
	struct prefix	p;
	uint32_t	a;	/* 0: a TXT record */
	uint32_t	txt;	/* RBL_NO_TXT: an A record, or an empty TXT */
	bool		has_txt;
	uint32_t	line;
};

struct feed_ctx {
	enum feed_format	 format;
	const struct feed_policy *pol;
	struct rbl_data		*d;
	struct feed_counts	*c;
	uint32_t		 def_a, def_txt;
	unsigned		 lineno;
	unsigned		 why_line;	/* first rejected line, 0 = none */
	char			 why[FEED_WHY_MAX];

	/* FEED_AXFR */
	char			 zone[AXFR_NAME_MAX + 1];	/* no final dot */
	size_t			 zonelen;
	char			 owner[AXFR_NAME_MAX + 1];	/* the last one */
	bool			 has_owner;
	int			 parens;	/* inside a multi-line record */
	struct axfr_rr		*rrs;
	size_t			 nrrs, caprrs;
};

int
feed_format_parse(const char *name)
{
	size_t i;

	for (i = 0; i < NFORMATS; i++)
		if (strcmp(name, feed_formats[i].name) == 0)
			return (int)feed_formats[i].format;
	return -1;
}

const char *
feed_format_name(enum feed_format f)
{
	size_t i;

	for (i = 0; i < NFORMATS; i++)
		if (feed_formats[i].format == f)
			return feed_formats[i].name;
	return "unknown";
}

bool
feed_special(const struct prefix *p)
{
	size_t i;

	for (i = 0; i < NSPECIALS; i++) {
		const struct prefix *s = &feed_specials[i];

		if (ipaddr_contains(s, p) || ipaddr_contains(p, s))
			return true;
	}
	return false;
}

/* ---- is it a list at all ---- */

/* Length of the valid UTF-8 sequence (2..4 bytes) at S, or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		/* No overlong forms and no UTF-16 surrogates. */
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static bool
has_tag(const char *s, size_t n, const char *tag)
{
	size_t tl = strlen(tag);

	return n >= tl && strncasecmp(s, tag, tl) == 0;
}

/*
 * Refuse what is not a text list at all: an error or captive-portal page
 * served with status 200, or binary data (a compressed body nobody
 * decompressed, a truncated image). Parsing those line by line would mostly
 * reject, but a stray line that happens to parse must not become the list.
 */
static int
feed_not_text(const char *buf, size_t len, char *err, size_t errlen)
{
	const unsigned char *u = (const unsigned char *)buf;
	size_t i, n, bad = 0, scan;
	const char *nul;

	if ((nul = memchr(buf, '\0', len)) != NULL) {
		snprintf(err, errlen, "binary data%s: NUL byte at offset %zu",
		    len >= 2 && u[0] == 0x1f && u[1] == 0x8b ?
		    " (gzip-compressed)" : "", (size_t)(nul - buf));
		return -1;
	}

	i = 0;
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		i = 3;
	while (i < len && isspace(u[i]))
		i++;
	if (has_tag(buf + i, len - i, "<!doctype") ||
	    has_tag(buf + i, len - i, "<html")) {
		snprintf(err, errlen, "an HTML page, not a list");
		return -1;
	}
	n = len < FEED_HTML_SCAN ? len : FEED_HTML_SCAN;
	for (i = 0; i < n; i++) {
		if (buf[i] != '<')
			continue;
		if (has_tag(buf + i, n - i, "<html") ||
		    has_tag(buf + i, n - i, "<body") ||
		    has_tag(buf + i, n - i, "<head")) {
			snprintf(err, errlen, "an HTML page, not a list "
			    "(HTML tag at offset %zu)", i);
			return -1;
		}
	}

	scan = len < FEED_TEXT_SCAN ? len : FEED_TEXT_SCAN;
	for (i = 0; i < scan; ) {
		if ((u[i] >= 0x20 && u[i] < 0x7f) || isspace(u[i])) {
			i++;
			continue;
		}
		/* A sequence cut by the end of the window is still checked
		 * whole: the window is not where the data ends. */
		if (u[i] >= 0x80 && (n = utf8_seq(u + i, len - i)) > 0) {
			i += n;
			continue;
		}
		bad++;
		i++;
	}
	if (bad * 100 > scan * FEED_JUNK_PCT) {
		snprintf(err, errlen, "binary data%s: %zu of the first %zu "
		    "bytes are not text",
		    len >= 2 && u[0] == 0x1f && u[1] == 0x8b ?
		    " (gzip-compressed)" : "", bad, scan);
		return -1;
	}
	return 0;
}

/* ---- entries ---- */

static void
feed_reject(struct feed_ctx *cx, const char *why)
{
	cx->c->rejected++;
	if (cx->why_line == 0) {
		cx->why_line = cx->lineno;
		snprintf(cx->why, sizeof(cx->why), "%.*s",
		    (int)sizeof(cx->why) - 1, why);
	}
}

/* Whether P may be served under the policy; counts what it drops. */
static bool
feed_vet(struct feed_ctx *cx, const struct prefix *p, bool excl)
{
	int min = p->family == 4 ? cx->pol->min_prefix4 : cx->pol->min_prefix6;

	/* An exclusion only ever narrows a list: it is always safe. */
	if (excl)
		return true;
	if (p->len < min) {
		cx->c->broad++;
		return false;
	}
	if (!cx->pol->allow_special && feed_special(p)) {
		cx->c->special++;
		return false;
	}
	return true;
}

static void
feed_add(struct feed_ctx *cx, const struct prefix *p, uint32_t a,
    uint32_t txt, uint32_t line)
{
	struct prefix c = *p;

	/* Vetted as what it is: ::ffff:a.b.c.d/N is an IPv4 entry. */
	ipaddr_canonical(&c);
	if (feed_vet(cx, &c, false) &&
	    rbldnsd_add(cx->d, &c, false, a, txt, line) == 0)
		cx->c->accepted++;
}

static int
feed_add_cb(void *arg, const struct prefix *p)
{
	struct feed_ctx *cx = arg;

	feed_add(cx, p, cx->def_a, cx->def_txt, cx->lineno);
	return 0;
}

/* An address or CIDR with the source's defaults. */
static void
feed_prefix(struct feed_ctx *cx, const char *s)
{
	struct prefix p;
	char why[FEED_WHY_MAX];

	if (ipaddr_parse_prefix(s, &p, why, sizeof(why)) == -1) {
		feed_reject(cx, why);
		return;
	}
	feed_add(cx, &p, cx->def_a, cx->def_txt, cx->lineno);
}

/* Set (or clear) every bit of A from bit LEN on. */
static void
bits_from(uint8_t a[16], int len, bool set)
{
	int i;

	for (i = len; i < 128; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));

		if (set)
			a[i / 8] |= m;
		else
			a[i / 8] &= (uint8_t)~m;
	}
}

/* Cover the IPv6 range LO..HI with the fewest CIDRs, in order. */
static void
feed_range6(struct feed_ctx *cx, const uint8_t lo[16], const uint8_t hi[16])
{
	uint8_t cur[16], end[16];
	struct prefix p;
	int len, i;

	memcpy(cur, lo, 16);
	for (;;) {
		/* The shortest prefix at CUR that starts there and stops by HI. */
		for (len = 0; len < 128; len++) {
			uint8_t t[16];

			memcpy(t, cur, 16);
			bits_from(t, len, false);
			if (memcmp(t, cur, 16) != 0)
				continue;
			bits_from(t, len, true);
			if (memcmp(t, hi, 16) <= 0)
				break;
		}
		memset(&p, 0, sizeof(p));
		p.family = 6;
		p.len = (uint8_t)len;
		memcpy(p.addr, cur, 16);
		feed_add_cb(cx, &p);
		memcpy(end, cur, 16);
		bits_from(end, len, true);
		if (memcmp(end, hi, 16) >= 0)
			return;
		/* CUR = END + 1; END < HI, so this cannot wrap. */
		memcpy(cur, end, 16);
		for (i = 15; i >= 0 && ++cur[i] == 0; i--)
			;
	}
}

/* ---- line formats ---- */

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* The comment characters of a line-per-entry format. */
static const char *
feed_comment_chars(enum feed_format f)
{
	switch (f) {
	case FEED_PLAIN:
	case FEED_SPAMHAUS:
	case FEED_RBLDNSD:
		return "#;";
	case FEED_DSHIELD:
	case FEED_NETSET:
		return "#";
	case FEED_AXFR:
		return ";";
	default:
		return "";
	}
}

/*
 * plain, spamhaus, netset: an address or CIDR first on the line. plain
 * takes the first field of anything ("IP<TAB>count"); the others, whose
 * publishers write nothing else there, take only the address.
 */
static void
feed_line_simple(struct feed_ctx *cx, char *s)
{
	char *c = strpbrk(s, feed_comment_chars(cx->format)), *w;

	if (c != NULL)
		*c = '\0';
	s = trim(s);
	if (*s == '\0')
		return;
	cx->c->lines++;
	w = rbldnsd_word(&s);
	if (cx->format != FEED_PLAIN && *trim(s) != '\0') {
		feed_reject(cx, "text after the address");
		return;
	}
	feed_prefix(cx, w);
}

/*
 * DShield block.txt: "start end netblock attacks name country email". When
 * a row agrees with itself, start/netblock is exactly start..end; when it
 * does not, start..end is what was measured and listed, so the entries
 * always come from the range, split into CIDRs.
 */
static void
feed_line_dshield(struct feed_ctx *cx, char *s)
{
	char *c = strchr(s, '#'), *f[3];
	struct prefix lo, hi;
	int i;

	if (c != NULL)
		*c = '\0';
	for (i = 0; i < 3; i++)
		f[i] = rbldnsd_word(&s);
	if (f[0] == NULL || strcasecmp(f[0], "Start") == 0)
		return;		/* blank, or the column header row */
	cx->c->lines++;
	if (f[1] == NULL || f[2] == NULL) {
		feed_reject(cx, "needs start, end and netblock");
		return;
	}
	if (ipaddr_parse_addr(f[0], &lo) == -1 ||
	    ipaddr_parse_addr(f[1], &hi) == -1 || lo.family != hi.family) {
		feed_reject(cx, "start or end is not an IP address");
		return;
	}
	if (memcmp(lo.addr, hi.addr, 16) > 0) {
		feed_reject(cx, "range ends before it starts");
		return;
	}
	if (lo.family == 4)
		ipaddr_range4(ipaddr_v4(&lo), ipaddr_v4(&hi), feed_add_cb, cx);
	else
		feed_range6(cx, lo.addr, hi.addr);
}

/* Spamhaus drop_v4.json / drop_v6.json: one JSON object per line. */
static void
feed_line_json(struct feed_ctx *cx, char *s)
{
	json_error_t je;
	json_t *o, *v;

	s = trim(s);
	if (*s == '\0')
		return;
	if ((o = json_loadb(s, strlen(s), JSON_REJECT_DUPLICATES, &je)) == NULL) {
		char why[FEED_WHY_MAX];

		cx->c->lines++;
		snprintf(why, sizeof(why), "bad JSON: %.80s", je.text);
		feed_reject(cx, why);
		return;
	}
	v = json_object_get(o, "type");
	if (json_is_string(v) && strcmp(json_string_value(v), "metadata") == 0)
		goto out;	/* the copyright and record count, not an entry */
	cx->c->lines++;
	if (!json_is_object(o)) {
		feed_reject(cx, "not a JSON object");
		goto out;
	}
	/* Without JSON_ALLOW_NUL, jansson refuses a "\u0000" in it. */
	v = json_object_get(o, "cidr");
	if (!json_is_string(v)) {
		feed_reject(cx, "no \"cidr\" string");
		goto out;
	}
	feed_prefix(cx, json_string_value(v));
out:
	json_decref(o);
}

static void
feed_rbl_err(void *arg, const char *file, unsigned line, const char *msg)
{
	(void)file;
	(void)line;
	feed_reject(arg, msg);
}

/* The rbldnsd syntax, by rbldnsd.c itself; then the policy on its entries. */
static void
feed_line_rbldnsd(struct feed_ctx *cx, char *s)
{
	struct rbl_data *d = cx->d;
	const char *t = s + strspn(s, " \t");
	size_t i, k, first = d->nents;

	/* As rbldnsd_parse_line reads it: "#$x" and ";$x" are specials. */
	if (*t == '\0' || ((*t == '#' || *t == ';') && t[1] != '$'))
		return;
	cx->c->lines++;
	rbldnsd_parse_line(d, s, "feed", cx->lineno, feed_rbl_err, cx);
	for (i = k = first; i < d->nents; i++) {
		if (!feed_vet(cx, &d->ents[i].p, d->ents[i].excl))
			continue;
		d->ents[k++] = d->ents[i];
		cx->c->accepted++;
	}
	d->nents = k;
}

/* ---- axfr: zone text back into prefixes ---- */

struct tok {
	const char	*s;
	size_t		 n;
};

/*
 * Split one line of zone text into words and quoted strings (quotes kept),
 * up to a ';' comment. Parentheses only group lines: they adjust *PARENS.
 * Returns the count; *BAD says an unclosed quote or too many words cut it.
 */
static int
axfr_split(const char *s, struct tok *t, int max, int *parens, bool *bad)
{
	int n = 0;

	*bad = false;
	for (;;) {
		const char *w;

		while (*s == ' ' || *s == '\t' || *s == '(' || *s == ')') {
			if (*s == '(')
				(*parens)++;
			else if (*s == ')' && *parens > 0)
				(*parens)--;
			s++;
		}
		if (*s == '\0' || *s == ';')
			return n;
		if (n == max) {
			*bad = true;
			return n;
		}
		w = s;
		if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (*s == '\0') {
					*bad = true;
					return n;
				}
				if (*s == '\\' && s[1] != '\0')
					s++;
			}
			s++;
		} else {
			while (*s != '\0' && strchr(" \t;()\"", *s) == NULL) {
				if (*s == '\\' && s[1] != '\0')
					s++;
				s++;
			}
		}
		t[n].s = w;
		t[n].n = (size_t)(s - w);
		n++;
	}
}

static bool
tok_is(const struct tok *t, const char *s)
{
	return strlen(s) == t->n && strncasecmp(t->s, s, t->n) == 0;
}

/* A decimal octet label: "0".."255", no leading zeros. */
static int
axfr_octet(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 255 ? v : -1;
}

static int
axfr_nibble(const char *s, size_t n)
{
	int c;

	if (n != 1 || !isxdigit((unsigned char)s[0]))
		return -1;
	c = tolower((unsigned char)s[0]);
	return isdigit(c) ? c - '0' : c - 'a' + 10;
}

/*
 * The labels of a name below the zone, as a DNSBL spells an address:
 * "4.3.2.1" is 1.2.3.4/32 and "*.2.1" 1.2.0.0/16; 32 nibbles an IPv6
 * address and "*." with N nibbles a /4N. A few single-digit labels fit
 * both; they are read as IPv4, since as IPv6 they would be /12 or broader,
 * which no policy serves.
 */
static int
axfr_name(const char *s, size_t n, struct prefix *p)
{
	struct tok lab[33];
	size_t k = 0, i, j;
	bool wild;

	for (i = j = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (k == 33)
			return -1;
		lab[k].s = s + j;
		lab[k].n = i - j;
		k++;
		j = i + 1;
	}
	wild = lab[0].n == 1 && lab[0].s[0] == '*';
	memset(p, 0, sizeof(*p));

	if ((wild && k >= 2 && k <= 4) || (!wild && k == 4)) {
		size_t nb = wild ? k - 1 : 4;

		for (i = 0; i < nb; i++) {
			int v = axfr_octet(lab[k - 1 - i].s, lab[k - 1 - i].n);

			if (v < 0)
				break;
			p->addr[i] = (uint8_t)v;
		}
		if (i == nb) {
			p->family = 4;
			p->len = (uint8_t)(8 * nb);
			return 0;
		}
		memset(p, 0, sizeof(*p));
	}
	if ((wild && k >= 2 && k <= 32) || (!wild && k == 32)) {
		size_t nb = wild ? k - 1 : 32;

		for (i = 0; i < nb; i++) {
			int v = axfr_nibble(lab[k - 1 - i].s, lab[k - 1 - i].n);

			if (v < 0)
				return -1;
			p->addr[i / 2] |= (uint8_t)(i % 2 == 0 ? v << 4 : v);
		}
		p->family = 6;
		p->len = (uint8_t)(4 * nb);
		return 0;
	}
	return -1;
}

/*
 * Decode TXT rdata (quoted or bare character-strings, joined) into a
 * template that serves it literally: "$" becomes "$$", and a leading "="
 * gets another, which rbldnsd_finish takes off. Returns the template's
 * length, or -1 with *WHY set.
 */
static int
axfr_txt(const struct tok *t, int nt, char *out, size_t outsz, const char **why)
{
	size_t o = 0, raw = 0, extra = 0;
	int i;

	for (i = 0; i < nt; i++) {
		const char *s = t[i].s, *e = t[i].s + t[i].n;

		if (t[i].n >= 2 && *s == '"') {
			s++;
			e--;
		}
		while (s < e) {
			int c = (unsigned char)*s++;

			if (c == '\\' && s < e) {
				if (e - s >= 3 && isdigit((unsigned char)s[0]) &&
				    isdigit((unsigned char)s[1]) &&
				    isdigit((unsigned char)s[2])) {
					c = (s[0] - '0') * 100 +
					    (s[1] - '0') * 10 + (s[2] - '0');
					s += 3;
					if (c > 255) {
						*why = "bad escape in TXT";
						return -1;
					}
				} else
					c = (unsigned char)*s++;
			}
			if (c == '\0') {
				*why = "NUL byte in TXT";
				return -1;
			}
			/* A newline would start a line of its own in an
			 * rbldnsd export; a tab is text there, as in the
			 * data files the primary may serve it from. */
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				*why = "control character in TXT";
				return -1;
			}
			if (raw == 0 && c == '=')
				out[o++] = '=', extra = 1;
			raw++;
			if (c == '$')
				out[o++] = '$';
			out[o++] = (char)c;
			/* The store keeps RBL_TXT_MAX bytes; never cut a text. */
			if (o - extra > RBL_TXT_MAX || o + 3 >= outsz) {
				*why = "TXT longer than the 255 bytes kept";
				return -1;
			}
		}
	}
	out[o] = '\0';
	return (int)o;
}

/* A record that finds no room leaves the list incomplete: D says so. */
static void
axfr_push(struct feed_ctx *cx, const struct axfr_rr *rr)
{
	if (cx->nrrs == cx->caprrs) {
		size_t cap = cx->caprrs ? cx->caprrs * 2 : 256;
		struct axfr_rr *n;

		if (cap > SIZE_MAX / sizeof(*n) ||
		    (n = realloc(cx->rrs, cap * sizeof(*n))) == NULL) {
			cx->d->nomem = true;
			return;
		}
		cx->rrs = n;
		cx->caprrs = cap;
	}
	cx->rrs[cx->nrrs++] = *rr;
}

/*
 * One record as ldns_rr2str or "dig axfr" prints it: owner, optional TTL
 * and class, type, rdata. Only A and TXT records of names below the zone
 * are data; SOA, NS and the rest, the apex, and other zones are ignored.
 */
static void
feed_line_axfr(struct feed_ctx *cx, char *s)
{
	struct tok t[AXFR_TOKS];
	struct axfr_rr rr;
	const struct tok *owner;
	char own[AXFR_NAME_MAX + 1];
	int nt, i = 0, opt, was = cx->parens;
	bool bad;
	size_t ol;

	nt = axfr_split(s, t, AXFR_TOKS, &cx->parens, &bad);
	if (was > 0 || s[0] == '$' || nt == 0)
		return;		/* a multi-line record's rest, $ORIGIN, $TTL */
	if (s[0] == ' ' || s[0] == '\t') {
		if (!cx->has_owner)
			return;
		snprintf(own, sizeof(own), "%s", cx->owner);
	} else {
		owner = &t[i++];
		if (owner->n > AXFR_NAME_MAX) {
			cx->has_owner = false;
			return;
		}
		memcpy(own, owner->s, owner->n);
		own[owner->n] = '\0';
		snprintf(cx->owner, sizeof(cx->owner), "%s", own);
		cx->has_owner = true;
	}
	/*
	 * TTL and class, in either order. Another class (CH, HS) stays where
	 * the type would be, so its records are ignored below.
	 */
	for (opt = 0; opt < 2 && i < nt; opt++) {
		if (!isdigit((unsigned char)t[i].s[0]) && !tok_is(&t[i], "IN"))
			break;
		i++;
	}
	/* With the type on a later line, it may be data too. */
	if (i >= nt ? cx->parens == 0 :
	    !(tok_is(&t[i], "A") || tok_is(&t[i], "TXT")))
		return;

	/* Is the owner below the zone? */
	ol = strlen(own);
	if (ol > 0 && own[ol - 1] == '.')
		own[--ol] = '\0';
	if (ol <= cx->zonelen + 1 || own[ol - cx->zonelen - 1] != '.' ||
	    strcasecmp(own + ol - cx->zonelen, cx->zone) != 0)
		return;		/* the apex, or another zone */
	ol -= cx->zonelen + 1;

	cx->c->lines++;
	if (bad) {
		feed_reject(cx, "unclosed quote or too many fields");
		return;
	}
	if (cx->parens > 0) {
		feed_reject(cx, "record spans lines");
		return;
	}
	memset(&rr, 0, sizeof(rr));
	if (axfr_name(own, ol, &rr.p) == -1) {
		feed_reject(cx, "name is not an address");
		return;
	}
	rr.line = cx->lineno;
	rr.txt = RBL_NO_TXT;
	if (tok_is(&t[i], "A")) {
		char a[INET_ADDRSTRLEN];
		uint8_t b[4];

		if (nt != i + 2 || t[i + 1].n >= sizeof(a)) {
			feed_reject(cx, "bad A record");
			return;
		}
		memcpy(a, t[i + 1].s, t[i + 1].n);
		a[t[i + 1].n] = '\0';
		if (inet_pton(AF_INET, a, b) != 1 ||
		    (rr.a = wire_get32(b)) == 0) {
			feed_reject(cx, "bad A record");
			return;
		}
	} else {
		char txt[RBL_TXT_MAX * 2 + 4];
		const char *why = "bad TXT record";
		int n;

		if (nt == i + 1) {
			feed_reject(cx, "TXT record without text");
			return;
		}
		if ((n = axfr_txt(t + i + 1, nt - i - 1, txt, sizeof(txt),
		    &why)) < 0) {
			feed_reject(cx, why);
			return;
		}
		rr.has_txt = true;
		if (n > 0 && rbldnsd_txt_intern(cx->d, txt, &rr.txt) == -1)
			return;
	}
	axfr_push(cx, &rr);
}

static bool
same_prefix(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->addr, b->addr, 16) == 0;
}

static int
axfr_cmp(const void *x, const void *y)
{
	const struct axfr_rr *a = x, *b = y;
	int r;

	if (a->p.family != b->p.family)
		return a->p.family < b->p.family ? -1 : 1;
	if ((r = memcmp(a->p.addr, b->p.addr, 16)) != 0)
		return r;
	if (a->p.len != b->p.len)
		return a->p.len < b->p.len ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/*
 * A name's A and TXT records make one entry: the first of each wins, as
 * an entry holds one A. A name with only a TXT gets the source's A.
 */
static void
axfr_finish(struct feed_ctx *cx)
{
	size_t i, j;

	if (cx->nrrs > 0)
		qsort(cx->rrs, cx->nrrs, sizeof(*cx->rrs), axfr_cmp);
	for (i = 0; i < cx->nrrs; i = j) {
		uint32_t a = 0, txt = RBL_NO_TXT, line = cx->rrs[i].line;
		bool has_txt = false;

		for (j = i; j < cx->nrrs &&
		    same_prefix(&cx->rrs[j].p, &cx->rrs[i].p); j++) {
			if (a == 0)
				a = cx->rrs[j].a;
			if (!has_txt && cx->rrs[j].has_txt) {
				has_txt = true;
				txt = cx->rrs[j].txt;
			}
		}
		feed_add(cx, &cx->rrs[i].p, a != 0 ? a : cx->def_a, txt, line);
	}
	free(cx->rrs);
	cx->rrs = NULL;
	cx->nrrs = cx->caprrs = 0;
}

/* ---- the whole download ---- */

/*
 * The reason goes to logs and the source's status as one line, and may
 * quote the download (jansson's "near '...'"): no control bytes in it.
 */
static int
feed_fail(char *err)
{
	for (; *err != '\0'; err++)
		if ((unsigned char)*err < 0x20 || *err == 0x7f)
			*err = '?';
	errno = EINVAL;
	return -1;
}

/* Memory ran out: D holds only part of the list, which is not refused. */
static int
feed_nomem(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	errno = ENOMEM;
	return -1;
}

/* A line too long to copy: a comment is still only a comment. */
static bool
feed_is_comment(enum feed_format f, const char *s, size_t n)
{
	const char *cc = feed_comment_chars(f);
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return true;
	if (strchr(cc, s[i]) == NULL)
		return false;
	/* rbldnsd reads "#$" and ";$" as specials. */
	return f != FEED_RBLDNSD || i + 1 >= n || s[i + 1] != '$';
}

static void
feed_line(struct feed_ctx *cx, char *s)
{
	switch (cx->format) {
	case FEED_PLAIN:
	case FEED_SPAMHAUS:
	case FEED_NETSET:
		feed_line_simple(cx, s);
		break;
	case FEED_DSHIELD:
		feed_line_dshield(cx, s);
		break;
	case FEED_SPAMHAUS_JSON:
		feed_line_json(cx, s);
		break;
	case FEED_RBLDNSD:
		feed_line_rbldnsd(cx, s);
		break;
	case FEED_AXFR:
		feed_line_axfr(cx, s);
		break;
	}
}

int
feed_parse(enum feed_format format, const char *buf, size_t len,
    const char *zone, const struct feed_policy *policy, struct rbl_data *d,
    struct feed_counts *counts, char *err, size_t errlen)
{
	struct feed_ctx cx;
	const char *p = buf, *end = buf + len;
	char line[RBL_LINE_MAX + 1];
	struct feed_counts *c = counts;

	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	if (format < FEED_PLAIN || format > FEED_AXFR) {
		snprintf(err, errlen, "unknown feed format %d", (int)format);
		return feed_fail(err);
	}
	if (d->nomem)
		return feed_nomem(err, errlen);
	memset(&cx, 0, sizeof(cx));
	cx.format = format;
	cx.pol = policy;
	cx.d = d;
	cx.c = c;
	rbldnsd_default(d, &cx.def_a, &cx.def_txt);
	if (format == FEED_AXFR) {
		size_t zl = zone != NULL ? strlen(zone) : 0;

		if (zl > 0 && zone[zl - 1] == '.')
			zl--;
		if (zl == 0) {
			snprintf(err, errlen, "axfr format needs a zone name");
			return feed_fail(err);
		}
		if (zl >= sizeof(cx.zone)) {
			snprintf(err, errlen, "zone name too long");
			return feed_fail(err);
		}
		memcpy(cx.zone, zone, zl);
		cx.zone[zl] = '\0';
		cx.zonelen = zl;
	}

	if (feed_not_text(buf, len, err, errlen) == -1)
		return feed_fail(err);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end && !d->nomem) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);

		cx.lineno++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > RBL_LINE_MAX) {
			if (!feed_is_comment(format, p, n)) {
				c->lines++;
				feed_reject(&cx, "line too long");
			}
		} else {
			memcpy(line, p, n);
			line[n] = '\0';
			feed_line(&cx, line);
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (format == FEED_AXFR)
		axfr_finish(&cx);	/* a name's A and TXT may be far apart */
	if (d->nomem)
		return feed_nomem(err, errlen);

	if (c->lines >= FEED_MIN_LINES && c->rejected > c->accepted) {
		snprintf(err, errlen, "mostly unparseable as %s: %zu of "
		    "%zu data lines rejected (line %u: %s)",
		    feed_format_name(format), c->rejected, c->lines,
		    cx.why_line, cx.why);
		return feed_fail(err);
	}
	if (c->accepted == 0) {
		if (c->rejected > 0)
			snprintf(err, errlen, "unparseable as %s: no entry "
			    "in %zu data lines (line %u: %s)",
			    feed_format_name(format), c->lines, cx.why_line,
			    cx.why);
		else if (c->broad + c->special > 0)
			snprintf(err, errlen, "no entries left: %zu too "
			    "broad, %zu special-use", c->broad, c->special);
		else if (format == FEED_AXFR)
			snprintf(err, errlen, "empty: no A or TXT records "
			    "below %.200s", cx.zone);
		else
			snprintf(err, errlen, "empty: no entries as %s",
			    feed_format_name(format));
		return feed_fail(err);
	}
	return 0;
}
