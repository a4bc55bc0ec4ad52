/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers the Check suites share: running a suite, the fixture folder, temporary folders. */
#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../rbld/conf.h"
#include "../rbld/rbldnsd.h"
#include "../rbld/store.h"
#include "testutil.h"

/*
 * Under AddressSanitizer, an allocation the address-space cap of the
 * out-of-memory tests refuses must come back as NULL, as it does from
 * glibc, instead of aborting the test: those tests check what the code
 * does with the NULL. ASAN_OPTIONS from the environment still applies.
 */
__attribute__((used)) const char *__asan_default_options(void);

__attribute__((used)) const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* Check's own bookkeeping (its allocator is emalloc and erealloc), which
 * LeakSanitizer misreads in a test child that ran threads ("running thread
 * was not suspended. False leaks are possible"): never rbld's memory. */
__attribute__((used)) const char *
__lsan_default_suppressions(void)
{
	return "leak:emalloc\nleak:erealloc\n";
}

int
test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

const char *
test_dir(void)
{
	const char *d = getenv("RBLD_TEST_DIR");

	return d != NULL && *d != '\0' ? d : "tests";
}

void
rm_rf(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if (lstat(path, &sb) == -1)
		return;
	if (S_ISDIR(sb.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else
		unlink(path);
}

struct conf *
test_conf(const char *dir, const char *text)
{
	char path[PATH_MAX];
	struct conf *c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/rbld.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(c = conf_load(path, stderr));
	return c;
}

void
test_load(struct store *st, int src, uint32_t def_a, const char *def_txt,
    const char *text)
{
	struct store_srcmeta m;
	struct rbl_data d;
	char line[RBL_LINE_MAX], err[256];
	unsigned n = 0;

	ck_assert_int_eq(rbldnsd_init(&d, def_a, def_txt), 0);
	while (*text != '\0') {
		size_t l = strcspn(text, "\n");

		ck_assert_uint_lt(l, sizeof(line));
		memcpy(line, text, l);
		line[l] = '\0';
		ck_assert_int_eq(rbldnsd_parse_line(&d, line, "t.rbl", ++n,
		    NULL, NULL), 0);
		text += l + (text[l] == '\n');
	}
	ck_assert_uint_eq(d.nbad, 0);
	ck_assert_int_eq(rbldnsd_finish(&d), 0);
	store_srcmeta_init(&m, &d);
	ck_assert_msg(store_replace_file(st, src, &d, &m, err, sizeof(err)) >= 0,
	    "%s", err);
	rbldnsd_free(&d);
}
