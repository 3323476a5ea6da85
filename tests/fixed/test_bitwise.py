"""~, &, |, ^ on the raw words, against Python ints on the WL-bit patterns, at every width
up to 64 bits, signed and unsigned, with the refusals that keep them unambiguous."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fixpt


@st.composite
def format_and_words(draw):
    wl = draw(st.sampled_from([1, 2, 8, 16, 31, 32, 33, 63, 64]) | st.integers(1, 64))
    signed = draw(st.booleans())
    fl = draw(st.integers(-70, 70))
    fmt = fixpt.FixedFormat(wl - fl, fl, signed)
    lo, hi = (-(1 << (wl - 1)), (1 << (wl - 1)) - 1) if signed else (0, (1 << wl) - 1)
    words = st.lists(st.integers(lo, hi), min_size=1, max_size=8)
    a = draw(words)
    b = draw(st.lists(st.integers(lo, hi), min_size=len(a), max_size=len(a)))
    return fmt, a, b


def pattern(raw: int, wl: int) -> int:
    return raw & ((1 << wl) - 1)


def from_pattern(p: int, wl: int, signed: bool) -> int:
    return p - (1 << wl) if signed and p >> (wl - 1) else p


@settings(max_examples=300, deadline=None)
@given(format_and_words())
def test_bitwise_operations_act_on_the_words(case):
    fmt, ra, rb = case
    a, b = fixpt.from_raw(ra, fmt), fixpt.from_raw(rb, fmt)
    wl = fmt.wl
    for got, op in (((a & b), lambda x, y: x & y), ((a | b), lambda x, y: x | y), ((a ^ b), lambda x, y: x ^ y)):
        want = [from_pattern(op(pattern(x, wl), pattern(y, wl)), wl, fmt.signed) for x, y in zip(ra, rb)]
        assert got.format == fmt and got.raw.tolist() == want
    inverted = ~a
    assert inverted.format == fmt
    assert inverted.raw.tolist() == [from_pattern(pattern(x, wl) ^ ((1 << wl) - 1), wl, fmt.signed) for x in ra]
    if fmt.signed and wl < 64:   # invert then add one step is the negation (except at the minimum)
        assert [x + 1 for x in inverted.raw.tolist()] == [-x for x in ra]


def test_textbook_complement_and_masks():
    x = fixpt.array([1.25, -0.5], "Q4.4")               # raw 20 = 0001.0100, -8 = 1111.1000
    assert (~x).bin().tolist() == ["11101011", "00000111"]
    fraction = fixpt.from_hex(["0f", "0f"], "Q4.4")
    assert (x & fraction).tolist() == [0.25, 0.5] and (x | fraction).tolist() == [1.9375, -0.0625]
    assert np.invert(x).tolist() == (~x).tolist() and np.bitwise_xor(x, x).tolist() == [0.0, 0.0]
    out = fixpt.zeros(2, "Q4.4")
    np.bitwise_and(x, fraction, out=out)
    assert out.tolist() == [0.25, 0.5]
    as_dtype = np.array([1.25, -0.5], dtype=fixpt.Q(4, 4))
    assert fixpt.bitwise_and(as_dtype, fraction).tolist() == [0.25, 0.5]


def test_refusals_name_the_fix():
    x = fixpt.array([1.25], "Q4.4")
    with pytest.raises(TypeError, match="one format, got Q\\(4,4\\) and Q\\(2,6\\)"):
        x & fixpt.array([0.5], "Q2.6")
    with pytest.raises(TypeError, match="fixpt.from_raw"):
        x & 3
    with pytest.raises(TypeError, match="fixpt.from_raw"):
        fixpt.invert(np.array([1, 2]))


def test_from_raw_keeps_python_ints_beyond_int64_beside_small_ones():
    """Regression: NumPy turns [0, 2**63] into float64; from_raw refused it (hypothesis found it)."""
    assert fixpt.from_raw([0, 2**63], "UQ64.0").raw.tolist() == [0, 2**63]
    assert fixpt.from_raw([[2**64 - 1], [1]], "UQ64.0").raw.tolist() == [[2**64 - 1], [1]]
    with pytest.raises(OverflowError, match="raw"):
        fixpt.from_raw([0, 2**64], "UQ64.0")
    with pytest.raises(TypeError, match="integers"):
        fixpt.from_raw([0.5, 2**63], "UQ64.0")
