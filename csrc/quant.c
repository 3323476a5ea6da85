/*
 * quant.c - affine quantization and integer requantization, bit for bit as the
 * runtimes compute them (ONNX, PyTorch, TFLite/gemmlowp, NEMO, FBGEMM).
 */
#include <math.h>
#include <string.h>

#include "arrays.h"
#include "threads.h"

#define BLOCK 1024

static inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* One channel run of quantization: the preset is a constant in each copy.  All
 * arithmetic stays in float32 and int32, so the loops vectorise.  NaN (which has
 * no integer) is counted and written as the zero point; the caller applies its
 * NaN policy. */
#define QUANT_LOOP(EXPR)                                                        \
    for (int64_t i = 0; i < len; i++) {                                         \
        float v = x[i];                                                         \
        int nan = v != v;                                                       \
        float r = (EXPR);                                                       \
        /* clamp in float first: the conversion below is then always defined */ \
        r = r < lo ? lo : (r > hi ? hi : r);                                    \
        r = nan ? 0.0f : r;                                                     \
        int32_t q = (int32_t)r + zp;                                            \
        nans += nan;                                                            \
        clamped += (q < qmin) | (q > qmax);                                     \
        out[i] = q < qmin ? qmin : (q > qmax ? qmax : q);                       \
    }

/* round half away from zero (C's roundf), written so that it vectorises */
static inline float round_half_away(float q)
{
    float t = truncf(q);
    float frac = q - t; /* exact */
    return t + (fabsf(frac) >= 0.5f ? copysignf(1.0f, q) : 0.0f);
}

FIXPT_MULTIVERSION
static void quantize_run(const float *restrict x, int32_t *restrict out, int64_t len, float scale,
                         int32_t zp, int preset, int32_t qmin, int32_t qmax, int64_t *n_clamped,
                         int64_t *n_nan)
{
    /* values beyond these bounds clamp whatever the zero point (qmin, qmax, zp are within
     * 16 bits, so these are exact floats and the int32 conversion cannot overflow) */
    const float lo = (float)qmin - (float)zp - 1.0f, hi = (float)qmax - (float)zp + 1.0f;
    const float inv = 1.0f / scale;
    int32_t clamped = 0, nans = 0;
    switch (preset) {
    case FIXPT_QUANT_ONNX: QUANT_LOOP(nearbyintf(v / scale)) break;
    case FIXPT_QUANT_TORCH: QUANT_LOOP(nearbyintf(v * inv)) break;
    case FIXPT_QUANT_TFLITE: QUANT_LOOP(round_half_away(v / scale)) break;
    default: QUANT_LOOP(floorf(v / scale)) break;
    }
    *n_clamped += clamped;
    *n_nan += nans;
}

FIXPT_MULTIVERSION
static void store32(const int32_t *restrict v, void *restrict out, int64_t n, int bytes)
{
    switch (bytes) {
    case 1: { uint8_t *o = out; for (int64_t i = 0; i < n; i++) o[i] = (uint8_t)v[i]; break; }
    case 2: { uint16_t *o = out; for (int64_t i = 0; i < n; i++) o[i] = (uint16_t)v[i]; break; }
    case 4: memcpy(out, v, (size_t)n * 4); break;
    default: { int64_t *o = out; for (int64_t i = 0; i < n; i++) o[i] = v[i]; break; }
    }
}

/* The run of elements from start that share one channel's parameters, at most BLOCK long
 * and not past end; *channel is that channel. */
static inline int64_t channel_run(int64_t start, int64_t end, int64_t inner, int64_t channels,
                                  int64_t *channel)
{
    *channel = (start / inner) % channels;
    int64_t len = (start / inner + 1) * inner - start;
    if (len > BLOCK)
        len = BLOCK;
    return len > end - start ? end - start : len;
}

typedef struct {
    const float *x;
    void *out;
    const float *scale;
    const int32_t *zero_point;
    int64_t channels, inner;
    int32_t preset, qmin, qmax, out_bytes;
    int64_t clamped[FX_MAX_WORKERS], nans[FX_MAX_WORKERS];
} quantize_job;

/* Elements [begin, end): runs of constant parameters, at most BLOCK long. */
static void quantize_range(void *arg, int worker, int64_t begin, int64_t end)
{
    quantize_job *job = arg;
    int32_t tmp[BLOCK];
    for (int64_t start = begin; start < end;) {
        int64_t channel, len = channel_run(start, end, job->inner, job->channels, &channel);
        quantize_run(job->x + start, tmp, len, job->scale[channel], job->zero_point[channel],
                     job->preset, job->qmin, job->qmax, &job->clamped[worker], &job->nans[worker]);
        store32(tmp, (char *)job->out + start * job->out_bytes, len, job->out_bytes);
        start += len;
    }
}

int fixpt_quantize_f32(const float *x, void *out, int64_t n, const float *scale,
                       const int32_t *zero_point, int64_t channels, int64_t inner, int32_t preset,
                       int32_t qmin, int32_t qmax, int32_t out_bytes, int64_t *n_clamped,
                       int64_t *n_nan)
{
    *n_clamped = 0;
    *n_nan = 0;
    if (preset < FIXPT_QUANT_ONNX || preset > FIXPT_QUANT_NEMO)
        return FIXPT_E_OPERATION;
    if (n < 0)
        return FIXPT_E_LENGTH;
    if (channels < 1 || inner < 1)
        return FIXPT_E_CHANNELS;
    if (qmin > qmax || qmin < -65536 || qmax > 65535)
        return FIXPT_E_QRANGE;
    for (int64_t c = 0; c < channels; c++) {
        if (zero_point[c] < -65536 || zero_point[c] > 65535)
            return FIXPT_E_ZERO_POINT;
        if (!(scale[c] > 0.0f) || isinf(scale[c]))
            return FIXPT_E_SCALE;
    }
    if (!fx_valid_bytes(out_bytes))
        return FIXPT_E_CONTAINER;
    quantize_job job = {x, out, scale, zero_point, channels, inner, preset, qmin, qmax, out_bytes,
                        {0}, {0}};
    int workers = fx_workers_for(n);
    fx_parallel(workers, n, BLOCK, quantize_range, &job);
    for (int w = 0; w < workers; w++) {
        *n_clamped += job.clamped[w];
        *n_nan += job.nans[w];
    }
    return FIXPT_OK;
}

/* ---- dequantization: (q - zero_point) * scale in float32 ---- */

FIXPT_MULTIVERSION
static void dequantize_run(const int64_t *restrict q, float *restrict out, int64_t len, float scale,
                           int32_t zp)
{
    /* codes and zero points are checked to lie within 17 bits of each other by the caller:
     * the difference is an exact float32, the product rounds once, as the runtimes do */
    for (int64_t i = 0; i < len; i++)
        out[i] = (float)(q[i] - (int64_t)zp) * scale;
}

/* The common case, 8-bit codes one byte apart: no widening pass. */
FIXPT_MULTIVERSION
static void dequantize_run_i8(const int8_t *restrict q, float *restrict out, int64_t len, float scale,
                              int32_t zp)
{
    for (int64_t i = 0; i < len; i++)
        out[i] = (float)((int32_t)q[i] - zp) * scale;
}

FIXPT_MULTIVERSION
static void dequantize_run_u8(const uint8_t *restrict q, float *restrict out, int64_t len, float scale,
                              int32_t zp)
{
    for (int64_t i = 0; i < len; i++)
        out[i] = (float)((int32_t)q[i] - zp) * scale;
}

typedef struct {
    const fixpt_operand *q;
    float *out;
    const float *scale;
    const int32_t *zero_point;
    int64_t channels, inner;
} dequantize_job;

static void dequantize_range(void *arg, int worker, int64_t begin, int64_t end)
{
    (void)worker;
    const dequantize_job *job = arg;
    int64_t raw[BLOCK];
    for (int64_t start = begin; start < end;) {
        int64_t channel, len = channel_run(start, end, job->inner, job->channels, &channel);
        const fixpt_operand *q = job->q;
        float scale = job->scale[channel];
        int32_t zp = job->zero_point[channel];
        if (q->bytes == 1 && q->stride == 1 && q->is_signed) {
            dequantize_run_i8((const int8_t *)q->data + start, job->out + start, len, scale, zp);
        } else if (q->bytes == 1 && q->stride == 1) {
            dequantize_run_u8((const uint8_t *)q->data + start, job->out + start, len, scale, zp);
        } else {
            fx_load_block_int64(q, start, len, raw);
            dequantize_run(raw, job->out + start, len, scale, zp);
        }
        start += len;
    }
}

int fixpt_dequantize_f32(const fixpt_operand *q, float *out, int64_t n, const float *scale,
                         const int32_t *zero_point, int64_t channels, int64_t inner)
{
    if (n < 0)
        return FIXPT_E_LENGTH;
    if (channels < 1 || inner < 1)
        return FIXPT_E_CHANNELS;
    if (!fx_valid_operand(q))
        return FIXPT_E_OPERAND;
    for (int64_t c = 0; c < channels; c++) {
        if (zero_point[c] < -65536 || zero_point[c] > 65535)
            return FIXPT_E_ZERO_POINT;
        if (!(scale[c] > 0.0f) || isinf(scale[c]))
            return FIXPT_E_SCALE;
    }
    dequantize_job job = {q, out, scale, zero_point, channels, inner};
    fx_parallel(fx_workers_for(n), n, BLOCK, dequantize_range, &job);
    return FIXPT_OK;
}

/* gemmlowp's SaturatingRoundingDoublingHighMul: round(a * b / 2^31), ties away from zero
 * (C division truncates), with the single overflowing case saturated. */
static inline int64_t srdhm(int64_t a, int64_t b)
{
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    int64_t ab = a * b;
    int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
    return (ab + nudge) / (1LL << 31);
}

/* gemmlowp's RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from zero
 * (floor(x / 2^e) plus one when the remainder passes the threshold). */
static inline int64_t rdbpot(int64_t x, int e)
{
    int64_t mask = (1LL << e) - 1;
    int64_t remainder = (int64_t)((uint64_t)x & (uint64_t)mask);
    int64_t threshold = (mask >> 1) + (x < 0);
    return fx_floor_shift64(x, e) + (remainder > threshold);
}

static inline int64_t sat32(int64_t v)
{
    return clamp64(v, INT32_MIN, INT32_MAX);
}

FIXPT_MULTIVERSION
static int64_t requantize_run(const int64_t *restrict acc, int64_t *restrict out, int64_t len, int preset,
                              int32_t m, int32_t s, float fm, int32_t zp, int32_t qmin, int32_t qmax)
{
    int64_t clamped = 0;
    switch (preset) {
    case FIXPT_REQUANT_GEMMLOWP: {
        /* TFLite MultiplyByQuantizedMultiplier: left shift, high mul, rounding right shift */
        const int left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;
        for (int64_t i = 0; i < len; i++) {
            int64_t x = sat32(acc[i] * (1LL << left)); /* |acc| < 2^31 (checked), left <= 30 */
            int64_t q = rdbpot(srdhm(x, m), right) + zp;
            clamped += (q < qmin) | (q > qmax);
            out[i] = clamp64(q, qmin, qmax);
        }
        break;
    }
    case FIXPT_REQUANT_SINGLE_ROUNDING: {
        const int total = 31 - s;
        for (int64_t i = 0; i < len; i++) {
            __int128 p = (__int128)acc[i] * m + ((__int128)1 << (total - 1));
            int64_t q = sat32((int64_t)fx_floor_shift128(p, total)) + zp;
            clamped += (q < qmin) | (q > qmax);
            out[i] = clamp64(q, qmin, qmax);
        }
        break;
    }
    case FIXPT_REQUANT_NEMO:
        for (int64_t i = 0; i < len; i++) {
            /* exact in 128 bits: |acc * m| < 2^94, and the clamp comes before any narrowing */
            __int128 q = fx_floor_shift128((__int128)acc[i] * m, s) + zp;
            clamped += (q < qmin) | (q > qmax);
            out[i] = (int64_t)(q < qmin ? qmin : (q > qmax ? qmax : q));
        }
        break;
    case FIXPT_REQUANT_ONNX:
        for (int64_t i = 0; i < len; i++) {
            double r = nearbyint((double)acc[i] * (double)fm);
            r = r < -9.2e18 ? -9.2e18 : (r > 9.2e18 ? 9.2e18 : r);
            int64_t q = (int64_t)r + zp;
            clamped += (q < qmin) | (q > qmax);
            out[i] = clamp64(q, qmin, qmax);
        }
        break;
    default:
        for (int64_t i = 0; i < len; i++) {
            float r = nearbyintf((float)acc[i] * fm);
            r = r < -9.2e18f ? -9.2e18f : (r > 9.2e18f ? 9.2e18f : r);
            int64_t q = (int64_t)r + zp;
            clamped += (q < qmin) | (q > qmax);
            out[i] = clamp64(q, qmin, qmax);
        }
        break;
    }
    return clamped;
}

int fixpt_requantize(const int64_t *acc, void *out, int64_t n, const int32_t *multiplier,
                     const int32_t *shift, const float *float_multiplier, const int32_t *zero_point,
                     int64_t channels, int64_t inner, int32_t preset, int32_t qmin, int32_t qmax,
                     int32_t out_bytes, int64_t *n_clamped)
{
    *n_clamped = 0;
    if (preset < FIXPT_REQUANT_GEMMLOWP || preset > FIXPT_REQUANT_ONNX)
        return FIXPT_E_OPERATION;
    if (n < 0)
        return FIXPT_E_LENGTH;
    if (channels < 1 || inner < 1)
        return FIXPT_E_CHANNELS;
    if (qmin > qmax)
        return FIXPT_E_QRANGE;
    if (!fx_valid_bytes(out_bytes))
        return FIXPT_E_CONTAINER;
    const int integer = preset < FIXPT_REQUANT_FLOAT;
    for (int64_t c = 0; c < channels; c++) {
        if (integer) {
            int s = shift[c];
            if (((preset == FIXPT_REQUANT_GEMMLOWP || preset == FIXPT_REQUANT_SINGLE_ROUNDING) &&
                 (s < -31 || s > 30)) ||
                (preset == FIXPT_REQUANT_NEMO && (s < 0 || s > 62)))
                return FIXPT_E_SHIFT;
            if (multiplier[c] < 0)
                return FIXPT_E_MULTIPLIER;
        } else if (!(float_multiplier[c] >= 0.0f) || isinf(float_multiplier[c])) {
            return FIXPT_E_SCALE;
        }
    }
    if (preset == FIXPT_REQUANT_GEMMLOWP || preset == FIXPT_REQUANT_SINGLE_ROUNDING)
        for (int64_t i = 0; i < n; i++)
            if (acc[i] < INT32_MIN || acc[i] > INT32_MAX)
                return FIXPT_E_OPERAND; /* these presets take int32 accumulators */
    int64_t tmp[BLOCK];
    int64_t clamped = 0;
    /* runs of constant parameters, at most BLOCK long; the preset switch is outside the loops */
    for (int64_t start = 0; start < n;) {
        int64_t ch = (start / inner) % channels;
        int64_t len = (start / inner + 1) * inner - start;
        len = len > BLOCK ? BLOCK : len;
        len = len > n - start ? n - start : len;
        clamped += requantize_run(acc + start, tmp, len, preset, integer ? multiplier[ch] : 0,
                                  integer ? shift[ch] : 0, integer ? 0.0f : float_multiplier[ch],
                                  zero_point[ch], qmin, qmax);
        fx_store_block(tmp, out, out_bytes, start, len, out_bytes);
        start += len;
    }
    *n_clamped = clamped;
    return FIXPT_OK;
}
