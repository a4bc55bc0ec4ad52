/* SPDX-License-Identifier: BSD-2-Clause */
/* What dns.c and dns_xfr.c share: a parsed query and the reply's pieces. */
#ifndef RBLD_DNS_INT_H
#define RBLD_DNS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "view.h"
#include "wire.h"

/* A parsed query. */
struct query {
	const uint8_t	*q;
	size_t		 qlen;
	uint16_t	 id, qtype, qclass;
	int		 opcode;
	bool		 rd;
	size_t		 qname_len;		/* wire length of the name */
	size_t		 qend;			/* offset just past the question */
	uint8_t		 lname[WIRE_NAME_MAX];	/* lowercase copy */
	int		 nlabels;
	uint8_t		 loff[WIRE_LABELS_MAX + 1];	/* labels in lname */
	bool		 edns, edns_do;
	uint16_t	 edns_size;
	uint8_t		 edns_version;
	int		 zi;			/* the zone asked about, -1: none */
	bool		 cat;			/* or the catalog zone */
	bool		 tcp;			/* asked over TCP */
	int		 rel;			/* labels in front of the zone's */
};

/* ---- dns.c ---- */

/* Count an answer of rcode SLOT for zone ZI (-1: none) in ST. */
void		 dq_count_rcode(struct dns_stats *st, int zi, int slot);
/* The question of QQ->q: 0, or -1 when malformed. */
int		 dq_parse_question(struct query *qq);
/* The zone (or the catalog) the question falls in, into QQ. */
void		 dq_find_zone(const struct view *v, struct query *qq);
/* The apex and serial of the zone asked about. */
const struct apex *dq_zone_apex(const struct dns_ctx *cx,
		    const struct query *qq);
uint32_t	 dq_zone_serial(const struct dns_ctx *cx, const struct query *qq);
/* A compression pointer to the zone's name in the question. */
uint16_t	 dq_zone_ptr(const struct query *qq);
/* The header and (WITH_QUESTION) the question, as every reply starts. */
void		 dq_reply_start(struct wire_buf *w, const struct query *qq,
		    bool with_question);
/* An answer from our data: authoritative for class IN, RCODE. */
void		 dq_reply_answer(struct wire_buf *w, const struct query *qq,
		    int rcode);
/* Section S's count in W's header. */
void		 dq_set_count(struct wire_buf *w, enum wire_section s,
		    uint16_t n);
/* The zone's SOA, its owner at compression pointer OWNER. */
void		 dq_put_soa(struct wire_buf *w, uint16_t owner,
		    const struct apex *ap, uint32_t serial, uint32_t ttl);
/* A reply with an error rcode; its length, 0 if nothing fits. */
size_t		 dq_answer_error(const struct dns_ctx *cx, struct wire_buf *w,
		    const struct query *qq, int rcode, int slot,
		    bool with_question);

/* The last of every answer: OPT when the query had one, and when the
 * answer does not fit, header and question alone with TC set. */
size_t		 dq_answer_finish(const struct dns_ctx *cx, struct wire_buf *w,
		    const struct query *qq);

/* ---- dns_xfr.c ---- */

/* AXFR and IXFR requests: the reply's length (0: the caller streams it). */
size_t		 dq_answer_xfr(const struct dns_ctx *cx, struct wire_buf *w,
		    const struct query *qq, bool tcp);
/* A NOTIFY for a zone of our axfr feeds. */
size_t		 dq_answer_notify(const struct dns_ctx *cx, struct wire_buf *w,
		    const struct query *qq);

#endif
