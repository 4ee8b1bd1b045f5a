"""im2col and col2im: the gather and scatter that turn a convolution into one GEMM.

A convolution is a dot product between every kernel-sized window of the input and the kernel.
im2col copies each window into a column, so that all windows of a sample form a matrix
``cols`` of shape (C * kH * kW, oH * oW); the convolution is then ``W.reshape(C_out, -1) @ cols``,
one call to BLAS. col2im is its adjoint: it adds every column back into the window it came from
(overlapping windows add up), which is exactly what the gradient of im2col needs.

Both kernels take explicit, possibly asymmetric padding ``((top, bottom), (left, right))``;
positions that fall in the padding read as zero (im2col) or are dropped (col2im).
"""

import numpy as np
from numba import njit, prange

Padding4 = tuple[tuple[int, int], tuple[int, int]]


def conv_output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int,
                     dilation: int) -> int:
    """Output length of a convolution along one axis: floor((L + pads - d*(k-1) - 1) / s) + 1."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


@njit(cache=True)
def valid_output_range(out_size, stride, pad_before, offset, in_size):
    """Range [lo, hi) of output positions o whose input o*stride - pad_before + offset is in bounds.

    Computing it once per kernel tap takes the bounds test out of the innermost loop,
    which lets LLVM vectorise it.
    """
    lo = max(0, (pad_before - offset + stride - 1) // stride)
    hi = min(out_size, (in_size - 1 + pad_before - offset) // stride + 1)
    return lo, max(lo, hi)


@njit(cache=True, parallel=True)
def _im2col(x, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW):
    N, C, H, W = x.shape
    cols = np.zeros((N, C * kH * kW, oH * oW), dtype=x.dtype)
    for nc in prange(N * C):
        n = nc // C
        c = nc % C
        for i in range(kH):
            for j in range(kW):
                row = (c * kH + i) * kW + j
                oh_lo, oh_hi = valid_output_range(oH, sH, pT, i * dH, H)
                ow_lo, ow_hi = valid_output_range(oW, sW, pL, j * dW, W)
                for oh in range(oh_lo, oh_hi):
                    ih = oh * sH - pT + i * dH
                    for ow in range(ow_lo, ow_hi):
                        cols[n, row, oh * oW + ow] = x[n, c, ih, ow * sW - pL + j * dW]
    return cols


@njit(cache=True, parallel=True)
def _col2im(cols, N, C, H, W, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW):
    x = np.zeros((N, C, H, W), dtype=cols.dtype)
    for nc in prange(N * C):
        n = nc // C
        c = nc % C
        for i in range(kH):
            for j in range(kW):
                row = (c * kH + i) * kW + j
                oh_lo, oh_hi = valid_output_range(oH, sH, pT, i * dH, H)
                ow_lo, ow_hi = valid_output_range(oW, sW, pL, j * dW, W)
                for oh in range(oh_lo, oh_hi):
                    ih = oh * sH - pT + i * dH
                    for ow in range(ow_lo, ow_hi):
                        x[n, c, ih, ow * sW - pL + j * dW] += cols[n, row, oh * oW + ow]
    return x


def im2col(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], padding: Padding4,
           dilation: tuple[int, int], output_size: tuple[int, int] | None = None) -> np.ndarray:
    """Gather every kernel window of ``x`` into a column.

    Math: ``cols[n, (c*kH + i)*kW + j, oh*oW + ow] = x_pad[n, c, oh*sH + i*dH, ow*sW + j*dW]``.
    Loop nest: ``for n*c (prange) / for i, j / for oh / for ow``; each (n, c) writes its own
    kH*kW rows, so the parallel iterations never write the same memory.
    Cost: no flops; reads N*C*H*W, writes N*C*kH*kW*oH*oW elements (the kH*kW-fold blow-up
    is the price paid for turning the convolution into one GEMM).
    ``output_size`` keeps only the first (oH, oW) windows (conv_transpose2d's weight gradient
    needs that when its output_padding added rows that no window of the forward reached).
    """
    (pT, pB), (pL, pR) = padding
    oH = conv_output_size(x.shape[2], kernel[0], stride[0], pT, pB, dilation[0])
    oW = conv_output_size(x.shape[3], kernel[1], stride[1], pL, pR, dilation[1])
    if output_size is not None:
        oH, oW = output_size
    return _im2col(np.ascontiguousarray(x), kernel[0], kernel[1], stride[0], stride[1], pT, pL,
                   dilation[0], dilation[1], oH, oW)


def col2im(cols: np.ndarray, input_shape: tuple[int, int, int, int], kernel: tuple[int, int],
           output_size: tuple[int, int], stride: tuple[int, int], padding: Padding4,
           dilation: tuple[int, int]) -> np.ndarray:
    """Scatter-add columns back into the image: the adjoint (and gradient) of ``im2col``.

    Math: ``x[n, c, ih, iw] = sum over (i, j, oh, ow) hitting (ih, iw) of cols[n, (c,i,j), (oh,ow)]``.
    Loop nest: ``for n*c (prange) / for i, j / for oh / for ow``; each (n, c) accumulates into
    its own plane x[n, c], so there are no write races without atomics.
    Cost: N*C*kH*kW*oH*oW additions; reads the columns once, writes N*C*H*W.
    """
    N, C, H, W = input_shape
    (pT, _), (pL, _) = padding
    return _col2im(np.ascontiguousarray(cols), N, C, H, W, kernel[0], kernel[1], stride[0],
                   stride[1], pT, pL, dilation[0], dilation[1], output_size[0], output_size[1])
