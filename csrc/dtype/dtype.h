/*
 * dtype.h - the NumPy dtype for fixed-point formats (NEP 42, NumPy >= 2.0): shared
 * declarations of the descriptor, the casts and the ufunc loops.  Every loop calls the one
 * engine of the C core through the function table that fixpt._binding hands over at import
 * (the cffi module compiled csrc/; this extension never compiles a second copy of it).
 */
#ifndef FIXPT_DTYPE_H
#define FIXPT_DTYPE_H

#include <Python.h>

#define PY_ARRAY_UNIQUE_SYMBOL fixpt_dtype_ARRAY_API
#define PY_UFUNC_UNIQUE_SYMBOL fixpt_dtype_UFUNC_API
#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#define NPY_TARGET_VERSION NPY_2_0_API_VERSION
#ifndef FIXPT_DTYPE_MODULE
#define NO_IMPORT_ARRAY
#define NO_IMPORT_UFUNC
#endif
#include "numpy/ndarraytypes.h"
#include "numpy/arrayobject.h"
#include "numpy/ufuncobject.h"
#include "numpy/dtype_api.h"

#include "../fixpt.h"

/* One instance per format: il + fl = word length (1..64) bits, two's complement when signed,
 * stored in the smallest of int8/16/32/64 (the bits of FixedArray.raw). */
typedef struct {
    PyArray_Descr base;
    int il, fl, is_signed, wl;
    /* A Python int or float operand (NEP 50's weak scalar): its exact format, which the
     * ufunc resolvers place beside the array operand's format; a Python int also keeps its
     * value (shift counts). */
    int weak, has_int;
    long long int_value;
} FixedDescr;

extern PyArray_DTypeMeta FixedDType;

/* The engine's entry points (from the cffi module) and the Python helpers (format planning
 * and scalars, which Python owns). */
typedef struct {
    int (*elementwise)(int32_t op, const fixpt_operand *a, const fixpt_operand *b, void *out,
                       int64_t n, const fixpt_cast *cast, fixpt_status *status, uint8_t *mask);
    int (*cast_f64)(const double *in, int64_t in_stride, void *out, int64_t n,
                    const fixpt_cast *cast, fixpt_status *status, uint8_t *mask);
    int (*matmul)(const fixpt_operand *a, const fixpt_operand *b, void *out, int64_t batch, int64_t m,
                  int64_t k, int64_t n, const int64_t *a_strides, const int64_t *b_strides,
                  const fixpt_mac *mac, const fixpt_cast *out_cast, fixpt_status *out_status,
                  fixpt_mac_status *mac_status);
    PyObject *scalar;   /* scalar(raw: int, dtype) -> the element as a 0-d FixedArray */
    PyObject *raw_of;   /* raw_of(value, dtype) -> int: a Python value's raw integer */
    PyObject *plan;     /* plan(op: str, dtype, dtype or None) -> the result dtype */
    PyObject *reduce;   /* reduce(dtype) -> (callable, args) for pickling */
    PyObject *weak;     /* weak(value) -> (il, fl, signed): a Python number's exact format */
} fx_dtype_engine;

extern fx_dtype_engine fx_engine_table;

FixedDescr *fixed_descr_new(int il, int fl, int is_signed);
int fixed_container_bytes(int wl);
int fixed_init_dtype(void);
PyArrayMethod_Spec **fixed_casts(void);
int fixed_init_ufuncs(void);
NPY_CASTING fixed_matmul_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[], PyArray_Descr *given[],
                                 PyArray_Descr *loop[], npy_intp *view_offset);
int fixed_matmul_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                      npy_intp const strides[], NpyAuxData *aux);
int fixed_vecdot_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                      npy_intp const strides[], NpyAuxData *aux);

/* The operand view of a strided fixed (or integer) array. */
static inline fixpt_operand fixed_operand(const char *data, npy_intp stride, int bytes, int is_signed,
                                          int align)
{
    fixpt_operand op = {data, (int64_t)stride, bytes, is_signed, align};
    return op;
}

/* A cast into `d` (nearest_even, saturating: the documented default of dtype casts). */
static inline fixpt_cast fixed_cast_into(const FixedDescr *d, int shift, npy_intp out_stride)
{
    fixpt_cast c;
    memset(&c, 0, sizeof c);
    c.word_length = d->wl;
    c.is_signed = d->is_signed;
    c.shift = shift;
    c.round_mode = FIXPT_NEAREST_EVEN;
    c.overflow_mode = FIXPT_SATURATE;
    c.out_bytes = (int32_t)d->base.elsize;
    c.out_stride = (int64_t)out_stride;
    return c;
}

/* Report an engine status code, or a message, as a Python exception (the GIL may be
 * released); both return -1. */
int fixed_engine_error(int code, const char *what);
int fixed_loop_error(PyObject *type, const char *format, ...);

/* "Q(4,12)" or "UQ(8,8)" for messages. */
#define FIXED_NAME_FORMAT "%s(%d,%d)"
#define FIXED_NAME_ARGS(d) (d)->is_signed ? "Q" : "UQ", (d)->il, (d)->fl

#endif
