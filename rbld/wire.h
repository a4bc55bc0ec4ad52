/* SPDX-License-Identifier: BSD-2-Clause */
/* The DNS wire format: constants, header fields, names; a bounded builder and reader of big-endian fields. */
#ifndef RBLD_WIRE_H
#define RBLD_WIRE_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WIRE_HEADER	12	/* bytes of the message header */
#define WIRE_NAME_MAX	255	/* a name in wire form, root label included */
#define WIRE_LABEL_MAX	63
#define WIRE_LABELS_MAX	127	/* labels of a 255-byte name, not the root */
#define WIRE_NAME_TEXT	1024	/* a name in presentation form, escapes included */
#define WIRE_RR_FIXED	10	/* type, class, TTL and RDLENGTH after an owner */
#define WIRE_UDP_MAX	512	/* a UDP message without EDNS (RFC 1035) */

/* A length byte with both top bits set starts a compression pointer: 14
 * bits of offset from the start of the message (RFC 1035 4.1.4). The
 * question's name is always at WIRE_HEADER. */
#define WIRE_LABEL_PTR	0xc0
#define WIRE_PTR_HEADER	(WIRE_LABEL_PTR << 8 | WIRE_HEADER)

/* Record types (RFC 1035, 1995, 5936, 6891, 8945). */
#define TYPE_A		1
#define TYPE_NS		2
#define TYPE_SOA	6
#define TYPE_PTR	12
#define TYPE_TXT	16
#define TYPE_OPT	41
#define TYPE_TSIG	250
#define TYPE_IXFR	251
#define TYPE_AXFR	252
#define TYPE_ANY	255
#define TYPE_META_MIN	128	/* 128..255: meta types and questions only */

#define CLASS_IN	1
#define CLASS_ANY	255

#define RCODE_NOERROR	0
#define RCODE_FORMERR	1
#define RCODE_SERVFAIL	2
#define RCODE_NXDOMAIN	3
#define RCODE_NOTIMP	4
#define RCODE_REFUSED	5
#define RCODE_NOTAUTH	9
#define RCODE_BADVERS	16	/* extended: 1 in the OPT record, 0 in the header */

/* The error field of a TSIG record (RFC 8945 3, 5.2). BADSIG shares 16
 * with BADVERS: one is only ever in a TSIG, the other only in an OPT. */
#define RCODE_BADSIG	16
#define RCODE_BADKEY	17
#define RCODE_BADTIME	18
#define RCODE_BADTRUNC	22

#define OPCODE_QUERY	0
#define OPCODE_NOTIFY	4

/* ---- 16- and 32-bit fields, network byte order ---- */

static inline uint16_t
wire_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
wire_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* TSIG's time signed is 48 bits. */
static inline uint64_t
wire_get48(const uint8_t *p)
{
	return (uint64_t)wire_get16(p) << 32 | wire_get32(p + 2);
}

static inline void
wire_set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wire_set32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
wire_set48(uint8_t *p, uint64_t v)
{
	wire_set16(p, (uint16_t)(v >> 32));
	wire_set32(p + 2, (uint32_t)v);
}

/* ---- the header: H points at a message of at least WIRE_HEADER bytes ---- */

static inline uint16_t
wire_id(const uint8_t *h)
{
	return wire_get16(h);
}

static inline bool
wire_qr(const uint8_t *h)
{
	return h[2] & 0x80;
}

static inline int
wire_opcode(const uint8_t *h)
{
	return (h[2] >> 3) & 0xf;
}

static inline bool
wire_rd(const uint8_t *h)
{
	return h[2] & 0x01;
}

static inline bool
wire_tc(const uint8_t *h)
{
	return h[2] & 0x02;
}

static inline int
wire_rcode(const uint8_t *h)
{
	return h[3] & 0xf;
}

/* Section counts: 0 question, 1 answer, 2 authority, 3 additional. */
enum wire_section { WIRE_QD, WIRE_AN, WIRE_NS, WIRE_AR };

static inline uint16_t
wire_count(const uint8_t *h, enum wire_section s)
{
	return wire_get16(h + 4 + 2 * s);
}

static inline void
wire_set_count(uint8_t *h, enum wire_section s, uint16_t v)
{
	wire_set16(h + 4 + 2 * s, v);
}

static inline void
wire_set_qr(uint8_t *h)
{
	h[2] |= 0x80;
}

static inline void
wire_set_opcode(uint8_t *h, int opcode)
{
	h[2] = (uint8_t)((h[2] & 0x87) | (opcode & 0xf) << 3);
}

static inline void
wire_set_aa(uint8_t *h)
{
	h[2] |= 0x04;
}

static inline void
wire_set_tc(uint8_t *h)
{
	h[2] |= 0x02;
}

static inline void
wire_set_rd(uint8_t *h)
{
	h[2] |= 0x01;
}

static inline void
wire_set_rcode(uint8_t *h, int rcode)
{
	h[3] = (uint8_t)((h[3] & 0xf0) | (rcode & 0xf));
}

/* ---- a record's fixed fields: R points just past its owner name ---- */

static inline uint16_t
wire_rr_type(const uint8_t *r)
{
	return wire_get16(r);
}

/* In an OPT record, the largest UDP message its sender takes. */
static inline uint16_t
wire_rr_class(const uint8_t *r)
{
	return wire_get16(r + 2);
}

static inline uint32_t
wire_rr_ttl(const uint8_t *r)
{
	return wire_get32(r + 4);
}

static inline uint16_t
wire_rr_rdlen(const uint8_t *r)
{
	return wire_get16(r + 8);
}

/* ---- EDNS: the TTL of an OPT record (RFC 6891 6.1.3) ---- */

/* The TTL holds the upper 8 bits of a 12-bit rcode (the header holds the
 * lower 4), the EDNS version and 16 bits of flags. */
#define EDNS_FLAG_DO	0x8000	/* DNSSEC OK (RFC 3225) */

/* The rcode's upper bits in place: add the header's wire_rcode. */
static inline int
wire_opt_ext_rcode(uint32_t ttl)
{
	return (int)(ttl >> 24) << 4;
}

static inline uint8_t
wire_opt_version(uint32_t ttl)
{
	return (uint8_t)(ttl >> 16);
}

static inline bool
wire_opt_do(uint32_t ttl)
{
	return ttl & EDNS_FLAG_DO;
}

/* The TTL for RCODE (its upper 8 bits; the header takes the lower 4). */
static inline uint32_t
wire_opt_ttl(int rcode, uint8_t version, bool dnssec_ok)
{
	return (uint32_t)((rcode >> 4) & 0xff) << 24 | (uint32_t)version << 16 |
	    (dnssec_ok ? EDNS_FLAG_DO : 0);
}

/* ---- names ---- */

/* A compression pointer to offset OFF (below 0x4000) of the message. */
static inline uint16_t
wire_ptr(size_t off)
{
	return (uint16_t)(WIRE_LABEL_PTR << 8 | off);
}

/*
 * Text name ("bl.example.test", with or without the final dot; "" or "."
 * is the root) to lowercase wire form in OUT (OUTLEN bytes). Returns the
 * length, or -1 (errno EINVAL) for an empty label, a label over 63 bytes or
 * a name over 255. Backslash escapes are not read: rbld's names are
 * hostnames.
 */
int	wire_name_from_text(const char *name, uint8_t *out, size_t outlen);

/*
 * Wire name W (no compression) to text with a final dot in OUT (OUTLEN
 * bytes, WIRE_NAME_TEXT always suffices); bytes other than letters, digits,
 * "-" and "_" are written as \DDD. Returns 0, or -1 (errno EINVAL) when W
 * is not a valid name or OUT too small.
 */
int	wire_name_to_text(const uint8_t *w, size_t wlen, char *out,
	    size_t outlen);

/*
 * The offset just past the name at OFF in message M (LEN bytes), which may
 * end in a compression pointer; -1 when the name runs past the end or has
 * a bad label.
 */
long	wire_name_skip(const uint8_t *m, size_t len, size_t off);

/*
 * The name at OFF in M (LEN bytes), which may not be compressed, lowercased
 * into OUT (WIRE_NAME_MAX bytes) with the offset of each label in OUT in
 * LOFF (WIRE_LABELS_MAX) and their count in *NLABELS. Returns the length,
 * the same in M as in OUT, or -1 when the name runs past the end, holds a
 * pointer or another label type, or is longer than WIRE_NAME_MAX. Inline:
 * every query's name goes through it.
 */
static inline int
wire_name_read(const uint8_t *m, size_t len, size_t off, uint8_t *out,
    uint8_t *loff, int *nlabels)
{
	size_t n = 0;
	int nl = 0;

	for (;;) {
		uint8_t l;

		if (off >= len)
			return -1;
		if ((l = m[off]) == 0)
			break;
		if (l > WIRE_LABEL_MAX || nl >= WIRE_LABELS_MAX)
			return -1;	/* a pointer, or 0x40 and 0x80 types */
		if (off + 1 + l > len || n + 1 + l + 1 > WIRE_NAME_MAX)
			return -1;
		loff[nl++] = (uint8_t)n;
		out[n++] = l;
		for (uint8_t i = 0; i < l; i++)
			out[n++] = (uint8_t)tolower(m[off + 1 + i]);
		off += 1u + l;
	}
	out[n++] = 0;
	*nlabels = nl;
	return (int)n;
}

/* Is the name at *OFF in M, uncompressed, equal to wire name W ignoring
 * case? Moves *OFF past it when it is a name at all. */
bool	wire_name_equal(const uint8_t *m, size_t len, size_t *off,
	    const uint8_t *w, size_t wlen);

/* ---- the builder: writes that do not fit set a sticky flag ---- */

struct wire_buf {
	uint8_t	*b;
	size_t	 len, max;
	bool	 full;		/* something did not fit; nothing is written after */
};

static inline void
wire_buf_init(struct wire_buf *w, uint8_t *b, size_t max)
{
	w->b = b;
	w->len = 0;
	w->max = max;
	w->full = false;
}

/* Start again from LEN bytes (no more than now), forgetting a full flag. */
static inline void
wire_buf_truncate(struct wire_buf *w, size_t len)
{
	if (len <= w->len)
		w->len = len;
	w->full = false;
}

static inline void
wire_put(struct wire_buf *w, const void *d, size_t n)
{
	if (w->full || n > w->max - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->b + w->len, d, n);
	w->len += n;
}

static inline void
wire_put8(struct wire_buf *w, uint8_t v)
{
	wire_put(w, &v, 1);
}

static inline void
wire_put16(struct wire_buf *w, uint16_t v)
{
	uint8_t b[2];

	wire_set16(b, v);
	wire_put(w, b, 2);
}

static inline void
wire_put32(struct wire_buf *w, uint32_t v)
{
	uint8_t b[4];

	wire_set32(b, v);
	wire_put(w, b, 4);
}

static inline void
wire_put64(struct wire_buf *w, uint64_t v)
{
	wire_put32(w, (uint32_t)(v >> 32));
	wire_put32(w, (uint32_t)v);
}

/* Overwrite the 16 bits at OFF, written before (an RDLENGTH, a count). */
static inline void
wire_patch16(struct wire_buf *w, size_t off, uint16_t v)
{
	if (off + 2 <= w->len)
		wire_set16(w->b + off, v);
}

/* A string as records in the database keep it: its length (one byte:
 * S must be shorter than 256) and its bytes, no NUL. */
static inline void
wire_put_str(struct wire_buf *w, const char *s)
{
	size_t n = strlen(s);

	if (n > UINT8_MAX) {
		w->full = true;
		return;
	}
	wire_put8(w, (uint8_t)n);
	wire_put(w, s, n);
}

/* The same with a 16-bit length, for strings that may be longer. */
static inline void
wire_put_str16(struct wire_buf *w, const char *s)
{
	size_t n = strlen(s);

	if (n > UINT16_MAX) {
		w->full = true;
		return;
	}
	wire_put16(w, (uint16_t)n);
	wire_put(w, s, n);
}

/* ---- the reader: a read past the end sets a sticky flag, reads 0 ---- */

/*
 * Big-endian fields in sequence, as the builder writes them: the records
 * rbld keeps in its database use both, so that their layout is the byte
 * order written in their comments and never a C struct's.
 */
struct wire_rd {
	const uint8_t	*p;
	size_t		 left;
	bool		 bad;		/* a read ran past the end */
};

static inline void
wire_rd_init(struct wire_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->left = len;
	r->bad = false;
}

/* The next N bytes (NULL, and the flag set, if there are fewer). */
static inline const uint8_t *
wire_rd_take(struct wire_rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

static inline uint8_t
wire_rd8(struct wire_rd *r)
{
	const uint8_t *p = wire_rd_take(r, 1);

	return p != NULL ? p[0] : 0;
}

static inline uint16_t
wire_rd16(struct wire_rd *r)
{
	const uint8_t *p = wire_rd_take(r, 2);

	return p != NULL ? wire_get16(p) : 0;
}

static inline uint32_t
wire_rd32(struct wire_rd *r)
{
	const uint8_t *p = wire_rd_take(r, 4);

	return p != NULL ? wire_get32(p) : 0;
}

static inline uint64_t
wire_rd64(struct wire_rd *r)
{
	uint64_t hi = wire_rd32(r);

	return hi << 32 | wire_rd32(r);
}

/* N bytes of string into OUT (MAX bytes with the NUL); one that does not
 * fit is bad, not cut. */
static inline void
wire_rd_strn(struct wire_rd *r, size_t n, char *out, size_t max)
{
	const uint8_t *p = n < max ? wire_rd_take(r, n) : NULL;

	if (p == NULL) {
		r->bad = true;
		out[0] = '\0';
		return;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

/* A wire_put_str (or _str16) string into OUT, MAX bytes with the NUL. */
static inline void
wire_rd_str(struct wire_rd *r, char *out, size_t max)
{
	wire_rd_strn(r, wire_rd8(r), out, max);
}

static inline void
wire_rd_str16(struct wire_rd *r, char *out, size_t max)
{
	wire_rd_strn(r, wire_rd16(r), out, max);
}

/* RFC 1982 serial arithmetic: is A before B? (At exactly half the space
 * apart the RFC leaves it undefined: taken as before.) */
static inline bool
wire_serial_lt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) < 0;
}

#endif
