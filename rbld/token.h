/* SPDX-License-Identifier: BSD-2-Clause */
/* API tokens: roles, names, generation, hashing (no store: conf uses it). */
#ifndef RBLD_TOKEN_H
#define RBLD_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum token_role {
	ROLE_READER = 1,	/* reads */
	ROLE_REPORTER,		/* may only post reports */
	ROLE_ADMIN,		/* everything */
};

#define TOKEN_LEN	45	/* "rbld_" and 40 hex digits */
#define TOKEN_HASH_LEN	71	/* "sha256:" and 64 hex digits */
#define TOKEN_NAME_MAX	63

/* "admin" -> ROLE_ADMIN ...; -1 if unknown. */
int		 token_role_parse(const char *);
const char	*token_role_name(int role);

/* A name of 1..63 characters [A-Za-z0-9_.-]. */
bool		 token_name_ok(const char *);

/* A fresh random token from the kernel's generator; 0, or -1 (errno). */
int		 token_generate(char out[TOKEN_LEN + 1]);

/* "sha256:" and the lowercase hex SHA-256 of TOKEN. */
void		 token_hash(const char *token, char out[TOKEN_HASH_LEN + 1]);

/* Compare two hashes in time that does not depend on where they differ. */
bool		 token_hash_equal(const char *a, const char *b);

#endif
