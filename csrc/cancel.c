/*
 * cancel.c - catastrophic-cancellation diagnostics: the result of an addition
 * or subtraction and the number of leading bits it lost, in one fused pass.
 */
#include "driver.h"

/* floor(log2 |x|) of a finite nonzero double from its bits; a subnormal is scaled
 * by 2^64 first (exact), which keeps the loop free of bit scans and vectorisable. */
static inline int64_t exponent_of(double x)
{
    int64_t biased = (int64_t)((fx_bits_of(x) >> 52) & 0x7ff);
    int64_t scaled = (int64_t)((fx_bits_of(x * 0x1p64) >> 52) & 0x7ff);
    return biased ? biased - 1023 : scaled - 1023 - 64;
}

typedef struct {
    const double *a, *b;
    double *result;
    int16_t *lost;
    uint8_t *cls;
    double sign;
    int16_t total_lost;
    int64_t zeros[FX_MAX_WORKERS], skipped[FX_MAX_WORKERS];
} cancel_job;

FIXPT_MULTIVERSION
static void cancel_range(void *arg, int worker, int64_t begin, int64_t end)
{
    cancel_job *job = arg;
    const double *restrict a = job->a, *restrict b = job->b;
    double *restrict result = job->result;
    int16_t *restrict lost = job->lost;
    uint8_t *restrict cls = job->cls;
    const double sign = job->sign;
    const int64_t total_lost = job->total_lost;
    int64_t zeros = 0, skipped = 0;
    for (int64_t i = begin; i < end; i++) {
        double x = a[i], y = b[i], r = x + sign * y;
        uint64_t bx = fx_bits_of(x), by = fx_bits_of(y), br = fx_bits_of(r);
        uint64_t ax = bx & ~(1ULL << 63), ay = by & ~(1ULL << 63), ar = br & ~(1ULL << 63);
        const uint64_t INF = 0x7ff0000000000000ULL;
        int64_t usable = (ax != 0) & (ay != 0) & (ax < INF) & (ay < INF) & (ar < INF);
        int64_t exact_zero = usable & (ar == 0);
        int64_t ex = exponent_of(x), ey = exponent_of(y), er = exponent_of(r);
        int64_t top = ex > ey ? ex : ey;
        result[i] = r;
        /* branch-free (it vectorises): top - er when usable and nonzero, total_lost for an
         * exact zero (which implies usable), else 0 */
        int64_t nonzero = usable & (exact_zero ^ 1);
        lost[i] = (int16_t)(((top - er) & -nonzero) | (total_lost & -exact_zero));
        cls[i] = (uint8_t)(usable ? exact_zero : FIXPT_CANCEL_NOT_APPLICABLE);
        zeros += exact_zero;
        skipped += usable ^ 1;
    }
    job->zeros[worker] += zeros;
    job->skipped[worker] += skipped;
}

int fixpt_cancellation(const double *a, const double *b, int64_t n, int32_t op, double *result,
                       int16_t *lost, uint8_t *cls, int16_t total_lost, int64_t *n_exact_zero,
                       int64_t *n_not_applicable)
{
    if (op != 1 && op != 2)
        return FIXPT_E_OPERATION;
    if (n < 0)
        return FIXPT_E_LENGTH;
    cancel_job job = {a, b, result, lost, cls, op == 1 ? 1.0 : -1.0, total_lost, {0}, {0}};
    fx_parallel(fx_workers_for(n), n, FX_BLOCK, cancel_range, &job);
    *n_exact_zero = *n_not_applicable = 0;
    for (int w = 0; w < FX_MAX_WORKERS; w++) {
        *n_exact_zero += job.zeros[w];
        *n_not_applicable += job.skipped[w];
    }
    return FIXPT_OK;
}
