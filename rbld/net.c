/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS over UDP and TCP: sockets, worker threads, batching. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "grace.h"
#include "hits.h"
#include "rrl.h"
#include "log.h"
#include "net.h"
#include "wire.h"
#include "xfr.h"

#define NET_BATCH		32	/* packets per recvmmsg/sendmmsg */
#define NET_UDP_IN		4096	/* larger queries are not DNSBL queries */
#define NET_UDP_OUT		4096
#define NET_TCP_MAX_CONN	1024	/* per listener: tcp-connections' most */
#define NET_TCP_MSG		65535
#define NET_MAX_SOCKS		(CONF_MAX_LISTEN * 64)
#define NET_COALESCE_US		100	/* pause after a short batch, see udp_worker */

struct worker {
	struct net		*net;
	pthread_t		 thread;
	bool			 started;
	int			 fd;
	bool			 tcp;
	struct store_reader	*rd;
	struct apex_cache	*apexes;
	struct dns_stats	 stats;
	struct hits_ring	*hits;		/* NULL: the hits log is off */
	struct rrl		*rrl;		/* UDP answers per network */
};

struct net {
	int			 nworkers;
	struct worker		 workers[NET_MAX_SOCKS];
	struct store		*st;
	struct view_ref		*views;
	atomic_bool		 stop;
	long			 coalesce_us;
	unsigned		 hits;		/* [rbld] hits, all workers */
	struct xfr		*xfr;		/* zone transfers out */
	int			(*notified)(void *, const char *,
				    const struct sockaddr *);
	void			*notified_arg;
};

static int
net_socket(const struct endpoint *l, int type, in_port_t port, char *err,
    size_t errlen, in_port_t *bound)
{
	struct sockaddr_storage ss = l->ss;
	socklen_t len = l->sslen;
	int fd, one = 1;

	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	if ((fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "%s: socket: %s", l->text, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (type == SOCK_DGRAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		snprintf(err, errlen, "%s: bind (%s): %s", l->text,
		    type == SOCK_DGRAM ? "udp" : "tcp", strerror(errno));
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM && listen(fd, 128) == -1) {
		snprintf(err, errlen, "%s: listen: %s", l->text, strerror(errno));
		close(fd);
		return -1;
	}
	if (bound != NULL) {
		struct sockaddr_storage got;
		socklen_t gl = sizeof(got);

		getsockname(fd, (struct sockaddr *)&got, &gl);
		*bound = ntohs(got.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&got)->sin_port :
		    ((struct sockaddr_in6 *)&got)->sin6_port);
	}
	if (type == SOCK_DGRAM) {
		/* Wake up every second so that a stop is seen. */
		struct timeval tv = { 1, 0 };
		int buf = 4 * 1024 * 1024;

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	}
	return fd;
}

struct net *
net_bind(const struct conf *conf, char *err, size_t errlen)
{
	struct net *n;
	int i, w;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < conf->ndns; i++) {
		const struct endpoint *l = &conf->dns[i];
		in_port_t port = ntohs(l->ss.ss_family == AF_INET ?
		    ((const struct sockaddr_in *)&l->ss)->sin_port :
		    ((const struct sockaddr_in6 *)&l->ss)->sin6_port);
		in_port_t bound = 0;
		int tries;

		/*
		 * With port 0 the first socket picks a port; the TCP listener
		 * and the other workers must then get the same one, which may
		 * be taken for TCP: try a few ports.
		 */
		if (n->nworkers + conf->workers + 1 > NET_MAX_SOCKS) {
			snprintf(err, errlen, "too many sockets: %d addresses "
			    "with %d workers each", conf->ndns, conf->workers);
			goto fail;
		}
		for (tries = 0; tries < 20; tries++) {
			int first = n->nworkers;
			int fd = net_socket(l, SOCK_DGRAM, port, err, errlen,
			    &bound);

			if (fd == -1)
				goto fail;
			n->workers[n->nworkers].fd = fd;
			n->workers[n->nworkers++].tcp = false;
			for (w = 1; w < conf->workers && fd != -1; w++) {
				fd = net_socket(l, SOCK_DGRAM, bound, err,
				    errlen, NULL);
				if (fd != -1) {
					n->workers[n->nworkers].fd = fd;
					n->workers[n->nworkers++].tcp = false;
				}
			}
			if (fd != -1)
				fd = net_socket(l, SOCK_STREAM, bound, err,
				    errlen, NULL);
			if (fd != -1) {
				n->workers[n->nworkers].fd = fd;
				n->workers[n->nworkers++].tcp = true;
				break;
			}
			while (n->nworkers > first)
				close(n->workers[--n->nworkers].fd);
			if (port != 0)
				goto fail;
		}
		if (tries == 20)
			goto fail;
		{
			/* The address part of "host:port", with the real port. */
			const char *colon = strrchr(l->text, ':');
			int hl = colon ? (int)(colon - l->text) : (int)strlen(l->text);

			log_info("dns: listening on %.*s:%u (udp, tcp)", hl,
			    l->text, bound);
		}
	}
	n->hits = conf->hits;
	return n;
fail:
	for (i = 0; i < n->nworkers; i++)
		close(n->workers[i].fd);
	free(n);
	return NULL;
}

/* ---- UDP ---- */

/* The rate limit the configuration in force sets. */
static void
rrl_settings(const struct conf *c, struct rrl_settings *s)
{
	s->rate = c->rrl_rate;
	s->slip = c->rrl_slip;
	s->prefix4 = c->rrl_prefix4;
	s->prefix6 = c->rrl_prefix6;
	s->nexempt = c->nrrl_exempt;
	s->exempt = c->rrl_exempt;
}

/* What W answers from in this batch: inside grace_enter and a snapshot. */
static void
worker_ctx(struct worker *w, struct dns_ctx *cx)
{
	cx->view = view_get(w->net->views);
	cx->rd = w->rd;
	cx->apexes = w->apexes;
	cx->now = (uint32_t)time(NULL);
	cx->stats = &w->stats;
	cx->hits = w->hits;
	cx->peer = NULL;
	cx->xfr = NULL;
	cx->notified = w->net->notified;
	cx->notified_arg = w->net->notified_arg;
}

void
net_on_notify(struct net *n, int (*fn)(void *, const char *,
    const struct sockaddr *), void *arg)
{
	n->notified = fn;
	n->notified_arg = arg;
}

static void *
udp_worker(void *arg)
{
	struct worker *w = arg;
	struct net *n = w->net;
	static __thread uint8_t in[NET_BATCH][NET_UDP_IN];
	static __thread uint8_t out[NET_BATCH][NET_UDP_OUT];
	struct mmsghdr msgs[NET_BATCH], reps[NET_BATCH];
	struct sockaddr_storage peers[NET_BATCH];
	struct iovec iov[NET_BATCH], oiov[NET_BATCH];
	bool short_batch = false;

	while (!atomic_load_explicit(&n->stop, memory_order_relaxed)) {
		struct rrl_settings rs;
		struct dns_ctx cx;
		int got, nrep = 0;

		for (int i = 0; i < NET_BATCH; i++) {
			iov[i].iov_base = in[i];
			iov[i].iov_len = sizeof(in[i]);
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_name = &peers[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(peers[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		/*
		 * Coalesce like a NIC does: after a short batch, let the queue
		 * fill for a moment instead of waking up for every packet. A
		 * wakeup costs more than answering a query; the delay is far
		 * below what a resolver notices. Idle workers block.
		 */
		got = recvmmsg(w->fd, msgs, NET_BATCH,
		    short_batch ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
		if (got <= 0) {
			short_batch = false;
			continue;
		}
		short_batch = got < NET_BATCH;
		/* One read section and one snapshot for the whole batch. */
		grace_enter();
		if (store_reader_begin(w->rd) != 0) {
			grace_exit();
			w->stats.servfail += (uint64_t)got;
			continue;
		}
		worker_ctx(w, &cx);
		rrl_settings(cx.view->conf, &rs);
		for (int i = 0; i < got; i++) {
			size_t len;
			bool logged;

			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				w->stats.dropped++;
				continue;
			}
			cx.peer = (const struct sockaddr *)&peers[i];
			len = dns_answer(&cx, in[i], msgs[i].msg_len, out[nrep],
			    NET_UDP_OUT, false);
			if (len == 0)
				continue;
			switch (rrl_check(w->rrl, &rs, cx.peer, cx.now,
			    &logged)) {
			case RRL_SEND:
				break;
			case RRL_SLIP:
				w->stats.rrl_slipped++;
				len = dns_slip(out[nrep], len);
				break;
			case RRL_DROP:
				w->stats.rrl_dropped++;
				len = 0;
				break;
			}
			if (len == 0)
				continue;
			oiov[nrep].iov_base = out[nrep];
			oiov[nrep].iov_len = len;
			memset(&reps[nrep].msg_hdr, 0, sizeof(reps[nrep].msg_hdr));
			reps[nrep].msg_hdr.msg_name = &peers[i];
			reps[nrep].msg_hdr.msg_namelen = msgs[i].msg_hdr.msg_namelen;
			reps[nrep].msg_hdr.msg_iov = &oiov[nrep];
			reps[nrep].msg_hdr.msg_iovlen = 1;
			nrep++;
		}
		store_reader_end(w->rd);
		grace_exit();
		for (int sent = 0; sent < nrep;) {
			int r = sendmmsg(w->fd, reps + sent,
			    (unsigned)(nrep - sent), 0);

			if (r <= 0) {
				/* Drop the one that failed (a peer that went away). */
				sent++;
				continue;
			}
			sent += r;
		}
		if (short_batch && n->coalesce_us > 0) {
			struct timespec ts = { 0, n->coalesce_us * 1000L };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

/* ---- TCP ---- */

struct tconn {
	int		fd;
	struct sockaddr_storage peer;
	struct prefix	client;		/* ipaddr_client_net */
	uint64_t	last;		/* ms of the last activity */
	uint64_t	msg_start;	/* ms of a message's first byte; 0 none */
	unsigned	queries;	/* answered on it */
	bool		closing;	/* tcp-queries reached: close once sent */
	uint8_t		*in;		/* 2-byte length + message */
	size_t		inlen;
	uint8_t		*out;
	size_t		outlen, outoff;
};

static void
tconn_close(struct tconn *c)
{
	if (c->fd != -1)
		close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/*
 * Answer every complete message in C's input buffer. A zone transfer goes
 * to a thread of its own with the connection: false then, and C is free.
 */
static bool
tconn_process(struct worker *w, struct tconn *c, unsigned max_queries,
    uint64_t now)
{
	while (c->inlen >= 2 && c->outlen == 0 && !c->closing) {
		size_t mlen = wire_get16(c->in), len = 0;
		struct dns_xfr xfr;
		struct dns_ctx cx;

		if (c->inlen < 2 + mlen)
			return true;
		xfr.zone = -1;
		xfr.catalog = false;
		grace_enter();
		if (store_reader_begin(w->rd) == 0) {
			worker_ctx(w, &cx);
			cx.peer = (const struct sockaddr *)&c->peer;
			cx.xfr = &xfr;
			len = dns_answer(&cx, c->in + 2, mlen, c->out + 2,
			    NET_TCP_MSG, true);
			store_reader_end(w->rd);
		}
		grace_exit();
		if (xfr.zone >= 0 || xfr.catalog) {
			struct prefix peer;

			if (ipaddr_from_sockaddr((const struct sockaddr *)
			    &c->peer, &peer) == 0 && xfr_start(w->net->xfr,
			    c->fd, c->in + 2, mlen, &peer) == 0) {
				c->fd = -1;	/* the transfer's now */
				tconn_close(c);
				return false;
			}
			log_warnx("dns: a zone transfer refused: %d "
			    "transfers at once already", XFR_MAX_ACTIVE);
			len = dns_error_reply(c->in + 2, mlen, RCODE_SERVFAIL,
			    c->out + 2, NET_TCP_MSG);
		}
		memmove(c->in, c->in + 2 + mlen, c->inlen - 2 - mlen);
		c->inlen -= 2 + mlen;
		/* What is left is the next message's start, if anything. */
		c->msg_start = c->inlen > 0 ? now : 0;
		if (max_queries > 0 && ++c->queries >= max_queries)
			c->closing = true;
		if (len == 0)
			continue;
		wire_set16(c->out, (uint16_t)len);
		c->outlen = len + 2;
		c->outoff = 0;
	}
	return true;
}

/* The TCP limits of the configuration in force. */
struct tcp_limits {
	unsigned	max, per_ip, queries;
	uint64_t	idle_ms, query_ms;
};

static void
tcp_limits(struct net *n, struct tcp_limits *l)
{
	const struct view *v;

	grace_enter();
	v = view_get(n->views);
	l->max = v->conf->tcp_connections;
	l->per_ip = v->conf->tcp_per_ip;
	l->queries = v->conf->tcp_queries;
	l->idle_ms = (uint64_t)v->conf->tcp_idle_timeout * 1000;
	l->query_ms = (uint64_t)v->conf->tcp_query_timeout * 1000;
	grace_exit();
	if (l->max > NET_TCP_MAX_CONN)
		l->max = NET_TCP_MAX_CONN;
}

static void *
tcp_worker(void *arg)
{
	struct worker *w = arg;
	struct net *n = w->net;
	static __thread struct tconn conns[NET_TCP_MAX_CONN];
	static __thread struct pollfd pfd[NET_TCP_MAX_CONN + 1];
	static __thread int map[NET_TCP_MAX_CONN + 1];
	struct tcp_limits lim;
	int nconn = 0;

	for (int i = 0; i < NET_TCP_MAX_CONN; i++)
		conns[i].fd = -1;
	fcntl(w->fd, F_SETFL, fcntl(w->fd, F_GETFL) | O_NONBLOCK);
	while (!atomic_load_explicit(&n->stop, memory_order_relaxed)) {
		int np = 0;
		uint64_t t;

		tcp_limits(n, &lim);

		pfd[np].fd = w->fd;
		pfd[np].events = POLLIN;
		map[np++] = -1;
		for (int i = 0; i < NET_TCP_MAX_CONN; i++) {
			if (conns[i].fd == -1)
				continue;
			pfd[np].fd = conns[i].fd;
			pfd[np].events = conns[i].outlen ? POLLOUT : POLLIN;
			map[np++] = i;
		}
		if (poll(pfd, (nfds_t)np, 1000) < 0 && errno != EINTR)
			break;
		t = clock_ms();
		for (int p = 0; p < np; p++) {
			struct tconn *c;

			if (map[p] == -1) {
				int fd, slot;

				if (!(pfd[p].revents & POLLIN))
					continue;
				struct sockaddr_storage ss;
				socklen_t sl = sizeof(ss);

				struct prefix client;
				unsigned same = 0;
				int own = -1;

				fd = accept4(w->fd, (struct sockaddr *)&ss, &sl,
				    SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd == -1)
					continue;
				if (ipaddr_client_net((struct sockaddr *)&ss,
				    &client) != 0)
					memset(&client, 0, sizeof(client));
				/*
				 * One client holds tcp-per-ip at most: its own
				 * longest idle connection makes room, so that
				 * it can never take the others' places.
				 */
				for (int k = 0; k < NET_TCP_MAX_CONN; k++) {
					if (conns[k].fd == -1 ||
					    memcmp(&conns[k].client, &client,
					    sizeof(client)) != 0)
						continue;
					same++;
					if (own < 0 ||
					    conns[k].last < conns[own].last)
						own = k;
				}
				if (same >= lim.per_ip) {
					tconn_close(&conns[own]);
					nconn--;
					w->stats.tcp_per_ip++;
				}
				slot = NET_TCP_MAX_CONN;
				if (nconn < (int)lim.max)
					for (slot = 0; slot < NET_TCP_MAX_CONN &&
					    conns[slot].fd != -1; slot++)
						;
				if (slot == NET_TCP_MAX_CONN) {
					/*
					 * Full: the connection idle longest
					 * makes room (RFC 7766 6.2.3), so idle
					 * clients cannot lock everyone out.
					 */
					slot = -1;
					for (int k = 0; k < NET_TCP_MAX_CONN; k++)
						if (conns[k].fd != -1 &&
						    (slot < 0 || conns[k].last <
						    conns[slot].last))
							slot = k;
					if (slot < 0) {
						close(fd);
						continue;
					}
					tconn_close(&conns[slot]);
					nconn--;
					w->stats.tcp_evicted++;
				}
				c = &conns[slot];
				c->in = malloc(2 + NET_TCP_MSG);
				c->out = malloc(2 + NET_TCP_MSG);
				if (c->in == NULL || c->out == NULL) {
					free(c->in);
					free(c->out);
					close(fd);
					c->in = c->out = NULL;
					continue;
				}
				c->fd = fd;
				c->peer = ss;
				c->client = client;
				c->last = t;
				c->msg_start = 0;
				c->queries = 0;
				c->closing = false;
				c->inlen = c->outlen = c->outoff = 0;
				nconn++;
				continue;
			}
			c = &conns[map[p]];
			if (c->fd != pfd[p].fd)
				continue;	/* evicted above for a newcomer */
			if (pfd[p].revents & (POLLERR | POLLHUP | POLLNVAL) &&
			    !(pfd[p].revents & POLLIN)) {
				tconn_close(c);
				nconn--;
				continue;
			}
			if (pfd[p].revents & POLLIN) {
				ssize_t r = read(c->fd, c->in + c->inlen,
				    2 + NET_TCP_MSG - c->inlen);

				if (r <= 0) {
					if (r < 0 && (errno == EAGAIN ||
					    errno == EINTR))
						continue;
					tconn_close(c);
					nconn--;
					continue;
				}
				if (c->inlen == 0)
					c->msg_start = t;
				c->inlen += (size_t)r;
				c->last = t;
				if (!tconn_process(w, c, lim.queries, t)) {
					nconn--;
					continue;
				}
			}
			if (pfd[p].revents & POLLOUT && c->outlen > 0) {
				ssize_t r = write(c->fd, c->out + c->outoff,
				    c->outlen - c->outoff);

				if (r < 0 && errno != EAGAIN && errno != EINTR) {
					tconn_close(c);
					nconn--;
					continue;
				}
				if (r > 0) {
					c->outoff += (size_t)r;
					c->last = t;
				}
				if (c->outoff == c->outlen) {
					c->outlen = c->outoff = 0;
					if (c->closing) {
						/* tcp-queries answered */
						tconn_close(c);
						nconn--;
						continue;
					}
					if (!tconn_process(w, c, lim.queries, t))
						nconn--;
				}
			}
		}
		/* Idle for tcp-idle-timeout, or a message still not whole
		 * tcp-query-timeout after its first byte: closed. */
		for (int i = 0; i < NET_TCP_MAX_CONN; i++) {
			struct tconn *ci = &conns[i];

			if (ci->fd == -1)
				continue;
			if (t - ci->last > lim.idle_ms || (ci->msg_start != 0 &&
			    t - ci->msg_start > lim.query_ms) ||
			    (ci->closing && ci->outlen == 0)) {
				w->stats.tcp_closed += !ci->closing;
				tconn_close(ci);
				nconn--;
			}
		}
	}
	for (int i = 0; i < NET_TCP_MAX_CONN; i++)
		if (conns[i].fd != -1)
			tconn_close(&conns[i]);
	return NULL;
}

int
net_start(struct net *n, struct store *st, struct view_ref *views)
{
	n->st = st;
	n->views = views;
	n->coalesce_us = NET_COALESCE_US;
	if ((n->xfr = xfr_new(st, views)) == NULL)
		return -1;
	for (int i = 0; i < n->nworkers; i++) {
		struct worker *w = &n->workers[i];

		w->net = n;
		if ((w->rd = store_reader_new(st)) == NULL ||
		    (w->apexes = calloc(1, sizeof(*w->apexes))) == NULL ||
		    (!w->tcp && (w->rrl = calloc(1, sizeof(*w->rrl))) == NULL))
			return -1;
		/* The hits log's size, shared out: a worker keeps its part. */
		if (n->hits > 0 && (w->hits = hits_ring_new((n->hits +
		    (unsigned)n->nworkers - 1) / (unsigned)n->nworkers)) == NULL)
			return -1;
		if (pthread_create(&w->thread, NULL, w->tcp ? tcp_worker :
		    udp_worker, w) != 0)
			return -1;
		w->started = true;
	}
	return 0;
}

void
net_stop(struct net *n)
{
	if (n == NULL)
		return;
	atomic_store(&n->stop, true);
	for (int i = 0; i < n->nworkers; i++) {
		struct worker *w = &n->workers[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		close(w->fd);
		store_reader_free(w->rd);
		free(w->apexes);
		free(w->rrl);
		hits_ring_free(w->hits);
	}
	xfr_free(n->xfr);
	free(n);
}

unsigned
net_hits(struct net *n, struct hit *out, unsigned max, unsigned *size)
{
	unsigned got = 0;

	*size = n->hits;
	for (int i = 0; i < n->nworkers && got < max; i++)
		if (n->workers[i].hits != NULL)
			got += hits_read(n->workers[i].hits, out + got,
			    max - got);
	return got;
}

void
net_stats(struct net *n, struct dns_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < n->nworkers; i++) {
		const struct dns_stats *s = &n->workers[i].stats;

		sum->queries += s->queries;
		sum->noerror += s->noerror;
		sum->nxdomain += s->nxdomain;
		sum->nodata += s->nodata;
		sum->refused += s->refused;
		sum->formerr += s->formerr;
		sum->notimp += s->notimp;
		sum->servfail += s->servfail;
		sum->truncated += s->truncated;
		sum->listed += s->listed;
		sum->dropped += s->dropped;
		sum->rrl_dropped += s->rrl_dropped;
		sum->rrl_slipped += s->rrl_slipped;
		sum->tcp_per_ip += s->tcp_per_ip;
		sum->tcp_evicted += s->tcp_evicted;
		sum->tcp_closed += s->tcp_closed;
		for (int z = 0; z < DNS_STATS_ZONES; z++) {
			for (int k = 0; k < DNS_RC_SLOTS; k++)
				sum->zone_rcode[z][k] += s->zone_rcode[z][k];
			sum->zone_listed[z] += s->zone_listed[z];
			sum->zone_unlisted[z] += s->zone_unlisted[z];
		}
		for (int k = 0; k < DNS_RC_SLOTS; k++)
			sum->nozone_rcode[k] += s->nozone_rcode[k];
	}
}
