"""fixpt.explain and the `fixpt explain` command: the numbers a student reads must be right."""
import subprocess
import sys
from fractions import Fraction

import pytest

import fixpt
from fixpt.cli import main


def test_decoding_0x40c00000_is_six():
    text = str(fixpt.explain("0x40C00000", "binary32"))
    assert "0 | 1000 0001 | 1000 0000 0000 0000 0000 000" in text
    assert "field 129, unbiased 129 - 127 = 2" in text
    assert "significand 1.10000000000000000000000 (binary) = 1.5" in text
    assert "(-1)^0 x 1.5 x 2^2 = 6" in text and "class     normal" in text


def test_encoding_minus_one_half():
    text = str(fixpt.explain(-0.5, fixpt.binary32))
    assert "hex       0xbf000000" in text and "sign      1 (-)" in text
    assert "unbiased 126 - 127 = -1" in text and "= -0.5" in text


def test_inexact_value_shows_neighbours_grs_and_modes():
    text = str(fixpt.explain(0.1, "binary32"))
    assert "below     0.0999999940395355224609375  (0x3dcccccc)" in text
    assert "above     0.100000001490116119384765625  (0x3dcccccd)" in text
    # 0.1 sits 0.8 of the way up: 0.8 = 0.110011..b, so guard 1, round 1, sticky 1
    assert "position  0.8 of the way" in text and "(guard 1, round 1, sticky 1)" in text
    lines = {line.split()[0]: line.split()[1] for line in text.splitlines()
             if line.startswith("    ") and not line.strip().startswith("stochastic")}
    assert lines["nearest_even"] == "above" and lines["floor"] == "below"
    assert lines["toward_zero"] == "below" and lines["ceil"] == "above"
    assert "stochastic        above with probability 0.8, below with 0.2" in text


def test_tie_under_each_mode_in_fixed_point():
    text = str(fixpt.explain(0.375, "Q4.2"))  # halfway between 0.25 and 0.5
    assert "(guard 1, round 0, sticky 0)" in text
    lines = {line.split()[0]: line.split()[1] for line in text.splitlines() if line.startswith("    ")}
    assert lines["nearest_even"] == "above" and lines["nearest_zero"] == "below"
    assert lines["nearest_down"] == "below" and lines["nearest_up"] == "above"


def test_each_mode_shows_its_error_exactly():
    text = str(fixpt.explain("0.1", "Q4.12"))      # 409.6 steps: 0.4 of a step up, 0.6 down
    assert "nearest_even      above  error +0.00009765625 (relative +0.000977, +0.4 ulp)" in text
    assert "floor             below  error -0.000146484375 (relative -0.00146, -0.6 ulp)" in text
    assert "expected error 0 (unbiased)" in text
    for line in text.splitlines():
        if "error +" in line or "error -" in line:
            shown = line.split("error ")[1].split(" ")[0]
            value = Fraction(shown.lstrip("+-")) * (-1 if shown[0] == "-" else 1)
            below, above = Fraction(409, 4096), Fraction(410, 4096)
            assert value in (below - Fraction(1, 10), above - Fraction(1, 10))


def test_exact_values_show_ulp_and_neighbours():
    text = str(fixpt.explain(1.0, "binary16"))
    assert "ulp       0.0009765625 = 2^-10" in text
    assert "below     0.99951171875  (0x3bff), 0.00048828125 away" in text   # the binade below is finer
    assert "above     1.0009765625  (0x3c01), 0.0009765625 away" in text
    top = str(fixpt.explain(3.75, "Q3.2"))
    assert "above     none: the largest finite value" in top and "below     3.5  (raw 14), 0.25 away" in top
    assert "none: the smallest finite value" in str(fixpt.explain(-4, "Q3.2"))


def test_one_value_side_by_side_in_several_formats():
    text = str(fixpt.explain("0.1", "binary16,bfloat16,e4m3fn,Q4.12"))
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()[2:]}
    assert rows["binary16"][:3] == ["0.0999755859375", "0x2e66", "-0.0000244140625"]
    assert rows["e4m3fn"][:3] == ["0.1015625", "0x1d", "+0.0015625"]
    assert rows["Q(4,12)"][:3] == ["0.10009765625", "0x019a", "+0.00009765625"]
    assert str(fixpt.explain(0.1, [fixpt.bfloat16, fixpt.Q(4, 12)])).startswith("0.1000000000000000055511151231257827021181583404541015625 in 2 formats")
    over = str(fixpt.explain(1000, "e4m3fn,Q4.12"))
    assert "nan (overflow)" in over and "7.999755859375 (saturated)" in over
    with pytest.raises(ValueError, match="one format"):
        fixpt.explain("0x3c00", "binary16,bfloat16")


def test_fixed_point_bits_and_weights():
    text = str(fixpt.explain(1.75, fixpt.Q(3, 2)))
    assert "bits      001.11" in text and "weights   -4  2  1  0.5  0.25" in text
    assert "1 + 0.5 + 0.25 = 1.75" in text
    neg = str(fixpt.explain("0xff", "Q1.7"))
    assert "raw       -1" in neg and "= -0.0078125" in neg


def test_specials_and_subnormals():
    assert "class     inf" in str(fixpt.explain("0x7c00", "binary16"))
    assert "class     quiet_nan" in str(fixpt.explain("0x7f", "e4m3fn"))
    assert "class     signaling_nan" in str(fixpt.explain("0x7c01", "binary16"))
    sub = str(fixpt.explain("0x0001", "binary16"))
    assert "class     subnormal" in sub and "emin = 1 - 15 = -14" in sub
    assert "x 2^-14 = 0.000000059604644775390625" in sub


@pytest.mark.parametrize("value, fmt, error", [
    ("abc", "binary32", ValueError), ("0x1ffff", "binary16", ValueError),
    (1.0, "binary99", ValueError), ([1.0], "binary32", TypeError),
])
def test_bad_input(value, fmt, error):
    with pytest.raises(error):
        fixpt.explain(value, fmt)


def test_command_line(capsys):
    assert main(["explain", "0x40C00000", "--format", "binary32"]) == 0
    assert "= 6" in capsys.readouterr().out
    assert main(["explain", "0.1", "--format", "binary16,Q4.12"]) == 0
    assert "0.1 in 2 formats" in capsys.readouterr().out
    # argparse reads "-1e-5000" as an option; the command moves a negative number after --
    assert main(["explain", "-1e-5000", "--format", "Q4.4,binary16"]) == 0
    assert "+1.600e-4999" in capsys.readouterr().out      # relative and ulp errors beyond float64
    assert main(["explain", "-0.5"]) == 0
    assert "0xbf000000" in capsys.readouterr().out
    assert main(["explain", "2.75", "--format", "Q4.4"]) == 0
    assert "0010.1100" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        main(["explain", "abc"])
    assert stop.value.code == 2 and "neither a number" in capsys.readouterr().err


def test_installed_console_script_runs():
    done = subprocess.run([sys.executable, "-m", "fixpt.cli", "explain", "0x3f800000"],
                          capture_output=True, text=True, check=True)
    assert "(-1)^0 x 1 x 2^0 = 1" in done.stdout
