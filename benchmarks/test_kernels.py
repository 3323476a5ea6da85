"""fixpt's kernels against the plain NumPy way of computing the same thing.

Run ``python -m pytest benchmarks`` (``--quick`` for small sizes, ``--bench-report FILE`` for
the Markdown table); targets are ratios fixpt time / NumPy time that each kernel should stay
at or under, from issue #17 and the docs.
"""
from __future__ import annotations

import numpy as np
import pytest

import fixpt
from fixpt import floats, quant

SIDES = pytest.mark.parametrize("side", ["fixpt", "numpy"])


#: elements per workload (quick: 10^5 everywhere, 128^3 and 64^3 matmuls)
def sizes(quick: bool) -> dict:
    return {"n": 100_000 if quick else 10_000_000, "n_mul": 100_000 if quick else 1_000_000,
            "matmul": 128 if quick else 512, "small_matmul": 64 if quick else 256,
            "fir": 100_000 if quick else 1_000_000}


@SIDES
def test_to_raw_nearest(compare, quick, side):
    n = sizes(quick)["n"]
    x = np.random.default_rng(0).uniform(-9.0, 9.0, n)
    compare("to_raw Q4.12 nearest_even+saturate", side,
            lambda: fixpt.to_raw(x, "Q4.12", overflow="saturate")[0],
            lambda: np.clip(np.rint(x * 4096), -32768, 32767).astype(np.int16), 0.33,
            same=np.array_equal)


@SIDES
def test_to_raw_stochastic(compare, quick, side):
    n = sizes(quick)["n"]
    x = np.random.default_rng(1).uniform(-9.0, 9.0, n)
    noise = np.random.default_rng(2)
    compare("to_raw Q4.12 stochastic", side,
            lambda: fixpt.to_raw(x, "Q4.12", rounding="stochastic", overflow="saturate", seed=1)[0],
            lambda: np.clip(np.floor(x * 4096 + noise.random(n)), -32768, 32767).astype(np.int16), 0.2)


@SIDES
@pytest.mark.parametrize("fmt", ["binary16", "bfloat16", "e4m3fn"])
def test_round_to_format(compare, quick, side, fmt):
    n = sizes(quick)["n"]
    x = np.random.default_rng(3).standard_normal(n)
    compare(f"round_to_format {fmt} as float64, vs astype(float16)", side,
            lambda: fixpt.round_to_format(x, fmt), lambda: x.astype(np.float16), 0.6)


@SIDES
def test_dequantize(compare, quick, side):
    n = sizes(quick)["n"]
    q8 = np.random.default_rng(4).integers(-128, 128, n).astype(np.int8)
    p = quant.QParams(0.05, 0)
    compare("quant.dequantize int8 per tensor", side, lambda: quant.dequantize(q8, p),
            lambda: q8.astype(np.float32) * np.float32(0.05), 0.3, same=np.array_equal)


@SIDES
def test_dequantize_into_out(compare, quick, side):
    """A loop that reuses its buffer (out=), as runtimes do with their arenas: no page faults."""
    n = sizes(quick)["n"]
    q8 = np.random.default_rng(4).integers(-128, 128, n).astype(np.int8)
    p = quant.QParams(0.05, 0)
    mine, theirs = np.empty(n, np.float32), np.empty(n, np.float32)
    compare("quant.dequantize int8 per tensor, out=", side, lambda: quant.dequantize(q8, p, out=mine),
            lambda: np.multiply(q8, np.float32(0.05), out=theirs), 0.3, same=np.array_equal)


@SIDES
def test_quantize(compare, quick, side):
    n = sizes(quick)["n"]
    x = np.random.default_rng(5).normal(scale=2.0, size=n).astype(np.float32)
    p = quant.QParams(np.float32(4 / 127), 0)
    scale = np.float32(p.scale)
    compare("quant.quantize float32 -> int8 per tensor", side, lambda: quant.quantize(x, p),
            lambda: np.clip(np.rint(x / scale), -128, 127).astype(np.int8), 0.1, same=np.array_equal)


@SIDES
def test_quantize_into_out(compare, quick, side):
    n = sizes(quick)["n"]
    x = np.random.default_rng(5).normal(scale=2.0, size=n).astype(np.float32)
    p = quant.QParams(np.float32(4 / 127), 0)
    scale, buffer = np.float32(p.scale), np.empty(n, np.int8)
    compare("quant.quantize float32 -> int8 per tensor, out=", side, lambda: quant.quantize(x, p, out=buffer),
            lambda: np.clip(np.rint(x / scale), -128, 127).astype(np.int8), 0.1, same=np.array_equal)


@SIDES
def test_requantize(compare, quick, side):
    n = sizes(quick)["n"]
    acc = np.random.default_rng(6).integers(-2**20, 2**20, n).astype(np.int32)
    m, s = quant.quantize_multiplier(0.0123)

    def numpy_requantize():
        ab = acc.astype(np.int64) * m
        total = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
        high = np.where(total >= 0, total >> 31, -((-total) >> 31))
        mask = (1 << -s) - 1
        out = (high >> -s) + ((high & mask) > (mask >> 1) + (high < 0))
        return np.clip(out, -128, 127).astype(np.int8)

    compare("quant.requantize int32 -> int8 (gemmlowp)", side, lambda: quant.requantize(acc, m, s),
            numpy_requantize, 0.33, same=np.array_equal)


@SIDES
def test_decompose_bits(compare, quick, side):
    n = sizes(quick)["n"]
    u = np.random.default_rng(7).integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    compare("decompose_bits binary32", side, lambda: fixpt.decompose_bits(u, "binary32"),
            lambda: (u >> 31, (u >> 23) & 0xFF, u & 0x7FFFFF), 1.2)


def q412_operands(quick: bool):
    """Two Q4.12 arrays and NumPy's way of their rounded, saturated product."""
    n = sizes(quick)["n_mul"]
    rng = np.random.default_rng(8)
    a = fixpt.from_raw(rng.integers(-32768, 32768, n, dtype=np.int16), "Q4.12")
    b = fixpt.from_raw(rng.integers(-32768, 32768, n, dtype=np.int16), "Q4.12")
    a64, b64 = a.raw.astype(np.int64), b.raw.astype(np.int64)
    return a, b, lambda: np.clip((a64 * b64 + 2048) >> 12, -32768, 32767)


@SIDES
def test_multiply_two_step(compare, quick, side):
    a, b, numpy_way = q412_operands(quick)
    compare("(a * b).astype(Q4.12) two-step", side,
            lambda: (a * b).astype("Q4.12", rounding="nearest_up", overflow="saturate").raw, numpy_way, 0.8,
            same=np.array_equal)


@SIDES
def test_multiply_fused(compare, quick, side):
    a, b, numpy_way = q412_operands(quick)
    compare("fixpt.multiply(a, b, Q4.12) fused", side,
            lambda: fixpt.multiply(a, b, "Q4.12", rounding="nearest_up", overflow="saturate").raw,
            numpy_way, 0.4, same=np.array_equal)


@SIDES
@pytest.mark.parametrize("op", ["add", "multiply"])
@pytest.mark.parametrize("mode", ["nearest_even", "floor", "stochastic"])
def test_float_arithmetic(compare, quick, side, op, mode):
    n = sizes(quick)["n_mul"]
    rng = np.random.default_rng(9)
    a32, b32 = (rng.standard_normal(n).astype(np.float32) for _ in range(2))
    a, b = a32.astype(np.float64), b32.astype(np.float64)
    fn, native = {"add": (floats.add, lambda: a32 + b32), "multiply": (floats.multiply, lambda: a32 * b32)}[op]
    compare(f"floats.{op} binary32 {mode}, vs float32 op", side,
            lambda: fn(a, b, "binary32", rounding=mode, seed=1), native, 10.0)


@SIDES
def test_cancellation(compare, quick, side):
    n = sizes(quick)["n"]
    rng = np.random.default_rng(10)
    a = rng.uniform(1, 2, n)
    b = a * (1 + rng.uniform(-1e-6, 1e-6, n))
    compare("cancellation map of a subtraction", side, lambda: fixpt.cancellation(a, b), lambda: a - b, 1.3)


@SIDES
def test_sum(compare, quick, side):
    n = sizes(quick)["n"]
    x = fixpt.from_raw(np.random.default_rng(11).integers(-32768, 32768, n, dtype=np.int16), "Q4.12")
    compare("sum of Q4.12 (int16 container)", side, lambda: int(x.sum().raw), lambda: int(np.sum(x.raw)),
            None, same=lambda u, v: u == v)


@SIDES
def test_matmul_vs_int32(compare, quick, side):
    size = sizes(quick)["matmul"]
    rng = np.random.default_rng(12)
    a = fixpt.from_raw(rng.integers(-128, 128, (size, size), dtype=np.int8), "Q1.7")
    b = fixpt.from_raw(rng.integers(-128, 128, (size, size), dtype=np.int8), "Q1.7")
    a32, b32 = a.raw.astype(np.int32), b.raw.astype(np.int32)
    compare(f"matmul {size}^3 Q1.7 exact, vs NumPy int32 matmul", side, lambda: fixpt.matmul(a, b).raw,
            lambda: a32 @ b32, 0.2, rounds=3, same=np.array_equal)


@SIDES
def test_int8_matmul_vs_sgemm(compare, quick, side):
    size = sizes(quick)["small_matmul"]
    rng = np.random.default_rng(13)
    a = fixpt.from_raw(rng.integers(-128, 128, (size, size), dtype=np.int8), "Q8.0")
    b = fixpt.from_raw(rng.integers(-128, 128, (size, size), dtype=np.int8), "Q8.0")
    af, bf = a.raw.astype(np.float32), b.raw.astype(np.float32)
    compare(f"int8 matmul {size}^3 exact, vs float32 sgemm", side, lambda: fixpt.matmul(a, b).raw,
            lambda: af @ bf, 3.0, rounds=20)


@SIDES
def test_fir(compare, quick, side):
    n = sizes(quick)["fir"]
    rng = np.random.default_rng(14)
    x = fixpt.from_raw(rng.integers(-32768, 32768, n, dtype=np.int16), "Q1.15")
    h = fixpt.from_raw(rng.integers(-32768, 32768, 64, dtype=np.int16), "Q1.15")
    x64, h64 = x.raw.astype(np.int64), h.raw.astype(np.int64)
    compare("FIR 64 taps Q1.15 exact, vs np.convolve int64", side, lambda: fixpt.convolve(x, h).raw,
            lambda: np.convolve(x64, h64), 1.0, same=np.array_equal)


@SIDES
@pytest.mark.parametrize("order", [2, 8])
def test_lfilter(compare, quick, side, order):
    signal = pytest.importorskip("scipy.signal", reason="the baseline is scipy.signal.lfilter (oracles extra)")
    n = sizes(quick)["fir"]
    b, a = signal.butter(order, 0.2)
    x = np.random.default_rng(15).uniform(-0.5, 0.5, n)
    bq, aq, xq = fixpt.array(b, "Q2.14"), fixpt.array(a, "Q8.14"), fixpt.array(x, "Q1.15")
    compare(f"lfilter order {order} Q1.15 -> Q4.12, vs scipy.signal.lfilter float64", side,
            lambda: fixpt.lfilter(bq, aq, xq, out_format="Q4.12").raw, lambda: signal.lfilter(b, a, x), 2.0)
