/* SPDX-License-Identifier: BSD-2-Clause */
/* Group commit: threads queue changes, one thread commits all that queued meanwhile at once. */
#ifndef RBLD_COMMITQ_H
#define RBLD_COMMITQ_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Group commit: threads queue batch jobs; one thread runs every job queued
 * meanwhile in one transaction, so concurrent writers share a disk sync.
 */
struct commitq;
struct commitq	*commitq_start(struct store *st);
void		 commitq_stop(struct commitq *);
/*
 * Run FN(T, ARG) in the next batch (FN returns 0, or -1 with errno set, as
 * store_batch's jobs do). Returns 0 once committed, or -1 with errno (FN's,
 * or the batch's when nothing could be committed) and a message in ERR.
 */
int		 commitq_run(struct commitq *,
		    int (*fn)(struct store_txn *, void *), void *arg,
		    char *err, size_t errlen);
/* Batches committed and jobs run, for metrics. */
void		 commitq_stats(struct commitq *, uint64_t *batches,
		    uint64_t *jobs);

#endif
