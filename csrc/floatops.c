/*
 * floatops.c - correctly rounded arithmetic in any binary float format: add, subtract,
 * multiply, divide, square root and fused multiply-add of values of the format (held in
 * float64), each computed exactly in integers and rounded once by ff_round (floatfmt.h),
 * with the IEEE 754 rules for zeros, infinities and NaN and the five exception flags.
 *
 * The exact path is the definition.  A vectorised fast path covers the common case: the
 * float64 result s nearest the exact one, and the exact error err = exact - s (TwoSum for
 * sums; products of two values of at most 26 bits of precision are exact in float64; for
 * quotients and roots the sign of err, from an exact remainder), give the correctly
 * rounded result in the format by rounding the bit pattern of s, with err deciding the
 * dropped part below s.  Elements it cannot prove take the exact path (driver.h).
 */
#include "floatfmt.h"

/* ---- exact arithmetic on (-1)^neg * m * 2^e ---- */

typedef struct {
    int neg;
    fx_u128 m;
    int64_t e;
} ff_exact;

static inline ff_exact ff_exact_of(const ff_parts *p)
{
    ff_exact r = {p->neg, p->cls == FF_FINITE ? p->m : 0, p->e};
    return r;
}

/*
 * a + b for nonzero magnitudes below 2^127.  The larger operand's top bit goes to bit 126;
 * bits of the smaller one shifted below bit 0 become a sticky bit.  That happens only when
 * the result is at least 2^125, so at least 70 bits lie between the sticky bit and the
 * last kept bit of any format: every rounding mode decides as on the exact sum.
 */
static ff_exact ff_sum(ff_exact a, ff_exact b)
{
    if (ff_bit_length(a.m) + a.e < ff_bit_length(b.m) + b.e) {
        ff_exact t = a;
        a = b;
        b = t;
    }
    int64_t sa = 127 - ff_bit_length(a.m);
    fx_u128 A = a.m << sa, B;
    int64_t E = a.e - sa, sb = b.e - E;
    if (sb >= 0) {
        B = b.m << sb; /* b's top bit is at most a's: B < 2^127 */
    } else if (sb > -128) {
        int k = (int)-sb;
        B = (b.m >> k) | ((b.m << (128 - k)) != 0);
    } else {
        B = 1;
    }
    ff_exact r;
    r.e = E;
    if (a.neg == b.neg) {
        r.neg = a.neg;
        r.m = A + B;
    } else if (A >= B) {
        r.neg = a.neg;
        r.m = A - B;
    } else {
        r.neg = b.neg;
        r.m = B - A;
    }
    return r;
}

/* a / b for nonzero significands of at most 53 bits: a quotient of at least 114 bits and
 * a sticky bit from the remainder. */
static ff_exact ff_quotient(uint64_t ma, int64_t ea, uint64_t mb, int64_t eb)
{
    int la = 53 - (int)ff_bit_length(ma), lb = 53 - (int)ff_bit_length(mb);
    fx_u128 A = (fx_u128)(ma << la) << 74; /* < 2^127 */
    uint64_t B = mb << lb;                 /* 2^52 <= B < 2^53 */
    fx_u128 q1 = A / B, r1 = A % B;
    fx_u128 n2 = r1 << 40; /* r1 < 2^53 */
    fx_u128 q2 = n2 / B, r2 = n2 % B;
    ff_exact r;
    r.neg = 0;
    r.m = (((q1 << 40) | q2) << 1) | (r2 != 0); /* < 2^116 */
    r.e = (ea - la) - (eb - lb) - 115;
    return r;
}

/* sqrt(m * 2^e) for m >= 1 of at most 53 bits: a root of at least 107 bits (digit by
 * digit, exact) and a sticky bit from the remainder. */
static ff_exact ff_root(uint64_t m, int64_t e)
{
    int shift = 53 - (int)ff_bit_length(m);
    if (((uint64_t)(e - shift)) & 1) /* keep the exponent even */
        shift++;
    m <<= shift; /* 53 or 54 bits */
    e -= shift;
    /* the radicand is m * 2^162; root = floor(sqrt(m * 2^162)) < 2^108 */
    fx_u128 rem = 0, root = 0;
    for (int t = 107; t >= 0; t--) {
        uint64_t pair = 2 * t >= 162 ? (m >> (2 * t - 162)) & 3 : 0;
        rem = (rem << 2) | pair;
        fx_u128 trial = (root << 2) | 1;
        if (rem >= trial) {
            rem -= trial;
            root = (root << 1) | 1;
        } else {
            root <<= 1;
        }
    }
    ff_exact r;
    r.neg = 0;
    r.m = (root << 1) | (rem != 0);
    r.e = e / 2 - 82; /* e is even: exact division */
    return r;
}

/* The sign of an exact zero sum of operands with signs na, nb: theirs when they agree,
 * else +0, or -0 when rounding toward -inf (IEEE 754 6.3). */
static inline int ff_zero_sum_sign(int na, int nb, int mode)
{
    return na == nb ? na : mode == FIXPT_FLOOR;
}

/* a + b exactly, rounded once. */
static uint64_t ff_add_exact(const ff_t *f, ff_exact a, ff_exact b, int mode, uint64_t rnd, int *flags)
{
    if (a.m == 0 && b.m == 0)
        return ff_zero(f, ff_zero_sum_sign(a.neg, b.neg, mode), flags);
    ff_exact r = a.m == 0 ? b : b.m == 0 ? a : ff_sum(a, b);
    if (r.m == 0)
        return ff_zero(f, ff_zero_sum_sign(a.neg, b.neg, mode), flags);
    return ff_round(f, r.neg, r.m, r.e, mode, rnd, flags);
}

/* One operation on parsed operands (values of the format). */
static uint64_t ff_arith(const ff_t *f, int op, ff_parts *x, int arity, int mode, uint64_t rnd,
                         int *flags)
{
    ff_parts *a = &x[0], *b = &x[1], *c = &x[2];
    if (op == FIXPT_FLOAT_SUB && b->cls != FF_NAN)
        b->neg ^= 1;
    if (op == FIXPT_FLOAT_FMA && ((a->cls == FF_INF && b->cls == FF_ZERO) ||
                                  (a->cls == FF_ZERO && b->cls == FF_INF)))
        *flags |= FIXPT_FLAG_INVALID; /* 0 * inf, even when c is a quiet NaN */
    for (int j = 0; j < arity; j++) {
        if (x[j].cls == FF_NAN) {
            for (int k = j; k < arity; k++) /* any signaling NaN is an invalid operation */
                if (x[k].cls == FF_NAN && !(x[k].m >> 51))
                    *flags |= FIXPT_FLAG_INVALID;
            return ff_nan_of(f, x[j].neg, x[j].m | (1ULL << 51), flags);
        }
    }
    if (*flags & FIXPT_FLAG_INVALID)
        return f->nan_bits;
    switch (op) {
    case FIXPT_FLOAT_ADD:
    case FIXPT_FLOAT_SUB:
        if (a->cls == FF_INF || b->cls == FF_INF) {
            if (a->cls == FF_INF && b->cls == FF_INF && a->neg != b->neg)
                return ff_invalid(f, flags);
            return ff_infinity(f, a->cls == FF_INF ? a->neg : b->neg, flags);
        }
        return ff_add_exact(f, ff_exact_of(a), ff_exact_of(b), mode, rnd, flags);
    case FIXPT_FLOAT_MUL: {
        int neg = a->neg ^ b->neg;
        if (a->cls == FF_INF || b->cls == FF_INF) {
            if (a->cls == FF_ZERO || b->cls == FF_ZERO)
                return ff_invalid(f, flags);
            return ff_infinity(f, neg, flags);
        }
        if (a->cls == FF_ZERO || b->cls == FF_ZERO)
            return ff_zero(f, neg, flags);
        return ff_round(f, neg, (fx_u128)a->m * b->m, a->e + b->e, mode, rnd, flags);
    }
    case FIXPT_FLOAT_DIV: {
        int neg = a->neg ^ b->neg;
        if (a->cls == FF_INF)
            return b->cls == FF_INF ? ff_invalid(f, flags) : ff_infinity(f, neg, flags);
        if (b->cls == FF_INF)
            return ff_zero(f, neg, flags);
        if (b->cls == FF_ZERO) {
            if (a->cls == FF_ZERO)
                return ff_invalid(f, flags);
            *flags |= FIXPT_FLAG_DIVIDE_BY_ZERO;
            return ff_infinity(f, neg, flags);
        }
        if (a->cls == FF_ZERO)
            return ff_zero(f, neg, flags);
        ff_exact q = ff_quotient(a->m, a->e, b->m, b->e);
        return ff_round(f, neg, q.m, q.e, mode, rnd, flags);
    }
    case FIXPT_FLOAT_SQRT:
        if (a->cls == FF_ZERO)
            return ff_zero(f, a->neg, flags); /* sqrt(-0) = -0 */
        if (a->neg)
            return ff_invalid(f, flags);
        if (a->cls == FF_INF)
            return ff_infinity(f, 0, flags);
        {
            ff_exact r = ff_root(a->m, a->e);
            return ff_round(f, 0, r.m, r.e, mode, rnd, flags);
        }
    default: { /* FIXPT_FLOAT_FMA */
        int neg = a->neg ^ b->neg;
        if (a->cls == FF_INF || b->cls == FF_INF) {
            if (c->cls == FF_INF && c->neg != neg)
                return ff_invalid(f, flags);
            return ff_infinity(f, neg, flags);
        }
        if (c->cls == FF_INF)
            return ff_infinity(f, c->neg, flags);
        ff_exact p = {neg, 0, a->e + b->e};
        if (a->cls == FF_FINITE && b->cls == FF_FINITE)
            p.m = (fx_u128)a->m * b->m;
        return ff_add_exact(f, p, ff_exact_of(c), mode, rnd, flags);
    }
    }
}

/* Is x a value of the format (parsed into *p)? */
static int ff_operand(const ff_t *f, double x, ff_parts *p)
{
    *p = ff_split(x);
    switch (p->cls) {
    case FF_NAN: return ff_has_nan(f);
    case FF_INF: return f->kind == FIXPT_SPECIAL_IEEE && (!p->neg || f->is_signed);
    case FF_ZERO: return f->has_zero;
    default: {
        int flags = 0;
        ff_round(f, p->neg, p->m, p->e, FIXPT_NEAREST_EVEN, 0, &flags);
        return flags == 0;
    }
    }
}

/* ---- the fast path ---- */

/* What the fast loops need of the format. */
typedef struct {
    uint64_t k;             /* bits of a float64 significand below the format's: 52 - M */
    uint64_t low_mask;      /* (1 << k) - 1 */
    uint64_t man_mask;      /* the format's trailing field, in the kept part of a pattern */
    uint64_t max_abs;       /* float64 pattern of the largest finite value */
    uint64_t min_abs;       /* float64 pattern of the smallest normal value, 2^emin */
    uint64_t minus_zero;    /* 1 when the format has -0 (not fnuz) */
} fast_fmt;

#define ABS_MASK 0x7fffffffffffffffULL
#define MANTISSA 0x000fffffffffffffULL
#define HIDDEN 0x0010000000000000ULL

/* Is the float64 pattern (sign cleared) a zero or a normal value of the format?  Patterns
 * with the sign cleared are below 2^63: signed comparisons (one instruction in AVX2). */
static inline uint64_t fast_member(const fast_fmt *c, uint64_t a)
{
    int64_t as = (int64_t)a;
    return (a == 0) | ((as >= (int64_t)c->min_abs) & (as <= (int64_t)c->max_abs) & ((a & c->low_mask) == 0));
}

/* Is s a zero the format has (fnuz has no -0)? */
static inline uint64_t fast_zero(const fast_fmt *c, double s)
{
    uint64_t b = fx_bits_of(s);
    return ((b & ABS_MASK) == 0) & (c->minus_zero | ((b >> 63) ^ 1));
}

/* Are both x and y zeros or normal values of the format? */
static inline uint64_t fast_members(const fast_fmt *c, double x, double y)
{
    return fast_member(c, fx_bits_of(x) & ABS_MASK) & fast_member(c, fx_bits_of(y) & ABS_MASK);
}

/* float64 value of an integer 0 <= u < 2^52, exactly (vectorisable). */
static inline double fast_small_int(uint64_t u)
{
    return fx_double_of(0x4330000000000000ULL | u) - 4503599627370496.0;
}

/*
 * The correctly rounded result (float64 pattern) of exact = s + err, where s is the
 * float64 nearest exact and err is exact (for quotients and roots it only has the sign of
 * the true error: enough for the deterministic modes).  Sets *bad when the result may be
 * zero, subnormal or overflow, or the case is not covered; *inexact as IEEE.
 */
static inline __attribute__((always_inline)) uint64_t fast_result(const fast_fmt *c, double s, double err, int mode, uint64_t rnd,
                                   uint64_t *bad, uint64_t *inexact)
{
    const uint64_t k = c->k;
    uint64_t sb = fx_bits_of(s), neg = sb >> 63, a = sb & ABS_MASK;
    uint64_t keep = a >> k, f = a << (64 - k); /* kept pattern; dropped bits, left-aligned */
    uint64_t eb = fx_bits_of(err);
    uint64_t enz = (eb & ABS_MASK) != 0;
    uint64_t down = enz & ((eb >> 63) ^ neg); /* the exact magnitude is below |s| */
    uint64_t borrow = down & (f == 0);         /* ... below the kept pattern itself */
    uint64_t base = keep - borrow;
    uint64_t fx = f + (enz & (down ^ 1)) - down; /* dropped part with a sticky bit, mod 2^64 */
    uint64_t up;
    *bad = ((int64_t)a < (int64_t)c->min_abs) | (borrow & ((keep & c->man_mask) == 0));
    if (mode == FIXPT_STOCHASTIC) {
        int64_t ex = (int64_t)(a >> 52) - 1023;
        /* exact: y = (f >> 12) + cm, the dropped part in units of 2^-52 of the quantum */
        int64_t pe = 1023 + 104 - (int64_t)k - ex;
        uint64_t pe_ok = (pe >= 1) & (pe <= 2046);
        double scale = fx_double_of((uint64_t)(pe_ok ? pe : 1023) << 52);
        double cm = fx_double_of((eb & ABS_MASK) | (down << 63)) * scale;
        *bad |= (pe_ok ^ 1) | (enz & (cm == 0.0));
        double du = fast_small_int(rnd >> 12), dF = fast_small_int(f >> 12);
        const double two52 = 4503599627370496.0;
        uint64_t plus = neg ? ((two52 - du) - dF <= cm) : (du - dF < cm);
        uint64_t minus = neg ? (cm < -du) : (du - two52 >= cm);
        up = borrow ? (minus ^ 1) : plus;
    } else if (mode == FIXPT_STOCHASTIC_EQUAL) {
        uint64_t mag_up = (rnd >> 63) ^ neg;
        up = borrow ? mag_up : (fx != 0) & mag_up;
    } else {
        up = fx_round_up(neg, base & 1, fx, mode, rnd);
    }
    uint64_t r = (base + up) << k;
    *bad |= (int64_t)r > (int64_t)c->max_abs; /* s is finite or inf here (a NaN comes from NaN
                                               * operands, never members): r < 2^63 */
    *inexact = fx != 0;
    return (neg << 63) | r;
}

/* Two-sum: s + err == x + y exactly (no overflow). */
static inline double fast_two_sum(double x, double y, double *err)
{
    double s = x + y, yy = s - x;
    *err = (x - (s - yy)) + (y - yy);
    return s;
}

/* Veltkamp split of x into hi + lo, each of at most 26 significant bits. */
static inline double fast_split(double x, double *lo)
{
    double t = 134217729.0 * x, hi = t - (t - x);
    *lo = x - hi;
    return hi;
}

/* |x| in [2^-400, 2^400): products of the splits stay normal. */
static inline uint64_t fast_moderate(double x)
{
    uint64_t a = fx_bits_of(x) & ABS_MASK;
    return (a >= 0x26f0000000000000ULL) & (a < 0x58f0000000000000ULL);
}

typedef struct {
    ff_t f;
    fast_fmt fast;
    int op, arity, mode, fast_ok;
    const fixpt_doubles *in[3];
    uint64_t key, index_offset;
    int64_t *not_a_value; /* first element with an operand outside the format, or -1 */
} arith_ctx;

/*
 * One loop per operation and mode: OP() computes s and err from xa[i], xb[i], xc[i], ok
 * (the operands are values the loop covers) and exact_zero (s is the exact, correctly
 * signed zero result).  OP is passed unexpanded: its body has commas.  hard[i] holds
 * FX_HARD and the inexact flag.
 */
#define FAST_ARITH_LOOP(MODE, OP)                                                      \
    {                                                                                  \
    const int loop_mode = MODE; /* what OP() sees of the mode */                       \
    (void)loop_mode;                                                                   \
    for (int64_t i = 0; i < n; i++) {                                                  \
        double s, err;                                                                 \
        uint64_t ok, exact_zero = 0, bad_result, inexact_i;                            \
        OP()                                                                           \
        uint64_t r = fast_result(c, s, err, MODE, fx_mix64(z), &bad_result, &inexact_i); \
        uint64_t bad = (ok ^ 1) | (bad_result & (exact_zero ^ 1));                     \
        hard[i] = (int64_t)((bad << 7) | inexact_i);                                   \
        n_hard += bad;                                                                 \
        inexact += inexact_i & (bad ^ 1);                                              \
        v[i] = (int64_t)r;                                                             \
        z += FX_GAMMA;                                                                 \
    }                                                                                  \
    }

#define OP_ADD()                                                                       \
    s = fast_two_sum(xa[i], xb[i], &err);                                              \
    ok = fast_members(c, xa[i], xb[i]);                                                \
    exact_zero = fast_zero(c, s) & (loop_mode != FIXPT_FLOOR); /* x + -x: +0 (the hardware's too) */
#define OP_SUB()                                                                       \
    s = fast_two_sum(xa[i], -xb[i], &err);                                             \
    ok = fast_members(c, xa[i], xb[i]);                                                \
    exact_zero = fast_zero(c, s) & (loop_mode != FIXPT_FLOOR);
#define OP_MUL() /* exact: both significands have at most 26 bits */                   \
    s = xa[i] * xb[i];                                                                 \
    err = 0.0;                                                                         \
    ok = fast_members(c, xa[i], xb[i]);                                                \
    exact_zero = ((xa[i] == 0.0) | (xb[i] == 0.0)) & fast_zero(c, s);
#define OP_FMA()                                                                       \
    {                                                                                  \
        double p = xa[i] * xb[i]; /* exact when it is a normal float64 */              \
        uint64_t pa = fx_bits_of(p) & ABS_MASK;                                        \
        s = fast_two_sum(p, xc[i], &err);                                              \
        ok = fast_members(c, xa[i], xb[i]) & fast_member(c, fx_bits_of(xc[i]) & ABS_MASK) & \
             (pa >> 52 != 0) & (pa < 0x7ff0000000000000ULL);                          \
    }
#define OP_DIV() /* the sign of a - q*b, exactly (Dekker) */                           \
    {                                                                                  \
        double q = xa[i] / xb[i], ql, qh = fast_split(q, &ql);                         \
        double rem = (xa[i] - qh * xb[i]) - ql * xb[i];                                \
        s = q;                                                                         \
        err = xb[i] < 0 ? -rem : rem;                                                  \
        ok = fast_members(c, xa[i], xb[i]) & fast_moderate(xa[i]) & fast_moderate(xb[i]) & \
             fast_moderate(q);                                                         \
    }
#define OP_SQRT() /* the sign of a - s*s, exactly, in integers */                      \
    {                                                                                  \
        uint64_t ab = fx_bits_of(xa[i]), sb2;                                          \
        s = sqrt(xa[i]);                                                               \
        sb2 = fx_bits_of(s);                                                           \
        int64_t shift = (int64_t)(ab >> 52) - 2 * (int64_t)(sb2 >> 52) + 1075;         \
        uint64_t shift_ok = (shift >= 0) & (shift <= 60);                              \
        fx_u128 lhs = (fx_u128)((ab & MANTISSA) | HIDDEN) << (shift_ok ? shift : 0);   \
        uint64_t sig = (sb2 & MANTISSA) | HIDDEN;                                      \
        fx_u128 rhs = (fx_u128)sig * sig;                                              \
        err = lhs > rhs ? 1.0 : lhs < rhs ? -1.0 : 0.0;                                \
        ok = fast_member(c, ab & ABS_MASK) & fast_moderate(xa[i]) & (xa[i] > 0) & shift_ok; \
    }

#define DETERMINISTIC_MODES(LOOP, OP)                                                  \
    case FIXPT_NEAREST_EVEN: LOOP(FIXPT_NEAREST_EVEN, OP) break;                       \
    case FIXPT_NEAREST_AWAY: LOOP(FIXPT_NEAREST_AWAY, OP) break;                       \
    case FIXPT_NEAREST_ZERO: LOOP(FIXPT_NEAREST_ZERO, OP) break;                       \
    case FIXPT_NEAREST_UP: LOOP(FIXPT_NEAREST_UP, OP) break;                           \
    case FIXPT_NEAREST_DOWN: LOOP(FIXPT_NEAREST_DOWN, OP) break;                       \
    case FIXPT_FLOOR: LOOP(FIXPT_FLOOR, OP) break;                                     \
    case FIXPT_CEIL: LOOP(FIXPT_CEIL, OP) break;                                       \
    case FIXPT_TOWARD_ZERO: LOOP(FIXPT_TOWARD_ZERO, OP) break;                         \
    case FIXPT_AWAY_FROM_ZERO: LOOP(FIXPT_AWAY_FROM_ZERO, OP) break;                   \
    case FIXPT_ODD: LOOP(FIXPT_ODD, OP) break;
#define ALL_MODES(LOOP, OP)                                                            \
    DETERMINISTIC_MODES(LOOP, OP)                                                      \
    case FIXPT_STOCHASTIC: LOOP(FIXPT_STOCHASTIC, OP) break;                           \
    case FIXPT_STOCHASTIC_EQUAL: LOOP(FIXPT_STOCHASTIC_EQUAL, OP) break;

/* A fast block function for one operation; MODES says which modes it covers. */
#define FAST_ARITH_FUNCTION(NAME, OP, MODES)                                           \
    FIXPT_MULTIVERSION                                                                 \
    static int64_t NAME(const fast_fmt *c, const double *restrict xa, const double *restrict xb, \
                        const double *restrict xc, int64_t *restrict v, int64_t *restrict hard, \
                        int64_t n, int mode, uint64_t z, int64_t *n_inexact)          \
    {                                                                                  \
        int64_t n_hard = 0, inexact = 0;                                               \
        (void)xb;                                                                      \
        (void)xc;                                                                      \
        switch (mode) {                                                                \
            MODES(FAST_ARITH_LOOP, OP)                                                 \
        default: return FX_BLOCK_EXACT;                                                \
        }                                                                              \
        *n_inexact = inexact;                                                          \
        return n_hard;                                                                 \
    }

FAST_ARITH_FUNCTION(fast_add, OP_ADD, ALL_MODES)
FAST_ARITH_FUNCTION(fast_sub, OP_SUB, ALL_MODES)
FAST_ARITH_FUNCTION(fast_mul, OP_MUL, ALL_MODES)
FAST_ARITH_FUNCTION(fast_fma, OP_FMA, ALL_MODES)
FAST_ARITH_FUNCTION(fast_div, OP_DIV, DETERMINISTIC_MODES)
FAST_ARITH_FUNCTION(fast_sqrt, OP_SQRT, DETERMINISTIC_MODES)

static int64_t arith_fast(const void *vctx, int64_t start, int64_t n, int64_t *restrict v,
                          fx_counts *counts, int64_t *restrict hard, uint8_t *mask)
{
    const arith_ctx *c = vctx;
    if (!c->fast_ok)
        return FX_BLOCK_EXACT;
    double buf[3][FX_BLOCK];
    const double *x[3] = {buf[0], buf[0], buf[0]};
    for (int j = 0; j < c->arity; j++)
        x[j] = fx_doubles(c->in[j]->data, c->in[j]->stride, start, n, buf[j]);
    uint64_t z = fx_counter(c->key, c->index_offset + (uint64_t)start);
    int64_t inexact = 0, n_hard;
    static int64_t (*const kernels[])(const fast_fmt *, const double *restrict, const double *restrict,
                                      const double *restrict, int64_t *restrict, int64_t *restrict,
                                      int64_t, int, uint64_t, int64_t *) = {
        fast_add, fast_sub, fast_mul, fast_div, fast_sqrt, fast_fma};
    n_hard = kernels[c->op](&c->fast, x[0], x[1], x[2], v, hard, n, c->mode, z, &inexact);
    if (n_hard == FX_BLOCK_EXACT)
        return n_hard;
    counts->inexact = inexact;
    ff_fast_flags(hard, mask, n);
    return n_hard;
}

static uint64_t arith_exact(const void *vctx, int64_t i, fixpt_status *st, uint8_t *mask)
{
    const arith_ctx *c = vctx;
    ff_parts x[3];
    for (int j = 0; j < c->arity; j++) {
        if (!ff_operand(&c->f, FX_AT(double, c->in[j]->data, c->in[j]->stride, i), &x[j])) {
            fx_atomic_first(c->not_a_value, i);
            return 0;
        }
    }
    int flags = 0;
    uint64_t rnd = fx_random_if(c->mode, c->key, c->index_offset + (uint64_t)i);
    double value = ff_decode(&c->f, ff_arith(&c->f, c->op, x, c->arity, c->mode, rnd, &flags));
    if (value != value) {
        st->n_nan++;
        if (st->first_nan < 0)
            st->first_nan = i;
    } else if (value == INFINITY || value == -INFINITY) {
        st->n_inf++;
    }
    ff_note(st, mask, i, flags, value < 0);
    return fx_bits_of(value);
}

int fixpt_float_arith(int32_t op, const fixpt_doubles *a, const fixpt_doubles *b,
                      const fixpt_doubles *c, double *out, int64_t out_stride, int64_t n,
                      const fixpt_float_format *fmt, const fixpt_rounding *rounding,
                      fixpt_status *st, uint8_t *flags)
{
    fx_reset_status(st);
    arith_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    int err = ff_init_rounding(fmt, rounding, &ctx.f);
    if (err)
        return err;
    if (op < FIXPT_FLOAT_ADD || op > FIXPT_FLOAT_FMA)
        return FIXPT_E_OPERATION;
    if (n < 0)
        return FIXPT_E_LENGTH;
    static const int arity[] = {2, 2, 2, 2, 1, 3};
    const ff_t *f = &ctx.f;
    int64_t not_a_value = -1;
    ctx.op = op;
    ctx.arity = arity[op];
    ctx.in[0] = a;
    ctx.in[1] = b;
    ctx.in[2] = c;
    ctx.mode = rounding->mode;
    ctx.key = fx_stream_key(rounding->seed, rounding->stream);
    ctx.index_offset = rounding->index_offset;
    ctx.not_a_value = &not_a_value;
    ctx.fast.k = (uint64_t)(52 - f->M);
    ctx.fast.low_mask = f->M <= 51 ? (1ULL << (52 - f->M)) - 1 : 0;
    ctx.fast.man_mask = f->man_mask;
    ctx.fast.max_abs = fx_bits_of(ff_decode(f, f->max_mag));
    ctx.fast.min_abs = (uint64_t)(f->emin + 1023) << 52; /* read only when emin >= -1022 */
    ctx.fast.minus_zero = f->kind != FIXPT_SPECIAL_FNUZ;
    /* exact float64 products need significands of at most 26 bits */
    int exact_products = op == FIXPT_FLOAT_MUL || op == FIXPT_FLOAT_FMA || op == FIXPT_FLOAT_DIV ||
                         op == FIXPT_FLOAT_SQRT;
    ctx.fast_ok = f->M >= 1 && f->M <= 51 && f->is_signed && f->has_zero && f->emin >= -1022 &&
                  (!exact_products || f->M <= 25);
    fx_kernel kernel = {arith_fast, arith_exact, &ctx};
    fx_run(&kernel, n, out, out_stride, 8, st, flags);
    return not_a_value >= 0 ? FIXPT_E_NOT_A_VALUE : FIXPT_OK;
}
