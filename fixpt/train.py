"""Deprecated: ``fixpt.train`` moved to ``fixpt.quant.train`` in fixpt 0.2; this alias goes in 0.3."""
import sys
import warnings

from fixpt import quant  # noqa: F401

warnings.warn("fixpt.train moved to fixpt.quant.train; the old name goes in fixpt 0.3",
              DeprecationWarning, stacklevel=2)
sys.modules[__name__] = sys.modules["fixpt.quant.train"]
