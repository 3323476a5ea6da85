"""Root pytest configuration: skip importing optional-extra modules whose dependency is absent."""
import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["fixpt/torch.py"]
collect_ignore += [] if importlib.util.find_spec("distributed") and importlib.util.find_spec("dask") else ["fixpt/dask.py", "docs/dask.md"]
# deprecated aliases of moved modules: importing them warns (tests/test_layout.py checks that)
collect_ignore += [f"fixpt/{name}.py" for name in ("calibrate", "train", "nemo", "network", "teaching")]


def pytest_addoption(parser):
    parser.addoption("--fuzz-minutes", type=float, default=0.0,
                     help="run the differential fuzzer (tests/test_fuzz.py) for this many minutes")
    parser.addoption("--exhaustive", action="store_true", default=False,
                     help="float arithmetic: every operand pair of every 8-bit format in every "
                          "mode (tests/floats/test_exhaustive.py; the default runs a subset)")
