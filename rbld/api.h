/* SPDX-License-Identifier: BSD-2-Clause */
/* The HTTP admin API: routing, auth, JSON, reports, metrics. */
#ifndef RBLD_API_H
#define RBLD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "commitq.h"
#include "conf.h"
#include "net.h"
#include "store.h"
#include "view.h"

#define API_BODY_MAX	(1024 * 1024)	/* larger bodies get 413 */

struct api;

/*
 * The API over store ST, answering with the view in force in VIEWS (503
 * until there is one). Writes go through the group commit queue CQ. NET
 * (may be NULL) gives the DNS counters for /metrics. NULL when out of
 * memory.
 */
struct api	*api_new(struct store *st, struct commitq *cq, struct net *net,
		    struct view_ref *views);
void		 api_free(struct api *);

/* Listen on CONF's api addresses (HTTPS with api-cert and api-key).
 * Returns 0, or -1 with a message in ERR. */
int		 api_listen(struct api *, const struct conf *conf, char *err,
		    size_t errlen);
/* Stop listening; requests in progress finish first. */
void		 api_stop(struct api *);

/* FN(ARG) puts a change of the runtime allowlist in force (a new view) before
 * an allowlist request is answered: 0, or -1 with a message in ERR. */
void		 api_on_allow(struct api *, int (*fn)(void *arg, char *err,
		    size_t errlen), void *arg);

/* Once a second or so (the main thread): at a new minute, the one that
 * ended goes into the history GET /v1/stats/history gives. */
void		 api_tick(struct api *, uint32_t now);

/* The reaper's figures, for /metrics. */
void		 api_note_expired(struct api *, long entries, long records);

/* ---- the request handler, without HTTP: used by the server and tests ---- */

struct export_job;

struct api_req {
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* decoded path, without the query */
	/* The query argument NAME, or NULL. */
	const char	*(*arg)(void *ctx, const char *name);
	void		*argctx;
	const char	*authorization;	/* header value or NULL */
	const char	*content_type;	/* header value or NULL */
	const char	*if_none_match;	/* header value or NULL */
	const char	*body;
	size_t		 bodylen;
	const struct sockaddr *client;	/* for throttling; may be NULL */
};

struct api_resp {
	int		 status;
	char		*body;		/* malloc'ed; the caller frees */
	size_t		 len;
	const char	*content_type;
	char		 allow[64];	/* for 405: "GET, POST" */
	unsigned	 retry_after;	/* for 429 and 503: seconds */
	/* A file of the web page: validators, and may be cached (with
	 * revalidation) rather than never stored. */
	char		 etag[48];	/* "" none */
	int64_t		 last_modified;	/* unix time; 0 none */
	bool		 cache;
	/* Instead of BODY, a body read as it is made (export_job_read);
	 * the caller frees it with export_job_free. */
	struct export_job *stream;
};

void		 api_handle(struct api *, const struct api_req *,
		    struct api_resp *);

/* For tests: the clock the API reads (unix seconds). */
void		 api_set_clock(struct api *, uint32_t (*now)(void));

#endif
