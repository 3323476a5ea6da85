/*
 * fixpt.h - the public interface of the fixpt C core.
 *
 * Every kernel works on whole contiguous arrays, never allocates, never prints
 * and never aborts: it returns a status code (FIXPT_OK or one of the
 * FIXPT_E* codes) and fills a fixpt_status record with what happened
 * (overflows, NaN, inf, inexact results).  The Python binding turns both into
 * exceptions or report objects.
 *
 * The part between CDEF BEGIN and CDEF END is read verbatim by the cffi build
 * script (csrc/build_ffi.py), so it holds plain C declarations only.
 */
#ifndef FIXPT_H
#define FIXPT_H

#include <stdint.h>

/* CDEF BEGIN */

/* Status codes returned by every kernel. */
typedef enum {
    FIXPT_OK = 0,
    FIXPT_E_WORD_LENGTH = 1,   /* word length outside 1..64 */
    FIXPT_E_ROUND_MODE = 2,    /* unknown rounding mode */
    FIXPT_E_OVERFLOW_MODE = 3, /* unknown overflow mode */
    FIXPT_E_CONTAINER = 4,     /* container bytes not 1, 2, 4 or 8, or too small */
    FIXPT_E_SHIFT = 5,         /* scale exponent outside -100000..100000 */
    FIXPT_E_LENGTH = 6         /* negative element count */
} fixpt_error;

/* Rounding modes.  "up"/"down" mean toward +inf/-inf. */
typedef enum {
    FIXPT_NEAREST_EVEN = 0,    /* ties to even (IEEE default, MATLAB Convergent) */
    FIXPT_NEAREST_AWAY = 1,    /* ties away from zero (MATLAB Round) */
    FIXPT_NEAREST_ZERO = 2,    /* ties toward zero */
    FIXPT_NEAREST_UP = 3,      /* ties toward +inf (MATLAB Nearest, AP_RND) */
    FIXPT_NEAREST_DOWN = 4,    /* ties toward -inf */
    FIXPT_FLOOR = 5,           /* toward -inf (two's complement truncation) */
    FIXPT_CEIL = 6,            /* toward +inf */
    FIXPT_TOWARD_ZERO = 7,     /* truncate the magnitude */
    FIXPT_AWAY_FROM_ZERO = 8,  /* round the magnitude up */
    FIXPT_ODD = 9,             /* inexact results take the odd neighbour (jamming) */
    FIXPT_STOCHASTIC = 10,     /* up with probability = distance from the lower neighbour */
    FIXPT_STOCHASTIC_EQUAL = 11, /* inexact: each neighbour with probability 1/2 */
    FIXPT_N_ROUND_MODES = 12
} fixpt_round_mode;

/* Overflow modes. */
typedef enum {
    FIXPT_SATURATE = 0,           /* clamp to [raw_min, raw_max] */
    FIXPT_SATURATE_SYMMETRIC = 1, /* clamp to [-raw_max, raw_max] (signed) */
    FIXPT_SATURATE_ZERO = 2,      /* out-of-range values become 0 */
    FIXPT_WRAP = 3,               /* keep the low WL bits (two's complement) */
    FIXPT_RAISE = 4,              /* like saturate; the caller raises on any overflow */
    FIXPT_N_OVERFLOW_MODES = 5
} fixpt_overflow_mode;

/* What a kernel saw.  first_* are flat indices, -1 when there was none. */
typedef struct {
    int64_t n_nan;
    int64_t n_inf;
    int64_t n_overflow_pos;   /* results above the upper bound (includes +inf) */
    int64_t n_overflow_neg;   /* results below the lower bound (includes -inf) */
    int64_t n_inexact;        /* results that needed rounding */
    int64_t first_nan;
    int64_t first_overflow;
} fixpt_status;

/*
 * A cast: result = overflow(round(value * 2^shift)) stored in WL bits.
 * For float -> Q(IL, FL) the shift is FL; for Q(.., FLa) -> Q(.., FLb) raw
 * integers it is FLb - FLa.  Results are written as WL-bit two's complement
 * (or unsigned) integers into containers of out_bytes bytes.
 * Stochastic modes draw the random word of element i from
 * (seed, stream, index_offset + i) with a counter-based generator.
 */
typedef struct {
    int32_t word_length;
    int32_t is_signed;
    int32_t shift;
    int32_t round_mode;
    int32_t overflow_mode;
    int32_t out_bytes;
    uint64_t seed;
    uint64_t stream;
    uint64_t index_offset;
} fixpt_cast;

int fixpt_cast_f64(const double *in, void *out, int64_t n,
                   const fixpt_cast *cast, fixpt_status *status);
int fixpt_cast_i64(const int64_t *in, void *out, int64_t n,
                   const fixpt_cast *cast, fixpt_status *status);
int fixpt_cast_u64(const uint64_t *in, void *out, int64_t n,
                   const fixpt_cast *cast, fixpt_status *status);

/* The 64-bit random word used for element `index` (for tests and docs). */
uint64_t fixpt_random_word(uint64_t seed, uint64_t stream, uint64_t index);

/* CDEF END */

#endif
