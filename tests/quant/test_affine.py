"""Quantization: runtime presets bit for bit, TFLite/gemmlowp vectors, worked examples."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixpt import quant

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def f32(v):
    return np.float32(v)


def ties_away(q: np.float32) -> int:
    v = Fraction(float(q))
    n = int(abs(v) + Fraction(1, 2)) if abs(v) % 1 == Fraction(1, 2) else round(abs(v))
    return n if v >= 0 else -n


def oracle_quantize(x, scale, zp, qmin, qmax, preset):
    """Per element in float32 with NumPy scalars, rounding in exact arithmetic."""
    x32 = np.float32(x)
    if preset == "torch":
        inv = np.float32(1.0) / np.float32(scale)
        q = np.float32(x32 * inv)
        n = int(np.rint(q))
    else:
        q = np.float32(x32 / np.float32(scale))
        n = {"onnx": lambda: int(np.rint(q)), "tflite": lambda: ties_away(q),
             "nemo": lambda: int(np.floor(q))}[preset]()
    return min(max(n + zp, qmin), qmax)


@given(st.lists(st.floats(-1e4, 1e4, width=32), min_size=1, max_size=40),
       st.floats(2.0**-13, 10, width=32), st.integers(-20, 20), st.sampled_from(quant.QUANT_PRESETS),
       st.sampled_from([(8, True, False), (8, False, False), (4, True, True), (16, True, False)]))
def test_presets_match_float32_oracle(values, scale, zp, preset, kind):
    bits, signed, narrow = kind
    probe = quant.QParams(1.0, 0 if signed else 1, bits, signed, narrow)
    zp = min(max(abs(zp) if not signed else zp, probe.qmin), probe.qmax)
    p = quant.QParams(scale, zp, bits, signed, narrow)
    q = quant.quantize(np.array(values, np.float32), p, preset=preset)
    assert q.dtype == p.container
    assert q.tolist() == [oracle_quantize(v, scale, zp, p.qmin, p.qmax, preset) for v in values]


def test_ties_per_preset():
    p = quant.QParams(1.0, 0)
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5], np.float32)
    assert quant.quantize(x, p, preset="onnx").tolist() == [0, 2, 2, 0, -2]
    assert quant.quantize(x, p, preset="tflite").tolist() == [1, 2, 3, -1, -3]
    assert quant.quantize(x, p, preset="nemo").tolist() == [0, 1, 2, -1, -3]
    # torch multiplies by the float32 reciprocal: 1/3 is not exact, so x/3 and x*(1/3) can differ
    p3 = quant.QParams(3.0, 0)
    xs = np.arange(-3000, 3000, dtype=np.float32) * np.float32(0.5)
    onnx, torch = quant.quantize(xs, p3, preset="onnx"), quant.quantize(xs, p3, preset="torch")
    assert onnx.tolist() == [oracle_quantize(v, 3.0, 0, -128, 127, "onnx") for v in xs]
    assert torch.tolist() == [oracle_quantize(v, 3.0, 0, -128, 127, "torch") for v in xs]


def test_per_channel_and_per_group():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 6)).astype(np.float32)
    scales = np.array([0.01, 0.02, 0.05, 0.1], np.float32)
    zps = np.array([0, 3, -2, 1])
    p = quant.QParams(scales, zps, axis=1)
    q = quant.quantize(x, p)
    for c in range(4):
        want = [oracle_quantize(v, scales[c], int(zps[c]), -128, 127, "onnx") for v in x[:, c, :].ravel()]
        assert q[:, c, :].ravel().tolist() == want
    back = quant.dequantize(q, p)
    np.testing.assert_array_equal(back[:, 2, :], scales[2] * (q[:, 2, :].astype(np.float32) - np.float32(-2)))
    g = quant.QParams(np.array([0.01, 0.1, 0.03], np.float32), 0, axis=2, group_size=2)
    qg = quant.quantize(x, g)
    for group, s in enumerate([0.01, 0.1, 0.03]):
        want = [oracle_quantize(v, s, 0, -128, 127, "onnx") for v in x[:, :, 2 * group:2 * group + 2].ravel()]
        assert qg[:, :, 2 * group:2 * group + 2].ravel().tolist() == want
    with pytest.raises(ValueError, match="does not divide"):
        quant.quantize(x, quant.QParams(np.ones(4, np.float32), 0, axis=2, group_size=4))


@given(st.lists(st.floats(-3, 3, width=32), min_size=1, max_size=50), st.booleans())
def test_round_trip_error_and_monotonicity(values, narrow):
    p = quant.choose_qparams(-3.0, 3.0, bits=8, symmetric=True, narrow_range=narrow)
    x = np.sort(np.array(values, np.float32))
    q = quant.quantize(x, p)
    assert np.all(np.diff(q.astype(int)) >= 0)                      # monotone
    inside = (x >= p.qmin * p.scale) & (x <= p.qmax * p.scale)
    err = np.abs(quant.dequantize(q, p).astype(np.float64) - x)
    assert np.all(err[inside] <= p.scale / 2 * (1 + 2**-18))         # round to nearest
    assert q.min() >= p.qmin and q.max() <= p.qmax                   # saturation bounds


def test_choose_qparams_conventions():
    p = quant.choose_qparams(-1.0, 3.0, bits=8, signed=False)
    assert (p.qmin, p.qmax) == (0, 255) and float(p.scale) == np.float32(4 / 255)
    assert int(p.zero_point) == 64                              # 0 - round(-1 / (4/255)) = 63.75 -> 64
    assert quant.quantize(np.float32(0.0), p).tolist() == 64   # zero is exact
    s = quant.choose_qparams(-2.2, 2.2, symmetric=True)
    assert float(s.scale) == np.float32(2.2 / 128) and int(s.zero_point) == 0
    sn = quant.choose_qparams(-2.2, 2.2, symmetric=True, narrow_range=True)
    assert float(sn.scale) == np.float32(2.2 / 127) and (sn.qmin, sn.qmax) == (-127, 127)
    pc = quant.choose_qparams(np.array([-1.0, -2.0]), np.array([1.0, 4.0]), axis=0)
    assert pc.scale.shape == (2,)


def test_quantization_bias_example():
    """A = [-2.2, -1.1, 1.1, 2.2], B = [0.5, 0.3, 0.3, 0.5], AB = 0."""
    A = np.array([-2.2, -1.1, 1.1, 2.2], np.float32)
    B = np.array([0.5, 0.3, 0.3, 0.5], np.float32)
    results = {}
    for narrow in (False, True):
        qa = quant.quantize(A, quant.choose_qparams(-2.2, 2.2, symmetric=True, narrow_range=narrow))
        qb = quant.quantize(B, quant.choose_qparams(-0.5, 0.5, symmetric=True, narrow_range=narrow))
        results[narrow] = (qa.tolist(), qb.tolist(), int(qa.astype(int) @ qb.astype(int)))
    assert results[False] == ([-128, -64, 64, 127], [127, 77, 77, 127], -127)
    assert results[True] == ([-127, -64, 64, 127], [127, 76, 76, 127], 0)


def test_requantization_worked_example():
    W = np.array([[-1.54, 0.22], [-0.26, 0.65]], np.float32)
    x = np.array([0.35, -0.51], np.float32)
    pw = quant.choose_qparams(-2, 2, symmetric=True, narrow_range=True)
    px = quant.choose_qparams(-1, 1, symmetric=True, narrow_range=True)
    qw, qx = quant.quantize(W, pw), quant.quantize(x, px)
    assert qw.tolist() == [[-98, 14], [-17, 41]] and qx.tolist() == [44, -65]
    acc = qw.astype(np.int32) @ qx.astype(np.int32)
    assert acc.tolist() == [-5222, -3413]
    real = np.round(acc * float(pw.scale) * float(px.scale), 3)
    assert real.tolist() == [-0.648, -0.423]
    po = quant.choose_qparams(-3, 3, symmetric=True, narrow_range=True)
    m, s = quant.quantize_multiplier(float(pw.scale) * float(px.scale) / float(po.scale))
    for preset in ("gemmlowp", "single_rounding"):
        assert quant.requantize(acc, m, s, preset=preset).tolist() == [-27, -18]
    ratio = float(pw.scale) * float(px.scale) / float(po.scale)
    assert quant.requantize(acc, ratio, 0, preset="float").tolist() == [-27, -18]
    d = 20
    assert quant.requantize(acc, quant.nemo_multiplier(ratio, d), d, preset="nemo").tolist() == [-28, -18]


def test_tflite_quantize_multiplier_vectors():
    assert quant.quantize_multiplier(0.75) == (1610612736, 0)
    assert quant.quantize_multiplier(1.25) == (1342177280, 1)
    assert quant.quantize_multiplier(2.0**-33) == (0, 0)
    assert quant.quantize_multiplier(1.0) == (1073741824, 1)
    assert quant.quantize_multiplier(0.0) == (0, 0)
    # the mantissa rounding up to 2^31 bumps the exponent
    assert quant.quantize_multiplier(1 - 2.0**-40) == (1073741824, 1)


def tflite_multiply(x: int, m: int, shift: int) -> int:
    """TFLite's MultiplyByQuantizedMultiplier in Python ints (the reference semantics)."""
    def sat(v):
        return max(INT32_MIN, min(INT32_MAX, v))
    left, right = (shift, 0) if shift > 0 else (0, -shift)
    a = sat(x * (1 << left))
    if a == INT32_MIN and m == INT32_MIN:
        high = INT32_MAX
    else:
        ab = a * m
        nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
        high = int((ab + nudge) / (1 << 31)) if abs(ab + nudge) < 2**52 else \
            (abs(ab + nudge) // (1 << 31)) * (1 if ab + nudge >= 0 else -1)
    mask = (1 << right) - 1
    remainder = high & mask
    threshold = (mask >> 1) + (1 if high < 0 else 0)
    return (high >> right) + (1 if remainder > threshold else 0)


@given(st.lists(st.integers(INT32_MIN, INT32_MAX), min_size=1, max_size=30),
       st.floats(2.0**-30, 1.9), st.integers(-128, 127))
def test_gemmlowp_matches_reference(accs, real, zp):
    m, s = quant.quantize_multiplier(real)
    got = quant.requantize(np.array(accs), m, s, zp, preset="gemmlowp")
    want = [max(-128, min(127, tflite_multiply(a, m, s) + zp)) for a in accs]
    assert got.tolist() == want
    single = quant.requantize(np.array(accs), m, s, zp, preset="single_rounding")
    total = 31 - s
    want_single = [max(-128, min(127, max(INT32_MIN, min(INT32_MAX, (a * m + (1 << (total - 1))) >> total)) + zp))
                   for a in accs]
    assert single.tolist() == want_single


def test_gemmlowp_published_edge_cases():
    # SaturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN) would saturate, but a TFLite
    # multiplier is never negative: fixpt refuses it instead of wrapping or guessing
    with pytest.raises(ValueError, match=r"multiplier=-2147483648 is outside the allowed range 0\.\.2147483647"):
        quant.requantize(np.array([INT32_MIN]), INT32_MIN, 0, bits=16)
    assert quant.requantize(np.array([INT32_MIN]), INT32_MAX, 0, bits=32).tolist() == [INT32_MIN + 1]
    # the high multiply rounds ties toward +inf (its nudge is 2^30 or 1 - 2^30) ...
    half = 1 << 30  # multiplier 0.5 * 2^31
    assert quant.requantize(np.array([5, -5, 3, -3]), half, 0).tolist() == [3, -2, 2, -1]
    # ... and RoundingDivideByPOT ties away from zero (multiplier ~1, then / 2)
    assert quant.requantize(np.array([3, -3, 5, -5]), INT32_MAX, -1).tolist() == [2, -2, 3, -3]
    # two roundings: 5 * 0.5 = 2.5 -> 3, then 3 / 2 = 1.5 -> 2, where one rounding gives 1.25 -> 1
    assert quant.requantize(np.array([5]), half, -1).tolist() == [2]
    assert quant.requantize(np.array([5]), half, -1, preset="single_rounding").tolist() == [1]


def test_per_channel_requantize_and_errors():
    acc = np.array([[100, 200], [300, 400]])
    m = np.array([quant.quantize_multiplier(0.5)[0], quant.quantize_multiplier(0.25)[0]])
    s = np.array([quant.quantize_multiplier(0.5)[1], quant.quantize_multiplier(0.25)[1]])
    assert quant.requantize(acc, m, s, axis=1).tolist() == [[50, 50], [127, 100]]
    with pytest.raises(ValueError, match="preset='bogus'"):
        quant.requantize(acc, 1, 0, preset="bogus")
    with pytest.raises(ValueError, match="bits=1"):
        quant.QParams(1.0, 0, bits=1)
    with pytest.raises(ValueError, match="scale must be finite and > 0"):
        quant.QParams(0.0, 0)
    with pytest.raises(ValueError, match="zero_point must lie"):
        quant.QParams(1.0, 200)


def test_power_of_two_scales_are_fixed_point_casts():
    import fixpt
    from fractions import Fraction

    from oracle import round_to_int
    x = np.random.default_rng(5).normal(size=200) * 2
    for rounding in ("nearest_even", "floor", "nearest_away", "toward_zero"):
        want = [min(127, max(-128, round_to_int(Fraction(v) * 64, rounding))) for v in x.tolist()]
        assert quant.quantize(x, fixpt.Q(2, 6), rounding=rounding).tolist() == want
    # the runtime presets with a power-of-two scale agree with the exact cast (float32 input)
    x32 = x.astype(np.float32)
    p = quant.QParams(2.0**-6, 0)
    want = [min(127, max(-128, round_to_int(Fraction(float(v)) * 64, "nearest_even"))) for v in x32]
    assert quant.quantize(x32, p).tolist() == want
    assert quant.quantize(x32, p, preset="nemo").tolist() == [
        min(127, max(-128, round_to_int(Fraction(float(v)) * 64, "floor"))) for v in x32]


def test_dequantize_refuses_codes_outside_the_parameters():
    p = quant.QParams(0.5, 0, bits=4)
    assert quant.dequantize(np.array([7, -8], np.int8), p).tolist() == [3.5, -4.0]
    with pytest.raises(ValueError, match="code 9, outside \\[-8, 7\\]"):
        quant.dequantize(np.array([9], np.int8), p)
    with pytest.raises(TypeError, match="integer codes"):
        quant.dequantize(np.array([1.0]), p)
