"""Catastrophic-cancellation diagnostics on whole arrays.

``cancellation(a, b)`` computes ``a - b`` (or ``a + b``) and, in the same C pass, how many
leading bits each result lost: ``max(E(a), E(b)) - E(result)`` with E the IEEE unbiased
exponent. An event is counted when ``lost >= threshold_bits`` (the boundary is included, as in
Verificarlo and Verrou). Nonzero operands that cancel to exactly zero (``x - x``) lost every
significant bit: their ``lost_bits`` is the format's precision, and ``exact_zero`` marks them.

Cancellation is *catastrophic* only when the operands already carry error: by Sterbenz's lemma
the difference of exact operands within a factor 2 is exact. Pass ``error_ulps=`` (the
operands' error bounds in ulps) to separate the two.

Examples
--------
>>> import numpy as np
>>> r = cancellation(np.array([1.0, 1.0, 5.0]), np.array([0.9999999, 1.0, 2.0]), threshold_bits=10)
>>> r.lost_bits.tolist(), r.exact_zero.tolist(), r.n_events
([24, 53, 1], [False, True, False], 2)
"""
from __future__ import annotations

import inspect
import math
import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Iterator, Optional

import numpy as np


from fixpt import _binding
from fixpt.base.shapes import broadcast_arrays
from fixpt.convert.floating import round_to_format
from fixpt.formats import FloatFormat, FloatFormatLike, binary32, binary64, parse_float_format

DIGITS_PER_BIT = math.log10(2)
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_watchers: ContextVar[tuple] = ContextVar("fixpt_cancellation_watchers", default=())


def _call_site() -> tuple[str, int]:
    """(file, line) of the nearest caller outside the fixpt package."""
    frame = inspect.currentframe()
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR:
        frame = frame.f_back
    if frame is None:
        return "<unknown>", 0
    return frame.f_code.co_filename, frame.f_lineno


@dataclass
class CancellationReport:
    """Per-element results of one diagnosed operation, with summaries.

    Attributes
    ----------
    op : str
        "add" or "sub".
    format : FloatFormat
        The format the operands are held in.
    result : numpy.ndarray
        The results, rounded into the format.
    lost_bits : numpy.ndarray
        ``max(E(a), E(b)) - E(result)``; the precision for total cancellation; 0 where not
        applicable.
    threshold_bits : int
        Events are ``lost_bits >= threshold_bits``.

    Examples
    --------
    >>> import numpy as np
    >>> r = cancellation(np.array([1.0, 2.0]), np.array([1.0 - 2.0**-20, 0.5]), threshold_bits=8)
    >>> r.lost_bits.tolist(), r.n_events, r.worst
    ([20, 1], 1, ((0,), 20))
    """

    op: str
    format: FloatFormat
    result: np.ndarray
    lost_bits: np.ndarray
    classes: np.ndarray = field(repr=False)  # 0 usable, 1 exact zero, 2 not applicable
    threshold_bits: int
    operand_error: np.ndarray = field(repr=False)  # may be a broadcast view

    @property
    def exact_zero(self) -> np.ndarray:
        """Nonzero operands whose result is exactly 0: total cancellation (lost_bits is the
        precision; catastrophic when the operands carried error)."""
        return self.classes == 1

    @property
    def not_applicable(self) -> np.ndarray:
        """A zero, inf or NaN operand, or an inf/NaN result."""
        return self.classes == 2

    @property
    def events(self) -> np.ndarray:
        """Mask of elements with lost_bits >= threshold_bits (total cancellation included)."""
        return self.lost_bits >= self.threshold_bits

    @property
    def n_events(self) -> int:
        """The number of events (elements with lost_bits >= threshold_bits)."""
        return int(np.count_nonzero(self.events))

    @property
    def catastrophic(self) -> np.ndarray:
        """Events whose operands carried error (benign: both operands exact)."""
        return self.events & self.operand_error

    @property
    def significant_bits(self) -> np.ndarray:
        """Correct leading bits left: the format's precision minus the bits lost when the
        operands carry error (exact operands give an exact result: full precision)."""
        left = np.maximum(self.format.precision - self.lost_bits.astype(np.int64), 0)
        left = np.where(self.operand_error, left, self.format.precision)
        return np.where(self.exact_zero & self.operand_error, 0, left)

    @property
    def worst(self) -> Optional[tuple]:
        """(index, bits lost) of the largest loss, or None when nothing was lost."""
        if not self.lost_bits.size or int(self.lost_bits.max()) <= 0:
            return None
        flat = int(np.argmax(self.lost_bits))
        return tuple(int(i) for i in np.unravel_index(flat, self.lost_bits.shape)), int(self.lost_bits.flat[flat])

    def histogram(self) -> np.ndarray:
        """counts[k] = elements that lost exactly k bits (total cancellation at k = precision;
        N/A excluded)."""
        usable = ~self.not_applicable
        return np.bincount(self.lost_bits[usable].astype(np.int64).ravel(), minlength=1)

    def first(self, k: int = 10) -> list:
        """Index tuples of the first k events (C order)."""
        return [tuple(int(v) for v in i) for i in np.argwhere(self.events)[:k]]

    def __str__(self) -> str:
        worst = self.worst
        digits = self.threshold_bits * DIGITS_PER_BIT
        lines = [
            f"cancellation in {self.op} ({self.format!r}, {self.result.size} elements)",
            f"  events (lost >= {self.threshold_bits} bits = {digits:.1f} decimal digits): "
            f"{self.n_events}, catastrophic {int(np.count_nonzero(self.catastrophic))}",
            f"  exact zero results: {int(np.count_nonzero(self.exact_zero))}",
        ]
        if worst is not None:
            lines.append(f"  worst: {worst[1]} bits ({worst[1] * DIGITS_PER_BIT:.1f} digits) "
                         f"at index {worst[0]}")
        if self.n_events:
            lines.append(f"  first events at {self.first(5)}")
        return "\n".join(lines)

    __repr__ = __str__


def _format_of(dtype: np.dtype, fmt: Optional[FloatFormatLike]) -> FloatFormat:
    if fmt is not None:
        return parse_float_format(fmt)
    return binary32 if dtype == np.float32 else binary64


def cancellation(a, b, op: str = "sub", fmt: Optional[FloatFormatLike] = None, *,
                 threshold_bits: int = 10, error_ulps=0) -> CancellationReport:
    """Compute ``a - b`` (op="sub") or ``a + b`` (op="add") and diagnose cancellation.

    Parameters
    ----------
    a, b : array_like
        Real numbers, broadcast together; values of ``fmt``.
    op : {"sub", "add"}
    fmt : FloatFormat or str, optional
        The format the operands are held in (default: binary32 for float32 inputs, else
        binary64); the result is rounded into it (exactly, for formats of at most 25 bits of
        precision and for binary64).
    threshold_bits : int
        An event is an element that lost at least this many leading bits.
    error_ulps : float, array_like or (a_ulps, b_ulps)
        The operands' error bounds in ulps; 0 means exact operands (then no event is
        catastrophic: Sterbenz's lemma).

    Returns
    -------
    CancellationReport

    Raises
    ------
    TypeError, ValueError
        Inputs that are not real numbers, or not values of ``fmt``.

    Examples
    --------
    >>> import numpy as np
    >>> cancellation(np.array([1.0]), np.array([0.9999999]), threshold_bits=10).n_events
    1
    """
    if op not in ("add", "sub"):
        raise ValueError(f"op={op!r} is not one of: add, sub")
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    for name, arr in (("a", a_arr), ("b", b_arr)):
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"{name} must be real numbers, got dtype {arr.dtype}")
    fmt = _format_of(np.result_type(a_arr, b_arr), fmt)
    a_arr, b_arr = broadcast_arrays(a_arr.astype(np.float64, copy=False),
                                       b_arr.astype(np.float64, copy=False))
    if fmt != binary64:
        for name, arr in (("a", a_arr), ("b", b_arr)):
            if not np.array_equal(round_to_format(arr, fmt), arr, equal_nan=True):
                raise ValueError(f"{name} holds values that are not {fmt!r} values; round them first")
    result, lost, cls, _, _ = _binding.cancellation(a_arr, b_arr, op, fmt.precision)
    if fmt != binary64:  # round the float64 result into the format; its exponent may move up
        rounded = round_to_format(result, fmt)
        moved = np.frexp(rounded)[1].astype(np.int64) - np.frexp(result)[1].astype(np.int64)
        usable = (cls == 0) & (rounded != 0) & np.isfinite(rounded)
        lost = np.where(usable, lost - moved, lost).astype(np.int16)
        result = rounded
    err_a, err_b = (error_ulps if isinstance(error_ulps, tuple) else (error_ulps, error_ulps))
    operand_error = np.broadcast_to((np.asarray(err_a) > 0) | (np.asarray(err_b) > 0), result.shape)
    report = CancellationReport(op, fmt, result, lost, cls, int(threshold_bits), operand_error)
    notify(report)
    return report


# --- watching ---------------------------------------------------------------------

@dataclass
class _Site:
    file: str
    line: int
    op: str
    calls: int = 0
    events: int = 0
    catastrophic: int = 0
    worst_bits: int = 0


class CancellationWatch:
    """Events recorded inside ``with watch_cancellation() as w:``, by call site.

    Examples
    --------
    >>> import numpy as np
    >>> with watch_cancellation(threshold_bits=20) as w:
    ...     _ = cancellation(np.array([1.0]), np.array([1.0 - 2.0**-30]))
    >>> w.n_events, len(w.sites)
    (1, 1)
    """

    def __init__(self, threshold_bits: int) -> None:
        self.threshold_bits = threshold_bits
        self.sites: dict[tuple, _Site] = {}

    def record(self, report: CancellationReport) -> None:
        """Add a report to the table of its caller's file and line (outside fixpt)."""
        file, line = _call_site()
        site = self.sites.setdefault((file, line, report.op), _Site(file, line, report.op))
        events = report.lost_bits >= self.threshold_bits
        site.calls += 1
        site.events += int(np.count_nonzero(events))
        site.catastrophic += int(np.count_nonzero(events & report.operand_error))
        if report.lost_bits.size:
            site.worst_bits = max(site.worst_bits, int(report.lost_bits.max()))

    @property
    def n_events(self) -> int:
        """All events recorded, over every call site."""
        return sum(site.events for site in self.sites.values())

    def __str__(self) -> str:
        head = (f"cancellation events (lost >= {self.threshold_bits} bits = "
                f"{self.threshold_bits * DIGITS_PER_BIT:.1f} digits)")
        rows = [head, f"{'call site':40s} {'op':4s} {'calls':>6s} {'events':>8s} {'catastr.':>8s} {'worst':>6s}"]
        for site in sorted(self.sites.values(), key=lambda s: -s.events):
            where = f"{os.path.basename(site.file)}:{site.line}"
            rows.append(f"{where:40s} {site.op:4s} {site.calls:6d} {site.events:8d} "
                        f"{site.catastrophic:8d} {site.worst_bits:6d}")
        return "\n".join(rows)

    __repr__ = __str__


@contextmanager
def watch_cancellation(threshold_bits: int = 10) -> Iterator[CancellationWatch]:
    """Record cancellation in fixpt's float operations (``cancellation``, ``Tracked``,
    ``Simulated``) made in this block, by the caller's file and line.

    Parameters
    ----------
    threshold_bits : int
        The event threshold of the table.

    Yields
    ------
    CancellationWatch
        ``print(w)`` shows the events per call site.

    Examples
    --------
    >>> import numpy as np
    >>> with watch_cancellation(threshold_bits=20) as w:
    ...     _ = cancellation(np.array([1.0]), np.array([1.0 - 2.0**-30]))
    >>> w.n_events
    1
    """
    watch = CancellationWatch(threshold_bits)
    token = _watchers.set(_watchers.get() + (watch,))
    try:
        yield watch
    finally:
        _watchers.reset(token)


def notify(report: CancellationReport) -> None:
    """Hand a report to every active ``watch_cancellation`` block."""
    for watch in _watchers.get():
        watch.record(report)
