"""Simulated: a thin layer over fixpt.floats, rounding once per operation in every mode, with
NumPy-like array behaviour and a symmetric mixed-format rule."""
import math

import numpy as np
import pytest

import fixpt
from fixpt import Simulated, SignificantDigits, floats
from float_arith_oracle import operate, same_result


def test_directed_modes_round_the_exact_result_once():
    # float64 first gives 1 + 2**-60 == 1.0, and ceil of that is 1.0: wrong
    assert (Simulated(1.0, "binary32", rounding="ceil") + 2.0**-60).tolist() == 1 + 2.0**-23
    assert (Simulated(1.0, "binary32", rounding="floor") - 2.0**-60).tolist() == 1 - 2.0**-24
    big = np.finfo(np.float64).max
    assert (Simulated(big, "binary64", rounding="floor") * 2).tolist() == big
    assert (Simulated(big, "binary64", rounding="toward_zero") + big).tolist() == big
    zero = Simulated(3.0, "binary32", rounding="floor") - 3.0
    assert zero.tolist() == 0.0 and math.copysign(1, zero.tolist()) == -1


@pytest.mark.parametrize("mode", ["nearest_even", "floor", "ceil", "toward_zero", "odd", "nearest_away"])
def test_each_step_matches_the_oracle(mode):
    rng = np.random.default_rng(2)
    values = fixpt.round_to_format(rng.standard_normal((3, 50)) * 2.0 ** rng.integers(-30, 30, (3, 50)),
                                   "binary32")
    a, b, c = (Simulated(v, "binary32", rounding=mode) for v in values)
    result = (a * b - c) / (a + 7)
    for i in range(50):
        x, y, z = (float(v[i]) for v in values)
        prod, _ = operate("mul", [x, y], fixpt.binary32, mode)
        diff, _ = operate("sub", [prod, z], fixpt.binary32, mode)
        den, _ = operate("add", [x, 7.0], fixpt.binary32, mode)
        want, _ = operate("div", [diff, den], fixpt.binary32, mode)
        assert same_result(result.values[i], want), (i, mode)


def test_shapes_indexing_and_numpy_operands():
    x = Simulated([[1.0, 2.0], [3.0, 4.0]], "bfloat16")
    third = x / 3
    assert third.shape == (2, 2) and third.ndim == 2 and third.size == 4 and len(third) == 2
    assert third[1, 0].tolist() == 1.0 and third[:, 1].shape == (2,)
    assert isinstance(np.array([1.0, 2.0]) + x, Simulated)
    assert (np.array([1.0, 2.0]) + x).shape == (2, 2)
    x[0, 0] = 0.1  # assigned values are rounded into the format
    assert x.values[0, 0] == fixpt.round_to_format(0.1, "bfloat16")
    assert np.asarray(x).dtype == np.float64 and np.asarray(x).shape == (2, 2)
    assert Simulated(1.0, "binary16").shape == ()


def test_comparisons_abs_negation_and_powers():
    x = Simulated([-1.5, 0.0, 2.0], "binary16")
    assert (x < 0).tolist() == [True, False, False] and (x == [-1.5, 0, 2]).all()
    assert abs(x).tolist() == [1.5, 0.0, 2.0] and (-x).tolist() == [1.5, -0.0, -2.0]
    assert (-Simulated(0.0, "e4m3fnuz")).tolist() == 0.0 and not np.signbit((-Simulated(0.0, "e4m3fnuz")).values)
    y = Simulated(1 + 2.0**-10, "binary16", rounding="ceil")
    assert (y**3).tolist() == ((y * y) * y).tolist()
    assert (y**-2).tolist() == (1 / (y * y)).tolist() and (y**0).tolist() == 1.0
    with pytest.raises(TypeError, match="integer powers"):
        y**0.5


def test_mixed_formats_need_an_explicit_conversion():
    a, b = Simulated(1.0, "binary16"), Simulated(1.0, "bfloat16")
    with pytest.raises(ValueError, match=r"convert one first, e.g. b.astype\(binary16\)"):
        a + b
    with pytest.raises(ValueError, match="floor"):
        a + Simulated(1.0, "binary16", rounding="floor")
    assert (a + b.astype("binary16")).tolist() == 2.0
    c = Simulated(0.1, "binary16")
    assert (c + 3).tolist() == (3 + c).tolist() and (c * 0.3).tolist() == (0.3 * c).tolist()


def test_sums_in_both_documented_orders():
    rng = np.random.default_rng(5)
    values = fixpt.round_to_format(rng.uniform(0, 1, (7, 3)), "binary16")
    x = Simulated(values, "binary16", rounding="nearest_even")
    sequential = x.sum(axis=0, order="sequential")
    want = values[0]
    for row in values[1:]:
        want = floats.add(want, row, "binary16")
    assert np.array_equal(sequential.values, want)
    pairwise = x.sum(axis=0, order="pairwise")
    level = list(values)
    while len(level) > 1:
        nxt = [floats.add(level[i], level[i + 1], "binary16") for i in range(0, len(level) - 1, 2)]
        level = nxt + ([level[-1]] if len(level) % 2 else [])
    assert np.array_equal(pairwise.values, level[0])
    assert x.sum().shape == () and x.sum(axis=1).shape == (7,)
    with pytest.raises(ValueError, match="order='kahan'"):
        x.sum(order="kahan")
    with pytest.raises(np.exceptions.AxisError):
        x.sum(axis=2)


def test_sqrt_fma_bits_and_flags():
    a = Simulated(1 + 2.0**-9, "binary16")
    assert a.fma(a, -1.0).tolist() == 2.0**-8 + 2.0**-18
    assert Simulated(2.0, "binary16", rounding="floor").sqrt().tolist() == 1.4140625
    assert Simulated([1.0, -2.0], "binary16").to_bits().tolist() == [0x3C00, 0xC000]
    r = Simulated([60000.0, 1.0], "binary16") * 2
    assert r.status.overflow.tolist() == [True, False] and r.status.n_inexact == 1
    with pytest.raises(TypeError, match="no binary encodings"):
        Simulated(1.0, SignificantDigits(3)).to_bits()


def test_decimal_formats_keep_their_arithmetic():
    d8 = SignificantDigits(8)
    a, b, c = (Simulated(v, d8) for v in (11111113, -11111111, 7.5111111))
    assert ((a + b) + c).strings() == "9.5111111" and (a + (b + c)).strings() == "10.000000"
    assert Simulated([2.0], SignificantDigits(3)).sqrt().strings() == ["1.41"]


def test_stochastic_simulation_is_reproducible():
    one = Simulated([0.1] * 100, "bfloat16", rounding="stochastic", seed=3) * 3
    two = Simulated([0.1] * 100, "bfloat16", rounding="stochastic", seed=3) * 3
    assert one.tolist() == two.tolist() and len(set(one.tolist())) == 2
