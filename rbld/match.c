/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <string.h>

#include "match.h"

/* A decimal 0 to 255 at *P, which moves past it: the value, or -1. */
static int
octet(const char **p)
{
	const char *s = *p;
	int v = 0, n = 0;

	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s++ - '0');
		if (++n > 3 || v > 255)
			return -1;
	}
	if (n == 0)
		return -1;
	*p = s;
	return v;
}

static void
set_range(uint64_t bits[4], int lo, int hi)
{
	for (int v = lo; v <= hi; v++)
		bits[v >> 6] |= UINT64_C(1) << (v & 63);
}

/* One octet's element at *P: a number, or "[" items "]". */
static int
element(const char **p, uint64_t bits[4], char *why, size_t whylen,
    int which)
{
	const char *s = *p;
	int lo, hi;

	if (*s != '[') {
		if ((lo = octet(&s)) < 0) {
			snprintf(why, whylen, "octet %d is not a number from 0 "
			    "to 255 or a [list]", which);
			return -1;
		}
		set_range(bits, lo, lo);
		*p = s;
		return 0;
	}
	s++;
	for (;;) {
		if ((lo = octet(&s)) < 0) {
			snprintf(why, whylen, "octet %d: a list holds numbers "
			    "from 0 to 255 and ranges such as 2..11", which);
			return -1;
		}
		hi = lo;
		if (s[0] == '.' && s[1] == '.') {
			s += 2;
			if ((hi = octet(&s)) < 0 || hi < lo) {
				snprintf(why, whylen, "octet %d: a range goes "
				    "from a number to one not smaller, up to "
				    "255", which);
				return -1;
			}
		}
		set_range(bits, lo, hi);
		if (*s == ';') {
			s++;
			continue;
		}
		if (*s == ']')
			break;
		snprintf(why, whylen, "octet %d: a list's items are separated "
		    "by \";\" and it ends with \"]\"", which);
		return -1;
	}
	*p = s + 1;
	return 0;
}

int
match_parse(const char *s, struct match *m, char *why, size_t whylen)
{
	const char *p = s;

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < 4; i++) {
		if (element(&p, m->bits[i], why, whylen, i + 1) != 0)
			return -1;
		if (i < 3 && *p++ != '.') {
			snprintf(why, whylen, "four octets separated by \".\" "
			    "(e.g. 127.0.0.[2..11])");
			return -1;
		}
	}
	if (*p != '\0') {
		snprintf(why, whylen, "text after the fourth octet");
		return -1;
	}
	return 0;
}
