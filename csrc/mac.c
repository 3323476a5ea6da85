/*
 * mac.c - multiply-accumulate: matrix products, FIR and IIR filters with an
 * explicit product and accumulator model (up to 128-bit accumulators).
 *
 * The stepwise path follows the hardware model exactly: exact product,
 * optional product narrowing, alignment, then acc += p in order k = 0..K-1
 * with the accumulator's overflow mode after every addition, then one final
 * rounding/overflow cast into the output format.  For FIR filters, when the
 * caller has proven that every partial sum fits 53 bits and nothing narrows
 * or overflows, the same sums are formed in double precision, which is exact
 * under that bound (and vectorises); then max_acc_bits reports the final sums
 * only.  (For matrix products that case is handed to float BLAS by Python.)
 */
#include <math.h>

#include "driver.h"

typedef __int128 i128;

#define TILE 512

typedef struct {
    int narrow, prod_mode, acc_mode, acc_wl, acc_signed, align;
    int64_t prod_shift;
    i128 prod_max, prod_min, acc_max, acc_min;
    uint64_t prod_key;
} mac_ctx;

static int mac_init(const fixpt_mac *m, mac_ctx *c)
{
    if (m->acc_word_length < 1 || m->acc_word_length > 128 - (m->acc_signed == 0))
        return FIXPT_E_ACC_WORD_LENGTH;
    if (m->align < 0 || m->align > 63)
        return FIXPT_E_ALIGN;
    if (m->product_word_length < 0 || m->product_word_length > 127 || m->product_shift > 0)
        return FIXPT_E_PRODUCT;
    if (!(m->acc_overflow == FIXPT_WRAP || m->acc_overflow == FIXPT_SATURATE ||
          m->acc_overflow == FIXPT_RAISE))
        return FIXPT_E_OVERFLOW_MODE;
    if (m->product_round_mode < 0 || m->product_round_mode >= FIXPT_N_ROUND_MODES)
        return FIXPT_E_ROUND_MODE;
    c->narrow = m->product_word_length > 0;
    c->prod_mode = m->product_round_mode;
    c->prod_shift = m->product_shift;
    c->acc_mode = m->acc_overflow;
    c->acc_wl = m->acc_word_length;
    c->acc_signed = m->acc_signed != 0;
    c->align = m->align;
    int pw = m->product_word_length;
    c->prod_max = pw ? (m->product_signed ? ((i128)1 << (pw - 1)) - 1 : ((i128)1 << pw) - 1) : 0;
    c->prod_min = pw && m->product_signed ? -((i128)1 << (pw - 1)) : 0;
    int aw = c->acc_wl;
    if (c->acc_signed) {
        c->acc_max = aw == 128 ? (i128)(((fx_u128)1 << 127) - 1) : ((i128)1 << (aw - 1)) - 1;
        c->acc_min = -c->acc_max - 1;
    } else {
        c->acc_max = aw >= 127 ? (i128)(((fx_u128)1 << 127) - 1) : ((i128)1 << aw) - 1;
        c->acc_min = 0;
    }
    c->prod_key = fx_stream_key(m->seed, m->stream);
    return FIXPT_OK;
}

/* The product as it enters the accumulator. */
static inline i128 mac_product(const mac_ctx *c, i128 p, uint64_t index, int64_t *n_prod_ovf,
                               int *too_wide)
{
    if (c->narrow) {
        if (c->prod_shift < 0) {
            int neg = p < 0, big, inexact;
            uint64_t rnd = fx_random(c->prod_key, index);
            uint64_t mag = fx_round_scaled(neg, neg ? -(fx_u128)p : (fx_u128)p, c->prod_shift,
                                           c->prod_mode, rnd, &big, &inexact);
            p = big ? (neg ? c->prod_min - 1 : c->prod_max + 1) : (neg ? -(i128)mag : (i128)mag);
        }
        if (p > c->prod_max || p < c->prod_min) {
            (*n_prod_ovf)++;
            p = p > c->prod_max ? c->prod_max : c->prod_min;
        }
    }
    if (c->align > 0) {
        /* p * 2^align must fit 128 bits: the caller proves it from the formats; a product
         * beyond the bound is reported (FIXPT_E_OPERAND_WIDTH), never summed wrongly */
        const i128 limit = (i128)1 << (127 - c->align);
        if (p >= limit || p < -limit) {
            *too_wide = 1;
            return 0;
        }
        return (i128)((fx_u128)p << c->align); /* |p| * 2^align < 2^127: no overflow */
    }
    return p;
}

/* acc + p under the accumulator's overflow mode; sets *overflowed. */
static inline i128 mac_add(const mac_ctx *c, i128 acc, i128 p, int *overflowed)
{
    i128 s = (i128)((fx_u128)acc + (fx_u128)p); /* wraps mod 2^128 */
    /* a carry out of 128 bits is an overflow in its direction; below 128 bits the
     * range decides (the low bits of s stay right for wrapping either way) */
    int carry_pos = p > 0 && s < acc, carry_neg = p < 0 && s > acc;
    int ranged = c->acc_wl < 128 && !carry_pos && !carry_neg;
    int over_pos = carry_pos || (ranged && s > c->acc_max);
    int over_neg = carry_neg || (ranged && s < c->acc_min);
    if (!(over_pos | over_neg))
        return s;
    *overflowed = 1;
    if (c->acc_mode == FIXPT_WRAP) {
        if (c->acc_wl == 128)
            return s;
        fx_u128 low = (fx_u128)s & ((((fx_u128)1) << c->acc_wl) - 1);
        fx_u128 sign = c->acc_signed ? ((fx_u128)1) << (c->acc_wl - 1) : 0;
        return (i128)((low ^ sign) - sign); /* sign-extended without shifting a negative value */
    }
    return over_pos ? c->acc_max : c->acc_min; /* saturate (raise: the caller reports) */
}

static inline int bits_of(fx_u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
    return hi ? 128 - __builtin_clzll(hi) : (lo ? 64 - __builtin_clzll(lo) : 0);
}

/* Final cast of one accumulator value into the output; returns the raw bits. */
static inline int64_t mac_finish(i128 acc, const fixpt_cast *oc, const fx_bounds *ob, uint64_t out_key,
                                 int64_t index, fixpt_status *st)
{
    int neg = acc < 0, big, inexact, overflow;
    uint64_t rnd = fx_random_if(oc->round_mode, out_key, oc->index_offset + (uint64_t)index);
    uint64_t mag = fx_round_scaled(neg, neg ? -(fx_u128)acc : (fx_u128)acc, oc->shift, oc->round_mode,
                                   rnd, &big, &inexact);
    uint64_t raw = fx_apply_overflow(neg, mag, big, ob, &overflow);
    fx_note(st, NULL, overflow, inexact, index);
    return (int64_t)raw;
}

/* The caller proves (exact_bits) that every partial sum fits 53 bits and the
 * accumulator's range, so double sums are exact and no overflow can occur. */
static int double_path_ok(const fixpt_mac *m, const mac_ctx *c)
{
    return !c->narrow && m->exact_bits >= 1 && m->exact_bits <= 53;
}

static void store_one(void *out, int bytes, int64_t index, int64_t raw)
{
    switch (bytes) {
    case 1: ((uint8_t *)out)[index] = (uint8_t)raw; break;
    case 2: ((uint16_t *)out)[index] = (uint16_t)raw; break;
    case 4: ((uint32_t *)out)[index] = (uint32_t)raw; break;
    default: ((uint64_t *)out)[index] = (uint64_t)raw; break;
    }
}

static inline fx_u128 magnitude(i128 v)
{
    return v < 0 ? -(fx_u128)v : (fx_u128)v;
}

/* Record one sum: whether its accumulator overflowed, and the largest |value| it held. */
static void note_acc(fixpt_mac_status *ms, int overflowed, fx_u128 peak, int64_t index)
{
    if (overflowed) {
        ms->n_acc_overflow++;
        if (ms->first_acc_overflow < 0)
            ms->first_acc_overflow = index;
    }
    int b = bits_of(peak);
    if (b > ms->max_acc_bits)
        ms->max_acc_bits = b;
}

/* acc[j] += a * x[start + j] for a tile (vectorised: converts the row to double). */
#define AXPY_ROW(TYPE)                                                         \
    {                                                                          \
        if (x->stride == (int64_t)sizeof(TYPE)) {                              \
            const TYPE *restrict r = (const TYPE *)x->data + start;            \
            for (int64_t j = 0; j < len; j++)                                  \
                acc[j] += a * (double)r[j];                                    \
        } else {                                                               \
            for (int64_t j = 0; j < len; j++)                                  \
                acc[j] += a * (double)FX_AT(TYPE, x->data, x->stride, start + j); \
        }                                                                      \
    }

FIXPT_MULTIVERSION
static void axpy_row(double *restrict acc, double a, const fixpt_operand *x, int64_t start, int64_t len)
{
    switch (FX_CONTAINER_KEY(x)) {
        FX_FOR_EACH_CONTAINER(AXPY_ROW)
    }
}

FIXPT_MULTIVERSION
static void axpy_double(double *restrict acc, double a, const double *restrict x, int64_t len)
{
    for (int64_t j = 0; j < len; j++)
        acc[j] += a * x[j];
}

/* Store a block of exact integer sums (|v| < 2^53) when every one fits the output
 * range unchanged (no rounding, no overflow); returns 0, storing nothing, otherwise. */
FIXPT_MULTIVERSION
static int finish_integers(const double *restrict acc, int64_t len, void *out, const fixpt_cast *oc,
                           const fx_bounds *ob, int64_t i0, fixpt_mac_status *ms)
{
    const int64_t hi = ob->max_mag > (1ULL << 53) ? (int64_t)1 << 53 : (int64_t)ob->max_mag;
    const int64_t lo = ob->min_mag > (1ULL << 53) ? -((int64_t)1 << 53) : -(int64_t)ob->min_mag;
    int64_t v[TILE];
    int64_t top = 0, bottom = 0;
    if (len < 1 || len > TILE) /* callers pass one tile; this bound also tells the compiler */
        return 0;
    for (int64_t i = 0; i < len; i++)
        v[i] = (int64_t)acc[i];
    for (int64_t i = 0; i < len; i++) {
        top = v[i] > top ? v[i] : top;
        bottom = v[i] < bottom ? v[i] : bottom;
    }
    if (top > hi || bottom < lo)
        return 0;
    fx_store_block(v, out, oc->out_bytes, i0, len, oc->out_bytes);
    int b = bits_of((fx_u128)(top > -bottom ? top : -bottom));
    if (b > ms->max_acc_bits)
        ms->max_acc_bits = b;
    return 1;
}

static void reset_mac(fixpt_mac_status *ms);

/* Shared start of the MAC kernels: clear the records, validate and derive the model.
 * Products of two raw integers must fit a signed 128-bit integer: not both uint64. */
static int mac_begin(const fixpt_operand *a, const fixpt_operand *b, const fixpt_mac *mac,
                     const fixpt_cast *oc, fixpt_status *st, fixpt_mac_status *ms, mac_ctx *c)
{
    fx_reset_status(st);
    reset_mac(ms);
    if (!fx_valid_operand(a) || !fx_valid_operand(b))
        return FIXPT_E_OPERAND;
    if (a->bytes == 8 && !a->is_signed && b->bytes == 8 && !b->is_signed)
        return FIXPT_E_OPERAND_WIDTH;
    int err = mac_init(mac, c);
    return err ? err : fx_check_cast(oc, 0);
}

static void reset_mac(fixpt_mac_status *ms)
{
    memset(ms, 0, sizeof *ms);
    ms->first_acc_overflow = -1;
}

/*
 * Threads: every MAC kernel splits independent outputs (matrix rows, FIR output tiles,
 * the signals of a batch) between workers, each with its own records, merged afterwards.
 * Each output's sum runs in the same order on any worker and stochastic words are keyed by
 * index, so the bits never depend on the split.
 */
typedef struct {
    fixpt_status st[FX_MAX_WORKERS], st2[FX_MAX_WORKERS]; /* st2: df2t's state casts */
    fixpt_mac_status ms[FX_MAX_WORKERS];
    int too_wide[FX_MAX_WORKERS];
} mac_records;

/* a * b for a, b >= 0, saturating at INT64_MAX. */
static int64_t saturating_product(int64_t a, int64_t b)
{
    return b > 0 && a > INT64_MAX / b ? INT64_MAX : a * b;
}

/* Workers for `units` independent outputs of about cost_a * cost_b MAC steps each; resets
 * their records. */
static int mac_workers(int64_t units, int64_t cost_a, int64_t cost_b, mac_records *r)
{
    int workers = fx_workers_for(saturating_product(units, saturating_product(cost_a, cost_b)));
    if (units < workers)
        workers = units < 1 ? 1 : (int)units;
    for (int w = 0; w < workers; w++) {
        fx_reset_status(&r->st[w]);
        fx_reset_status(&r->st2[w]);
        reset_mac(&r->ms[w]);
        r->too_wide[w] = 0;
    }
    return workers;
}

/* Add the workers' records to the caller's; returns whether a product was too wide. */
static int mac_merge(const mac_records *r, int workers, fixpt_status *st, fixpt_status *st2, fixpt_mac_status *ms)
{
    int too_wide = 0;
    for (int w = 0; w < workers; w++) {
        fx_merge_status(st, &r->st[w]);
        if (st2)
            fx_merge_status(st2, &r->st2[w]);
        if (ms) {
            ms->n_acc_overflow += r->ms[w].n_acc_overflow;
            ms->n_product_overflow += r->ms[w].n_product_overflow;
            ms->first_acc_overflow = fx_first_of(ms->first_acc_overflow, r->ms[w].first_acc_overflow);
            ms->max_acc_bits = r->ms[w].max_acc_bits > ms->max_acc_bits ? r->ms[w].max_acc_bits : ms->max_acc_bits;
        }
        too_wide |= r->too_wide[w];
    }
    return too_wide;
}

/* One stepwise sum acc = sum_{t<k} a[a0 + t sa] * b[b0 + t sb] under the accumulator
 * model, in order t = 0..k-1; records the accumulator and returns its final value. */
static i128 mac_sum(const mac_ctx *c, const fixpt_operand *a, int64_t a0, int64_t sa,
                    const fixpt_operand *b, int64_t b0, int64_t sb, int64_t k, int64_t out_index,
                    fixpt_mac_status *ms, int *too_wide)
{
    i128 s = 0;
    fx_u128 peak = 0;
    int overflowed = 0;
    for (int64_t t = 0; t < k; t++) {
        /* exact: not both operands are uint64 (mac_begin), so |p| < 2^127 */
        i128 p = fx_load_raw(a, a0 + t * sa) * fx_load_raw(b, b0 + t * sb);
        s = mac_add(c, s, mac_product(c, p, (uint64_t)(out_index * k + t), &ms->n_product_overflow,
                                      too_wide), &overflowed);
        fx_u128 mag = magnitude(s);
        peak = mag > peak ? mag : peak;
    }
    note_acc(ms, overflowed, peak, out_index);
    return s;
}

/* Where a job's sums go: the output, the model, the output cast, the workers' records. */
typedef struct {
    void *out;
    const mac_ctx *c;
    const fixpt_cast *oc;
    const fx_bounds *ob;
    uint64_t out_key;
    mac_records rec;
} mac_output;

/* Round sum s of output `index` into the output, noting its events in the worker's record. */
static void mac_store(mac_output *o, int worker, int64_t index, i128 s)
{
    store_one(o->out, o->oc->out_bytes, index, mac_finish(s, o->oc, o->ob, o->out_key, index, &o->rec.st[worker]));
}

typedef struct {
    const fixpt_operand *a, *b;
    int64_t m, k, n;
    const int64_t *as, *bs;
    mac_output o;
} matmul_job;

/* Output rows [start, end) of all the batch's matrices, row r = bt * m + i. */
static void matmul_rows(void *arg, int worker, int64_t start, int64_t end)
{
    matmul_job *j = arg;
    for (int64_t r = start; r < end; r++) {
        const int64_t bt = r / j->m, i = r % j->m;
        for (int64_t col = 0; col < j->n; col++) {
            const int64_t o = r * j->n + col;
            i128 s = mac_sum(j->o.c, j->a, bt * j->as[0] + i * j->as[1], j->as[2], j->b, bt * j->bs[0] + col * j->bs[2],
                             j->bs[1], j->k, o, &j->o.rec.ms[worker], &j->o.rec.too_wide[worker]);
            mac_store(&j->o, worker, o, s);
        }
    }
}

int fixpt_matmul(const fixpt_operand *a, const fixpt_operand *b, void *out, int64_t batch,
                 int64_t m, int64_t k, int64_t n, const int64_t *as, const int64_t *bs,
                 const fixpt_mac *mac, const fixpt_cast *oc, fixpt_status *st,
                 fixpt_mac_status *ms)
{
    mac_ctx c;
    int err = mac_begin(a, b, mac, oc, st, ms, &c);
    if (err)
        return err;
    if (batch < 0 || m < 0 || k < 0 || n < 0)
        return FIXPT_E_LENGTH;
    const fx_bounds ob = fx_make_bounds(oc->word_length, oc->is_signed, oc->overflow_mode);
    matmul_job job = {a, b, m, k, n, as, bs, {out, &c, oc, &ob, fx_stream_key(oc->seed, oc->stream)}};
    const int64_t rows = batch * m;
    const int workers = mac_workers(rows, n, k + 1, &job.o.rec);
    fx_parallel(workers, rows, 1, matmul_rows, &job);
    return mac_merge(&job.o.rec, workers, st, NULL, ms) ? FIXPT_E_OPERAND_WIDTH : FIXPT_OK;
}

typedef struct {
    const fixpt_operand *x, *h;
    int64_t k;
    const fixpt_mac *mac;
    mac_output o;
} fir_job;

/* Outputs [start, end), in tiles. */
static void fir_range(void *arg, int worker, int64_t start, int64_t end)
{
    fir_job *j = arg;
    const fixpt_operand *x = j->x, *h = j->h;
    const fixpt_cast *oc = j->o.oc;
    const int64_t k = j->k;
    fixpt_mac_status *ms = &j->o.rec.ms[worker];
    const int fast = double_path_ok(j->mac, j->o.c) && !fx_exact_only();
    const double scale = ldexp(1.0, j->o.c->align); /* align <= 63: exact */
    double acc[TILE], xd[2 * TILE];
    for (int64_t i0 = start; i0 < end; i0 += TILE) {
        int64_t len = end - i0 < TILE ? end - i0 : TILE;
        if (fast) {
            memset(acc, 0, sizeof acc);
            if (k <= TILE) { /* convert this block's samples once, then pure double AXPYs */
                fx_load_block_double(x, i0, len + k - 1, xd);
                for (int64_t t = 0; t < k; t++)
                    axpy_double(acc, fx_load_double(h, t), xd + k - 1 - t, len);
            } else {
                for (int64_t t = 0; t < k; t++)
                    axpy_row(acc, fx_load_double(h, t), x, i0 + k - 1 - t, len);
            }
            if (oc->shift == 0 && j->o.c->align == 0 && finish_integers(acc, len, j->o.out, oc, j->o.ob, i0, ms))
                continue; /* exact integers that fit the output: stored directly */
            for (int64_t i = 0; i < len; i++) {
                i128 s = (i128)(acc[i] * scale); /* |acc| < 2^53, scale <= 2^63: exact */
                note_acc(ms, 0, magnitude(s), i0 + i);
                mac_store(&j->o, worker, i0 + i, s);
            }
        } else {
            for (int64_t i = 0; i < len; i++) {
                i128 s = mac_sum(j->o.c, h, 0, 1, x, i0 + i + k - 1, -1, k, i0 + i, ms, &j->o.rec.too_wide[worker]);
                mac_store(&j->o, worker, i0 + i, s);
            }
        }
    }
}

int fixpt_fir(const fixpt_operand *x, const fixpt_operand *h, void *out, int64_t n_out, int64_t k,
              const fixpt_mac *mac, const fixpt_cast *oc, fixpt_status *st, fixpt_mac_status *ms)
{
    mac_ctx c;
    int err = mac_begin(x, h, mac, oc, st, ms, &c);
    if (err)
        return err;
    if (n_out < 0 || k < 1)
        return FIXPT_E_LENGTH;
    const fx_bounds ob = fx_make_bounds(oc->word_length, oc->is_signed, oc->overflow_mode);
    fir_job job = {x, h, k, mac, {out, &c, oc, &ob, fx_stream_key(oc->seed, oc->stream)}};
    const int workers = mac_workers(n_out, k, 1, &job.o.rec);
    fx_parallel(workers, n_out, TILE, fir_range, &job);
    return mac_merge(&job.o.rec, workers, st, NULL, ms) ? FIXPT_E_OPERAND_WIDTH : FIXPT_OK;
}

/* ---- IIR: the same accumulator model, with the rounded outputs fed back ---- */

/* Push v into a history of len samples, oldest first. */
static inline void push_history(int64_t *h, int64_t len, int64_t v)
{
    if (len <= 0)
        return;
    memmove(h, h + 1, (size_t)(len - 1) * sizeof *h);
    h[len - 1] = v;
}

/* One signal on 64-bit integers, when the caller proves (mac->exact_bits <= 62) that every
 * partial sum (so every aligned product) is below 2^62 and the accumulator cannot overflow:
 * the same sums, the same one rounding (max_acc_bits then reports the final sums only).
 * Histories live in doubled ring buffers: slot j and j + len hold the same sample. */
#define IIR_MAX_FAST_TAPS 64

/* One output: the block's forward sum minus the feedback, one rounding (MODE a constant in
 * each copy), the output pushed into its ring. */
#define IIR_FAST_LOOP(MODE)                                                                     \
    for (int64_t i = 0; i < len; i++) {                                                         \
        /* |each term| and |each partial sum| < 2^62 (the caller's proof): no overflow, and   \
         * exact integers: the order of the terms cannot change the sum */                      \
        /* y[t - ly + j] sits at slot py + j; the newest, y[t-1], stays in a register: only   \
         * its product is on the recursion's critical path */                                   \
        int64_t older = 0;                                                                      \
        for (int64_t j = 0; j + 1 < ly; j++)                                                    \
            older += ay[j] * yr[py + j];                                                        \
        const int64_t acc = fwd[i] - older - newest_coefficient * newest;                       \
        const uint64_t neg = acc < 0, m = neg ? (uint64_t)0 - (uint64_t)acc : (uint64_t)acc;    \
        peak = m > peak ? m : peak;                                                             \
        uint64_t mag = m;                                                                       \
        int inexact = 0, overflow;                                                              \
        if (k > 0) {                                                                            \
            uint64_t rnd = fx_random_if(MODE, out_key, signal_cast->index_offset + (uint64_t)(o0 + i)); \
            mag = fx_round_shift(neg, m, (uint64_t)k, MODE, rnd);                               \
            inexact = (m << (64 - k)) != 0;                                                     \
        }                                                                                       \
        const int64_t raw = (int64_t)fx_apply_overflow((int)neg, mag, 0, ob, &overflow);        \
        fx_note(st, NULL, overflow, inexact, o0 + i);                                           \
        yb[i] = raw;                                                                            \
        newest = raw;                                                                           \
        if (ly > 0) {                                                                           \
            yr[py] = yr[py + ly] = raw;                                                         \
            py = py + 1 == ly ? 0 : py + 1;                                                     \
        }                                                                                       \
    }

FIXPT_MULTIVERSION
static void lfilter_fast_signal(const int64_t *bs, int64_t nb, const int64_t *as, int64_t na,
                                const fixpt_operand *x, int64_t s, int64_t n, int64_t *xs, int64_t *ys,
                                void *out, const fixpt_cast *signal_cast, const fx_bounds *ob,
                                uint64_t out_key, fixpt_status *st, fixpt_mac_status *ms)
{
    const int64_t lx = nb - 1, ly = na - 1;
    /* the feedback coefficients in the ring's order (oldest output first) */
    int64_t ay[IIR_MAX_FAST_TAPS], yr[2 * IIR_MAX_FAST_TAPS];
    for (int64_t j = 0; j < ly; j++) {
        ay[j] = as[ly - j];
        yr[j] = yr[j + ly] = ys[j];
    }
    /* the block's input behind its lx predecessors, and its forward sums (no recursion:
     * a loop over the block that vectorises) */
    int64_t xe[IIR_MAX_FAST_TAPS + FX_BLOCK], fwd[FX_BLOCK], yb[FX_BLOCK];
    if (lx > 0) /* (with no taps the history is NULL) */
        memcpy(xe, xs, (size_t)lx * sizeof *xe);
    const int k = -signal_cast->shift; /* 0..63 (checked by the caller) */
    int64_t py = 0; /* the oldest output's slot */
    const int64_t newest_coefficient = ly > 0 ? ay[ly - 1] : 0;
    int64_t newest = ly > 0 ? ys[ly - 1] : 0;
    uint64_t peak = 0;
    for (int64_t t0 = 0; t0 < n; t0 += FX_BLOCK) {
        const int64_t len = n - t0 < FX_BLOCK ? n - t0 : FX_BLOCK, o0 = s * n + t0;
        fx_load_block_int64(x, o0, len, xe + lx);
        for (int64_t i = 0; i < len; i++)
            fwd[i] = bs[0] * xe[lx + i];
        for (int64_t j = 1; j <= lx; j++)
            for (int64_t i = 0; i < len; i++)
                fwd[i] += bs[j] * xe[lx + i - j];
        switch (signal_cast->round_mode) {
            FIXPT_FOR_EACH_ROUND_MODE(IIR_FAST_LOOP)
        default: break;
        }
        fx_store_block(yb, out, signal_cast->out_bytes, o0, len, signal_cast->out_bytes);
        if (lx > 0)
            memmove(xe, xe + len, (size_t)lx * sizeof *xe); /* the last lx inputs, oldest first */
    }
    if (lx > 0)
        memcpy(xs, xe, (size_t)lx * sizeof *xs);
    for (int64_t j = 0; j < ly; j++) /* oldest first again */
        ys[j] = yr[py + j];
    note_acc(ms, 0, peak, 0);
}

typedef struct {
    const fixpt_operand *b, *a, *x;
    int64_t nb, na, n;
    int64_t *x_state, *y_state;
    void *out;
    int fast;
    const int64_t *bs, *as;
    const mac_ctx *c, *feedback;
    const fixpt_cast *oc;
    const fx_bounds *ob;
    mac_records rec;
} lfilter_job;

/* Signals [start, end) of the batch, each from its own state. */
static void lfilter_signals(void *arg, int worker, int64_t start, int64_t end)
{
    lfilter_job *j = arg;
    const fixpt_operand *b = j->b, *a = j->a, *x = j->x;
    const int64_t nb = j->nb, na = j->na, n = j->n;
    const fixpt_cast *oc = j->oc;
    const mac_ctx *cp = j->c, *fp = j->feedback;
    fixpt_status *st = &j->rec.st[worker];
    fixpt_mac_status *ms = &j->rec.ms[worker];
    int *too_wide_flag = &j->rec.too_wide[worker];
    for (int64_t s = start; s < end; s++) {
        int64_t *xs = j->x_state + s * (nb - 1), *ys = j->y_state + s * (na - 1);
        /* one stream per signal; the note index is the flat output index, the random word's
         * index the sample's (index_offset + t) */
        fixpt_cast signal_cast = *oc;
        signal_cast.index_offset = oc->index_offset - (uint64_t)(s * n);
        const uint64_t out_key = fx_stream_key(oc->seed, oc->stream + (uint64_t)s);
        if (j->fast) {
            lfilter_fast_signal(j->bs, nb, j->as, na, x, s, n, xs, ys, j->out, &signal_cast, j->ob, out_key, st, ms);
            continue;
        }
        for (int64_t t = 0; t < n; t++) {
            const int64_t o = s * n + t;
            const i128 xv = fx_load_raw(x, o);
            i128 acc = 0;
            fx_u128 peak = 0;
            int overflowed = 0;
            acc = mac_add(cp, acc, mac_product(cp, fx_load_raw(b, 0) * xv, 0, &ms->n_product_overflow, too_wide_flag),
                          &overflowed);
            peak = magnitude(acc);
            for (int64_t k = 1; k < nb; k++) {
                i128 p = mac_product(cp, fx_load_raw(b, k) * (i128)xs[nb - 1 - k], 0, &ms->n_product_overflow,
                                     too_wide_flag);
                acc = mac_add(cp, acc, p, &overflowed);
                peak = magnitude(acc) > peak ? magnitude(acc) : peak;
            }
            for (int64_t k = 1; k < na; k++) {
                /* |a[k] * y| < 2^127 after alignment (mac_product checks), so its negation is exact */
                i128 p = mac_product(fp, fx_load_raw(a, k) * (i128)ys[na - 1 - k], 0,
                                     &ms->n_product_overflow, too_wide_flag);
                acc = mac_add(cp, acc, -p, &overflowed);
                peak = magnitude(acc) > peak ? magnitude(acc) : peak;
            }
            note_acc(ms, overflowed, peak, o);
            const int64_t raw = mac_finish(acc, &signal_cast, j->ob, out_key, o, st);
            store_one(j->out, oc->out_bytes, o, raw);
            /* the stored bits as a value: fx_apply_overflow sign-extends signed results, and
             * unsigned outputs have at most 63 bits */
            push_history(xs, nb - 1, (int64_t)xv);
            push_history(ys, na - 1, raw);
        }
    }
}

int fixpt_lfilter(const fixpt_operand *b, int64_t nb, const fixpt_operand *a, int64_t na,
                  const fixpt_operand *x, int64_t batch, int64_t n, int64_t *x_state, int64_t *y_state,
                  void *out, int32_t feedback_align, const fixpt_mac *mac, const fixpt_cast *oc,
                  fixpt_status *st, fixpt_mac_status *ms)
{
    mac_ctx c;
    int err = mac_begin(b, x, mac, oc, st, ms, &c);
    if (err)
        return err;
    if (!fx_valid_operand(a))
        return FIXPT_E_OPERAND;
    if (c.narrow)
        return FIXPT_E_PRODUCT;
    if (nb < 1 || na < 1 || batch < 0 || n < 0)
        return FIXPT_E_LENGTH;
    if (feedback_align < 0 || feedback_align > 63)
        return FIXPT_E_ALIGN;
    if ((x->bytes == 8 && !x->is_signed) || (oc->word_length == 64 && !oc->is_signed))
        return FIXPT_E_OPERAND_WIDTH; /* histories are int64 */
    mac_ctx feedback = c;
    feedback.align = feedback_align;
    const fx_bounds ob = fx_make_bounds(oc->word_length, oc->is_signed, oc->overflow_mode);
    /* the 64-bit path: the caller's bound, no wrapped output (its value feeds back as is, but
     * keep the exact path the one that models every overflow mode), taps that fit the rings */
    const int fast = mac->exact_bits >= 1 && mac->exact_bits <= 62 && oc->shift <= 0 && oc->shift >= -63 &&
                     nb <= IIR_MAX_FAST_TAPS && na <= IIR_MAX_FAST_TAPS && !fx_exact_only();
    int64_t bs[IIR_MAX_FAST_TAPS], as[IIR_MAX_FAST_TAPS];
    if (fast) {
        /* coefficients pre-aligned: |b[k] << align| <= the bound (|x| >= 1 somewhere), < 2^62 */
        for (int64_t k = 0; k < nb; k++)
            bs[k] = (int64_t)((uint64_t)(int64_t)fx_load_raw(b, k) << c.align);
        as[0] = 0; /* a[0] = 1 is the output itself, never a product */
        for (int64_t k = 1; k < na; k++)
            as[k] = (int64_t)((uint64_t)(int64_t)fx_load_raw(a, k) << feedback_align);
    }
    lfilter_job job = {b, a, x, nb, na, n, x_state, y_state, out, fast, bs, as, &c, &feedback, oc, &ob};
    const int workers = mac_workers(batch, n, nb + na, &job.rec);
    fx_parallel(workers, batch, 1, lfilter_signals, &job);
    return mac_merge(&job.rec, workers, st, NULL, ms) ? FIXPT_E_OPERAND_WIDTH : FIXPT_OK;
}

/* ---- IIR in transposed Direct Form II, with explicit state words ---- */

/* v * 2^align into *out if its magnitude stays below 2^125, so that a sum of three such
 * terms cannot overflow 128 bits; 0 (the caller reports FIXPT_E_OPERAND_WIDTH) otherwise. */
static inline int aligned_term(i128 v, int align, i128 *out)
{
    const i128 limit = (i128)1 << (125 - align);
    if (v >= limit || v <= -limit)
        return 0;
    *out = (i128)((fx_u128)v << align);
    return 1;
}

/* One rounding of an exact sum into a cast's format (the same steps as mac_finish). */
static inline int64_t df2t_round(i128 acc, const fixpt_cast *c, const fx_bounds *ob, uint64_t key, uint64_t index,
                                 int64_t note_index, fixpt_status *st)
{
    int neg = acc < 0, big, inexact, overflow;
    uint64_t rnd = fx_random_if(c->round_mode, key, index);
    uint64_t mag = fx_round_scaled(neg, neg ? -(fx_u128)acc : (fx_u128)acc, c->shift, c->round_mode, rnd, &big,
                                   &inexact);
    uint64_t raw = fx_apply_overflow(neg, mag, big, ob, &overflow);
    fx_note(st, NULL, overflow, inexact, note_index);
    return (int64_t)raw;
}

typedef struct {
    const fixpt_operand *b, *a, *x;
    int64_t order, batch, n;
    int64_t *state;
    void *out;
    int32_t align_bx, align_ay, align_s;
    const fixpt_cast *yc, *sc;
    const fx_bounds *yb, *sb;
    mac_records rec;
} df2t_job;

/* Signals [start, end) of the batch, each from its own state. */
static void df2t_signals(void *arg, int worker, int64_t start, int64_t end)
{
    df2t_job *job = arg;
    const fixpt_operand *b = job->b, *a = job->a, *x = job->x;
    const int64_t order = job->order, batch = job->batch, n = job->n;
    const int32_t align_bx = job->align_bx, align_ay = job->align_ay, align_s = job->align_s;
    const fixpt_cast *yc = job->yc, *sc = job->sc;
    fixpt_status *yst = &job->rec.st[worker], *sst = &job->rec.st2[worker];
    int *too_wide = &job->rec.too_wide[worker];
    for (int64_t s = start; s < end && !*too_wide; s++) {
        int64_t *w = job->state + s * order;
        const uint64_t y_key = fx_stream_key(yc->seed, yc->stream + (uint64_t)s);
        for (int64_t t = 0; t < n && !*too_wide; t++) {
            const int64_t o = s * n + t;
            const uint64_t index = yc->index_offset + (uint64_t)t;
            const i128 xv = fx_load_raw(x, o);
            i128 carried = 0, acc = 0;
            /* y = b0 x + s0 */
            *too_wide |= !aligned_term(fx_load_raw(b, 0) * xv, align_bx, &acc);
            *too_wide |= !aligned_term((i128)w[0], align_s, &carried);
            acc += carried; /* two terms below 2^125: no overflow */
            const int64_t y = df2t_round(acc, yc, job->yb, y_key, index, o, yst);
            store_one(job->out, yc->out_bytes, o, y);
            for (int64_t j = 0; j < order; j++) {
                i128 forward = 0, feedback = 0, next = 0;
                *too_wide |= !aligned_term(fx_load_raw(b, j + 1) * xv, align_bx, &forward);
                *too_wide |= !aligned_term(fx_load_raw(a, j + 1) * (i128)y, align_ay, &feedback);
                if (j + 1 < order)
                    *too_wide |= !aligned_term((i128)w[j + 1], align_s, &next);
                const uint64_t s_key = fx_stream_key(sc->seed, sc->stream + (uint64_t)(j * batch + s));
                w[j] = df2t_round(forward - feedback + next, sc, job->sb, s_key, sc->index_offset + (uint64_t)t,
                                  o * order + j, sst);
            }
        }
    }
}

int fixpt_lfilter_df2t(const fixpt_operand *b, const fixpt_operand *a, int64_t order, const fixpt_operand *x,
                       int64_t batch, int64_t n, int64_t *state, void *out, int32_t align_bx, int32_t align_ay,
                       int32_t align_s, const fixpt_cast *yc, const fixpt_cast *sc,
                       fixpt_status *yst, fixpt_status *sst)
{
    fx_reset_status(yst);
    fx_reset_status(sst);
    if (!fx_valid_operand(a) || !fx_valid_operand(b) || !fx_valid_operand(x))
        return FIXPT_E_OPERAND;
    if ((b->bytes == 8 && !b->is_signed && x->bytes == 8 && !x->is_signed) || (x->bytes == 8 && !x->is_signed))
        return FIXPT_E_OPERAND_WIDTH;
    if (order < 1 || batch < 0 || n < 0)
        return FIXPT_E_LENGTH;
    if (align_bx < 0 || align_bx > 63 || align_ay < 0 || align_ay > 63 || align_s < 0 || align_s > 63)
        return FIXPT_E_ALIGN;
    int err = fx_check_cast(yc, 0);
    if (!err)
        err = fx_check_cast(sc, 0);
    if (err)
        return err;
    if ((yc->word_length == 64 && !yc->is_signed) || (sc->word_length == 64 && !sc->is_signed))
        return FIXPT_E_OPERAND_WIDTH; /* outputs and states feed back as int64 */
    const fx_bounds yb = fx_make_bounds(yc->word_length, yc->is_signed, yc->overflow_mode);
    const fx_bounds sb = fx_make_bounds(sc->word_length, sc->is_signed, sc->overflow_mode);
    df2t_job job = {b, a, x, order, batch, n, state, out, align_bx, align_ay, align_s, yc, sc, &yb, &sb};
    const int workers = mac_workers(batch, n, 3 * order + 1, &job.rec);
    fx_parallel(workers, batch, 1, df2t_signals, &job);
    return mac_merge(&job.rec, workers, yst, sst, NULL) ? FIXPT_E_OPERAND_WIDTH : FIXPT_OK;
}
