/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target: the rbldnsd data-file parser and the TXT expansion. */
#include <stdlib.h>
#include <string.h>

#include "rbldnsd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rbl_data d;
	char *buf, *line, *next, out[RBL_TXT_ANSWER_MAX + 1];
	unsigned lineno = 0;
	size_t n;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	rbldnsd_init(&d, 0x7f000002, "Listed: $");
	for (line = buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		rbldnsd_parse_line(&d, line, "fuzz", ++lineno, NULL, NULL);
	}
	rbldnsd_finish(&d);
	for (size_t i = 0; i < d.ntxts; i++) {
		n = rbldnsd_expand(d.txts[i], strlen(d.txts[i]),
		    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", out);
		if (n > RBL_TXT_ANSWER_MAX)
			abort();
	}
	rbldnsd_free(&d);
	free(buf);
	return 0;
}
