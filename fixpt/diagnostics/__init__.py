"""Numerical diagnostics: catastrophic cancellation on whole arrays, running error bounds
(``Tracked``), replaying an expression in another format (``Simulated``), and error
statistics of an approximation.

Examples
--------
>>> import numpy as np
>>> from fixpt.diagnostics import cancellation
>>> cancellation(np.array([1.0]), np.array([1.0 - 2.0**-30])).lost_bits.tolist()
[30]
"""
from fixpt.diagnostics.cancel import CancellationReport, cancellation, watch_cancellation
from fixpt.diagnostics.errors import ErrorStats, error_stats, sqnr_db
from fixpt.diagnostics.simulated import SignificantDigits, Simulated
from fixpt.diagnostics.tracked import Tracked

__all__ = ["CancellationReport", "cancellation", "watch_cancellation", "ErrorStats", "error_stats",
           "sqnr_db", "SignificantDigits", "Simulated", "Tracked"]
