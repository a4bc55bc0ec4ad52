/* SPDX-License-Identifier: BSD-2-Clause */
/* Monotonic time in milliseconds, for timeouts and durations. */
#ifndef RBLD_CLOCK_H
#define RBLD_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif
