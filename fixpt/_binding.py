"""The one module that touches the compiled C core (``fixpt._core``).

Everything here is thin: check the arrays handed to C, call the kernel (cffi
releases the GIL during the call), and turn the C status code into a Python
exception.  Policies (what to do about NaN, overflow in raise mode, ...)
belong to the callers.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional

import numpy as np

from fixpt._core import ffi, lib

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
}


def c_array(values, dtype=None) -> np.ndarray:
    """``values`` as an array the C core can read: native byte order, aligned, C-contiguous
    (0-d arrays stay 0-d).  Every array handed to C passes through here, so a big-endian,
    strided or misaligned input is converted once at this boundary, never misread."""
    arr = np.asarray(values)
    target = np.dtype(dtype) if dtype is not None else arr.dtype
    if not target.isnative:
        target = target.newbyteorder("=")
    return np.require(arr, dtype=target, requirements=["C_CONTIGUOUS", "ALIGNED"])


@dataclass(frozen=True)
class KernelStatus:
    """What a conversion kernel saw (first_* are flat indices or -1)."""

    n_nan: int
    n_inf: int
    n_overflow_pos: int
    n_overflow_neg: int
    n_inexact: int
    first_nan: int
    first_overflow: int


def _check(code: int) -> None:
    if code != lib.FIXPT_OK:
        error, message = _ERRORS.get(code, (RuntimeError, f"unknown status code {code}"))
        raise error(f"fixpt C core: {message}")


@contextmanager
def exact_paths_only():
    """Test hook: inside the block every C kernel skips its fast paths, so that a test can
    compare each fast path with the exact engine on the same inputs (process-wide)."""
    lib.fixpt_set_exact_only(1)
    try:
        yield
    finally:
        lib.fixpt_set_exact_only(0)


def _status(st) -> KernelStatus:
    return KernelStatus(
        int(st.n_nan), int(st.n_inf), int(st.n_overflow_pos), int(st.n_overflow_neg),
        int(st.n_inexact), int(st.first_nan), int(st.first_overflow),
    )


def _cast_spec(word_length, signed, shift, round_code, overflow_code, out_bytes, seed, stream,
               index_offset):
    spec = ffi.new("fixpt_cast *")
    spec.word_length = word_length
    spec.is_signed = int(signed)
    spec.shift = shift
    spec.round_mode = round_code
    spec.overflow_mode = overflow_code
    spec.out_bytes = out_bytes
    spec.seed = seed
    spec.stream = stream
    spec.index_offset = index_offset
    return spec


def _overflow_mask(shape: tuple, wanted: bool):
    """(mask array or None, the pointer C fills: NULL when no mask is wanted)."""
    if not wanted:
        return None, ffi.NULL
    mask = np.empty(shape, dtype=np.bool_)
    return mask, ffi.cast("uint8_t *", ffi.from_buffer(mask))


def cast(
    values: np.ndarray,
    out_dtype: np.dtype,
    *,
    word_length: int,
    signed: bool,
    shift: int,
    round_code: int,
    overflow_code: int,
    seed: int = 0,
    stream: int = 0,
    index_offset: int = 0,
    want_mask: bool = False,
) -> tuple[np.ndarray, KernelStatus, Optional[np.ndarray]]:
    """Run the C cast ``overflow(round(values * 2**shift))`` of float64 values into
    WL-bit raw integers of dtype ``out_dtype``, same shape; optionally the overflow mask."""
    src = c_array(values, np.float64)
    out = np.empty(src.shape, dtype=out_dtype)
    mask, mask_ptr = _overflow_mask(src.shape, want_mask)
    spec = _cast_spec(word_length, signed, shift, round_code, overflow_code, out.dtype.itemsize,
                      seed, stream, index_offset)
    st = ffi.new("fixpt_status *")
    code = lib.fixpt_cast_f64(ffi.cast("double *", ffi.from_buffer(src)), ffi.from_buffer(out),
                              src.size, spec, st,
                              mask_ptr)
    _check(code)
    return out, _status(st), mask


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


def cast_parts(parts: dict, out_dtype: np.dtype, *, word_length: int, signed: bool, shift: int,
               round_code: int, overflow_code: int, seed: int = 0, stream: int = 0,
               index_offset: int = 0, want_mask: bool = False):
    """``cast`` for exact values given in parts (see fixpt.exact)."""
    struct, arrays = _parts_struct(parts)
    shape = arrays["kind"].shape
    out = np.empty(shape, dtype=out_dtype)
    mask, mask_ptr = _overflow_mask(shape, want_mask)
    spec = _cast_spec(word_length, signed, shift, round_code, overflow_code, out.dtype.itemsize,
                      seed, stream, index_offset)
    st = ffi.new("fixpt_status *")
    _check(lib.fixpt_cast_parts(struct, ffi.from_buffer(out), out.size, spec, st, mask_ptr))
    return out, _status(st), mask


OPS = {"copy": lib.FIXPT_OP_COPY, "add": lib.FIXPT_OP_ADD, "sub": lib.FIXPT_OP_SUB,
       "mul": lib.FIXPT_OP_MUL, "neg": lib.FIXPT_OP_NEG, "abs": lib.FIXPT_OP_ABS,
       "div": lib.FIXPT_OP_DIV}


def _operand(raw: np.ndarray, align: int):
    operand = ffi.new("fixpt_operand *")
    operand.data = ffi.cast("void *", ffi.from_buffer(raw))
    operand.bytes = raw.dtype.itemsize
    operand.is_signed = int(raw.dtype.kind == "i")
    operand.align = align
    return operand


def elementwise(
    op: str,
    a: np.ndarray,
    b: Optional[np.ndarray],
    out_dtype: np.dtype,
    *,
    a_align: int = 0,
    b_align: int = 0,
    word_length: int,
    signed: bool,
    shift: int,
    round_code: int,
    overflow_code: int,
    seed: int = 0,
    stream: int = 0,
    want_mask: bool = False,
) -> tuple[np.ndarray, KernelStatus, Optional[np.ndarray], int]:
    """Run ``cast(a op b)`` in C over raw integer arrays of one shape.

    Returns (result, status, overflow mask or None, number of divisions by zero).
    """
    a = c_array(a)
    if b is not None:
        b = c_array(b)
        if b.shape != a.shape:
            raise ValueError(f"operands must have one shape, got {a.shape} and {b.shape}")
    for raw in (a,) if b is None else (a, b):
        if raw.dtype.kind not in "iu":
            raise TypeError(f"raw operands must be integer arrays, got dtype {raw.dtype}")
    out = np.empty(a.shape, dtype=out_dtype)
    mask, mask_ptr = _overflow_mask(a.shape, want_mask)
    spec = _cast_spec(word_length, signed, shift, round_code, overflow_code, out.dtype.itemsize,
                      seed, stream, 0)
    st = ffi.new("fixpt_status *")
    code = lib.fixpt_elementwise(
        OPS[op], _operand(a, a_align), _operand(a if b is None else b, b_align),
        ffi.from_buffer(out), a.size, spec, st,
        mask_ptr)
    _check(code)
    return out, _status(st), mask, int(st.n_divide_by_zero)


def random_word(seed: int, stream: int, index: int) -> int:
    """The 64-bit random word that stochastic rounding uses for element ``index``."""
    return int(lib.fixpt_random_word(seed, stream, index))


# ---- binary floating-point formats ----

FloatSpec = tuple  # (exp_bits, man_bits, bias, subnormals, special_code, overflow_code)


def _float_spec(spec: FloatSpec):
    f = ffi.new("fixpt_float_format *")
    (f.exp_bits, f.man_bits, f.bias, f.subnormals, f.special, f.overflow) = (int(v) for v in spec)
    return f


def _u64(bits) -> np.ndarray:
    return c_array(bits, np.uint64)


def float_round(values: np.ndarray, spec: FloatSpec, out_dtype: np.dtype, *, round_code: int,
                seed: int = 0, stream: int = 0) -> tuple[np.ndarray, KernelStatus]:
    """Round float64 values into encodings of a float format (C: fixpt_float_round)."""
    src = c_array(values, np.float64)
    out = np.empty(src.shape, dtype=out_dtype)
    st = ffi.new("fixpt_status *")
    code = lib.fixpt_float_round(ffi.cast("double *", ffi.from_buffer(src)), ffi.from_buffer(out),
                                 src.size, _float_spec(spec), out.dtype.itemsize, round_code,
                                 seed, stream, 0, st)
    _check(code)
    return out, _status(st)


def float_round_parts(parts: dict, spec: FloatSpec, out_dtype: np.dtype, *, round_code: int,
                      seed: int = 0, stream: int = 0) -> tuple[np.ndarray, KernelStatus]:
    """``float_round`` for exact values given in parts (see fixpt.exact)."""
    struct, arrays = _parts_struct(parts)
    out = np.empty(arrays["kind"].shape, dtype=out_dtype)
    st = ffi.new("fixpt_status *")
    _check(lib.fixpt_float_round_parts(struct, ffi.from_buffer(out), out.size, _float_spec(spec),
                                       out.dtype.itemsize, round_code, seed, stream, 0, st))
    return out, _status(st)


def float_decode(bits, spec: FloatSpec) -> np.ndarray:
    """Encodings -> float64 values (C: fixpt_float_decode)."""
    src = _u64(bits)
    out = np.empty(src.shape, dtype=np.float64)
    _check(lib.fixpt_float_decode(ffi.cast("uint64_t *", ffi.from_buffer(src)),
                                  ffi.cast("double *", ffi.from_buffer(out)), src.size,
                                  _float_spec(spec)))
    return out


def float_decompose(bits, spec: FloatSpec) -> dict:
    """Encodings -> sign, biased exponent, exponent, trailing, significand, class arrays."""
    src = _u64(bits)
    fields = {
        "sign": np.empty(src.shape, np.uint8), "biased_exponent": np.empty(src.shape, np.int32),
        "exponent": np.empty(src.shape, np.int32), "trailing": np.empty(src.shape, np.uint64),
        "significand": np.empty(src.shape, np.uint64), "cls": np.empty(src.shape, np.uint8),
    }
    ptr = {k: ffi.from_buffer(v) for k, v in fields.items()}
    _check(lib.fixpt_float_decompose(
        ffi.cast("uint64_t *", ffi.from_buffer(src)), src.size, _float_spec(spec),
        ffi.cast("uint8_t *", ptr["sign"]), ffi.cast("int32_t *", ptr["biased_exponent"]),
        ffi.cast("int32_t *", ptr["exponent"]), ffi.cast("uint64_t *", ptr["trailing"]),
        ffi.cast("uint64_t *", ptr["significand"]), ffi.cast("uint8_t *", ptr["cls"])))
    return fields


def float_next(bits, spec: FloatSpec, direction: int) -> np.ndarray:
    """Next encodings toward +inf (direction +1) or -inf (-1) (C: fixpt_float_next)."""
    src = _u64(bits)
    out = np.empty(src.shape, dtype=np.uint64)
    _check(lib.fixpt_float_next(ffi.cast("uint64_t *", ffi.from_buffer(src)),
                                ffi.cast("uint64_t *", ffi.from_buffer(out)), src.size,
                                _float_spec(spec), direction))
    return out


# ---- multiply-accumulate ----

@dataclass(frozen=True)
class MacStatus:
    """What the accumulators saw."""

    n_acc_overflow: int
    first_acc_overflow: int
    n_product_overflow: int
    max_acc_bits: int


def _mac_spec(mac: dict):
    spec = ffi.new("fixpt_mac *")
    for name, value in mac.items():
        setattr(spec, name, value)
    return spec


def _mac_call(kernel, args, out, out_cast: dict, mac: dict):
    spec = _cast_spec(out_bytes=out.dtype.itemsize, index_offset=0, **out_cast)
    st, ms = ffi.new("fixpt_status *"), ffi.new("fixpt_mac_status *")
    _check(kernel(*args, _mac_spec(mac), spec, st, ms))
    return _status(st), MacStatus(int(ms.n_acc_overflow), int(ms.first_acc_overflow),
                                  int(ms.n_product_overflow), int(ms.max_acc_bits))


def matmul(a: np.ndarray, b: np.ndarray, out_dtype: np.dtype, *, mac: dict, out_cast: dict):
    """Stepwise MAC matrix product of contiguous (batch, m, k) @ (batch, k, n) raw arrays."""
    a, b = c_array(a), c_array(b)
    batch, m, k = a.shape
    n = b.shape[2]
    out = np.empty((batch, m, n), dtype=out_dtype)
    status, mac_status = _mac_call(
        lib.fixpt_matmul, (_operand(a, 0), _operand(b, 0), ffi.from_buffer(out), batch, m, k, n,
                           m * k, k * n), out, out_cast, mac)
    return out, status, mac_status


def fir(x: np.ndarray, h: np.ndarray, out_dtype: np.dtype, *, mac: dict, out_cast: dict):
    """FIR over a pre-padded x: out[i] = sum_t h[t] x[i + K - 1 - t]."""
    x, h = c_array(x), c_array(h)
    n_out = x.size - h.size + 1
    out = np.empty(n_out, dtype=out_dtype)
    status, mac_status = _mac_call(
        lib.fixpt_fir, (_operand(x, 0), _operand(h, 0), ffi.from_buffer(out), n_out, h.size),
        out, out_cast, mac)
    return out, status, mac_status


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

QUANT_PRESETS = {"onnx": lib.FIXPT_QUANT_ONNX, "torch": lib.FIXPT_QUANT_TORCH,
                 "tflite": lib.FIXPT_QUANT_TFLITE, "nemo": lib.FIXPT_QUANT_NEMO}
REQUANT_PRESETS = {"gemmlowp": lib.FIXPT_REQUANT_GEMMLOWP,
                   "single_rounding": lib.FIXPT_REQUANT_SINGLE_ROUNDING,
                   "nemo": lib.FIXPT_REQUANT_NEMO, "float": lib.FIXPT_REQUANT_FLOAT,
                   "onnx": lib.FIXPT_REQUANT_ONNX}


def quantize_f32(x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, inner: int,
                 preset: str, qmin: int, qmax: int,
                 out_dtype: np.dtype) -> tuple[np.ndarray, int, int]:
    """Affine quantization of float32 values with per-channel (scale, zero point).

    Returns (integers, number clamped, number of NaN inputs, written as the zero point)."""
    x = c_array(x, np.float32)
    scale = c_array(scale, np.float32)
    zero_point = c_array(zero_point, np.int32)
    out = np.empty(x.shape, dtype=out_dtype)
    clamped, nans = ffi.new("int64_t *"), ffi.new("int64_t *")
    _check(lib.fixpt_quantize_f32(
        ffi.cast("float *", ffi.from_buffer(x)), ffi.from_buffer(out), x.size,
        ffi.cast("float *", ffi.from_buffer(scale)), ffi.cast("int32_t *", ffi.from_buffer(zero_point)),
        scale.size, inner, QUANT_PRESETS[preset], qmin, qmax, out.dtype.itemsize, clamped, nans))
    return out, int(clamped[0]), int(nans[0])


def requantize(acc: np.ndarray, multiplier: np.ndarray, shift: np.ndarray,
               float_multiplier: np.ndarray, zero_point: np.ndarray, inner: int, preset: str,
               qmin: int, qmax: int, out_dtype: np.dtype) -> tuple[np.ndarray, int]:
    """Integer requantization of accumulators with per-channel multipliers."""
    acc = c_array(acc, np.int64)
    arrays = [c_array(multiplier, np.int32), c_array(shift, np.int32),
              c_array(float_multiplier, np.float32), c_array(zero_point, np.int32)]
    out = np.empty(acc.shape, dtype=out_dtype)
    clamped = ffi.new("int64_t *")
    _check(lib.fixpt_requantize(
        ffi.cast("int64_t *", ffi.from_buffer(acc)), ffi.from_buffer(out), acc.size,
        ffi.cast("int32_t *", ffi.from_buffer(arrays[0])), ffi.cast("int32_t *", ffi.from_buffer(arrays[1])),
        ffi.cast("float *", ffi.from_buffer(arrays[2])), ffi.cast("int32_t *", ffi.from_buffer(arrays[3])),
        arrays[3].size, inner, REQUANT_PRESETS[preset], qmin, qmax, out.dtype.itemsize, clamped))
    return out, int(clamped[0])
