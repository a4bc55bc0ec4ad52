/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4/IPv6 addresses and prefixes: parse, print, mask, split ranges into CIDRs. */
#ifndef RBLD_IPADDR_H
#define RBLD_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPADDR_STRLEN	48	/* longest printed prefix: IPv6 text + "/128" + NUL */

/* A network prefix. family is 4 or 6; addr holds 4 or 16 bytes in network
 * order, with every bit past len zero. */
struct prefix {
	uint8_t	family;
	uint8_t	len;
	uint8_t	addr[16];
};

/* Bytes of address for a family: 4 or 16. */
static inline int
ipaddr_bytes(int family)
{
	return family == 4 ? 4 : 16;
}

/* Parse an address ("192.0.2.1", "2001:db8::1") into a full-length prefix.
 * Returns 0, or -1 if S is not exactly one address. */
int	ipaddr_parse_addr(const char *s, struct prefix *out);

/*
 * Parse a strict prefix: an address, or address/len. Host bits past len are
 * an error. Returns 0, or -1 (errno EINVAL) with the reason in ERR (ERRLEN
 * may be 0).
 */
int	ipaddr_parse_prefix(const char *s, struct prefix *out, char *err,
	    size_t errlen);

/* Zero the bits of P->addr past P->len. */
void	ipaddr_mask(struct prefix *p);

/*
 * The prefix as rbld keeps and asks it: an IPv4-mapped prefix
 * (::ffff:0:0/96 or longer) becomes the IPv4 prefix it maps, LEN - 96
 * bits long, since lookups ask the IPv4 data about those addresses. Any
 * other prefix is left as it is.
 */
void	ipaddr_canonical(struct prefix *p);

/* The address of socket address SA (AF_INET, AF_INET6; a mapped IPv6
 * address is the IPv4 one) as a full-length prefix: 0, or -1 for another
 * family. */
struct sockaddr;
int	ipaddr_from_sockaddr(const struct sockaddr *sa, struct prefix *out);

/* True if A contains B (same family, A->len <= B->len, B inside A). */
bool	ipaddr_contains(const struct prefix *a, const struct prefix *b);

/*
 * If P lies inside a range that never sends mail (0.0.0.0/8, 127.0.0.0/8
 * but the test point 127.0.0.2, multicast, 240.0.0.0/4 with the broadcast
 * address, ::, ::1, ff00::/8), that range as text with what it is, e.g.
 * "224.0.0.0/4 (multicast)"; else NULL. Private and documentation ranges
 * are not in it: admins list their own networks, and tests use them.
 */
const char *ipaddr_never_client(const struct prefix *p);

/* The client socket address SA stands for, as a prefix: an IPv4 address
 * (a mapped one too) whole, an IPv6 address cut to its /64, since one
 * client holds a /64 and rotating addresses in it changes nothing. 0, or
 * -1 for another family. */
int	ipaddr_client_net(const struct sockaddr *sa, struct prefix *out);

/* Print an address of FAMILY as text (RFC 5952 for IPv6) into BUF (>= IPADDR_STRLEN). */
void	ipaddr_ntop(int family, const uint8_t *addr, char *buf, size_t len);

/* Print "addr/len" (or just addr when FULL_AS_ADDR and len is the full length). */
void	ipaddr_format(const struct prefix *p, bool full_as_addr, char *buf, size_t len);

/*
 * Cover the inclusive IPv4 range LO..HI (host order) with the fewest CIDR
 * prefixes, calling FN for each in ascending order; stops and returns FN's
 * value if it is not 0.
 */
int	ipaddr_range4(uint32_t lo, uint32_t hi,
	    int (*fn)(void *arg, const struct prefix *), void *arg);

/* Host-order IPv4 value of a family-4 prefix address, and back. */
uint32_t ipaddr_v4(const struct prefix *p);
void	 ipaddr_set_v4(struct prefix *p, uint32_t v4, int len);

#endif
