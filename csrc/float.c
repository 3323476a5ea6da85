/*
 * float.c - binary floating-point formats of any (exponent, trailing
 * significand) size: exact rounding of float64 into a format with every
 * rounding mode, decoding, decomposition into fields, and next values.
 *
 * Rounding uses the same engine as fixed point (engine.h): a value x with
 * exponent ex is an integer count of its quantum 2^q, q = max(ex, emin) - M,
 * so rounding into the format is rounding x * 2^-q to an integer.
 */
#include <math.h>
#include <string.h>

#include "engine.h"

#define BLOCK 1024

/* Everything derived from a fixpt_float_format. */
typedef struct {
    int M, E, kind, overflow, subnormals;
    int64_t bias, emin;
    uint64_t sign_bit, man_mask, exp_ones; /* exp_ones: all-ones exponent field value */
    uint64_t inf_mag, nan_bits;            /* nan_bits: the canonical positive NaN */
    uint64_t max_mag;                      /* encoding of the largest finite value */
    uint64_t min_normal_mag;
} ff_t;

static int ff_init(const fixpt_float_format *f, ff_t *o)
{
    if (f->exp_bits < 2 || f->exp_bits > 11 || f->man_bits < 0 || f->man_bits > 52)
        return FIXPT_E_FLOAT_FORMAT;
    if (f->special < FIXPT_SPECIAL_IEEE || f->special > FIXPT_SPECIAL_FNUZ ||
        f->overflow < FIXPT_FLOAT_OVERFLOW_INF || f->overflow > FIXPT_FLOAT_OVERFLOW_NAN)
        return FIXPT_E_FLOAT_FORMAT;
    if (f->special == FIXPT_SPECIAL_IEEE && f->man_bits == 0)
        return FIXPT_E_FLOAT_FORMAT; /* no room for a NaN */
    if (f->special != FIXPT_SPECIAL_IEEE && f->overflow == FIXPT_FLOAT_OVERFLOW_INF)
        return FIXPT_E_FLOAT_FORMAT; /* no inf to overflow to */
    o->M = f->man_bits;
    o->E = f->exp_bits;
    o->kind = f->special;
    o->overflow = f->overflow;
    o->subnormals = f->subnormals != 0;
    o->bias = f->bias;
    o->emin = 1 - (int64_t)f->bias;
    o->sign_bit = 1ULL << (o->E + o->M);
    o->man_mask = (1ULL << o->M) - 1;
    o->exp_ones = (1ULL << o->E) - 1;
    o->inf_mag = o->exp_ones << o->M;
    o->min_normal_mag = 1ULL << o->M;
    switch (o->kind) {
    case FIXPT_SPECIAL_IEEE:
        o->nan_bits = o->inf_mag | (1ULL << (o->M - 1)); /* quiet NaN */
        o->max_mag = o->inf_mag - 1;
        break;
    case FIXPT_SPECIAL_FN:
        o->nan_bits = o->inf_mag | o->man_mask;
        o->max_mag = o->nan_bits - 1;
        break;
    default:
        o->nan_bits = o->sign_bit;
        o->max_mag = o->inf_mag | o->man_mask;
        break;
    }
    /* every value must be a float64 */
    int64_t top = (int64_t)(o->max_mag >> o->M) - o->bias;
    if (o->emin - o->M < -1074 || top > 1023)
        return FIXPT_E_FLOAT_FORMAT;
    if (o->max_mag < o->min_normal_mag)
        return FIXPT_E_FLOAT_FORMAT; /* no normal finite value at all */
    return FIXPT_OK;
}

/* Shared start of the per-encoding kernels: derive the format, check the count. */
static int ff_begin(const fixpt_float_format *fmt, int64_t n, ff_t *f)
{
    int err = ff_init(fmt, f);
    return err ? err : (n < 0 ? FIXPT_E_LENGTH : FIXPT_OK);
}

static inline int ff_is_nan(const ff_t *f, uint64_t b)
{
    uint64_t mag = b & ~f->sign_bit;
    switch (f->kind) {
    case FIXPT_SPECIAL_IEEE: return mag > f->inf_mag;
    case FIXPT_SPECIAL_FN: return mag == f->nan_bits;
    default: return b == f->sign_bit;
    }
}

/* A signed zero (fnuz has no -0). */
static inline uint64_t ff_zero(const ff_t *f, int neg)
{
    return (neg && f->kind != FIXPT_SPECIAL_FNUZ) ? f->sign_bit : 0;
}

/* Does this mode send an overflowing value of this sign toward zero (to max)? */
static inline int ff_overflow_to_max(int mode, int neg)
{
    return mode == FIXPT_TOWARD_ZERO || mode == FIXPT_ODD || (mode == FIXPT_FLOOR && !neg) ||
           (mode == FIXPT_CEIL && neg);
}

static inline uint64_t ff_overflowed(const ff_t *f, int neg, int mode)
{
    uint64_t sign = neg ? f->sign_bit : 0;
    if (ff_overflow_to_max(mode, neg) || f->overflow == FIXPT_FLOAT_OVERFLOW_SATURATE)
        return sign | f->max_mag;
    if (f->overflow == FIXPT_FLOAT_OVERFLOW_INF)
        return sign | f->inf_mag;
    return f->kind == FIXPT_SPECIAL_FNUZ ? f->nan_bits : (sign | f->nan_bits);
}

/* A NaN input (top 52 payload bits `payload`): keep the sign and the top payload bits, quiet it. */
static uint64_t ff_nan_of(const ff_t *f, int neg, uint64_t payload, fixpt_status *st, int64_t index)
{
    st->n_nan++;
    if (st->first_nan < 0)
        st->first_nan = index;
    uint64_t sign = neg ? f->sign_bit : 0;
    if (f->kind == FIXPT_SPECIAL_IEEE)
        return sign | f->nan_bits | (payload >> (52 - f->M));
    return f->kind == FIXPT_SPECIAL_FNUZ ? f->nan_bits : (sign | f->nan_bits);
}

static uint64_t ff_inf_of(const ff_t *f, int neg, fixpt_status *st)
{
    uint64_t sign = neg ? f->sign_bit : 0;
    st->n_inf++;
    if (f->kind == FIXPT_SPECIAL_IEEE)
        return sign | f->inf_mag;
    if (f->overflow == FIXPT_FLOAT_OVERFLOW_SATURATE)
        return sign | f->max_mag;
    return f->kind == FIXPT_SPECIAL_FNUZ ? f->nan_bits : (sign | f->nan_bits);
}

static inline int64_t bit_length128(fx_u128 m)
{
    uint64_t hi = (uint64_t)(m >> 64), lo = (uint64_t)m;
    return hi ? 128 - __builtin_clzll(hi) : (lo ? 64 - __builtin_clzll(lo) : 0);
}

/* The exact finite value (-1)^neg * m * 2^e (|e| <= 2^30) through the engine. */
static uint64_t ff_round_finite(const ff_t *f, int neg, fx_u128 m, int64_t e, int mode, uint64_t rnd,
                                fixpt_status *st, int64_t index)
{
    if (m == 0)
        return ff_zero(f, neg);
    int64_t ex = bit_length128(m) - 1 + e; /* 2^ex <= |x| < 2^(ex+1) */
    /* the quantum 2^q of the values of this binade (of the subnormals, or below the
     * smallest normal without subnormals) */
    int64_t q = ex >= f->emin ? ex - f->M : (f->subnormals ? f->emin - f->M : f->emin);
    int big, inexact;
    uint64_t N = fx_round_scaled(neg, m, e - q, mode, rnd, &big, &inexact); /* N <= 2^(M+1) */
    st->n_inexact += inexact;
    if (N == 0)
        return ff_zero(f, neg);
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
        if (neg)
            st->n_overflow_neg++;
        else
            st->n_overflow_pos++;
        if (st->first_overflow < 0)
            st->first_overflow = index;
        return ff_overflowed(f, neg, mode);
    }
    return (neg ? f->sign_bit : 0) | mag;
}

/* One float64 through the exact engine. */
static uint64_t ff_round_exact(const ff_t *f, double x, int mode, uint64_t rnd,
                               fixpt_status *st, int64_t index)
{
    uint64_t b = fx_bits_of(x);
    int neg = (int)(b >> 63);
    int biased = (int)((b >> 52) & 0x7ff);
    uint64_t m = b & ((1ULL << 52) - 1);
    if (biased == 0x7ff)
        return m ? ff_nan_of(f, neg, m, st, index) : ff_inf_of(f, neg, st);
    if (biased)
        m |= 1ULL << 52;
    return ff_round_finite(f, neg, m, biased ? biased - 1075 : -1074, mode, rnd, st, index);
}

/*
 * Fast loop for the common case: x a normal float64 or zero, the result
 * finite with 1..63 dropped bits.  Anything else is counted in `hard` and the
 * block is redone by ff_round_exact.  MODE is a constant in each copy.
 */
#define FLOAT_FAST_LOOP(MODE)                                                          \
    for (int64_t i = 0; i < n; i++) {                                                  \
        uint64_t b = fx_bits_of(x[i]);                                                 \
        uint64_t neg = b >> 63;                                                        \
        uint64_t a = b & ~(1ULL << 63);                                                \
        int64_t ex = (int64_t)(a >> 52) - 1023;                                        \
        uint64_t zero = a == 0;                                                        \
        uint64_t normal = (a >= (1ULL << 52)) & (a < 0x7ff0000000000000ULL);           \
        uint64_t m = (a & ((1ULL << 52) - 1)) | (1ULL << 52);                          \
        int64_t below = emin - ex;                                                     \
        int64_t sh = 52 - M + (below > 0 ? below : 0);                                 \
        uint64_t in_range = sh <= 63;                                                  \
        uint64_t k = in_range ? (uint64_t)sh : 63;                                     \
        uint64_t N = fx_round_shift(neg, m, k, MODE, fx_mix64(z));                     \
        uint64_t is_normal_range = ex >= emin;                                         \
        uint64_t mag = is_normal_range ? ((uint64_t)(ex + bias) << M) + N - hidden : N; \
        inexact += (zero ^ 1) & ((m << (64 - k)) != 0);                               \
        hard += (!zero) & ((!normal) | (!in_range) | (mag > max_mag) | ((!subn) & (!is_normal_range))); \
        v[i] = (int64_t)((zero | (mag == 0)) ? zero_bits * neg : (neg << sign_shift) | mag); \
        z += 0x9e3779b97f4a7c15ULL;                                                    \
    }

FIXPT_MULTIVERSION
static void float_fast_block(const ff_t *f, const double *restrict x, int64_t *restrict v,
                             int64_t n, int mode, uint64_t key, uint64_t index0,
                             int64_t *n_hard, int64_t *n_inexact)
{
    const int64_t emin = f->emin, bias = f->bias;
    const int M = f->M, sign_shift = f->E + f->M;
    const uint64_t hidden = 1ULL << f->M, max_mag = f->max_mag;
    const uint64_t zero_bits = f->kind == FIXPT_SPECIAL_FNUZ ? 0 : f->sign_bit;
    const uint64_t subn = (uint64_t)f->subnormals;
    uint64_t z = key + (index0 + 1) * 0x9e3779b97f4a7c15ULL;
    int64_t hard = 0, inexact = 0;
    switch (mode) {
    FIXPT_FOR_EACH_ROUND_MODE(FLOAT_FAST_LOOP)
    default: hard = n; break;
    }
    *n_hard = hard;
    *n_inexact = inexact;
}

/* Shared start of the two rounding kernels: derive the format, check the arguments. */
static int ff_round_begin(const fixpt_float_format *fmt, int64_t n, int32_t out_bytes, int32_t round_mode,
                          fixpt_status *st, ff_t *f)
{
    fx_reset_status(st);
    int err = ff_init(fmt, f);
    if (err)
        return err;
    if (round_mode < 0 || round_mode >= FIXPT_N_ROUND_MODES)
        return FIXPT_E_ROUND_MODE;
    if (!(out_bytes == 1 || out_bytes == 2 || out_bytes == 4 || out_bytes == 8) ||
        out_bytes * 8 < 1 + f->E + f->M)
        return FIXPT_E_CONTAINER;
    return n < 0 ? FIXPT_E_LENGTH : FIXPT_OK;
}

int fixpt_float_round(const double *in, void *out_bits, int64_t n, const fixpt_float_format *fmt,
                      int32_t out_bytes, int32_t round_mode, uint64_t seed, uint64_t stream,
                      uint64_t index_offset, fixpt_status *st)
{
    ff_t f;
    int err = ff_round_begin(fmt, n, out_bytes, round_mode, st, &f);
    if (err)
        return err;
    const uint64_t key = fx_stream_key(seed, stream);
    const int stochastic = round_mode == FIXPT_STOCHASTIC || round_mode == FIXPT_STOCHASTIC_EQUAL;
    int64_t tmp[BLOCK];
    for (int64_t start = 0; start < n; start += BLOCK) {
        int64_t len = n - start < BLOCK ? n - start : BLOCK;
        int64_t hard = len, inexact = 0;
        if (f.M <= 51 && !fx_exact_only())
            float_fast_block(&f, in + start, tmp, len, round_mode, key,
                             index_offset + (uint64_t)start, &hard, &inexact);
        if (hard == 0) {
            st->n_inexact += inexact;
        } else {
            for (int64_t i = 0; i < len; i++) {
                uint64_t rnd = stochastic ? fx_random(key, index_offset + (uint64_t)(start + i)) : 0;
                tmp[i] = (int64_t)ff_round_exact(&f, in[start + i], round_mode, rnd, st, start + i);
            }
        }
        fx_store_block(tmp, (char *)out_bits + start * out_bytes, len, out_bytes);
    }
    return FIXPT_OK;
}

int fixpt_float_round_parts(const fixpt_parts *v, void *out_bits, int64_t n,
                            const fixpt_float_format *fmt, int32_t out_bytes, int32_t round_mode,
                            uint64_t seed, uint64_t stream, uint64_t index_offset, fixpt_status *st)
{
    ff_t f;
    int err = ff_round_begin(fmt, n, out_bytes, round_mode, st, &f);
    if (err)
        return err;
    for (int64_t i = 0; i < n; i++)
        if (v->exp[i] < -FIXPT_MAX_PART_EXP || v->exp[i] > FIXPT_MAX_PART_EXP)
            return FIXPT_E_SHIFT;
    const uint64_t key = fx_stream_key(seed, stream);
    const int stochastic = round_mode == FIXPT_STOCHASTIC || round_mode == FIXPT_STOCHASTIC_EQUAL;
    int64_t tmp[BLOCK];
    for (int64_t start = 0; start < n; start += BLOCK) {
        int64_t len = n - start < BLOCK ? n - start : BLOCK;
        for (int64_t i = start; i < start + len; i++) {
            int neg = v->neg[i] != 0;
            uint64_t rnd = stochastic ? fx_random(key, index_offset + (uint64_t)i) : 0;
            fx_u128 m = ((fx_u128)v->hi[i] << 64) | v->lo[i];
            tmp[i - start] = (int64_t)(v->kind[i] == FIXPT_VALUE_NAN ? ff_nan_of(&f, neg, 0, st, i)
                                       : v->kind[i] == FIXPT_VALUE_INF
                                           ? ff_inf_of(&f, neg, st)
                                           : ff_round_finite(&f, neg, m, v->exp[i], round_mode, rnd, st, i));
        }
        fx_store_block(tmp, (char *)out_bits + start * out_bytes, len, out_bytes);
    }
    return FIXPT_OK;
}

static double ff_decode_one(const ff_t *f, uint64_t b)
{
    int neg = (b & f->sign_bit) != 0;
    uint64_t mag = b & ~f->sign_bit;
    if (ff_is_nan(f, b)) {
        /* float64 NaN with the same sign and payload (top-aligned) */
        uint64_t payload = f->kind == FIXPT_SPECIAL_IEEE ? (mag & f->man_mask) << (52 - f->M)
                                                          : (1ULL << 51);
        return fx_double_of(((uint64_t)neg << 63) | 0x7ff0000000000000ULL | payload);
    }
    if (f->kind == FIXPT_SPECIAL_IEEE && mag == f->inf_mag)
        return neg ? -INFINITY : INFINITY;
    uint64_t field = mag >> f->M, man = mag & f->man_mask;
    double v = field == 0 ? ldexp((double)man, (int)(f->emin - f->M))
                          : ldexp((double)(man | (1ULL << f->M)), (int)((int64_t)field - f->bias - f->M));
    return neg ? -v : v;
}

int fixpt_float_decode(const uint64_t *bits, double *out, int64_t n, const fixpt_float_format *fmt)
{
    ff_t f;
    int err = ff_begin(fmt, n, &f);
    if (err)
        return err;
    for (int64_t i = 0; i < n; i++)
        out[i] = ff_decode_one(&f, bits[i]);
    return FIXPT_OK;
}

int fixpt_float_decompose(const uint64_t *bits, int64_t n, const fixpt_float_format *fmt,
                          uint8_t *sign, int32_t *biased_exponent, int32_t *exponent,
                          uint64_t *trailing, uint64_t *significand, uint8_t *cls)
{
    ff_t f;
    int err = ff_begin(fmt, n, &f);
    if (err)
        return err;
    for (int64_t i = 0; i < n; i++) {
        uint64_t b = bits[i], mag = b & ~f.sign_bit;
        uint64_t field = mag >> f.M, man = mag & f.man_mask;
        int c;
        if (ff_is_nan(&f, b))
            c = (f.kind != FIXPT_SPECIAL_IEEE || (man >> (f.M - 1)) & 1) ? FIXPT_CLASS_QUIET_NAN
                                                                        : FIXPT_CLASS_SIGNALING_NAN;
        else if (f.kind == FIXPT_SPECIAL_IEEE && mag == f.inf_mag)
            c = FIXPT_CLASS_INF;
        else if (field == 0)
            c = man == 0 ? FIXPT_CLASS_ZERO : FIXPT_CLASS_SUBNORMAL;
        else
            c = FIXPT_CLASS_NORMAL;
        if (sign) sign[i] = (b & f.sign_bit) != 0;
        if (biased_exponent) biased_exponent[i] = (int32_t)field;
        if (exponent) exponent[i] = (int32_t)(field == 0 ? f.emin : (int64_t)field - f.bias);
        if (trailing) trailing[i] = man;
        if (significand) significand[i] = c == FIXPT_CLASS_NORMAL ? man | (1ULL << f.M) : man;
        if (cls) cls[i] = (uint8_t)c;
    }
    return FIXPT_OK;
}

/* IEEE nextUp on encodings; formats without inf go from max to NaN. */
static uint64_t ff_next_up(const ff_t *f, uint64_t b)
{
    if (ff_is_nan(f, b))
        return b;
    uint64_t mag = b & ~f->sign_bit;
    int neg = (b & f->sign_bit) != 0;
    if (!neg || mag == 0) {
        if (mag == 0)
            return f->subnormals ? 1 : f->min_normal_mag;
        if (mag == f->max_mag)
            return f->kind == FIXPT_SPECIAL_IEEE ? f->inf_mag : f->nan_bits;
        if (mag == f->inf_mag && f->kind == FIXPT_SPECIAL_IEEE)
            return b;
        return mag + 1;
    }
    uint64_t down = (!f->subnormals && mag == f->min_normal_mag) ? 0 : mag - 1;
    return down == 0 ? ff_zero(f, 1) : (f->sign_bit | down);
}

static uint64_t ff_negate(const ff_t *f, uint64_t b)
{
    if (ff_is_nan(f, b) || (f->kind == FIXPT_SPECIAL_FNUZ && b == 0))
        return b;
    return b ^ f->sign_bit;
}

int fixpt_float_next(const uint64_t *bits, uint64_t *out, int64_t n,
                     const fixpt_float_format *fmt, int32_t direction)
{
    ff_t f;
    int err = ff_init(fmt, &f);
    if (err)
        return err;
    if (direction != 1 && direction != -1)
        return FIXPT_E_DIRECTION;
    if (n < 0)
        return FIXPT_E_LENGTH;
    for (int64_t i = 0; i < n; i++)
        out[i] = direction > 0 ? ff_next_up(&f, bits[i])
                               : ff_negate(&f, ff_next_up(&f, ff_negate(&f, bits[i])));
    return FIXPT_OK;
}
