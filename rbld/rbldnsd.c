/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldnsd-format data files: parse into entries; expand TXT templates. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rbldnsd_int.h"

#define RBL_NVARS	10

/* Parse state that lives until rbldnsd_finish. */
struct rbl_priv {
	uint32_t	 def_a;		/* current default A, from config or a ":" line */
	uint32_t	 def_txt;	/* current default raw template, or RBL_NO_TXT */
	uint32_t	 maxrange4;	/* largest IPv4 entry allowed, in addresses; 0 = any */
	char		*vars[RBL_NVARS];
	char		*base;		/* "$=" template, or NULL */
	uint32_t	*hash;		/* open-addressing index of txts, 0 = empty, else idx+1 */
	size_t		 hashcap;
};

int
rbl_status(const struct rbl_data *d)
{
	if (d->nomem)
		errno = ENOMEM;
	return d->nomem ? -1 : 0;
}

/* P grown to twice its *CAP elements (FIRST if none); P itself on failure. */
static void *
rbl_grow(struct rbl_data *d, void *p, size_t *cap, size_t first, size_t size)
{
	size_t n = *cap ? *cap * 2 : first;
	void *q = n <= SIZE_MAX / size ? realloc(p, n * size) : NULL;

	if (q != NULL)
		*cap = n;
	else
		d->nomem = true;
	return q != NULL ? q : p;
}

static char *
rbl_strdup(struct rbl_data *d, const char *s)
{
	char *t = strdup(s);

	if (t == NULL)
		d->nomem = true;
	return t;
}

static uint64_t
rbl_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int
rbl_rehash(struct rbl_data *d)
{
	struct rbl_priv *pv = d->priv;
	size_t i;

	free(pv->hash);
	pv->hashcap = pv->hashcap ? pv->hashcap * 2 : 64;
	/* Rebuilt from scratch (after rbldnsd_finish), it may need more. */
	while (pv->hashcap < (d->ntxts + 1) * 2)
		pv->hashcap *= 2;
	if ((pv->hash = calloc(pv->hashcap, sizeof(*pv->hash))) == NULL) {
		pv->hashcap = 0;
		d->nomem = true;
		return -1;
	}
	for (i = 0; i < d->ntxts; i++) {
		size_t h = rbl_hash(d->txts[i]) & (pv->hashcap - 1);

		while (pv->hash[h] != 0)
			h = (h + 1) & (pv->hashcap - 1);
		pv->hash[h] = (uint32_t)i + 1;
	}
	return 0;
}

int
rbldnsd_txt_intern(struct rbl_data *d, const char *txt, uint32_t *id)
{
	struct rbl_priv *pv = d->priv;
	size_t h;

	if (d->nomem || ((pv->hashcap == 0 || (d->ntxts + 1) * 2 >
	    pv->hashcap) && rbl_rehash(d) == -1))
		return rbl_status(d);
	h = rbl_hash(txt) & (pv->hashcap - 1);
	while (pv->hash[h] != 0) {
		if (strcmp(d->txts[pv->hash[h] - 1], txt) == 0) {
			*id = pv->hash[h] - 1;
			return 0;
		}
		h = (h + 1) & (pv->hashcap - 1);
	}
	if (d->ntxts == d->captxts)
		d->txts = rbl_grow(d, d->txts, &d->captxts, 16, sizeof(char *));
	if (d->nomem || (d->txts[d->ntxts] = rbl_strdup(d, txt)) == NULL)
		return rbl_status(d);
	pv->hash[h] = (uint32_t)d->ntxts + 1;
	*id = (uint32_t)d->ntxts++;
	return 0;
}

int
rbldnsd_init(struct rbl_data *d, uint32_t def_a, const char *def_txt)
{
	struct rbl_priv *pv;

	memset(d, 0, sizeof(*d));
	if ((d->priv = pv = calloc(1, sizeof(*pv))) == NULL) {
		d->nomem = true;
		return rbl_status(d);
	}
	pv->def_a = def_a;
	pv->def_txt = RBL_NO_TXT;
	return def_txt != NULL ? rbldnsd_txt_intern(d, def_txt, &pv->def_txt) :
	    0;
}

void
rbldnsd_free(struct rbl_data *d)
{
	struct rbl_priv *pv = d->priv;
	size_t i;

	for (i = 0; i < d->ntxts; i++)
		free(d->txts[i]);
	free(d->txts);
	free(d->ents);
	if (pv != NULL) {
		for (i = 0; i < RBL_NVARS; i++)
			free(pv->vars[i]);
		free(pv->base);
		free(pv->hash);
		free(pv);
	}
	memset(d, 0, sizeof(*d));
}

int64_t
rbldnsd_parse_time(const char *s)
{
	int64_t v = 0, mult = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s++ - '0');
		if (v > 0xffffffffll)
			return -1;
	}
	switch (tolower((unsigned char)*s)) {
	case '\0':
		return v;
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 604800; break;
	default:
		return -1;
	}
	if (s[1] != '\0' || v * mult > 0xffffffffll)
		return -1;
	return v * mult;
}

void
rbl_bad(struct rbl_data *d, rbl_errfn *errfn, void *arg, const char *file,
    unsigned line, const char *msg)
{
	if (d->nomem)
		return;		/* not the line's fault */
	d->nbad++;
	if (errfn != NULL)
		errfn(arg, file, line, msg);
}

char *
rbldnsd_word(char **s)
{
	char *p = *s, *w;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return NULL;
	w = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*s = p;
	return w;
}

static char *
rbl_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * rbldnsd's A value: a single number N is 127.0.0.N; otherwise the dotted
 * form of inet_aton, where the last number fills the remaining octets
 * (":1.2" is 1.0.0.2). Empty and 0.0.0.0 are refused, as rbldnsd does.
 */
static int
rbl_parse_a(const char *s, uint32_t *out)
{
	uint32_t oct[4];
	int n = 0;

	for (;;) {
		uint32_t v = 0;
		int digits = 0;

		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (uint32_t)(*s++ - '0');
			if (++digits > 10 || v > 0xffffffffu / 10)
				return -1;
		}
		if (digits == 0 || n == 4)
			return -1;
		oct[n++] = v;
		if (*s == '\0')
			break;
		if (*s++ != '.')
			return -1;
	}
	switch (n) {
	case 1:
		if (oct[0] == 0 || oct[0] > 255)
			return -1;
		*out = 0x7f000000u | oct[0];
		return 0;
	case 2:
		if (oct[0] > 255 || oct[1] > 0xffffff)
			return -1;
		*out = oct[0] << 24 | oct[1];
		break;
	case 3:
		if (oct[0] > 255 || oct[1] > 255 || oct[2] > 0xffff)
			return -1;
		*out = oct[0] << 24 | oct[1] << 16 | oct[2];
		break;
	default:
		if (oct[0] > 255 || oct[1] > 255 || oct[2] > 255 || oct[3] > 255)
			return -1;
		*out = oct[0] << 24 | oct[1] << 16 | oct[2] << 8 | oct[3];
	}
	return *out == 0 ? -1 : 0;
}

/*
 * rbldnsd keeps the first 255 bytes of a longer TXT (with a warning) and
 * serves the entry; dropping the line would leave the address unlisted.
 */
static void
rbl_cut_txt(char *t)
{
	if (strlen(t) > RBL_TXT_MAX)
		t[RBL_TXT_MAX] = '\0';
}

/*
 * Parse a value ":A:TXT", ":A", ":A:", or plain "TXT" against the current
 * defaults. Returns 0 or -1 with *why set.
 */
static int
rbl_parse_value(struct rbl_data *d, char *v, uint32_t *a, uint32_t *txt,
    const char **why)
{
	struct rbl_priv *pv = d->priv;
	char *colon;

	*a = pv->def_a;
	*txt = pv->def_txt;
	v = rbl_trim(v);
	if (*v == '\0')
		return 0;
	if (*v != ':') {
		rbl_cut_txt(v);
		return rbldnsd_txt_intern(d, v, txt);
	}
	v++;
	colon = strchr(v, ':');
	if (colon != NULL) {
		/* rbldnsd allows blanks before the second ':' (":5 :text"). */
		char *e = colon;

		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
	}
	if (rbl_parse_a(v, a) == -1) {
		*why = "bad A value";
		return -1;
	}
	if (colon != NULL) {
		char *t = colon + 1;

		while (*t == ' ' || *t == '\t')
			t++;
		rbl_cut_txt(t);
		*txt = RBL_NO_TXT;
		if (*t != '\0')
			return rbldnsd_txt_intern(d, t, txt);
	}
	return 0;
}

/* Parse 1..4 dotted octets; returns the count, the value left-aligned. */
static int
rbl_octets(const char *s, const char *end, uint32_t *val)
{
	uint32_t v = 0;
	int n = 0;

	for (;;) {
		uint32_t o = 0;
		int digits = 0;

		while (s < end && isdigit((unsigned char)*s)) {
			o = o * 10 + (uint32_t)(*s++ - '0');
			if (++digits > 3 || o > 255)
				return -1;
		}
		if (digits == 0 || n == 4)
			return -1;
		v |= o << (24 - 8 * n);
		n++;
		if (s == end)
			break;
		if (*s++ != '.' || s == end)
			return -1;
	}
	*val = v;
	return n;
}

struct rbl_add {
	struct rbl_data	*d;
	bool		 excl;
	uint32_t	 a, txt, line;
};

int
rbldnsd_add(struct rbl_data *d, const struct prefix *p, bool excl, uint32_t a,
    uint32_t txt, uint32_t line)
{
	struct rbl_entry *e;

	if (!d->nomem && d->nents == d->capents)
		d->ents = rbl_grow(d, d->ents, &d->capents, 256, sizeof(*e));
	if (d->nomem)
		return rbl_status(d);
	e = &d->ents[d->nents++];
	e->p = *p;
	e->excl = excl;
	e->a = a;
	e->txt = txt;
	e->line = line;
	return 0;
}

void
rbldnsd_default(const struct rbl_data *d, uint32_t *a, uint32_t *txt)
{
	const struct rbl_priv *pv = d->priv;

	*a = pv->def_a;
	*txt = pv->def_txt;
}

static int
rbl_push_cb(void *arg, const struct prefix *p)
{
	struct rbl_add *ad = arg;

	return rbldnsd_add(ad->d, p, ad->excl, ad->a, ad->txt, ad->line);
}

/* The host bits of an IPv4 prefix of LEN bits (a shift by 32 is undefined). */
static uint32_t
host_mask(int len)
{
	return len >= 32 ? 0 : 0xffffffffu >> len;
}

/*
 * An IPv4 entry: "1.2.3.4", "1.2.3" (a /24), "1.2.3.0/24", "127/8",
 * "1.2.3.4-1.2.3.10", "127.16-31", "127.0.0.1-255". Fills LO..HI.
 */
static int
rbl_parse_ip4(const char *s, uint32_t *lo, uint32_t *hi, const char **why)
{
	const char *dash = strchr(s, '-'), *slash = strchr(s, '/');
	const char *end = s + strlen(s);
	uint32_t a, b;
	int na, nb;

	*why = "not an IPv4 address, prefix or range";
	if (dash != NULL && slash != NULL)
		return -1;
	if (slash != NULL) {
		char *e;
		long len;

		if ((na = rbl_octets(s, slash, &a)) < 0)
			return -1;
		if (!isdigit((unsigned char)slash[1]))
			return -1;
		len = strtol(slash + 1, &e, 10);
		if (*e != '\0' || len < 0 || len > 32) {
			*why = "bad prefix length";
			return -1;
		}
		if ((a & host_mask((int)len)) != 0) {
			*why = "host bits set past the prefix length";
			return -1;
		}
		*lo = a;
		*hi = a | host_mask((int)len);
		return 0;
	}
	if (dash == NULL) {
		if ((na = rbl_octets(s, end, &a)) < 0)
			return -1;
		*lo = a;
		*hi = a | host_mask(8 * na);
		return 0;
	}
	if ((na = rbl_octets(s, dash, &a)) < 0 ||
	    (nb = rbl_octets(dash + 1, end, &b)) < 0)
		return -1;
	if (nb == 1 && na > 1) {
		/* "127.16-31": the one octet replaces the last one given. */
		int shift = 24 - 8 * (na - 1);

		b = (a & ~(0xffu << shift)) | (b >> 24) << shift;
		nb = na;
	}
	*lo = a;
	*hi = nb == 4 ? b : b | (0xffffffffu >> (8 * nb));
	if (*lo > *hi) {
		*why = "range ends before it starts";
		return -1;
	}
	return 0;
}

/*
 * An IPv6 entry: "2001:db8::1", "2001:db8::/32", or rbldnsd's short form
 * "2001:db8:1" whose missing words are zero and whose length defaults to
 * 16 bits per word given.
 */
static int
rbl_parse_ip6(const char *s, struct prefix *p, const char **why)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	int deflen = 128;

	*why = "not an IPv6 address or prefix";
	if (alen == 0 || alen >= sizeof(buf) - 4)
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (strstr(buf, "::") == NULL) {
		int words = 1;
		const char *c;

		for (c = buf; *c != '\0'; c++)
			if (*c == ':')
				words++;
		if (words < 8) {
			if (buf[alen - 1] == ':')
				return -1;
			strcat(buf, "::");
			deflen = 16 * words;
		}
	}
	if (ipaddr_parse_addr(buf, p) == -1 || p->family != 6)
		return -1;
	p->len = (uint8_t)deflen;
	if (slash != NULL) {
		char *e;
		long len;

		if (!isdigit((unsigned char)slash[1]))
			return -1;
		len = strtol(slash + 1, &e, 10);
		if (*e != '\0' || len < 0 || len > 128) {
			*why = "bad prefix length";
			return -1;
		}
		p->len = (uint8_t)len;
	}
	{
		struct prefix m = *p;

		ipaddr_mask(&m);
		if (memcmp(m.addr, p->addr, 16) != 0) {
			*why = "host bits set past the prefix length";
			return -1;
		}
	}
	return 0;
}

static void
rbl_special(struct rbl_data *d, char *s, const char *file, unsigned lineno,
    rbl_errfn *errfn, void *arg)
{
	struct rbl_priv *pv = d->priv;
	char *kw = rbldnsd_word(&s), *w;
	int64_t t;

	if (kw == NULL) {
		rbl_bad(d, errfn, arg, file, lineno, "empty special entry");
		return;
	}
	/* The first assignment of a variable wins, as in rbldnsd. */
	if (kw[0] >= '0' && kw[0] <= '9' && kw[1] == '\0') {
		if (pv->vars[kw[0] - '0'] == NULL)
			pv->vars[kw[0] - '0'] = rbl_strdup(d, rbl_trim(s));
	} else if (strcmp(kw, "=") == 0) {
		if (pv->base == NULL)
			pv->base = rbl_strdup(d, rbl_trim(s));
	} else if (strcasecmp(kw, "TTL") == 0) {
		if ((w = rbldnsd_word(&s)) == NULL ||
		    (t = rbldnsd_parse_time(w)) < 0 || rbldnsd_word(&s) != NULL) {
			rbl_bad(d, errfn, arg, file, lineno, "bad $TTL value");
			return;
		}
		d->ttl = (uint32_t)t;
	} else if (strcasecmp(kw, "MAXRANGE4") == 0) {
		uint64_t n;
		char *e;

		if ((w = rbldnsd_word(&s)) == NULL) {
			rbl_bad(d, errfn, arg, file, lineno, "bad $MAXRANGE4 value");
			return;
		}
		if (*w == '/') {
			long len = strtol(w + 1, &e, 10);

			if (*e != '\0' || len < 1 || len > 32 || w[1] == '\0') {
				rbl_bad(d, errfn, arg, file, lineno,
				    "bad $MAXRANGE4 value");
				return;
			}
			n = 1ull << (32 - len);
		} else {
			n = strtoull(w, &e, 10);
			if (*e != '\0' || n == 0 || n > 1ull << 32) {
				rbl_bad(d, errfn, arg, file, lineno,
				    "bad $MAXRANGE4 value");
				return;
			}
		}
		/* It may shrink, never grow (rbldnsd's rule). */
		if (pv->maxrange4 == 0 || n < pv->maxrange4)
			pv->maxrange4 = (uint32_t)(n > 0xffffffffull ? 0 : n);
	} else if (strcasecmp(kw, "SOA") == 0) {
		char *f[8];
		int64_t v[6];
		int i;

		if (d->has_soa)
			return;	/* only the first $SOA counts */
		for (i = 0; i < 8; i++)
			if ((f[i] = rbldnsd_word(&s)) == NULL)
				break;
		if (i != 8 || rbldnsd_word(&s) != NULL) {
			rbl_bad(d, errfn, arg, file, lineno,
			    "$SOA needs: ttl origin person serial refresh retry expire minttl");
			return;
		}
		v[0] = rbldnsd_parse_time(f[0]);
		{
			char *e;
			unsigned long long ser = strtoull(f[3], &e, 10);

			v[1] = (*e != '\0' || ser > 0xffffffffull) ? -1 :
			    (int64_t)ser;
		}
		for (i = 2; i < 6; i++)
			v[i] = rbldnsd_parse_time(f[i + 2]);
		for (i = 0; i < 6; i++)
			if (v[i] < 0)
				break;
		if (i < 6 || strlen(f[1]) >= sizeof(d->soa_mname) ||
		    strlen(f[2]) >= sizeof(d->soa_rname)) {
			rbl_bad(d, errfn, arg, file, lineno, "bad $SOA value");
			return;
		}
		d->has_soa = true;
		d->soa_ttl = (uint32_t)v[0];
		snprintf(d->soa_mname, sizeof(d->soa_mname), "%s", f[1]);
		snprintf(d->soa_rname, sizeof(d->soa_rname), "%s", f[2]);
		d->soa_serial = (uint32_t)v[1];
		d->soa_refresh = (uint32_t)v[2];
		d->soa_retry = (uint32_t)v[3];
		d->soa_expire = (uint32_t)v[4];
		d->soa_minttl = (uint32_t)v[5];
	} else if (strcasecmp(kw, "NS") == 0) {
		if (d->nns > 0)
			return;	/* only the first $NS counts */
		if ((w = rbldnsd_word(&s)) == NULL ||
		    (t = rbldnsd_parse_time(w)) < 0) {
			rbl_bad(d, errfn, arg, file, lineno, "bad $NS value");
			return;
		}
		d->ns_ttl = (uint32_t)t;
		while ((w = rbldnsd_word(&s)) != NULL && d->nns < RBL_MAX_NS) {
			if (*w == '-')
				continue;	/* rbldnsd: "-name" is commented out */
			if (strlen(w) >= sizeof(d->ns[0]))
				continue;
			snprintf(d->ns[d->nns++], sizeof(d->ns[0]), "%s", w);
		}
	} else if (strcasecmp(kw, "TIMESTAMP") == 0 ||
	    strcasecmp(kw, "DATASET") == 0) {
		/* Accepted and ignored: rbld keeps its own times and sources. */
	} else {
		rbl_bad(d, errfn, arg, file, lineno, "unknown special entry");
	}
}

int
rbldnsd_parse_line(struct rbl_data *d, char *line, const char *file,
    unsigned lineno, rbl_errfn *errfn, void *arg)
{
	struct rbl_priv *pv = d->priv;
	const char *why = NULL;
	char *s = line, *tok, *rest, *c, sep;
	bool excl = false, v6;
	uint32_t a, txt;
	char valbuf[RBL_LINE_MAX + 4];

	if (d->nomem)
		return rbl_status(d);
	while (*s == ' ' || *s == '\t')
		s++;
	/* "$x", "#$x", ";$x" and ":$x" are specials, as rbldnsd reads them. */
	if (s[0] == '$') {
		rbl_special(d, s + 1, file, lineno, errfn, arg);
		return rbl_status(d);
	}
	if ((s[0] == '#' || s[0] == ';' || s[0] == ':') && s[1] == '$') {
		rbl_special(d, s + 2, file, lineno, errfn, arg);
		return rbl_status(d);
	}
	s = rbl_trim(s);
	if (*s == '\0' || *s == '#' || *s == ';')
		return rbl_status(d);
	if (*s == ':' && s[1] != ':') {
		/*
		 * New defaults for the entries that follow in this file. A
		 * line starting "::" is an IPv6 entry ("::/96"), as rbldnsd
		 * reads it; a default value never starts with "::".
		 * rbldnsd reads a default line against no TXT, not the
		 * current one: ":7" alone means A 127.0.0.7 and no TXT.
		 */
		uint32_t old_txt = pv->def_txt;

		pv->def_txt = RBL_NO_TXT;
		if (rbl_parse_value(d, s, &a, &txt, &why) == -1) {
			pv->def_txt = old_txt;
			rbl_bad(d, errfn, arg, file, lineno, why);
			return rbl_status(d);
		}
		pv->def_a = a;
		pv->def_txt = txt;
		return rbl_status(d);
	}
	if (*s == '!') {
		excl = true;
		s = rbl_trim(s + 1);
	}
	rest = s;
	sep = s[strcspn(s, " \t")];	/* rbl_word overwrites it */
	tok = rbldnsd_word(&rest);
	if (tok == NULL) {
		rbl_bad(d, errfn, arg, file, lineno, "exclusion without address");
		return rbl_status(d);
	}
	{
		char *colon = strchr(tok, ':');

		/*
		 * A comment may follow the address straight away
		 * ("127/8;loopback"): only what comes before it decides.
		 */
		c = strpbrk(tok, "#;");
		if (c != NULL && colon != NULL && colon > c)
			colon = NULL;
		/*
		 * IPv4 when a '.', '/' or '-' comes before the first ':'
		 * ("1.2.3.4:5", "157/8:192", "10.1-3:4"); IPv6 never has one
		 * there.
		 */
		v6 = colon != NULL && strcspn(tok, "./-") > (size_t)(colon - tok);
		if (v6 || colon == NULL) {
			if (c != NULL)
				*c = '\0', rest = (char *)"";
		} else {
			/*
			 * "1.2.3.4:5:text": the value may follow without a
			 * blank, and there '#' and ';' are text ("1.2.3.4:5:a;b").
			 */
			size_t n = strlen(colon + 1);

			*colon = '\0';
			if (*rest != '\0') {
				/*
				 * Re-join "5:text" and "more text" into one
				 * value, with the blank that was between.
				 */
				snprintf(valbuf, sizeof(valbuf), ":%s%c%s",
				    colon + 1, sep, rest);
			} else
				snprintf(valbuf, sizeof(valbuf), ":%.*s", (int)n, colon + 1);
			rest = valbuf;
		}
	}
	{
		/* Skip a comment before any value: "127/8 ; loopback". */
		char *r = rest;

		while (*r == ' ' || *r == '\t')
			r++;
		if (*r == '#' || *r == ';')
			*r = '\0';
		rest = r;
	}
	if (excl) {
		a = 0;
		txt = RBL_NO_TXT;
	} else if (rbl_parse_value(d, rest, &a, &txt, &why) == -1) {
		rbl_bad(d, errfn, arg, file, lineno, why);
		return rbl_status(d);
	}
	if (v6) {
		struct prefix p;

		if (rbl_parse_ip6(tok, &p, &why) == -1) {
			rbl_bad(d, errfn, arg, file, lineno, why);
			return rbl_status(d);
		}
		/* ::ffff:a.b.c.d/N is the IPv4 entry it maps, and IPv4's
		 * limit holds for it. */
		ipaddr_canonical(&p);
		if (p.family == 4 && pv->maxrange4 != 0 &&
		    (p.len == 0 || (UINT64_C(1) << (32 - p.len)) >
		    pv->maxrange4)) {
			rbl_bad(d, errfn, arg, file, lineno,
			    "range larger than $MAXRANGE4");
			return rbl_status(d);
		}
		rbldnsd_add(d, &p, excl, a, txt, lineno);
	} else {
		struct rbl_add ad = { d, excl, a, txt, lineno };
		uint32_t lo, hi;

		if (rbl_parse_ip4(tok, &lo, &hi, &why) == -1) {
			rbl_bad(d, errfn, arg, file, lineno, why);
			return rbl_status(d);
		}
		if (pv->maxrange4 != 0 && (uint64_t)hi - lo + 1 > pv->maxrange4) {
			rbl_bad(d, errfn, arg, file, lineno,
			    "range larger than $MAXRANGE4");
			return rbl_status(d);
		}
		ipaddr_range4(lo, hi, rbl_push_cb, &ad);
	}
	return rbl_status(d);
}

/* A template being built; longer ones are cut when expanded anyway. */
struct rbl_buf {
	char	b[RBL_TXT_MAX * 4 + 1];
	size_t	n;
};

static void
rbl_puts(struct rbl_buf *o, const char *s, size_t len)
{
	while (len-- > 0 && o->n < sizeof(o->b) - 1)
		o->b[o->n++] = *s++;
}

/* Copy S as literal text: no "$" in it may expand at query time. */
static void
rbl_puts_lit(struct rbl_buf *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '$')
			rbl_puts(o, "$$", 2);
		else
			rbl_puts(o, s, 1);
	}
}

/*
 * rbldnsd's txtsubst, done once at load: in template T, "$$" stays an
 * escaped dollar, "$n" becomes variable n (an undefined one stays the
 * literal "$n") and "$=" becomes SN, the entry's own text, or the address
 * when SN is NULL. rbldnsd inserts variables and SN as they are, without
 * expanding a "$" inside them, so they are escaped here. Any other "$" is
 * the address, filled in at query time.
 */
static void
rbl_subst(struct rbl_priv *pv, const char *t, const char *sn,
    struct rbl_buf *o)
{
	while (*t != '\0') {
		if (t[0] == '$' && t[1] == '$') {
			rbl_puts(o, "$$", 2);
			t += 2;
		} else if (t[0] == '$' && t[1] >= '0' && t[1] <= '9') {
			const char *v = pv->vars[t[1] - '0'];

			if (v != NULL)
				rbl_puts_lit(o, v);
			else {
				rbl_puts(o, "$$", 2);
				rbl_puts(o, t + 1, 1);
			}
			t += 2;
		} else if (t[0] == '$' && t[1] == '=') {
			if (sn != NULL)
				rbl_puts_lit(o, sn);
			else
				rbl_puts(o, "$", 1);
			t += 2;
		} else
			rbl_puts(o, t++, 1);
	}
}

/*
 * Cut a final template to what the store holds (RBL_TXT_MAX bytes, as
 * rbldnsd keeps), never between the two bytes of a "$$".
 */
static void
rbl_cap(char *t)
{
	size_t n = 0;

	while (t[n] != '\0') {
		size_t w = t[n] == '$' && t[n + 1] == '$' ? 2 : 1;

		if (n + w > RBL_TXT_MAX)
			break;
		n += w;
	}
	t[n] = '\0';
}

int
rbldnsd_finish(struct rbl_data *d)
{
	struct rbl_priv *pv = d->priv;
	bool base = !d->nomem && pv->base != NULL && pv->base[0] != '\0';
	size_t i, k, n = d->ntxts;
	uint32_t *map;

	if (d->nomem)
		return rbl_status(d);
	/*
	 * rbldnsd substitutes variables and the base template at query time
	 * from the whole file's values; doing it once here gives the same
	 * text, leaving only the address to fill in per query. With a base
	 * template, "$" is the address and "$=" the entry's own text; an entry
	 * without text still gets the base, with the address for "$=". A text
	 * starting with "=" skips the base and is its own "$=".
	 */
	for (i = 0; i < n; i++) {
		struct rbl_buf o = { .n = 0 };
		const char *t = d->txts[i];

		if (base && t[0] != '=')
			rbl_subst(pv, pv->base, t[0] != '\0' ? t : NULL, &o);
		else {
			const char *self = t[0] == '=' ? t + 1 : t;

			rbl_subst(pv, self, self, &o);
		}
		o.b[o.n] = '\0';
		if (strcmp(o.b, d->txts[i]) != 0) {
			char *nt = rbl_strdup(d, o.b);

			if (nt == NULL)
				return rbl_status(d);
			free(d->txts[i]);
			d->txts[i] = nt;
		}
	}
	free(pv->hash);
	pv->hash = NULL;
	pv->hashcap = 0;
	if (base) {
		struct rbl_buf o = { .n = 0 };
		uint32_t id;

		rbl_subst(pv, pv->base, NULL, &o);
		o.b[o.n] = '\0';
		if (rbldnsd_txt_intern(d, o.b, &id) == -1)
			return -1;
		for (i = 0; i < d->nents; i++)
			if (!d->ents[i].excl && d->ents[i].txt == RBL_NO_TXT)
				d->ents[i].txt = id;
	}

	/*
	 * The store takes texts of 1..RBL_TXT_MAX bytes. A text that came out
	 * empty ("=" alone) gives no TXT record in rbldnsd: drop it, and
	 * renumber the rest.
	 */
	if (d->ntxts == 0)
		return 0;
	if ((map = calloc(d->ntxts, sizeof(*map))) == NULL) {
		d->nomem = true;
		return rbl_status(d);
	}
	for (i = k = 0; i < d->ntxts; i++) {
		rbl_cap(d->txts[i]);
		if (d->txts[i][0] == '\0') {
			free(d->txts[i]);
			map[i] = RBL_NO_TXT;
			continue;
		}
		map[i] = (uint32_t)k;
		d->txts[k++] = d->txts[i];
	}
	d->ntxts = k;
	for (i = 0; i < d->nents; i++)
		if (d->ents[i].txt != RBL_NO_TXT)
			d->ents[i].txt = map[d->ents[i].txt];
	pv->def_txt = pv->def_txt != RBL_NO_TXT ? map[pv->def_txt] :
	    RBL_NO_TXT;
	free(map);
	free(pv->hash);
	pv->hash = NULL;
	pv->hashcap = 0;
	return 0;
}

size_t
rbldnsd_expand(const char *t, size_t tlen, const char *ip,
    char out[RBL_TXT_ANSWER_MAX])
{
	const char *end = t + tlen;
	size_t n = 0;

	while (t < end && n < RBL_TXT_ANSWER_MAX) {
		if (*t != '$') {
			out[n++] = *t++;
			continue;
		}
		if (t + 1 < end && t[1] == '$') {
			out[n++] = '$';
			t += 2;
			continue;
		}
		for (const char *p = ip; *p != '\0' && n < RBL_TXT_ANSWER_MAX; p++)
			out[n++] = *p;
		t++;
	}
	return n;
}
