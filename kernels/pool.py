"""Max pooling (torch.nn.functional.max_pool2d; max_pool1d runs it with H = 1), and what every
pooling kernel shares: ``pool_output_size`` and the way the loops are laid out.

Neighbours: ``kernels/pool_avg.py`` (avg_pool2d), ``kernels/pool_adaptive.py``
(adaptive_avg_pool2d, adaptive_max_pool2d, whose backward is ``max_pool2d_backward`` here).

Every pooling op reduces each window of each image plane to one number, and every plane is
independent, so each kernel is a loop over the N*C planes (``prange`` or ``range``, as
kernels/threading.py's ``in_parallel`` decides), then the output positions, then the window.
The per-plane functions are inlined into that loop (``inline="always"``): the deep nets' last
layers have tens of thousands of 1x1 or 2x2 planes, and a call per plane cost more than the
plane (adaptive_avg_pool2d of (64,512,1,1): 1.07 -> 0.38 ms, 1 thread).
A plane is owned by one iteration, so backward kernels can scatter-add into it without
atomics. Outputs are allocated by the Python wrapper: an ``np.zeros`` inside a parallel
numba function would itself become a parallel loop, with its own thread start-up.

Max pooling remembers *where* the maximum was (``indices``: the flat position ih*W + iw in the
input plane, exactly PyTorch's return_indices), because its gradient goes to that one input
and nowhere else. Like PyTorch, the scan runs row by row, a value replaces the running maximum
only if it is strictly greater (so ties keep the first), and NaN always replaces it (so a NaN
anywhere in the window makes the output NaN; the index is that of the last NaN): ``_take``,
which adaptive max pooling uses too.

There is one algorithm per op: a window reduction reads each input about once per window that
covers it and does no arithmetic worth handing to BLAS, so the direct loop is the fastest
form (an im2col-then-reduce variant would only add the copy).
"""

import numpy as np
from numba import njit, prange

from .checks import (
    check_dtype,
    check_output_size,
    check_same_shape,
    check_shape,
    check_window,
)
from .threading import SCALAR_WORK, in_parallel

Pair = tuple[int, int]


def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
                     ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: floor (or ceil) of the window count along one axis.

    With ceil_mode a last, partial window is kept only if it starts inside the input or the
    left padding, never entirely in the right padding.
    """
    span = size + 2 * padding - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


@njit(cache=True, inline="always")
def _take(v, best):
    """Whether v replaces the running maximum: strictly greater, or NaN (PyTorch's rule)."""
    return (v > best) | np.isnan(v)


@njit(cache=True, inline="always")
def _max_pool2d_plane(x, y, indices, kH, kW, sH, sW, pH, pW, dH, dW, nc):
    """y and indices of plane nc = n*C + c (one iteration of _max_pool2d's loop).

    The running maximum is updated by selects, not branches (a comparison of random data
    mispredicts half the time), and the function is inlined into the plane loop: a call per
    plane, with its array arguments' reference counts, cost more than a 1x1 or 2x2 plane's
    work. GoogLeNet's 3x3 pools at 32 px, 1 thread, CPU ms before -> after (torch): (64,832,1,1)
    stride 1 2.6 -> 0.69 (0.7), (64,512,2,2) 3.2 -> 1.9 (1.8), (64,480,4,4) stride 2 3.7 -> 2.4
    (3.2), (64,192,8,8) stride 2 4.9 -> 4.2 (6.2)."""
    _N, C, H, W = x.shape
    oH, oW = y.shape[2], y.shape[3]
    n = nc // C
    c = nc % C
    for oh in range(oH):
        ih0 = oh * sH - pH
        ih1 = min(ih0 + (kH - 1) * dH + 1, H)
        while ih0 < 0:
            ih0 += dH
        for ow in range(oW):
            iw0 = ow * sW - pW
            iw1 = min(iw0 + (kW - 1) * dW + 1, W)
            while iw0 < 0:
                iw0 += dW
            best = -np.inf
            best_index = ih0 * W + iw0
            for ih in range(ih0, ih1, dH):
                for iw in range(iw0, iw1, dW):
                    v = x[n, c, ih, iw]
                    t = _take(v, best)
                    best, best_index = (v, ih * W + iw) if t else (best, best_index)
            y[n, c, oh, ow] = best
            indices[n, c, oh, ow] = best_index


@njit(cache=True, inline="always")
def _max_pool2d_2x2_plane(x, y, indices, nc):
    """_max_pool2d_plane for the common 2x2 window at stride 2, no padding or dilation, every
    window inside the plane: the four taps written out, and the running maximum updated by
    selects instead of branches (a comparison of random data mispredicts half the time).
    Same scan order, so the same ties and NaNs. 2.7x faster than the general loop on LeNet's
    first pooling, 0.27 ms against 0.7 on one core (docs/performance-notes.md, "How max pooling
    remembers its argmax")."""
    _N, C, _H, W = x.shape
    oH, oW = y.shape[2], y.shape[3]
    plane, y_plane, i_plane = x[nc // C, nc % C], y[nc // C, nc % C], indices[nc // C, nc % C]
    for oh in range(oH):
        top, bottom = plane[2 * oh], plane[2 * oh + 1]
        at_top, at_bottom = 2 * oh * W, (2 * oh + 1) * W
        for ow in range(oW):
            iw = 2 * ow
            best, best_index = top[iw], at_top + iw
            v = top[iw + 1]
            t = _take(v, best)
            best, best_index = (v, at_top + iw + 1) if t else (best, best_index)
            v = bottom[iw]
            t = _take(v, best)
            best, best_index = (v, at_bottom + iw) if t else (best, best_index)
            v = bottom[iw + 1]
            t = _take(v, best)
            best, best_index = (v, at_bottom + iw + 1) if t else (best, best_index)
            y_plane[oh, ow] = best
            i_plane[oh, ow] = best_index


@njit(cache=True, inline="always")
def _max3(a, b, c, ia, ib, ic):
    """The winner of three taps scanned in the order a, b, c (``_take``'s rule) and its index."""
    t = _take(b, a)
    best, at = (b, ib) if t else (a, ia)
    t = _take(c, best)
    return (c, ic) if t else (best, at)


@njit(cache=True, inline="always")
def _max_pool2d_3x3_plane(x, y, indices, sH, sW, pH, pW, nc):
    """_max_pool2d_plane for a 3x3 window without dilation (every 3x3 max pool of the gallery:
    AlexNet, NiN, ResNet, GoogLeNet, DenseNet), any stride and padding: the windows wholly
    inside the plane take their nine taps written out, as three rows of three (the winner of
    each row, then of the three rows: the first of the row-by-row scan's ties is the first of
    the earliest row holding the maximum, and its last NaN is the last NaN of the last row
    holding one, so the same winner as the scan); windows that reach into the padding take the
    general loop."""
    _N, C, H, W = x.shape
    oH, oW = y.shape[2], y.shape[3]
    n, c = nc // C, nc % C
    plane, y_plane, i_plane = x[n, c], y[n, c], indices[n, c]
    ow0 = min(oW, max(0, -(-pW // sW)))  # the first window inside the plane's columns
    ow1 = max(ow0, min(oW, (W - 3 + pW) // sW + 1))  # past the last
    for oh in range(oH):
        ih = oh * sH - pH
        if ih < 0 or ih + 3 > H:  # the row's windows reach into the padding
            _max_pool2d_row(plane, y_plane, i_plane, oh, 3, 3, sH, sW, pH, pW, 1, 1, 0, 0)
            continue
        if ow0 > 0 or ow1 < oW:  # its first and last windows do
            _max_pool2d_row(plane, y_plane, i_plane, oh, 3, 3, sH, sW, pH, pW, 1, 1, ow0, ow1)
        r0, r1, r2 = plane[ih], plane[ih + 1], plane[ih + 2]
        a0, a1, a2 = ih * W, (ih + 1) * W, (ih + 2) * W
        for ow in range(ow0, ow1):
            iw = ow * sW - pW
            b0, i0 = _max3(r0[iw], r0[iw + 1], r0[iw + 2], a0 + iw, a0 + iw + 1, a0 + iw + 2)
            b1, i1 = _max3(r1[iw], r1[iw + 1], r1[iw + 2], a1 + iw, a1 + iw + 1, a1 + iw + 2)
            b2, i2 = _max3(r2[iw], r2[iw + 1], r2[iw + 2], a2 + iw, a2 + iw + 1, a2 + iw + 2)
            best, at = _max3(b0, b1, b2, i0, i1, i2)
            y_plane[oh, ow] = best
            i_plane[oh, ow] = at


@njit(cache=True, inline="always")
def _max_pool2d_row(plane, y_plane, i_plane, oh, kH, kW, sH, sW, pH, pW, dH, dW, skip0, skip1):
    """Output row oh of one plane by the general scan, except the outputs skip0..skip1."""
    H, W = plane.shape
    oW = y_plane.shape[1]
    ih0 = oh * sH - pH
    ih1 = min(ih0 + (kH - 1) * dH + 1, H)
    while ih0 < 0:
        ih0 += dH
    for ow in range(oW):
        if skip0 <= ow < skip1:
            continue
        iw0 = ow * sW - pW
        iw1 = min(iw0 + (kW - 1) * dW + 1, W)
        while iw0 < 0:
            iw0 += dW
        best = -np.inf
        best_index = ih0 * W + iw0
        for ih in range(ih0, ih1, dH):
            for iw in range(iw0, iw1, dW):
                v = plane[ih, iw]
                t = _take(v, best)
                best, best_index = (v, ih * W + iw) if t else (best, best_index)
        y_plane[oh, ow] = best
        i_plane[oh, ow] = best_index


@njit(cache=True, inline="always")
def _pool_plane(x, y, indices, kH, kW, sH, sW, pH, pW, dH, dW, case, nc):
    """One plane by the case ``max_pool2d`` chose: 0 the general scan, 1 the 2x2 window at
    stride 2, 2 the 3x3 window."""
    if case == 1:
        _max_pool2d_2x2_plane(x, y, indices, nc)
    elif case == 2:
        _max_pool2d_3x3_plane(x, y, indices, sH, sW, pH, pW, nc)
    else:
        _max_pool2d_plane(x, y, indices, kH, kW, sH, sW, pH, pW, dH, dW, nc)


@njit(cache=True, parallel=True)
def _max_pool2d(x, y, indices, kH, kW, sH, sW, pH, pW, dH, dW, case, parallel):
    planes = x.shape[0] * x.shape[1]
    if parallel:
        for nc in prange(planes):
            _pool_plane(x, y, indices, kH, kW, sH, sW, pH, pW, dH, dW, case, nc)
    else:
        for nc in range(planes):
            _pool_plane(x, y, indices, kH, kW, sH, sW, pH, pW, dH, dW, case, nc)


def max_pool2d(x: np.ndarray, kernel_size: Pair, stride: Pair, padding: Pair,
                       dilation: Pair, ceil_mode: bool) -> tuple[np.ndarray, np.ndarray]:
    """y, indices = max_pool2d(x, ..., return_indices=True), x of shape (N, C, H, W).

    Math: ``y[n, c, oh, ow] = max_{i, j} x[n, c, oh*sH - pH + i*dH, ow*sW - pW + j*dW]`` over
    in-bounds taps (padding never wins); ``indices`` holds the winner's ih*W + iw (int64).
    Loop nest: ``for n*c (prange if big) / for oh / for ow / for i / for j``.
    Cost: N*C*oH*oW*kH*kW comparisons; reads x about kH*kW/(sH*sW) times, writes y and indices.
    The per-case choices: a 2x2 window at stride 2 with every window inside the input
    (LeNet's and VGG's pooling) runs a written-out, branch-free loop (_max_pool2d_2x2_plane);
    a 3x3 window without dilation (AlexNet's, NiN's and the stems') on planes of at least 4x4
    its nine taps written out where a window lies inside the plane (_max_pool2d_3x3_plane).
    """
    check_shape("max_pool2d", "input", x.shape, (None,) * 4)
    check_window("max_pool2d", kernel_size, stride, padding, dilation)
    N, C, H, W = x.shape
    oH = pool_output_size(H, kernel_size[0], stride[0], padding[0], dilation[0], ceil_mode)
    oW = pool_output_size(W, kernel_size[1], stride[1], padding[1], dilation[1], ceil_mode)
    check_output_size("max_pool2d", (H, W), (oH, oW))
    y = np.empty((N, C, oH, oW), dtype=x.dtype)
    indices = np.empty((N, C, oH, oW), dtype=np.int64)
    two_by_two = (tuple(kernel_size) == tuple(stride) == (2, 2) and tuple(padding) == (0, 0)
                  and tuple(dilation) == (1, 1) and 2 * oH <= H and 2 * oW <= W)
    # planes under 4x4 have at most one window inside: the general loop costs less per plane there
    three_by_three = tuple(kernel_size) == (3, 3) and tuple(dilation) == (1, 1) and min(H, W) >= 4
    _max_pool2d(np.ascontiguousarray(x), y, indices, kernel_size[0], kernel_size[1], stride[0],
                stride[1], padding[0], padding[1], dilation[0], dilation[1],
                1 if two_by_two else 2 if three_by_three else 0,
                in_parallel(y.size * kernel_size[0] * kernel_size[1] * SCALAR_WORK))
    return y, indices


@njit(cache=True, inline="always")
def _scatter_add_plane(gy, indices, gx, p):
    """gx[p] = 0, then += gy[p] scattered to indices[p] (the zeroing in the same loop: a separate
    np.zeros is one more pass over gx, on one thread)."""
    plane_size = gx.shape[1]
    for i in range(plane_size):
        gx[p, i] = 0
    for o in range(gy.shape[1]):
        i = indices[p, o]
        # A window lying wholly in the padding (possible with dilation, e.g. H=1, k=2, p=1,
        # d=2) has no input; PyTorch's index for it points past the plane, so it is skipped.
        if 0 <= i < plane_size:
            gx[p, i] += gy[p, o]


@njit(cache=True, parallel=True)
def _scatter_add_planes(gy, indices, gx, parallel):
    if parallel:
        for p in prange(gy.shape[0]):
            _scatter_add_plane(gy, indices, gx, p)
    else:
        for p in range(gy.shape[0]):
            _scatter_add_plane(gy, indices, gx, p)


def max_pool2d_backward(gy: np.ndarray, indices: np.ndarray,
                        input_shape: tuple[int, ...]) -> np.ndarray:
    """dL/dx of max pooling: each output gradient goes to the input that won its window.

    Math: ``gx[n, c].flat[indices[n, c, o]] += gy[n, c, o]`` (overlapping windows that share
    a winner add up). Works for any pooling with PyTorch-style indices, whatever the rank: it is
    adaptive_max_pool2d's gradient too.
    Loop nest: ``for n*c (prange if big) / zero the plane, for o``; each iteration owns its
    input plane. Cost: N*C*oH*oW additions; writes N*C*H*W.
    """
    op = "max_pool2d_backward"
    if len(input_shape) < 3:
        raise RuntimeError(f"{op}: expected an input shape (N, C, ...), but got {tuple(input_shape)}")
    check_same_shape(op, ("grad_output", "indices"), (gy, indices))
    check_dtype(op, "indices", indices, "iu", "integer")
    check_shape(op, "grad_output", gy.shape, tuple(input_shape[:2]) + (None,) * (len(input_shape) - 2))
    if gy.size == 0 or 0 in input_shape:  # nothing to scatter (reshape(N*C, -1) needs N*C > 0)
        return np.zeros(input_shape, dtype=gy.dtype)
    N, C = input_shape[:2]
    gx = np.empty((N * C, int(np.prod(input_shape[2:]))), dtype=gy.dtype)
    _scatter_add_planes(np.ascontiguousarray(gy).reshape(N * C, -1),
                        np.ascontiguousarray(indices).reshape(N * C, -1), gx,
                        in_parallel(gy.size * SCALAR_WORK + gx.size))
    return gx.reshape(input_shape)
