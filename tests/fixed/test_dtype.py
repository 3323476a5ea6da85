"""The NumPy dtype of fixed-point formats: construction, casts, ufunc loops and ordering,
checked against Fractions (via the oracle) and against FixedArray (one engine)."""
import io
import pickle
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import cast_value

import fixpt
from fixpt import FixedFormat

FORMATS = [FixedFormat(4, 12, True), FixedFormat(2, 6, True), FixedFormat(8, 0, False),
           FixedFormat(1, 15, True), FixedFormat(-2, 10, True), FixedFormat(12, -4, True),
           FixedFormat(33, 20, True), FixedFormat(3, 5, False), FixedFormat(32, 31, True)]
formats = st.sampled_from(FORMATS)


def exact(a: np.ndarray) -> list:
    """Exact values of a fixed-point dtype array, through its raw integers."""
    x = fixpt.from_numpy(a)
    return [Fraction(int(r)) * Fraction(2) ** -x.format.fl for r in x.raw.ravel().tolist()]


def test_the_dtype_of_a_format():
    dt = fixpt.Q(4, 12).dtype
    assert repr(dt) == "dtype(Q(4,12))" and dt is fixpt.Q(4, 12).dtype
    assert (dt.il, dt.fl, dt.signed, dt.itemsize) == (4, 12, True, 2)
    assert fixpt.UQ(8, 0).dtype.itemsize == 1 and not fixpt.UQ(8, 0).dtype.signed
    assert np.zeros(3, dtype=fixpt.Q(4, 12)).dtype == dt
    assert np.dtype(fixpt.Q(4, 12)) == dt
    assert pickle.loads(pickle.dumps(dt)) is dt
    with pytest.raises(TypeError, match="needs its format"):
        np.empty(2, dtype=type(dt))
    with pytest.raises(ValueError, match="1..64 bits"):
        type(dt)(40, 40)


def test_fixedarray_and_dtype_arrays_share_their_buffer():
    x = fixpt.array([0.5, -1.25, 3.0], "Q4.12")
    a = x.to_numpy()
    assert a.dtype == fixpt.Q(4, 12).dtype and np.shares_memory(a, x.raw)
    back = fixpt.from_numpy(a)
    assert back.format == x.format and np.shares_memory(back.raw, x.raw)
    assert np.asarray(x, dtype=fixpt.Q(4, 12)).dtype == a.dtype
    assert exact(np.asarray(x, dtype=fixpt.Q(8, 8))) == [Fraction(1, 2), Fraction(-5, 4), Fraction(3)]
    e = a[1]
    assert isinstance(e, fixpt.FixedArray) and e.shape == () and e.item() == -1.25 and repr(e) == "Q(4,12)(-1.25)"


@settings(max_examples=200, deadline=None)
@given(formats, st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=20))
def test_float64_cast_is_one_rounding_nearest_even_saturating(fmt, values):
    x = np.array(values)
    got = exact(x.astype(fmt.dtype))
    for v, g in zip(values, got):
        raw, _ = cast_value(Fraction(v), fmt, "nearest_even", "saturate")
        assert g == Fraction(raw) * Fraction(2) ** -fmt.fl, (fmt, v)
    assert np.array_equal(fixpt.from_numpy(x.astype(fmt.dtype)).raw,
                          fixpt.array(x, fmt, overflow="saturate").raw)  # the same engine
    with np.errstate(over="ignore"):  # float32 itself overflows to inf (then saturated)
        x32 = x.astype(np.float32)
    assert np.array_equal(x32.astype(fmt.dtype), x32.astype(np.float64).astype(fmt.dtype))


@settings(max_examples=200, deadline=None)
@given(formats, formats, st.data())
def test_casts_between_formats_and_to_float64(source, target, data):
    raws = data.draw(st.lists(st.integers(source.raw_min, source.raw_max), min_size=1, max_size=20))
    a = fixpt.from_raw(np.array(raws, dtype=source.container), source).to_numpy()
    got = exact(a.astype(target.dtype))
    for r, g in zip(raws, got):
        raw, _ = cast_value(Fraction(r) * Fraction(2) ** -source.fl, target, "nearest_even", "saturate")
        assert g == Fraction(raw) * Fraction(2) ** -target.fl
    as_float = a.astype(np.float64)
    for r, f in zip(raws, as_float.tolist()):
        assert f == float(Fraction(r) * Fraction(2) ** -source.fl)  # exact, or correctly rounded
    holds = target.signed >= source.signed and target.il >= source.il + (target.signed and not source.signed) \
        and target.fl >= source.fl
    assert np.can_cast(source.dtype, target.dtype) == (holds or source == target)
    assert np.can_cast(source.dtype, target.dtype, "same_kind")
    assert np.can_cast(source.dtype, np.float64) == (source.wl <= 53)


def test_integer_casts():
    ints = np.array([-3, 0, 7, 100], dtype=np.int16)
    assert exact(ints.astype(fixpt.Q(5, 4).dtype)) == [-3, 0, 7, 15.9375]  # saturating
    assert exact(np.array([255], np.uint8).astype(fixpt.UQ(8, 0).dtype)) == [255]
    assert np.can_cast(np.int8, fixpt.Q(8, 4).dtype) and not np.can_cast(np.int16, fixpt.Q(8, 4).dtype)
    assert not np.can_cast(np.uint8, fixpt.Q(8, 0).dtype) and np.can_cast(np.uint8, fixpt.Q(9, 0).dtype)


def test_nan_and_overflow_in_construction():
    with pytest.raises(ValueError, match="NaN"):
        np.array([1.0, np.nan]).astype(fixpt.Q(4, 4).dtype)
    with pytest.raises(OverflowError, match="out of the range"):
        np.array([100.0], dtype=fixpt.Q(1, 7))  # an assigned Python value: NumPy 2's rule
    assert exact(np.array([0.1, -0.7], dtype=fixpt.Q(1, 7))) == [Fraction(13, 128), Fraction(-90, 128)]


@settings(max_examples=200, deadline=None)
@given(formats, formats, st.data(), st.sampled_from(["add", "subtract", "multiply"]))
def test_arithmetic_grows_exactly_like_fixedarray(fa, fb, data, op):
    n = data.draw(st.integers(1, 12))
    ra = data.draw(st.lists(st.integers(fa.raw_min, fa.raw_max), min_size=n, max_size=n))
    rb = data.draw(st.lists(st.integers(fb.raw_min, fb.raw_max), min_size=n, max_size=n))
    x, y = fixpt.from_raw(np.array(ra, fa.container), fa), fixpt.from_raw(np.array(rb, fb.container), fb)
    ufunc = getattr(np, op)
    try:
        want = ufunc(x, y)
    except ValueError as error:  # wider than 64 bits: the dtype refuses the same way
        with pytest.raises(ValueError, match="64"):
            ufunc(x.to_numpy(), y.to_numpy())
        assert "64" in str(error)
        return
    got = ufunc(x.to_numpy(), y.to_numpy())
    assert got.dtype == want.format.dtype
    assert np.array_equal(fixpt.from_numpy(got).raw, want.raw)
    exact_values = {"add": lambda p, q: p + q, "subtract": lambda p, q: p - q, "multiply": lambda p, q: p * q}[op]
    assert exact(got) == [exact_values(p, q) for p, q in zip(exact(x.to_numpy()), exact(y.to_numpy()))]


@settings(max_examples=200, deadline=None)
@given(formats, formats, st.data())
def test_comparisons_are_exact_across_formats(fa, fb, data):
    ra = data.draw(st.lists(st.integers(fa.raw_min, fa.raw_max), min_size=1, max_size=12))
    rb = data.draw(st.lists(st.integers(fb.raw_min, fb.raw_max), min_size=len(ra), max_size=len(ra)))
    a = fixpt.from_raw(np.array(ra, fa.container), fa).to_numpy()
    b = fixpt.from_raw(np.array(rb, fb.container), fb).to_numpy()
    pairs = list(zip(exact(a), exact(b)))
    for ufunc, rule in ((np.equal, lambda p, q: p == q), (np.less, lambda p, q: p < q),
                        (np.greater_equal, lambda p, q: p >= q), (np.not_equal, lambda p, q: p != q)):
        assert ufunc(a, b).tolist() == [rule(p, q) for p, q in pairs]


def test_out_dtype_rounds_once_and_unary_ops():
    a = np.array([1.5, -0.75, 3.125], dtype=fixpt.Q(4, 4))
    out = np.empty(3, dtype=fixpt.Q(8, 2))
    np.multiply(a, a, out=out)  # 2.25, 0.5625, 9.765625 -> nearest_even in quarters
    assert exact(out) == [Fraction(9, 4), Fraction(2, 4), Fraction(39, 4)]
    assert (-a).dtype == fixpt.Q(5, 4).dtype and exact(np.abs(a)) == [1.5, 0.75, 3.125]
    assert exact(np.negative(np.array([0, 255], dtype=fixpt.UQ(8, 0)))) == [0, -255]


def test_ordering_and_joining_functions():
    raw = np.array([5, -3, 9, -3, 0, 7], np.int16)
    a = fixpt.from_raw(raw, "Q4.12").to_numpy()
    assert np.array_equal(fixpt.from_numpy(np.sort(a)).raw, np.sort(raw))
    assert np.array_equal(np.argsort(a, kind="stable"), np.argsort(raw, kind="stable"))
    assert np.argmax(a) == np.argmax(raw) and np.argmin(a) == np.argmin(raw)
    assert np.array_equal(fixpt.from_numpy(np.unique(a)).raw, np.unique(raw))
    s = np.sort(a)
    assert np.searchsorted(s, s[3]) == np.searchsorted(np.sort(raw), np.sort(raw)[3])
    assert np.concatenate([a, a[::2]]).dtype == a.dtype and np.stack([a, a]).shape == (2, 6)
    assert np.array_equal(fixpt.from_numpy(np.where(raw > 0, a, a[::-1])).raw, np.where(raw > 0, raw, raw[::-1]))
    assert np.array_equal(fixpt.from_numpy(np.take(a, [1, 2])).raw, raw[[1, 2]])
    b = fixpt.from_raw(np.array([1, -1, 2, -2, 0, 3], np.int8), "Q3.1").to_numpy()
    assert exact(np.maximum(a, b)) == [max(p, q) for p, q in zip(exact(a), exact(b))]
    assert np.maximum(a, b).dtype == fixpt.Q(4, 12).dtype
    strided = a[::2] + b[::2]
    assert exact(strided) == [p + q for p, q in zip(exact(a)[::2], exact(b)[::2])]


def test_files_and_refusals():
    a = np.array([0.5, -1.25], dtype=fixpt.Q(4, 12))
    buffer = io.BytesIO()
    with pytest.warns(UserWarning, match="pickle"):
        np.save(buffer, a)
    buffer.seek(0)
    b = np.load(buffer, allow_pickle=True)
    assert b.dtype == a.dtype and exact(b) == exact(a)
    with pytest.raises(TypeError):
        np.sin(a)
    with pytest.raises(TypeError):
        a + np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="64"):
        np.array([1.0], dtype=fixpt.Q(32, 32)) * np.array([1.0], dtype=fixpt.Q(32, 32))
