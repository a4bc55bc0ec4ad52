/* SPDX-License-Identifier: BSD-2-Clause */
/* API credentials: tokens in the database, the bearer check, lockouts. */
#ifndef RBLD_AUTH_H
#define RBLD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "conf.h"
#include "store.h"
#include "token.h"

/* Repeated failed authentication from one address: after AUTH_FAIL_MAX
 * failures within AUTH_FAIL_WINDOW seconds, every request from it gets 429
 * for AUTH_LOCKOUT seconds. */
#define AUTH_FAIL_MAX		10
#define AUTH_FAIL_WINDOW	60
#define AUTH_LOCKOUT		300

/* A token kept in the database: only its hash. */
struct auth_token {
	int32_t		role;		/* enum token_role */
	int64_t		created;	/* unix time */
	char		hash[TOKEN_HASH_LEN + 1];
};

/* ---- the database's tokens ---- */

/* Store REC as token NAME. Returns 0, or -1 with errno EINVAL (bad name),
 * EEXIST (NAME is taken) or EIO (a read or write error, or a record of
 * that name that cannot be read). */
int		 auth_token_put(struct store *, const char *name,
		    const struct auth_token *rec);
/* Token NAME into OUT. Returns 0, or -1 with errno EINVAL (bad name),
 * ENOENT (no such token) or EIO (a record that cannot be read). */
int		 auth_token_get(struct store *, const char *name,
		    struct auth_token *out);
/* Remove token NAME. Returns 0, or -1 with errno EINVAL, ENOENT or EIO. */
int		 auth_token_del(struct store *, const char *name);
/* Call FN for each token, in name order, until it returns non-zero; records
 * that cannot be read are passed over. Returns 0, or -1 with errno EIO. */
int		 auth_token_walk(struct store *,
		    int (*fn)(void *arg, const char *name,
		    const struct auth_token *rec), void *arg);

/* ---- the bearer check ---- */

enum auth_result {
	AUTH_NO_TOKEN,		/* no "Authorization: Bearer" at all */
	AUTH_BAD_TOKEN,		/* a bearer token that matches none */
	AUTH_OK,
};

/*
 * Check the bearer token of the Authorization header value AUTHZ (may be
 * NULL) against CONF's [token] stanzas and ST's records. Returns 0 with
 * *RES set and, for AUTH_OK, *ROLE and the token's name in WHO; or -1 with
 * errno EIO when no stanza matches and ST's tokens cannot be read.
 */
int		 auth_bearer(struct store *st, const struct conf *conf,
		    const char *authz, enum auth_result *res, int *role,
		    char *who, size_t wholen);

/* ---- failed logins ---- */

/* The client a socket address stands for, as an IPv6 address: an IPv4
 * address mapped, an IPv6 one cut to its /64 (a client holds a /64, and
 * rotating addresses in it changes nothing). */
struct in6_addr;
void		 auth_client_key(const struct sockaddr *sa, struct in6_addr *out);

struct auth_lockouts;

/* An empty table of failed logins; NULL with errno ENOMEM. */
struct auth_lockouts *auth_lockouts_new(void);
void		 auth_lockouts_free(struct auth_lockouts *);

/* Seconds left at NOW of CLIENT's lockout (CLIENT may be NULL), or 0. */
uint32_t	 auth_locked(struct auth_lockouts *,
		    const struct sockaddr *client, uint32_t now);

/*
 * Count a failed login from CLIENT (may be NULL) at NOW. Returns true when
 * it locks CLIENT out, and then writes to WHO the address counted (an IPv6
 * client counts as its /64, shown with the low 64 bits zero).
 */
bool		 auth_failed(struct auth_lockouts *,
		    const struct sockaddr *client, uint32_t now, char *who,
		    size_t wholen);

/* The failed logins and the lockouts counted since the table was made. */
void		 auth_lockout_counts(struct auth_lockouts *,
		    uint64_t *failures, uint64_t *lockouts);

/* ---- the first admin token ---- */

/*
 * No credentials by default: when neither CONF nor ST holds an admin token,
 * create one named "admin" (or "admin-TIME" if that name is taken), store
 * its hash, and print the token once to F. Returns 0 with *CREATED (may be
 * NULL) telling whether it made one, or -1 with errno.
 */
int		 auth_first_token(struct store *st, const struct conf *conf,
		    FILE *f, bool *created);

#endif
