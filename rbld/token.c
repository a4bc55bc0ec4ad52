/* SPDX-License-Identifier: BSD-2-Clause */
/* API tokens: roles, generation, hashing, and their records in the database. */
#include <errno.h>
#include <ldns/sha2.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "token.h"

#define TOKEN_VERSION	1
#define TOKEN_PREFIX	"blob:token:"

static const char *const role_names[] = { NULL, "reader", "reporter", "admin" };

int
token_role_parse(const char *s)
{
	for (int i = ROLE_READER; i <= ROLE_ADMIN; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

const char *
token_role_name(int role)
{
	return role >= ROLE_READER && role <= ROLE_ADMIN ? role_names[role] :
	    "unknown";
}

bool
token_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TOKEN_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == n;
}

int
token_generate(char out[TOKEN_LEN + 1])
{
	unsigned char rnd[20];
	size_t got = 0;

	/* 160 bits: far beyond guessing, even without the rate limits. */
	while (got < sizeof(rnd)) {
		ssize_t r = getrandom(rnd + got, sizeof(rnd) - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	memcpy(out, "rbld_", 5);
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(out + 5 + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

void
token_hash(const char *token, char out[TOKEN_HASH_LEN + 1])
{
	unsigned char d[32];

	ldns_sha256((const unsigned char *)token, (unsigned int)strlen(token), d);
	memcpy(out, "sha256:", 7);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
}

bool
token_hash_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	/* Compare the whole length whatever differs; a length mismatch is
	 * no secret (every hash has the same length). */
	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static int
key_name(const char *name, char *out, size_t len)
{
	if (!token_name_ok(name))
		return -1;
	snprintf(out, len, TOKEN_PREFIX "%s", name);
	return 0;
}

int
token_get(struct store *st, const char *name, struct token_rec *out)
{
	char key[sizeof(TOKEN_PREFIX) + TOKEN_NAME_MAX];

	if (key_name(name, key, sizeof(key)) != 0)
		return -1;
	if (store_blob_get(st, key, out, sizeof(*out)) != (ssize_t)sizeof(*out) ||
	    out->version != TOKEN_VERSION)
		return -1;
	out->hash[TOKEN_HASH_LEN] = '\0';
	return 0;
}

int
token_put(struct store *st, const char *name, const struct token_rec *rec)
{
	char key[sizeof(TOKEN_PREFIX) + TOKEN_NAME_MAX];
	struct token_rec r = *rec, old;

	if (key_name(name, key, sizeof(key)) != 0 ||
	    token_get(st, name, &old) == 0)
		return -1;
	r.version = TOKEN_VERSION;
	return store_blob_put(st, key, &r, sizeof(r));
}

int
token_del(struct store *st, const char *name)
{
	char key[sizeof(TOKEN_PREFIX) + TOKEN_NAME_MAX];
	struct token_rec old;

	if (key_name(name, key, sizeof(key)) != 0 ||
	    token_get(st, name, &old) != 0)
		return -1;
	return store_blob_del(st, key);
}

struct walkctx {
	int	(*fn)(void *, const char *, const struct token_rec *);
	void	*arg;
};

static int
walk_cb(void *arg, const char *name, const void *data, size_t len)
{
	struct walkctx *w = arg;
	struct token_rec r;

	if (len != sizeof(r))
		return 0;
	memcpy(&r, data, sizeof(r));
	if (r.version != TOKEN_VERSION)
		return 0;
	r.hash[TOKEN_HASH_LEN] = '\0';		/* whatever the database held */
	return w->fn(w->arg, name + strlen(TOKEN_PREFIX), &r);
}

int
token_walk(struct store *st,
    int (*fn)(void *arg, const char *name, const struct token_rec *),
    void *arg)
{
	struct walkctx w = { fn, arg };

	return store_blob_walk(st, TOKEN_PREFIX, walk_cb, &w);
}
