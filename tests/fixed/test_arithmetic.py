"""Exact fixed-point arithmetic against a Python int / Fraction oracle: growth, one rounding into out_format, comparisons, reductions."""
from fractions import Fraction
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
import fixpt
from fixpt import FixedArray, FixedFormat
from oracle import cast_value, random_word
from strategies import OVERFLOWS, ROUNDINGS, formats


SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((), (2, 2)), ((2, 1, 3), (2, 3))]


@st.composite
def fixed_arrays(draw, shape, max_wl=32):
    fmt = draw(formats(max_wl=max_wl, fl_range=(-8, 40)))
    n = int(np.prod(shape, dtype=np.int64))
    raws = draw(st.lists(st.integers(fmt.raw_min, fmt.raw_max), min_size=n, max_size=n))
    return fixpt.from_raw(np.array(raws, dtype=fmt.container).reshape(shape), fmt)


def fractions(x):
    return np.vectorize(lambda v: v, otypes=[object])(x.to_fractions())


OPS = {"add": (lambda a, b: a + b, fixpt.add), "sub": (lambda a, b: a - b, fixpt.subtract),
       "mul": (lambda a, b: a * b, fixpt.multiply)}


def _minimal_format(values):
    """The smallest format holding every value, from Fractions alone: (width, fl, signed)."""
    exact = [Fraction(v) for v in values]

    def fraction_bits(v):  # minus the 2-adic valuation: 0.25 needs 2, 8 needs -3
        if v.denominator > 1:
            return v.denominator.bit_length() - 1
        n = abs(v.numerator)
        return -((n & -n).bit_length() - 1)

    fl = max([fraction_bits(v) for v in exact if v != 0], default=0)
    scaled = [int(v * 2**fl) for v in exact]
    lo, hi = min(scaled), max(scaled)
    if lo < 0:
        return max(max(hi, 0).bit_length(), (-lo - 1).bit_length()) + 1, fl, True
    return max(hi.bit_length(), 1), fl, False


dyadic = st.builds(lambda m, e: m * 2.0**e, st.integers(-2**30, 2**30), st.integers(-30, 30))


@given(st.data(), st.sampled_from(SHAPES), st.sampled_from(list(OPS)))
def test_full_precision_ops_are_exact(data, shapes, op):
    a = data.draw(fixed_arrays(shapes[0]))
    b = data.draw(fixed_arrays(shapes[1]))
    exact, function = OPS[op]
    try:
        result = function(a, b)
    except ValueError as error:  # only when the exact format needs more than 64 bits
        assert "more than the 64" in str(error)
        return
    want = exact(fractions(a), fractions(b))
    assert result.shape == np.broadcast_shapes(a.shape, b.shape)
    assert np.all(fractions(result) == want)
    assert result.raw.dtype == result.format.container
    # every exact value fits the documented format
    if op == "mul":
        assert (result.format.il, result.format.fl) == (a.format.il + b.format.il, a.format.fl + b.format.fl)
    else:
        assert result.format.fl == max(a.format.fl, b.format.fl)


@given(st.data(), st.sampled_from(list(OPS) + ["div"]), st.sampled_from(ROUNDINGS),
       st.sampled_from(OVERFLOWS))
def test_ops_with_out_format_round_once(data, op, rounding, overflow):
    overflow = "saturate" if overflow == "raise" else overflow
    a = data.draw(fixed_arrays((6,), max_wl=64))
    b = data.draw(fixed_arrays((6,), max_wl=64))
    out = data.draw(formats(max_wl=64, fl_range=(-8, 60)))
    if op == "div":
        if np.any(b.raw == 0) or abs(out.fl - a.format.fl + b.format.fl) > 63:
            return
        result, status = fixpt.divide(a, b, out, rounding=rounding, overflow=overflow, seed=4,
                                      return_status=True)
        want_values = fractions(a) / fractions(b)
    else:
        exact, function = OPS[op]
        try:
            result, status = function(a, b, out, rounding=rounding, overflow=overflow, seed=4,
                                      return_status=True)
        except ValueError as error:
            assert "bits apart" in str(error)
            return
        want_values = exact(fractions(a), fractions(b))
    expected = [cast_value(v, out, rounding, overflow, random_word(4, 0, i))
                for i, v in enumerate(want_values.ravel())]
    assert result.raw.tolist() == [raw for raw, _ in expected]
    assert status.overflow_mask.tolist() == [flag != 0 for _, flag in expected]
    assert status.n_overflow == sum(flag != 0 for _, flag in expected)


@given(fixed_arrays((5,), max_wl=63))
def test_negative_and_absolute(a):
    assert np.all(fractions(-a) == -fractions(a))
    assert np.all(fractions(abs(a)) == np.abs(fractions(a)))
    assert (-a).format.il == a.format.il + 1 and (-a).format.signed


@given(st.data())
def test_comparisons_are_exact_across_formats(data):
    a = data.draw(fixed_arrays((8,), max_wl=64))
    b = data.draw(fixed_arrays((8,), max_wl=64))
    if data.draw(st.booleans()):  # force some equal values in different formats
        try:
            b = a.astype(fixpt.common_format([a.format, b.format]))
        except ValueError:
            pass
    fa, fb = fractions(a), fractions(b)
    assert (a == b).tolist() == (fa == fb).tolist()
    assert (a < b).tolist() == (fa < fb).tolist()
    assert (a >= b).tolist() == (fa >= fb).tolist()


def test_tiny_differences_are_seen():
    a = fixpt.from_raw([1], FixedFormat(-30, 60, True))   # 2^-60
    b = fixpt.from_raw([0], FixedFormat(60, 0, True))
    assert (a > b).tolist() == [True] and (a == b).tolist() == [False]


def test_scalars_are_weak_and_float_arrays_need_a_format():
    # NEP 50: a Python number joins the array's format when it fits its fraction bits exactly
    x = fixpt.array([1.5, -2.25], "Q4.4")
    assert (x + 0.0625).format == fixpt.Q(5, 4) and (x + 0.0625).tolist() == [1.5625, -2.1875]
    with pytest.raises(ValueError, match="0.1 needs 55 fraction bits, more than Q\\(4,4\\)"):
        x + 0.1
    with pytest.raises(TypeError, match="array of float64 has no exact format"):
        x + np.array([0.5, 0.25])
    assert (x + np.array([1, 2])).tolist() == [2.5, -0.25]  # integer arrays are exact
    # with the result format given, any real operand is read exactly and rounded once
    assert fixpt.add(x, 0.1, "Q8.8").to_fractions().tolist() == [
        Fraction(round((Fraction(3, 2) + Fraction(0.1)) * 256), 256),
        Fraction(round((Fraction(-9, 4) + Fraction(0.1)) * 256), 256)]
    assert fixpt.add(x, [0.1, 0.2], "Q8.8").format == fixpt.Q(8, 8)
    assert (2 * x).tolist() == [3.0, -4.5] and (2 * x).format == fixpt.Q(6, 4)
    assert (1 - x).tolist() == [-0.5, 3.25]
    assert (x == 1.5).tolist() == [True, False]
    with pytest.raises(ValueError, match="NaN and inf"):
        x + np.nan
    with pytest.raises(TypeError, match="fixpt.divide"):
        x / 2


def test_too_wide_results_ask_for_out_format():
    big = fixpt.array([1.0], "Q32.32")
    with pytest.raises(ValueError, match="needs Q\\(64,64\\), 128 bits.*out_format="):
        big * big
    assert fixpt.multiply(big, big, "Q16.16").tolist() == [1.0]
    assert fixpt.multiply(fixpt.array([-3.5], "Q40.24"), fixpt.array([2.25], "Q40.24"), "Q32.8").tolist() == [-7.875]


def test_division_rounding_and_zero():
    a = fixpt.array([1.0, -1.0, 2.0], "Q4.4")
    b = fixpt.array([3.0, 3.0, 0.0], "Q4.4")
    with pytest.raises(ZeroDivisionError, match="1 element.*index \\(2,\\)"):
        fixpt.divide(a, b, "Q2.8")
    q = fixpt.divide(a[:2], b[:2], "Q2.8", rounding="toward_zero")
    assert q.raw.tolist() == [85, -85]           # 256/3 = 85.33
    assert fixpt.divide(a[:2], b[:2], "Q2.8", rounding="floor").raw.tolist() == [85, -86]


def test_shifts_move_the_binary_point():
    x = fixpt.array([1.5, -0.25], "Q4.4")
    assert (x << 2).tolist() == [6.0, -1.0] and (x << 2).format == fixpt.Q(6, 2)
    assert (x >> 3).tolist() == [0.1875, -0.03125] and np.array_equal((x >> 3).raw, x.raw)
    assert x.shift_raw(-1).tolist() == [0.75, -0.125]
    assert x.shift_raw(3).raw.tolist() == [-64, -32]       # wraps like a hardware shifter


def test_reductions_grow_exactly():
    rng = np.random.default_rng(0)
    raw = rng.integers(-128, 128, size=(4, 5), dtype=np.int8)
    x = fixpt.from_raw(raw, "Q4.4")
    s = x.sum()
    assert s.format == fixpt.Q(4 + 5, 4) and int(s.raw) == int(raw.astype(int).sum())
    s0 = fixpt.sum(x, axis=0, keepdims=True)
    assert s0.shape == (1, 5) and s0.format == fixpt.Q(6, 4)
    assert s0.raw.tolist() == raw.astype(int).sum(axis=0, keepdims=True).tolist()
    c = x.cumsum(axis=1)
    assert c.format == fixpt.Q(7, 4) and c.raw.tolist() == np.cumsum(raw.astype(int), axis=1).tolist()
    assert x.min().raw == raw.min() and x.max(axis=1).raw.tolist() == raw.max(axis=1).tolist()
    m = x.mean(axis=1)
    want = [cast_value(Fraction(int(r), 16 * 5), fixpt.Q(4, 4), "nearest_even", "saturate")[0]
            for r in raw.astype(int).sum(axis=1)]
    assert m.raw.tolist() == want and m.format == x.format
    p = fixpt.array([1.5, -2.0, 0.5], "Q3.1").prod()
    assert p.tolist() == -1.5 and p.format == fixpt.Q(9, 3)
    with pytest.raises(ValueError, match="more than"):
        fixpt.array(np.ones(40), "Q4.4").prod()


@given(st.lists(dyadic | st.integers(-2**40, 2**40) | st.floats(-1e6, 1e6, allow_nan=False),
                min_size=1, max_size=6))
def test_exact_format_holds_values_exactly(values):
    width, fl, signed = _minimal_format(values)
    if width > 64:
        with pytest.raises(ValueError, match="more than 64"):
            fixpt.as_fixed(np.array(values, dtype=np.float64))
        return
    x = fixpt.as_fixed(np.array(values, dtype=np.float64))
    assert (x.format.wl, x.format.fl, x.format.signed) == (width, fl, signed)  # the smallest
    assert [Fraction(v) for v in x.to_fractions().tolist()] == [Fraction(float(v)) for v in values]



@pytest.mark.parametrize("container", [np.int8, np.int16, np.int32])
def test_exact_results_that_just_fit_skip_rounding_and_those_one_bit_short_saturate(container):
    """The engine stores exact results without rounding when the operand containers prove they
    fit the output (shift 0); both sides of that bound, at the extreme product (-2^(b-1))^2."""
    bits = np.iinfo(container).bits
    fmt = fixpt.FixedFormat(bits // 2, bits - bits // 2, True)
    x = fixpt.from_raw(np.array([np.iinfo(container).min, np.iinfo(container).max, -1], container), fmt)
    wide = fixpt.FixedFormat(2 * bits - 2 * fmt.fl, 2 * fmt.fl, True)     # 2b bits: holds 2^(2b-2)
    short = fixpt.FixedFormat(wide.il - 1, wide.fl, True)                   # 2b-1 bits: one short
    want = [int(r) * int(r) for r in x.raw.tolist()]
    assert fixpt.multiply(x, x, wide).raw.tolist() == want
    got, status = fixpt.multiply(x, x, short, overflow="saturate", return_status=True)
    assert got.raw.tolist() == [min(w, short.raw_max) for w in want]
    assert status.n_overflow == 1


def _corners(fmt: FixedFormat) -> list[int]:
    """Both ends of the raw range, their neighbours and halves, 0 and +-1."""
    lo, hi = fmt.raw_min, fmt.raw_max
    return sorted({lo, lo + 1, hi, hi - 1, 0, 1, -1 if fmt.signed else 2, lo // 2, hi // 2})


def _corner_operands(fmts: list[FixedFormat], n: int) -> list[FixedArray]:
    """Every pair of corners (every corner for one operand), then n random words each."""
    rng = np.random.default_rng(len(fmts))
    if len(fmts) == 1:
        columns = [_corners(fmts[0])]
    else:
        pairs = [(x, y) for x in _corners(fmts[0]) for y in _corners(fmts[1])]
        columns = [[x for x, _ in pairs], [y for _, y in pairs]]
    return [fixpt.from_raw(np.array(column + [int(v) for v in rng.integers(f.raw_min, f.raw_max, n, endpoint=True)],
                                    f.container), f) for column, f in zip(columns, fmts)]


# (operation, operand formats, output format): the 32-bit-lane path takes exact results up
# to 2^31 - 1 (a copy: 2^31 when it drops a bit) and drops at most 31 bits; the cases below
# sit on both sides of each of those bounds, and one has output bounds beyond the lane
NARROW_LANE_CASES = [
    ("mul", ("Q4.12", "Q4.12"), "Q4.12"),                  # |product| <= 2^30: 32-bit lanes
    ("mul", ("Q4.12", "Q4.12"), "Q8.24"),                  # exact, nothing to round
    ("mul", ("UQ16.0", "Q16.0"), "Q20.-4"),                # mixed signs: 65535 * 2^15 < 2^31
    ("mul", ("Q4.12", "Q4.12"), "Q40.10"),                 # target bounds beyond the lane
    ("mul", ("Q8.8", "UQ8.8"), "Q2.6"),                    # saturating often
    ("add", ("Q16.0", "Q1.15"), "Q17.3"),                  # aligned by 15: 2^30 + 2^15
    ("add", ("Q16.0", "Q0.16"), "Q17.3"),                  # aligned by 16: 2^31 + 2^15, 64-bit lanes
    ("sub", ("Q16.0", "Q1.15"), "Q12.2"),
    ("copy", ("Q1.31",), "Q1.30"),                         # -2^31 copied, one bit dropped
    ("copy", ("Q1.31",), "Q2.31"),                         # -2^31 kept whole: 64-bit lanes
    ("copy", ("Q1.31",), "Q32.0"),                         # 31 bits dropped
    ("copy", ("Q1.31",), "Q33.-1"),                        # 32 bits dropped: 64-bit lanes
    ("copy", ("UQ32.0",), "UQ32.-16"),                     # up to 2^32 - 1: 64-bit lanes
    ("neg", ("Q1.15",), "Q1.10"),
    ("neg", ("Q1.31",), "Q1.20"),                          # -(-2^31): 64-bit lanes
    ("abs", ("Q1.31",), "UQ1.20"),
    ("abs", ("Q8.8",), "UQ4.4"),
]


@pytest.mark.parametrize("op, operands, out", NARROW_LANE_CASES)
@pytest.mark.parametrize("overflow", ["saturate", "saturate_symmetric", "saturate_zero"])
def test_lane_width_bounds_change_no_result(op, operands, out, overflow):
    """Every rounding mode on corner and random words at both sides of the 32-bit-lane
    bounds: the fast paths agree with the Fraction oracle and with the exact engine (values,
    overflow mask and counts)."""
    fmts = [fixpt.parse_format(f) for f in operands]
    xs = _corner_operands(fmts, 3000)
    out = fixpt.parse_format(out)
    functions = {"mul": fixpt.multiply, "add": fixpt.add, "sub": fixpt.subtract,
                 "neg": fixpt.negative, "abs": fixpt.absolute,
                 "copy": lambda x, fmt, **kw: x.astype(fmt, **kw)}
    exact = {"mul": lambda a, b: a * b, "add": lambda a, b: a + b, "sub": lambda a, b: a - b,
             "neg": lambda a: -a, "abs": abs, "copy": lambda a: a}[op]
    values = [x.to_fractions().tolist() for x in xs]
    for rounding in ROUNDINGS:
        kwargs = dict(rounding=rounding, overflow=overflow, seed=6, return_status=True)
        result, status = functions[op](*xs, out, **kwargs)
        with fixpt._binding.exact_paths_only():
            slow, slow_status = functions[op](*xs, out, **kwargs)
        expected = [cast_value(exact(*(Fraction(v[i]) for v in values)), out, rounding, overflow,
                               random_word(6, 0, i)) for i in range(len(values[0]))]
        assert result.raw.tolist() == [raw for raw, _ in expected], rounding
        assert status.overflow_mask.tolist() == [flag != 0 for _, flag in expected], rounding
        assert np.array_equal(result.raw, slow.raw)
        assert (status.n_overflow, status.n_inexact) == (slow_status.n_overflow, slow_status.n_inexact)
