/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target: the rbld.conf parser on any file. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"

static char path[64];
static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "/tmp/rbld-fuzz-conf.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		abort();
	close(fd);
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	conf_free(conf_load(path, devnull));
	return 0;
}
