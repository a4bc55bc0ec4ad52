/* SPDX-License-Identifier: BSD-2-Clause */
/* Response rate limiting: answers per second per client network, one table per DNS worker. */
#include <string.h>

#include "hash.h"
#include "log.h"
#include "rrl.h"

enum rrl_verdict
rrl_check(struct rrl *r, const struct rrl_settings *s,
    const struct sockaddr *client, uint32_t now, bool *logged)
{
	struct rrl_bucket *b;
	struct prefix net;
	char text[IPADDR_STRLEN];

	*logged = false;
	if (s->rate == 0 || ipaddr_from_sockaddr(client, &net) != 0)
		return RRL_SEND;
	for (int i = 0; i < s->nexempt; i++)
		if (ipaddr_contains(&s->exempt[i], &net))
			return RRL_SEND;
	net.len = (uint8_t)(net.family == 4 ? s->prefix4 : s->prefix6);
	ipaddr_mask(&net);
	b = &r->b[hash_bytes(HASH_INIT, &net, sizeof(net)) % RRL_BUCKETS];
	if (b->net.family != net.family || b->net.len != net.len ||
	    memcmp(b->net.addr, net.addr, sizeof(net.addr)) != 0) {
		/* Another network had the bucket: it starts over. */
		memset(b, 0, sizeof(*b));
		b->net = net;
	}
	if (b->second != now) {
		b->second = now;
		b->count = 0;
	}
	if (++b->count <= s->rate)
		return RRL_SEND;
	b->limited++;
	if (b->logged != now / 60 + 1) {
		b->logged = now / 60 + 1;
		*logged = true;
		ipaddr_format(&net, false, text, sizeof(text));
		log_warnx("rrl: %s: more than %u answers a second; every %u%s "
		    "over it goes out truncated, the rest are dropped "
		    "(logged once a minute)", text, s->rate, s->slip,
		    s->slip == 1 ? "st" : s->slip == 2 ? "nd" : s->slip == 3 ?
		    "rd" : "th");
	}
	return s->slip > 0 && b->limited % s->slip == 0 ? RRL_SLIP : RRL_DROP;
}
