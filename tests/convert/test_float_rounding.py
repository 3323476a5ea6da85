"""Rounding into float formats: every tie and threshold under every mode, against the Fraction oracle, NumPy and ml_dtypes."""
import math
from fractions import Fraction
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
import fixpt
from fixpt import FloatFormat
from float_cases import IDS, SMALL_FORMATS, all_bits, same_value
from float_oracle import (_exponent, emin, finite_values, largest, overflow_result,
                          round_value, significand_is_even)
from oracle import random_word
from strategies import ROUNDINGS


def _random_words(n, seed):
    return [random_word(seed, 0, i) for i in range(n)]


def _is_even_neighbour(values, fmt):
    """Is the last significand digit (hidden bit included) of each value even?  Values are
    values of fmt, or the first value past max, whose parity is the opposite of max's
    (decided from the values by the oracle, not by fixpt's own decomposition)."""
    top = largest(fmt)
    past_max_is_even = not significand_is_even(top, fmt)
    return np.array([significand_is_even(v, fmt) if abs(Fraction(v)) <= top else past_max_is_even
                     for v in values])


ML_DTYPE_NAMES = {"bfloat16": "bfloat16", "e4m3fn": "float8_e4m3fn", "e5m2": "float8_e5m2",
                  "e4m3fnuz": "float8_e4m3fnuz", "e5m2fnuz": "float8_e5m2fnuz",
                  "e4m3": "float8_e4m3", "e3m4": "float8_e3m4", "e4m3b11fnuz": "float8_e4m3b11fnuz",
                  "e2m3fn": "float6_e2m3fn", "e3m2fn": "float6_e3m2fn", "e2m1fn": "float4_e2m1fn",
                  "e8m0fnu": "float8_e8m0fnu"}


@st.composite
def float_formats(draw):
    E = draw(st.integers(2, 11))
    kind = draw(st.sampled_from(["ieee", "fn", "fnuz"]))
    M = draw(st.integers(1 if kind == "ieee" else 0, 52))
    default_bias = (1 << (E - 1)) - 1
    bias = draw(st.sampled_from([default_bias, default_bias + 1, default_bias - 1]))
    overflow = draw(st.sampled_from(["saturate", "nan"] + (["inf"] if kind == "ieee" else [])))
    try:
        return FloatFormat(E, M, bias=bias, subnormals=draw(st.booleans()), inf_nan=kind,
                           overflow=overflow)
    except ValueError:
        return FloatFormat(E, max(M, 1))


def interesting_doubles(fmt):
    return st.one_of(
        st.floats(allow_nan=False),
        st.builds(lambda m, e, s: s * math.ldexp(m, e), st.integers(1, 2**53 - 1),
                  # e + 53 <= 1023: math.ldexp raises OverflowError beyond (a flake at 11 exponent bits)
                  st.integers(fmt.emin - fmt.man_bits - 60, min(fmt.emax - 40, 1023 - 53)),
                  st.sampled_from([1, -1])),
        st.builds(lambda k, s: s * (fmt.max + k * math.ldexp(1.0, fmt.emax - fmt.man_bits - 2)),
                  st.integers(-3, 8), st.sampled_from([1, -1])),
        st.builds(lambda k, s: s * k * math.ldexp(1.0, fmt.emin - fmt.man_bits - 2) if fmt.subnormals
                  else s * k * math.ldexp(1.0, fmt.emin - 3), st.integers(0, 40), st.sampled_from([1, -1])),
    )


@pytest.mark.parametrize("fmt", SMALL_FORMATS, ids=IDS)
def test_every_value_survives_every_rounding_mode(fmt):
    bits = all_bits(fmt)
    values = fixpt.from_bits(bits, fmt)
    keep = ~np.isnan(values)
    if not fmt.subnormals:
        keep &= fixpt.decompose_bits(bits, fmt).cls != 1
    for mode in ROUNDINGS:
        again, status = fixpt.to_bits(values[keep], fmt, rounding=mode, seed=3, return_status=True)
        assert np.array_equal(again, bits[keep].astype(fmt.container)), mode
        assert status.n_inexact == 0 and status.n_overflow == 0
    # NaNs stay NaN; IEEE quiet NaNs keep their payload
    nan_bits = bits[~keep & np.isnan(values)]
    back = fixpt.to_bits(fixpt.from_bits(nan_bits, fmt), fmt)
    assert np.isnan(fixpt.from_bits(back, fmt)).all()
    if fmt.has_inf:
        quiet = fixpt.decompose_bits(nan_bits, fmt).cls == 4
        assert np.array_equal(back[quiet], nan_bits[quiet].astype(fmt.container))


@pytest.mark.parametrize("fmt", SMALL_FORMATS, ids=IDS)
def test_every_tie_and_threshold_under_every_mode(fmt):
    """Points 1/4, 1/2, 3/4 of the way between every pair of neighbours, and past max."""
    table = [float(v) for v in finite_values(fmt)]
    top = float(largest(fmt))
    emax = _exponent(largest(fmt))
    beyond = top + math.ldexp(1.0, emax - fmt.man_bits)  # first value past max
    grid = np.array([-beyond] + table + [beyond])
    lo, hi = grid[:-1], grid[1:]
    points = np.concatenate([lo + (hi - lo) * t for t in (0.25, 0.5, 0.75)])
    points = np.concatenate([points, [beyond, -beyond, 2 * beyond, -1e300, 1e300]])
    lower = np.concatenate([lo, lo, lo, [beyond, -2 * beyond, 2 * beyond, -2e300, 1e300]])
    upper = np.concatenate([hi, hi, hi, [2 * beyond, -beyond, 4 * beyond, -1e300, 2e300]])
    words = np.array(_random_words(points.size, 17), dtype=np.uint64)
    for mode in ROUNDINGS:
        got = fixpt.round_to_format(points, fmt, rounding=mode, seed=17)
        frac = (points - lower) / (upper - lower)
        lower_even = _is_even_neighbour(lower, fmt)
        if fmt.man_bits == 0:  # parity counts quanta of the input's binade: 2**(e+1) is even there
            lower_even = (lower == 0) | ((upper != 0) & (np.abs(lower) > np.abs(upper)))
        if not fmt.subnormals:  # in the gap (-min_normal, 0) zero is the even neighbour
            lower_even &= ~((lower == -math.ldexp(1.0, emin(fmt))) & (upper == 0))
        half = frac == 0.5
        neg = points < 0
        up = {
            "nearest_even": (frac > 0.5) | (half & ~lower_even),
            "nearest_away": (frac > 0.5) | (half & ~neg),
            "nearest_zero": (frac > 0.5) | (half & neg),
            "nearest_up": frac >= 0.5, "nearest_down": frac > 0.5,
            "floor": np.zeros_like(neg), "ceil": frac > 0, "toward_zero": neg & (frac > 0),
            "away_from_zero": ~neg & (frac > 0),
            "odd": (frac > 0) & lower_even,
            "stochastic": (words >> np.uint64(12)).astype(np.float64) < frac * 2.0**52,
            "stochastic_equal": (frac > 0) & ((words >> np.uint64(63)) == 1),
        }[mode]
        want = np.where(up, upper, lower)
        for i in range(points.size):
            w = want[i]
            if abs(w) > top:  # chose a value past max: the overflow rule decides
                w = overflow_result(fmt, points[i] < 0, mode)
                w = float(w) if not isinstance(w, float) else w
            assert same_value(got[i], w), (mode, points[i], got[i], w)
            if w == 0:
                assert math.copysign(1, got[i]) == (-1 if points[i] < 0 and fmt.inf_nan != "fnuz" else 1)


def test_agrees_with_numpy_float16_and_float32():
    rng = np.random.default_rng(0)
    halves = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float64)
    halves = halves[np.isfinite(halves)]
    x = np.concatenate([
        rng.standard_normal(200_000) * 10.0 ** rng.integers(-9, 6, 200_000),
        rng.uniform(65500, 65530, 20_000), -rng.uniform(65500, 65530, 20_000),
        (np.sort(halves)[:-1] + np.sort(halves)[1:]) / 2,  # every tie
        rng.uniform(-1e-7, 1e-7, 20_000), [0.0, -0.0, np.inf, -np.inf, 1e300, 5e-324],
    ])
    x = x[~np.isnan(x)]
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.array_equal(fixpt.to_bits(x, "binary16"), x.astype(np.float16).view(np.uint16))
        assert np.array_equal(fixpt.to_bits(x, "binary32"), x.astype(np.float32).view(np.uint32))
        # midpoints of float32 neighbours, the double-rounding trap
        f32 = rng.standard_normal(50_000).astype(np.float32)
        mid = (f32.astype(np.float64) + np.nextafter(f32, np.float32(np.inf)).astype(np.float64)) / 2
        assert np.array_equal(fixpt.to_bits(mid, "binary32"), mid.astype(np.float32).view(np.uint32))


@pytest.mark.parametrize("name", list(ML_DTYPE_NAMES))
def test_agrees_with_ml_dtypes(name):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    dtype = getattr(ml_dtypes, ML_DTYPE_NAMES[name])
    fmt = fixpt.NAMED_FORMATS[name]
    rng = np.random.default_rng(1)
    table = np.array([float(v) for v in finite_values(fmt)])
    # float32-representable inputs: ml_dtypes rounds float64 through float32 first, which
    # double-rounds other inputs in versions before 0.7
    with np.errstate(over="ignore", invalid="ignore"):
        x = np.concatenate([
            rng.standard_normal(100_000) * 10.0 ** rng.integers(-12, 6, 100_000),
            (table[:-1] + table[1:]) / 2, table, [fmt.max * 1.03, -fmt.max * 1.03, fmt.max * 1.1],
        ]).astype(np.float32).astype(np.float64)
        want = x.astype(dtype).view(fmt.container)
    got = fixpt.to_bits(x, fmt)
    # ml_dtypes writes every NaN as its canonical NaN; compare NaN-ness there
    nan = np.isnan(fixpt.from_bits(got, fmt))
    assert np.array_equal(nan, np.isnan(want.view(dtype).astype(np.float64)))
    assert np.array_equal(got[~nan], want[~nan])
    # float64 inputs: ml_dtypes 0.7 and later round them once too (earlier ones went through
    # float32, see test_no_double_rounding_through_float32)
    witness = np.array([47.62500115584868]).astype(ml_dtypes.bfloat16).view(np.uint16)[0]
    if witness == 0x423F:
        wide = rng.standard_normal(100_000) * 10.0 ** rng.integers(-12, 6, 100_000)
        with np.errstate(over="ignore", invalid="ignore"):
            want_wide = wide.astype(dtype).view(fmt.container)
        got_wide = fixpt.to_bits(wide, fmt)
        finite = ~np.isnan(fixpt.from_bits(got_wide, fmt))
        assert np.array_equal(got_wide[finite], want_wide[finite])
    info = ml_dtypes.finfo(dtype)
    assert (fmt.max, fmt.min_normal, fmt.eps) == (float(info.max), float(info.tiny), float(info.eps))
    assert fmt.finfo().maxexp == info.maxexp and fmt.finfo().minexp == info.minexp


def test_no_double_rounding_through_float32():
    # just above the bfloat16 midpoint 47.625 by 2^-29: float32 rounds it onto the midpoint,
    # so a float64 -> float32 -> bfloat16 path ties to even (0x423e); exact rounding goes up
    x = 47.62500115584868
    want, _ = round_value(x, fixpt.bfloat16, "nearest_even")
    assert Fraction(x) > Fraction(47.625) and float(np.float32(x)) == 47.625
    assert fixpt.to_bits(x, "bfloat16") == 0x423F
    assert fixpt.round_to_format(x, "bfloat16") == float(want) == 47.75
    assert fixpt.to_bits(np.float32(x), "bfloat16") == 0x423E  # the two-step path


@given(st.data(), float_formats(), st.sampled_from(ROUNDINGS))
def test_any_format_matches_fraction_oracle(data, fmt, mode):
    xs = data.draw(st.lists(interesting_doubles(fmt), min_size=1, max_size=12))
    got = fixpt.round_to_format(np.array(xs), fmt, rounding=mode, seed=5)
    for i, x in enumerate(xs):
        want, negative_zero = round_value(x, fmt, mode, random_word(5, 0, i))
        want = float(want) if isinstance(want, Fraction) else want
        assert same_value(got[i], want), (fmt, mode, x, got[i], want)
        if want == 0:
            assert (math.copysign(1, got[i]) < 0) == negative_zero



@pytest.mark.parametrize("fmt", ["binary16", "bfloat16", "e4m3fn", "e5m2", "e4m3fnuz", "binary32",
                                 "binary64", "e8m0fnu", "e3m2fn", "tf32"])
@pytest.mark.parametrize("mode", ["nearest_even", "floor", "odd", "stochastic"])
def test_round_to_format_in_one_pass_equals_encode_then_decode(fmt, mode):
    rng = np.random.default_rng(21)
    x = rng.standard_normal(150_000) * np.exp2(rng.integers(-160, 160, 150_000))
    x[:8] = [0.0, -0.0, np.inf, -np.inf, 5e-324, -1e-300, 1e300, 2.0**-140]
    f = fixpt.parse_float_format(fmt)
    if f.has_nan:
        x[8:10] = [np.nan, -np.nan]
    if not f.signed:
        x = np.abs(x) + 1e-30
    x = x[::-1]  # strided input
    for threads in (1, 2):
        with fixpt.num_threads(threads):
            values, status = fixpt.round_to_format(x, fmt, rounding=mode, seed=5, return_status=True)
            bits, bits_status = fixpt.to_bits(x, fmt, rounding=mode, seed=5, return_status=True)
        decoded = fixpt.from_bits(bits, fmt)
        assert np.array_equal(values.view(np.uint64), decoded.view(np.uint64))
        assert status.n_inexact == bits_status.n_inexact and status.n_overflow == bits_status.n_overflow
        assert np.array_equal(status.inexact, bits_status.inexact)


def _boundary_inputs(f, rng, n=20_000):
    """Doubles around what round_to_format's value loops decide on: 2^emin (tiny or not, and
    the band just below it whose rounding may reach it), every depth below it up to and past
    the 63-bit shift limit, float64 subnormals, max and the overflow threshold."""
    emin, M = f.emin, f.man_bits
    j = rng.integers(0, 70, n)
    below = np.ldexp(1.0, emin) * (1 - np.ldexp(rng.random(n), -rng.integers(0, M + 4, n)))
    deep = np.ldexp(rng.random(n) + 1, emin - j)
    with np.errstate(over="ignore"):
        near_max = f.max * (1 + np.ldexp(rng.standard_normal(n), -M - 1))
    pick = rng.integers(0, 5, n)
    x = np.select([pick == 0, pick == 1, pick == 2, pick == 3],
                  [below, deep, near_max, rng.standard_normal(n) * 4.0 ** rng.integers(-8, 8, n)],
                  rng.random(n) * 5e-310)
    return np.where(rng.random(n) < 0.5, -x, x)


@pytest.mark.parametrize("fmt", ["binary16", "bfloat16", "e4m3fn", "e5m2", "e4m3fnuz", "e2m1fn", "e3m2fn",
                                 "tf32", "binary32", FloatFormat(5, 3, subnormals=False),
                                 FloatFormat(11, 40), FloatFormat(8, 4, bias=200), FloatFormat(11, 20, bias=1040),
                                 FloatFormat(4, 0, inf_nan="fn", overflow="saturate")], ids=str)
@pytest.mark.parametrize("tininess", ["before", "after"])
def test_round_to_format_value_loops_against_the_exact_engine(fmt, tininess):
    """round_to_format makes float64 values straight from x's bit pattern (and, below 2^emin,
    from a rounded significand); the exact engine, which encodes and decodes, must agree on
    every value, sign of zero, flag and count, in every mode and on both sides of each bound."""
    from fixpt import _binding
    f = fixpt.parse_float_format(fmt)
    x = _boundary_inputs(f, np.random.default_rng(abs(hash(str(fmt))) % 2**32))
    for mode in ROUNDINGS:
        got, status = fixpt.round_to_format(x, f, rounding=mode, seed=3, tininess=tininess, return_status=True)
        with _binding.exact_paths_only():
            want, want_status = fixpt.round_to_format(x, f, rounding=mode, seed=3, tininess=tininess,
                                                      return_status=True)
        assert np.array_equal(got.view(np.uint64), want.view(np.uint64)), (mode, x[got.view(np.uint64) != want.view(np.uint64)][:3])
        assert status == want_status, mode
        assert np.array_equal(status.flags, want_status.flags), mode
