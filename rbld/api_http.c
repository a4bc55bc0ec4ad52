/* SPDX-License-Identifier: BSD-2-Clause */
/* The API over HTTP: libmicrohttpd's daemons, request bodies, TLS. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "api_int.h"
#include "clock.h"
#include "export.h"
#include "log.h"

struct conn {
	struct api_conn	*guard;		/* its connection's (api_conns.c) */
	char		*body;
	size_t		 len, cap;
	bool		 too_big;
	bool		 answered;
};

static const char *
mhd_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

/* Queue RS; its body is handed over to libmicrohttpd (no copy: an export
 * may be large). For HEAD, libmicrohttpd sends the headers only, with the
 * length the body would have. */
static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	ssize_t n = export_job_read(cls, buf, max);

	(void)pos;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* A failure halfway: the client must not take a cut body for a
	 * whole zone, so the connection ends without the final chunk. */
	return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

static void
stream_free(void *cls)
{
	export_job_free(cls);
}

static enum MHD_Result
mhd_send(struct MHD_Connection *c, struct api_resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char ra[16];

	if (rs->stream != NULL) {
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
		    64 * 1024, stream_read, rs->stream, stream_free);
		if (r == NULL)
			export_job_free(rs->stream);
		rs->stream = NULL;
		free(rs->body);
		rs->body = NULL;
		if (r == NULL)
			return MHD_NO;
	} else {
		r = MHD_create_response_from_buffer(rs->len, rs->body,
		    rs->body != NULL ? MHD_RESPMEM_MUST_FREE :
		    MHD_RESPMEM_PERSISTENT);
		if (r == NULL) {
			free(rs->body);
			rs->body = NULL;
			return MHD_NO;
		}
	}
	rs->body = NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    rs->content_type ? rs->content_type : "application/json");
	/* The page's files are revalidated (ETag); nothing else is kept. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    rs->cache ? "no-cache" : "no-store");
	if (rs->etag[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, rs->etag);
	if (rs->last_modified > 0) {
		time_t t = (time_t)rs->last_modified;
		struct tm tm;
		char lm[40];

		gmtime_r(&t, &tm);
		strftime(lm, sizeof(lm), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
	}
	/*
	 * For the page, and harmless on JSON: scripts, styles and requests
	 * from this origin only, no inline script, never inside a frame, no
	 * referrer; and no CORS header, so another site's script in the
	 * admin's browser cannot read an answer.
	 */
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'self'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
	    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy",
	    "same-origin");
	if (rs->status == 405 && rs->allow[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rs->allow);
	if (rs->status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer realm=\"rbld\"");
	if ((rs->status == 429 || rs->status == 503) && rs->retry_after > 0) {
		snprintf(ra, sizeof(ra), "%u", rs->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	ret = MHD_queue_response(c, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decoding of paths and query arguments, in place, as
 * libmicrohttpd's own but for "%00": a NUL would cut the C string the
 * router sees ("/index.html%00.js" would be "/index.html"), so it stays
 * as written and matches nothing.
 */
static size_t
mhd_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *r = s, *w = s;

	(void)cls;
	(void)c;
	while (*r != '\0') {
		int hi, lo;

		if (r[0] == '%' && (hi = hexval((unsigned char)r[1])) >= 0 &&
		    (lo = hexval((unsigned char)r[2])) >= 0 &&
		    (hi != 0 || lo != 0)) {
			*w++ = (char)(hi << 4 | lo);
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

static enum MHD_Result
mhd_too_big(struct api *api, struct MHD_Connection *c, const char *url)
{
	struct api_resp rs;

	api_too_big(api, url, &rs);
	return mhd_send(c, &rs);
}

static enum MHD_Result
mhd_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct api *api = cls;
	struct conn *cn = *con_cls;
	struct api_req rq;
	struct api_resp rs;
	const union MHD_ConnectionInfo *ci;

	(void)version;
	if (cn == NULL) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		const union MHD_ConnectionInfo *si = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

		if ((cn = calloc(1, sizeof(*cn))) == NULL)
			return MHD_NO;
		*con_cls = cn;
		/* The headers are in: from now on, the request's deadline. */
		if (si != NULL && si->socket_context != NULL)
			api_conns_request(api->cguard, cn->guard =
			    si->socket_context, clock_ms());
		/* A body too large is refused before it is read. */
		if (cl != NULL && strtoull(cl, NULL, 10) > API_BODY_MAX) {
			cn->answered = true;
			return mhd_too_big(api, c, url);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* Chunked bodies have no length: count as they come. */
		if (!cn->too_big && cn->len + *upload_size <= API_BODY_MAX) {
			if (cn->len + *upload_size > cn->cap) {
				size_t cap = cn->cap ? cn->cap : 4096;
				char *b;

				while (cap < cn->len + *upload_size)
					cap *= 2;
				if ((b = realloc(cn->body, cap)) == NULL)
					return MHD_NO;
				cn->body = b;
				cn->cap = cap;
			}
			memcpy(cn->body + cn->len, upload, *upload_size);
			cn->len += *upload_size;
		} else
			cn->too_big = true;	/* the rest is read, not kept:
						 * libmicrohttpd 0.9.75 cannot
						 * answer before the end */
		*upload_size = 0;
		return MHD_YES;
	}
	if (cn->answered)
		return MHD_YES;
	cn->answered = true;
	if (cn->too_big)
		return mhd_too_big(api, c, url);
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = url;
	rq.arg = mhd_arg;
	rq.argctx = c;
	rq.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	rq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	rq.if_none_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	rq.body = cn->body;
	rq.bodylen = cn->len;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	rq.client = ci != NULL ? ci->client_addr : NULL;
	api_handle(api, &rq, &rs);
	return mhd_send(c, &rs);
}

static void
mhd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct api *api = cls;
	struct conn *cn = *con_cls;

	(void)c;
	(void)toe;
	if (cn != NULL) {
		if (cn->guard != NULL)
			api_conns_done(api->cguard, cn->guard, clock_ms());
		free(cn->body);
		free(cn);
		*con_cls = NULL;
	}
}

/*
 * api-connections counts the connections of every API address together,
 * while libmicrohttpd's own limit is per address (each address is a daemon
 * of its own, with a thread per connection). Each daemon's accepting
 * thread checks the shared count before it takes a connection on, and the
 * count follows connections as they start and close: daemons accepting at
 * the same moment can pass it by at most one each, a bound the thread
 * limits (grace.c's slots) leave room for.
 */
static enum MHD_Result
mhd_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct api *api = cls;

	(void)addr;
	(void)addrlen;
	if (atomic_load(&api->conns) < api->max_conns)
		return MHD_YES;
	log_debug("api: %u connections open on all addresses: one more "
	    "closed", api->max_conns);
	return MHD_NO;
}

static void
mhd_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct api *api = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fi = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ai = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		atomic_fetch_add(&api->conns, 1);
		*socket_context = NULL;
		if (fi == NULL || ai == NULL)
			return;
		if ((*socket_context = api_conns_open(api->cguard,
		    fi->connect_fd, ai->client_addr, clock_ms())) == NULL) {
			/* Its address has api-per-ip requests running. */
			log_debug("api: api-per-ip connections from one address "
			    "all busy: one more closed");
			shutdown(fi->connect_fd, SHUT_RDWR);
		}
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		api_conns_close(api->cguard, *socket_context);
		*socket_context = NULL;
		atomic_fetch_sub(&api->conns, 1);
	}
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_debug("api: %s", msg);
}

static char *
read_pem(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *b;

		if (len + n > 1024 * 1024 || (b = realloc(buf, len + n + 1)) ==
		    NULL) {
			snprintf(err, errlen, "%s: too large", path);
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = b;
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: empty", path);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static bool
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr)
		    >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->
	    sin6_addr);
}

int
api_listen(struct api *api, const struct conf *conf, char *err, size_t errlen)
{
	bool tls = conf->api_cert != NULL;

	if (tls) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd has no TLS");
			return -1;
		}
		if ((api->cert = read_pem(conf->api_cert, err, errlen)) ==
		    NULL ||
		    (api->key = read_pem(conf->api_key, err, errlen)) == NULL)
			return -1;
	}
	api->max_conns = conf->api_connections;
	atomic_store(&api->conns, 0);
	if ((api->cguard = api_conns_new(conf->api_per_ip,
	    conf->api_header_timeout, conf->api_request_timeout,
	    conf->api_timeout)) == NULL || api_conns_watch(api->cguard) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < conf->napi; i++) {
		const struct endpoint *l = &conf->api[i];
		unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
		    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG |
		    (l->ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) |
		    (tls ? MHD_USE_TLS : 0);
		struct MHD_Daemon *d;
		const union MHD_DaemonInfo *di;
		char host[INET6_ADDRSTRLEN];
		const char *colon;

		d = MHD_start_daemon(flags, 0, mhd_accept, api, mhd_handler,
		    api, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, api,
		    MHD_OPTION_NOTIFY_CONNECTION, mhd_connection, api,
		    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&l->ss,
		    MHD_OPTION_CONNECTION_LIMIT,
		    (unsigned int)conf->api_connections,
		    /* A backstop: api_conns.c keeps api-per-ip, making room
		     * by closing a slow connection when it has to. */
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		    (unsigned int)conf->api_per_ip * 2,
		    MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned int)conf->api_timeout,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		    MHD_OPTION_NOTIFY_COMPLETED, mhd_completed, api,
		    MHD_OPTION_UNESCAPE_CALLBACK, mhd_unescape, NULL,
		    tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, api->key,
		    MHD_OPTION_HTTPS_MEM_CERT, api->cert,
		    MHD_OPTION_END);
		if (d == NULL) {
			snprintf(err, errlen, "cannot listen on %s%s", l->text,
			    tls ? " (or the TLS key and certificate do not "
			    "load)" : "");
			return -1;
		}
		api->mhd[api->nmhd++] = d;
		di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
		colon = strrchr(l->text, ':');
		snprintf(host, sizeof(host), "%.*s",
		    (int)(colon ? colon - l->text : (long)strlen(l->text)),
		    l->text);
		log_info("api: listening on %s:%u (%s)", host,
		    di != NULL ? di->port : 0, tls ? "https" : "http");
		if (!tls && !is_loopback(&l->ss))
			log_warnx("api: %s is not a loopback address and the "
			    "API has no TLS: tokens cross the network in clear "
			    "(set api-cert and api-key)", l->text);
	}
	return 0;
}

void
api_stop(struct api *api)
{
	for (int i = 0; i < api->nmhd; i++)
		MHD_stop_daemon(api->mhd[i]);
	api->nmhd = 0;
}

void
api_http_free(struct api *api)
{
	api_stop(api);
	api_conns_free(api->cguard);
	api->cguard = NULL;
	if (api->key != NULL)
		explicit_bzero(api->key, strlen(api->key));
	free(api->key);
	free(api->cert);
	api->key = api->cert = NULL;
}
