"""Collect what every cast and operation did: ``with fixpt.record() as log:``.

Examples
--------
>>> import fixpt
>>> with fixpt.record() as log:
...     x = fixpt.array([0.3, 9.0], "Q4.4")
...     y = (x * x).astype("Q4.4")
>>> [(e.operation, e.n_overflow, e.n_inexact) for e in log.entries]
[('array', 1, 1), ('mul', 0, 0), ('astype', 1, 2)]
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np

_active: contextvars.ContextVar[tuple] = contextvars.ContextVar("fixpt_record", default=())


@dataclass(frozen=True)
class LogEntry:
    """One recorded operation."""

    operation: str
    format: object
    size: int
    n_overflow: int
    n_inexact: int
    min: Optional[float]
    max: Optional[float]


class Log:
    """The entries recorded inside one ``record()`` block; ``print(log)`` shows a table."""

    def __init__(self) -> None:
        self.entries: list[LogEntry] = []

    def __str__(self) -> str:
        head = f"{'operation':12s} {'format':12s} {'size':>9s} {'overflow':>9s} {'rounded':>9s} {'min':>12s} {'max':>12s}"
        rows = [head, "-" * len(head)]
        for e in self.entries:
            lo = "" if e.min is None else f"{e.min:.6g}"
            hi = "" if e.max is None else f"{e.max:.6g}"
            rows.append(f"{e.operation:12s} {repr(e.format):12s} {e.size:9d} {e.n_overflow:9d} "
                        f"{e.n_inexact:9d} {lo:>12s} {hi:>12s}")
        return "\n".join(rows)

    __repr__ = __str__


@contextmanager
def record() -> Iterator[Log]:
    """Record every fixpt cast and operation in this block (nested blocks all record).

    Yields
    ------
    Log
        Its ``entries`` (operation, format, size, overflow and rounding counts, min, max);
        ``print(log)`` shows them as a table.

    Examples
    --------
    >>> import fixpt
    >>> with fixpt.record() as log:
    ...     y = fixpt.array([0.3, 9.0], "Q4.4") * 2
    >>> [(e.operation, e.n_overflow) for e in log.entries]
    [('array', 1), ('mul', 0)]
    """
    log = Log()
    token = _active.set(_active.get() + (log,))
    try:
        yield log
    finally:
        _active.reset(token)


def is_recording() -> bool:
    """Whether a ``record()`` block is active (operations then compute their min and max)."""
    return bool(_active.get())


def note(operation: str, status, values: Optional[np.ndarray] = None) -> None:
    """Add one entry to every active log (cheap no-op when nothing records).

    Parameters
    ----------
    operation : str
    status : CastStatus
    values : numpy.ndarray, optional
        The result's values, for the min and max columns.
    """
    logs = _active.get()
    if not logs:
        return
    lo = hi = None
    if values is not None and values.size:
        lo, hi = float(np.min(values)), float(np.max(values))
    entry = LogEntry(operation, status.format, status.size, status.n_overflow, status.n_inexact,
                     lo, hi)
    for log in logs:
        log.entries.append(entry)
