"""Deprecated: ``fixpt.calibrate`` moved to ``fixpt.quant.calibrate`` in fixpt 0.2; this alias goes in 0.3."""
import sys
import warnings

from fixpt import quant  # noqa: F401

warnings.warn("fixpt.calibrate moved to fixpt.quant.calibrate; the old name goes in fixpt 0.3",
              DeprecationWarning, stacklevel=2)
sys.modules[__name__] = sys.modules["fixpt.quant.calibrate"]
