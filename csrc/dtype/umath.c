/* umath.c - ufunc loops: exact arithmetic with the result format planned in Python (the same
 * planner as FixedArray), exact comparisons across formats, maximum/minimum. */
#include "dtype.h"

/* ---- add, subtract, multiply, negative, absolute ---- */

typedef struct {
    const char *name, *plan;
    int op, nin;
} arith_ufunc;

static const arith_ufunc arith_ufuncs[] = {
    {"add", "add", FIXPT_OP_ADD, 2}, {"subtract", "sub", FIXPT_OP_SUB, 2},
    {"multiply", "mul", FIXPT_OP_MUL, 2}, {"negative", "neg", FIXPT_OP_NEG, 1},
    {"absolute", "abs", FIXPT_OP_ABS, 1},
};


/* NEP 50: a Python number beside an array is read exactly, in a format that may not need
 * more fraction bits than the array's (the same rule as FixedArray's operators). */
static int weak_fits(const char *name, PyArray_Descr *given[])
{
    for (int i = 0; i < 2; i++) {
        const FixedDescr *w = (const FixedDescr *)given[i], *partner = (const FixedDescr *)given[1 - i];
        if (w->weak && !partner->weak && w->fl > partner->fl) {
            PyErr_Format(PyExc_ValueError,
                         "fixpt: np.%s: the Python number needs %d fraction bits, more than %s(%d,%d) "
                         "has; convert it first (np.asarray(value, dtype=fixpt.%s(%d,%d)) rounds it) or "
                         "use FixedArray with out_format=",
                         name, w->fl, partner->is_signed ? "Q" : "UQ", partner->il, partner->fl,
                         partner->is_signed ? "Q" : "UQ", partner->il, partner->fl);
            return -1;
        }
    }
    return 0;
}

static NPY_CASTING arith_resolve(const arith_ufunc *u, PyArray_Descr *given[], PyArray_Descr *loop[])
{
    if (u->nin == 2 && weak_fits(u->name, given) < 0)
        return (NPY_CASTING)-1;
    for (int i = 0; i < u->nin; i++) {
        Py_INCREF(given[i]);
        loop[i] = given[i];
    }
    if (given[u->nin] != NULL) { /* an explicit output format: one rounding into it */
        Py_INCREF(given[u->nin]);
        loop[u->nin] = given[u->nin];
        return NPY_SAME_KIND_CASTING;
    }
    PyObject *out = PyObject_CallFunction(fx_engine_table.plan, "sOO", u->plan, given[0],
                                          u->nin == 2 ? (PyObject *)given[1] : Py_None);
    if (out == NULL)
        return (NPY_CASTING)-1;
    loop[u->nin] = (PyArray_Descr *)out;
    return NPY_NO_CASTING;
}

#define ARITH_RESOLVE(INDEX)                                                                   \
    static NPY_CASTING arith_resolve_##INDEX(PyObject *self, PyArray_DTypeMeta *dtypes[],      \
                                             PyArray_Descr *given[], PyArray_Descr *loop[],    \
                                             npy_intp *view_offset)                           \
    {                                                                                          \
        (void)self;                                                                            \
        (void)dtypes;                                                                          \
        (void)view_offset;                                                                     \
        return arith_resolve(&arith_ufuncs[INDEX], given, loop);                               \
    }

ARITH_RESOLVE(0)
ARITH_RESOLVE(1)
ARITH_RESOLVE(2)
ARITH_RESOLVE(3)
ARITH_RESOLVE(4)

/* The raw integer at p, widened to 128 bits. */
static inline __int128 load_wide(const FixedDescr *d, const char *p)
{
    switch (d->base.elsize) {
    case 1: return d->is_signed ? (__int128)*(const int8_t *)p : (__int128)*(const uint8_t *)p;
    case 2: return d->is_signed ? (__int128)*(const int16_t *)p : (__int128)*(const uint16_t *)p;
    case 4: return d->is_signed ? (__int128)*(const int32_t *)p : (__int128)*(const uint32_t *)p;
    default: return d->is_signed ? (__int128)*(const int64_t *)p : (__int128)*(const uint64_t *)p;
    }
}

/* Store v (known to fit the descriptor's word) at p. */
static inline void store_wide(const FixedDescr *d, char *p, __int128 v)
{
    switch (d->base.elsize) {
    case 1: if (d->is_signed) *(int8_t *)p = (int8_t)v; else *(uint8_t *)p = (uint8_t)v; break;
    case 2: if (d->is_signed) *(int16_t *)p = (int16_t)v; else *(uint16_t *)p = (uint16_t)v; break;
    case 4: if (d->is_signed) *(int32_t *)p = (int32_t)v; else *(uint32_t *)p = (uint32_t)v; break;
    default: if (d->is_signed) *(int64_t *)p = (int64_t)v; else *(uint64_t *)p = (uint64_t)v; break;
    }
}

static inline int fits_word(const FixedDescr *d, __int128 v)
{
    if (d->is_signed)
        return v >= -((__int128)1 << (d->wl - 1)) && v < ((__int128)1 << (d->wl - 1));
    return v >= 0 && v < ((__int128)1 << d->wl);
}

/* np.add.reduce / np.subtract.reduce into an accumulator with at least the input's fraction
 * bits (an out= array: the planner cannot know n): exact integer partial sums, one range
 * check, an OverflowError if the total leaves the accumulator's format. */
static int reduce_into(const arith_ufunc *u, const FixedDescr *acc, const FixedDescr *in, char *acc_data,
                       const char *in_data, npy_intp n, npy_intp in_stride)
{
    const int shift = acc->fl - in->fl; /* 0..62, checked by the caller */
    __int128 total = load_wide(acc, acc_data);
    int overflow = 0;
    for (npy_intp i = 0; i < n && !overflow; i++) {
        __int128 v = load_wide(in, in_data + i * in_stride) * ((__int128)1 << shift); /* |v| < 2^126 */
        overflow = u->op == FIXPT_OP_ADD ? __builtin_add_overflow(total, v, &total)
                                         : __builtin_sub_overflow(total, v, &total);
    }
    if (overflow || !fits_word(acc, total))
        return fixed_loop_error(PyExc_OverflowError,
                                "fixpt: np.%s.reduce: the exact result leaves the accumulator " FIXED_NAME_FORMAT
                                "; reduce into a wider one (out=np.zeros(shape, dtype=fixpt.Q(IL, FL)))",
                                u->name, FIXED_NAME_ARGS(acc));
    store_wide(acc, acc_data, total);
    return 0;
}

/* Do operand 0 and the output overlap other than element for element (accumulate)? */
static int overlaps(char *const data[], npy_intp n, npy_intp const strides[], int out, npy_intp size)
{
    if (n <= 1 || (data[0] == data[out] && strides[0] == strides[out]))
        return 0;
    char *lo0 = data[0] + (strides[0] < 0 ? (n - 1) * strides[0] : 0);
    char *hi0 = data[0] + (strides[0] > 0 ? (n - 1) * strides[0] : 0) + size;
    char *lo1 = data[out] + (strides[out] < 0 ? (n - 1) * strides[out] : 0);
    char *hi1 = data[out] + (strides[out] > 0 ? (n - 1) * strides[out] : 0) + size;
    return lo0 < hi1 && lo1 < hi0;
}

static int arith_loop(const arith_ufunc *u, PyArrayMethod_Context *context, char *const data[],
                      npy_intp const dimensions[], npy_intp const strides[])
{
    const FixedDescr *a = (const FixedDescr *)context->descriptors[0];
    const FixedDescr *b = u->nin == 2 ? (const FixedDescr *)context->descriptors[1] : a;
    const FixedDescr *out = (const FixedDescr *)context->descriptors[u->nin];
    int exact_fl, align_a = 0, align_b = 0;
    if (u->op == FIXPT_OP_ADD || u->op == FIXPT_OP_SUB) {
        exact_fl = a->fl > b->fl ? a->fl : b->fl;
        align_a = exact_fl - a->fl;
        align_b = exact_fl - b->fl;
    } else if (u->op == FIXPT_OP_MUL) {
        exact_fl = a->fl + b->fl;
    } else {
        exact_fl = a->fl;
    }
    /* a reduction (the accumulator at stride 0) */
    int reduction = u->nin == 2 && strides[0] == 0 && strides[2] == 0 && data[0] == data[2];
    if (reduction && (u->op == FIXPT_OP_ADD || u->op == FIXPT_OP_SUB) && out->fl >= b->fl && out->fl - b->fl <= 62)
        return reduce_into(u, out, b, data[2], data[1], dimensions[0], strides[1]);
    if (align_a > 63 || align_b > 63)
        return fixed_loop_error(PyExc_ValueError, "fixpt: binary points %d bits apart (at most 63)",
                                align_a > align_b ? align_a : align_b);
    /* Otherwise each result is rounded once into the output (nearest_even) and an overflow
     * raises: no silent saturation, and a reduction (or accumulate: out[i] = out[i-1] + x[i],
     * the only call with partly overlapping operands, since NumPy copies them otherwise) steps
     * one element at a time, exactly like acc = acc + x in a loop. */
    int sequential = reduction ||
                     (u->nin == 2 && ((strides[0] != 0 && strides[2] == strides[0] && data[2] == data[0] + strides[0]) ||
                                      overlaps(data, dimensions[0], strides, 2, out->base.elsize)));
    npy_intp n = sequential ? 1 : dimensions[0];
    int64_t overflows = 0;
    for (npy_intp start = 0; start < dimensions[0]; start += n) {
        fixpt_operand x = fixed_operand(data[0] + start * strides[0], strides[0], (int)a->base.elsize,
                                        a->is_signed, align_a);
        fixpt_operand y = u->nin == 2 ? fixed_operand(data[1] + start * strides[1], strides[1],
                                                      (int)b->base.elsize, b->is_signed, align_b)
                                      : x;
        fixpt_cast cast = fixed_cast_into(out, out->fl - exact_fl, strides[u->nin]);
        cast.overflow_mode = FIXPT_RAISE;
        fixpt_status st;
        int err = fx_engine_table.elementwise(u->op, &x, &y, data[u->nin] + start * strides[u->nin], n,
                                              &cast, &st, NULL);
        if (err)
            return fixed_engine_error(err, u->name);
        overflows += st.n_overflow_pos + st.n_overflow_neg;
        if (overflows && sequential)
            break;
    }
    if (overflows)
        return fixed_loop_error(PyExc_OverflowError,
                                "fixpt: np.%s: %s beyond the range of the output format " FIXED_NAME_FORMAT
                                "; give out= a wider format", u->name,
                                sequential ? "a running result" : "results", FIXED_NAME_ARGS(out));
    return 0;
}

/* The identity of add (0), so that empty sums and where= work. */
static int add_initial(PyArrayMethod_Context *context, npy_bool reduction_is_empty, char *initial)
{
    (void)reduction_is_empty;
    memset(initial, 0, (size_t)context->descriptors[0]->elsize);
    return 1;
}

#define ARITH_LOOP(INDEX)                                                                      \
    static int arith_loop_##INDEX(PyArrayMethod_Context *context, char *const data[],          \
                                  npy_intp const dimensions[], npy_intp const strides[],       \
                                  NpyAuxData *aux)                                             \
    {                                                                                          \
        (void)aux;                                                                             \
        return arith_loop(&arith_ufuncs[INDEX], context, data, dimensions, strides);           \
    }

ARITH_LOOP(0)
ARITH_LOOP(1)
ARITH_LOOP(2)
ARITH_LOOP(3)
ARITH_LOOP(4)

static void *const arith_resolvers[] = {&arith_resolve_0, &arith_resolve_1, &arith_resolve_2,
                                        &arith_resolve_3, &arith_resolve_4};
static void *const arith_loops[] = {&arith_loop_0, &arith_loop_1, &arith_loop_2, &arith_loop_3,
                                    &arith_loop_4};

/* ---- comparisons: the sign of the exact difference, across any two formats ---- */

enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };
static const char *const compare_names[] = {"equal", "not_equal", "less", "less_equal", "greater",
                                            "greater_equal"};

static NPY_CASTING compare_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[], PyArray_Descr *given[],
                                   PyArray_Descr *loop[], npy_intp *view_offset)
{
    (void)self;
    (void)dtypes;
    (void)view_offset;
    Py_INCREF(given[0]);
    loop[0] = given[0];
    Py_INCREF(given[1]);
    loop[1] = given[1];
    loop[2] = PyArray_DescrFromType(NPY_BOOL);
    return NPY_NO_CASTING;
}

#define COMPARE_BLOCK 1024

static inline __attribute__((always_inline)) npy_bool compare_rule(int which, int s)
{
    switch (which) {
    case CMP_EQ: return s == 0;
    case CMP_NE: return s != 0;
    case CMP_LT: return s < 0;
    case CMP_LE: return s <= 0;
    case CMP_GT: return s > 0;
    default: return s >= 0;
    }
}

/* One format: the raw integers compare as the values do. */
#define SAME_FORMAT_COMPARE(TYPE)                                                              \
    if (strides[0] == sizeof(TYPE) && strides[1] == sizeof(TYPE) && strides[2] == 1) {         \
        const TYPE *restrict x = (const TYPE *)data[0], *restrict y = (const TYPE *)data[1];   \
        npy_bool *restrict o = (npy_bool *)data[2];                                            \
        for (npy_intp i = 0; i < n; i++) /* contiguous: a loop the compiler vectorises */      \
            o[i] = compare_rule(which, (x[i] > y[i]) - (x[i] < y[i]));                         \
    } else {                                                                                   \
        for (npy_intp i = 0; i < n; i++) {                                                     \
            TYPE x = *(const TYPE *)(data[0] + i * strides[0]);                                \
            TYPE y = *(const TYPE *)(data[1] + i * strides[1]);                                \
            *(npy_bool *)(data[2] + i * strides[2]) = compare_rule(which, (x > y) - (x < y));  \
        }                                                                                      \
    }

static inline __attribute__((always_inline)) int compare_same_format(int which, const FixedDescr *d, char *const data[], npy_intp n,
                               npy_intp const strides[])
{
    switch (d->base.elsize) {
    case 1: if (d->is_signed) { SAME_FORMAT_COMPARE(int8_t) } else { SAME_FORMAT_COMPARE(uint8_t) } break;
    case 2: if (d->is_signed) { SAME_FORMAT_COMPARE(int16_t) } else { SAME_FORMAT_COMPARE(uint16_t) } break;
    case 4: if (d->is_signed) { SAME_FORMAT_COMPARE(int32_t) } else { SAME_FORMAT_COMPARE(uint32_t) } break;
    default: if (d->is_signed) { SAME_FORMAT_COMPARE(int64_t) } else { SAME_FORMAT_COMPARE(uint64_t) } break;
    }
    return 0;
}

static inline __attribute__((always_inline)) int compare_loop(int which, PyArrayMethod_Context *context, char *const data[],
                        npy_intp const dimensions[], npy_intp const strides[])
{
    const FixedDescr *a = (const FixedDescr *)context->descriptors[0];
    const FixedDescr *b = (const FixedDescr *)context->descriptors[1];
    if (a->il == b->il && a->fl == b->fl && a->is_signed == b->is_signed)
        return compare_same_format(which, a, data, dimensions[0], strides);
    int exact_fl = a->fl > b->fl ? a->fl : b->fl;
    int align_a = exact_fl - a->fl, align_b = exact_fl - b->fl;
    if (align_a > 63 || align_b > 63)
        return fixed_engine_error(-1, "a comparison of formats more than 63 bits apart");
    /* a - b rounded to odd into Q(2,0), saturating: exact sign whatever the widths */
    FixedDescr sign_format;
    memset(&sign_format, 0, sizeof sign_format);
    sign_format.il = 2;
    sign_format.wl = 2;
    sign_format.is_signed = 1;
    sign_format.base.elsize = 1;
    int8_t sign[COMPARE_BLOCK];
    for (npy_intp start = 0; start < dimensions[0]; start += COMPARE_BLOCK) {
        npy_intp len = dimensions[0] - start < COMPARE_BLOCK ? dimensions[0] - start : COMPARE_BLOCK;
        fixpt_operand x = fixed_operand(data[0] + start * strides[0], strides[0], (int)a->base.elsize,
                                        a->is_signed, align_a);
        fixpt_operand y = fixed_operand(data[1] + start * strides[1], strides[1], (int)b->base.elsize,
                                        b->is_signed, align_b);
        fixpt_cast cast = fixed_cast_into(&sign_format, -exact_fl, 1);
        cast.round_mode = FIXPT_ODD;
        fixpt_status st;
        int err = fx_engine_table.elementwise(FIXPT_OP_SUB, &x, &y, sign, len, &cast, &st, NULL);
        if (err)
            return fixed_engine_error(err, compare_names[which]);
        char *out = data[2] + start * strides[2];
        for (npy_intp i = 0; i < len; i++)
            *(npy_bool *)(out + i * strides[2]) = compare_rule(which, sign[i]);
    }
    return 0;
}

#define COMPARE_LOOP(WHICH)                                                                    \
    static int compare_loop_##WHICH(PyArrayMethod_Context *context, char *const data[],        \
                                    npy_intp const dimensions[], npy_intp const strides[],     \
                                    NpyAuxData *aux)                                           \
    {                                                                                          \
        (void)aux;                                                                             \
        return compare_loop(WHICH, context, data, dimensions, strides);                        \
    }

COMPARE_LOOP(CMP_EQ)
COMPARE_LOOP(CMP_NE)
COMPARE_LOOP(CMP_LT)
COMPARE_LOOP(CMP_LE)
COMPARE_LOOP(CMP_GT)
COMPARE_LOOP(CMP_GE)

static void *const compare_loops[] = {&compare_loop_CMP_EQ, &compare_loop_CMP_NE, &compare_loop_CMP_LT,
                                      &compare_loop_CMP_LE, &compare_loop_CMP_GT, &compare_loop_CMP_GE};

/* ---- maximum, minimum: in one format (NumPy casts both operands to their common format,
 * which holds both exactly) ---- */

static NPY_CASTING extreme_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[], PyArray_Descr *given[],
                                   PyArray_Descr *loop[], npy_intp *view_offset)
{
    (void)self;
    (void)dtypes;
    (void)view_offset;
    PyArray_Descr *common = (PyArray_Descr *)PyObject_CallFunction(fx_engine_table.plan, "sOO", "common",
                                                                   given[0], given[1]);
    if (common == NULL)
        return (NPY_CASTING)-1;
    loop[0] = common; /* the loop picks in one format; NumPy casts an out= of another */
    Py_INCREF(common);
    loop[1] = common;
    Py_INCREF(common);
    loop[2] = common;
    return NPY_SAFE_CASTING;
}

static int extreme_loop(int want_max, PyArrayMethod_Context *context, char *const data[],
                        npy_intp const dimensions[], npy_intp const strides[])
{
    const FixedDescr *d = (const FixedDescr *)context->descriptors[0];
    const npy_intp size = d->base.elsize;
    char *picked_base = data[2];
    for (npy_intp i = 0; i < dimensions[0]; i++) {
        const char *a = data[0] + i * strides[0], *b = data[1] + i * strides[1];
        int order;
        switch (size) {
        case 1: order = d->is_signed ? (*(const int8_t *)a > *(const int8_t *)b) - (*(const int8_t *)a < *(const int8_t *)b)
                                     : (*(const uint8_t *)a > *(const uint8_t *)b) - (*(const uint8_t *)a < *(const uint8_t *)b); break;
        case 2: order = d->is_signed ? (*(const int16_t *)a > *(const int16_t *)b) - (*(const int16_t *)a < *(const int16_t *)b)
                                     : (*(const uint16_t *)a > *(const uint16_t *)b) - (*(const uint16_t *)a < *(const uint16_t *)b); break;
        case 4: order = d->is_signed ? (*(const int32_t *)a > *(const int32_t *)b) - (*(const int32_t *)a < *(const int32_t *)b)
                                     : (*(const uint32_t *)a > *(const uint32_t *)b) - (*(const uint32_t *)a < *(const uint32_t *)b); break;
        default: order = d->is_signed ? (*(const int64_t *)a > *(const int64_t *)b) - (*(const int64_t *)a < *(const int64_t *)b)
                                      : (*(const uint64_t *)a > *(const uint64_t *)b) - (*(const uint64_t *)a < *(const uint64_t *)b); break;
        }
        const char *pick = (want_max ? order >= 0 : order <= 0) ? a : b;
        memcpy(picked_base + i * strides[2], pick, (size_t)size);
    }
    return 0;
}

static int maximum_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                        npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    return extreme_loop(1, context, data, dimensions, strides);
}

static int minimum_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                        npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    return extreme_loop(0, context, data, dimensions, strides);
}

/* ---- sign: -1, 0 or +1 in Q(2,0) ---- */

static NPY_CASTING sign_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[], PyArray_Descr *given[],
                                PyArray_Descr *loop[], npy_intp *view_offset)
{
    (void)self;
    (void)dtypes;
    (void)view_offset;
    loop[1] = (PyArray_Descr *)fixed_descr_new(2, 0, 1);
    if (loop[1] == NULL)
        return (NPY_CASTING)-1;
    Py_INCREF(given[0]);
    loop[0] = given[0];
    return NPY_NO_CASTING;
}

static int sign_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                     npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    const FixedDescr *d = (const FixedDescr *)context->descriptors[0];
    for (npy_intp i = 0; i < dimensions[0]; i++) {
        __int128 v = load_wide(d, data[0] + i * strides[0]);
        *(int8_t *)(data[1] + i * strides[1]) = (int8_t)((v > 0) - (v < 0));
    }
    return 0;
}

/* ---- isnan, isinf, isfinite: every fixed-point value is a finite number ---- */

static NPY_CASTING value_test_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[], PyArray_Descr *given[],
                                      PyArray_Descr *loop[], npy_intp *view_offset)
{
    (void)self;
    (void)dtypes;
    (void)view_offset;
    Py_INCREF(given[0]);
    loop[0] = given[0];
    loop[1] = PyArray_DescrFromType(NPY_BOOL);
    return NPY_NO_CASTING;
}

static int constant_loop(npy_bool value, char *const data[], npy_intp const dimensions[], npy_intp const strides[])
{
    for (npy_intp i = 0; i < dimensions[0]; i++)
        *(npy_bool *)(data[1] + i * strides[1]) = value;
    return 0;
}

static int false_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                      npy_intp const strides[], NpyAuxData *aux)
{
    (void)context;
    (void)aux;
    return constant_loop(NPY_FALSE, data, dimensions, strides);
}

static int true_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                     npy_intp const strides[], NpyAuxData *aux)
{
    (void)context;
    (void)aux;
    return constant_loop(NPY_TRUE, data, dimensions, strides);
}

static const struct {
    const char *name;
    void *loop;
} value_tests[] = {{"isnan", &false_loop}, {"isinf", &false_loop}, {"isfinite", &true_loop}};

/* ---- left_shift, right_shift by a Python int k: exact scaling by 2^(+-k), the raw bits
 * unchanged, the binary point moved (Q(IL, FL) << k is Q(IL + k, FL - k)) ---- */

static NPY_CASTING shift_resolve(int left, PyArray_Descr *given[], PyArray_Descr *loop[])
{
    const FixedDescr *a = (const FixedDescr *)given[0], *k = (const FixedDescr *)given[1];
    const char *name = left ? "left_shift" : "right_shift";
    if (a->weak || !k->weak || !k->has_int || k->int_value < -2048 || k->int_value > 2048) {
        PyErr_Format(PyExc_TypeError,
                     "fixpt: np.%s scales a fixed-point array by 2**k exactly when k is a Python int "
                     "(|k| <= 2048), moving the binary point: a %s k; for an array of shift counts "
                     "multiply by fixed-point powers of two instead", name, left ? "<<" : ">>");
        return (NPY_CASTING)-1;
    }
    int moved = left ? (int)k->int_value : -(int)k->int_value;
    loop[2] = (PyArray_Descr *)fixed_descr_new(a->il + moved, a->fl - moved, a->is_signed);
    if (loop[2] == NULL)
        return (NPY_CASTING)-1;
    Py_INCREF(given[0]);
    loop[0] = given[0];
    Py_INCREF(given[1]);
    loop[1] = given[1];
    return NPY_NO_CASTING;
}

static NPY_CASTING left_shift_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[], PyArray_Descr *given[],
                                      PyArray_Descr *loop[], npy_intp *view_offset)
{
    (void)self;
    (void)dtypes;
    (void)view_offset;
    return shift_resolve(1, given, loop);
}

static NPY_CASTING right_shift_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[], PyArray_Descr *given[],
                                       PyArray_Descr *loop[], npy_intp *view_offset)
{
    (void)self;
    (void)dtypes;
    (void)view_offset;
    return shift_resolve(0, given, loop);
}

static int shift_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                      npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    const size_t size = (size_t)context->descriptors[0]->elsize; /* same word, same container */
    for (npy_intp i = 0; i < dimensions[0]; i++)
        memcpy(data[2] + i * strides[2], data[0] + i * strides[0], size);
    return 0;
}

/* ---- promotion: Python numbers beside a fixed array are weak; anything else is refused
 * with a message that says what to do ---- */

static const char *const supported_ufuncs[] = {
    "add", "subtract", "multiply", "negative", "absolute", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal", "maximum", "minimum", "sign", "left_shift",
    "right_shift", "matmul", "vecdot", "isnan", "isinf", "isfinite", NULL,
};

static int is_supported(const char *name)
{
    for (int i = 0; supported_ufuncs[i] != NULL; i++)
        if (strcmp(name, supported_ufuncs[i]) == 0)
            return 1;
    return 0;
}

/* The operand's NumPy type as users write it (float64, int32, ...). */
static PyObject *dtype_name(PyArray_DTypeMeta *dtype)
{
    PyArray_Descr *descr = dtype->singleton;
    if (descr != NULL)
        return PyObject_Str((PyObject *)descr);
    return PyUnicode_FromString(((PyTypeObject *)dtype)->tp_name);
}

/* Inputs that are fixed, Python int/float (weak) or the reduction's open slot (NULL) all
 * become FixedDType; any other NumPy type has no exact common format. */
static int weak_promoter(PyObject *ufunc, PyArray_DTypeMeta *const op_dtypes[],
                         PyArray_DTypeMeta *const signature[], PyArray_DTypeMeta *new_op_dtypes[])
{
    const PyUFuncObject *u = (const PyUFuncObject *)ufunc;
    for (int i = 0; i < u->nin; i++) {
        PyArray_DTypeMeta *d = op_dtypes[i];
        if (d != NULL && d != &FixedDType && d != &PyArray_PyLongDType && d != &PyArray_PyFloatDType) {
            for (int j = 0; j < i; j++)
                Py_CLEAR(new_op_dtypes[j]);
            if (strcmp(u->name, "left_shift") == 0 || strcmp(u->name, "right_shift") == 0) {
                PyErr_Format(PyExc_TypeError, "fixpt: np.%s scales a fixed-point array by 2**k exactly "
                             "when k is a Python int, not a %s array", u->name, ((PyTypeObject *)d)->tp_name);
                return -1;
            }
            PyObject *name = dtype_name(d);
            if (name != NULL)
                PyErr_Format(PyExc_TypeError,
                             "fixpt: np.%s of a fixed-point array and a %U array has no exact result "
                             "format; convert the other operand first (np.asarray(y, dtype=fixpt.Q(IL, FL)) "
                             "rounds it once) or convert the fixed-point array with .astype(np.float64)",
                             u->name, name);
            Py_XDECREF(name);
            return -1;
        }
        Py_INCREF(&FixedDType);
        new_op_dtypes[i] = &FixedDType;
    }
    for (int i = u->nin; i < u->nargs; i++) {
        Py_XINCREF(signature[i]);
        new_op_dtypes[i] = signature[i];
    }
    return 0;
}

static int refusing_promoter(PyObject *ufunc, PyArray_DTypeMeta *const op_dtypes[],
                             PyArray_DTypeMeta *const signature[], PyArray_DTypeMeta *new_op_dtypes[])
{
    (void)op_dtypes;
    (void)signature;
    (void)new_op_dtypes;
    PyErr_Format(PyExc_TypeError,
                 "fixpt: np.%s has no exact result in a fixed-point format; convert first "
                 "(a.astype(np.float64) is exact up to 53 bits) or use the fixpt function of the same "
                 "idea if there is one",
                 ((const PyUFuncObject *)ufunc)->name);
    return -1;
}

/* Promoters with FixedDType at every nonempty set of input positions (anything elsewhere), so
 * that exactly one is the most specific match; with_loops: the ufunc has a loop for all-fixed
 * inputs, which takes that case (a promoter there would tie with it). */
static int add_promoters(PyObject *ufunc, PyArrayMethod_PromoterFunction *function, int with_loops)
{
    const PyUFuncObject *u = (const PyUFuncObject *)ufunc;
    if (u->nin > 3)
        return 0;
    PyObject *capsule = PyCapsule_New((void *)function, "numpy._ufunc_promoter", NULL);
    if (capsule == NULL)
        return -1;
    int err = 0;
    for (int positions = (1 << u->nin) - 1; positions > 0 && !err; positions--) { /* NumPy scans in order: most specific first */
        if (with_loops && positions == (1 << u->nin) - 1)
            continue;
        PyObject *dtypes = PyTuple_New(u->nargs);
        if (dtypes == NULL) {
            err = -1;
            break;
        }
        for (int i = 0; i < u->nargs; i++) {
            PyObject *item = i < u->nin && (positions >> i & 1) ? (PyObject *)&FixedDType : Py_None;
            Py_INCREF(item);
            PyTuple_SET_ITEM(dtypes, i, item);
        }
        err = PyUFunc_AddPromoter(ufunc, dtypes, capsule);
        Py_DECREF(dtypes);
    }
    Py_DECREF(capsule);
    return err;
}

/* Every NumPy ufunc learns what to do with fixed-point operands. */
static int add_all_promoters(PyObject *numpy)
{
    PyObject *names = PyObject_Dir(numpy);
    if (names == NULL)
        return -1;
    int err = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(names) && !err; i++) {
        PyObject *item = PyObject_GetAttr(numpy, PyList_GET_ITEM(names, i));
        if (item == NULL) {
            PyErr_Clear();
            continue;
        }
        if (PyObject_TypeCheck(item, &PyUFunc_Type) &&
            strcmp(PyUnicode_AsUTF8(PyList_GET_ITEM(names, i)), ((PyUFuncObject *)item)->name) == 0) {
            int supported = is_supported(((PyUFuncObject *)item)->name);
            if (((PyUFuncObject *)item)->nin == 2 && supported)
                err = add_promoters(item, &weak_promoter, 1);
            else if (!supported)
                err = add_promoters(item, &refusing_promoter, 0);
        }
        Py_DECREF(item);
    }
    Py_DECREF(names);
    return err;
}

/* ---- registration ---- */

static int add_loop_with_initial(PyObject *numpy, const char *name, int nin, PyArray_DTypeMeta *out_dtype,
                                 void *resolve, void *loop, void *initial)
{
    PyObject *ufunc = PyObject_GetAttrString(numpy, name);
    if (ufunc == NULL)
        return -1;
    PyArray_DTypeMeta *dtypes[3] = {&FixedDType, &FixedDType, &FixedDType};
    dtypes[nin] = out_dtype;
    PyType_Slot slots[] = {
        {NPY_METH_resolve_descriptors, resolve},
        {NPY_METH_strided_loop, loop},
        {initial != NULL ? NPY_METH_get_reduction_initial : 0, initial},
        {0, NULL},
    };
    PyArrayMethod_Spec spec = {
        .name = name, .nin = nin, .nout = 1, .casting = NPY_NO_CASTING,
        /* exact sums and extremes do not depend on the order (multi-axis reductions) */
        .flags = NPY_METH_NO_FLOATINGPOINT_ERRORS |
                 (strcmp(name, "add") == 0 || strcmp(name, "maximum") == 0 || strcmp(name, "minimum") == 0
                      ? NPY_METH_IS_REORDERABLE : 0),
        .dtypes = dtypes, .slots = slots,
    };
    int result = PyUFunc_AddLoopFromSpec(ufunc, &spec);
    Py_DECREF(ufunc);
    return result;
}

static int add_loop(PyObject *numpy, const char *name, int nin, PyArray_DTypeMeta *out_dtype,
                    void *resolve, void *loop)
{
    return add_loop_with_initial(numpy, name, nin, out_dtype, resolve, loop, NULL);
}

int fixed_init_ufuncs(void)
{
    PyObject *numpy = PyImport_ImportModule("numpy");
    if (numpy == NULL)
        return -1;
    int err = 0;
    for (int i = 0; i < 5 && !err; i++)
        err = add_loop_with_initial(numpy, arith_ufuncs[i].name, arith_ufuncs[i].nin, &FixedDType,
                                    arith_resolvers[i], arith_loops[i], i == 0 ? (void *)&add_initial : NULL);
    if (!err)
        err = add_loop(numpy, "matmul", 2, &FixedDType, &fixed_matmul_resolve, &fixed_matmul_loop);
    if (!err)
        err = add_loop(numpy, "vecdot", 2, &FixedDType, &fixed_matmul_resolve, &fixed_vecdot_loop);
    for (int i = 0; i < 3 && !err; i++)
        err = add_loop(numpy, value_tests[i].name, 1, &PyArray_BoolDType, &value_test_resolve,
                       value_tests[i].loop);
    if (!err)
        err = add_loop(numpy, "sign", 1, &FixedDType, &sign_resolve, &sign_loop);
    if (!err)
        err = add_loop(numpy, "left_shift", 2, &FixedDType, &left_shift_resolve, &shift_loop);
    if (!err)
        err = add_loop(numpy, "right_shift", 2, &FixedDType, &right_shift_resolve, &shift_loop);
    for (int i = 0; i < 6 && !err; i++)
        err = add_loop(numpy, compare_names[i], 2, &PyArray_BoolDType, &compare_resolve, compare_loops[i]);
    if (!err)
        err = add_loop(numpy, "maximum", 2, &FixedDType, &extreme_resolve, &maximum_loop);
    if (!err)
        err = add_loop(numpy, "minimum", 2, &FixedDType, &extreme_resolve, &minimum_loop);
    if (!err)
        err = add_all_promoters(numpy);
    Py_DECREF(numpy);
    return err ? -1 : 0;
}
