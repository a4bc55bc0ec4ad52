/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the upstream resolver (rbld/upstream.c) against a fake DNS list
 * of the test's own on loopback: answers, the match filter, TXT, negative
 * answers, failures, the cache and one query for concurrent askers.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../rbld/upstream.h"
#include "testutil.h"

#define ZONE	"zen.test"

/* ---- the fake list ---- */

static int srv_fd;
static pthread_t srv_thread;
static atomic_bool srv_stop;
static atomic_int queries;		/* every query it got */
static atomic_int delay_ms;		/* before each answer */

static void
add_rr(ldns_pkt *p, ldns_pkt_section sec, const char *text)
{
	ldns_rr *rr;

	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL),
	    LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, sec, rr);
}

static void
answer(ldns_pkt *q, ldns_pkt *a)
{
	ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	char *name = ldns_rdf2str(ldns_rr_owner(qrr));
	ldns_rr_type t = ldns_rr_get_type(qrr);
	char line[512];

	ldns_pkt_set_rcode(a, LDNS_RCODE_NOERROR);
	if (strcmp(name, "2.0.0.127." ZONE ".") == 0 && t == LDNS_RR_TYPE_A) {
		add_rr(a, LDNS_SECTION_ANSWER, "2.0.0.127." ZONE ". 300 IN A "
		    "127.0.0.2");
		add_rr(a, LDNS_SECTION_ANSWER, "2.0.0.127." ZONE ". 300 IN A "
		    "127.0.0.4");
	} else if (strcmp(name, "2.0.0.127." ZONE ".") == 0 &&
	    t == LDNS_RR_TYPE_TXT)
		add_rr(a, LDNS_SECTION_ANSWER, "2.0.0.127." ZONE ". 300 IN TXT "
		    "\"Listed: see the test\"");
	else if (strcmp(name, "3.0.0.127." ZONE ".") == 0)
		add_rr(a, LDNS_SECTION_ANSWER, "3.0.0.127." ZONE ". 300 IN A "
		    "127.255.255.254");
	else if (strcmp(name, "5.0.0.127." ZONE ".") == 0 ||
	    strncmp(name, "2", 1) == 0)	/* 200 to 255: a list in trouble */
		ldns_pkt_set_rcode(a, LDNS_RCODE_SERVFAIL);
	else {
		ldns_pkt_set_rcode(a, LDNS_RCODE_NXDOMAIN);
		snprintf(line, sizeof(line), "%s. 60 IN SOA ns." ZONE ". "
		    "h." ZONE ". 1 3600 600 86400 60", ZONE);
		add_rr(a, LDNS_SECTION_AUTHORITY, line);
	}
	LDNS_FREE(name);
}

static void *
srv_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&srv_stop)) {
		struct pollfd pf = { srv_fd, POLLIN, 0 };
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		uint8_t buf[1500], *out;
		size_t outlen;
		ldns_pkt *q, *a;
		ssize_t n;

		if (poll(&pf, 1, 50) <= 0)
			continue;
		if ((n = recvfrom(srv_fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&ss, &sl)) <= 0)
			continue;
		if (ldns_wire2pkt(&q, buf, (size_t)n) != LDNS_STATUS_OK)
			continue;
		atomic_fetch_add(&queries, 1);
		a = ldns_pkt_new();
		ldns_pkt_set_id(a, ldns_pkt_id(q));
		ldns_pkt_set_qr(a, true);
		ldns_pkt_set_aa(a, true);
		ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, ldns_rr_clone(
		    ldns_rr_list_rr(ldns_pkt_question(q), 0)));
		answer(q, a);
		if (atomic_load(&delay_ms) > 0)
			usleep((useconds_t)atomic_load(&delay_ms) * 1000);
		if (ldns_pkt2wire(&out, a, &outlen) == LDNS_STATUS_OK) {
			sendto(srv_fd, out, outlen, 0, (struct sockaddr *)&ss,
			    sl);
			free(out);
		}
		ldns_pkt_free(q);
		ldns_pkt_free(a);
	}
	return NULL;
}

/* ---- the resolver ---- */

static struct ucache *cache;
static struct upstream *up;
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done_count;

static void
done(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mtx);
	done_count++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mtx);
}

static void
setup(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	struct upstream_conf uc;
	char err[256];

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(srv_fd = socket(AF_INET, SOCK_DGRAM, 0), 0);
	ck_assert_int_eq(bind(srv_fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(srv_fd, (struct sockaddr *)&sin, &sl), 0);
	atomic_store(&srv_stop, false);
	atomic_store(&queries, 0);
	atomic_store(&delay_ms, 0);
	ck_assert_int_eq(pthread_create(&srv_thread, NULL, srv_main, NULL), 0);
	memset(&uc, 0, sizeof(uc));
	uc.nstubs = 1;
	uc.break_after = 3;
	uc.break_secs = 1;
	snprintf(uc.stubs[0].zone, sizeof(uc.stubs[0].zone), "%s", ZONE);
	snprintf(uc.stubs[0].addr, sizeof(uc.stubs[0].addr), "127.0.0.1@%u",
	    ntohs(sin.sin_port));
	ck_assert_ptr_nonnull(cache = ucache_new(1 << 20, 10, 3600, 5));
	up = upstream_start(&uc, cache, err, sizeof(err));
	ck_assert_msg(up != NULL, "%s", err);
	done_count = 0;
}

static void
teardown(void)
{
	upstream_stop(up);
	ucache_free(cache);
	atomic_store(&srv_stop, true);
	pthread_join(srv_thread, NULL);
	close(srv_fd);
}

static struct upstream_q
question(int last, bool txt)
{
	struct upstream_q q;
	char ip[32], why[64];

	memset(&q, 0, sizeof(q));
	q.src = 1;
	snprintf(ip, sizeof(ip), "127.0.0.%d", last);
	ck_assert_int_eq(ipaddr_parse_addr(ip, &q.ip), 0);
	snprintf(q.zone, sizeof(q.zone), "%s", ZONE);
	snprintf(q.source, sizeof(q.source), "zen");
	q.txt = txt;
	ck_assert_int_eq(match_parse(MATCH_DNSBL_DEFAULT, &q.match, why,
	    sizeof(why)), 0);
	q.done = done;
	return q;
}

/* Wait for N answers in all (5 s at most). */
static void
wait_done(int n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&mtx);
	while (done_count < n)
		if (pthread_cond_timedwait(&cv, &mtx, &ts) != 0)
			break;
	ck_assert_msg(done_count >= n, "%d answers, %d expected", done_count,
	    n);
	pthread_mutex_unlock(&mtx);
}

static uint32_t
now(void)
{
	return (uint32_t)time(NULL);
}

START_TEST(test_listed_with_txt_then_cached)
{
	struct upstream_q q = question(2, true);
	struct uanswer a;
	int asked;

	ck_assert_int_eq(upstream_ask(up, &q, now()), 1);
	wait_done(1);
	ck_assert_int_eq(ucache_get(cache, 1, &q.ip, now(), &a), UCACHE_HIT);
	ck_assert(a.listed);
	ck_assert_int_eq(a.na, 2);
	ck_assert(a.a[0][0] == 127 && (a.a[0][3] == 2 || a.a[0][3] == 4));
	ck_assert_int_eq(a.txtlen, strlen("Listed: see the test"));
	ck_assert(memcmp(a.txt, "Listed: see the test", a.txtlen) == 0);
	/* The same question again: the cache answers, nothing is sent. */
	asked = atomic_load(&queries);
	ck_assert_int_eq(upstream_ask(up, &q, now()), 0);
	usleep(100 * 1000);
	ck_assert_int_eq(atomic_load(&queries), asked);
}
END_TEST

START_TEST(test_unmatched_negative_and_failed)
{
	struct upstream_q unmatched = question(3, false);
	struct upstream_q nx = question(9, false);
	struct upstream_q bad = question(5, false);
	struct upstream_stats s;
	struct uanswer a;

	ck_assert_int_eq(upstream_ask(up, &unmatched, now()), 1);
	ck_assert_int_eq(upstream_ask(up, &nx, now()), 1);
	ck_assert_int_eq(upstream_ask(up, &bad, now()), 1);
	wait_done(3);
	/* 127.255.255.254 is no listing of the default match. */
	ck_assert_int_eq(ucache_get(cache, 1, &unmatched.ip, now(), &a),
	    UCACHE_HIT);
	ck_assert(!a.listed);
	/* NXDOMAIN is an answer, and cached. */
	ck_assert_int_eq(ucache_get(cache, 1, &nx.ip, now(), &a), UCACHE_HIT);
	ck_assert(!a.listed && a.na == 0);
	/* SERVFAIL is not: the next asker asks again. */
	ck_assert_int_eq(ucache_get(cache, 1, &bad.ip, now(), NULL),
	    UCACHE_MISS);
	upstream_stats(up, &s);
	ck_assert_uint_ge(s.unmatched, 1);
	ck_assert_uint_ge(s.failed, 1);
	ck_assert_uint_ge(s.answered, 2);
}
END_TEST

START_TEST(test_concurrent_askers_share_one_query)
{
	struct upstream_q q = question(7, false);
	struct uanswer a;

	atomic_store(&delay_ms, 300);
	ck_assert_int_eq(upstream_ask(up, &q, now()), 1);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(upstream_ask(up, &q, now()), 0);
	ck_assert_int_eq(ucache_get(cache, 1, &q.ip, now(), &a),
	    UCACHE_PENDING);
	wait_done(1);
	ck_assert_int_eq(ucache_get(cache, 1, &q.ip, now(), &a), UCACHE_HIT);
	ck_assert_int_eq(atomic_load(&queries), 1);
}
END_TEST

START_TEST(test_breaker_and_figures)
{
	struct upstream_source_stats s;
	struct upstream_q q;
	int sent;

	/* Three failures in a row open the breaker: nobody asks for 1 s. */
	for (int i = 0; i < 3; i++) {
		q = question(200 + i, false);
		ck_assert_int_eq(upstream_ask(up, &q, now()), 1);
		wait_done(i + 1);
	}
	sent = atomic_load(&queries);
	q = question(210, false);
	errno = 0;
	ck_assert_int_eq(upstream_ask(up, &q, now()), -1);
	ck_assert_int_eq(errno, EHOSTDOWN);
	usleep(100 * 1000);
	ck_assert_int_eq(atomic_load(&queries), sent);
	upstream_source_stats(up, 1, &s);
	ck_assert_uint_eq(s.failed, 3);
	ck_assert_uint_eq(s.skipped, 1);
	ck_assert_uint_ne(s.broken_until, 0);
	ck_assert_str_eq(s.last_error, "SERVFAIL");
	/* After the pause one question tries it; an answer closes it. */
	sleep(2);
	q = question(2, false);
	ck_assert_int_eq(upstream_ask(up, &q, now()), 1);
	wait_done(4);
	upstream_source_stats(up, 1, &s);
	ck_assert_uint_eq(s.broken_until, 0);
	ck_assert_uint_eq(s.answered, 1);
	ck_assert_uint_ge(s.p50_ms, 1);
	ck_assert_uint_ge(s.p99_ms, s.p50_ms);
	q = question(3, false);
	ck_assert_int_eq(upstream_ask(up, &q, now()), 1);
	wait_done(5);
}
END_TEST

START_TEST(test_qname)
{
	struct prefix p;
	char name[PARSE_DNAME_MAX];

	ck_assert_int_eq(ipaddr_parse_addr("192.0.2.7", &p), 0);
	ck_assert_int_eq(upstream_qname(&p, "bl.test", name), 0);
	ck_assert_str_eq(name, "7.2.0.192.bl.test");
	ck_assert_int_eq(ipaddr_parse_addr("2001:db8::1", &p), 0);
	ck_assert_int_eq(upstream_qname(&p, "bl.test", name), 0);
	ck_assert_str_eq(name, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2.bl.test");
}
END_TEST

static Suite *
upstream_suite(void)
{
	Suite *s = suite_create("upstream");
	TCase *tc = tcase_create("resolver");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_listed_with_txt_then_cached);
	tcase_add_test(tc, test_unmatched_negative_and_failed);
	tcase_add_test(tc, test_concurrent_askers_share_one_query);
	tcase_add_test(tc, test_breaker_and_figures);
	tcase_add_test(tc, test_qname);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return test_run(upstream_suite());
}
