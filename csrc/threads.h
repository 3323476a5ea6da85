/*
 * threads.h - private to the C core: splitting a loop over elements between threads.
 *
 * Every elementwise result depends on its element index only (stochastic rounding draws
 * from a counter keyed by the index), so a split never changes a bit; each worker keeps
 * its own status record, merged afterwards.  The thread count is a process setting
 * (fixpt_set_num_threads); below FX_GRAIN elements per worker, fewer workers run.
 */
#ifndef FIXPT_THREADS_H
#define FIXPT_THREADS_H

#include <stdint.h>

#define FX_MAX_WORKERS 64
#define FX_GRAIN 65536 /* elements a worker must have, so that a thread pays for itself */

/* Work [start, end) of the elements, as worker `worker` (0 is the calling thread). */
typedef void (*fx_range_fn)(void *arg, int worker, int64_t start, int64_t end);

/* How many workers n elements get: 1..min(thread setting, FX_MAX_WORKERS, n / FX_GRAIN). */
int fx_workers_for(int64_t n);

/* Run fn over [0, n) in `workers` contiguous ranges aligned to `align` elements, the first
 * on the calling thread; returns when all are done.  A thread that cannot be started has
 * its range run on the calling thread: never an abort, never a lost range. */
void fx_parallel(int workers, int64_t n, int64_t align, fx_range_fn fn, void *arg);

/* Lower *slot to index when it is unset (< 0) or higher: the first index, whatever thread
 * finds it first. */
static inline void fx_atomic_first(int64_t *slot, int64_t index)
{
    int64_t seen = __atomic_load_n(slot, __ATOMIC_RELAXED);
    while ((seen < 0 || index < seen) &&
           !__atomic_compare_exchange_n(slot, &seen, index, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

#endif
