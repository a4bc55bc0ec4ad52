/* SPDX-License-Identifier: BSD-2-Clause */
/* API credentials: tokens in the database, the bearer check, lockouts. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "log.h"
#include "wire.h"

#define TOKEN_PREFIX	"blob:token:"
#define AUTHFAIL_SLOTS	1024
#define BEARER_MAX	256	/* longer is no token of ours */

/*
 * A token record, version 2. Every field is written in turn, big-endian
 * (network byte order), so that the record reads the same on any host:
 *
 *	version	 1 byte	  REC_VERSION
 *	role	 4 bytes  signed
 *	created	 8 bytes  signed, unix time
 *	hashlen	 1 byte	  0..TOKEN_HASH_LEN
 *	hash	 hashlen bytes, no NUL
 */
#define REC_VERSION	2
#define REC_FIXED	(1 + 4 + 8 + 1)
#define REC_MAX		(REC_FIXED + TOKEN_HASH_LEN)

/*
 * Version 1, written by earlier releases: this struct as it lay in memory
 * (host byte order and padding; 88 bytes on x86_64), its version field 1.
 * Tokens are credentials, so such records are still read; none is written.
 * Its length tells it apart from every version 2 record.
 */
struct rec_v1 {
	uint32_t	version;
	int32_t		role;
	int64_t		created;
	char		hash[TOKEN_HASH_LEN + 1];
};

_Static_assert(sizeof(struct rec_v1) > REC_MAX,
    "a version 1 record must be longer than any version 2 record");

/* The most bytes a record is read into; larger blobs are not tokens. */
#define REC_READ_MAX	128

_Static_assert(REC_READ_MAX >= sizeof(struct rec_v1) &&
    REC_READ_MAX >= REC_MAX, "REC_READ_MAX holds every record");

struct authfail {
	struct in6_addr	addr;		/* IPv4 as ::ffff:a.b.c.d */
	uint32_t	first;		/* start of the counting window */
	uint32_t	count;
	uint32_t	locked_until;
	uint32_t	used;		/* last touched: the slot to reuse */
};

struct auth_lockouts {
	pthread_mutex_t	 mtx;
	struct authfail	 fails[AUTHFAIL_SLOTS];
	atomic_uint_fast64_t failures, lockouts;
};

/* ---- record encoding ---- */

static size_t
rec_encode(const struct auth_token *t, uint8_t out[REC_MAX])
{
	char hash[TOKEN_HASH_LEN + 1];
	struct wire_buf w;

	snprintf(hash, sizeof(hash), "%s", t->hash);
	wire_buf_init(&w, out, REC_MAX);
	wire_put8(&w, REC_VERSION);
	wire_put32(&w, (uint32_t)t->role);
	wire_put64(&w, (uint64_t)t->created);
	wire_put_str(&w, hash);
	return w.len;
}

/* Decode either version; -1 if the bytes are neither. */
static int
rec_decode(const uint8_t *data, size_t len, struct auth_token *out)
{
	struct wire_rd r;

	memset(out, 0, sizeof(*out));
	if (len == sizeof(struct rec_v1)) {
		struct rec_v1 v1;

		memcpy(&v1, data, sizeof(v1));
		if (v1.version != 1)
			return -1;
		out->role = v1.role;
		out->created = v1.created;
		/* whatever the database held */
		memcpy(out->hash, v1.hash, TOKEN_HASH_LEN);
		out->hash[TOKEN_HASH_LEN] = '\0';
		return 0;
	}
	wire_rd_init(&r, data, len);
	if (wire_rd8(&r) != REC_VERSION)
		return -1;
	out->role = (int32_t)wire_rd32(&r);
	out->created = (int64_t)wire_rd64(&r);
	wire_rd_str(&r, out->hash, sizeof(out->hash));
	if (r.bad || r.left != 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

/* ---- the database's tokens ---- */

static int
key_name(const char *name, char *out, size_t len)
{
	if (!token_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(out, len, TOKEN_PREFIX "%s", name);
	return 0;
}

int
auth_token_get(struct store *st, const char *name, struct auth_token *out)
{
	char key[sizeof(TOKEN_PREFIX) + TOKEN_NAME_MAX];
	uint8_t buf[REC_READ_MAX];
	ssize_t n;

	if (key_name(name, key, sizeof(key)) != 0)
		return -1;
	if ((n = store_blob_get(st, key, buf, sizeof(buf))) < 0) {
		if (errno != ENOENT)
			errno = EIO;	/* unreadable, or too large to be ours */
		return -1;
	}
	if (rec_decode(buf, (size_t)n, out) != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
auth_token_put(struct store *st, const char *name,
    const struct auth_token *rec)
{
	char key[sizeof(TOKEN_PREFIX) + TOKEN_NAME_MAX];
	uint8_t buf[REC_MAX];
	struct auth_token old;
	size_t len;

	if (key_name(name, key, sizeof(key)) != 0)
		return -1;
	if (auth_token_get(st, name, &old) == 0) {
		errno = EEXIST;
		return -1;
	}
	if (errno != ENOENT)
		return -1;	/* one that cannot be read is not replaced */
	len = rec_encode(rec, buf);
	if (store_blob_put(st, key, buf, len) != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
auth_token_del(struct store *st, const char *name)
{
	char key[sizeof(TOKEN_PREFIX) + TOKEN_NAME_MAX];
	struct auth_token old;

	if (key_name(name, key, sizeof(key)) != 0)
		return -1;
	/* One that cannot be read can still be revoked. */
	if (auth_token_get(st, name, &old) != 0 && errno != EIO)
		return -1;
	if (store_blob_del(st, key) != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

struct walkctx {
	int	(*fn)(void *, const char *, const struct auth_token *);
	void	*arg;
};

static int
walk_cb(void *arg, const char *name, const void *data, size_t len)
{
	struct walkctx *w = arg;
	struct auth_token t;

	if (rec_decode(data, len, &t) != 0)
		return 0;
	return w->fn(w->arg, name + strlen(TOKEN_PREFIX), &t);
}

int
auth_token_walk(struct store *st,
    int (*fn)(void *arg, const char *name, const struct auth_token *rec),
    void *arg)
{
	struct walkctx w = { fn, arg };

	if (store_blob_walk(st, TOKEN_PREFIX, walk_cb, &w) != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* ---- the bearer check ---- */

struct tokfind {
	const char	*hash;
	int		 role;
	char		 name[TOKEN_NAME_MAX + 1];
};

static int
tokfind_cb(void *arg, const char *name, const struct auth_token *t)
{
	struct tokfind *tf = arg;

	if (token_hash_equal(tf->hash, t->hash) && tf->role == 0) {
		tf->role = t->role;
		snprintf(tf->name, sizeof(tf->name), "%s", name);
	}
	return 0;
}

int
auth_bearer(struct store *st, const struct conf *conf, const char *authz,
    enum auth_result *res, int *role, char *who, size_t wholen)
{
	char hash[TOKEN_HASH_LEN + 1], tokbuf[BEARER_MAX + 1];
	struct tokfind tf;
	const char *tok;
	size_t tl;

	*role = 0;
	if (authz == NULL || strncasecmp(authz, "Bearer ", 7) != 0) {
		*res = AUTH_NO_TOKEN;
		return 0;
	}
	*res = AUTH_BAD_TOKEN;
	tok = authz + 7;
	while (*tok == ' ' || *tok == '\t')
		tok++;
	/* Trailing blanks are the header's, not the token's (RFC 9110 5.5). */
	tl = strlen(tok);
	while (tl > 0 && (tok[tl - 1] == ' ' || tok[tl - 1] == '\t'))
		tl--;
	if (tl == 0) {
		*res = AUTH_NO_TOKEN;	/* "Bearer" alone: no token at all */
		return 0;
	}
	if (tl > BEARER_MAX)
		return 0;
	memcpy(tokbuf, tok, tl);
	tokbuf[tl] = '\0';
	token_hash(tokbuf, hash);
	memset(&tf, 0, sizeof(tf));
	tf.hash = hash;
	/* Every hash is compared in full, whichever matches. */
	for (int i = 0; i < conf->ntokens; i++)
		if (token_hash_equal(hash, conf->tokens[i].hash) &&
		    tf.role == 0) {
			tf.role = conf->tokens[i].role;
			snprintf(tf.name, sizeof(tf.name), "%s",
			    conf->tokens[i].name);
		}
	if (auth_token_walk(st, tokfind_cb, &tf) != 0 && tf.role == 0)
		return -1;	/* cannot tell: errno is EIO */
	if (tf.role > 0) {
		*res = AUTH_OK;
		*role = tf.role;
		snprintf(who, wholen, "%s", tf.name);
	}
	return 0;
}

/* ---- failed logins ---- */

void
auth_client_key(const struct sockaddr *sa, struct in6_addr *out)
{
	struct prefix p;

	memset(out, 0, sizeof(*out));
	if (sa == NULL || ipaddr_client_net(sa, &p) != 0)
		return;
	if (p.family == 4) {
		out->s6_addr[10] = out->s6_addr[11] = 0xff;
		memcpy(out->s6_addr + 12, p.addr, 4);
	} else
		memcpy(out->s6_addr, p.addr, 16);
}

struct auth_lockouts *
auth_lockouts_new(void)
{
	struct auth_lockouts *lk;

	if ((lk = calloc(1, sizeof(*lk))) == NULL)
		return NULL;
	pthread_mutex_init(&lk->mtx, NULL);
	return lk;
}

void
auth_lockouts_free(struct auth_lockouts *lk)
{
	if (lk == NULL)
		return;
	pthread_mutex_destroy(&lk->mtx);
	free(lk);
}

uint32_t
auth_locked(struct auth_lockouts *lk, const struct sockaddr *client,
    uint32_t now)
{
	struct in6_addr addr;
	uint32_t left = 0;

	auth_client_key(client, &addr);
	pthread_mutex_lock(&lk->mtx);
	for (int i = 0; i < AUTHFAIL_SLOTS; i++) {
		struct authfail *f = &lk->fails[i];

		if (f->used != 0 &&
		    memcmp(&f->addr, &addr, sizeof(addr)) == 0) {
			if (f->locked_until > now)
				left = f->locked_until - now;
			break;
		}
	}
	pthread_mutex_unlock(&lk->mtx);
	return left;
}

bool
auth_failed(struct auth_lockouts *lk, const struct sockaddr *client,
    uint32_t now, char *who, size_t wholen)
{
	struct authfail *f = NULL, *oldest = &lk->fails[0];
	struct in6_addr addr;
	bool locked = false;

	auth_client_key(client, &addr);
	atomic_fetch_add(&lk->failures, 1);
	pthread_mutex_lock(&lk->mtx);
	for (int i = 0; i < AUTHFAIL_SLOTS; i++) {
		struct authfail *s = &lk->fails[i];

		if (s->used != 0 &&
		    memcmp(&s->addr, &addr, sizeof(addr)) == 0) {
			f = s;
			break;
		}
		/* Reuse the quietest slot, preferring any that is not
		 * locked out over one that is. */
		if ((s->locked_until > now) != (oldest->locked_until > now)) {
			if (s->locked_until <= now)
				oldest = s;
		} else if (s->used < oldest->used)
			oldest = s;
	}
	if (f == NULL) {
		/* A full table forgets the quietest address, never a locked
		 * one while another slot will do. */
		f = oldest;
		memset(f, 0, sizeof(*f));
		f->addr = addr;
	}
	if (f->first + AUTH_FAIL_WINDOW <= now) {
		f->first = now;
		f->count = 0;
	}
	f->used = now ? now : 1;
	if (++f->count >= AUTH_FAIL_MAX && f->locked_until <= now) {
		f->locked_until = now + AUTH_LOCKOUT;
		f->count = 0;
		locked = true;
	}
	pthread_mutex_unlock(&lk->mtx);
	if (!locked)
		return false;
	atomic_fetch_add(&lk->lockouts, 1);
	if (IN6_IS_ADDR_V4MAPPED(&addr))
		inet_ntop(AF_INET, addr.s6_addr + 12, who, (socklen_t)wholen);
	else
		inet_ntop(AF_INET6, &addr, who, (socklen_t)wholen);
	return true;
}

void
auth_lockout_counts(struct auth_lockouts *lk, uint64_t *failures,
    uint64_t *lockouts)
{
	*failures = atomic_load(&lk->failures);
	*lockouts = atomic_load(&lk->lockouts);
}

/* ---- the first admin token ---- */

struct admin_find {
	bool	found;
	bool	name_taken;
};

static int
admin_cb(void *arg, const char *name, const struct auth_token *t)
{
	struct admin_find *af = arg;

	if (t->role == ROLE_ADMIN)
		af->found = true;
	if (strcmp(name, "admin") == 0)
		af->name_taken = true;
	return 0;
}

int
auth_first_token(struct store *st, const struct conf *conf, FILE *f,
    bool *created)
{
	struct admin_find af = { false, false };
	struct auth_token rec;
	char tok[TOKEN_LEN + 1], name[TOKEN_NAME_MAX + 1] = "admin";

	if (created != NULL)
		*created = false;
	for (int i = 0; i < conf->ntokens; i++)
		if (conf->tokens[i].role == ROLE_ADMIN)
			return 0;
	if (auth_token_walk(st, admin_cb, &af) != 0)
		return -1;
	if (af.found)
		return 0;
	if (af.name_taken)
		snprintf(name, sizeof(name), "admin-%ld", (long)time(NULL));
	if (token_generate(tok) != 0)
		return -1;
	memset(&rec, 0, sizeof(rec));
	rec.role = ROLE_ADMIN;
	rec.created = time(NULL);
	token_hash(tok, rec.hash);
	if (auth_token_put(st, name, &rec) != 0)
		goto fail;
	fprintf(f, "rbld: no admin token existed, so one was made. It is shown "
	    "this once; only its hash is kept:\n"
	    "rbld: admin token \"%s\": %s\n", name, tok);
	fflush(f);
	explicit_bzero(tok, sizeof(tok));
	if (created != NULL)
		*created = true;
	return 0;
fail:
	explicit_bzero(tok, sizeof(tok));
	return -1;
}
