/* SPDX-License-Identifier: BSD-2-Clause */
/* Values in text: durations, sizes, listen addresses, DNS names, axfr:// urls. */

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define DNAME_LEN_MAX		253
#define LABEL_LEN_MAX		63
#define AXFR_PORT		53

/* WHY in ERR (which may be NULL when ERRLEN is 0); -1 with errno EINVAL. */
static int
parse_fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	errno = EINVAL;
	return -1;
}

int64_t
parse_decimal(const char **sp, int64_t max)
{
	const char *s = *sp;
	int64_t v = 0;

	if (!isdigit((unsigned char)*s))
		goto fail;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (max - (*s - '0')) / 10)
			goto fail;
		v = v * 10 + (*s - '0');
	}
	*sp = s;
	return v;
fail:
	errno = EINVAL;
	return -1;
}

/* A number, then at most one unit letter from UNITS with its multiplier in MULS. */
static int64_t
parse_scaled(const char *s, const char *units, const int64_t *muls)
{
	const char *u;
	int64_t v, m = 1;

	if (s == NULL || (v = parse_decimal(&s, INT64_MAX)) < 0)
		goto fail;
	if (*s != '\0') {
		if ((u = strchr(units, *s)) == NULL || s[1] != '\0')
			goto fail;
		m = muls[u - units];
	}
	if (v > INT64_MAX / m)
		goto fail;
	return v * m;
fail:
	errno = EINVAL;
	return -1;
}

int64_t
parse_duration(const char *s)
{
	static const int64_t muls[] = { 1, 60, 3600, 86400, 604800 };

	/* Lowercase only: "10M" would read as months to some people. */
	return parse_scaled(s, "smhdw", muls);
}

int64_t
parse_size(const char *s)
{
	static const int64_t muls[] = {
		INT64_C(1) << 10, INT64_C(1) << 20, INT64_C(1) << 30, INT64_C(1) << 40,
		INT64_C(1) << 10, INT64_C(1) << 20, INT64_C(1) << 30, INT64_C(1) << 40,
	};

	return parse_scaled(s, "KMGTkmgt", muls);
}

int
parse_endpoint(const char *s, struct endpoint *out, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN];
	const char *h, *port, *end;
	size_t hlen, len;
	int64_t pn;
	int family;

	memset(out, 0, sizeof(*out));
	len = strlen(s);
	if (len >= sizeof(out->text))
		return parse_fail(err, errlen, "too long");
	if (s[0] == '[') {
		family = AF_INET6;
		h = s + 1;
		if ((end = strchr(h, ']')) == NULL)
			return parse_fail(err, errlen, "missing \"]\"");
		if (end[1] == '\0')
			return parse_fail(err, errlen, "missing port");
		if (end[1] != ':')
			return parse_fail(err, errlen,
			    "expected \":\" after \"]\"");
		hlen = (size_t)(end - h);
		port = end + 2;
	} else {
		family = AF_INET;
		h = s;
		if ((end = strrchr(s, ':')) == NULL)
			return parse_fail(err, errlen, "missing port");
		hlen = (size_t)(end - h);
		if (memchr(h, ':', hlen) != NULL)
			return parse_fail(err, errlen,
			    "IPv6 addresses need brackets, as [::1]:5353");
		port = end + 1;
	}
	if (*port == '\0')
		return parse_fail(err, errlen, "missing port");
	end = port;
	if ((pn = parse_decimal(&end, 65535)) < 0 || *end != '\0')
		return parse_fail(err, errlen, "bad port (use 0..65535)");
	if (hlen == 0 || hlen >= sizeof(host))
		return parse_fail(err, errlen, "bad address");
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return parse_fail(err, errlen, "not an IPv4 address");
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pn);
		out->sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return parse_fail(err, errlen, "not an IPv6 address");
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pn);
		out->sslen = sizeof(*sin6);
	}
	memcpy(out->text, s, len + 1);
	return 0;
}

int
parse_dname(const char *s, char out[PARSE_DNAME_MAX], char *err, size_t errlen)
{
	size_t len = strlen(s), i, lab = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0)
		return parse_fail(err, errlen, "empty name");
	if (len > DNAME_LEN_MAX)
		return parse_fail(err, errlen, "longer than 253 characters");
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.') {
			if (lab == 0)
				return parse_fail(err, errlen, "empty label");
			lab = 0;
		} else if (isalnum(ch) || ch == '-' || ch == '_') {
			if (++lab > LABEL_LEN_MAX)
				return parse_fail(err, errlen,
				    "label longer than 63 characters");
		} else {
			return parse_fail(err, errlen, "only letters, digits, "
			    "\"-\" and \"_\" are allowed");
		}
		out[i] = (char)tolower(ch);
	}
	if (lab == 0)
		return parse_fail(err, errlen, "empty label");
	out[len] = '\0';
	return 0;
}

bool
parse_dname_under(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);

	return n >= z && strcmp(name + n - z, zone) == 0 &&
	    (n == z || name[n - z - 1] == '.');
}

/* "axfr://host[:port]/zone" -> parts; host may be [v6]. */
static int
parse_axfr_parts(const char *url, char *host, size_t hlen, int *port,
    char *zone, size_t zlen)
{
	const char *p = url + 7, *slash, *colon, *hend;

	*port = AXFR_PORT;
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

int
parse_axfr_url(const char *url, struct sockaddr_storage *ss, socklen_t *sslen,
    char *zone, size_t zlen, char *err, size_t errlen)
{
	char host[256];
	int port;

	if (strncmp(url, "axfr://", 7) != 0 ||
	    parse_axfr_parts(url, host, sizeof(host), &port, zone, zlen) != 0)
		return parse_fail(err, errlen, "use axfr://address[:port]/zone");
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr)
	    == 1) {
		ss->ss_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*sslen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host,
	    &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(struct sockaddr_in6);
	} else {
		return parse_fail(err, errlen,
		    "the primary must be an IP address, not a name");
	}
	return 0;
}
