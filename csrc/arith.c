/*
 * arith.c - elementwise fixed-point arithmetic on raw integers.
 *
 * Each element's exact result (sum, difference, product, negation, absolute
 * value or plain copy) is formed in integers and rounded/overflow-handled once
 * into the output format.  When the exact result provably fits 62 bits (from
 * the container sizes and alignment) and the binary-point shift is small, a
 * vectorisable int64 loop does the work; otherwise each element goes through
 * the 128-bit engine.  Both follow the rules of engine.h.
 */
#include <string.h>

#include "engine.h"

#define BLOCK 1024

static int check_operand(const fixpt_operand *x)
{
    return (x->bytes == 1 || x->bytes == 2 || x->bytes == 4 || x->bytes == 8) &&
           x->align >= 0 && x->align <= 63;
}

/* Magnitude bits an operand can need: containers hold |raw| < 2^(8 bytes). */
static int operand_bits(const fixpt_operand *x)
{
    return 8 * x->bytes + x->align;
}

/* Widen a block of raw integers to int64 (unsigned 64-bit values above
 * INT64_MAX are only used through the 128-bit path). */
#define LOAD_INT64(TYPE)                                                       \
    {                                                                          \
        const TYPE *restrict p = (const TYPE *)x->data + start;                \
        for (int64_t i = 0; i < n; i++)                                        \
            v[i] = (int64_t)p[i];                                              \
    }

FIXPT_MULTIVERSION
static void load_block(const fixpt_operand *x, int64_t start, int64_t n, int64_t *restrict v)
{
    switch (FX_CONTAINER_KEY(x)) {
        FX_FOR_EACH_CONTAINER(LOAD_INT64)
    }
}

/* One operand value, alignment applied: |raw| < 2^64 and align <= 63, so the
 * magnitude stays below 2^127. */
static inline fx_exact load_one(const fixpt_operand *x, int64_t i)
{
    fx_exact v = fx_exact_of(fx_load_raw(x, i));
    v.mag <<= x->align;
    return v;
}

/* |n| / |d|: the quotient magnitude, and the remainder as a 64-bit left-aligned
 * fraction with a sticky bit (binary long division). */
static inline fx_u128 divide_magnitude(fx_u128 n, fx_u128 d, uint64_t *fraction)
{
    fx_u128 q = n / d, r = n % d;
    uint64_t f = 0;
    for (int bit = 0; bit < 64; bit++) {
        r <<= 1; /* r < d < 2^127, so no overflow */
        f <<= 1;
        if (r >= d) {
            r -= d;
            f |= 1;
        }
    }
    *fraction = f | (r != 0);
    return q;
}

/* The exact result of one element as sign and magnitude (below 2^128: see check_sizes). */
static inline fx_exact exact_one(int op, const fixpt_operand *a, const fixpt_operand *b, int64_t i)
{
    fx_exact x = load_one(a, i);
    switch (op) {
    case FIXPT_OP_ADD: return fx_exact_add(x, load_one(b, i));
    case FIXPT_OP_SUB: {
        fx_exact y = load_one(b, i);
        y.neg = !y.neg & (y.mag != 0);
        return fx_exact_add(x, y);
    }
    case FIXPT_OP_MUL: return fx_exact_mul(x, load_one(b, i));
    case FIXPT_OP_NEG: x.neg = !x.neg & (x.mag != 0); return x;
    case FIXPT_OP_ABS: x.neg = 0; return x;
    default: return x;
    }
}

/* One element through the 128-bit engine: the exact result, rounded and overflow-handled. */
static inline uint64_t exact_element(int op, const fixpt_operand *a, const fixpt_operand *b, int64_t i,
                                     const fixpt_cast *c, const fx_bounds *bounds, uint64_t key,
                                     int stochastic, int *overflow, int *inexact)
{
    fx_exact x = exact_one(op, a, b, i);
    int big;
    uint64_t rnd = stochastic ? fx_random(key, c->index_offset + (uint64_t)i) : 0;
    uint64_t mag = fx_round_scaled(x.neg, x.mag, c->shift, c->round_mode, rnd, &big, inexact);
    return fx_apply_overflow(x.neg, mag, big, bounds, overflow);
}

static int result_bits(int op, const fixpt_operand *a, const fixpt_operand *b)
{
    int wa = operand_bits(a), wb = b ? operand_bits(b) : 0;
    switch (op) {
    case FIXPT_OP_ADD:
    case FIXPT_OP_SUB: return (wa > wb ? wa : wb) + 1;
    case FIXPT_OP_MUL: return wa + wb;
    default: return wa + 1;
    }
}

/* x * 2^sh for |x * 2^sh| < 2^62, without shifting a negative value. */
#define ALIGN(x, sh) ((int64_t)((uint64_t)(x) << (sh)))

/* Exact int64 results of a block (only when result_bits <= 62). */
FIXPT_MULTIVERSION
static void exact_block(int op, const int64_t *restrict x, const int64_t *restrict y, int64_t *restrict e,
                        int64_t n, int sa, int sb)
{
    switch (op) {
    case FIXPT_OP_ADD: for (int64_t i = 0; i < n; i++) e[i] = ALIGN(x[i], sa) + ALIGN(y[i], sb); break;
    case FIXPT_OP_SUB: for (int64_t i = 0; i < n; i++) e[i] = ALIGN(x[i], sa) - ALIGN(y[i], sb); break;
    case FIXPT_OP_MUL: for (int64_t i = 0; i < n; i++) e[i] = x[i] * y[i]; break;
    case FIXPT_OP_NEG: for (int64_t i = 0; i < n; i++) e[i] = -ALIGN(x[i], sa); break;
    case FIXPT_OP_ABS: for (int64_t i = 0; i < n; i++) e[i] = ALIGN(x[i] < 0 ? -x[i] : x[i], sa); break;
    default: for (int64_t i = 0; i < n; i++) e[i] = ALIGN(x[i], sa); break;
    }
}

/*
 * Round e[i] * 2^-k (0 <= k <= 63; |e| < 2^62) and apply the overflow mode
 * in place.  MODE is a constant in each copy.
 */
#define ROUND_LOOP(MODE)                                                                  \
    for (int64_t i = 0; i < n; i++) {                                                     \
        int64_t x = e[i];                                                                 \
        int64_t sgn = -(int64_t)((uint64_t)x >> 63); /* 0 or -1: branch-free sign */      \
        uint64_t neg = (uint64_t)sgn & 1;                                                 \
        uint64_t m = (uint64_t)((x ^ sgn) - sgn) << pre;                                  \
        uint64_t mag = fx_round_shift(neg, m, kk, MODE, fx_mix64(z));                     \
        inexact += (uint64_t)((m << (64 - kk)) != 0);                                     \
        int64_t v = ((int64_t)mag ^ sgn) - sgn;                                           \
        /* sign bits as counters (|v|, |hi|, |lo| < 2^62: no overflow) */              \
        uint64_t above = (uint64_t)(hi - v) >> 63, below = (uint64_t)(v - lo) >> 63;     \
        int64_t over = (int64_t)(above | below);                                          \
        pos += above;                                                                     \
        negc += below;                                                                    \
        int64_t clamped = v > hi ? hi : (v < lo ? lo : v);                                \
        e[i] = (over & zero_on_overflow) ? 0 : clamped;                                   \
        z += 0x9e3779b97f4a7c15ULL;                                                       \
    }

typedef struct {
    int64_t pos, neg, inexact;
} counts_t;

FIXPT_MULTIVERSION
static counts_t round_block(int64_t *restrict e, int64_t n, int k, int mode, const fx_bounds *b,
                            uint64_t key, uint64_t index0)
{
    /* k = 0 drops nothing: round (2m) * 2^-1, which is exact */
    const uint64_t pre = k == 0, kk = k == 0 ? 1 : (uint64_t)k;
    const int64_t hi = b->max_mag > (1ULL << 62) ? (int64_t)1 << 62 : (int64_t)b->max_mag;
    const int64_t lo = b->min_mag > (1ULL << 62) ? -((int64_t)1 << 62) : -(int64_t)b->min_mag;
    const int64_t zero_on_overflow = b->mode == FIXPT_SATURATE_ZERO;
    uint64_t z = key + (index0 + 1) * 0x9e3779b97f4a7c15ULL;
    uint64_t pos = 0, negc = 0, inexact = 0; /* unsigned like the terms: vectorisable */
    switch (mode) {
        FIXPT_FOR_EACH_ROUND_MODE(ROUND_LOOP)
    default: break;
    }
    counts_t c = {(int64_t)pos, (int64_t)negc, (int64_t)inexact};
    return c;
}

int fixpt_elementwise(int32_t op, const fixpt_operand *a, const fixpt_operand *b, void *out,
                      int64_t n, const fixpt_cast *c, fixpt_status *st, uint8_t *overflow_mask)
{
    fx_reset_status(st);
    const int binary = op == FIXPT_OP_ADD || op == FIXPT_OP_SUB || op == FIXPT_OP_MUL ||
                       op == FIXPT_OP_DIV;
    if (op < FIXPT_OP_COPY || op > FIXPT_OP_DIV)
        return FIXPT_E_OPERATION;
    if (!check_operand(a) || (binary && !check_operand(b)))
        return FIXPT_E_OPERAND;
    if (op == FIXPT_OP_MUL && operand_bits(a) + operand_bits(b) > 128)
        return FIXPT_E_OPERAND_WIDTH; /* the exact product would not fit 128 bits */
    int err = fx_check_cast(c);
    if (err)
        return err;
    if (n < 0)
        return FIXPT_E_LENGTH;

    const fx_bounds bounds = fx_make_bounds(c->word_length, c->is_signed, c->overflow_mode);
    const uint64_t key = fx_stream_key(c->seed, c->stream);
    const int stochastic = c->round_mode == FIXPT_STOCHASTIC || c->round_mode == FIXPT_STOCHASTIC_EQUAL;
    const int bits = result_bits(op, a, binary ? b : NULL);
    /* fast path: exact results below 2^62, dropping 0..63 bits, no wrap */
    const int fast = !fx_exact_only() && op != FIXPT_OP_DIV && bits <= 62 && c->shift <= 0 && c->shift >= -63 &&
                     c->overflow_mode != FIXPT_WRAP && !(a->bytes == 8 && !a->is_signed) &&
                     !(binary && b->bytes == 8 && !b->is_signed);
    int64_t ta[BLOCK], tb[BLOCK], e[BLOCK];
    for (int64_t start = 0; start < n; start += BLOCK) {
        int64_t len = n - start < BLOCK ? n - start : BLOCK;
        if (fast) {
            load_block(a, start, len, ta);
            if (binary)
                load_block(b, start, len, tb);
            exact_block(op, ta, tb, e, len, a->align, binary ? b->align : 0);
            counts_t cnt = round_block(e, len, -c->shift, c->round_mode, &bounds, key,
                                       c->index_offset + (uint64_t)start);
            st->n_inexact += cnt.inexact;
            st->n_overflow_pos += cnt.pos;
            st->n_overflow_neg += cnt.neg;
            if ((cnt.pos | cnt.neg) && (overflow_mask || st->first_overflow < 0)) {
                /* find which elements overflowed (rare): redo them one by one */
                for (int64_t i = 0; i < len; i++) {
                    int inexact, overflow;
                    exact_element(op, a, b, start + i, c, &bounds, key, stochastic, &overflow, &inexact);
                    if (overflow_mask)
                        overflow_mask[start + i] = overflow != 0;
                    if (overflow && st->first_overflow < 0)
                        st->first_overflow = start + i;
                }
            } else if (overflow_mask) {
                memset(overflow_mask + start, 0, (size_t)len);
            }
        } else if (op == FIXPT_OP_DIV) {
            for (int64_t i = 0; i < len; i++) {
                fx_exact num = load_one(a, start + i), den = load_one(b, start + i);
                if (den.mag == 0) { /* no value: 0, counted; the caller applies its policy */
                    st->n_divide_by_zero++;
                    e[i] = 0;
                    fx_note(st, overflow_mask, 0, 0, start + i);
                    continue;
                }
                int neg = num.neg != den.neg, overflow;
                uint64_t f, rnd = stochastic ? fx_random(key, c->index_offset + (uint64_t)(start + i)) : 0;
                fx_u128 q = divide_magnitude(num.mag, den.mag, &f);
                q += fx_round_up((uint64_t)neg, (uint64_t)q & 1, f, c->round_mode, rnd);
                e[i] = (int64_t)fx_apply_overflow(neg, (uint64_t)q, (q >> 64) != 0, &bounds, &overflow);
                fx_note(st, overflow_mask, overflow, f != 0, start + i);
            }
        } else {
            for (int64_t i = 0; i < len; i++) {
                int inexact, overflow;
                e[i] = (int64_t)exact_element(op, a, b, start + i, c, &bounds, key, stochastic,
                                              &overflow, &inexact);
                fx_note(st, overflow_mask, overflow, inexact, start + i);
            }
        }
        fx_store_block(e, (char *)out + start * c->out_bytes, len, c->out_bytes);
    }
    return FIXPT_OK;
}
