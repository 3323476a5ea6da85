/*
 * float.c - binary floating-point formats of any (exponent, trailing
 * significand) size: exact rounding of float64 (and of exact values in parts) into a
 * format with every rounding mode and the IEEE flags, decoding, decomposition into
 * fields, and next values.  The format and the rounding routine live in floatfmt.h.
 */
#include "floatfmt.h"

/*
 * Fast loop for the common case: x a normal float64 or zero whose result is a normal
 * value of the format (dropping k = 52 - M >= 1 bits).  Other elements are marked hard
 * for the exact engine.  MODE is a constant in each copy.
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
        uint64_t N = fx_round_shift(neg, m, k, MODE, fx_mix64(z));                     \
        uint64_t mag = ((uint64_t)(ex + bias) << M) + N - hidden;                      \
        uint64_t inexact_i = (zero ^ 1) & ((m << (64 - k)) != 0);                      \
        uint64_t bad = (zero ^ 1) & ((normal ^ 1) | (ex < emin) | (ex > emax) | (mag > max_mag)); \
        hard[i] = (int64_t)((bad << 7) | inexact_i); /* FX_HARD, FIXPT_FLAG_INEXACT */  \
        n_hard += bad;                                                                 \
        inexact += inexact_i & (bad ^ 1);                                              \
        v[i] = (int64_t)(zero ? zero_bits * neg : (neg << sign_shift) | mag);          \
        z += FX_GAMMA;                                                                 \
    }

FIXPT_MULTIVERSION
static void float_fast_block(const ff_t *f, const double *restrict x, int64_t *restrict v,
                             int64_t *restrict hard, int64_t n, int mode,
                             uint64_t key, uint64_t index0, int64_t *n_hard_out, int64_t *n_inexact)
{
    const int64_t emin = f->emin, bias = f->bias, emax = (int64_t)(f->max_mag >> f->M) - f->bias;
    const int M = f->M, sign_shift = f->E + f->M;
    const uint64_t k = (uint64_t)(52 - M);
    const uint64_t hidden = 1ULL << f->M, max_mag = f->max_mag;
    const uint64_t zero_bits = f->kind == FIXPT_SPECIAL_FNUZ ? 0 : f->sign_bit;
    uint64_t z = fx_counter(key, index0); /* advanced by FX_GAMMA per element */
    int64_t n_hard = 0, inexact = 0;
    switch (mode) {
    FIXPT_FOR_EACH_ROUND_MODE(FLOAT_FAST_LOOP)
    default: n_hard = FX_BLOCK_EXACT; break;
    }
    *n_hard_out = n_hard;
    *n_inexact = inexact;
}

/*
 * round_to_format's fast loops: the float64 value of the rounded result, made directly with
 * no encoding, by one integer rounding per element.
 *  - |x| >= 2^emin: x's own bit pattern rounded at its low k = 52 - M bits (a carry out of
 *    the trailing field steps the exponent, as it should; bit k of the pattern is the
 *    significand's since M >= 1, so ties to even and odd see the right parity).
 *  - |x| < 2^emin (x = m * 2^(ex - 52)): N = m rounded at its low k + d bits, d = emin - ex,
 *    is the subnormal result in quanta 2^(emin - M); 2^emin + N * 2^(emin - M) is a pattern
 *    of the binade of 2^emin, and subtracting 2^emin (exact: same binade) leaves the value.
 *    Tiny results are tiny after rounding too, except where the precision-p rounding of a
 *    value in the binade just below 2^emin could reach 2^emin: that needs N = 2^M there
 *    (rounding is monotone in the quantum), and those few elements go to the exact engine.
 * Hard: non-finite x, results above max, float64 subnormals, formats without subnormals, and
 * shifts past 63 bits (where a stochastic fraction would not fit the word).
 * VALUES_NORMAL_LOOP does the first case and marks the tiny elements; those of a block are
 * gathered and go through VALUES_TINY_LOOP, which redoes them (underflow: tiny and inexact).
 */
#define VALUES_NORMAL_LOOP(MODE)                                                       \
    for (int64_t i = 0; i < n; i++) {                                                  \
        uint64_t b = fx_bits_of(x[i]);                                                 \
        uint64_t neg = b >> 63;                                                        \
        uint64_t a = b & ~(1ULL << 63);                                                \
        uint64_t pattern = fx_round_shift(neg, a, k, MODE, fx_mix64(z)) << k;          \
        uint64_t inexact_i = (a << (64 - k)) != 0;                                     \
        uint64_t zero = a == 0;                                                        \
        uint64_t tiny = (a < min_normal) & (zero ^ 1); /* for VALUES_TINY_LOOP */      \
        uint64_t bad = (a >= 0x7ff0000000000000ULL) | (pattern > max_pattern);         \
        hard[i] = (int64_t)((bad << 7) | (tiny << 6) | inexact_i); /* 6: FF_TINY */     \
        n_hard += bad;                                                                 \
        n_tiny += tiny;                                                                \
        inexact += inexact_i & ((bad | tiny) ^ 1);                                     \
        v[i] = (int64_t)(pattern | (neg & (zero_sign | (zero ^ 1))) << 63);            \
        z += FX_GAMMA;                                                                 \
    }
#define VALUES_TINY_LOOP(MODE)                                                         \
    for (int64_t i = 0; i < n; i++) {                                                  \
        uint64_t b = fx_bits_of(x[i]);                                                 \
        uint64_t neg = b >> 63;                                                        \
        uint64_t a = b & ~(1ULL << 63);                                                \
        uint64_t tiny = (a < min_normal) & (a != 0);                                   \
        uint64_t d = (uint64_t)(emin + 1023) - (a >> 52); /* emin - ex */              \
        uint64_t shift = k + d;                                                        \
        uint64_t far = shift > 63;                                                     \
        uint64_t s = shift - 1 < 63 ? shift : 63; /* 1..63: non-tiny lanes wrap, unused */ \
        uint64_t m = (a & ((1ULL << 52) - 1)) | (1ULL << 52);                          \
        uint64_t N = fx_round_shift(neg, m, s, MODE, fx_mix64(fx_counter(key, index0 + (uint64_t)at[i]))); \
        uint64_t inexact_i = (m << (64 - s)) != 0;                                     \
        uint64_t pattern = fx_bits_of(fx_double_of(min_normal + (N << k)) - min_normal_value); \
        uint64_t edge = (d == 1) & (N == hidden) & (before ^ 1);                       \
        uint64_t bad = far | (a < (1ULL << 52)) | no_subnormals | edge;                \
        uint64_t mine = tiny & (bad ^ 1);                                              \
        uint64_t flags = (bad << 7) | (inexact_i << 1) | inexact_i;                    \
        v[i] = mine ? (int64_t)(pattern | (neg & (zero_sign | (N != 0))) << 63) : v[i]; \
        hard[i] = tiny ? (int64_t)flags : hard[i];                                     \
        n_hard += tiny & bad;                                                          \
        inexact += mine & inexact_i;                                                   \
    }

#define FF_TINY 0x40
#define TINY_CHUNK 16 /* chunks of a block scanned for tiny values at once */

/* VALUES_TINY_LOOP over the tiny elements of a block, gathered: x[i], v[i], hard[i] are those
 * of element at[i] of the block; adds their hard elements and inexact results. */
FIXPT_MULTIVERSION
static int64_t tiny_gathered(const ff_t *f, const double *restrict x, int64_t *restrict v, int64_t *restrict hard,
                             const int64_t *restrict at, int64_t n, int mode, uint64_t key, uint64_t index0,
                             int64_t *n_inexact)
{
    const int64_t emin = f->emin;
    const uint64_t k = (uint64_t)(52 - f->M), hidden = 1ULL << f->M;
    const uint64_t min_normal = (uint64_t)(emin + 1023) << 52; /* the pattern of 2^emin */
    const double min_normal_value = fx_double_of(min_normal);
    const uint64_t before = f->tininess_before != 0, no_subnormals = !f->subnormals;
    const uint64_t zero_sign = f->kind != FIXPT_SPECIAL_FNUZ; /* fnuz has no -0 */
    int64_t n_hard = 0, inexact = 0;
    switch (mode) {
    FIXPT_FOR_EACH_ROUND_MODE(VALUES_TINY_LOOP)
    default: break;
    }
    *n_inexact += inexact;
    return n_hard;
}

FIXPT_MULTIVERSION
static int64_t values_fast_block(const ff_t *f, const double *restrict x, int64_t *restrict v,
                                 int64_t *restrict hard, int64_t n, int mode, uint64_t key, uint64_t index0,
                                 uint64_t max_pattern, fx_counts *counts)
{
    const uint64_t k = (uint64_t)(52 - f->M);
    const uint64_t min_normal = (uint64_t)(f->emin + 1023) << 52; /* the pattern of 2^emin */
    const uint64_t zero_sign = f->kind != FIXPT_SPECIAL_FNUZ;     /* fnuz has no -0 */
    uint64_t z = fx_counter(key, index0);
    int64_t n_hard = 0, n_tiny = 0, inexact = 0, underflow = 0;
    switch (mode) {
    FIXPT_FOR_EACH_ROUND_MODE(VALUES_NORMAL_LOOP)
    default: return FX_BLOCK_EXACT;
    }
    if (n_tiny) {
        /* gather the tiny elements (found chunk by chunk), redo them, put them back */
        int64_t at[FX_BLOCK], vt[FX_BLOCK], ht[FX_BLOCK], m = 0;
        double xt[FX_BLOCK];
        for (int64_t c0 = 0; c0 < n; c0 += TINY_CHUNK) {
            int64_t len = n - c0 < TINY_CHUNK ? n - c0 : TINY_CHUNK;
            uint64_t any = 0;
            for (int64_t i = c0; i < c0 + len; i++)
                any |= (uint64_t)hard[i];
            if (any & FF_TINY)
                for (int64_t i = c0; i < c0 + len; i++) {
                    at[m] = i;
                    m += (hard[i] & FF_TINY) != 0;
                }
        }
        for (int64_t j = 0; j < m; j++) {
            xt[j] = x[at[j]];
            vt[j] = v[at[j]];
            ht[j] = hard[at[j]];
        }
        int64_t normal_inexact = inexact;
        n_hard += tiny_gathered(f, xt, vt, ht, at, m, mode, key, index0, &inexact);
        underflow = inexact - normal_inexact; /* a tiny result is an underflow when inexact */
        for (int64_t j = 0; j < m; j++) {
            v[at[j]] = vt[j];
            hard[at[j]] = ht[j];
        }
    }
    counts->inexact = inexact;
    counts->underflow = underflow;
    return n_hard;
}

/*
 * Decoding, vectorised: zeros, subnormals and normals of every format up to binary64 are
 * float64 bit patterns made with shifts (a subnormal is its integer trailing field times
 * 2^(emin - M), exact); NaN and inf encodings (magnitudes above max, and fnuz's -0 pattern)
 * are marked and decoded one by one by ff_decode, the definition, as are the normals of a
 * format whose bias exceeds 1023 that fall below float64's normal range.
 */
FIXPT_MULTIVERSION
static int64_t decode_block(const ff_t *f, const int64_t *restrict b, double *restrict out,
                            uint8_t *restrict special, int64_t n)
{
    const uint64_t sign_bit = f->sign_bit, not_sign = ~f->sign_bit, man_mask = f->man_mask;
    const uint64_t k = (uint64_t)(52 - f->M), max_mag = f->max_mag;
    const int64_t bias_offset = 1023 - f->bias; /* float64 biased exponent - field */
    const uint64_t shift = (uint64_t)bias_offset; /* the same, mod 2^64 */
    const uint64_t sub_field = f->has_zero ? 0 : ~0ULL; /* the field of zero and subnormals */
    const uint64_t fnuz_nan = f->kind == FIXPT_SPECIAL_FNUZ ? sign_bit : ~0ULL;
    const double sub_scale = ldexp(1.0, (int)(f->emin - f->M));
    const int M = f->M;
    int64_t n_special = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t x = (uint64_t)b[i], mag = x & not_sign;
        uint64_t field = mag >> M, man = mag & man_mask;
        uint64_t sign = (uint64_t)((x & sign_bit) != 0) << 63;
        uint64_t normal = ((field + shift) << 52) | (man << k);
        /* man < 2^52: its float64 value exactly, with no int -> double conversion instruction */
        double sub = (fx_double_of(0x4330000000000000ULL | man) - 4503599627370496.0) * sub_scale;
        uint64_t pattern = field == sub_field ? fx_bits_of(sub) : normal;
        out[i] = fx_double_of(pattern | sign);
        /* normals below 2^-1022 (a bias above 1023) are float64 subnormals: ff_decode */
        uint64_t tiny_normal = (field != sub_field) & ((int64_t)field + bias_offset < 1);
        uint8_t s = (uint8_t)((mag > max_mag) | (x == fnuz_nan) | tiny_normal);
        special[i] = s;
        n_special += s;
    }
    return n_special;
}

/* ---- the rounding kernels ---- */

typedef struct {
    ff_t f;
    const double *in;
    int64_t stride;
    const fixpt_parts *parts;
    int mode, fast_ok, values_ok;
    uint64_t key, index_offset;
    uint64_t max_pattern; /* the float64 bit pattern of the largest finite value (values_ok) */
} round_ctx;

static int64_t round_fast(const void *vctx, int64_t start, int64_t n, int64_t *restrict v, fx_counts *counts,
                          int64_t *restrict hard, uint8_t *mask)
{
    const round_ctx *c = vctx;
    if (!c->fast_ok)
        return FX_BLOCK_EXACT;
    double buf[FX_BLOCK];
    const double *x = fx_doubles(c->in, c->stride, start, n, buf);
    int64_t n_hard, inexact;
    float_fast_block(&c->f, x, v, hard, n, c->mode, c->key, c->index_offset + (uint64_t)start,
                     &n_hard, &inexact);
    counts->inexact = inexact; /* overflowing elements are hard: no overflow counts here */
    ff_fast_flags(hard, mask, n);
    return n_hard;
}

static uint64_t round_exact(const void *vctx, int64_t i, fixpt_status *st, uint8_t *mask)
{
    const round_ctx *c = vctx;
    double x = FX_AT(double, c->in, c->stride, i);
    uint64_t rnd = fx_random_if(c->mode, c->key, c->index_offset + (uint64_t)i);
    int flags = 0;
    uint64_t bits = ff_round_double(&c->f, x, c->mode, rnd, &flags);
    if (x != x) {
        st->n_nan++;
        if (st->first_nan < 0)
            st->first_nan = i;
    } else if (x == INFINITY || x == -INFINITY) {
        st->n_inf++;
    }
    ff_note(st, mask, i, flags, x < 0);
    return bits;
}

static uint64_t round_parts_exact(const void *vctx, int64_t i, fixpt_status *st, uint8_t *mask)
{
    const round_ctx *c = vctx;
    const fixpt_parts *p = c->parts;
    int neg = p->neg[i] != 0, flags = 0;
    uint64_t bits;
    if (p->kind[i] == FIXPT_VALUE_NAN) {
        st->n_nan++;
        if (st->first_nan < 0)
            st->first_nan = i;
        bits = ff_nan_of(&c->f, neg, 1ULL << 51, &flags);
    } else if (p->kind[i] == FIXPT_VALUE_INF) {
        st->n_inf++;
        bits = ff_infinity(&c->f, neg, &flags);
    } else {
        uint64_t rnd = fx_random_if(c->mode, c->key, c->index_offset + (uint64_t)i);
        fx_u128 m = ((fx_u128)p->hi[i] << 64) | p->lo[i];
        bits = ff_round(&c->f, neg, m, p->exp[i], c->mode, rnd, &flags);
    }
    ff_note(st, mask, i, flags, neg);
    return bits;
}

/* Shared start of the two rounding kernels: derive the format, check the arguments. */
static int round_begin(const fixpt_float_format *fmt, int64_t n, int32_t out_bytes,
                       const fixpt_rounding *r, fixpt_status *st, round_ctx *c)
{
    fx_reset_status(st);
    memset(c, 0, sizeof *c);
    int err = ff_init_rounding(fmt, r, &c->f);
    if (err)
        return err;
    if (!fx_valid_bytes(out_bytes) || out_bytes * 8 < c->f.E + c->f.M + c->f.is_signed)
        return FIXPT_E_CONTAINER;
    c->mode = r->mode;
    c->key = fx_stream_key(r->seed, r->stream);
    c->index_offset = r->index_offset;
    c->fast_ok = c->f.M <= 51 && c->f.is_signed && c->f.has_zero;
    /* values made from float64 patterns: the format's values must be float64 normals */
    int64_t emax = (int64_t)(c->f.max_mag >> c->f.M) - c->f.bias;
    c->values_ok = c->fast_ok && c->f.M >= 1 && c->f.emin - c->f.M >= -1022 && emax <= 1023;
    if (c->values_ok)
        c->max_pattern = fx_bits_of(ff_decode(&c->f, c->f.max_mag));
    return n < 0 ? FIXPT_E_LENGTH : FIXPT_OK;
}

int fixpt_float_round(const double *in, int64_t in_stride, void *out, int64_t out_stride,
                      int32_t out_bytes, int64_t n, const fixpt_float_format *fmt,
                      const fixpt_rounding *rounding, fixpt_status *st, uint8_t *flags)
{
    round_ctx ctx;
    int err = round_begin(fmt, n, out_bytes, rounding, st, &ctx);
    if (err)
        return err;
    ctx.in = in;
    ctx.stride = in_stride;
    fx_kernel kernel = {round_fast, round_exact, &ctx};
    fx_run(&kernel, n, out, out_stride, out_bytes, st, flags);
    return FIXPT_OK;
}

/* round_to_format's kernel: float64 values of the rounded results, made directly. */
static int64_t values_fast(const void *vctx, int64_t start, int64_t n, int64_t *restrict v, fx_counts *counts,
                           int64_t *restrict hard, uint8_t *mask)
{
    const round_ctx *c = vctx;
    if (!c->values_ok)
        return FX_BLOCK_EXACT;
    double buf[FX_BLOCK];
    const double *x = fx_doubles(c->in, c->stride, start, n, buf);
    int64_t n_hard = values_fast_block(&c->f, x, v, hard, n, c->mode, c->key, c->index_offset + (uint64_t)start,
                                       c->max_pattern, counts);
    if (mask && n_hard >= 0)
        for (int64_t i = 0; i < n; i++)
            mask[i] = (uint8_t)(hard[i] & (FIXPT_FLAG_INEXACT | FIXPT_FLAG_UNDERFLOW));
    return n_hard;
}

static uint64_t values_exact(const void *vctx, int64_t i, fixpt_status *st, uint8_t *mask)
{
    const round_ctx *c = vctx;
    return fx_bits_of(ff_decode(&c->f, round_exact(vctx, i, st, mask)));
}

/* round_to_format where values_fast cannot run (M = 0, or values beyond float64's normals):
 * a block of encodings becomes their float64 values, in place, while in cache. */
static void round_finish_values(const void *vctx, int64_t *restrict v, int64_t n)
{
    const round_ctx *c = vctx;
    double values[FX_BLOCK];
    uint8_t special[FX_BLOCK];
    if (decode_block(&c->f, v, values, special, n))
        for (int64_t i = 0; i < n; i++)
            if (special[i])
                values[i] = ff_decode(&c->f, (uint64_t)v[i]);
    memcpy(v, values, (size_t)n * sizeof(double));
}

int fixpt_float_round_values(const double *in, int64_t in_stride, double *out, int64_t n,
                             const fixpt_float_format *fmt, const fixpt_rounding *rounding,
                             fixpt_status *st, uint8_t *flags)
{
    round_ctx ctx;
    int err = round_begin(fmt, n, 8, rounding, st, &ctx);
    if (err)
        return err;
    ctx.in = in;
    ctx.stride = in_stride;
    fx_kernel direct = {values_fast, values_exact, &ctx, NULL};
    fx_kernel encoded = {round_fast, round_exact, &ctx, round_finish_values};
    fx_kernel kernel = ctx.values_ok ? direct : encoded;
    fx_run(&kernel, n, out, (int64_t)sizeof(double), 8, st, flags);
    return FIXPT_OK;
}

int fixpt_float_round_parts(const fixpt_parts *v, void *out, int64_t out_stride, int32_t out_bytes,
                            int64_t n, const fixpt_float_format *fmt, const fixpt_rounding *rounding,
                            fixpt_status *st, uint8_t *flags)
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
    fx_run(&kernel, n, out, out_stride, out_bytes, st, flags);
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

typedef struct {
    const ff_t *f;
    const fixpt_operand *bits;
    double *out;
} decode_job;

static void decode_range(void *arg, int worker, int64_t begin, int64_t end)
{
    (void)worker;
    const decode_job *job = arg;
    int64_t raw[FX_BLOCK];
    uint8_t special[FX_BLOCK];
    for (int64_t start = begin; start < end; start += FX_BLOCK) {
        int64_t len = end - start < FX_BLOCK ? end - start : FX_BLOCK;
        fx_load_block_int64(job->bits, start, len, raw);
        if (decode_block(job->f, raw, job->out + start, special, len))
            for (int64_t i = 0; i < len; i++)
                if (special[i])
                    job->out[start + i] = ff_decode(job->f, (uint64_t)raw[i]);
    }
}

int fixpt_float_decode(const fixpt_operand *bits, double *out, int64_t n, const fixpt_float_format *fmt)
{
    ff_t f;
    int err = ff_begin(fmt, bits, n, &f);
    if (err)
        return err;
    decode_job job = {&f, bits, out};
    if (fx_exact_only()) {
        for (int64_t i = 0; i < n; i++)
            out[i] = ff_decode(&f, ff_bits_at(bits, i));
        return FIXPT_OK;
    }
    fx_parallel(fx_workers_for(n), n, FX_BLOCK, decode_range, &job);
    return FIXPT_OK;
}

/* Fields of a block of encodings, branch-free (vectorised); trailing and significand into
 * int64 buffers that the caller narrows to the format's container. */
FIXPT_MULTIVERSION
static void decompose_block(const ff_t *f, const int64_t *restrict raw, int64_t n, uint8_t *restrict sign,
                            int32_t *restrict biased_exponent, int32_t *restrict exponent,
                            int64_t *restrict trailing, int64_t *restrict significand, uint8_t *restrict cls)
{
    const uint64_t sign_bit = f->sign_bit, man_mask = f->man_mask, inf_mag = f->inf_mag, nan_bits = f->nan_bits;
    const uint64_t ieee = f->kind == FIXPT_SPECIAL_IEEE, fn = f->kind == FIXPT_SPECIAL_FN;
    const uint64_t fnuz = f->kind == FIXPT_SPECIAL_FNUZ, has_zero = f->has_zero != 0;
    const uint64_t hidden = 1ULL << f->M, quiet_shift = f->M > 0 ? (uint64_t)(f->M - 1) : 0;
    const int M = f->M;
    const int32_t emin = (int32_t)f->emin, bias = (int32_t)f->bias;
    for (int64_t i = 0; i < n; i++) {
        uint64_t b = (uint64_t)raw[i], mag = b & ~sign_bit;
        uint64_t field = mag >> M, man = mag & man_mask;
        uint64_t nan = (ieee & (mag > inf_mag)) | (fn & (mag == nan_bits)) | (fnuz & (b == sign_bit));
        uint64_t quiet = (ieee ^ 1) | ((man >> quiet_shift) & 1);
        uint64_t inf = ieee & (mag == inf_mag);
        uint64_t sub = (field == 0) & has_zero;
        uint8_t c = nan ? (quiet ? FIXPT_CLASS_QUIET_NAN : FIXPT_CLASS_SIGNALING_NAN)
                  : inf ? FIXPT_CLASS_INF
                  : sub ? (man == 0 ? FIXPT_CLASS_ZERO : FIXPT_CLASS_SUBNORMAL) : FIXPT_CLASS_NORMAL;
        sign[i] = (b & sign_bit) != 0;
        biased_exponent[i] = (int32_t)field;
        exponent[i] = sub ? emin : (int32_t)field - bias;
        trailing[i] = (int64_t)man;
        significand[i] = (int64_t)(c == FIXPT_CLASS_NORMAL ? man | hidden : man);
        cls[i] = c;
    }
}

typedef struct {
    const ff_t *f;
    const fixpt_operand *bits;
    uint8_t *sign, *cls;
    int32_t *biased_exponent, *exponent;
    void *trailing, *significand;
    int32_t field_bytes;
} decompose_job;

static void decompose_range(void *arg, int worker, int64_t begin, int64_t end)
{
    (void)worker;
    const decompose_job *job = arg;
    int64_t raw[FX_BLOCK], trailing[FX_BLOCK], significand[FX_BLOCK];
    const int64_t bytes = job->field_bytes;
    for (int64_t start = begin; start < end; start += FX_BLOCK) {
        int64_t len = end - start < FX_BLOCK ? end - start : FX_BLOCK;
        fx_load_block_int64(job->bits, start, len, raw);
        decompose_block(job->f, raw, len, job->sign + start, job->biased_exponent + start, job->exponent + start,
                        trailing, significand, job->cls + start);
        fx_store_block(trailing, job->trailing, bytes, start, len, (int)bytes);
        fx_store_block(significand, job->significand, bytes, start, len, (int)bytes);
    }
}

int fixpt_float_decompose(const fixpt_operand *bits, int64_t n, const fixpt_float_format *fmt,
                          uint8_t *sign, int32_t *biased_exponent, int32_t *exponent,
                          void *trailing, void *significand, int32_t field_bytes, uint8_t *cls)
{
    ff_t f;
    int err = ff_begin(fmt, bits, n, &f);
    if (err)
        return err;
    if (!fx_valid_bytes(field_bytes) || field_bytes * 8 < f.M + 1)
        return FIXPT_E_CONTAINER;
    decompose_job job = {&f, bits, sign, cls, biased_exponent, exponent, trailing, significand, field_bytes};
    fx_parallel(fx_workers_for(n), n, FX_BLOCK, decompose_range, &job);
    return FIXPT_OK;
}

/* IEEE nextUp on encodings.  Beyond max: inf, else NaN, else max (no inf, no NaN); below
 * the smallest value of a format without negative values or zero: NaN (or the value). */
static uint64_t ff_next_up(const ff_t *f, uint64_t b)
{
    if (ff_is_nan(f, b))
        return b;
    uint64_t mag = b & ~f->sign_bit;
    int neg = (b & f->sign_bit) != 0;
    if (!neg || (mag == 0 && f->has_zero)) {
        if (mag == 0 && f->has_zero)
            return f->subnormals ? 1 : f->min_normal_mag;
        if (mag == f->max_mag)
            return f->kind == FIXPT_SPECIAL_IEEE ? f->inf_mag : ff_has_nan(f) ? f->nan_bits : b;
        if (ff_is_inf(f, b))
            return b;
        return mag + 1;
    }
    if (mag == 0) /* -min of a format without zero */
        return f->min_normal_mag;
    uint64_t down = (!f->subnormals && mag == f->min_normal_mag) ? 0 : mag - 1;
    if (down == 0 && f->has_zero)
        return f->kind == FIXPT_SPECIAL_FNUZ ? 0 : f->sign_bit;
    return f->sign_bit | down;
}

static uint64_t ff_negate(const ff_t *f, uint64_t b)
{
    if (ff_is_nan(f, b) || (f->kind == FIXPT_SPECIAL_FNUZ && b == 0))
        return b;
    return b ^ f->sign_bit;
}

/* IEEE nextDown: through negation, or directly for a format without a sign bit (where
 * nothing lies below zero, or below the smallest value of a format without zero: NaN). */
static uint64_t ff_next_down(const ff_t *f, uint64_t b)
{
    if (f->is_signed)
        return ff_negate(f, ff_next_up(f, ff_negate(f, b)));
    if (ff_is_nan(f, b))
        return b;
    if (ff_is_inf(f, b))
        return f->max_mag;
    if (b == 0)
        return ff_has_nan(f) ? f->nan_bits : b;
    return (!f->subnormals && f->has_zero && b == f->min_normal_mag) ? 0 : b - 1;
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
        out[i] = direction > 0 ? ff_next_up(&f, b) : ff_next_down(&f, b);
    }
    return FIXPT_OK;
}
