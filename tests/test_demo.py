"""The main job: `fixpt demo` trains on the shipped digits and deploys with integers only."""
import subprocess
import sys

import numpy as np
import pytest

from fixpt import demo, deploy


def test_shipped_digits():
    x, y = demo.load_digits()
    assert x.shape == (1797, 64) and y.shape == (1797,)
    assert x.min() == 0 and x.max() == 16 and np.all(x == np.round(x))
    assert sorted(set(y.tolist())) == list(range(10))


def test_demo_meets_its_targets():
    lines = []
    results = demo.run(out=lines.append)
    assert set(results) == {"MLP 64-64-10", "CNN c16-pool-10"}
    for r in results.values():
        assert r["float"] > 0.95
        assert abs(r[8]["integer"] - r["float"]) <= 0.01       # 8-bit integer within 1 point of float
        assert r[8]["exact_match"][2**16] >= 0.95                # precise requantization: nearly all bit-exact
        assert r[8]["exact_match"][16] <= r[8]["exact_match"][2**16]
        assert r[4]["integer"] > 0.9
    assert any("integer-deployable, 8-bit" in line for line in lines)
    assert sum("accumulator" in line for line in lines) == 4     # per-layer reports of both networks


def test_cnn_training_learns_and_deploys_as_a_convolution():
    x, y = demo.load_digits()
    net = demo.train_cnn(x[:300], y[:300], channels=4, epochs=3)
    assert isinstance(net.layers[0], deploy.Conv2d) and net.layers[0].weight.shape == (4, 1, 3, 3)
    assert net.run(x[:300].reshape(-1, 1, 8, 8)).shape == (300, 10)
    assert np.mean(net.run(x[:300].reshape(-1, 1, 8, 8)).argmax(1) == y[:300]) > 0.5


def test_accuracy_plot(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "accuracy.png"
    lines = []
    results = demo.run(out=lines.append, plot=str(path), plot_bits=[3, 4, 8])
    assert path.stat().st_size > 1000 and any("saved" in line for line in lines)
    assert set(results["MLP 64-64-10"]["sweep"]) == {3, 4, 8}


def test_command_line_demo_runs():
    done = subprocess.run([sys.executable, "-m", "fixpt.cli", "demo"], capture_output=True, text=True,
                          check=True, timeout=120)
    assert "integer-deployable, 4-bit" in done.stdout and "CNN" in done.stdout
