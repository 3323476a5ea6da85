"""The data behind every teaching picture, against independent oracles (struct, Fractions,
Python integers, the calibration functions themselves), and the figures of the docs: every
image a page shows is drawn by scripts/docs_figures.py (images are build outputs)."""
import re
import struct
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import fixpt
from fixpt import quant
from fixpt.quant import calibrate
from fixpt.teach import pictures, quantization
from float_oracle import finite_values

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", [-0.1, 1.0, 65504.0, 6e-8, -3.14159, 0.0])
def test_bitfield_of_binary16_matches_struct(value):
    fields = pictures.bitfield(value, "binary16")
    bits = int("".join(str(f["bit"]) for f in fields), 2)
    assert bits == struct.unpack("<H", struct.pack("<e", value))[0]
    assert [f["role"] for f in fields] == ["sign"] + ["exponent"] * 5 + ["fraction"] * 10
    exponent_field = sum(f["weight"] for f in fields if f["role"] == "exponent" and f["bit"])
    assert exponent_field == (bits >> 10) & 0x1F


@pytest.mark.parametrize("fmt", ["Q4.4", "UQ3.5", "Q1.7", "Q8.-2"])
def test_bitfield_of_fixed_point_weights_sum_to_the_value(fmt):
    f = fixpt.parse_format(fmt)
    for raw in range(f.raw_min, f.raw_max + 1, 7):
        value = float(Fraction(raw, 1) * Fraction(2) ** -f.fl)
        fields = pictures.bitfield(value, f)
        assert sum((x["weight"] for x in fields if x["bit"]), Fraction(0)) == Fraction(value)
        assert pictures.bitfield_caption(value, f).endswith(fixpt.teach.exact_decimal(Fraction(value)))


@pytest.mark.parametrize("name", ["e3m2", "e2m1fn", "e4m3fn", "e5m2"])
def test_number_line_of_floats_is_every_finite_value(name):
    fmt = fixpt.parse_float_format(name)
    want = sorted({float(v) for v in finite_values(fmt)} | {-float(v) for v in finite_values(fmt)})
    assert pictures.number_line(fmt).tolist() == want
    line = pictures.number_line("Q2.3", -1, 1)
    assert np.all(np.diff(line) == 2**-3) and line[0] == -1 and line[-1] == 1


def test_rounding_destinations_and_error_bias():
    d = pictures.rounding_destinations([0.3, -0.3, 0.75], "Q2.1", ("floor", "ceil", "nearest_even"))
    assert d["floor"].tolist() == [0.0, -0.5, 0.5] and d["ceil"].tolist() == [0.5, 0.0, 1.0]
    assert d["nearest_even"].tolist() == [0.5, -0.5, 1.0]
    step = 2**-4
    errors = pictures.rounding_errors("Q4.4", ("floor", "nearest_even", "stochastic", "toward_zero"), n=50_000)
    assert abs(errors["floor"].mean() / step + 0.5) < 0.02
    assert abs(errors["nearest_even"].mean() / step) < 0.02 and abs(errors["stochastic"].mean() / step) < 0.02
    assert abs(errors["toward_zero"].mean() / step) < 0.02        # symmetric inputs: biased toward 0 each side
    assert np.all((errors["floor"] <= 0) & (errors["floor"] > -step))
    assert np.all(np.abs(errors["stochastic"]) < step) and np.all(np.abs(errors["nearest_even"]) <= step / 2)


def test_overflow_transfer_against_integer_arithmetic():
    x, out = pictures.overflow_transfer("Q3.2", -12, 12, n=97)
    for xi, sat, wrap, sym, zero in zip(x, out["saturate"], out["wrap"], out["saturate_symmetric"],
                                        out["saturate_zero"]):
        r = round(Fraction(float(xi)) * 4)             # nearest_even, then the overflow mode
        wrapped = (r + 16) % 32 - 16
        inside = -16 <= r <= 15
        assert wrap == wrapped / 4
        assert sat == min(max(r, -16), 15) / 4
        assert sym == min(max(r, -15), 15) / 4
        assert zero == (r / 4 if inside else 0.0)
    with pytest.raises(TypeError, match="fixed-point"):
        pictures.overflow_transfer("binary16", -1, 1)


def test_quantization_data():
    p = quant.QParams(0.25, -3, bits=4)
    codes, back = quantization.affine_mapping([-1.0, 0.0, 0.4, 99.0, -99.0], p)
    assert codes.tolist() == [-7, -3, -1, 7, -8]            # round(x/0.25) - 3, clamped to -8..7
    assert back.tolist() == [-1.0, 0.0, 0.5, 2.5, -1.25]
    x = np.random.default_rng(3).laplace(size=5000)
    t = quantization.calibration_thresholds(x, bits=4)
    assert t["max"] == np.abs(x).max() and t["mse"] == calibrate.mse_threshold(x, 4)
    assert t["kl"] == calibrate.kl_threshold(x, levels=8) and t["aciq"] == calibrate.aciq_threshold(x, 4)
    thresholds, mse = quantization.mse_curve(x, bits=4, points=200)
    assert thresholds[int(np.argmin(mse))] == pytest.approx(t["mse"], rel=1e-6)   # mse_threshold reads float32
    c = quantization.pact_curves(np.linspace(-1, 3, 41), alpha=2.0, bits=2)
    eps = 2.0 / 3
    assert np.allclose(c["y"], np.floor(np.clip(c["x"], 0, 2.0) / eps + 0.5) * eps) or \
        np.allclose(c["y"], np.round(np.clip(c["x"], 0, 2.0) / eps) * eps)
    assert np.array_equal(c["dy_dx"], ((c["x"] >= 0) & (c["x"] < 2.0)).astype(float))
    assert np.array_equal(c["dy_dalpha"], (c["x"] >= 2.0).astype(float))


def test_every_plot_writes_a_picture(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra: pip install fixpt[plot]")
    calls = {
        "bits.png": lambda p: pictures.plot_bitfield(-0.1, "binary16", p),
        "lines.png": lambda p: pictures.plot_number_lines(["e3m2", "Q3.2"], p, -2, 2),
        "modes.png": lambda p: pictures.plot_rounding_modes([-0.7, 0.3], "Q2.1", p),
        "errors.png": lambda p: pictures.plot_rounding_errors("Q4.4", p, n=2000),
        "overflow.png": lambda p: pictures.plot_overflow_transfer("Q3.4", -10, 10, p),
        "affine.png": lambda p: quantization.plot_affine_mapping(quant.QParams(0.25, -3, bits=4), -2, 3, p),
        "calib.png": lambda p: quantization.plot_calibration(np.random.default_rng(0).laplace(size=2000), 4, p),
        "pact.png": lambda p: quantization.plot_pact(p),
    }
    for name, draw in calls.items():
        draw(str(tmp_path / name))
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_every_image_in_the_docs_is_drawn_by_the_figure_script():
    import runpy
    figures = runpy.run_path(str(ROOT / "scripts" / "docs_figures.py"))["FIGURES"]
    linked = set()
    for page in (ROOT / "docs").rglob("*.md"):
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", page.read_text()):
            linked.add(str((page.parent / target).resolve().relative_to((ROOT / "docs").resolve())))
    assert linked == set(figures), (linked ^ set(figures))
