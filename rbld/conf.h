/* SPDX-License-Identifier: BSD-2-Clause */
/* rbld.conf: read the INI-style configuration into a struct conf. */
#ifndef RBLD_CONF_H
#define RBLD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "ipaddr.h"
#include "parse.h"

#define CONF_MAX_LISTEN		16
#define CONF_MAX_SOURCES	64
#define CONF_MAX_ZONES		32
#define CONF_MAX_ZONE_SOURCES	16
#define CONF_MAX_NS		8
#define CONF_MAX_NETS		64
#define CONF_MAX_NOTIFY		16
#define CONF_NAME_MAX		64
#define CONF_DNAME_MAX		PARSE_DNAME_MAX	/* presentation form, with final dot */
#define CONF_TXT_MAX		256

/* The source an entry added by hand (API, rbldctl add) goes to if none is named. */
#define CONF_ENTRY_SOURCE	"local"

#define CONF_MAX_REPORT_TYPES	16
#define CONF_RTYPE_MAX		32	/* a report type's name, with NUL */
#define CONF_RTYPE_COUNT_MAX	256	/* N of "N in WINDOW": times kept per IP */

/* A report type of a reports source: "N in WINDOW ban DURATION". */
struct conf_rtype {
	char		name[CONF_RTYPE_MAX];
	uint32_t	count;		/* N reports ... */
	uint32_t	window;		/* ... within this many seconds ... */
	uint32_t	ban;		/* ... list the IP this long (first offence) */
	int		conf_line;
};

enum source_kind {
	SOURCE_LOCAL = 1,
	SOURCE_FEED,
	SOURCE_REPORTS,
};

/* A [source] stanza; the defaults of its keys are rows of conf_schema.c. */
struct conf_source {
	char		name[CONF_NAME_MAX];
	enum source_kind kind;
	char		*file;		/* absolute or config-relative resolved path; NULL if none */
	uint32_t	a;		/* the A of entries that give none, host order */
	char		*txt;		/* their TXT template; NULL = no TXT */

	/* kind = feed */
	char		*url;		/* http(s)://, axfr://, or a resolved file path */
	int		 format;	/* enum feed_format; 0 = unset */
	uint32_t	 every;		/* refresh interval, seconds */
	uint32_t	 min_interval;	/* the feed operator's minimum, seconds */
	uint32_t	 timeout;	/* whole fetch, seconds */
	uint64_t	 max_size;	/* bytes after decompression */
	unsigned	 max_shrink;	/* percent */
	int		 min_prefix4;	/* IPv4 entries broader than this are dropped */
	int		 min_prefix6;	/* and IPv6 ones */
	bool		 allow_special;	/* keep bogon/special ranges */
	char		*tsig;		/* "hmac-sha256:name:base64secret" for axfr */

	/* kind = reports */
	int		 nrtypes;
	struct conf_rtype rtypes[CONF_MAX_REPORT_TYPES];
	uint32_t	 escalate_pct;	/* ban multiplier per repeat offence, percent (100 = none) */
	uint32_t	 escalate_max;	/* longest ban, seconds */
	int		 ipv6_prefix;	/* IPv6 reports count per this prefix */
	uint32_t	 history;	/* offences are remembered this long */

	const char	*conf_file;	/* where the stanza is, for messages */
	int		conf_line;
};

struct conf_zone {
	char		name[CONF_DNAME_MAX];	/* lowercase, no final dot: "bl.example.test" */
	int		nsources;
	int		sources[CONF_MAX_ZONE_SOURCES];	/* indexes into conf.sources */
	int		nns;
	char		ns[CONF_MAX_NS][CONF_DNAME_MAX];	/* lowercase, no final dot */
	bool		has_soa;
	char		soa_mname[CONF_DNAME_MAX];	/* lowercase, no final dot */
	char		soa_rname[CONF_DNAME_MAX];
	uint32_t	soa_refresh, soa_retry, soa_expire, soa_minimum;
	uint32_t	ttl;		/* seconds; 0 = not set (view.c's default) */
	int		ntransfer;
	struct prefix	transfer[CONF_MAX_NETS];
	int		nnotify;
	struct endpoint notify[CONF_MAX_NOTIFY];
	char		*transfer_key;	/* "hmac-sha256:NAME:SECRET", or NULL */
	uint32_t	notify_interval;	/* seconds between NOTIFYs, at least */
	uint64_t	journal_size;	/* bytes of IXFR journal kept, at most */
	int		journal_steps;	/* steps kept, at most */
	uint32_t	journal_age;	/* seconds a step is kept, at most */
	const char	*conf_file;
	int		conf_line;
};

/* [token NAME]: an API credential given as a hash. */
struct conf_token {
	char		name[CONF_NAME_MAX];
	int		role;		/* enum token_role */
	char		hash[72];	/* "sha256:" and 64 lowercase hex digits */
	const char	*conf_file;
	int		conf_line;
};

#define CONF_MAX_TOKENS	64

struct conf {
	char		*path;		/* the main config file */
	char		*database;	/* resolved path of the LMDB folder */
	int		ndns;
	struct endpoint dns[CONF_MAX_LISTEN];
	int		napi;
	struct endpoint api[CONF_MAX_LISTEN];
	int		workers;	/* DNS worker threads */
	char		*user;		/* NULL = keep the current user */
	uint64_t	mapsize;	/* initial LMDB map size in bytes (key "map-size") */
	char		*api_cert;	/* PEM files for HTTPS; both or neither */
	char		*api_key;
	unsigned	 api_connections;	/* at once, every API address together */
	unsigned	 api_per_ip;		/* at once, from one client address */
	uint32_t	 api_timeout;		/* idle connection, seconds */
	uint32_t	 api_header_timeout;	/* a request's headers, seconds */
	uint32_t	 api_request_timeout;	/* a whole request, seconds */
	char		*web;			/* the web page's folder; NULL none */
	unsigned	 hits;			/* listed answers kept; 0 none */
	unsigned	 tcp_connections;	/* DNS over TCP, per address */
	unsigned	 tcp_per_ip;		/* ... from one client */
	uint32_t	 tcp_idle_timeout;	/* seconds */
	unsigned	 tcp_queries;		/* per connection; 0 no limit */
	uint32_t	 tcp_query_timeout;	/* a message from its first byte */
	unsigned	 rrl_rate;		/* answers/s per network; 0 off */
	unsigned	 rrl_slip;		/* every Nth limited one TC; 0 none */
	unsigned	 rrl_prefix4, rrl_prefix6;	/* a client network */
	int		 nrrl_exempt;		/* never limited */
	struct prefix	 rrl_exempt[CONF_MAX_NETS];
	char		 catalog[CONF_DNAME_MAX];	/* RFC 9432 catalog zone; "" none */
	const char	*catalog_file;		/* where catalog is set */
	int		 catalog_line;
	/* Dovecot's auth policy protocol on the API (api_dovecot.c) */
	int		 ndovecot_zones;	/* refusing zones; 0: every zone */
	char		 dovecot_zones[CONF_MAX_ZONES][CONF_DNAME_MAX];
	char		*dovecot_report;	/* the report type of a failure */
	uint32_t	 dovecot_tarpit;	/* seconds per recent failure */
	uint32_t	 dovecot_tarpit_max;	/* seconds */

	int		nsources;
	struct conf_source sources[CONF_MAX_SOURCES];
	int		nzones;
	struct conf_zone zones[CONF_MAX_ZONES];

	int		ntokens;
	struct conf_token tokens[CONF_MAX_TOKENS];

	/* [allow] */
	char		*allow_file;	/* NULL if none */
	int		nallow;
	struct prefix	allow[CONF_MAX_NETS];

	/* every file name referenced by file:line messages lives here until conf_free */
	char		**files;
	int		nfiles;
};

/*
 * Parse PATH into a newly allocated struct conf. Every problem is printed to
 * ERRS (stderr if NULL) as "file:line: message"; returns NULL if there was
 * any, so a caller never sees half a configuration.
 */
struct conf	*conf_load(const char *path, FILE *errs);
void		 conf_free(struct conf *);

/*
 * A copy of SRC into DST that owns its strings, for a thread that outlives
 * SRC's configuration (its conf_file is NULL); conf_source_clear frees
 * them. -1 (ENOMEM, DST holding nothing) when out of memory.
 */
int		 conf_source_copy(struct conf_source *dst,
		    const struct conf_source *src);
void		 conf_source_clear(struct conf_source *);

/* Index of the source or zone with that name, or -1. */
int		 conf_source_index(const struct conf *, const char *name);
int		 conf_zone_index(const struct conf *, const char *name);

/* The report type NAME of reports source CS, or NULL. */
const struct conf_rtype *conf_rtype(const struct conf_source *cs,
		    const char *name);

/* "local", "feed" or "reports", as rbld.conf says kind; "?" if none of them. */
const char	*conf_kind_name(enum source_kind);

#endif
