/* SPDX-License-Identifier: BSD-2-Clause */
/* Each shared zone's journal of rendered changes (IXFR), and the NOTIFYs that announce them. */
#ifndef RBLD_JOURNAL_H
#define RBLD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "view.h"

/*
 * A thread follows the store's commits (rbld's own and those of rbldctl
 * and other processes): about once a second it takes a snapshot, and for
 * every zone whose serial moved since the last one, re-renders the
 * regions that changed (store_dirty) in both snapshots, and records the
 * records removed and added as one journal step, then NOTIFYs the zone's
 * `notify` targets (at most one per `notify-interval`, retried with
 * back-off until answered). A change it cannot follow (a configuration
 * that changes the zone's records, a gap while the map grew, a restart
 * after unjournaled commits) empties the journal: secondaries then take a
 * full transfer.
 */
struct journal;

struct journal	*journal_start(struct store *st, struct view_ref *views);
/* Look now, not at the next tick (after a commit of rbld's own). */
void		 journal_poke(struct journal *);
void		 journal_stop(struct journal *);

/*
 * What a zone's secondaries did, as rbld last recorded it in the database
 * (the record "blob:xfrstat:ZONE", written by the journal thread at most
 * once a second): each NOTIFY target, and each client that took a
 * transfer (the latest JOURNAL_PEERS of them).
 */
#define JOURNAL_PEERS	32

struct journal_peer {
	char		 name[64];	/* "192.0.2.1:53", or a client address */
	bool		 notify;	/* a `notify` target; else a client */
	uint32_t	 serial;	/* announced, or transferred */
	uint32_t	 sent, answered;	/* NOTIFY, unix seconds; 0 never */
	unsigned	 tries;		/* unanswered NOTIFYs of SERIAL */
	char		 kind[16];	/* "AXFR", "IXFR", "IXFR as AXFR" ... */
	uint32_t	 at, ms;	/* the last transfer's time and length */
	uint64_t	 bytes;
};

struct journal_share {
	int		 npeers;
	struct journal_peer peers[JOURNAL_PEERS];
};

/* ZONE's record; 0 (an empty one when there is none), -1 (errno EIO). */
int		 journal_share_get(struct store *st, const char *zone,
		    struct journal_share *out);

/* A NOTIFY target's state, for the record (the journal thread). */
void		 journal_note_notify(const char *zone, const char *target,
		    uint32_t serial, uint32_t sent, uint32_t answered,
		    unsigned tries);
/* Write the records that changed (the journal thread, once a tick). */
void		 journal_share_save(struct store *st);

/* A transfer the xfr threads served, for the record. */
void		 journal_note_transfer(const char *zone, const char *client,
		    const char *kind, uint32_t serial, uint64_t bytes,
		    uint32_t ms);

/*
 * A step's records. A record is: op (0 removed, 1 added), the owner's
 * labels under the apex (length, then that many bytes of wire labels),
 * type (2), TTL (4), rdata length (2), rdata. journal_condense folds the
 * steps from a client's serial to the newest into one difference.
 */
struct journal_diff;

struct journal_diff *journal_diff_new(void);
/* Add one step's records (BLOB of LEN bytes, kept by reference until the
 * diff is freed). -1 (errno EINVAL) for a malformed blob, ENOMEM. */
int		 journal_diff_add(struct journal_diff *, const uint8_t *blob,
		    size_t len);
/* The records the diff removes (ADDED false) or adds, in turn: FN(ARG,
 * record) until it returns non-zero; each record as in a blob, without
 * the op byte. */
int		 journal_diff_each(const struct journal_diff *, bool added,
		    int (*fn)(void *arg, const uint8_t *rec, size_t len),
		    void *arg);
void		 journal_diff_free(struct journal_diff *);

#endif
