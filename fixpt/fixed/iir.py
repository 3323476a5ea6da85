"""Recursive (IIR) filters with the MAC model: ``lfilter`` in Direct Form I and ``sosfilt``,
a cascade of second-order sections, bit-exact and in C.

Direct Form I, sample by sample::

    acc[n] = sum_k b[k] * x[n-k]  -  sum_{k>=1} a[k] * y[n-k]      (exact products, in this order)
    y[n]   = cast(acc[n], out_format, rounding, overflow)            (the one rounding)

and the *cast* ``y`` is what feeds back, as in hardware: word lengths, rounding and overflow
decide whether a design works (limit cycles, overflow oscillations). The accumulator is
exact by default (a width proven from the coefficients and the formats); ``acc_format=``
models a narrower register with ``acc_overflow`` applied after every addition.

Filtering a signal in blocks gives the bits of one call: pass ``zi="zeros"`` (or a
:class:`FilterState`) and feed the returned state to the next block; the state carries the
sample count, so stochastic rounding draws the same words (pass an int ``seed``).

Examples
--------
>>> import fixpt
>>> b, a = fixpt.array([0.25, 0.25], "Q1.15"), fixpt.array([1.0, -0.5], "Q2.14")
>>> y = lfilter(b, a, fixpt.array([1.0, 0.0, 0.0, 0.0], "Q1.15"), out_format="Q2.14")
>>> y.tolist()
[0.25, 0.375, 0.1875, 0.09375]
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Union

import numpy as np

from fixpt import _binding
from fixpt.base.checks import check_int, normalize_axis
from fixpt.base.shapes import unravel
from fixpt.convert.fixed import apply_policies
from fixpt.convert.rng import SeedLike
from fixpt.convert.spec import CastSpec
from fixpt.fixed import recording
from fixpt.fixed.arrays import FixedArray
from fixpt.fixed.mac import ACC_OVERFLOWS, MacStatus
from fixpt.fixed.ops import as_fixed
from fixpt.formats import (AccumulatorFormat, FixedFormat, FormatLike, OverflowLike, OverflowMode,
                           RoundLike, parse_format)


@dataclass(frozen=True)
class FilterState:
    """The state of a Direct Form I filter between blocks.

    Attributes
    ----------
    x : FixedArray
        The last ``len(b) - 1`` input samples of every signal, oldest first: shape
        ``batch_shape + (len(b) - 1,)`` in the input's format.
    y : FixedArray
        The last ``len(a) - 1`` outputs, oldest first, in the output format.
    index : int
        Samples filtered so far (the element index of stochastic rounding).

    Examples
    --------
    >>> import fixpt
    >>> b, a = fixpt.array([1.0], "Q2.6"), fixpt.array([1.0, -0.5], "Q2.6")
    >>> _, state = lfilter(b, a, fixpt.array([1.0, 0.0, 0.0], "Q2.6"), out_format="Q2.6", zi="zeros")
    >>> state.y.tolist(), state.index
    ([0.25], 3)
    """

    x: FixedArray
    y: FixedArray
    index: int = 0


def _format(value: FormatLike, name: str) -> FixedFormat:
    fmt = parse_format(value) if isinstance(value, str) else value
    if not isinstance(fmt, FixedFormat):
        raise TypeError(f"{name} must be a fixed-point format, got {value!r}")
    return fmt


def _coefficients(values, name: str) -> FixedArray:
    coefficients = as_fixed(values)
    if coefficients.ndim != 1 or coefficients.size < 1:
        raise ValueError(f"{name} must be a non-empty 1-D array of coefficients, got shape {coefficients.shape}")
    if coefficients.format.wl == 64 and not coefficients.format.signed:
        raise ValueError(f"{name}: 64-bit unsigned coefficients ({coefficients.format!r}) are not supported")
    return coefficients


def _magnitude(fmt: FixedFormat) -> int:
    return max(-fmt.raw_min, fmt.raw_max)


def _check_section(a: FixedArray, x_format: FixedFormat, out: FixedFormat) -> None:
    """What every structure needs: a normalised denominator and samples that fit int64."""
    for fmt, name in ((x_format, "x"), (out, "out_format")):
        if fmt.wl == 64 and not fmt.signed:
            raise ValueError(f"{name}: 64-bit unsigned samples ({fmt!r}) are not supported")
    one = 1 << a.format.fl if a.format.fl >= 0 else None
    if one is None or int(a.raw[0]) != one:
        raise ValueError(f"a[0] must be exactly 1 (the filter is normalised), got {a[0].item()!r} "
                         f"in {a.format!r}; divide b and a by a[0] first")


class _IirPlan:
    """The accumulator and alignments of one filter, decided from its formats and coefficients."""

    def __init__(self, b: FixedArray, a: FixedArray, x_format: FixedFormat, out: FixedFormat,
                 acc_format: Optional[FormatLike], acc_overflow: str):
        if acc_overflow not in ACC_OVERFLOWS:
            raise ValueError(f"acc_overflow={acc_overflow!r} is not one of: {', '.join(ACC_OVERFLOWS)}")
        _check_section(a, x_format, out)
        forward_fl, feedback_fl = b.format.fl + x_format.fl, a.format.fl + out.fl

        def bound_at(fl: int) -> int:
            """The largest |partial sum| (so |aligned product|): sum |coefficient| * largest |sample|."""
            return (sum(abs(int(v)) for v in b.raw.tolist()) * _magnitude(x_format) << (fl - forward_fl)) + \
                (sum(abs(int(v)) for v in a.raw[1:].tolist()) * _magnitude(out) << (fl - feedback_fl))

        if acc_format is None:
            fl = max(forward_fl, feedback_fl)
            bound = bound_at(fl)
            width = bound.bit_length() + 1
            if width > 128:
                raise ValueError(f"the exact accumulator needs {width} bits, more than 128: pass "
                                 f"acc_format= (and acc_overflow=)")
            self.acc = AccumulatorFormat(width - fl, fl, True)
        else:
            self.acc = _format(acc_format, "acc_format")
            if self.acc.wl > 128 or (self.acc.wl > 127 and not self.acc.signed):
                raise ValueError(f"acc_format={self.acc!r}: accumulators hold at most 128 bits (127 unsigned)")
        self.align, self.feedback_align = self.acc.fl - forward_fl, self.acc.fl - feedback_fl
        # the proof for the C core's 64-bit path: no partial sum leaves 62 bits or the accumulator
        bound = bound_at(self.acc.fl) if min(self.align, self.feedback_align) >= 0 else 1 << 200
        self.exact_bits = bound.bit_length() if -bound >= self.acc.raw_min and bound <= self.acc.raw_max else 0
        for align, what, fl in ((self.align, "b * x", forward_fl), (self.feedback_align, "a * y", feedback_fl)):
            if align < 0:
                raise ValueError(f"acc_format={self.acc!r} has fewer fraction bits than the products "
                                 f"{what} ({fl}); products are exact, so give the accumulator at least {fl}")
            if align > 63:
                raise ValueError(f"acc_format={self.acc!r} is {align} bits finer than the products {what}; "
                                 f"at most 63")
        self.acc_overflow = acc_overflow

    def mac_spec(self) -> dict:
        return dict(product_word_length=0, product_signed=0, product_shift=0, product_round_mode=0,
                    align=self.align, acc_word_length=self.acc.wl, acc_signed=int(self.acc.signed),
                    acc_overflow=int(OverflowMode.parse(self.acc_overflow)), exact_bits=self.exact_bits, seed=0,
                    stream=0)


def _initial_state(zi, b: FixedArray, a: FixedArray, x_format: FixedFormat, out: FixedFormat,
                   batch_shape: tuple) -> tuple[np.ndarray, np.ndarray, int]:
    """(x history, y history) as int64 (batch, taps) arrays, and the sample index."""
    batch = int(np.prod(batch_shape, dtype=np.int64))
    if zi is None or (isinstance(zi, str) and zi == "zeros"):
        return np.zeros((batch, b.size - 1), np.int64), np.zeros((batch, a.size - 1), np.int64), 0
    if not isinstance(zi, FilterState):
        raise TypeError(f"zi must be None, 'zeros' or a FilterState (the zf of the previous block), got {zi!r}")
    for part, fmt, taps, name in ((zi.x, x_format, b.size - 1, "x"), (zi.y, out, a.size - 1, "y")):
        if part.format != fmt:
            raise ValueError(f"zi.{name} is in {part.format!r}; this call's {name} format is {fmt!r}")
        if part.shape != batch_shape + (taps,):
            raise ValueError(f"zi.{name} has shape {part.shape}; expected {batch_shape + (taps,)}")
    return (zi.x.raw.astype(np.int64).reshape(batch, b.size - 1),
            zi.y.raw.astype(np.int64).reshape(batch, a.size - 1), int(zi.index))


def _moved_back(index, batch_shape: tuple, n: int, axis: int):
    """An index tuple of the (signals, samples) layout as an index of y (axis restored)."""
    if index is None:
        return None
    flat = int(np.ravel_multi_index(tuple(index), (max(1, int(np.prod(batch_shape, dtype=np.int64))), n)))
    moved = unravel(flat, batch_shape + (n,))
    return moved[:-1][:axis] + (moved[-1],) + moved[:-1][axis:]


def _index_in(shape: tuple, axis: int, flat: int) -> int:
    """A flat index of the moved (batch..., n) layout as a flat C-order index of y."""
    if flat < 0:
        return -1
    n = shape[axis]
    batch_shape = shape[:axis] + shape[axis + 1:]
    moved = unravel(flat, batch_shape + (n,))
    return int(np.ravel_multi_index(moved[:-1][:axis] + (moved[-1],) + moved[:-1][axis:], shape))


def _run(b: FixedArray, a: FixedArray, x: FixedArray, out: FixedFormat, plan: _IirPlan, spec: CastSpec,
         axis: int, zi, stream_offset: int = 0):
    """One DF1 filter along axis: (y, zf, status, counts)."""
    moved = np.moveaxis(x.raw, axis, -1)
    batch_shape, n = moved.shape[:-1], moved.shape[-1]
    x_state, y_state, index = _initial_state(zi, b, a, x.format, out, batch_shape)
    signals = moved.reshape(int(np.prod(batch_shape, dtype=np.int64)), n)
    raw, status, counts = _binding.lfilter(
        b.raw, a.raw, signals, x_state, y_state, spec, out.fl - plan.acc.fl, plan.feedback_align,
        mac=plan.mac_spec(), index_offset=index, stream_offset=stream_offset)
    y = np.moveaxis(raw.reshape(batch_shape + (n,)), -1, axis)
    # the C core counts in (signals, samples) order: report indices of y itself
    first_acc = _index_in(y.shape, axis, counts.first_acc_overflow)
    status = replace(status, first_overflow=_moved_back(status.first_overflow, batch_shape, n, axis),
                     first_nan=_moved_back(status.first_nan, batch_shape, n, axis))
    counts = counts._replace(first_acc_overflow=first_acc)
    zf = FilterState(FixedArray(x_state.astype(x.format.container).reshape(batch_shape + (b.size - 1,)), x.format),
                     FixedArray(y_state.astype(out.container).reshape(batch_shape + (a.size - 1,)), out),
                     index + n)
    return y, zf, status, counts


def _finish(what: str, y_raw: np.ndarray, out: FixedFormat, plan: _IirPlan, spec: CastSpec, status, counts,
            shape: tuple):
    if counts.n_acc_overflow and plan.acc_overflow == "raise":
        first = unravel(counts.first_acc_overflow, shape)
        raise OverflowError(f"{what}: the accumulator {plan.acc!r} overflowed in {counts.n_acc_overflow} "
                            f"sample(s), first at {first}; widen acc_format or use acc_overflow='wrap'/'saturate'")
    apply_policies(status, spec.overflow_mode)
    result = FixedArray(np.ascontiguousarray(y_raw), out)
    recording.note(what, status, result.to_float() if recording.is_recording() else None)
    return result, MacStatus(plan.acc, counts.n_acc_overflow, unravel(counts.first_acc_overflow, shape),
                             counts.n_product_overflow, counts.max_acc_bits, status)


def lfilter(b, a, x, *, out_format: FormatLike, acc_format: Optional[FormatLike] = None,
            acc_overflow: str = "raise", rounding: RoundLike = "nearest_even", overflow: OverflowLike = "saturate",
            axis: int = -1, zi: Union[None, str, FilterState] = None, seed: SeedLike = None,
            return_status: bool = False, signal_offset: int = 0):
    """IIR filter in Direct Form I, bit-exact: ``y = lfilter(b, a, x)`` as in scipy.signal, with
    every word length explicit.

    Parameters
    ----------
    b, a : FixedArray or array_like
        Numerator and denominator coefficients (1-D); ``a[0]`` must be exactly 1.
    x : FixedArray or array_like
        The signal(s); filtered along ``axis``, every other axis a batch of independent signals.
    out_format : FixedFormat or str
        The format of y, which is also what feeds back.
    acc_format : FixedFormat or str, optional
        The accumulator (up to 128 bits); default: exact (a width proven from the coefficients,
        x's format and out_format, with the fraction bits of the finer product).
    acc_overflow : {"raise", "wrap", "saturate"}
        Applied after every addition to ``acc_format``.
    rounding, overflow : str or mode
        How ``acc`` is cast into ``out_format`` (default: nearest_even, saturate).
    axis : int
    zi : None, "zeros" or FilterState
        Start from rest (None, "zeros") or from the state a previous block returned; with a
        zi the call returns ``(y, zf)``.
    seed : int, Generator or None
        The random stream of stochastic rounding (an int for block-reproducible results).
    return_status : bool
        Also return a :class:`MacStatus` (accumulator overflows and headroom, and the output
        cast's status with its overflow count).
    signal_offset : int
        The global index of the first signal (C order over the other axes): stochastic
        rounding draws signal s from the stream ``signal_offset + s``, so a batch filtered in
        pieces (``fixpt.dask``) gets the bits of one call.

    Returns
    -------
    FixedArray, (FixedArray, FilterState) with zi, and a MacStatus appended with return_status.

    Raises
    ------
    ValueError
        ``a[0] != 1``, formats too far apart to align, an exact accumulator above 128 bits.
    OverflowError
        ``acc_overflow="raise"`` and the accumulator overflowed; ``overflow="raise"`` and an
        output left ``out_format``.

    Examples
    --------
    >>> import fixpt
    >>> b, a = fixpt.array([0.5], "Q1.7"), fixpt.array([1.0, -0.75], "Q2.6")
    >>> y, zf = lfilter(b, a, fixpt.array([1.0, 0.0], "Q2.6"), out_format="Q2.6", zi="zeros")
    >>> y.tolist(), zf.y.tolist(), zf.index
    ([0.5, 0.375], [0.375], 2)
    """
    b, a, x = _coefficients(b, "b"), _coefficients(a, "a"), as_fixed(x)
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension (the samples)")
    axis = normalize_axis(axis, x.ndim)
    out = _format(out_format, "out_format")
    plan = _IirPlan(b, a, x.format, out, acc_format, acc_overflow)
    spec = CastSpec.resolve(out, rounding, overflow, seed)
    signal_offset = check_int("signal_offset", signal_offset, 0, 2**62)
    y_raw, zf, status, counts = _run(b, a, x, out, plan, spec, axis, zi, stream_offset=signal_offset)
    result, mac_status = _finish("lfilter", y_raw, out, plan, spec, status, counts, y_raw.shape)
    answer = (result,) + ((zf,) if zi is not None else ()) + ((mac_status,) if return_status else ())
    return answer[0] if len(answer) == 1 else answer


def sosfilt(sos, x, *, section_format: FormatLike, out_format: FormatLike,
            acc_format: Optional[FormatLike] = None, acc_overflow: str = "raise",
            rounding: RoundLike = "nearest_even", overflow: OverflowLike = "saturate", axis: int = -1,
            zi: Union[None, str, list] = None, seed: SeedLike = None, return_status: bool = False,
            structure: str = "df1", state_format: Optional[FormatLike] = None):
    """A cascade of biquads: each section's output cast to ``section_format`` (the last one's
    to ``out_format``) is the next section's input.

    ``structure="df1"`` (default) runs each section as :func:`lfilter` does. ``"df2t"`` is the
    transposed Direct Form II of most DSP code, with its two state words held in
    ``state_format``::

        y[n]  = cast(b0 x[n] + s1)
        s1    = cast_state(b1 x[n] - a1 y[n] + s2)
        s2    = cast_state(b2 x[n] - a2 y[n])

    each sum exact, each cast one rounding (``rounding``, ``overflow``).

    Parameters
    ----------
    sos : FixedArray or array_like, shape (n_sections, 6)
        Rows ``[b0, b1, b2, a0, a1, a2]`` with ``a0 == 1``, as in scipy.signal.
    x : FixedArray or array_like
    section_format, out_format : FixedFormat or str
    acc_format, acc_overflow, rounding, overflow, axis, seed, return_status
        As in :func:`lfilter`, for every section (each section's stochastic rounding draws
        from its own stream).
    zi : None, "zeros" or list of FilterState
        One state per section; with a zi the call returns ``(y, zf)``. For ``"df2t"`` a
        section's FilterState holds the state words ``(s1, s2)`` in ``x`` (state_format) and
        nothing in ``y``.
    structure : {"df1", "df2t"}
    state_format : FixedFormat or str
        The state words of ``"df2t"`` (required there; acc_format does not apply).

    Returns
    -------
    FixedArray, (FixedArray, list of FilterState) with zi, and per-section statuses appended
    with return_status: MacStatus for "df1", ``{"output": CastStatus, "state": CastStatus}``
    for "df2t".

    Examples
    --------
    >>> import fixpt
    >>> sos = fixpt.array([[0.5, 0.0, 0.0, 1.0, -0.5, 0.0], [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]], "Q2.14")
    >>> sosfilt(sos, fixpt.array([1.0, 0.0, 0.0], "Q2.14"), section_format="Q2.14", out_format="Q2.14").tolist()
    [0.5, 0.25, 0.125]
    """
    sos = as_fixed(sos)
    if sos.ndim != 2 or sos.shape[1] != 6 or sos.shape[0] < 1:
        raise ValueError(f"sos must have shape (n_sections, 6), got {sos.shape}")
    x = as_fixed(x)
    sections = sos.shape[0]
    if zi is not None and not (isinstance(zi, str) and zi == "zeros"):
        if not isinstance(zi, (list, tuple)) or len(zi) != sections:
            raise ValueError(f"zi must be 'zeros' or a list of {sections} FilterState (one per section)")
    formats = [_format(section_format, "section_format")] * (sections - 1) + [_format(out_format, "out_format")]
    spec_seed = CastSpec.resolve(formats[-1], rounding, overflow, seed)  # one seed for the cascade
    if structure not in ("df1", "df2t"):
        raise ValueError(f"structure={structure!r} is not one of: df1, df2t")
    if structure == "df2t":
        if state_format is None:
            raise TypeError("structure='df2t' needs state_format= (the format of the state words)")
        return _sosfilt_df2t(sos, x, formats, _format(state_format, "state_format"), spec_seed, axis, zi,
                             return_status)
    states, statuses, signal = [], [], x
    for i in range(sections):
        b, a = FixedArray(sos.raw[i, :3], sos.format), FixedArray(sos.raw[i, 3:], sos.format)
        plan = _IirPlan(b, a, signal.format, formats[i], acc_format, acc_overflow)
        spec = CastSpec(formats[i], spec_seed.round_mode, spec_seed.overflow_mode, spec_seed.seed, spec_seed.stream)
        section_zi = None if zi is None or isinstance(zi, str) else zi[i]
        batch = int(np.prod(np.delete(np.array(signal.shape), axis % signal.ndim), dtype=np.int64))
        y_raw, zf, status, counts = _run(b, a, signal, formats[i], plan, spec, axis, section_zi,
                                         stream_offset=i * max(batch, 1))
        signal, mac_status = _finish(f"sosfilt section {i}", y_raw, formats[i], plan, spec, status, counts,
                                     y_raw.shape)
        states.append(zf)
        statuses.append(mac_status)
    answer = (signal,) + ((states,) if zi is not None else ()) + ((statuses,) if return_status else ())
    return answer[0] if len(answer) == 1 else answer


def _sosfilt_df2t(sos: FixedArray, x: FixedArray, formats: list, state_format: FixedFormat, spec_seed: CastSpec,
                  axis: int, zi, return_status: bool):
    """The DF2T cascade (see :func:`sosfilt`)."""
    if state_format.wl == 64 and not state_format.signed:
        raise ValueError(f"state_format: 64-bit unsigned state words ({state_format!r}) are not supported")
    axis = normalize_axis(axis, x.ndim)
    states, statuses, signal = [], [], x
    for i, out in enumerate(formats):
        b, a = FixedArray(sos.raw[i, :3], sos.format), FixedArray(sos.raw[i, 3:], sos.format)
        _check_section(a, signal.format, out)
        exact_fl = max(b.format.fl + signal.format.fl, a.format.fl + out.fl, state_format.fl)
        aligns = (exact_fl - b.format.fl - signal.format.fl, exact_fl - a.format.fl - out.fl,
                  exact_fl - state_format.fl)
        if max(aligns) > 63:
            raise ValueError(f"sosfilt df2t section {i}: the products and the state words are {max(aligns)} "
                             f"bits apart; at most 63")
        moved = np.moveaxis(signal.raw, axis, -1)
        batch_shape, n = moved.shape[:-1], moved.shape[-1]
        batch = int(np.prod(batch_shape, dtype=np.int64))
        section_zi = None if zi is None or isinstance(zi, str) else zi[i]
        if section_zi is None:
            words, index = np.zeros((batch, 2), np.int64), 0
        else:
            if not isinstance(section_zi, FilterState) or section_zi.x.format != state_format or \
                    section_zi.x.shape != batch_shape + (2,):
                raise ValueError(f"zi[{i}] must be the FilterState a df2t call returned: state words of shape "
                                 f"{batch_shape + (2,)} in {state_format!r}")
            words, index = section_zi.x.raw.astype(np.int64).reshape(batch, 2), int(section_zi.index)
        y_spec = CastSpec(out, spec_seed.round_mode, spec_seed.overflow_mode, spec_seed.seed, spec_seed.stream)
        s_spec = CastSpec(state_format, spec_seed.round_mode, spec_seed.overflow_mode, spec_seed.seed,
                          spec_seed.stream)
        raw, y_status, s_status = _binding.lfilter_df2t(
            b.raw, a.raw, moved.reshape(batch, n), words, y_spec, out.fl - exact_fl, s_spec,
            state_format.fl - exact_fl, aligns, index_offset=index, stream_offset=i * (3 * batch + 1))
        apply_policies(s_status, s_spec.overflow_mode)
        apply_policies(y_status, y_spec.overflow_mode)
        signal = FixedArray(np.ascontiguousarray(np.moveaxis(raw.reshape(batch_shape + (n,)), -1, axis)), out)
        recording.note(f"sosfilt section {i}", y_status, signal.to_float() if recording.is_recording() else None)
        states.append(FilterState(FixedArray(words.astype(state_format.container).reshape(batch_shape + (2,)),
                                             state_format),
                                  FixedArray(np.zeros(batch_shape + (0,), out.container), out), index + n))
        statuses.append({"output": y_status, "state": s_status})
    answer = (signal,) + ((states,) if zi is not None else ()) + ((statuses,) if return_status else ())
    return answer[0] if len(answer) == 1 else answer
