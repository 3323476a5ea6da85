"""The one module that calls the compiled C core (``fixpt._libfixpt``).

Everything here is thin: hand arrays to C in a layout it reads (native byte order, aligned,
and contiguous or with one stride), call the kernel (cffi releases the GIL during the call),
turn the C status code into a Python exception and the C record into a :class:`CastStatus`.
Policies (what to do about NaN, overflow in raise mode, ...) belong to the callers.

A cast is described by a *spec*: any object with ``format`` (``wl``, ``signed``,
``container``), ``round_mode``, ``overflow_mode``, ``seed`` and ``stream``
(see :class:`fixpt.convert.spec.CastSpec`).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import NamedTuple, Optional

import numpy as np

from fixpt._libfixpt import ffi, lib
from fixpt.base.status import CastStatus, from_record

class NotAValueError(ValueError):
    """An operand of float arithmetic outside its format (the caller says which)."""


# One message per C status code (fixpt.h), with the exception it becomes.  The Python
# callers validate their arguments first with messages naming them; these are the
# last line, for a condition only the C core can see.
_ERRORS = {
    lib.FIXPT_E_WORD_LENGTH: (ValueError, "word length must be between 1 and 64"),
    lib.FIXPT_E_ROUND_MODE: (ValueError, "unknown rounding mode code"),
    lib.FIXPT_E_OVERFLOW_MODE: (ValueError, "unknown or unsupported overflow mode code"),
    lib.FIXPT_E_CONTAINER: (ValueError, "container must be 1, 2, 4 or 8 bytes and hold the word length"),
    lib.FIXPT_E_SHIFT: (ValueError, "binary-point shift or exponent out of the kernel's range"),
    lib.FIXPT_E_LENGTH: (ValueError, "element counts and dimensions must not be negative"),
    lib.FIXPT_E_FLOAT_FORMAT: (ValueError, "invalid float format"),
    lib.FIXPT_E_DIRECTION: (ValueError, "direction must be +1 or -1"),
    lib.FIXPT_E_OPERATION: (ValueError, "unknown operation or preset code"),
    lib.FIXPT_E_OPERAND: (ValueError, "operand container must be 1, 2, 4 or 8 bytes, alignment 0..63, "
                                      "and (gemmlowp, single_rounding) accumulators within int32"),
    lib.FIXPT_E_OPERAND_WIDTH: (OverflowError, "the exact result of these operands would need more "
                                               "than 128 bits"),
    lib.FIXPT_E_ACC_WORD_LENGTH: (ValueError, "accumulator word length must be between 1 and 128 "
                                              "(127 unsigned)"),
    lib.FIXPT_E_PRODUCT: (ValueError, "product word length must be between 0 and 127 and products "
                                      "can only be narrowed"),
    lib.FIXPT_E_ALIGN: (ValueError, "accumulator alignment must be between 0 and 63 bits"),
    lib.FIXPT_E_QRANGE: (ValueError, "qmin must not exceed qmax, and both must fit the kernel's range"),
    lib.FIXPT_E_SCALE: (ValueError, "scales must be finite and > 0, float multipliers finite and >= 0"),
    lib.FIXPT_E_ZERO_POINT: (ValueError, "zero point outside the supported range"),
    lib.FIXPT_E_MULTIPLIER: (ValueError, "integer multipliers must be between 0 and 2**31 - 1"),
    lib.FIXPT_E_CHANNELS: (ValueError, "parameter channels and run lengths must be at least 1"),
    lib.FIXPT_E_NOT_A_VALUE: (NotAValueError, "an operand is not a value of the float format"),
}


def _check(code: int) -> None:
    if code != lib.FIXPT_OK:
        error, message = _ERRORS.get(code, (RuntimeError, f"unknown status code {code}"))
        raise error(f"fixpt C core: {message}")


def enum_values(c_type: str) -> dict[str, int]:
    """The members of a C enum of fixpt.h as {name without the FIXPT_ prefix: value}: the one
    source of every mode and code Python uses.

    >>> enum_values("fixpt_overflow_mode")["WRAP"]
    3
    """
    return {name.removeprefix("FIXPT_"): value for name, value in ffi.typeof(c_type).relements.items()}


@contextmanager
def exact_paths_only():
    """Test hook: inside the block every C kernel skips its fast paths, so that a test can
    compare each fast path with the exact engine on the same inputs (process-wide)."""
    lib.fixpt_set_exact_only(1)
    try:
        yield
    finally:
        lib.fixpt_set_exact_only(0)


def dtype_engine() -> tuple[int, int, int]:
    """The addresses of the engine entry points the NumPy dtype extension calls (one compiled
    engine, two callers)."""
    return tuple(int(ffi.cast("uintptr_t", ffi.addressof(lib, name)))
                 for name in ("fixpt_elementwise", "fixpt_cast_f64", "fixpt_matmul"))


def set_num_threads(n: int) -> None:
    """The C core's thread setting (1..64, checked by the caller)."""
    lib.fixpt_set_num_threads(n)


def get_num_threads() -> int:
    return int(lib.fixpt_get_num_threads())


# ---- arrays handed to C ----

def c_array(values, dtype=None) -> np.ndarray:
    """``values`` as an array the C core can read: native byte order, aligned, C-contiguous
    (0-d arrays stay 0-d).  A big-endian, strided or misaligned input is converted once at
    this boundary, never misread."""
    arr = np.asarray(values)
    target = np.dtype(dtype) if dtype is not None else arr.dtype
    if not target.isnative:
        target = target.newbyteorder("=")
    return np.require(arr, dtype=target, requirements=["C_CONTIGUOUS", "ALIGNED"])


def _flat_stride(arr: np.ndarray) -> Optional[int]:
    """The one byte stride that walks all elements of ``arr`` in C order, if there is one:
    contiguous arrays, broadcast scalars (0) and 1-d views; None otherwise."""
    if arr.flags.c_contiguous:
        return arr.itemsize
    if arr.ndim == 1:
        return arr.strides[0]
    if all(s == 0 for s in arr.strides):
        return 0
    return None


def strided(values, dtype=None) -> tuple[np.ndarray, int]:
    """(array, byte stride) for a kernel that reads one stride: native and aligned, and
    copied to contiguous memory only when no single stride walks it."""
    arr = np.asarray(values)
    target = np.dtype(dtype) if dtype is not None else arr.dtype
    if not target.isnative:
        target = target.newbyteorder("=")
    if arr.dtype != target or not arr.flags.aligned:
        arr = arr.astype(target)
    stride = _flat_stride(arr)
    if stride is None:
        arr = np.ascontiguousarray(arr)
        stride = arr.itemsize
    return arr, stride


def _ptr(arr: np.ndarray, c_type: str = "void *"):
    """A C pointer to the first element of ``arr`` (which may be a strided view)."""
    return ffi.cast(c_type, arr.__array_interface__["data"][0])


def _operand(raw: np.ndarray, stride: int, align: int = 0):
    operand = ffi.new("fixpt_operand *")
    operand.data = _ptr(raw)
    operand.stride = stride
    operand.bytes = raw.dtype.itemsize
    operand.is_signed = int(raw.dtype.kind == "i")
    operand.align = align
    return operand


def _mask(shape: tuple, wanted: bool, dtype=np.bool_):
    """(per-element byte array or None, the pointer C fills: NULL when none is wanted): an
    overflow mask (bool), or the IEEE flag bytes of a float kernel (uint8)."""
    if not wanted:
        return None, ffi.NULL
    mask = np.zeros(shape, dtype=dtype)
    return mask, ffi.cast("uint8_t *", ffi.from_buffer(mask))


def _cast_struct(spec, shift: int, index_offset: int = 0):
    fmt = spec.format
    c = ffi.new("fixpt_cast *")
    c.word_length = fmt.wl
    c.is_signed = int(fmt.signed)
    c.shift = shift
    c.round_mode = int(spec.round_mode)
    c.overflow_mode = int(spec.overflow_mode)
    c.out_bytes = fmt.container.itemsize
    c.out_stride = fmt.container.itemsize
    c.seed = spec.seed
    c.stream = spec.stream
    c.index_offset = index_offset
    return c


# ---- casts into fixed point ----

def cast(values, spec, shift: int, *, mask: bool = False,
         index_offset: int = 0) -> tuple[np.ndarray, CastStatus]:
    """``overflow(round(values * 2**shift))`` of float64 values into raw integers of
    ``spec.format`` (same shape), in one C pass; the status carries the mask if asked for."""
    src, stride = strided(values, np.float64)
    out = np.empty(src.shape, dtype=spec.format.container)
    overflow_mask, mask_ptr = _mask(src.shape, mask)
    st = ffi.new("fixpt_status *")
    _check(lib.fixpt_cast_f64(_ptr(src, "double *"), stride, ffi.from_buffer(out), src.size,
                              _cast_struct(spec, shift, index_offset), st, mask_ptr))
    return out, from_record(st, spec.format, src.shape, overflow_mask)


def _parts_struct(parts: dict):
    """A fixpt_parts pointing into the parts arrays (kept alive by the returned tuple)."""
    arrays = {name: c_array(parts[name], dtype) for name, dtype in
              (("kind", np.uint8), ("neg", np.uint8), ("hi", np.uint64), ("lo", np.uint64),
               ("exp", np.int64))}
    struct = ffi.new("fixpt_parts *")
    struct.kind = ffi.cast("uint8_t *", ffi.from_buffer(arrays["kind"]))
    struct.neg = ffi.cast("uint8_t *", ffi.from_buffer(arrays["neg"]))
    struct.hi = ffi.cast("uint64_t *", ffi.from_buffer(arrays["hi"]))
    struct.lo = ffi.cast("uint64_t *", ffi.from_buffer(arrays["lo"]))
    struct.exp = ffi.cast("int64_t *", ffi.from_buffer(arrays["exp"]))
    return struct, arrays


def cast_parts(parts: dict, spec, shift: int, *, mask: bool = False,
               index_offset: int = 0) -> tuple[np.ndarray, CastStatus]:
    """``cast`` for exact values given in parts (see fixpt.convert.exact)."""
    struct, arrays = _parts_struct(parts)
    shape = arrays["kind"].shape
    out = np.empty(shape, dtype=spec.format.container)
    overflow_mask, mask_ptr = _mask(shape, mask)
    st = ffi.new("fixpt_status *")
    _check(lib.fixpt_cast_parts(struct, ffi.from_buffer(out), out.size,
                                _cast_struct(spec, shift, index_offset), st, mask_ptr))
    return out, from_record(st, spec.format, shape, overflow_mask)


OPS = {name.removeprefix("OP_").lower(): value
       for name, value in enum_values("fixpt_op").items()}


def elementwise(op: str, a: np.ndarray, b: Optional[np.ndarray], spec, shift: int, *,
                a_align: int = 0, b_align: int = 0, mask: bool = False,
                index_offset: int = 0) -> tuple[np.ndarray, CastStatus]:
    """``cast(a op b)`` in C over raw integer arrays of one shape (broadcast views welcome:
    one stride each, 0 for a repeated scalar); divisions by zero are counted in the status."""
    for raw in (a,) if b is None else (a, b):
        if np.asarray(raw).dtype.kind not in "iu":
            raise TypeError(f"raw operands must be integer arrays, got dtype {np.asarray(raw).dtype}")
    a, a_stride = strided(a)
    if b is not None:
        b, b_stride = strided(b)
        if b.shape != a.shape:
            raise ValueError(f"operands must have one shape, got {a.shape} and {b.shape}")
    out = np.empty(a.shape, dtype=spec.format.container)
    overflow_mask, mask_ptr = _mask(a.shape, mask)
    st = ffi.new("fixpt_status *")
    a_op = _operand(a, a_stride, a_align)
    b_op = a_op if b is None else _operand(b, b_stride, b_align)
    _check(lib.fixpt_elementwise(OPS[op], a_op, b_op, ffi.from_buffer(out), a.size,
                                 _cast_struct(spec, shift, index_offset), st, mask_ptr))
    return out, from_record(st, spec.format, a.shape, overflow_mask)


def random_word(seed: int, stream: int, index: int) -> int:
    """The 64-bit random word that stochastic rounding uses for element ``index``."""
    return int(lib.fixpt_random_word(seed, stream, index))


# ---- binary floating-point formats ----

def _float_struct(fmt):
    """The C description of a FloatFormat (its ``spec`` tuple of C codes)."""
    f = ffi.new("fixpt_float_format *")
    (f.exp_bits, f.man_bits, f.bias, f.subnormals, f.special, f.overflow, f.is_signed,
     f.has_zero) = (int(v) for v in fmt.spec)
    return f


def _rounding_struct(round_mode: int, seed: int, stream: int, index_offset: int = 0,
                     tininess_before: bool = False, saturate_inf: bool = False):
    r = ffi.new("fixpt_rounding *")
    r.mode, r.seed, r.stream, r.index_offset = int(round_mode), seed, stream, index_offset
    r.tininess_before, r.saturate_inf = int(tininess_before), int(saturate_inf)
    return r


def float_round(values, fmt, *, round_mode: int, seed: int = 0, stream: int = 0,
                index_offset: int = 0, tininess_before: bool = False, saturate_inf: bool = False,
                flags: bool = False) -> tuple[np.ndarray, CastStatus]:
    """Round float64 values into encodings of FloatFormat ``fmt`` (in ``fmt.container``);
    ``flags=True`` adds the per-element IEEE flags to the status."""
    src, stride = strided(values, np.float64)
    out = np.empty(src.shape, dtype=fmt.container)
    st = ffi.new("fixpt_status *")
    flag_bytes, flag_ptr = _mask(src.shape, flags, np.uint8)
    _check(lib.fixpt_float_round(_ptr(src, "double *"), stride, ffi.from_buffer(out), out.itemsize,
                                 out.itemsize, src.size, _float_struct(fmt),
                                 _rounding_struct(round_mode, seed, stream, index_offset,
                                                  tininess_before, saturate_inf), st, flag_ptr))
    return out, from_record(st, fmt, src.shape, flags=flag_bytes)


def float_round_values(values, fmt, *, round_mode: int, seed: int = 0, stream: int = 0,
                       tininess_before: bool = False, saturate_inf: bool = False,
                       flags: bool = False) -> tuple[np.ndarray, CastStatus]:
    """``float_round`` giving the rounded values as float64 (one pass, no encodings array)."""
    src, stride = strided(values, np.float64)
    out = np.empty(src.shape, dtype=np.float64)
    st = ffi.new("fixpt_status *")
    flag_bytes, flag_ptr = _mask(src.shape, flags, np.uint8)
    _check(lib.fixpt_float_round_values(_ptr(src, "double *"), stride,
                                        ffi.cast("double *", ffi.from_buffer(out)), src.size,
                                        _float_struct(fmt),
                                        _rounding_struct(round_mode, seed, stream, 0, tininess_before,
                                                         saturate_inf), st, flag_ptr))
    return out, from_record(st, fmt, src.shape, flags=flag_bytes)


def float_round_parts(parts: dict, fmt, *, round_mode: int, seed: int = 0, stream: int = 0,
                      tininess_before: bool = False, saturate_inf: bool = False,
                      flags: bool = False) -> tuple[np.ndarray, CastStatus]:
    """``float_round`` for exact values given in parts (see fixpt.convert.exact)."""
    struct, arrays = _parts_struct(parts)
    out = np.empty(arrays["kind"].shape, dtype=fmt.container)
    st = ffi.new("fixpt_status *")
    flag_bytes, flag_ptr = _mask(out.shape, flags, np.uint8)
    _check(lib.fixpt_float_round_parts(struct, ffi.from_buffer(out), out.itemsize, out.itemsize,
                                       out.size, _float_struct(fmt),
                                       _rounding_struct(round_mode, seed, stream, 0, tininess_before,
                                                        saturate_inf), st, flag_ptr))
    return out, from_record(st, fmt, out.shape, flags=flag_bytes)


FLOAT_OPS = {name.removeprefix("FLOAT_").lower(): value
             for name, value in enum_values("fixpt_float_op").items()}


def float_arith(op: str, operands: list, fmt, *, round_mode: int, seed: int = 0, stream: int = 0,
                index_offset: int = 0, tininess_before: bool = False,
                flags: bool = False) -> tuple[np.ndarray, CastStatus]:
    """``op`` (add, sub, mul, div, sqrt, fma) of float64 operands of one shape (broadcast views
    welcome), each a value of FloatFormat ``fmt``, rounded once into ``fmt``: float64 values."""
    views = [strided(x, np.float64) for x in operands]
    shape = views[0][0].shape
    if any(v.shape != shape for v, _ in views):
        raise ValueError(f"operands must have one shape, got {[v.shape for v, _ in views]}")
    structs = []
    for view, stride in views + [views[0]] * (3 - len(views)):
        d = ffi.new("fixpt_doubles *")
        d.data, d.stride = _ptr(view, "double *"), stride
        structs.append(d)
    out = np.empty(shape, dtype=np.float64)
    st = ffi.new("fixpt_status *")
    flag_bytes, flag_ptr = _mask(shape, flags, np.uint8)
    _check(lib.fixpt_float_arith(FLOAT_OPS[op], *structs, ffi.cast("double *", ffi.from_buffer(out)),
                                 8, out.size, _float_struct(fmt),
                                 _rounding_struct(round_mode, seed, stream, index_offset,
                                                  tininess_before), st, flag_ptr))
    return out, from_record(st, fmt, shape, flags=flag_bytes)


def _bits_operand(bits) -> tuple:
    """(array, operand) for encodings held in any unsigned container."""
    arr = np.asarray(bits)
    if arr.dtype.kind != "u":
        arr = arr.astype(np.uint64)
    arr, stride = strided(arr)
    return arr, _operand(arr, stride)


def float_decode(bits, fmt) -> np.ndarray:
    """Encodings -> float64 values."""
    arr, operand = _bits_operand(bits)
    out = np.empty(arr.shape, dtype=np.float64)
    _check(lib.fixpt_float_decode(operand, ffi.cast("double *", ffi.from_buffer(out)), arr.size,
                                  _float_struct(fmt)))
    return out


def float_decompose(bits, fmt) -> dict:
    """Encodings -> sign, biased exponent, exponent, trailing, significand (in the format's
    container), class arrays."""
    arr, operand = _bits_operand(bits)
    fields = {
        "sign": np.empty(arr.shape, np.uint8), "biased_exponent": np.empty(arr.shape, np.int32),
        "exponent": np.empty(arr.shape, np.int32), "trailing": np.empty(arr.shape, fmt.container),
        "significand": np.empty(arr.shape, fmt.container), "cls": np.empty(arr.shape, np.uint8),
    }
    ptr = {k: ffi.from_buffer(v) for k, v in fields.items()}
    _check(lib.fixpt_float_decompose(
        operand, arr.size, _float_struct(fmt),
        ffi.cast("uint8_t *", ptr["sign"]), ffi.cast("int32_t *", ptr["biased_exponent"]),
        ffi.cast("int32_t *", ptr["exponent"]), ptr["trailing"], ptr["significand"],
        fields["trailing"].itemsize, ffi.cast("uint8_t *", ptr["cls"])))
    return fields


def float_next(bits, fmt, direction: int) -> np.ndarray:
    """Next encodings toward +inf (direction +1) or -inf (-1), as uint64."""
    arr, operand = _bits_operand(bits)
    out = np.empty(arr.shape, dtype=np.uint64)
    _check(lib.fixpt_float_next(operand, ffi.cast("uint64_t *", ffi.from_buffer(out)), arr.size,
                                _float_struct(fmt), direction))
    return out


# ---- multiply-accumulate ----

class AccumulatorCounts(NamedTuple):
    """What the accumulators of a MAC call saw (first_acc_overflow: flat output index or -1)."""

    n_acc_overflow: int
    first_acc_overflow: int
    n_product_overflow: int
    max_acc_bits: int


def _mac_struct(mac: dict):
    spec = ffi.new("fixpt_mac *")
    for name, value in mac.items():
        setattr(spec, name, value)
    return spec


def _mac_call(kernel, args, shape: tuple, out_spec, out_shift: int, mac: dict):
    st, ms = ffi.new("fixpt_status *"), ffi.new("fixpt_mac_status *")
    _check(kernel(*args, _mac_struct(mac), _cast_struct(out_spec, out_shift), st, ms))
    counts = AccumulatorCounts(int(ms.n_acc_overflow), int(ms.first_acc_overflow),
                               int(ms.n_product_overflow), int(ms.max_acc_bits))
    return from_record(st, out_spec.format, shape), counts


def _element_strides(arr: np.ndarray) -> list[int]:
    return [s // arr.itemsize for s in arr.strides]


def matmul(a: np.ndarray, b: np.ndarray, out_spec, out_shift: int, *, mac: dict,
           shape: Optional[tuple] = None):
    """Stepwise MAC matrix product of (batch, m, k) @ (batch, k, n) raw arrays, which may be
    strided views (a batch stride of 0 broadcasts); the output is (batch, m, n), and the
    status indexes it as ``shape`` (the caller's final shape, same elements in C order)."""
    a, b = np.asarray(a), np.asarray(b)
    a = a if a.dtype.isnative and a.flags.aligned and all(s % a.itemsize == 0 for s in a.strides) \
        else c_array(a)
    b = b if b.dtype.isnative and b.flags.aligned and all(s % b.itemsize == 0 for s in b.strides) \
        else c_array(b)
    batch, m, k = a.shape
    n = b.shape[2]
    out = np.empty((batch, m, n), dtype=out_spec.format.container)
    a_strides = ffi.new("int64_t[3]", _element_strides(a))
    b_strides = ffi.new("int64_t[3]", _element_strides(b))
    status, counts = _mac_call(
        lib.fixpt_matmul, (_operand(a, a.itemsize), _operand(b, b.itemsize), ffi.from_buffer(out),
                           batch, m, k, n, a_strides, b_strides), shape or out.shape, out_spec,
        out_shift, mac)
    return out, status, counts


def fir(x: np.ndarray, h: np.ndarray, out_spec, out_shift: int, *, mac: dict):
    """FIR over a pre-padded x: out[i] = sum_t h[t] x[i + K - 1 - t] (1-d, strided welcome)."""
    x, x_stride = strided(x)
    h, h_stride = strided(h)
    n_out = x.size - h.size + 1
    out = np.empty(n_out, dtype=out_spec.format.container)
    status, counts = _mac_call(
        lib.fixpt_fir, (_operand(x, x_stride), _operand(h, h_stride), ffi.from_buffer(out), n_out,
                        h.size), out.shape, out_spec, out_shift, mac)
    return out, status, counts


def lfilter(b: np.ndarray, a: np.ndarray, x: np.ndarray, x_state: np.ndarray, y_state: np.ndarray,
            out_spec, out_shift: int, feedback_align: int, *, mac: dict, index_offset: int = 0,
            stream_offset: int = 0):
    """Direct Form I IIR over x (batch, n); x_state (batch, nb-1) and y_state (batch, na-1) are
    int64 histories, updated in place."""
    b, a, x = c_array(b), c_array(a), c_array(x)
    batch, n = x.shape
    out = np.empty((batch, n), dtype=out_spec.format.container)
    cast = _cast_struct(out_spec, out_shift, index_offset)
    cast.stream = cast.stream + stream_offset
    st, ms = ffi.new("fixpt_status *"), ffi.new("fixpt_mac_status *")
    states = [ffi.cast("int64_t *", ffi.from_buffer(s)) if s.size else ffi.cast("int64_t *", 0)
              for s in (x_state, y_state)]
    _check(lib.fixpt_lfilter(_operand(b, b.itemsize), b.size, _operand(a, a.itemsize), a.size,
                             _operand(x, x.itemsize), batch, n, states[0], states[1], ffi.from_buffer(out),
                             feedback_align, _mac_struct(mac), cast, st, ms))
    counts = AccumulatorCounts(int(ms.n_acc_overflow), int(ms.first_acc_overflow),
                               int(ms.n_product_overflow), int(ms.max_acc_bits))
    return out, from_record(st, out_spec.format, out.shape), counts


def lfilter_df2t(b: np.ndarray, a: np.ndarray, x: np.ndarray, state: np.ndarray, y_spec, y_shift: int,
                 s_spec, s_shift: int, aligns: tuple, *, index_offset: int = 0, stream_offset: int = 0):
    """Transposed Direct Form II over x (batch, n) with int64 state words (batch, order),
    updated in place: (y raw, y status, state status)."""
    b, a, x = c_array(b), c_array(a), c_array(x)
    batch, n = x.shape
    out = np.empty((batch, n), dtype=y_spec.format.container)
    y_cast, s_cast = _cast_struct(y_spec, y_shift, index_offset), _cast_struct(s_spec, s_shift, index_offset)
    y_cast.stream = y_cast.stream + stream_offset
    s_cast.stream = s_cast.stream + stream_offset + 1 + batch  # never a y stream of this call
    y_st, s_st = ffi.new("fixpt_status *"), ffi.new("fixpt_status *")
    _check(lib.fixpt_lfilter_df2t(_operand(b, b.itemsize), _operand(a, a.itemsize), state.shape[1],
                                  _operand(x, x.itemsize), batch, n, ffi.cast("int64_t *", ffi.from_buffer(state)),
                                  ffi.from_buffer(out), aligns[0], aligns[1], aligns[2], y_cast, s_cast, y_st, s_st))
    return out, from_record(y_st, y_spec.format, out.shape), from_record(s_st, s_spec.format, state.shape)


# ---- cancellation diagnostics ----

def cancellation(a: np.ndarray, b: np.ndarray, op: str, total_lost: int):
    """(result, lost bits int16, class uint8, n exact zero, n not applicable) of a +/- b;
    ``total_lost`` is what an exact zero from nonzero operands lost (the precision)."""
    a = c_array(a, np.float64)
    b = c_array(b, np.float64)
    result = np.empty(a.shape, np.float64)
    lost = np.empty(a.shape, np.int16)
    cls = np.empty(a.shape, np.uint8)
    zeros, skipped = ffi.new("int64_t *"), ffi.new("int64_t *")
    _check(lib.fixpt_cancellation(
        ffi.cast("double *", ffi.from_buffer(a)), ffi.cast("double *", ffi.from_buffer(b)), a.size,
        {"add": 1, "sub": 2}[op], ffi.cast("double *", ffi.from_buffer(result)),
        ffi.cast("int16_t *", ffi.from_buffer(lost)), ffi.cast("uint8_t *", ffi.from_buffer(cls)),
        total_lost, zeros, skipped))
    return result, lost, cls, int(zeros[0]), int(skipped[0])


# ---- quantization ----

QUANT_PRESETS = {name.removeprefix("QUANT_").lower(): value
                 for name, value in enum_values("fixpt_quant_preset").items()}
REQUANT_PRESETS = {name.removeprefix("REQUANT_").lower(): value
                   for name, value in enum_values("fixpt_requant_preset").items()}


def _channel_params(arrays: dict, count: int) -> None:
    """Every per-channel parameter array must have ``count`` entries (checked here, at the
    boundary, so that C never reads past one)."""
    for name, values in arrays.items():
        if values.size != count:
            raise ValueError(f"{name}: {values.size} per-channel values for {count} channels")


def quantize_f32(x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, inner: int,
                 preset: str, qmin: int, qmax: int,
                 out_dtype: np.dtype, out: Optional[np.ndarray] = None) -> tuple[np.ndarray, int, int]:
    """Affine quantization of float32 values with per-channel (scale, zero point), into out (a
    C-contiguous array of x's shape and out_dtype) when given.

    Returns (integers, number clamped, number of NaN inputs, written as the zero point)."""
    x = c_array(x, np.float32)
    scale = c_array(scale, np.float32).ravel()
    zero_point = c_array(zero_point, np.int32).ravel()
    _channel_params({"zero_point": zero_point}, scale.size)
    out = np.empty(x.shape, dtype=out_dtype) if out is None else out
    clamped, nans = ffi.new("int64_t *"), ffi.new("int64_t *")
    _check(lib.fixpt_quantize_f32(
        ffi.cast("float *", ffi.from_buffer(x)), ffi.from_buffer(out), x.size,
        ffi.cast("float *", ffi.from_buffer(scale)), ffi.cast("int32_t *", ffi.from_buffer(zero_point)),
        scale.size, inner, QUANT_PRESETS[preset], qmin, qmax, out.dtype.itemsize, clamped, nans))
    return out, int(clamped[0]), int(nans[0])


def dequantize_f32(q: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, inner: int,
                   out: Optional[np.ndarray] = None) -> np.ndarray:
    """float32((q - zero_point) * scale) per channel (codes in any integer container), into out
    (a C-contiguous float32 array of q's shape) when given."""
    q, stride = strided(q)
    scale = c_array(scale, np.float32).ravel()
    zero_point = c_array(zero_point, np.int32).ravel()
    _channel_params({"zero_point": zero_point}, scale.size)
    out = np.empty(q.shape, dtype=np.float32) if out is None else out
    _check(lib.fixpt_dequantize_f32(_operand(q, stride), ffi.cast("float *", ffi.from_buffer(out)),
                                    q.size, ffi.cast("float *", ffi.from_buffer(scale)),
                                    ffi.cast("int32_t *", ffi.from_buffer(zero_point)), scale.size, inner))
    return out


def requantize(acc: np.ndarray, multiplier: np.ndarray, shift: np.ndarray,
               float_multiplier: np.ndarray, zero_point: np.ndarray, inner: int, preset: str,
               qmin: int, qmax: int, out_dtype: np.dtype) -> tuple[np.ndarray, int]:
    """Integer requantization of accumulators with per-channel multipliers."""
    acc = c_array(acc, np.int64)
    params = {"multiplier": c_array(multiplier, np.int32).ravel(), "shift": c_array(shift, np.int32).ravel(),
              "float_multiplier": c_array(float_multiplier, np.float32).ravel(),
              "zero_point": c_array(zero_point, np.int32).ravel()}
    channels = params["zero_point"].size
    _channel_params(params, channels)
    out = np.empty(acc.shape, dtype=out_dtype)
    clamped = ffi.new("int64_t *")
    _check(lib.fixpt_requantize(
        ffi.cast("int64_t *", ffi.from_buffer(acc)), ffi.from_buffer(out), acc.size,
        ffi.cast("int32_t *", ffi.from_buffer(params["multiplier"])),
        ffi.cast("int32_t *", ffi.from_buffer(params["shift"])),
        ffi.cast("float *", ffi.from_buffer(params["float_multiplier"])),
        ffi.cast("int32_t *", ffi.from_buffer(params["zero_point"])),
        channels, inner, REQUANT_PRESETS[preset], qmin, qmax, out.dtype.itemsize, clamped))
    return out, int(clamped[0])
