"""NumPy's broadcasting rule for any number of dimensions NumPy arrays can have.

``np.broadcast_arrays`` and ``np.broadcast_shapes`` stop at 32 dimensions (NumPy's legacy
multi-iterator) although arrays may have 64; fixpt broadcasts through these instead.

Examples
--------
>>> broadcast_shape((3, 1), (4,))
(3, 4)
>>> [a.shape for a in broadcast_arrays(np.zeros((1,) * 40), np.zeros(2))][0][-1]
2
"""
from __future__ import annotations

import numpy as np


def broadcast_shape(*shapes: tuple) -> tuple:
    """The broadcast shape, or NumPy's ValueError wording when the shapes do not broadcast."""
    ndim = max((len(s) for s in shapes), default=0)
    result = []
    for axis in range(-ndim, 0):
        sizes = {s[axis] for s in shapes if len(s) >= -axis} - {1}
        if len(sizes) > 1:
            raise ValueError(f"shape mismatch: objects cannot be broadcast to a single shape: "
                             f"{' '.join(str(tuple(s)) for s in shapes)}")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def broadcast_arrays(*arrays) -> list[np.ndarray]:
    """Read-only broadcast views of the arrays, like ``np.broadcast_arrays``."""
    arrays = [np.asarray(a) for a in arrays]
    if all(a.shape == arrays[0].shape for a in arrays):  # nothing to broadcast (the common case)
        return arrays
    shape = broadcast_shape(*(a.shape for a in arrays))
    return [a if a.shape == shape else np.broadcast_to(a, shape) for a in arrays]


def unravel(flat: int, shape: tuple):
    """The index tuple of flat (C-order) index ``flat`` in ``shape``; None for -1.

    >>> unravel(5, (2, 3)), unravel(-1, (2, 3)), unravel(0, ())
    ((1, 2), None, ())
    """
    if flat < 0:
        return None
    index = []
    for size in reversed(shape):
        flat, i = divmod(flat, size) if size else (flat, 0)
        index.append(int(i))
    return tuple(reversed(index))


def repeat_blocks(per_block: np.ndarray, block_size: int, axis: int, length: int) -> np.ndarray:
    """Per-block values along ``axis`` repeated to each element of their block, the last block
    possibly shorter (``length`` elements along the axis in all).

    Examples
    --------
    >>> repeat_blocks(np.array([1, 2]), 3, 0, 5).tolist()
    [1, 1, 1, 2, 2]
    """
    return np.repeat(per_block, block_size, axis=axis).take(np.arange(length), axis=axis)


def channel_values(values: np.ndarray, inner: int, shape: tuple) -> np.ndarray:
    """Per-channel parameters (``values``, each held for ``inner`` consecutive elements, the
    channels repeating over the outer axes) as one value per element of an array of ``shape``.

    Examples
    --------
    >>> channel_values(np.array([10, 20]), 2, (2, 2, 2)).tolist()
    [[[10, 10], [20, 20]], [[10, 10], [20, 20]]]
    """
    values = np.asarray(values).ravel()
    if values.size == 1:
        return np.full(shape, values[0])
    size = int(np.prod(shape, dtype=np.int64))
    return np.repeat(np.tile(values, size // max(1, values.size * inner)), inner).reshape(shape)
