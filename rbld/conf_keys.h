/* SPDX-License-Identifier: BSD-2-Clause */
/* What conf_schema.c and conf_keys.c share: row access, value helpers, and the keys with a syntax of their own. */
#ifndef RBLD_CONF_KEYS_H
#define RBLD_CONF_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "conf_schema.h"

#define NITEMS(a)		(sizeof(a) / sizeof((a)[0]))
/* A row's field in the struct BASE its section fills. */
#define FIELD(base, it)		((void *)((char *)(base) + (it)->off))
#define AT(type, f)		.off = offsetof(type, f), \
				.size = sizeof(((type *)0)->f)
#define LIST(type, f, n)	AT(type, f), .off_n = offsetof(type, n)
/* A list row's count of entries. */
#define COUNT(base, it)		((int *)((char *)(base) + (it)->off_n))

/* RFC 2181 section 8: TTLs and SOA timers are 31-bit values. */
#define DURATION_MAX		INT32_MAX
#define WORKERS_MAX		64
#define SOCKETS_MAX		1000	/* fits NET_MAX_SOCKS and the LMDB readers */
#define MAPSIZE_MIN		(INT64_C(1) << 20)
#if SIZE_MAX < INT64_MAX
#define MAPSIZE_MAX		((int64_t)SIZE_MAX)	/* it is mapped whole */
#else
#define MAPSIZE_MAX		INT64_MAX
#endif
#define API_CONNECTIONS_MAX	1024	/* each is a thread while it lasts */
#define TXT_LEN_MAX		(CONF_TXT_MAX - 1)	/* one DNS character-string */
#define WHY_MAX			128	/* a reason from parse.c or tsig.c */

/* ---- conf_schema.c: what the setters share ---- */

/* V into the row's field, by its size. */
void	conf_put(void *base, const struct conf_item *it, int64_t v);
/* The row's message MSG (or a plain one) about VAL: -1. */
int	conf_refuse(struct conf_parser *p, const struct conf_item *it,
	    const char *msg, const char *val);
/* A duration WHAT into *OUT: 0, or -1 with the error reported. */
int	conf_duration(struct conf_parser *p, const char *what, const char *s,
	    uint32_t *out);
/* A whole number WHAT from MIN to MAX into *OUT: 0, or -1 reported. */
int	conf_count(struct conf_parser *p, const char *what, const char *val,
	    long min, long max, long *out);

/* ---- conf_keys.c: the keys with a syntax of their own ---- */

int	conf_zone_sources(struct conf_parser *p, const struct conf_item *it,
	    void *base, const char *key, char *val);
int	conf_zone_soa(struct conf_parser *p, const struct conf_item *it,
	    void *base, const char *key, char *val);
int	conf_source_url(struct conf_parser *p, const struct conf_item *it,
	    void *base, const char *key, char *val);
int	conf_source_min_prefix(struct conf_parser *p,
	    const struct conf_item *it, void *base, const char *key,
	    char *val);
int	conf_tsig_check(struct conf_parser *p, const char *val);
int	conf_source_tsig(struct conf_parser *p, const struct conf_item *it,
	    void *base, const char *key, char *val);
int	conf_rbld_rrl_exempt(struct conf_parser *p, const struct conf_item *it,
	    void *base, const char *key, char *val);
int	conf_rbld_catalog(struct conf_parser *p, const struct conf_item *it,
	    void *base, const char *key, char *val);
int	conf_zone_transfer_key(struct conf_parser *p,
	    const struct conf_item *it, void *base, const char *key,
	    char *val);
int	conf_source_escalate(struct conf_parser *p, const struct conf_item *it,
	    void *base, const char *key, char *val);
bool	conf_rtype_name_ok(const char *s);
int	conf_source_rtype(struct conf_parser *p, const struct conf_item *it,
	    void *base, const char *key, char *val);
int	conf_token_hash(struct conf_parser *p, const struct conf_item *it,
	    void *base, const char *key, char *val);

#endif
