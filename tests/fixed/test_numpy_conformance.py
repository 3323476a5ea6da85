"""FixedArray against NumPy: the same operations on a FixedArray and on a plain NumPy integer
array of its raw values agree wherever the semantics agree (one format: raw order is value
order, raw differences are value differences); in-place operators, out=, weak scalars and 0-d
arrays follow NumPy's rules, checked against Fractions."""
import io
import math
import operator
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fixpt

FMT = fixpt.Q(6, 10)


def pair(seed=0, shape=(4, 6)):
    rng = np.random.default_rng(seed)
    raw = rng.integers(-3000, 3000, shape).astype(np.int16)
    raw.flat[:3] = raw.flat[3]  # ties for sort stability and unique
    return fixpt.from_raw(raw, FMT), raw


SAME_FORMAT = {
    "sort": (lambda m, a: m.sort(a, axis=1), True),
    "sort axis 0 stable": (lambda m, a: m.sort(a, axis=0, kind="stable"), True),
    "argsort": (lambda m, a: m.argsort(a, axis=1, kind="stable"), False),
    "argmax": (lambda m, a: m.argmax(a), False),
    "argmin axis": (lambda m, a: m.argmin(a, axis=0), False),
    "flip": (lambda m, a: m.flip(a, axis=1), True),
    "roll": (lambda m, a: m.roll(a, 3), True),
    "roll axis": (lambda m, a: m.roll(a, -1, axis=0), True),
    "take": (lambda m, a: m.take(a, [0, 5, 2], axis=1), True),
    "repeat": (lambda m, a: m.repeat(a, 2, axis=0), True),
    "tile": (lambda m, a: m.tile(a, (1, 2)), True),
    "moveaxis": (lambda m, a: m.moveaxis(a, 0, 1), True),
    "expand_dims": (lambda m, a: m.expand_dims(a, 1), True),
    "broadcast_to": (lambda m, a: m.broadcast_to(a[:1], (3, 6)), True),
    "unique": (lambda m, a: m.unique(a), True),
    "unique counts": (lambda m, a: m.unique(a, return_counts=True)[1], False),
    "nonzero": (lambda m, a: m.nonzero(a)[1], False),
    "count_nonzero": (lambda m, a: m.count_nonzero(a, axis=1), False),
    "any/all": (lambda m, a: (m.any(a, axis=0), m.all(a)), False),
    "searchsorted": (lambda m, a: m.searchsorted(m.sort(a.ravel()), a.ravel()[:5]), False),
    "transpose": (lambda m, a: m.transpose(a), True),
    "concatenate": (lambda m, a: m.concatenate([a, a], axis=1), True),
    "where": (lambda m, a: m.where(np.arange(6) % 2 == 0, a, a[::-1]), True),
    "maximum": (lambda m, a: m.maximum(a, a[::-1]), True),
    "equal": (lambda m, a: m.equal(a, a[::-1]), False),
    "less": (lambda m, a: m.less(a, a[::-1]), False),
}


@pytest.mark.parametrize("name", sorted(SAME_FORMAT))
def test_same_as_numpy_on_the_raw_integers(name):
    op, fixed_result = SAME_FORMAT[name]
    x, raw = pair()
    got, want = op(np, x), op(np, raw)
    if fixed_result:
        assert isinstance(got, fixpt.FixedArray) and got.format == FMT
        got = got.raw
    if isinstance(want, tuple):
        for g, w in zip(got, want):
            assert np.array_equal(g, w)
    else:
        assert np.array_equal(np.asarray(got), want)


def test_methods_match_numpy():
    x, raw = pair(1)
    assert x.argmax() == raw.argmax() and x.argmin() == raw.argmin()
    assert np.array_equal(x.argsort(kind="stable"), raw.argsort(kind="stable"))
    assert np.array_equal(x.take([1, 3]).raw, raw.take([1, 3]))
    assert np.array_equal(x.repeat(2).raw, raw.repeat(2))
    assert x.any() == raw.any() and x.all() == raw.all()
    y, r = x.copy(), raw.copy()
    y.sort(axis=0)
    r.sort(axis=0)
    assert np.array_equal(y.raw, r)


def test_clip_diff_and_likes():
    x = fixpt.array([0.5, -1.25, 3.0, 0.5], "Q4.4")
    assert np.clip(x, -1, 1).tolist() == [0.5, -1.0, 1.0, 0.5]
    # bounds outside the grid: the values of the format nearest inside them
    assert np.clip(x, 0.1, 2.99).tolist() == [0.5, 0.125, 2.9375, 0.5]
    assert np.clip(x, -100, None).tolist() == x.tolist() and x.clip(max=0).tolist() == [0.0, -1.25, 0.0, 0.0]
    d = np.diff(x, n=2)
    assert d.format == fixpt.Q(6, 4) and d.tolist() == np.diff(x.tolist(), n=2).tolist()
    assert np.diff(x, prepend=0).tolist() == np.diff(x.tolist(), prepend=0).tolist()
    assert np.zeros_like(x).format == x.format and np.ones_like(x).tolist() == [1.0] * 4
    assert np.full_like(x, 0.25).tolist() == [0.25] * 4
    with pytest.raises(ValueError, match="not a value of"):
        np.full_like(x, 0.1)
    assert np.empty_like(x).tolist() == [0.0] * 4
    assert np.isclose(x, x + fixpt.array(2.0**-4, "Q4.4"), atol=0.1).all()
    assert np.sign(x).tolist() == [1.0, -1.0, 1.0, 1.0]
    assert not np.isnan(x).any() and np.isfinite(x).all()


def test_save_and_load():
    x = fixpt.array([[0.5, -1.25], [3.0, 7.9375]], "Q4.4")
    buffer = io.BytesIO()
    np.save(buffer, x)
    buffer.seek(0)
    assert np.load(buffer).tolist() == x.tolist()
    buffer = io.BytesIO()
    fixpt.save(buffer, x)
    buffer.seek(0)
    y = fixpt.load(buffer)
    assert y.format == x.format and np.array_equal(y.raw, x.raw)
    wide = fixpt.from_raw([2**60 + 1], "Q64.0")
    with pytest.raises(TypeError, match="fixpt.compare"):
        np.save(io.BytesIO(), wide)
    buffer = io.BytesIO()
    fixpt.save(buffer, wide)
    buffer.seek(0)
    assert fixpt.load(buffer).raw.tolist() == [2**60 + 1]


def test_inplace_follows_numpy():
    # NumPy: the result is cast back into the left operand; views write through
    raw = np.array([100, -200, 300], np.int16)
    x = fixpt.from_raw(raw.copy(), FMT)
    alias, view = x, x[1:]
    x += fixpt.from_raw([1, 2, 3], FMT)
    raw += np.array([1, 2, 3], np.int16)
    assert alias is x and x.format == FMT and np.array_equal(x.raw, raw)
    view += 0.5  # 512 raw units
    raw[1:] += 512
    assert np.array_equal(x.raw, raw)
    x[0:2] -= 1
    raw[0:2] -= 1024
    assert np.array_equal(x.raw, raw)
    x *= 2
    raw *= 2
    assert np.array_equal(x.raw, raw)
    x <<= 1
    raw <<= 1
    assert np.array_equal(x.raw, raw)
    x >>= 2  # rounds: x's policy (nearest_even) on the exact value
    assert x.to_fractions().tolist() == [Fraction(round(Fraction(int(r), 4)), 1024) for r in raw]


def test_inplace_overflow_policy():
    s = fixpt.zeros(2, "Q3.4")
    step = fixpt.array([1.5, -1.5], "Q3.4")
    s += step
    s += step
    with pytest.raises(OverflowError, match="Q\\(3,4\\)"):
        s += step + step  # 6, -6: outside [-4, 3.9375]; s unchanged
    assert s.tolist() == [3.0, -3.0] and s.format == fixpt.Q(3, 4)
    sat = s.with_policy(overflow="saturate")
    sat += step
    assert s.tolist() == [3.9375, -4.0]  # a view: writes through
    wrap = fixpt.from_raw([127], "Q4.4").with_policy(overflow="wrap")
    wrap += fixpt.from_raw([1], "Q4.4")
    assert wrap.raw.tolist() == [-128]
    floor = fixpt.zeros(1, "Q4.2").with_policy(rounding="floor")
    floor += fixpt.array([0.3], "Q4.8")
    assert floor.tolist() == [0.25]
    with pytest.raises(TypeError, match="fixpt.divide"):
        s /= 2
    with pytest.raises(ValueError, match="non-broadcastable output"):
        s += fixpt.zeros((3, 2), "Q3.4")


def test_out_argument():
    x = fixpt.array([1.5, -0.75], "Q4.4")
    out = fixpt.zeros(2, "Q8.2")
    result = np.multiply(x, x, out=out)
    assert result is out and out.tolist() == [2.25, 0.5]  # 0.5625 rounds to 0.5 (ties even)
    np.add(x, 1, out=(out,))
    assert out.tolist() == [2.5, 0.25]
    np.negative(x, out=out)
    assert out.tolist() == [-1.5, 0.75]
    with pytest.raises(TypeError, match="out= must be a FixedArray"):
        np.add(x, x, out=np.empty(2))


def test_weak_scalars_and_float_arrays():
    x = fixpt.array([1.5, -2.25], "Q4.4")
    assert (x + 0.5).format == fixpt.Q(5, 4) and (0.5 + x).tolist() == [2.0, -1.75]
    assert (x * 3).format == fixpt.Q(6, 4)  # 3 is UQ2.0
    with pytest.raises(ValueError, match="needs 5 fraction bits"):
        x * 0.03125
    with pytest.raises(TypeError, match="convert it first"):
        x - [0.5, 0.5]
    assert (x == 1.5).tolist() == [True, False]  # comparisons are exact with any operand
    assert (x < np.array([0.1, 0.1])).tolist() == [False, True]


def test_zero_d_arrays_behave_like_numpy_scalars():
    x = fixpt.array([1.75, -2.5], "Q4.4")
    e = x[1]
    assert e.shape == () and np.asarray(e).shape == () and float(np.asarray(e)) == -2.5
    assert e.item() == -2.5 and x.item(0) == 1.75 and isinstance(e.item(), float)
    assert int(e) == int(-2.5) and float(e) == -2.5 and format(e, ".3f") == "-2.500"
    assert format(x[0], "e") == format(1.75, "e") and bool(x[0]) and not bool(fixpt.zeros((), "Q4.4"))
    with pytest.raises(TypeError, match="unsized"):
        len(e)
    with pytest.raises(TypeError, match="only size-1"):
        float(x)
    with pytest.raises(TypeError, match="integer formats"):
        operator.index(e)
    assert operator.index(fixpt.from_raw(3, "Q8.0")) == 3 and [10, 20, 30, 40][fixpt.from_raw(3, "Q8.0")] == 40
    with pytest.raises(ValueError, match="raw integers"):
        np.asarray(x, copy=False)
    big = fixpt.from_raw(2**62 + 1, "Q64.0")
    assert big.item() == Fraction(2**62 + 1) and int(big) == 2**62 + 1
    assert float(big) == float(2**62)  # float() rounds (correctly), item() never does
    assert format(big, ".0f") == str(2**62 + 1)  # beyond float64: the exact decimal


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-2**15, 2**15 - 1), min_size=1, max_size=8),
       st.lists(st.integers(-2**20, 2**20), min_size=1, max_size=8),
       st.sampled_from(["nearest_even", "floor", "ceil", "toward_zero", "nearest_away"]),
       st.sampled_from(["saturate", "wrap", "raise"]), st.sampled_from(["add", "sub", "mul"]))
def test_inplace_is_one_rounding_of_the_exact_result(left, right, rounding, overflow, op):
    n = min(len(left), len(right))
    x = fixpt.from_raw(np.array(left[:n], np.int16), "Q6.10").with_policy(rounding=rounding, overflow=overflow)
    y = fixpt.from_raw(np.array(right[:n], np.int32), "Q12.12")
    exact = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}[op]
    want = []
    for a, b in zip(left[:n], right[:n]):
        v = exact(Fraction(a, 1024), Fraction(b, 4096)) * 1024
        r = {"nearest_even": round(v), "floor": math.floor(v), "ceil": math.ceil(v),
             "toward_zero": int(v), "nearest_away": int(v + Fraction(1, 2)) if v >= 0 else -int(-v + Fraction(1, 2))}[rounding]
        want.append(r)
    beyond = any(not -2**15 <= r < 2**15 for r in want)
    if overflow == "raise" and beyond:
        with pytest.raises(OverflowError):
            {"add": operator.iadd, "sub": operator.isub, "mul": operator.imul}[op](x, y)
        assert x.raw.tolist() == left[:n]
        return
    {"add": operator.iadd, "sub": operator.isub, "mul": operator.imul}[op](x, y)
    if overflow == "saturate":
        want = [min(max(r, -2**15), 2**15 - 1) for r in want]
    elif overflow == "wrap":
        want = [(r + 2**15) % 2**16 - 2**15 for r in want]
    assert x.raw.tolist() == want and x.format == fixpt.Q(6, 10)
