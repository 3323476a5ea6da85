/*
 * convert.c - float64 -> WL-bit fixed-point raw integers (fixpt_cast_f64).
 * Integer and fixed -> fixed casts are fixpt_elementwise(FIXPT_OP_COPY) in arith.c.
 *
 * The float path works in blocks.  A vectorisable fast loop handles the
 * elements whose scaled value y = x * 2^shift is an exact double with
 * |y| < 2^51 (then floor(y) and y - floor(y) are exact and every rounding
 * decision can be taken in double arithmetic); a block holding any other
 * element (NaN, inf, huge, or scaled into the subnormal range) is redone
 * element by element with the exact integer engine of engine.h.  Both paths
 * implement the same rules, so the result does not depend on the path.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "engine.h"

#define BLOCK 1024

static int check_cast(const fixpt_cast *c, int64_t n)
{
    int err = fx_check_cast(c);
    return err ? err : (n < 0 ? FIXPT_E_LENGTH : FIXPT_OK);
}

static int is_stochastic(int mode)
{
    return mode == FIXPT_STOCHASTIC || mode == FIXPT_STOCHASTIC_EQUAL;
}

/* ---- exact paths ---- */

int fx_exact_only_flag = 0;

void fixpt_set_exact_only(int32_t on)
{
    fx_exact_only_flag = on != 0;
}

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
        uint64_t rnd = is_stochastic(c->round_mode)
                           ? fx_random(key, c->index_offset + (uint64_t)index) : 0;
        mag = fx_round_scaled(neg, m, s, c->round_mode, rnd, &big, &inexact);
    }
    uint64_t raw = fx_apply_overflow(neg, mag, big, b, &overflow);
    fx_note(st, mask, overflow, inexact, index);
    return raw;
}

/* One float64 through the exact engine. */
static uint64_t exact_f64(double x, const fixpt_cast *c, const fx_bounds *b, uint64_t key,
                          int64_t index, fixpt_status *st, uint8_t *mask)
{
    uint64_t bits = fx_bits_of(x);
    int neg = (int)(bits >> 63);
    int biased = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((1ULL << 52) - 1);
    if (biased == 0x7ff)
        return exact_value(m ? FIXPT_VALUE_NAN : FIXPT_VALUE_INF, neg, 0, 0, c, b, key, index, st,
                           mask);
    int64_t e = biased ? biased - 1075 : -1074;
    if (biased)
        m |= 1ULL << 52;
    return exact_value(FIXPT_VALUE_FINITE, neg, m, e + c->shift, c, b, key, index, st, mask);
}

/* ---- vectorisable fast loop ---- */

/*
 * Round x[i] * scale, saturate to [lo, hi] and write the integers to v[i].
 * Elements needing the exact path (|y| >= 2^51, NaN, inf, scaled into the
 * subnormal range) are counted in *hard; v is then meaningless for the block.
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
        inexact += d != 0.0;                                                   \
        double mag = f + ((UP) ? 1.0 : 0.0);                                   \
        double r = neg ? -mag : mag;                                           \
        pos += r > hi;                                                         \
        negc += r < lo;                                                        \
        r = r > hi ? hi : r;                                                   \
        r = r < lo ? lo : r;                                                   \
        r = ok ? r : 0.0;                                                      \
        v[i] = (int64_t)fx_bits_of(r + 0x1.8p52) - magic_bits;                 \
        z += 0x9e3779b97f4a7c15ULL;                                            \
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
    /* Weyl counter of fx_random: z = key + (index + 1) * gamma, advanced per element */
    uint64_t z = key + (index0 + 1) * 0x9e3779b97f4a7c15ULL;
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
        FAST_LOOP(neg ? d >= 1.0 - UNIFORM(z) : UNIFORM(z) < d)
        break;
    case FIXPT_STOCHASTIC_EQUAL:
        FAST_LOOP((d != 0.0) & ((int)(fx_mix64(z) >> 63) ^ neg))
        break;
    default: hard = n; break;
    }
    fast_counts counts = {hard, inexact, pos, negc};
    return counts;
}

/* ---- public kernels ---- */

int fixpt_cast_f64(const double *in, void *out, int64_t n, const fixpt_cast *c,
                   fixpt_status *st, uint8_t *mask)
{
    int err = check_cast(c, n);
    fx_reset_status(st);
    if (err)
        return err;
    const fx_bounds b = fx_make_bounds(c->word_length, c->is_signed, c->overflow_mode);
    const uint64_t key = fx_stream_key(c->seed, c->stream);
    const int fast_ok = !fx_exact_only() && c->shift >= -1022 && c->shift <= 1023;
    const double scale = fast_ok ? ldexp(1.0, c->shift) : 0.0;
    /* fast-path values have |v| <= 2^51, so bounds above 2^52 never bite */
    const double hi = b.max_mag > (1ULL << 52) ? 0x1p52 : (double)b.max_mag;
    const double lo = b.min_mag > (1ULL << 52) ? -0x1p52 : -(double)b.min_mag;
    const int saturating = c->overflow_mode == FIXPT_SATURATE ||
                           c->overflow_mode == FIXPT_SATURATE_SYMMETRIC ||
                           c->overflow_mode == FIXPT_RAISE;
    int64_t tmp[BLOCK];
    for (int64_t start = 0; start < n; start += BLOCK) {
        int64_t len = n - start < BLOCK ? n - start : BLOCK;
        fast_counts fc = {len, 0, 0, 0};
        if (fast_ok)
            fc = fast_round_block(in + start, tmp, len, c->round_mode, scale, lo, hi, key,
                                  c->index_offset + (uint64_t)start);
        /* wrap and saturate_zero blocks with an overflow take the exact path too */
        if (fc.hard == 0 && (saturating || (fc.pos | fc.neg) == 0)) {
            st->n_inexact += fc.inexact;
            st->n_overflow_pos += fc.pos;
            st->n_overflow_neg += fc.neg;
            if ((fc.pos | fc.neg) && (mask || st->first_overflow < 0)) {
                /* which elements overflowed (rare): redo the block one by one */
                fixpt_status scratch;
                fx_reset_status(&scratch);
                for (int64_t i = 0; i < len && (mask || scratch.first_overflow < 0); i++)
                    exact_f64(in[start + i], c, &b, key, start + i, &scratch, mask);
                if (st->first_overflow < 0)
                    st->first_overflow = scratch.first_overflow;
            } else if (mask) {
                memset(mask + start, 0, (size_t)len);
            }
        } else {
            for (int64_t i = 0; i < len; i++)
                tmp[i] = (int64_t)exact_f64(in[start + i], c, &b, key, start + i, st, mask);
        }
        fx_store_block(tmp, (char *)out + start * c->out_bytes, len, c->out_bytes);
    }
    return FIXPT_OK;
}

int fixpt_cast_parts(const fixpt_parts *v, void *out, int64_t n, const fixpt_cast *c,
                     fixpt_status *st, uint8_t *mask)
{
    int err = check_cast(c, n);
    fx_reset_status(st);
    if (err)
        return err;
    for (int64_t i = 0; i < n; i++)
        if (v->exp[i] < -FIXPT_MAX_PART_EXP || v->exp[i] > FIXPT_MAX_PART_EXP)
            return FIXPT_E_SHIFT;
    const fx_bounds b = fx_make_bounds(c->word_length, c->is_signed, c->overflow_mode);
    const uint64_t key = fx_stream_key(c->seed, c->stream);
    int64_t tmp[BLOCK];
    for (int64_t start = 0; start < n; start += BLOCK) {
        int64_t len = n - start < BLOCK ? n - start : BLOCK;
        for (int64_t i = start; i < start + len; i++) {
            fx_u128 m = ((fx_u128)v->hi[i] << 64) | v->lo[i];
            tmp[i - start] = (int64_t)exact_value(v->kind[i], v->neg[i] != 0, m, v->exp[i] + c->shift,
                                                  c, &b, key, i, st, mask);
        }
        fx_store_block(tmp, (char *)out + start * c->out_bytes, len, c->out_bytes);
    }
    return FIXPT_OK;
}

uint64_t fixpt_random_word(uint64_t seed, uint64_t stream, uint64_t index)
{
    return fx_random(fx_stream_key(seed, stream), index);
}
