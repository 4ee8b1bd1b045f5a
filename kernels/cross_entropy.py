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


@njit(cache=True)
def cross_entropy_into(x, target, v, w, picked, dx, gb, with_sum):
    """``cross_entropy`` forward and backward on (N, C) logits in one serial pass over the rows,
    with eager's bits (the row function of eager's ``log_softmax``, the rounding of eager's
    ``nll_loss`` and ``log_softmax_backward`` expressions):

        y = log_softmax_row(x[i])                     (into dx[i], as scratch)
        picked[i] = -y[t_i]                           (nll_loss's terms; the caller sums them)
        dx[i, j] = 0 - exp(y[j]) * w,  dx[i, t_i] = v - exp(y[t_i]) * w
        gb[j] += dx[i, j]                              (with ``with_sum``: the rows in order)

    ``v`` is nll_loss's gradient at ``[i, t_i]`` and ``w`` the sum of its row (``v`` among zeros:
    ``v + 0.0``, what ``log_softmax_backward_row``'s float64 sum from 0 gives), both cast to the
    arrays' dtype by the caller. Returns -2 for shapes that do not fit, the row of a target
    outside ``[0, C)`` (nothing after it written), else -1. Cost: per row the log_softmax's three
    passes and one more with C ``exp``s; on (64, 10) ~2 µs, less than waking a thread."""
    n, c = x.shape
    if target.shape[0] != n or dx.shape != x.shape or picked.shape[0] != n or gb.shape[0] != c:
        return -2
    zero = dx.dtype.type(0)
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
