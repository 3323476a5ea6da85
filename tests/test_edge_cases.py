"""Regression tests for wrong answers found at the edges of the input space.

Each test failed before its fix. The expected values come from Python ints and Fractions.
"""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import fixpt
from fixpt import _binding, quant
from oracle import cast_value, random_word
from strategies import ROUNDINGS


def test_fast_path_tie_detection_is_exact_just_above_minus_half():
    # F1: y - floor(y) rounded 1/2 + 2**-54 to a tie, so nearest_down/away gave -1
    x = float.fromhex("-0x1.fffffffffffffp-14")  # -(1/2 - 2**-54) * 2**-12
    for mode in ("nearest_down", "nearest_away", "nearest_even", "nearest_up", "nearest_zero"):
        alone = fixpt.to_raw([x], "Q4.12", rounding=mode)[0]
        beside_a_huge_value = fixpt.to_raw([x, 1e300], "Q4.12", rounding=mode)[0][:1]
        want = cast_value(Fraction(x), fixpt.Q(4, 12), mode, "saturate")[0]
        assert alone.tolist() == beside_a_huge_value.tolist() == [want] == [0]


def test_uq64_products_and_differences_do_not_overflow_128_bits():
    big = fixpt.from_raw(np.array([2**64 - 1], np.uint64), fixpt.UQ(64, 0))
    # W1: (2**64 - 1)**2 saturates to the maximum, not to 0
    assert fixpt.multiply(big, big, fixpt.UQ(64, 0)).raw.tolist() == [2**64 - 1]
    product = fixpt.multiply(big, big, fixpt.UQ(128, -64), rounding="floor")
    assert product.raw.tolist() == [((2**64 - 1) ** 2) >> 64]
    # W2: alignment of 63 bits, UQ64 - (-1) = 2**64: a positive overflow saturates to the maximum
    minus_one = fixpt.from_raw(np.array([-2**63], np.int64), fixpt.Q(1, 63))
    assert fixpt.subtract(big, minus_one, fixpt.UQ(64, 0)).raw.tolist() == [2**64 - 1]
    assert fixpt.subtract(big, minus_one, fixpt.Q(64, 0)).raw.tolist() == [2**63 - 1]
    assert fixpt.add(big, minus_one, fixpt.UQ(64, 0)).raw.tolist() == [2**64 - 2]


def test_fir_with_accumulator_63_bits_finer_than_products():
    # W3: (int64_t)1 << 63 flipped the sign of every output
    x, h = fixpt.array([1.0, 2.0, 3.0], "Q8.0"), fixpt.array([1.0], "Q8.0")
    acc = fixpt.AccumulatorFormat(65, 63)
    assert fixpt.convolve(x, h, acc_format=acc, out_format="Q16.0").tolist() == [1.0, 2.0, 3.0]


def test_matmul_blas_path_with_a_wide_alignment():
    # W4: int64 sums shifted left by the alignment overflowed
    a, b = fixpt.array([[100.0, -3.0]], "Q8.0"), fixpt.array([[100.0], [7.0]], "Q8.0")
    acc = fixpt.AccumulatorFormat(66, 60)
    got = fixpt.matmul(a, b, acc_format=acc, out_format="Q16.0", return_status=True)
    assert got[0].tolist() == [[9979.0]]
    assert got[1].max_acc_bits == (9979).bit_length() + 60


@pytest.mark.parametrize("dtype", [">i2", ">i4", ">i8", ">u4", "<i4"])
def test_non_native_byte_order_is_read_correctly(dtype):
    # W5: big-endian arrays were read with their bytes swapped
    raw = np.array([1, 2, 100], dtype=dtype)
    src = fixpt.FixedFormat(8 * raw.dtype.itemsize, 0, raw.dtype.kind == "i")
    assert fixpt.recast_raw(raw, src, src)[0].tolist() == [1, 2, 100]
    floats = np.array([0.5, -1.25], dtype=">f8")
    assert fixpt.to_raw(floats, "Q4.4")[0].tolist() == [8, -20]
    assert fixpt.to_bits(np.array([1.0], ">f4"), "binary16").tolist() == [0x3C00]
    strided = np.arange(10.0)[::3]
    assert fixpt.to_raw(strided, "Q8.0")[0].tolist() == [0, 3, 6, 9]


def test_nan_into_quantize_raises_unless_asked():
    # W6: NaN became qmin or qmax depending on the zero point's sign (an undefined cast)
    for zp in (-5, 0, 7):
        p = quant.QParams(0.1, zp)
        with pytest.raises(ValueError, match=r"1 NaN element\(s\), first at index \(1,\)"):
            quant.quantize(np.array([0.5, np.nan], np.float32), p)
        assert quant.quantize(np.array([0.5, np.nan], np.float32), p, nan="zero").tolist() == [5 + zp, zp]
    with pytest.raises(ValueError, match="NaN"):
        quant.quantize([np.nan], "Q1.7")


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(multiplier=2**31 + 5, shift=0), ValueError, r"multiplier=2147483653 is outside the allowed range 0\.\.2147483647"),
    (dict(multiplier=-3, shift=0), ValueError, "multiplier=-3"),
    (dict(multiplier=np.float32(np.nan), shift=0, preset="float"), ValueError, "finite and >= 0"),
    (dict(multiplier=1e40, shift=0, preset="onnx"), ValueError, "finite and >= 0 as a float32"),
    (dict(multiplier=2**30, shift=0, zero_point=2**33), ValueError, r"zero_point=8589934592 is outside"),
    (dict(multiplier=2**30, shift=0, zero_point=200), ValueError, r"zero_point=200 is outside the allowed range -128\.\.127"),
    (dict(multiplier=2**30, shift=40), ValueError, r"shift=40 is outside the allowed range -31\.\.30"),
    (dict(multiplier=2**30, shift=63, preset="nemo"), ValueError, r"shift=63 is outside the allowed range 0\.\.62"),
])
def test_requantize_refuses_parameters_it_cannot_represent(kwargs, error, words):
    # W7-W9: such parameters were wrapped into int32/float32 silently
    with pytest.raises(error, match=words):
        quant.requantize(np.array([100]), **kwargs)


def test_requantize_refuses_accumulators_beyond_its_registers():
    with pytest.raises(OverflowError, match="does not fit int64"):
        quant.requantize(np.array([2**63 + 5], np.uint64), 2**30, 0)
    with pytest.raises(OverflowError, match="outside int32"):
        quant.requantize(np.array([2**40]), 2**30, 0, preset="gemmlowp")
    # nemo and the float presets take int64 accumulators
    assert quant.requantize(np.array([2**40]), 1, 40, preset="nemo").tolist() == [1]


def test_nemo_requantize_is_exact_beyond_int64():
    # W10: (acc * M) >> shift kept only its low 64 bits
    acc = np.array([2**62, -2**62, 2**62 - 1])
    got = quant.requantize(acc, 2**30, 0, bits=32, preset="nemo", return_clamped=True)
    assert got[0].tolist() == [2**31 - 1, -2**31, 2**31 - 1] and got[1] == 3
    exact = quant.requantize(acc, 3, 62, bits=32, preset="nemo")
    assert exact.tolist() == [(a * 3) >> 62 for a in acc.tolist()]


def test_integers_stay_exact_in_mixed_inputs():
    # W11: object arrays and lists mixing ints and floats went through float64
    assert fixpt.to_raw(np.array([2**60 + 1, 0.5], dtype=object), "Q62.2")[0].tolist() == [
        (2**60 + 1) * 4, 2]
    assert fixpt.to_raw([2**60 + 1, 0.5], "Q63.1")[0].tolist() == [(2**60 + 1) * 2, 1]
    # [2**63 + 2, -1] needs 65 bits: saturated and counted, never rounded through float64
    raw, status = fixpt.to_raw([2**63 + 2, -1], "Q64.0")
    assert raw.tolist() == [2**63 - 1, -1] and status.n_overflow == 1
    assert fixpt.to_raw([2**63 + 2, -1], "Q64.0", overflow="wrap")[0].tolist() == [-(2**63) + 2, -1]
    assert fixpt.to_raw([2**200 + 3, -(2**200) - 3], "Q8.0", overflow="wrap")[0].tolist() == [3, -3]
    assert fixpt.to_bits([2**53 + 1, 0.5], "binary64", rounding="ceil").view(np.float64).tolist() == [
        2.0**53 + 2, 0.5]


def test_per_channel_axis_out_of_range_is_an_axis_error():
    # W12: the axis was wrapped modulo ndim
    p = quant.choose_qparams(np.array([-1.0, -1.0]), np.array([1.0, 1.0]), axis=5)
    with pytest.raises(np.exceptions.AxisError, match="axis 5 is out of bounds for array of dimension 2"):
        quant.quantize(np.ones((2, 2)), p)
    with pytest.raises(np.exceptions.AxisError):
        quant.requantize(np.ones((2, 2), np.int64), np.array([2**30, 2**30]), 0, axis=2)


def test_full_precision_sum_ignores_the_overflow_mode():
    # W13: saturate_symmetric clamped -128 + -128 = -256 (a valid Q9.0 value) to -255
    a = fixpt.array(-128, "Q8.0")
    for mode in ("saturate_symmetric", "raise", "wrap", "saturate_zero"):
        assert fixpt.add(a, a, overflow=mode).tolist() == -256.0
        assert fixpt.subtract(a, fixpt.array(127, "Q8.0"), overflow=mode).tolist() == -255.0


def test_shifted_arrays_do_not_share_memory():
    x = fixpt.array([1.0, 2.0], "Q4.4")
    for y in (x << 1, x >> 2):
        y.raw[0] = 5
        assert x.raw.tolist() == [16, 32]


def test_exact_format_of_the_most_negative_integers():
    assert fixpt.exact_format_of(-2**63) == fixpt.Q(64, 0)
    assert fixpt.exact_format_of([-2**63, 2**63 - 1]) == fixpt.Q(64, 0)
    assert fixpt.exact_format_of(-1) == fixpt.Q(1, 0)
    assert fixpt.exact_format_of([-0.5, 0.25]) == fixpt.Q(0, 2)
    assert fixpt.exact_format_of([2**64 - 1]) == fixpt.UQ(64, 0)
    with pytest.raises(ValueError, match="denominator 3 is not a power of two"):
        fixpt.exact_format_of([Fraction(1, 3)])


def test_decimal_strings_fractions_and_big_integers_round_once():
    # read exactly, never through float64 first (that would round twice)
    assert int(fixpt.to_bits("1.00000005960464477539062500001", "binary32")) == 0x3F800001
    assert int(fixpt.to_bits("1.000000059604644775390625", "binary32")) == 0x3F800000
    assert fixpt.to_raw(["0.1", "-0.1"], "Q4.12")[0].tolist() == [410, -410]
    assert fixpt.to_raw([Fraction(1, 3)], "Q1.15", rounding="floor")[0].tolist() == [10922]
    assert fixpt.to_bits(["-0", "nan", "-inf", "1e-50000", "-1e-50000"], "binary16").tolist() == [
        0x8000, 0x7E00, 0xFC00, 0x0000, 0x8000]
    assert fixpt.to_bits("1e-50000", "binary16", rounding="ceil") == 1
    assert fixpt.to_raw(["1e-50000"], "Q4.4", rounding="ceil")[0].tolist() == [1]
    # a float64 long double and its exact neighbours
    if np.dtype(np.longdouble).itemsize > 8:
        x = np.longdouble(1) + np.longdouble(2) ** -60
        assert fixpt.to_bits(np.array([x]), "binary64", rounding="ceil").view(np.float64)[0] == \
            np.nextafter(1.0, 2.0)


def test_operations_on_arrays_of_more_than_32_dimensions():
    a = fixpt.zeros((1,) * 40 + (2,), "Q4.4")
    assert (a + a).shape == a.shape and (a * a).format == fixpt.Q(8, 8)
    assert fixpt.compare(a, a).shape == a.shape


def test_forced_exact_paths_agree_with_fast_paths():
    rng = np.random.default_rng(13)
    x = np.concatenate([rng.normal(scale=8.0, size=3000), rng.integers(-50, 50, 500) / 8.0 + 2.0**-60,
                        [float.fromhex("-0x1.fffffffffffffp-14"), -0.5, 0.5, -0.0, 5e-324]])
    for mode in [m.name.lower() for m in fixpt.RoundMode]:
        fast = fixpt.to_raw(x, "Q4.12", rounding=mode, seed=3)[0]
        bits = fixpt.to_bits(x, "bfloat16", rounding=mode, seed=3)
        prod = fixpt.multiply(fixpt.array(x, "Q8.8"), fixpt.array(x[::-1], "Q8.8"), "Q8.4",
                              rounding=mode, seed=3).raw
        with _binding.exact_paths_only():
            assert np.array_equal(fast, fixpt.to_raw(x, "Q4.12", rounding=mode, seed=3)[0])
            assert np.array_equal(bits, fixpt.to_bits(x, "bfloat16", rounding=mode, seed=3))
            assert np.array_equal(prod, fixpt.multiply(fixpt.array(x, "Q8.8"), fixpt.array(x[::-1], "Q8.8"),
                                                       "Q8.4", rounding=mode, seed=3).raw)


def test_floats_listed_beside_strings_keep_their_exact_value():
    # NumPy turns [2.0**326, "-0.1"] into strings; the float's repr is not its value
    fmt = fixpt.FloatFormat(10, 10, bias=510, inf_nan="fn")
    bits = fixpt.to_bits([-(2.0**326), "-0.1"], fmt, rounding="away_from_zero")
    assert fixpt.from_bits(bits, fmt)[0] == -(2.0**326)
    assert fixpt.to_raw([0.1, "0.1"], "Q1.62")[0].tolist() == [
        round(Fraction(0.1) * 2**62), round(Fraction(1, 10) * 2**62)]


@st.composite
def extreme_formats(draw):
    wl = draw(st.sampled_from([1, 2, 31, 32, 33, 62, 63, 64]) | st.integers(1, 64))
    fl = draw(st.sampled_from([-70, -63, -1, 0, 1, 62, 63, 64, 126]) | st.integers(-70, 140))
    return fixpt.FixedFormat(wl - fl, fl, draw(st.booleans()))


@st.composite
def extreme_raws(draw, fmt, n=4):
    edges = st.sampled_from([fmt.raw_min, fmt.raw_max, fmt.raw_min + (fmt.wl > 1), 0,
                             min(1, fmt.raw_max), max(-1, fmt.raw_min)])
    values = draw(st.lists(edges | st.integers(fmt.raw_min, fmt.raw_max), min_size=n, max_size=n))
    return fixpt.from_raw(np.array(values, dtype=object).astype(fmt.container), fmt)


@settings(max_examples=400)
@given(st.data(), st.sampled_from(["add", "sub", "mul", "div"]), st.sampled_from(ROUNDINGS),
       st.sampled_from(["saturate", "saturate_symmetric", "saturate_zero", "wrap"]))
def test_extreme_formats_and_alignments_match_the_oracle(data, op, rounding, overflow):
    fa, fb, out = (data.draw(extreme_formats()) for _ in range(3))
    if op in ("add", "sub"):
        assume(abs(fa.fl - fb.fl) <= 63)
    if op == "div":
        assume(abs(out.fl - fa.fl + fb.fl) <= 63)
    a, b = data.draw(extreme_raws(fa)), data.draw(extreme_raws(fb))
    if op == "div":
        assume(np.all(b.raw != 0))
    fn = {"add": fixpt.add, "sub": fixpt.subtract, "mul": fixpt.multiply, "div": fixpt.divide}[op]
    got = fn(a, b, out, rounding=rounding, overflow=overflow, seed=9)
    values = [(fa.value_of(x), fb.value_of(y)) for x, y in zip(a.raw.tolist(), b.raw.tolist())]
    exact = [{"add": x + y, "sub": x - y, "mul": x * y, "div": x / y if op == "div" else 0}[op]
             for x, y in values]
    want = [cast_value(v, out, rounding, overflow, random_word(9, 0, i))[0] for i, v in enumerate(exact)]
    assert got.raw.tolist() == want


def test_calibration_refuses_nan_and_wrapped_axes():
    from fixpt.quant import calibrate
    x = np.array([0.5, np.nan, -1.0])
    for call in (lambda: calibrate.MinMaxObserver().update(x), lambda: calibrate.percentile_threshold(x),
                 lambda: calibrate.mse_threshold(x), lambda: calibrate.kl_threshold(x),
                 lambda: calibrate.aciq_threshold(x), lambda: calibrate.dynamic_fraction_length(x, 8)):
        with pytest.raises(ValueError, match=r"1 NaN or infinite element\(s\), first at index \(1,\)"):
            call()
    with pytest.raises(np.exceptions.AxisError):
        calibrate.MinMaxObserver(axis=3).update(np.ones((2, 2)))


def test_explain_measures_guard_round_sticky_on_the_magnitude():
    # -0.1 lies 0.6 of the way from -0.0625 (toward zero) to -0.125: guard 1, round 0, sticky 1
    text = str(fixpt.explain(-0.1, "Q4.4"))
    assert "position  0.4 of the way from below to above" in text
    assert "|x| is 0.6 of the way from |above| to |below| (guard 1, round 0, sticky 1)" in text
    positive = str(fixpt.explain(0.1, "Q4.4"))
    assert "position  0.6 of the way from below to above (guard 1, round 0, sticky 1)" in positive
    # the decimal string is read exactly: one rounding, the correct neighbour
    assert "nearest_even gives 1.00000011920928955078125  (0x3f800001)" in str(
        fixpt.explain("1.00000005960464477539062500001", "binary32"))


def test_integer_images_refuse_nan_and_values_beyond_int64():
    from fixpt import deploy
    from fixpt.deploy import nemo
    with pytest.raises(ValueError, match=r"weight: 1 element\(s\) are NaN"):
        deploy.quantize_weight(np.array([[1.0, np.nan]]), 8)
    with pytest.raises(ValueError, match=r"t: 1 element\(s\) are NaN"):
        nemo.linear_quantize(np.array([0.5, np.nan]), 0.25, -1.0, 1.0)
    with pytest.raises(ValueError, match=r"x: 1 element\(s\) are NaN, infinite or beyond int64"):
        fixpt.convert.exact.integral_int64(np.array([1.0, 1e30]), "x")
