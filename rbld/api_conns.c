/* SPDX-License-Identifier: BSD-2-Clause */
/* The API's connections: per-address limits that a slow client cannot hold, and deadlines for headers and requests. */
#include <sys/socket.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "clock.h"
#include "log.h"

#define WATCH_MS	250	/* how often deadlines are looked at */
#define LOG_EVERY_MS	10000	/* at most one "closed" line per 10 s */

struct api_conn {
	struct api_conn	*prev, *next;
	int		 fd;
	struct in6_addr	 client;	/* auth_client_key */
	uint64_t	 opened_ms;
	uint64_t	 deadline_ms;	/* 0: shut down already */
	bool		 busy;		/* a request's handler runs */
};

struct api_conns {
	pthread_mutex_t	 mtx;
	struct api_conn	*head;
	unsigned	 per_ip;
	uint32_t	 header_ms, request_ms, idle_ms;
	uint64_t	 closed_late, evicted, refused;
	uint64_t	 logged_ms;
	pthread_t	 watchdog;
	bool		 watching;
	atomic_bool	 stop;
};

struct api_conns *
api_conns_new(unsigned per_ip, uint32_t header_s, uint32_t request_s,
    uint32_t idle_s)
{
	struct api_conns *cs = calloc(1, sizeof(*cs));

	if (cs == NULL)
		return NULL;
	pthread_mutex_init(&cs->mtx, NULL);
	cs->per_ip = per_ip;
	cs->header_ms = header_s * 1000;
	cs->request_ms = request_s * 1000;
	cs->idle_ms = idle_s * 1000;
	return cs;
}

/* A connection's end, at once: its thread in libmicrohttpd reads EOF and
 * closes it. The socket is still open: the close callback takes the same
 * lock before libmicrohttpd closes it. */
static void
cut(struct api_conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->deadline_ms = 0;
}

struct api_conn *
api_conns_open(struct api_conns *cs, int fd, const struct sockaddr *client,
    uint64_t now)
{
	struct api_conn *c = calloc(1, sizeof(*c)), *oldest = NULL;
	unsigned same = 0;

	if (c == NULL)
		return NULL;
	c->fd = fd;
	auth_client_key(client, &c->client);
	c->opened_ms = now;
	c->deadline_ms = now + cs->header_ms;
	pthread_mutex_lock(&cs->mtx);
	for (struct api_conn *o = cs->head; o != NULL; o = o->next) {
		if (o->deadline_ms == 0 ||
		    memcmp(&o->client, &c->client, sizeof(c->client)) != 0)
			continue;
		same++;
		if (!o->busy && (oldest == NULL ||
		    o->opened_ms < oldest->opened_ms))
			oldest = o;
	}
	/*
	 * At its address's limit, a new connection takes the place of the
	 * oldest one that is not in a request (idle, or still sending its
	 * headers): connections that dribble cannot keep a reporter of the
	 * same address out. When every one is in a request, the new one goes.
	 */
	if (same >= cs->per_ip) {
		if (oldest == NULL) {
			cs->refused++;
			pthread_mutex_unlock(&cs->mtx);
			free(c);
			return NULL;
		}
		cut(oldest);
		cs->evicted++;
	}
	c->next = cs->head;
	if (cs->head != NULL)
		cs->head->prev = c;
	cs->head = c;
	pthread_mutex_unlock(&cs->mtx);
	return c;
}

void
api_conns_request(struct api_conns *cs, struct api_conn *c, uint64_t now)
{
	pthread_mutex_lock(&cs->mtx);
	c->busy = true;
	if (c->deadline_ms != 0)
		c->deadline_ms = now + cs->request_ms;
	pthread_mutex_unlock(&cs->mtx);
}

void
api_conns_done(struct api_conns *cs, struct api_conn *c, uint64_t now)
{
	pthread_mutex_lock(&cs->mtx);
	c->busy = false;
	/* The next request's headers: as long as an idle connection stays. */
	if (c->deadline_ms != 0)
		c->deadline_ms = now + cs->idle_ms;
	pthread_mutex_unlock(&cs->mtx);
}

void
api_conns_close(struct api_conns *cs, struct api_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&cs->mtx);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		cs->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&cs->mtx);
	free(c);
}

unsigned
api_conns_expire(struct api_conns *cs, uint64_t now)
{
	unsigned n = 0;
	bool say;

	pthread_mutex_lock(&cs->mtx);
	for (struct api_conn *c = cs->head; c != NULL; c = c->next)
		if (c->deadline_ms != 0 && c->deadline_ms <= now) {
			cut(c);
			n++;
		}
	cs->closed_late += n;
	say = n > 0 && now >= cs->logged_ms + LOG_EVERY_MS;
	if (say)
		cs->logged_ms = now;
	pthread_mutex_unlock(&cs->mtx);
	if (say)
		log_info("api: closed %u connection(s) that sent no whole "
		    "request in time (%u s for headers, %u s for a request)",
		    n, cs->header_ms / 1000, cs->request_ms / 1000);
	return n;
}

void
api_conns_counts(struct api_conns *cs, uint64_t *late, uint64_t *evicted,
    uint64_t *refused)
{
	pthread_mutex_lock(&cs->mtx);
	*late = cs->closed_late;
	*evicted = cs->evicted;
	*refused = cs->refused;
	pthread_mutex_unlock(&cs->mtx);
}

static void *
watchdog(void *arg)
{
	struct api_conns *cs = arg;
	struct timespec ts = { 0, WATCH_MS * 1000000L };

	while (!atomic_load(&cs->stop)) {
		api_conns_expire(cs, clock_ms());
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int
api_conns_watch(struct api_conns *cs)
{
	if (pthread_create(&cs->watchdog, NULL, watchdog, cs) != 0)
		return -1;
	cs->watching = true;
	return 0;
}

void
api_conns_free(struct api_conns *cs)
{
	if (cs == NULL)
		return;
	atomic_store(&cs->stop, true);
	if (cs->watching)
		pthread_join(cs->watchdog, NULL);
	while (cs->head != NULL)
		api_conns_close(cs, cs->head);
	pthread_mutex_destroy(&cs->mtx);
	free(cs);
}
