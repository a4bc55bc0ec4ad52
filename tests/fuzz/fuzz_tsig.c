/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target: TSIG verification of answers, signed and unsigned. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tsig.h"

static struct tsig_key key;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[128];

	(void)argc;
	(void)argv;
	if (tsig_key_parse("hmac-sha256:xfr-key:c2VjcmV0IGtleSBmb3IgZnV6eg==",
	    &key, err, sizeof(err)) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t qmac[32] = { 1, 2, 3 };
	struct tsig_ctx c;
	char err[256];
	bool is_signed;
	size_t half = size / 2;

	/* As the first answer, then two messages as a transfer's later ones. */
	tsig_start(&c, &key, qmac, sizeof(qmac));
	(void)tsig_verify(&c, data, size, 1800000000u, &is_signed, err,
	    sizeof(err));
	tsig_end(&c);
	tsig_start(&c, &key, qmac, sizeof(qmac));
	c.first = false;
	(void)tsig_verify(&c, data, half, 1800000000u, &is_signed, err,
	    sizeof(err));
	(void)tsig_verify(&c, data + half, size - half, 1800000000u,
	    &is_signed, err, sizeof(err));
	tsig_end(&c);
	return 0;
}
