/* threads.c - the thread setting and fx_parallel (see threads.h). */
#include <pthread.h>

#include "fixpt.h"
#include "threads.h"

static int fx_num_threads = 1; /* set from Python at import (FIXPT_NUM_THREADS, the CPUs) */

void fixpt_set_num_threads(int32_t n)
{
    __atomic_store_n(&fx_num_threads, n < 1 ? 1 : n > FX_MAX_WORKERS ? FX_MAX_WORKERS : n, __ATOMIC_RELAXED);
}

int32_t fixpt_get_num_threads(void)
{
    return __atomic_load_n(&fx_num_threads, __ATOMIC_RELAXED);
}

int fx_workers_for(int64_t n)
{
    int64_t by_size = n / FX_GRAIN;
    int64_t workers = fixpt_get_num_threads();
    if (by_size < workers)
        workers = by_size;
    return workers < 1 ? 1 : (int)workers;
}

typedef struct {
    fx_range_fn fn;
    void *arg;
    int worker;
    int64_t start, end;
} fx_range;

static void *fx_range_main(void *p)
{
    const fx_range *r = p;
    r->fn(r->arg, r->worker, r->start, r->end);
    return NULL;
}

void fx_parallel(int workers, int64_t n, int64_t align, fx_range_fn fn, void *arg)
{
    if (workers < 1)
        workers = 1;
    if (workers > FX_MAX_WORKERS)
        workers = FX_MAX_WORKERS;
    fx_range ranges[FX_MAX_WORKERS];
    pthread_t threads[FX_MAX_WORKERS];
    int started[FX_MAX_WORKERS] = {0};
    int64_t per = (n + workers - 1) / workers;
    per = (per + align - 1) / align * align;
    for (int w = 0; w < workers; w++) {
        int64_t start = per * w < n ? per * w : n;
        int64_t end = start + per < n ? start + per : n;
        ranges[w] = (fx_range){fn, arg, w, start, end};
    }
    for (int w = 1; w < workers; w++)
        if (ranges[w].start < ranges[w].end)
            started[w] = pthread_create(&threads[w], NULL, fx_range_main, &ranges[w]) == 0;
    fn(arg, 0, ranges[0].start, ranges[0].end);
    for (int w = 1; w < workers; w++) {
        if (started[w])
            pthread_join(threads[w], NULL);
        else if (ranges[w].start < ranges[w].end)
            fn(arg, w, ranges[w].start, ranges[w].end);
    }
}
