/* casts.c - casts between fixed formats, from NumPy integers and floats, to integers and float64; every
 * loop is one call of the engine on the strided data (nearest_even, saturating by default). */
#include <math.h>

#include "dtype.h"

static int engine_ready(void)
{
    if (fx_engine_table.elementwise != NULL)
        return 1;
    PyGILState_STATE state = PyGILState_Ensure();
    PyErr_SetString(PyExc_RuntimeError, "fixpt._dtype is used before fixpt.fixed.dtype set it up");
    PyGILState_Release(state);
    return 0;
}

/* Can every value of `from` be held by `to`? */
static int fixed_holds(const FixedDescr *to, int from_il, int from_fl, int from_signed)
{
    if (from_signed && !to->is_signed)
        return 0;
    int need_il = from_il + (to->is_signed && !from_signed ? 1 : 0);
    return to->il >= need_il && to->fl >= from_fl;
}

/* ---- fixed -> fixed ---- */

static NPY_CASTING fixed_to_fixed_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[2],
                                          PyArray_Descr *given[2], PyArray_Descr *loop[2],
                                          npy_intp *view_offset)
{
    (void)self;
    (void)dtypes;
    Py_INCREF(given[0]);
    loop[0] = given[0];
    loop[1] = given[1] != NULL ? given[1] : given[0];
    Py_INCREF(loop[1]);
    const FixedDescr *a = (const FixedDescr *)loop[0], *b = (const FixedDescr *)loop[1];
    if (a->il == b->il && a->fl == b->fl && a->is_signed == b->is_signed) {
        *view_offset = 0;
        return NPY_NO_CASTING;
    }
    return fixed_holds(b, a->il, a->fl, a->is_signed) ? NPY_SAFE_CASTING : NPY_SAME_KIND_CASTING;
}

static int fixed_to_fixed_loop(PyArrayMethod_Context *context, char *const data[],
                               npy_intp const dimensions[], npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    if (!engine_ready())
        return -1;
    const FixedDescr *a = (const FixedDescr *)context->descriptors[0];
    const FixedDescr *b = (const FixedDescr *)context->descriptors[1];
    fixpt_operand in = fixed_operand(data[0], strides[0], (int)a->base.elsize, a->is_signed, 0);
    fixpt_cast cast = fixed_cast_into(b, b->fl - a->fl, strides[1]);
    fixpt_status st;
    int err = fx_engine_table.elementwise(FIXPT_OP_COPY, &in, &in, data[1], dimensions[0], &cast, &st, NULL);
    return err ? fixed_engine_error(err, "a cast between fixed-point formats") : 0;
}

/* Unaligned data (a packed structured array, a buffer at an odd offset): blocks copied
 * through aligned buffers with memcpy, then the aligned loop. */
static int fixed_to_fixed_unaligned_loop(PyArrayMethod_Context *context, char *const data[],
                                         npy_intp const dimensions[], npy_intp const strides[],
                                         NpyAuxData *aux)
{
    enum { BLOCK = 256 };
    uint64_t in_buffer[BLOCK], out_buffer[BLOCK];
    const npy_intp in_size = context->descriptors[0]->elsize, out_size = context->descriptors[1]->elsize;
    for (npy_intp start = 0; start < dimensions[0]; start += BLOCK) {
        npy_intp len = dimensions[0] - start < BLOCK ? dimensions[0] - start : BLOCK;
        for (npy_intp i = 0; i < len; i++)
            memcpy((char *)in_buffer + i * in_size, data[0] + (start + i) * strides[0], (size_t)in_size);
        char *const block_data[2] = {(char *)in_buffer, (char *)out_buffer};
        npy_intp const block_dims[1] = {len}, block_strides[2] = {in_size, out_size};
        if (fixed_to_fixed_loop(context, block_data, block_dims, block_strides, aux) < 0)
            return -1;
        for (npy_intp i = 0; i < len; i++)
            memcpy(data[1] + (start + i) * strides[1], (char *)out_buffer + i * out_size, (size_t)out_size);
    }
    return 0;
}

/* ---- NumPy numbers -> fixed ---- */

/* The descriptors of a cast from a NumPy number into a given fixed format (-1: none given). */
static int into_fixed_descriptors(PyArray_DTypeMeta *dtypes[2], PyArray_Descr *given[2],
                                  PyArray_Descr *loop[2])
{
    if (given[1] == NULL) {
        PyErr_SetString(PyExc_TypeError, "a cast into fixed point needs the format: dtype=fixpt.Q(IL, FL)");
        return -1;
    }
    loop[0] = PyArray_GetDefaultDescr(dtypes[0]);
    Py_INCREF(given[1]);
    loop[1] = given[1];
    return 0;
}

static NPY_CASTING int_to_fixed_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[2],
                                        PyArray_Descr *given[2], PyArray_Descr *loop[2],
                                        npy_intp *view_offset)
{
    (void)self;
    (void)view_offset;
    if (into_fixed_descriptors(dtypes, given, loop) < 0)
        return (NPY_CASTING)-1;
    int bits = (int)loop[0]->elsize * 8, is_signed = PyDataType_ISSIGNED(loop[0]);
    return fixed_holds((const FixedDescr *)loop[1], bits, 0, is_signed) ? NPY_SAFE_CASTING
                                                                         : NPY_SAME_KIND_CASTING;
}

static int int_to_fixed_loop(PyArrayMethod_Context *context, char *const data[],
                             npy_intp const dimensions[], npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    if (!engine_ready())
        return -1;
    const PyArray_Descr *a = context->descriptors[0];
    const FixedDescr *b = (const FixedDescr *)context->descriptors[1];
    fixpt_operand in = fixed_operand(data[0], strides[0], (int)a->elsize, PyDataType_ISSIGNED(a), 0);
    fixpt_cast cast = fixed_cast_into(b, b->fl, strides[1]);
    fixpt_status st;
    int err = fx_engine_table.elementwise(FIXPT_OP_COPY, &in, &in, data[1], dimensions[0], &cast, &st, NULL);
    return err ? fixed_engine_error(err, "an integer to fixed-point cast") : 0;
}

/* ---- NumPy floats -> fixed: exact values rounded once (float32 widens exactly) ---- */

static NPY_CASTING float_to_fixed_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[2],
                                          PyArray_Descr *given[2], PyArray_Descr *loop[2],
                                          npy_intp *view_offset)
{
    (void)self;
    (void)view_offset;
    if (into_fixed_descriptors(dtypes, given, loop) < 0)
        return (NPY_CASTING)-1;
    return NPY_UNSAFE_CASTING;
}

#define FLOAT_BLOCK 1024

/* An IEEE binary16 value, exactly. */
static double half_to_double(uint16_t h)
{
    int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    double magnitude;
    if (exponent == 0x1f)
        magnitude = mantissa ? NAN : INFINITY;
    else if (exponent == 0)
        magnitude = ldexp((double)mantissa, -24);
    else
        magnitude = ldexp((double)(mantissa | 0x400), exponent - 25);
    return (h & 0x8000) ? -magnitude : magnitude;
}

static int float_to_fixed_loop(PyArrayMethod_Context *context, char *const data[],
                               npy_intp const dimensions[], npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    if (!engine_ready())
        return -1;
    const PyArray_Descr *a = context->descriptors[0];
    const FixedDescr *b = (const FixedDescr *)context->descriptors[1];
    npy_intp n = dimensions[0];
    fixpt_status st;
    int64_t nans = 0;
    if (a->type_num == NPY_DOUBLE) {
        fixpt_cast cast = fixed_cast_into(b, b->fl, strides[1]);
        int err = fx_engine_table.cast_f64((const double *)data[0], strides[0], data[1], n, &cast, &st, NULL);
        if (err)
            return fixed_engine_error(err, "a float to fixed-point cast");
        nans = st.n_nan;
    } else {
        double buffer[FLOAT_BLOCK];
        for (npy_intp start = 0; start < n; start += FLOAT_BLOCK) {
            npy_intp len = n - start < FLOAT_BLOCK ? n - start : FLOAT_BLOCK;
            const char *in = data[0] + start * strides[0];
            if (a->type_num == NPY_HALF)
                for (npy_intp i = 0; i < len; i++)
                    buffer[i] = half_to_double(*(const uint16_t *)(in + i * strides[0]));
            else
                for (npy_intp i = 0; i < len; i++)
                    buffer[i] = *(const float *)(in + i * strides[0]); /* exact */
            fixpt_cast cast = fixed_cast_into(b, b->fl, strides[1]);
            int err = fx_engine_table.cast_f64(buffer, (int64_t)sizeof(double), data[1] + start * strides[1],
                                               len, &cast, &st, NULL);
            if (err)
                return fixed_engine_error(err, "a float to fixed-point cast");
            nans += st.n_nan;
        }
    }
    if (nans) {
        PyGILState_STATE state = PyGILState_Ensure();
        PyErr_Format(PyExc_ValueError, "fixpt: %lld NaN value(s) have no fixed-point value; "
                     "use fixpt.array(x, fmt, nan=\"zero\") to map NaN to 0", (long long)nans);
        PyGILState_Release(state);
        return -1;
    }
    return 0;
}

/* ---- fixed -> float64: exact for formats of at most 53 bits, else correctly rounded ---- */

/* The descriptors of a cast from a fixed format into a NumPy number type. */
static void from_fixed_descriptors(PyArray_DTypeMeta *dtypes[2], PyArray_Descr *given[2], PyArray_Descr *loop[2])
{
    Py_INCREF(given[0]);
    loop[0] = given[0];
    loop[1] = PyArray_GetDefaultDescr(dtypes[1]);
}

static NPY_CASTING fixed_to_double_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[2],
                                           PyArray_Descr *given[2], PyArray_Descr *loop[2],
                                           npy_intp *view_offset)
{
    (void)self;
    (void)view_offset;
    from_fixed_descriptors(dtypes, given, loop);
    return ((const FixedDescr *)loop[0])->wl <= 53 ? NPY_SAFE_CASTING : NPY_SAME_KIND_CASTING;
}

static int fixed_to_double_loop(PyArrayMethod_Context *context, char *const data[],
                                npy_intp const dimensions[], npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    const FixedDescr *a = (const FixedDescr *)context->descriptors[0];
    const double scale = ldexp(1.0, -a->fl);
    const char *in = data[0];
    char *out = data[1];
    for (npy_intp i = 0; i < dimensions[0]; i++, in += strides[0], out += strides[1]) {
        double v;
        switch (a->base.elsize) {
        case 1: v = a->is_signed ? (double)*(const int8_t *)in : (double)*(const uint8_t *)in; break;
        case 2: v = a->is_signed ? (double)*(const int16_t *)in : (double)*(const uint16_t *)in; break;
        case 4: v = a->is_signed ? (double)*(const int32_t *)in : (double)*(const uint32_t *)in; break;
        default: v = a->is_signed ? (double)*(const int64_t *)in : (double)*(const uint64_t *)in; break;
        }
        *(double *)out = v * scale; /* a power of two: exact unless the scaled value underflows */
    }
    return 0;
}

/* ---- fixed -> NumPy integers: truncated toward zero like a float cast, an OverflowError
 * beyond the integer's range (never a wrapped value) ---- */

static NPY_CASTING fixed_to_int_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[2], PyArray_Descr *given[2],
                                        PyArray_Descr *loop[2], npy_intp *view_offset)
{
    (void)self;
    (void)view_offset;
    from_fixed_descriptors(dtypes, given, loop);
    const FixedDescr *a = (const FixedDescr *)given[0];
    /* an integer type of b bits is the format Q(b, 0) (or UQ) */
    FixedDescr as_fixed;
    memset(&as_fixed, 0, sizeof as_fixed);
    as_fixed.il = (int)loop[1]->elsize * 8;
    as_fixed.is_signed = PyDataType_ISSIGNED(loop[1]);
    return fixed_holds(&as_fixed, a->il, a->fl, a->is_signed) ? NPY_SAFE_CASTING : NPY_UNSAFE_CASTING;
}

static int fixed_to_int_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                             npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    if (!engine_ready())
        return -1;
    const FixedDescr *a = (const FixedDescr *)context->descriptors[0];
    const PyArray_Descr *b = context->descriptors[1];
    fixpt_operand in = fixed_operand(data[0], strides[0], (int)a->base.elsize, a->is_signed, 0);
    fixpt_cast cast;
    memset(&cast, 0, sizeof cast);
    cast.word_length = (int32_t)b->elsize * 8;
    cast.is_signed = PyDataType_ISSIGNED(b);
    cast.shift = -a->fl;
    cast.round_mode = FIXPT_TOWARD_ZERO;
    cast.overflow_mode = FIXPT_RAISE;
    cast.out_bytes = (int32_t)b->elsize;
    cast.out_stride = (int64_t)strides[1];
    fixpt_status st;
    int err = fx_engine_table.elementwise(FIXPT_OP_COPY, &in, &in, data[1], dimensions[0], &cast, &st, NULL);
    if (err)
        return fixed_engine_error(err, "a fixed-point to integer cast");
    if (st.n_overflow_pos || st.n_overflow_neg)
        return fixed_loop_error(PyExc_OverflowError,
                                "fixpt: %lld value(s) of " FIXED_NAME_FORMAT " beyond the range of %d-bit %s "
                                "integers in a cast; cast to a wider integer type",
                                (long long)(st.n_overflow_pos + st.n_overflow_neg), FIXED_NAME_ARGS(a),
                                (int)b->elsize * 8, cast.is_signed ? "signed" : "unsigned");
    return 0;
}

/* ---- the spec list ---- */

#define MAX_CASTS 32
static PyArrayMethod_Spec cast_specs[MAX_CASTS];
static PyArrayMethod_Spec *cast_list[MAX_CASTS + 1];
static PyArray_DTypeMeta *cast_dtypes[MAX_CASTS][2];
static PyType_Slot cast_slots[MAX_CASTS][4];

static void add_cast(int *k, const char *name, PyArray_DTypeMeta *from, PyArray_DTypeMeta *to,
                     NPY_CASTING casting, void *resolve, void *loop, void *unaligned)
{
    cast_dtypes[*k][0] = from;
    cast_dtypes[*k][1] = to;
    cast_slots[*k][0] = (PyType_Slot){NPY_METH_resolve_descriptors, resolve};
    cast_slots[*k][1] = (PyType_Slot){NPY_METH_strided_loop, loop};
    cast_slots[*k][2] = (PyType_Slot){unaligned ? NPY_METH_unaligned_strided_loop : 0, unaligned};
    cast_slots[*k][3] = (PyType_Slot){0, NULL};
    cast_specs[*k] = (PyArrayMethod_Spec){
        .name = name, .nin = 1, .nout = 1, .casting = casting,
        /* the engine's fast paths may leave floating-point flags; results and errors are
         * reported by the loops themselves */
        .flags = NPY_METH_NO_FLOATINGPOINT_ERRORS | (unaligned ? NPY_METH_SUPPORTS_UNALIGNED : 0),
        .dtypes = cast_dtypes[*k], .slots = cast_slots[*k],
    };
    cast_list[*k] = &cast_specs[*k];
    (*k)++;
}

PyArrayMethod_Spec **fixed_casts(void)
{
    int k = 0;
    add_cast(&k, "fixed_to_fixed", NULL, NULL, NPY_SAME_KIND_CASTING, &fixed_to_fixed_resolve,
             &fixed_to_fixed_loop, &fixed_to_fixed_unaligned_loop);
    PyArray_DTypeMeta *ints[] = {&PyArray_ByteDType, &PyArray_UByteDType, &PyArray_ShortDType,
                                 &PyArray_UShortDType, &PyArray_IntDType, &PyArray_UIntDType,
                                 &PyArray_LongDType, &PyArray_ULongDType, &PyArray_LongLongDType,
                                 &PyArray_ULongLongDType};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        add_cast(&k, "int_to_fixed", ints[i], NULL, NPY_SAME_KIND_CASTING, &int_to_fixed_resolve,
                 &int_to_fixed_loop, NULL);
    PyArray_DTypeMeta *floats[] = {&PyArray_HalfDType, &PyArray_FloatDType, &PyArray_DoubleDType};
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++)
        add_cast(&k, "float_to_fixed", floats[i], NULL, NPY_UNSAFE_CASTING, &float_to_fixed_resolve,
                 &float_to_fixed_loop, NULL);
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        add_cast(&k, "fixed_to_int", NULL, ints[i], NPY_UNSAFE_CASTING, &fixed_to_int_resolve,
                 &fixed_to_int_loop, NULL);
    add_cast(&k, "fixed_to_double", NULL, &PyArray_DoubleDType, NPY_SAME_KIND_CASTING,
             &fixed_to_double_resolve, &fixed_to_double_loop, NULL);
    cast_list[k] = NULL;
    return cast_list;
}
