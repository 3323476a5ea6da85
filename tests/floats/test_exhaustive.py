"""Float arithmetic on every pair of operands of the formats of at most 8 bits, in every
deterministic rounding mode (and the stochastic ones with their random words), results and
all five IEEE flags, against the exact oracle (float_arith_oracle.py).

Every format of at most 6 bits runs in full.  The 8-bit formats run every pair in three
modes that exercise ties, directed rounding with signed zeros, and jamming; ``pytest
--exhaustive`` (a CI step of its own) runs them in every mode.
"""
import math

import numpy as np
import pytest

import fixpt
from fixpt import FloatFormat, floats
from float_arith_oracle import operate, same_result
from oracle import random_word
from strategies import ROUNDINGS

DETERMINISTIC = [m for m in ROUNDINGS if not m.startswith("stochastic")]
SMALL = [fixpt.e2m1fn, fixpt.e2m3fn, fixpt.e3m2fn,
         FloatFormat(3, 2), FloatFormat(2, 2, subnormals=False), FloatFormat(3, 1, inf_nan="fn"),
         FloatFormat(3, 2, bias=4, inf_nan="fnuz"), FloatFormat(3, 2, overflow="saturate"),
         FloatFormat(4, 1, inf_nan="fn", overflow="saturate"),
         FloatFormat(5, 0, bias=15, inf_nan="fn", subnormals=False, signed=False, has_zero=False)]
EIGHT_BIT = [fixpt.e4m3fn, fixpt.e5m2, fixpt.e4m3fnuz, fixpt.e5m2fnuz, fixpt.e4m3, fixpt.e3m4,
             fixpt.e4m3b11fnuz, fixpt.e8m0fnu]
DEFAULT_8BIT_MODES = ["nearest_even", "floor", "odd"]
FUNCTIONS = {"add": floats.add, "sub": floats.subtract, "mul": floats.multiply, "div": floats.divide}


def operand_values(fmt):
    """Every value of fmt once (both zeros, infinities, one NaN), decoded by the oracle's rule:
    an encoding's value is its fields' value (checked against from_bits elsewhere)."""
    values = np.unique(fixpt.from_bits(np.arange(1 << fmt.width, dtype=np.uint64), fmt))
    values = values[~np.isnan(values)]
    if not fmt.subnormals:  # subnormal encodings decode, but no rounding produces them
        values = values[(values == 0) | (np.abs(values) >= fmt.min_normal)]
    if fmt.has_zero and fmt.signed and fmt.inf_nan != "fnuz":
        values = np.concatenate([values, [-0.0]])
    return np.concatenate([values, [math.nan]]) if fmt.has_nan else values


def check_pairs(fmt, op, mode, seed=11):
    values = operand_values(fmt)
    a, b = (m.ravel() for m in np.meshgrid(values, values, indexing="ij"))
    if op == "div" and not fmt.has_nan:  # 0 / 0 has no result there: it raises (tested below)
        keep = ~((a == 0) & (b == 0))
        a, b = a[keep], b[keep]
    got, status = FUNCTIONS[op](a, b, fmt, rounding=mode, seed=seed, return_status=True)
    bad = []
    for i in range(a.size):
        word = random_word(seed, 0, i) if mode.startswith("stochastic") else 0
        want, flags = operate(op, [float(a[i]), float(b[i])], fmt, mode, word)
        if not same_result(got[i], want) or int(status.flags[i]) != flags:
            bad.append((float(a[i]), float(b[i]), float(got[i]), want, int(status.flags[i]), flags))
    assert not bad, f"{len(bad)} of {a.size} wrong in {fmt!r} {op} {mode}, first: {bad[:3]}"
    # the counts are the flags summed
    assert status.n_inexact == int(status.inexact.sum())
    assert status.n_underflow == int(status.underflow.sum())
    assert status.n_overflow == int(status.overflow.sum())
    assert status.n_invalid == int(status.invalid.sum())
    assert status.n_divide_by_zero == int(status.divide_by_zero.sum())


@pytest.mark.parametrize("op", list(FUNCTIONS))
@pytest.mark.parametrize("fmt", SMALL, ids=repr)
def test_every_pair_of_small_formats_in_every_mode(fmt, op):
    for mode in ROUNDINGS:
        check_pairs(fmt, op, mode)


@pytest.mark.parametrize("mode", ROUNDINGS)
@pytest.mark.parametrize("op", list(FUNCTIONS))
@pytest.mark.parametrize("fmt", EIGHT_BIT, ids=repr)
def test_every_pair_of_8bit_formats(fmt, op, mode, request):
    exhaustive = request.config.getoption("--exhaustive")
    if not exhaustive and (mode not in DEFAULT_8BIT_MODES or fmt not in EIGHT_BIT[:2]):
        pytest.skip("run with --exhaustive (a CI step of its own)")
    check_pairs(fmt, op, mode)


@pytest.mark.parametrize("fmt", SMALL + EIGHT_BIT, ids=repr)
def test_sqrt_of_every_value_in_every_mode(fmt):
    values = operand_values(fmt)
    for mode in ROUNDINGS:
        if not fmt.has_nan:
            values = values[values >= 0]  # sqrt(-x) needs a NaN
        got, status = floats.sqrt(values, fmt, rounding=mode, seed=3, return_status=True)
        for i, x in enumerate(values):
            word = random_word(3, 0, i) if mode.startswith("stochastic") else 0
            want, flags = operate("sqrt", [float(x)], fmt, mode, word)
            assert same_result(got[i], want) and int(status.flags[i]) == flags, \
                (fmt, mode, x, got[i], want, int(status.flags[i]), flags)


@pytest.mark.parametrize("fmt", [fixpt.e2m1fn, fixpt.e2m3fn, FloatFormat(3, 2), fixpt.e4m3fn],
                         ids=repr)
def test_fma_of_many_triples(fmt):
    values = operand_values(fmt)
    rng = np.random.default_rng(4)
    x, y, z = (rng.choice(values, 3000) for _ in range(3))
    if not fmt.has_nan:
        keep = ~(((x == 0) | (y == 0)) & (np.isinf(x) | np.isinf(y)))
        x, y, z = x[keep], y[keep], z[keep]
    for mode in ROUNDINGS:
        got, status = floats.fma(x, y, z, fmt, rounding=mode, seed=8, return_status=True)
        for i in range(x.size):
            word = random_word(8, 0, i) if mode.startswith("stochastic") else 0
            want, flags = operate("fma", [float(x[i]), float(y[i]), float(z[i])], fmt, mode, word)
            assert same_result(got[i], want) and int(status.flags[i]) == flags, \
                (fmt, mode, x[i], y[i], z[i], got[i], want, int(status.flags[i]), flags)
