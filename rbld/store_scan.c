/* SPDX-License-Identifier: BSD-2-Clause */
/* The entries of a set of sources in address order, for renderers that stream a zone. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/*
 * Keys sort by prefix length before the address, so an address-order walk
 * is a merge: one cursor per prefix length in use, the smallest head next.
 * At most 33 + 129 cursors; a binary heap of them keeps each step at
 * O(log lengths).
 */
struct scan_head {
	uint8_t		key[KEY_MAX];
	size_t		klen;
	bool		done;
	MDB_cursor	*cur;
};

struct store_scan {
	struct store_reader *rd;
	int		 family;
	uint8_t		 want[STORE_MAX_SOURCES / 8];	/* bit per source id */
	int		 nh;
	struct scan_head h[129 + 1];
	int		 heap[129 + 1], nheap;	/* indexes into h, live heads */
	bool		 open;		/* cursors are open in rd's snapshot */
	bool		 bounded;	/* only entries that meet WITHIN */
	struct prefix	 within;
};

/* Do the first BITS bits of A and B agree? */
static bool
bits_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int n = bits / 8, r = bits % 8;

	if (memcmp(a, b, (size_t)n) != 0)
		return false;
	return r == 0 || ((a[n] ^ b[n]) & (uint8_t)(0xff00 >> r)) == 0;
}

/* Address, then prefix length, then source: the order a zone's names go. */
static int
head_cmp(const struct store_scan *s, int a, int b)
{
	const uint8_t *ka = s->h[a].key, *kb = s->h[b].key;
	size_t n = s->family == 4 ? 4 : 16;
	int c;

	if ((c = memcmp(ka + 2, kb + 2, n)) != 0)
		return c;
	if (ka[1] != kb[1])
		return ka[1] - kb[1];
	return memcmp(ka + 2 + n, kb + 2 + n, 2);
}

static void
heap_down(struct store_scan *s, int i)
{
	for (;;) {
		int l = 2 * i + 1, m = i, t;

		if (l < s->nheap && head_cmp(s, s->heap[l], s->heap[m]) < 0)
			m = l;
		if (l + 1 < s->nheap &&
		    head_cmp(s, s->heap[l + 1], s->heap[m]) < 0)
			m = l + 1;
		if (m == i)
			return;
		t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

static bool
wanted(const struct store_scan *s, const MDB_val *k)
{
	int src = key_src(k);

	return src > 0 && src < STORE_MAX_SOURCES &&
	    (s->want[src / 8] & (1u << (src % 8)));
}

/*
 * Move head H to its cursor's first wanted key at or after (WITH_EQUAL) or
 * strictly after its current key, within its family and prefix length.
 */
static int
head_seek(struct store_scan *s, struct scan_head *h, bool with_equal)
{
	uint8_t fam = h->key[0], plen = h->key[1];
	MDB_val k, v;
	int rc;

	k.mv_size = h->klen;
	k.mv_data = h->key;
	rc = mdb_cursor_get(h->cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && !with_equal && k.mv_size == h->klen &&
	    memcmp(k.mv_data, h->key, h->klen) == 0)
		rc = mdb_cursor_get(h->cur, &k, &v, MDB_NEXT);
	for (; rc == 0; rc = mdb_cursor_get(h->cur, &k, &v, MDB_NEXT)) {
		const uint8_t *kp = k.mv_data;

		if (k.mv_size < 2 || kp[0] != fam || kp[1] != plen)
			break;
		if (s->bounded && !bits_equal(kp + 2, s->within.addr,
		    plen < s->within.len ? plen : s->within.len))
			break;		/* past the range: nothing more meets it */
		if (k.mv_size != h->klen || v.mv_size < sizeof(struct entval))
			return EIO;		/* damage, not the end */
		if (wanted(s, &k)) {
			memcpy(h->key, kp, h->klen);
			return 0;
		}
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return EIO;
	h->done = true;
	return 0;
}

static void
scan_close(struct store_scan *s)
{
	for (int i = 0; i < s->nh; i++)
		if (s->h[i].cur != NULL) {
			mdb_cursor_close(s->h[i].cur);
			s->h[i].cur = NULL;
		}
	s->open = false;
}

/* Open the cursors in the reader's snapshot and put each head at its key
 * (FIRST: the key is where it starts) or the next one after. */
static int
scan_open(struct store_scan *s, bool first)
{
	s->nheap = 0;
	for (int i = 0; i < s->nh; i++) {
		struct scan_head *h = &s->h[i];

		if (h->done)
			continue;
		if (mdb_cursor_open(s->rd->txn, s->rd->st->entries,
		    &h->cur) != 0 || head_seek(s, h, first) != 0) {
			scan_close(s);
			errno = EIO;
			return -1;
		}
		if (!h->done)
			s->heap[s->nheap++] = i;
	}
	for (int i = s->nheap / 2 - 1; i >= 0; i--)
		heap_down(s, i);
	s->open = true;
	return 0;
}

struct store_scan *
store_scan_new(struct store_reader *r, int family, const int *srcids,
    int nsrc)
{
	return store_scan_within(r, family, srcids, nsrc, NULL);
}

struct store_scan *
store_scan_within(struct store_reader *r, int family, const int *srcids,
    int nsrc, const struct prefix *within)
{
	const uint8_t *plens = family == 4 ? r->plens4 : r->plens6;
	int np = family == 4 ? r->n4 : r->n6;
	struct store_scan *s;

	if (!r->held || (family != 4 && family != 6)) {
		errno = EINVAL;
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->rd = r;
	s->family = family;
	if (within != NULL) {
		s->bounded = true;
		s->within = *within;
		ipaddr_mask(&s->within);
	}
	for (int i = 0; i < nsrc; i++)
		if (srcids[i] > 0 && srcids[i] < STORE_MAX_SOURCES)
			s->want[srcids[i] / 8] |= (uint8_t)(1u << (srcids[i] % 8));
	for (int i = 0; i < np; i++) {
		struct scan_head *h = &s->h[s->nh++];
		uint8_t zero[16] = { 0 };

		/* key_build masks: a shorter prefix that contains WITHIN
		 * starts at WITHIN's address kept to its own length. */
		h->klen = key_build(h->key, family, plens[i], s->bounded ?
		    s->within.addr : zero, 0);
	}
	if (scan_open(s, true) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

int
store_scan_next(struct store_scan *s, struct store_scan_item *out)
{
	struct scan_head *h;
	struct entval ev;
	MDB_val k, v;
	int top;

	if (!s->open) {
		errno = EINVAL;
		return -1;
	}
	if (s->nheap == 0)
		return 0;
	top = s->heap[0];
	h = &s->h[top];
	/* The cursor sits on the head's key: read its value there. */
	if (mdb_cursor_get(h->cur, &k, &v, MDB_GET_CURRENT) != 0 ||
	    v.mv_size < sizeof(ev)) {
		errno = EIO;
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->p.family = (uint8_t)s->family;
	out->p.len = h->key[1];
	memcpy(out->p.addr, h->key + 2, s->family == 4 ? 4 : 16);
	out->src = key_src(&k);
	memcpy(&ev, v.mv_data, sizeof(ev));
	out->excl = ev.flags & VAL_EXCL;
	out->expires = ev.expires;
	if (head_seek(s, h, false) != 0) {
		errno = EIO;
		return -1;
	}
	if (h->done)
		s->heap[0] = s->heap[--s->nheap];
	heap_down(s, 0);
	return 1;
}

void
store_scan_suspend(struct store_scan *s)
{
	scan_close(s);
}

int
store_scan_resume(struct store_scan *s)
{
	if (!s->rd->held) {
		errno = EINVAL;
		return -1;
	}
	if (s->open)
		return 0;
	return scan_open(s, true);
}

void
store_scan_free(struct store_scan *s)
{
	if (s == NULL)
		return;
	scan_close(s);
	free(s);
}
