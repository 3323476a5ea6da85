/* descriptor.c - FixedDType instances: one per format, and their scalar logic. */
#include "dtype.h"

int fixed_container_bytes(int wl)
{
    return wl <= 8 ? 1 : wl <= 16 ? 2 : wl <= 32 ? 4 : 8;
}

FixedDescr *fixed_descr_new(int il, int fl, int is_signed)
{
    int wl = il + fl;
    if (wl < 1 || wl > 64 || fl < -1024 || fl > 1024) {
        PyErr_Format(PyExc_ValueError,
                     "a fixed-point dtype needs 1..64 bits (IL + FL) and |FL| <= 1024, got IL=%d, FL=%d",
                     il, fl);
        return NULL;
    }
    FixedDescr *d = (FixedDescr *)PyArrayDescr_Type.tp_new((PyTypeObject *)&FixedDType, NULL, NULL);
    if (d == NULL)
        return NULL;
    d->il = il;
    d->fl = fl;
    d->wl = wl;
    d->is_signed = is_signed != 0;
    d->base.elsize = fixed_container_bytes(wl);
    d->base.alignment = d->base.elsize;
    return d;
}

/* The raw integer at p, widened (container and signedness from the descriptor). */
static inline int64_t fixed_load(const FixedDescr *d, const char *p)
{
    switch (d->base.elsize) {
    case 1: return d->is_signed ? (int64_t)*(const int8_t *)p : (int64_t)*(const uint8_t *)p;
    case 2: return d->is_signed ? (int64_t)*(const int16_t *)p : (int64_t)*(const uint16_t *)p;
    case 4: return d->is_signed ? (int64_t)*(const int32_t *)p : (int64_t)*(const uint32_t *)p;
    default: return *(const int64_t *)p; /* uint64 values above INT64_MAX are handled by callers */
    }
}

static PyObject *fixed_getitem(PyArray_Descr *descr, char *data)
{
    FixedDescr *d = (FixedDescr *)descr;
    PyObject *raw;
    if (d->base.elsize == 8 && !d->is_signed)
        raw = PyLong_FromUnsignedLongLong(*(const uint64_t *)data);
    else
        raw = PyLong_FromLongLong(fixed_load(d, data));
    if (raw == NULL)
        return NULL;
    PyObject *out = PyObject_CallFunctionObjArgs(fx_engine_table.scalar, raw, (PyObject *)descr, NULL);
    Py_DECREF(raw);
    return out;
}

static int fixed_setitem(PyArray_Descr *descr, PyObject *value, char *data)
{
    FixedDescr *d = (FixedDescr *)descr;
    PyObject *raw = PyObject_CallFunctionObjArgs(fx_engine_table.raw_of, value, (PyObject *)descr, NULL);
    if (raw == NULL)
        return -1;
    int overflow = 0;
    if (d->is_signed) {
        long long v = PyLong_AsLongLongAndOverflow(raw, &overflow);
        Py_DECREF(raw);
        if (overflow || (v == -1 && PyErr_Occurred()))
            return overflow ? (PyErr_SetString(PyExc_OverflowError, "raw value out of range"), -1) : -1;
        switch (d->base.elsize) {
        case 1: *(int8_t *)data = (int8_t)v; break;
        case 2: *(int16_t *)data = (int16_t)v; break;
        case 4: *(int32_t *)data = (int32_t)v; break;
        default: *(int64_t *)data = (int64_t)v; break;
        }
    } else {
        unsigned long long v = PyLong_AsUnsignedLongLong(raw);
        Py_DECREF(raw);
        if (v == (unsigned long long)-1 && PyErr_Occurred())
            return -1;
        switch (d->base.elsize) {
        case 1: *(uint8_t *)data = (uint8_t)v; break;
        case 2: *(uint16_t *)data = (uint16_t)v; break;
        case 4: *(uint32_t *)data = (uint32_t)v; break;
        default: *(uint64_t *)data = (uint64_t)v; break;
        }
    }
    return 0;
}

/* Sorting (np.sort, argsort, searchsorted, unique): one descriptor's raw order is its
 * values' order. */
static int fixed_compare(const void *a, const void *b, void *arr)
{
    const FixedDescr *d = (const FixedDescr *)PyArray_DESCR((PyArrayObject *)arr);
    if (d->base.elsize == 8 && !d->is_signed) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return (x > y) - (x < y);
    }
    int64_t x = fixed_load(d, a), y = fixed_load(d, b);
    return (x > y) - (x < y);
}

/* argmax / argmin over n contiguous elements (the raw order is the value order). */
static int fixed_arg_extreme(const char *data, npy_intp n, npy_intp *index, PyArrayObject *arr, int want_max)
{
    const FixedDescr *d = (const FixedDescr *)PyArray_DESCR(arr);
    npy_intp size = d->base.elsize, best = 0;
    for (npy_intp i = 1; i < n; i++) {
        int order = fixed_compare(data + i * size, data + best * size, arr);
        if (want_max ? order > 0 : order < 0)
            best = i;
    }
    *index = best;
    return 0;
}

static int fixed_argmax(void *data, npy_intp n, npy_intp *index, void *arr)
{
    return fixed_arg_extreme(data, n, index, arr, 1);
}

static int fixed_argmin(void *data, npy_intp n, npy_intp *index, void *arr)
{
    return fixed_arg_extreme(data, n, index, arr, 0);
}

/* A Python int or float beside a fixed-point array: a fresh descriptor of its exact format,
 * marked weak (the resolvers check it against the array operand's format). */
static PyArray_Descr *weak_discover(PyObject *obj)
{
    int il, fl, is_signed;
    PyObject *parts = PyObject_CallFunctionObjArgs(fx_engine_table.weak, obj, NULL);
    if (parts == NULL)
        return NULL;
    int ok = PyArg_ParseTuple(parts, "iip", &il, &fl, &is_signed);
    Py_DECREF(parts);
    if (!ok)
        return NULL;
    FixedDescr *d = fixed_descr_new(il, fl, is_signed);
    if (d == NULL)
        return NULL;
    d->weak = 1;
    if (PyLong_CheckExact(obj)) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(d);
            return NULL;
        }
        d->has_int = !overflow;
        d->int_value = overflow ? 0 : v;
    }
    return (PyArray_Descr *)d;
}

static PyArray_Descr *fixed_discover(PyArray_DTypeMeta *cls, PyObject *obj)
{
    (void)cls;
    if (PyLong_CheckExact(obj) || PyFloat_CheckExact(obj))
        return weak_discover(obj);
    if (PyBool_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "fixpt: a bool is not a fixed-point value; use 0 or 1");
        return NULL;
    }
    PyObject *fmt = PyObject_GetAttrString(obj, "format");
    if (fmt == NULL)
        return NULL;
    PyObject *dtype = PyObject_GetAttrString(fmt, "dtype");
    Py_DECREF(fmt);
    if (dtype != NULL && !PyObject_TypeCheck(dtype, (PyTypeObject *)&FixedDType)) {
        Py_DECREF(dtype);
        PyErr_SetString(PyExc_TypeError, "fixpt: format.dtype is not a FixedDType");
        return NULL;
    }
    return (PyArray_Descr *)dtype;
}

static PyArray_Descr *fixed_default(PyArray_DTypeMeta *cls)
{
    (void)cls;
    PyErr_SetString(PyExc_TypeError,
                    "a fixed-point dtype needs its format: use dtype=fixpt.Q(IL, FL) (or UQ)");
    return NULL;
}

static PyArray_Descr *fixed_common_instance(PyArray_Descr *a, PyArray_Descr *b)
{
    return (PyArray_Descr *)PyObject_CallFunction(fx_engine_table.plan, "sOO", "common", a, b);
}

static PyArray_DTypeMeta *fixed_common_dtype(PyArray_DTypeMeta *cls, PyArray_DTypeMeta *other)
{
    /* Python int and float operands are weak (NEP 50): they take a fixed format. */
    if (other == cls || other == &PyArray_PyLongDType || other == &PyArray_PyFloatDType) {
        Py_INCREF(cls);
        return cls;
    }
    Py_INCREF(Py_NotImplemented);
    return (PyArray_DTypeMeta *)Py_NotImplemented;
}

static PyArray_Descr *fixed_ensure_canonical(PyArray_Descr *self)
{
    Py_INCREF(self);
    return self;
}

static PyType_Slot fixed_slots[] = {
    {NPY_DT_discover_descr_from_pyobject, (void *)&fixed_discover},
    {NPY_DT_default_descr, (void *)&fixed_default},
    {NPY_DT_common_instance, (void *)&fixed_common_instance},
    {NPY_DT_common_dtype, (void *)&fixed_common_dtype},
    {NPY_DT_ensure_canonical, (void *)&fixed_ensure_canonical},
    {NPY_DT_setitem, (void *)&fixed_setitem},
    {NPY_DT_getitem, (void *)&fixed_getitem},
    {NPY_DT_PyArray_ArrFuncs_compare, (void *)&fixed_compare},
    {NPY_DT_PyArray_ArrFuncs_argmax, (void *)&fixed_argmax},
    {NPY_DT_PyArray_ArrFuncs_argmin, (void *)&fixed_argmin},
    {0, NULL},
};

static PyObject *fixed_new(PyTypeObject *cls, PyObject *args, PyObject *kwds)
{
    (void)cls;
    static char *names[] = {"il", "fl", "signed", NULL};
    int il, fl, is_signed = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "ii|p:FixedDType", names, &il, &fl, &is_signed))
        return NULL;
    return (PyObject *)fixed_descr_new(il, fl, is_signed);
}

static PyObject *fixed_repr(PyObject *self)
{
    FixedDescr *d = (FixedDescr *)self;
    return PyUnicode_FromFormat("dtype(%s(%d,%d))", d->is_signed ? "Q" : "UQ", d->il, d->fl);
}

static PyObject *fixed_reduce(PyObject *self, PyObject *unused)
{
    (void)unused;
    return PyObject_CallFunctionObjArgs(fx_engine_table.reduce, self, NULL);
}

static PyObject *get_il(PyObject *self, void *c) { (void)c; return PyLong_FromLong(((FixedDescr *)self)->il); }
static PyObject *get_fl(PyObject *self, void *c) { (void)c; return PyLong_FromLong(((FixedDescr *)self)->fl); }
static PyObject *get_signed(PyObject *self, void *c) { (void)c; return PyBool_FromLong(((FixedDescr *)self)->is_signed); }

static PyGetSetDef fixed_getset[] = {
    {"il", get_il, NULL, "integer bits (the sign bit included when signed)", NULL},
    {"fl", get_fl, NULL, "fraction bits", NULL},
    {"signed", get_signed, NULL, "two's complement (True) or unsigned", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef fixed_methods[] = {
    {"__reduce__", fixed_reduce, METH_NOARGS, "pickle as the format's dtype"},
    {NULL, NULL, 0, NULL},
};

PyArray_DTypeMeta FixedDType = {{{
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "fixpt.FixedDType",
    .tp_basicsize = sizeof(FixedDescr),
    .tp_new = fixed_new,
    .tp_repr = fixed_repr,
    .tp_str = fixed_repr,
    .tp_getset = fixed_getset,
    .tp_methods = fixed_methods,
}}};

int fixed_init_dtype(void)
{
    PyObject *arrays = PyImport_ImportModule("fixpt.fixed.arrays");
    if (arrays == NULL)
        return -1;
    PyObject *scalar_type = PyObject_GetAttrString(arrays, "FixedScalar");
    Py_DECREF(arrays);
    if (scalar_type == NULL)
        return -1;
    PyArrayMethod_Spec **casts = fixed_casts();
    if (casts == NULL)
        return -1;
    PyArrayDTypeMeta_Spec spec = {
        .typeobj = (PyTypeObject *)scalar_type,
        .flags = NPY_DT_PARAMETRIC | NPY_DT_NUMERIC,
        .casts = casts,
        .slots = fixed_slots,
    };
    ((PyObject *)&FixedDType)->ob_type = &PyArrayDTypeMeta_Type;
    ((PyTypeObject *)&FixedDType)->tp_base = &PyArrayDescr_Type;
    if (PyType_Ready((PyTypeObject *)&FixedDType) < 0)
        return -1;
    return PyArrayInitDTypeMeta_FromSpec(&FixedDType, &spec);
}
