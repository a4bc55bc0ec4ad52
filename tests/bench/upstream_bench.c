/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * upstream_bench: the latency of rbld's upstream resolver (rbld/upstream.c,
 * libunbound) on cache misses and hits, against a DNS list on loopback.
 *
 *   upstream_bench ZONE ADDR@PORT N
 *
 * Asks N distinct addresses (10.0.0.1 on) of ZONE, served by the list at
 * ADDR@PORT (tests/bench/upstream.sh starts rbldnsd there), one at a time,
 * timing each from upstream_ask to its answer in the cache; then asks them
 * all again, which the cache answers. Prints p50, p90, p99 and max of each
 * in microseconds, and how many answers said "listed".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "upstream.h"

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ndone;

static void
done(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mtx);
	ndone++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mtx);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%-12s n=%d p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n",
	    what, n, v[n / 2], v[n * 9 / 10], v[n * 99 / 100], v[n - 1]);
}

int
main(int argc, char **argv)
{
	struct upstream_conf uc;
	struct upstream *u;
	struct ucache *c;
	struct upstream_q q;
	char err[256], why[64];
	double *miss, *hit;
	int n, listed = 0;

	if (argc != 4 || (n = atoi(argv[3])) < 10) {
		fprintf(stderr, "usage: upstream_bench ZONE ADDR@PORT N (>= 10)\n");
		return 2;
	}
	memset(&uc, 0, sizeof(uc));
	uc.nstubs = 1;
	snprintf(uc.stubs[0].zone, sizeof(uc.stubs[0].zone), "%s", argv[1]);
	snprintf(uc.stubs[0].addr, sizeof(uc.stubs[0].addr), "%s", argv[2]);
	if ((c = ucache_new(64u << 20, 60, 3600, 5)) == NULL ||
	    (u = upstream_start(&uc, c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "upstream_bench: %s\n", c ? err : "no memory");
		return 1;
	}
	miss = calloc((size_t)n, sizeof(*miss));
	hit = calloc((size_t)n, sizeof(*hit));
	memset(&q, 0, sizeof(q));
	snprintf(q.zone, sizeof(q.zone), "%s", argv[1]);
	snprintf(q.source, sizeof(q.source), "bench");
	match_parse(MATCH_DNSBL_DEFAULT, &q.match, why, sizeof(why));
	q.done = done;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++) {
			char ip[32];
			struct uanswer a;
			double t0;

			snprintf(ip, sizeof(ip), "10.%d.%d.%d", (i + 1) >> 16 & 255,
			    (i + 1) >> 8 & 255, (i + 1) & 255);
			ipaddr_parse_addr(ip, &q.ip);
			t0 = now_us();
			if (upstream_ask(u, &q, (uint32_t)time(NULL)) == 1) {
				pthread_mutex_lock(&mtx);
				while (ndone <= i)
					pthread_cond_wait(&cv, &mtx);
				pthread_mutex_unlock(&mtx);
			}
			if (ucache_get(c, 0, &q.ip, (uint32_t)time(NULL), &a) !=
			    UCACHE_HIT) {
				fprintf(stderr, "upstream_bench: %s: no answer\n",
				    ip);
				return 1;
			}
			(pass == 0 ? miss : hit)[i] = now_us() - t0;
			listed += pass == 0 && a.listed;
		}
	report("cache miss", miss, n);
	report("cache hit", hit, n);
	printf("listed: %d of %d\n", listed, n);
	upstream_stop(u);
	ucache_free(c);
	free(miss);
	free(hit);
	return 0;
}
