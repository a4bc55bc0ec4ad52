/* SPDX-License-Identifier: BSD-2-Clause */
/* Who lists an IP: the answers DNS gives, for rbldctl lookup and the API. */
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

void
lookup_normalize(struct prefix *ip)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	if (ip->family == 6 && ip->len == 128 &&
	    memcmp(ip->addr, mapped, 12) == 0) {
		memmove(ip->addr, ip->addr + 12, 4);
		memset(ip->addr + 4, 0, 12);
		ip->family = 4;
		ip->len = 32;
	}
}

/* One address in one zone, as dns.c's lookup_sources; FN per answer.
 * Returns the answers made, -1 when FN stopped the walk, or -2 when the
 * database could not be read. */
static int
zone_hits(const struct conf *conf, const struct dns_zone *dz, int z,
    struct store_reader *rd, int family, const uint8_t *addr, uint32_t now,
    struct lookup_answer *ans,
    int (*fn)(void *arg, const struct lookup_answer *), void *arg)
{
	const struct conf_zone *cz = &conf->zones[z];
	struct store_hit hits[DNS_MAX_SOURCES];
	char iptext[IPADDR_STRLEN];
	int n = 0;

	if (store_lookup(rd, family, addr, dz->srcids, dz->nsrc, now,
	    hits) != 0)
		return -2;
	ipaddr_ntop(family, addr, iptext, sizeof(iptext));
	for (int i = 0; i < dz->nsrc; i++) {
		const char *t;
		size_t tl, len = 0;

		if (!hits[i].listed)
			continue;
		memset(ans, 0, sizeof(*ans));
		ans->zone = z;
		ans->source = cz->sources[i];
		ans->a = hits[i].a;
		if (hits[i].txt != RBL_NO_TXT &&
		    store_text(rd, hits[i].txt, &t, &tl) == 0) {
			/* As in DNS: a TXT that expands to nothing is none. */
			len = rbldnsd_expand(t, tl, iptext, ans->txt);
			ans->has_txt = len > 0;
			snprintf(ans->tmpl, sizeof(ans->tmpl), "%.*s", (int)tl, t);
		}
		ans->txt[len] = '\0';
		n++;
		if (fn(arg, ans) != 0)
			return -1;
	}
	return n;
}

static bool
is_v4(const uint8_t *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	return a[0] == b0 && a[1] == b1 && a[2] == b2 && a[3] == b3;
}

int
lookup_ip(const struct conf *conf, const struct dns_view *view,
    struct store *st, const struct prefix *ip, uint32_t now,
    enum lookup_never *never,
    int (*fn)(void *arg, const struct lookup_answer *), void *arg)
{
	struct store_reader *rd;
	int n;

	if ((rd = store_reader_new(st)) == NULL || store_reader_begin(rd) != 0) {
		store_reader_free(rd);
		return -1;
	}
	n = lookup_ip_reader(conf, view, rd, ip, now, never, fn, arg);
	store_reader_end(rd);
	store_reader_free(rd);
	return n;
}

int
lookup_ip_reader(const struct conf *conf, const struct dns_view *view,
    struct store_reader *rd, const struct prefix *ip, uint32_t now,
    enum lookup_never *never,
    int (*fn)(void *arg, const struct lookup_answer *), void *arg)
{
	struct lookup_answer *ans;
	uint8_t v4[4];
	bool do6 = false, do4 = false, tp = false;
	int n = 0;

	/* The same steps as dns_answer(): an IPv6 address, then for 6to4
	 * (2002::/16) its embedded IPv4 address too. */
	*never = LOOKUP_LISTABLE;
	if (ip->family == 6) {
		do6 = !dns_allowed(view, 6, ip->addr);
		if (ip->addr[0] == 0x20 && ip->addr[1] == 0x02) {
			memcpy(v4, ip->addr + 2, 4);
			do4 = true;
		}
		if (!do6 && !do4)
			*never = LOOKUP_ALLOWED;
	} else {
		memcpy(v4, ip->addr, 4);
		do4 = true;
	}
	if (do4) {
		tp = is_v4(v4, 127, 0, 0, 2);
		if (is_v4(v4, 127, 0, 0, 1)) {
			do4 = false;
			if (ip->family == 4)
				*never = LOOKUP_LOOPBACK;
		} else if (!tp && dns_allowed(view, 4, v4)) {
			do4 = false;
			if (ip->family == 4 || !do6)
				*never = LOOKUP_ALLOWED;
		}
	}
	if (!do6 && !do4)
		return 0;
	if ((ans = malloc(sizeof(*ans))) == NULL)
		return -1;
	for (int z = 0; z < view->nzones && z < conf->nzones; z++) {
		const struct dns_zone *dz = &view->zones[z];
		int k6 = 0, k4 = 0;

		if (do6 && (k6 = zone_hits(conf, dz, z, rd, 6, ip->addr, now,
		    ans, fn, arg)) < 0) {
			if (k6 == -2)
				n = -1;
			goto out;
		}
		if (do4 && (k4 = zone_hits(conf, dz, z, rd, 4, v4, now, ans,
		    fn, arg)) < 0) {
			if (k4 == -2)
				n = -1;
			goto out;
		}
		n += k6 + k4;
		if (tp && k6 + k4 == 0 && dz->nsrc > 0) {
			/* RFC 5782: 127.0.0.2 answers even when no source
			 * lists it, with the first source's values. */
			memset(ans, 0, sizeof(*ans));
			ans->zone = z;
			ans->source = -1;
			ans->a = dz->src_a[0];
			if (dz->src_txt[0] != NULL) {
				size_t len = rbldnsd_expand(dz->src_txt[0],
				    strlen(dz->src_txt[0]), "127.0.0.2",
				    ans->txt);

				ans->txt[len] = '\0';
				ans->has_txt = len > 0;
				snprintf(ans->tmpl, sizeof(ans->tmpl), "%s",
				    dz->src_txt[0]);
			}
			n++;
			if (fn(arg, ans) != 0)
				goto out;
		}
	}
out:
	free(ans);
	return n;
}

const char *
lookup_origin_name(enum store_origin o)
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
