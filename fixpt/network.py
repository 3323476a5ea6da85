"""Deprecated: ``fixpt.network`` moved to ``fixpt.deploy.network`` in fixpt 0.2; this alias goes in 0.3."""
import sys
import warnings

from fixpt import deploy  # noqa: F401

warnings.warn("fixpt.network moved to fixpt.deploy.network; the old name goes in fixpt 0.3",
              DeprecationWarning, stacklevel=2)
sys.modules[__name__] = sys.modules["fixpt.deploy.network"]
