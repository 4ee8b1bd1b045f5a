"""Pooling (torch.nn.functional.max_pool2d, avg_pool2d, adaptive_*_pool2d; the 1d forms run these with H = 1).

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
anywhere in the window makes the output NaN; the index is that of the last NaN).

There is one algorithm per op: a window reduction reads each input about once per window that
covers it and does no arithmetic worth handing to BLAS, so the direct loop is the fastest
form (an im2col-then-reduce variant would only add the copy).
"""

import numpy as np
from numba import njit, prange

from .checks import (
    check_dtype,
    check_ints,
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


# ---------------------------------------------------------------------------------------------
# Max pooling.


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


@njit(cache=True, parallel=True)
def _max_pool2d(x, y, indices, kH, kW, sH, sW, pH, pW, dH, dW, two_by_two, parallel):
    planes = x.shape[0] * x.shape[1]
    if parallel:
        for nc in prange(planes):
            if two_by_two:
                _max_pool2d_2x2_plane(x, y, indices, nc)
            else:
                _max_pool2d_plane(x, y, indices, kH, kW, sH, sW, pH, pW, dH, dW, nc)
    else:
        for nc in range(planes):
            if two_by_two:
                _max_pool2d_2x2_plane(x, y, indices, nc)
            else:
                _max_pool2d_plane(x, y, indices, kH, kW, sH, sW, pH, pW, dH, dW, nc)


def max_pool2d(x: np.ndarray, kernel_size: Pair, stride: Pair, padding: Pair,
                       dilation: Pair, ceil_mode: bool) -> tuple[np.ndarray, np.ndarray]:
    """y, indices = max_pool2d(x, ..., return_indices=True), x of shape (N, C, H, W).

    Math: ``y[n, c, oh, ow] = max_{i, j} x[n, c, oh*sH - pH + i*dH, ow*sW - pW + j*dW]`` over
    in-bounds taps (padding never wins); ``indices`` holds the winner's ih*W + iw (int64).
    Loop nest: ``for n*c (prange if big) / for oh / for ow / for i / for j``.
    Cost: N*C*oH*oW*kH*kW comparisons; reads x about kH*kW/(sH*sW) times, writes y and indices.
    The one per-case choice: a 2x2 window at stride 2 with every window inside the input
    (LeNet's and VGG's pooling) runs a written-out, branch-free loop (_max_pool2d_2x2_plane).
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
    _max_pool2d(np.ascontiguousarray(x), y, indices, kernel_size[0], kernel_size[1], stride[0],
                stride[1], padding[0], padding[1], dilation[0], dilation[1], two_by_two,
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


# ---------------------------------------------------------------------------------------------
# Average pooling.


@njit(cache=True)
def _avg_window(oh, ow, kH, kW, sH, sW, pH, pW, H, W, count_include_pad, divisor_override):
    """PyTorch's window bounds and divisor for one output of avg_pool2d."""
    ih0 = oh * sH - pH
    iw0 = ow * sW - pW
    ih1 = min(ih0 + kH, H + pH)
    iw1 = min(iw0 + kW, W + pW)
    pool_size = (ih1 - ih0) * (iw1 - iw0)
    ih0 = max(ih0, 0)
    iw0 = max(iw0, 0)
    ih1 = min(ih1, H)
    iw1 = min(iw1, W)
    if divisor_override != 0:
        divisor = divisor_override
    elif count_include_pad:
        divisor = pool_size
    else:
        divisor = (ih1 - ih0) * (iw1 - iw0)
    return ih0, ih1, iw0, iw1, divisor


@njit(cache=True, inline="always")
def _avg_pool2d_plane(x, y, kH, kW, sH, sW, pH, pW, count_include_pad, divisor_override, nc):
    """y of plane nc = n*C + c (one iteration of _avg_pool2d's loop)."""
    _N, C, H, W = x.shape
    oH, oW = y.shape[2], y.shape[3]
    n = nc // C
    c = nc % C
    for oh in range(oH):
        for ow in range(oW):
            ih0, ih1, iw0, iw1, divisor = _avg_window(oh, ow, kH, kW, sH, sW, pH, pW, H, W,
                                                      count_include_pad, divisor_override)
            total = x.dtype.type(0)
            for ih in range(ih0, ih1):
                for iw in range(iw0, iw1):
                    total += x[n, c, ih, iw]
            y[n, c, oh, ow] = total / divisor if ih0 < ih1 and iw0 < iw1 else 0


@njit(cache=True, parallel=True)
def _avg_pool2d(x, y, kH, kW, sH, sW, pH, pW, count_include_pad, divisor_override, parallel):
    planes = x.shape[0] * x.shape[1]
    if parallel:
        for nc in prange(planes):
            _avg_pool2d_plane(x, y, kH, kW, sH, sW, pH, pW, count_include_pad,
                              divisor_override, nc)
    else:
        for nc in range(planes):
            _avg_pool2d_plane(x, y, kH, kW, sH, sW, pH, pW, count_include_pad,
                              divisor_override, nc)


@njit(cache=True, inline="always")
def _avg_pool2d_backward_plane(gy, gx, kH, kW, sH, sW, pH, pW, count_include_pad,
                               divisor_override, nc):
    """gx of plane nc (already zero) += each gy / divisor spread over its window."""
    _N, C, oH, oW = gy.shape
    H, W = gx.shape[2], gx.shape[3]
    n = nc // C
    c = nc % C
    for oh in range(oH):
        for ow in range(oW):
            ih0, ih1, iw0, iw1, divisor = _avg_window(oh, ow, kH, kW, sH, sW, pH, pW, H, W,
                                                      count_include_pad, divisor_override)
            share = gy[n, c, oh, ow] / divisor
            for ih in range(ih0, ih1):
                for iw in range(iw0, iw1):
                    gx[n, c, ih, iw] += share


@njit(cache=True, parallel=True)
def _avg_pool2d_backward(gy, gx, kH, kW, sH, sW, pH, pW, count_include_pad, divisor_override,
                         parallel):
    planes = gy.shape[0] * gy.shape[1]
    if parallel:
        for nc in prange(planes):
            _avg_pool2d_backward_plane(gy, gx, kH, kW, sH, sW, pH, pW, count_include_pad,
                                       divisor_override, nc)
    else:
        for nc in range(planes):
            _avg_pool2d_backward_plane(gy, gx, kH, kW, sH, sW, pH, pW, count_include_pad,
                                       divisor_override, nc)


@njit(cache=True, inline="always")
def _avg_pool2d_tiles_plane(x, y, kH, kW, divisor, nc):
    """y of plane nc for non-overlapping windows inside the input (see avg_pool2d): the window
    sums in _avg_pool2d_plane's order (row by row from 0), a row of outputs at a time."""
    C = x.shape[1]
    oH, oW = y.shape[2], y.shape[3]
    n = nc // C
    c = nc % C
    acc = np.empty(oW, dtype=y.dtype)
    zero = y.dtype.type(0)
    for oh in range(oH):
        for ow in range(oW):  # a loop, not acc[:] = 0: in a parallel=True function that is a parfor
            acc[ow] = zero
        for i in range(kH):
            row = x[n, c, oh * kH + i]
            for ow in range(oW):
                for j in range(kW):
                    acc[ow] += row[ow * kW + j]
        dst = y[n, c, oh]
        for ow in range(oW):
            dst[ow] = acc[ow] / divisor


@njit(cache=True, parallel=True)
def _avg_pool2d_tiles(x, y, kH, kW, divisor, parallel):
    planes = x.shape[0] * x.shape[1]
    if parallel:
        for nc in prange(planes):
            _avg_pool2d_tiles_plane(x, y, kH, kW, divisor, nc)
    else:
        for nc in range(planes):
            _avg_pool2d_tiles_plane(x, y, kH, kW, divisor, nc)


# Non-overlapping windows (stride == kernel, no padding, every window inside the input: LeNet's
# AvgPool2d(2)): each input position belongs to at most one window, so the gradient is a copy,
# gx = gy / divisor repeated kH x kW times, written once, instead of zeroing gx and adding every
# share into it (which reads gx back). The positions past the last window are zeros.
@njit(cache=True, inline="always")
def _avg_pool2d_backward_tiles_plane(gy, gx, kH, kW, divisor, nc):
    """gx of plane nc, every element written (one iteration of _avg_pool2d_backward_tiles)."""
    _N, C, oH, oW = gy.shape
    H, W = gx.shape[2], gx.shape[3]
    n = nc // C
    c = nc % C
    zero = gx.dtype.type(0)
    for oh in range(oH):
        src = gy[n, c, oh]
        for i in range(kH):
            row = gx[n, c, oh * kH + i]
            for ow in range(oW):
                share = src[ow] / divisor
                for j in range(kW):
                    row[ow * kW + j] = share
            for iw in range(oW * kW, W):
                row[iw] = zero
    for ih in range(oH * kH, H):
        for iw in range(W):
            gx[n, c, ih, iw] = zero


@njit(cache=True, parallel=True)
def _avg_pool2d_backward_tiles(gy, gx, kH, kW, divisor, parallel):
    planes = gy.shape[0] * gy.shape[1]
    if parallel:
        for nc in prange(planes):
            _avg_pool2d_backward_tiles_plane(gy, gx, kH, kW, divisor, nc)
    else:
        for nc in range(planes):
            _avg_pool2d_backward_tiles_plane(gy, gx, kH, kW, divisor, nc)


def avg_pool2d(x: np.ndarray, kernel_size: Pair, stride: Pair, padding: Pair,
                       ceil_mode: bool, count_include_pad: bool,
                       divisor_override: int | None) -> np.ndarray:
    """y = avg_pool2d(x, ...): the mean of each window, PyTorch's divisor rules included.

    Math: ``y = sum of in-bounds x in the window / divisor``, where the divisor is
    divisor_override if given, else the window size clipped to the padded input
    (count_include_pad) or to the input itself (not count_include_pad).
    Loop nest: ``for n*c (prange if big) / for oh / for ow / for ih / for iw``.
    Cost: N*C*oH*oW*kH*kW additions.
    Non-overlapping windows inside the input (stride == kernel, no padding; LeNet's 2x2) take
    ``_avg_pool2d_tiles``: ``for n*c / for oh / for i / for ow / for j: acc[ow] += x``, then
    ``y = acc / divisor``: the same sums in the same order, without the per-output window bounds
    (LeNet's (64, 6, 28, 28), 1 thread, ``bench_conv_shapes.py --lenet-ops``, load 4.4: 277 µs
    against 560 for the general loop, torch 497).
    """
    check_shape("avg_pool2d", "input", x.shape, (None,) * 4)
    check_window("avg_pool2d", kernel_size, stride, padding)
    N, C, H, W = x.shape
    oH = pool_output_size(H, kernel_size[0], stride[0], padding[0], 1, ceil_mode)
    oW = pool_output_size(W, kernel_size[1], stride[1], padding[1], 1, ceil_mode)
    check_output_size("avg_pool2d", (H, W), (oH, oW))
    y = np.empty((N, C, oH, oW), dtype=x.dtype)
    parallel = in_parallel(y.size * kernel_size[0] * kernel_size[1] * SCALAR_WORK)
    if _tiles(kernel_size, stride, padding, (oH, oW), (H, W)):
        divisor = divisor_override or kernel_size[0] * kernel_size[1]  # every window is whole
        _avg_pool2d_tiles(np.ascontiguousarray(x), y, kernel_size[0], kernel_size[1], x.dtype.type(divisor),
                          parallel)
        return y
    _avg_pool2d(np.ascontiguousarray(x), y, kernel_size[0], kernel_size[1], stride[0], stride[1],
                padding[0], padding[1], count_include_pad, divisor_override or 0, parallel)
    return y


def _tiles(kernel_size: Pair, stride: Pair, padding: Pair, out: Pair, size: Pair) -> bool:
    """Whether avg pooling's windows tile the input without overlap or padding, all inside it."""
    return (tuple(stride) == tuple(kernel_size) and padding[0] == padding[1] == 0
            and out[0] * kernel_size[0] <= size[0] and out[1] * kernel_size[1] <= size[1])


def avg_pool2d_backward(gy: np.ndarray, input_shape: tuple[int, int, int, int],
                        kernel_size: Pair, stride: Pair, padding: Pair, ceil_mode: bool,
                        count_include_pad: bool, divisor_override: int | None) -> np.ndarray:
    """dL/dx of avg_pool2d: each output gradient, divided by its divisor, spread over its window.

    Math: ``gx[n, c, ih, iw] = sum over windows containing (ih, iw) of gy / divisor``.
    Loop nest: ``for n*c (prange if big) / for oh / for ow / for ih / for iw``; one plane per iteration.
    Cost: N*C*oH*oW*kH*kW additions. (ceil_mode only matters through gy's shape.)
    Non-overlapping windows inside the input (stride == kernel, no padding; LeNet's 2x2) take
    ``_avg_pool2d_backward_tiles``: ``for n*c (prange if big) / for oh / for i / for ow / for j:
    gx = gy / divisor``, each element of gx written once, no zeroing pass and no read-back
    (LeNet's (64, 6, 28, 28), 1 thread, load 4.4: 324 µs against 612, torch 617).
    """
    op = "avg_pool2d_backward"
    check_shape(op, "input", input_shape, (None,) * 4)
    check_window(op, kernel_size, stride, padding)
    N, C, H, W = input_shape
    check_shape(op, "grad_output", gy.shape, (N, C,
                pool_output_size(H, kernel_size[0], stride[0], padding[0], 1, ceil_mode),
                pool_output_size(W, kernel_size[1], stride[1], padding[1], 1, ceil_mode)))
    parallel = in_parallel(gy.size * kernel_size[0] * kernel_size[1] * SCALAR_WORK)
    if _tiles(kernel_size, stride, padding, gy.shape[2:], (H, W)):
        gx = np.empty(input_shape, dtype=gy.dtype)
        divisor = divisor_override or kernel_size[0] * kernel_size[1]  # every window is whole
        _avg_pool2d_backward_tiles(np.ascontiguousarray(gy), gx, kernel_size[0], kernel_size[1],
                                   gy.dtype.type(divisor), parallel)
        return gx
    gx = np.zeros(input_shape, dtype=gy.dtype)
    _avg_pool2d_backward(np.ascontiguousarray(gy), gx, kernel_size[0], kernel_size[1], stride[0],
                         stride[1], padding[0], padding[1], count_include_pad,
                         divisor_override or 0, parallel)
    return gx


# ---------------------------------------------------------------------------------------------
# Adaptive pooling: the window of output i along an axis of length L_in -> L_out is
# [floor(i*L_in/L_out), ceil((i+1)*L_in/L_out)), so windows cover the input and may overlap.


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
