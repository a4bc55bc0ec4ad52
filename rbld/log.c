/* SPDX-License-Identifier: BSD-2-Clause */
/* One log line per event, with a level, on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static const char *log_prog = "rbld";
static enum log_level log_min = LOG_LVL_INFO;

void
log_init(const char *progname, enum log_level min)
{
	log_prog = progname;
	log_min = min;
}

static void
log_vline(enum log_level lvl, const char *fmt, va_list ap, int err)
{
	static const char *names[] = { "debug", "info", "warning", "error" };
	char msg[1024], stamp[32];
	struct timespec ts;
	struct tm tm;

	if (lvl < log_min)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One fprintf call, so lines from threads do not interleave. */
	if (err != 0)
		fprintf(stderr, "%s %s[%s]: %s: %s\n", stamp, log_prog,
		    names[lvl], msg, strerror(err));
	else
		fprintf(stderr, "%s %s[%s]: %s\n", stamp, log_prog,
		    names[lvl], msg);
}

#define LOG_FN(name, lvl, witherr)				\
void								\
name(const char *fmt, ...)					\
{								\
	int saved = errno;					\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_vline(lvl, fmt, ap, witherr ? saved : 0);		\
	va_end(ap);						\
	errno = saved;						\
}

LOG_FN(log_debug, LOG_LVL_DEBUG, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_err, LOG_LVL_ERR, 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LVL_ERR, fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LVL_ERR, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
