/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS over UDP and TCP: sockets, worker threads, batching. */
#ifndef RBLD_NET_H
#define RBLD_NET_H

#include "conf.h"
#include "dns.h"
#include "store.h"
#include "view.h"

struct net;

/*
 * Bind every DNS listen address of CONF (UDP: one SO_REUSEPORT socket per
 * worker; TCP: one listener) without starting threads, so privileges can be
 * dropped in between. Port 0 picks a free port, the same for UDP and TCP.
 * Returns NULL with a message in ERR.
 */
struct net	*net_bind(const struct conf *conf, char *err, size_t errlen);

/* Start the worker threads answering from ST with the view in force in
 * VIEWS, read again for every batch of packets. */
int		 net_start(struct net *, struct store *st,
		    struct view_ref *views);

/* Who takes the NOTIFYs that arrive (dns_ctx's notified); before
 * net_start. */
void		 net_on_notify(struct net *, int (*fn)(void *arg,
		    const char *zone, const struct sockaddr *peer), void *arg);

/* Stop all threads and close the sockets. */
void		 net_stop(struct net *);

/* Sum of all workers' counters. */
void		 net_stats(struct net *, struct dns_stats *);

/* The hits log: up to MAX recent listed answers of every worker into OUT
 * (each worker's newest first), how many; *SIZE gets [rbld] hits (0:
 * the log is off). */
struct hit;
unsigned	 net_hits(struct net *, struct hit *out, unsigned max,
		    unsigned *size);

#endif
