/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers the Check suites share: the fixture folder and temporary folders. */
#ifndef RBLD_TESTUTIL_H
#define RBLD_TESTUTIL_H

/* The source tests/ folder (RBLD_TEST_DIR, set by meson), else "tests". */
const char	*test_dir(void);

/* Remove PATH and everything below it; missing is fine. */
void		 rm_rf(const char *path);

#endif
