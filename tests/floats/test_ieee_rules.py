"""IEEE 754-2019 rules of float arithmetic, case by case: signed zeros, infinities, NaN and
invalid operations, overflow per mode, the five flags and tininess, formats without inf or
NaN, and the double-rounding cases that computing in float64 first gets wrong."""
import math

import numpy as np
import pytest

import fixpt
from fixpt import floats

NAN_BITS_SIGNALING = np.array([0x7FF0000000000001], dtype=np.uint64).view(np.float64)[0]


def bits(x):
    return np.float64(x).view(np.uint64)


# ---- double rounding: float64 first, then the format, is wrong; these round once ----

@pytest.mark.parametrize("mode, want", [("ceil", 1 + 2.0**-23), ("floor", 1.0), ("nearest_even", 1.0),
                                        ("away_from_zero", 1 + 2.0**-23), ("odd", 1 + 2.0**-23)])
def test_binary32_add_rounds_the_exact_sum_once(mode, want):
    # 1 + 2**-60 is 1.0 in float64; the exact sum lies above 1, so ceil must go up
    assert floats.add(1.0, 2.0**-60, "binary32", rounding=mode) == want
    assert floats.subtract(1.0, -(2.0**-60), "binary32", rounding=mode) == want


def test_binary32_subtract_below_one_in_floor():
    assert floats.add(1.0, -(2.0**-60), "binary32", rounding="floor") == 1 - 2.0**-24
    assert floats.add(1.0, -(2.0**-60), "binary32", rounding="toward_zero") == 1 - 2.0**-24
    assert floats.add(1.0, -(2.0**-60), "binary32", rounding="ceil") == 1.0


def test_binary64_directed_modes_are_rounded():
    assert floats.add(1.0, 2.0**-60, "binary64", rounding="ceil") == 1 + 2.0**-52
    assert floats.multiply(1 + 2.0**-52, 1 + 2.0**-52, "binary64", rounding="floor") == 1 + 2.0**-51
    assert floats.multiply(1 + 2.0**-52, 1 + 2.0**-52, "binary64", rounding="ceil") == 1 + 3 * 2.0**-52
    assert floats.divide(1.0, 3.0, "binary64", rounding="ceil") == np.nextafter(1 / 3, 1)
    assert floats.divide(1.0, 3.0, "binary64", rounding="floor") == 1 / 3
    # math.sqrt(2) rounds up (sqrt(2) = 1.41421356237309504...), so floor is the one below
    assert floats.sqrt(2.0, "binary64", rounding="ceil") == math.sqrt(2)
    assert floats.sqrt(2.0, "binary64", rounding="floor") == np.nextafter(math.sqrt(2), 0)


@pytest.mark.parametrize("mode, want", [("floor", np.finfo(np.float64).max), ("toward_zero", np.finfo(np.float64).max),
                                        ("odd", np.finfo(np.float64).max), ("ceil", math.inf),
                                        ("nearest_even", math.inf)])
def test_binary64_overflow_per_mode(mode, want):
    big = np.finfo(np.float64).max
    got, status = floats.add(big, big, "binary64", rounding=mode, return_status=True)
    assert got == want and status.n_overflow == 1 and status.n_inexact == 1
    assert floats.multiply(-big, 2.0, "binary64", rounding=mode) == (
        -want if mode != "floor" and mode != "ceil" else {"floor": -math.inf, "ceil": -big}[mode])


# ---- signed zeros ----

@pytest.mark.parametrize("mode", ["nearest_even", "ceil", "toward_zero", "odd", "stochastic"])
def test_exact_zero_sum_is_positive_except_in_floor(mode):
    got = floats.add([1.5, 0.0, -0.0], [-1.5, -0.0, -0.0], "binary16", rounding=mode, seed=1)
    assert np.signbit(got).tolist() == [False, False, True]
    got = floats.add([1.5, 0.0, -0.0], [-1.5, -0.0, -0.0], "binary16", rounding="floor")
    assert np.signbit(got).tolist() == [True, True, True]
    assert not np.signbit(floats.subtract(2.0, 2.0, "binary32", rounding=mode, seed=1))
    assert np.signbit(floats.subtract(2.0, 2.0, "binary32", rounding="floor"))


def test_zeros_of_products_quotients_roots_and_fma():
    assert np.signbit(floats.multiply(-0.0, 3.0, "binary32"))
    assert np.signbit(floats.divide(0.0, -3.0, "binary32"))
    assert np.signbit(floats.divide(3.0, -math.inf, "binary32"))
    assert np.signbit(floats.sqrt(-0.0, "binary32"))
    assert not np.signbit(floats.fma(-0.0, 1.0, 0.0, "binary32"))
    assert np.signbit(floats.fma(-0.0, 1.0, 0.0, "binary32", rounding="floor"))
    assert np.signbit(floats.fma(-0.0, 1.0, -0.0, "binary32"))
    # an underflow to zero keeps the sign
    assert np.signbit(floats.multiply(-(2.0**-100), 2.0**-100, "binary32"))
    # fnuz has no -0
    assert not np.signbit(floats.subtract(1.0, 1.0, "e4m3fnuz", rounding="floor"))


# ---- infinities, NaN, invalid operations ----

def test_invalid_operations_and_divide_by_zero():
    inf = math.inf
    cases = [(floats.add, (inf, -inf)), (floats.subtract, (inf, inf)), (floats.multiply, (0.0, inf)),
             (floats.divide, (0.0, 0.0)), (floats.divide, (inf, -inf)), (floats.sqrt, (-1.0,)),
             (floats.sqrt, (-inf,)), (floats.fma, (0.0, inf, 1.0)), (floats.fma, (inf, 1.0, -inf)),
             (floats.fma, (inf, 0.0, math.nan))]
    for fn, args in cases:
        got, status = fn(*args, "binary32", return_status=True)
        assert math.isnan(got) and status.n_invalid == 1 and status.invalid.all(), (fn, args)
    got, status = floats.divide([1.0, -1.0, 1.0], [0.0, 0.0, -0.0], "binary32", return_status=True)
    assert got.tolist() == [inf, -inf, -inf] and status.n_divide_by_zero == 3
    assert status.n_inexact == 0 and status.n_overflow == 0
    assert floats.add(inf, 2.0**100, "binary32") == inf and floats.divide(1.0, inf, "binary32") == 0.0
    assert floats.sqrt(inf, "binary32") == inf


def test_nan_operands_propagate_and_only_signaling_ones_are_invalid():
    got, status = floats.add([math.nan, 1.0], [1.0, -math.nan], "binary32", return_status=True)
    assert np.isnan(got).all() and status.n_invalid == 0 and status.n_nan == 2
    got, status = floats.multiply(NAN_BITS_SIGNALING, 2.0, "binary16", return_status=True)
    assert math.isnan(got) and status.n_invalid == 1
    # the result is quiet, and keeps the first NaN's sign
    assert bits(floats.add(-math.nan, 1.0, "binary64")) == bits(-math.nan)
    quiet = bits(floats.add(NAN_BITS_SIGNALING, 1.0, "binary64"))
    assert quiet & np.uint64(1 << 51)


# ---- flags ----

def test_tininess_after_and_before_rounding():
    a, b = 1 + 2.0**-23, 2.0**-126 - 2.0**-149  # the product is 2**-126 - 2**-172
    got, after = floats.multiply(a, b, "binary32", return_status=True)
    _, before = floats.multiply(a, b, "binary32", tininess="before", return_status=True)
    assert got == 2.0**-126
    assert (after.n_inexact, after.n_underflow) == (1, 0)
    assert (before.n_inexact, before.n_underflow) == (1, 1)
    # conversions report the same flags
    x = 2.0**-126 - 2.0**-172
    _, after = fixpt.to_bits(x, "binary32", return_status=True)
    _, before = fixpt.to_bits(x, "binary32", tininess="before", return_status=True)
    assert (after.n_underflow, before.n_underflow) == (0, 1)
    with pytest.raises(ValueError, match="tininess='early'"):
        floats.add(1.0, 1.0, "binary32", tininess="early")


def test_exact_subnormal_results_do_not_underflow():
    got, status = floats.subtract(2.0**-126, 2.0**-127, "binary32", return_status=True)
    assert got == 2.0**-127 and status.n_underflow == 0 and status.n_inexact == 0
    _, status = floats.multiply(2.0**-100, 2.0**-40, "binary32", return_status=True)
    assert status.n_underflow == 0  # 2**-140 is a subnormal of binary32: exact
    _, status = floats.multiply(1 + 2.0**-23, 2.0**-140, "binary32", return_status=True)
    assert status.n_underflow == 1 and status.underflow.tolist() is True


def test_overflow_is_also_inexact_and_masks_have_the_result_shape():
    got, status = floats.multiply([[60000.0], [2.0]], [[2.0, 0.5]], "binary16", return_status=True)
    assert got.shape == (2, 2) and status.overflow.shape == (2, 2)
    assert status.overflow.tolist() == [[True, False], [False, False]]
    assert status.inexact.tolist() == [[True, False], [False, False]]
    assert status.n_overflow_pos == 1 and status.first_overflow == (0, 0)


# ---- formats without inf or NaN ----

def test_formats_without_inf():
    # e4m3fn: overflow and x / 0 give NaN (its policy); saturating formats give max
    got, status = floats.multiply([448.0, 256.0], [2.0, 2.0], "e4m3fn", return_status=True)
    assert np.isnan(got).all() and status.n_overflow == 2
    got, status = floats.divide(1.0, 0.0, "e4m3fn", return_status=True)
    assert math.isnan(got) and status.n_divide_by_zero == 1
    assert floats.multiply(448.0, 2.0, "e4m3fn", rounding="toward_zero") == 448.0
    sat = fixpt.FloatFormat(4, 3, inf_nan="fn", overflow="saturate")
    assert floats.multiply(448.0, 2.0, sat) == 448.0
    assert floats.divide(-1.0, 0.0, sat) == -448.0


def test_formats_without_nan_raise_for_invalid_operations():
    assert floats.multiply(6.0, 6.0, "float4_e2m1fn") == 6.0  # saturates
    assert floats.divide(1.0, 0.0, "float4_e2m1fn") == 6.0
    with pytest.raises(ValueError, match="no NaN"):
        floats.divide(0.0, 0.0, "float4_e2m1fn")
    with pytest.raises(ValueError, match="no NaN"):
        fixpt.to_bits([1.0, math.nan], "float6_e3m2fn")
    with pytest.raises(ValueError, match="not a value of e2m3fn"):
        floats.add(math.inf, 1.0, "float6_e2m3fn")


def test_e8m0_has_no_zero_and_no_negative_values():
    got, status = floats.multiply([2.0**-127, 2.0**100, 4.0], [0.5, 2.0**30, 0.25], "e8m0fnu",
                                  return_status=True)
    assert got[0] == 2.0**-127 and math.isnan(got[1]) and got[2] == 1.0  # no zero; overflow is NaN
    assert status.underflow.tolist() == [True, False, False]
    got, status = floats.subtract([1.0, 2.0], [1.0, 4.0], "e8m0fnu", return_status=True)
    assert np.isnan(got).all() and status.n_invalid == 2  # 0 and -2 have no encoding


# ---- arguments ----

def test_operands_must_be_values_of_the_format():
    with pytest.raises(ValueError, match=r"y\[1\] = 0.1 is not a value of binary16"):
        floats.add([1.0, 2.0], [0.5, 0.1], "binary16")
    with pytest.raises(ValueError, match="values = 1e-50 is not a value of binary32"):
        floats.convert(1e-50, "binary32", "binary16")
    with pytest.raises(ValueError, match="rounding"):
        floats.add(1.0, 1.0, "binary16", rounding="nearest")
    with pytest.raises(ValueError, match="'a' is not a decimal number"):
        floats.add(["a"], [1.0], "binary16")
    with pytest.raises(ValueError, match="broadcast"):
        floats.add([1.0, 2.0], [1.0, 2.0, 3.0], "binary16")


def test_shapes_broadcast_like_numpy():
    assert floats.add(np.ones((3, 1)), np.ones(4), "binary16").shape == (3, 4)
    scalar = floats.add(1.0, 2.0, "binary16")
    assert isinstance(scalar, np.float64) and scalar == 3.0
    assert floats.multiply(np.empty((0, 2)), 1.0, "binary16").shape == (0, 2)
    strided = np.arange(10.0)[::3]
    big_endian = np.arange(4.0).astype(">f8")
    assert floats.add(strided, big_endian, "binary32").tolist() == [0.0, 4.0, 8.0, 12.0]


def test_stochastic_rounding_is_reproducible_and_unbiased():
    x = np.full(200_000, 1.0)
    tiny = 2.0**-25  # a quarter of an ulp of 1.0 in binary32
    one = floats.add(x, tiny, "binary32", rounding="stochastic", seed=4)
    two = floats.add(x, tiny, "binary32", rounding="stochastic", seed=4)
    assert np.array_equal(one, two)
    assert not np.array_equal(one, floats.add(x, tiny, "binary32", rounding="stochastic", seed=5))
    up = np.mean(one > 1.0)
    assert abs(up - 0.25) < 0.01  # P(up) is exactly the distance, 1/4
    equal = floats.add(x, tiny, "binary32", rounding="stochastic_equal", seed=4)
    assert abs(np.mean(equal > 1.0) - 0.5) < 0.01


def test_convert_between_formats():
    values, status = floats.convert([1.0009765625, 65504.0, -65504.0], "binary16", "e5m2",
                                    return_status=True)
    assert values.tolist() == [1.0, math.inf, -math.inf] and status.n_overflow == 2
    assert floats.convert([65504.0, math.inf], "binary16", "e5m2", saturate=True).tolist() == [57344.0, 57344.0]
    assert floats.convert(300.0, "binary16", "e4m3fn", saturate=False).item() != 448.0
    assert floats.convert(300.0, "binary16", "e4m3fn", rounding="floor").item() == 288.0
