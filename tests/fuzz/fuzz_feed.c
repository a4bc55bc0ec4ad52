/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target: every feed format's parser; the first byte picks the format. */
#include <stdlib.h>
#include <string.h>

#include "feed_parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_policy pol;
	struct feed_counts counts;
	struct rbl_data d;
	char err[FEED_ERR_MAX];
	int format;

	if (size < 1)
		return 0;
	format = data[0] % FEED_AXFR + 1;
	/* A feed source's defaults, but for allow-special. */
	memset(&pol, 0, sizeof(pol));
	pol.min_prefix4 = 8;
	pol.min_prefix6 = 19;
	pol.max_shrink = 50;
	pol.allow_special = data[0] & 0x80;
	rbldnsd_init(&d, 0x7f000002, "Feed: $");
	(void)feed_parse(format, (const char *)data + 1, size - 1,
	    "bl.fuzz.test", &pol, &d, &counts, err, sizeof(err));
	rbldnsd_finish(&d);
	rbldnsd_free(&d);
	return 0;
}
