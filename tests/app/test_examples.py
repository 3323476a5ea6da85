"""The examples run, and the stochastic-rounding experiment shows its effect."""
import pathlib
import runpy
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

import stochastic_rounding_training as sr  # noqa: E402


def test_round_to_nearest_stalls_where_stochastic_rounding_trains():
    nearest = sr.train(6, "nearest_even", epochs=3)
    stochastic = sr.train(6, "stochastic", epochs=3)
    floating = sr.train(None, "nearest_even", epochs=3)
    assert stochastic[-1] < 0.5 * nearest[-1]
    assert abs(stochastic[-1] - floating[-1]) < 0.05


def test_deployment_example_runs_the_demo(monkeypatch):
    # the script is the demo (run once, in tests/app/test_demo.py); check it calls it so
    import fixpt.demo
    calls = []
    monkeypatch.setattr(fixpt.demo, "run", lambda plot=None: calls.append(plot))
    for argv in (["digits_integer_deployment.py"], ["digits_integer_deployment.py", "acc.png"]):
        monkeypatch.setattr(sys, "argv", argv)
        runpy.run_path(str(ROOT / "examples" / "digits_integer_deployment.py"), run_name="__main__")
    assert calls == [None, "acc.png"]


def test_fake_quantized_finetuning_recovers_low_bit_accuracy():
    import low_bit_finetuning as qat
    results = qat.main(bits_list=(2,))
    post_training, fine_tuned = results[2]
    assert fine_tuned > post_training + 0.1
