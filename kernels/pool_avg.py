"""Average pooling (torch.nn.functional.avg_pool2d; avg_pool1d runs it with H = 1) and its backward.

The loops are laid out as every pooling kernel's (``kernels/pool.py``'s docstring: a loop over
the N*C planes, ``prange`` or ``range`` as ``in_parallel`` decides, the per-plane function
inlined into it; a plane owned by one iteration, so backward adds into it without atomics).
The window sum is divided by PyTorch's divisor: ``divisor_override`` if given, else the window
clipped to the padded input (``count_include_pad``) or to the input itself. Windows that tile
the input (stride == kernel, no padding: LeNet's 2x2) take the ``_tiles`` loops, which need no
per-output bounds and, backward, write each gradient element once.

Neighbours: ``kernels/pool.py`` (max pooling, ``pool_output_size``), ``kernels/pool_adaptive.py``.
"""

import numpy as np
from numba import njit, prange

from .checks import check_output_size, check_shape, check_window
from .pool import Pair, pool_output_size
from .threading import SCALAR_WORK, in_parallel


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
