"""Binary float formats: exhaustive checks of every encoding of the <= 16-bit formats,
every tie and overflow threshold under every rounding mode, and agreement with NumPy
(and ml_dtypes where installed)."""
import math
import struct
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fixpt
from fixpt import FloatFormat
from float_oracle import decode, finite_values, overflow_result, round_value
from oracle import random_word
from strategies import ROUNDINGS

SMALL_FORMATS = [
    fixpt.binary16, fixpt.bfloat16, fixpt.e4m3fn, fixpt.e5m2, fixpt.e4m3fnuz, fixpt.e5m2fnuz,
    FloatFormat(3, 2), FloatFormat(2, 1), FloatFormat(4, 3, subnormals=False),
    FloatFormat(5, 2, overflow="saturate"), FloatFormat(4, 3, inf_nan="fn", overflow="saturate"),
    FloatFormat(3, 0, inf_nan="fn"), FloatFormat(4, 2, bias=3, inf_nan="fnuz"),
]
IDS = [repr(f) for f in SMALL_FORMATS]


def all_bits(fmt):
    return np.arange(1 << fmt.width, dtype=np.uint64)


def same_value(got: float, want) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return math.isnan(got)
    return got == want


@pytest.mark.parametrize("fmt", SMALL_FORMATS, ids=IDS)
def test_decode_and_classes_of_every_encoding(fmt):
    bits = all_bits(fmt)
    values = fixpt.from_bits(bits, fmt)
    fields = fixpt.decompose_bits(bits, fmt)
    names = fields.class_names
    for b in range(1 << fmt.width):
        cls, sign, want = decode(b, fmt)
        assert names[b] == cls, hex(b)
        assert same_value(values[b], want), hex(b)
        if not math.isnan(values[b]):
            assert math.copysign(1, values[b]) == (-1 if sign else 1), hex(b)
        assert fields.sign[b] == sign
    # compose inverts decompose
    again = fixpt.compose(fields.sign, fields.biased_exponent, fields.trailing, fmt)
    assert np.array_equal(again, bits.astype(fmt.container))


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
def test_next_up_and_down_of_every_value(fmt):
    table = finite_values(fmt)
    below_all = -math.inf if fmt.has_inf else math.nan
    above_all = math.inf if fmt.has_inf else math.nan
    values = np.array([float(v) for v in table] + ([math.inf, -math.inf] if fmt.has_inf else []))
    up, down = fixpt.next_up(values, fmt), fixpt.next_down(values, fmt)
    position = {float(v): k for k, v in enumerate(table)}
    for i, v in enumerate(values):
        if math.isinf(v):
            assert up[i] == (math.inf if v > 0 else -fmt.max)
            assert down[i] == (fmt.max if v > 0 else -math.inf)
            continue
        k = position[v]
        assert same_value(up[i], float(table[k + 1]) if k + 1 < len(table) else above_all), v
        assert same_value(down[i], float(table[k - 1]) if k > 0 else below_all), v
    assert np.isnan(fixpt.next_up(np.nan, fmt))


def _random_words(n, seed):
    return [random_word(seed, 0, i) for i in range(n)]


@pytest.mark.parametrize("fmt", SMALL_FORMATS, ids=IDS)
def test_every_tie_and_threshold_under_every_mode(fmt):
    """Points 1/4, 1/2, 3/4 of the way between every pair of neighbours, and past max."""
    table = [float(v) for v in finite_values(fmt)]
    beyond = fmt.max + math.ldexp(1.0, fmt.emax - fmt.man_bits)  # first value past max
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
            lower_even &= ~((lower == -fmt.min_normal) & (upper == 0))
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
            if abs(w) > fmt.max:  # chose a value past max: the overflow rule decides
                w = overflow_result(fmt, points[i] < 0, mode)
                w = float(w) if not isinstance(w, float) else w
            assert same_value(got[i], w), (mode, points[i], got[i], w)
            if w == 0:
                assert math.copysign(1, got[i]) == (-1 if points[i] < 0 and fmt.inf_nan != "fnuz" else 1)


def _is_even_neighbour(values, fmt):
    """Is the last significand digit (hidden bit included) of each value even?  Values are
    values of fmt, or the first value past max, whose parity is the opposite of max's."""
    inside = np.abs(values) <= fmt.max
    significand = fixpt.decompose(np.where(inside, values, 0.0), fmt).significand
    past_max_is_even = int(fixpt.decompose(fmt.max, fmt).significand) & 1 == 1
    return np.where(inside, (significand & np.uint64(1)) == 0, past_max_is_even)


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


def test_nan_payloads():
    def nan_with(bits):
        return struct.unpack("<d", struct.pack("<Q", bits))[0]
    x = np.array([nan_with(0x7FF8000000000001), nan_with(0xFFF4000000000000), nan_with(0x7FF0000000000001)])
    got = fixpt.to_bits(x, "binary32").tolist()
    # quiet bit set, top payload bits kept, sign kept -- as the x86 float32 conversion does
    assert got == [0x7FC00000, 0xFFE00000, 0x7FC00000]
    with np.errstate(invalid="ignore"):
        assert got == x.astype(np.float32).view(np.uint32).tolist()
    assert fixpt.to_bits(x, "e4m3fn").tolist() == [0x7F, 0xFF, 0x7F]
    assert fixpt.to_bits(x, "e4m3fnuz").tolist() == [0x80, 0x80, 0x80]
    assert fixpt.to_bits(-0.0, "e4m3fnuz") == 0


ML_DTYPE_NAMES = {"bfloat16": "bfloat16", "e4m3fn": "float8_e4m3fn", "e5m2": "float8_e5m2",
                  "e4m3fnuz": "float8_e4m3fnuz", "e5m2fnuz": "float8_e5m2fnuz"}


@pytest.mark.parametrize("name", list(ML_DTYPE_NAMES))
def test_agrees_with_ml_dtypes(name):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    dtype = getattr(ml_dtypes, ML_DTYPE_NAMES[name])
    fmt = fixpt.NAMED_FORMATS[name]
    rng = np.random.default_rng(1)
    table = np.array([float(v) for v in finite_values(fmt)])
    # float32-representable inputs: ml_dtypes rounds float64 through float32 first, which
    # double-rounds other inputs (see test_no_double_rounding_where_ml_dtypes_has_it)
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
    info = ml_dtypes.finfo(dtype)
    assert (fmt.max, fmt.min_normal, fmt.eps) == (float(info.max), float(info.tiny), float(info.eps))
    assert fmt.finfo().maxexp == info.maxexp and fmt.finfo().minexp == info.minexp


def test_no_double_rounding_where_ml_dtypes_has_it():
    # just above the bfloat16 midpoint 47.625 by 2^-29: float32 rounds it onto the midpoint,
    # so a float64 -> float32 -> bfloat16 path ties to even (0x423e); exact rounding goes up
    x = 47.62500115584868
    want, _ = round_value(x, fixpt.bfloat16, "nearest_even")
    assert Fraction(x) > Fraction(47.625) and float(np.float32(x)) == 47.625
    assert fixpt.to_bits(x, "bfloat16") == 0x423F
    assert fixpt.round_to_format(x, "bfloat16") == float(want) == 47.75


@pytest.mark.parametrize("fmt, dtype", [(fixpt.binary16, np.float16), (fixpt.binary32, np.float32),
                                        (fixpt.binary64, np.float64)])
def test_finfo_matches_numpy(fmt, dtype):
    mine, ref = fmt.finfo(), np.finfo(dtype)
    for name in ("bits", "eps", "epsneg", "max", "min", "tiny", "smallest_subnormal", "maxexp",
                 "minexp", "machep", "negep", "nexp", "nmant", "precision", "resolution"):
        assert getattr(mine, name) == getattr(ref, name), name
    assert fmt.precision == ref.nmant + 1 and fmt.emax == ref.maxexp - 1


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
                  st.integers(fmt.emin - fmt.man_bits - 60, fmt.emax - 40), st.sampled_from([1, -1])),
        st.builds(lambda k, s: s * (fmt.max + k * math.ldexp(1.0, fmt.emax - fmt.man_bits - 2)),
                  st.integers(-3, 8), st.sampled_from([1, -1])),
        st.builds(lambda k, s: s * k * math.ldexp(1.0, fmt.emin - fmt.man_bits - 2) if fmt.subnormals
                  else s * k * math.ldexp(1.0, fmt.emin - 3), st.integers(0, 40), st.sampled_from([1, -1])),
    )


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


def test_named_formats():
    assert fixpt.e4m3fn.max == 448 and fixpt.e5m2.max == 57344 and fixpt.bfloat16.max == 3.3895313892515355e38
    assert fixpt.tf32.width == 19 and fixpt.tf32.container == np.uint32
    assert fixpt.e4m3fnuz.max == 240 and fixpt.e5m2fnuz.max == 57344
    assert fixpt.e4m3fn.min_subnormal == 2.0**-9
    assert fixpt.binary64.max == np.finfo(np.float64).max
    assert fixpt.parse_float_format("fp16") is fixpt.binary16
    x = np.random.default_rng(2).standard_normal(1000)
    assert np.array_equal(fixpt.round_to_format(x, "binary64"), x)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"exp_bits": 1, "man_bits": 3}, ValueError, "exp_bits=1 is outside the allowed range 2..11"),
    ({"exp_bits": 5, "man_bits": 53}, ValueError, "man_bits=53"),
    ({"exp_bits": 5, "man_bits": 2.0}, TypeError, "man_bits must be an integer"),
    ({"exp_bits": 5, "man_bits": 0}, ValueError, "needs man_bits >= 1"),
    ({"exp_bits": 4, "man_bits": 3, "inf_nan": "fn", "overflow": "inf"}, ValueError, "no inf"),
    ({"exp_bits": 4, "man_bits": 3, "inf_nan": "ocp"}, ValueError, "inf_nan='ocp'"),
    ({"exp_bits": 11, "man_bits": 52, "bias": 1000}, ValueError, "outside float64"),
])
def test_bad_float_formats(kwargs, error, words):
    with pytest.raises(error, match=words):
        FloatFormat(**kwargs)


def test_bad_bits_and_fields():
    with pytest.raises(ValueError, match=r"bits must be in 0..2\*\*16-1"):
        fixpt.from_bits([70000], "binary16")
    with pytest.raises(ValueError, match="biased_exponent must be in 0..31"):
        fixpt.compose(0, 32, 0, "binary16")
    with pytest.raises(ValueError, match="unknown float format 'binary8'"):
        fixpt.to_bits(1.0, "binary8")
    with pytest.raises(ValueError, match="'a' is not a decimal number"):
        fixpt.to_bits(["a"], "binary16")
    with pytest.raises(TypeError, match="values must be real numbers"):
        fixpt.to_bits([None], "binary16")


def test_textbook_encodings():
    assert fixpt.to_bits(6.0, "binary32") == 0x40C00000
    assert fixpt.to_bits(-0.5, "binary32") == 0xBF000000
    assert fixpt.to_bits(0.1, "binary32") == 0x3DCCCCCD
    assert fixpt.exact_value(0x3DCCCCCD, "binary32") == Fraction(13421773, 2**27)
    assert float(fixpt.representation_error(0.1, "binary32")) == float(Fraction(13421773, 2**27) - Fraction(0.1))
    assert fixpt.ulp(1.0, "binary32") == 2.0**-23 and fixpt.binary32.eps == 2.0**-23
    assert fixpt.binary32.unit_roundoff == 2.0**-24
    assert fixpt.to_bits(65520.0, "binary16") == 0x7C00  # ties-to-even overflows to inf
    assert fixpt.to_bits(65519.99, "binary16") == 0x7BFF
    assert fixpt.to_bits(65520.0, "binary16", rounding="toward_zero") == 0x7BFF  # IEEE: max
    assert fixpt.to_bits(464.0, "e4m3fn") == 0x7E and np.isnan(fixpt.round_to_format(465.0, "e4m3fn"))
