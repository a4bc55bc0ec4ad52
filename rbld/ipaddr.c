/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4/IPv6 addresses and prefixes: parse, print, mask, split ranges into CIDRs. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipaddr.h"
#include "wire.h"

uint32_t
ipaddr_v4(const struct prefix *p)
{
	return wire_get32(p->addr);
}

void
ipaddr_set_v4(struct prefix *p, uint32_t v4, int len)
{
	memset(p, 0, sizeof(*p));
	p->family = 4;
	p->len = (uint8_t)len;
	wire_set32(p->addr, v4);
}

void
ipaddr_mask(struct prefix *p)
{
	int nbytes = ipaddr_bytes(p->family);
	int i;

	for (i = 0; i < 16; i++) {
		int bits = (int)p->len - i * 8;

		if (i >= nbytes || bits <= 0)
			p->addr[i] = 0;
		else if (bits < 8)
			p->addr[i] &= (uint8_t)(0xff00 >> bits);
	}
}

/* ::ffff:0:0/96, the IPv4-mapped addresses (RFC 4291, 2.5.5.2). */
static const uint8_t mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

void
ipaddr_canonical(struct prefix *p)
{
	if (p->family != 6 || p->len < 96 ||
	    memcmp(p->addr, mapped_prefix, sizeof(mapped_prefix)) != 0)
		return;
	memmove(p->addr, p->addr + 12, 4);
	memset(p->addr + 4, 0, 12);
	p->family = 4;
	p->len = (uint8_t)(p->len - 96);
}

bool
ipaddr_contains(const struct prefix *a, const struct prefix *b)
{
	struct prefix t;

	if (a->family != b->family || a->len > b->len)
		return false;
	t = *b;
	t.len = a->len;
	ipaddr_mask(&t);
	return memcmp(t.addr, a->addr, 16) == 0;
}

int
ipaddr_parse_addr(const char *s, struct prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, out->addr) != 1)
			return -1;
		out->family = 6;
		out->len = 128;
		return 0;
	}
	/* inet_pton(AF_INET) is strict dotted quad: no "1.2.3", no octal. */
	if (inet_pton(AF_INET, s, out->addr) != 1)
		return -1;
	out->family = 4;
	out->len = 32;
	return 0;
}

/* Why S is not a prefix, into ERR; -1, errno EINVAL. */
static int
bad_prefix(char *err, size_t errlen, const char *why)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s", why);
	errno = EINVAL;
	return -1;
}

int
ipaddr_parse_prefix(const char *s, struct prefix *out, char *err,
    size_t errlen)
{
	char buf[IPADDR_STRLEN + 8];
	const char *slash = strchr(s, '/');
	struct prefix masked;
	size_t alen;
	long len;
	char *end;

	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf)) {
		return bad_prefix(err, errlen, "not an IP address");
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (ipaddr_parse_addr(buf, out) == -1) {
		return bad_prefix(err, errlen, "not an IP address");
	}
	if (slash == NULL)
		return 0;
	if (slash[1] < '0' || slash[1] > '9') {
		return bad_prefix(err, errlen, "bad prefix length");
	}
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len < 0 || len > (out->family == 4 ? 32 : 128) ||
	    end - (slash + 1) > 3) {
		return bad_prefix(err, errlen, "bad prefix length");
	}
	out->len = (uint8_t)len;
	masked = *out;
	ipaddr_mask(&masked);
	if (memcmp(masked.addr, out->addr, 16) != 0) {
		return bad_prefix(err, errlen,
		    "host bits set past the prefix length");
	}
	return 0;
}

/*
 * IPv6 as RFC 5952 says (lowercase, no leading zeros, the longest run of two
 * or more zero words as "::", the first on a tie) but never with a dotted
 * quad tail: rbldnsd prints ::ffff:1.2.3.4 as ::ffff:102:304 and TXT answers
 * must match it.
 */
static void
ipaddr_ntop6(const uint8_t *a, char *buf, size_t len)
{
	int best = -1, bestlen = 1, run = 0, i;
	size_t n = 0;

	for (i = 0; i < 8; i++) {
		if (a[2 * i] == 0 && a[2 * i + 1] == 0) {
			run++;
			if (run > bestlen) {
				bestlen = run;
				best = i - run + 1;
			}
		} else
			run = 0;
	}
	for (i = 0; i < 8 && n < len; i++) {
		if (i == best) {
			n += (size_t)snprintf(buf + n, len - n, "::");
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen && n < len)
			n += (size_t)snprintf(buf + n, len - n, ":");
		else if (i > 0 && best < 0 && n < len)
			n += (size_t)snprintf(buf + n, len - n, ":");
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%x",
			    wire_get16(a + 2 * i));
	}
	if (n >= len && len > 0)
		buf[len - 1] = '\0';
}

void
ipaddr_ntop(int family, const uint8_t *addr, char *buf, size_t len)
{
	if (family == 6) {
		ipaddr_ntop6(addr, buf, len);
		return;
	}
	snprintf(buf, len, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
}

void
ipaddr_format(const struct prefix *p, bool full_as_addr, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	ipaddr_ntop(p->family, p->addr, a, sizeof(a));
	if (full_as_addr && p->len == (p->family == 4 ? 32 : 128))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->len);
}

int
ipaddr_range4(uint32_t lo, uint32_t hi,
    int (*fn)(void *arg, const struct prefix *), void *arg)
{
	struct prefix p;
	int r;

	while (lo <= hi) {
		/* Largest aligned block at lo that does not pass hi. */
		int len = 32;
		uint64_t size = 1;

		while (len > 0) {
			uint64_t next = size << 1;

			if ((lo & (uint32_t)(next - 1)) != 0 ||
			    (uint64_t)lo + next - 1 > hi)
				break;
			size = next;
			len--;
		}
		ipaddr_set_v4(&p, lo, len);
		if ((r = fn(arg, &p)) != 0)
			return r;
		if ((uint64_t)lo + size > 0xffffffffu)
			break;
		lo += (uint32_t)size;
	}
	return 0;
}

int
ipaddr_from_sockaddr(const struct sockaddr *sa, struct prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		out->family = 4;
		out->len = 32;
		memcpy(out->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		out->family = 6;
		out->len = 128;
		memcpy(out->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    16);
		ipaddr_canonical(out);
	} else
		return -1;
	return 0;
}

const char *
ipaddr_never_client(const struct prefix *p)
{
	static const struct {
		const char	*text;
		struct prefix	 p;
	} never[] = {
		{ "0.0.0.0/8 (this network)", { 4, 8, { 0 } } },
		{ "127.0.0.0/8 (loopback)", { 4, 8, { 127 } } },
		{ "224.0.0.0/4 (multicast)", { 4, 4, { 224 } } },
		{ "240.0.0.0/4 (reserved, and the broadcast address)",
		    { 4, 4, { 240 } } },
		{ ":: (unspecified)", { 6, 128, { 0 } } },
		{ "::1 (loopback)", { 6, 128, { [15] = 1 } } },
		{ "ff00::/8 (multicast)", { 6, 8, { 0xff } } },
	};
	struct prefix q = *p;

	ipaddr_canonical(&q);
	/* The RFC 5782 test point, which every DNSBL lists. */
	if (q.family == 4 && q.len == 32 && q.addr[0] == 127 &&
	    q.addr[1] == 0 && q.addr[2] == 0 && q.addr[3] == 2)
		return NULL;
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (ipaddr_contains(&never[i].p, &q))
			return never[i].text;
	return NULL;
}

int
ipaddr_client_net(const struct sockaddr *sa, struct prefix *out)
{
	if (ipaddr_from_sockaddr(sa, out) != 0)
		return -1;
	if (out->family == 6) {
		out->len = 64;
		ipaddr_mask(out);
	}
	return 0;
}
