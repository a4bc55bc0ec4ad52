/* SPDX-License-Identifier: BSD-2-Clause */
/* Parse rbld.conf and the files it includes into a struct conf, reporting every error. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "feed.h"
#include "parse.h"
#include "token.h"
#include "tsig.h"

#define INCLUDE_DEPTH_MAX	8
/* RFC 2181 section 8: TTLs and SOA timers are 31-bit values. */
#define DURATION_MAX		INT32_MAX
#define WORKERS_MAX		64
#define SOCKETS_MAX		1000	/* fits NET_MAX_SOCKS and the LMDB readers */
#define MAPSIZE_MIN		(UINT64_C(1) << 20)
#define MAPSIZE_DEFAULT		(UINT64_C(1) << 30)
#define DEFAULT_DNS		"127.0.0.1:5353"
#define API_CONNECTIONS_MAX	1024	/* each is a thread while it lasts */
#define DEFAULT_A		0x7f000002u	/* 127.0.0.2 */
#define TXT_LEN_MAX		(CONF_TXT_MAX - 1)	/* one DNS character-string */
#define WHY_MAX			128	/* a reason from parse.c */

enum sect {
	SECT_NONE,	/* before the first header: keys are errors */
	SECT_RBLD,
	SECT_ZONE,
	SECT_SOURCE,
	SECT_ALLOW,
	SECT_TOKEN,
	SECT_SKIP,	/* bad header, already reported: ignore its keys */
};

/* Source names of a zone, kept until every file is read: sources may come later. */
struct zone_aux {
	int		 nsrc;
	char		 src[CONF_MAX_ZONE_SOURCES][CONF_NAME_MAX];
	const char	*src_file;
	int		 src_line;
};

/* One file being read; the chain of frames is the include stack. */
struct frame {
	struct frame	*up;
	const char	*file;		/* owned by conf->files */
	int		 line;
	int		 depth;
	dev_t		 dev;
	ino_t		 ino;

	/* The open section. Sections never span files, so it lives here. */
	enum sect	 sect;
	int		 sect_line;
	char		*label;		/* "[zone bl.example.test]", for messages */
	uint32_t	 seen;		/* bit i: key i of the section's table was set */
	bool		 scratch;	/* header was bad: check keys, keep nothing */
	struct conf_zone *zone;
	struct zone_aux	*zaux;
	struct conf_source *src;
	struct conf_token *tok;
};

struct parser {
	struct conf	*c;
	FILE		*errs;
	int		 nerr;
	bool		 oom;
	struct frame	*top;
	const char	*rbld_file;	/* where [rbld] is, to refuse a second one */
	int		 rbld_line;
	const char	*allow_file;
	int		 allow_line;
	struct zone_aux	 zaux[CONF_MAX_ZONES];
	/* Bad [zone]/[source] stanzas are parsed into these, for their errors. */
	struct zone_aux	 scratch_zaux;
	struct conf_zone scratch_zone;
	struct conf_source scratch_src;
};

struct key {
	const char	*name;
	bool		 repeat;	/* values accumulate instead of "duplicate key" */
	void		(*set)(struct parser *, char *);
};

static void
verr_at(struct parser *p, const char *file, int line, const char *fmt, va_list ap)
{
	if (line > 0)
		fprintf(p->errs, "%s:%d: ", file, line);
	else
		fprintf(p->errs, "%s: ", file);
	vfprintf(p->errs, fmt, ap);
	fputc('\n', p->errs);
	p->nerr++;
}

static void __attribute__((format(printf, 4, 5)))
perr_at(struct parser *p, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr_at(p, file, line, fmt, ap);
	va_end(ap);
}

/* Error at the line being read. */
static void __attribute__((format(printf, 2, 3)))
perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr_at(p, p->top->file, p->top->line, fmt, ap);
	va_end(ap);
}

static void
oom(struct parser *p)
{
	/* Once is enough: the load fails whatever comes next. */
	if (!p->oom)
		fprintf(p->errs, "%s: out of memory\n",
		    p->top != NULL ? p->top->file : "rbld");
	p->oom = true;
	p->nerr++;
}

static void *
xmalloc(struct parser *p, size_t n)
{
	void *q;

	if ((q = malloc(n)) == NULL)
		oom(p);
	return q;
}

static char *
xstrdup(struct parser *p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if ((d = xmalloc(p, n)) != NULL)
		memcpy(d, s, n);
	return d;
}

/* "[" A " " B "]" or "[" A "]". */
static char *
make_label(struct parser *p, const char *a, const char *b)
{
	size_t na = strlen(a), nb = b != NULL ? strlen(b) : 0;
	char *s;

	if ((s = xmalloc(p, na + nb + 4)) == NULL)
		return NULL;
	if (b != NULL)
		snprintf(s, na + nb + 4, "[%s %s]", a, b);
	else
		snprintf(s, na + nb + 4, "[%s]", a);
	return s;
}

static const char *
label(const struct frame *fr)
{
	return fr->label != NULL ? fr->label : "[?]";
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Next space-separated word of *SP, NUL-terminated in place; NULL at the end. */
static char *
next_word(char **sp)
{
	char *s = *sp, *w;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0') {
		*sp = s;
		return NULL;
	}
	w = s;
	while (*s != '\0' && !isspace((unsigned char)*s))
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*sp = s;
	return w;
}

/* Length of FILE's folder part including the final slash; 0 if none. */
static size_t
dir_len(const char *file)
{
	const char *slash = strrchr(file, '/');

	return slash != NULL ? (size_t)(slash - file) + 1 : 0;
}

/* REL made relative to the folder of FILE, unless it is absolute. */
static char *
resolve(struct parser *p, const char *file, const char *rel)
{
	size_t nd, nr;
	char *s;

	if (rel[0] == '/')
		return xstrdup(p, rel);
	nd = dir_len(file);
	nr = strlen(rel);
	if ((s = xmalloc(p, nd + nr + 1)) == NULL)
		return NULL;
	memcpy(s, file, nd);
	memcpy(s + nd, rel, nr + 1);
	return s;
}

/* Like resolve(), but a glob pattern: wildcards in the folder part are literal. */
static char *
resolve_pattern(struct parser *p, const char *file, const char *pat)
{
	size_t nd, i, j;
	char *s;

	if (pat[0] == '/')
		return xstrdup(p, pat);
	nd = dir_len(file);
	if ((s = xmalloc(p, 2 * nd + strlen(pat) + 1)) == NULL)
		return NULL;
	for (i = j = 0; i < nd; i++) {
		if (strchr("*?[\\", file[i]) != NULL)
			s[j++] = '\\';
		s[j++] = file[i];
	}
	strcpy(s + j, pat);
	return s;
}

/* Same address and port; for port 0 (ephemeral) never, as those cannot clash. */
static bool
listen_same(const struct endpoint *a, const struct endpoint *b)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)&b->ss;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->ss;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)&b->ss;

	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET)
		return a4->sin_port != 0 && a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port != 0 && a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

static bool
source_name_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-");

	return n > 0 && s[n] == '\0' && n < CONF_NAME_MAX;
}

static void
bad_source_name(struct parser *p, const char *s)
{
	perr(p, "bad source name \"%s\" (use 1..%d of A-Z a-z 0-9 _ . -)", s,
	    CONF_NAME_MAX - 1);
}

/* A duration for a DNS field, 0..2^31-1 seconds. */
static int
duration(struct parser *p, const char *what, const char *s, uint32_t *out)
{
	int64_t v;

	if ((v = parse_duration(s)) < 0) {
		perr(p, "bad duration \"%s\" (use 30s, 10m, 12h, 7d or 2w)", s);
		return -1;
	}
	if (v > DURATION_MAX) {
		perr(p, "%s \"%s\" is too long (max %ds)", what, s, DURATION_MAX);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static void
add_listens(struct parser *p, const char *what, struct endpoint *arr, int *n,
    int max, char *val, bool check_dup)
{
	struct endpoint l;
	char why[WHY_MAX], *w;
	int i;

	while ((w = next_word(&val)) != NULL) {
		if (parse_endpoint(w, &l, why, sizeof(why)) == -1) {
			perr(p, "bad address \"%s\": %s", w, why);
			continue;
		}
		if (*n >= max) {
			perr(p, "too many %s addresses (max %d)", what, max);
			return;
		}
		if (check_dup) {
			/* dns and api both listen on TCP: any overlap fails to bind. */
			for (i = 0; i < p->c->ndns; i++)
				if (listen_same(&p->c->dns[i], &l))
					break;
			if (i < p->c->ndns) {
				perr(p, "address \"%s\" is already used by dns", w);
				continue;
			}
			for (i = 0; i < p->c->napi; i++)
				if (listen_same(&p->c->api[i], &l))
					break;
			if (i < p->c->napi) {
				perr(p, "address \"%s\" is already used by api", w);
				continue;
			}
		}
		arr[(*n)++] = l;
	}
}

static void
add_prefixes(struct parser *p, const char *what, struct prefix *arr, int *n,
    char *val)
{
	struct prefix pfx;
	const char *why;
	char *w;

	while ((w = next_word(&val)) != NULL) {
		why = NULL;
		if (ipaddr_parse_prefix(w, &pfx, &why) == -1) {
			perr(p, "bad prefix \"%s\": %s", w,
			    why != NULL ? why : "not an address or prefix");
			continue;
		}
		if (*n >= CONF_MAX_NETS) {
			perr(p, "too many %s prefixes (max %d)", what, CONF_MAX_NETS);
			return;
		}
		arr[(*n)++] = pfx;
	}
}

static void
set_path(struct parser *p, char **dst, const char *val)
{
	free(*dst);
	*dst = resolve(p, p->top->file, val);
}

/* [rbld] */

static void
rbld_database(struct parser *p, char *val)
{
	set_path(p, &p->c->database, val);
}

static void
rbld_dns(struct parser *p, char *val)
{
	add_listens(p, "dns", p->c->dns, &p->c->ndns, CONF_MAX_LISTEN, val, true);
}

static void
rbld_api(struct parser *p, char *val)
{
	add_listens(p, "api", p->c->api, &p->c->napi, CONF_MAX_LISTEN, val, true);
}

static void
rbld_workers(struct parser *p, char *val)
{
	const char *s = val;
	int64_t v;

	if ((v = parse_decimal(&s, WORKERS_MAX)) < 1 || *s != '\0') {
		perr(p, "workers must be 1..%d, not \"%s\"", WORKERS_MAX, val);
		return;
	}
	p->c->workers = (int)v;
}

static void
rbld_user(struct parser *p, char *val)
{
	if (strpbrk(val, " \t") != NULL) {
		perr(p, "bad user \"%s\": one user name expected", val);
		return;
	}
	free(p->c->user);
	p->c->user = xstrdup(p, val);
}

static void
rbld_mapsize(struct parser *p, char *val)
{
	int64_t v;

	if ((v = parse_size(val)) < 0) {
		perr(p, "bad size \"%s\" (use 512M, 4G; units K, M, G, T)", val);
		return;
	}
	if ((uint64_t)v < MAPSIZE_MIN) {
		perr(p, "map-size \"%s\" is too small (min 1M)", val);
		return;
	}
	if ((uint64_t)v > SIZE_MAX) {
		perr(p, "map-size \"%s\" is too large for this system", val);
		return;
	}
	p->c->mapsize = (uint64_t)v;
}

static void
rbld_api_cert(struct parser *p, char *val)
{
	set_path(p, &p->c->api_cert, val);
	if (access(p->c->api_cert, R_OK) != 0)
		perr(p, "api-cert %s: %s", p->c->api_cert, strerror(errno));
}

static void
rbld_api_key(struct parser *p, char *val)
{
	set_path(p, &p->c->api_key, val);
	if (access(p->c->api_key, R_OK) != 0)
		perr(p, "api-key %s: %s", p->c->api_key, strerror(errno));
}

static int
count(struct parser *p, const char *what, const char *val, long min,
    long max, unsigned *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (end == val || *end != '\0' || errno != 0 || v < min || v > max) {
		perr(p, "%s must be a number from %ld to %ld, not \"%s\"", what,
		    min, max, val);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static void
rbld_api_connections(struct parser *p, char *val)
{
	count(p, "api-connections", val, 1, API_CONNECTIONS_MAX,
	    &p->c->api_connections);
}

static void
rbld_api_per_ip(struct parser *p, char *val)
{
	count(p, "api-per-ip", val, 1, API_CONNECTIONS_MAX, &p->c->api_per_ip);
}

static void
rbld_api_timeout(struct parser *p, char *val)
{
	uint32_t v;

	if (duration(p, "api-timeout", val, &v) == 0) {
		if (v < 1 || v > 3600)
			perr(p, "api-timeout must be from 1s to 1h");
		else
			p->c->api_timeout = v;
	}
}

/* [zone NAME] */

static void
zone_sources(struct parser *p, char *val)
{
	struct frame *fr = p->top;
	struct zone_aux *za = fr->zaux;
	char *w;
	int i;

	za->src_file = fr->file;
	za->src_line = fr->line;
	while ((w = next_word(&val)) != NULL) {
		if (!source_name_ok(w)) {
			bad_source_name(p, w);
			continue;
		}
		for (i = 0; i < za->nsrc; i++)
			if (strcmp(za->src[i], w) == 0)
				break;
		if (i < za->nsrc) {
			perr(p, "source \"%s\" is listed twice in %s", w, label(fr));
			continue;
		}
		if (za->nsrc >= CONF_MAX_ZONE_SOURCES) {
			perr(p, "too many sources in %s (max %d)", label(fr),
			    CONF_MAX_ZONE_SOURCES);
			return;
		}
		/* Fits: source_name_ok() checked the length. */
		snprintf(za->src[za->nsrc++], CONF_NAME_MAX, "%s", w);
	}
}

static void
zone_ns(struct parser *p, char *val)
{
	struct conf_zone *z = p->top->zone;
	char name[CONF_DNAME_MAX], why[WHY_MAX], *w;
	int i;

	while ((w = next_word(&val)) != NULL) {
		if (parse_dname(w, name, why, sizeof(why)) == -1) {
			perr(p, "bad ns name \"%s\": %s", w, why);
			continue;
		}
		for (i = 0; i < z->nns; i++)
			if (strcmp(z->ns[i], name) == 0)
				break;
		if (i < z->nns) {
			perr(p, "duplicate ns \"%s\"", w);
			continue;
		}
		if (z->nns >= CONF_MAX_NS) {
			perr(p, "too many ns names (max %d)", CONF_MAX_NS);
			return;
		}
		memcpy(z->ns[z->nns++], name, sizeof(name));
	}
}

static void
zone_soa(struct parser *p, char *val)
{
	struct conf_zone *z = p->top->zone;
	char mname[CONF_DNAME_MAX], rname[CONF_DNAME_MAX], why[WHY_MAX];
	uint32_t t[4] = { 0, 0, 0, 0 };
	char *w[7];
	int n, bad = 0;

	for (n = 0; n < 7 && (w[n] = next_word(&val)) != NULL; n++)
		;
	if (n != 6) {
		perr(p, "soa needs 6 fields: mname rname refresh retry expire minimum");
		return;
	}
	if (parse_dname(w[0], mname, why, sizeof(why)) == -1) {
		perr(p, "bad soa mname \"%s\": %s", w[0], why);
		bad = 1;
	}
	if (parse_dname(w[1], rname, why, sizeof(why)) == -1) {
		perr(p, "bad soa rname \"%s\": %s", w[1], why);
		bad = 1;
	}
	bad |= duration(p, "soa refresh", w[2], &t[0]) != 0;
	bad |= duration(p, "soa retry", w[3], &t[1]) != 0;
	bad |= duration(p, "soa expire", w[4], &t[2]) != 0;
	bad |= duration(p, "soa minimum", w[5], &t[3]) != 0;
	if (bad)
		return;
	memcpy(z->soa_mname, mname, sizeof(mname));
	memcpy(z->soa_rname, rname, sizeof(rname));
	z->soa_refresh = t[0];
	z->soa_retry = t[1];
	z->soa_expire = t[2];
	z->soa_minimum = t[3];
	z->has_soa = true;
}

static void
zone_ttl(struct parser *p, char *val)
{
	uint32_t v;

	if (duration(p, "ttl", val, &v) == -1)
		return;
	/* 0 means "not set" in struct conf_zone. */
	if (v == 0) {
		perr(p, "ttl must be at least 1s");
		return;
	}
	p->top->zone->ttl = v;
}

static void
zone_transfer(struct parser *p, char *val)
{
	struct conf_zone *z = p->top->zone;

	add_prefixes(p, "transfer", z->transfer, &z->ntransfer, val);
}

static void
zone_notify(struct parser *p, char *val)
{
	struct conf_zone *z = p->top->zone;

	add_listens(p, "notify", z->notify, &z->nnotify, CONF_MAX_NOTIFY, val,
	    false);
}

/* [source NAME] */

/* The kinds of source, by the names "kind =" gives them. */
static const char *const kind_names[] = {
	[SOURCE_LOCAL] = "local",
	[SOURCE_FEED] = "feed",
	[SOURCE_REPORTS] = "reports",
};

const char *
conf_kind_name(enum source_kind k)
{
	if ((size_t)k < sizeof(kind_names) / sizeof(kind_names[0]) &&
	    kind_names[k] != NULL)
		return kind_names[k];
	return "?";
}

static void
source_kind(struct parser *p, char *val)
{
	size_t k;

	for (k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (kind_names[k] != NULL && strcmp(val, kind_names[k]) == 0)
			break;
	if (k == sizeof(kind_names) / sizeof(kind_names[0]))
		perr(p, "unknown kind \"%s\" (use local, feed or reports)", val);
	else
		p->top->src->kind = (enum source_kind)k;
}

static void
source_file(struct parser *p, char *val)
{
	set_path(p, &p->top->src->file, val);
}

static void
source_a(struct parser *p, char *val)
{
	struct in_addr in;

	if (inet_pton(AF_INET, val, &in) != 1) {
		perr(p, "bad IPv4 address \"%s\"", val);
		return;
	}
	p->top->src->a = ntohl(in.s_addr);
}

static void
source_txt(struct parser *p, char *val)
{
	struct conf_source *src = p->top->src;
	size_t n = strlen(val);

	if (n > TXT_LEN_MAX) {
		perr(p, "txt is too long (%zu characters, max %d)", n, TXT_LEN_MAX);
		return;
	}
	free(src->txt);
	src->txt = xstrdup(p, val);
}

/* Feed keys: checked against the kind when the section closes. */

static void
source_url(struct parser *p, char *val)
{
	struct conf_source *src = p->top->src;

	free(src->url);
	src->url = NULL;
	if (strncmp(val, "axfr://", 7) == 0) {
		/* Checked as the fetcher will read it. */
		struct sockaddr_storage ss;
		socklen_t sslen;
		char zone[256], why[WHY_MAX];

		if (parse_axfr_url(val, &ss, &sslen, zone, sizeof(zone), why,
		    sizeof(why)) != 0) {
			perr(p, "bad url \"%s\": %s", val, why);
			return;
		}
	}
	if (strncmp(val, "http://", 7) == 0 || strncmp(val, "https://", 8) == 0 ||
	    strncmp(val, "axfr://", 7) == 0) {
		src->url = xstrdup(p, val);
		return;
	}
	if (strncmp(val, "file://", 7) == 0)
		val += 7;
	else if (strstr(val, "://") != NULL) {
		perr(p, "unsupported url \"%s\" (use http://, https://, "
		    "file://, axfr:// or a path)", val);
		return;
	}
	if (*val == '\0') {
		perr(p, "empty url");
		return;
	}
	src->url = resolve(p, p->top->file, val);
}

static void
source_format(struct parser *p, char *val)
{
	int f = feed_format_parse(val);

	if (f < 0) {
		perr(p, "unknown format \"%s\" (use plain, rbldnsd, spamhaus, "
		    "spamhaus-json, dshield, netset or axfr)", val);
		return;
	}
	p->top->src->format = f;
}

static void
source_every(struct parser *p, char *val)
{
	uint32_t v;

	if (duration(p, "every", val, &v) == 0) {
		if (v < 1)
			perr(p, "every = %s is too often (min 1s)", val);
		else
			p->top->src->every = v;
	}
}

static void
source_min_interval(struct parser *p, char *val)
{
	duration(p, "min-interval", val, &p->top->src->min_interval);
}

static void
source_timeout(struct parser *p, char *val)
{
	uint32_t v;

	if (duration(p, "timeout", val, &v) == 0) {
		if (v < 1)
			perr(p, "timeout must be at least 1s");
		else
			p->top->src->timeout = v;
	}
}

static void
source_max_size(struct parser *p, char *val)
{
	int64_t v = parse_size(val);

	if (v < 1024)
		perr(p, "bad max-size \"%s\" (a size such as 64M, at least 1K)",
		    val);
	else
		p->top->src->max_size = (uint64_t)v;
}

static void
source_max_shrink(struct parser *p, char *val)
{
	char *end;
	long v = strtol(val, &end, 10);

	if (end == val || (*end != '%' && *end != '\0') ||
	    (*end == '%' && end[1] != '\0') || v < 0 || v > 100) {
		perr(p, "bad max-shrink \"%s\" (a percentage, 0%% to 100%%)",
		    val);
		return;
	}
	p->top->src->max_shrink = (unsigned)v;
}

static void
source_min_prefix(struct parser *p, char *val)
{
	struct conf_source *src = p->top->src;
	char *w4 = next_word(&val), *w6 = next_word(&val), *end;
	long v4, v6;

	if (w4 == NULL || w6 == NULL || next_word(&val) != NULL) {
		perr(p, "min-prefix takes two lengths: IPv4 then IPv6 "
		    "(e.g. 8 19)");
		return;
	}
	if (*w4 == '/')
		w4++;
	if (*w6 == '/')
		w6++;
	v4 = strtol(w4, &end, 10);
	if (end == w4 || *end != '\0' || v4 < 0 || v4 > 32) {
		perr(p, "bad IPv4 min-prefix \"%s\" (0 to 32)", w4);
		return;
	}
	v6 = strtol(w6, &end, 10);
	if (end == w6 || *end != '\0' || v6 < 0 || v6 > 128) {
		perr(p, "bad IPv6 min-prefix \"%s\" (0 to 128)", w6);
		return;
	}
	src->min_prefix4 = (int)v4;
	src->min_prefix6 = (int)v6;
}

static void
source_allow_special(struct parser *p, char *val)
{
	if (strcmp(val, "yes") == 0)
		p->top->src->allow_special = true;
	else if (strcmp(val, "no") == 0)
		p->top->src->allow_special = false;
	else
		perr(p, "allow-special takes yes or no, not \"%s\"", val);
}

static void
source_tsig(struct parser *p, char *val)
{
	struct conf_source *src = p->top->src;
	struct tsig_key key;
	char err[128];

	/* The fetcher's own parser: what passes here, a fetch accepts. */
	if (tsig_key_parse(val, &key, err, sizeof(err)) != 0) {
		perr(p, "%s (e.g. hmac-sha256:xfr-key:BASE64SECRET)", err);
		return;
	}
	explicit_bzero(&key, sizeof(key));
	free(src->tsig);
	src->tsig = xstrdup(p, val);
}

/* Reports keys. */

static void
source_escalate(struct parser *p, char *val)
{
	struct conf_source *src = p->top->src;
	char *f = next_word(&val), *kw = next_word(&val), *cap = next_word(&val);
	char *end;
	double x;
	uint32_t v;

	if (f == NULL || kw == NULL || cap == NULL || strcmp(kw, "max") != 0 ||
	    next_word(&val) != NULL) {
		perr(p, "escalate takes FACTOR max DURATION (e.g. 2x max 30d)");
		return;
	}
	x = strtod(f, &end);
	if (end == f || (*end != 'x' && *end != '\0') ||
	    (*end == 'x' && end[1] != '\0') || !(x >= 1.0 && x <= 100.0)) {
		perr(p, "bad escalate factor \"%s\" (1x to 100x, e.g. 2x or "
		    "1.5x)", f);
		return;
	}
	if (duration(p, "escalate max", cap, &v) != 0)
		return;
	if (v < 1) {
		perr(p, "escalate max must be at least 1s");
		return;
	}
	src->escalate_pct = (uint32_t)(x * 100.0 + 0.5);
	src->escalate_max = v;
}

static void
source_ipv6_prefix(struct parser *p, char *val)
{
	unsigned v;

	if (*val == '/')
		val++;
	if (count(p, "ipv6-prefix", val, 16, 128, &v) == 0)
		p->top->src->ipv6_prefix = (int)v;
}

static void
source_history(struct parser *p, char *val)
{
	uint32_t v;

	if (duration(p, "history", val, &v) == 0) {
		if (v < 60)
			perr(p, "history must be at least 1m");
		else
			p->top->src->history = v;
	}
}

static bool
rtype_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");

	return n > 0 && s[n] == '\0' && n < CONF_RTYPE_MAX && s[0] != '-';
}

/* "5 in 10m ban 1h": a report type of a reports source. Any key a source
 * does not know is taken as one; close_source() refuses them unless the
 * kind is reports. */
static void
source_rtype(struct parser *p, const char *key, char *val)
{
	struct conf_source *src = p->top->src;
	char *n = next_word(&val), *in = next_word(&val), *w = next_word(&val),
	    *ban = next_word(&val), *d = next_word(&val);
	struct conf_rtype rt;
	unsigned cnt;

	if (n == NULL || in == NULL || w == NULL || ban == NULL || d == NULL ||
	    strcmp(in, "in") != 0 || strcmp(ban, "ban") != 0 ||
	    next_word(&val) != NULL) {
		perr(p, "unknown key \"%s\" in %s", key, label(p->top));
		return;
	}
	if (!rtype_name_ok(key)) {
		perr(p, "bad report type name \"%s\" (1 to %d of a-z 0-9 _ -)",
		    key, CONF_RTYPE_MAX - 1);
		return;
	}
	if (conf_rtype(src, key) != NULL) {
		perr(p, "duplicate report type \"%s\" in %s", key,
		    label(p->top));
		return;
	}
	if (src->nrtypes >= CONF_MAX_REPORT_TYPES) {
		perr(p, "too many report types (max %d)", CONF_MAX_REPORT_TYPES);
		return;
	}
	memset(&rt, 0, sizeof(rt));
	snprintf(rt.name, sizeof(rt.name), "%s", key);
	if (count(p, "the report count", n, 1, CONF_RTYPE_COUNT_MAX, &cnt) != 0 ||
	    duration(p, "window", w, &rt.window) != 0 ||
	    duration(p, "ban", d, &rt.ban) != 0)
		return;
	if (rt.window < 1 || rt.ban < 1) {
		perr(p, "window and ban must be at least 1s");
		return;
	}
	rt.count = cnt;
	rt.conf_line = p->top->line;
	src->rtypes[src->nrtypes++] = rt;
}

const struct conf_rtype *
conf_rtype(const struct conf_source *cs, const char *name)
{
	for (int i = 0; i < cs->nrtypes; i++)
		if (strcmp(cs->rtypes[i].name, name) == 0)
			return &cs->rtypes[i];
	return NULL;
}

/* [token NAME] */

static void
token_role(struct parser *p, char *val)
{
	int r = token_role_parse(val);

	if (r < 0)
		perr(p, "unknown role \"%s\" (use admin, reporter or reader)",
		    val);
	else
		p->top->tok->role = r;
}

static void
token_hash_key(struct parser *p, char *val)
{
	size_t n = strlen(val);

	if (n != 71 || strncmp(val, "sha256:", 7) != 0 ||
	    strspn(val + 7, "0123456789abcdef") != 64) {
		perr(p, "hash must be sha256: and 64 lowercase hex digits "
		    "(the SHA-256 of the token)");
		return;
	}
	memcpy(p->top->tok->hash, val, n + 1);
}

/* [allow] */

static void
allow_file(struct parser *p, char *val)
{
	set_path(p, &p->c->allow_file, val);
}

static void
allow_nets(struct parser *p, char *val)
{
	add_prefixes(p, "nets", p->c->allow, &p->c->nallow, val);
}

static const struct key rbld_keys[] = {
	{ "database",	false,	rbld_database },
	{ "dns",	true,	rbld_dns },
	{ "api",	true,	rbld_api },
	{ "workers",	false,	rbld_workers },
	{ "user",	false,	rbld_user },
	{ "map-size",	false,	rbld_mapsize },
	{ "api-cert",	false,	rbld_api_cert },
	{ "api-key",	false,	rbld_api_key },
	{ "api-connections", false, rbld_api_connections },
	{ "api-per-ip",	false,	rbld_api_per_ip },
	{ "api-timeout", false,	rbld_api_timeout },
	{ NULL,		false,	NULL },
};

static const struct key zone_keys[] = {
	{ "sources",	false,	zone_sources },
	{ "ns",		true,	zone_ns },
	{ "soa",	false,	zone_soa },
	{ "ttl",	false,	zone_ttl },
	{ "transfer",	true,	zone_transfer },
	{ "notify",	true,	zone_notify },
	{ NULL,		false,	NULL },
};

static const struct key source_keys[] = {
	{ "kind",	false,	source_kind },
	{ "file",	false,	source_file },
	{ "a",		false,	source_a },
	{ "txt",	false,	source_txt },
	{ "url",	false,	source_url },
	{ "format",	false,	source_format },
	{ "every",	false,	source_every },
	{ "min-interval", false, source_min_interval },
	{ "timeout",	false,	source_timeout },
	{ "max-size",	false,	source_max_size },
	{ "max-shrink",	false,	source_max_shrink },
	{ "min-prefix",	false,	source_min_prefix },
	{ "allow-special", false, source_allow_special },
	{ "tsig",	false,	source_tsig },
	{ "escalate",	false,	source_escalate },
	{ "ipv6-prefix", false,	source_ipv6_prefix },
	{ "history",	false,	source_history },
	{ NULL,		false,	NULL },
};

/* Keys only a reports source may have. */
static const char *const reports_only_keys[] = {
	"escalate", "ipv6-prefix", "history", NULL
};

/* Keys a local source may not have. */
static const char *const feed_only_keys[] = {
	"url", "format", "every", "min-interval", "timeout", "max-size",
	"max-shrink", "min-prefix", "allow-special", "tsig", NULL
};

static const struct key token_keys[] = {
	{ "role",	false,	token_role },
	{ "hash",	false,	token_hash_key },
	{ NULL,		false,	NULL },
};

static const struct key allow_keys[] = {
	{ "file",	false,	allow_file },
	{ "nets",	true,	allow_nets },
	{ NULL,		false,	NULL },
};

static const struct key *
section_keys(enum sect s)
{
	switch (s) {
	case SECT_RBLD:
		return rbld_keys;
	case SECT_ZONE:
		return zone_keys;
	case SECT_SOURCE:
		return source_keys;
	case SECT_ALLOW:
		return allow_keys;
	case SECT_TOKEN:
		return token_keys;
	default:
		return NULL;
	}
}

static bool
key_seen(const struct frame *fr, const char *name)
{
	const struct key *k = section_keys(fr->sect);
	int i;

	for (i = 0; k != NULL && k[i].name != NULL; i++)
		if (strcmp(k[i].name, name) == 0)
			return (fr->seen & (UINT32_C(1) << i)) != 0;
	return false;
}

/* The keys of a source must fit its kind; fill in the feed defaults. */
static void
close_source(struct parser *p, struct frame *fr)
{
	struct conf_source *src = fr->src;

	if (src->kind != SOURCE_REPORTS) {
		for (int i = 0; reports_only_keys[i] != NULL; i++)
			if (key_seen(fr, reports_only_keys[i]))
				perr_at(p, fr->file, fr->sect_line,
				    "key \"%s\" is for kind = reports, in %s",
				    reports_only_keys[i], label(fr));
		for (int i = 0; i < src->nrtypes; i++)
			perr_at(p, fr->file, src->rtypes[i].conf_line,
			    "unknown key \"%s\" in %s (report types are for "
			    "kind = reports)", src->rtypes[i].name, label(fr));
	}
	if (src->kind == SOURCE_REPORTS) {
		for (int i = 0; feed_only_keys[i] != NULL; i++)
			if (key_seen(fr, feed_only_keys[i]))
				perr_at(p, fr->file, fr->sect_line,
				    "key \"%s\" is for kind = feed, not reports, "
				    "in %s", feed_only_keys[i], label(fr));
		if (key_seen(fr, "file"))
			perr_at(p, fr->file, fr->sect_line, "a reports source "
			    "takes no file, in %s", label(fr));
		if (src->nrtypes == 0)
			perr_at(p, fr->file, fr->sect_line, "%s defines no "
			    "report type (e.g. failed-login = 5 in 10m ban 1h)",
			    label(fr));
		if (src->escalate_pct == 0) {
			src->escalate_pct = 100;
			src->escalate_max = 0;
		}
		if (src->ipv6_prefix == 0)
			src->ipv6_prefix = 64;
		if (src->history == 0)
			src->history = 30 * 86400;
		return;
	}
	if (src->kind == SOURCE_LOCAL) {
		for (int i = 0; feed_only_keys[i] != NULL; i++)
			if (key_seen(fr, feed_only_keys[i]))
				perr_at(p, fr->file, fr->sect_line,
				    "key \"%s\" is for kind = feed, not local, "
				    "in %s", feed_only_keys[i], label(fr));
		return;
	}
	if (src->kind != SOURCE_FEED)
		return;
	if (key_seen(fr, "file"))
		perr_at(p, fr->file, fr->sect_line, "a feed takes url, not file, "
		    "in %s", label(fr));
	if (!key_seen(fr, "url")) {
		perr_at(p, fr->file, fr->sect_line, "missing key \"url\" in %s",
		    label(fr));
		return;
	}
	if (src->url != NULL && src->format == 0) {
		if (strncmp(src->url, "axfr://", 7) == 0)
			src->format = FEED_AXFR;
		else
			perr_at(p, fr->file, fr->sect_line,
			    "missing key \"format\" in %s", label(fr));
	}
	if (src->url != NULL && (src->format == FEED_AXFR) !=
	    (strncmp(src->url, "axfr://", 7) == 0))
		perr_at(p, fr->file, fr->sect_line, "format = axfr goes with an "
		    "axfr:// url, and only with one, in %s", label(fr));
	if (src->tsig != NULL && (src->url == NULL ||
	    strncmp(src->url, "axfr://", 7) != 0))
		perr_at(p, fr->file, fr->sect_line, "tsig is for axfr:// urls, "
		    "in %s", label(fr));
	if (src->every == 0)
		src->every = 3600;
	if (src->timeout == 0)
		src->timeout = 120;
	if (src->max_size == 0)
		src->max_size = 64ull << 20;
	if (!key_seen(fr, "max-shrink"))
		src->max_shrink = 50;
	if (!key_seen(fr, "min-prefix")) {
		src->min_prefix4 = 8;
		src->min_prefix6 = 19;
	}
}

/* End of a section: at the next header or the end of its file. */
static void
close_section(struct parser *p)
{
	struct frame *fr = p->top;

	switch (fr->sect) {
	case SECT_RBLD:
		if (!key_seen(fr, "database"))
			perr_at(p, fr->file, fr->sect_line,
			    "missing key \"database\" in %s", label(fr));
		break;
	case SECT_ZONE:
		if (!key_seen(fr, "sources"))
			perr_at(p, fr->file, fr->sect_line,
			    "missing key \"sources\" in %s", label(fr));
		break;
	case SECT_TOKEN:
		if (!key_seen(fr, "role"))
			perr_at(p, fr->file, fr->sect_line,
			    "missing key \"role\" in %s", label(fr));
		if (!key_seen(fr, "hash"))
			perr_at(p, fr->file, fr->sect_line,
			    "missing key \"hash\" in %s", label(fr));
		break;
	case SECT_SOURCE:
		if (!key_seen(fr, "kind"))
			perr_at(p, fr->file, fr->sect_line,
			    "missing key \"kind\" in %s", label(fr));
		else
			close_source(p, fr);
		break;
	default:
		break;
	}
	if (fr->scratch) {
		free(p->scratch_src.file);
		free(p->scratch_src.txt);
		free(p->scratch_src.url);
		free(p->scratch_src.tsig);
		memset(&p->scratch_src, 0, sizeof(p->scratch_src));
		memset(&p->scratch_zone, 0, sizeof(p->scratch_zone));
		memset(&p->scratch_zaux, 0, sizeof(p->scratch_zaux));
	}
	free(fr->label);
	fr->label = NULL;
	fr->sect = SECT_NONE;
	fr->seen = 0;
	fr->scratch = false;
	fr->zone = NULL;
	fr->zaux = NULL;
	fr->src = NULL;
	fr->tok = NULL;
}

static void
open_zone(struct parser *p, const char *name)
{
	struct frame *fr = p->top;
	struct conf *c = p->c;
	char dn[CONF_DNAME_MAX], why[WHY_MAX];
	int i;

	fr->sect = SECT_ZONE;
	fr->scratch = true;
	fr->zone = &p->scratch_zone;
	fr->zaux = &p->scratch_zaux;
	if (parse_dname(name, dn, why, sizeof(why)) == -1) {
		perr(p, "bad zone name \"%s\": %s", name, why);
		fr->label = make_label(p, "zone", name);
		return;
	}
	fr->label = make_label(p, "zone", dn);
	for (i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, dn) == 0)
			break;
	if (i < c->nzones) {
		perr(p, "duplicate [zone %s] (first at %s:%d)", dn,
		    c->zones[i].conf_file, c->zones[i].conf_line);
		return;
	}
	if (c->nzones >= CONF_MAX_ZONES) {
		perr(p, "too many zones (max %d)", CONF_MAX_ZONES);
		return;
	}
	fr->scratch = false;
	fr->zone = &c->zones[c->nzones];
	fr->zaux = &p->zaux[c->nzones];
	c->nzones++;
	memcpy(fr->zone->name, dn, sizeof(dn));
	fr->zone->conf_file = fr->file;
	fr->zone->conf_line = fr->line;
}

static void
open_token(struct parser *p, const char *name)
{
	struct frame *fr = p->top;
	struct conf *c = p->c;

	if (!token_name_ok(name)) {
		perr(p, "bad token name \"%s\" (1 to 63 of A-Z a-z 0-9 _ . -)",
		    name);
		return;
	}
	for (int i = 0; i < c->ntokens; i++) {
		if (strcmp(c->tokens[i].name, name) == 0) {
			perr(p, "duplicate [token %s] (first at %s:%d)", name,
			    c->tokens[i].conf_file, c->tokens[i].conf_line);
			return;
		}
	}
	if (c->ntokens >= CONF_MAX_TOKENS) {
		perr(p, "too many tokens (max %d)", CONF_MAX_TOKENS);
		return;
	}
	fr->sect = SECT_TOKEN;
	fr->label = make_label(p, "token", name);
	fr->tok = &c->tokens[c->ntokens++];
	snprintf(fr->tok->name, sizeof(fr->tok->name), "%s", name);
	fr->tok->conf_file = fr->file;
	fr->tok->conf_line = fr->line;
}

static void
open_source(struct parser *p, const char *name)
{
	struct frame *fr = p->top;
	struct conf *c = p->c;
	int i;

	fr->sect = SECT_SOURCE;
	fr->scratch = true;
	fr->src = &p->scratch_src;
	fr->label = make_label(p, "source", name);
	if (!source_name_ok(name)) {
		bad_source_name(p, name);
		return;
	}
	if ((i = conf_source_index(c, name)) >= 0) {
		perr(p, "duplicate [source %s] (first at %s:%d)", name,
		    c->sources[i].conf_file, c->sources[i].conf_line);
		return;
	}
	if (c->nsources >= CONF_MAX_SOURCES) {
		perr(p, "too many sources (max %d)", CONF_MAX_SOURCES);
		return;
	}
	fr->scratch = false;
	fr->src = &c->sources[c->nsources++];
	snprintf(fr->src->name, sizeof(fr->src->name), "%s", name);
	fr->src->a = DEFAULT_A;
	fr->src->conf_file = fr->file;
	fr->src->conf_line = fr->line;
}

/* A section that may appear once, without a name: [rbld] and [allow]. */
static bool
open_single(struct parser *p, const char *type, const char *name,
    const char **file, int *line)
{
	struct frame *fr = p->top;

	if (*name != '\0') {
		perr(p, "[%s] takes no name", type);
		return false;
	}
	if (*file != NULL) {
		perr(p, "duplicate [%s] (first at %s:%d)", type, *file, *line);
		return false;
	}
	*file = fr->file;
	*line = fr->line;
	fr->label = make_label(p, type, NULL);
	return true;
}

static void
parse_header(struct parser *p, char *s)
{
	struct frame *fr = p->top;
	size_t len = strlen(s);
	char *type, *name;

	close_section(p);
	fr->sect_line = fr->line;
	/* Until proven good, so that keys of a bad section stay quiet. */
	fr->sect = SECT_SKIP;
	if (s[len - 1] != ']') {
		perr(p, "missing \"]\" at the end of the section header");
		return;
	}
	s[len - 1] = '\0';
	type = trim(s + 1);
	name = type + strcspn(type, " \t");
	if (*name != '\0')
		*name++ = '\0';
	name = trim(name);

	if (*type == '\0') {
		perr(p, "empty section header");
	} else if (strcmp(type, "rbld") == 0) {
		if (open_single(p, "rbld", name, &p->rbld_file, &p->rbld_line))
			fr->sect = SECT_RBLD;
	} else if (strcmp(type, "allow") == 0) {
		if (open_single(p, "allow", name, &p->allow_file, &p->allow_line))
			fr->sect = SECT_ALLOW;
	} else if (strcmp(type, "zone") == 0) {
		if (*name == '\0')
			perr(p, "[zone] needs a name");
		else
			open_zone(p, name);
	} else if (strcmp(type, "source") == 0) {
		if (*name == '\0')
			perr(p, "[source] needs a name");
		else
			open_source(p, name);
	} else if (strcmp(type, "token") == 0) {
		if (*name == '\0')
			perr(p, "[token] needs a name");
		else
			open_token(p, name);
	} else {
		perr(p, "unknown section [%s]", type);
	}
}

static void
set_key(struct parser *p, const char *key, char *val)
{
	struct frame *fr = p->top;
	const struct key *k;
	int i;

	if (fr->sect == SECT_SKIP)
		return;
	if (fr->sect == SECT_NONE) {
		perr(p, "key \"%s\" outside any section", key);
		return;
	}
	k = section_keys(fr->sect);
	for (i = 0; k[i].name != NULL; i++)
		if (strcmp(k[i].name, key) == 0)
			break;
	if (k[i].name == NULL && fr->sect == SECT_SOURCE) {
		source_rtype(p, key, val);
		return;
	}
	if (k[i].name == NULL) {
		perr(p, "unknown key \"%s\" in %s", key, label(fr));
		return;
	}
	if (!k[i].repeat && (fr->seen & (UINT32_C(1) << i)) != 0) {
		perr(p, "duplicate key \"%s\" in %s", key, label(fr));
		return;
	}
	fr->seen |= UINT32_C(1) << i;
	if (*val == '\0') {
		perr(p, "missing value for \"%s\"", key);
		return;
	}
	k[i].set(p, val);
}

static void parse_file(struct parser *, const char *);

static void
include(struct parser *p, const char *pat)
{
	struct frame *fr = p->top;
	glob_t g;
	size_t i;
	char *path;
	int rc;

	if (*pat == '\0') {
		perr(p, "include needs a file name or pattern");
		return;
	}
	if (fr->depth >= INCLUDE_DEPTH_MAX) {
		perr(p, "includes nested too deeply (max %d)", INCLUDE_DEPTH_MAX);
		return;
	}
	if (strpbrk(pat, "*?[") == NULL) {
		/* A plain name must exist: parse_file() reports it if not. */
		if ((path = resolve(p, fr->file, pat)) != NULL)
			parse_file(p, path);
		free(path);
		return;
	}
	if ((path = resolve_pattern(p, fr->file, pat)) == NULL)
		return;
	memset(&g, 0, sizeof(g));
	rc = glob(path, 0, NULL, &g);
	if (rc == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			parse_file(p, g.gl_pathv[i]);
	} else if (rc == GLOB_NOSPACE) {
		perr(p, "include \"%s\": out of memory", pat);
	} else if (rc != GLOB_NOMATCH) {
		perr(p, "include \"%s\": cannot read folder", pat);
	}
	globfree(&g);
	free(path);
}

/* Does the line say "include PATTERN"? Then return PATTERN. */
static char *
include_arg(char *s)
{
	char *rest;

	if (strncmp(s, "include", 7) != 0)
		return NULL;
	if (s[7] != '\0' && !isspace((unsigned char)s[7]))
		return NULL;
	rest = trim(s + 7);
	/* "include = x" is a key, and gets an "unknown key" error. */
	if (*rest == '=')
		return NULL;
	return rest;
}

static void
parse_line(struct parser *p, char *line, size_t n)
{
	char *s, *eq, *arg, *hash;

	if (strlen(line) != n) {
		perr(p, "NUL character in line");
		return;
	}
	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	s = trim(line);
	if (*s == '\0')
		return;
	if (*s == '[') {
		parse_header(p, s);
		return;
	}
	if ((arg = include_arg(s)) != NULL) {
		include(p, arg);
		return;
	}
	if ((eq = strchr(s, '=')) == NULL) {
		perr(p, "expected \"key = value\"");
		return;
	}
	*eq = '\0';
	s = trim(s);
	if (*s == '\0') {
		perr(p, "missing key before \"=\"");
		return;
	}
	set_key(p, s, trim(eq + 1));
}

/* Keep PATH for the life of the conf: file:line messages and conf_file point at it. */
static const char *
add_file(struct parser *p, const char *path)
{
	struct conf *c = p->c;
	char **v, *s;

	if ((s = xstrdup(p, path)) == NULL)
		return NULL;
	if ((v = realloc(c->files, (size_t)(c->nfiles + 1) * sizeof(*v))) == NULL) {
		free(s);
		oom(p);
		return NULL;
	}
	c->files = v;
	c->files[c->nfiles++] = s;
	return s;
}

static void
parse_file(struct parser *p, const char *path)
{
	struct frame fr, *up = p->top, *f;
	struct stat st;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL) {
		if (up == NULL)
			perr_at(p, path, 0, "cannot open: %s", strerror(errno));
		else
			perr(p, "cannot open \"%s\": %s", path, strerror(errno));
		return;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		if (up == NULL)
			perr_at(p, path, 0, "not a regular file");
		else
			perr(p, "cannot include \"%s\": not a regular file", path);
		fclose(fp);
		return;
	}
	for (f = up; f != NULL; f = f->up) {
		if (f->dev == st.st_dev && f->ino == st.st_ino) {
			perr(p, "include loop: \"%s\" is already being read", path);
			fclose(fp);
			return;
		}
	}
	memset(&fr, 0, sizeof(fr));
	if ((fr.file = add_file(p, path)) == NULL) {
		fclose(fp);
		return;
	}
	fr.up = up;
	fr.depth = up != NULL ? up->depth + 1 : 0;
	fr.dev = st.st_dev;
	fr.ino = st.st_ino;
	p->top = &fr;

	while ((n = getline(&line, &cap, fp)) != -1) {
		fr.line++;
		parse_line(p, line, (size_t)n);
	}
	if (ferror(fp))
		perr(p, "read error: %s", strerror(errno));
	close_section(p);

	p->top = up;
	free(line);
	fclose(fp);
}

/* Zones name their sources by name; every file is read, so look them up now. */
static void
resolve_sources(struct parser *p)
{
	struct conf *c = p->c;
	struct conf_zone *z;
	struct zone_aux *za;
	int i, j, k;

	for (i = 0; i < c->nzones; i++) {
		z = &c->zones[i];
		za = &p->zaux[i];
		for (j = 0; j < za->nsrc; j++) {
			if ((k = conf_source_index(c, za->src[j])) < 0) {
				perr_at(p, za->src_file, za->src_line,
				    "unknown source \"%s\" in [zone %s]",
				    za->src[j], z->name);
				continue;
			}
			z->sources[z->nsources++] = k;
		}
	}
}

struct conf *
conf_load(const char *path, FILE *errs)
{
	struct parser *p;
	struct conf *c;
	int nerr;

	if (errs == NULL)
		errs = stderr;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		free(p);
		fprintf(errs, "%s: out of memory\n", path);
		return NULL;
	}
	p->c = c;
	p->errs = errs;
	c->workers = 2;
	c->mapsize = MAPSIZE_DEFAULT;
	c->api_connections = 64;
	c->api_per_ip = 16;
	c->api_timeout = 30;
	c->path = xstrdup(p, path);

	parse_file(p, path);
	if (c->nfiles > 0) {
		if (p->rbld_file == NULL)
			perr_at(p, path, 0, "missing [rbld] section (it needs \"database\")");
		resolve_sources(p);
		if (c->ndns == 0 &&
		    parse_endpoint(DEFAULT_DNS, &c->dns[0], NULL, 0) == 0)
			c->ndns = 1;
		/* Each address takes a UDP socket per worker and a TCP one, and
		 * each of those an LMDB reader slot. */
		if (c->workers > 0 && c->ndns * (c->workers + 1) > SOCKETS_MAX)
			perr_at(p, p->rbld_file ? p->rbld_file : path,
			    p->rbld_line, "%d dns addresses with %d workers "
			    "each need %d sockets (max %d)", c->ndns, c->workers,
			    c->ndns * (c->workers + 1), SOCKETS_MAX);
		if ((c->api_cert == NULL) != (c->api_key == NULL))
			perr_at(p, p->rbld_file ? p->rbld_file : path,
			    p->rbld_line, "api-cert and api-key go together");
		if (c->api_per_ip > c->api_connections)
			c->api_per_ip = c->api_connections;
	}

	free(p->scratch_src.file);
	free(p->scratch_src.txt);
	free(p->scratch_src.url);
	free(p->scratch_src.tsig);
	nerr = p->nerr;
	free(p);
	if (nerr > 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsources; i++) {
		free(c->sources[i].file);
		free(c->sources[i].txt);
		free(c->sources[i].url);
		free(c->sources[i].tsig);
	}
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->allow_file);
	free(c->user);
	free(c->api_cert);
	free(c->api_key);
	free(c->database);
	free(c->path);
	free(c);
}

int
conf_source_index(const struct conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->nsources; i++)
		if (strcmp(c->sources[i].name, name) == 0)
			return i;
	return -1;
}

/* Case does not matter in DNS names, nor does a final dot. */
int
conf_zone_index(const struct conf *c, const char *name)
{
	size_t n = strlen(name);
	int i;

	if (n > 0 && name[n - 1] == '.')
		n--;
	for (i = 0; i < c->nzones; i++)
		if (strlen(c->zones[i].name) == n &&
		    strncasecmp(c->zones[i].name, name, n) == 0)
			return i;
	return -1;
}
