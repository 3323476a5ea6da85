/*
 * arith.c - elementwise fixed-point arithmetic on raw integers.
 *
 * Each element's exact result (sum, difference, product, quotient, negation,
 * absolute value or plain copy) is formed in integers and rounded/overflow-handled
 * once into the output format.  When the exact result provably fits 62 bits (from
 * the container sizes and alignment) and the binary-point shift is small, a
 * vectorisable int64 loop does the work; otherwise each element goes through the
 * 128-bit engine (driver.h runs both).  Both follow the rules of engine.h.
 */
#include "driver.h"

static int check_operand(const fixpt_operand *x)
{
    return fx_valid_operand(x) && x->align >= 0 && x->align <= 63;
}

/* Magnitude bits an operand can need: containers hold |raw| < 2^(8 bytes). */
static int operand_bits(const fixpt_operand *x)
{
    return 8 * x->bytes + x->align;
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

/* The exact result of one element as sign and magnitude (below 2^128: see the checks). */
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

/* The largest |raw| an operand's container holds, aligned (fast path only: < 2^62). */
static fx_u128 operand_bound(const fixpt_operand *x)
{
    fx_u128 m = x->is_signed ? (fx_u128)1 << (8 * x->bytes - 1) : ((fx_u128)1 << (8 * x->bytes)) - 1;
    return m << x->align;
}

/* The largest |exact result| of the operation (fast path only: result_bits <= 62). */
static fx_u128 result_bound(int op, const fixpt_operand *a, const fixpt_operand *b)
{
    fx_u128 ma = operand_bound(a), mb = b ? operand_bound(b) : 0;
    switch (op) {
    case FIXPT_OP_ADD:
    case FIXPT_OP_SUB: return ma + mb;
    case FIXPT_OP_MUL: return ma * mb;
    default: return ma;
    }
}

/*
 * The fast path, written once for two lane widths: 64-bit lanes (exact results below
 * 2^62) and 32-bit lanes (exact results that provably fit 31 bits, such as the product
 * of two 16-bit words: twice the lanes per vector).  INT/UINT are the lane types, BITS
 * their width, ROUND_SHIFT the engine's rounding at that width.
 */

/* x * 2^sh within the lane (the caller proved it fits), without shifting a negative value. */
#define ALIGN(INT, UINT, x, sh) ((INT)((UINT)(x) << (sh)))

/* Exact results of a block: e[i] = x[i] op y[i], aligned by sa and sb. */
#define DEFINE_EXACT_BLOCK(NAME, INT, UINT)                                                           \
    FIXPT_MULTIVERSION                                                                                \
    static void NAME(int op, const INT *restrict x, const INT *restrict y, INT *restrict e, int64_t n, \
                     int sa, int sb)                                                                  \
    {                                                                                                 \
        switch (op) {                                                                                 \
        case FIXPT_OP_ADD:                                                                            \
            for (int64_t i = 0; i < n; i++) e[i] = ALIGN(INT, UINT, x[i], sa) + ALIGN(INT, UINT, y[i], sb); \
            break;                                                                                    \
        case FIXPT_OP_SUB:                                                                            \
            for (int64_t i = 0; i < n; i++) e[i] = ALIGN(INT, UINT, x[i], sa) - ALIGN(INT, UINT, y[i], sb); \
            break;                                                                                    \
        case FIXPT_OP_MUL: for (int64_t i = 0; i < n; i++) e[i] = x[i] * y[i]; break;                 \
        case FIXPT_OP_NEG: for (int64_t i = 0; i < n; i++) e[i] = -ALIGN(INT, UINT, x[i], sa); break; \
        case FIXPT_OP_ABS:                                                                            \
            for (int64_t i = 0; i < n; i++) e[i] = ALIGN(INT, UINT, x[i] < 0 ? -x[i] : x[i], sa);     \
            break;                                                                                    \
        default: for (int64_t i = 0; i < n; i++) e[i] = ALIGN(INT, UINT, x[i], sa); break;            \
        }                                                                                             \
    }

DEFINE_EXACT_BLOCK(exact_block, int64_t, uint64_t)
DEFINE_EXACT_BLOCK(exact_block32, int32_t, uint32_t)

/*
 * Round e[i] * 2^-k (0 <= k <= BITS - 1) and apply the overflow mode in place.  The
 * caller proves |e| <= 2^(BITS - 1), and |e| < 2^(BITS - 1) when k = 0, so every rounded
 * value fits the lane; hi and lo are the bounds of the target clipped to the lane.
 * MODE is a constant in each copy.
 */
#define ROUND_LOOP(MODE, INT, UINT, BITS, ROUND_SHIFT)                                    \
    for (int64_t i = 0; i < n; i++) {                                                     \
        INT x = e[i];                                                                     \
        UINT sgn = (UINT)0 - ((UINT)x >> (BITS - 1)); /* 0 or all ones: branch-free sign */ \
        UINT neg = sgn & 1;                                                               \
        UINT m = (((UINT)x ^ sgn) - sgn) << pre;                                          \
        UINT mag = ROUND_SHIFT(neg, m, kk, MODE, fx_mix64(z));                            \
        inexact += (UINT)((UINT)(m << (BITS - kk)) != 0);                                 \
        INT v = (INT)((mag ^ sgn) - sgn);                                                 \
        UINT above = v > hi, below = v < lo;                                              \
        pos += above;                                                                     \
        negc += below;                                                                    \
        INT clamped = v > hi ? hi : (v < lo ? lo : v);                                    \
        e[i] = ((above | below) & zero_on_overflow) ? 0 : clamped;                        \
        z += FX_GAMMA;                                                                    \
    }

#define DEFINE_ROUND_BLOCK(NAME, INT, UINT, BITS, ROUND_SHIFT, LOOP)                                  \
    FIXPT_MULTIVERSION                                                                                \
    static fx_counts NAME(INT *restrict e, int64_t n, int k, int mode, const fx_bounds *b, uint64_t key, \
                          uint64_t index0)                                                            \
    {                                                                                                 \
        /* k = 0 drops nothing: round (2m) * 2^-1, which is exact */                                  \
        const UINT pre = k == 0, kk = k == 0 ? 1 : (UINT)k;                                           \
        const uint64_t lane_max = ((uint64_t)1 << (BITS - 2)) * 2 - 1;                                \
        const INT hi = (INT)(b->max_mag < lane_max ? b->max_mag : lane_max);                          \
        const INT lo = (INT)0 - (INT)(b->min_mag < lane_max ? b->min_mag : lane_max);                 \
        const UINT zero_on_overflow = b->mode == FIXPT_SATURATE_ZERO;                                 \
        uint64_t z = fx_counter(key, index0); /* advanced by FX_GAMMA per element */                  \
        UINT pos = 0, negc = 0, inexact = 0;  /* lane-wide like the terms: vectorisable */            \
        switch (mode) {                                                                               \
            FIXPT_FOR_EACH_ROUND_MODE(LOOP)                                                           \
        default: break;                                                                               \
        }                                                                                             \
        fx_counts c = {(int64_t)inexact, (int64_t)pos, (int64_t)negc, 0};                             \
        return c;                                                                                     \
    }

#define ROUND_LOOP64(MODE) ROUND_LOOP(MODE, int64_t, uint64_t, 64, fx_round_shift)
#define ROUND_LOOP32(MODE) ROUND_LOOP(MODE, int32_t, uint32_t, 32, fx_round_shift32)
DEFINE_ROUND_BLOCK(round_block, int64_t, uint64_t, 64, fx_round_shift, ROUND_LOOP64)
DEFINE_ROUND_BLOCK(round_block32, int32_t, uint32_t, 32, fx_round_shift32, ROUND_LOOP32)

/* ---- the kernel ---- */

typedef struct {
    int op, binary, fast_ok, exact_fits; /* exact_fits: shift 0 and no result can overflow */
    int narrow;                          /* the fast path in 32-bit lanes (arith_fast32) */
    const fixpt_operand *a, *b;
    const fixpt_cast *cast;
    fx_bounds bounds;
    uint64_t key;
} arith_ctx;

static int64_t arith_fast(const void *vctx, int64_t start, int64_t n, int64_t *restrict v, fx_counts *counts,
                       int64_t *restrict hard, uint8_t *mask)
{
    (void)hard;
    (void)mask;
    const arith_ctx *c = vctx;
    if (!c->fast_ok)
        return FX_BLOCK_EXACT;
    const int sa = c->a->align, sb = c->binary ? c->b->align : 0;
    int64_t ta[FX_BLOCK], tb[FX_BLOCK];
    fx_load_block_int64(c->a, start, n, ta);
    if (c->binary)
        fx_load_block_int64(c->b, start, n, tb);
    exact_block(c->op, ta, tb, v, n, sa, sb);
    if (c->exact_fits) { /* nothing to round, nothing can overflow (proved once per call) */
        fx_counts none = {0, 0, 0, 0};
        *counts = none;
        return 0;
    }
    *counts = round_block(v, n, -c->cast->shift, c->cast->round_mode, &c->bounds, c->key,
                          c->cast->index_offset + (uint64_t)start);
    return 0;
}

/* The fast path in 32-bit lanes (ctx.narrow), storing its results itself. */
static int64_t arith_fast32(const void *vctx, int64_t start, int64_t n, void *out, int64_t stride, int bytes,
                            fx_counts *counts)
{
    const arith_ctx *c = vctx;
    int32_t xa[FX_BLOCK], xb[FX_BLOCK], e[FX_BLOCK];
    fx_load_block_int32(c->a, start, n, xa);
    if (c->binary)
        fx_load_block_int32(c->b, start, n, xb);
    exact_block32(c->op, xa, xb, e, n, c->a->align, c->binary ? c->b->align : 0);
    fx_counts none = {0, 0, 0, 0};
    *counts = c->exact_fits ? none
                            : round_block32(e, n, -c->cast->shift, c->cast->round_mode, &c->bounds, c->key,
                                            c->cast->index_offset + (uint64_t)start);
    fx_store_block32(e, out, stride, start, n, bytes);
    return 0;
}

static uint64_t arith_exact(const void *vctx, int64_t i, fixpt_status *st, uint8_t *mask)
{
    const arith_ctx *c = vctx;
    const fixpt_cast *cast = c->cast;
    uint64_t rnd = fx_random_if(cast->round_mode, c->key, cast->index_offset + (uint64_t)i);
    int overflow, inexact, big;
    uint64_t raw;
    if (c->op == FIXPT_OP_DIV) {
        fx_exact num = load_one(c->a, i), den = load_one(c->b, i);
        if (den.mag == 0) { /* no value: 0, counted; the caller applies its policy */
            st->n_divide_by_zero++;
            fx_note(st, mask, 0, 0, i);
            return 0;
        }
        int neg = num.neg != den.neg;
        uint64_t f;
        fx_u128 q = divide_magnitude(num.mag, den.mag, &f); /* < 2^127 */
        q += fx_round_up((uint64_t)neg, (uint64_t)q & 1, f, cast->round_mode, rnd);
        raw = fx_apply_overflow(neg, (uint64_t)q, (q >> 64) != 0, &c->bounds, &overflow);
        inexact = f != 0;
    } else {
        fx_exact x = exact_one(c->op, c->a, c->b, i);
        uint64_t mag = fx_round_scaled(x.neg, x.mag, cast->shift, cast->round_mode, rnd, &big, &inexact);
        raw = fx_apply_overflow(x.neg, mag, big, &c->bounds, &overflow);
    }
    fx_note(st, mask, overflow, inexact, i);
    return raw;
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
    int err = fx_check_cast(c, n);
    if (err)
        return err;
    arith_ctx ctx;
    ctx.op = op;
    ctx.binary = binary;
    ctx.a = a;
    ctx.b = binary ? b : a;
    ctx.cast = c;
    ctx.bounds = fx_make_bounds(c->word_length, c->is_signed, c->overflow_mode);
    ctx.key = fx_stream_key(c->seed, c->stream);
    /* fast path: exact results below 2^62 (no uint64 operand), dropping 0..63 bits, no wrap */
    const fixpt_operand *second = binary ? b : NULL;
    ctx.fast_ok = op != FIXPT_OP_DIV && result_bits(op, a, second) <= 62 && c->shift <= 0 && c->shift >= -63 &&
                  c->overflow_mode != FIXPT_WRAP && !(a->bytes == 8 && !a->is_signed) &&
                  !(binary && b->bytes == 8 && !b->is_signed);
    /* the largest |exact result| the containers allow (defined on the fast path only) */
    const fx_u128 bound = ctx.fast_ok ? result_bound(op, a, second) : 0;
    ctx.exact_fits = ctx.fast_ok && c->shift == 0 && bound <= ctx.bounds.max_mag && bound <= ctx.bounds.min_mag;
    /* 32-bit lanes: every exact result and every rounded one fits an int32.  |exact| <= 2^31 - 1
     * from the containers (a copy may reach 2^31, the most negative int32, when it drops at
     * least one bit: its magnitude is then formed in unsigned arithmetic and rounds to at most
     * 2^30); at most 31 bits dropped */
    const fx_u128 int32_max = ((fx_u128)1 << 31) - 1;
    ctx.narrow = ctx.fast_ok && c->shift >= -31 &&
                 (bound <= int32_max || (op == FIXPT_OP_COPY && bound == int32_max + 1 && c->shift < 0));
    fx_kernel kernel = {arith_fast, arith_exact, &ctx, NULL, ctx.narrow ? arith_fast32 : NULL};
    fx_run(&kernel, n, out, c->out_stride ? c->out_stride : c->out_bytes, c->out_bytes, st, overflow_mask);
    return FIXPT_OK;
}
