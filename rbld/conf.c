/* SPDX-License-Identifier: BSD-2-Clause */
/* Read rbld.conf and the files it includes, line by line, reporting every error as file:line. */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf_schema.h"
#include "parse.h"
#include "token.h"

#define NITEMS(a)		(sizeof(a) / sizeof((a)[0]))
#define INCLUDE_DEPTH_MAX	8
#define WHY_MAX			128	/* a reason from parse.c */

static void
conf_verr_at(struct conf_parser *p, const char *file, int line,
    const char *fmt, va_list ap)
{
	if (line > 0)
		fprintf(p->errs, "%s:%d: ", file, line);
	else
		fprintf(p->errs, "%s: ", file);
	vfprintf(p->errs, fmt, ap);
	fputc('\n', p->errs);
	p->nerr++;
}

void
conf_perr_at(struct conf_parser *p, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verr_at(p, file, line, fmt, ap);
	va_end(ap);
}

int
conf_perr(struct conf_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verr_at(p, p->top->file, p->top->line, fmt, ap);
	va_end(ap);
	return -1;
}

static void
conf_oom(struct conf_parser *p)
{
	/* Once is enough: the load fails whatever comes next. */
	if (!p->oom)
		fprintf(p->errs, "%s: out of memory\n",
		    p->top != NULL ? p->top->file : "rbld");
	p->oom = true;
	p->nerr++;
}

static void *
conf_malloc(struct conf_parser *p, size_t n)
{
	void *q;

	if ((q = malloc(n)) == NULL)
		conf_oom(p);
	return q;
}

char *
conf_strdup(struct conf_parser *p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if ((d = conf_malloc(p, n)) != NULL)
		memcpy(d, s, n);
	return d;
}

char *
conf_make_label(struct conf_parser *p, const char *a, const char *b)
{
	size_t na = strlen(a), nb = b != NULL ? strlen(b) : 0;
	char *s;

	if ((s = conf_malloc(p, na + nb + 4)) == NULL)
		return NULL;
	if (b != NULL)
		snprintf(s, na + nb + 4, "[%s %s]", a, b);
	else
		snprintf(s, na + nb + 4, "[%s]", a);
	return s;
}

const char *
conf_label(const struct conf_frame *fr)
{
	return fr->label != NULL ? fr->label : "[?]";
}

static char *
conf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

char *
conf_next_word(char **sp)
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
conf_dir_len(const char *file)
{
	const char *slash = strrchr(file, '/');

	return slash != NULL ? (size_t)(slash - file) + 1 : 0;
}

char *
conf_resolve(struct conf_parser *p, const char *file, const char *rel)
{
	size_t nd, nr;
	char *s;

	if (rel[0] == '/')
		return conf_strdup(p, rel);
	nd = conf_dir_len(file);
	nr = strlen(rel);
	if ((s = conf_malloc(p, nd + nr + 1)) == NULL)
		return NULL;
	memcpy(s, file, nd);
	memcpy(s + nd, rel, nr + 1);
	return s;
}

/* Like conf_resolve(), but a glob pattern: wildcards in the folder part are literal. */
static char *
conf_resolve_pattern(struct conf_parser *p, const char *file, const char *pat)
{
	size_t nd, i, j;
	char *s;

	if (pat[0] == '/')
		return conf_strdup(p, pat);
	nd = conf_dir_len(file);
	if ((s = conf_malloc(p, 2 * nd + strlen(pat) + 1)) == NULL)
		return NULL;
	for (i = j = 0; i < nd; i++) {
		if (strchr("*?[\\", file[i]) != NULL)
			s[j++] = '\\';
		s[j++] = file[i];
	}
	strcpy(s + j, pat);
	return s;
}

/* ---- source kinds ---- */

/* The kinds of source, by the names "kind =" gives them. */
static const char *const conf_kinds[] = {
	[SOURCE_LOCAL] = "local",
	[SOURCE_FEED] = "feed",
	[SOURCE_REPORTS] = "reports",
};

const char *
conf_kind_name(enum source_kind k)
{
	if ((size_t)k < NITEMS(conf_kinds) && conf_kinds[k] != NULL)
		return conf_kinds[k];
	return "?";
}

int
conf_kind_parse(const char *s)
{
	for (size_t k = 0; k < NITEMS(conf_kinds); k++)
		if (conf_kinds[k] != NULL && strcmp(s, conf_kinds[k]) == 0)
			return (int)k;
	return -1;
}

/* ---- sections ---- */

bool
conf_source_name_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-");

	return n > 0 && s[n] == '\0' && n < CONF_NAME_MAX;
}

int
conf_bad_source_name(struct conf_parser *p, const char *s)
{
	return conf_perr(p, "bad source name \"%s\" (use 1..%d of A-Z a-z 0-9 "
	    "_ . -)", s, CONF_NAME_MAX - 1);
}

/* Forget what a bad stanza's keys left in the scratch structs. */
static void
conf_scratch_reset(struct conf_parser *p)
{
	conf_schema_free(CONF_SECT_SOURCE, &p->scratch_src);
	conf_schema_free(CONF_SECT_ZONE, &p->scratch_zone);
	memset(&p->scratch_src, 0, sizeof(p->scratch_src));
	memset(&p->scratch_zone, 0, sizeof(p->scratch_zone));
	memset(&p->scratch_zaux, 0, sizeof(p->scratch_zaux));
}

/* [rbld] and [allow] fill struct conf itself. */
static void *
conf_open_conf(struct conf_parser *p, const char *name)
{
	(void)name;
	return p->c;
}

static void *
conf_open_zone(struct conf_parser *p, const char *name)
{
	struct conf_frame *fr = p->top;
	struct conf *c = p->c;
	struct conf_zone *z;
	char dn[CONF_DNAME_MAX], why[WHY_MAX];
	int i;

	fr->scratch = true;
	fr->zaux = &p->scratch_zaux;
	if (parse_dname(name, dn, why, sizeof(why)) == -1) {
		conf_perr(p, "bad zone name \"%s\": %s", name, why);
		fr->label = conf_make_label(p, "zone", name);
		return &p->scratch_zone;
	}
	fr->label = conf_make_label(p, "zone", dn);
	for (i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, dn) == 0)
			break;
	if (i < c->nzones) {
		conf_perr(p, "duplicate [zone %s] (first at %s:%d)", dn,
		    c->zones[i].conf_file, c->zones[i].conf_line);
		return &p->scratch_zone;
	}
	if (c->nzones >= CONF_MAX_ZONES) {
		conf_perr(p, "too many zones (max %d)", CONF_MAX_ZONES);
		return &p->scratch_zone;
	}
	fr->scratch = false;
	fr->zaux = &p->zaux[c->nzones];
	z = &c->zones[c->nzones++];
	memcpy(z->name, dn, sizeof(dn));
	z->conf_file = fr->file;
	z->conf_line = fr->line;
	return z;
}

static void *
conf_open_source(struct conf_parser *p, const char *name)
{
	struct conf_frame *fr = p->top;
	struct conf *c = p->c;
	struct conf_source *src;
	int i;

	fr->scratch = true;
	fr->label = conf_make_label(p, "source", name);
	if (!conf_source_name_ok(name)) {
		conf_bad_source_name(p, name);
		return &p->scratch_src;
	}
	if ((i = conf_source_index(c, name)) >= 0) {
		conf_perr(p, "duplicate [source %s] (first at %s:%d)", name,
		    c->sources[i].conf_file, c->sources[i].conf_line);
		return &p->scratch_src;
	}
	if (c->nsources >= CONF_MAX_SOURCES) {
		conf_perr(p, "too many sources (max %d)", CONF_MAX_SOURCES);
		return &p->scratch_src;
	}
	fr->scratch = false;
	src = &c->sources[c->nsources++];
	snprintf(src->name, sizeof(src->name), "%s", name);
	src->conf_file = fr->file;
	src->conf_line = fr->line;
	return src;
}

/* A bad token name ignores the stanza's keys, as nothing could use them. */
static void *
conf_open_token(struct conf_parser *p, const char *name)
{
	struct conf_frame *fr = p->top;
	struct conf *c = p->c;
	struct conf_token *tok;

	if (!token_name_ok(name)) {
		conf_perr(p, "bad token name \"%s\" (1 to 63 of A-Z a-z 0-9 _ . -)",
		    name);
		return NULL;
	}
	for (int i = 0; i < c->ntokens; i++) {
		if (strcmp(c->tokens[i].name, name) == 0) {
			conf_perr(p, "duplicate [token %s] (first at %s:%d)", name,
			    c->tokens[i].conf_file, c->tokens[i].conf_line);
			return NULL;
		}
	}
	if (c->ntokens >= CONF_MAX_TOKENS) {
		conf_perr(p, "too many tokens (max %d)", CONF_MAX_TOKENS);
		return NULL;
	}
	fr->label = conf_make_label(p, "token", name);
	tok = &c->tokens[c->ntokens++];
	snprintf(tok->name, sizeof(tok->name), "%s", name);
	tok->conf_file = fr->file;
	tok->conf_line = fr->line;
	return tok;
}

static const struct {
	const char	*name;		/* "zone" of [zone NAME] */
	bool		 named;		/* else it is once, without a name */
	/* The struct NAME's keys fill (maybe a scratch one), or NULL to
	 * ignore them: the header was bad, and that is reported. */
	void		*(*open)(struct conf_parser *, const char *name);
} conf_sections[CONF_NSECT] = {
	[CONF_SECT_RBLD] = { "rbld", false, conf_open_conf },
	[CONF_SECT_ALLOW] = { "allow", false, conf_open_conf },
	[CONF_SECT_ZONE] = { "zone", true, conf_open_zone },
	[CONF_SECT_SOURCE] = { "source", true, conf_open_source },
	[CONF_SECT_TOKEN] = { "token", true, conf_open_token },
};

/* "missing key" for each required row not given: those every stanza of
 * the section needs, or (FOR_KIND) those a source of KIND needs. */
static bool
conf_missing(struct conf_parser *p, const struct conf_item *items, size_t n,
    bool for_kind, unsigned kind)
{
	struct conf_frame *fr = p->top;
	bool whole = true;

	for (size_t i = 0; i < n; i++) {
		const struct conf_item *it = &items[i];
		bool of_kind = fr->sect == CONF_SECT_SOURCE &&
		    it->kinds != CONF_KIND_ANY;

		if ((it->flags & CONF_F_REQUIRED) == 0 || of_kind != for_kind ||
		    (of_kind && (it->kinds & kind) == 0) ||
		    (fr->seen & (UINT32_C(1) << i)) != 0)
			continue;
		conf_perr_at(p, fr->file, fr->sect_line,
		    "missing key \"%s\" in %s", it->name, conf_label(fr));
		whole = false;
	}
	return whole;
}

/* The section ends: missing keys, keys of the wrong kind, checks across
 * keys, then the defaults of what was not set. */
static void
conf_end_section(struct conf_parser *p)
{
	struct conf_frame *fr = p->top;
	const struct conf_item *items;
	const struct conf_source *src = NULL;
	unsigned kind = 0;
	bool whole;
	size_t i, n;

	items = conf_schema_items(fr->sect, &n);
	if (fr->sect == CONF_SECT_SOURCE) {
		src = fr->base;
		kind = CONF_KIND(src->kind);
	}
	/* Without what every stanza needs, the other checks are noise. */
	whole = conf_missing(p, items, n, false, kind);
	if (whole && src != NULL) {
		for (i = 0; i < n; i++)
			if ((fr->seen & (UINT32_C(1) << i)) != 0 &&
			    items[i].kinds != CONF_KIND_ANY &&
			    (items[i].kinds & kind) == 0)
				conf_schema_misfit(p, &items[i], fr->base);
		whole = conf_missing(p, items, n, true, kind);
	}
	if (whole)
		conf_schema_check(p, fr->sect, fr->base);
	/* Last, so that no check above takes a default for a setting. */
	for (i = 0; i < n; i++)
		if (src == NULL || (items[i].kinds & kind) != 0)
			conf_schema_default(p, &items[i], fr->base,
			    (fr->set & (UINT32_C(1) << i)) != 0);
}

/* End of a section: at the next header or the end of its file. */
static void
conf_close_section(struct conf_parser *p)
{
	struct conf_frame *fr = p->top;

	if (fr->sect != CONF_SECT_NONE)
		conf_end_section(p);
	if (fr->scratch)
		conf_scratch_reset(p);
	free(fr->label);
	fr->label = NULL;
	fr->sect = CONF_SECT_NONE;
	fr->skip = false;
	fr->seen = 0;
	fr->set = 0;
	fr->scratch = false;
	fr->base = NULL;
	fr->zaux = NULL;
}

static void
conf_parse_header(struct conf_parser *p, char *s)
{
	struct conf_frame *fr = p->top;
	size_t len = strlen(s);
	char *type, *name;
	int i;

	conf_close_section(p);
	fr->sect_line = fr->line;
	/* Until proven good, so that keys of a bad section stay quiet. */
	fr->skip = true;
	if (s[len - 1] != ']') {
		conf_perr(p, "missing \"]\" at the end of the section header");
		return;
	}
	s[len - 1] = '\0';
	type = conf_trim(s + 1);
	name = type + strcspn(type, " \t");
	if (*name != '\0')
		*name++ = '\0';
	name = conf_trim(name);

	if (*type == '\0') {
		conf_perr(p, "empty section header");
		return;
	}
	for (i = 0; i < CONF_NSECT; i++)
		if (strcmp(type, conf_sections[i].name) == 0)
			break;
	if (i == CONF_NSECT) {
		conf_perr(p, "unknown section [%s]", type);
		return;
	}
	if (conf_sections[i].named && *name == '\0') {
		conf_perr(p, "[%s] needs a name", type);
		return;
	}
	if (!conf_sections[i].named) {
		if (*name != '\0') {
			conf_perr(p, "[%s] takes no name", type);
			return;
		}
		if (p->once_file[i] != NULL) {
			conf_perr(p, "duplicate [%s] (first at %s:%d)", type,
			    p->once_file[i], p->once_line[i]);
			return;
		}
		p->once_file[i] = fr->file;
		p->once_line[i] = fr->line;
		fr->label = conf_make_label(p, type, NULL);
	}
	if ((fr->base = conf_sections[i].open(p, name)) == NULL)
		return;
	fr->sect = (enum conf_sect)i;
	fr->skip = false;
}

/* The row of KEY in the open section (its index in *I), else the section's
 * CONF_F_OTHER row, or NULL. */
static const struct conf_item *
conf_find_item(const struct conf_frame *fr, const char *key, size_t *i)
{
	const struct conf_item *items, *other = NULL;
	size_t j, n;

	items = conf_schema_items(fr->sect, &n);
	for (j = 0; j < n; j++) {
		if ((items[j].flags & CONF_F_OTHER) != 0) {
			other = &items[j];
			*i = j;
		} else if (strcmp(items[j].name, key) == 0) {
			*i = j;
			return &items[j];
		}
	}
	return other;
}

static void
conf_set_key(struct conf_parser *p, const char *key, char *val)
{
	struct conf_frame *fr = p->top;
	const struct conf_item *it;
	uint32_t bit;
	size_t i;

	if (fr->skip)
		return;
	if (fr->sect == CONF_SECT_NONE) {
		conf_perr(p, "key \"%s\" outside any section", key);
		return;
	}
	if ((it = conf_find_item(fr, key, &i)) == NULL) {
		conf_perr(p, "unknown key \"%s\" in %s", key, conf_label(fr));
		return;
	}
	bit = UINT32_C(1) << i;
	/* A key without a row of its own (a report type) repeats, and its
	 * parser says "unknown key" if it is none, even without a value. */
	if ((it->flags & CONF_F_OTHER) != 0) {
		fr->seen |= bit;
		if (conf_schema_set(p, it, fr->base, key, val) == 0)
			fr->set |= bit;
		return;
	}
	if ((it->flags & CONF_F_REPEAT) == 0 && (fr->seen & bit) != 0) {
		conf_perr(p, "duplicate key \"%s\" in %s", key, conf_label(fr));
		return;
	}
	fr->seen |= bit;
	if (*val == '\0') {
		conf_perr(p, "missing value for \"%s\"", key);
		return;
	}
	if (conf_schema_set(p, it, fr->base, key, val) == 0)
		fr->set |= bit;
}

/* ---- files ---- */

static void conf_parse_file(struct conf_parser *, const char *);

static void
conf_include(struct conf_parser *p, const char *pat)
{
	struct conf_frame *fr = p->top;
	glob_t g;
	size_t i;
	char *path;
	int rc;

	if (*pat == '\0') {
		conf_perr(p, "include needs a file name or pattern");
		return;
	}
	if (fr->depth >= INCLUDE_DEPTH_MAX) {
		conf_perr(p, "includes nested too deeply (max %d)",
		    INCLUDE_DEPTH_MAX);
		return;
	}
	if (strpbrk(pat, "*?[") == NULL) {
		/* A plain name must exist: conf_parse_file() reports it if not. */
		if ((path = conf_resolve(p, fr->file, pat)) != NULL)
			conf_parse_file(p, path);
		free(path);
		return;
	}
	if ((path = conf_resolve_pattern(p, fr->file, pat)) == NULL)
		return;
	memset(&g, 0, sizeof(g));
	rc = glob(path, 0, NULL, &g);
	if (rc == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			conf_parse_file(p, g.gl_pathv[i]);
	} else if (rc == GLOB_NOSPACE) {
		conf_perr(p, "include \"%s\": out of memory", pat);
	} else if (rc != GLOB_NOMATCH) {
		conf_perr(p, "include \"%s\": cannot read folder", pat);
	}
	globfree(&g);
	free(path);
}

/* Does the line say "include PATTERN"? Then return PATTERN. */
static char *
conf_include_arg(char *s)
{
	char *rest;

	if (strncmp(s, "include", 7) != 0)
		return NULL;
	if (s[7] != '\0' && !isspace((unsigned char)s[7]))
		return NULL;
	rest = conf_trim(s + 7);
	/* "include = x" is a key, and gets an "unknown key" error. */
	if (*rest == '=')
		return NULL;
	return rest;
}

static void
conf_parse_line(struct conf_parser *p, char *line, size_t n)
{
	char *s, *eq, *arg, *hash;

	if (strlen(line) != n) {
		conf_perr(p, "NUL character in line");
		return;
	}
	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	s = conf_trim(line);
	if (*s == '\0')
		return;
	if (*s == '[') {
		conf_parse_header(p, s);
		return;
	}
	if ((arg = conf_include_arg(s)) != NULL) {
		conf_include(p, arg);
		return;
	}
	if ((eq = strchr(s, '=')) == NULL) {
		conf_perr(p, "expected \"key = value\"");
		return;
	}
	*eq = '\0';
	s = conf_trim(s);
	if (*s == '\0') {
		conf_perr(p, "missing key before \"=\"");
		return;
	}
	conf_set_key(p, s, conf_trim(eq + 1));
}

/* Keep PATH for the life of the conf: file:line messages and conf_file point at it. */
static const char *
conf_add_file(struct conf_parser *p, const char *path)
{
	struct conf *c = p->c;
	char **v, *s;

	if ((s = conf_strdup(p, path)) == NULL)
		return NULL;
	if ((v = realloc(c->files, (size_t)(c->nfiles + 1) * sizeof(*v))) == NULL) {
		free(s);
		conf_oom(p);
		return NULL;
	}
	c->files = v;
	c->files[c->nfiles++] = s;
	return s;
}

static void
conf_parse_file(struct conf_parser *p, const char *path)
{
	struct conf_frame fr, *up = p->top, *f;
	struct stat st;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL) {
		if (up == NULL)
			conf_perr_at(p, path, 0, "cannot open: %s",
			    strerror(errno));
		else
			conf_perr(p, "cannot open \"%s\": %s", path,
			    strerror(errno));
		return;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		if (up == NULL)
			conf_perr_at(p, path, 0, "not a regular file");
		else
			conf_perr(p, "cannot include \"%s\": not a regular file",
			    path);
		fclose(fp);
		return;
	}
	for (f = up; f != NULL; f = f->up) {
		if (f->dev == st.st_dev && f->ino == st.st_ino) {
			conf_perr(p, "include loop: \"%s\" is already being read",
			    path);
			fclose(fp);
			return;
		}
	}
	memset(&fr, 0, sizeof(fr));
	fr.sect = CONF_SECT_NONE;
	if ((fr.file = conf_add_file(p, path)) == NULL) {
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
		conf_parse_line(p, line, (size_t)n);
	}
	if (ferror(fp))
		conf_perr(p, "read error: %s", strerror(errno));
	conf_close_section(p);

	p->top = up;
	free(line);
	fclose(fp);
}

/* Zones name their sources by name; every file is read, so look them up now. */
static void
conf_resolve_sources(struct conf_parser *p)
{
	struct conf *c = p->c;
	struct conf_zone *z;
	struct conf_zone_aux *za;
	int i, j, k;

	for (i = 0; i < c->nzones; i++) {
		z = &c->zones[i];
		za = &p->zaux[i];
		for (j = 0; j < za->nsrc; j++) {
			if ((k = conf_source_index(c, za->src[j])) < 0) {
				conf_perr_at(p, za->src_file, za->src_line,
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
	struct conf_parser *p;
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
	c->path = conf_strdup(p, path);

	conf_parse_file(p, path);
	if (c->nfiles > 0) {
		if (p->once_file[CONF_SECT_RBLD] == NULL)
			conf_perr_at(p, path, 0, "missing [rbld] section (it "
			    "needs \"database\")");
		conf_resolve_sources(p);
		conf_schema_finish(p, path);
	}

	conf_scratch_reset(p);
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
	conf_schema_free(CONF_SECT_RBLD, c);
	conf_schema_free(CONF_SECT_ALLOW, c);
	for (i = 0; i < c->nsources; i++)
		conf_schema_free(CONF_SECT_SOURCE, &c->sources[i]);
	for (i = 0; i < c->nzones; i++)
		conf_schema_free(CONF_SECT_ZONE, &c->zones[i]);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->path);
	free(c);
}

int
conf_source_copy(struct conf_source *dst, const struct conf_source *src)
{
	*dst = *src;
	dst->file = src->file != NULL ? strdup(src->file) : NULL;
	dst->url = src->url != NULL ? strdup(src->url) : NULL;
	dst->txt = src->txt != NULL ? strdup(src->txt) : NULL;
	dst->tsig = src->tsig != NULL ? strdup(src->tsig) : NULL;
	dst->conf_file = NULL;
	if ((src->file != NULL && dst->file == NULL) ||
	    (src->url != NULL && dst->url == NULL) ||
	    (src->txt != NULL && dst->txt == NULL) ||
	    (src->tsig != NULL && dst->tsig == NULL)) {
		conf_source_clear(dst);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
conf_source_clear(struct conf_source *cs)
{
	free(cs->file);
	free(cs->url);
	free(cs->txt);
	free(cs->tsig);
	cs->file = cs->url = cs->txt = cs->tsig = NULL;
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

const struct conf_rtype *
conf_rtype(const struct conf_source *cs, const char *name)
{
	for (int i = 0; i < cs->nrtypes; i++)
		if (strcmp(cs->rtypes[i].name, name) == 0)
			return &cs->rtypes[i];
	return NULL;
}
