/* SPDX-License-Identifier: BSD-2-Clause */
/* Feed fetchers: HTTP(S) with libcurl, local files, and AXFR with ldns. */
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <poll.h>
#include <unistd.h>
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
#include "parse.h"
#include "tsig.h"
#include "wire.h"

#define FETCH_CONNECT_TIMEOUT	10L	/* seconds */
#define FETCH_MAX_REDIRS	5L
#define FETCH_AXFR_READ_TIMEOUT	5	/* seconds per read of a transfer */
#define FETCH_USER_AGENT	"rbld/0.1 (DNSBL aggregator)"

static void
ferr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
ferr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
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
	const atomic_bool	*cancel;
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
	return h->cancel != NULL && atomic_load(h->cancel);
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
http_gunzip(struct fetch_result *r, uint64_t max, char *err,
    size_t errlen)
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
		ferr(err, errlen, "gzip: cannot start zlib");
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
				ferr(err, errlen, "gzip: cannot restart zlib");
				goto fail;
			}
		}
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			ferr(err, errlen, "gzip body is corrupt: %s",
			    zs.msg != NULL ? zs.msg : "bad data");
			goto fail;
		}
		if (buf_append(&out, chunk, sizeof(chunk) - zs.avail_out,
		    max) != 0) {
			ferr(err, errlen, "download larger than max-size (%llu bytes) "
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
		ferr(err, errlen, "gzip body is truncated: the compressed data ends "
		    "before the list does (%zu bytes received)", r->len);
		goto fail;
	}
	inflateEnd(&zs);
	if (out.buf == NULL && buf_append(&out, "", 0, max) != 0) {
		ferr(err, errlen, "out of memory");
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
fetch_http(const struct fetch_request *q, struct fetch_result *r, char *err,
    size_t errlen)
{
	struct http_ctx h = { r, q->max_size, false, q->cancel };
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE], hdr[FETCH_ETAG_MAX + 32], enc[64];
	CURLcode cc;
	long code = 0;
	CURL *c;
	int rc = -1;

	if ((c = curl_easy_init()) == NULL) {
		ferr(err, errlen, "cannot start libcurl");
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
		ferr(err, errlen, "download larger than max-size (%llu bytes)",
		    (unsigned long long)q->max_size);
		goto out;
	}
	if (cc != CURLE_OK) {
		ferr(err, errlen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	if (code == 304 && hdrs != NULL) {
		/* Only an answer to our validators means "unchanged". */
		r->not_modified = true;
		rc = 0;
		goto out;
	}
	if (code != 200) {
		ferr(err, errlen, "HTTP status %ld", code);
		goto out;
	}
	header_value(c, "Content-Encoding", enc, sizeof(enc));
	if (strcasecmp(enc, "gzip") == 0 || strcasecmp(enc, "x-gzip") == 0) {
		if (http_gunzip(r, q->max_size, err, errlen) != 0)
			goto out;
	} else if (enc[0] != '\0' && strcasecmp(enc, "identity") != 0) {
		/* Only gzip was asked for; anything else would be parsed as
		 * a list while still encoded. */
		ferr(err, errlen, "unsupported Content-Encoding \"%.64s\"", enc);
		goto out;
	}
	header_value(c, "ETag", r->etag, sizeof(r->etag));
	header_value(c, "Last-Modified", r->last_modified,
	    sizeof(r->last_modified));
	if (r->buf == NULL && buf_append(r, "", 0, q->max_size) != 0) {
		ferr(err, errlen, "out of memory");
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
fetch_file(const struct fetch_request *q, struct fetch_result *r, char *err,
    size_t errlen)
{
	char chunk[65536], stamp[FETCH_ETAG_MAX];
	struct stat sb;
	gzFile gz;
	int n, zerr;

	if (stat(q->url, &sb) == -1) {
		ferr(err, errlen, "%s: %s", q->url, strerror(errno));
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
		ferr(err, errlen, "%s: %s", q->url, strerror(errno ? errno : ENOMEM));
		return -1;
	}
	while ((n = gzread(gz, chunk, sizeof(chunk))) > 0) {
		if (buf_append(r, chunk, (size_t)n, q->max_size) != 0) {
			ferr(err, errlen, "file larger than max-size (%llu bytes)",
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
			ferr(err, errlen, "%s: %s", q->url, strerror(errno));
		else if (zerr == Z_BUF_ERROR)
			ferr(err, errlen, "%s (the gzip file is truncated)", m);
		else
			ferr(err, errlen, "%s", m);
		gzclose(gz);
		return -1;
	}
	gzclose(gz);
	if (r->buf == NULL && buf_append(r, "", 0, q->max_size) != 0) {
		ferr(err, errlen, "out of memory");
		return -1;
	}
	snprintf(r->etag, sizeof(r->etag), "%s", stamp);
	return 0;
}

/* ---- AXFR ---- */

/* Wait until FD can do EVENTS, at most until DEADLINE and for at most
 * FETCH_AXFR_READ_TIMEOUT seconds. 0, or -1 (timed out or cancelled). */
static int
axfr_wait(int fd, short events, time_t deadline,
    const atomic_bool *cancel)
{
	time_t until = time(NULL) + FETCH_AXFR_READ_TIMEOUT;

	if (until > deadline)
		until = deadline;
	for (;;) {
		struct pollfd pfd = { fd, events, 0 };
		time_t now = time(NULL);
		int n;

		if (now >= until || (cancel != NULL && atomic_load(cancel)))
			return -1;
		/* Short polls, so that a cancel is seen quickly. */
		n = poll(&pfd, 1, 250);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int
axfr_io(int fd, uint8_t *p, size_t n, bool out, time_t deadline,
    const atomic_bool *cancel)
{
	while (n > 0) {
		ssize_t k;

		if (axfr_wait(fd, out ? POLLOUT : POLLIN, deadline, cancel) != 0)
			return -1;
		k = out ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * AXFR over TCP (RFC 5936). With a TSIG key the query is signed and every
 * answer checked (RFC 8945: the first and last messages signed, at most 99
 * unsigned in between): a transfer that is not provably from the key
 * holder is refused.
 */
static int
fetch_axfr(const struct fetch_request *q, struct fetch_result *r, char *err,
    size_t errlen)
{
	char zone[256], why[256], host[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct tsig_key key;
	struct tsig_ctx tc;
	uint8_t query[1024], zname[WIRE_NAME_MAX], *msg = NULL, lenb[2];
	struct wire_buf qb;
	ssize_t qlen;
	int nl;
	uint16_t id;
	int port, fd = -1, nsoa = 0, rc = -1, nmsg = 0;
	bool last_signed = false;
	bool use_tsig = q->tsig != NULL;
	time_t deadline = time(NULL) + (time_t)q->timeout;

	memset(&tc, 0, sizeof(tc));
	if (parse_axfr_url(q->url, &ss, &sslen, zone, sizeof(zone), why,
	    sizeof(why)) != 0) {
		ferr(err, errlen, "axfr: bad url \"%s\": %s", q->url, why);
		return -1;
	}
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	}
	if (use_tsig && tsig_key_parse(q->tsig, &key, why, sizeof(why)) != 0) {
		ferr(err, errlen, "axfr: %s", why);
		return -1;
	}

	/* The question: ZONE AXFR IN, no recursion. */
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)time(NULL);
	if ((nl = wire_name_from_text(zone, zname, sizeof(zname))) < 0) {
		ferr(err, errlen, "axfr: bad zone name \"%s\"", zone);
		return -1;
	}
	wire_buf_init(&qb, query, sizeof(query));
	wire_put16(&qb, id);
	wire_put16(&qb, 0);		/* a query, opcode QUERY, no flags */
	wire_put16(&qb, 1);		/* one question */
	wire_put16(&qb, 0);
	wire_put16(&qb, 0);
	wire_put16(&qb, 0);
	wire_put(&qb, zname, (size_t)nl);
	wire_put16(&qb, TYPE_AXFR);
	wire_put16(&qb, CLASS_IN);
	qlen = (ssize_t)qb.len;
	if (use_tsig) {
		tsig_start(&tc, &key, NULL, 0);
		if ((qlen = tsig_sign(&tc, query, (size_t)qlen, sizeof(query),
		    (uint64_t)time(NULL))) < 0) {
			ferr(err, errlen, "axfr: cannot sign the query");
			goto out;
		}
		{
			size_t ml;
			const uint8_t *mac = tsig_mac(&tc, &ml);
			uint8_t qmac[TSIG_MAC_MAX];

			memcpy(qmac, mac, ml);
			tsig_end(&tc);
			tsig_start(&tc, &key, qmac, ml);
		}
	}

	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    (connect(fd, (struct sockaddr *)&ss, sslen) == -1 &&
	    errno != EINPROGRESS)) {
		ferr(err, errlen, "axfr from %s port %d: %s", host, port, strerror(errno));
		goto out;
	}
	{
		int soerr = 0;
		socklen_t el = sizeof(soerr);

		if (axfr_wait(fd, POLLOUT, deadline, q->cancel) != 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) != 0 ||
		    soerr != 0) {
			ferr(err, errlen, "axfr from %s port %d: %s", host, port,
			    soerr ? strerror(soerr) : "cannot connect");
			goto out;
		}
	}
	wire_set16(lenb, (uint16_t)qlen);
	if (axfr_io(fd, lenb, 2, true, deadline, q->cancel) != 0 ||
	    axfr_io(fd, query, (size_t)qlen, true, deadline, q->cancel) != 0) {
		ferr(err, errlen, "axfr from %s port %d: cannot send the query", host,
		    port);
		goto out;
	}
	if ((msg = malloc(65535)) == NULL) {
		ferr(err, errlen, "out of memory");
		goto out;
	}

	/* A transfer is the SOA, the records, and the SOA again. */
	while (nsoa < 2) {
		ldns_pkt *pkt = NULL;
		size_t mlen;

		if (axfr_io(fd, lenb, 2, false, deadline, q->cancel) != 0 ||
		    (mlen = wire_get16(lenb)) < WIRE_HEADER ||
		    axfr_io(fd, msg, mlen, false, deadline, q->cancel) != 0) {
			ferr(err, errlen, "axfr from %s port %d: %s", host, port,
			    time(NULL) >= deadline ? "timed out" : nmsg == 0 ?
			    "no answer (refused, or not a DNS server)" :
			    "transfer ended early");
			goto out;
		}
		nmsg++;
		if (wire_id(msg) != id || !wire_qr(msg)) {
			ferr(err, errlen, "axfr from %s port %d: an answer to another "
			    "question", host, port);
			goto out;
		}
		if (wire_rcode(msg) != RCODE_NOERROR) {
			/* The server says why: REFUSED (not allowed), or
			 * NOTAUTH (a key it does not know, a wrong secret). */
			int rcode = wire_rcode(msg);
			ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes,
			    rcode);

			ferr(err, errlen, "axfr from %s port %d: the server answered "
			    "%s%s", host, port, lt != NULL ? lt->name : "an error",
			    rcode != RCODE_NOTAUTH ? "" : use_tsig ?
			    " (check the tsig key name and secret)" :
			    " (it may want a tsig key)");
			goto out;
		}
		if (use_tsig && tsig_verify(&tc, msg, mlen, (uint64_t)time(NULL),
		    &last_signed, why, sizeof(why)) != 0) {
			ferr(err, errlen, "axfr from %s port %d: message %d: %s", host,
			    port, nmsg, why);
			goto out;
		}
		if (ldns_wire2pkt(&pkt, msg, mlen) != LDNS_STATUS_OK) {
			ferr(err, errlen, "axfr from %s port %d: a malformed message",
			    host, port);
			goto out;
		}
		for (size_t i = 0; i < ldns_pkt_ancount(pkt) && nsoa < 2; i++) {
			ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), i);
			char *text;

			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
				nsoa++;
			text = ldns_rr2str(rr);
			if (text == NULL || buf_append(r, text, strlen(text),
			    q->max_size) != 0) {
				free(text);
				ldns_pkt_free(pkt);
				ferr(err, errlen, "axfr: zone larger than max-size");
				goto out;
			}
			free(text);
		}
		ldns_pkt_free(pkt);
		if (nsoa == 0) {
			ferr(err, errlen, "axfr from %s port %d: the transfer does not "
			    "start with the SOA", host, port);
			goto out;
		}
	}
	if (use_tsig && !last_signed) {
		ferr(err, errlen, "axfr from %s port %d: the last message is not signed",
		    host, port);
		goto out;
	}
	if (r->buf == NULL && buf_append(r, "", 0, q->max_size) != 0)
		goto out;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(msg);
	tsig_end(&tc);
	explicit_bzero(&key, sizeof(key));
	return rc;
}

int
fetch(const struct fetch_request *q, struct fetch_result *r, char *err,
    size_t errlen)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (strncmp(q->url, "http://", 7) == 0 ||
	    strncmp(q->url, "https://", 8) == 0)
		rc = fetch_http(q, r, err, errlen);
	else if (strncmp(q->url, "axfr://", 7) == 0)
		rc = fetch_axfr(q, r, err, errlen);
	else
		rc = fetch_file(q, r, err, errlen);
	if (rc != 0)
		errno = q->cancel != NULL && atomic_load(q->cancel) ?
		    ECANCELED : EIO;
	return rc;
}

void
fetch_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}
