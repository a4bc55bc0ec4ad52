/* SPDX-License-Identifier: BSD-2-Clause */
/* Feed fetchers: HTTP(S) with libcurl, local files, and AXFR with ldns. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "feed_fetch.h"

#define FETCH_CONNECT_TIMEOUT	10L	/* seconds */
#define FETCH_MAX_REDIRS	5L
#define FETCH_USER_AGENT	"rbld/0.1 (DNSBL aggregator)"

static void
ferr(struct fetch_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
ferr(struct fetch_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

static int
buf_append(struct fetch_result *r, const void *p, size_t n, uint64_t max)
{
	if (r->len + n > max)
		return -1;
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 65536;
		char *nb;

		while (cap < r->len + n + 1)
			cap *= 2;
		if ((nb = realloc(r->buf, cap)) == NULL)
			return -1;
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return 0;
}

void
fetch_result_free(struct fetch_result *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* ---- HTTP ---- */

struct http_ctx {
	struct fetch_result	*r;
	uint64_t		 max;
	bool			 too_big;
	const volatile int	*cancel;
};

static int
http_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct http_ctx *h = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return h->cancel != NULL && *h->cancel;
}

static size_t
http_write(char *p, size_t size, size_t n, void *arg)
{
	struct http_ctx *h = arg;

	/* Counted after decompression: a gzip bomb stops here too. */
	if (buf_append(h->r, p, size * n, h->max) != 0) {
		h->too_big = true;
		return 0;
	}
	return size * n;
}

static void
header_value(CURL *c, const char *name, char *out, size_t outlen)
{
	struct curl_header *hd;

	out[0] = '\0';
	if (curl_easy_header(c, name, 0, CURLH_HEADER, -1, &hd) == CURLHE_OK &&
	    strlen(hd->value) < outlen)
		snprintf(out, outlen, "%s", hd->value);
}

static int
fetch_http(const struct fetch_request *q, struct fetch_result *r)
{
	struct http_ctx h = { r, q->max_size, false, q->cancel };
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE], hdr[FETCH_ETAG_MAX + 32];
	CURLcode cc;
	long code = 0;
	CURL *c;
	int rc = -1;

	if ((c = curl_easy_init()) == NULL) {
		ferr(r, "cannot start libcurl");
		return -1;
	}
	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, q->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* A redirect may not leave HTTPS for HTTP or anything else. */
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
	    strncmp(q->url, "https:", 6) == 0 ? "https" : "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, FETCH_MAX_REDIRS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, FETCH_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)q->timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)q->max_size);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &h);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, http_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &h);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (q->etag[0] != '\0') {
		snprintf(hdr, sizeof(hdr), "If-None-Match: %s", q->etag);
		hdrs = curl_slist_append(hdrs, hdr);
	} else if (q->last_modified[0] != '\0') {
		snprintf(hdr, sizeof(hdr), "If-Modified-Since: %s",
		    q->last_modified);
		hdrs = curl_slist_append(hdrs, hdr);
	}
	if (hdrs != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	r->http_status = (int)code;
	if (h.too_big) {
		ferr(r, "download larger than max-size (%llu bytes)",
		    (unsigned long long)q->max_size);
		goto out;
	}
	if (cc != CURLE_OK) {
		ferr(r, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	if (code == 304) {
		r->not_modified = true;
		rc = 0;
		goto out;
	}
	if (code != 200) {
		ferr(r, "HTTP status %ld", code);
		goto out;
	}
	header_value(c, "ETag", r->etag, sizeof(r->etag));
	header_value(c, "Last-Modified", r->last_modified,
	    sizeof(r->last_modified));
	if (r->buf == NULL && buf_append(r, "", 0, q->max_size) != 0) {
		ferr(r, "out of memory");
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc;
}

/* ---- files ---- */

static int
fetch_file(const struct fetch_request *q, struct fetch_result *r)
{
	char chunk[65536], stamp[FETCH_ETAG_MAX];
	struct stat sb;
	gzFile gz;
	int n;

	if (stat(q->url, &sb) == -1) {
		ferr(r, "%s: %s", q->url, strerror(errno));
		return -1;
	}
	/* A file's "ETag" is its mtime and size: unchanged means no work. */
	snprintf(stamp, sizeof(stamp), "%lld.%09ld-%lld",
	    (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
	    (long long)sb.st_size);
	if (strcmp(stamp, q->etag) == 0) {
		r->not_modified = true;
		return 0;
	}
	if ((gz = gzopen(q->url, "rb")) == NULL) {
		ferr(r, "%s: %s", q->url, strerror(errno ? errno : ENOMEM));
		return -1;
	}
	while ((n = gzread(gz, chunk, sizeof(chunk))) > 0) {
		if (buf_append(r, chunk, (size_t)n, q->max_size) != 0) {
			ferr(r, "file larger than max-size (%llu bytes)",
			    (unsigned long long)q->max_size);
			gzclose(gz);
			return -1;
		}
	}
	if (n < 0 || !gzeof(gz)) {
		int zerr;
		const char *m = gzerror(gz, &zerr);

		ferr(r, "%s: %s", q->url, zerr == Z_ERRNO ? strerror(errno) : m);
		gzclose(gz);
		return -1;
	}
	gzclose(gz);
	if (r->buf == NULL && buf_append(r, "", 0, q->max_size) != 0) {
		ferr(r, "out of memory");
		return -1;
	}
	snprintf(r->etag, sizeof(r->etag), "%s", stamp);
	return 0;
}

/* ---- AXFR ---- */

/* "axfr://host[:port]/zone" -> parts; host may be [v6]. */
static int
axfr_url(const char *url, char *host, size_t hlen, int *port, char *zone,
    size_t zlen)
{
	const char *p = url + 7, *slash, *colon, *hend;

	*port = 53;
	if ((slash = strchr(p, '/')) == NULL || slash[1] == '\0')
		return -1;
	if (*p == '[') {
		if ((hend = strchr(p, ']')) == NULL || hend > slash)
			return -1;
		p++;
		colon = hend[1] == ':' ? hend + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(slash - p));
		hend = colon ? colon : slash;
	}
	if ((size_t)(hend - p) >= hlen || hend == p)
		return -1;
	memcpy(host, p, (size_t)(hend - p));
	host[hend - p] = '\0';
	if (colon != NULL) {
		char *e;
		long v = strtol(colon + 1, &e, 10);

		if (e != slash || v < 1 || v > 65535)
			return -1;
		*port = (int)v;
	}
	if (strlen(slash + 1) >= zlen)
		return -1;
	snprintf(zone, zlen, "%s", slash + 1);
	return 0;
}

static int
fetch_axfr(const struct fetch_request *q, struct fetch_result *r)
{
	char host[256], zone[256];
	ldns_resolver *res = NULL;
	ldns_rdf *addr = NULL, *dname = NULL;
	ldns_status s;
	ldns_rr *rr;
	int port, nsoa = 0, rc = -1;
	time_t deadline = time(NULL) + (time_t)q->timeout;

	if (axfr_url(q->url, host, sizeof(host), &port, zone,
	    sizeof(zone)) != 0) {
		ferr(r, "bad axfr url (use axfr://host:port/zone)");
		return -1;
	}
	if ((addr = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, host)) == NULL &&
	    (addr = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, host)) == NULL) {
		ferr(r, "axfr: \"%s\" is not an IP address", host);
		return -1;
	}
	if ((dname = ldns_dname_new_frm_str(zone)) == NULL ||
	    (res = ldns_resolver_new()) == NULL) {
		ferr(r, "axfr: bad zone name \"%s\"", zone);
		goto out;
	}
	ldns_resolver_set_port(res, (uint16_t)port);
	ldns_resolver_push_nameserver(res, addr);
	{
		struct timeval tv = { (time_t)q->timeout, 0 };

		ldns_resolver_set_timeout(res, tv);
	}
	if (q->tsig != NULL) {
		/* "algorithm:name:secret" */
		char alg[64], name[256];
		const char *c1 = strchr(q->tsig, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (c1 == NULL || c2 == NULL ||
		    (size_t)(c1 - q->tsig) >= sizeof(alg) ||
		    (size_t)(c2 - c1 - 1) >= sizeof(name)) {
			ferr(r, "axfr: bad tsig setting");
			goto out;
		}
		snprintf(alg, sizeof(alg), "%.*s.", (int)(c1 - q->tsig), q->tsig);
		snprintf(name, sizeof(name), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
		ldns_resolver_set_tsig_keyname(res, name);
		ldns_resolver_set_tsig_algorithm(res, alg);
		ldns_resolver_set_tsig_keydata(res, c2 + 1);
	}
	s = ldns_axfr_start(res, dname, LDNS_RR_CLASS_IN);
	if (s != LDNS_STATUS_OK) {
		ferr(r, "axfr from %s port %d: %s", host, port,
		    ldns_get_errorstr_by_id(s));
		goto out;
	}
	/* A transfer is the SOA, the records, and the SOA again. */
	while ((rr = ldns_axfr_next(res)) != NULL) {
		char *text;

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
			nsoa++;
		text = ldns_rr2str(rr);
		ldns_rr_free(rr);
		if (text == NULL || buf_append(r, text, strlen(text),
		    q->max_size) != 0) {
			free(text);
			ferr(r, "axfr: zone larger than max-size");
			goto out;
		}
		free(text);
		if (nsoa >= 2 || time(NULL) > deadline ||
		    (q->cancel != NULL && *q->cancel))
			break;
	}
	if (nsoa < 2) {
		ferr(r, "axfr from %s port %d: %s", host, port,
		    time(NULL) > deadline ? "timed out" :
		    "transfer ended early (refused, or an error)");
		goto out;
	}
	if (r->buf == NULL && buf_append(r, "", 0, q->max_size) != 0)
		goto out;
	rc = 0;
out:
	if (res != NULL) {
		ldns_axfr_abort(res);
		ldns_resolver_deep_free(res);
	}
	/* The resolver keeps its own copy of the address. */
	if (addr != NULL)
		ldns_rdf_deep_free(addr);
	if (dname != NULL)
		ldns_rdf_deep_free(dname);
	return rc;
}

int
fetch(const struct fetch_request *q, struct fetch_result *r)
{
	memset(r, 0, sizeof(*r));
	if (strncmp(q->url, "http://", 7) == 0 ||
	    strncmp(q->url, "https://", 8) == 0)
		return fetch_http(q, r);
	if (strncmp(q->url, "axfr://", 7) == 0)
		return fetch_axfr(q, r);
	return fetch_file(q, r);
}

void
fetch_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}
