/* SPDX-License-Identifier: BSD-2-Clause */
/* Feed fetchers: HTTP(S) with libcurl, local files, and AXFR with ldns. */
#ifndef RBLD_FEED_FETCH_H
#define RBLD_FEED_FETCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FETCH_ETAG_MAX	256
#define FETCH_ERR_MAX	256	/* a reason fits: the size of fetch's ERR */

struct fetch_request {
	const char	*url;		/* http(s)://, axfr://host:port/zone, or a path */
	uint32_t	 timeout;	/* seconds for the whole fetch */
	uint64_t	 max_size;	/* bytes, after decompression */
	const char	*tsig;		/* "alg:name:secret" or NULL (axfr) */
	const atomic_bool *cancel;	/* when it turns true, give up (may be NULL) */
	/* From the last good fetch, for a conditional request: */
	char		 etag[FETCH_ETAG_MAX];
	char		 last_modified[FETCH_ETAG_MAX];
};

struct fetch_result {
	char		*buf;		/* NUL-terminated body; NULL if not modified */
	size_t		 len, cap;
	bool		 not_modified;	/* 304, or an unchanged file */
	int		 http_status;	/* 0 when not HTTP */
	char		 etag[FETCH_ETAG_MAX];
	char		 last_modified[FETCH_ETAG_MAX];
};

/* Call once before threads start (libcurl's rule). */
void	fetch_global_init(void);

/*
 * Fetch Q into R (allocating R->buf). Returns 0 on success (check
 * R->not_modified), or -1 with errno (ECANCELED when Q's cancel turned
 * non-zero, else EIO) and a one-line reason in ERR. Free R with
 * fetch_result_free either way.
 */
int	fetch(const struct fetch_request *q, struct fetch_result *r, char *err,
	    size_t errlen);
void	fetch_result_free(struct fetch_result *r);

#endif
