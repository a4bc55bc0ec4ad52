/* SPDX-License-Identifier: BSD-2-Clause */
/* Feed fetchers: HTTP(S) with libcurl, local files, and AXFR with ldns. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "feed_fetch.h"

#define FETCH_CONNECT_TIMEOUT	10L	/* seconds */
#define FETCH_MAX_REDIRS	5L
#define FETCH_AXFR_READ_TIMEOUT	5	/* seconds per read of a transfer */
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

	/* The body as sent; http_gunzip counts what it inflates to. */
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

/*
 * Inflate R's gzip body in place. libcurl's own decoding hands on whatever
 * it could inflate of a stream that stops early and calls the transfer a
 * success, so a cut download would pass as a shorter list, its last line
 * cut anywhere ("192.0.2.1" of "192.0.2.123"). Here the stream must reach
 * its end. Several gzip members one after another are one body (RFC 1952).
 */
static int
http_gunzip(struct fetch_result *r, uint64_t max)
{
	struct fetch_result out;
	unsigned char chunk[65536];
	const unsigned char *in = (const unsigned char *)r->buf;
	size_t left = r->len;
	z_stream zs;
	int zr = Z_OK;

	memset(&out, 0, sizeof(out));
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		ferr(r, "gzip: cannot start zlib");
		return -1;
	}
	for (;;) {
		if (zs.avail_in == 0 && left > 0) {
			/* avail_in is an unsigned int; the body may be bigger. */
			zs.next_in = (unsigned char *)(uintptr_t)in;
			zs.avail_in = left > (1u << 30) ? 1u << 30 : (uInt)left;
			in += zs.avail_in;
			left -= zs.avail_in;
		}
		if (zr == Z_STREAM_END) {
			/* The end; what follows is another member, or padding
			 * that gzip(1) also ignores. */
			if (zs.avail_in == 0 || zs.next_in[0] != 0x1f)
				break;
			if (inflateReset(&zs) != Z_OK) {
				ferr(r, "gzip: cannot restart zlib");
				goto fail;
			}
		}
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			ferr(r, "gzip body is corrupt: %s",
			    zs.msg != NULL ? zs.msg : "bad data");
			goto fail;
		}
		if (buf_append(&out, chunk, sizeof(chunk) - zs.avail_out,
		    max) != 0) {
			ferr(r, "download larger than max-size (%llu bytes) "
			    "once decompressed", (unsigned long long)max);
			goto fail;
		}
		/*
		 * Every byte read and room left in CHUNK: inflate has nothing
		 * more to give. (A full CHUNK may leave output pending.)
		 */
		if (zr != Z_STREAM_END && zs.avail_in == 0 && left == 0 &&
		    zs.avail_out > 0)
			break;
		if (zr == Z_BUF_ERROR && zs.avail_in > 0 && zs.avail_out > 0)
			break;		/* no progress: never spin */
	}
	if (zr != Z_STREAM_END) {
		ferr(r, "gzip body is truncated: the compressed data ends "
		    "before the list does (%zu bytes received)", r->len);
		goto fail;
	}
	inflateEnd(&zs);
	if (out.buf == NULL && buf_append(&out, "", 0, max) != 0) {
		ferr(r, "out of memory");
		return -1;
	}
	free(r->buf);
	r->buf = out.buf;
	r->len = out.len;
	r->cap = out.cap;
	return 0;
fail:
	inflateEnd(&zs);
	free(out.buf);
	return -1;
}

static int
fetch_http(const struct fetch_request *q, struct fetch_result *r)
{
	struct http_ctx h = { r, q->max_size, false, q->cancel };
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE], hdr[FETCH_ETAG_MAX + 32], enc[64];
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
	/* Ask for gzip but inflate it here: see http_gunzip. */
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
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
	if (code == 304 && hdrs != NULL) {
		/* Only an answer to our validators means "unchanged". */
		r->not_modified = true;
		rc = 0;
		goto out;
	}
	if (code != 200) {
		ferr(r, "HTTP status %ld", code);
		goto out;
	}
	header_value(c, "Content-Encoding", enc, sizeof(enc));
	if (strcasecmp(enc, "gzip") == 0 || strcasecmp(enc, "x-gzip") == 0) {
		if (http_gunzip(r, q->max_size) != 0)
			goto out;
	} else if (enc[0] != '\0' && strcasecmp(enc, "identity") != 0) {
		/* Only gzip was asked for; anything else would be parsed as
		 * a list while still encoded. */
		ferr(r, "unsupported Content-Encoding \"%.64s\"", enc);
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
	int n, zerr;

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
	/* A gzip file cut short is only a soft error to gzread (it
	 * returns what it could inflate, then 0), so ask gzerror too. */
	gzerror(gz, &zerr);
	if (n < 0 || !gzeof(gz) || zerr != Z_OK) {
		const char *m = gzerror(gz, &zerr);

		/* zlib's messages start with the path already. */
		if (zerr == Z_ERRNO)
			ferr(r, "%s: %s", q->url, strerror(errno));
		else if (zerr == Z_BUF_ERROR)
			ferr(r, "%s (the gzip file is truncated)", m);
		else
			ferr(r, "%s", m);
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
		/*
		 * ldns waits this long for each read, deaf to q->cancel:
		 * keep it short so a stalled primary cannot hold up a
		 * shutdown; the whole transfer is bounded by the deadline.
		 */
		struct timeval tv = { q->timeout < FETCH_AXFR_READ_TIMEOUT ?
		    (time_t)q->timeout : FETCH_AXFR_READ_TIMEOUT, 0 };

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
		/* The server's answer says why: REFUSED (not allowed), or
		 * NOTAUTH (a TSIG key it does not know, or a wrong secret). */
		const ldns_pkt *lp = ldns_axfr_last_pkt(res);
		ldns_lookup_table *lt = lp == NULL ? NULL :
		    ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(lp));

		if (lp != NULL && ldns_pkt_get_rcode(lp) != LDNS_RCODE_NOERROR)
			ferr(r, "axfr from %s port %d: the server answered "
			    "%s%s", host, port, lt != NULL ? lt->name : "an error",
			    ldns_pkt_get_rcode(lp) != LDNS_RCODE_NOTAUTH ? "" :
			    q->tsig != NULL ? " (check the tsig key name and "
			    "secret)" : " (it may want a tsig key)");
		else
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
