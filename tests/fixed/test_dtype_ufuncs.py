"""The NumPy dtype beyond elementwise arithmetic: weak Python scalars (NEP 50), reductions
into an accumulator, sign, shifts, matmul/vecdot, casts to integers and from float16, and
the TypeError every other ufunc raises; checked against Python ints and Fractions."""
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
           FixedFormat(33, 20, True), FixedFormat(3, 5, False), FixedFormat(32, 31, True),
           FixedFormat(63, 0, True), FixedFormat(1, 63, True), FixedFormat(64, 0, False)]
formats = st.sampled_from(FORMATS)


def exact(a) -> list:
    """Exact values of a fixed-point dtype array, through its raw integers."""
    x = fixpt.from_numpy(np.asarray(a))
    return [Fraction(int(r)) * Fraction(2) ** -x.format.fl for r in x.raw.ravel().tolist()]


def dtype_array(data, fmt: FixedFormat, shape=None):
    n = data.draw(st.integers(1, 10)) if shape is None else int(np.prod(shape))
    raws = data.draw(st.lists(st.integers(fmt.raw_min, fmt.raw_max), min_size=n, max_size=n))
    raw = np.array(raws, dtype=fmt.container).reshape(shape if shape is not None else (n,))
    return fixpt.from_raw(raw, fmt).to_numpy(), raws


# ---- weak Python scalars --------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(formats, st.data(), st.sampled_from(["add", "subtract", "multiply"]))
def test_python_numbers_are_weak_like_fixedarray(fmt, data, op):
    a, _ = dtype_array(data, fmt)
    fl = data.draw(st.integers(min(0, fmt.fl), max(0, fmt.fl)))
    scalar = data.draw(st.one_of(st.integers(-1000, 1000),
                                 st.integers(-2**20, 2**20).map(lambda k: k * 2.0 ** -fl)))
    ufunc = getattr(np, op)
    fixed = fixpt.from_numpy(a)
    for left, right, fa, fb in ((a, scalar, fixed, scalar), (scalar, a, scalar, fixed)):
        try:
            want = ufunc(fa, fb)
        except (ValueError, OverflowError) as error:  # wider than 64 bits, a scalar beyond 64 bits
            with pytest.raises(type(error)):
                ufunc(left, right)
            return
        got = ufunc(left, right)
        assert got.dtype == want.format.dtype
        values = [Fraction(scalar) if left is scalar else v for v in exact(a)]
        others = [Fraction(scalar) if right is scalar else v for v in exact(a)]
        rule = {"add": lambda p, q: p + q, "subtract": lambda p, q: p - q, "multiply": lambda p, q: p * q}[op]
        assert exact(got) == [rule(p, q) for p, q in zip(values, others)]


def test_python_numbers_in_comparisons_and_their_refusals():
    a = np.array([0.5, -1.25, 3.0], dtype=fixpt.Q(4, 12))
    assert (a > 0).tolist() == [True, False, True] and (0.5 == a).tolist() == [True, False, False]
    assert (a < 0.1).tolist() == [False, True, False]  # 0.1 read exactly, 55 fraction bits
    assert exact(np.maximum(a, 1)) == [1, 1, 3] and np.maximum(a, 1).dtype == a.dtype
    with pytest.raises(ValueError, match="55 fraction bits, more than Q\\(4,12\\)"):
        a + 0.1  # FixedArray raises the same
    with pytest.raises(ValueError, match="fraction bits"):
        fixpt.from_numpy(a) + 0.1
    with pytest.raises(TypeError, match="bool"):
        a + True
    with pytest.raises(TypeError, match="float64 array has no exact result format"):
        a + np.ones(3)
    with pytest.raises(TypeError, match="int64 array"):
        a * np.arange(3)


@pytest.mark.parametrize("ufunc", [np.sin, np.sqrt, np.divide, np.floor_divide, np.power, np.exp,
                                   np.bitwise_and, np.logaddexp])
def test_ufuncs_without_an_exact_meaning_say_so(ufunc):
    a = np.array([0.5, 1.25], dtype=fixpt.Q(4, 12))
    args = (a,) * ufunc.nin
    with pytest.raises(TypeError, match=f"np.{ufunc.__name__} has no exact result"):
        ufunc(*args)


# ---- reductions -------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(formats, st.data())
def test_reductions_into_an_accumulator_are_exact_or_raise(fmt, data):
    rows, cols = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 5))
    a, raws = dtype_array(data, fmt, (rows, cols))
    grow = data.draw(st.integers(0, 64 - fmt.wl))
    extra = data.draw(st.integers(0, 64 - fmt.wl - grow))
    acc = FixedFormat(fmt.il + grow, fmt.fl + extra, True)
    raw = np.array(raws, dtype=object).reshape(rows, cols)
    axis = data.draw(st.sampled_from([None, 0, 1]))
    want = raw.sum() if axis is None else raw.sum(axis=axis)
    out = np.zeros(np.shape(want), dtype=acc.dtype)
    fits = all(acc.raw_min <= int(w) << extra <= acc.raw_max for w in np.ravel(want))
    # NumPy chooses the order of the additions: a partial sum may leave the accumulator
    # even when the total fits, unless no order can (the positives and negatives each fit)
    positives = raw.clip(0, None).sum() if axis is None else raw.clip(0, None).sum(axis=axis)
    negatives = raw.clip(None, 0).sum() if axis is None else raw.clip(None, 0).sum(axis=axis)
    safe = all(int(p) << extra <= acc.raw_max and int(q) << extra >= acc.raw_min
               for p, q in zip(np.ravel(positives), np.ravel(negatives)))
    if not fits:
        with pytest.raises(OverflowError, match="accumulator|output format"):
            np.add.reduce(a, axis=axis, out=out)
        return
    try:
        np.add.reduce(a, axis=axis, out=out)
    except OverflowError:
        assert not safe  # raised for a partial sum, never for a result that every order keeps
        return
    assert exact(out) == [Fraction(int(w)) * Fraction(2) ** -fmt.fl for w in np.ravel(want)]


def test_reduction_details():
    a = np.array([0.5, -1.25, 3.0], dtype=fixpt.Q(4, 12))
    acc = fixpt.Q(20, 12).dtype
    assert exact(np.sum(a, out=np.zeros((), acc))) == [Fraction(9, 4)]
    assert exact(np.sum(a, where=[True, False, True], out=np.zeros((), acc))) == [Fraction(7, 2)]
    assert exact(np.sum(a[:0], out=np.zeros((), acc))) == [0]  # add's identity
    assert exact(np.subtract.reduce(a, out=np.zeros((), acc))) == [Fraction(1, 2) + Fraction(5, 4) - 3]
    assert exact(np.add.accumulate(a, out=np.zeros(3, a.dtype))) == [Fraction(1, 2), Fraction(-3, 4), Fraction(9, 4)]
    with pytest.raises(OverflowError, match="running result"):
        np.add.accumulate(np.array([7, 7.0], a.dtype), out=np.zeros(2, a.dtype))
    # fewer fraction bits: NumPy's meaning of a reduction, acc = round(acc + x) step by step
    tiny = np.full(4, 2.0 ** -12, dtype=a.dtype)
    assert exact(np.add.reduce(tiny, out=np.zeros((), fixpt.Q(20, 10).dtype))) == [0]
    assert exact(np.multiply.reduce(a, out=np.ones((), acc))) == [Fraction(-15, 8)]
    with pytest.raises(OverflowError, match="running result"):
        np.multiply.reduce(np.full(10, 4.0, a.dtype), out=np.ones((), acc))
    with pytest.raises(OverflowError, match="beyond the range of the output format Q\\(4,12\\)"):
        np.add(a, np.full(3, 7.0, a.dtype), out=np.zeros(3, a.dtype))  # rounded once, never saturated
    with pytest.raises(TypeError, match="not compatible"):  # NumPy cannot plan n-fold growth
        np.sum(a)
    assert exact([np.max(a), np.min(a)]) == [3, Fraction(-5, 4)]
    b = a.reshape(1, 3)
    assert exact(np.max(np.concatenate([b, -b]), axis=0)) == [Fraction(1, 2), Fraction(5, 4), 3]
    total = fixpt.sum(a)  # the function that plans the growth from n
    assert total.item() == 2.25 and total.format == fixpt.Q(6, 12)


# ---- sign, shifts, value tests ---------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(formats, st.data(), st.integers(-20, 20))
def test_sign_and_shifts(fmt, data, k):
    a, raws = dtype_array(data, fmt)
    assert np.sign(a).dtype == fixpt.Q(2, 0).dtype
    assert exact(np.sign(a)) == [(r > 0) - (r < 0) for r in raws]
    left, right = a << k, a >> k
    assert left.dtype == FixedFormat(fmt.il + k, fmt.fl - k, fmt.signed).dtype
    assert exact(left) == [v * Fraction(2) ** k for v in exact(a)]
    assert exact(right) == [v * Fraction(2) ** -k for v in exact(a)]


def test_shift_refusals_and_value_tests():
    a = np.array([0.5, -1.25], dtype=fixpt.Q(4, 12))
    with pytest.raises(TypeError, match="Python int"):
        a << np.array([1, 2])
    with pytest.raises(TypeError, match="Python int"):
        a << 1.5
    assert not np.isnan(a).any() and not np.isinf(a).any() and np.isfinite(a).all()


# ---- matmul, vecdot --------------------------------------------------------------------

MAC_FORMATS = [FixedFormat(5, 4, True), FixedFormat(8, 0, False), FixedFormat(1, 15, True),
               FixedFormat(20, 12, True), FixedFormat(2, 30, True), FixedFormat(3, -2, True)]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(MAC_FORMATS), st.sampled_from(MAC_FORMATS), st.data())
def test_matmul_and_vecdot_are_exact(fa, fb, data):
    batch, m, k, n = (data.draw(st.integers(1, 3)) for _ in range(4))
    a, ra = dtype_array(data, fa, (batch, m, k))
    b, rb = dtype_array(data, fb, (k, n))
    A, B = np.array(ra, dtype=object).reshape(batch, m, k), np.array(rb, dtype=object).reshape(k, n)
    want = A @ B
    fl = fa.fl + fb.fl
    out_format = FixedFormat(64 - fl, fl, fa.signed or fb.signed)
    if not all(out_format.raw_min <= w <= out_format.raw_max for w in want.ravel()):
        with pytest.raises(OverflowError, match="np.matmul"):
            a @ b
        return
    got = a @ b
    assert got.dtype == out_format.dtype
    assert exact(got) == [Fraction(int(w)) * Fraction(2) ** -fl for w in want.ravel()]
    transposed = np.matmul(np.swapaxes(np.swapaxes(a, 1, 2).copy(), 1, 2), b)  # strided operand
    assert exact(transposed) == exact(got)
    out = np.zeros((batch, n, m), got.dtype).transpose(0, 2, 1)  # strided output
    np.matmul(a, b, out=out)
    assert exact(out) == exact(got)
    squares = (A * A[:, :1, :]).sum(-1).ravel()
    square_format = FixedFormat(64 - 2 * fa.fl, 2 * fa.fl, fa.signed)
    if all(square_format.raw_min <= w <= square_format.raw_max for w in squares):
        v = np.vecdot(a, np.swapaxes(a, 1, 2)[:, :, :1].transpose(0, 2, 1))
        assert exact(v) == [Fraction(int(w)) * Fraction(2) ** -(2 * fa.fl) for w in squares]


def test_matmul_overflow_and_widths():
    a = np.full((2, 4), 15.0, dtype=fixpt.Q(5, 4))
    with pytest.raises(OverflowError, match="np.matmul: 4 sum"):
        np.matmul(a, a.T, out=np.zeros((2, 2), fixpt.Q(8, 8).dtype))
    big = np.array([[2**63]], dtype=fixpt.UQ(64, 0))
    with pytest.raises(TypeError, match="128 bits"):
        big @ big
    wide = np.array([[2**62, 2**62]], dtype=fixpt.Q(64, 0))
    with pytest.raises(OverflowError, match="sum"):
        wide @ wide.T  # 2^125 does not fit the 64-bit default


# ---- casts to integers, from float16 -------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(formats, st.data(), st.sampled_from([np.int8, np.uint8, np.int16, np.int32, np.uint32, np.int64, np.uint64]))
def test_casts_to_integers_truncate_or_raise(fmt, data, int_type):
    a, _ = dtype_array(data, fmt)
    info = np.iinfo(int_type)
    truncated = [int(v) for v in exact(a)]  # int(Fraction) truncates toward zero
    if all(info.min <= t <= info.max for t in truncated):
        assert a.astype(int_type).tolist() == truncated
        assert fixpt.from_numpy(a).astype(int_type).tolist() == truncated
    else:
        with pytest.raises(OverflowError, match="beyond the range"):
            a.astype(int_type)


def test_float16_into_fixed_is_one_rounding():
    halves = np.arange(0, 2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    finite = halves[np.isfinite(halves)]
    fmt = FixedFormat(8, 12, True)
    got = exact(finite.astype(fmt.dtype))
    for h, g in zip(finite.tolist(), got):
        raw, _ = cast_value(Fraction(h), fmt, "nearest_even", "saturate")
        assert g == Fraction(raw) * Fraction(2) ** -fmt.fl
    with pytest.raises(ValueError, match="NaN"):
        np.array([np.nan], np.float16).astype(fmt.dtype)


def test_fixedarray_astype_numpy_types():
    x = fixpt.array([1.5, -2.75], "Q4.4")
    assert x.astype(np.int32).tolist() == [1, -2] and x.astype(np.float64).tolist() == [1.5, -2.75]
    with pytest.raises(TypeError, match="float32"):
        x.astype(np.float32)


def test_pandas_holds_fixed_point_columns():
    pd = pytest.importorskip("pandas", reason="pandas is not a fixpt dependency; install it to check")
    a = np.array([0.5, -1.25, 3.0], dtype=fixpt.Q(4, 12))
    frame = pd.DataFrame({"x": a})
    assert frame["x"].dtype == a.dtype and frame["x"].to_numpy().dtype == a.dtype
    assert (frame["x"] + frame["x"]).dtype == fixpt.Q(5, 12).dtype
    assert exact((frame["x"] * 2).to_numpy()) == [1, Fraction(-5, 2), 6]
