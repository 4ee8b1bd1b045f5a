"""``arange``, ``linspace`` and ``logspace``, value for value as PyTorch computes them on CPU.

Evenly spaced values are a rounding question: ``arange(-1, 1, 0.1)[13]`` can
be ``0.3`` or ``0.30000000000000004`` depending on how it is computed. These
follow PyTorch's CPU kernels (``aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp``
and ``RangeFactories.cpp``), including the fused multiply-adds the compiler
makes of ``start + step * i`` (emulated exactly here with ``_fma``):

- ``arange``: in the accumulate type (double for float32/float64), in blocks
  of one AVX2 vector: ``base = fma(step, k, start)`` at each block start ``k``,
  then ``fma(j, step, base)`` inside the block; the last ``n mod 2W``
  values one by one as ``fma(step, i, start)``.
- ``linspace``: in the dtype itself, the first half ``fma(step, i, start)``,
  the second half ``end - step * (steps - 1 - i)`` (so both ends are exact).
- ``logspace``: ``pow(base, e)`` in double, ``e`` from the same two halves
  (no fused multiply-add there).

Deliberate limit: PyTorch splits ranges longer than 32768 elements across
threads, which moves the vector blocks; minitorch computes them as one block
sequence, so such long float ranges may differ from PyTorch in the last bit.
"""

from __future__ import annotations

import math

import numpy as np

from ..._core import dtype as _dtype
from ..._core.args import check_storage_size, int_argument, number_argument, pin_memory_argument
from ..._tensor.tensor import Tensor
from .factory_args import _check_out, _factory_dtype, _finish

# Vectorized<T>::size() of PyTorch's AVX2 kernels: elements per 32-byte vector
_VEC_BYTES = 32


def _split(x: np.ndarray):
    t = 134217729.0 * x  # 2**27 + 1: Dekker's split into two 26-bit halves
    hi = t - (t - x)
    return hi, x - hi


def _two_sum(a, b):
    """``a + b`` as ``(s, e)`` with ``s + e`` exactly the sum (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_to_odd(x, err):
    """``x + err`` rounded to odd: ``x`` if exact, else the neighbour of the pair with an odd last bit."""
    even = (x.view(np.int64) & 1) == 0
    toward = np.where(err > 0, np.inf, -np.inf)
    return np.where((err != 0) & even, np.nextafter(x, toward), x)


def _fma(a, b, c, dt: _dtype.dtype) -> np.ndarray:
    """``a * b + c`` rounded once to ``dt`` (a fused multiply-add), from float64 operands.

    float64: Dekker's exact product, an exact sum, and the low part rounded to odd so that
    the one final rounding is the correct one (Boldo and Melquiond's emulation of fma).
    float32: the product of two float32s is exact in float64; the sum is rounded to odd in
    float64, then to float32.
    """
    a, b, c = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    p = a * b
    if dt is not _dtype.float64:
        out = _round_to_odd(*_two_sum(p, c)).astype(dt.np)
    else:
        ah, al = _split(a)
        bh, bl = _split(b)
        p_err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        hi, lo = _two_sum(c, p)
        out = hi + _round_to_odd(*_two_sum(lo, p_err))
    # A zero result is -0.0 only when the product and c are both -0.0 (IEEE 754's rule for an
    # exact zero sum); the split sums above would return +0.0 (linspace(-0., -0., 2)[1] is -0.).
    both_negative_zero = (p == 0) & np.signbit(p) & (c == 0) & np.signbit(c)
    return np.where(both_negative_zero, np.asarray(-0.0, dtype=out.dtype), out)


def _scalar(v, op: str = "arange", name: str = "end", position: int | None = None):
    """A bound given as a Python number or a one-element tensor (PyTorch's ``Scalar``)."""
    if isinstance(v, Tensor) and op != "arange" and v.dim() != 0:
        raise RuntimeError(f"{op} only supports 0-dimensional start and end tensors, but got {name} with "
                           f"{v.dim()} dimension(s).")
    if isinstance(v, Tensor) and v.numel() != 1:
        raise TypeError(f"{op}(): argument '{name}' must be Number, not Tensor")
    return number_argument(op, name, v, position)


def _to_int(v) -> int:
    """A Scalar's ``to<int64_t>()``: truncation toward zero."""
    return int(v)


# ----------------------------------------------------------------------------- arange
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Values ``start, start + step, ...`` up to ``end`` (exclusive); int64 unless a bound is a float."""
    pin_memory_argument("arange", pin_memory)
    if end is None:
        start, end = 0, _scalar(start, "arange", "end", 1)
    start, end, step = _scalar(start, "arange", "start"), _scalar(end, "arange", "end"), _scalar(step, "arange", "step")
    is_float = any(isinstance(v, float) for v in (start, end, step))
    dt = _factory_dtype(dtype, None if is_float else _dtype.int64, out=out, op="arange")
    if dt is _dtype.bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    integral = not dt.is_floating_point
    # the bounds are checked in double, before any conversion to the dtype
    dstart, dend, dstep = float(start), float(end), float(step)
    if dstep == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(dstart) and math.isfinite(dend)):
        raise RuntimeError(f"unsupported range: {dstart:g} -> {dend:g}")
    if not ((dstep > 0 and dend >= dstart) or (dstep < 0 and dend <= dstart)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if integral:  # the accumulate type is int64: fractional bounds and steps are truncated
        xstart, xend, xstep = _to_int(start), _to_int(end), _to_int(step)
        if not all(-(2**63) <= v < 2**63 for v in (xstart, xend, xstep)):
            raise RuntimeError("value cannot be converted to type int64_t without overflow")
        if xstep == 0 and dt is _dtype.int64:
            raise ValueError("step must be nonzero")
    else:
        xstart, xend, xstep = dstart, dend, dstep
    if dt is _dtype.int64:
        sgn = (xstep > 0) - (xstep < 0)
        q = xend - xstart + xstep - sgn
        n = abs(q) // abs(xstep) * (1 if (q >= 0) == (xstep > 0) else -1)  # C++ truncating division
    else:
        size = (float(end) - float(start)) / float(step)
        if size >= 2.0**63:
            raise RuntimeError("invalid size, possible overflow?")
        n = math.ceil(size)
    check_storage_size((max(n, 0),), dt.itemsize)
    values = _arange_values(xstart, xstep, max(n, 0), dt)
    return _check_out(out, _finish(values, device, requires_grad))


def _arange_values(start, step, n: int, dt: _dtype.dtype) -> np.ndarray:
    i = np.arange(n, dtype=np.int64)
    if not dt.is_floating_point:  # accumulate in int64, exactly
        return (start + step * i).astype(dt.np)
    acc = _dtype.float32 if dt is _dtype.float16 else _dtype.float64
    start, step = float(acc.np.type(start)), float(acc.np.type(step))  # Scalar.to<accscalar_t>()
    width = _VEC_BYTES // dt.itemsize
    n_vec = n // (2 * width) * (2 * width)
    block = i // width * width
    base = _fma(step, block, start, acc).astype(dt.np).astype(np.float64)
    in_block = _fma(i - block, step, base, acc)
    one_by_one = _fma(step, i, start, acc)
    return np.where(i < n_vec, in_block, one_by_one).astype(dt.np)


# ----------------------------------------------------------------------------- linspace
def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    pin_memory_argument("linspace", pin_memory)
    if not isinstance(steps, (int, np.integer)):
        raise TypeError(f"linspace() received an invalid combination of arguments - got "
                        f"({type(start).__name__}, {type(end).__name__}, {type(steps).__name__})")
    start, end = _scalar(start, "linspace", "start", 1), _scalar(end, "linspace", "end", 2)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _factory_dtype(dtype, out=out, op="linspace")
    if dt is _dtype.bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    check_storage_size((steps,), dt.itemsize)
    values = _linspace_values(start, end, steps, dt)
    return _check_out(out, _finish(values, device, requires_grad))


def _linspace_values(start, end, steps: int, dt: _dtype.dtype) -> np.ndarray:
    if steps == 0:
        return np.zeros(0, dt.np)
    if steps == 1:
        return np.full(1, _to_int(start) if not dt.is_floating_point else start, dt.np)
    i = np.arange(steps, dtype=np.int64)
    first = i < steps // 2
    rev = steps - 1 - i
    if not dt.is_floating_point:  # start/end truncated to int, the step in double
        s, e = float(_to_int(start)), float(_to_int(end))
        step = (e - s) / (steps - 1)
        v = np.where(first, _fma(step, i, s, _dtype.float64), _fma(-step, rev, e, _dtype.float64))
        return np.trunc(v).astype(dt.np)
    if dt is _dtype.float16:  # c10::Half arithmetic: every operation rounds to half, no fusing
        h = np.float16
        s, e = h(start), h(end)
        step = h(np.float32(h(e - s)) / np.float32(steps - 1))
        return np.where(first, s + (step * i.astype(h)), e - (step * rev.astype(h))).astype(h)
    s, e = dt.np.type(start), dt.np.type(end)
    step = dt.np.type(dt.np.type(e - s) / dt.np.type(steps - 1))
    return np.where(first, _fma(step, i, s, dt), _fma(-step, rev, e, dt)).astype(dt.np)


# ----------------------------------------------------------------------------- logspace
def _pow(base: float, exps: np.ndarray) -> np.ndarray:
    """``base ** exps`` with the C library's ``pow`` (NumPy's own SIMD power can differ in the last bit)."""
    def pow_(x: float) -> float:
        try:
            return math.pow(base, x)
        except OverflowError:
            return math.inf
        except ValueError:  # a negative base to a fractional power
            return math.nan

    return np.array([pow_(float(x)) for x in exps.reshape(-1)], dtype=np.float64)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)`` (the exponents in double, then rounded to ``dtype``)."""
    pin_memory_argument("logspace", pin_memory)
    steps = int_argument("logspace", "steps", steps, 3)
    start, end = _scalar(start, "logspace", "start", 1), _scalar(end, "logspace", "end", 2)
    base = number_argument("logspace", "base", base)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _factory_dtype(dtype, out=out, op="logspace")
    if dt is _dtype.bool_:
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    check_storage_size((steps,), dt.itemsize)
    if steps == 0:
        values = np.zeros(0, dt.np)
    elif steps == 1:
        values = np.full(1, math.pow(base, float(start)), np.float64).astype(dt.np)
    elif not dt.is_floating_point:  # PyTorch computes integer logspace in float32
        f = np.float32
        s, e = f(_to_int(start)), f(_to_int(end))
        step = f(e - s) / f(steps - 1)
        i = np.arange(steps, dtype=f)
        exps = np.where(i < steps // 2, s + step * i, e - step * (f(steps - 1) - i))
        values = np.trunc(_pow(float(f(base)), exps).astype(f)).astype(dt.np)
    else:
        s, e = dt.np.type(start), dt.np.type(end)
        step = float(e - s) / (steps - 1)
        i = np.arange(steps, dtype=np.float64)
        exps = np.where(i < steps // 2, float(s) + step * i, float(e) - step * (steps - 1 - i))
        values = _pow(float(base), exps).astype(dt.np)
    return _check_out(out, _finish(values, device, requires_grad))
