/*
 * engine.h - private to the C core: the one rounding engine shared by every
 * conversion (float -> fixed, fixed -> fixed, and float -> float formats), and
 * the counter-based random generator behind stochastic rounding.
 */
#ifndef FIXPT_ENGINE_H
#define FIXPT_ENGINE_H

#include <stdint.h>
#include <string.h>
#include "fixpt.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(FIXPT_NO_MULTIVERSION)
/* Build an AVX2 and a baseline copy of a hot loop; the loader picks one. */
#ifdef FIXPT_NO_AVX512 /* a CI variant: the AVX2 clones are the ones that run on AVX-512 machines */
#define FIXPT_MULTIVERSION __attribute__((target_clones("avx2", "default")))
#else
#define FIXPT_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
#else
#define FIXPT_MULTIVERSION
#endif

/* Expands to one `case MODE: LOOP(MODE) break;` per rounding mode, so a loop
 * written for a constant mode is instantiated (and vectorised) for each. */
#define FIXPT_FOR_EACH_ROUND_MODE(LOOP)                                        \
    case FIXPT_NEAREST_EVEN: LOOP(FIXPT_NEAREST_EVEN) break;                   \
    case FIXPT_NEAREST_AWAY: LOOP(FIXPT_NEAREST_AWAY) break;                   \
    case FIXPT_NEAREST_ZERO: LOOP(FIXPT_NEAREST_ZERO) break;                   \
    case FIXPT_NEAREST_UP: LOOP(FIXPT_NEAREST_UP) break;                       \
    case FIXPT_NEAREST_DOWN: LOOP(FIXPT_NEAREST_DOWN) break;                   \
    case FIXPT_FLOOR: LOOP(FIXPT_FLOOR) break;                                 \
    case FIXPT_CEIL: LOOP(FIXPT_CEIL) break;                                   \
    case FIXPT_TOWARD_ZERO: LOOP(FIXPT_TOWARD_ZERO) break;                     \
    case FIXPT_AWAY_FROM_ZERO: LOOP(FIXPT_AWAY_FROM_ZERO) break;               \
    case FIXPT_ODD: LOOP(FIXPT_ODD) break;                                     \
    case FIXPT_STOCHASTIC: LOOP(FIXPT_STOCHASTIC) break;                       \
    case FIXPT_STOCHASTIC_EQUAL: LOOP(FIXPT_STOCHASTIC_EQUAL) break;

/* Test hook (fixpt_set_exact_only): when nonzero, kernels skip their fast paths
 * so that tests can compare every fast path with the exact engine on the same inputs. */
extern int fx_exact_only_flag;

static inline int fx_exact_only(void)
{
    return fx_exact_only_flag;
}

/* Number of random bits a stochastic decision uses (see fx_round_scaled). */
#define FIXPT_SR_BITS 52

/* ---- counter-based generator (SplitMix64 finaliser over a Weyl sequence) ---- */

static inline uint64_t fx_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t fx_stream_key(uint64_t seed, uint64_t stream)
{
    return fx_mix64(seed ^ fx_mix64(stream ^ 0x6a09e667f3bcc909ULL));
}

/* The Weyl increment: element i's counter is key + (i + 1) * FX_GAMMA. */
#define FX_GAMMA 0x9e3779b97f4a7c15ULL

/* The counter of element `index`; a loop adds FX_GAMMA per element. */
static inline uint64_t fx_counter(uint64_t key, uint64_t index)
{
    return key + (index + 1) * FX_GAMMA;
}

/* Random word of element `index`: a pure function of (key, index). */
static inline uint64_t fx_random(uint64_t key, uint64_t index)
{
    return fx_mix64(fx_counter(key, index));
}

static inline int fx_is_stochastic(int mode)
{
    return mode == FIXPT_STOCHASTIC || mode == FIXPT_STOCHASTIC_EQUAL;
}

/* The random word of element `index` when the mode is stochastic, else 0 (not drawn). */
static inline uint64_t fx_random_if(int mode, uint64_t key, uint64_t index)
{
    return fx_is_stochastic(mode) ? fx_random(key, index) : 0;
}

/* ---- bit access ---- */

/* Type punning through a union (well defined in C; unlike memcpy it keeps
 * loads from double arrays vectorisable). */
typedef union {
    double d;
    uint64_t u;
} fx_pun;

static inline uint64_t fx_bits_of(double x)
{
    fx_pun p;
    p.d = x;
    return p.u;
}

static inline double fx_double_of(uint64_t b)
{
    fx_pun p;
    p.u = b;
    return p.d;
}

/*
 * The rounding engine.
 *
 * fx_round_shift rounds the magnitude m * 2^-k (1 <= k <= 63) of a value
 * with sign `neg` to an integer.  It is branch-free for a fixed mode, so a
 * loop with a constant mode vectorises.
 *
 * Stochastic rounding goes toward +inf exactly when
 *     (rnd >> 12) < frac * 2^52,
 * where frac in [0, 1) is the distance from the value to the integer below
 * it: the probability is ceil(frac * 2^52) / 2^52, i.e. exactly frac when frac
 * is a multiple of 2^-52, and never 0 for an inexact value.  stochastic_equal
 * goes toward +inf when the top bit of rnd is set.
 */
/*
 * Does the magnitude go up?  neg is the sign (0 or 1), odd the lowest kept
 * bit, f the dropped bits as a fraction of 2^BITS (with any bits below it
 * folded into its lowest bit as a sticky bit).  Branch-free for a fixed mode.
 *
 * One definition, two instances: fx_round_up on 64-bit words (every kernel) and
 * fx_round_up32 on 32-bit words (loops whose magnitudes provably fit 31 bits, so a
 * vector holds twice as many lanes).  A 32-bit fraction f is the 64-bit fraction
 * f * 2^32, so both answer the same for the same value: the stochastic case
 * widens f to 64 bits and compares the same 52 random bits.
 */
#define FX_DEFINE_ROUND_UP(NAME, UINT, BITS)                                           \
    static inline UINT NAME(UINT neg, UINT odd, UINT f, int mode, uint64_t rnd)         \
    {                                                                                   \
        const uint64_t B = FIXPT_SR_BITS;                                               \
        const UINT HALF = (UINT)1 << (BITS - 1);                                        \
        UINT gt = f > HALF, eq = f == HALF, nz = f != 0;                                \
        switch (mode) {                                                                 \
        case FIXPT_NEAREST_EVEN: return gt | (eq & odd);                                \
        case FIXPT_NEAREST_AWAY: return gt | eq;                                        \
        case FIXPT_NEAREST_ZERO: return gt;                                             \
        case FIXPT_NEAREST_UP: return gt | (eq & (neg ^ 1));                            \
        case FIXPT_NEAREST_DOWN: return gt | (eq & neg);                                \
        case FIXPT_FLOOR: return nz & neg;                                              \
        case FIXPT_CEIL: return nz & (neg ^ 1);                                         \
        case FIXPT_TOWARD_ZERO: return 0;                                               \
        case FIXPT_AWAY_FROM_ZERO: return nz;                                           \
        case FIXPT_ODD: return nz & (odd ^ 1);                                          \
        case FIXPT_STOCHASTIC: {                                                        \
            /* F = floor(frac * 2^B) of the magnitude fraction, and whether         \
             * frac * 2^B is an integer */                                              \
            uint64_t f64 = (uint64_t)f << (64 - BITS);                                  \
            uint64_t F = f64 >> (64 - B);                                               \
            uint64_t exact = (f64 & ((1ULL << (64 - B)) - 1)) == 0;                     \
            uint64_t u = rnd >> (64 - B);                                               \
            /* positive: go up iff u < ceil(frac 2^B);                                  \
             * negative: the distance to the value below is 1 - frac, so go            \
             * toward +inf iff u + floor(frac 2^B) < 2^B, else the magnitude goes up */ \
            uint64_t pos_up = u < F + (exact ^ 1);                                      \
            uint64_t neg_up = u + F >= (1ULL << B);                                     \
            return nz & (UINT)(neg ? neg_up : pos_up);                                  \
        }                                                                               \
        case FIXPT_STOCHASTIC_EQUAL: return nz & ((UINT)(rnd >> 63) ^ neg);             \
        default: return 0;                                                              \
        }                                                                               \
    }

/* Round the magnitude m * 2^-k (1 <= k <= BITS - 1) of a value with sign neg (0 or 1). */
#define FX_DEFINE_ROUND_SHIFT(NAME, ROUND_UP, UINT, BITS)                               \
    static inline UINT NAME(UINT neg, UINT m, UINT k, int mode, uint64_t rnd)           \
    {                                                                                   \
        UINT q = m >> k;                                                                \
        return q + ROUND_UP(neg, q & 1, (UINT)(m << (BITS - k)), mode, rnd);            \
    }

FX_DEFINE_ROUND_UP(fx_round_up, uint64_t, 64)
FX_DEFINE_ROUND_UP(fx_round_up32, uint32_t, 32)
FX_DEFINE_ROUND_SHIFT(fx_round_shift, fx_round_up, uint64_t, 64)
FX_DEFINE_ROUND_SHIFT(fx_round_shift32, fx_round_up32, uint32_t, 32)

typedef unsigned __int128 fx_u128;

/* An exact integer as sign and 128-bit magnitude: sums and products of two
 * 64-bit operands aligned by up to 63 bits never overflow it. */
typedef struct {
    int neg;
    fx_u128 mag;
} fx_exact;

static inline fx_exact fx_exact_of(__int128 v)
{
    fx_exact r;
    r.neg = v < 0;
    r.mag = r.neg ? (fx_u128)0 - (fx_u128)v : (fx_u128)v;
    return r;
}

/* a + b for magnitudes below 2^127 each (so the sum stays below 2^128). */
static inline fx_exact fx_exact_add(fx_exact a, fx_exact b)
{
    fx_exact r;
    if (a.neg == b.neg) {
        r.neg = a.neg;
        r.mag = a.mag + b.mag;
    } else if (a.mag >= b.mag) {
        r.neg = a.neg;
        r.mag = a.mag - b.mag;
    } else {
        r.neg = b.neg;
        r.mag = b.mag - a.mag;
    }
    r.neg &= r.mag != 0; /* an exact zero is +0 */
    return r;
}

/* a * b for magnitudes whose bit counts add up to at most 128. */
static inline fx_exact fx_exact_mul(fx_exact a, fx_exact b)
{
    fx_exact r;
    r.mag = a.mag * b.mag;
    r.neg = (a.neg ^ b.neg) & (r.mag != 0);
    return r;
}

/*
 * Rounds the exact value (-1)^neg * m * 2^s to an integer (any s, m up to
 * 128 bits) and returns its magnitude.  *big is set when the magnitude is
 * 2^64 or more (the return value then holds its low 64 bits, which is what
 * wrapping needs), *inexact when rounding changed the value.
 */
static inline uint64_t fx_round_scaled(int neg, fx_u128 m, int64_t s, int mode,
                                       uint64_t rnd, int *big, int *inexact)
{
    *big = 0;
    *inexact = 0;
    if (m == 0)
        return 0;
    fx_u128 q;
    uint64_t f;
    if (s >= 0) {
        if (s >= 128 || (s > 0 && (m >> (128 - s)) != 0)) {
            *big = 1;
            return s >= 128 ? 0 : (uint64_t)(m << s);
        }
        q = m << s;
        f = 0;
    } else {
        uint64_t k = (uint64_t)(-s);
        if (k < 128) {
            q = m >> k;
            fx_u128 dropped = m << (128 - k); /* the fraction bits, left-aligned */
            f = (uint64_t)(dropped >> 64) | ((uint64_t)dropped != 0);
        } else {
            q = 0;
            /* the value is below 1/2: keep its top bits below 2^-64 as a sticky fraction */
            uint64_t r = k - 64; /* >= 64 */
            f = r >= 128 ? 1 : (uint64_t)(m >> r) | ((m & (((fx_u128)1 << r) - 1)) != 0);
        }
    }
    *inexact = f != 0;
    q += fx_round_up((uint64_t)neg, (uint64_t)q & 1, f, mode, rnd);
    *big = (q >> 64) != 0;
    return (uint64_t)q;
}

/* Integer bounds of a WL-bit container, as int64 (signed) or bit patterns. */
typedef struct {
    int wl;
    int is_signed;
    int mode;          /* overflow mode */
    uint64_t max_mag;  /* largest positive magnitude allowed */
    uint64_t min_mag;  /* largest negative magnitude allowed (0 if unsigned) */
} fx_bounds;

static inline fx_bounds fx_make_bounds(int wl, int is_signed, int overflow_mode)
{
    fx_bounds b;
    b.wl = wl;
    b.is_signed = is_signed;
    b.mode = overflow_mode;
    if (is_signed) {
        b.max_mag = (1ULL << (wl - 1)) - 1;
        b.min_mag = (overflow_mode == FIXPT_SATURATE_SYMMETRIC) ? b.max_mag : (1ULL << (wl - 1));
    } else {
        b.max_mag = wl == 64 ? ~0ULL : (1ULL << wl) - 1;
        b.min_mag = 0;
    }
    return b;
}

/* Two's complement wrap of a 64-bit pattern to WL bits, sign- or zero-extended
 * (on unsigned integers only: nothing negative is shifted). */
static inline uint64_t fx_wrap_bits(uint64_t v, int wl, int is_signed)
{
    if (wl == 64)
        return v;
    uint64_t low = v & ((1ULL << wl) - 1);
    if (!is_signed)
        return low;
    uint64_t sign = 1ULL << (wl - 1);
    return (low ^ sign) - sign;
}

/* floor(x / 2^e) for 0 <= e <= 62, without shifting a negative value. */
static inline int64_t fx_floor_shift64(int64_t x, int e)
{
    if (x >= 0 || e == 0)
        return x >= 0 ? x >> e : x;
    uint64_t mag = (uint64_t)0 - (uint64_t)x; /* |x| <= 2^63 */
    return -(int64_t)((mag + ((1ULL << e) - 1)) >> e); /* ceil(|x| / 2^e) <= 2^62 */
}

/* floor(x / 2^e) for 0 <= e <= 126, without shifting a negative value. */
static inline __int128 fx_floor_shift128(__int128 x, int e)
{
    if (x >= 0 || e == 0)
        return x >= 0 ? x >> e : x;
    unsigned __int128 mag = (unsigned __int128)0 - (unsigned __int128)x; /* <= 2^127 */
    unsigned __int128 one = 1;
    return -(__int128)((mag + ((one << e) - 1)) >> e); /* <= 2^126 */
}

/*
 * Apply the overflow mode to a rounded signed magnitude; returns the raw bit
 * pattern (sign-extended to 64 bits for signed formats) and sets *overflow to
 * +1 / -1 when the value was out of range.
 */
static inline uint64_t fx_apply_overflow(int neg, uint64_t mag, int big,
                                         const fx_bounds *b, int *overflow)
{
    *overflow = 0;
    if (!neg && (big || mag > b->max_mag))
        *overflow = 1;
    else if (neg && (big || mag > b->min_mag))
        *overflow = -1;
    if (*overflow == 0)
        return neg ? (uint64_t)0 - mag : mag;
    switch (b->mode) {
    case FIXPT_WRAP:
        return fx_wrap_bits(neg ? (uint64_t)0 - mag : mag, b->wl, b->is_signed);
    case FIXPT_SATURATE_ZERO:
        return 0;
    default: /* saturate, saturate_symmetric, raise */
        return *overflow > 0 ? b->max_mag : (uint64_t)0 - b->min_mag;
    }
}

/* Is this a container size (bytes) of the core: 1, 2, 4 or 8? */
static inline int fx_valid_bytes(int64_t bytes)
{
    return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
}

/* Validate a cast description and an element count. */
static inline int fx_check_cast(const fixpt_cast *c, int64_t n)
{
    if (c->word_length < 1 || c->word_length > 64)
        return FIXPT_E_WORD_LENGTH;
    if (c->round_mode < 0 || c->round_mode >= FIXPT_N_ROUND_MODES)
        return FIXPT_E_ROUND_MODE;
    if (c->overflow_mode < 0 || c->overflow_mode >= FIXPT_N_OVERFLOW_MODES)
        return FIXPT_E_OVERFLOW_MODE;
    if (!fx_valid_bytes(c->out_bytes) || c->out_bytes * 8 < c->word_length)
        return FIXPT_E_CONTAINER;
    if (c->shift < -100000 || c->shift > 100000)
        return FIXPT_E_SHIFT;
    return n < 0 ? FIXPT_E_LENGTH : FIXPT_OK;
}

#endif
