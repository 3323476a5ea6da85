"""Replaying an expression in a reduced-precision format: ``Simulated`` arrays round once
after every operation, correctly (through :mod:`fixpt.floats`), in any rounding mode.

Examples
--------
>>> x = Simulated([[1.0, 2.0], [3.0, 4.0]], "bfloat16")
>>> (x / 3).shape, (x / 3)[0].tolist()
((2, 2), [0.333984375, 0.66796875])
>>> a, b = Simulated(5.1, SignificantDigits(2)), Simulated(5.2, SignificantDigits(2))
>>> ((a + b) / 2).strings()                       # the mean is below both numbers
'5.0'
"""
from __future__ import annotations

import decimal
import operator
from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np

from fixpt import _binding, floats
from fixpt.base.checks import normalize_axis
from fixpt.base.shapes import broadcast_arrays
from fixpt.base.status import CastStatus
from fixpt.convert.floating import round_to_format, to_bits
from fixpt.convert.rng import Generator, SeedLike
from fixpt.diagnostics.cancel import CancellationReport, notify
from fixpt.formats import FloatFormat, RoundLike, RoundMode, parse_float_format


@dataclass(frozen=True)
class SignificantDigits:
    """Decimal arithmetic with ``digits`` significant digits (ties to even), for teaching.

    Examples
    --------
    >>> a, b = Simulated(5.1, SignificantDigits(2)), Simulated(5.2, SignificantDigits(2))
    >>> ((a + b) / 2).strings()
    '5.0'
    """

    digits: int

    def context(self) -> decimal.Context:
        """The decimal context (precision ``digits``, ties to even)."""
        return decimal.Context(prec=self.digits, rounding=decimal.ROUND_HALF_EVEN)


SimFormat = Union[FloatFormat, SignificantDigits, str]

_FLOAT_OPS: dict[str, Callable] = {"add": floats.add, "sub": floats.subtract,
                                   "mul": floats.multiply, "div": floats.divide}
_DECIMAL_OPS = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "divide"}
_COMPARISONS = {"__eq__": operator.eq, "__ne__": operator.ne, "__lt__": operator.lt,
                "__le__": operator.le, "__gt__": operator.gt, "__ge__": operator.ge}


class Simulated:
    """Values of one format, rounded once after every +, -, *, /, sqrt, fma and power step.

    Binary formats compute each result exactly and round it once into the format
    (:mod:`fixpt.floats`: correct in every mode, binary64 included, with the IEEE flags of the
    last operation in :attr:`status`); ``SignificantDigits`` uses Python's decimal arithmetic.

    The mixed-format rule is symmetric: two Simulated operands must share their format and
    rounding (convert one explicitly with :meth:`astype`); a plain number or array is rounded
    into the format first, like NumPy's weak scalars, so ``a + 3 == 3 + a``.

    Parameters
    ----------
    values : array_like
        Real numbers (read exactly: decimal strings and fractions too), rounded into ``fmt``.
    fmt : FloatFormat, str or SignificantDigits
    rounding : str or RoundMode
        The mode of every operation (default ``"nearest_even"``).
    seed : int, Generator or None
        The random streams of the stochastic modes: each operation draws the next one.

    Examples
    --------
    >>> x = Simulated(1/3, "bfloat16")
    >>> (x * 3).tolist(), (Simulated(1.0, "binary32") + 2.0**-60).tolist()
    (1.0, 1.0)
    >>> (Simulated(1.0, "binary32", rounding="ceil") + 2.0**-60).tolist()
    1.0000001192092896
    """

    __array_ufunc__ = None  # NumPy operands defer to Simulated's reflected operators

    def __init__(self, values, fmt: SimFormat, rounding: RoundLike = "nearest_even",
                 seed: SeedLike = None):
        self.format = fmt if isinstance(fmt, SignificantDigits) else parse_float_format(fmt)
        self.rounding = RoundMode.parse(rounding, "rounding").name.lower()
        self.generator = seed if isinstance(seed, Generator) else (
            Generator(seed) if seed is not None else None)
        self.status: Optional[CastStatus] = None
        self.values = self._round(values)

    # ---- construction ------------------------------------------------------------------
    @property
    def _decimal(self) -> bool:
        return isinstance(self.format, SignificantDigits)

    def _round(self, values) -> np.ndarray:
        if self._decimal:
            ctx = self.format.context()
            arr = np.asarray(values, dtype=object)
            flat = [ctx.plus(v if isinstance(v, decimal.Decimal) else decimal.Decimal(v))
                    for v in arr.ravel()]
            return np.array(flat, dtype=object).reshape(arr.shape)
        rounded, self.status = round_to_format(values, self.format, rounding=self.rounding,
                                               seed=self.generator, return_status=True)
        return rounded

    def _with(self, values, status: Optional[CastStatus] = None) -> "Simulated":
        out = Simulated.__new__(Simulated)
        out.format, out.rounding, out.generator = self.format, self.rounding, self.generator
        out.values, out.status = values, status
        return out

    def _operand(self, other) -> np.ndarray:
        """The values of an operand in this format: a Simulated of the same format and
        rounding, or a plain number/array rounded into the format."""
        if isinstance(other, Simulated):
            if other.format != self.format or other.rounding != self.rounding:
                raise ValueError(
                    f"operands in {self.format!r} ({self.rounding}) and {other.format!r} "
                    f"({other.rounding}): convert one first, e.g. b.astype({self.format!r}), so "
                    f"that the result format is explicit")
            return other.values
        return self._with(None)._round(other)

    def astype(self, fmt: SimFormat, rounding: Optional[RoundLike] = None) -> "Simulated":
        """These values rounded once into another format (and mode).

        Parameters
        ----------
        fmt : FloatFormat, str or SignificantDigits
        rounding : str or RoundMode, optional
            Default: this array's mode.

        Returns
        -------
        Simulated

        Examples
        --------
        >>> Simulated(1 + 2**-10, "binary16").astype("bfloat16").tolist()
        1.0
        """
        values = self.values if not self._decimal else np.vectorize(float, otypes=[float])(self.values)
        return Simulated(values, fmt, rounding or self.rounding, self.generator)

    # ---- arithmetic --------------------------------------------------------------------
    def _binary(self, other, name: str, reverse: bool = False) -> "Simulated":
        a, b = self.values, self._operand(other)
        if reverse:
            a, b = b, a
        if self._decimal:
            ctx = self.format.context()
            a, b = broadcast_arrays(a, b)
            op = getattr(ctx, _DECIMAL_OPS[name])
            flat = [op(x, y) for x, y in zip(a.ravel(), b.ravel())]
            return self._with(np.array(flat, dtype=object).reshape(a.shape))
        if name in ("add", "sub"):
            x, y = broadcast_arrays(a, b if name == "add" else -np.asarray(b))
            result, lost, cls, _, _ = _binding.cancellation(x, y, "add", self.format.precision)
            notify(CancellationReport(name, self.format, result, lost, cls, 0,
                                       np.ones(result.shape, bool)))
        values, status = _FLOAT_OPS[name](a, b, self.format, rounding=self.rounding,
                                          seed=self.generator, return_status=True)
        return self._with(np.asarray(values), status)

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

    def __rmul__(self, other):
        return self._binary(other, "mul", reverse=True)

    def __truediv__(self, other):
        return self._binary(other, "div")

    def __rtruediv__(self, other):
        return self._binary(other, "div", reverse=True)

    def __pow__(self, exponent: int) -> "Simulated":
        """x**n for an integer n: ``((x * x) * x) ...``, rounded after every multiply, left
        to right; a negative n is ``1 / x**|n|`` (one more rounding); ``x**0`` is 1."""
        if isinstance(exponent, bool) or not isinstance(exponent, (int, np.integer)):
            raise TypeError(f"Simulated ** {exponent!r}: only integer powers are repeated rounded "
                            f"multiplies; use sqrt() or write the expression out")
        n = abs(int(exponent))
        result = self._with(self._with(None)._round(np.ones(np.shape(self.values))))
        if n:
            result = self
            for _ in range(n - 1):
                result = result * self
        return 1 / result if exponent < 0 else result

    def __neg__(self) -> "Simulated":
        if self._decimal:
            return self._with(-self.values)
        values = -self.values
        if self.format.inf_nan == "fnuz":
            values = np.where(values == 0, 0.0, values)  # fnuz has no -0
        if not self.format.signed:
            values = np.where(values == 0, values, np.nan)
        return self._with(values)

    def __pos__(self) -> "Simulated":
        return self

    def __abs__(self) -> "Simulated":
        return self._with(np.abs(self.values))

    def sqrt(self) -> "Simulated":
        """The square root, rounded once into the format.

        Returns
        -------
        Simulated

        Examples
        --------
        >>> Simulated(2.0, "binary16", rounding="floor").sqrt().tolist()
        1.4140625
        """
        if self._decimal:
            ctx = self.format.context()
            flat = [ctx.sqrt(v) for v in self.values.ravel()]
            return self._with(np.array(flat, dtype=object).reshape(self.values.shape))
        values, status = floats.sqrt(self.values, self.format, rounding=self.rounding,
                                     seed=self.generator, return_status=True)
        return self._with(np.asarray(values), status)

    def fma(self, other, addend) -> "Simulated":
        """self * other + addend with one rounding.

        Parameters
        ----------
        other, addend : Simulated or array_like

        Returns
        -------
        Simulated

        Examples
        --------
        >>> a = Simulated(1 + 2**-9, "binary16")
        >>> a.fma(a, -1.0).tolist(), (a * a - 1.0).tolist()
        (0.003910064697265625, 0.00390625)
        """
        if self._decimal:
            ctx = self.format.context()
            x, y, z = broadcast_arrays(self.values, self._operand(other), self._operand(addend))
            flat = [ctx.fma(a, b, c) for a, b, c in zip(x.ravel(), y.ravel(), z.ravel())]
            return self._with(np.array(flat, dtype=object).reshape(x.shape))
        values, status = floats.fma(self.values, self._operand(other), self._operand(addend),
                                    self.format, rounding=self.rounding, seed=self.generator,
                                    return_status=True)
        return self._with(np.asarray(values), status)

    def sum(self, axis: Optional[int] = None, order: str = "pairwise") -> "Simulated":
        """The sum, rounded after every addition, in a documented order.

        ``"sequential"``: ``((x0 + x1) + x2) + ...``.  ``"pairwise"``: neighbours first,
        ``(x0 + x1) + (x2 + x3)``, then the pairs of those, ... (an odd last element waits for
        the next level); its error grows like log2(n) roundings instead of n.

        Parameters
        ----------
        axis : int or None
            The axis to sum over (None: all elements, in C order).
        order : {"pairwise", "sequential"}

        Returns
        -------
        Simulated

        Examples
        --------
        >>> x = Simulated([1.0] + [2.0**-11] * 4, "binary16")
        >>> x.sum(order="sequential").tolist(), x.sum(order="pairwise").tolist()
        (1.0, 1.001953125)
        """
        if order not in ("pairwise", "sequential"):
            raise ValueError(f"order={order!r} is not one of: pairwise, sequential")
        values = self.values.ravel() if axis is None else np.moveaxis(
            self.values, normalize_axis(axis, self.values.ndim), 0)
        if values.shape[0] == 0:
            return self._with(self._with(None)._round(np.zeros(values.shape[1:])))
        terms = [self._with(values[i]) for i in range(values.shape[0])]
        if order == "sequential":
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            return total
        while len(terms) > 1:
            paired = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
            terms = paired + ([terms[-1]] if len(terms) % 2 else [])
        return terms[0]

    # ---- comparisons and array behaviour -----------------------------------------------
    def _compare(self, other, name: str) -> np.ndarray:
        other_values = other.values if isinstance(other, Simulated) else np.asarray(other)
        return _COMPARISONS[name](np.asarray(self.values), other_values)

    def __eq__(self, other):  # type: ignore[override]
        return self._compare(other, "__eq__")

    def __ne__(self, other):  # type: ignore[override]
        return self._compare(other, "__ne__")

    def __lt__(self, other):
        return self._compare(other, "__lt__")

    def __le__(self, other):
        return self._compare(other, "__le__")

    def __gt__(self, other):
        return self._compare(other, "__gt__")

    def __ge__(self, other):
        return self._compare(other, "__ge__")

    __hash__ = None  # type: ignore[assignment]  (mutable values, elementwise ==)

    def __getitem__(self, index) -> "Simulated":
        return self._with(self.values[index])

    def __setitem__(self, index, value) -> None:
        self.values[index] = self._operand(value)

    def __len__(self) -> int:
        return len(self.values)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        values = self.values if not self._decimal else self.values.astype(np.float64)
        return np.array(values, dtype=dtype, copy=True if copy else None)

    @property
    def shape(self) -> tuple:
        """The array's shape."""
        return np.shape(self.values)

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return np.ndim(self.values)

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.size(self.values))

    def tolist(self):
        """Values as Python floats, nested like the array (decimal values converted to the
        nearest float)."""
        if self._decimal:
            return np.vectorize(float, otypes=[float])(self.values).tolist()
        return self.values.tolist()

    def to_bits(self) -> np.ndarray:
        """The encodings of the values in the format (``fmt.container``).

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> hex(int(Simulated(1.0, "binary16").to_bits()))
        '0x3c00'
        """
        if self._decimal:
            raise TypeError("decimal formats (SignificantDigits) have no binary encodings")
        return to_bits(self.values, self.format)

    def strings(self):
        """Values as strings, nested like the array: all significant digits for decimal
        formats (``10.000000`` with 8 digits), the shortest repr for binary ones."""
        if self._decimal:
            digits = self.format.digits

            def text(v):
                if not v.is_finite() or v == 0:
                    return str(v)
                return str(v.quantize(decimal.Decimal(1).scaleb(v.adjusted() - (digits - 1))))
        else:
            def text(v):
                return repr(float(v))
        return np.vectorize(text, otypes=[object])(self.values).tolist()

    def __repr__(self) -> str:
        return f"Simulated({self.strings()}, {self.format!r}, rounding={self.rounding!r})"
