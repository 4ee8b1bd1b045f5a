"""Pooling (torch.nn.functional.max_pool2d, avg_pool2d, adaptive_*_pool2d and their 1d forms).

Every pooling op reduces each window of each image plane to one number, and every plane is
independent, so each kernel is ``for n*c in prange(N*C)`` over planes, then the output
positions, then the window. A plane is owned by one iteration, so backward kernels can
scatter-add into it without atomics.

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


@njit(cache=True, parallel=True)
def _max_pool2d(x, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW):
    N, C, H, W = x.shape
    y = np.empty((N, C, oH, oW), dtype=x.dtype)
    indices = np.empty((N, C, oH, oW), dtype=np.int64)
    for nc in prange(N * C):
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
                        if v > best or np.isnan(v):
                            best = v
                            best_index = ih * W + iw
                y[n, c, oh, ow] = best
                indices[n, c, oh, ow] = best_index
    return y, indices


def max_pool2d_forward(x: np.ndarray, kernel_size: Pair, stride: Pair, padding: Pair,
                       dilation: Pair, ceil_mode: bool) -> tuple[np.ndarray, np.ndarray]:
    """y, indices = max_pool2d(x, ..., return_indices=True), x of shape (N, C, H, W).

    Math: ``y[n, c, oh, ow] = max_{i, j} x[n, c, oh*sH - pH + i*dH, ow*sW - pW + j*dW]`` over
    in-bounds taps (padding never wins); ``indices`` holds the winner's ih*W + iw (int64).
    Loop nest: ``for n*c (prange) / for oh / for ow / for i / for j``.
    Cost: N*C*oH*oW*kH*kW comparisons; reads x about kH*kW/(sH*sW) times, writes y and indices.
    """
    _N, _C, H, W = x.shape
    oH = pool_output_size(H, kernel_size[0], stride[0], padding[0], dilation[0], ceil_mode)
    oW = pool_output_size(W, kernel_size[1], stride[1], padding[1], dilation[1], ceil_mode)
    return _max_pool2d(np.ascontiguousarray(x), kernel_size[0], kernel_size[1], stride[0],
                       stride[1], padding[0], padding[1], dilation[0], dilation[1], oH, oW)


@njit(cache=True, parallel=True)
def _scatter_add_planes(gy, indices, plane_size):
    planes, outputs = gy.shape
    gx = np.zeros((planes, plane_size), dtype=gy.dtype)
    for p in prange(planes):
        for o in range(outputs):
            i = indices[p, o]
            # A window lying wholly in the padding (possible with dilation, e.g. H=1, k=2, p=1,
            # d=2) has no input; PyTorch's index for it points past the plane, so it is skipped.
            if 0 <= i < plane_size:
                gx[p, i] += gy[p, o]
    return gx


def max_pool2d_backward(gy: np.ndarray, indices: np.ndarray,
                        input_shape: tuple[int, ...]) -> np.ndarray:
    """dL/dx of max pooling: each output gradient goes to the input that won its window.

    Math: ``gx[n, c].flat[indices[n, c, o]] += gy[n, c, o]`` (overlapping windows that share
    a winner add up). Works for any pooling with PyTorch-style indices, whatever the rank.
    Loop nest: ``for n*c (prange) / for o``; each iteration owns its input plane.
    Cost: N*C*oH*oW additions; writes N*C*H*W.
    """
    N, C = input_shape[:2]
    plane_size = int(np.prod(input_shape[2:]))
    gx = _scatter_add_planes(np.ascontiguousarray(gy).reshape(N * C, -1),
                             np.ascontiguousarray(indices).reshape(N * C, -1), plane_size)
    return gx.reshape(input_shape)


def max_pool1d_forward(x: np.ndarray, kernel_size: int, stride: int, padding: int,
                       dilation: int, ceil_mode: bool) -> tuple[np.ndarray, np.ndarray]:
    """y, indices = max_pool1d(x, ...) for x (N, C, L): max_pool2d over a height-1 image."""
    y, indices = max_pool2d_forward(x[:, :, None, :], (1, kernel_size), (1, stride),
                                    (0, padding), (1, dilation), ceil_mode)
    return y[:, :, 0, :], indices[:, :, 0, :]


def max_pool1d_backward(gy: np.ndarray, indices: np.ndarray,
                        input_shape: tuple[int, int, int]) -> np.ndarray:
    """dL/dx of max_pool1d: the same scatter as max_pool2d_backward (indices index into L)."""
    return max_pool2d_backward(gy, indices, input_shape)


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


@njit(cache=True, parallel=True)
def _avg_pool2d(x, kH, kW, sH, sW, pH, pW, oH, oW, count_include_pad, divisor_override):
    N, C, H, W = x.shape
    y = np.zeros((N, C, oH, oW), dtype=x.dtype)
    for nc in prange(N * C):
        n = nc // C
        c = nc % C
        for oh in range(oH):
            for ow in range(oW):
                ih0, ih1, iw0, iw1, divisor = _avg_window(oh, ow, kH, kW, sH, sW, pH, pW, H, W,
                                                          count_include_pad, divisor_override)
                if ih0 >= ih1 or iw0 >= iw1:
                    continue
                total = x.dtype.type(0)
                for ih in range(ih0, ih1):
                    for iw in range(iw0, iw1):
                        total += x[n, c, ih, iw]
                y[n, c, oh, ow] = total / divisor
    return y


@njit(cache=True, parallel=True)
def _avg_pool2d_backward(gy, H, W, kH, kW, sH, sW, pH, pW, count_include_pad, divisor_override):
    N, C, oH, oW = gy.shape
    gx = np.zeros((N, C, H, W), dtype=gy.dtype)
    for nc in prange(N * C):
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
    return gx


def avg_pool2d_forward(x: np.ndarray, kernel_size: Pair, stride: Pair, padding: Pair,
                       ceil_mode: bool, count_include_pad: bool,
                       divisor_override: int | None) -> np.ndarray:
    """y = avg_pool2d(x, ...): the mean of each window, PyTorch's divisor rules included.

    Math: ``y = sum of in-bounds x in the window / divisor``, where the divisor is
    divisor_override if given, else the window size clipped to the padded input
    (count_include_pad) or to the input itself (not count_include_pad).
    Loop nest: ``for n*c (prange) / for oh / for ow / for ih / for iw``.
    Cost: N*C*oH*oW*kH*kW additions.
    """
    _N, _C, H, W = x.shape
    oH = pool_output_size(H, kernel_size[0], stride[0], padding[0], 1, ceil_mode)
    oW = pool_output_size(W, kernel_size[1], stride[1], padding[1], 1, ceil_mode)
    return _avg_pool2d(np.ascontiguousarray(x), kernel_size[0], kernel_size[1], stride[0],
                       stride[1], padding[0], padding[1], oH, oW, count_include_pad,
                       divisor_override or 0)


def avg_pool2d_backward(gy: np.ndarray, input_shape: tuple[int, int, int, int],
                        kernel_size: Pair, stride: Pair, padding: Pair, ceil_mode: bool,
                        count_include_pad: bool, divisor_override: int | None) -> np.ndarray:
    """dL/dx of avg_pool2d: each output gradient, divided by its divisor, spread over its window.

    Math: ``gx[n, c, ih, iw] = sum over windows containing (ih, iw) of gy / divisor``.
    Loop nest: ``for n*c (prange) / for oh / for ow / for ih / for iw``; one plane per iteration.
    Cost: N*C*oH*oW*kH*kW additions. (ceil_mode only matters through gy's shape.)
    """
    H, W = input_shape[2:]
    return _avg_pool2d_backward(np.ascontiguousarray(gy), H, W, kernel_size[0], kernel_size[1],
                                stride[0], stride[1], padding[0], padding[1], count_include_pad,
                                divisor_override or 0)


def avg_pool1d_forward(x: np.ndarray, kernel_size: int, stride: int, padding: int,
                       ceil_mode: bool, count_include_pad: bool) -> np.ndarray:
    """y = avg_pool1d(x, ...) for x (N, C, L): avg_pool2d over a height-1 image."""
    y = avg_pool2d_forward(x[:, :, None, :], (1, kernel_size), (1, stride), (0, padding),
                           ceil_mode, count_include_pad, None)
    return y[:, :, 0, :]


def avg_pool1d_backward(gy: np.ndarray, input_shape: tuple[int, int, int], kernel_size: int,
                        stride: int, padding: int, ceil_mode: bool,
                        count_include_pad: bool) -> np.ndarray:
    """dL/dx of avg_pool1d, through avg_pool2d_backward with H = 1."""
    N, C, L = input_shape
    gx = avg_pool2d_backward(gy[:, :, None, :], (N, C, 1, L), (1, kernel_size), (1, stride),
                             (0, padding), ceil_mode, count_include_pad, None)
    return gx[:, :, 0, :]


# ---------------------------------------------------------------------------------------------
# Adaptive pooling: the window of output i along an axis of length L_in -> L_out is
# [floor(i*L_in/L_out), ceil((i+1)*L_in/L_out)), so windows cover the input and may overlap.


@njit(cache=True, inline="always")
def _adaptive_window(i, n_in, n_out):
    """The input range ``[start, end)`` that adaptive output ``i`` pools over."""
    return (i * n_in) // n_out, ((i + 1) * n_in + n_out - 1) // n_out


@njit(cache=True, parallel=True)
def _adaptive_avg_pool2d(x, oH, oW):
    N, C, H, W = x.shape
    y = np.empty((N, C, oH, oW), dtype=x.dtype)
    for nc in prange(N * C):
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
    return y


@njit(cache=True, parallel=True)
def _adaptive_avg_pool2d_backward(gy, H, W):
    N, C, oH, oW = gy.shape
    gx = np.zeros((N, C, H, W), dtype=gy.dtype)
    for nc in prange(N * C):
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
    return gx


@njit(cache=True, parallel=True)
def _adaptive_max_pool2d(x, oH, oW):
    N, C, H, W = x.shape
    y = np.empty((N, C, oH, oW), dtype=x.dtype)
    indices = np.empty((N, C, oH, oW), dtype=np.int64)
    for nc in prange(N * C):
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
                        if v > best or np.isnan(v):
                            best = v
                            best_index = ih * W + iw
                y[n, c, oh, ow] = best
                indices[n, c, oh, ow] = best_index
    return y, indices


def adaptive_avg_pool2d_forward(x: np.ndarray, output_size: Pair) -> np.ndarray:
    """y = adaptive_avg_pool2d(x, output_size): the mean over each adaptive window.

    Loop nest: ``for n*c (prange) / for oh / for ow / for ih / for iw``.
    Cost: about N*C*H*W additions (windows overlap by at most one row/column).
    """
    return _adaptive_avg_pool2d(np.ascontiguousarray(x), output_size[0], output_size[1])


def adaptive_avg_pool2d_backward(gy: np.ndarray,
                                 input_shape: tuple[int, int, int, int]) -> np.ndarray:
    """dL/dx of adaptive_avg_pool2d: gy / window size spread over each window (prange over n*c)."""
    return _adaptive_avg_pool2d_backward(np.ascontiguousarray(gy), input_shape[2], input_shape[3])


def adaptive_max_pool2d_forward(x: np.ndarray,
                                output_size: Pair) -> tuple[np.ndarray, np.ndarray]:
    """y, indices = adaptive_max_pool2d(x, output_size, return_indices=True).

    Same scan, tie and NaN rules as max_pool2d. Loop nest: ``for n*c (prange) / oh / ow / ih / iw``.
    """
    return _adaptive_max_pool2d(np.ascontiguousarray(x), output_size[0], output_size[1])


def adaptive_max_pool2d_backward(gy: np.ndarray, indices: np.ndarray,
                                 input_shape: tuple[int, int, int, int]) -> np.ndarray:
    """dL/dx of adaptive_max_pool2d: the scatter of max_pool2d_backward."""
    return max_pool2d_backward(gy, indices, input_shape)
