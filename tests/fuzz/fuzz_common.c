/* SPDX-License-Identifier: BSD-2-Clause */
/* What the fuzz targets share: a small configured rbld in a temporary folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "log.h"
#include "runtime.h"
#include "source.h"
#include "token.h"

static const char data_rbl[] =
	"$TTL 300\n"
	":127.0.0.2:Listed: $\n"
	"192.0.2.0/24\n"
	"!192.0.2.128/25\n"
	"198.51.100.7 :3:seven $\n"
	"10.0.0.0/8 :4:\n"
	"2001:db8::/32 :5:six $\n"
	"!2001:db8:1::/48\n";

static void
put(const char *dir, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) != 0)
		abort();
}

void
fuzz_env_init(struct fuzz_env *e)
{
	char path[128], conf[1024], hash[TOKEN_HASH_LEN + 1], err[256];

	memset(e, 0, sizeof(*e));
	log_init("fuzz", LOG_LVL_ERR + 1);
	snprintf(e->dir, sizeof(e->dir), "/tmp/rbld-fuzz.XXXXXX");
	if (mkdtemp(e->dir) == NULL)
		abort();
	token_hash(FUZZ_ADMIN_TOKEN, hash);
	snprintf(conf, sizeof(conf),
	    "[rbld]\ndatabase = db\n"
	    "[zone bl.fuzz.test]\nsources = data reports\n"
	    "[zone other.fuzz.test]\nsources = reports\n"
	    "[source data]\nkind = local\nfile = data.rbl\n"
	    "[source reports]\nkind = reports\ntxt = Reported: $\n"
	    "failed-login = 2 in 10m ban 1h\nspam = 1 in 1d ban 1d\n"
	    "escalate = 2x max 1d\n"
	    "[allow]\nnets = 192.0.2.1/32 2001:db8:ffff::/48\n"
	    "[token admin]\nrole = admin\nhash = %s\n", hash);
	put(e->dir, "rbld.conf", conf);
	put(e->dir, "data.rbl", data_rbl);
	snprintf(path, sizeof(path), "%s/rbld.conf", e->dir);
	if ((e->conf = conf_load(path, NULL)) == NULL ||
	    (e->st = store_open(e->conf->database, 64u << 20, false, err,
	    sizeof(err))) == NULL ||
	    (e->view = runtime_build(e->conf, e->st, err, sizeof(err))) == NULL)
		abort();
	memcpy(e->srcids, e->view->srcids, sizeof(e->srcids));
	e->views.cur = e->view;
	for (int i = 0; i < e->conf->nsources; i++) {
		bool loaded;

		if (source_load(e->st, &e->conf->sources[i], e->srcids[i], true,
		    &loaded, err, sizeof(err)) != 0)
			abort();
	}
}
