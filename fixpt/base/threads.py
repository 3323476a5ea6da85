"""How many threads the C kernels use: ``set_num_threads``, ``get_num_threads`` and the
``num_threads`` context manager, with the default taken from ``FIXPT_NUM_THREADS`` (or
``OMP_NUM_THREADS``) or else the CPUs this process may run on.

Results never depend on the setting: every element's result, its flags and its stochastic
rounding word depend on its index alone, so any split gives the same bits.  Arrays below
65,536 elements per thread run on fewer threads (a thread costs more than it saves there).
Where threadpoolctl is installed, it lists and limits these threads too (user_api "fixpt").

Examples
--------
>>> import fixpt
>>> with fixpt.num_threads(1):
...     fixpt.get_num_threads()
1
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Optional

from fixpt import _binding
from fixpt.base.checks import check_int

MAX_THREADS = 64


def set_num_threads(n: int) -> None:
    """Use up to ``n`` threads in the C kernels (process-wide).

    Parameters
    ----------
    n : int
        1..64.

    Raises
    ------
    ValueError
        ``n`` outside 1..64.

    Examples
    --------
    >>> import fixpt
    >>> before = fixpt.get_num_threads()
    >>> fixpt.set_num_threads(2); fixpt.get_num_threads()
    2
    >>> fixpt.set_num_threads(before)
    """
    _binding.set_num_threads(check_int("n", n, 1, MAX_THREADS))


def get_num_threads() -> int:
    """The current thread setting.

    Returns
    -------
    int

    Examples
    --------
    >>> import fixpt
    >>> 1 <= fixpt.get_num_threads() <= 64
    True
    """
    return _binding.get_num_threads()


@contextmanager
def num_threads(n: int) -> Iterator[None]:
    """Use ``n`` threads inside a ``with`` block, then the previous setting again.

    Parameters
    ----------
    n : int
        1..64.

    Examples
    --------
    >>> import fixpt
    >>> with fixpt.num_threads(1):
    ...     fixpt.get_num_threads()
    1
    """
    before = get_num_threads()
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(before)


def default_num_threads() -> int:
    """``FIXPT_NUM_THREADS``, else ``OMP_NUM_THREADS``, else the CPUs available (1..64).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        A variable that is not an integer in 1..64.
    """
    for name in ("FIXPT_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value:
            try:
                count = int(value.split(",")[0])
            except ValueError:
                raise ValueError(f"{name}={value!r} is not a thread count (an integer in 1..64)") from None
            return check_int(name, count, 1, MAX_THREADS)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cpus))


def _register_with_threadpoolctl() -> None:
    """When threadpoolctl is installed, let it see and limit fixpt's threads like those of
    BLAS and OpenMP (``threadpool_info()``, ``threadpool_limits(1)``, ``user_api="fixpt"``);
    it finds the C core among the loaded libraries by its file name."""
    try:
        import threadpoolctl
    except ImportError:
        return
    if not hasattr(threadpoolctl, "register"):  # before threadpoolctl 3.5
        return

    class FixptController(threadpoolctl.LibController):
        user_api = "fixpt"
        internal_api = "fixpt"
        filename_prefixes = ("_libfixpt",)

        def get_num_threads(self) -> int:
            return get_num_threads()

        def set_num_threads(self, num_threads: int) -> None:
            set_num_threads(max(1, min(MAX_THREADS, int(num_threads))))

        def get_version(self) -> Optional[str]:
            try:
                return metadata.version("fixpt")
            except metadata.PackageNotFoundError:
                return None

    threadpoolctl.register(FixptController)


set_num_threads(default_num_threads())
_register_with_threadpoolctl()
