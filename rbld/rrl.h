/* SPDX-License-Identifier: BSD-2-Clause */
/* Response rate limiting: answers per second per client network, one table per DNS worker. */
#ifndef RBLD_RRL_H
#define RBLD_RRL_H

#include <stdbool.h>
#include <stdint.h>

#include "ipaddr.h"

struct sockaddr;

#define RRL_BUCKETS	4096	/* networks tracked per worker */

/* What becomes of one answer. */
enum rrl_verdict {
	RRL_SEND,		/* within the rate */
	RRL_SLIP,		/* over it: sent truncated, to ask over TCP */
	RRL_DROP,		/* over it: not sent */
};

struct rrl_settings {
	unsigned	 rate;		/* answers a second; 0: no limit */
	unsigned	 slip;		/* every Nth limited one slips; 0 none */
	unsigned	 prefix4, prefix6;
	int		 nexempt;
	const struct prefix *exempt;
};

struct rrl_bucket {
	struct prefix	 net;
	uint32_t	 second;	/* the second counted */
	uint32_t	 count;		/* answers in it */
	uint32_t	 limited;	/* over the rate, ever (for slip) */
	uint32_t	 logged;	/* the minute last logged */
};

/* One worker's table: written by that worker alone, so no lock. */
struct rrl {
	struct rrl_bucket b[RRL_BUCKETS];
};

/*
 * An answer to CLIENT at NOW (seconds): whether it goes out, slips (TC)
 * or is dropped under S. A network over its rate is logged once a minute
 * at most (LOGGED says it was logged now, for tests).
 */
enum rrl_verdict rrl_check(struct rrl *, const struct rrl_settings *s,
		    const struct sockaddr *client, uint32_t now, bool *logged);

#endif
