/* SPDX-License-Identifier: BSD-2-Clause */
/* Grace periods: publish shared state by swapping a pointer, free the old once no reader holds it. */
#ifndef RBLD_GRACE_H
#define RBLD_GRACE_H

/*
 * The one way rbld shares state that changes (the view of a reload, the
 * in-memory index, the store's zone table): a writer builds the new thing
 * completely, swaps one atomic pointer, and hands the old one to
 * grace_retire, which frees it once every reader that could have loaded
 * it has left its read section. Readers never wait and never lock; a
 * writer never waits for readers either (a long API export keeps the old
 * view alive, it does not hold up a reload).
 *
 * Readers load shared pointers only between grace_enter and grace_exit,
 * and keep nothing they loaded past grace_exit. Sections nest. A DNS
 * worker enters once per batch of packets, an API request once.
 */

/* Start a read section (the first in a thread takes a reader slot; the
 * slot goes back when the thread ends). */
void	grace_enter(void);
void	grace_exit(void);

/* Free OBJ with FN(OBJ) once no read section that began before this call
 * is still running; OBJ must be unreachable for new readers already. */
void	grace_retire(void *obj, void (*fn)(void *obj));

/* Free what no reader can hold any more (also done by grace_retire). */
void	grace_reclaim(void);

/* Wait until everything retired so far is freed (at shutdown); never
 * from inside a read section, which would wait for itself. */
void	grace_barrier(void);

#endif
