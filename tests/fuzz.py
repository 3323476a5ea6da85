"""A differential fuzzer: random cases at the edges of the input space, each computed by fixpt
and by the exact oracles (oracle.py, float_oracle.py: Python ints and Fractions only).

Every case draws formats, modes and inputs from distributions that deliberately favour the
extremes: word lengths 1, 63 and 64, negative IL or FL, binary points up to 63 bits apart,
128-bit accumulators, every rounding and overflow mode, NaN/inf/-0/subnormals, values at and
next to ties and bounds, big integers, decimal strings, fractions, and arrays that are
big-endian, strided, 0-d, empty or of object dtype.  ``run(seed, budget)`` raises
AssertionError with a reproducible description of the first mismatch.

Run it for longer with ``pytest tests/test_fuzz.py --fuzz-minutes 10``.
"""
from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np

import fixpt
from fixpt import FixedFormat, FloatFormat
from float_oracle import round_value
from oracle import cast_value, mac_sum, random_word

ROUNDINGS = [m.name.lower() for m in fixpt.RoundMode]
OVERFLOWS = [m.name.lower() for m in fixpt.OverflowMode]
EDGE_WL = [1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 52, 53, 54, 62, 63, 64]
EDGE_FL = [-70, -64, -63, -1, 0, 1, 52, 53, 63, 64, 70, 140]


def draw_format(rng, max_wl: int = 64) -> FixedFormat:
    wl = int(rng.choice(EDGE_WL)) if rng.random() < 0.6 else int(rng.integers(1, 65))
    wl = min(wl, max_wl)
    fl = int(rng.choice(EDGE_FL)) if rng.random() < 0.4 else int(rng.integers(-20, 80))
    return FixedFormat(wl - fl, fl, bool(rng.random() < 0.6))


def draw_raw(rng, fmt: FixedFormat) -> int:
    kind = rng.integers(5)
    if kind == 0:  # (an index: rng.choice would turn ints beyond int64 into floats)
        edges = [fmt.raw_min, fmt.raw_max, 0, -1 if fmt.signed else 1, fmt.raw_min + 1, fmt.raw_max - 1]
        return max(fmt.raw_min, min(fmt.raw_max, edges[int(rng.integers(len(edges)))]))
    bits = int(rng.integers(0, fmt.wl + 1))
    value = int(rng.integers(0, 1 << min(bits, 62))) << max(0, bits - 62)
    value = min(value, fmt.raw_max)
    return -min(value, -fmt.raw_min) if fmt.signed and rng.random() < 0.5 else value


def raw_array(values, fmt: FixedFormat) -> np.ndarray:
    """Python ints (nested lists too) as an array of fmt's container."""
    return np.array(values, dtype=object).astype(fmt.container)


def _special(rng) -> float:
    return float(rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324,
                             2.2250738585072014e-308, 1.7976931348623157e308]))


def draw_value(rng, fmt: FixedFormat, exact_kinds: bool):
    """A real number near fmt's grid or anywhere: float, or (exact_kinds) int/Fraction/str."""
    kind = rng.integers(9 if exact_kinds else 6)
    step = Fraction(2) ** -fmt.fl
    if kind <= 1:  # on the grid, at a tie, a quarter, or just beside a tie
        k = draw_raw(rng, fmt) + int(rng.integers(-2, 3))
        off = [Fraction(0), Fraction(1, 2), Fraction(1, 4), Fraction(3, 4),
               Fraction(1, 2) - Fraction(1, 2**54), Fraction(1, 2) + Fraction(1, 2**54)][rng.integers(6)]
        v = (k + (off if rng.random() < 0.5 else -off)) * step
    elif kind == 2:  # half a step beyond a bound
        k = [fmt.raw_min, fmt.raw_max, -fmt.raw_max][int(rng.integers(3))]
        v = (k + Fraction(int(rng.integers(-2, 3)), 2)) * step
    elif kind == 3:
        return _special(rng)
    elif kind <= 5:  # any float, any exponent
        return math.ldexp(float(rng.uniform(-2, 2)), int(rng.integers(-1080, 1024)))
    elif kind == 6:
        return int(rng.choice([-1, 1])) * (int(rng.integers(0, 2**62)) << int(rng.integers(0, 80)))
    elif kind == 7:
        return Fraction(int(rng.integers(-10**9, 10**9)), int(rng.integers(1, 10**6)))
    else:
        return str(rng.choice(["0.1", "-0.1", "1e-400", "-2.5e-3", "123456789012345678901234567",
                               "1/3", "-7/8", "nan", "-inf", "-0"]))
    if exact_kinds:
        return v
    try:
        f = float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf
    return f


def _exact(v):
    """The oracle's view of an input: a Fraction, or a float NaN / inf / zero."""
    if isinstance(v, str):
        return fixpt.convert.exact.parse_string(v)
    if isinstance(v, float) and (not math.isfinite(v) or v == 0):
        return v
    return Fraction(v)


def container(rng, values: list):
    """The values in one of the containers people pass: list, float64/object array,
    big-endian, strided, 0-d."""
    floats = all(isinstance(v, float) for v in values)
    kind = rng.integers(6)
    if kind == 0 or not floats:
        return list(values) if rng.random() < 0.5 else np.array(values + [0.0], dtype=object)[:-1]
    arr = np.array(values, dtype=np.float64)
    if kind == 1:
        return arr.astype(">f8")
    if kind == 2:
        wide = np.zeros(2 * len(values))
        wide[::2] = arr
        return wide[::2]
    if kind == 3 and len(values) == 1:
        return arr.reshape(())
    return arr


def _expected_cast(v, fmt, rounding, overflow, word):
    """(raw, overflow flag, error type or None) of the documented cast rules."""
    if isinstance(v, float) and math.isnan(v):
        return 0, 0, None                       # nan="zero" in the calls below
    if isinstance(v, float) and math.isinf(v):
        if overflow == "wrap":
            return None, 0, ValueError
        sign = 1 if v > 0 else -1
        raw, flag = cast_value(Fraction(sign * 2 ** (fmt.wl + 2)) * Fraction(2) ** -fmt.fl, fmt,
                               rounding, overflow, word)
        return raw, flag, OverflowError if overflow == "raise" else None
    raw, flag = cast_value(Fraction(v), fmt, rounding, overflow, word)
    return raw, flag, OverflowError if (flag and overflow == "raise") else None


def check_to_raw(rng) -> str:
    fmt = draw_format(rng)
    rounding, overflow = str(rng.choice(ROUNDINGS)), str(rng.choice(OVERFLOWS))
    exact_kinds = rng.random() < 0.3
    n = int(rng.integers(0, 6))
    values = [draw_value(rng, fmt, exact_kinds) for _ in range(n)]
    seed = int(rng.integers(0, 2**63))
    case = f"to_raw({values!r}, {fmt!r}, rounding={rounding!r}, overflow={overflow!r}, seed={seed})"
    want = [_expected_cast(_exact(v), fmt, rounding, overflow, random_word(seed, 0, i))
            for i, v in enumerate(values)]
    errors = [w[2] for w in want if w[2] is not None]
    try:
        raw, status = fixpt.to_raw(container(rng, values), fmt, rounding=rounding, overflow=overflow,
                                   seed=seed, nan="zero")
    except (OverflowError, ValueError) as error:
        assert errors and isinstance(error, tuple(errors)), f"{case} raised {error!r}"
        return case
    assert not errors, f"{case} did not raise {errors}"
    assert np.ravel(raw).tolist() == [w[0] for w in want], f"{case}: {np.ravel(raw).tolist()}"
    assert status.n_overflow == sum(w[1] != 0 for w in want), case
    return case


def check_recast(rng) -> str:
    src, fmt = draw_format(rng), draw_format(rng)
    rounding, overflow = str(rng.choice(ROUNDINGS)), str(rng.choice(OVERFLOWS))
    raws = [draw_raw(rng, src) for _ in range(int(rng.integers(0, 6)))]
    seed = int(rng.integers(0, 2**63))
    case = f"recast({raws}, {src!r} -> {fmt!r}, {rounding}, {overflow}, seed={seed})"
    arr = raw_array(raws, src)
    if rng.random() < 0.3:
        arr = arr.astype(arr.dtype.newbyteorder(">"))
    want = [cast_value(src.value_of(r), fmt, rounding, overflow, random_word(seed, 0, i))
            for i, r in enumerate(raws)]
    try:
        got, status = fixpt.recast_raw(arr, src, fmt, rounding=rounding, overflow=overflow, seed=seed)
    except OverflowError:
        assert overflow == "raise" and any(w[1] for w in want), case
        return case
    assert got.tolist() == [w[0] for w in want], f"{case}: {got.tolist()}"
    assert status.n_overflow == sum(w[1] != 0 for w in want), case
    return case


def check_elementwise(rng) -> str:
    op = str(rng.choice(["add", "sub", "mul", "div"]))
    fa, fb, out = draw_format(rng), draw_format(rng), draw_format(rng)
    rounding, overflow = str(rng.choice(ROUNDINGS)), str(rng.choice(OVERFLOWS))
    n = int(rng.integers(1, 5))
    ra = [draw_raw(rng, fa) for _ in range(n)]
    rb = [draw_raw(rng, fb) or (1 if fb.raw_max >= 1 else -1) for _ in range(n)]  # no x / 0 here
    seed = int(rng.integers(0, 2**63))
    case = f"{op}({ra} {fa!r}, {rb} {fb!r}, out={out!r}, {rounding}, {overflow}, seed={seed})"
    a = fixpt.from_raw(raw_array(ra, fa), fa)
    b = fixpt.from_raw(raw_array(rb, fb), fb)
    fn = {"add": fixpt.add, "sub": fixpt.subtract, "mul": fixpt.multiply, "div": fixpt.divide}[op]
    if op in ("add", "sub"):
        too_far = abs(fa.fl - fb.fl) > 63
    elif op == "div":
        too_far = abs(out.fl - fa.fl + fb.fl) > 63
    else:
        too_far = False
    want = []
    for i, (x, y) in enumerate(zip(ra, rb)):
        vx, vy = fa.value_of(x), fb.value_of(y)
        exact = {"add": vx + vy, "sub": vx - vy, "mul": vx * vy, "div": vx / vy if vy else 0}[op]
        want.append(cast_value(exact, out, rounding, overflow, random_word(seed, 0, i)))
    try:
        got = fn(a, b, out, rounding=rounding, overflow=overflow, seed=seed)
    except ValueError as error:
        assert too_far and "apart" in str(error), f"{case} raised {error!r}"
        return case
    except OverflowError:
        assert overflow == "raise" and any(w[1] for w in want), case
        return case
    assert not too_far, f"{case} did not refuse the alignment"
    assert got.raw.tolist() == [w[0] for w in want], f"{case}: {got.raw.tolist()}"
    return case


def draw_float_format(rng) -> FloatFormat:
    while True:
        exp_bits = int(rng.integers(2, 12))
        man_bits = int(rng.choice([0, 1, 2, 3, 7, 10, 23, 51, 52])) if rng.random() < 0.5 \
            else int(rng.integers(0, 53))
        inf_nan = str(rng.choice(["ieee", "fn", "fnuz"]))
        default_bias = (1 << (exp_bits - 1)) - 1
        bias = default_bias + int(rng.choice([0, 0, 1, -1, 3]))
        overflow = None if rng.random() < 0.6 else str(rng.choice(["saturate", "nan", "inf"]))
        try:
            return FloatFormat(exp_bits, man_bits, bias=bias, subnormals=bool(rng.random() < 0.85),
                               inf_nan=inf_nan, overflow=overflow)
        except ValueError:
            continue


def check_float_round(rng) -> str:
    fmt = draw_float_format(rng)
    rounding = str(rng.choice(ROUNDINGS))
    exact_kinds = rng.random() < 0.3
    quantum = 1 - fmt.bias - fmt.man_bits  # exponent of the smallest subnormal
    grid = FixedFormat(20 + quantum, -quantum, True)  # near the subnormal grid and just above
    values = []
    for _ in range(int(rng.integers(0, 5))):
        if rng.random() < 0.5:
            v = draw_value(rng, grid, exact_kinds)
        else:  # near a power of two, the largest value, or anywhere
            e = int(rng.integers(-1074, 1024))
            v = math.ldexp(float(rng.choice([1.0, 1.5, 1.9999999999999998])), e)
            v = -v if rng.random() < 0.5 else v
        values.append(v)
    seed = int(rng.integers(0, 2**63))
    case = f"to_bits({values!r}, {fmt!r}, rounding={rounding!r}, seed={seed})"
    bits = fixpt.to_bits(container(rng, values), fmt, rounding=rounding, seed=seed)
    got = fixpt.from_bits(np.ravel(bits), fmt)
    for i, v in enumerate(values):
        want, negative_zero = round_value(_exact(v), fmt, rounding, random_word(seed, 0, i))
        g = float(got[i])
        if isinstance(want, float) and math.isnan(want):
            assert math.isnan(g), f"{case}: element {i} is {g}, not NaN"
        elif isinstance(want, float):
            assert g == want, f"{case}: element {i} is {g}, not {want}"
        else:
            assert Fraction(g) == want, f"{case}: element {i} is {g!r}, not {want}"
            assert (math.copysign(1.0, g) < 0) == negative_zero or want != 0, f"{case}: sign of zero"
    return case


def check_matmul(rng) -> str:
    fa, fb = draw_format(rng), draw_format(rng)
    if fa.container == np.uint64 and fb.container == np.uint64:
        fb = FixedFormat(fb.il, fb.fl, True)
    m, k, n = (int(rng.integers(1, 4)) for _ in range(3))
    acc_wl = int(rng.choice([16, 32, 64, 100, 127, 128])) if rng.random() < 0.7 else int(rng.integers(2, 129))
    prod_fl = fa.fl + fb.fl
    align = int(rng.choice([0, 0, 1, 30, 62, 63]))
    acc = fixpt.AccumulatorFormat(acc_wl - prod_fl - align, prod_fl + align, True)
    acc_overflow = str(rng.choice(["wrap", "saturate", "raise"]))
    out = draw_format(rng)
    rounding, overflow = str(rng.choice(ROUNDINGS[:10])), str(rng.choice(["saturate", "wrap"]))
    a = [[draw_raw(rng, fa) for _ in range(k)] for _ in range(m)]
    b = [[draw_raw(rng, fb) for _ in range(n)] for _ in range(k)]
    case = (f"matmul({a} {fa!r}, {b} {fb!r}, acc={acc!r} {acc_overflow}, out={out!r}, "
            f"{rounding}, {overflow})")
    widest = max(abs(x) * abs(y) for x in (fa.raw_min, fa.raw_max) for y in (fb.raw_min, fb.raw_max))
    refuse = widest.bit_length() + align > 127
    want, overflowed = [], 0
    for i in range(m):
        for j in range(n):
            s, over = mac_sum(a[i], [b[t][j] for t in range(k)], fa, fb, acc, acc_overflow)
            overflowed += over
            want.append(cast_value(Fraction(s) * Fraction(2) ** -acc.fl, out, rounding, overflow)[0])
    A = fixpt.from_raw(raw_array(a, fa), fa)
    B = fixpt.from_raw(raw_array(b, fb), fb)
    try:
        got = fixpt.matmul(A, B, acc_format=acc, acc_overflow=acc_overflow, out_format=out,
                           rounding=rounding, overflow=overflow)
    except ValueError as error:
        assert refuse and "too far to align" in str(error), f"{case} raised {error!r}"
        return case
    except OverflowError:
        assert acc_overflow == "raise" and overflowed, case
        return case
    assert not refuse, f"{case} did not refuse"
    assert not (acc_overflow == "raise" and overflowed), f"{case} did not raise"
    assert got.raw.ravel().tolist() == want, f"{case}: {got.raw.ravel().tolist()}"
    return case


CHECKS = [check_to_raw, check_recast, check_elementwise, check_float_round, check_matmul]


def run(seed: int, cases: int = 0, seconds: float = 0.0) -> int:
    """Run ``cases`` cases (or until ``seconds`` pass) from ``seed``; returns the count."""
    rng = np.random.default_rng(seed)
    deadline = time.monotonic() + seconds
    done = 0
    while (done < cases) if cases else (time.monotonic() < deadline):
        CHECKS[done % len(CHECKS)](rng)
        done += 1
    return done
