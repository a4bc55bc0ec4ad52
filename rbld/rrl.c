/* SPDX-License-Identifier: BSD-2-Clause */
/* Response rate limiting: answers per second per client network, one table per DNS worker. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "log.h"
#include "rrl.h"

/* The network of CLIENT under S as a bucket key; false when CLIENT is in
 * an exempt network (or is no address at all). Done on every UDP answer:
 * IPv4 (and mapped IPv6) in 32-bit arithmetic, no copy of a prefix. */
static bool
network_of(const struct rrl_settings *s, const struct sockaddr *client,
    struct prefix *net)
{
	const uint8_t *a6;
	uint32_t a;

	if (client->sa_family == AF_INET) {
		a = ntohl(((const struct sockaddr_in *)client)->sin_addr.s_addr);
		goto v4;
	}
	if (client->sa_family != AF_INET6)
		return false;
	a6 = ((const struct sockaddr_in6 *)client)->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a6)) {
		a = (uint32_t)a6[12] << 24 | (uint32_t)a6[13] << 16 |
		    (uint32_t)a6[14] << 8 | a6[15];
		goto v4;
	}
	memset(net, 0, sizeof(*net));
	net->family = 6;
	net->len = 128;
	memcpy(net->addr, a6, 16);
	for (int i = 0; i < s->nexempt; i++)
		if (s->exempt[i].family == 6 && ipaddr_contains(&s->exempt[i],
		    net))
			return false;
	net->len = (uint8_t)s->prefix6;
	ipaddr_mask(net);
	return true;
v4:
	for (int i = 0; i < s->nexempt; i++) {
		const struct prefix *e = &s->exempt[i];
		uint32_t m = e->len == 0 ? 0 : ~0u << (32 - e->len);

		if (e->family == 4 && (a & m) == ((uint32_t)e->addr[0] << 24 |
		    (uint32_t)e->addr[1] << 16 | (uint32_t)e->addr[2] << 8 |
		    e->addr[3]))
			return false;
	}
	a &= ~0u << (32 - s->prefix4);
	memset(net, 0, sizeof(*net));
	net->family = 4;
	net->len = (uint8_t)s->prefix4;
	net->addr[0] = (uint8_t)(a >> 24);
	net->addr[1] = (uint8_t)(a >> 16);
	net->addr[2] = (uint8_t)(a >> 8);
	net->addr[3] = (uint8_t)a;
	return true;
}

/* A bucket for NET: a multiplicative hash of its address's words. */
static unsigned
bucket_of(const struct prefix *net)
{
	uint32_t h = net->family;

	for (int i = 0; i < (net->family == 4 ? 4 : 16); i += 4)
		h = (h ^ ((uint32_t)net->addr[i] << 24 |
		    (uint32_t)net->addr[i + 1] << 16 |
		    (uint32_t)net->addr[i + 2] << 8 | net->addr[i + 3])) *
		    2654435761u;
	return (h >> 16) % RRL_BUCKETS;
}

enum rrl_verdict
rrl_check(struct rrl *r, const struct rrl_settings *s,
    const struct sockaddr *client, uint32_t now, bool *logged)
{
	struct rrl_bucket *b;
	struct prefix net;
	char text[IPADDR_STRLEN];

	*logged = false;
	if (s->rate == 0 || !network_of(s, client, &net))
		return RRL_SEND;
	b = &r->b[bucket_of(&net)];
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
