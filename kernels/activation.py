"""threshold_backward: ReLU's gradient as one selecting loop.

    gx[k] = 0 if y[k] <= 0 else g[k]

PyTorch's ``threshold_backward`` is a select, not ``g * (y > 0)``: a NaN or inf gradient where
the output is 0 must give 0, not NaN; and where the output is NaN (relu(NaN) is NaN) the test
``y <= 0`` fails, so the gradient passes, as in PyTorch. NumPy has the select (``np.where``, ``np.copyto(...,
where=)``), but on our float32 LeNet activations (64, 6, 28, 28) it took 1.15 ms against 0.07
for the product; this loop is a vectorised select at the product's speed.
"""

import numpy as np
from numba import njit

from .checks import check_broadcast


@njit(cache=True)
def _threshold_backward(g, y, out):
    zero = out.dtype.type(0)
    for k in range(out.size):
        out[k] = zero if y[k] <= 0 else g[k]


def threshold_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """0 where ``y <= 0``, else ``g`` (so ``g`` where ``y`` is NaN; dtype of ``g``, the two shapes
    broadcast).

    Loop nest: one serial loop over the elements (flat, both made contiguous): a memory-bound
    select of a few hundred thousand elements is over before threads would have started.
    """
    if g.shape != y.shape:  # broadcast, as torch's op does (a 0-d y with a (1,) g in double backward)
        shape = check_broadcast("threshold_backward", ("grad_output", "output"), (g, y))
        g, y = np.broadcast_to(g, shape), np.broadcast_to(y, shape)
    g, y = np.ascontiguousarray(g), np.ascontiguousarray(y)
    out = np.empty(g.shape, dtype=g.dtype)
    _threshold_backward(g.reshape(-1), y.reshape(-1), out.reshape(-1))
    return out


@njit(cache=True)
def _relu(x, out):
    zero = out.dtype.type(0)
    for k in range(out.size):
        v = x[k]
        out[k] = zero if v < 0 else v


def relu(x: np.ndarray) -> np.ndarray:
    """``0 if x < 0 else x``: PyTorch's relu (``clamp_min(x, 0)``), so ``relu(-0.0)`` is ``-0.0`` and
    NaN passes; ``np.maximum(x, 0)`` gives ``+0.0`` and took twice PyTorch's time on float32
    activations (benchmarks/bench_hotspots.py). One serial loop over a C-contiguous float32/float64
    or integer ``x``; other layouts and dtypes take ``np.where``."""
    if not x.flags.c_contiguous or x.dtype.kind not in "fiu" or x.dtype == np.float16:
        return np.where(x < 0, x.dtype.type(0), x)
    out = np.empty(x.shape, dtype=x.dtype)
    _relu(x.reshape(-1), out.reshape(-1))
    return out
