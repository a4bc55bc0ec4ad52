/* SPDX-License-Identifier: BSD-2-Clause */
/* TSIG (RFC 8945): sign a query, verify every message of a zone transfer. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/sha1.h>
#include <ldns/sha2.h>
#include <ldns/ldns.h>
#include <strings.h>

#include "tsig.h"
#include "wire.h"

/*
 * ldns can sign a query but checks only one-message answers, and neither
 * the time nor the algorithm: a zone transfer is many messages, of which
 * the server may leave up to 99 in a row unsigned. So the digests are made
 * here, with HMAC over ldns's hash functions.
 */

struct hmac {
	enum tsig_alg	alg;
	union {
		ldns_sha1_ctx	s1;
		ldns_sha256_CTX	s256;
		ldns_sha512_CTX	s512;
	}		h;
	uint8_t		opad[128];
	size_t		block, out;
};

static void
h_init(struct hmac *m)
{
	switch (m->alg) {
	case TSIG_HMAC_SHA1: ldns_sha1_init(&m->h.s1); break;
	case TSIG_HMAC_SHA256: ldns_sha256_init(&m->h.s256); break;
	case TSIG_HMAC_SHA512: ldns_sha512_init(&m->h.s512); break;
	}
}

static void
h_update(struct hmac *m, const uint8_t *p, size_t n)
{
	switch (m->alg) {
	case TSIG_HMAC_SHA1: ldns_sha1_update(&m->h.s1, p, (unsigned)n); break;
	case TSIG_HMAC_SHA256: ldns_sha256_update(&m->h.s256, p, n); break;
	case TSIG_HMAC_SHA512: ldns_sha512_update(&m->h.s512, p, n); break;
	}
}

static void
h_final(struct hmac *m, uint8_t *out)
{
	switch (m->alg) {
	case TSIG_HMAC_SHA1: ldns_sha1_final(out, &m->h.s1); break;
	case TSIG_HMAC_SHA256: ldns_sha256_final(out, &m->h.s256); break;
	case TSIG_HMAC_SHA512: ldns_sha512_final(out, &m->h.s512); break;
	}
}

static size_t
alg_size(enum tsig_alg alg)
{
	return alg == TSIG_HMAC_SHA1 ? 20 : alg == TSIG_HMAC_SHA256 ? 32 : 64;
}

/* RFC 2104. */
static void
hmac_init(struct hmac *m, const struct tsig_key *k)
{
	uint8_t key[128], ipad[128];

	memset(m, 0, sizeof(*m));
	m->alg = k->alg;
	m->block = k->alg == TSIG_HMAC_SHA512 ? 128 : 64;
	m->out = alg_size(k->alg);
	memset(key, 0, sizeof(key));
	if (k->secretlen > m->block) {
		h_init(m);
		h_update(m, k->secret, k->secretlen);
		h_final(m, key);
	} else
		memcpy(key, k->secret, k->secretlen);
	for (size_t i = 0; i < m->block; i++) {
		ipad[i] = key[i] ^ 0x36;
		m->opad[i] = key[i] ^ 0x5c;
	}
	h_init(m);
	h_update(m, ipad, m->block);
}

static void
hmac_final(struct hmac *m, uint8_t *out)
{
	uint8_t inner[TSIG_MAC_MAX];

	h_final(m, inner);
	h_init(m);
	h_update(m, m->opad, m->block);
	h_update(m, inner, m->out);
	h_final(m, out);
}

static int	fail(int, char *, size_t, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

/* A refusal: its reason in ERR, its class E in errno. */
static int
fail(int e, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = e;
	return -1;
}

/* ---- keys ---- */

static const struct {
	const char	*name;
	enum tsig_alg	 alg;
} algs[] = {
	{ "hmac-sha1", TSIG_HMAC_SHA1 },
	{ "hmac-sha256", TSIG_HMAC_SHA256 },
	{ "hmac-sha512", TSIG_HMAC_SHA512 },
};

static const char *
alg_name(enum tsig_alg a)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].alg == a)
			return algs[i].name;
	return "?";
}

int
tsig_key_parse(const char *spec, struct tsig_key *k, char *err, size_t errlen)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char name[256];
	size_t i;
	int n;

	memset(k, 0, sizeof(*k));
	if (c1 == NULL || c2 == NULL || (size_t)(c2 - c1 - 1) >= sizeof(name))
		return fail(EINVAL, err, errlen,
		    "tsig takes ALGORITHM:NAME:SECRET");
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strlen(algs[i].name) == (size_t)(c1 - spec) &&
		    strncasecmp(spec, algs[i].name, (size_t)(c1 - spec)) == 0)
			break;
	if (i == sizeof(algs) / sizeof(algs[0]))
		return fail(EINVAL, err, errlen, "tsig algorithm must be "
		    "hmac-sha1, hmac-sha256 or hmac-sha512");
	k->alg = algs[i].alg;
	snprintf(name, sizeof(name), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
	if ((n = wire_name_from_text(name, k->name, sizeof(k->name))) <= 1)
		return fail(EINVAL, err, errlen, "bad tsig key name \"%s\"",
		    name);
	k->namelen = (size_t)n;
	{
		ldns_rdf *rd = NULL;

		if (ldns_str2rdf_b64(&rd, c2 + 1) != LDNS_STATUS_OK ||
		    ldns_rdf_size(rd) == 0 ||
		    ldns_rdf_size(rd) > sizeof(k->secret)) {
			ldns_rdf_deep_free(rd);
			return fail(EINVAL, err, errlen, "tsig secret is not "
			    "base64 (or longer than %zu bytes)",
			    sizeof(k->secret));
		}
		k->secretlen = ldns_rdf_size(rd);
		memcpy(k->secret, ldns_rdf_data(rd), k->secretlen);
		ldns_rdf_deep_free(rd);
	}
	return 0;
}

/* ---- exchanges ---- */

void
tsig_start(struct tsig_ctx *c, const struct tsig_key *key,
    const uint8_t *prior, size_t priorlen)
{
	memset(c, 0, sizeof(*c));
	c->key = key;
	if (priorlen > sizeof(c->prior))
		priorlen = 0;
	if (prior != NULL)
		memcpy(c->prior, prior, priorlen);
	c->priorlen = prior != NULL ? priorlen : 0;
	c->first = true;
}

void
tsig_end(struct tsig_ctx *c)
{
	free(c->pending);
	c->pending = NULL;
	c->pendlen = c->pendcap = 0;
}

const uint8_t *
tsig_mac(const struct tsig_ctx *c, size_t *len)
{
	*len = c->priorlen;
	return c->prior;
}

static int
pend(struct tsig_ctx *c, const uint8_t *msg, size_t len)
{
	if (c->pendlen + len > c->pendcap) {
		size_t cap = c->pendcap ? c->pendcap : 65536;
		void *p;

		while (cap < c->pendlen + len)
			cap *= 2;
		if ((p = realloc(c->pending, cap)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		c->pending = p;
		c->pendcap = cap;
	}
	memcpy((uint8_t *)c->pending + c->pendlen, msg, len);
	c->pendlen += len;
	return 0;
}

static const uint8_t *
alg_wire(enum tsig_alg a, size_t *len)
{
	static uint8_t w[3][32];
	static size_t wl[3];
	int i = (int)a - 1;

	/* Made once; the same bytes every time, so a race is harmless. */
	if (wl[i] == 0)
		wl[i] = (size_t)wire_name_from_text(alg_name(a), w[i],
		    sizeof(w[i]));
	*len = wl[i];
	return w[i];
}

/*
 * The digest of one signed message: the prior MAC (with its length), the
 * unsigned messages since, the message without its TSIG, and the TSIG
 * variables (all of them for the first signature, the timers after).
 */
static void
digest(struct tsig_ctx *c, const uint8_t *hdr, const uint8_t *body,
    size_t bodylen, uint64_t tsigned, unsigned fudge, unsigned error,
    const uint8_t *other, size_t otherlen, uint8_t *mac)
{
	struct hmac m;
	uint8_t b[16];

	hmac_init(&m, c->key);
	if (c->priorlen > 0) {
		wire_set16(b, (uint16_t)c->priorlen);
		h_update(&m, b, 2);
		h_update(&m, c->prior, c->priorlen);
	}
	if (c->pendlen > 0)
		h_update(&m, c->pending, c->pendlen);
	h_update(&m, hdr, WIRE_HEADER);
	h_update(&m, body, bodylen);
	if (c->first) {
		size_t al;
		const uint8_t *aw = alg_wire(c->key->alg, &al);

		h_update(&m, c->key->name, c->key->namelen);
		wire_set16(b, CLASS_ANY);
		memset(b + 2, 0, 4);	/* TTL */
		h_update(&m, b, 6);
		h_update(&m, aw, al);
		wire_set48(b, tsigned);
		wire_set16(b + 6, (uint16_t)fudge);
		wire_set16(b + 8, (uint16_t)error);
		wire_set16(b + 10, (uint16_t)otherlen);
		h_update(&m, b, 12);
		if (otherlen > 0)
			h_update(&m, other, otherlen);
	} else {
		wire_set48(b, tsigned);
		wire_set16(b + 6, (uint16_t)fudge);
		h_update(&m, b, 8);
	}
	hmac_final(&m, mac);
}

static void
signed_ok(struct tsig_ctx *c, const uint8_t *mac, size_t len)
{
	memcpy(c->prior, mac, len);
	c->priorlen = len;
	c->first = false;
	c->nunsigned = 0;
	c->pendlen = 0;
}

ssize_t
tsig_sign(struct tsig_ctx *c, uint8_t *msg, size_t len, size_t max,
    uint64_t now)
{
	const struct tsig_key *k = c->key;
	uint8_t mac[TSIG_MAC_MAX];
	size_t al, ml = alg_size(k->alg), rdlen, need;
	const uint8_t *aw = alg_wire(k->alg, &al);
	uint8_t *p;

	rdlen = al + 6 + 2 + 2 + ml + 2 + 2 + 2;
	need = k->namelen + WIRE_RR_FIXED + rdlen;
	if (len < WIRE_HEADER || len + need > max) {
		errno = EINVAL;
		return -1;
	}
	digest(c, msg, msg + WIRE_HEADER, len - WIRE_HEADER, now, TSIG_FUDGE, 0,
	    NULL, 0, mac);
	p = msg + len;
	memcpy(p, k->name, k->namelen);
	p += k->namelen;
	wire_set16(p, TYPE_TSIG);
	wire_set16(p + 2, CLASS_ANY);
	memset(p + 4, 0, 4);
	wire_set16(p + 8, (uint16_t)rdlen);
	p += WIRE_RR_FIXED;
	memcpy(p, aw, al);
	p += al;
	wire_set48(p, now);
	wire_set16(p + 6, TSIG_FUDGE);
	wire_set16(p + 8, (uint16_t)ml);
	memcpy(p + 10, mac, ml);
	p += 10 + ml;
	memcpy(p, msg, 2);		/* original ID */
	wire_set16(p + 2, 0);		/* error */
	wire_set16(p + 4, 0);		/* other length */
	wire_set_count(msg, WIRE_AR, (uint16_t)(wire_count(msg, WIRE_AR) + 1));
	signed_ok(c, mac, ml);
	return (ssize_t)(len + need);
}

int
tsig_skip(struct tsig_ctx *c, const uint8_t *msg, size_t len)
{
	c->nunsigned++;
	return pend(c, msg, len);
}

/* ---- reading messages ---- */

/* Whether the last record of MSG is a TSIG (*FOUND), and where it starts;
 * -1 when the message is malformed. */
static int
find_tsig(const uint8_t *m, size_t len, bool *found, size_t *tsig_off)
{
	size_t off = WIRE_HEADER;
	unsigned qd, rrs;

	*found = false;
	if (len < WIRE_HEADER)
		return -1;
	qd = wire_count(m, WIRE_QD);
	rrs = (unsigned)wire_count(m, WIRE_AN) + wire_count(m, WIRE_NS) +
	    wire_count(m, WIRE_AR);
	for (unsigned i = 0; i < qd; i++) {
		long end = wire_name_skip(m, len, off);

		if (end < 0 || (off = (size_t)end + 4) > len)
			return -1;
	}
	if (rrs == 0)
		return 0;
	for (unsigned i = 0; i < rrs; i++) {
		size_t start = off;
		long end = wire_name_skip(m, len, off);

		if (end < 0 || (off = (size_t)end) + WIRE_RR_FIXED > len)
			return -1;
		if (i == rrs - 1) {
			if (wire_rr_type(m + off) != TYPE_TSIG)
				return 0;
			/* RFC 8945 5.1: the last record of the additional
			 * section; anywhere else it is a malformed message. */
			if (wire_count(m, WIRE_AR) == 0)
				return -1;
			*tsig_off = start;
			*found = true;
			return off + WIRE_RR_FIXED + wire_rr_rdlen(m + off) ==
			    len ? 0 : -1;
		}
		off += WIRE_RR_FIXED + wire_rr_rdlen(m + off);
		if (off > len)
			return -1;
	}
	return -1;
}

static const char *
tsig_error(unsigned e)
{
	switch (e) {
	case RCODE_BADSIG: return "BADSIG (the server holds another secret)";
	case RCODE_BADKEY: return "BADKEY (the server does not know the key)";
	case RCODE_BADTIME: return "BADTIME (the clocks differ)";
	case RCODE_BADTRUNC: return "BADTRUNC";
	default: return "an unknown error";
	}
}

int
tsig_verify(struct tsig_ctx *c, const uint8_t *m, size_t len, uint64_t now,
    bool *is_signed, char *err, size_t errlen)
{
	const struct tsig_key *k = c->key;
	uint8_t hdr[WIRE_HEADER], mac[TSIG_MAC_MAX];
	size_t toff = 0, off, al, ml;
	const uint8_t *aw = alg_wire(k->alg, &al);
	uint64_t tsigned;
	unsigned fudge, macsize, error, otherlen;
	const uint8_t *theirs, *other;
	bool found;

	*is_signed = false;
	if (find_tsig(m, len, &found, &toff) != 0)
		return fail(EINVAL, err, errlen, "malformed message");
	if (!found) {
		if (c->first)
			return fail(EINVAL, err, errlen, "the answer is not "
			    "signed (TSIG required)");
		if (++c->nunsigned > TSIG_MAX_UNSIGNED)
			return fail(EINVAL, err, errlen, "more than %d "
			    "messages in a row without TSIG",
			    TSIG_MAX_UNSIGNED);
		if (pend(c, m, len) != 0)
			return fail(ENOMEM, err, errlen, "out of memory");
		return 0;
	}
	/* The record: the key's name, TSIG, ANY, TTL 0, then the data. */
	off = toff;
	if (!wire_name_equal(m, len, &off, k->name, k->namelen))
		return fail(EINVAL, err, errlen, "signed with another key");
	if (wire_rr_class(m + off) != CLASS_ANY)
		return fail(EINVAL, err, errlen, "malformed TSIG record");
	off += WIRE_RR_FIXED;
	if (!wire_name_equal(m, len, &off, aw, al))
		return fail(EINVAL, err, errlen, "signed with another "
		    "algorithm than %s", alg_name(k->alg));
	if (off + 10 > len)
		return fail(EINVAL, err, errlen, "malformed TSIG record");
	tsigned = wire_get48(m + off);
	fudge = wire_get16(m + off + 6);
	macsize = wire_get16(m + off + 8);
	off += 10;
	theirs = m + off;
	if (off + macsize + 6 > len)
		return fail(EINVAL, err, errlen, "malformed TSIG record");
	off += macsize;
	error = wire_get16(m + off + 2);
	otherlen = wire_get16(m + off + 4);
	other = m + off + 6;
	if (off + 6 + otherlen != len)
		return fail(EINVAL, err, errlen, "malformed TSIG record");
	if (error != 0)
		return fail(EINVAL, err, errlen, "the server's TSIG says %s",
		    tsig_error(error));
	ml = alg_size(k->alg);
	if (macsize != ml)
		return fail(EINVAL, err, errlen, "MAC of %u bytes, want %zu",
		    macsize, ml);
	/* The message as it was before the TSIG went in: its original ID,
	 * one record less. */
	memcpy(hdr, m, WIRE_HEADER);
	memcpy(hdr, m + off, 2);
	wire_set_count(hdr, WIRE_AR, (uint16_t)(wire_count(m, WIRE_AR) - 1));
	digest(c, hdr, m + WIRE_HEADER, toff - WIRE_HEADER, tsigned, fudge, 0,
	    other, otherlen, mac);
	{
		unsigned diff = 0;

		for (size_t i = 0; i < ml; i++)
			diff |= (unsigned)(mac[i] ^ theirs[i]);
		if (diff != 0)
			return fail(EINVAL, err, errlen, "bad TSIG signature "
			    "(check the secret)");
	}
	/* Checked after the MAC, so the time is one the server signed. */
	if (tsigned + TSIG_FUDGE < now || tsigned > now + TSIG_FUDGE)
		return fail(EINVAL, err, errlen, "TSIG time %llu is more than "
		    "%ds from ours (%llu)", (unsigned long long)tsigned,
		    TSIG_FUDGE, (unsigned long long)now);
	signed_ok(c, mac, ml);
	*is_signed = true;
	return 0;
}
