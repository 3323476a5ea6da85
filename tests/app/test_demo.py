"""The main job: `fixpt demo` trains on the shipped digits and deploys with integers only."""
import numpy as np
import pytest

from fixpt import demo, deploy


def test_shipped_digits():
    x, y = demo.load_digits()
    assert x.shape == (1797, 64) and y.shape == (1797,)
    assert x.min() == 0 and x.max() == 16 and np.all(x == np.round(x))
    assert sorted(set(y.tolist())) == list(range(10))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo, run once for every test here (with the accuracy plot when matplotlib is there)."""
    try:
        import matplotlib  # noqa: F401
        path = tmp_path_factory.mktemp("demo") / "accuracy.png"
    except ImportError:
        path = None
    lines = []
    results = demo.run(out=lines.append, plot=None if path is None else str(path), plot_bits=[3, 4, 8])
    return results, lines, path


def test_demo_meets_its_targets(demo_run):
    results, lines, _ = demo_run
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


def test_accuracy_plot(demo_run):
    results, lines, path = demo_run
    if path is None:
        pytest.skip("matplotlib is not installed")
    assert path.stat().st_size > 1000 and any("saved" in line for line in lines)
    assert set(results["MLP 64-64-10"]["sweep"]) == {3, 4, 8}


def test_command_line_runs_the_demo(monkeypatch, capsys):
    # the wiring only: the demo itself ran above (tests/app/test_cli.py runs the real command)
    from fixpt import cli
    calls = []
    monkeypatch.setattr(cli, "run_demo", lambda plot=None: calls.append(plot))
    assert cli.main(["demo"]) == 0 and cli.main(["demo", "--plot", "a.png"]) == 0
    assert calls == [None, "a.png"]


def test_readme_table_is_what_the_demo_prints(demo_run):
    """The README's numbers are the demo's (within half a point: float training may sum in
    another order on another BLAS)."""
    import pathlib
    import re
    _, lines, _ = demo_run
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("test accuracy", 1)[1].split("```", 1)[0].strip().splitlines()
    printed = "\n".join(lines).split("test accuracy", 1)[1].strip().splitlines()[:len(block)]

    def numbers(row):
        return [float(v) for v in re.findall(r"([0-9.]+)%", row)]

    for claimed, actual in zip(block, printed):
        assert claimed.split("  ")[0] == actual.split("  ")[0]
        assert all(abs(a - b) <= 0.5 for a, b in zip(numbers(claimed), numbers(actual))), (claimed, actual)


def test_kl_calibration_of_the_8_bit_cnn_keeps_its_accuracy(demo_run):
    """Regression: at 8 bits (255 levels over 2048 bins) the KL threshold collapsed to about a
    quarter of the maximum (alpha 1.08 of 4.36, accuracy 88% instead of 98.7%): the ReLU's exact
    zeros made a spike in the first bin that any merged group of Q smears."""
    results, _, _ = demo_run
    x, y = demo.load_digits()
    x_train, _, x_test, y_test = demo.split(x, y)
    net = results["CNN c16-pool-10"]["net"]
    train, test = x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8)
    accuracy, alpha = {}, {}
    for method in ("max", "kl"):
        fq = deploy.fake_quantize(net, train, 1.0, weight_bits=8, act_bits=8, calibration=method)
        alpha[method] = fq.layers[1].alpha
        accuracy[method] = np.mean(fq.run(test, "fake_quantized").argmax(1) == y_test)
    assert 0.6 * alpha["max"] < alpha["kl"] <= alpha["max"]
    assert accuracy["kl"] >= accuracy["max"] - 0.005
