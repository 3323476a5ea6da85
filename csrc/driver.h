/*
 * driver.h - private to the C core: status records and the one block driver that every
 * elementwise kernel (float -> fixed, fixed -> fixed arithmetic, float -> float format)
 * runs through.
 *
 * A kernel supplies two functions: `fast`, a vectorised loop over a block that handles
 * the block, marks the elements it cannot handle (to be redone one by one), or gives up
 * on the whole block; and `exact`, the integer engine for one element.  The driver tries
 * the fast loop on each block, runs the exact engine on what the fast loop left, finds
 * the overflowing elements of a fast block when a mask or a first index is wanted, and
 * stores the block.  Both functions implement the same rules, so a result
 * never depends on the path (the tests compare them: fixpt_set_exact_only).
 */
#ifndef FIXPT_DRIVER_H
#define FIXPT_DRIVER_H

#include "arrays.h"
#include "threads.h"

#define FX_BLOCK 1024

/* Start a status record: no events, no first indices. */
static inline void fx_reset_status(fixpt_status *st)
{
    memset(st, 0, sizeof *st);
    st->first_nan = -1;
    st->first_overflow = -1;
}

/* Record one element's overflow (+1 / -1 / 0) and inexactness; mask may be NULL. */
static inline void fx_note(fixpt_status *st, uint8_t *mask, int overflow, int inexact, int64_t index)
{
    st->n_inexact += inexact;
    if (mask)
        mask[index] = overflow != 0;
    if (overflow) {
        if (overflow > 0)
            st->n_overflow_pos++;
        else
            st->n_overflow_neg++;
        if (st->first_overflow < 0)
            st->first_overflow = index;
    }
}

/* What a fast block saw. */
typedef struct {
    int64_t inexact, pos, neg, underflow; /* underflow: tiny and inexact (float formats) */
} fx_counts;

/* The fast loop's answer for a block, and its mark of an element left to the exact engine
 * (a fast loop may keep its own notes in the other bits of hard[i]). */
#define FX_BLOCK_EXACT (-1) /* redo the whole block with the exact engine */
#define FX_HARD 0x80

typedef struct {
    /* Elements [start, start + n) into v[0..n), counting events (of the elements it
     * handled) and, when mask is not NULL, writing their mask entries (mask[0..n), zeroed
     * beforehand).  Returns FX_BLOCK_EXACT, or the number of elements it marked FX_HARD in
     * hard[0..n) for the exact engine (their v, counts and mask entries are ignored).
     * NULL: no fast path. */
    int64_t (*fast)(const void *ctx, int64_t start, int64_t n, int64_t *restrict v, fx_counts *counts,
                    int64_t *restrict hard, uint8_t *mask);
    /* One element through the exact engine: its raw bits, its events noted in st (and mask). */
    uint64_t (*exact)(const void *ctx, int64_t i, fixpt_status *st, uint8_t *mask);
    const void *ctx;
    /* Optional: rewrite a finished block's raw bits v[0..n) in place before it is stored
     * (round_to_format turns encodings into float64 values here, while they are in cache). */
    void (*finish)(const void *ctx, int64_t *restrict v, int64_t n);
    /* Optional, tried before `fast`: a fast loop that handles every element of a block and
     * stores it itself into the output (`bytes` per element, `stride` apart), so results
     * narrower than 64 bits need no int64 buffer; counts and returns 0 like `fast`, or
     * FX_BLOCK_EXACT to leave the block to `fast` and `exact`. */
    int64_t (*fast_store)(const void *ctx, int64_t start, int64_t n, void *out, int64_t stride, int bytes,
                          fx_counts *counts);
} fx_kernel;

/* Add a fast block's counts to st; when some element overflowed and a mask or a new first
 * index is wanted, find them with the exact engine (rare; it agrees with the fast loop). */
static inline void fx_account_block(const fx_kernel *k, const fx_counts *counts, int64_t start, int64_t len,
                                    fixpt_status *st, uint8_t *mask)
{
    st->n_inexact += counts->inexact;
    st->n_overflow_pos += counts->pos;
    st->n_overflow_neg += counts->neg;
    st->n_underflow += counts->underflow;
    if ((counts->pos | counts->neg) && (mask || st->first_overflow < 0 || st->first_overflow >= start)) {
        fixpt_status scratch;
        fx_reset_status(&scratch);
        for (int64_t i = start; i < start + len && (mask || scratch.first_overflow < 0); i++)
            k->exact(k->ctx, i, &scratch, mask);
        if (scratch.first_overflow >= 0 && (st->first_overflow < 0 || scratch.first_overflow < st->first_overflow))
            st->first_overflow = scratch.first_overflow;
    }
}

/* Run a kernel over elements [begin, end) into an output of `bytes` bytes per element,
 * `stride` apart. */
static inline void fx_run_range(const fx_kernel *k, int64_t begin, int64_t end, void *out, int64_t stride,
                                int bytes, fixpt_status *st, uint8_t *mask)
{
    int64_t buffer[FX_BLOCK];
    int64_t hard[FX_BLOCK];
    const int try_fast = k->fast != NULL && !fx_exact_only();
    /* a contiguous 8-byte output is written in place; any other goes through the buffer */
    const int direct = bytes == 8 && stride == 8;
    for (int64_t start = begin; start < end; start += FX_BLOCK) {
        int64_t len = end - start < FX_BLOCK ? end - start : FX_BLOCK;
        int64_t *v = direct ? (int64_t *)out + start : buffer;
        fx_counts counts = {0, 0, 0, 0};
        int64_t n_hard = FX_BLOCK_EXACT;
        if (try_fast && mask)
            memset(mask + start, 0, (size_t)len);
        if (try_fast && k->fast_store && k->fast_store(k->ctx, start, len, out, stride, bytes, &counts) == 0) {
            fx_account_block(k, &counts, start, len, st, mask);
            continue;
        }
        if (try_fast)
            n_hard = k->fast(k->ctx, start, len, v, &counts, hard, mask ? mask + start : NULL);
        if (n_hard > 0) {
            /* the fast loop left a few elements: the exact engine does those (found in chunks
             * of 16 marks at once, up to the last one) */
            int64_t left = n_hard;
            for (int64_t c0 = 0; c0 < len && left > 0; c0 += 16) {
                const int64_t c1 = len - c0 < 16 ? len : c0 + 16;
                int64_t any = 0;
                for (int64_t i = c0; i < c1; i++)
                    any |= hard[i];
                if (!(any & FX_HARD))
                    continue;
                for (int64_t i = c0; i < c1; i++)
                    if (hard[i] & FX_HARD) {
                        v[i] = (int64_t)k->exact(k->ctx, start + i, st, mask);
                        left--;
                    }
            }
        }
        if (n_hard >= 0) {
            fx_account_block(k, &counts, start, len, st, mask);
        } else {
            for (int64_t i = 0; i < len; i++)
                v[i] = (int64_t)k->exact(k->ctx, start + i, st, mask);
        }
        if (k->finish)
            k->finish(k->ctx, v, len);
        if (!direct)
            fx_store_block(v, out, stride, start, len, bytes);
    }
}

/* The earlier of two first indices (-1: none). */
static inline int64_t fx_first_of(int64_t a, int64_t b)
{
    return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* Add a worker's record to the total. */
static inline void fx_merge_status(fixpt_status *total, const fixpt_status *part)
{
    total->n_nan += part->n_nan;
    total->n_inf += part->n_inf;
    total->n_overflow_pos += part->n_overflow_pos;
    total->n_overflow_neg += part->n_overflow_neg;
    total->n_inexact += part->n_inexact;
    total->n_divide_by_zero += part->n_divide_by_zero;
    total->n_underflow += part->n_underflow;
    total->n_invalid += part->n_invalid;
    total->first_nan = fx_first_of(total->first_nan, part->first_nan);
    total->first_overflow = fx_first_of(total->first_overflow, part->first_overflow);
}

typedef struct {
    const fx_kernel *k;
    void *out;
    int64_t stride;
    int bytes;
    uint8_t *mask;
    fixpt_status st[FX_MAX_WORKERS];
} fx_job;

static void fx_run_worker(void *arg, int worker, int64_t start, int64_t end)
{
    fx_job *job = arg;
    fx_run_range(job->k, start, end, job->out, job->stride, job->bytes, &job->st[worker], job->mask);
}

/* Run a kernel over n elements, on as many threads as the setting and the size allow; the
 * events add to st (the results never depend on the split). */
static inline void fx_run(const fx_kernel *k, int64_t n, void *out, int64_t stride, int bytes,
                          fixpt_status *st, uint8_t *mask)
{
    int workers = fx_workers_for(n);
    if (workers <= 1) {
        fx_run_range(k, 0, n, out, stride, bytes, st, mask);
        return;
    }
    fx_job job = {k, out, stride, bytes, mask, {{0}}};
    for (int w = 0; w < workers; w++)
        fx_reset_status(&job.st[w]);
    fx_parallel(workers, n, FX_BLOCK, fx_run_worker, &job);
    for (int w = 0; w < workers; w++)
        fx_merge_status(st, &job.st[w]);
}

#endif
