/* SPDX-License-Identifier: BSD-2-Clause */
/* What each zone's secondaries did (NOTIFYs, transfers), kept in the database for status. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "journal.h"
#include "log.h"
#include "wire.h"

/*
 * blob:xfrstat:ZONE, big-endian: version(1) = 1, peers(1), then each:
 * flags(1: bit 0 a notify target) name length(1) name, serial(4)
 * sent(4) answered(4) tries(2), kind length(1) kind, at(4) ms(4)
 * bytes(8).
 */
#define SHARE_MAX	(2 + JOURNAL_PEERS * (1 + 1 + 64 + 4 + 4 + 4 + 2 + 1 + \
			    16 + 4 + 4 + 8))

#define NSHARES	(VIEW_MAX_ZONES + 1)	/* the zones and the catalog */

static pthread_mutex_t share_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char		 zone[CONF_DNAME_MAX];
	struct journal_share sh;
	bool		 dirty;
} shares[NSHARES];

/* ZONE's table, under share_mtx; NULL when all are taken. */
static struct journal_share *
share_of(const char *zone, bool **dirty)
{
	for (int i = 0; i < NSHARES; i++)
		if (shares[i].zone[0] == '\0' || strcmp(shares[i].zone,
		    zone) == 0) {
			if (shares[i].zone[0] == '\0')
				snprintf(shares[i].zone, sizeof(shares[i].zone),
				    "%s", zone);
			*dirty = &shares[i].dirty;
			return &shares[i].sh;
		}
	return NULL;
}

static struct journal_peer *
peer_of(struct journal_share *sh, const char *name, bool notify)
{
	int old = -1;

	for (int i = 0; i < sh->npeers; i++) {
		if (sh->peers[i].notify == notify &&
		    strcmp(sh->peers[i].name, name) == 0)
			return &sh->peers[i];
		if (!sh->peers[i].notify && (old < 0 ||
		    sh->peers[i].at < sh->peers[old].at))
			old = i;
	}
	if (sh->npeers < JOURNAL_PEERS)
		old = sh->npeers++;
	else if (old < 0)
		return NULL;
	memset(&sh->peers[old], 0, sizeof(sh->peers[old]));
	snprintf(sh->peers[old].name, sizeof(sh->peers[old].name), "%s", name);
	sh->peers[old].notify = notify;
	return &sh->peers[old];
}

void
journal_note_transfer(const char *zone, const char *client, const char *kind,
    uint32_t serial, uint64_t bytes, uint32_t ms)
{
	struct journal_share *sh;
	struct journal_peer *p;
	bool *dirty;

	pthread_mutex_lock(&share_mtx);
	if ((sh = share_of(zone, &dirty)) != NULL &&
	    (p = peer_of(sh, client, false)) != NULL) {
		p->serial = serial;
		p->bytes = bytes;
		p->ms = ms;
		p->at = (uint32_t)time(NULL);
		snprintf(p->kind, sizeof(p->kind), "%s", kind);
		*dirty = true;
	}
	pthread_mutex_unlock(&share_mtx);
}

void
journal_note_notify(const char *zone, const char *target, uint32_t serial,
    uint32_t sent, uint32_t answered, unsigned tries)
{
	struct journal_share *sh;
	struct journal_peer *p;
	bool *dirty;

	pthread_mutex_lock(&share_mtx);
	if ((sh = share_of(zone, &dirty)) != NULL &&
	    (p = peer_of(sh, target, true)) != NULL) {
		p->serial = serial;
		p->sent = sent;
		p->answered = answered;
		p->tries = tries;
		*dirty = true;
	}
	pthread_mutex_unlock(&share_mtx);
}

static size_t
share_encode(const struct journal_share *sh, uint8_t *b)
{
	size_t o = 2;

	b[0] = 1;
	b[1] = (uint8_t)sh->npeers;
	for (int i = 0; i < sh->npeers; i++) {
		const struct journal_peer *p = &sh->peers[i];
		size_t nl = strlen(p->name), kl = strlen(p->kind);

		b[o++] = p->notify;
		b[o++] = (uint8_t)nl;
		memcpy(b + o, p->name, nl);
		o += nl;
		wire_set32(b + o, p->serial);
		wire_set32(b + o + 4, p->sent);
		wire_set32(b + o + 8, p->answered);
		wire_set16(b + o + 12, (uint16_t)p->tries);
		o += 14;
		b[o++] = (uint8_t)kl;
		memcpy(b + o, p->kind, kl);
		o += kl;
		wire_set32(b + o, p->at);
		wire_set32(b + o + 4, p->ms);
		wire_set32(b + o + 8, (uint32_t)(p->bytes >> 32));
		wire_set32(b + o + 12, (uint32_t)p->bytes);
		o += 16;
	}
	return o;
}

static int
share_decode(const uint8_t *b, size_t len, struct journal_share *sh)
{
	size_t o = 2;

	memset(sh, 0, sizeof(*sh));
	if (len < 2 || b[0] != 1 || b[1] > JOURNAL_PEERS)
		return -1;
	for (int i = 0; i < b[1]; i++) {
		struct journal_peer *p = &sh->peers[i];
		size_t nl, kl;

		if (o + 2 > len || (nl = b[o + 1]) >= sizeof(p->name) ||
		    o + 2 + nl + 15 > len)
			return -1;
		p->notify = b[o] & 1;
		memcpy(p->name, b + o + 2, nl);
		o += 2 + nl;
		p->serial = wire_get32(b + o);
		p->sent = wire_get32(b + o + 4);
		p->answered = wire_get32(b + o + 8);
		p->tries = wire_get16(b + o + 12);
		o += 14;
		if ((kl = b[o]) >= sizeof(p->kind) || o + 1 + kl + 16 > len)
			return -1;
		memcpy(p->kind, b + o + 1, kl);
		o += 1 + kl;
		p->at = wire_get32(b + o);
		p->ms = wire_get32(b + o + 4);
		p->bytes = (uint64_t)wire_get32(b + o + 8) << 32 |
		    wire_get32(b + o + 12);
		o += 16;
		sh->npeers++;
	}
	return o == len ? 0 : -1;
}

void
journal_share_save(struct store *st)
{
	for (int i = 0; i < NSHARES; i++) {
		uint8_t b[SHARE_MAX];
		char name[CONF_DNAME_MAX + 16];
		size_t len;

		pthread_mutex_lock(&share_mtx);
		if (!shares[i].dirty) {
			pthread_mutex_unlock(&share_mtx);
			continue;
		}
		shares[i].dirty = false;
		len = share_encode(&shares[i].sh, b);
		snprintf(name, sizeof(name), "blob:xfrstat:%.*s",
		    (int)sizeof(shares[i].zone) - 1, shares[i].zone);
		pthread_mutex_unlock(&share_mtx);
		if (store_blob_put(st, name, b, len) != 0)
			log_warn("journal: cannot record the secondaries of %s",
			    name + 13);
	}
}

int
journal_share_get(struct store *st, const char *zone,
    struct journal_share *out)
{
	uint8_t b[SHARE_MAX];
	char name[CONF_DNAME_MAX + 16];
	ssize_t n;

	memset(out, 0, sizeof(*out));
	snprintf(name, sizeof(name), "blob:xfrstat:%s", zone);
	if ((n = store_blob_get(st, name, b, sizeof(b))) < 0)
		return errno == ENOENT ? 0 : -1;
	if (share_decode(b, (size_t)n, out) != 0)
		memset(out, 0, sizeof(*out));	/* damaged: as if none */
	return 0;
}
