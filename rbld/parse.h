/* SPDX-License-Identifier: BSD-2-Clause */
/* Values in text: durations, sizes, listen addresses, DNS names. */
#ifndef RBLD_PARSE_H
#define RBLD_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A function that can say why a value is bad writes it, one line, into ERR
 * (ERRLEN bytes; ERR may be NULL if ERRLEN is 0). */

#define PARSE_DNAME_MAX		256	/* presentation form, with final dot */
#define PARSE_ENDPOINT_MAX	64	/* "[v6 address]:port" as written, with NUL */

/* An address and port to listen on or send to. */
struct endpoint {
	struct sockaddr_storage	ss;	/* the address and port */
	socklen_t		sslen;
	char			text[PARSE_ENDPOINT_MAX];	/* as written, for logs */
};

/* "30s 10m 12h 7d 2w" (a bare number is seconds) -> seconds; -1 (EINVAL) on error. */
int64_t	parse_duration(const char *);

/* "512 64K 512M 4G 1T" -> bytes; -1 (EINVAL) on error. */
int64_t	parse_size(const char *);

/*
 * Strict unsigned decimal at *SP: digits only, no sign or space. Returns the
 * value and moves *SP past the digits, or -1 (EINVAL) if there is none or it
 * is over MAX.
 */
int64_t	parse_decimal(const char **sp, int64_t max);

/* "127.0.0.1:5353", "[::1]:5353" -> *OUT; 0, or -1 (EINVAL) and why. */
int	parse_endpoint(const char *s, struct endpoint *out, char *err,
	    size_t errlen);

/*
 * A DNS name: labels of 1..63 letters, digits, "-" or "_", at most 253 in
 * all; one final dot allowed. OUT gets it lowercase without the final dot.
 * 0, or -1 (EINVAL) and why.
 */
int	parse_dname(const char *s, char out[PARSE_DNAME_MAX], char *err,
	    size_t errlen);

/* Is NAME at or under ZONE (both as parse_dname gives them)? */
bool	parse_dname_under(const char *name, const char *zone);

/*
 * An AXFR feed's url, "axfr://address[:port]/zone" (an IPv6 address in
 * brackets; port 53 by default): the primary's address in *SS and *SSLEN and
 * the zone in ZONE (ZLEN bytes). 0, or -1 (EINVAL) and why.
 */
int	parse_axfr_url(const char *url, struct sockaddr_storage *ss,
	    socklen_t *sslen, char *zone, size_t zlen, char *err, size_t errlen);

#endif
