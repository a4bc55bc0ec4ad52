/* SPDX-License-Identifier: BSD-2-Clause */
/* The DNS wire format: names to and from text, and across a message. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "wire.h"

#define WIRE_HOPS_MAX	128	/* labels and pointers followed in one name */

int
wire_name_from_text(const char *name, uint8_t *out, size_t outlen)
{
	size_t n = 0;
	const char *s = name;

	if (*name == '\0' || (name[0] == '.' && name[1] == '\0')) {
		if (outlen < 1)
			goto bad;
		out[0] = 0;
		return 1;
	}
	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t l = dot != NULL ? (size_t)(dot - s) : strlen(s);

		if (l == 0 || l > WIRE_LABEL_MAX || n + l + 2 > outlen ||
		    n + l + 2 > WIRE_NAME_MAX)
			goto bad;
		out[n++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			out[n++] = (uint8_t)tolower((unsigned char)s[i]);
		s += l;
		if (*s == '.')
			s++;
	}
	out[n++] = 0;
	return (int)n;
bad:
	errno = EINVAL;
	return -1;
}

int
wire_name_to_text(const uint8_t *w, size_t wlen, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	if (outlen < 2)
		goto bad;
	while (i < wlen && w[i] != 0) {
		size_t l = w[i++];

		if (l > WIRE_LABEL_MAX || i + l >= wlen)
			goto bad;
		for (; l > 0; l--, i++) {
			unsigned char c = w[i];

			if (isalnum(c) || c == '-' || c == '_') {
				if (o + 1 >= outlen)
					goto bad;
				out[o++] = (char)c;
			} else {
				if (o + 4 >= outlen)
					goto bad;
				o += (size_t)snprintf(out + o, outlen - o,
				    "\\%03u", c);
			}
		}
		if (o + 1 >= outlen)
			goto bad;
		out[o++] = '.';
	}
	if (i >= wlen)
		goto bad;	/* no root label */
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

long
wire_name_skip(const uint8_t *m, size_t len, size_t off)
{
	for (int hops = 0; hops < WIRE_HOPS_MAX; hops++) {
		if (off >= len)
			return -1;
		if ((m[off] & WIRE_LABEL_PTR) == WIRE_LABEL_PTR)
			return off + 2 <= len ? (long)(off + 2) : -1;
		if (m[off] > WIRE_LABEL_MAX)
			return -1;	/* 0x40 and 0x80: extended label types */
		if (m[off] == 0)
			return (long)(off + 1);
		off += 1u + m[off];
	}
	return -1;
}

bool
wire_name_equal(const uint8_t *m, size_t len, size_t *off, const uint8_t *w,
    size_t wlen)
{
	size_t start = *off;
	long end = wire_name_skip(m, len, start);

	if (end < 0)
		return false;
	*off = (size_t)end;
	/* A pointer ends a name early, so the lengths differ unless the
	 * bytes match, and W holds no pointer. */
	if ((size_t)end - start != wlen)
		return false;
	for (size_t i = 0; i < wlen; i++)
		if (tolower(m[start + i]) != tolower(w[i]))
			return false;
	return true;
}
