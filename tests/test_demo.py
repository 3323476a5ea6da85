"""The main job: `fixpt demo` trains on the shipped digits and deploys with integers only."""
import subprocess
import sys

import numpy as np

from fixpt import demo


def test_shipped_digits():
    x, y = demo.load_digits()
    assert x.shape == (1797, 64) and y.shape == (1797,)
    assert x.min() == 0 and x.max() == 16 and np.all(x == np.round(x))
    assert sorted(set(y.tolist())) == list(range(10))


def test_demo_meets_its_targets():
    lines = []
    results = demo.run(out=lines.append)
    assert results["float"] > 0.95
    assert abs(results[8]["integer"] - results["float"]) <= 0.01       # 8-bit within 1 point
    assert results[8]["exact_match"][65536] == 1.0                      # precise requantization
    assert results[4]["integer"] > 0.9
    assert any("integer-deployable, 8-bit" in line for line in lines)


def test_command_line_demo_runs():
    done = subprocess.run([sys.executable, "-m", "fixpt.cli", "demo"], capture_output=True, text=True,
                          check=True, timeout=120)
    assert "integer-deployable, 4-bit" in done.stdout
