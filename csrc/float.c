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

#include "driver.h"

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
        z += FX_GAMMA;                                                                 \
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
    uint64_t z = fx_counter(key, index0); /* advanced by FX_GAMMA per element */
    int64_t hard = 0, inexact = 0;
    switch (mode) {
    FIXPT_FOR_EACH_ROUND_MODE(FLOAT_FAST_LOOP)
    default: hard = n; break;
    }
    *n_hard = hard;
    *n_inexact = inexact;
}

/* ---- the rounding kernels ---- */

typedef struct {
    ff_t f;
    const double *in;
    int64_t stride;
    const fixpt_parts *parts;
    int mode;
    uint64_t key, index_offset;
} round_ctx;

static int round_fast(const void *vctx, int64_t start, int64_t n, int64_t *restrict v, fx_counts *counts)
{
    const round_ctx *c = vctx;
    if (c->f.M > 51)
        return 0;
    double buf[FX_BLOCK];
    const double *x = fx_doubles(c->in, c->stride, start, n, buf);
    int64_t hard, inexact;
    float_fast_block(&c->f, x, v, n, c->mode, c->key, c->index_offset + (uint64_t)start, &hard, &inexact);
    counts->inexact = inexact; /* overflowing elements are hard: no overflow counts here */
    return hard == 0;
}

static uint64_t round_exact(const void *vctx, int64_t i, fixpt_status *st, uint8_t *mask)
{
    const round_ctx *c = vctx;
    (void)mask;
    uint64_t rnd = fx_random_if(c->mode, c->key, c->index_offset + (uint64_t)i);
    return ff_round_exact(&c->f, FX_AT(double, c->in, c->stride, i), c->mode, rnd, st, i);
}

static uint64_t round_parts_exact(const void *vctx, int64_t i, fixpt_status *st, uint8_t *mask)
{
    const round_ctx *c = vctx;
    const fixpt_parts *p = c->parts;
    int neg = p->neg[i] != 0;
    (void)mask;
    if (p->kind[i] == FIXPT_VALUE_NAN)
        return ff_nan_of(&c->f, neg, 0, st, i);
    if (p->kind[i] == FIXPT_VALUE_INF)
        return ff_inf_of(&c->f, neg, st);
    uint64_t rnd = fx_random_if(c->mode, c->key, c->index_offset + (uint64_t)i);
    fx_u128 m = ((fx_u128)p->hi[i] << 64) | p->lo[i];
    return ff_round_finite(&c->f, neg, m, p->exp[i], c->mode, rnd, st, i);
}

/* Shared start of the two rounding kernels: derive the format, check the arguments. */
static int round_begin(const fixpt_float_format *fmt, int64_t n, int32_t out_bytes,
                       const fixpt_rounding *r, fixpt_status *st, round_ctx *c)
{
    fx_reset_status(st);
    memset(c, 0, sizeof *c);
    int err = ff_init(fmt, &c->f);
    if (err)
        return err;
    if (r->mode < 0 || r->mode >= FIXPT_N_ROUND_MODES)
        return FIXPT_E_ROUND_MODE;
    if (!fx_valid_bytes(out_bytes) || out_bytes * 8 < 1 + c->f.E + c->f.M)
        return FIXPT_E_CONTAINER;
    c->mode = r->mode;
    c->key = fx_stream_key(r->seed, r->stream);
    c->index_offset = r->index_offset;
    return n < 0 ? FIXPT_E_LENGTH : FIXPT_OK;
}

int fixpt_float_round(const double *in, int64_t in_stride, void *out, int64_t out_stride,
                      int32_t out_bytes, int64_t n, const fixpt_float_format *fmt,
                      const fixpt_rounding *rounding, fixpt_status *st)
{
    round_ctx ctx;
    int err = round_begin(fmt, n, out_bytes, rounding, st, &ctx);
    if (err)
        return err;
    ctx.in = in;
    ctx.stride = in_stride;
    fx_kernel kernel = {round_fast, round_exact, &ctx};
    fx_run(&kernel, n, out, out_stride, out_bytes, st, NULL);
    return FIXPT_OK;
}

int fixpt_float_round_parts(const fixpt_parts *v, void *out, int64_t out_stride, int32_t out_bytes,
                            int64_t n, const fixpt_float_format *fmt, const fixpt_rounding *rounding,
                            fixpt_status *st)
{
    round_ctx ctx;
    int err = round_begin(fmt, n, out_bytes, rounding, st, &ctx);
    if (err)
        return err;
    for (int64_t i = 0; i < n; i++)
        if (v->exp[i] < -FIXPT_MAX_PART_EXP || v->exp[i] > FIXPT_MAX_PART_EXP)
            return FIXPT_E_SHIFT;
    ctx.parts = v;
    fx_kernel kernel = {NULL, round_parts_exact, &ctx};
    fx_run(&kernel, n, out, out_stride, out_bytes, st, NULL);
    return FIXPT_OK;
}

/* ---- encodings ---- */

/* Encoding i of an unsigned operand (any container), widened. */
static inline uint64_t ff_bits_at(const fixpt_operand *bits, int64_t i)
{
    return (uint64_t)fx_load_raw(bits, i);
}

/* Shared start of the per-encoding kernels: derive the format, check the operand and count. */
static int ff_begin(const fixpt_float_format *fmt, const fixpt_operand *bits, int64_t n, ff_t *f)
{
    int err = ff_init(fmt, f);
    if (err)
        return err;
    if (!fx_valid_operand(bits) || bits->is_signed)
        return FIXPT_E_OPERAND;
    return n < 0 ? FIXPT_E_LENGTH : FIXPT_OK;
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

int fixpt_float_decode(const fixpt_operand *bits, double *out, int64_t n, const fixpt_float_format *fmt)
{
    ff_t f;
    int err = ff_begin(fmt, bits, n, &f);
    if (err)
        return err;
    for (int64_t i = 0; i < n; i++)
        out[i] = ff_decode_one(&f, ff_bits_at(bits, i));
    return FIXPT_OK;
}

int fixpt_float_decompose(const fixpt_operand *bits, int64_t n, const fixpt_float_format *fmt,
                          uint8_t *sign, int32_t *biased_exponent, int32_t *exponent,
                          uint64_t *trailing, uint64_t *significand, uint8_t *cls)
{
    ff_t f;
    int err = ff_begin(fmt, bits, n, &f);
    if (err)
        return err;
    for (int64_t i = 0; i < n; i++) {
        uint64_t b = ff_bits_at(bits, i), mag = b & ~f.sign_bit;
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

int fixpt_float_next(const fixpt_operand *bits, uint64_t *out, int64_t n,
                     const fixpt_float_format *fmt, int32_t direction)
{
    ff_t f;
    int err = ff_begin(fmt, bits, n, &f);
    if (err)
        return err;
    if (direction != 1 && direction != -1)
        return FIXPT_E_DIRECTION;
    for (int64_t i = 0; i < n; i++) {
        uint64_t b = ff_bits_at(bits, i);
        out[i] = direction > 0 ? ff_next_up(&f, b) : ff_negate(&f, ff_next_up(&f, ff_negate(&f, b)));
    }
    return FIXPT_OK;
}
