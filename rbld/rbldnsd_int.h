/* SPDX-License-Identifier: BSD-2-Clause */
/* What the files of the rbldnsd module share, and no one else. */
#ifndef RBLD_RBLDNSD_INT_H
#define RBLD_RBLDNSD_INT_H

#include "rbldnsd.h"

/* 0, or -1 with errno ENOMEM once memory has run out: D stays incomplete
 * for good. */
int	rbl_status(const struct rbl_data *d);

/* Line LINE of FILE is bad: counted in D, and MSG to ERRFN (may be NULL). */
void	rbl_bad(struct rbl_data *d, rbl_errfn *errfn, void *arg,
	    const char *file, unsigned line, const char *msg);

#endif
