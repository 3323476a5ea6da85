"""Shared test configuration: the hypothesis profiles, and the oracles (oracle.py,
float_oracle.py, strategies.py, fuzz.py in this folder) importable from every test folder."""
import os
import sys

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if os.environ.get("FIXPT_SANITIZED"):
    # .ci/variant sanitize: matplotlib's C++ extension cannot load under ASan's interceptors
    # (a CHECK on __cxa_throw fails), so the sanitized run sees it as absent and the picture
    # tests skip (they call no C of fixpt's beyond what the data tests already run).
    sys.modules["matplotlib"] = None
