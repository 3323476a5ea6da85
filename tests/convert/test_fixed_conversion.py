"""float / integer -> fixed point conversion against the exact Fraction oracle."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fixpt
from oracle import cast_value, random_word
from strategies import OVERFLOWS, ROUNDINGS, formats, values_near


def expected_raw(values, fmt, rounding, overflow, seed=0):
    out = []
    for i, x in enumerate(values):
        word = random_word(seed, 0, i)
        out.append(cast_value(Fraction(x), fmt, rounding, overflow, word)[0])
    return out


@st.composite
def cases(draw):
    fmt = draw(formats())
    values = draw(st.lists(values_near(fmt), min_size=1, max_size=24))
    return fmt, values


@given(cases(), st.sampled_from(ROUNDINGS), st.sampled_from(OVERFLOWS))
def test_float_cast_matches_oracle(case, rounding, overflow):
    fmt, values = case
    overflow = "saturate" if overflow == "raise" else overflow
    if overflow == "wrap":
        values = [v for v in values if np.isfinite(v)] or [0.0]
    raw, status = fixpt.to_raw(np.array(values), fmt, rounding=rounding, overflow=overflow, seed=7)
    assert raw.dtype == fmt.container
    assert [int(r) for r in raw] == expected_raw(values, fmt, rounding, overflow, seed=7)


@given(cases(), st.sampled_from(ROUNDINGS), st.sampled_from(["saturate", "wrap", "saturate_zero"]))
def test_fast_and_exact_paths_agree(case, rounding, overflow):
    """A NaN in the block sends it down the exact path; results must not change."""
    fmt, values = case
    values = [v for v in values if np.isfinite(v)] or [0.0]
    plain, _ = fixpt.to_raw(np.array(values), fmt, rounding=rounding, overflow=overflow, seed=3)
    with_nan, st_nan = fixpt.to_raw(np.array(values + [np.nan]), fmt, rounding=rounding,
                                    overflow=overflow, seed=3, nan="zero")
    assert st_nan.n_nan == 1
    np.testing.assert_array_equal(plain, with_nan[:-1])
    assert with_nan[-1] == 0


@given(formats(), formats(), st.data(), st.sampled_from(ROUNDINGS), st.sampled_from(OVERFLOWS))
def test_fixed_to_fixed_matches_oracle(src_fmt, fmt, data, rounding, overflow):
    overflow = "saturate" if overflow == "raise" else overflow
    raws = data.draw(st.lists(st.integers(src_fmt.raw_min, src_fmt.raw_max), min_size=1, max_size=16))
    src = fixpt.from_raw(np.array(raws, dtype=src_fmt.container), src_fmt)
    out = src.astype(fmt, rounding=rounding, overflow=overflow, seed=11)
    expected = [
        cast_value(src_fmt.value_of(r), fmt, rounding, overflow, random_word(11, 0, i))[0]
        for i, r in enumerate(raws)
    ]
    assert [int(r) for r in out.raw] == expected


@given(st.lists(st.integers(-(1 << 63), (1 << 63) - 1), min_size=1, max_size=16), formats(),
       st.sampled_from(ROUNDINGS))
def test_int64_input_is_exact(ints, fmt, rounding):
    raw, _ = fixpt.to_raw(np.array(ints, dtype=np.int64), fmt, rounding=rounding, seed=5)
    expected = [cast_value(Fraction(v), fmt, rounding, "saturate", random_word(5, 0, i))[0]
                for i, v in enumerate(ints)]
    assert [int(r) for r in raw] == expected


def test_uint64_input_and_python_ints():
    fmt = fixpt.UQ(64, 0)
    raw, _ = fixpt.to_raw(np.array([2**64 - 1, 2**63], dtype=np.uint64), fmt)
    assert raw.tolist() == [2**64 - 1, 2**63]
    assert fixpt.to_raw(2**64 - 1, fmt)[0] == 2**64 - 1
    assert fixpt.to_raw(-(2**63), fixpt.Q(64, 0))[0] == -(2**63)


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_every_float_near_2_pow_63_in_q64(rounding):
    """float64 -> int64 edge cases near 2^63: exact, never undefined behaviour."""
    fmt = fixpt.Q(64, 0)
    values = [2.0**63, -(2.0**63), np.nextafter(2.0**63, 0), np.nextafter(-(2.0**63), 0),
              2.0**64, -(2.0**64), 1e300, -1e300, 2.0**62 + 2048]
    raw, status = fixpt.to_raw(np.array(values), fmt, rounding=rounding)
    expected = [cast_value(Fraction(v), fmt, rounding, "saturate")[0] for v in values]
    assert [int(r) for r in raw] == expected
    assert status.n_overflow_pos == 3 and status.n_overflow_neg == 2


def test_textbook_examples():
    """Classic worked examples: Q15 range and rounding of 0.1."""
    q15 = fixpt.Q(1, 15)
    assert (q15.min, q15.max, q15.eps) == (-1.0, 1 - 2**-15, 2**-15)
    assert fixpt.to_raw(0.1, q15)[0] == 3277          # 0.1 * 32768 = 3276.8
    assert fixpt.to_raw(0.1, q15, rounding="floor")[0] == 3276
    assert fixpt.to_raw(-0.1, q15, rounding="toward_zero")[0] == -3276
    assert fixpt.to_raw(-0.1, q15, rounding="floor")[0] == -3277
    assert fixpt.to_raw(1.0, q15)[0] == 32767          # saturates
    assert fixpt.to_raw(1.0, q15, overflow="wrap")[0] == -32768
    assert fixpt.to_raw(-1.0, q15, overflow="saturate_symmetric")[0] == -32767
    # ties under every nearest mode: 2.5 and -2.5 at integer resolution
    ties = {"nearest_even": (2, -2), "nearest_away": (3, -3), "nearest_zero": (2, -2),
            "nearest_up": (3, -2), "nearest_down": (2, -3)}
    for mode, (pos, neg) in ties.items():
        assert fixpt.to_raw([2.5, -2.5], "Q8.0", rounding=mode)[0].tolist() == [pos, neg], mode
    assert fixpt.to_raw([2.25, 3.25, -2.25], "Q8.0", rounding="odd")[0].tolist() == [3, 3, -3]


def test_large_arrays_cross_blocks_match_oracle():
    rng = np.random.default_rng(0)
    x = rng.normal(scale=6, size=5000)
    x[::97] = np.round(x[::97] * 16) / 16 + 1 / 32  # ties
    x[1234] = np.nan
    for rounding in ROUNDINGS:
        raw, status = fixpt.to_raw(x, "Q4.4", rounding=rounding, seed=9, nan="zero")
        assert status.n_nan == 1 and status.first_nan == (1234,)
        exp = expected_raw(np.nan_to_num(x, nan=0.0), fixpt.Q(4, 4), rounding, "saturate", seed=9)
        assert raw.tolist() == exp
        flags = [cast_value(Fraction(v), fixpt.Q(4, 4), rounding, "saturate",
                            random_word(9, 0, i))[1] for i, v in enumerate(x) if v == v]
        assert status.n_overflow_pos == flags.count(1)
        assert status.n_overflow_neg == flags.count(-1)


def test_status_counts_and_first_overflow():
    x = np.zeros((3, 4))
    x[1, 2] = 100.0
    x[2, 3] = -100.0
    x[0, 1] = 0.3
    raw, status = fixpt.to_raw(x, "Q4.4")
    assert status.n_overflow_pos == 1 and status.n_overflow_neg == 1
    assert status.first_overflow == (1, 2)
    assert status.n_inexact == 1
    assert raw.shape == (3, 4)


@given(cases(), st.sampled_from(ROUNDINGS), st.sampled_from(["saturate", "wrap", "saturate_zero"]))
def test_overflow_mask_marks_exactly_the_overflowing_elements(case, rounding, overflow):
    fmt, values = case
    values = [v for v in values if np.isfinite(v)] or [0.0]
    x = np.array(values * 50)  # several blocks, fast and exact paths
    raw, status = fixpt.to_raw(x, fmt, rounding=rounding, overflow=overflow, seed=2, mask=True)
    flags = [cast_value(Fraction(v), fmt, rounding, overflow, random_word(2, 0, i))[1]
             for i, v in enumerate(x)]
    assert status.overflow_mask.tolist() == [f != 0 for f in flags]
    fixed = fixpt.from_raw(raw, fmt)
    _, again = fixed.astype(fixpt.Q(2, 0), overflow="saturate", return_status=True)
    assert again.overflow_mask.shape == x.shape
