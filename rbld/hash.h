/* SPDX-License-Identifier: BSD-2-Clause */
/* FNV-1a, 64 bits: a fast hash for tables and fingerprints, not against an adversary. */
#ifndef RBLD_HASH_H
#define RBLD_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_INIT	0xcbf29ce484222325ull

/* H (HASH_INIT to begin) carried on over N bytes at P. */
static inline uint64_t
hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#endif
