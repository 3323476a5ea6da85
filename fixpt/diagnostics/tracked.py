"""Running error bounds and reduced-precision simulation for float arithmetic.

``Tracked`` carries a rigorous absolute error bound next to each value through +, - and *,
and reports cancellation (to ``watch_cancellation``) with the operands' error: a drop is
catastrophic only on operands that already carry error.

``Simulated`` evaluates an expression step by step in a chosen format (any ``FloatFormat``,
or ``SignificantDigits(n)`` decimal rounding), rounding after every operation with any mode.

Examples
--------
>>> x = Tracked([1.0], error=[1e-16])
>>> y = x - Tracked([0.9999999])
>>> bool(y.relative_error_bound[0] > 1e-10)      # the input error, magnified by cancellation
True
>>> a, b = Simulated(5.1, SignificantDigits(2)), Simulated(5.2, SignificantDigits(2))
>>> ((a + b) / 2).tolist()                        # the mean is below both numbers
[5.0]
"""
from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Union

import numpy as np


from fixpt import _binding
from fixpt.base.shapes import broadcast_arrays
from fixpt.convert.floating import round_to_format, ulp
from fixpt.convert.rng import Generator, SeedLike
from fixpt.diagnostics.cancel import CancellationReport, notify
from fixpt.formats import FloatFormat, FloatFormatLike, RoundLike, binary64, parse_float_format

_UP = 1 + 2.0**-50  # nudges float64-computed bounds up so they stay upper bounds


def _round(values: np.ndarray, fmt: FloatFormat, rounding: RoundLike = "nearest_even",
           seed: SeedLike = None) -> np.ndarray:
    if fmt == binary64 and rounding == "nearest_even":
        return values
    return round_to_format(values, fmt, rounding=rounding, seed=seed)


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
        self.values = _round(np.asarray(values, dtype=np.float64), self.format)
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
        exact_double = a + b
        rounded = _round(exact_double, self.format)
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
        product = self.values * other.values
        rounded = _round(product, self.format)
        # rounding error of the product: at most half an ulp of the result in fmt
        delta = np.abs(rounded) * self.format.unit_roundoff + np.abs(rounded - product)
        error = (np.abs(self.values) * other.error + np.abs(other.values) * self.error
                 + self.error * other.error + delta) * _UP
        return Tracked._make(rounded, error, self.format)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"Tracked({self.values.tolist()}, error<={self.error.tolist()}, {self.format!r})"


@dataclass(frozen=True)
class SignificantDigits:
    """Decimal arithmetic with ``digits`` significant digits (ties to even), for teaching.

    Examples
    --------
    >>> a, b = Simulated(5.1, SignificantDigits(2)), Simulated(5.2, SignificantDigits(2))
    >>> ((a + b) / 2).strings()
    ['5.0']
    """

    digits: int

    def context(self) -> decimal.Context:
        """The decimal context (precision ``digits``, ties to even)."""
        return decimal.Context(prec=self.digits, rounding=decimal.ROUND_HALF_EVEN)


SimFormat = Union[FloatFormat, SignificantDigits, str]


class Simulated:
    """Values in a reduced-precision format, rounded after every +, -, *, / and sqrt.

    Each operation is computed in float64 and rounded into the format: exactly the correctly
    rounded result for binary64 and for formats of at most 25 bits of precision (binary32,
    bfloat16, FP8, ...), since float64 has more than 2p + 2 bits; formats between 26 and 52
    bits of precision may be off by a double rounding in rare ties. SignificantDigits uses
    Python's decimal arithmetic, exact at every step.

    >>> x = Simulated(1/3, "bfloat16")
    >>> (x * 3).tolist(), Simulated(1/3, "binary64").__mul__(3).tolist()
    ([1.0], [1.0])
    """

    def __init__(self, values, fmt: SimFormat, rounding: RoundLike = "nearest_even",
                 seed: SeedLike = None):
        self.format = fmt if isinstance(fmt, SignificantDigits) else parse_float_format(fmt)
        self.rounding = rounding
        self.generator = seed if isinstance(seed, Generator) else (
            Generator(seed) if seed is not None else None)
        self.values = self._round(np.atleast_1d(np.asarray(values, dtype=object if self._decimal else np.float64)))

    @property
    def _decimal(self) -> bool:
        return isinstance(self.format, SignificantDigits)

    def _round(self, values: np.ndarray) -> np.ndarray:
        if self._decimal:
            ctx = self.format.context()
            return np.array([ctx.plus(decimal.Decimal(v) if not isinstance(v, decimal.Decimal) else v)
                             for v in values.ravel()], dtype=object).reshape(values.shape)
        return round_to_format(values.astype(np.float64), self.format, rounding=self.rounding,
                               seed=self.generator)

    def _with(self, values) -> "Simulated":
        out = Simulated.__new__(Simulated)
        out.format, out.rounding, out.generator = self.format, self.rounding, self.generator
        out.values = values
        return out

    def _operand(self, other) -> np.ndarray:
        if isinstance(other, Simulated):
            return other.values
        return self._with(self._round(np.atleast_1d(np.asarray(
            other, dtype=object if self._decimal else np.float64)))).values

    def _binary(self, other, name: str, reverse: bool = False) -> "Simulated":
        a, b = self.values, self._operand(other)
        if reverse:
            a, b = b, a
        if self._decimal:
            ctx = self.format.context()
            op = {"add": ctx.add, "sub": ctx.subtract, "mul": ctx.multiply, "div": ctx.divide}[name]
            a, b = broadcast_arrays(a, b)
            return self._with(np.array([op(x, y) for x, y in zip(a.ravel(), b.ravel())],
                                       dtype=object).reshape(a.shape))
        if name in ("add", "sub"):
            report_b = b if name == "add" else -b
            result, lost, cls, _, _ = _binding.cancellation(*broadcast_arrays(a, report_b), "add",
                                                          self.format.precision)
            notify(CancellationReport(name, self.format, result, lost, cls, 0,
                                       np.ones(result.shape, bool)))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            exact = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}[name](a, b)
        return self._with(self._round(exact))

    def __add__(self, other):
        return self._binary(other, "add")

    def __radd__(self, other):
        return self._binary(other, "add", reverse=True)

    def __sub__(self, other):
        return self._binary(other, "sub")

    def __rsub__(self, other):
        return self._binary(other, "sub", reverse=True)

    def __mul__(self, other):
        return self._binary(other, "mul")

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self._binary(other, "div")

    def __rtruediv__(self, other):
        return self._binary(other, "div", reverse=True)

    def __neg__(self):
        return self._with(-self.values)

    def sqrt(self) -> "Simulated":
        """The square root, rounded into the format."""
        if self._decimal:
            ctx = self.format.context()
            return self._with(np.array([ctx.sqrt(v) for v in self.values.ravel()], dtype=object)
                              .reshape(self.values.shape))
        with np.errstate(invalid="ignore"):
            return self._with(self._round(np.sqrt(self.values)))

    def tolist(self) -> list:
        """Values as Python floats (decimal values converted to the nearest float)."""
        if self._decimal:
            return [float(v) for v in self.values.ravel()]
        return self.values.ravel().tolist()

    def strings(self) -> list:
        """Values as strings: all significant digits for decimal formats (``10.000000`` with
        8 digits), the shortest repr for binary ones."""
        if self._decimal:
            digits = self.format.digits
            return [str(v.quantize(decimal.Decimal(1).scaleb(v.adjusted() - (digits - 1))))
                    if v.is_finite() and v != 0 else str(v) for v in self.values.ravel()]
        return [repr(float(v)) for v in self.values.ravel()]

    def __repr__(self) -> str:
        shown = [str(v) for v in self.values.ravel()] if self._decimal else self.values.ravel().tolist()
        return f"Simulated({shown}, {self.format!r})"
