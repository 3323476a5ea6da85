"""IIR filters (lfilter in Direct Form I, sosfilt): bit-exact against a Python-int
reference of the DF1 recursion, block processing equal to one call (stochastic rounding
included), textbook limit cycles, and scipy's float64 filter for wide formats."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import apply_overflow, random_word, round_to_int

import fixpt
from fixpt import FixedFormat


def df1_reference(b, a, x, fb, fa, fx, out, acc_fl, acc=None, acc_overflow="raise", rounding="nearest_even",
                  overflow="saturate", seed=0, stream=0, index=0, x_hist=None, y_hist=None):
    """Raw outputs of one signal, the DF1 recursion on Python ints (acc: a narrow accumulator
    format whose overflow mode applies after every addition)."""
    align_b, align_a = acc_fl - (fb.fl + fx.fl), acc_fl - (fa.fl + out.fl)
    xs = list(x_hist) if x_hist is not None else [0] * (len(b) - 1)
    ys = list(y_hist) if y_hist is not None else [0] * (len(a) - 1)
    y = []
    for t, xv in enumerate(x):
        history = xs + [xv]
        terms = [b[k] * history[-1 - k] << align_b for k in range(len(b))]
        terms += [-(a[k] * ys[len(ys) - k] << align_a) for k in range(1, len(a))]
        total = 0
        for term in terms:
            total += term
            if acc is not None and not acc.raw_min <= total <= acc.raw_max:
                assert acc_overflow != "raise", "the accumulator overflowed"
                total, _ = apply_overflow(total, acc, acc_overflow)
        word = random_word(seed, stream, index + t) if rounding.startswith("stochastic") else 0
        raw, _ = apply_overflow(round_to_int(Fraction(total, 2 ** acc_fl) * 2 ** out.fl, rounding, word), out,
                                overflow)
        y.append(raw)
        xs = (xs + [xv])[1:] if xs else xs
        ys = (ys + [raw])[1:] if ys else ys
    return y


COEFFICIENTS = [FixedFormat(2, 14, True), FixedFormat(1, 7, True), FixedFormat(3, 13, True), FixedFormat(4, 28, True)]
SIGNALS = [FixedFormat(1, 15, True), FixedFormat(4, 4, True), FixedFormat(8, 0, False), FixedFormat(2, 30, True)]
OUTPUTS = [FixedFormat(2, 14, True), FixedFormat(4, 4, True), FixedFormat(1, 7, True), FixedFormat(8, 24, True),
           FixedFormat(6, 2, False)]
DETERMINISTIC = ["nearest_even", "nearest_away", "nearest_up", "floor", "ceil", "toward_zero", "odd"]


def coefficients(data, fmt, n, leading_one=False):
    raws = data.draw(st.lists(st.integers(fmt.raw_min, fmt.raw_max), min_size=n, max_size=n))
    if leading_one:
        raws[0] = 1 << fmt.fl
    return fixpt.from_raw(np.array(raws, fmt.container), fmt)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(COEFFICIENTS), st.sampled_from(SIGNALS), st.sampled_from(OUTPUTS), st.data(),
       st.sampled_from(DETERMINISTIC + ["stochastic"]), st.sampled_from(["saturate", "wrap", "saturate_zero"]))
def test_lfilter_is_the_df1_recursion_bit_for_bit(fc, fx, out, data, rounding, overflow):
    nb, na = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    if fc.raw_max < 1 << fc.fl:
        return
    b, a = coefficients(data, fc, nb), coefficients(data, fc, na, leading_one=True)
    batch, n = data.draw(st.integers(1, 3)), data.draw(st.integers(0, 25))
    x_raw = np.array(data.draw(st.lists(st.integers(fx.raw_min, fx.raw_max), min_size=batch * n,
                                        max_size=batch * n)), fx.container).reshape(batch, n)
    x = fixpt.from_raw(x_raw, fx)
    y, status = fixpt.lfilter(b, a, x, out_format=out, rounding=rounding, overflow=overflow, seed=11,
                              return_status=True)
    acc_fl = max(fc.fl + fx.fl, fc.fl + out.fl)
    assert status.acc_format.fl == acc_fl and status.n_acc_overflow == 0
    for s in range(batch):
        want = df1_reference(b.raw.tolist(), a.raw.tolist(), x_raw[s].tolist(), fc, fc, fx, out, acc_fl,
                             rounding=rounding, overflow=overflow, seed=11, stream=s)
        assert y.raw[s].tolist() == want, (s, rounding, overflow)


@settings(max_examples=100, deadline=None)
@given(st.data(), st.sampled_from(["wrap", "saturate"]))
def test_a_narrow_accumulator_applies_its_overflow_after_every_addition(data, acc_overflow):
    fc, fx, out = FixedFormat(2, 6, True), FixedFormat(2, 6, True), FixedFormat(2, 6, True)
    acc = FixedFormat(5, 12, True)  # too narrow for the worst case: it overflows
    b, a = coefficients(data, fc, 3), coefficients(data, fc, 3, leading_one=True)
    x_raw = data.draw(st.lists(st.integers(fx.raw_min, fx.raw_max), min_size=1, max_size=30))
    x = fixpt.from_raw(np.array(x_raw, np.int8), fx)
    y = fixpt.lfilter(b, a, x, out_format=out, acc_format=acc, acc_overflow=acc_overflow)
    want = df1_reference(b.raw.tolist(), a.raw.tolist(), x_raw, fc, fc, fx, out, 12, acc=acc,
                         acc_overflow=acc_overflow)
    assert y.raw.tolist() == want


@settings(max_examples=60, deadline=None)
@given(st.data(), st.sampled_from(["nearest_even", "stochastic", "floor"]))
def test_blocks_give_the_bits_of_one_call(data, rounding):
    fc, fx, out = FixedFormat(2, 14, True), FixedFormat(1, 15, True), FixedFormat(2, 14, True)
    b, a = coefficients(data, fc, 3), coefficients(data, fc, 3, leading_one=True)
    n = data.draw(st.integers(1, 60))
    x = fixpt.from_raw(np.array(data.draw(st.lists(st.integers(fx.raw_min, fx.raw_max), min_size=2 * n,
                                                   max_size=2 * n)), np.int16).reshape(n, 2), fx)
    whole = fixpt.lfilter(b, a, x, out_format=out, rounding=rounding, seed=5, axis=0)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=4)))
    state, pieces = "zeros", []
    for start, stop in zip([0] + cuts, cuts + [n]):
        piece, state = fixpt.lfilter(b, a, x[start:stop], out_format=out, rounding=rounding, seed=5, axis=0,
                                     zi=state)
        pieces.append(piece.raw)
    assert np.array_equal(np.concatenate(pieces), whole.raw) and state.index == n
    assert state.x.shape == (2, 2) and state.y.format == out


def test_textbook_zero_input_limit_cycle():
    """y[n] = x[n] + a y[n-1] with a = 1/2 in 4-bit words, x = 7/8 at n = 0 (Oppenheim and
    Schafer): rounding half up sticks at 1/8 forever, half to even and floor decay to 0, and
    a = -1/2 makes the stuck value alternate in sign."""
    x = fixpt.array([0.875] + [0.0] * 7, "Q1.3")
    b = fixpt.array([1.0], "Q2.2")
    cases = {(0.5, "nearest_up"): [7, 4, 2, 1, 1, 1, 1, 1],       # stuck at 1/8: the limit cycle
             (0.5, "nearest_even"): [7, 4, 2, 1, 0, 0, 0, 0],     # 1/16 is a tie, to even: 0
             (0.5, "floor"): [7, 3, 1, 0, 0, 0, 0, 0],
             (-0.5, "nearest_away"): [7, -4, 2, -1, 1, -1, 1, -1]}  # +-1/8 forever
    for (pole, rounding), eighths in cases.items():
        a = fixpt.array([1.0, -pole], "Q2.2")
        y = fixpt.lfilter(b, a, x, out_format="Q1.3", rounding=rounding)
        assert y.raw.tolist() == eighths, (pole, rounding)


def test_overflow_oscillation_under_wrap_and_saturate():
    """A stable second-order filter pushed out of range once: wrap keeps it oscillating at
    full scale (the classic overflow oscillation), saturation lets it decay."""
    b = fixpt.array([1.0], "Q2.14")
    a = fixpt.array([1.0, -0.5, 0.9], "Q2.14")  # stable poles (|p| = 0.95), |a1| + |a2| > 1
    x = fixpt.array([0.9, -0.9] + [0.0] * 300, "Q1.15")
    wrapped = fixpt.lfilter(b, a, x, out_format="Q1.15", overflow="wrap")
    saturated = fixpt.lfilter(b, a, x, out_format="Q1.15", overflow="saturate")
    assert np.abs(wrapped.to_float()[-50:]).max() > 0.5
    assert np.abs(saturated.to_float()[-50:]).max() < 0.1


def test_errors_name_the_problem():
    b, x = fixpt.array([0.5], "Q1.7"), fixpt.array([0.5], "Q1.7")
    with pytest.raises(ValueError, match="a\\[0\\] must be exactly 1"):
        fixpt.lfilter(b, fixpt.array([0.5, 0.25], "Q1.7"), x, out_format="Q1.7")
    with pytest.raises(ValueError, match="fewer fraction bits than the products"):
        fixpt.lfilter(b, fixpt.array([1.0], "Q2.6"), x, out_format="Q1.7", acc_format="Q20.10")
    with pytest.raises(OverflowError, match="accumulator"):
        fixpt.lfilter(fixpt.array([0.99, 0.99], "Q1.7"), fixpt.array([1.0], "Q2.6"), fixpt.array([0.99] * 4, "Q1.7"),
                      out_format="Q4.7", acc_format="Q1.14")
    with pytest.raises(OverflowError):
        fixpt.lfilter(fixpt.array([1.5], "Q2.6"), fixpt.array([1.0], "Q2.6"), fixpt.array([0.9], "Q1.7"),
                      out_format="Q1.7", overflow="raise")
    with pytest.raises(TypeError, match="FilterState"):
        fixpt.lfilter(b, fixpt.array([1.0], "Q2.6"), x, out_format="Q1.7", zi=[0.0])
    with pytest.raises(np.exceptions.AxisError):
        fixpt.lfilter(b, fixpt.array([1.0], "Q2.6"), x, out_format="Q1.7", axis=2)


def test_status_indices_refer_to_y():
    x = fixpt.zeros((3, 4), "Q1.7")
    x = fixpt.from_raw(np.where(np.arange(12).reshape(3, 4) == 9, 127, 0).astype(np.int8), "Q1.7")
    y, status = fixpt.lfilter(fixpt.array([1.5], "Q2.6"), fixpt.array([1.0], "Q2.6"), x, out_format="Q1.7",
                              axis=0, return_status=True)
    assert status.output.n_overflow == 1 and status.output.first_overflow == (2, 1)


def test_sosfilt_is_a_cascade_of_lfilters():
    rng = np.random.default_rng(3)
    sos = fixpt.array([[0.25, 0.5, 0.25, 1.0, -0.6, 0.2], [0.5, 0.0, -0.5, 1.0, 0.1, 0.3]], "Q2.14")
    x = fixpt.array(rng.uniform(-0.9, 0.9, (2, 40)), "Q1.15")
    y = fixpt.sosfilt(sos, x, section_format="Q3.13", out_format="Q2.14", seed=1, rounding="stochastic")
    section = [(fixpt.FixedArray(sos.raw[i, :3], sos.format), fixpt.FixedArray(sos.raw[i, 3:], sos.format))
               for i in range(2)]
    middle = fixpt.lfilter(*section[0], x, out_format="Q3.13")
    chained = fixpt.lfilter(*section[1], middle, out_format="Q2.14")
    assert np.array_equal(fixpt.sosfilt(sos, x, section_format="Q3.13", out_format="Q2.14").raw, chained.raw)
    # blocks of the cascade give the bits of one call
    head, state = fixpt.sosfilt(sos, x[:, :17], section_format="Q3.13", out_format="Q2.14", seed=1,
                                rounding="stochastic", zi="zeros")
    tail, _ = fixpt.sosfilt(sos, x[:, 17:], section_format="Q3.13", out_format="Q2.14", seed=1,
                            rounding="stochastic", zi=state)
    assert np.array_equal(np.concatenate([head.raw, tail.raw], axis=1), y.raw)


@pytest.mark.parametrize("order", [2, 8])
def test_wide_formats_agree_with_scipy(order):
    signal = pytest.importorskip("scipy.signal", reason="scipy is the float oracle (the 'oracles' extra)")
    b, a = signal.butter(order, 0.2)
    sos = signal.butter(order, 0.2, output="sos")
    rng = np.random.default_rng(order)
    x = rng.uniform(-0.5, 0.5, 2000)
    xf = fixpt.array(x, "Q2.40")
    y = fixpt.sosfilt(fixpt.array(sos, "Q3.40"), xf, section_format="Q8.40", out_format="Q8.40")
    assert np.max(np.abs(y.to_float() - signal.sosfilt(sos, xf.to_float()))) < 1e-8
    if order == 2:
        direct = fixpt.lfilter(fixpt.array(b, "Q2.40"), fixpt.array(a, "Q3.40"), xf, out_format="Q8.40")
        bq, aq = fixpt.array(b, "Q2.40").to_float(), fixpt.array(a, "Q3.40").to_float()
        assert np.max(np.abs(direct.to_float() - signal.lfilter(bq, aq, xf.to_float()))) < 1e-8


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(COEFFICIENTS), st.sampled_from(SIGNALS), st.sampled_from(OUTPUTS), st.data(),
       st.sampled_from(DETERMINISTIC + ["stochastic", "stochastic_equal"]),
       st.sampled_from(["saturate", "wrap", "saturate_symmetric"]))
def test_the_64_bit_path_equals_the_exact_engine(fc, fx, out, data, rounding, overflow):
    """Both sides of the proof (partial sums below 2^62 or not) against the 128-bit engine."""
    if fc.raw_max < 1 << fc.fl:
        return
    b, a = coefficients(data, fc, data.draw(st.integers(1, 9))), coefficients(data, fc, 3, leading_one=True)
    x = fixpt.from_raw(np.array(data.draw(st.lists(st.integers(fx.raw_min, fx.raw_max), min_size=1, max_size=40)),
                                fx.container), fx)
    fast, status = fixpt.lfilter(b, a, x, out_format=out, rounding=rounding, overflow=overflow, seed=3,
                                 return_status=True)
    with fixpt._binding.exact_paths_only():
        exact, exact_status = fixpt.lfilter(b, a, x, out_format=out, rounding=rounding, overflow=overflow, seed=3,
                                            return_status=True)
    assert np.array_equal(fast.raw, exact.raw)
    assert status.output.n_overflow == exact_status.output.n_overflow
    assert status.output.n_inexact == exact_status.output.n_inexact


def df2t_reference(b, a, x, fb, fa, fx, out, state, rounding, overflow, seed=0, stream_y=0, stream_s=(0, 0),
                   words=(0, 0), index=0):
    """Raw outputs and final state words of one signal through a DF2T biquad on Python ints."""
    exact = max(fb.fl + fx.fl, fa.fl + out.fl, state.fl)
    s1, s2 = words
    y_out = []

    def cast(value, fmt, stream, t):
        word = random_word(seed, stream, index + t) if rounding.startswith("stochastic") else 0
        return apply_overflow(round_to_int(Fraction(value, 2 ** exact) * 2 ** fmt.fl, rounding, word), fmt,
                              overflow)[0]

    for t, xv in enumerate(x):
        bx = [bk * xv << (exact - fb.fl - fx.fl) for bk in b]
        y = cast(bx[0] + (s1 << (exact - state.fl)), out, stream_y, t)
        ay = [ak * y << (exact - fa.fl - out.fl) for ak in a]
        s1, s2 = (cast(bx[1] - ay[1] + (s2 << (exact - state.fl)), state, stream_s[0], t),
                  cast(bx[2] - ay[2], state, stream_s[1], t))
        y_out.append(y)
    return y_out, (s1, s2)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SIGNALS[:2]), st.sampled_from(OUTPUTS[:4]), st.sampled_from(
    [FixedFormat(4, 12, True), FixedFormat(2, 6, True), FixedFormat(6, 26, True)]), st.data(),
    st.sampled_from(DETERMINISTIC + ["stochastic"]), st.sampled_from(["saturate", "wrap"]))
def test_df2t_sections_are_the_transposed_recursion_with_rounded_states(fx, out, state, data, rounding, overflow):
    fc = FixedFormat(2, 14, True)
    b, a = coefficients(data, fc, 3), coefficients(data, fc, 3, leading_one=True)
    raws = data.draw(st.lists(st.integers(fx.raw_min, fx.raw_max), min_size=1, max_size=30))
    x = fixpt.from_raw(np.array(raws, fx.container), fx)
    sos = fixpt.FixedArray(np.concatenate([b.raw, a.raw]).reshape(1, 6), fc)
    y, zf = fixpt.sosfilt(sos, x, section_format=out, out_format=out, structure="df2t", state_format=state,
                          rounding=rounding, overflow=overflow, seed=8, zi="zeros")
    want, words = df2t_reference(b.raw.tolist(), a.raw.tolist(), raws, fc, fc, fx, out, state, rounding, overflow,
                                 seed=8, stream_y=0, stream_s=(2, 3))
    assert y.raw.tolist() == want and tuple(zf[0].x.raw.tolist()) == words


def test_df2t_blocks_and_errors():
    sos = fixpt.array([[0.25, 0.5, 0.25, 1.0, -0.6, 0.2], [0.5, 0.0, -0.5, 1.0, 0.1, 0.3]], "Q2.14")
    x = fixpt.array(np.random.default_rng(4).uniform(-0.9, 0.9, (2, 50)), "Q1.15")
    options = dict(section_format="Q2.14", out_format="Q2.14", structure="df2t", state_format="Q3.13",
                   rounding="stochastic", seed=2)
    whole = fixpt.sosfilt(sos, x, **options)
    head, state = fixpt.sosfilt(sos, x[:, :21], zi="zeros", **options)
    tail, _ = fixpt.sosfilt(sos, x[:, 21:], zi=state, **options)
    assert np.array_equal(np.concatenate([head.raw, tail.raw], axis=1), whole.raw)
    with pytest.raises(TypeError, match="state_format"):
        fixpt.sosfilt(sos, x, section_format="Q2.14", out_format="Q2.14", structure="df2t")
    with pytest.raises(ValueError, match="structure"):
        fixpt.sosfilt(sos, x, section_format="Q2.14", out_format="Q2.14", structure="df3")
    with pytest.raises(OverflowError):
        fixpt.sosfilt(fixpt.array([[1.5, 1.5, 1.5, 1.0, 0.0, 0.0]], "Q2.14"), fixpt.array([0.9, 0.9], "Q1.15"),
                      section_format="Q2.14", out_format="Q2.14", structure="df2t", state_format="Q1.15",
                      overflow="raise")
