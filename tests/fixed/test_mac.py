"""Multiply-accumulate against a step-by-step Python-int oracle of the hardware model."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fixpt
from fixpt import FixedFormat
from oracle import apply_overflow, cast_value, mac_sum
from strategies import ROUNDINGS, formats


def oracle_sum(avals, bvals, fa, fb, acc, acc_overflow, product=None, product_rounding="nearest_even",
               word_index=0, seed=0):
    return mac_sum(avals, bvals, fa, fb, acc, acc_overflow, product, product_rounding, word_index, seed)


def raw_matrix(draw, fmt, shape):
    n = int(np.prod(shape))
    values = draw(st.lists(st.integers(fmt.raw_min, fmt.raw_max), min_size=n, max_size=n))
    return fixpt.from_raw(np.array(values, dtype=fmt.container).reshape(shape), fmt)


@given(st.data(), st.sampled_from(["wrap", "saturate"]), st.booleans(), st.sampled_from(ROUNDINGS[:10]))
def test_matmul_matches_stepwise_oracle(data, acc_overflow, narrow, rounding):
    fa = data.draw(formats(max_wl=16, fl_range=(-4, 12)))
    fb = data.draw(formats(max_wl=16, fl_range=(-4, 12)))
    m, k, n = (data.draw(st.integers(1, 4)) for _ in range(3))
    a = raw_matrix(data.draw, fa, (m, k))
    b = raw_matrix(data.draw, fb, (k, n))
    product = None
    if narrow:
        pfl = data.draw(st.integers(fa.fl + fb.fl - 8, fa.fl + fb.fl))
        product = FixedFormat(data.draw(st.integers(2, 20)) - pfl, pfl, True)
    prod_fl = product.fl if product else fa.fl + fb.fl
    acc = FixedFormat(data.draw(st.integers(2, 40)) - prod_fl, prod_fl, True)
    out = data.draw(formats(max_wl=32, fl_range=(prod_fl - 6, prod_fl + 2)))
    result, status = fixpt.matmul(a, b, acc_format=acc, acc_overflow=acc_overflow,
                                  product_format=product, out_format=out, rounding=rounding,
                                  product_rounding="nearest_even", return_status=True)
    expected, flags = [], []
    for i in range(m):
        for j in range(n):
            s, over = oracle_sum(a.raw[i], b.raw[:, j], fa, fb, acc, acc_overflow, product)
            flags.append(over)
            expected.append(cast_value(Fraction(s, 1) / Fraction(2) ** acc.fl, out, rounding, "saturate")[0])
    assert result.raw.ravel().tolist() == expected
    assert status.n_acc_overflow == sum(flags)


@given(st.data())
def test_default_accumulator_is_exact_for_any_shapes(data):
    fa = data.draw(formats(max_wl=24, fl_range=(-4, 20)))
    fb = data.draw(formats(max_wl=24, fl_range=(-4, 20)))
    shapes = data.draw(st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 2, 3), (3, 4)),
                                        ((1, 2, 3), (4, 3, 2)), ((2, 3), (3, 5))]))
    a = raw_matrix(data.draw, fa, shapes[0])
    b = raw_matrix(data.draw, fb, shapes[1])
    try:
        got = a @ b
    except ValueError as error:
        assert "pass out_format" in str(error)
        return
    want = np.matmul(a.to_fractions(), b.to_fractions())
    assert got.shape == np.shape(want)
    assert np.all(got.to_fractions() == want)
    assert got.format.wl <= fixpt.accumulator_bits(fa, fb, shapes[0][-1])


def test_long_sums_through_the_exact_float_paths():
    rng = np.random.default_rng(0)
    for fmt, k in (("Q1.7", 3000), ("Q1.15", 2000), ("UQ8.0", 1000)):
        f = fixpt.parse_format(fmt)
        a = fixpt.from_raw(rng.integers(f.raw_min, f.raw_max + 1, (5, k)), f)
        b = fixpt.from_raw(rng.integers(f.raw_min, f.raw_max + 1, (k, 4)), f)
        got = fixpt.matmul(a, b)
        want = a.raw.astype(object) @ b.raw.astype(object)
        assert got.raw.tolist() == want.tolist()
        # the extreme case that defines the bound
        worst = fixpt.from_raw(np.full((1, k), f.raw_min, f.container), f)
        assert int(fixpt.matmul(worst, worst.T).raw[0, 0]) == k * f.raw_min ** 2


def test_wide_accumulators_up_to_128_bits():
    f = fixpt.Q(16, 16)
    a = fixpt.from_raw(np.full((1, 4), f.raw_max, np.int32), f)
    b = fixpt.from_raw(np.full((4, 1), f.raw_min, np.int32), f)
    acc = fixpt.accumulator_format(f, f, 4)
    assert acc.wl == fixpt.accumulator_bits(f, f, 4) == 66 and acc.fl == 32
    exact = Fraction(4 * f.raw_max * f.raw_min, 2**32)
    for rounding, overflow in (("floor", "wrap"), ("nearest_even", "saturate"), ("ceil", "wrap")):
        got = fixpt.matmul(a, b, out_format="Q40.8", rounding=rounding, overflow=overflow)
        assert got.raw.tolist() == [[cast_value(exact, fixpt.Q(40, 8), rounding, overflow)[0]]]
    with pytest.raises(ValueError, match="66 bits wide.*pass out_format"):
        fixpt.matmul(a, b)
    big = fixpt.Q(32, 32)
    x = fixpt.from_raw(np.full((1, 4), big.raw_min, np.int64), big)
    assert fixpt.accumulator_bits(big, big, 4) == 130
    with pytest.raises(ValueError, match="needs 130 bits, more than 128"):
        fixpt.matmul(x, x.T, out_format="Q64.0")
    # a 128-bit accumulator that wraps, stepwise
    acc128 = fixpt.AccumulatorFormat(64, 64)
    got = fixpt.matmul(x, x.T, acc_format=acc128, acc_overflow="wrap", out_format="Q64.0", overflow="wrap")
    s = 0
    for _ in range(4):
        s = apply_overflow(s + big.raw_min**2, acc128, "wrap")[0]
    assert got.raw.tolist() == [[cast_value(Fraction(s, 2**64), fixpt.Q(64, 0), "nearest_even", "wrap")[0]]]


def test_accumulator_bits_exact_bound():
    for fa, fb, k in [("Q1.7", "Q1.7", 1), ("Q1.7", "Q1.7", 512), ("UQ8.0", "Q1.7", 7), ("Q3.0", "UQ2.0", 100)]:
        fa, fb = fixpt.parse_format(fa), fixpt.parse_format(fb)
        lo = min(x * y for x in (fa.raw_min, fa.raw_max) for y in (fb.raw_min, fb.raw_max)) * k
        hi = max(x * y for x in (fa.raw_min, fa.raw_max) for y in (fb.raw_min, fb.raw_max)) * k
        w = fixpt.accumulator_bits(fa, fb, k)
        signed = lo < 0
        fits = (lambda w: -(1 << (w - 1)) <= lo and hi < (1 << (w - 1))) if signed else (lambda w: hi < (1 << w))
        assert fits(w) and not fits(w - 1)
        assert w <= fa.wl + fb.wl + int(np.ceil(np.log2(k)))  # never above the rule of thumb
    assert fixpt.accumulator_bits("Q1.7", "Q1.7", 512) == 25


def test_raise_mode_and_status():
    x = fixpt.array([[1.0, 1.0, 1.0]], "Q2.0")
    w = fixpt.array([[1.0], [1.0], [-2.0]], "Q2.0")
    with pytest.raises(OverflowError, match="accumulator Q\\(2,0\\) overflowed in 1 sum"):
        fixpt.matmul(x, w, acc_format="Q2.0", acc_overflow="raise")
    # the stepwise path (forced here by a product format) sees the partial sum 2
    y, status = fixpt.matmul(x, w, acc_format="Q4.0", product_format="Q4.0", return_status=True)
    assert y.tolist() == [[0.0]] and status.n_acc_overflow == 0 and status.max_acc_bits == 2
    assert status.headroom_bits == 1
    # with room for every possible partial sum (3 * 4 = 12 fits Q5.0) the exact fast path
    # runs, and it can only report the final sums
    y, status = fixpt.matmul(x, w, acc_format="Q5.0", return_status=True)
    assert y.tolist() == [[0.0]] and status.max_acc_bits == 0 and status.headroom_bits == 4


def test_a_narrow_accumulator_never_wraps_unless_asked():
    """Nothing wraps silently: a narrow acc_format without acc_overflow= raises (the default
    was "wrap"); asking for "wrap" gives the two's complement sum."""
    x = fixpt.array([[1.0, 1.0, 1.0]], "Q2.0")
    w = fixpt.array([[1.0], [1.0], [-2.0]], "Q2.0")
    for call in (lambda **kw: fixpt.matmul(x, w, acc_format="Q2.0", **kw),
                 lambda **kw: fixpt.dot(x[0], w[:, 0], acc_format="Q2.0", **kw),
                 lambda **kw: fixpt.convolve(x[0], fixpt.array([1.0, 1.0, 1.0], "Q2.0"), "valid",
                                             acc_format="Q2.0", out_format="Q4.0", **kw)):
        with pytest.raises(OverflowError, match="accumulator Q\\(2,0\\) overflowed"):
            call()
    assert fixpt.matmul(x, w, acc_format="Q2.0", acc_overflow="wrap").tolist() == [[0.0]]  # 1, -2, -4 = 0 (mod 4)


@given(st.data(), st.sampled_from(["full", "same", "valid"]))
def test_convolve_matches_numpy_and_stepwise_model(data, mode):
    fx = data.draw(formats(max_wl=16, fl_range=(0, 8)))
    fh = data.draw(formats(max_wl=12, fl_range=(0, 8)))
    x = raw_matrix(data.draw, fx, (data.draw(st.integers(1, 40)),))
    h = raw_matrix(data.draw, fh, (data.draw(st.integers(1, 9)),))
    got = fixpt.convolve(x, h, mode=mode)
    want = np.convolve(x.raw.astype(np.int64), h.raw.astype(np.int64), mode=mode)
    assert got.raw.tolist() == want.tolist() and got.format.fl == fx.fl + fh.fl
    # a narrow saturating accumulator: the stepwise model in tap order
    acc = FixedFormat(10 - fx.fl - fh.fl, fx.fl + fh.fl, True)
    sat = fixpt.convolve(x, h, acc_format=acc, acc_overflow="saturate")
    xs, hs = (x, h) if x.size >= h.size else (h, x)
    padded = np.concatenate([np.zeros(hs.size - 1, int), xs.raw.astype(int), np.zeros(hs.size - 1, int)])
    expected = [oracle_sum([hs.raw[t] for t in range(hs.size)],
                           [padded[i + hs.size - 1 - t] for t in range(hs.size)],
                           hs.format, xs.format, acc, "saturate")[0] for i in range(xs.size + hs.size - 1)]
    assert sat.raw.tolist() == expected


def test_conv2d_against_direct_loops():
    rng = np.random.default_rng(1)
    x = fixpt.from_raw(rng.integers(-128, 128, (2, 3, 7, 6)), "Q1.7")
    w = fixpt.from_raw(rng.integers(-128, 128, (4, 3, 3, 2)), "Q1.7")
    for stride, padding in ((1, 0), (2, 1), ((1, 2), (2, 0))):
        got = fixpt.conv2d(x, w, stride=stride, padding=padding)
        sh, sw = (stride, stride) if np.isscalar(stride) else stride
        ph, pw = (padding, padding) if np.isscalar(padding) else padding
        xp = np.pad(x.raw.astype(np.int64), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        oh, ow = (xp.shape[2] - 3) // sh + 1, (xp.shape[3] - 2) // sw + 1
        want = np.zeros((2, 4, oh, ow), np.int64)
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, :, i * sh:i * sh + 3, j * sw:j * sw + 2]
                want[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w.raw.astype(np.int64))
        assert got.raw.tolist() == want.tolist() and got.format.fl == 14


def test_protocol_and_operators():
    a = fixpt.array([[0.5, 0.25]], "Q1.7")
    b = fixpt.array([[0.5], [-1.0]], "Q1.7")
    assert (a @ b).tolist() == [[0.0]] and np.matmul(a, b).tolist() == [[0.0]]
    assert np.dot(a[0], b[:, 0]).tolist() == 0.0
    assert np.convolve(a[0], a[0]).tolist() == [0.25, 0.25, 0.0625]
    with pytest.raises(ValueError, match="do not align"):
        a @ a


def test_stochastic_rounding_of_narrowed_products_inside_the_mac():
    # each product's random word comes from the product stream (stream 1 of the seed), element
    # index out_index * k + t: the oracle draws the same words from the documented formula
    rng = np.random.default_rng(21)
    fa, fb = FixedFormat(4, 8, True), FixedFormat(4, 8, True)
    a = fixpt.from_raw(rng.integers(fa.raw_min, fa.raw_max, (3, 5)), fa)
    b = fixpt.from_raw(rng.integers(fb.raw_min, fb.raw_max, (5, 4)), fb)
    product, acc = FixedFormat(10, 6, True), FixedFormat(24, 6, True)
    for mode in ("stochastic", "stochastic_equal"):
        got = fixpt.matmul(a, b, product_format=product, product_rounding=mode, acc_format=acc,
                           out_format=acc, seed=7)
        want = [mac_sum(a.raw[i], b.raw[:, j], fa, fb, acc, "wrap", product, mode, (i * 4 + j) * 5, 7)[0]
                for i in range(3) for j in range(4)]
        assert got.raw.ravel().tolist() == want
        again = fixpt.matmul(a, b, product_format=product, product_rounding=mode, acc_format=acc,
                             out_format=acc, seed=7)
        assert np.array_equal(got.raw, again.raw)


@pytest.mark.parametrize("taps", [513, 700, 1500])
def test_fir_beyond_one_tile_of_taps(taps):
    # TILE is 512 in mac.c: longer filters take the strided AXPY path (double, exact) and the
    # stepwise path (a narrow accumulator forces it); both against int64 convolution
    rng = np.random.default_rng(taps)
    x = fixpt.from_raw(rng.integers(-2**7, 2**7, 3000), FixedFormat(8, 0, True))
    h = fixpt.from_raw(rng.integers(-2**7, 2**7, taps), FixedFormat(8, 0, True))
    want = np.convolve(x.raw.astype(np.int64), h.raw.astype(np.int64))
    assert np.array_equal(fixpt.convolve(x, h).raw, want)
    strided = fixpt.convolve(fixpt.from_raw(np.repeat(x.raw, 2)[::2], x.format), h)
    assert np.array_equal(strided.raw, want)
    narrow = fixpt.AccumulatorFormat(20, 0, True)
    got = fixpt.convolve(x, h, acc_format=narrow, acc_overflow="wrap", out_format="Q20.0")
    wrapped = [apply_overflow(int(v), narrow, "wrap")[0] for v in want]   # a sum wraps like its parts
    assert got.raw.tolist() == wrapped
