/* SPDX-License-Identifier: BSD-2-Clause */
/* The runtime allowlist: prefixes the API allows, kept in the database beside [allow]. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "allow.h"
#include "wire.h"

/*
 * "blob:allow:PREFIX" (ipaddr_format's ADDR/LEN), big-endian:
 * version(1) = 1, added(4), expires(4), by length(1) by,
 * reason length(2) reason.
 */
#define ALLOW_VERSION	1
#define ALLOW_REC_MAX	(1 + 4 + 4 + 1 + TOKEN_NAME_MAX + 2 + STORE_REASON_MAX)

static void
rec_name(const struct prefix *p, char *out, size_t len)
{
	char t[IPADDR_STRLEN];

	ipaddr_format(p, false, t, sizeof(t));
	snprintf(out, len, "blob:allow:%s", t);
}

static size_t
rec_encode(const struct allow_entry *e, uint8_t *b)
{
	struct wire_buf w;
	size_t bl = strnlen(e->by, TOKEN_NAME_MAX);
	size_t rl = strnlen(e->reason, STORE_REASON_MAX);

	wire_buf_init(&w, b, ALLOW_REC_MAX);
	wire_put8(&w, ALLOW_VERSION);
	wire_put32(&w, e->added);
	wire_put32(&w, e->expires);
	wire_put8(&w, (uint8_t)bl);
	wire_put(&w, e->by, bl);
	wire_put16(&w, (uint16_t)rl);
	wire_put(&w, e->reason, rl);
	return w.len;
}

static int
rec_decode(const uint8_t *b, size_t len, struct allow_entry *e)
{
	size_t bl, rl;

	if (len < 12 || b[0] != ALLOW_VERSION)
		return -1;
	e->added = wire_get32(b + 1);
	e->expires = wire_get32(b + 5);
	bl = b[9];
	if (bl > TOKEN_NAME_MAX || 10 + bl + 2 > len)
		return -1;
	memcpy(e->by, b + 10, bl);
	e->by[bl] = '\0';
	rl = wire_get16(b + 10 + bl);
	if (rl > STORE_REASON_MAX || 12 + bl + rl != len)
		return -1;
	memcpy(e->reason, b + 12 + bl, rl);
	e->reason[rl] = '\0';
	return 0;
}

struct count_ctx {
	int		 n;
	const struct prefix *p;
	bool		 found;
};

static int
count_cb(void *arg, const struct allow_entry *e)
{
	struct count_ctx *c = arg;

	c->n++;
	if (e->p.family == c->p->family && e->p.len == c->p->len &&
	    memcmp(e->p.addr, c->p->addr, sizeof(e->p.addr)) == 0)
		c->found = true;
	return 0;
}

int
allow_put(struct store *st, const struct allow_entry *e)
{
	uint8_t b[ALLOW_REC_MAX];
	char name[IPADDR_STRLEN + 16];
	struct count_ctx c = { 0, &e->p, false };

	if (allow_walk(st, count_cb, &c) != 0)
		return -1;
	if (!c.found && c.n >= ALLOW_MAX) {
		errno = EMLINK;
		return -1;
	}
	rec_name(&e->p, name, sizeof(name));
	return store_blob_put(st, name, b, rec_encode(e, b));
}

int
allow_get(struct store *st, const struct prefix *p, struct allow_entry *out)
{
	uint8_t b[ALLOW_REC_MAX];
	char name[IPADDR_STRLEN + 16];
	ssize_t n;

	rec_name(p, name, sizeof(name));
	if ((n = store_blob_get(st, name, b, sizeof(b))) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->p = *p;
	if (rec_decode(b, (size_t)n, out) != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
allow_del(struct store *st, const struct prefix *p)
{
	struct allow_entry e;
	char name[IPADDR_STRLEN + 16];

	if (allow_get(st, p, &e) != 0 && errno != EIO)
		return -1;
	rec_name(p, name, sizeof(name));
	return store_blob_del(st, name);
}

struct walk_ctx {
	int	(*fn)(void *, const struct allow_entry *);
	void	*arg;
};

static int
walk_cb(void *arg, const char *name, const void *data, size_t len)
{
	struct walk_ctx *w = arg;
	struct allow_entry e;

	memset(&e, 0, sizeof(e));
	if (ipaddr_parse_prefix(name + strlen("blob:allow:"), &e.p, NULL,
	    0) != 0 || rec_decode(data, len, &e) != 0)
		return 0;
	return w->fn(w->arg, &e);
}

int
allow_walk(struct store *st, int (*fn)(void *, const struct allow_entry *),
    void *arg)
{
	struct walk_ctx w = { fn, arg };

	return store_blob_walk(st, "blob:allow:", walk_cb, &w);
}

struct expire_ctx {
	uint32_t	 now;
	struct prefix	 p[64];
	int		 n;
};

static int
expire_cb(void *arg, const struct allow_entry *e)
{
	struct expire_ctx *x = arg;

	if (e->expires == 0 || e->expires > x->now)
		return 0;
	x->p[x->n++] = e->p;
	return x->n == (int)(sizeof(x->p) / sizeof(x->p[0]));
}

long
allow_expire(struct store *st, uint32_t now)
{
	struct expire_ctx x;
	long total = 0;

	do {
		x.now = now;
		x.n = 0;
		if (allow_walk(st, expire_cb, &x) != 0)
			return -1;
		for (int i = 0; i < x.n; i++) {
			char name[IPADDR_STRLEN + 16];

			rec_name(&x.p[i], name, sizeof(name));
			if (store_blob_del(st, name) != 0)
				return -1;
			total++;
		}
	} while (x.n == (int)(sizeof(x.p) / sizeof(x.p[0])));
	return total;
}
