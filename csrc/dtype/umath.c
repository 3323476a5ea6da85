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


static NPY_CASTING arith_resolve(const arith_ufunc *u, PyArray_Descr *given[], PyArray_Descr *loop[])
{
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
    if (align_a > 63 || align_b > 63) {
        PyGILState_STATE state = PyGILState_Ensure();
        PyErr_Format(PyExc_ValueError, "fixpt: binary points %d bits apart (at most 63)",
                     align_a > align_b ? align_a : align_b);
        PyGILState_Release(state);
        return -1;
    }
    fixpt_operand x = fixed_operand(data[0], strides[0], (int)a->base.elsize, a->is_signed, align_a);
    fixpt_operand y = u->nin == 2 ? fixed_operand(data[1], strides[1], (int)b->base.elsize, b->is_signed, align_b)
                                  : x;
    fixpt_cast cast = fixed_cast_into(out, out->fl - exact_fl, strides[u->nin]);
    fixpt_status st;
    int err = fx_engine_table.elementwise(u->op, &x, &y, data[u->nin], dimensions[0], &cast, &st, NULL);
    return err ? fixed_engine_error(err, u->name) : 0;
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

/* ---- registration ---- */

static int add_loop(PyObject *numpy, const char *name, int nin, PyArray_DTypeMeta *out_dtype,
                    void *resolve, void *loop)
{
    PyObject *ufunc = PyObject_GetAttrString(numpy, name);
    if (ufunc == NULL)
        return -1;
    PyArray_DTypeMeta *dtypes[3] = {&FixedDType, &FixedDType, &FixedDType};
    dtypes[nin] = out_dtype;
    PyType_Slot slots[] = {
        {NPY_METH_resolve_descriptors, resolve},
        {NPY_METH_strided_loop, loop},
        {0, NULL},
    };
    PyArrayMethod_Spec spec = {
        .name = name, .nin = nin, .nout = 1, .casting = NPY_NO_CASTING,
        .flags = NPY_METH_NO_FLOATINGPOINT_ERRORS,
        .dtypes = dtypes, .slots = slots,
    };
    int result = PyUFunc_AddLoopFromSpec(ufunc, &spec);
    Py_DECREF(ufunc);
    return result;
}

int fixed_init_ufuncs(void)
{

    PyObject *numpy = PyImport_ImportModule("numpy");
    if (numpy == NULL)
        return -1;
    int err = 0;
    for (int i = 0; i < 5 && !err; i++)
        err = add_loop(numpy, arith_ufuncs[i].name, arith_ufuncs[i].nin, &FixedDType,
                       arith_resolvers[i], arith_loops[i]);
    for (int i = 0; i < 6 && !err; i++)
        err = add_loop(numpy, compare_names[i], 2, &PyArray_BoolDType, &compare_resolve, compare_loops[i]);
    if (!err)
        err = add_loop(numpy, "maximum", 2, &FixedDType, &extreme_resolve, &maximum_loop);
    if (!err)
        err = add_loop(numpy, "minimum", 2, &FixedDType, &extreme_resolve, &minimum_loop);
    Py_DECREF(numpy);
    return err ? -1 : 0;
}
