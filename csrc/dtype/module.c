/* module.c - fixpt._dtype: the FixedDType class and the hook that hands it the engine. */
#define FIXPT_DTYPE_MODULE
#include <stdarg.h>

#include "dtype.h"

fx_dtype_engine fx_engine_table;

int fixed_loop_error(PyObject *type, const char *format, ...)
{
    PyGILState_STATE state = PyGILState_Ensure();
    va_list args;
    va_start(args, format);
    PyErr_FormatV(type, format, args);
    va_end(args);
    PyGILState_Release(state);
    return -1;
}

int fixed_engine_error(int code, const char *what)
{
    PyGILState_STATE state = PyGILState_Ensure();
    PyErr_Format(PyExc_ValueError, "fixpt: %s failed in the C core (status %d)", what, code);
    PyGILState_Release(state);
    return -1;
}

/* _init(elementwise, cast_f64, matmul, scalar, raw_of, plan, reduce, weak): the engine's function addresses
 * (ints from cffi) and the Python helpers; then the casts and ufunc loops are registered. */
static PyObject *dtype_init(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long elementwise, cast_f64, matmul;
    PyObject *scalar, *raw_of, *plan, *reduce, *weak;
    if (!PyArg_ParseTuple(args, "KKKOOOOO", &elementwise, &cast_f64, &matmul, &scalar, &raw_of, &plan, &reduce, &weak))
        return NULL;
    if (fx_engine_table.elementwise != NULL)
        Py_RETURN_NONE; /* once per process */
    if (!elementwise || !cast_f64 || !matmul || !PyCallable_Check(scalar) || !PyCallable_Check(raw_of) ||
        !PyCallable_Check(plan) || !PyCallable_Check(reduce) || !PyCallable_Check(weak)) {
        PyErr_SetString(PyExc_TypeError, "_init needs three function addresses and five callables");
        return NULL;
    }
    fx_engine_table.elementwise = (void *)(uintptr_t)elementwise;
    fx_engine_table.cast_f64 = (void *)(uintptr_t)cast_f64;
    fx_engine_table.matmul = (void *)(uintptr_t)matmul;
    Py_INCREF(scalar);
    Py_INCREF(raw_of);
    Py_INCREF(plan);
    Py_INCREF(reduce);
    Py_INCREF(weak);
    fx_engine_table.weak = weak;
    fx_engine_table.scalar = scalar;
    fx_engine_table.raw_of = raw_of;
    fx_engine_table.plan = plan;
    fx_engine_table.reduce = reduce;
    if (fixed_init_ufuncs() < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"_init", dtype_init, METH_VARARGS, "Hand the engine and the Python helpers to the dtype."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "fixpt._dtype", "The NumPy dtype of fixed-point formats.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__dtype(void)
{
    import_array();
    import_umath();
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    if (fixed_init_dtype() < 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&FixedDType);
    if (PyModule_AddObject(m, "FixedDType", (PyObject *)&FixedDType) < 0) {
        Py_DECREF(&FixedDType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
