/* SPDX-License-Identifier: BSD-2-Clause */
/* The API's JSON: times, text, addresses, request bodies. */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "parse.h"

json_t *
api_json_time(uint32_t t)
{
	char buf[32];
	time_t tt = t;
	struct tm tm;

	if (t == 0)
		return json_null();
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/*
 * Text from the database or a file as a JSON string. JSON needs UTF-8, and
 * jansson refuses anything else (json_string returns NULL, the member
 * silently goes missing): bytes that do not form UTF-8 become U+FFFD.
 */
json_t *
api_json_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;
	char *buf;
	json_t *j;

	if ((buf = malloc(n * 3 + 1)) == NULL)
		return json_null();
	while (*p != '\0') {
		size_t len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		size_t i;

		for (i = 1; i < len && (p[i] & 0xc0) == 0x80; i++)
			;
		if (len == 0 || i < len || (len == 2 && *p < 0xc2) ||
		    (len == 3 && *p == 0xe0 && p[1] < 0xa0) ||
		    (len == 3 && *p == 0xed && p[1] >= 0xa0) ||
		    (len == 4 && ((*p == 0xf0 && p[1] < 0x90) ||
		    (*p == 0xf4 && p[1] >= 0x90) || *p > 0xf4))) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(buf + o, p, len);
		o += len;
		p += len;
	}
	buf[o] = '\0';
	j = json_stringn(buf, o);
	free(buf);
	return j != NULL ? j : json_null();
}

json_t *
api_json_a(uint32_t a)
{
	char buf[INET_ADDRSTRLEN];
	uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16),
	    (uint8_t)(a >> 8), (uint8_t)a };

	ipaddr_ntop(4, b, buf, sizeof(buf));
	return json_string(buf);
}

json_t *
api_json_prefix(const struct prefix *p)
{
	char buf[IPADDR_STRLEN];

	ipaddr_format(p, false, buf, sizeof(buf));
	return json_string(buf);
}

/* An address alone when the prefix is a whole address. */
json_t *
api_json_addr(const struct prefix *p)
{
	char buf[IPADDR_STRLEN];

	ipaddr_format(p, true, buf, sizeof(buf));
	return json_string(buf);
}

/* Parse the body as one JSON object whose keys are all in KEYS. */
json_t *
api_json_body(const struct api_req *rq, struct api_resp *rs,
    const char *const *keys)
{
	json_error_t je;
	json_t *j;
	const char *k;
	json_t *v;

	if (rq->bodylen == 0) {
		api_error(rs, 400, "a JSON object is required");
		return NULL;
	}
	j = json_loadb(rq->body, rq->bodylen, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		api_error(rs, 400, "bad JSON at line %d column %d: %s", je.line,
		    je.column, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_error(rs, 400, "the body must be a JSON object");
		return NULL;
	}
	json_object_foreach(j, k, v) {
		int i;

		if (keys == NULL)
			break;
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL) {
			api_error(rs, 400, "unknown key \"%s\"", k);
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

/* An optional string member; -1 (400 queued) if present but not a string. */
int
api_json_string(json_t *j, const char *key, const char **out,
    struct api_resp *rs)
{
	json_t *v = json_object_get(j, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		api_error(rs, 400, "\"%s\" must be a string", key);
		return -1;
	}
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v)) {
		api_error(rs, 400, "\"%s\" holds a NUL character", key);
		return -1;
	}
	return 0;
}


int
api_json_ttl(json_t *j, uint32_t now, uint32_t *expires, struct api_resp *rs)
{
	json_t *ttl = json_object_get(j, "ttl");
	int64_t secs = 0;

	if (json_is_integer(ttl))
		secs = json_integer_value(ttl);
	else if (json_is_string(ttl))
		secs = parse_duration(json_string_value(ttl));
	else if (ttl != NULL && !json_is_null(ttl))
		secs = -1;
	if (secs < 0 || secs > (int64_t)(UINT32_MAX - now)) {
		api_error(rs, 400, "bad ttl (seconds, or a duration such as "
		    "30s, 10m, 12h, 7d or 2w)");
		return -1;
	}
	*expires = secs > 0 ? now + (uint32_t)secs : 0;
	return 0;
}
