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

int
lookup_ip(const struct conf *conf, const struct dns_view *view,
    struct store *st, const struct prefix *ip, uint32_t now,
    enum lookup_never *never,
    int (*fn)(void *arg, const struct lookup_answer *), void *arg)
{
	struct store_reader *rd;
	struct lookup_answer *ans;
	char iptext[IPADDR_STRLEN];
	bool tp = ip->family == 4 && ipaddr_v4(ip) == 0x7f000002;
	int n = 0;

	*never = LOOKUP_LISTABLE;
	if (ip->family == 4 && ipaddr_v4(ip) == 0x7f000001) {
		*never = LOOKUP_LOOPBACK;
		return 0;
	}
	if (!tp && dns_allowed(view, ip->family, ip->addr)) {
		*never = LOOKUP_ALLOWED;
		return 0;
	}
	ipaddr_ntop(ip->family, ip->addr, iptext, sizeof(iptext));
	if ((ans = malloc(sizeof(*ans))) == NULL)
		return -1;
	if ((rd = store_reader_new(st)) == NULL || store_reader_begin(rd) != 0) {
		store_reader_free(rd);
		free(ans);
		return -1;
	}
	for (int z = 0; z < view->nzones && z < conf->nzones; z++) {
		const struct dns_zone *dz = &view->zones[z];
		const struct conf_zone *cz = &conf->zones[z];
		struct store_hit hits[DNS_MAX_SOURCES];
		bool zany = false;

		if (store_lookup(rd, ip->family, ip->addr, dz->srcids, dz->nsrc,
		    now, hits) != 0)
			continue;
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
				len = rbldnsd_expand(t, tl, iptext, ans->txt);
				ans->has_txt = true;
			}
			ans->txt[len] = '\0';
			n++;
			zany = true;
			if (fn(arg, ans) != 0)
				goto out;
		}
		if (tp && !zany) {
			/* RFC 5782: 127.0.0.2 answers even when no source
			 * lists it, with the first source's values. */
			memset(ans, 0, sizeof(*ans));
			ans->zone = z;
			ans->source = -1;
			ans->a = dz->src_a[0];
			if (dz->src_txt[0] != NULL) {
				size_t len = rbldnsd_expand(dz->src_txt[0],
				    strlen(dz->src_txt[0]), iptext, ans->txt);

				ans->txt[len] = '\0';
				ans->has_txt = true;
			}
			n++;
			if (fn(arg, ans) != 0)
				goto out;
		}
	}
out:
	store_reader_end(rd);
	store_reader_free(rd);
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
