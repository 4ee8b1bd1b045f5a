"""Cross-entropy forward and backward in one pass over the logits' rows; the target's checks.

``minitorch.compile`` replays ``cross_entropy`` forward and backward on (N, C) logits as one call
(``minitorch/_compile/fusions.py: CrossEntropy``), and a replay must give eager's bits. Eager's
``log_softmax`` and its gradient run, on the CPU, the row functions of ``kernels/log_softmax.py``;
``cross_entropy_into`` calls the same functions and adds nll_loss's pick and gradient, with the
rounding of eager's NumPy calls for those (float operations in the arrays' dtype, no fused
multiply-add: numba contracts nothing without fastmath). Serial: on (64, 10) logits the pass is a
few µs, less than waking a thread.

- ``cross_entropy_into``: log_softmax, ``-y[i, t_i]``, ``dx = d - exp(y) * w`` with ``d`` nll's
  gradient (``v`` at ``[i, t_i]``, zeros elsewhere), and optionally ``sum(dx, dim 0)`` (the bias
  gradient of the Linear layer that made the logits) in NumPy's order for a reduction over the
  leading dim;
- ``target_checks``: ``nll_loss``'s two value checks of a class-index target in one pass.

``cross_entropy_into`` checks the shapes in its first lines and each target before it indexes
with it: the loop never indexes past a row.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .log_softmax import exp_of, log_softmax_row

PAIRWISE_BLOCK = 128  # NumPy's PW_BLOCKSIZE: up to this many numbers its pairwise sum is one block


@njit(cache=True)
def pairwise_sum(a):
    """The sum of ``a`` (1-d, at most ``PAIRWISE_BLOCK`` numbers) in NumPy's pairwise order
    (``pairwise_sum``, numpy/_core/src/umath/loops_utils.h.src) in ``a``'s dtype: under 8 numbers
    in order from 0; else eight running sums, combined as ((0+1)+(2+3))+((4+5)+(6+7)), then the
    rest in order. (Longer arrays split in halves first; not here: a recursive numba function
    loaded from numba's cache segfaulted, so callers sum those with NumPy.)"""
    n = a.shape[0]
    if n < 8:
        res = a.dtype.type(0)
        for i in range(n):
            res += a[i]
        return res
    r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    i = 8
    while i < n - n % 8:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for k in range(i, n):
        res += a[k]
    return res


@njit(cache=True)
def cross_entropy_into(x, target, g, count, sum_all, picked, loss, dx, gb, with_sum):
    """``cross_entropy`` forward and backward on (N, C) logits in one serial pass over the rows,
    with eager's bits (the row functions of eager's ``log_softmax`` and its gradient, the rounding
    of eager's NumPy calls in ``nll_loss`` and its gradient):

        v = -(g / count)  ('sum': -g);  w = v + 0.0  (sum(d, dim 1): v among +0.0s)
        y = log_softmax_row(x[i])                     (into dx[i], as scratch)
        picked[i] = -y[t_i]
        dx[i, j] = 0 - exp(y[j]) * w,  dx[i, t_i] = v - exp(y[t_i]) * w
        gb[j] += dx[i, j]                              (with ``with_sum``: the rows in order)
        loss = (0 + pairwise_sum(picked)) / count    ('sum': not divided; N <= 128 only)

    ``g`` and ``loss`` are 0-d arrays of the logits' dtype; ``v`` and ``w`` are what NumPy's
    ``-(g / count)`` (a float32 array over a Python int: float32 arithmetic) and the row sums of
    ``log_softmax_backward_row`` give; the loss's sum is ``np.add.reduce``'s (its +0.0 start, then
    the pairwise sum; for N > ``PAIRWISE_BLOCK`` the caller sums ``picked`` with NumPy). Returns -2 for shapes that do not fit, the row of a target outside
    ``[0, C)`` (nothing after it written), else -1. Cost: per row the log_softmax's three passes
    and one more with C ``exp``s; on (64, 10) a few µs, less than waking a thread."""
    n, c = x.shape
    if target.shape[0] != n or dx.shape != x.shape or gb.shape[0] != c or picked.shape[0] != n:
        return -2
    kind = dx.dtype.type
    zero, cnt = kind(0), kind(count)
    v = -g[()] if sum_all else -(g[()] / cnt)
    w = kind(v + zero)
    for i in range(n):
        t = target[i]
        if t < 0 or t >= c:
            return i
        yr = dx[i]
        log_softmax_row(x[i], yr)
        yt = yr[t]
        picked[i] = -yt
        for j in range(c):
            yr[j] = zero - exp_of(yr[j]) * w
        yr[t] = v - exp_of(yt) * w
        if with_sum:
            for j in range(c):
                gb[j] += yr[j]
    if n <= PAIRWISE_BLOCK:
        total = zero + pairwise_sum(picked)
        loss[()] = total if sum_all else total / cnt
    return -1


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
