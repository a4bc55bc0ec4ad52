/* SPDX-License-Identifier: BSD-2-Clause */
/* Group commit: threads queue changes, one thread commits all that queued meanwhile at once. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "commitq.h"
#include "log.h"

struct cjob {
	int		(*fn)(struct store_txn *, void *);
	void		*arg;
	int		 errnum;	/* 0: committed */
	bool		 done;
	char		*err;
	size_t		 errlen;
	struct cjob	*next;
};

struct commitq {
	struct store	*st;
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 work, done;
	struct cjob	*head, **tail;
	bool		 stop;
	atomic_uint_fast64_t batches, jobs;
};

#define COMMITQ_BATCH_MAX	512

static int
cq_job(struct store_txn *t, void *arg, int j)
{
	struct cjob **jobs = arg;

	return jobs[j]->fn(t, jobs[j]->arg);
}

static void *
cq_main(void *arg)
{
	struct commitq *q = arg;
	struct cjob **jobs;
	int *results;

	jobs = calloc(COMMITQ_BATCH_MAX, sizeof(*jobs));
	results = calloc(COMMITQ_BATCH_MAX, sizeof(*results));
	if (jobs == NULL || results == NULL)
		fatalx("commit queue: out of memory");
	pthread_mutex_lock(&q->mtx);
	for (;;) {
		char err[256];
		int n = 0, rc, batch_errno;

		while (q->head == NULL && !q->stop)
			pthread_cond_wait(&q->work, &q->mtx);
		if (q->head == NULL)
			break;
		while (q->head != NULL && n < COMMITQ_BATCH_MAX) {
			jobs[n++] = q->head;
			q->head = q->head->next;
		}
		if (q->head == NULL)
			q->tail = &q->head;
		pthread_mutex_unlock(&q->mtx);

		/* Whatever queued while the last batch committed goes in
		 * this one: the more writers wait, the bigger the batch. */
		rc = store_batch(q->st, n, cq_job, jobs, results, err,
		    sizeof(err));
		batch_errno = errno;
		atomic_fetch_add(&q->batches, 1);
		atomic_fetch_add(&q->jobs, (uint_fast64_t)n);

		pthread_mutex_lock(&q->mtx);
		for (int i = 0; i < n; i++) {
			if (rc != 0) {
				jobs[i]->errnum = batch_errno;
				snprintf(jobs[i]->err, jobs[i]->errlen, "%s", err);
			} else {
				jobs[i]->errnum = results[i];
				if (results[i] != 0)
					snprintf(jobs[i]->err, jobs[i]->errlen,
					    "%s", store_strerror(results[i]));
			}
			jobs[i]->done = true;
		}
		pthread_cond_broadcast(&q->done);
	}
	pthread_mutex_unlock(&q->mtx);
	free(jobs);
	free(results);
	return NULL;
}

struct commitq *
commitq_start(struct store *st)
{
	struct commitq *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->st = st;
	q->tail = &q->head;
	pthread_mutex_init(&q->mtx, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->done, NULL);
	if (pthread_create(&q->thread, NULL, cq_main, q) != 0) {
		free(q);
		return NULL;
	}
	return q;
}

void
commitq_stop(struct commitq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mtx);
	q->stop = true;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mtx);
	pthread_join(q->thread, NULL);
	pthread_mutex_destroy(&q->mtx);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->done);
	free(q);
}

int
commitq_run(struct commitq *q, int (*fn)(struct store_txn *, void *),
    void *arg, char *err, size_t errlen)
{
	struct cjob job = { fn, arg, 0, false, err, errlen, NULL };

	pthread_mutex_lock(&q->mtx);
	if (q->stop) {
		pthread_mutex_unlock(&q->mtx);
		snprintf(err, errlen, "shutting down");
		errno = ESHUTDOWN;
		return -1;
	}
	*q->tail = &job;
	q->tail = &job.next;
	pthread_cond_signal(&q->work);
	while (!job.done)
		pthread_cond_wait(&q->done, &q->mtx);
	pthread_mutex_unlock(&q->mtx);
	if (job.errnum == 0)
		return 0;
	/* The job ran in the committing thread: its errno comes home. */
	errno = job.errnum;
	return -1;
}

void
commitq_stats(struct commitq *q, uint64_t *batches, uint64_t *jobs)
{
	*batches = atomic_load(&q->batches);
	*jobs = atomic_load(&q->jobs);
}
