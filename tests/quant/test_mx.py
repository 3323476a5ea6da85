"""MX block formats against an exact oracle written from the OCP Microscaling spec v1.0."""
import math
from fractions import Fraction

import numpy as np
import pytest
from float_arith_oracle import largest_value, round_exact
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import cast_value, random_word

from fixpt import quant
from fixpt.formats import Q, parse_float_format

ELEMENTS = {"float8_e4m3fn": 8, "float8_e5m2": 15, "float6_e2m3fn": 2, "float6_e3m2fn": 4,
            "float4_e2m1fn": 2, "int8": 0}
MODES = ["nearest_even", "nearest_away", "floor", "ceil", "toward_zero", "away_from_zero", "odd",
         "stochastic", "stochastic_equal"]


def floor_log2(v: Fraction) -> int:
    e = v.numerator.bit_length() - v.denominator.bit_length()
    while Fraction(2) ** e > v:
        e -= 1
    while Fraction(2) ** (e + 1) <= v:
        e += 1
    return e


def oracle_block(values, name, rounding, seed, indices):
    """(scale code, element codes as values) of one block, from the spec's pseudo-code."""
    if any(not math.isfinite(v) for v in values):
        return 255, [0.0] * len(values)
    exact = [Fraction(v) for v in values]
    amax = max(abs(v) for v in exact)
    shared = -127 if amax == 0 else max(floor_log2(amax) - ELEMENTS[name], -127)
    out = []
    for v, original, i in zip(exact, values, indices):
        word = random_word(seed, 0, i)
        scaled = v / Fraction(2) ** shared
        if name == "int8":
            raw, _ = cast_value(scaled, Q(2, 6), rounding, "saturate_symmetric", word)
            out.append(raw / 64)
        else:
            fmt = parse_float_format(name)
            top = Fraction(largest_value(fmt))
            clamped = max(-top, min(top, scaled))  # saturating: beyond max is max
            value, _ = round_exact(clamped, fmt, rounding, word, zero_negative=math.copysign(1, original) < 0)
            out.append(value)
    return shared + 127, out


def decoded_elements(q):
    fmt = q.elem_format
    if name_of(q) == "int8":
        return q.elements.astype(np.float64) / 64
    return quant.mx.from_bits(q.elements, fmt)


def name_of(q):
    return "int8" if q.elem_format == Q(2, 6) else q.elem_format.name


magnitudes = st.one_of(
    st.floats(-1e6, 1e6, width=32),
    st.floats(-1e-30, 1e-30),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 2.0**-149, 448.0, 464.0, 57344.0, 6.0, 7.5, 1.984375,
                     3.0e38, -3.4028234663852886e38, 1e-300]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(magnitudes, min_size=1, max_size=70), st.sampled_from(sorted(ELEMENTS)),
       st.integers(1, 33), st.sampled_from(MODES), st.integers(0, 2**64 - 1))
def test_quantize_matches_the_spec_oracle(values, name, block_size, rounding, seed):
    q = quant.mx_quantize(np.array(values), name, block_size=block_size, rounding=rounding, seed=seed)
    assert q.scales.dtype == np.uint8 and q.elements.dtype == (np.int8 if name == "int8" else np.uint8)
    got = decoded_elements(q)
    for b, start in enumerate(range(0, len(values), block_size)):
        block = values[start:start + block_size]
        code, want = oracle_block(block, name, rounding, seed, range(start, start + len(block)))
        assert q.scales[b] == code
        for g, w in zip(got[start:start + block_size], want):
            assert g == w and math.copysign(1, g) == math.copysign(1, w), (block, g, w)


@pytest.mark.parametrize("name", sorted(ELEMENTS))
def test_dequantize_is_scale_times_element(name):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((3, 70)) * np.exp2(rng.integers(-140, 120, (3, 1)))).astype(np.float32)
    q = quant.mx_quantize(x, name)
    y = quant.mx_dequantize(q)
    assert y.dtype == np.float32 and y.shape == x.shape and q.scales.shape == (3, 3)
    elems = decoded_elements(q)
    for i in range(3):
        for j in range(70):
            want = Fraction(float(elems[i, j])) * Fraction(2) ** (int(q.scales[i, j // 32]) - 127)
            assert Fraction(float(y[i, j])) == want


def test_blocks_along_any_axis_and_ragged_last_block():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 7, 4)) * 100
    q = quant.mx_quantize(x, "float8_e5m2", block_size=3, axis=1)
    assert q.scales.shape == (5, 3, 4) and q.axis == 1
    moved = quant.mx_quantize(np.moveaxis(x, 1, -1).copy(), "float8_e5m2", block_size=3)
    assert np.array_equal(np.moveaxis(moved.scales, -1, 1), q.scales)
    assert np.array_equal(np.moveaxis(moved.elements, -1, 1), q.elements)
    assert np.array_equal(quant.mx_dequantize(q), np.moveaxis(quant.mx_dequantize(moved), -1, 1))
    with pytest.raises(np.exceptions.AxisError):
        quant.mx_quantize(x, "int8", axis=3)


def test_stochastic_rounding_is_keyed_by_element_index():
    x = np.linspace(-3, 3, 100)
    a = quant.mx_quantize(x, "float4_e2m1fn", rounding="stochastic", seed=9)
    b = quant.mx_quantize(x[:, None], "float4_e2m1fn", axis=0, rounding="stochastic", seed=9)
    assert np.array_equal(a.elements, b.elements[:, 0])
    c = quant.mx_quantize(x, "float4_e2m1fn", rounding="stochastic", seed=10)
    assert not np.array_equal(a.elements, c.elements)


def test_spec_scale_selection_examples():
    # max 448: floor(log2 448) = 8 = emax of E4M3, scale 2^0; one more binade doubles it
    assert quant.mx_quantize([448.0, 1.0], "e4m3fn").scales.tolist() == [127]
    assert quant.mx_quantize([449.0, 1.0], "e4m3fn").scales.tolist() == [127]
    assert quant.mx_quantize([512.0, 1.0], "e4m3fn").scales.tolist() == [128]
    # floor, not round: 511 keeps scale 1 and its largest element saturates to 448
    q = quant.mx_quantize([511.0], "e4m3fn")
    assert q.scales.tolist() == [127] and quant.mx_dequantize(q).tolist() == [448.0]
    # MXINT8: +-(2 - 2^-6) at most, no -2 code
    q = quant.mx_quantize([-1.999, 1.0], "int8")
    assert q.scales.tolist() == [127] and q.elements.tolist() == [-127, 64]
    # an all-zero block and tiny blocks get the smallest scale 2^-127
    q = quant.mx_quantize([0.0, -0.0, 2.0**-140, 2.0**-149], "int8", block_size=2)
    assert q.scales.tolist() == [0, 0] and q.elements.tolist() == [0, 0, 0, 0]
    q = quant.mx_quantize([2.0**-126, 2.0**-128, 2.0**-130], "e2m1fn", block_size=1)
    assert q.scales.tolist() == [0, 0, 0]  # -126 - 2 and below are raised to -127
    assert quant.mx_dequantize(q).tolist() == [2.0**-126, 2.0**-128, 0.0]


def test_nan_and_inf_blocks_get_the_nan_scale():
    q = quant.mx_quantize([1.0, np.nan, 2.0, 3.0, -np.inf, 4.0], "e4m3fn", block_size=2)
    assert q.scales.tolist() == [255, 120, 255]
    y = quant.mx_dequantize(q)
    assert np.isnan(y[[0, 1, 4, 5]]).all() and y[2:4].tolist() == [2.0, 3.0]


def test_tiny_elements_beside_huge_ones_round_as_their_exact_value():
    # V / X underflows float64 here; ceil must still give the smallest subnormal
    q = quant.mx_quantize([2.0**130, 1e-300, -1e-300], "e5m2", rounding="ceil")
    y = quant.mx_dequantize(q, dtype=np.float64)
    assert y[1] == 2.0**-16 * 2.0**115 and y[2] == 0.0 and math.copysign(1, y[2]) < 0


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="exceeds E8M0"):
        quant.mx_quantize([2.0**200], "int8")
    with pytest.raises(ValueError, match="0-d"):
        quant.mx_quantize(1.0, "int8")
    with pytest.raises(ValueError, match="block_size"):
        quant.mx_quantize([1.0], "int8", block_size=0)
    with pytest.raises(ValueError, match="signed format with zero"):
        quant.mx_quantize([1.0], "e8m0fnu")
    with pytest.raises(ValueError, match="unknown float format"):
        quant.mx_quantize([1.0], "int4")
    q = quant.mx_quantize([2.0**140], "e5m2")
    with pytest.raises(OverflowError, match="dtype=np.float64"):
        quant.mx_dequantize(q)
    assert quant.mx_dequantize(q, dtype=np.float64).tolist() == [2.0**140]
    with pytest.raises(ValueError, match="scales of shape"):
        quant.MXArray(np.zeros(2, np.uint8), np.zeros(3, np.uint8), q.elem_format, 32, -1)


def test_empty_and_strided_inputs():
    q = quant.mx_quantize(np.zeros((0, 4)), "e4m3fn", block_size=2)
    assert q.scales.shape == (0, 2) and quant.mx_dequantize(q).shape == (0, 4)
    x = np.arange(40.0).reshape(5, 8)[:, ::2]
    assert np.array_equal(quant.mx_quantize(x, "e3m2fn", 4).elements,
                          quant.mx_quantize(np.ascontiguousarray(x), "e3m2fn", 4).elements)
    big_endian = np.arange(8.0).astype(">f4")
    assert np.array_equal(quant.mx_dequantize(quant.mx_quantize(big_endian, "e4m3fn")), np.arange(8.0))
