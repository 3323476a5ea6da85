/* matmul.c - np.matmul and np.vecdot on fixed-point arrays: the C core's MAC kernel (exact products, an
 * exact 128-bit sum), rounded once into the output format.  The default output keeps every
 * fraction bit of the products in 64 bits (like NumPy's integer matmul, which stays in int64);
 * a sum beyond the output's range raises OverflowError instead of wrapping. */
#include "dtype.h"

NPY_CASTING fixed_matmul_resolve(PyObject *self, PyArray_DTypeMeta *dtypes[], PyArray_Descr *given[],
                                 PyArray_Descr *loop[], npy_intp *view_offset)
{
    (void)self;
    (void)dtypes;
    (void)view_offset;
    const FixedDescr *a = (const FixedDescr *)given[0], *b = (const FixedDescr *)given[1];
    if (given[2] != NULL) {
        Py_INCREF(given[2]);
        loop[2] = given[2];
    } else {
        int fl = a->fl + b->fl;
        loop[2] = (PyArray_Descr *)fixed_descr_new(64 - fl, fl, a->is_signed || b->is_signed);
        if (loop[2] == NULL)
            return (NPY_CASTING)-1;
    }
    Py_INCREF(given[0]);
    loop[0] = given[0];
    Py_INCREF(given[1]);
    loop[1] = given[1];
    return NPY_NO_CASTING;
}

/* Element strides (a byte stride that is not a whole number of elements cannot be handed to
 * the kernel). */
static int element_strides(const npy_intp *bytes, int count, npy_intp size, int64_t *out)
{
    for (int i = 0; i < count; i++) {
        if (bytes[i] % size != 0)
            return -1;
        out[i] = (int64_t)(bytes[i] / size);
    }
    return 0;
}

/* The MAC kernel over `outer` independent (m, k) @ (k, n) products: exact products, an exact
 * 128-bit sum, one rounding into the output, OverflowError beyond it.  Strides in bytes:
 * outer (a, b, out), then the core strides of a (m, k), b (k, n) and out (m, n). */
static int mac_loop(const char *name, PyArrayMethod_Context *context, char *const data[], npy_intp outer,
                    npy_intp m, npy_intp k, npy_intp n, const npy_intp outer_strides[3], const npy_intp a_core[2],
                    const npy_intp b_core[2], const npy_intp out_core[2])
{
    const FixedDescr *a = (const FixedDescr *)context->descriptors[0];
    const FixedDescr *b = (const FixedDescr *)context->descriptors[1];
    const FixedDescr *out = (const FixedDescr *)context->descriptors[2];
    const npy_intp a_bytes[3] = {outer_strides[0], a_core[0], a_core[1]};
    const npy_intp b_bytes[3] = {outer_strides[1], b_core[0], b_core[1]};
    int64_t as[3], bs[3];
    if (element_strides(a_bytes, 3, a->base.elsize, as) < 0 || element_strides(b_bytes, 3, b->base.elsize, bs) < 0)
        return fixed_loop_error(PyExc_ValueError, "fixpt: np.%s of an array whose strides are not whole elements",
                                name);
    const npy_intp size = out->base.elsize;
    const int contiguous = (n <= 1 || out_core[1] == size) && (m <= 1 || out_core[0] == n * size) &&
                           (outer <= 1 || outer_strides[2] == m * n * size);
    char *buffer = NULL;
    if (!contiguous && m * n > 0) {
        buffer = PyMem_RawMalloc((size_t)(m * n * size));
        if (buffer == NULL)
            return fixed_loop_error(PyExc_MemoryError, "fixpt: np.%s: no memory for one output matrix", name);
    }
    fixpt_operand x = fixed_operand(data[0], a->base.elsize, (int)a->base.elsize, a->is_signed, 0);
    fixpt_operand y = fixed_operand(data[1], b->base.elsize, (int)b->base.elsize, b->is_signed, 0);
    fixpt_mac mac;
    memset(&mac, 0, sizeof mac);
    mac.acc_word_length = 128;
    mac.acc_signed = 1;
    mac.acc_overflow = FIXPT_RAISE;
    fixpt_cast cast = fixed_cast_into(out, out->fl - (a->fl + b->fl), size);
    cast.overflow_mode = FIXPT_RAISE;
    fixpt_status st;
    fixpt_mac_status ms;
    int err = 0;
    int64_t overflows = 0;
    /* one call for every batch when the output is contiguous, else one matrix at a time */
    const npy_intp batches = contiguous ? 1 : outer, per_call = contiguous ? outer : 1;
    for (npy_intp t = 0; t < batches && !err; t++) {
        x.data = data[0] + t * outer_strides[0];
        y.data = data[1] + t * outer_strides[1];
        char *target = contiguous ? data[2] : buffer;
        err = fx_engine_table.matmul(&x, &y, target, per_call, m, k, n, as, bs, &mac, &cast, &st, &ms);
        overflows += st.n_overflow_pos + st.n_overflow_neg + ms.n_acc_overflow;
        if (!contiguous)
            for (npy_intp i = 0; i < m; i++)
                for (npy_intp j = 0; j < n; j++)
                    memcpy(data[2] + t * outer_strides[2] + i * out_core[0] + j * out_core[1],
                           buffer + (i * n + j) * size, (size_t)size);
    }
    PyMem_RawFree(buffer);
    if (err == FIXPT_E_OPERAND_WIDTH)
        return fixed_loop_error(PyExc_TypeError, "fixpt: np.%s of two 64-bit unsigned formats: products need "
                                                 "more than 128 bits; use fixpt.matmul", name);
    if (err)
        return fixed_engine_error(err, name);
    if (overflows)
        return fixed_loop_error(PyExc_OverflowError,
                                "fixpt: np.%s: %lld sum(s) beyond the range of " FIXED_NAME_FORMAT
                                "; pass out= of a wider format, or use fixpt.matmul(a, b, acc_format=..., "
                                "out_format=...)", name, (long long)overflows, FIXED_NAME_ARGS(out));
    return 0;
}

int fixed_matmul_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                      npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    /* strides: outer a, b, out; then a (m, k), b (k, n), out (m, n) */
    return mac_loop("matmul", context, data, dimensions[0], dimensions[1], dimensions[2], dimensions[3], strides,
                    strides + 3, strides + 5, strides + 7);
}

/* np.vecdot: one sum per output element, the matmul kernel with m = n = 1. */
int fixed_vecdot_loop(PyArrayMethod_Context *context, char *const data[], npy_intp const dimensions[],
                      npy_intp const strides[], NpyAuxData *aux)
{
    (void)aux;
    const FixedDescr *out = (const FixedDescr *)context->descriptors[2];
    /* strides: outer a, b, out; then a (k), b (k) */
    const npy_intp a_core[2] = {0, strides[3]}, b_core[2] = {strides[4], 0};
    const npy_intp out_core[2] = {out->base.elsize, out->base.elsize};
    return mac_loop("vecdot", context, data, dimensions[0], 1, dimensions[1], 1, strides, a_core, b_core, out_core);
}
