/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target: dns_answer() on any packet, over UDP and TCP limits. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static struct fuzz_env env;
static struct store_reader *rd;
static struct apex_cache apexes;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_env_init(&env);
	if ((rd = store_reader_new(env.st)) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65535];
	struct dns_stats stats;
	size_t max = size > 0 && (data[0] & 1) ? 65535 : 512, n;

	memset(&stats, 0, sizeof(stats));
	if (store_reader_begin(rd) != 0)
		abort();
	{
		struct dns_ctx cx = { env.view, rd, &apexes, 1800000000u,
		    &stats };

		n = dns_answer(&cx, data, size, out, max, max > 512);
	}
	store_reader_end(rd);
	/* An answer fits, and answers the question's ID. */
	if (n > max || (n > 0 && (n < 12 || size < 2 || out[0] != data[0] ||
	    out[1] != data[1])))
		abort();
	return 0;
}
