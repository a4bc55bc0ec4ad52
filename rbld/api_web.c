/* SPDX-License-Identifier: BSD-2-Clause */
/* The admin web page: the files of the web folder, served as they are. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api_int.h"

#define WEB_FILE_MAX	(8 * 1024 * 1024)	/* the page's largest file */

/* The types the folder may hold; any other file is not served. */
static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".woff2", "font/woff2" },
};

/*
 * A name the folder may serve: one path segment of letters, digits, "-",
 * "_" and ".", not starting with "." (no "..", no hidden file), ending in
 * a known type. The router hands over the path decoded, so "%2e%2e%2f"
 * arrives as "../" and fails here like the plain one.
 */
static const char *
type_of(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 128 || name[0] == '.')
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return NULL;
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && strcmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

/* Does the If-None-Match header INM name ETAG? */
static bool
etag_matches(const char *inm, const char *etag)
{
	size_t n = strlen(etag);

	if (inm == NULL)
		return false;
	for (const char *p = inm; (p = strstr(p, etag)) != NULL; p += n)
		if ((p == inm || p[-1] == ' ' || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
	return strcmp(inm, "*") == 0;
}

void
api_web_get(struct api *api, const struct view *v, const struct api_req *rq,
    struct api_resp *rs, const char *param, const char *who)
{
	const char *dir = v->conf->web, *name = param[0] ? param : "index.html";
	const char *type = type_of(name);
	struct stat sb;
	char *body = NULL;
	int dfd = -1, fd = -1;
	size_t got = 0;

	(void)api;
	(void)who;
	if (dir == NULL || (dfd = open(dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		api_error(rs, 404, "the web page is not installed (set web in "
		    "[rbld] to its folder)");
		return;
	}
	/* No symbolic link is followed out of the folder. */
	if (type == NULL || (fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		api_error(rs, 404, "no such file: %s", rq->path);
		goto out;
	}
	if (sb.st_size > WEB_FILE_MAX) {
		api_error(rs, 500, "%s is larger than a page's file may be",
		    name);
		goto out;
	}
	snprintf(rs->etag, sizeof(rs->etag), "\"%llx-%llx\"",
	    (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
	    (unsigned long long)sb.st_mtim.tv_nsec,
	    (unsigned long long)sb.st_size);
	rs->last_modified = sb.st_mtim.tv_sec;
	rs->content_type = type;
	if (etag_matches(rq->if_none_match, rs->etag)) {
		rs->status = 304;
		goto out;
	}
	if ((body = malloc((size_t)sb.st_size + 1)) == NULL) {
		api_error(rs, 500, "out of memory");
		goto out;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, body + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)sb.st_size) {
		free(body);
		rs->etag[0] = '\0';
		api_error(rs, 500, "cannot read %s", name);
		goto out;
	}
	body[got] = '\0';	/* a body is a string, as every answer's */
	rs->status = 200;
	rs->body = body;
	rs->len = got;
	rs->cache = true;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
}
