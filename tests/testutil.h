/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers the Check suites share: running a suite, the fixture folder, temporary folders. */
#ifndef RBLD_TESTUTIL_H
#define RBLD_TESTUTIL_H

#include <check.h>
#include <stdint.h>

/* Run suite S (and free it): EXIT_SUCCESS if every test passed, for main. */
int		 test_run(Suite *s);

/* The source tests/ folder (RBLD_TEST_DIR, set by meson), else "tests". */
const char	*test_dir(void);

/* Remove PATH and everything below it; missing is fine. */
void		 rm_rf(const char *path);

struct conf;
struct store;

/* TEXT as DIR/rbld.conf, loaded; the test fails unless it loads. */
struct conf	*test_conf(const char *dir, const char *text);

/*
 * TEXT, lines of an rbldnsd data file whose entries default to DEF_A and
 * DEF_TXT (may be NULL), as source SRC's file entries in ST, with the
 * file's $TTL, $SOA and $NS: what loading such a file does. Every line
 * must parse.
 */
void		 test_load(struct store *st, int src, uint32_t def_a,
		    const char *def_txt, const char *text);

#endif
