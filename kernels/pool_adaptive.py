"""Adaptive pooling (torch.nn.functional.adaptive_avg_pool2d, adaptive_max_pool2d; the 1d forms
run these with H = 1): the output size is given, and the windows follow from it.

The window of output i along an axis of length L_in -> L_out is
[floor(i*L_in/L_out), ceil((i+1)*L_in/L_out)) (``_adaptive_window``), so windows cover the input
and may overlap by one row or column. The loops are laid out as every pooling kernel's
(``kernels/pool.py``'s docstring). Adaptive max pooling scans with max pooling's rule (``_take``:
strictly greater, or NaN) and returns PyTorch's flat indices, so its gradient is
``kernels/pool.py: max_pool2d_backward``.

Neighbours: ``kernels/pool.py`` (max pooling), ``kernels/pool_avg.py`` (average pooling).
"""

import numpy as np
from numba import njit, prange

from .checks import check_ints, check_shape
from .pool import Pair, _take
from .threading import SCALAR_WORK, in_parallel


@njit(cache=True, inline="always")
def _adaptive_window(i, n_in, n_out):
    """The input range ``[start, end)`` that adaptive output ``i`` pools over."""
    return (i * n_in) // n_out, ((i + 1) * n_in + n_out - 1) // n_out


@njit(cache=True, inline="always")
def _adaptive_avg_pool2d_plane(x, y, nc):
    """y of plane nc = n*C + c: the mean over each adaptive window."""
    _N, C, H, W = x.shape
    oH, oW = y.shape[2], y.shape[3]
    n = nc // C
    c = nc % C
    for oh in range(oH):
        ih0, ih1 = _adaptive_window(oh, H, oH)
        for ow in range(oW):
            iw0, iw1 = _adaptive_window(ow, W, oW)
            total = x.dtype.type(0)
            for ih in range(ih0, ih1):
                for iw in range(iw0, iw1):
                    total += x[n, c, ih, iw]
            y[n, c, oh, ow] = total / ((ih1 - ih0) * (iw1 - iw0))


@njit(cache=True, parallel=True)
def _adaptive_avg_pool2d(x, y, parallel):
    planes = x.shape[0] * x.shape[1]
    if parallel:
        for nc in prange(planes):
            _adaptive_avg_pool2d_plane(x, y, nc)
    else:
        for nc in range(planes):
            _adaptive_avg_pool2d_plane(x, y, nc)


@njit(cache=True, inline="always")
def _adaptive_avg_pool2d_backward_plane(gy, gx, nc):
    """gx of plane nc (already zero) += gy / window size spread over each window."""
    _N, C, oH, oW = gy.shape
    H, W = gx.shape[2], gx.shape[3]
    n = nc // C
    c = nc % C
    for oh in range(oH):
        ih0, ih1 = _adaptive_window(oh, H, oH)
        for ow in range(oW):
            iw0, iw1 = _adaptive_window(ow, W, oW)
            share = gy[n, c, oh, ow] / ((ih1 - ih0) * (iw1 - iw0))
            for ih in range(ih0, ih1):
                for iw in range(iw0, iw1):
                    gx[n, c, ih, iw] += share


@njit(cache=True, parallel=True)
def _adaptive_avg_pool2d_backward(gy, gx, parallel):
    planes = gy.shape[0] * gy.shape[1]
    if parallel:
        for nc in prange(planes):
            _adaptive_avg_pool2d_backward_plane(gy, gx, nc)
    else:
        for nc in range(planes):
            _adaptive_avg_pool2d_backward_plane(gy, gx, nc)


@njit(cache=True, inline="always")
def _adaptive_max_pool2d_plane(x, y, indices, nc):
    """y and indices of plane nc: max_pool2d's scan over each adaptive window."""
    _N, C, H, W = x.shape
    oH, oW = y.shape[2], y.shape[3]
    n = nc // C
    c = nc % C
    for oh in range(oH):
        ih0, ih1 = _adaptive_window(oh, H, oH)
        for ow in range(oW):
            iw0, iw1 = _adaptive_window(ow, W, oW)
            best = -np.inf
            best_index = ih0 * W + iw0
            for ih in range(ih0, ih1):
                for iw in range(iw0, iw1):
                    v = x[n, c, ih, iw]
                    if _take(v, best):
                        best = v
                        best_index = ih * W + iw
            y[n, c, oh, ow] = best
            indices[n, c, oh, ow] = best_index


@njit(cache=True, parallel=True)
def _adaptive_max_pool2d(x, y, indices, parallel):
    planes = x.shape[0] * x.shape[1]
    if parallel:
        for nc in prange(planes):
            _adaptive_max_pool2d_plane(x, y, indices, nc)
    else:
        for nc in range(planes):
            _adaptive_max_pool2d_plane(x, y, indices, nc)


def _check_adaptive(op: str, x_shape: tuple[int, ...], output_size: Pair) -> None:
    """A 4-d input with a non-empty map (every window holds at least one input: its mean divides
    by its size, its max reads its first) and two non-negative output sizes."""
    check_shape(op, "input", x_shape, (None,) * 4)
    check_shape(op, "output_size", np.shape(output_size), (2,))
    check_ints(op, "output_size", output_size, 0)
    if 0 in x_shape[2:]:
        raise RuntimeError(f"{op}: expected an input with a non-empty map, but got shape {tuple(x_shape)}")


def adaptive_avg_pool2d(x: np.ndarray, output_size: Pair) -> np.ndarray:
    """y = adaptive_avg_pool2d(x, output_size): the mean over each adaptive window.

    Loop nest: ``for n*c (prange if big) / for oh / for ow / for ih / for iw``.
    Cost: about N*C*H*W additions (windows overlap by at most one row/column).
    """
    _check_adaptive("adaptive_avg_pool2d", x.shape, output_size)
    if tuple(x.shape[2:]) == tuple(output_size):
        # Every window is one number (ResNet's head on a 32 px input, a 1x1 map): the loop's
        # 0 + x in one vectorised pass (-0.0 becomes 0.0 as in the loop). (64,512,1,1): 0.38 -> 0.03 ms.
        return np.add(x, x.dtype.type(0), order="C")
    y = np.empty((*x.shape[:2], *output_size), dtype=x.dtype)
    _adaptive_avg_pool2d(np.ascontiguousarray(x), y, in_parallel(x.size * SCALAR_WORK))
    return y


def adaptive_avg_pool2d_backward(gy: np.ndarray,
                                 input_shape: tuple[int, int, int, int]) -> np.ndarray:
    """dL/dx of adaptive_avg_pool2d: gy / window size spread over each window (loop over n*c)."""
    _check_adaptive("adaptive_avg_pool2d_backward", tuple(input_shape), gy.shape[2:])
    check_shape("adaptive_avg_pool2d_backward", "grad_output", gy.shape, (*input_shape[:2], None, None))
    if gy.shape == tuple(input_shape):  # windows of one number: the loop's 0 + gy / 1
        return np.add(gy, gy.dtype.type(0), order="C")
    gx = np.zeros(input_shape, dtype=gy.dtype)
    _adaptive_avg_pool2d_backward(np.ascontiguousarray(gy), gx, in_parallel(gx.size * SCALAR_WORK))
    return gx


def adaptive_max_pool2d(x: np.ndarray,
                                output_size: Pair) -> tuple[np.ndarray, np.ndarray]:
    """y, indices = adaptive_max_pool2d(x, output_size, return_indices=True).

    Same scan, tie and NaN rules as max_pool2d. Loop nest: ``for n*c (prange if big) / oh / ow / ih / iw``.
    """
    _check_adaptive("adaptive_max_pool2d", x.shape, output_size)
    y = np.empty((*x.shape[:2], *output_size), dtype=x.dtype)
    indices = np.empty(y.shape, dtype=np.int64)
    _adaptive_max_pool2d(np.ascontiguousarray(x), y, indices, in_parallel(x.size * SCALAR_WORK))
    return y, indices
