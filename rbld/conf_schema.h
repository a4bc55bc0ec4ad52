/* SPDX-License-Identifier: BSD-2-Clause */
/* What rbld.conf's reader (conf.c) and schema (conf_schema.c) share; only they include it. */
#ifndef RBLD_CONF_SCHEMA_H
#define RBLD_CONF_SCHEMA_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

/* How a key's value is read: one setter per type in conf_schema.c. */
enum conf_type {
	CONF_T_PATH = 1,	/* a file, relative to the config file saying it */
	CONF_T_STRING,		/* text of at most max characters (0: any) */
	CONF_T_INT,		/* a whole number from min to max */
	CONF_T_DURATION,	/* 30s 10m 12h 7d 2w, from min to max seconds */
	CONF_T_SIZE,		/* 512 64K 512M 4G 1T, from min to max bytes */
	CONF_T_PERCENT,		/* 0 to 100, "%" optional */
	CONF_T_BOOL,		/* yes or no */
	CONF_T_IPV4,		/* an IPv4 address, kept in host byte order */
	CONF_T_ENUM,		/* one of the names lookup knows */
	CONF_T_ENDPOINTS,	/* address:port ..., at most max in all */
	CONF_T_PREFIXES,	/* address[/len] ..., at most max in all */
	CONF_T_DNAMES,		/* DNS names ..., at most max, none twice */
	CONF_T_CUSTOM,		/* its own syntax, read by parse */
};

#define CONF_F_REPEAT	0x01u	/* values add up, not "duplicate key" */
#define CONF_F_REQUIRED	0x02u	/* "missing key" if a section ends without it */
#define CONF_F_OTHER	0x04u	/* any key the section has no row for */
#define CONF_F_DIGITS	0x08u	/* INT: digits only, not strtol's sign */
#define CONF_F_SLASH	0x10u	/* INT: may start with "/" (a prefix length) */
#define CONF_F_WORD	0x20u	/* STRING: no space or tab in it */
#define CONF_F_READABLE	0x40u	/* PATH: the file must be readable now */
#define CONF_F_EXCLUSIVE 0x80u	/* ENDPOINTS: not an address such a key has */
#define CONF_F_ALLOC	0x100u	/* CUSTOM: its field is a string it allocates */

/* The source kinds a key is for, as a mask. */
#define CONF_KIND(k)	(1u << (k))
#define CONF_KIND_ANY	(CONF_KIND(SOURCE_LOCAL) | CONF_KIND(SOURCE_FEED) | \
			    CONF_KIND(SOURCE_REPORTS))

struct conf_parser;

/* One key of one section: a row of the schema. */
struct conf_item {
	const char	*name;
	enum conf_type	 type;
	unsigned	 flags;		/* CONF_F_* */
	unsigned	 kinds;		/* in [source]: the kinds it is for */
	/* Numbers: the range (max 0: the type's); lists: entries; STRING:
	 * length. */
	int64_t		 min, max;
	/* The default, given when the section ends without the key set:
	 * a number (or a custom key's first field), 0 for none; or a text,
	 * as rbld.conf would say it, read by the key's own setter. */
	int64_t		 dflt;
	const char	*dflt_text;
	size_t		 off, size;	/* its field in the section's struct */
	size_t		 off_n;		/* lists: the int counting entries */
	/* Messages, "%s" the value as written; NULL: the type's own. */
	const char	*bad;		/* not a value of the type */
	const char	*low;		/* below min */
	const char	*high;		/* above max */
	int		(*lookup)(const char *);	/* ENUM: value, or -1 */
	/* CUSTOM: read VAL of KEY into BASE; 0, or -1 once reported. */
	int		(*parse)(struct conf_parser *, const struct conf_item *,
			    void *base, const char *key, char *val);
	/* Says the key is in a source of a kind it is not for (NULL: the
	 * usual message). */
	void		(*misfit)(struct conf_parser *,
			    const struct conf_item *, void *base);
};

enum conf_sect {
	CONF_SECT_RBLD,
	CONF_SECT_ALLOW,
	CONF_SECT_ZONE,
	CONF_SECT_SOURCE,	/* the one with kinds: fills a conf_source */
	CONF_SECT_TOKEN,
	CONF_NSECT,
	CONF_SECT_NONE = CONF_NSECT
};

/* The zone names its sources before they may be read: kept until the end. */
struct conf_zone_aux {
	int		 nsrc;
	char		 src[CONF_MAX_ZONE_SOURCES][CONF_NAME_MAX];
	const char	*src_file;
	int		 src_line;
};

/* One file being read; the chain of frames is the include stack. */
struct conf_frame {
	struct conf_frame *up;
	const char	*file;		/* owned by conf->files */
	int		 line;
	int		 depth;
	dev_t		 dev;
	ino_t		 ino;

	/* The open section. Sections never span files, so it lives here. */
	enum conf_sect	 sect;		/* CONF_SECT_NONE: none, or skip */
	bool		 skip;		/* bad header (reported): ignore its keys */
	int		 sect_line;
	char		*label;		/* "[zone bl.example.test]" */
	uint32_t	 seen;		/* bit i: the key of row i was given */
	uint32_t	 set;		/* bit i: ... and its value was good */
	bool		 scratch;	/* bad header: check keys, keep nothing */
	void		*base;		/* the struct its rows fill */
	struct conf_zone_aux *zaux;	/* [zone]: its source names */
};

struct conf_parser {
	struct conf	*c;
	FILE		*errs;
	int		 nerr;
	bool		 oom;
	struct conf_frame *top;
	/* Where each section that appears once did; file NULL: not yet. */
	const char	*once_file[CONF_NSECT];
	int		 once_line[CONF_NSECT];
	struct conf_zone_aux zaux[CONF_MAX_ZONES];
	/* Bad [zone]/[source] stanzas are read into these, for their errors. */
	struct conf_zone_aux scratch_zaux;
	struct conf_zone scratch_zone;
	struct conf_source scratch_src;
};

/* ---- conf.c: errors, memory and paths for the setters ---- */

/* "file:line: message" on the parser's error stream; counts as an error. */
void	conf_perr_at(struct conf_parser *, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same at the line being read; always -1, for a setter to return. */
int	conf_perr(struct conf_parser *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* A copy of S, or NULL with "out of memory" reported. */
char	*conf_strdup(struct conf_parser *, const char *s);
/* "[" A " " B "]", or "[" A "]" if B is NULL; NULL with the error reported. */
char	*conf_make_label(struct conf_parser *, const char *a, const char *b);
/* FR's label for messages, "[?]" if it has none. */
const char *conf_label(const struct conf_frame *fr);
/* REL relative to the folder of FILE unless it is absolute; NULL as strdup. */
char	*conf_resolve(struct conf_parser *, const char *file, const char *rel);
/* Next space-separated word of *SP, NUL-terminated in place; NULL at end. */
char	*conf_next_word(char **sp);
/* A good source name: 1..63 of A-Z a-z 0-9 _ . - */
bool	conf_source_name_ok(const char *s);
/* Says S is a bad source name; -1. */
int	conf_bad_source_name(struct conf_parser *, const char *s);
/* "local", "feed" or "reports" -> enum source_kind; -1 if none of them. */
int	conf_kind_parse(const char *s);

/* ---- conf_schema.c: the rows, and the value types' setters ---- */

/* The rows of section S, *N of them. */
const struct conf_item *conf_schema_items(enum conf_sect s, size_t *n);
/* Read VAL of KEY (whose row is IT) into BASE; 0, or -1 once reported. */
int	conf_schema_set(struct conf_parser *, const struct conf_item *it,
	    void *base, const char *key, char *val);
/* Give IT in BASE its default, if it has one and was not SET. */
void	conf_schema_default(struct conf_parser *, const struct conf_item *it,
	    void *base, bool set);
/* Say that IT is in source BASE, of a kind it is not for. */
void	conf_schema_misfit(struct conf_parser *, const struct conf_item *it,
	    void *base);
/* Section S in BASE ends: what its keys cannot check alone. */
void	conf_schema_check(struct conf_parser *, enum conf_sect s, void *base);
/* Every file is read: what needs all of them. */
void	conf_schema_finish(struct conf_parser *, const char *path);
/* Free what the rows of S allocated in BASE. */
void	conf_schema_free(enum conf_sect s, void *base);

#endif
