"""Deprecated: ``fixpt.nemo`` moved to ``fixpt.deploy.nemo`` in fixpt 0.2; this alias goes in 0.3."""
import sys
import warnings

from fixpt import deploy  # noqa: F401

warnings.warn("fixpt.nemo moved to fixpt.deploy.nemo; the old name goes in fixpt 0.3",
              DeprecationWarning, stacklevel=2)
sys.modules[__name__] = sys.modules["fixpt.deploy.nemo"]
