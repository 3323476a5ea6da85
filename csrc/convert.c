/*
 * convert.c - float64 (and exact values in parts) -> WL-bit fixed-point raw integers.
 * Integer and fixed -> fixed casts are fixpt_elementwise(FIXPT_OP_COPY) in arith.c.
 *
 * The fast loop handles a block when every scaled value y = x * 2^shift is an
 * exact double with |y| < 2^51 (then floor(|y|) and |y| - floor(|y|) are exact and
 * every rounding decision can be taken in double arithmetic); a block holding any
 * other element (NaN, inf, huge, or scaled into the subnormal range) goes through
 * the exact integer engine of engine.h element by element (driver.h).
 */
#include <float.h>
#include <math.h>

#include "driver.h"

/* ---- the test hook ---- */

int fx_exact_only_flag = 0;

void fixpt_set_exact_only(int32_t on)
{
    fx_exact_only_flag = on != 0;
}

/* ---- exact paths ---- */

/*
 * One exact value through the integer engine; returns the raw bit pattern.
 * kind: FIXPT_VALUE_FINITE (the value is (-1)^neg * m * 2^s in units of the
 * output's raw integers), FIXPT_VALUE_INF or FIXPT_VALUE_NAN.
 */
static uint64_t exact_value(int kind, int neg, fx_u128 m, int64_t s, const fixpt_cast *c,
                            const fx_bounds *b, uint64_t key, int64_t index, fixpt_status *st,
                            uint8_t *mask)
{
    int big = 0, inexact = 0, overflow;
    uint64_t mag = 0;
    if (kind == FIXPT_VALUE_NAN) { /* written as 0; the caller applies its NaN policy */
        st->n_nan++;
        if (st->first_nan < 0)
            st->first_nan = index;
        if (mask)
            mask[index] = 0;
        return 0;
    }
    if (kind == FIXPT_VALUE_INF) {
        st->n_inf++;
        big = 1; /* an infinitely large magnitude */
    } else {
        uint64_t rnd = fx_random_if(c->round_mode, key, c->index_offset + (uint64_t)index);
        mag = fx_round_scaled(neg, m, s, c->round_mode, rnd, &big, &inexact);
    }
    uint64_t raw = fx_apply_overflow(neg, mag, big, b, &overflow);
    fx_note(st, mask, overflow, inexact, index);
    return raw;
}

/* ---- vectorisable fast loop ---- */

/*
 * Round x[i] * scale, saturate to [lo, hi] and write the integers to v[i].
 * Elements needing the exact path (|y| >= 2^51, NaN, inf, scaled into the
 * subnormal range) are counted in `hard`; v is then meaningless for the block.
 *
 * Every decision is taken on the magnitude a = |y|, as the engine takes it:
 * y = x * 2^shift is exact (no overflow, no underflow: else the element is
 * hard), f = floor(a) is exact, and d = a - f is exact because a and f are
 * multiples of ulp(a) and d < 1 <= a when f > 0.  (On the signed value,
 * y - floor(y) is not exact for -1/2 < y < 0: 1 - |y| may need more than 53
 * bits, which once turned a value just above -1/2 into a tie.)  UP says
 * whether the magnitude goes up; neg is the sign of y.
 */
#define FAST_LOOP(UP)                                                          \
    for (int64_t i = 0; i < n; i++) {                                          \
        double xi = x[i];                                                      \
        double y = xi * scale;                                                 \
        double a = fabs(y);                                                    \
        int ok = a < 0x1p51;                                                   \
        hard += (!ok) | ((a < DBL_MIN) & (xi != 0.0));                         \
        int neg = y < 0.0;                                                     \
        double f = floor(a);                                                   \
        double d = a - f;                                                      \
        double u = UNIFORM(z); /* dead (removed) unless UP uses it */          \
        (void)u;                                                               \
        inexact += d != 0.0;                                                   \
        double mag = f + ((UP) ? 1.0 : 0.0);                                   \
        double r = neg ? -mag : mag;                                           \
        pos += r > hi;                                                         \
        negc += r < lo;                                                        \
        r = r > hi ? hi : r;                                                   \
        r = r < lo ? lo : r;                                                   \
        r = ok ? r : 0.0;                                                      \
        v[i] = (int64_t)fx_bits_of(r + 0x1.8p52) - magic_bits;                 \
        z += FX_GAMMA;                                                         \
    }

#define IS_EVEN(f) (floor((f) * 0.5) * 2.0 == (f))

/* u = (rnd >> 12) * 2^-52 in [0, 1), built exactly from the bits */
#define UNIFORM(z) (fx_double_of(0x3ff0000000000000ULL | (fx_mix64(z) >> 12)) - 1.0)

typedef struct {
    int64_t hard, inexact, pos, neg;
} fast_counts;

FIXPT_MULTIVERSION
static fast_counts fast_round_block(const double *restrict x, int64_t *restrict v, int64_t n,
                                    int mode, double scale, double lo, double hi,
                                    uint64_t key, uint64_t index0)
{
    const int64_t magic_bits = (int64_t)fx_bits_of(0x1.8p52);
    int64_t hard = 0, inexact = 0, pos = 0, negc = 0;
    uint64_t z = fx_counter(key, index0); /* advanced by FX_GAMMA per element */
    switch (mode) {
    case FIXPT_NEAREST_EVEN: FAST_LOOP((d > 0.5) | ((d == 0.5) & !IS_EVEN(f))) break;
    case FIXPT_NEAREST_AWAY: FAST_LOOP(d >= 0.5) break;
    case FIXPT_NEAREST_ZERO: FAST_LOOP(d > 0.5) break;
    case FIXPT_NEAREST_UP: FAST_LOOP((d > 0.5) | ((d == 0.5) & !neg)) break;
    case FIXPT_NEAREST_DOWN: FAST_LOOP((d > 0.5) | ((d == 0.5) & neg)) break;
    case FIXPT_FLOOR: FAST_LOOP((d != 0.0) & neg) break;
    case FIXPT_CEIL: FAST_LOOP((d != 0.0) & !neg) break;
    case FIXPT_TOWARD_ZERO: FAST_LOOP(0) break;
    case FIXPT_AWAY_FROM_ZERO: FAST_LOOP(d != 0.0) break;
    case FIXPT_ODD: FAST_LOOP((d != 0.0) & IS_EVEN(f)) break;
    case FIXPT_STOCHASTIC:
        /* toward +inf with probability ceil(frac 2^52) / 2^52 (engine.h): for a
         * positive value the magnitude goes up iff u < d; for a negative one iff
         * u + d >= 1, i.e. d >= 1 - u (exact: u is a multiple of 2^-52) */
        FAST_LOOP(neg ? d >= 1.0 - u : u < d)
        break;
    case FIXPT_STOCHASTIC_EQUAL:
        FAST_LOOP((d != 0.0) & ((int)(fx_mix64(z) >> 63) ^ neg))
        break;
    default: hard = n; break;
    }
    fast_counts counts = {hard, inexact, pos, negc};
    return counts;
}

/* ---- the kernels ---- */

typedef struct {
    const double *in;
    int64_t stride;
    const fixpt_cast *cast;
    fx_bounds bounds;
    uint64_t key;
    int fast_ok, saturating;
    double scale, lo, hi;
    const fixpt_parts *parts;
} cast_ctx;

static int64_t cast_fast(const void *vctx, int64_t start, int64_t n, int64_t *restrict v, fx_counts *counts,
                       int64_t *restrict hard, uint8_t *mask)
{
    (void)hard;
    (void)mask;
    const cast_ctx *c = vctx;
    if (!c->fast_ok)
        return FX_BLOCK_EXACT;
    double buf[FX_BLOCK];
    const double *x = fx_doubles(c->in, c->stride, start, n, buf);
    fast_counts fc = fast_round_block(x, v, n, c->cast->round_mode, c->scale, c->lo, c->hi, c->key,
                                      c->cast->index_offset + (uint64_t)start);
    /* wrap and saturate_zero blocks with an overflow take the exact path */
    if (fc.hard || (!c->saturating && (fc.pos | fc.neg)))
        return FX_BLOCK_EXACT;
    counts->inexact = fc.inexact;
    counts->pos = fc.pos;
    counts->neg = fc.neg;
    return 0;
}

static uint64_t cast_exact(const void *vctx, int64_t i, fixpt_status *st, uint8_t *mask)
{
    const cast_ctx *c = vctx;
    uint64_t bits = fx_bits_of(FX_AT(double, c->in, c->stride, i));
    int neg = (int)(bits >> 63);
    int biased = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((1ULL << 52) - 1);
    if (biased == 0x7ff)
        return exact_value(m ? FIXPT_VALUE_NAN : FIXPT_VALUE_INF, neg, 0, 0, c->cast, &c->bounds,
                           c->key, i, st, mask);
    int64_t e = biased ? biased - 1075 : -1074;
    if (biased)
        m |= 1ULL << 52;
    return exact_value(FIXPT_VALUE_FINITE, neg, m, e + c->cast->shift, c->cast, &c->bounds, c->key, i,
                       st, mask);
}

static uint64_t parts_exact(const void *vctx, int64_t i, fixpt_status *st, uint8_t *mask)
{
    const cast_ctx *c = vctx;
    const fixpt_parts *p = c->parts;
    fx_u128 m = ((fx_u128)p->hi[i] << 64) | p->lo[i];
    return exact_value(p->kind[i], p->neg[i] != 0, m, p->exp[i] + c->cast->shift, c->cast, &c->bounds,
                       c->key, i, st, mask);
}

static cast_ctx make_ctx(const fixpt_cast *c)
{
    cast_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.cast = c;
    ctx.bounds = fx_make_bounds(c->word_length, c->is_signed, c->overflow_mode);
    ctx.key = fx_stream_key(c->seed, c->stream);
    return ctx;
}

static int64_t out_stride(const fixpt_cast *c)
{
    return c->out_stride ? c->out_stride : c->out_bytes;
}

int fixpt_cast_f64(const double *in, int64_t in_stride, void *out, int64_t n, const fixpt_cast *c,
                   fixpt_status *st, uint8_t *mask)
{
    fx_reset_status(st);
    int err = fx_check_cast(c, n);
    if (err)
        return err;
    cast_ctx ctx = make_ctx(c);
    ctx.in = in;
    ctx.stride = in_stride;
    ctx.fast_ok = c->shift >= -1022 && c->shift <= 1023;
    ctx.scale = ctx.fast_ok ? ldexp(1.0, c->shift) : 0.0;
    /* fast-path values have |v| <= 2^51, so bounds above 2^52 never bite */
    ctx.hi = ctx.bounds.max_mag > (1ULL << 52) ? 0x1p52 : (double)ctx.bounds.max_mag;
    ctx.lo = ctx.bounds.min_mag > (1ULL << 52) ? -0x1p52 : -(double)ctx.bounds.min_mag;
    ctx.saturating = c->overflow_mode == FIXPT_SATURATE || c->overflow_mode == FIXPT_SATURATE_SYMMETRIC ||
                     c->overflow_mode == FIXPT_RAISE;
    fx_kernel kernel = {cast_fast, cast_exact, &ctx};
    fx_run(&kernel, n, out, out_stride(c), c->out_bytes, st, mask);
    return FIXPT_OK;
}

int fixpt_cast_parts(const fixpt_parts *v, void *out, int64_t n, const fixpt_cast *c,
                     fixpt_status *st, uint8_t *mask)
{
    fx_reset_status(st);
    int err = fx_check_cast(c, n);
    if (err)
        return err;
    for (int64_t i = 0; i < n; i++)
        if (v->exp[i] < -FIXPT_MAX_PART_EXP || v->exp[i] > FIXPT_MAX_PART_EXP)
            return FIXPT_E_SHIFT;
    cast_ctx ctx = make_ctx(c);
    ctx.parts = v;
    fx_kernel kernel = {NULL, parts_exact, &ctx};
    fx_run(&kernel, n, out, out_stride(c), c->out_bytes, st, mask);
    return FIXPT_OK;
}

uint64_t fixpt_random_word(uint64_t seed, uint64_t stream, uint64_t index)
{
    return fx_random(fx_stream_key(seed, stream), index);
}
