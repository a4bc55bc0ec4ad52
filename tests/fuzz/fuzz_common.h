/* SPDX-License-Identifier: BSD-2-Clause */
/* What the fuzz targets share: a small configured rbld in a temporary folder. */
#ifndef RBLD_FUZZ_COMMON_H
#define RBLD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "dns.h"
#include "store.h"

struct fuzz_env {
	char		 dir[64];
	struct conf	*conf;
	struct store	*st;
	int		 srcids[CONF_MAX_SOURCES];
	struct view	*view;
	struct view_ref	 views;		/* VIEW in force, for the API */
};

#define FUZZ_ADMIN_TOKEN	"rbld_fuzz_admin_token_0123456789abcdef0123"

/* A zone bl.fuzz.test with a file source of IPv4 and IPv6 entries, a
 * reports source, an [allow] list and an admin token; aborts on failure. */
void	fuzz_env_init(struct fuzz_env *);

#endif
