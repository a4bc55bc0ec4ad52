/* SPDX-License-Identifier: BSD-2-Clause */
/* Which answers of an upstream DNS list count: Postfix's d.d.d.d filter syntax. */
#ifndef RBLD_MATCH_H
#define RBLD_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A filter on IPv4 answers, as Postfix writes one after "zone=" in
 * reject_rbl_client and postscreen_dnsbl_sites: four dot-separated octets,
 * each a number, or a bracketed list of numbers and ranges separated by
 * ";" ("127.0.0.[2..11]", "127.0.[0..255].[1..3]", "127.0.0.[2;4;10..11]").
 * Held as one bit per value per octet, so a test is four bit lookups.
 */
struct match {
	uint64_t	bits[4][4];	/* octet, value / 64: bit value % 64 */
};

/* What upstream lists mean by "listed": 127.0.0.2 to 127.0.0.254, so the
 * error codes some lists answer with (Spamhaus's 127.255.255.x) never
 * count. */
#define MATCH_DNSBL_DEFAULT	"127.0.0.[2..254]"

/* Parse S into M: 0, or -1 with why not in WHY. */
int	match_parse(const char *s, struct match *m, char *why, size_t whylen);

/* Does the answer A (4 bytes, network order) pass M? */
static inline bool
match_test(const struct match *m, const uint8_t a[4])
{
	for (int i = 0; i < 4; i++)
		if (!(m->bits[i][a[i] >> 6] >> (a[i] & 63) & 1))
			return false;
	return true;
}

#endif
