/* threads.c - the thread setting and fx_parallel (see threads.h).
 *
 * fx_parallel hands its ranges to a pool of worker threads that wait on a condition variable
 * between calls (starting a thread per call cost about 100 us on a VM, more than a kernel
 * spends on 10^5 elements).  One call uses the pool at a time; a call that finds it busy (a
 * kernel running on another Python thread) starts threads of its own, as does any call when a
 * pool thread cannot be started.  After fork() the child starts a new pool. */
#include <pthread.h>
#include <stdint.h>

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

/* ---- the pool ---- */

#define FX_SPIN 4000 /* pause instructions (about 50-200 us) a thread polls before it sleeps */

static pthread_mutex_t pool_owner = PTHREAD_MUTEX_INITIALIZER; /* held by the call using the pool */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards the fields below */
static pthread_cond_t pool_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
static int pool_threads;           /* pool threads started: workers 1..pool_threads */
static uint64_t pool_generation;   /* one more per call handed to the pool (atomic stores) */
static uint64_t pool_pending;      /* ranges of the current call still running (atomic stores) */
static fx_range pool_ranges[FX_MAX_WORKERS];
static int pool_active;            /* workers of the current call (1..FX_MAX_WORKERS) */
static uint64_t pool_born[FX_MAX_WORKERS]; /* the generation each pool thread started after */

/* Wait briefly, without sleeping, for *word to differ from `from` (back-to-back calls then
 * skip a sleep and a wake-up, which cost tens of microseconds on a VM). */
static void spin_while_equal(const uint64_t *word, uint64_t from)
{
    for (int i = 0; i < FX_SPIN && __atomic_load_n(word, __ATOMIC_ACQUIRE) == from; i++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}

static void *pool_main(void *p)
{
    const int worker = (int)(intptr_t)p;
    pthread_mutex_lock(&pool_lock);
    uint64_t seen = pool_born[worker]; /* a call may have been handed out before this runs */
    for (;;) {
        if (pool_generation == seen) {
            pthread_mutex_unlock(&pool_lock);
            spin_while_equal(&pool_generation, seen);
            pthread_mutex_lock(&pool_lock);
        }
        while (pool_generation == seen)
            pthread_cond_wait(&pool_work, &pool_lock);
        seen = pool_generation;
        if (worker >= pool_active)
            continue;
        fx_range r = pool_ranges[worker];
        pthread_mutex_unlock(&pool_lock);
        if (r.start < r.end)
            r.fn(r.arg, r.worker, r.start, r.end);
        pthread_mutex_lock(&pool_lock);
        if (__atomic_sub_fetch(&pool_pending, 1, __ATOMIC_RELEASE) == 0)
            pthread_cond_signal(&pool_done);
    }
    return NULL;
}

/* In a forked child the pool's threads do not exist and its locks may be held: start over. */
static void pool_after_fork(void)
{
    pthread_mutex_init(&pool_owner, NULL);
    pthread_mutex_init(&pool_lock, NULL);
    pthread_cond_init(&pool_work, NULL);
    pthread_cond_init(&pool_done, NULL);
    pool_threads = 0;
    pool_pending = 0;
}

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_register_fork(void)
{
    pthread_atfork(NULL, NULL, pool_after_fork);
}

/* Start pool threads up to worker count `workers`; returns how many workers the pool has
 * (threads + the caller). */
static int pool_grow(int workers)
{
    while (pool_threads + 1 < workers) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pool_born[pool_threads + 1] = pool_generation;
        int ok = pthread_create(&t, &attr, pool_main, (void *)(intptr_t)(pool_threads + 1)) == 0;
        pthread_attr_destroy(&attr);
        if (!ok)
            break;
        pool_threads++;
    }
    return pool_threads + 1;
}

/* The ranges on threads started for this call alone (the pool is busy or short of threads). */
static void run_on_new_threads(int workers, const fx_range *ranges)
{
    pthread_t threads[FX_MAX_WORKERS];
    int started[FX_MAX_WORKERS] = {0};
    for (int w = 1; w < workers; w++)
        if (ranges[w].start < ranges[w].end)
            started[w] = pthread_create(&threads[w], NULL, fx_range_main, (void *)&ranges[w]) == 0;
    ranges[0].fn(ranges[0].arg, 0, ranges[0].start, ranges[0].end);
    for (int w = 1; w < workers; w++) {
        if (started[w])
            pthread_join(threads[w], NULL);
        else if (ranges[w].start < ranges[w].end)
            ranges[w].fn(ranges[w].arg, w, ranges[w].start, ranges[w].end);
    }
}

void fx_parallel(int workers, int64_t n, int64_t align, fx_range_fn fn, void *arg)
{
    if (workers < 1)
        workers = 1;
    if (workers > FX_MAX_WORKERS)
        workers = FX_MAX_WORKERS;
    fx_range ranges[FX_MAX_WORKERS];
    int64_t per = (n + workers - 1) / workers;
    per = (per + align - 1) / align * align;
    for (int w = 0; w < workers; w++) {
        int64_t start = per * w < n ? per * w : n;
        int64_t end = start + per < n ? start + per : n;
        ranges[w] = (fx_range){fn, arg, w, start, end};
    }
    if (workers == 1) {
        fn(arg, 0, ranges[0].start, ranges[0].end);
        return;
    }
    pthread_once(&pool_once, pool_register_fork);
    if (pthread_mutex_trylock(&pool_owner) != 0) {
        run_on_new_threads(workers, ranges);
        return;
    }
    pthread_mutex_lock(&pool_lock);
    if (pool_grow(workers) < workers) {
        pthread_mutex_unlock(&pool_lock);
        pthread_mutex_unlock(&pool_owner);
        run_on_new_threads(workers, ranges);
        return;
    }
    for (int w = 1; w < workers; w++)
        pool_ranges[w] = ranges[w];
    pool_active = workers;
    __atomic_store_n(&pool_pending, (uint64_t)(workers - 1), __ATOMIC_RELAXED);
    __atomic_add_fetch(&pool_generation, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&pool_work);
    pthread_mutex_unlock(&pool_lock);
    fn(arg, 0, ranges[0].start, ranges[0].end);
    spin_while_equal(&pool_pending, (uint64_t)(workers - 1)); /* (workers finish about together) */
    pthread_mutex_lock(&pool_lock);
    while (pool_pending > 0)
        pthread_cond_wait(&pool_done, &pool_lock);
    pthread_mutex_unlock(&pool_lock);
    pthread_mutex_unlock(&pool_owner);
}
