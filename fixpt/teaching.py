"""Deprecated: ``fixpt.teaching`` moved to ``fixpt.teach.plots`` in fixpt 0.2; this alias goes in 0.3."""
import sys
import warnings

from fixpt import teach  # noqa: F401

warnings.warn("fixpt.teaching moved to fixpt.teach.plots; the old name goes in fixpt 0.3",
              DeprecationWarning, stacklevel=2)
sys.modules[__name__] = sys.modules["fixpt.teach.plots"]
