/* SPDX-License-Identifier: BSD-2-Clause */
/* TSIG (RFC 8945): sign a query, verify every message of a zone transfer. */
#ifndef RBLD_TSIG_H
#define RBLD_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TSIG_MAC_MAX		64	/* HMAC-SHA512 */
#define TSIG_FUDGE		300	/* seconds of clock difference allowed */
#define TSIG_MAX_UNSIGNED	99	/* RFC 8945 5.3.1 */

enum tsig_alg {
	TSIG_HMAC_SHA1 = 1,
	TSIG_HMAC_SHA256,
	TSIG_HMAC_SHA512,
};

struct tsig_key {
	enum tsig_alg	alg;
	uint8_t		name[256];	/* wire form, lowercase */
	size_t		namelen;
	uint8_t		secret[128];
	size_t		secretlen;
};

/*
 * "hmac-sha256:NAME:BASE64SECRET" -> KEY. Returns 0, or -1 (errno EINVAL)
 * with a message in ERR.
 */
int	tsig_key_parse(const char *spec, struct tsig_key *key, char *err,
	    size_t errlen);

/*
 * One signed exchange. A query is signed with no prior MAC; the answers are
 * verified with the query's MAC. Multi-message answers (AXFR) may leave up
 * to 99 messages unsigned between signed ones; those count towards the next
 * signature, as RFC 8945 says.
 */
struct tsig_ctx {
	const struct tsig_key *key;
	uint8_t		 prior[TSIG_MAC_MAX];
	size_t		 priorlen;	/* 0: none (a query) */
	bool		 first;		/* the next signature covers all variables */
	int		 nunsigned;	/* messages since the last signature */
	void		*pending;	/* those messages, for the next digest */
	size_t		 pendlen, pendcap;
};

void	tsig_start(struct tsig_ctx *, const struct tsig_key *key,
	    const uint8_t *prior_mac, size_t priorlen);
void	tsig_end(struct tsig_ctx *);

/*
 * Sign message MSG (LEN bytes, buffer of MAX) at time NOW: appends a TSIG
 * record and counts it in ARCOUNT. Returns the new length, or -1 (errno
 * EINVAL) if MSG is shorter than a header or the record does not fit. The
 * MAC becomes the prior MAC of what follows (tsig_mac).
 */
ssize_t	tsig_sign(struct tsig_ctx *, uint8_t *msg, size_t len, size_t max,
	    uint64_t now);
/* A message sent unsigned after a signed one (for signers of AXFR); 0, or
 * -1 (errno ENOMEM). */
int	tsig_skip(struct tsig_ctx *, const uint8_t *msg, size_t len);
/* The last MAC made or verified. */
const uint8_t *tsig_mac(const struct tsig_ctx *, size_t *len);

/*
 * Verify one received message: 0 when it carries a good signature
 * (*IS_SIGNED true) or is unsigned and may be (false; it then counts
 * towards the next signature), or -1 with the reason in ERR and errno
 * EINVAL for every message refused: a malformed one, a bad or missing
 * signature, another key or algorithm, a time outside the fudge, a TSIG
 * error from the server, or too many unsigned messages; ENOMEM when an
 * unsigned message cannot be kept for the next signature.
 */
int	tsig_verify(struct tsig_ctx *, const uint8_t *msg, size_t len,
	    uint64_t now, bool *is_signed, char *err, size_t errlen);

#endif
