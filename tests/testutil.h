/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers the Check suites share: running a suite, the fixture folder, temporary folders. */
#ifndef RBLD_TESTUTIL_H
#define RBLD_TESTUTIL_H

#include <check.h>

/* Run suite S (and free it): EXIT_SUCCESS if every test passed, for main. */
int		 test_run(Suite *s);

/* The source tests/ folder (RBLD_TEST_DIR, set by meson), else "tests". */
const char	*test_dir(void);

/* Remove PATH and everything below it; missing is fine. */
void		 rm_rf(const char *path);

#endif
