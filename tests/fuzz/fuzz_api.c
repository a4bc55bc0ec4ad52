/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the API's request handler. The input is "METHOD PATH?QUERY"
 * on the first line, a content type on the second, the body after; the
 * admin token rides along so that every route's code is reached.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "export.h"
#include "fuzz_common.h"

static struct fuzz_env env;
static struct commitq *cq;
static struct api *api;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_env_init(&env);
	if ((cq = commitq_start(env.st)) == NULL ||
	    (api = api_new(env.st, cq, NULL, &env.views)) == NULL)
		abort();
	return 0;
}

/* Query arguments "a=1&b=2" of the request line. */
static const char *
qarg(void *ctx, const char *name)
{
	static char val[256];
	const char *q = ctx;
	size_t nl = strlen(name);

	while (q != NULL && *q != '\0') {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);

		if (len > nl && strncmp(q, name, nl) == 0 && q[nl] == '=') {
			size_t vl = len - nl - 1;

			if (vl >= sizeof(val))
				vl = sizeof(val) - 1;
			memcpy(val, q + nl + 1, vl);
			val[vl] = '\0';
			return val;
		}
		q = amp ? amp + 1 : NULL;
	}
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct api_req rq;
	struct api_resp rs;
	char *buf, *line2, *body, *sp, *qm;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&rq, 0, sizeof(rq));
	rq.method = buf;
	if ((line2 = strchr(buf, '\n')) != NULL)
		*line2++ = '\0';
	if ((sp = strchr(buf, ' ')) == NULL) {
		free(buf);
		return 0;
	}
	*sp = '\0';
	rq.path = sp + 1;
	if ((qm = strchr(sp + 1, '?')) != NULL)
		*qm++ = '\0';
	rq.arg = qarg;
	rq.argctx = qm;
	rq.authorization = "Bearer " FUZZ_ADMIN_TOKEN;
	body = line2 != NULL ? strchr(line2, '\n') : NULL;
	if (body != NULL)
		*body++ = '\0';
	rq.content_type = line2;
	rq.body = body;
	rq.bodylen = body != NULL ? size - (size_t)(body - buf) : 0;
	sin.sin_addr.s_addr = htonl(0x0a000001);
	rq.client = (const struct sockaddr *)&sin;
	api_handle(api, &rq, &rs);
	if (rs.status < 200 || rs.status > 599 || (rs.body == NULL &&
	    rs.len != 0 && rs.stream == NULL))
		abort();
	if (rs.stream != NULL) {
		/* A streamed export, read to its end as the server would. */
		char chunk[65536];
		ssize_t n;

		while ((n = export_job_read(rs.stream, chunk,
		    sizeof(chunk))) > 0)
			;
		if (n < 0)
			abort();
		export_job_free(rs.stream);
	}
	free(rs.body);
	free(buf);
	return 0;
}
