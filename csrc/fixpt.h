/*
 * fixpt.h - the public interface of the fixpt C core.
 *
 * Every kernel works on whole arrays, never allocates, never prints and never
 * aborts: it returns a status code (FIXPT_OK or one of the FIXPT_E* codes) and
 * fills a fixpt_status record with what happened (overflows, NaN, inf, inexact
 * results).  The Python binding turns both into exceptions or report objects.
 * Elementwise kernels take strided arrays (a byte step between elements; 0
 * repeats one element), as NumPy's ufunc loops do.
 *
 * The part between CDEF BEGIN and CDEF END is read verbatim by the cffi build
 * script (csrc/build_ffi.py), so it holds plain C declarations only.
 */
#ifndef FIXPT_H
#define FIXPT_H

#include <stdint.h>

/* CDEF BEGIN */

/* Status codes returned by every kernel: one code per condition, so that the
 * binding's message names the parameter at fault. */
typedef enum {
    FIXPT_OK = 0,
    FIXPT_E_WORD_LENGTH = 1,     /* output word length outside 1..64 */
    FIXPT_E_ROUND_MODE = 2,      /* unknown rounding mode */
    FIXPT_E_OVERFLOW_MODE = 3,   /* unknown (or, for accumulators, unsupported) overflow mode */
    FIXPT_E_CONTAINER = 4,       /* container bytes not 1, 2, 4 or 8, or too small */
    FIXPT_E_SHIFT = 5,           /* binary-point shift out of range for the kernel */
    FIXPT_E_LENGTH = 6,          /* negative element count or dimension */
    FIXPT_E_FLOAT_FORMAT = 7,    /* invalid float format (see fixpt_float_format) */
    FIXPT_E_DIRECTION = 8,       /* next-value direction not +1 or -1 */
    FIXPT_E_OPERATION = 9,       /* unknown operation or preset code */
    FIXPT_E_OPERAND = 10,        /* operand container not 1, 2, 4 or 8 bytes, or align outside 0..63 */
    FIXPT_E_OPERAND_WIDTH = 11,  /* the exact result of these operands would exceed 128 bits */
    FIXPT_E_ACC_WORD_LENGTH = 12, /* accumulator word length outside 1..128 (1..127 unsigned) */
    FIXPT_E_PRODUCT = 13,        /* product word length outside 0..127, or product shift > 0 */
    FIXPT_E_ALIGN = 14,          /* accumulator alignment outside 0..63 */
    FIXPT_E_QRANGE = 15,         /* qmin > qmax, or outside the supported integer range */
    FIXPT_E_SCALE = 16,          /* a scale or float multiplier that is not finite and > 0 (>= 0) */
    FIXPT_E_ZERO_POINT = 17,     /* a zero point outside the supported range */
    FIXPT_E_MULTIPLIER = 18,     /* an integer multiplier outside 0..2^31-1 */
    FIXPT_E_CHANNELS = 19,       /* parameter channels or inner run length below 1 */
    FIXPT_E_NOT_A_VALUE = 20     /* an operand of float arithmetic is not a value of its format */
} fixpt_error;

/* Rounding modes.  "up"/"down" mean toward +inf/-inf. */
typedef enum {
    FIXPT_NEAREST_EVEN = 0,    /* ties to even (IEEE default, MATLAB Convergent) */
    FIXPT_NEAREST_AWAY = 1,    /* ties away from zero (MATLAB Round) */
    FIXPT_NEAREST_ZERO = 2,    /* ties toward zero */
    FIXPT_NEAREST_UP = 3,      /* ties toward +inf (MATLAB Nearest, AP_RND) */
    FIXPT_NEAREST_DOWN = 4,    /* ties toward -inf */
    FIXPT_FLOOR = 5,           /* toward -inf (two's complement truncation) */
    FIXPT_CEIL = 6,            /* toward +inf */
    FIXPT_TOWARD_ZERO = 7,     /* truncate the magnitude */
    FIXPT_AWAY_FROM_ZERO = 8,  /* round the magnitude up */
    FIXPT_ODD = 9,             /* inexact results take the odd neighbour (jamming) */
    FIXPT_STOCHASTIC = 10,     /* up with probability = distance from the lower neighbour */
    FIXPT_STOCHASTIC_EQUAL = 11, /* inexact: each neighbour with probability 1/2 */
    FIXPT_N_ROUND_MODES = 12
} fixpt_round_mode;

/* Overflow modes. */
typedef enum {
    FIXPT_SATURATE = 0,           /* clamp to [raw_min, raw_max] */
    FIXPT_SATURATE_SYMMETRIC = 1, /* clamp to [-raw_max, raw_max] (signed) */
    FIXPT_SATURATE_ZERO = 2,      /* out-of-range values become 0 */
    FIXPT_WRAP = 3,               /* keep the low WL bits (two's complement) */
    FIXPT_RAISE = 4,              /* like saturate; the caller raises on any overflow */
    FIXPT_N_OVERFLOW_MODES = 5
} fixpt_overflow_mode;

/* What a kernel saw.  first_* are flat indices, -1 when there was none. */
typedef struct {
    int64_t n_nan;
    int64_t n_inf;
    int64_t n_overflow_pos;   /* results above the upper bound (includes +inf) */
    int64_t n_overflow_neg;   /* results below the lower bound (includes -inf) */
    int64_t n_inexact;        /* results that needed rounding */
    int64_t first_nan;
    int64_t first_overflow;
    int64_t n_divide_by_zero;
    int64_t n_underflow;      /* tiny and inexact results (float formats) */
    int64_t n_invalid;        /* invalid operations: NaN made from non-NaN operands, signaling NaN */
} fixpt_status;

/*
 * A cast: result = overflow(round(value * 2^shift)) stored in WL bits.
 * For float -> Q(IL, FL) the shift is FL; for an exact integer result with
 * FLe fraction bits going to Q(.., FLb) it is FLb - FLe.  Results are written as
 * WL-bit two's complement (or unsigned) integers into containers of out_bytes
 * bytes, out_stride bytes apart.
 * Stochastic modes draw the random word of element i from
 * (seed, stream, index_offset + i) with a counter-based generator.
 * overflow_mask, when not NULL, receives 1 for each element that overflowed
 * (a contiguous array of n bytes).
 */
typedef struct {
    int32_t word_length;
    int32_t is_signed;
    int32_t shift;
    int32_t round_mode;
    int32_t overflow_mode;
    int32_t out_bytes;
    int64_t out_stride;
    uint64_t seed;
    uint64_t stream;
    uint64_t index_offset;
} fixpt_cast;

/* float64 values in_stride bytes apart -> raw integers. */
int fixpt_cast_f64(const double *in, int64_t in_stride, void *out, int64_t n,
                   const fixpt_cast *cast, fixpt_status *status, uint8_t *overflow_mask);

/* ---- exact values beyond float64 (decimal strings, fractions, big integers) ---- */

typedef enum {
    FIXPT_VALUE_FINITE = 0,
    FIXPT_VALUE_INF = 1,
    FIXPT_VALUE_NAN = 2
} fixpt_value_kind;

/* |exp| bound of fixpt_parts (the binding reduces larger exponents first). */
#define FIXPT_MAX_PART_EXP 1073741824

/*
 * n values given in parts: value i is (-1)^neg[i] * (hi[i] * 2^64 + lo[i]) * 2^exp[i]
 * when kind[i] is FIXPT_VALUE_FINITE; otherwise an infinity of sign neg[i] or a
 * NaN.  The magnitude may stand in for a longer exact one: the caller keeps
 * enough bits below the target's quantum and folds all lower bits into the
 * lowest one (a sticky bit), which every rounding mode then rounds exactly.
 */
typedef struct {
    const uint8_t *kind;
    const uint8_t *neg;
    const uint64_t *hi;
    const uint64_t *lo;
    const int64_t *exp;
} fixpt_parts;

/* fixpt_cast_f64 for values in parts (the cast's shift applies as usual). */
int fixpt_cast_parts(const fixpt_parts *values, void *out, int64_t n, const fixpt_cast *cast,
                     fixpt_status *status, uint8_t *overflow_mask);

/* Test hook: nonzero makes every kernel skip its fast paths (process-wide). */
void fixpt_set_exact_only(int32_t on);

/* Threads the elementwise kernels may use (process-wide, clamped to 1..64); results never
 * depend on it. */
void fixpt_set_num_threads(int32_t n);
int32_t fixpt_get_num_threads(void);

/* ---- elementwise fixed-point arithmetic ---- */

typedef enum {
    FIXPT_OP_COPY = 0, /* a           (a cast between formats) */
    FIXPT_OP_ADD = 1,  /* a + b       (operands aligned to a common binary point) */
    FIXPT_OP_SUB = 2,  /* a - b */
    FIXPT_OP_MUL = 3,  /* a * b       (raw product: fraction lengths add) */
    FIXPT_OP_NEG = 4,  /* -a */
    FIXPT_OP_ABS = 5,  /* |a| */
    FIXPT_OP_DIV = 6   /* a / b       (exact quotient, rounded once; b = 0 gives 0 and is counted) */
} fixpt_op;

/* One operand: raw integers in a container of `bytes` bytes, `stride` bytes apart (0
 * repeats one element); `align` is a left shift (0..63) applied before adding or
 * subtracting. */
typedef struct {
    const void *data;
    int64_t stride;
    int32_t bytes;
    int32_t is_signed;
    int32_t align;
} fixpt_operand;

/*
 * out = cast(a op b): the exact result (up to 128 bits) is rounded and
 * overflow-handled once, as described by `cast` (its shift moves the binary
 * point of the exact result to the output's).  b is ignored by unary ops.
 * overflow_mask, when not NULL, receives 1 for each element that overflowed.
 */
int fixpt_elementwise(int32_t op, const fixpt_operand *a, const fixpt_operand *b, void *out,
                      int64_t n, const fixpt_cast *cast, fixpt_status *status,
                      uint8_t *overflow_mask);

/* ---- multiply-accumulate (dot, matmul, FIR) ---- */

/*
 * How products are formed and accumulated.  Each product a*b is exact; with
 * product_word_length > 0 it is first rounded by 2^product_shift (<= 0) with
 * product_round_mode and saturated to product_word_length bits.  It is then
 * shifted left by `align` into the accumulator's binary point and added, in
 * order k = 0..K-1, to an accumulator of acc_word_length (1..128) bits whose
 * overflow mode is FIXPT_WRAP, FIXPT_SATURATE (after every addition) or
 * FIXPT_RAISE (saturate and count, the caller raises).
 * exact_bits is the caller's proven bound on the bits of every partial sum
 * (0 if unknown); the caller sets it only when no partial sum can overflow the
 * accumulator.  fixpt_fir then forms sums of up to 53 bits in double precision,
 * which is exact.
 */
typedef struct {
    int32_t product_word_length;
    int32_t product_signed;
    int32_t product_shift;
    int32_t product_round_mode;
    int32_t align;
    int32_t acc_word_length;
    int32_t acc_signed;
    int32_t acc_overflow;
    int32_t exact_bits;
    uint64_t seed;
    uint64_t stream;
} fixpt_mac;

/* What the accumulators saw. */
typedef struct {
    int64_t n_acc_overflow;     /* sums whose accumulator overflowed at least once */
    int64_t first_acc_overflow; /* flat output index, -1 if none */
    int64_t n_product_overflow; /* narrowed products that saturated */
    int32_t max_acc_bits;       /* bits needed by the largest |partial sum| seen (sign excluded) */
} fixpt_mac_status;

/* out[b, i, j] = cast(sum_k A[b, i, k] * B[b, k, j]) for an output (batch, m, n) stored
 * contiguously.  A is (batch, m, k) with element strides a_strides = {batch, row, column}
 * (in elements of a->stride bytes; 0 broadcasts), B likewise (batch, k, n). */
int fixpt_matmul(const fixpt_operand *a, const fixpt_operand *b, void *out, int64_t batch,
                 int64_t m, int64_t k, int64_t n, const int64_t *a_strides, const int64_t *b_strides,
                 const fixpt_mac *mac, const fixpt_cast *out_cast, fixpt_status *out_status,
                 fixpt_mac_status *mac_status);

/* FIR: out[i] = cast(sum_{t=0}^{K-1} h[t] * x[i + K - 1 - t]) for i in 0..n_out-1 over a
 * (pre-padded) x of n_out + K - 1 samples; the output is contiguous. */
int fixpt_fir(const fixpt_operand *x, const fixpt_operand *h, void *out, int64_t n_out, int64_t k,
              const fixpt_mac *mac, const fixpt_cast *out_cast, fixpt_status *out_status,
              fixpt_mac_status *mac_status);

/*
 * IIR filter in Direct Form I over `batch` independent signals of n samples each:
 *   acc[t] = sum_{k<nb} b[k] x[t-k] - sum_{1<=k<na} a[k] y[t-k]
 * added in that order (b[0..nb-1], then a[1..na-1]) under the accumulator model of `mac`
 * (exact products only: product_word_length 0); b-products enter the accumulator shifted
 * left by mac->align, a-products by feedback_align (0..63).  y[t] = cast(acc[t]) is stored
 * in out (batch, n), contiguous, and fed back.  x is contiguous (batch, n) as well.
 * x_state (batch, nb-1) and y_state (batch, na-1) hold the raw samples before t = 0, oldest
 * first, and are overwritten with those after the last sample, so that a signal filtered in
 * blocks gives the bits of one call.  x and the output must fit int64 (no 64-bit unsigned).
 * Stochastic output rounding draws sample t of signal s from (seed, stream + s,
 * index_offset + t): pass the samples already filtered as index_offset.
 */
int fixpt_lfilter(const fixpt_operand *b, int64_t nb, const fixpt_operand *a, int64_t na,
                  const fixpt_operand *x, int64_t batch, int64_t n, int64_t *x_state, int64_t *y_state,
                  void *out, int32_t feedback_align, const fixpt_mac *mac, const fixpt_cast *out_cast,
                  fixpt_status *out_status, fixpt_mac_status *mac_status);

/*
 * IIR filter in transposed Direct Form II (DF2T) of one order over `batch` signals of n
 * samples, with explicit state words:
 *   y[t]      = cast_y(b[0] x[t] + s[0])
 *   s[j]      = cast_s(b[j+1] x[t] - a[j+1] y[t] + s[j+1])     for j < order - 1
 *   s[order-1] = cast_s(b[order] x[t] - a[order] y[t])
 * Every sum is exact (terms aligned to a common binary point: b-products by align_bx, a-products
 * by align_ay, states by align_s, all 0..63), then rounded once: y with y_cast (its shift from
 * that binary point),
 * each state with s_cast.  state (batch, order) holds the raw state words (s_cast's format),
 * read before t = 0 and overwritten after the last sample.  Stochastic words: y of signal s
 * from stream y_cast->stream + s, state j from s_cast->stream + j * batch + s, both at index
 * index_offset + t.  Outputs and states must fit int64 (no 64-bit unsigned).
 */
int fixpt_lfilter_df2t(const fixpt_operand *b, const fixpt_operand *a, int64_t order, const fixpt_operand *x,
                       int64_t batch, int64_t n, int64_t *state, void *out, int32_t align_bx, int32_t align_ay,
                       int32_t align_s, const fixpt_cast *y_cast, const fixpt_cast *s_cast,
                       fixpt_status *y_status, fixpt_status *s_status);

/* ---- cancellation diagnostics ---- */

typedef enum {
    FIXPT_CANCEL_NONE = 0,       /* a finite nonzero result: bits lost as computed */
    FIXPT_CANCEL_EXACT_ZERO = 1, /* nonzero operands gave exactly 0: total cancellation */
    FIXPT_CANCEL_NOT_APPLICABLE = 2 /* a zero, inf or NaN operand, or an inf/NaN result */
} fixpt_cancel_class;

/*
 * result[i] = a[i] + b[i] (op 1) or a[i] - b[i] (op 2) in float64, and
 * lost[i] = max(E(a), E(b)) - E(result) with E the IEEE unbiased exponent
 * (floor(log2|x|), subnormals included); total_lost (every significant bit:
 * the caller passes the precision) where nonzero operands cancel to exactly 0;
 * 0 where the class is NOT_APPLICABLE.
 * Returns per-class counts through n_exact_zero / n_not_applicable.
 */
int fixpt_cancellation(const double *a, const double *b, int64_t n, int32_t op, double *result,
                       int16_t *lost, uint8_t *cls, int16_t total_lost, int64_t *n_exact_zero,
                       int64_t *n_not_applicable);

/* ---- quantization: affine quantize and integer requantize, as runtimes do ---- */

typedef enum {
    FIXPT_QUANT_ONNX = 0,   /* round_half_even(x / scale) + zp, float32 division, saturate */
    FIXPT_QUANT_TORCH = 1,  /* nearbyint(x * (1.0f / scale)) + zp, float32 product, clamp */
    FIXPT_QUANT_TFLITE = 2, /* round_half_away(x / scale) + zp, float32 division, clamp */
    FIXPT_QUANT_NEMO = 3    /* floor(x / scale) + zp, float32 division, clamp */
} fixpt_quant_preset;

typedef enum {
    FIXPT_REQUANT_GEMMLOWP = 0,        /* SaturatingRoundingDoublingHighMul, RoundingDivideByPOT */
    FIXPT_REQUANT_SINGLE_ROUNDING = 1, /* (acc * M + 2^(s-1)) >> s, one rounding, s = 31 - shift */
    FIXPT_REQUANT_NEMO = 2,            /* (acc * M) >> shift: floor, M = floor(eps_in 2^d / eps_out) */
    FIXPT_REQUANT_FLOAT = 3,           /* nearbyint((float)acc * float_multiplier), float32 (FBGEMM) */
    FIXPT_REQUANT_ONNX = 4             /* rint((double)acc * float_multiplier), float64 (ONNX QLinear*) */
} fixpt_requant_preset;

/*
 * Per-channel parameters: element i uses parameter (i / inner) % channels
 * (per tensor: channels = 1).  Results are clamped to [qmin, qmax] and stored
 * in containers of out_bytes bytes.  quantize counts NaN inputs (written as the
 * zero point) in n_nan.  The gemmlowp and single_rounding requantizers take
 * int32 accumulators (others: FIXPT_E_OPERAND); integer multipliers are in
 * 0..2^31-1 and float multipliers finite and >= 0.
 */
int fixpt_quantize_f32(const float *x, void *out, int64_t n, const float *scale,
                       const int32_t *zero_point, int64_t channels, int64_t inner, int32_t preset,
                       int32_t qmin, int32_t qmax, int32_t out_bytes, int64_t *n_clamped,
                       int64_t *n_nan);

/* Dequantization: out = float32(q - zero_point) * scale per channel (float32 product, one
 * rounding); the caller checks that every code lies within 2^24 of its zero point. */
int fixpt_dequantize_f32(const fixpt_operand *q, float *out, int64_t n, const float *scale,
                         const int32_t *zero_point, int64_t channels, int64_t inner);
int fixpt_requantize(const int64_t *acc, void *out, int64_t n, const int32_t *multiplier,
                     const int32_t *shift, const float *float_multiplier, const int32_t *zero_point,
                     int64_t channels, int64_t inner, int32_t preset, int32_t qmin, int32_t qmax,
                     int32_t out_bytes, int64_t *n_clamped);

/* The 64-bit random word used for element `index` (for tests and docs). */
uint64_t fixpt_random_word(uint64_t seed, uint64_t stream, uint64_t index);

/* ---- binary floating-point formats ---- */

/* How a format encodes its special values. */
typedef enum {
    FIXPT_SPECIAL_IEEE = 0, /* all-ones exponent: inf (zero trailing field) and NaN */
    FIXPT_SPECIAL_FN = 1,   /* no inf; only all-ones exponent and trailing field is NaN (OCP E4M3) */
    FIXPT_SPECIAL_FNUZ = 2, /* no inf, no -0; the pattern of -0 is the only NaN */
    FIXPT_SPECIAL_NONE = 3  /* no inf, no NaN: every encoding is a finite value (OCP FP6, FP4) */
} fixpt_special_encoding;

/* What a finite value rounding beyond the largest finite value becomes. */
typedef enum {
    FIXPT_FLOAT_OVERFLOW_INF = 0,      /* +-inf (IEEE formats only) */
    FIXPT_FLOAT_OVERFLOW_SATURATE = 1, /* +-max */
    FIXPT_FLOAT_OVERFLOW_NAN = 2       /* NaN */
} fixpt_float_overflow;

/* IEEE 754 exception flags: one bit each in the per-element flags byte. */
typedef enum {
    FIXPT_FLAG_INEXACT = 1,
    FIXPT_FLAG_UNDERFLOW = 2,
    FIXPT_FLAG_OVERFLOW = 4,
    FIXPT_FLAG_INVALID = 8,
    FIXPT_FLAG_DIVIDE_BY_ZERO = 16
} fixpt_float_flag;

typedef enum {
    FIXPT_CLASS_ZERO = 0,
    FIXPT_CLASS_SUBNORMAL = 1,
    FIXPT_CLASS_NORMAL = 2,
    FIXPT_CLASS_INF = 3,
    FIXPT_CLASS_QUIET_NAN = 4,
    FIXPT_CLASS_SIGNALING_NAN = 5
} fixpt_float_class;

/*
 * A binary float format: a sign bit (unless is_signed = 0), exp_bits (2..11) exponent
 * bits, man_bits (0..52) trailing significand bits.  Every value must be a float64
 * value: the smallest quantum >= 2^-1074 and the largest exponent <= 1023.
 * subnormals = 0 means no subnormal results: values below the smallest normal round to
 * 0 or to the smallest normal.  has_zero = 0 (needs subnormals = 0): the exponent field
 * 0 is a binade of normal values, there is no zero, and values below the smallest
 * round to it (OCP E8M0).  Formats without a sign bit turn negative values into NaN.
 */
typedef struct {
    int32_t exp_bits;
    int32_t man_bits;
    int32_t bias;
    int32_t subnormals;
    int32_t special;
    int32_t overflow;
    int32_t is_signed;
    int32_t has_zero;
} fixpt_float_format;

/* How values round into a float format (the random word of element i is drawn from
 * (seed, stream, index_offset + i) in the stochastic modes).  tininess_before: underflow
 * is detected on the exact value instead of after rounding (the default).  saturate_inf:
 * +-inf become +-max too (ONNX saturate=True). */
typedef struct {
    int32_t mode;
    int32_t tininess_before;
    int32_t saturate_inf;
    uint64_t seed;
    uint64_t stream;
    uint64_t index_offset;
} fixpt_rounding;

/* float64 values in_stride bytes apart -> encodings (out_bytes 1, 2, 4 or 8, out_stride
 * apart).  flags, when not NULL, receives each element's fixpt_float_flag bits (n bytes). */
int fixpt_float_round(const double *in, int64_t in_stride, void *out, int64_t out_stride,
                      int32_t out_bytes, int64_t n, const fixpt_float_format *fmt,
                      const fixpt_rounding *rounding, fixpt_status *status, uint8_t *flags);
/* fixpt_float_round giving the rounded values (float64, contiguous) instead of encodings. */
int fixpt_float_round_values(const double *in, int64_t in_stride, double *out, int64_t n,
                             const fixpt_float_format *fmt, const fixpt_rounding *rounding,
                             fixpt_status *st, uint8_t *flags);

/* fixpt_float_round for values in parts (see fixpt_parts; NaN parts give the canonical NaN). */
int fixpt_float_round_parts(const fixpt_parts *values, void *out, int64_t out_stride,
                            int32_t out_bytes, int64_t n, const fixpt_float_format *fmt,
                            const fixpt_rounding *rounding, fixpt_status *status, uint8_t *flags);

/* Correctly rounded arithmetic in a float format. */
typedef enum {
    FIXPT_FLOAT_ADD = 0,
    FIXPT_FLOAT_SUB = 1,
    FIXPT_FLOAT_MUL = 2,
    FIXPT_FLOAT_DIV = 3,
    FIXPT_FLOAT_SQRT = 4,  /* of a */
    FIXPT_FLOAT_FMA = 5    /* a * b + c, rounded once */
} fixpt_float_op;

/* A strided float64 array (stride in bytes; 0 repeats one element). */
typedef struct {
    const double *data;
    int64_t stride;
} fixpt_doubles;

/*
 * out[i] = op(a[i], b[i], c[i]) computed exactly and rounded once into fmt, as a float64
 * value (out_stride bytes apart).  Operands must be values of fmt (FIXPT_E_NOT_A_VALUE
 * otherwise); b and c are read only by the operations that take them.  IEEE 754 rules
 * for signed zeros, infinities and NaN; flags as in fixpt_float_round.
 */
int fixpt_float_arith(int32_t op, const fixpt_doubles *a, const fixpt_doubles *b,
                      const fixpt_doubles *c, double *out, int64_t out_stride, int64_t n,
                      const fixpt_float_format *fmt, const fixpt_rounding *rounding,
                      fixpt_status *status, uint8_t *flags);
/* Encodings (an unsigned operand of the format's container) -> float64 values (exact:
 * every value of a valid format is a float64). */
int fixpt_float_decode(const fixpt_operand *bits, double *out, int64_t n,
                       const fixpt_float_format *fmt);
/* Encodings -> fields (contiguous outputs, all required); trailing and significand in
 * unsigned words of field_bytes bytes (the format's container). */
int fixpt_float_decompose(const fixpt_operand *bits, int64_t n, const fixpt_float_format *fmt,
                          uint8_t *sign, int32_t *biased_exponent, int32_t *exponent,
                          void *trailing, void *significand, int32_t field_bytes, uint8_t *cls);
/* Next encoding toward +inf (direction +1) or -inf (direction -1). */
int fixpt_float_next(const fixpt_operand *bits, uint64_t *out, int64_t n,
                     const fixpt_float_format *fmt, int32_t direction);

/* CDEF END */

#endif
