/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_bench: HTTP/1.1 load generator for the rbld API's POST /v1/reports.
 *
 *   cc -O2 -Wall -Wextra -Werror -pthread -o build/report_bench \
 *       tests/bench/report_bench.c
 *   report_bench [-h HOST] [-p PORT] [-c CLIENTS] [-d SECONDS] [-t TOKENFILE]
 *                [-n PREFIX] [--type TYPE]
 *
 * CLIENTS threads, each with one keep-alive TCP connection and one request in
 * flight, post {"ip":"A.B.C.D","type":"TYPE","service":"bench"} with random
 * addresses inside PREFIX for 1 s of warm-up (not counted) and then SECONDS.
 * Prints the request count, requests/s, the status histogram, latency
 * percentiles and reconnects. Exit 0 if every response was 202 and no
 * connection failed, 1 otherwise, 2 on bad usage. libc and pthreads only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define WARMUP_NS	1000000000ULL	/* 1 s, not counted */
#define IO_TIMEOUT_S	5		/* SO_RCVTIMEO / SO_SNDTIMEO */
#define RESP_BUF	16384		/* status line and headers must fit */
#define MAX_ERR_SHOWN	10		/* error messages printed, all threads */

static const char *host = "127.0.0.1";
static const char *port = "8080";
static int clients = 8;
static double seconds = 10;
static double rate;		/* requests/s over all clients; 0: flat out */
static const char *tokenfile;
static const char *prefix_arg = "198.18.0.0/15";
static const char *type = "failed-login";

static char *token;		/* NULL: no Authorization header */
static char host_hdr[300];
static char type_json[512];	/* TYPE, escaped for a JSON string */
static uint32_t net_base, net_mask;
static struct addrinfo *addrs;
static uint64_t t_measure, t_end;	/* CLOCK_MONOTONIC, ns */
static atomic_int errs_shown;

struct worker {
	pthread_t	 tid;
	int		 id;
	int		 fd;
	uint64_t	 rng;
	uint64_t	*lat;		/* ns, measured requests only */
	size_t		 nlat, caplat;
	uint64_t	 status[1000];	/* measured window */
	uint64_t	 warm_total, warm_bad;	/* warm-up (and tail) */
	uint64_t	 reconn_close;	/* server said Connection: close */
	uint64_t	 reconn_err;	/* reconnected after an error */
	uint64_t	 errors;	/* connect, I/O or protocol failures */
	bool		 oom;
	size_t		 blen;		/* bytes held in buf */
	char		 buf[RESP_BUF];
	char		 req[2048];
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ULL),
	    (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* splitmix64: a per-thread PRNG, good enough to spread addresses. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
worker_error(struct worker *w, const char *fmt, ...)
{
	char msg[640];
	va_list ap;
	int n;

	w->errors++;
	n = atomic_fetch_add(&errs_shown, 1);
	if (n >= MAX_ERR_SHOWN)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "report_bench: client %d: %s%s\n", w->id, msg,
	    n == MAX_ERR_SHOWN - 1 ? " (further errors not shown)" : "");
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: report_bench [-h HOST] [-p PORT] [-c CLIENTS] [-d SECONDS]\n"
"                    [-t TOKENFILE] [-n PREFIX] [-r RATE] [--type TYPE]\n"
"\n"
"Load the rbld API with POST /v1/reports over keep-alive HTTP/1.1: one TCP\n"
"connection and one request in flight per client, random addresses inside\n"
"PREFIX, a 1 s warm-up that is not counted, then SECONDS of measurement.\n"
"\n"
"  -h HOST       API address or name (default 127.0.0.1)\n"
"  -p PORT       API port (default 8080)\n"
"  -c CLIENTS    client threads, one connection each (default 8)\n"
"  -d SECONDS    measured duration (default 10)\n"
"  -t TOKENFILE  file holding the bearer token (trailing newline stripped);\n"
"                without it no Authorization header is sent\n"
"  -n PREFIX     IPv4 prefix the reported addresses come from\n"
"                (default 198.18.0.0/15, the benchmarking range)\n"
"  -r RATE       requests per second over all clients, evenly paced\n"
"                (default: as fast as the answers come)\n"
"      --type TYPE  report type (default failed-login)\n"
"      --help    show this help\n"
"\n"
"Prints requests, requests/s, the status histogram, latency p50 p90 p99\n"
"p99.9 and max in ms, and reconnects. Exit status: 0 every response was\n"
"202 and no connection failed, 1 otherwise, 2 bad usage.\n");
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("report_bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("report_bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(report_bench --help shows the usage)\n", stderr);
	exit(2);
}

static void
read_token(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 256, n = 0;
	char *s;
	int ch;

	if (f == NULL)
		die("token file %s: %s", path, strerror(errno));
	if ((s = malloc(cap)) == NULL)
		die("out of memory");
	while ((ch = getc(f)) != EOF) {
		if (n + 1 >= cap) {
			if (cap >= 65536)
				die("token file %s: longer than 64 KiB", path);
			cap *= 2;
			if ((s = realloc(s, cap)) == NULL)
				die("out of memory");
		}
		s[n++] = (char)ch;
	}
	if (ferror(f))
		die("token file %s: %s", path, strerror(errno));
	fclose(f);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	s[n] = '\0';
	if (n == 0)
		die("token file %s is empty", path);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			die("token file %s: the token has a space, newline or "
			    "non-ASCII byte at offset %zu", path, i);
	token = s;
}

static void
parse_prefix(const char *arg)
{
	char addr[64], *slash, *end;
	struct in_addr in;
	long len = 32;

	if (strlen(arg) >= sizeof addr)
		bad_usage("bad prefix \"%s\"", arg);
	strcpy(addr, arg);
	if ((slash = strchr(addr, '/')) != NULL) {
		*slash = '\0';
		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || len < 0 || len > 32)
			bad_usage("bad prefix length in \"%s\" (use 0..32)",
			    arg);
	}
	if (inet_pton(AF_INET, addr, &in) != 1)
		bad_usage("bad IPv4 prefix \"%s\" (e.g. 198.18.0.0/15)", arg);
	net_mask = len == 0 ? 0 : 0xffffffffU << (32 - len);
	net_base = ntohl(in.s_addr) & net_mask;
}

static void
escape_type(const char *s)
{
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (o + 8 >= sizeof type_json)
			bad_usage("--type is too long");
		if (c < 0x20)
			o += (size_t)snprintf(type_json + o,
			    sizeof type_json - o, "\\u%04x", c);
		else if (c == '"' || c == '\\') {
			type_json[o++] = '\\';
			type_json[o++] = (char)c;
		} else
			type_json[o++] = (char)c;
	}
	type_json[o] = '\0';
}

static long
num_arg(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		bad_usage("%s wants a whole number from %ld to %ld, not \"%s\"",
		    opt, lo, hi, s);
	return v;
}

static void
resolve(void)
{
	struct addrinfo hints = { 0 };
	int e;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, port, &hints, &addrs)) != 0)
		die("cannot resolve %s port %s: %s", host, port,
		    gai_strerror(e));
	if (strchr(host, ':') != NULL)
		snprintf(host_hdr, sizeof host_hdr, "[%s]:%s", host, port);
	else
		snprintf(host_hdr, sizeof host_hdr, "%s:%s", host, port);
}

/* A connected socket with TCP_NODELAY and I/O timeouts, or -1 with errno. */
static int
dial(char *err, size_t errlen)
{
	struct timeval tv = { IO_TIMEOUT_S, 0 };
	int one = 1, fd = -1, e = 0;

	for (struct addrinfo *ai = addrs; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			e = errno;
			continue;
		}
		/* On Linux SO_SNDTIMEO bounds connect() too. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) ||
		    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one)) {
			e = errno;
			close(fd);
			fd = -1;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return fd;
		e = errno == EINPROGRESS ? ETIMEDOUT : errno;
		close(fd);
		fd = -1;
	}
	snprintf(err, errlen, "connect to %s: %s", host_hdr, strerror(e));
	errno = e;
	return -1;
}

static size_t
build_request(struct worker *w)
{
	char body[700];
	uint32_t ip = net_base | ((uint32_t)rng_next(&w->rng) & ~net_mask);
	int blen, n;

	blen = snprintf(body, sizeof body,
	    "{\"ip\":\"%u.%u.%u.%u\",\"type\":\"%s\",\"service\":\"bench\"}",
	    ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, type_json);
	n = snprintf(w->req, sizeof w->req,
	    "POST /v1/reports HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "%s%s%s"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %d\r\n"
	    "\r\n"
	    "%s",
	    host_hdr, token ? "Authorization: Bearer " : "",
	    token ? token : "", token ? "\r\n" : "", blen, body);
	return (size_t)n;
}

static int
send_all(struct worker *w, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(w->fd, p, n, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			worker_error(w, "send: %s", errno == EAGAIN ||
			    errno == EWOULDBLOCK ? "timed out" : strerror(errno));
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* recv into p; >0 bytes, 0 EOF, -1 error (reported with what). */
static ssize_t
recv_some(struct worker *w, void *p, size_t n, const char *what)
{
	for (;;) {
		ssize_t k = recv(w->fd, p, n, 0);

		if (k >= 0)
			return k;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			worker_error(w, "no %s within %d s", what, IO_TIMEOUT_S);
		else
			worker_error(w, "recv (%s): %s", what, strerror(errno));
		return -1;
	}
}

static bool
has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok);

	/* Comma-separated list, case-insensitive: "keep-alive, close". */
	while (n > 0) {
		while (n > 0 && (*v == ' ' || *v == '\t' || *v == ','))
			v++, n--;
		size_t i = 0;
		while (i < n && v[i] != ',')
			i++;
		size_t j = i;
		while (j > 0 && (v[j - 1] == ' ' || v[j - 1] == '\t'))
			j--;
		if (j == tl && strncasecmp(v, tok, tl) == 0)
			return true;
		v += i;
		n -= i;
	}
	return false;
}

/*
 * Read one whole response. Returns the status code and sets *close_after
 * when the server will close the connection; -1 on any failure (reported).
 */
static int
read_response(struct worker *w, bool *close_after)
{
	for (;;) {	/* loops again only past 1xx interim responses */
		char *hend = NULL;

		while ((hend = memmem(w->buf, w->blen, "\r\n\r\n", 4)) == NULL) {
			if (w->blen == sizeof w->buf) {
				worker_error(w, "response header longer than %d "
				    "bytes", RESP_BUF);
				return -1;
			}
			ssize_t k = recv_some(w, w->buf + w->blen,
			    sizeof w->buf - w->blen, "response");
			if (k < 0)
				return -1;
			if (k == 0) {
				worker_error(w, w->blen == 0 ?
				    "server closed the connection without "
				    "answering" : "server closed the connection "
				    "in the middle of the response header");
				return -1;
			}
			w->blen += (size_t)k;
		}
		size_t hlen = (size_t)(hend - w->buf) + 4;

		/* Status line: HTTP/1.x NNN reason */
		const char *p = w->buf, *eol = memmem(p, hlen, "\r\n", 2);
		if (hlen < 12 || strncmp(p, "HTTP/1.", 7) != 0 ||
		    (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
		    p[9] < '1' || p[9] > '9' || p[10] < '0' || p[10] > '9' ||
		    p[11] < '0' || p[11] > '9' ||
		    (eol != p + 12 && p[12] != ' ')) {
			int l = (int)(eol - p);
			worker_error(w, "bad status line \"%.*s\"",
			    l > 80 ? 80 : l, p);
			return -1;
		}
		int status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
		bool http10 = p[7] == '0', ka = false, cls = false;
		long long clen = -1;

		/* Header fields. */
		for (p = eol + 2; p < w->buf + hlen - 2; p = eol + 2) {
			eol = memmem(p, (size_t)(w->buf + hlen - p), "\r\n", 2);
			const char *colon = memchr(p, ':', (size_t)(eol - p));
			if (colon == NULL) {
				worker_error(w, "header line without a colon: "
				    "\"%.*s\"", (int)(eol - p > 80 ? 80 : eol - p),
				    p);
				return -1;
			}
			size_t nl = (size_t)(colon - p);
			const char *v = colon + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(eol - v);
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (nl == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
				long long x = 0;
				size_t i;
				for (i = 0; i < vl && v[i] >= '0' && v[i] <= '9' &&
				    x < 1000000000000LL; i++)
					x = x * 10 + (v[i] - '0');
				if (vl == 0 || i != vl) {
					worker_error(w, "bad Content-Length "
					    "\"%.*s\"", (int)(vl > 40 ? 40 : vl),
					    v);
					return -1;
				}
				clen = x;
			} else if (nl == 10 &&
			    strncasecmp(p, "Connection", 10) == 0) {
				cls |= has_token(v, vl, "close");
				ka |= has_token(v, vl, "keep-alive");
			} else if (nl == 17 &&
			    strncasecmp(p, "Transfer-Encoding", 17) == 0) {
				worker_error(w, "Transfer-Encoding \"%.*s\" is "
				    "not supported (responses should have a "
				    "Content-Length)", (int)(vl > 40 ? 40 : vl),
				    v);
				return -1;
			}
		}
		if (http10 && !ka)
			cls = true;

		/* Consume the header; what follows is the body. */
		memmove(w->buf, w->buf + hlen, w->blen - hlen);
		w->blen -= hlen;
		if (status < 200) {	/* 100 Continue and the like */
			continue;
		}
		if (status == 204 || status == 304)
			clen = 0;
		if (clen < 0 && !cls) {
			worker_error(w, "%d response without Content-Length on "
			    "a keep-alive connection", status);
			return -1;
		}
		if (clen >= 0 && (size_t)clen <= w->blen) {
			if ((size_t)clen < w->blen) {
				worker_error(w, "%zu unexpected bytes after a "
				    "%d response", w->blen - (size_t)clen,
				    status);
				return -1;
			}
			w->blen = 0;
		} else {
			/* Read the rest of the body, discarding it. */
			unsigned long long left = clen < 0 ? 0 :
			    (unsigned long long)clen - w->blen;
			w->blen = 0;
			while (clen < 0 || left > 0) {
				size_t want = sizeof w->buf;
				if (clen >= 0 && left < want)
					want = (size_t)left;
				ssize_t k = recv_some(w, w->buf, want,
				    "response body");
				if (k < 0)
					return -1;
				if (k == 0) {
					if (clen < 0)
						break;	/* body ends at close */
					worker_error(w, "server closed the "
					    "connection with %llu body bytes "
					    "missing", left);
					return -1;
				}
				left -= (unsigned long long)k;
			}
		}
		*close_after = cls;
		return status;
	}
}

static void
record(struct worker *w, int status, uint64_t t0, uint64_t t1)
{
	if (t1 < t_measure || t1 >= t_end) {
		w->warm_total++;
		if (status != 202)
			w->warm_bad++;
		return;
	}
	w->status[status]++;
	if (w->nlat == w->caplat) {
		size_t cap = w->caplat ? w->caplat * 2 : 65536;
		uint64_t *p = realloc(w->lat, cap * sizeof *p);
		if (p == NULL) {
			w->oom = true;	/* keep counting, stop recording */
			return;
		}
		w->lat = p;
		w->caplat = cap;
	}
	w->lat[w->nlat++] = t1 - t0;
}

static void
hang_up(struct worker *w)
{
	if (w->fd != -1)
		close(w->fd);
	w->fd = -1;
	w->blen = 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	char err[512];

	/* Paced: each client sends on its own schedule, RATE/CLIENTS a
	 * second, starting at its share of the first interval; a late answer
	 * makes it catch up, never send ahead. */
	uint64_t step = rate > 0 ? (uint64_t)(1e9 * clients / rate) : 0;
	uint64_t next = now_ns() + step * (uint64_t)w->id / (uint64_t)clients;

	w->fd = -1;
	while (now_ns() < t_end) {
		if (step > 0) {
			uint64_t t = now_ns();

			if (t < next)
				sleep_ns(next - t);
			next += step;
		}
		if (w->fd == -1 && (w->fd = dial(err, sizeof err)) == -1) {
			worker_error(w, "%s", err);
			sleep_ns(100000000ULL);	/* 100 ms, then retry */
			continue;
		}
		size_t n = build_request(w);
		bool close_after = false;
		uint64_t t0 = now_ns();
		int status;

		if (send_all(w, w->req, n) == -1 ||
		    (status = read_response(w, &close_after)) == -1) {
			hang_up(w);
			w->reconn_err++;
			sleep_ns(10000000ULL);	/* 10 ms: do not hammer */
			continue;
		}
		record(w, status, t0, now_ns());
		if (close_after) {
			hang_up(w);
			w->reconn_close++;
		}
	}
	hang_up(w);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array, in ms. */
static double
pct(const uint64_t *v, size_t n, double p)
{
	size_t r = (size_t)(p / 100.0 * (double)n + 0.999999999);

	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return (double)v[r - 1] / 1e6;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'H' },
		{ "type", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	int o;

	while ((o = getopt_long(argc, argv, "h:p:c:d:t:n:r:", longopts,
	    NULL)) != -1) {
		switch (o) {
		case 'h': host = optarg; break;
		case 'p':
			num_arg("-p", optarg, 1, 65535);
			port = optarg;
			break;
		case 'c': clients = (int)num_arg("-c", optarg, 1, 10000); break;
		case 'd': {
			char *end;
			errno = 0;
			seconds = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(seconds > 0) ||
			    seconds > 86400)
				bad_usage("-d wants seconds, more than 0, not "
				    "\"%s\"", optarg);
			break;
		}
		case 't': tokenfile = optarg; break;
		case 'r': rate = (double)num_arg("-r", optarg, 1, 10000000); break;
		case 'n': prefix_arg = optarg; break;
		case 'T':
			if (*optarg == '\0')
				bad_usage("--type must not be empty");
			type = optarg;
			break;
		case 'H': usage(stdout); return 0;
		default:
			fputs("(report_bench --help shows the usage)\n", stderr);
			return 2;
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument \"%s\"", argv[optind]);
	parse_prefix(prefix_arg);
	escape_type(type);
	if (tokenfile != NULL)
		read_token(tokenfile);
	else
		fprintf(stderr, "report_bench: no -t TOKENFILE: sending no "
		    "Authorization header\n");
	resolve();
	signal(SIGPIPE, SIG_IGN);

	/* Fail fast, with one clear message, if nothing listens. */
	{
		char err[512];
		int fd = dial(err, sizeof err);
		if (fd == -1)
			die("%s", err);
		close(fd);
	}

	struct worker *ws = calloc((size_t)clients, sizeof *ws);
	if (ws == NULL)
		die("out of memory");
	uint64_t seed = now_ns() ^ ((uint64_t)getpid() << 32);
	uint64_t t_start = now_ns();
	t_measure = t_start + WARMUP_NS;
	t_end = t_measure + (uint64_t)(seconds * 1e9);
	for (int i = 0; i < clients; i++) {
		ws[i].id = i;
		ws[i].rng = seed + (uint64_t)i * (uint64_t)0x632be59bd9b4e019ULL;
		int e = pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]);
		if (e != 0)
			die("cannot start client thread %d: %s", i, strerror(e));
	}
	for (int i = 0; i < clients; i++)
		pthread_join(ws[i].tid, NULL);

	/* Merge. */
	uint64_t status[1000] = { 0 }, total = 0, warm = 0, warm_bad = 0;
	uint64_t rc_close = 0, rc_err = 0, errors = 0;
	size_t nlat = 0;
	bool oom = false;
	for (int i = 0; i < clients; i++) {
		for (int s = 0; s < 1000; s++) {
			status[s] += ws[i].status[s];
			total += ws[i].status[s];
		}
		warm += ws[i].warm_total;
		warm_bad += ws[i].warm_bad;
		rc_close += ws[i].reconn_close;
		rc_err += ws[i].reconn_err;
		errors += ws[i].errors;
		nlat += ws[i].nlat;
		oom |= ws[i].oom;
	}
	uint64_t *lat = malloc((nlat ? nlat : 1) * sizeof *lat);
	if (lat == NULL)
		die("out of memory merging %zu latencies", nlat);
	size_t k = 0;
	for (int i = 0; i < clients; i++) {
		memcpy(lat + k, ws[i].lat, ws[i].nlat * sizeof *lat);
		k += ws[i].nlat;
		free(ws[i].lat);
	}
	qsort(lat, nlat, sizeof *lat, cmp_u64);

	printf("target:      http://%s/v1/reports, %d clients, %g s after "
	    "1 s warm-up, type %s, addresses in %s\n", host_hdr, clients,
	    seconds, type, prefix_arg);
	printf("requests:    %llu\n", (unsigned long long)total);
	printf("requests/s:  %.1f\n", (double)total / seconds);
	printf("all responses (incl. warm-up and tail): %llu\n",
	    (unsigned long long)(total + warm));
	printf("status:\n");
	for (int s = 0; s < 1000; s++)
		if (status[s])
			printf("  %d: %llu\n", s, (unsigned long long)status[s]);
	if (total == 0)
		printf("  (no responses)\n");
	if (warm_bad)
		printf("  non-202 during warm-up/tail (not counted above): "
		    "%llu\n", (unsigned long long)warm_bad);
	if (nlat > 0)
		printf("latency ms:  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  "
		    "max %.3f%s\n", pct(lat, nlat, 50), pct(lat, nlat, 90),
		    pct(lat, nlat, 99), pct(lat, nlat, 99.9),
		    (double)lat[nlat - 1] / 1e6,
		    oom ? " (out of memory: some not recorded)" : "");
	else
		printf("latency ms:  (none)\n");
	printf("reconnects:  %llu (%llu after Connection: close, %llu after "
	    "errors)\n", (unsigned long long)(rc_close + rc_err),
	    (unsigned long long)rc_close, (unsigned long long)rc_err);
	printf("errors:      %llu\n", (unsigned long long)errors);
	free(lat);
	free(ws);
	freeaddrinfo(addrs);
	free(token);

	bool bad = errors > 0 || warm_bad > 0 || total == 0 ||
	    total != status[202];
	return bad ? 1 : 0;
}
