"""Float arithmetic in the wide formats (binary16 .. binary64 and formats of 26-53 bits of
precision), every mode: against the exact oracle on operands chosen to hit ties, cancellation,
wide exponent gaps, subnormals and overflow; the fast path against the exact engine on large
arrays; and round-to-nearest-even against NumPy's own IEEE arithmetic."""
import numpy as np
import pytest

import fixpt
from fixpt import FloatFormat, _binding, floats
from float_arith_oracle import operate, same_result
from oracle import random_word
from strategies import ROUNDINGS

WIDE = [fixpt.binary16, fixpt.bfloat16, fixpt.binary32, fixpt.tf32, fixpt.binary64,
        FloatFormat(8, 25), FloatFormat(11, 40), FloatFormat(9, 51, subnormals=False),
        FloatFormat(6, 30, inf_nan="fn"), FloatFormat(5, 20, bias=20, inf_nan="fnuz")]
OPS = {"add": floats.add, "sub": floats.subtract, "mul": floats.multiply, "div": floats.divide}


def values_of(fmt, n, rng):
    """Values of fmt spread over every binade (random encodings) and near 1."""
    bits = rng.integers(0, 1 << min(fmt.width, 63), n, dtype=np.uint64)
    if fmt.width == 64:
        bits |= rng.integers(0, 2, n, dtype=np.uint64) << np.uint64(63)
    spread = fixpt.from_bits(bits, fmt)
    near_one = fixpt.round_to_format(rng.standard_normal(n) * 2.0 ** rng.integers(-6, 6, n), fmt)
    tiny = fixpt.round_to_format(fmt.min_normal * rng.standard_normal(n) * 2.0 ** rng.integers(-3, 4, n),
                                 fmt)
    pick = rng.random(n)
    values = np.where(pick < 0.4, spread, np.where(pick < 0.8, near_one, tiny))
    ok = floats.is_value(values, fmt) & ~np.isnan(values)
    return np.where(ok, values, 1.0)


def operand_pairs(fmt, n, rng):
    """(a, b): random pairs, and b chosen against a: its negation or neighbour (cancellation),
    a scaled copy, half an ulp of a (ties), and tiny or huge partners (gaps, overflow)."""
    a = values_of(fmt, n, rng)
    b = values_of(fmt, n, rng)
    with np.errstate(all="ignore"):
        partners = [
            -a, -fixpt.next_up(a, fmt), fixpt.next_down(a, fmt),
            fixpt.round_to_format(a * 2.0 ** rng.integers(-60, 60, n), fmt),
            fixpt.round_to_format(fixpt.ulp(a, fmt) / 2, fmt),
            fixpt.round_to_format(fixpt.ulp(a, fmt) * 0.75, fmt),
            np.full(n, fmt.min_subnormal), np.full(n, fmt.max), np.full(n, -fmt.max),
            fixpt.round_to_format(np.sqrt(np.abs(a)), fmt),
        ]
    choice = rng.integers(0, len(partners) + 2, n)
    for k, p in enumerate(partners):
        b = np.where(choice == k, p, b)
    ok = floats.is_value(b, fmt) & ~np.isnan(b)
    return a, np.where(ok, b, 2.0)


@pytest.mark.parametrize("fmt", WIDE, ids=repr)
def test_operations_match_the_exact_oracle(fmt):
    rng = np.random.default_rng(abs(hash(repr(fmt))) % 2**32)
    a, b = operand_pairs(fmt, 400, rng)
    c = values_of(fmt, 400, rng)
    for mode in ROUNDINGS:
        for op, fn in list(OPS.items()) + [("fma", floats.fma), ("sqrt", floats.sqrt)]:
            args = {"fma": (a, b, c), "sqrt": (np.abs(a),)}.get(op, (a, b))
            got, status = fn(*args, fmt, rounding=mode, seed=21, return_status=True)
            for i in range(a.size):
                word = random_word(21, 0, i) if mode.startswith("stochastic") else 0
                want, flags = operate(op, [float(x[i]) for x in args], fmt, mode, word)
                assert same_result(got[i], want) and int(status.flags[i]) == flags, \
                    (fmt, op, mode, [float(x[i]) for x in args], float(got[i]), want,
                     int(status.flags[i]), flags)


@pytest.mark.parametrize("fmt", [fixpt.binary16, fixpt.bfloat16, fixpt.binary32, fixpt.e4m3fn,
                                 fixpt.e5m2, FloatFormat(8, 25), FloatFormat(11, 51),
                                 FloatFormat(5, 20, bias=20, inf_nan="fnuz")], ids=repr)
@pytest.mark.parametrize("mode", ROUNDINGS)
def test_fast_path_agrees_with_the_exact_engine(fmt, mode):
    rng = np.random.default_rng(7)
    a, b = operand_pairs(fmt, 6000, rng)
    c = values_of(fmt, 6000, rng)
    for op, fn in list(OPS.items()) + [("fma", floats.fma), ("sqrt", floats.sqrt)]:
        args = {"fma": (a, b, c), "sqrt": (np.abs(a),)}.get(op, (a, b))
        fast, fast_status = fn(*args, fmt, rounding=mode, seed=5, return_status=True)
        with _binding.exact_paths_only():
            exact, exact_status = fn(*args, fmt, rounding=mode, seed=5, return_status=True)
        same = (fast.view(np.uint64) == exact.view(np.uint64)) | (np.isnan(fast) & np.isnan(exact))
        assert same.all(), (op, a[~same][:3], b[~same][:3], fast[~same][:3], exact[~same][:3])
        assert np.array_equal(fast_status.flags, exact_status.flags), op
        assert fast_status == exact_status, op


def test_nearest_even_matches_numpy_ieee_arithmetic():
    rng = np.random.default_rng(3)
    for fmt, dtype in [(fixpt.binary16, np.float16), (fixpt.binary32, np.float32),
                       (fixpt.binary64, np.float64)]:
        a, b = operand_pairs(fmt, 20000, rng)
        x, y = a.astype(dtype), b.astype(dtype)
        with np.errstate(all="ignore"):
            # float16 arithmetic in NumPy goes through float32, which is innocuous for
            # +, -, *, / and sqrt (24 >= 2 * 11 + 2 bits)
            expected = {"add": x + y, "sub": x - y, "mul": x * y, "div": x / y}
            root = np.sqrt(np.abs(x))
        for op, want in expected.items():
            got = OPS[op](a, b, fmt)
            assert np.array_equal(got, want.astype(np.float64), equal_nan=True), (fmt, op)
            zeros = want == 0
            assert np.array_equal(np.signbit(got[zeros]), np.signbit(want[zeros])), (fmt, op)
        assert np.array_equal(floats.sqrt(np.abs(a), fmt), root.astype(np.float64))


@pytest.mark.parametrize("name, dtype", [("e4m3fn", "float8_e4m3fn"), ("e5m2", "float8_e5m2"),
                                         ("e4m3fnuz", "float8_e4m3fnuz"), ("bfloat16", "bfloat16"),
                                         ("e4m3", "float8_e4m3"), ("e3m4", "float8_e3m4")])
def test_nearest_even_matches_ml_dtypes(name, dtype):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    dtype = getattr(ml_dtypes, dtype)
    fmt = fixpt.NAMED_FORMATS[name]
    rng = np.random.default_rng(1)
    a, b = operand_pairs(fmt, 20000, rng)
    x, y = a.astype(dtype), b.astype(dtype)
    # ml_dtypes computes in float32 and rounds once more: innocuous for p <= 11 (24 >= 2p + 2)
    with np.errstate(all="ignore"):
        for op, want in {"add": x + y, "sub": x - y, "mul": x * y, "div": x / y}.items():
            got = OPS[op](a, b, fmt)
            assert np.array_equal(got, want.astype(np.float64), equal_nan=True), (name, op)
