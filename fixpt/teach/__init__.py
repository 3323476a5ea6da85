"""Teaching: ``explain`` shows how a value is stored in a float or fixed-point format, bit by
bit, and what every rounding and overflow mode does to it; the plots behind the teaching
pages of the docs.

Examples
--------
>>> from fixpt.teach import explain
>>> print(explain("0x3f800000", "binary32").lines[-1])
  class     normal
"""
from fixpt.teach import filters, pictures, quantization
from fixpt.teach.explanation import Explanation, exact_decimal, explain, resolve_format
from fixpt.teach.plots import expected_rounding, plot_lost_bits, plot_rounding, slope_bias_table

__all__ = ["filters", "pictures", "quantization", "Explanation", "exact_decimal", "explain", "resolve_format", "expected_rounding",
           "plot_lost_bits", "plot_rounding", "slope_bias_table"]
