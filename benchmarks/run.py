"""fixpt benchmarks: each kernel against the plain NumPy way of doing the same thing.

Both sides run in the same process on the same data; the best of several
repeats is reported, with the ratio NumPy time / fixpt time (> 1: fixpt is
faster).  Run: ``python benchmarks/run.py`` (``--quick`` for smaller sizes).
"""
from __future__ import annotations

import argparse
import time
from typing import Callable

import numpy as np

import fixpt


def best_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up (page faults, lazy initialisation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(name: str, fixpt_fn: Callable[[], object], numpy_fn: Callable[[], object],
           repeats: int, target: str) -> float:
    t_fixpt = best_time(fixpt_fn, repeats)
    t_numpy = best_time(numpy_fn, repeats)
    ratio = t_numpy / t_fixpt
    print(f"{name:52s} fixpt {t_fixpt * 1e3:8.2f} ms   reference {t_numpy * 1e3:8.2f} ms   "
          f"speed-up {ratio:6.2f}x   (target {target})")
    return ratio


def bench_conversion(n: int, repeats: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-9.0, 9.0, n)  # some values saturate, as in real use
    fmt = fixpt.Q(4, 12)

    def numpy_nearest():
        return np.clip(np.rint(x * 4096), -32768, 32767).astype(np.int16)

    def fixpt_nearest():
        return fixpt.to_raw(x, fmt, rounding="nearest_even", overflow="saturate")

    # correctness of the comparison itself: both sides give the same integers
    assert np.array_equal(numpy_nearest(), fixpt_nearest()[0])
    report(f"float64 -> Q(4,12) nearest_even+saturate, n={n:,}", fixpt_nearest, numpy_nearest,
           repeats, ">= 3x")

    noise = np.random.default_rng(1)

    def numpy_stochastic():
        return np.clip(np.floor(x * 4096 + noise.random(n)), -32768, 32767).astype(np.int16)

    def fixpt_stochastic():
        return fixpt.to_raw(x, fmt, rounding="stochastic", overflow="saturate", seed=1)

    report(f"float64 -> Q(4,12) stochastic+saturate, n={n:,}", fixpt_stochastic, numpy_stochastic,
           repeats, ">= 5x")


def bench_float_formats(n: int, repeats: int) -> None:
    x = np.random.default_rng(2).standard_normal(n) * 100.0

    def numpy_half():
        return x.astype(np.float16)

    try:
        import ml_dtypes
    except ImportError:
        ml_dtypes = None
    for name in ("binary16", "bfloat16", "e4m3fn"):
        fmt = fixpt.NAMED_FORMATS[name]
        for mode, target in (("nearest_even", ">= 1x"), ("stochastic", ">= 0.5x")):
            def fixpt_round(fmt=fmt, mode=mode):
                return fixpt.to_bits(x, fmt, rounding=mode, seed=1)
            report(f"float64 -> {name} {mode}, vs np.float16 cast", fixpt_round, numpy_half,
                   repeats, target)
        if ml_dtypes is not None and name != "binary16":
            dtype = getattr(ml_dtypes, {"bfloat16": "bfloat16", "e4m3fn": "float8_e4m3fn"}[name])

            def ml_cast(dtype=dtype):
                with np.errstate(over="ignore"):
                    return x.astype(dtype)

            def fixpt_nearest(fmt=fmt):
                return fixpt.to_bits(x, fmt)
            # (no equality check here: ml_dtypes rounds float64 through float32 first, so
            # about 1 in 10^5 of these inputs differ by double rounding; see docs/floats.md)
            report(f"float64 -> {name} nearest_even, vs ml_dtypes cast", fixpt_nearest, ml_cast,
                   repeats, "(information)")


def bench_array_ops(n_mul: int, n_sum: int, repeats: int) -> None:
    rng = np.random.default_rng(3)
    fmt = fixpt.Q(4, 12)
    a = fixpt.from_raw(rng.integers(-32768, 32768, n_mul, dtype=np.int16), fmt)
    b = fixpt.from_raw(rng.integers(-32768, 32768, n_mul, dtype=np.int16), fmt)
    a64, b64 = a.raw.astype(np.int64), b.raw.astype(np.int64)

    def numpy_mul():
        return np.clip((a64 * b64 + 2048) >> 12, -32768, 32767)

    def fixpt_mul():
        return fixpt.multiply(a, b, fmt)

    report(f"Q(4,12) * Q(4,12) -> Q(4,12) (round, saturate), n={n_mul:,}", fixpt_mul, numpy_mul,
           repeats, ">= 0.67x (at most 1.5x the time)")
    x = fixpt.from_raw(rng.integers(-32768, 32768, n_sum, dtype=np.int16), fmt)
    assert int(x.sum().raw) == int(np.sum(x.raw))
    report(f"sum of int16-container values, n={n_sum:,}", lambda: x.sum(), lambda: np.sum(x.raw),
           repeats, "(information)")


def bench_mac(size: int, n_fir: int, repeats: int) -> None:
    rng = np.random.default_rng(4)
    fmt = fixpt.Q(1, 7)
    a = fixpt.from_raw(rng.integers(-128, 128, (size, size), dtype=np.int8), fmt)
    b = fixpt.from_raw(rng.integers(-128, 128, (size, size), dtype=np.int8), fmt)
    a32, b32 = a.raw.astype(np.int32), b.raw.astype(np.int32)
    af, bf = a.raw.astype(np.float32), b.raw.astype(np.float32)

    def fixpt_mm():
        return fixpt.matmul(a, b)  # exact int32-range accumulation

    assert np.array_equal(fixpt_mm().raw, a32 @ b32)
    report(f"matmul {size}x{size} Q(1,7), vs NumPy int32 matmul", fixpt_mm, lambda: a32 @ b32,
           repeats, ">= 5x")
    report(f"matmul {size}x{size} Q(1,7), vs float32 BLAS matmul", fixpt_mm, lambda: af @ bf,
           repeats, ">= 0.33x (within 3x)")
    x = fixpt.from_raw(rng.integers(-32768, 32768, n_fir, dtype=np.int16), fixpt.Q(1, 15))
    h = fixpt.from_raw(rng.integers(-32768, 32768, 64, dtype=np.int16), fixpt.Q(1, 15))
    x64, h64 = x.raw.astype(np.int64), h.raw.astype(np.int64)

    def fixpt_fir():
        return fixpt.convolve(x, h)

    assert np.array_equal(fixpt_fir().raw, np.convolve(x64, h64))
    report(f"FIR {n_fir:,} samples x 64 taps Q(1,15), vs np.convolve int64", fixpt_fir,
           lambda: np.convolve(x64, h64), repeats, ">= 1x")


def bench_float_arithmetic(n: int, repeats: int) -> None:
    """binary32 add and multiply, rounded once in each mode, against NumPy's float32 operation
    (which only has round-to-nearest-even); the operands are float64 holding binary32 values."""
    from fixpt import floats
    rng = np.random.default_rng(8)
    a32, b32 = (rng.standard_normal(n).astype(np.float32) for _ in range(2))
    a, b = a32.astype(np.float64), b32.astype(np.float64)
    threads = sorted({1, fixpt.get_num_threads()})
    for mode in ("nearest_even", "floor", "odd", "stochastic"):
        for name, fn, native in (("add", floats.add, lambda: a32 + b32),
                                 ("multiply", floats.multiply, lambda: a32 * b32)):
            for count in threads:
                with fixpt.num_threads(count):
                    report(f"binary32 {name} {mode} of {n:,}, {count} thread(s), vs numpy float32",
                           lambda fn=fn, mode=mode: fn(a, b, "binary32", rounding=mode, seed=1), native,
                           repeats, ">= 0.1x (at most 10x the time)")


def bench_cancellation(n: int, repeats: int) -> None:
    rng = np.random.default_rng(5)
    a = rng.uniform(1, 2, n)
    b = a * (1 + rng.uniform(-1e-6, 1e-6, n))
    report(f"cancellation map of {n:,} float64 subtractions, vs bare a - b",
           lambda: fixpt.cancellation(a, b), lambda: a - b, repeats, ">= 0.5x (at most 2x the time)")


def bench_quant(n: int, repeats: int) -> None:
    from fixpt import quant
    rng = np.random.default_rng(6)
    x = rng.normal(scale=2.0, size=n).astype(np.float32)
    p = quant.choose_qparams(-4.0, 4.0, symmetric=True)
    scale = np.float32(p.scale)

    def numpy_quantize():
        return np.clip(np.rint(x / scale), -128, 127).astype(np.int8)

    assert np.array_equal(quant.quantize(x, p), numpy_quantize())
    report(f"quantize {n:,} float32 -> int8 (onnx preset)", lambda: quant.quantize(x, p),
           numpy_quantize, repeats, ">= 3x")
    acc = rng.integers(-2**20, 2**20, n).astype(np.int32)
    m, s = quant.quantize_multiplier(0.0123)

    def numpy_requantize():
        ab = acc.astype(np.int64) * m
        nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
        total = ab + nudge
        high = np.where(total >= 0, total >> 31, -((-total) >> 31))  # divide, truncating
        e = -s
        mask = (1 << e) - 1
        threshold = (mask >> 1) + (high < 0)
        out = (high >> e) + ((high & mask) > threshold)
        return np.clip(out, -128, 127).astype(np.int8)

    assert np.array_equal(quant.requantize(acc, m, s), numpy_requantize())
    report(f"requantize {n:,} int32 -> int8 (gemmlowp preset)", lambda: quant.requantize(acc, m, s),
           numpy_requantize, repeats, ">= 3x")


def bench_deploy(n: int, repeats: int) -> None:
    """An 8-bit integer CNN (conv 3x3 x16, requantizing ReLU, 2x2 max pool, linear) on n 16x16
    images, against the same integer arithmetic written in plain NumPy int64 (which proves
    nothing: fixpt also derives every accumulator width and checks it, and keeps NCHW images)."""
    from fixpt import deploy
    from fixpt.deploy import nemo
    from fixpt.deploy.network import patches
    rng = np.random.default_rng(7)
    net = deploy.Network([deploy.Conv2d(rng.normal(size=(16, 1, 3, 3)), rng.normal(size=16), padding=1),
                          deploy.Act(), deploy.MaxPool(2), deploy.Flatten(),
                          deploy.Linear(rng.normal(scale=0.05, size=(10, 16 * 8 * 8)), rng.normal(size=10))])
    x = rng.integers(0, 256, (n, 1, 16, 16)).astype(np.float64)
    fq = deploy.fake_quantize(net, x[:200], input_eps=1.0)
    integer = deploy.integerize(fq)
    conv, act, _, _, out = fq.layers
    m, d = nemo.requant_parameters(conv.eps_out, act.eps_out, 16)
    q_in = fq.quantize_input(x)

    def numpy_integer():
        windows = patches(q_in, 3, 3, 1, 1)
        acc = windows @ conv.q_weight.T + conv.q_bias                      # (n, 16, 16, 16) int64
        y = np.clip((acc * m) >> d, 0, 255).transpose(0, 3, 1, 2)
        pooled = y.reshape(n, 16, 8, 2, 8, 2).max(axis=(3, 5)).reshape(n, -1)
        return pooled @ out.q_weight.T + out.q_bias

    assert np.array_equal(integer.run_integer(q_in)[0], numpy_integer())
    report(f"integer CNN, {n:,} 16x16 images (8-bit, exact MAC)", lambda: integer.run_integer(q_in),
           numpy_integer, repeats, ">= 0.8x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    n, repeats = (200_000, 3) if args.quick else (10_000_000, 7)
    n_mul = 100_000 if args.quick else 1_000_000
    print(f"numpy {np.__version__}, fixpt {fixpt.__version__}")
    bench_conversion(n, repeats)
    bench_float_formats(n, repeats)
    bench_array_ops(n_mul, n, repeats)
    bench_mac(128 if args.quick else 512, 100_000 if args.quick else 1_000_000, repeats)
    bench_float_arithmetic(n_mul, repeats)
    bench_cancellation(n, repeats)
    bench_quant(n, repeats)
    bench_deploy(200 if args.quick else 2000, 3 if args.quick else 5)


if __name__ == "__main__":
    main()
