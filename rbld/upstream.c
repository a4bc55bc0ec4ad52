/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The upstream resolver: one thread owns a libunbound context (which
 * caches, honours TTLs and recurses from this host, or forwards), takes
 * questions from a bounded queue that DNS workers fill without waiting,
 * and puts each answer in the upstream cache, where the workers find it.
 *
 * A question about an address may need two upstream queries (its A and,
 * with txt = keep, its TXT); the answer is cached once both are in. Which
 * A records count is the source's match: an answer none of whose records
 * match (127.255.255.254, say: Spamhaus's "you asked through a public
 * resolver") is "not listed", counted and logged once a minute.
 *
 * QNAME minimisation is off: DNS lists answer names shorter than a full
 * address inconsistently, and a minimised query tells them nothing less.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "log.h"
#include "upstream.h"
#include "wire.h"

#define UNMATCHED_LOG_SECS	60
#define FAIL_LOG_SECS		60	/* a failing source: one line a minute */
#define BREAK_AFTER		5
#define BREAK_SECS		30
#define BREAK_DOUBLINGS		4	/* 30 s .. 8 min */

/* A source's breaker and figures: counters atomic (read by stats), the
 * rest the resolver thread's, behind the mutex for the readers. */
struct source_state {
	atomic_uint_fast64_t	 asked, answered, failed, unmatched, skipped;
	atomic_uint_fast64_t	 lat[UPSTREAM_LAT_BUCKETS];
	atomic_uint		 broken_until;	/* read by upstream_ask */
	atomic_bool		 probing;	/* one question tries it */
	unsigned		 fails_in_row, breaks;
	time_t			 fail_logged;
	unsigned		 fails_unlogged;
	uint32_t		 last_error_time;
	char			 last_error[128];
};

struct job {
	struct job		*next, **prevp;	/* the jobs out */
	struct upstream		*u;
	struct timespec		 sent;
	struct upstream_q	 q;
	int			 parts;		/* queries not answered yet */
	bool			 failed;
	uint32_t		 ttl;
	struct uanswer		 ans;
	char			 why[128];	/* the first failure */
};

struct upstream {
	struct ub_ctx		*ctx;
	struct ucache		*cache;
	pthread_t		 thread;
	int			 wake;		/* eventfd: questions queued */
	atomic_bool		 stop;
	pthread_mutex_t		 mtx;		/* the queue */
	struct upstream_q	*queue;
	unsigned		 head, count;
	struct job		*out;		/* resolver thread's */
	unsigned		 break_after;
	uint32_t		 break_secs;
	pthread_mutex_t		 smtx;		/* last_error */
	struct source_state	 src[UPSTREAM_SOURCES];
	atomic_uint_fast64_t	 asked, answered, failed, unmatched, dropped;
	time_t			 unmatched_logged;	/* resolver thread's */
};

static uint32_t
now_s(void)
{
	return (uint32_t)time(NULL);
}

int
upstream_qname(const struct prefix *ip, const char *zone,
    char out[PARSE_DNAME_MAX])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	size_t zl = strlen(zone);

	if (ip->family == 4) {
		int n = snprintf(out, PARSE_DNAME_MAX, "%u.%u.%u.%u.",
		    ip->addr[3], ip->addr[2], ip->addr[1], ip->addr[0]);

		p += n;
	} else {
		for (int i = 15; i >= 0; i--) {
			*p++ = hex[ip->addr[i] & 15];
			*p++ = '.';
			*p++ = hex[ip->addr[i] >> 4];
			*p++ = '.';
		}
	}
	if ((size_t)(p - out) + zl + 1 > PARSE_DNAME_MAX)
		return -1;
	memcpy(p, zone, zl + 1);
	return 0;
}

static uint32_t
ms_since(const struct timespec *t0)
{
	struct timespec t1;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
	return ms < 0 ? 0 : (uint32_t)ms;
}

/* A failure of source S: the breaker, the last error, the log. */
static void
source_failed(struct upstream *u, struct source_state *s, const struct job *j)
{
	time_t t = time(NULL);

	atomic_fetch_add(&s->failed, 1);
	pthread_mutex_lock(&u->smtx);
	snprintf(s->last_error, sizeof(s->last_error), "%s", j->why);
	s->last_error_time = (uint32_t)t;
	pthread_mutex_unlock(&u->smtx);
	s->fails_unlogged++;
	if (t - s->fail_logged >= FAIL_LOG_SECS) {
		log_warnx("upstream %s: %s (%u failed question%s since the "
		    "last such line); rbld answers without it meanwhile",
		    j->q.source, j->why, s->fails_unlogged,
		    s->fails_unlogged == 1 ? "" : "s");
		s->fail_logged = t;
		s->fails_unlogged = 0;
	}
	/* A failed try of an open breaker opens it again at once. */
	if (atomic_load(&s->broken_until) != 0 ||
	    ++s->fails_in_row >= u->break_after) {
		uint32_t secs = u->break_secs << (s->breaks < BREAK_DOUBLINGS ?
		    s->breaks : BREAK_DOUBLINGS);

		if (s->breaks < BREAK_DOUBLINGS + 1)
			s->breaks++;
		atomic_store(&s->broken_until, (uint32_t)t + secs);
		log_warnx("upstream %s: failing (%s): not asked for %us",
		    j->q.source, j->why, secs);
		s->fails_in_row = 0;
	}
	atomic_store(&s->probing, false);
}

static void
job_finish(struct job *j)
{
	struct upstream *u = j->u;
	struct source_state *s = &u->src[j->q.src];

	if (j->failed) {
		ucache_fail(u->cache, j->q.src, &j->q.ip);
		atomic_fetch_add(&u->failed, 1);
		source_failed(u, s, j);
	} else {
		uint32_t ms = ms_since(&j->sent);
		int b = 0;

		while (b < UPSTREAM_LAT_BUCKETS - 1 && ms >= (1u << b))
			b++;
		atomic_fetch_add(&s->lat[b], 1);
		ucache_put(u->cache, j->q.src, &j->q.ip, &j->ans, j->ttl, now_s());
		atomic_fetch_add(&u->answered, 1);
		atomic_fetch_add(&s->answered, 1);
		if (s->breaks > 0 || atomic_load(&s->broken_until) != 0)
			log_info("upstream %s answers again", j->q.source);
		s->fails_in_row = 0;
		s->breaks = 0;
		atomic_store(&s->broken_until, 0);
		atomic_store(&s->probing, false);
	}
	if (j->q.done != NULL)
		j->q.done(j->q.arg);
	if ((*j->prevp = j->next) != NULL)
		j->next->prevp = j->prevp;
	free(j);
}

static void
fail(struct job *j, const char *fmt, const char *what)
{
	if (!j->failed)
		snprintf(j->why, sizeof(j->why), fmt, what);
	j->failed = true;
}

/* The A records of R that the source's match takes. */
static void
got_a(struct job *j, struct ub_result *r)
{
	struct upstream *u = j->u;
	int unmatched = 0;

	for (int i = 0; r->havedata && r->data[i] != NULL; i++) {
		const uint8_t *a = (const uint8_t *)r->data[i];

		if (r->len[i] != 4)
			continue;
		if (!match_test(&j->q.match, a)) {
			unmatched = i + 1;
			continue;
		}
		if (j->ans.na < UCACHE_A_MAX)
			memcpy(j->ans.a[j->ans.na++], a, 4);
	}
	j->ans.listed = j->ans.na > 0;
	if (unmatched > 0) {
		const uint8_t *a = (const uint8_t *)r->data[unmatched - 1];
		time_t t = time(NULL);

		atomic_fetch_add(&u->unmatched, 1);
		atomic_fetch_add(&u->src[j->q.src].unmatched, 1);
		if (t - u->unmatched_logged >= UNMATCHED_LOG_SECS) {
			u->unmatched_logged = t;
			log_warnx("upstream %s: %s answered %u.%u.%u.%u, which "
			    "its match does not take (an error code? some lists "
			    "refuse public resolvers); counted as not listed",
			    j->q.source, r->qname, a[0], a[1], a[2], a[3]);
		}
	}
}

/* The first TXT string of R, cut to what the cache keeps. */
static void
got_txt(struct job *j, struct ub_result *r)
{
	size_t n;

	if (!r->havedata || r->data[0] == NULL || r->len[0] < 1)
		return;
	n = (uint8_t)r->data[0][0];
	if (n > (size_t)r->len[0] - 1)
		n = (size_t)r->len[0] - 1;
	if (n > UCACHE_TXT_MAX)
		n = UCACHE_TXT_MAX;
	memcpy(j->ans.txt, r->data[0] + 1, n);
	j->ans.txtlen = (uint8_t)n;
}

static void
answered(void *arg, int err, struct ub_result *r)
{
	struct job *j = arg;

	if (err != 0)
		fail(j, "%s", ub_strerror(err));
	else if (r->rcode != RCODE_NOERROR &&
	    r->rcode != RCODE_NXDOMAIN)
		fail(j, "%s", r->rcode == RCODE_REFUSED ? "REFUSED" :
		    r->rcode == RCODE_SERVFAIL ? "SERVFAIL" :
		    "an error rcode");
	else {
		uint32_t ttl = r->ttl > 0 ? (uint32_t)r->ttl : 0;

		if (j->parts == 2 || ttl < j->ttl)
			j->ttl = ttl;
		if (r->qtype == TYPE_A)
			got_a(j, r);
		else
			got_txt(j, r);
	}
	if (r != NULL)
		ub_resolve_free(r);
	if (--j->parts == 0)
		job_finish(j);
}

static void
send_job(struct upstream *u, const struct upstream_q *q)
{
	struct job *j = calloc(1, sizeof(*j));
	char name[PARSE_DNAME_MAX];

	if (j == NULL || upstream_qname(&q->ip, q->zone, name) != 0) {
		free(j);
		ucache_fail(u->cache, q->src, &q->ip);
		atomic_fetch_add(&u->failed, 1);
		return;
	}
	j->u = u;
	j->q = *q;
	clock_gettime(CLOCK_MONOTONIC, &j->sent);
	if ((j->next = u->out) != NULL)
		j->next->prevp = &j->next;
	j->prevp = &u->out;
	u->out = j;
	j->parts = q->txt ? 2 : 1;
	j->ttl = UINT32_MAX;
	/* Both are sent before either can complete: only ub_process, in
	 * this thread, runs the callbacks. */
	for (int k = 0; k < (q->txt ? 2 : 1); k++) {
		int rc = ub_resolve_async(u->ctx, name, k == 0 ? TYPE_A :
		    TYPE_TXT, 1, j, answered, NULL);

		atomic_fetch_add(&u->asked, 1);
		if (k == 0)
			atomic_fetch_add(&u->src[q->src].asked, 1);
		if (rc != 0) {
			fail(j, "%s", ub_strerror(rc));
			if (--j->parts == 0) {
				job_finish(j);
				return;
			}
		}
	}
}

static void *
upstream_main(void *arg)
{
	struct upstream *u = arg;
	struct pollfd pf[2] = { { ub_fd(u->ctx), POLLIN, 0 },
	    { u->wake, POLLIN, 0 } };

	while (!atomic_load(&u->stop)) {
		uint64_t n;

		if (poll(pf, 2, 200) < 0 && errno != EINTR)
			break;
		if (pf[1].revents & POLLIN) {
			if (read(u->wake, &n, sizeof(n)) < 0 &&
			    errno != EAGAIN)
				break;
		}
		for (;;) {
			struct upstream_q q;

			pthread_mutex_lock(&u->mtx);
			if (u->count == 0) {
				pthread_mutex_unlock(&u->mtx);
				break;
			}
			q = u->queue[u->head];
			u->head = (u->head + 1) % UPSTREAM_QUEUE;
			u->count--;
			pthread_mutex_unlock(&u->mtx);
			send_job(u, &q);
		}
		if (ub_poll(u->ctx))
			ub_process(u->ctx);
	}
	return NULL;
}

static int
ub_err(char *err, size_t errlen, const char *what, int rc)
{
	snprintf(err, errlen, "%s: %s", what, ub_strerror(rc));
	return -1;
}

static int
configure(struct ub_ctx *ctx, const struct upstream_conf *uc, char *err,
    size_t errlen)
{
	int rc;

	if ((rc = ub_ctx_set_option(ctx, "qname-minimisation:", "no")) != 0)
		return ub_err(err, errlen, "qname-minimisation", rc);
	/* A list's mirror, or the tests' fake lists, may be on this host. */
	if ((rc = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no")) != 0)
		return ub_err(err, errlen, "do-not-query-localhost", rc);
	if (uc->forward != NULL &&
	    (rc = ub_ctx_set_fwd(ctx, uc->forward)) != 0)
		return ub_err(err, errlen, uc->forward, rc);
	for (int i = 0; i < uc->nstubs; i++) {
		char lz[PARSE_DNAME_MAX + 16];

		/* A list under a name unbound keeps to itself (RFC 6761's
		 * "test.", "invalid."), as a mirror or a test may be, is
		 * asked all the same. */
		snprintf(lz, sizeof(lz), "%s. transparent", uc->stubs[i].zone);
		if ((rc = ub_ctx_set_option(ctx, "local-zone:", lz)) != 0)
			return ub_err(err, errlen, uc->stubs[i].zone, rc);
		if ((rc = ub_ctx_set_stub(ctx, uc->stubs[i].zone,
		    uc->stubs[i].addr, 0)) != 0)
			return ub_err(err, errlen, uc->stubs[i].addr, rc);
	}
	/* An answer is handed out by our callbacks, in our thread. */
	if ((rc = ub_ctx_async(ctx, 0)) != 0)
		return ub_err(err, errlen, "async", rc);
	return 0;
}

struct upstream *
upstream_start(const struct upstream_conf *uc, struct ucache *cache,
    char *err, size_t errlen)
{
	struct upstream *u = calloc(1, sizeof(*u));

	if (u == NULL || (u->queue = calloc(UPSTREAM_QUEUE,
	    sizeof(*u->queue))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	u->cache = cache;
	u->wake = -1;
	u->break_after = uc->break_after > 0 ? uc->break_after : BREAK_AFTER;
	u->break_secs = uc->break_secs > 0 ? uc->break_secs : BREAK_SECS;
	if ((u->ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errlen, "cannot make a resolver context");
		goto fail;
	}
	if (configure(u->ctx, uc, err, errlen) != 0)
		goto fail;
	if ((u->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&u->mtx, NULL);
	pthread_mutex_init(&u->smtx, NULL);
	if (pthread_create(&u->thread, NULL, upstream_main, u) != 0) {
		snprintf(err, errlen, "cannot start the resolver's thread");
		pthread_mutex_destroy(&u->mtx);
		pthread_mutex_destroy(&u->smtx);
		goto fail;
	}
	return u;
fail:
	if (u != NULL) {
		if (u->ctx != NULL)
			ub_ctx_delete(u->ctx);
		if (u->wake != -1)
			close(u->wake);
		free(u->queue);
		free(u);
	}
	return NULL;
}

void
upstream_stop(struct upstream *u)
{
	if (u == NULL)
		return;
	atomic_store(&u->stop, true);
	pthread_join(u->thread, NULL);
	/* Questions still out are dropped with the context (their callbacks
	 * never run), and whoever waits for them is told. */
	ub_ctx_delete(u->ctx);
	while (u->out != NULL) {
		u->out->failed = true;
		snprintf(u->out->why, sizeof(u->out->why), "rbld is stopping");
		job_finish(u->out);
	}
	close(u->wake);
	pthread_mutex_destroy(&u->mtx);
	pthread_mutex_destroy(&u->smtx);
	free(u->queue);
	free(u);
}

int
upstream_ask(struct upstream *u, const struct upstream_q *q, uint32_t now)
{
	struct source_state *s;
	uint64_t one = 1;
	bool full, no = false;
	uint32_t until;

	if (q->src < 0 || q->src >= UPSTREAM_SOURCES) {
		errno = EINVAL;
		return -1;
	}
	s = &u->src[q->src];
	/* An open breaker: nobody asks, but one question may try once the
	 * pause is over. */
	if ((until = atomic_load(&s->broken_until)) != 0 && (now < until ||
	    !atomic_compare_exchange_strong(&s->probing, &no, true))) {
		atomic_fetch_add(&s->skipped, 1);
		errno = EHOSTDOWN;
		return -1;
	}
	if (!ucache_claim(u->cache, q->src, &q->ip, now)) {
		if (until != 0)
			atomic_store(&s->probing, false);
		return 0;
	}
	pthread_mutex_lock(&u->mtx);
	full = u->count == UPSTREAM_QUEUE;
	if (!full) {
		u->queue[(u->head + u->count) % UPSTREAM_QUEUE] = *q;
		u->count++;
	}
	pthread_mutex_unlock(&u->mtx);
	if (full) {
		if (until != 0)
			atomic_store(&s->probing, false);
		ucache_fail(u->cache, q->src, &q->ip);
		atomic_fetch_add(&u->dropped, 1);
		errno = EAGAIN;
		return -1;
	}
	(void)!write(u->wake, &one, sizeof(one));
	return 1;
}

void
upstream_source_stats(struct upstream *u, int src,
    struct upstream_source_stats *out)
{
	struct source_state *s;
	uint64_t n = 0, seen = 0, lat[UPSTREAM_LAT_BUCKETS];

	memset(out, 0, sizeof(*out));
	if (src < 0 || src >= UPSTREAM_SOURCES)
		return;
	s = &u->src[src];
	out->asked = atomic_load(&s->asked);
	out->answered = atomic_load(&s->answered);
	out->failed = atomic_load(&s->failed);
	out->unmatched = atomic_load(&s->unmatched);
	out->skipped = atomic_load(&s->skipped);
	out->broken_until = atomic_load(&s->broken_until);
	for (int b = 0; b < UPSTREAM_LAT_BUCKETS; b++)
		n += lat[b] = atomic_load(&s->lat[b]);
	/* The upper bound of the bucket the quantile falls in. */
	for (int b = 0; b < UPSTREAM_LAT_BUCKETS && n > 0; b++) {
		seen += lat[b];
		if (out->p50_ms == 0 && seen * 2 >= n)
			out->p50_ms = 1u << b;
		if (seen * 100 >= n * 99) {
			out->p99_ms = 1u << b;
			break;
		}
	}
	pthread_mutex_lock(&u->smtx);
	snprintf(out->last_error, sizeof(out->last_error), "%s",
	    s->last_error);
	out->last_error_time = s->last_error_time;
	pthread_mutex_unlock(&u->smtx);
}

void
upstream_stats(struct upstream *u, struct upstream_stats *out)
{
	out->asked = atomic_load(&u->asked);
	out->answered = atomic_load(&u->answered);
	out->failed = atomic_load(&u->failed);
	out->unmatched = atomic_load(&u->unmatched);
	out->dropped = atomic_load(&u->dropped);
}
