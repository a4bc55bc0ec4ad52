/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldnsd-format data files: parse into entries; expand TXT templates. */
#ifndef RBLD_RBLDNSD_H
#define RBLD_RBLDNSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ipaddr.h"

#define RBL_LINE_MAX	4096	/* longest line read; longer ones are errors */
#define RBL_TXT_MAX	255	/* longest TXT template in a file */
#define RBL_TXT_ANSWER_MAX 254	/* rbldnsd cuts expanded TXT here */
#define RBL_NO_TXT	UINT32_MAX
#define RBL_MAX_NS	8

/* One listed or excluded prefix; its TXT is an index into rbl_data.txts. */
struct rbl_entry {
	struct prefix	p;
	bool		excl;
	uint32_t	a;	/* host byte order */
	uint32_t	txt;	/* index into txts, or RBL_NO_TXT */
	uint32_t	line;
};

/* Everything one data file (or buffer) says. */
struct rbl_data {
	struct rbl_entry *ents;
	size_t		 nents, capents;
	char		**txts;	/* final templates: only "$" and "$$" left to expand */
	size_t		 ntxts, captxts;

	bool		 has_soa;
	uint32_t	 soa_ttl, soa_serial, soa_refresh, soa_retry;
	uint32_t	 soa_expire, soa_minttl;
	char		 soa_mname[256], soa_rname[256];
	int		 nns;
	uint32_t	 ns_ttl;
	char		 ns[RBL_MAX_NS][256];
	uint32_t	 ttl;		/* from $TTL; 0 = not given */

	size_t		 nbad;		/* lines reported as errors */
	bool		 nomem;		/* memory ran out: D is incomplete */

	/* private parse state */
	void		*priv;
};

/* Called for each bad line; the line is skipped and parsing goes on. */
typedef void	 rbl_errfn(void *arg, const char *file, unsigned line,
		    const char *msg);

/*
 * When memory runs out, those of the functions below that can fail return
 * -1 with errno ENOMEM and set D's nomem. From then on each of them fails
 * the same way: D holds only part of what it was given, and rbldnsd_free
 * is all it is good for.
 */

/* Start an empty data set whose entries default to A and TXT (TXT may be
 * NULL). Returns 0 or -1 (ENOMEM). */
int		 rbldnsd_init(struct rbl_data *, uint32_t def_a, const char *def_txt);

/*
 * Parse a file (gzip or plain) into D. Each bad line goes to ERRFN (may be
 * NULL). Returns 0, or -1 if the file cannot be read or memory ran out
 * (errno set; EINVAL: PATH is not a regular file, e.g. a FIFO or a
 * device, which is never read).
 */
int		 rbldnsd_parse_file(struct rbl_data *d, const char *path,
		    rbl_errfn *errfn, void *arg);

/* Parse one line (without its newline) as if it were line LINENO of FILE.
 * Returns 0, a bad line too (ERRFN has it), or -1 (ENOMEM). */
int		 rbldnsd_parse_line(struct rbl_data *d, char *line,
		    const char *file, unsigned lineno, rbl_errfn *errfn, void *arg);

/*
 * Add an entry as the parser would: TXT is an index from rbldnsd_txt_intern
 * (a raw template, finished by rbldnsd_finish) or RBL_NO_TXT. For feeds,
 * which build entries themselves. Returns 0 or -1 (ENOMEM).
 */
int		 rbldnsd_add(struct rbl_data *d, const struct prefix *p, bool excl,
		    uint32_t a, uint32_t txt, uint32_t line);

/* The defaults the next entry would get: from rbldnsd_init or a ":" line.
 * Only for a D that is not nomem. */
void		 rbldnsd_default(const struct rbl_data *d, uint32_t *a,
		    uint32_t *txt);

/* Finish: apply $n variables and the $= base template to every TXT
 * template. Returns 0 or -1 (ENOMEM). */
int		 rbldnsd_finish(struct rbl_data *d);

void		 rbldnsd_free(struct rbl_data *d);

/* Intern a final TXT template: its index in *ID. Returns 0 or -1 (ENOMEM). */
int		 rbldnsd_txt_intern(struct rbl_data *d, const char *txt,
		    uint32_t *id);

/*
 * Expand a final template for the queried address text IP: "$" becomes IP and
 * "$$" one dollar. Writes at most RBL_TXT_ANSWER_MAX bytes (no NUL) into
 * OUT and returns the length; rbldnsd cuts longer strings the same way.
 */
size_t		 rbldnsd_expand(const char *tmpl, size_t tlen, const char *ip,
		    char out[RBL_TXT_ANSWER_MAX]);

/* Split off the next blank-separated word of *S (NUL-terminating it and
 * moving *S past it); NULL at the end of the line. */
char		*rbldnsd_word(char **s);

/* Parse an rbldnsd time value ("300", "5m", "1h", "2d", "1w"); -1 if bad. */
int64_t		 rbldnsd_parse_time(const char *);

#endif
