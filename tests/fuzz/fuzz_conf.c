/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target: the rbld.conf parser on any file. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

static char path[96];
static FILE *devnull;

/*
 * The file goes in a folder of its own, with one file beside it for its
 * "include" lines to find: an include of "*" must not read whatever else
 * /tmp holds (it did, and a fuzzer's findings must not depend on it).
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[64] = "/tmp/rbld-fuzz-conf.XXXXXX", inc[96];
	FILE *f;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/rbld.conf", dir);
	snprintf(inc, sizeof(inc), "%s/more.conf", dir);
	if ((f = fopen(inc, "w")) == NULL)
		abort();
	fputs("[source more]\nkind = local\n[zone more.test]\n"
	    "sources = more\ntransfer-key = hmac-sha256:k:c2VjcmV0\n", f);
	fclose(f);
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
	chmod(path, 0600);	/* so that a key in it is read, not refused */
	conf_free(conf_load(path, devnull));
	return 0;
}
