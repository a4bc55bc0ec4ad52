/* SPDX-License-Identifier: BSD-2-Clause */
/* rbldnsd-format data files read line by line, plain or gzip-compressed. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "rbldnsd_int.h"

/* Lines of a plain or compressed file, read as they are, NUL bytes too. */
struct rbl_reader {
	gzFile	 gz;
	char	*buf;
	size_t	 pos, len;
	bool	 eof;
};

#define RBL_READ_BUF	(64 * 1024)

/*
 * The next line, without its newline, into LINE (its first RBL_LINE_MAX
 * bytes); *N is the whole length and *NL whether a newline ended it.
 * False at the end of the file or on a read error (see gzerror).
 */
static bool
rbl_getline(struct rbl_reader *rd, char *line, size_t *n, bool *nl)
{
	bool any = false;

	*n = 0;
	*nl = false;
	for (;;) {
		size_t chunk, keep, have;
		const char *p;

		if (rd->pos == rd->len) {
			int r;

			if (rd->eof)
				return any;
			if ((r = gzread(rd->gz, rd->buf, RBL_READ_BUF)) <= 0) {
				rd->eof = true;
				/* A read error loses the partial line. */
				return r == 0 && any;
			}
			rd->pos = 0;
			rd->len = (size_t)r;
		}
		any = true;
		p = memchr(rd->buf + rd->pos, '\n', rd->len - rd->pos);
		chunk = (p != NULL ? (size_t)(p - rd->buf) : rd->len) - rd->pos;
		have = *n < RBL_LINE_MAX ? *n : RBL_LINE_MAX;
		keep = RBL_LINE_MAX - have < chunk ? RBL_LINE_MAX - have : chunk;
		memcpy(line + have, rd->buf + rd->pos, keep);
		*n += chunk;
		rd->pos += chunk;
		if (p != NULL) {
			rd->pos++;
			*nl = true;
			return true;
		}
	}
}

int
rbldnsd_parse_file(struct rbl_data *d, const char *path, rbl_errfn *errfn,
    void *arg)
{
	char line[RBL_LINE_MAX + 1];
	struct rbl_reader rd = { .pos = 0, .len = 0, .eof = false };
	unsigned lineno = 0;
	struct stat sb;
	size_t n;
	bool nl;
	int zerr, fd;
	const char *msg;

	if ((rd.buf = malloc(RBL_READ_BUF)) == NULL)
		return -1;
	/*
	 * A regular file only: a FIFO would block the open and /dev/zero
	 * never end. O_NONBLOCK keeps the open of a FIFO from waiting for a
	 * writer; it means nothing to a regular file's reads.
	 */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		free(rd.buf);
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		free(rd.buf);
		errno = EINVAL;
		return -1;
	}
	/* zlib reads plain files through the same calls. */
	if ((rd.gz = gzdopen(fd, "rb")) == NULL) {
		close(fd);
		if (errno == 0)
			errno = ENOMEM;
		free(rd.buf);
		return -1;
	}
	gzbuffer(rd.gz, 128 * 1024);
	while (!d->nomem && rbl_getline(&rd, line, &n, &nl)) {
		lineno++;
		if (!nl) {
			/* A last line without newline counts only if the
			 * whole file was there: not a cut compressed one. */
			gzerror(rd.gz, &zerr);
			if (zerr != Z_OK)
				break;
		}
		if (n > RBL_LINE_MAX) {
			rbl_bad(d, errfn, arg, path, lineno, "line too long");
			continue;
		}
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (memchr(line, '\0', n) != NULL) {
			rbl_bad(d, errfn, arg, path, lineno, "NUL byte in line");
			continue;
		}
		rbldnsd_parse_line(d, line, path, lineno, errfn, arg);
	}
	free(rd.buf);
	msg = gzerror(rd.gz, &zerr);
	if (zerr != Z_OK) {
		rbl_bad(d, errfn, arg, path, lineno + 1,
		    zerr == Z_BUF_ERROR ? "truncated compressed file" : msg);
		gzclose(rd.gz);
		errno = EIO;
		return -1;
	}
	gzclose(rd.gz);
	return rbl_status(d);
}

