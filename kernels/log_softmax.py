"""log_softmax along the last dim and its gradient from its result, one pass over each row.

    y[j]  = (x[j] - m) - log(sum_k exp(x[k] - m)),   m = max_k x[k]
    dx[j] = g[j] - exp(y[j]) * sum_k g[k]

The CPU backend's ``log_softmax`` and ``log_softmax_backward`` (``_ops/reductions/softmax.py``:
``LogSoftmax``, ``LogSoftmaxBackwardData``) for float32 and float64 along the last dim, on rows of
at most ``ROW_MAX`` numbers (a classifier's scores); other cases (longer rows, another dim, other
dtypes, empty or 0-d arrays) are NumPy's expression, as before.

Why a kernel: ``minitorch.compile`` replays cross-entropy forward and backward as one kernel
(``kernels/cross_entropy.py: cross_entropy_into``), and a compiled step must give eager's bits.
NumPy's ``exp`` (SIMD) and its pairwise row sums cannot be reproduced in a numba loop, so eager
computes with the same row functions the fused kernel calls (``log_softmax_row``,
``log_softmax_backward_row``): ``exp_of`` (float32: a vectorised float64 polynomial rounded once,
within 1 ulp of the correctly rounded exp; float64: libm's ``exp``), libm's ``log`` once a row,
no contraction (numba without fastmath), and the row sums added in order from 0 in float64 (for
float32 too: a longer row loses less than a float32 serial sum would).

Loop nest: rows (``prange`` from ``PARALLEL_GRAIN`` elements; each row is one thread's, so the
bits do not depend on the thread count) x four passes over the row (the max; ``exp(x - m)``,
vectorised; their sum, serial; ``(x - m) - log(sum)``, vectorised). Cost: ~4 reads and 2 writes
a number and one float32 ``exp`` at a few vector instructions; on (64, 10) logits ~5 µs against
NumPy's ~17 (its calls' overhead dominates small rows). float64 rows call libm's ``exp`` once a
number (~10 ns). Past a few dozen numbers a row NumPy's SIMD loops win (64 rows, 1 thread, µs,
kernel / NumPy, forward + backward: float32 rows of 10 24 / 35, of 32 29 / 41, of 128 68 / 51, of
1000 420 / 220; float64 rows of 32 46 / 45, of 128 159 / 82), hence ``ROW_MAX``.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir as llvm
from numba import njit, prange, types
from numba.extending import intrinsic, overload

from .threading import in_parallel


@intrinsic
def _as_float64(typingctx, bits):
    """The float64 whose IEEE bits are the int64 ``bits`` (C's type pun through a union)."""
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], llvm.DoubleType())

    return types.float64(types.int64), codegen


_LOG2E = 1.4426950408889634
_LN2_HI = 0.693147180369123816490  # ln 2's first 32 bits: n * _LN2_HI is exact for |n| < 2**20
_LN2_LO = 1.90821492927058770002e-10


def exp_of(z):
    """``exp(z)`` in ``z``'s dtype, the same bits in a vectorised loop and a scalar one (below)."""
    return math.exp(z)


@overload(exp_of, jit_options={"cache": True})
def _exp_of(z):
    """float32: ``exp`` computed in float64 and rounded once, written out so LLVM vectorises the
    loops that call it (numba's ``math.exp`` is a call to libm per number, ~10 ns: 15 µs of
    cross-entropy's 64 x 10 forward and backward). Math: x = z clamped to [-104, 88.8] (beyond,
    float32's 0 and inf), n = floor(x log2(e) + 1/2), r = x - n ln2 (two-part ln2: exact for
    these n), exp(r) by its Taylor series to r^9 (|r| <= ln2/2: relative error < 1e-11, so the
    float32 result is exp(z) correctly rounded but where exp(z) lies within ~1e-11 of a rounding
    midpoint), times 2^n made from n's bits. NaN gives NaN. float64: libm's ``exp``."""
    if isinstance(z, types.Float) and z.bitwidth == 32:
        def exp32(z):
            x = np.float64(z)
            x = 88.8 if x > 88.8 else x  # noqa: FURB136 - a NaN passes (min() need not keep it)
            x = -104.0 if x < -104.0 else x  # noqa: FURB136
            n = math.floor((0.0 if math.isnan(x) else x) * _LOG2E + 0.5)
            r = (x - n * _LN2_HI) - n * _LN2_LO
            p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (
                1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880)))))))))
            return np.float32(p * _as_float64((np.int64(n) + 1023) << 52))
        return exp32
    return lambda z: math.exp(z)


@njit(cache=True)
def log_softmax_row(xr, yr):
    """One row: ``yr = log_softmax(xr)``. The max propagates NaN (as ``np.maximum``); a row
    holding +inf or only -inf gives NaN, as NumPy's expression did. Passes: the max (serial),
    ``exp(x - m)`` into ``yr`` (vectorised), their sum in order (serial), ``(x - m) - log(sum)``
    (vectorised)."""
    m = xr[0]
    for j in range(1, xr.shape[0]):
        v = xr[j]
        if v > m:
            m = v
        elif math.isnan(v):
            m = v
            break
    for j in range(xr.shape[0]):
        yr[j] = exp_of(xr[j] - m)
    s = 0.0
    for j in range(xr.shape[0]):
        s += yr[j]
    lg = yr.dtype.type(math.log(s))
    for j in range(yr.shape[0]):
        yr[j] = (xr[j] - m) - lg


@njit(cache=True)
def log_softmax_backward_row(gr, yr, dxr):
    """One row: ``dxr = gr - exp(yr) * sum(gr)``, the sum added in order from 0 in float64 and
    rounded once to the row's dtype; each product rounded before the difference."""
    s = 0.0
    for j in range(gr.shape[0]):
        s += gr[j]
    w = dxr.dtype.type(s)
    for j in range(gr.shape[0]):
        dxr[j] = gr[j] - exp_of(yr[j]) * w


@njit(cache=True, parallel=True)
def _log_softmax_rows(x, y, parallel):
    if parallel:
        for i in prange(x.shape[0]):
            log_softmax_row(x[i], y[i])
    else:
        for i in range(x.shape[0]):
            log_softmax_row(x[i], y[i])


@njit(cache=True, parallel=True)
def _log_softmax_backward_rows(g, y, dx, parallel):
    if parallel:
        for i in prange(g.shape[0]):
            log_softmax_backward_row(g[i], y[i], dx[i])
    else:
        for i in range(g.shape[0]):
            log_softmax_backward_row(g[i], y[i], dx[i])


# The longest row the kernels take (module docstring: past it NumPy's SIMD loops are faster);
# minitorch.compile fuses cross-entropy (kernels/cross_entropy.py) on such rows only, for eager's bits.
ROW_MAX = 32


def _on_rows(a: np.ndarray, dim: int) -> bool:
    """Whether the row kernels take ``a``: float32/float64, at least 1-d, not empty, along its last
    dim, rows of at most ``ROW_MAX`` numbers."""
    return (a.dtype in (np.float32, np.float64) and a.ndim >= 1 and dim in (-1, a.ndim - 1) and a.size > 0
            and a.shape[-1] <= ROW_MAX)


def log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    """``torch.log_softmax(x, dim)`` on an array (see the module docstring for the math and cost)."""
    if not _on_rows(x, dim):
        if x.size == 0:
            return np.exp(x)  # an empty result of x's shape and dtype
        z = x - np.amax(x, axis=dim, keepdims=True)
        return z - np.log(np.sum(np.exp(z), axis=dim, keepdims=True))
    rows = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
    y = np.empty(x.shape, dtype=x.dtype)
    _log_softmax_rows(rows, y.reshape(rows.shape), in_parallel(x.size))
    return y


def log_softmax_backward(g: np.ndarray, y: np.ndarray, dim: int) -> np.ndarray:
    """``g - exp(y) * sum(g, dim)``, log_softmax's gradient from its result ``y`` (PyTorch's
    ``_log_softmax_backward_data``); the row kernel where ``g`` and ``y`` have one shape and dtype
    (see ``_on_rows``), else NumPy's expression (broadcasting, mixed dtypes: a double backward)."""
    if g.shape != y.shape or g.dtype != y.dtype or not _on_rows(g, dim):
        return g - np.exp(y) * np.sum(g, axis=dim, keepdims=True)
    gr = np.ascontiguousarray(g).reshape(-1, g.shape[-1])
    dx = np.empty(g.shape, dtype=g.dtype)
    _log_softmax_backward_rows(gr, np.ascontiguousarray(y).reshape(gr.shape), dx.reshape(gr.shape),
                               in_parallel(g.size))
    return dx
