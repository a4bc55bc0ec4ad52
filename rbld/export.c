/* SPDX-License-Identifier: BSD-2-Clause */
/* A zone as one rbldnsd "combined" dataset file, or as a master file, for rbldctl and the API. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export.h"
#include "grace.h"
#include "listing.h"
#include "render.h"
#include "wire.h"

/* The snapshot a whole export reads, and the zone's apex in it. */
struct snap {
	struct store_reader	*rd;
	struct apex		 ap;
};

static int
snap_begin(struct snap *s, const struct view *v, struct store *st, int z)
{
	if ((s->rd = store_reader_new(st)) == NULL ||
	    store_reader_begin(s->rd) != 0) {
		store_reader_free(s->rd);
		s->rd = NULL;
		errno = EIO;
		return -1;
	}
	view_apex(v, z, s->rd, &s->ap);
	return 0;
}

static void
snap_end(struct snap *s)
{
	if (s->rd == NULL)
		return;
	store_reader_end(s->rd);
	store_reader_free(s->rd);
	s->rd = NULL;
}

static void
put_wire_name(FILE *f, const uint8_t *w, size_t len)
{
	char text[WIRE_NAME_TEXT];

	if (wire_name_to_text(w, len, text, sizeof(text)) != 0)
		snprintf(text, sizeof(text), ".");
	fputs(text, f);
}

/* The SOA's fields after its owner, TTL and type, as a master file has them. */
static void
put_soa_data(FILE *f, const struct apex *ap, uint32_t serial)
{
	put_wire_name(f, ap->mname, ap->mlen);
	fputc(' ', f);
	put_wire_name(f, ap->rname, ap->rlen);
	fprintf(f, " %u %u %u %u %u\n", serial, ap->refresh, ap->retry,
	    ap->expire, ap->minimum);
}

static void
put_a(FILE *f, uint32_t a)
{
	fprintf(f, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
	    a & 0xff);
}

/* ---- the zone as an rbldnsd combined dataset ---- */

struct exportctx {
	FILE		*f;
	int		 family;
	uint32_t	 now;
	unsigned long	 n;
	bool		 tty;
	const struct view *view;
};

/* Every value is written out (":A:TXT") so that no default line of
 * rbldnsd's can change it; the stored template holds only "$" and "$$". */
static int
export_cb(void *arg, const struct store_entry *e)
{
	struct exportctx *x = arg;
	char p[IPADDR_STRLEN];

	if (e->p.family != x->family)
		return 0;
	if (e->expires != 0 && e->expires <= x->now)
		return 0;
	if (!e->excl && listing_is_unasked(x->view, &e->p))
		return 0;	/* never listed by rbld: not by rbldnsd either */
	ipaddr_format(&e->p, true, p, sizeof(p));
	if (e->excl)
		fprintf(x->f, "!%s\n", p);
	else {
		fprintf(x->f, "%s :", p);
		put_a(x->f, e->a);
		fprintf(x->f, ":%s\n", e->txt ? e->txt : "");
	}
	if (x->tty && ++x->n % 100000 == 0)
		fprintf(stderr, "exported %lu entries\r", x->n);
	return ferror(x->f) ? 1 : 0;
}

/* An exclusion line; in rbldnsd the first line for a prefix wins, so
 * these go before the entries. */
static int
exclude_cb(void *arg, const struct prefix *p)
{
	FILE *f = arg;
	char text[IPADDR_STRLEN];

	ipaddr_format(p, true, text, sizeof(text));
	fprintf(f, "!%s\n", text);
	return 0;
}

/*
 * 127.0.0.2 is answered apart from the sources' datasets, each of which
 * excludes it: a dataset per answer rbld gives for it, with that answer's
 * TTL, A and TXT template. So whatever makes rbld list it (its sources,
 * the test point in [allow] or not), rbldnsd lists it the same way.
 */
static int
export_test_point(FILE *f, const struct view *v, int z, struct snap *s,
    uint32_t now)
{
	struct listing_hit hits[LISTING_MAX_HITS];
	struct listing_addr la;
	struct prefix tp;
	int n;

	ipaddr_set_v4(&tp, LISTING_TEST_POINT4, 32);
	listing_addr(v, &tp, &la);
	if ((n = listing_find(v, z, &s->ap, s->rd, &la, now, hits)) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *t = "";
		size_t tl = 0;

		listing_template(s->rd, &hits[i], &t, &tl);
		if (i == 0)
			fprintf(f, "$DATASET ip4trie:rfc5782 @\n");
		else
			fprintf(f, "$DATASET ip4trie:rfc5782-%d @\n", i + 1);
		fprintf(f, "$TTL %u\n", hits[i].ttl);
		put_a(f, LISTING_TEST_POINT4);
		fputs(" :", f);
		put_a(f, hits[i].a);
		fprintf(f, ":%.*s\n", (int)tl, t);
	}
	return 0;
}

int
export_rbldnsd(FILE *f, const struct view *v, struct store *st, int z,
    bool progress, unsigned long *count)
{
	const struct view_zone *vz = &v->zones[z];
	struct exportctx x;
	struct snap s;
	int rc = 0;

	memset(&x, 0, sizeof(x));
	x.view = v;
	x.f = f;
	x.now = (uint32_t)time(NULL);
	x.tty = progress;
	if (snap_begin(&s, v, st, z) != 0)
		return -1;
	fprintf(f, "# rbldnsd combined dataset for zone %s, exported by rbld\n"
	    "# serve with: rbldnsd ... %s:combined:FILE\n", vz->cz->name,
	    vz->cz->name);
	fprintf(f, "$SOA %u ", s.ap.soa_ttl);
	put_soa_data(f, &s.ap, store_reader_serial(s.rd, vz->slot));
	if (s.ap.nns > 0) {
		fprintf(f, "$NS %u", s.ap.ns_ttl);
		for (int i = 0; i < s.ap.nns; i++) {
			fputc(' ', f);
			put_wire_name(f, s.ap.ns[i], s.ap.nslen[i]);
		}
		fputc('\n', f);
	}
	for (int i = 0; i < vz->nsrc && rc == 0; i++) {
		for (int fam = 4; fam <= 6 && rc == 0; fam += 2) {
			fprintf(f, "$DATASET ip%dtrie:%s @\n$TTL %u\n", fam,
			    vz->src[i]->name, s.ap.src_ttl[i]);
			if (fam == 4) {
				fputc('!', f);
				put_a(f, LISTING_TEST_POINT4);
				fputc('\n', f);
			}
			listing_unasked(v, fam, exclude_cb, f);
			x.family = fam;
			if (store_reader_walk(s.rd, vz->srcids[i], export_cb,
			    &x) != 0)
				rc = -1;
		}
	}
	if (rc == 0)
		rc = export_test_point(f, v, z, &s, x.now);
	snap_end(&s);
	if (count != NULL)
		*count = x.n;
	if (rc == 0 && (fflush(f) != 0 || ferror(f)))
		rc = -1;
	return rc;
}

/* ---- the zone as a master file (RFC 1035) ---- */

static void
put_txt(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s;
	    p < (const unsigned char *)s + len; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\%03u", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* The renderer (render.c) decides every name and record: this writes them. */
int
export_bind(FILE *f, const struct view *v, struct store *st, int z,
    bool progress, unsigned long *count)
{
	const struct view_zone *vz = &v->zones[z];
	const struct listing_rr *rr;
	struct render_name nm;
	struct render *r = NULL;
	struct snap s;
	int rc = -1, n;

	if (count != NULL)
		*count = 0;
	/* One snapshot for every read: the file is one version of the
	 * zone, and a reader per name would cost more than the lookup. */
	if (snap_begin(&s, v, st, z) != 0)
		return -1;
	if ((r = render_new(v, z, s.rd, &s.ap, (uint32_t)time(NULL))) == NULL)
		goto out;
	fprintf(f, "; zone %s exported by rbld: serve it with any standard "
	    "DNS server\n$ORIGIN %s.\n@\t%u\tIN\tSOA\t", vz->cz->name,
	    vz->cz->name, s.ap.soa_ttl);
	put_soa_data(f, &s.ap, store_reader_serial(s.rd, vz->slot));
	for (int i = 0; i < s.ap.nns; i++) {
		fprintf(f, "@\t%u\tIN\tNS\t", s.ap.ns_ttl);
		put_wire_name(f, s.ap.ns[i], s.ap.nslen[i]);
		fputc('\n', f);
	}
	while ((n = render_next(r, &nm, &rr)) > 0) {
		char owner[WIRE_NAME_TEXT];

		render_name_text(&nm, owner, sizeof(owner));
		fprintf(f, "%s\t%u\tIN\t%s\t", owner, rr->ttl,
		    rr->type == TYPE_A ? "A" : "TXT");
		if (rr->type == TYPE_A)
			put_a(f, rr->a);
		else
			put_txt(f, rr->txt, rr->txtlen);
		fputc('\n', f);
		if (ferror(f))
			goto out;
		if (progress && render_records(r) % 100000 == 0)
			fprintf(stderr, "exported %lu records\r",
			    render_records(r));
	}
	if (n == 0)
		rc = fflush(f) != 0 || ferror(f) ? -1 : 0;
out:
	if (count != NULL && r != NULL)
		*count = render_names(r);
	render_free(r);
	snap_end(&s);
	return rc;
}

/* ---- streamed exports ---- */

static atomic_int exports_active;

struct export_job {
	struct store	*st;
	struct view_ref	*views;
	char		 zone[CONF_DNAME_MAX];
	bool		 bind;
	int		 rfd, wfd;
	pthread_t	 thread;
	bool		 joined;
	atomic_bool	 failed, done;
};

static void *
export_thread(void *arg)
{
	struct export_job *j = arg;
	const struct view *v;
	FILE *f;
	int z, rc = -1;
	sigset_t pipe_set;

	/* A reader that leaves makes the next write fail with EPIPE; the
	 * signal stays pending on this thread and goes with it. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
	grace_enter();
	v = view_get(j->views);
	if ((z = conf_zone_index(v->conf, j->zone)) >= 0 &&
	    (f = fdopen(j->wfd, "w")) != NULL) {
		j->wfd = -1;
		rc = (j->bind ? export_bind : export_rbldnsd)(f, v, j->st, z,
		    false, NULL);
		if (fclose(f) != 0)
			rc = -1;
	}
	grace_exit();
	if (j->wfd != -1)
		close(j->wfd);
	j->wfd = -1;
	atomic_store(&j->failed, rc != 0);
	atomic_store(&j->done, true);
	return NULL;
}

struct export_job *
export_start(struct store *st, struct view_ref *views, const char *zone,
    bool bind)
{
	struct export_job *j;
	int p[2];

	if (atomic_fetch_add(&exports_active, 1) >= EXPORT_MAX_ACTIVE) {
		atomic_fetch_sub(&exports_active, 1);
		errno = EBUSY;
		return NULL;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		goto fail;
	j->st = st;
	j->views = views;
	j->bind = bind;
	snprintf(j->zone, sizeof(j->zone), "%s", zone);
	if (pipe2(p, O_CLOEXEC) != 0) {
		free(j);
		goto fail;
	}
	j->rfd = p[0];
	j->wfd = p[1];
	if (pthread_create(&j->thread, NULL, export_thread, j) != 0) {
		close(p[0]);
		close(p[1]);
		free(j);
		goto fail;
	}
	return j;
fail:
	atomic_fetch_sub(&exports_active, 1);
	errno = ENOMEM;
	return NULL;
}

ssize_t
export_job_read(struct export_job *j, char *buf, size_t max)
{
	ssize_t n;

	do
		n = read(j->rfd, buf, max);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0) {
		/* The end: the writer closed its side, and says how it went. */
		if (!j->joined)
			pthread_join(j->thread, NULL);
		j->joined = true;
		return atomic_load(&j->failed) ? -1 : 0;
	}
	return n;
}

void
export_job_free(struct export_job *j)
{
	if (j == NULL)
		return;
	/* A reader that left: the writer's next write fails (EPIPE) and it
	 * stops. */
	close(j->rfd);
	if (!j->joined)
		pthread_join(j->thread, NULL);
	free(j);
	atomic_fetch_sub(&exports_active, 1);
}
