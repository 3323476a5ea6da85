"""Running error bounds for float arithmetic.

``Tracked`` carries a rigorous absolute error bound next to each value through +, - and *
(each result rounded once into its format), and reports cancellation (to
``watch_cancellation``) with the operands' error: a drop is catastrophic only on operands
that already carry error.

Examples
--------
>>> x = Tracked([1.0], error=[1e-16])
>>> y = x - Tracked([0.9999999])
>>> bool(y.relative_error_bound[0] > 1e-10)      # the input error, magnified by cancellation
True
"""
from __future__ import annotations

import numpy as np

from fixpt import _binding, floats
from fixpt.base.shapes import broadcast_arrays
from fixpt.convert.floating import round_to_format, ulp
from fixpt.diagnostics.cancel import CancellationReport, notify
from fixpt.formats import FloatFormatLike, binary64, parse_float_format

_UP = 1 + 2.0**-50  # nudges float64-computed bounds up so they stay upper bounds
_TINY = 2.0**-1074  # the largest error of a float64 product that underflows


def _two_sum_error(a: np.ndarray, b: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The exact rounding error (a + b) - s of s = fl(a + b) (Knuth's TwoSum)."""
    with np.errstate(invalid="ignore", over="ignore"):
        bb = s - a
        return (a - (s - bb)) + (b - bb)


class Tracked:
    """float64 values held in ``fmt`` with a rigorous absolute error bound each, through +, -, *.

    Parameters
    ----------
    values : array_like
    error : float or array_like
        The inputs' absolute error bound (default 0: exact).
    fmt : FloatFormat or str
        The format every result is rounded into (default binary64).
    error_ulps : float or array_like, optional
        The inputs' error bound in units in the last place of ``fmt`` instead.

    Examples
    --------
    >>> x = Tracked([1.0], error=[1e-16])
    >>> y = x - Tracked([0.9999999])
    >>> bool(y.relative_error_bound[0] > 1e-10)      # the input error, magnified by cancellation
    True
    """

    def __init__(self, values, error=0.0, fmt: FloatFormatLike = binary64, *, error_ulps=None):
        self.format = parse_float_format(fmt)
        self.values = np.asarray(round_to_format(values, self.format))
        if error_ulps is not None:
            error = np.asarray(error_ulps, dtype=np.float64) * ulp(self.values, self.format)
        self.error = np.broadcast_to(np.asarray(error, dtype=np.float64), self.values.shape).copy()
        if np.any(self.error < 0):
            raise ValueError("error bounds must be >= 0")

    @classmethod
    def _make(cls, values, error, fmt) -> "Tracked":
        out = cls.__new__(cls)
        out.format, out.values, out.error = fmt, values, error
        return out

    def _other(self, other) -> "Tracked":
        return other if isinstance(other, Tracked) else Tracked(other, 0.0, self.format)

    @property
    def relative_error_bound(self) -> np.ndarray:
        """The error bound relative to |value| (inf at zero)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.error == 0, 0.0, self.error / np.abs(self.values))

    def _sum(self, other, sign: float) -> "Tracked":
        other = self._other(other)
        a, b = broadcast_arrays(self.values, sign * other.values)
        with np.errstate(over="ignore", invalid="ignore"):
            exact_double = a + b
        rounded = np.asarray(floats.add(a, b, self.format))
        delta = np.abs(rounded - exact_double) + np.abs(_two_sum_error(a, b, exact_double))
        error = (self.error + other.error + delta) * _UP
        _, lost, cls, _, _ = _binding.cancellation(a, b, "add", self.format.precision)
        notify(CancellationReport("sub" if sign < 0 else "add", self.format, rounded, lost, cls, 0,
                                   (self.error > 0) | (other.error > 0)))
        return Tracked._make(rounded, error, self.format)

    def __add__(self, other):
        return self._sum(other, 1.0)

    def __radd__(self, other):
        return self._other(other)._sum(self, 1.0)

    def __sub__(self, other):
        return self._sum(other, -1.0)

    def __rsub__(self, other):
        return self._other(other)._sum(self, -1.0)

    def __neg__(self):
        return Tracked._make(-self.values, self.error, self.format)

    def __mul__(self, other):
        other = self._other(other)
        with np.errstate(over="ignore", invalid="ignore"):
            product = self.values * other.values
        rounded = np.asarray(floats.multiply(self.values, other.values, self.format))
        # |rounded - exact| <= |rounded - product| + |product - exact| (float64's own rounding)
        delta = np.abs(rounded - product) + np.abs(product) * 2.0**-53 + _TINY
        error = (np.abs(self.values) * other.error + np.abs(other.values) * self.error
                 + self.error * other.error + delta) * _UP
        return Tracked._make(rounded, error, self.format)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"Tracked({self.values.tolist()}, error<={self.error.tolist()}, {self.format!r})"
