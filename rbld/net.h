/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS over UDP and TCP: sockets, worker threads, batching. */
#ifndef RBLD_NET_H
#define RBLD_NET_H

#include "conf.h"
#include "dns.h"
#include "store.h"

struct net;

/*
 * Bind every DNS listen address of CONF (UDP: one SO_REUSEPORT socket per
 * worker; TCP: one listener) without starting threads, so privileges can be
 * dropped in between. Port 0 picks a free port, the same for UDP and TCP.
 * Returns NULL with a message in ERR.
 */
struct net	*net_bind(const struct conf *conf, char *err, size_t errlen);

/* Start the worker threads answering from ST with VIEW. */
int		 net_start(struct net *, struct store *st, struct dns_view *view);

/*
 * Serve VIEW from now on. Returns the previous view once no worker can
 * still be using it, for the caller to free.
 */
struct dns_view	*net_swap_view(struct net *, struct dns_view *view);

/* Stop all threads and close the sockets. */
void		 net_stop(struct net *);

/* Sum of all workers' counters. */
void		 net_stats(struct net *, struct dns_stats *);

#endif
