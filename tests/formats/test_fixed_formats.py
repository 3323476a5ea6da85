"""Q / UQ formats: properties, parsing, relations and bad input."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given

import fixpt
from fixpt import FixedFormat, Q, UQ, parse_format
from strategies import formats


@pytest.mark.parametrize(
    "fmt, wl, lo, hi, eps, container",
    [
        (Q(1, 15), 16, -1.0, 1 - 2**-15, 2**-15, np.int16),     # classic Q15
        (Q(1, 31), 32, -1.0, 1 - 2**-31, 2**-31, np.int32),     # Q31
        (Q(4, 12), 16, -8.0, 8 - 2**-12, 2**-12, np.int16),
        (Q(1, 7), 8, -1.0, 1 - 2**-7, 2**-7, np.int8),
        (UQ(8, 0), 8, 0.0, 255.0, 1.0, np.uint8),
        (UQ(0, 8), 8, 0.0, 1 - 2**-8, 2**-8, np.uint8),
        (Q(10, -2), 8, -512.0, 508.0, 4.0, np.int8),            # step larger than 1
        (Q(-2, 10), 8, -1 / 8, 1 / 8 - 2**-10, 2**-10, np.int8),  # only fraction bits
        (Q(1, 0), 1, -1.0, 0.0, 1.0, np.int8),
        (Q(64, 0), 64, -(2.0**63), 2.0**63, 1.0, np.int64),
        (UQ(33, 0), 33, 0.0, 2.0**33 - 1, 1.0, np.uint64),
    ],
)
def test_properties(fmt, wl, lo, hi, eps, container):
    assert fmt.wl == wl
    assert fmt.min == lo and fmt.max == hi and fmt.eps == eps
    assert fmt.container == np.dtype(container)


@given(formats())
def test_range_is_exact(fmt):
    step = Fraction(2) ** -fmt.fl
    assert fmt.exact_max == fmt.raw_max * step and fmt.exact_min == fmt.raw_min * step
    assert fmt.exact_min == fmt.value_of(fmt.raw_min)
    assert fmt.raw_max - fmt.raw_min + 1 == 2**fmt.wl
    if fmt.signed:
        assert fmt.exact_min == -(Fraction(2) ** (fmt.il - 1))
        assert fmt.exact_max == Fraction(2) ** (fmt.il - 1) - Fraction(2) ** -fmt.fl
    info = np.iinfo(fmt.container)
    assert info.min <= fmt.raw_min and fmt.raw_max <= info.max
    assert fmt.container.itemsize == 1 or fmt.wl > fmt.container.itemsize * 4


@pytest.mark.parametrize(
    "text, fmt",
    [("Q4.12", Q(4, 12)), ("UQ8.0", UQ(8, 0)), ("s16/12", Q(4, 12)), ("u8/8", UQ(0, 8)),
     ("Q(4,12)", Q(4, 12)), ("uq(1, 7)", UQ(1, 7)), ("Q-2.10", Q(-2, 10)), ("Q10.-2", Q(10, -2)),
     (" Q1.15 ", Q(1, 15))],
)
def test_parse(text, fmt):
    assert parse_format(text) == fmt


@given(formats())
def test_repr_and_str_parse_back(fmt):
    assert parse_format(repr(fmt)) == fmt
    assert parse_format(str(fmt)) == fmt


def test_immutable_hashable_comparable():
    a = Q(4, 12)
    assert a == FixedFormat(4, 12, True) and hash(a) == hash(Q(4, 12))
    assert a != UQ(4, 12)
    assert len({Q(4, 12), Q(4, 12), UQ(4, 12)}) == 2
    with pytest.raises(AttributeError):
        a.il = 5
    assert Q(2, 3) <= Q(4, 12) and not (Q(4, 12) <= Q(2, 3))
    assert UQ(3, 4) <= Q(4, 4) and not (Q(4, 4) <= UQ(8, 8))
    assert Q(4, 12) >= Q(1, 7)


@pytest.mark.parametrize(
    "args, error, words",
    [((0, 0), ValueError, "1..64"), ((60, 5), ValueError, "1..64"), ((1.5, 3), TypeError, "il"),
     ((4, "12"), TypeError, "fl"), ((True, 3), TypeError, "il"), ((-70, 60), ValueError, "1..64")],
)
def test_bad_formats(args, error, words):
    with pytest.raises(error, match=words):
        Q(*args)


@pytest.mark.parametrize("text", ["Q15", "Q4,12", "int16", "s16", "", "Q4.12.1"])
def test_bad_format_strings(text):
    with pytest.raises(ValueError, match="cannot parse format"):
        parse_format(text)
    with pytest.raises(TypeError):
        parse_format(16)


def test_formats_accept_numpy_integers():
    assert Q(np.int64(4), np.int32(12)) == Q(4, 12)
    assert fixpt.to_raw(1.0, Q(np.int8(4), np.int8(4)))[0] == 16
