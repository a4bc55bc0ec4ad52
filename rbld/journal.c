/* SPDX-License-Identifier: BSD-2-Clause */
/* Each shared zone's journal of rendered changes (IXFR), and the NOTIFYs that announce them. */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "grace.h"
#include "hash.h"
#include "journal.h"
#include "log.h"
#include "render.h"
#include "tsig.h"
#include "wire.h"

#define TICK_MS		1000	/* how often the store is looked at */
#define NOTIFY_TRIES	5	/* sends of one serial before giving up */
#define NOTIFY_FIRST_MS	1000	/* the first retry; each after doubles */

/* ---- records, and steps' differences ---- */

/* A growing list of encoded records (without the op byte). */
struct recs {
	uint8_t		*b;
	size_t		 len, cap;
	size_t		*off;
	size_t		 n, ncap;
};

static int
recs_add(struct recs *rs, const struct render_name *nm,
    const struct listing_rr *rr)
{
	static const uint8_t none[1];
	uint8_t owner[WIRE_NAME_MAX];
	size_t olen = render_name_wire(nm, none, 0, owner);
	size_t rdlen = rr->type == TYPE_A ? 4 : 1u + rr->txtlen;
	size_t need = 1 + olen + 2 + 4 + 2 + rdlen;
	uint8_t *p;

	if (rs->len + need > rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 65536;
		uint8_t *b;

		while (cap < rs->len + need)
			cap *= 2;
		if ((b = realloc(rs->b, cap)) == NULL)
			return -1;
		rs->b = b;
		rs->cap = cap;
	}
	if (rs->n == rs->ncap) {
		size_t cap = rs->ncap ? rs->ncap * 2 : 1024;
		size_t *o = realloc(rs->off, cap * sizeof(*o));

		if (o == NULL)
			return -1;
		rs->off = o;
		rs->ncap = cap;
	}
	rs->off[rs->n++] = rs->len;
	p = rs->b + rs->len;
	*p++ = (uint8_t)olen;
	memcpy(p, owner, olen);
	p += olen;
	wire_set16(p, rr->type);
	wire_set32(p + 2, rr->ttl);
	wire_set16(p + 6, (uint16_t)rdlen);
	p += 8;
	if (rr->type == TYPE_A)
		wire_set32(p, rr->a);
	else {
		*p = rr->txtlen;
		memcpy(p + 1, rr->txt, rr->txtlen);
	}
	rs->len += need;
	return 0;
}

static void
recs_free(struct recs *rs)
{
	free(rs->b);
	free(rs->off);
	memset(rs, 0, sizeof(*rs));
}

/* The length of the encoded record at P (of at most LEFT bytes); 0 when
 * it runs past LEFT. */
static size_t
rec_len(const uint8_t *p, size_t left)
{
	size_t n;

	if (left < 1 || (n = 1 + (size_t)p[0] + 8) > left)
		return 0;
	n += wire_get16(p + 1 + p[0] + 6);
	return n <= left ? n : 0;
}

static int
rec_cmp(const uint8_t *a, const uint8_t *b)
{
	size_t la = rec_len(a, SIZE_MAX), lb = rec_len(b, SIZE_MAX);
	int c = memcmp(a, b, la < lb ? la : lb);

	return c != 0 ? c : (la > lb) - (la < lb);
}

static const uint8_t *sort_base;

static int
off_cmp(const void *x, const void *y)
{
	return rec_cmp(sort_base + *(const size_t *)x,
	    sort_base + *(const size_t *)y);
}

/* Sorted, for the merge; the builder thread is the only caller. */
static void
recs_sort(struct recs *rs)
{
	sort_base = rs->b;
	if (rs->n > 1)
		qsort(rs->off, rs->n, sizeof(*rs->off), off_cmp);
}

/* Append op OP and record R to the step OUT. */
static int
step_put(struct recs *out, int op, const uint8_t *r)
{
	size_t n = rec_len(r, SIZE_MAX);

	if (out->len + 1 + n > out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 4096;
		uint8_t *b;

		while (cap < out->len + 1 + n)
			cap *= 2;
		if ((b = realloc(out->b, cap)) == NULL)
			return -1;
		out->b = b;
		out->cap = cap;
	}
	out->b[out->len++] = (uint8_t)op;
	memcpy(out->b + out->len, r, n);
	out->len += n;
	out->n++;
	return 0;
}

/* What is in OLD and not in NEW goes (op 0), the reverse comes (op 1). */
static int
step_merge(struct recs *out, struct recs *old, struct recs *new,
    unsigned long *dels, unsigned long *adds)
{
	size_t i = 0, k = 0;

	recs_sort(old);
	recs_sort(new);
	while (i < old->n || k < new->n) {
		int c = i == old->n ? 1 : k == new->n ? -1 :
		    rec_cmp(old->b + old->off[i], new->b + new->off[k]);

		if (c == 0) {
			i++, k++;
		} else if (c < 0) {
			if (step_put(out, 0, old->b + old->off[i++]) != 0)
				return -1;
			(*dels)++;
		} else {
			if (step_put(out, 1, new->b + new->off[k++]) != 0)
				return -1;
			(*adds)++;
		}
	}
	return 0;
}

/* ---- condensing steps, for IXFR ---- */

/* Open addressing over pointers into the steps' blobs. */
struct rset {
	const uint8_t	**v;
	size_t		 cap, n;
};

#define TOMB	((const uint8_t *)1)

static uint64_t
rec_hash(const uint8_t *r)
{
	return hash_bytes(HASH_INIT, r, rec_len(r, SIZE_MAX));
}

static int
rset_grow(struct rset *s)
{
	struct rset g = { NULL, s->cap ? s->cap * 2 : 1024, 0 };

	if ((g.v = calloc(g.cap, sizeof(*g.v))) == NULL)
		return -1;
	for (size_t i = 0; i < s->cap; i++) {
		const uint8_t *r = s->v[i];
		size_t j;

		if (r == NULL || r == TOMB)
			continue;
		for (j = rec_hash(r) & (g.cap - 1); g.v[j] != NULL;
		    j = (j + 1) & (g.cap - 1))
			;
		g.v[j] = r;
		g.n++;
	}
	free(s->v);
	*s = g;
	return 0;
}

/* Where R is in S, or (FREE) the slot it would take; -1 if neither. */
static long
rset_find(const struct rset *s, const uint8_t *r, bool free_slot)
{
	long tomb = -1;

	if (s->cap == 0)
		return -1;
	for (size_t j = rec_hash(r) & (s->cap - 1), k = 0; k < s->cap;
	    j = (j + 1) & (s->cap - 1), k++) {
		if (s->v[j] == NULL)
			return free_slot ? (tomb >= 0 ? tomb : (long)j) : -1;
		if (s->v[j] == TOMB) {
			if (tomb < 0)
				tomb = (long)j;
		} else if (rec_cmp(s->v[j], r) == 0)
			return free_slot ? -1 : (long)j;
	}
	return free_slot ? tomb : -1;
}

/* Remove R from S if there; true if it was. */
static bool
rset_take(struct rset *s, const uint8_t *r)
{
	long j = rset_find(s, r, false);

	if (j < 0)
		return false;
	s->v[j] = TOMB;
	s->n--;
	return true;
}

static int
rset_put(struct rset *s, const uint8_t *r)
{
	long j;

	if ((s->n + 1) * 2 > s->cap && rset_grow(s) != 0)
		return -1;
	if ((j = rset_find(s, r, true)) < 0)
		return 0;		/* there already */
	s->v[j] = r;
	s->n++;
	return 0;
}

struct journal_diff {
	struct rset	 dels, adds;
};

struct journal_diff *
journal_diff_new(void)
{
	return calloc(1, sizeof(struct journal_diff));
}

int
journal_diff_add(struct journal_diff *d, const uint8_t *blob, size_t len)
{
	size_t o = 0;

	while (o < len) {
		const uint8_t *r = blob + o + 1;
		size_t n = rec_len(r, len - o - 1);

		if (n == 0 || blob[o] > 1) {
			errno = EINVAL;
			return -1;
		}
		/* A record a later step removes again was never there for
		 * the client, and the other way round. */
		if (blob[o] == 0) {
			if (!rset_take(&d->adds, r) && rset_put(&d->dels, r) != 0)
				return -1;
		} else if (!rset_take(&d->dels, r) && rset_put(&d->adds, r) != 0)
			return -1;
		o += 1 + n;
	}
	return 0;
}

int
journal_diff_each(const struct journal_diff *d, bool added,
    int (*fn)(void *arg, const uint8_t *rec, size_t len), void *arg)
{
	const struct rset *s = added ? &d->adds : &d->dels;

	for (size_t i = 0; i < s->cap; i++) {
		const uint8_t *r = s->v[i];

		if (r == NULL || r == TOMB)
			continue;
		if (fn(arg, r, rec_len(r, SIZE_MAX)) != 0)
			return -1;
	}
	return 0;
}

void
journal_diff_free(struct journal_diff *d)
{
	if (d == NULL)
		return;
	free(d->dels.v);
	free(d->adds.v);
	free(d);
}

/* ---- the thread ---- */

/* A NOTIFY target's state; st.name is the target as configured. */
struct target_state {
	char		 target[64];
	uint32_t	 serial, sent, answered;
	unsigned	 tries;
};

struct target {
	struct sockaddr_storage ss;
	socklen_t	 sslen;
	struct target_state st;
	uint32_t	 want;		/* the serial to announce; 0 none */
	uint16_t	 id;
	uint64_t	 next_ms;	/* when to send (again) */
	bool		 has_key;	/* NOTIFYs signed with KEY */
	struct tsig_key	 key;
};

struct zstate {
	char		 name[CONF_DNAME_MAX];
	bool		 live;		/* in the view in force */
	uint32_t	 base_serial;
	uint64_t	 announced_ms;	/* the last new serial's first send */
	int		 ntargets;
	struct target	 t[CONF_MAX_NOTIFY];
};

#define NZSTATE		(VIEW_MAX_ZONES + 1)	/* the zones and the catalog */

struct journal {
	struct store	*st;
	struct view_ref	*views;
	pthread_t	 thread;
	atomic_bool	 stop;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	bool		 poked;
	struct store_reader *base, *cur;
	bool		 have_base;
	uint64_t	 view_gen;
	struct zstate	 z[NZSTATE];
	int		 fd4, fd6;
};

static struct zstate *
zstate_of(struct journal *j, const char *name)
{
	struct zstate *freez = NULL;

	for (int i = 0; i < NZSTATE; i++) {
		if (j->z[i].name[0] != '\0' && strcmp(j->z[i].name, name) == 0)
			return &j->z[i];
		if (freez == NULL && j->z[i].name[0] == '\0')
			freez = &j->z[i];
	}
	if (freez != NULL) {
		memset(freez, 0, sizeof(*freez));
		snprintf(freez->name, sizeof(freez->name), "%s", name);
	}
	return freez;
}

/*
 * ZS's targets become what the view says: target K of zone Z's `notify`,
 * signed with Z's key. A target named before keeps its state.
 */
static void
target_set(struct zstate *zs, const struct target *old, int nold,
    const struct view *v, int z, int k)
{
	const struct endpoint *ep = &v->zones[z].cz->notify[k];
	struct target *t;

	for (int m = 0; m < zs->ntargets; m++)
		if (zs->t[m].sslen == ep->sslen &&
		    memcmp(&zs->t[m].ss, &ep->ss, ep->sslen) == 0)
			return;		/* the catalog's, from another zone */
	if (zs->ntargets == CONF_MAX_NOTIFY) {
		log_warnx("notify: %s: more than %d targets, %s left out",
		    zs->name, CONF_MAX_NOTIFY, ep->text);
		return;
	}
	t = &zs->t[zs->ntargets++];
	memset(t, 0, sizeof(*t));
	t->ss = ep->ss;
	t->sslen = ep->sslen;
	for (int m = 0; m < nold; m++)
		if (old[m].sslen == t->sslen &&
		    memcmp(&old[m].ss, &t->ss, t->sslen) == 0)
			*t = old[m];
	snprintf(t->st.target, sizeof(t->st.target), "%s", ep->text);
	t->has_key = v->zones[z].has_key;
	t->key = v->zones[z].xfr_key;
}

/* ZS, live in view V, with the targets of zone Z (-1: the catalog, whose
 * targets are all its members'). */
static void
zstate_set(struct zstate *zs, const struct view *v, int z)
{
	struct target old[CONF_MAX_NOTIFY];
	int nold = zs->ntargets;
	int first = z < 0 ? 0 : z, end = z < 0 ? v->nzones : z + 1;

	memcpy(old, zs->t, sizeof(old));
	zs->live = true;
	zs->ntargets = 0;
	for (int m = first; m < end; m++)
		for (int k = 0; k < v->zones[m].cz->nnotify; k++)
			target_set(zs, old, nold, v, m, k);
}

/* A new view: zones whose records it changes move their serials, and the
 * notify targets are the view's. A zone it no longer has is forgotten. */
static void
view_changed(struct journal *j, const struct view *v)
{
	struct zstate *zs;

	for (int i = 0; i < NZSTATE; i++) {
		bool kept = v->catalog.on &&
		    strcmp(j->z[i].name, v->catalog.text) == 0;

		for (int z = 0; z < v->nzones && !kept; z++)
			kept = strcmp(j->z[i].name, v->zones[z].cz->name) == 0;
		if (!kept)
			memset(&j->z[i], 0, sizeof(j->z[i]));
	}
	for (int z = 0; z < v->nzones; z++)
		if ((zs = zstate_of(j, v->zones[z].cz->name)) != NULL)
			zstate_set(zs, v, z);
	if (v->catalog.on && (zs = zstate_of(j, v->catalog.text)) != NULL)
		zstate_set(zs, v, -1);
	j->view_gen = v->gen;
	j->have_base = false;
	if (j->base != NULL)
		store_reader_end(j->base);
}

/* The records of zone Z in the regions D marks, as RD holds them. */
static int
render_dirty(const struct view *v, int z, struct store_reader *rd,
    const struct store_dirty *d, int family, unsigned digit, struct recs *out)
{
	const struct listing_rr *rr;
	struct render_name nm;
	struct render *r;
	struct apex ap;
	int n;

	(void)d;
	view_apex(v, z, rd, &ap);
	/* Time 0: every committed entry counts, expired or not; the reaper's
	 * commit takes an expired one out, so that a zone's records are a
	 * function of its serial alone. */
	if ((r = render_region(v, z, rd, &ap, 0, family, digit)) == NULL)
		return -1;
	while ((n = render_next(r, &nm, &rr)) > 0)
		if (recs_add(out, &nm, rr) != 0) {
			n = -1;
			break;
		}
	render_free(r);
	return n;
}

static bool
dirty_bit(const uint8_t *m, unsigned i)
{
	return (m[i / 8] >> (i % 8)) & 1;
}

/* The step from the base snapshot to the current one for zone Z. */
static int
make_step(struct journal *j, const struct view *v, int z,
    const struct store_dirty *d, struct recs *step, unsigned long *dels,
    unsigned long *adds, unsigned *regions)
{
	for (int fam = 4; fam <= 6; fam += 2) {
		const uint8_t *m = fam == 4 ? d->v4 : d->v6;
		unsigned nd = fam == 4 ? 256 : 16;

		for (unsigned dg = 0; dg < nd; dg++) {
			struct recs old = { 0 }, new = { 0 };
			int rc;

			if (!dirty_bit(m, dg))
				continue;
			(*regions)++;
			rc = render_dirty(v, z, j->base, d, fam, dg, &old) != 0 ||
			    render_dirty(v, z, j->cur, d, fam, dg, &new) != 0 ||
			    step_merge(step, &old, &new, dels, adds) != 0;
			recs_free(&old);
			recs_free(&new);
			if (rc)
				return -1;
		}
	}
	return 0;
}

/* Empty the journal (quietly when WHY is NULL: there was none). */
static void
journal_reset(struct journal *j, const struct conf_zone *cz, uint32_t serial,
    const char *why)
{
	if (store_journal_append(j->st, cz->name, 0, serial, NULL, 0,
	    NULL) != 0)
		log_warn("journal: %s: cannot empty the journal", cz->name);
	else if (why != NULL)
		log_info("journal: %s: emptied (%s); secondaries take a full "
		    "transfer", cz->name, why);
}

static void
announce(struct journal *j, struct zstate *zs, uint32_t serial,
    uint32_t interval)
{
	uint64_t t = clock_ms(), at = t;

	if (zs->announced_ms != 0 && zs->announced_ms + interval * 1000ull > t)
		at = zs->announced_ms + interval * 1000ull;
	for (int k = 0; k < zs->ntargets; k++) {
		struct target *tg = &zs->t[k];

		if (tg->want == serial)
			continue;
		tg->want = serial;
		tg->st.tries = 0;
		if (tg->next_ms < at || tg->st.serial != serial)
			tg->next_ms = at;
	}
	(void)j;
}

/* One look at the store. */
static void
step(struct journal *j)
{
	const struct view *v;

	grace_enter();
	v = view_get(j->views);
	if (v->gen != j->view_gen)
		view_changed(j, v);
	if (store_reader_begin(j->cur) != 0) {
		grace_exit();
		return;
	}
	for (int z = 0; z < v->nzones; z++) {
		const struct view_zone *vz = &v->zones[z];
		const struct conf_zone *cz = vz->cz;
		struct zstate *zs = zstate_of(j, cz->name);
		uint32_t sn = store_reader_serial(j->cur, vz->slot), sb;
		struct store_journal_limits lim = { (size_t)cz->journal_size,
		    (unsigned)cz->journal_steps, cz->journal_age };
		struct store_dirty d;
		struct store_journal_info info;
		bool shared = cz->ntransfer > 0 || cz->nnotify > 0;

		if (zs == NULL)
			continue;
		if (!shared) {
			zs->base_serial = sn;
			continue;
		}
		if (store_reader_dirty(j->cur, cz->name, &d) != 0)
			d.all = true;
		if (!j->have_base) {
			/* Is the journal still a true account of the zone? */
			if (store_reader_journal_info(j->cur, cz->name,
			    &info) == 0 && (store_dirty_any(&d) ||
			    (info.steps > 0 && info.newest != sn)))
				journal_reset(j, cz, sn, info.steps == 0 ? NULL :
				    "changes it did not see");
			if (zs->base_serial != sn)
				announce(j, zs, sn, cz->notify_interval);
			zs->base_serial = sn;
			continue;
		}
		sb = zs->base_serial;
		if (sn == sb)
			continue;
		if (d.all)
			journal_reset(j, cz, sn, "a change to every record");
		else {
			struct recs stp = { 0 };
			unsigned long dels = 0, adds = 0;
			unsigned regions = 0;
			uint64_t t0 = clock_ms();

			if (make_step(j, v, z, &d, &stp, &dels, &adds,
			    &regions) != 0)
				journal_reset(j, cz, sn, "a step that could "
				    "not be made");
			else if (store_journal_append(j->st, cz->name, sb, sn,
			    stp.b != NULL ? stp.b : (const uint8_t *)"", stp.len,
			    &lim) != 0)
				log_warn("journal: %s: cannot record serial %u",
				    cz->name, sn);
			else
				log_info("journal: %s serial %u -> %u: %lu "
				    "records removed, %lu added (%u regions, "
				    "%llu ms)", cz->name, sb, sn, dels, adds,
				    regions, (unsigned long long)(clock_ms() - t0));
			recs_free(&stp);
		}
		zs->base_serial = sn;
		announce(j, zs, sn, cz->notify_interval);
	}
	/* The catalog: a reload that changes its members moves its serial. */
	if (v->catalog.on) {
		struct zstate *zs = zstate_of(j, v->catalog.text);

		if (zs != NULL && zs->base_serial != v->catalog.serial) {
			zs->base_serial = v->catalog.serial;
			announce(j, zs, zs->base_serial, 1);
		}
	}
	/* The current snapshot is the next step's base. */
	{
		struct store_reader *t = j->base;

		if (j->have_base)
			store_reader_end(j->base);
		j->base = j->cur;
		j->cur = t;
		j->have_base = true;
	}
	grace_exit();
}

/* ---- NOTIFY (RFC 1996) ---- */

static void
notify_send(struct journal *j, const struct zstate *zs, struct target *t)
{
	uint8_t b[512];
	struct wire_buf w;
	uint8_t name[WIRE_NAME_MAX];
	int len, fd = t->ss.ss_family == AF_INET6 ? j->fd6 : j->fd4;

	if (fd < 0 || (len = wire_name_from_text(zs->name, name,
	    sizeof(name))) <= 0)
		return;
	t->id = (uint16_t)arc4random();	/* an answer must match it */
	wire_buf_init(&w, b, sizeof(b));
	wire_put16(&w, t->id);
	wire_put16(&w, 0);
	wire_put16(&w, 1);
	wire_put16(&w, 0);
	wire_put16(&w, 0);
	wire_put16(&w, 0);
	wire_put(&w, name, (size_t)len);
	wire_put16(&w, TYPE_SOA);
	wire_put16(&w, CLASS_IN);
	if (w.full)
		return;
	wire_set_opcode(w.b, OPCODE_NOTIFY);
	wire_set_aa(w.b);
	len = (int)w.len;
	if (t->has_key) {
		struct tsig_ctx tc;
		ssize_t n;

		tsig_start(&tc, &t->key, NULL, 0);
		n = tsig_sign(&tc, b, w.len, sizeof(b), (uint64_t)time(NULL));
		tsig_end(&tc);
		if (n < 0)
			return;
		len = (int)n;
	}
	(void)sendto(fd, b, (size_t)len, 0, (const struct sockaddr *)&t->ss,
	    t->sslen);
	t->st.serial = t->want;
	t->st.sent = (uint32_t)time(NULL);
	t->st.tries++;
	journal_note_notify(zs->name, t->st.target, t->st.serial, t->st.sent,
	    t->st.answered, t->st.tries);
}

static void
notify_tick(struct journal *j)
{
	uint64_t t = clock_ms();

	for (int i = 0; i < NZSTATE; i++) {
		struct zstate *zs = &j->z[i];

		if (!zs->live)
			continue;
		for (int k = 0; k < zs->ntargets; k++) {
			struct target *tg = &zs->t[k];

			if (tg->want == 0 || tg->next_ms > t)
				continue;
			if (tg->st.tries >= NOTIFY_TRIES) {
				log_warnx("notify: %s serial %u to %s: no answer "
				    "after %d tries", zs->name, tg->want,
				    tg->st.target, NOTIFY_TRIES);
				tg->want = 0;
				continue;
			}
			if (tg->st.tries == 0)
				zs->announced_ms = t;
			notify_send(j, zs, tg);
			tg->next_ms = t + ((uint64_t)NOTIFY_FIRST_MS <<
			    (tg->st.tries - 1));
		}
	}
}

static void
notify_read(struct journal *j, int fd)
{
	uint8_t b[512];
	struct sockaddr_storage ss;

	for (;;) {
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, b, sizeof(b), MSG_DONTWAIT,
		    (struct sockaddr *)&ss, &sl);

		if (n < 0)
			return;
		if (n < WIRE_HEADER || !wire_qr(b) ||
		    wire_opcode(b) != OPCODE_NOTIFY)
			continue;
		for (int i = 0; i < NZSTATE; i++)
			for (int k = 0; k < j->z[i].ntargets; k++) {
				struct target *tg = &j->z[i].t[k];

				if (tg->want == 0 || tg->id != wire_id(b) ||
				    tg->sslen != sl ||
				    memcmp(&tg->ss, &ss, sl) != 0)
					continue;
				tg->st.answered = (uint32_t)time(NULL);
				tg->st.tries = 0;
				journal_note_notify(j->z[i].name,
				    tg->st.target, tg->st.serial, tg->st.sent,
				    tg->st.answered, tg->st.tries);
				if (wire_rcode(b) == 0)
					log_debug("notify: %s serial %u to %s: "
					    "answered", j->z[i].name, tg->want,
					    tg->st.target);
				else
					log_warnx("notify: %s serial %u to %s: "
					    "refused (rcode %d)", j->z[i].name,
					    tg->want, tg->st.target,
					    wire_rcode(b));
				tg->want = 0;
				tg->st.tries = 0;
			}
	}
}

static void *
journal_thread(void *arg)
{
	struct journal *j = arg;
	uint64_t next = 0;

	while (!atomic_load(&j->stop)) {
		struct pollfd p[2];
		uint64_t t = clock_ms();
		int np = 0, wait;

		if (t >= next) {
			step(j);
			journal_share_save(j->st);
			next = clock_ms() + TICK_MS;
		}
		notify_tick(j);
		/* A writer waiting to grow the map must not wait for the
		 * base: let it go, and start over from the next snapshot. */
		if (j->have_base && store_reader_contended(j->base)) {
			store_reader_end(j->base);
			j->have_base = false;
		}
		if (j->fd4 >= 0)
			p[np++] = (struct pollfd){ .fd = j->fd4, .events = POLLIN };
		if (j->fd6 >= 0)
			p[np++] = (struct pollfd){ .fd = j->fd6, .events = POLLIN };
		t = clock_ms();
		wait = next > t ? (int)(next - t) : 0;
		if (wait > 100)
			wait = 100;	/* notify retries, growth, stop */
		pthread_mutex_lock(&j->mtx);
		if (j->poked) {
			j->poked = false;
			next = 0;
			wait = 0;
		}
		pthread_mutex_unlock(&j->mtx);
		if (poll(p, (nfds_t)np, wait) > 0)
			for (int i = 0; i < np; i++)
				if (p[i].revents & POLLIN)
					notify_read(j, p[i].fd);
	}
	return NULL;
}

struct journal *
journal_start(struct store *st, struct view_ref *views)
{
	struct journal *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->st = st;
	j->views = views;
	j->view_gen = UINT64_MAX;
	pthread_mutex_init(&j->mtx, NULL);
	pthread_cond_init(&j->cv, NULL);
	j->fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	j->fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if ((j->base = store_reader_new_long(st)) == NULL ||
	    (j->cur = store_reader_new_long(st)) == NULL ||
	    pthread_create(&j->thread, NULL, journal_thread, j) != 0) {
		store_reader_free(j->base);
		store_reader_free(j->cur);
		if (j->fd4 >= 0)
			close(j->fd4);
		if (j->fd6 >= 0)
			close(j->fd6);
		free(j);
		return NULL;
	}
	return j;
}

void
journal_poke(struct journal *j)
{
	if (j == NULL)
		return;
	pthread_mutex_lock(&j->mtx);
	j->poked = true;
	pthread_mutex_unlock(&j->mtx);
}

void
journal_stop(struct journal *j)
{
	if (j == NULL)
		return;
	atomic_store(&j->stop, true);
	pthread_join(j->thread, NULL);
	store_reader_free(j->base);
	store_reader_free(j->cur);
	if (j->fd4 >= 0)
		close(j->fd4);
	if (j->fd6 >= 0)
		close(j->fd6);
	pthread_mutex_destroy(&j->mtx);
	pthread_cond_destroy(&j->cv);
	free(j);
}

