/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS answers to zone transfer requests and NOTIFYs: who may have what. */
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "dns.h"
#include "dns_int.h"
#include "tsig.h"
#include "wire.h"

/* ---- zone transfers ---- */

/* Q's IXFR serial: the SOA in its authority section (RFC 1995 3). */
static int
ixfr_serial(const struct query *qq, uint32_t *serial)
{
	long o, r;

	if (wire_count(qq->q, WIRE_NS) < 1)
		return -1;
	if ((o = wire_name_skip(qq->q, qq->qlen, qq->qend)) < 0 ||
	    (size_t)o + WIRE_RR_FIXED > qq->qlen ||
	    wire_rr_type(qq->q + o) != TYPE_SOA)
		return -1;
	r = o + WIRE_RR_FIXED;
	if ((r = wire_name_skip(qq->q, qq->qlen, (size_t)r)) < 0 ||
	    (r = wire_name_skip(qq->q, qq->qlen, (size_t)r)) < 0 ||
	    (size_t)r + 20 > qq->qlen ||
	    (size_t)r + 20 > (size_t)o + WIRE_RR_FIXED +
	    wire_rr_rdlen(qq->q + o))
		return -1;
	*serial = wire_get32(qq->q + r);
	return 0;
}

/* Is PEER in zone Z's `transfer`? */
static bool
may_transfer(const struct view *v, int z, const struct prefix *peer)
{
	const struct conf_zone *cz = v->zones[z].cz;

	for (int i = 0; peer != NULL && i < cz->ntransfer; i++)
		if (ipaddr_contains(&cz->transfer[i], peer))
			return true;
	return false;
}

/* Is QQ signed with zone Z's transfer-key? Then its MAC into OUT, which
 * the answers' signatures chain from. */
static bool
signed_with(const struct view *v, int z, const struct query *qq,
    struct dns_xfr *out)
{
	struct tsig_ctx tc;
	const uint8_t *mac;
	char why[128];
	bool sig = false;
	int rc;

	tsig_start(&tc, &v->zones[z].xfr_key, NULL, 0);
	rc = tsig_verify(&tc, qq->q, qq->qlen, (uint64_t)time(NULL), &sig, why,
	    sizeof(why));
	if (rc == 0 && sig) {
		mac = tsig_mac(&tc, &out->maclen);
		if (out->maclen > sizeof(out->mac))
			out->maclen = sizeof(out->mac);
		memcpy(out->mac, mac, out->maclen);
		out->keyzone = z;
		out->is_signed = true;
	}
	tsig_end(&tc);
	return out->is_signed;
}

/*
 * The catalog goes to whoever may transfer one of its members, signed
 * with that member's key when it has one: first a member whose key signed
 * the request, else a member without a key.
 */
static int
catalog_check(const struct view *v, const struct query *qq,
    const struct prefix *peer, struct dns_xfr *out)
{
	bool listed = false, open = false;

	for (int z = 0; z < v->nzones; z++) {
		if (!may_transfer(v, z, peer))
			continue;
		listed = true;
		if (!v->zones[z].has_key)
			open = true;
		else if (signed_with(v, z, qq, out))
			return 0;
	}
	return open ? 0 : listed ? RCODE_NOTAUTH : RCODE_REFUSED;
}

/* See dns_xfr_check; QQ's question and zone are parsed. */
static int
xfr_check(const struct view *v, const struct query *qq,
    const struct prefix *peer, struct dns_xfr *out)
{
	int rc;

	if ((qq->zi < 0 && !qq->cat) || qq->rel != 0 ||
	    qq->qclass != CLASS_IN)
		return RCODE_REFUSED;
	memset(out, 0, sizeof(*out));
	out->keyzone = -1;
	if (qq->cat) {
		if ((rc = catalog_check(v, qq, peer, out)) != 0)
			return rc;
	} else {
		if (!may_transfer(v, qq->zi, peer))
			return RCODE_REFUSED;
		if (v->zones[qq->zi].has_key &&
		    !signed_with(v, qq->zi, qq, out))
			return RCODE_NOTAUTH;
	}
	out->zone = qq->zi;
	out->catalog = qq->cat;
	out->id = qq->id;
	out->qtype = qq->qtype;
	out->qend = qq->qend;
	if (qq->qtype == TYPE_IXFR) {
		if (ixfr_serial(qq, &out->serial) != 0)
			return RCODE_FORMERR;
		out->has_serial = true;
	}
	return 0;
}

int
dns_xfr_check(const struct view *v, const uint8_t *q, size_t qlen,
    const struct prefix *peer, struct dns_xfr *out)
{
	struct query qq;

	memset(&qq, 0, sizeof(qq));
	qq.q = q;
	qq.qlen = qlen;
	if (qlen < WIRE_HEADER || wire_qr(q) ||
	    wire_opcode(q) != OPCODE_QUERY || dq_parse_question(&qq) != 0 ||
	    (qq.qtype != TYPE_AXFR && qq.qtype != TYPE_IXFR))
		return -1;
	qq.id = wire_id(q);
	dq_find_zone(v, &qq);
	return xfr_check(v, &qq, peer, out);
}

/*
 * AXFR and IXFR. Over TCP, a client in `transfer` gets the stream the
 * caller sends (cx->xfr). Over UDP, AXFR is refused; IXFR gets the SOA
 * alone when the client is current, else TC so that it asks over TCP
 * (RFC 1995 2).
 */
size_t
dq_answer_xfr(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq, bool tcp)
{
	struct dns_stats *st = cx->stats;
	struct dns_xfr x;
	struct prefix peer;
	const struct apex *ap;
	uint32_t serial;
	int rc = xfr_check(cx->view, qq, cx->peer != NULL &&
	    ipaddr_from_sockaddr(cx->peer, &peer) == 0 ? &peer : NULL, &x);

	if (rc == 0 && tcp && cx->xfr != NULL) {
		*cx->xfr = x;
		return 0;
	}
	if (rc == 0 && (tcp || qq->qtype == TYPE_AXFR))
		rc = RCODE_REFUSED;
	if (rc == RCODE_FORMERR) {
		st->formerr++;
		return dq_answer_error(cx, w, qq, rc, DNS_RC_FORMERR, true);
	}
	if (rc == RCODE_NOTAUTH) {
		st->refused++;
		return dq_answer_error(cx, w, qq, rc, DNS_RC_REFUSED, true);
	}
	if (rc != 0) {
		st->refused++;
		return dq_answer_error(cx, w, qq, rc, DNS_RC_REFUSED, true);
	}
	ap = dq_zone_apex(cx, qq);
	serial = dq_zone_serial(cx, qq);
	dq_reply_answer(w, qq, RCODE_NOERROR);
	if (!wire_serial_lt(x.serial, serial)) {
		dq_put_soa(w, dq_zone_ptr(qq), ap, serial, ap->soa_ttl);
		dq_set_count(w, WIRE_AN, 1);
	} else if (!w->full)
		wire_set_tc(w->b);
	st->noerror++;
	dq_count_rcode(st, qq->zi, DNS_RC_NOERROR);
	if (x.is_signed) {
		/* Signed as the request was, and without EDNS's OPT: a TSIG
		 * must be the last record, and this answer is small. */
		struct tsig_ctx tc;
		ssize_t n;

		if (w->full)
			return 0;
		tsig_start(&tc, &cx->view->zones[x.keyzone].xfr_key, x.mac,
		    x.maclen);
		n = tsig_sign(&tc, w->b, w->len, w->max, (uint64_t)time(NULL));
		tsig_end(&tc);
		return n < 0 ? 0 : (size_t)n;
	}
	return dq_answer_finish(cx, w, qq);
}

/*
 * A NOTIFY (RFC 1996): a primary says a zone changed. Taken for the zones
 * of our axfr feeds, from their primaries (the caller decides); the reply
 * echoes the question.
 */
size_t
dq_answer_notify(const struct dns_ctx *cx, struct wire_buf *w,
    const struct query *qq)
{
	char zone[WIRE_NAME_TEXT];
	size_t n;

	if (wire_name_to_text(qq->lname, qq->qname_len, zone,
	    sizeof(zone)) != 0)
		zone[0] = '\0';
	if ((n = strlen(zone)) > 1 && zone[n - 1] == '.')
		zone[n - 1] = '\0';	/* the feeds name zones without it */
	if (zone[0] == '\0' || cx->notified(cx->notified_arg, zone,
	    cx->peer) <= 0) {
		cx->stats->refused++;
		return dq_answer_error(cx, w, qq, RCODE_REFUSED, DNS_RC_REFUSED,
		    true);
	}
	dq_reply_start(w, qq, true);
	if (w->full)
		return 0;
	wire_set_opcode(w->b, OPCODE_NOTIFY);
	wire_set_aa(w->b);
	cx->stats->noerror++;
	dq_count_rcode(cx->stats, qq->zi, DNS_RC_NOERROR);
	return w->len;
}
