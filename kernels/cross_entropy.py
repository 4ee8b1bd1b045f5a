"""Cross-entropy's element-wise passes: the nll pick, its gradient through log_softmax, the target's checks.

``minitorch.compile`` replays ``cross_entropy`` forward and backward on (N, C) logits as one call
(``minitorch/_compile/fusions.py: CrossEntropy``). The arithmetic whose bits only NumPy can give
(``exp``, ``log``, the row sums and the loss's sum, NumPy's SIMD loops and pairwise order) stays
NumPy's; what is left is element-wise arithmetic and index work, about a dozen NumPy calls and
their temporaries, done here in two serial passes with the rounding of those calls (float
operations in the arrays' dtype, no fused multiply-add: numba contracts nothing without
fastmath). Serial: on (64, 10) logits a pass is ~1 µs, less than waking a thread.

- ``nll_pick``: ``y = z - l`` (log_softmax's last subtraction) and ``-y[i, t_i]`` per row;
- ``nll_log_softmax_backward``: ``dx = d - e * w`` with ``d`` nll's gradient (``v`` at
  ``[i, t_i]``, zeros elsewhere), and optionally ``sum(dx, dim 0)`` (the bias gradient of the
  Linear layer that made the logits) in NumPy's order for a reduction over the leading dim;
- ``target_checks``: ``nll_loss``'s two value checks of a class-index target in one pass.

Each entry checks the shapes before its loop (kernels/checks.py; the ``_into`` kernels in their
own first lines) and each target before it indexes with it: a loop never indexes past a row.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .checks import check_shape


@njit(cache=True)
def nll_pick_into(z, l, target, y, picked):
    """``nll_pick`` into ``y`` and ``picked`` (shapes and targets checked here, in the loop's own
    terms: the entry for callers that make their arrays once, as a compiled plan does). Returns -2
    for a shape that does not fit, the row of a target outside ``[0, C)``, else -1."""
    n, c = z.shape
    if l.shape[0] != n or l.shape[1] != 1 or target.shape[0] != n or y.shape != z.shape or picked.shape[0] != n:
        return -2
    for i in range(n):
        t = target[i]
        if t < 0 or t >= c:
            return i
        li = l[i, 0]
        zr, yr = z[i], y[i]
        for j in range(c):
            yr[j] = zr[j] - li
        picked[i] = -yr[t]
    return -1


def nll_pick(z: np.ndarray, l: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(y, picked)``: ``y = z - l`` (``l`` (N, 1) broadcast along the rows of ``z`` (N, C)) and
    ``picked[i] = -y[i, target[i]]``, the terms of nll_loss's sum.

    Math: y[i, j] = z[i, j] - l[i];  picked[i] = -y[i, t_i]; NumPy's ``z - l`` and
    ``-y[arange(N), t]`` to the bit (one subtraction, one negation per element).
    Loop nest: rows x columns, serial. Cost: one pass over z, N reads of y.
    RuntimeError for a wrong shape, IndexError for a target outside ``[0, C)``."""
    check_shape("nll_pick", "l", l.shape, (z.shape[0], 1))
    check_shape("nll_pick", "target", target.shape, z.shape[:1])
    if z.ndim != 2 or z.dtype != l.dtype or z.dtype.kind != "f" or target.dtype.kind not in "iu":
        raise RuntimeError(f"nll_pick: expected float (N, C) z and l of one dtype and an integer target, got "
                           f"{z.dtype} {z.shape}, {l.dtype}, {target.dtype}")
    z, l, target = np.ascontiguousarray(z), np.ascontiguousarray(l), np.ascontiguousarray(target)
    y = np.empty(z.shape, dtype=z.dtype)
    picked = np.empty(z.shape[0], dtype=z.dtype)
    bad = nll_pick_into(z, l, target, y, picked)
    if bad >= 0:
        raise IndexError(f"Target {target[bad]} is out of bounds.")
    return y, picked


@njit(cache=True)
def nll_log_softmax_backward_into(e, target, v, w, dx, gb, with_sum):
    """``nll_log_softmax_backward`` into ``dx`` and ``gb`` (added into: zeros for the sum),
    checked here as ``nll_pick_into``; the same return codes."""
    n, c = e.shape
    if target.shape[0] != n or dx.shape != e.shape or gb.shape[0] != c:
        return -2
    zero = dx.dtype.type(0)
    for i in range(n):
        t = target[i]
        if t < 0 or t >= c:
            return i
        er, xr = e[i], dx[i]
        for j in range(c):
            xr[j] = zero - er[j] * w
        xr[t] = v - er[t] * w
        if with_sum:
            for j in range(c):
                gb[j] += xr[j]
    return -1


def nll_log_softmax_backward(e: np.ndarray, target: np.ndarray, v, w, with_sum: bool = False):
    """``dx`` (and ``gb`` with ``with_sum``): nll_loss's gradient taken through log_softmax,
    ``e = exp(y)`` given, and its sum over the rows.

    Math (d nll's gradient: d[i, t_i] = v, 0 elsewhere; w = sum(d, dim 1), which the caller
    knows is ``v + 0.0``):
        dx[i, j] = d[i, j] - e[i, j] * w                    (NumPy's ``d - e * w``)
        gb[j] = 0 + dx[0, j] + dx[1, j] + ...               (NumPy's ``add.reduce(dx, axis=0)``)
    in ``e``'s dtype (``v`` and ``w`` are cast to it, as NumPy casts its 0-d operands), each
    product rounded before the difference; the rows are added in order from zero, as NumPy's
    reduction over the leading dim of a row-major array adds them.
    Loop nest: rows x columns, serial. Cost: one pass over e, writing dx (and adding it into gb).
    Returns ``dx`` or ``(dx, gb)``. RuntimeError for a wrong shape, IndexError for a bad target."""
    check_shape("nll_log_softmax_backward", "target", target.shape, e.shape[:1])
    if e.ndim != 2 or e.dtype.kind != "f" or target.dtype.kind not in "iu":
        raise RuntimeError(f"nll_log_softmax_backward: expected a float (N, C) e and an integer target, got "
                           f"{e.dtype} {e.shape}, {target.dtype}")
    e, target = np.ascontiguousarray(e), np.ascontiguousarray(target)
    kind = e.dtype.type
    dx = np.empty(e.shape, dtype=e.dtype)
    gb = np.zeros(e.shape[1], dtype=e.dtype)
    bad = nll_log_softmax_backward_into(e, target, kind(v), kind(w), dx, gb, with_sum)
    if bad >= 0:
        raise IndexError(f"Target {target[bad]} is out of bounds.")
    return (dx, gb) if with_sum else dx


@njit(cache=True)
def _target_checks(a, ignore, n):
    ignored, outside = False, False
    for i in range(a.size):
        t = a[i]
        ignored |= t == ignore
        outside |= t < 0 or t >= n
    return ignored, outside


def target_checks(a: np.ndarray, ignore: int, n: int) -> tuple[bool, bool]:
    """``(any(a == ignore), any((a < 0) | (a >= n)))`` for an integer array ``a`` (``nll_loss``'s
    "is a target ignored?" and "is one out of range?"), in one serial pass (no temporaries)."""
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"target_checks: expected an integer array, got {a.dtype}")
    ignored, outside = _target_checks(np.ascontiguousarray(a).reshape(-1), ignore, n)
    return bool(ignored), bool(outside)
