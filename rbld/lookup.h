/* SPDX-License-Identifier: BSD-2-Clause */
/* Who lists an IP: the answers DNS gives, for rbldctl lookup and the API. */
#ifndef RBLD_LOOKUP_H
#define RBLD_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "dns.h"
#include "rbldnsd.h"
#include "store.h"

enum lookup_never {
	LOOKUP_LISTABLE = 0,
	LOOKUP_LOOPBACK,	/* 127.0.0.1: the RFC 5782 "never listed" point */
	LOOKUP_ALLOWED,		/* in [allow] */
};

/* One source's answer in one zone. */
struct lookup_answer {
	int		zone;		/* index in conf->zones */
	int		source;		/* index in conf->sources; -1: test point */
	uint32_t	a;		/* host order */
	bool		has_txt;
	char		txt[RBL_TXT_ANSWER_MAX + 1];	/* expanded, as served */
	char		tmpl[RBL_TXT_MAX + 1];		/* the template it came from */
};

/* ::ffff:a.b.c.d is looked up as a.b.c.d, as DNS does. */
void	lookup_normalize(struct prefix *ip);

/*
 * Call FN with every answer DNS would give for address IP (normalized) at
 * time NOW, zone by zone; *NEVER says why there are none when the address
 * may never be listed. Returns the number of answers, or -1 on a read error.
 */
int	lookup_ip(const struct conf *conf, const struct dns_view *view,
	    struct store *st, const struct prefix *ip, uint32_t now,
	    enum lookup_never *never,
	    int (*fn)(void *arg, const struct lookup_answer *), void *arg);

/* The same inside a snapshot the caller holds (between store_reader_begin
 * and store_reader_end), for many lookups in a row. */
int	lookup_ip_reader(const struct conf *conf, const struct dns_view *view,
	    struct store_reader *rd, const struct prefix *ip, uint32_t now,
	    enum lookup_never *never,
	    int (*fn)(void *arg, const struct lookup_answer *), void *arg);

/* "file", "cli", "api", "feed", "report". */
const char *lookup_origin_name(enum store_origin);

#endif
