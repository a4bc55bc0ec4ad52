/* SPDX-License-Identifier: BSD-2-Clause */
/* Abuse reports: counting per IP and type, thresholds, escalating bans. */
#ifndef RBLD_REPORTS_H
#define RBLD_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ipaddr.h"
#include "store.h"
#include "view.h"

#define REPORT_SERVICE_MAX	64	/* with NUL */
#define REPORT_REASON_MAX	201
#define REPORT_RECENT		5	/* reports kept per IP for display */

/* One report, as the API or rbldctl received it. */
struct report {
	struct prefix	 ip;		/* a full-length address */
	const char	*type;		/* a report type of some reports source */
	const char	*service;	/* "" if none */
	const char	*reason;	/* "" if none */
	uint32_t	 now;
};

/* What a report led to, over every reports source that knows its type. */
struct report_result {
	bool		listed;		/* the IP is listed after this report */
	bool		newly;		/* ... because of this report */
	bool		allowlisted;	/* in [allow]: recorded, never listed */
	uint32_t	count;		/* reports of this type in the window */
	uint32_t	expires;	/* of the listing; 0 if none */
	uint32_t	offences;	/* listings of this IP so far */
	uint32_t	ban;		/* seconds of the listing this report made */
};

/* 0 if service and reason are fit to store, else -1 with errno EINVAL and
 * why not in ERR. */
int		 report_check_text(const char *service, const char *reason,
		    char *err, size_t errlen);

/* Does any reports source of CONF define TYPE? */
bool		 reports_type_known(const struct conf *conf, const char *type);

/*
 * Count report R in every reports source of V's config that defines its
 * type, inside batch transaction T. When a source's threshold is reached
 * the IP (IPv6: its ipv6-prefix) is listed in that source until the ban
 * ends; an address the listing rules never list (in [allow], 127.0.0.1)
 * is recorded and never listed. Returns 0, or -1 with errno (a batch
 * job's: see store_batch).
 */
int		 reports_apply(struct store_txn *t, const struct view *v,
		    const struct report *r, struct report_result *out);

/* reports_apply and reports_del as jobs for commitq_run and store_run. */
struct report_job {
	const struct view	*v;
	struct report		 r;
	struct report_result	 res;
};
int		 reports_apply_job(struct store_txn *t, void *report_job);

struct report_del_job {
	const struct view	*v;
	int			 src;	/* a store id; -1: every source */
	struct prefix		 p;
	int			 n, kept;
};
int		 reports_del_job(struct store_txn *t, void *report_del_job);

/* The stored history of one IP in one reports source. */
struct report_recent {
	uint32_t	time;
	char		type[CONF_RTYPE_MAX];
	char		service[REPORT_SERVICE_MAX];
	char		reason[REPORT_REASON_MAX];
	bool		allowlisted;
	bool		listed;		/* this report made a listing */
};
struct report_typecount {
	char		type[CONF_RTYPE_MAX];
	uint32_t	n;		/* report times kept (the newest) */
	uint32_t	newest;
};
struct report_history {
	int		 srcid;
	struct prefix	 key;		/* the address or IPv6 prefix counted */
	uint32_t	 total;		/* reports ever */
	uint32_t	 offences;
	uint32_t	 last_offence;
	uint32_t	 banned_until;
	uint32_t	 last_seen;
	int		 ntypes;
	struct report_typecount types[CONF_MAX_REPORT_TYPES];
	int		 nrecent;	/* newest first */
	struct report_recent recent[REPORT_RECENT];
};

/*
 * Call FN with the history of IP in every reports source (IP NULL: of every
 * address, in order of source id and address, starting after address AFTER
 * of source AFTER_SRCID when AFTER is not NULL) until FN returns non-zero.
 * 0, or -1 on a read error.
 */
int		 reports_walk(struct store *st, const struct view *v,
		    const struct prefix *ip,
		    const struct prefix *after, int after_srcid,
		    int (*fn)(void *arg, const struct report_history *),
		    void *arg);

/* A listing of source SRCID covering P was deleted by hand: its record no
 * longer says "listed". Inside batch T; 0, or -1 with errno. */
int		 reports_unlist(struct store_txn *t, const struct view *v,
		    int srcid, const struct prefix *p);

/*
 * Delete prefix P by hand from source SRC (every source when SRC < 0) inside
 * batch T, and tell the records of the reports sources it was deleted from
 * (reports_unlist). *N counts the entries deleted, *KEPT those a data file
 * or a feed owns and that stay (see store_del). 0, or -1 with errno.
 */
int		 reports_del(struct store_txn *t, const struct view *v, int src,
		    const struct prefix *p, int *n, int *kept);

/* Forget the IPs of sources with no report within their history and no
 * listing left; also those of sources no longer configured. Returns the
 * number forgotten or -1. */
long		 reports_prune(struct store *st, const struct view *v,
		    uint32_t now);

/* The listing length of offence number N (1 = first) for type RT of CS. */
uint32_t	 reports_ban(const struct conf_source *cs,
		    const struct conf_rtype *rt, uint32_t n);

#endif
