/* SPDX-License-Identifier: BSD-2-Clause */
/* Zone transfers out (RFC 5936): a thread per transfer streams the zone from one snapshot. */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "clock.h"
#include "dns.h"
#include "grace.h"
#include "journal.h"
#include "log.h"
#include "render.h"
#include "tsig.h"
#include "wire.h"
#include "xfr.h"

#define XFR_MSG_MAX	65535	/* a TCP message */
#define XFR_MSG_ROOM	512	/* kept free in each message (for TSIG) */
#define XFR_SEND_MS	30000	/* a secondary that stops reading is dropped */

struct xfr {
	struct store	*st;
	struct view_ref	*views;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 idle;
	int		 nactive;
	int		 fds[XFR_MAX_ACTIVE];	/* -1: a free slot */
	atomic_bool	 stop;
};

struct job {
	struct xfr	*x;
	int		 slot, fd;
	struct prefix	 peer;
	size_t		 qlen;
	uint8_t		 q[];
};

/* One transfer's state. */
struct stream {
	struct job	*j;
	const struct view *v;
	const struct view_zone *vz;	/* NULL: the catalog */
	const char	*zname;
	struct dns_xfr	 req;
	struct store_reader *rd;
	struct apex	 ap;
	uint32_t	 serial;
	uint8_t		 buf[2 + XFR_MSG_MAX];
	struct wire_buf	 w;		/* the message at hand, after the length */
	uint16_t	 an;		/* its records */
	struct tsig_ctx	 tsig;		/* signing, with a transfer-key */
	bool		 signing;
	unsigned long	 records, messages, renewals;
	size_t		 bytes;
};

/* All of LEN bytes, within XFR_SEND_MS of silence: 0, or -1. */
static int
send_all(struct stream *s, const uint8_t *b, size_t len)
{
	while (len > 0) {
		struct pollfd p = { .fd = s->j->fd, .events = POLLOUT };
		ssize_t n;

		if (atomic_load(&s->j->x->stop))
			return -1;
		if (poll(&p, 1, XFR_SEND_MS) <= 0)
			return -1;
		n = send(s->j->fd, b, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A reply header and the question, as the query had it. */
static void
msg_begin(struct stream *s)
{
	wire_buf_init(&s->w, s->buf + 2, XFR_MSG_MAX - XFR_MSG_ROOM);
	wire_put16(&s->w, s->req.id);
	wire_put16(&s->w, 0);
	wire_put16(&s->w, 1);
	wire_put16(&s->w, 0);
	wire_put16(&s->w, 0);
	wire_put16(&s->w, 0);
	wire_put(&s->w, s->j->q + WIRE_HEADER, s->req.qend - WIRE_HEADER);
	wire_set_qr(s->w.b);
	wire_set_aa(s->w.b);
	s->an = 0;
}

static int
msg_send(struct stream *s)
{
	size_t len;

	wire_set_count(s->w.b, WIRE_AN, s->an);
	len = s->w.len;
	if (s->signing) {
		/* Every message signed, each chaining from the one before
		 * (RFC 8945 5.3.1); XFR_MSG_ROOM keeps space for it. */
		ssize_t n = tsig_sign(&s->tsig, s->w.b, len, XFR_MSG_MAX,
		    (uint64_t)time(NULL));

		if (n < 0)
			return -1;
		len = (size_t)n;
	}
	wire_set16(s->buf, (uint16_t)len);
	if (send_all(s, s->buf, len + 2) != 0)
		return -1;
	s->bytes += len + 2;
	s->messages++;
	return 0;
}

/* The owner of a record: a name under the question's (the apex). */
static const uint8_t apex_ptr[2] = { WIRE_PTR_HEADER >> 8,
    WIRE_PTR_HEADER & 0xff };

enum rec { REC_SOA, REC_NS, REC_RR };

/*
 * One record into the message at hand; a full message goes out first and
 * the record starts the next. 1 when a message went out, 0, or -1.
 */
static int
put(struct stream *s, enum rec kind, int i, const uint8_t *owner,
    size_t olen, const struct listing_rr *rr)
{
	for (int tries = 0; tries < 2; tries++) {
		size_t before = s->w.len;

		if (kind == REC_SOA)
			dns_put_soa(&s->w, apex_ptr, 2, &s->ap, s->serial,
			    s->ap.soa_ttl);
		else if (kind == REC_NS)
			dns_put_ns(&s->w, apex_ptr, 2, &s->ap, i);
		else
			dns_put_rr(&s->w, owner, olen, rr);
		if (!s->w.full) {
			s->an++;
			s->records++;
			return tries;
		}
		wire_buf_truncate(&s->w, before);
		if (s->an == 0 || msg_send(s) != 0)
			return -1;
		msg_begin(s);
	}
	return -1;
}

/*
 * Let the snapshot go while a writer waits to grow the map, and take the
 * next: the transfer goes on only if the zone is still the version it
 * began with (its serial), since a secondary must get one version.
 */
static int
renew(struct stream *s, struct render *r)
{
	if (!store_reader_contended(s->rd))
		return 0;
	render_suspend(r);
	store_reader_end(s->rd);
	if (store_reader_begin(s->rd) != 0)
		return -1;
	s->renewals++;
	if (store_reader_serial(s->rd, s->vz->slot) != s->serial) {
		errno = ESTALE;
		return -1;
	}
	return render_resume(r);
}

/* The zone, SOA first and last (RFC 5936 2.2). */
static int
stream_zone(struct stream *s)
{
	const struct listing_rr *rr;
	struct render_name nm;
	struct render *r;
	int n;

	/* Time 0: the committed entries, as the journal renders them
	 * (journal.c), so that a serial names one set of records. */
	if ((r = render_new(s->v, s->req.zone, s->rd, &s->ap, 0)) == NULL)
		return -1;
	msg_begin(s);
	if (put(s, REC_SOA, 0, NULL, 0, NULL) < 0)
		goto fail;
	for (int i = 0; i < s->ap.nns; i++)
		if (put(s, REC_NS, i, NULL, 0, NULL) < 0)
			goto fail;
	while ((n = render_next(r, &nm, &rr)) > 0) {
		uint8_t owner[WIRE_NAME_MAX];
		size_t olen = render_name_wire(&nm, apex_ptr, 2, owner);

		if (olen == 0)
			continue;	/* deeper than a name can be: none */
		if ((n = put(s, REC_RR, 0, owner, olen, rr)) < 0)
			goto fail;
		if (n > 0 && renew(s, r) != 0)
			goto fail;
	}
	if (n < 0 || put(s, REC_SOA, 0, NULL, 0, NULL) < 0 ||
	    msg_send(s) != 0)
		goto fail;
	render_free(r);
	return 0;
fail:
	render_free(r);
	return -1;
}

/* The catalog: SOA, NS, the version and the members, SOA; one message. */
static int
stream_catalog(struct stream *s)
{
	msg_begin(s);
	if (put(s, REC_SOA, 0, NULL, 0, NULL) < 0 ||
	    put(s, REC_NS, 0, NULL, 0, NULL) < 0)
		return -1;
	for (int i = 0; i < catalog_nrecs(s->v); i++) {
		struct catalog_rec r;
		size_t before = s->w.len;

		catalog_rec(s->v, i, &r);
		catalog_put(&s->w, &r, apex_ptr, sizeof(apex_ptr));
		if (s->w.full) {
			/* 33 records of at most 300 bytes: never */
			wire_buf_truncate(&s->w, before);
			return -1;
		}
		s->an++;
		s->records++;
	}
	if (put(s, REC_SOA, 0, NULL, 0, NULL) < 0)
		return -1;
	return msg_send(s);
}

/* ---- IXFR from the journal (RFC 1995) ---- */

struct chain {
	struct journal_diff *d;
	uint32_t	 at;		/* the serial the steps reach */
	unsigned	 steps;
};

static int
chain_step(void *arg, uint32_t from, uint32_t to, const uint8_t *blob,
    size_t len)
{
	struct chain *c = arg;

	(void)from;
	c->at = to;
	c->steps++;
	return journal_diff_add(c->d, blob, len) != 0;
}

struct emit {
	struct stream	*s;
	int		 err;
};

/* A journal record (owner labels, type, TTL, rdata) into the stream. */
static int
emit_rec(void *arg, const uint8_t *r, size_t len)
{
	struct emit *e = arg;
	struct stream *s = e->s;
	uint8_t owner[WIRE_NAME_MAX];
	size_t olen = r[0], rdlen;
	struct listing_rr rr;

	(void)len;
	if (olen + 2 > sizeof(owner))
		return e->err = -1;
	memcpy(owner, r + 1, olen);
	memcpy(owner + olen, apex_ptr, 2);
	memset(&rr, 0, sizeof(rr));
	rr.type = wire_get16(r + 1 + olen);
	rr.ttl = wire_get32(r + 1 + olen + 2);
	rdlen = wire_get16(r + 1 + olen + 6);
	if (rr.type == TYPE_A && rdlen == 4)
		rr.a = wire_get32(r + 1 + olen + 8);
	else if (rr.type == TYPE_TXT && rdlen >= 1 &&
	    r[1 + olen + 8] == rdlen - 1) {
		rr.txtlen = (uint8_t)(rdlen - 1);
		memcpy(rr.txt, r + 1 + olen + 9, rr.txtlen);
	} else
		return e->err = -1;
	if (put(s, REC_RR, 0, owner, olen + 2, &rr) < 0)
		return e->err = -1;
	return 0;
}

/*
 * The difference from the client's serial to the journal's newest, as
 * one condensed step: SOA(new), SOA(old), what goes, SOA(new), what
 * comes, SOA(new). 1 when the journal cannot answer (then the whole
 * zone), 0 when sent, -1 on failure.
 */
static int
stream_ixfr(struct stream *s)
{
	struct chain c = { journal_diff_new(), 0, 0 };
	struct emit e = { s, 0 };
	uint32_t cur = s->serial;
	int rc;

	if (c.d == NULL)
		return -1;
	rc = store_reader_journal(s->rd, s->vz->cz->name, s->req.serial,
	    chain_step, &c);
	if (rc != 0 || c.steps == 0) {
		journal_diff_free(c.d);
		return rc < 0 ? -1 : 1;
	}
	/* The journal may trail the newest commit by a step: the client
	 * gets what it holds, and asks again after the next NOTIFY. */
	s->serial = c.at;
	msg_begin(s);
	rc = -1;
	if (put(s, REC_SOA, 0, NULL, 0, NULL) < 0)
		goto out;
	s->serial = s->req.serial;
	if (put(s, REC_SOA, 0, NULL, 0, NULL) < 0)
		goto out;
	s->serial = c.at;
	if (journal_diff_each(c.d, false, emit_rec, &e) != 0 || e.err ||
	    put(s, REC_SOA, 0, NULL, 0, NULL) < 0 ||
	    journal_diff_each(c.d, true, emit_rec, &e) != 0 || e.err ||
	    put(s, REC_SOA, 0, NULL, 0, NULL) < 0 || msg_send(s) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		s->serial = cur;
	journal_diff_free(c.d);
	return rc;
}

static void
reply_error(struct stream *s, int rcode)
{
	size_t len = dns_error_reply(s->j->q, s->j->qlen, rcode, s->buf + 2,
	    XFR_MSG_MAX);

	if (len == 0)
		return;
	wire_set16(s->buf, (uint16_t)len);
	(void)send_all(s, s->buf, len + 2);
}

static void
serve(struct stream *s)
{
	struct job *j = s->j;
	char peer[IPADDR_STRLEN];
	uint64_t t0 = clock_ms();
	bool current = false;
	const char *kind = NULL;
	int rc;

	ipaddr_format(&j->peer, true, peer, sizeof(peer));
	grace_enter();
	s->v = view_get(j->x->views);
	if ((rc = dns_xfr_check(s->v, j->q, j->qlen, &j->peer, &s->req)) != 0) {
		/* The view changed since the worker looked: say what is so. */
		reply_error(s, rc < 0 ? RCODE_FORMERR : rc);
		log_info("xfr: refused a transfer to %s", peer);
		goto out;
	}
	if (s->req.catalog) {
		s->zname = s->v->catalog.text;
	} else {
		s->vz = &s->v->zones[s->req.zone];
		s->zname = s->vz->cz->name;
	}
	if (s->req.is_signed) {
		tsig_start(&s->tsig, &s->v->zones[s->req.keyzone].xfr_key,
		    s->req.mac, s->req.maclen);
		s->signing = true;
	}
	if ((s->rd = store_reader_new(j->x->st)) == NULL ||
	    store_reader_begin(s->rd) != 0) {
		reply_error(s, RCODE_SERVFAIL);
		log_err("xfr: %s to %s: cannot read the database", s->zname,
		    peer);
		goto out;
	}
	if (s->req.catalog) {
		s->ap = s->v->catalog.ap;
		s->serial = s->v->catalog.serial;
	} else {
		view_apex(s->v, s->req.zone, s->rd, &s->ap);
		s->serial = store_reader_serial(s->rd, s->vz->slot);
	}
	/* An IXFR from a client as new as we are: our SOA alone (RFC 1995 2). */
	if (s->req.qtype == TYPE_IXFR && s->req.has_serial &&
	    !wire_serial_lt(s->req.serial, s->serial)) {
		current = true;
		msg_begin(s);
		rc = put(s, REC_SOA, 0, NULL, 0, NULL) < 0 ? -1 : msg_send(s);
	} else if (s->req.catalog) {
		/* Small, and changed by reloads only: always whole. */
		rc = stream_catalog(s);
	} else if (s->req.qtype == TYPE_IXFR && s->req.has_serial &&
	    (rc = stream_ixfr(s)) <= 0) {
		kind = rc == 0 ? "IXFR" : kind;
	} else
		rc = stream_zone(s);
	if (rc != 0) {
		if (errno == ESTALE)
			log_warnx("xfr: %s to %s: stopped, the zone changed "
			    "while the map grew; the secondary will retry",
			    s->zname, peer);
		else
			log_warnx("xfr: %s serial %u to %s: stopped after %zu "
			    "bytes", s->zname, s->serial, peer, s->bytes);
		goto out;
	}
	if (kind != NULL)
		log_info("xfr: IXFR %s serial %u -> %u to %s: %lu records, "
		    "%zu bytes, %lu messages, %llu ms", s->zname,
		    s->req.serial, s->serial, peer, s->records, s->bytes,
		    s->messages, (unsigned long long)(clock_ms() - t0));
	else
		log_info("xfr: %s %s serial %u to %s: %lu records, %zu bytes, "
		    "%lu messages, %llu ms", current ? "IXFR (current)" :
		    s->req.qtype == TYPE_IXFR ? "IXFR as AXFR" : "AXFR",
		    s->zname, s->serial, peer, s->records, s->bytes,
		    s->messages, (unsigned long long)(clock_ms() - t0));
	journal_note_transfer(s->zname, peer, kind != NULL ? kind :
	    current ? "IXFR (current)" : s->req.qtype == TYPE_IXFR ?
	    "IXFR as AXFR" : "AXFR", s->serial, s->bytes,
	    (uint32_t)(clock_ms() - t0));
out:
	if (s->signing)
		tsig_end(&s->tsig);
	if (s->rd != NULL) {
		store_reader_end(s->rd);
		store_reader_free(s->rd);
	}
	grace_exit();
}

static void *
xfr_thread(void *arg)
{
	struct job *j = arg;
	struct xfr *x = j->x;
	struct stream *s = calloc(1, sizeof(*s));

	if (s != NULL) {
		s->j = j;
		serve(s);
		free(s);
	}
	pthread_mutex_lock(&x->mtx);
	x->fds[j->slot] = -1;
	close(j->fd);
	x->nactive--;
	pthread_cond_broadcast(&x->idle);
	pthread_mutex_unlock(&x->mtx);
	free(j);
	return NULL;
}

struct xfr *
xfr_new(struct store *st, struct view_ref *views)
{
	struct xfr *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->st = st;
	x->views = views;
	pthread_mutex_init(&x->mtx, NULL);
	pthread_cond_init(&x->idle, NULL);
	for (int i = 0; i < XFR_MAX_ACTIVE; i++)
		x->fds[i] = -1;
	return x;
}

int
xfr_start(struct xfr *x, int fd, const uint8_t *q, size_t qlen,
    const struct prefix *peer)
{
	pthread_attr_t attr;
	pthread_t t;
	struct job *j;
	int slot;

	if ((j = malloc(sizeof(*j) + qlen)) == NULL)
		return -1;
	pthread_mutex_lock(&x->mtx);
	for (slot = 0; slot < XFR_MAX_ACTIVE && x->fds[slot] != -1; slot++)
		;
	if (slot == XFR_MAX_ACTIVE || atomic_load(&x->stop)) {
		pthread_mutex_unlock(&x->mtx);
		free(j);
		errno = EBUSY;
		return -1;
	}
	j->x = x;
	j->slot = slot;
	j->fd = fd;
	j->peer = *peer;
	j->qlen = qlen;
	memcpy(j->q, q, qlen);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, xfr_thread, j) != 0) {
		pthread_attr_destroy(&attr);
		pthread_mutex_unlock(&x->mtx);
		free(j);
		errno = ENOMEM;
		return -1;
	}
	pthread_attr_destroy(&attr);
	x->fds[slot] = fd;
	x->nactive++;
	pthread_mutex_unlock(&x->mtx);
	return 0;
}

int
xfr_active(struct xfr *x)
{
	int n;

	pthread_mutex_lock(&x->mtx);
	n = x->nactive;
	pthread_mutex_unlock(&x->mtx);
	return n;
}

void
xfr_free(struct xfr *x)
{
	if (x == NULL)
		return;
	pthread_mutex_lock(&x->mtx);
	atomic_store(&x->stop, true);
	for (int i = 0; i < XFR_MAX_ACTIVE; i++)
		if (x->fds[i] != -1)
			shutdown(x->fds[i], SHUT_RDWR);
	while (x->nactive > 0)
		pthread_cond_wait(&x->idle, &x->mtx);
	pthread_mutex_unlock(&x->mtx);
	pthread_cond_destroy(&x->idle);
	pthread_mutex_destroy(&x->mtx);
	free(x);
}
