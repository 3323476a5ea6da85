/*
 * floatfmt.h - private to the C core: a binary float format as the kernels see it, and
 * the one routine that rounds an exact value into it (through engine.h) with the IEEE
 * 754 exception flags.  float.c (conversions, encodings) and floatops.c (arithmetic)
 * share it.
 *
 * A value x with exponent ex (2^ex <= |x| < 2^(ex+1)) is an integer count of its quantum
 * 2^q, q = max(ex, emin) - M, so rounding into the format is rounding x * 2^-q to an
 * integer.
 */
#ifndef FIXPT_FLOATFMT_H
#define FIXPT_FLOATFMT_H

#include <math.h>

#include "driver.h"

/* Everything derived from a fixpt_float_format, plus the per-call policies. */
typedef struct {
    int M, E, kind, overflow, subnormals, is_signed, has_zero;
    int tininess_before, saturate_inf; /* from fixpt_rounding */
    int64_t bias, emin;                /* emin: exponent of the smallest normal binade */
    uint64_t sign_bit, man_mask, exp_ones; /* exp_ones: all-ones exponent field value */
    uint64_t inf_mag, nan_bits;            /* nan_bits: the canonical positive NaN */
    uint64_t max_mag;                      /* encoding of the largest finite value */
    uint64_t min_normal_mag;               /* encoding of the smallest normal value */
} ff_t;

static inline int ff_has_nan(const ff_t *f)
{
    return f->kind != FIXPT_SPECIAL_NONE;
}

static int ff_init(const fixpt_float_format *f, ff_t *o)
{
    memset(o, 0, sizeof *o);
    if (f->exp_bits < 2 || f->exp_bits > 11 || f->man_bits < 0 || f->man_bits > 52)
        return FIXPT_E_FLOAT_FORMAT;
    if (f->special < FIXPT_SPECIAL_IEEE || f->special > FIXPT_SPECIAL_NONE ||
        f->overflow < FIXPT_FLOAT_OVERFLOW_INF || f->overflow > FIXPT_FLOAT_OVERFLOW_NAN)
        return FIXPT_E_FLOAT_FORMAT;
    if (f->special == FIXPT_SPECIAL_IEEE && f->man_bits == 0)
        return FIXPT_E_FLOAT_FORMAT; /* no room for a NaN */
    if (f->special != FIXPT_SPECIAL_IEEE && f->overflow == FIXPT_FLOAT_OVERFLOW_INF)
        return FIXPT_E_FLOAT_FORMAT; /* no inf to overflow to */
    if (f->special == FIXPT_SPECIAL_NONE && f->overflow != FIXPT_FLOAT_OVERFLOW_SATURATE)
        return FIXPT_E_FLOAT_FORMAT; /* no NaN either: overflow can only saturate */
    if (f->special == FIXPT_SPECIAL_FNUZ && !f->is_signed)
        return FIXPT_E_FLOAT_FORMAT; /* the NaN is the pattern of -0 */
    if (!f->has_zero && f->subnormals)
        return FIXPT_E_FLOAT_FORMAT;
    o->M = f->man_bits;
    o->E = f->exp_bits;
    o->kind = f->special;
    o->overflow = f->overflow;
    o->subnormals = f->subnormals != 0;
    o->is_signed = f->is_signed != 0;
    o->has_zero = f->has_zero != 0;
    o->bias = f->bias;
    o->emin = (o->has_zero ? 1 : 0) - (int64_t)f->bias;
    o->sign_bit = o->is_signed ? 1ULL << (o->E + o->M) : 0;
    o->man_mask = (1ULL << o->M) - 1;
    o->exp_ones = (1ULL << o->E) - 1;
    o->inf_mag = o->exp_ones << o->M;
    o->min_normal_mag = o->has_zero ? 1ULL << o->M : 0;
    switch (o->kind) {
    case FIXPT_SPECIAL_IEEE:
        o->nan_bits = o->inf_mag | (1ULL << (o->M - 1)); /* quiet NaN */
        o->max_mag = o->inf_mag - 1;
        break;
    case FIXPT_SPECIAL_FN:
        o->nan_bits = o->inf_mag | o->man_mask;
        o->max_mag = o->nan_bits - 1;
        break;
    case FIXPT_SPECIAL_FNUZ:
        o->nan_bits = o->sign_bit;
        o->max_mag = o->inf_mag | o->man_mask;
        break;
    default: /* no NaN: nan_bits is never a result (the caller sees the invalid flag) */
        o->nan_bits = 0;
        o->max_mag = o->inf_mag | o->man_mask;
        break;
    }
    /* every value must be a float64 */
    int64_t top = (int64_t)(o->max_mag >> o->M) - o->bias;
    if (o->emin - o->M < -1074 || top > 1023)
        return FIXPT_E_FLOAT_FORMAT;
    if (o->max_mag < o->min_normal_mag || (o->has_zero && o->max_mag >> o->M == 0))
        return FIXPT_E_FLOAT_FORMAT; /* no normal finite value at all */
    return FIXPT_OK;
}

/* The format and the per-call policies of a fixpt_rounding. */
static inline int ff_init_rounding(const fixpt_float_format *fmt, const fixpt_rounding *r, ff_t *f)
{
    int err = ff_init(fmt, f);
    if (err)
        return err;
    if (r->mode < 0 || r->mode >= FIXPT_N_ROUND_MODES)
        return FIXPT_E_ROUND_MODE;
    f->tininess_before = r->tininess_before != 0;
    f->saturate_inf = r->saturate_inf != 0;
    return FIXPT_OK;
}

static inline int ff_is_nan(const ff_t *f, uint64_t b)
{
    uint64_t mag = b & ~f->sign_bit;
    switch (f->kind) {
    case FIXPT_SPECIAL_IEEE: return mag > f->inf_mag;
    case FIXPT_SPECIAL_FN: return mag == f->nan_bits;
    case FIXPT_SPECIAL_FNUZ: return b == f->sign_bit;
    default: return 0;
    }
}

static inline int ff_is_inf(const ff_t *f, uint64_t b)
{
    return f->kind == FIXPT_SPECIAL_IEEE && (b & ~f->sign_bit) == f->inf_mag;
}

/* The sign bit of a result of sign neg (none in formats without one). */
static inline uint64_t ff_sign(const ff_t *f, int neg)
{
    return neg ? f->sign_bit : 0;
}

/* A NaN that no operand supplied: the canonical quiet NaN, with the invalid flag. */
static inline uint64_t ff_invalid(const ff_t *f, int *flags)
{
    *flags |= FIXPT_FLAG_INVALID;
    return f->nan_bits;
}

/* An exact zero of sign neg (fnuz has no -0; a format without zero has no value for it). */
static inline uint64_t ff_zero(const ff_t *f, int neg, int *flags)
{
    if (!f->has_zero)
        return ff_invalid(f, flags);
    return (neg && f->kind != FIXPT_SPECIAL_FNUZ) ? f->sign_bit : 0;
}

/* Does this mode send an overflowing value of this sign toward zero (to max)? */
static inline int ff_overflow_to_max(int mode, int neg)
{
    return mode == FIXPT_TOWARD_ZERO || mode == FIXPT_ODD || (mode == FIXPT_FLOOR && !neg) ||
           (mode == FIXPT_CEIL && neg);
}

/* The result of a finite value beyond max. */
static inline uint64_t ff_overflowed(const ff_t *f, int neg, int mode)
{
    uint64_t sign = ff_sign(f, neg);
    if (ff_overflow_to_max(mode, neg) || f->overflow == FIXPT_FLOAT_OVERFLOW_SATURATE)
        return sign | f->max_mag;
    if (f->overflow == FIXPT_FLOAT_OVERFLOW_INF)
        return sign | f->inf_mag;
    return f->kind == FIXPT_SPECIAL_FNUZ ? f->nan_bits : (sign | f->nan_bits);
}

/* A NaN operand (top 52 payload bits `payload`, bit 51 the quiet bit): its quiet form with
 * its sign and the top payload bits that fit; a signaling NaN is an invalid operation. */
static inline uint64_t ff_nan_of(const ff_t *f, int neg, uint64_t payload, int *flags)
{
    if (!(payload >> 51) || !ff_has_nan(f))
        *flags |= FIXPT_FLAG_INVALID;
    uint64_t sign = ff_sign(f, neg);
    if (f->kind == FIXPT_SPECIAL_IEEE)
        return sign | f->nan_bits | (payload >> (52 - f->M));
    return f->kind == FIXPT_SPECIAL_FNUZ ? f->nan_bits : (sign | f->nan_bits);
}

/* An exact infinity of sign neg: inf, or what a format without inf makes of it. */
static inline uint64_t ff_infinity(const ff_t *f, int neg, int *flags)
{
    if (neg && !f->is_signed)
        return ff_invalid(f, flags);
    uint64_t sign = ff_sign(f, neg);
    if (f->kind == FIXPT_SPECIAL_IEEE && !f->saturate_inf)
        return sign | f->inf_mag;
    if (f->overflow == FIXPT_FLOAT_OVERFLOW_SATURATE || f->saturate_inf)
        return sign | f->max_mag;
    return f->kind == FIXPT_SPECIAL_FNUZ ? f->nan_bits : (sign | f->nan_bits);
}

static inline int64_t ff_bit_length(fx_u128 m)
{
    uint64_t hi = (uint64_t)(m >> 64), lo = (uint64_t)m;
    return hi ? 128 - __builtin_clzll(hi) : (lo ? 64 - __builtin_clzll(lo) : 0);
}

/*
 * Round the exact value (-1)^neg * m * 2^e (m < 2^128, |e| <= 2^30) into the format once;
 * returns the encoding and ORs the IEEE flags into *flags.  Underflow is tininess (after
 * rounding to the format's precision with an unbounded exponent, or before rounding when
 * f->tininess_before) together with inexactness, as in IEEE 754's default handling.
 */
static uint64_t ff_round(const ff_t *f, int neg, fx_u128 m, int64_t e, int mode, uint64_t rnd,
                         int *flags)
{
    if (m == 0)
        return ff_zero(f, neg, flags);
    if (neg && !f->is_signed)
        return ff_invalid(f, flags);
    int64_t ex = ff_bit_length(m) - 1 + e; /* 2^ex <= |x| < 2^(ex+1) */
    /* the quantum 2^q of the values of this binade (of the subnormals, or below the
     * smallest normal without subnormals) */
    int64_t q = ex >= f->emin ? ex - f->M : (f->subnormals ? f->emin - f->M : f->emin);
    int big, inexact;
    uint64_t N = fx_round_scaled(neg, m, e - q, mode, rnd, &big, &inexact); /* N <= 2^(M+1) */
    if (inexact) {
        *flags |= FIXPT_FLAG_INEXACT;
        int tiny = ex < f->emin;
        if (tiny && !f->tininess_before && ex == f->emin - 1) {
            /* tiny after rounding unless the precision-p rounding reaches 2^emin */
            int big2, inexact2;
            uint64_t wide = fx_round_scaled(neg, m, e - (ex - f->M), mode, rnd, &big2, &inexact2);
            tiny = wide < (2ULL << f->M);
        }
        if (tiny)
            *flags |= FIXPT_FLAG_UNDERFLOW;
    }
    if (N == 0) /* below half the smallest value; a format without zero has only that */
        return f->has_zero ? ff_zero(f, neg, flags) : ff_sign(f, neg) | f->min_normal_mag;
    int64_t L = 63 - __builtin_clzll(N);
    int64_t ev = q + L; /* exponent of the rounded value */
    uint64_t mag;
    if (ev < f->emin) {
        mag = N; /* subnormal: exponent field 0 */
    } else {
        uint64_t man = L >= f->M ? N >> (L - f->M) : N << (f->M - L);
        int64_t field = ev + f->bias;
        mag = field > (int64_t)f->exp_ones + 1 ? ~0ULL >> 1 : ((uint64_t)field << f->M) | (man & f->man_mask);
    }
    if (mag > f->max_mag) {
        *flags |= FIXPT_FLAG_OVERFLOW | FIXPT_FLAG_INEXACT;
        return ff_overflowed(f, neg, mode);
    }
    return ff_sign(f, neg) | mag;
}

/* The value (float64, exact) of an encoding. */
static inline double ff_decode(const ff_t *f, uint64_t b)
{
    int neg = (b & f->sign_bit) != 0;
    uint64_t mag = b & ~f->sign_bit;
    if (ff_is_nan(f, b)) {
        /* float64 NaN with the same sign and payload (top-aligned) */
        uint64_t payload = f->kind == FIXPT_SPECIAL_IEEE ? (mag & f->man_mask) << (52 - f->M)
                                                          : (1ULL << 51);
        return fx_double_of(((uint64_t)neg << 63) | 0x7ff0000000000000ULL | payload);
    }
    if (ff_is_inf(f, b))
        return neg ? -INFINITY : INFINITY;
    uint64_t field = mag >> f->M, man = mag & f->man_mask;
    double v;
    if (field == 0 && f->has_zero)
        v = ldexp((double)man, (int)(f->emin - f->M));
    else
        v = ldexp((double)(man | (1ULL << f->M)), (int)((int64_t)field - f->bias - f->M));
    return neg ? -v : v;
}

/* Account one element's flags in a status record (and its flags byte). */
static inline void ff_note(fixpt_status *st, uint8_t *flags_out, int64_t i, int flags, int neg)
{
    st->n_inexact += (flags & FIXPT_FLAG_INEXACT) != 0;
    st->n_underflow += (flags & FIXPT_FLAG_UNDERFLOW) != 0;
    st->n_invalid += (flags & FIXPT_FLAG_INVALID) != 0;
    st->n_divide_by_zero += (flags & FIXPT_FLAG_DIVIDE_BY_ZERO) != 0;
    if (flags & FIXPT_FLAG_OVERFLOW) {
        if (neg)
            st->n_overflow_neg++;
        else
            st->n_overflow_pos++;
        if (st->first_overflow < 0)
            st->first_overflow = i;
    }
    if (flags_out)
        flags_out[i] = (uint8_t)flags;
}

/* The flags of the elements a fast loop handled (their inexact bit, kept in hard[] beside
 * FX_HARD), into the caller's flags array when there is one. */
static inline void ff_fast_flags(const int64_t *restrict hard, uint8_t *restrict mask, int64_t n)
{
    if (mask)
        for (int64_t i = 0; i < n; i++)
            mask[i] = (uint8_t)(hard[i] & FIXPT_FLAG_INEXACT);
}

/* A float64 split into its class and exact parts. */
enum { FF_ZERO, FF_FINITE, FF_INF, FF_NAN };

typedef struct {
    int cls, neg;
    uint64_t m;      /* finite: the integer significand; NaN: the 52-bit payload */
    int64_t e;       /* finite: the value is m * 2^e */
} ff_parts;

static inline ff_parts ff_split(double x)
{
    uint64_t b = fx_bits_of(x);
    ff_parts p;
    p.neg = (int)(b >> 63);
    int biased = (int)((b >> 52) & 0x7ff);
    p.m = b & ((1ULL << 52) - 1);
    p.e = 0;
    if (biased == 0x7ff) {
        p.cls = p.m ? FF_NAN : FF_INF;
        return p;
    }
    if (biased == 0 && p.m == 0) {
        p.cls = FF_ZERO;
        return p;
    }
    p.cls = FF_FINITE;
    if (biased)
        p.m |= 1ULL << 52;
    p.e = biased ? biased - 1075 : -1074;
    return p;
}

/* One float64 into the format (its flags ORed into *flags). */
static inline uint64_t ff_round_double(const ff_t *f, double x, int mode, uint64_t rnd, int *flags)
{
    ff_parts p = ff_split(x);
    switch (p.cls) {
    case FF_NAN: return ff_nan_of(f, p.neg, p.m, flags);
    case FF_INF: return ff_infinity(f, p.neg, flags);
    default: return ff_round(f, p.neg, p.m, p.e, mode, rnd, flags);
    }
}

#endif
