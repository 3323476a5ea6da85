/*
 * arrays.h - private to the C core: reading and writing the arrays a kernel is given.
 *
 * An array is a base pointer and a stride in bytes between consecutive elements
 * (0 repeats one element: a broadcast), in a container of 1, 2, 4 or 8 bytes.
 * Contiguous arrays take plain typed loops, which the compiler vectorises; other
 * strides take the same loop through byte offsets.
 */
#ifndef FIXPT_ARRAYS_H
#define FIXPT_ARRAYS_H

#include <string.h>

#include "engine.h"

/* Expands to one `case KEY: BODY(TYPE) break;` per raw container type, keyed by
 * FX_CONTAINER_KEY(operand): every loop over operands of any container dispatches here. */
#define FX_CONTAINER_KEY(x) ((x)->bytes * 2 + ((x)->is_signed != 0))
#define FX_FOR_EACH_CONTAINER(BODY)                                            \
    case 3: BODY(int8_t) break;                                                \
    case 2: BODY(uint8_t) break;                                               \
    case 5: BODY(int16_t) break;                                               \
    case 4: BODY(uint16_t) break;                                              \
    case 9: BODY(int32_t) break;                                               \
    case 8: BODY(uint32_t) break;                                              \
    case 17: BODY(int64_t) break;                                              \
    default: BODY(uint64_t) break;

/* Element i of a strided array whose elements have type TYPE. */
#define FX_AT(TYPE, base, stride, i) (*(const TYPE *)((const char *)(base) + (i) * (stride)))

static inline int fx_valid_operand(const fixpt_operand *x)
{
    return fx_valid_bytes(x->bytes);
}

/* Element i of a raw operand as a 128-bit signed integer (no alignment). */
static inline __int128 fx_load_raw(const fixpt_operand *x, int64_t i)
{
#define FX_RETURN_RAW(TYPE) return FX_AT(TYPE, x->data, x->stride, i);
    switch (FX_CONTAINER_KEY(x)) {
        FX_FOR_EACH_CONTAINER(FX_RETURN_RAW)
    }
#undef FX_RETURN_RAW
}

/* Element i of a raw operand as a double (exact for containers up to 32 bits;
 * converted directly, not through a slow 128-bit conversion). */
static inline double fx_load_double(const fixpt_operand *x, int64_t i)
{
#define FX_RETURN_DOUBLE(TYPE) return (double)FX_AT(TYPE, x->data, x->stride, i);
    switch (FX_CONTAINER_KEY(x)) {
        FX_FOR_EACH_CONTAINER(FX_RETURN_DOUBLE)
    }
#undef FX_RETURN_DOUBLE
}

/* Elements start..start+n-1 of a raw operand converted to OUT_TYPE (one loop per
 * container type, a plain one when the operand is contiguous, so it vectorises). */
#define FX_LOAD_AS(TYPE, OUT_TYPE)                                             \
    {                                                                          \
        if (x->stride == (int64_t)sizeof(TYPE)) {                              \
            const TYPE *restrict p = (const TYPE *)x->data + start;            \
            for (int64_t i = 0; i < n; i++)                                    \
                out[i] = (OUT_TYPE)p[i];                                       \
        } else {                                                               \
            for (int64_t i = 0; i < n; i++)                                    \
                out[i] = (OUT_TYPE)FX_AT(TYPE, x->data, x->stride, start + i); \
        }                                                                      \
    }
#define FX_LOAD_INT64(TYPE) FX_LOAD_AS(TYPE, int64_t)
#define FX_LOAD_INT32(TYPE) FX_LOAD_AS(TYPE, int32_t)
#define FX_LOAD_DOUBLE(TYPE) FX_LOAD_AS(TYPE, double)

/* Widen a block to int64 (uint64 values above INT64_MAX wrap: callers that take this
 * path have excluded them). */
FIXPT_MULTIVERSION __attribute__((unused))
static void fx_load_block_int64(const fixpt_operand *x, int64_t start, int64_t n, int64_t *restrict out)
{
    switch (FX_CONTAINER_KEY(x)) {
        FX_FOR_EACH_CONTAINER(FX_LOAD_INT64)
    }
}

/* Narrow a block to int32 (callers have proved every value fits). */
FIXPT_MULTIVERSION __attribute__((unused))
static void fx_load_block_int32(const fixpt_operand *x, int64_t start, int64_t n, int32_t *restrict out)
{
    switch (FX_CONTAINER_KEY(x)) {
        FX_FOR_EACH_CONTAINER(FX_LOAD_INT32)
    }
}

FIXPT_MULTIVERSION __attribute__((unused))
static void fx_load_block_double(const fixpt_operand *x, int64_t start, int64_t n, double *restrict out)
{
    switch (FX_CONTAINER_KEY(x)) {
        FX_FOR_EACH_CONTAINER(FX_LOAD_DOUBLE)
    }
}

/* Doubles start..start+n-1 of a strided float64 array: a pointer into the array when it
 * is contiguous, else gathered into buf. */
static inline const double *fx_doubles(const double *base, int64_t stride, int64_t start, int64_t n,
                                       double *restrict buf)
{
    if (stride == (int64_t)sizeof(double))
        return base + start;
    for (int64_t i = 0; i < n; i++)
        buf[i] = FX_AT(double, base, stride, start + i);
    return buf;
}

/* Store raw bit patterns v[0..n) into elements start.. of an output of `bytes` bytes per
 * element, `stride` bytes apart (truncation keeps the low bits). */
#define FX_STORE_AS(TYPE)                                                      \
    {                                                                          \
        if (stride == (int64_t)sizeof(TYPE)) {                                 \
            TYPE *restrict o = (TYPE *)out + start;                            \
            for (int64_t i = 0; i < n; i++)                                    \
                o[i] = (TYPE)v[i];                                             \
        } else {                                                               \
            for (int64_t i = 0; i < n; i++)                                    \
                *(TYPE *)((char *)out + (start + i) * stride) = (TYPE)v[i];    \
        }                                                                      \
    }

/* fx_store_block from int64 values, fx_store_block32 from int32 ones (a narrow fast path's
 * results; a negative value stored in 64 bits is sign-extended). */
#define FX_DEFINE_STORE_BLOCK(NAME, SOURCE)                                                        \
    FIXPT_MULTIVERSION __attribute__((unused))                                                     \
    static void NAME(const SOURCE *restrict v, void *out, int64_t stride, int64_t start, int64_t n, \
                     int bytes)                                                                    \
    {                                                                                              \
        switch (bytes) {                                                                           \
        case 1: FX_STORE_AS(uint8_t) break;                                                        \
        case 2: FX_STORE_AS(uint16_t) break;                                                       \
        case 4: FX_STORE_AS(uint32_t) break;                                                       \
        default: FX_STORE_AS(uint64_t) break;                                                      \
        }                                                                                          \
    }

FX_DEFINE_STORE_BLOCK(fx_store_block, int64_t)
FX_DEFINE_STORE_BLOCK(fx_store_block32, int32_t)

#endif
