"""Float encodings: decoding, classes, fields, neighbours and NaN payloads, for every encoding of the small formats."""
import math
import struct
from fractions import Fraction
import numpy as np
import pytest
import fixpt
from float_cases import IDS, SMALL_FORMATS, all_bits, same_value
from float_oracle import (decode, finite_values)


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



@pytest.mark.parametrize("threads", [1, 3])
def test_decode_of_binary32_and_binary64_patterns_against_struct(threads):
    rng = np.random.default_rng(12)
    edges32 = [0, 1, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x7F800000, 0x7F800001, 0x7FC00000,
               0x7FFFFFFF, 0x80000000, 0x80000001, 0xFF800000, 0xFFC00001]
    bits32 = np.concatenate([rng.integers(0, 2**32, 300_000, dtype=np.uint64), edges32]).astype(np.uint64)
    bits32[::7] &= 0x807FFFFF  # many subnormals and zeros
    with fixpt.num_threads(threads):
        got = fixpt.from_bits(bits32.astype(np.uint32)[::-1][::-1], "binary32")
    with np.errstate(invalid="ignore"):  # the cast of signaling NaNs
        want = bits32.astype(np.uint32).view(np.float32).astype(np.float64)
    # NumPy's cast quiets signaling NaNs; fixpt keeps each payload as it is (docs/floats.md)
    nan = (bits32 & 0x7F800000) == 0x7F800000
    nan &= (bits32 & 0x007FFFFF) != 0
    want = want.view(np.uint64).copy()
    want[nan] = ((bits32[nan] & 0x80000000) << np.uint64(32)) | np.uint64(0x7FF0000000000000) | \
        ((bits32[nan] & 0x007FFFFF) << np.uint64(29))
    want = want.view(np.float64)
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))  # NaN payloads and signs too
    bits64 = rng.integers(0, 2**63, 200_000, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, 200_000).astype(np.uint64)
    bits64[::5] &= np.uint64(0x800FFFFFFFFFFFFF)
    with fixpt.num_threads(threads):
        got64 = fixpt.from_bits(bits64, "binary64")
    assert np.array_equal(got64.view(np.uint64), bits64)
    strided = np.repeat(bits32.astype(np.uint32), 2)[::2]
    with fixpt.num_threads(threads):
        assert np.array_equal(fixpt.from_bits(strided, "binary32").view(np.uint64), want.view(np.uint64))


def test_decode_fast_path_matches_the_definition():
    from fixpt import _binding
    for fmt in ("e2m1fn", "e8m0fnu", "e3m4", "e4m3b11fnuz", "e2m3fn", "tf32"):
        f = fixpt.parse_float_format(fmt)
        bits = np.arange(1 << min(f.width, 16), dtype=np.uint64)
        fast = fixpt.from_bits(bits, f)
        with _binding.exact_paths_only():
            exact = fixpt.from_bits(bits, f)
        assert np.array_equal(fast.view(np.uint64), exact.view(np.uint64)), fmt


@pytest.mark.parametrize("bias, man_bits, subnormals", [(1024, 1, False), (1024, 1, True), (1030, 3, True),
                                                        (1060, 2, False), (1071, 3, True)])
def test_decode_of_formats_reaching_below_float64_normals(bias, man_bits, subnormals):
    # a bias above 1023 puts some of the format's normals among float64's subnormals: the
    # vectorised decode must hand them to the exact path (a bug the AVX2 CI variant found)
    fmt = fixpt.FloatFormat(11, man_bits, bias=bias, subnormals=subnormals)
    bits = all_bits(fmt)
    values = fixpt.from_bits(bits, fmt)
    for b in range(1 << fmt.width):
        _, _, want = decode(b, fmt)
        assert same_value(values[b], want), hex(b)
    if subnormals:  # (without subnormals, field-0 encodings decode but round to zero)
        x = values[np.isfinite(values)]
        assert np.array_equal(fixpt.round_to_format(x, fmt).view(np.uint64), x.view(np.uint64))


@pytest.mark.parametrize("fmt", SMALL_FORMATS, ids=IDS)
def test_fields_rebuild_every_finite_value(fmt):
    """(-1)^sign * significand * 2^(exponent - M) is the value (Fraction oracle), for every
    encoding; trailing and significand come in the format's own container."""
    bits = all_bits(fmt)
    fields = fixpt.decompose_bits(bits, fmt)
    assert fields.trailing.dtype == fields.significand.dtype == fmt.container
    for b in range(1 << fmt.width):
        cls, sign, want = decode(b, fmt)
        if cls in ("zero", "subnormal", "normal"):
            got = Fraction(int(fields.significand[b])) * Fraction(2) ** (int(fields.exponent[b]) - fmt.man_bits)
            assert (-got if fields.sign[b] else got) == Fraction(want), hex(b)


def test_binary32_fields_against_struct():
    rng = np.random.default_rng(8)
    bits = rng.integers(0, 2**32, 100_000, dtype=np.uint64).astype(np.uint32)
    bits[:6] = [0, 0x80000000, 0x7F800000, 0x7FC00000, 0x7F800001, 0x00000001]
    f = fixpt.decompose_bits(bits[::-1], "binary32")  # strided input
    for i, b in enumerate(bits[::-1].tolist()):
        if i % 97 and i < len(bits) - 6:
            continue
        (value,) = struct.unpack("<f", struct.pack("<I", b))
        field, trailing = (b >> 23) & 0xFF, b & 0x7FFFFF
        assert (f.sign[i], f.biased_exponent[i], f.trailing[i]) == (b >> 31, field, trailing)
        if field == 0:
            assert f.exponent[i] == -126 and f.significand[i] == trailing
            assert f.class_names[i] == ("zero" if trailing == 0 else "subnormal")
        elif field == 0xFF:
            assert f.class_names[i] == ("inf" if trailing == 0 else
                                        "quiet_nan" if trailing >> 22 else "signaling_nan")
        else:
            assert f.class_names[i] == "normal" and f.exponent[i] == field - 127
            assert Fraction(int(f.significand[i])) * Fraction(2) ** (field - 127 - 23) == abs(Fraction(value))
    with pytest.raises(ValueError, match="0..2"):
        fixpt.decompose_bits(np.array([1 << 16], np.uint32), "binary16")
