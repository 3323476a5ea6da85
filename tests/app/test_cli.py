"""The installed command line: ``fixpt tour``, ``fixpt explain`` and the demo's entry point."""
import subprocess
import sys

from fixpt.cli import main


def test_tour_runs_and_shows_each_mode(capsys):
    assert main(["tour"]) == 0
    out = capsys.readouterr().out
    assert "Q(1,15)" in out and "nearest_even" in out and "stochastic" in out
    # the tour's numbers: 2.5 and -2.5 to integers, and the overflow table
    assert "nearest_even     [2, -2]" in out and "nearest_away     [3, -3]" in out
    assert "wrap" in out and "overflowed" in out


def test_console_script_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "fixpt.cli", "tour"], capture_output=True, text=True,
                          check=True, timeout=120)
    assert "Rounding 2.5 and -2.5" in done.stdout
