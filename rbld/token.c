/* SPDX-License-Identifier: BSD-2-Clause */
/* API tokens: roles, names, generation, hashing (no store: conf uses it). */
#include <errno.h>
#include <ldns/sha2.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "token.h"

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

	ldns_sha256((const unsigned char *)token, (unsigned int)strlen(token),
	    d);
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
