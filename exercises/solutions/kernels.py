"""Solutions to the exercises of docs/kernels.md (the page includes each one between its markers)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

import minitorch
import minitorch.nn.functional as F


# --8<-- [start:conv2d_loops]
def conv2d_loops(x: np.ndarray, w: np.ndarray, stride: int = 1,
                 padding: int = 0) -> np.ndarray:
    """y[n, co, oh, ow] = sum_{ci, i, j} w[co, ci, i, j]
                              * x_pad[n, ci, oh*stride + i, ow*stride + j]."""
    p = padding
    x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    N, _, H, W = x.shape
    C_out, _, kH, kW = w.shape
    oH, oW = (H - kH) // stride + 1, (W - kW) // stride + 1
    y = np.zeros((N, C_out, oH, oW), dtype=np.result_type(x, w))
    for n in range(N):
        for co in range(C_out):
            for oh in range(oH):
                for ow in range(oW):
                    h, v = oh * stride, ow * stride
                    window = x[n, :, h:h + kH, v:v + kW]
                    y[n, co, oh, ow] = (w[co] * window).sum()
    return y
# --8<-- [end:conv2d_loops]


# --8<-- [start:conv2d_im2col]
def conv2d_im2col(x: np.ndarray, w: np.ndarray, stride: int = 1,
                  padding: int = 0) -> np.ndarray:
    """im2col (one strided copy per kernel tap), then W @ cols."""
    p, s = padding, stride
    x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    oH, oW = (H - kH) // s + 1, (W - kW) // s + 1
    cols = np.empty((N, C_in, kH, kW, oH, oW), dtype=x.dtype)
    for i in range(kH):
        for j in range(kW):  # tap (i, j) of every window: a strided slice
            cols[:, :, i, j] = x[:, :, i:i + s * (oH - 1) + 1:s,
                                 j:j + s * (oW - 1) + 1:s]
    cols = cols.reshape(N, C_in * kH * kW, oH * oW)
    y = w.reshape(C_out, -1) @ cols  # one matrix product
    return y.reshape(N, C_out, oH, oW)
# --8<-- [end:conv2d_im2col]


# --8<-- [start:conv2d_weight_grad]
def conv2d_weight_grad(x: minitorch.Tensor, g: minitorch.Tensor,
                       kernel_size: tuple[int, int]) -> minitorch.Tensor:
    """dL/dw of y = conv2d(x, w): the correlation of x with g.

    gw[co, ci, i, j] = sum_{n, oh, ow} g[n, co, oh, ow] * x[n, ci, oh+i, ow+j]:
    a conv2d with ci as the batch, n as the channel and g as the weight.
    """
    gw = F.conv2d(x.transpose(0, 1), g.transpose(0, 1))  # (C_in, C_out, ...)
    assert tuple(gw.shape[2:]) == tuple(kernel_size)
    return gw.transpose(0, 1)
# --8<-- [end:conv2d_weight_grad]


# --8<-- [start:avg_pool2x2]
@njit(parallel=True)
def avg_pool2x2(x):
    """y[n, c, i, j] = mean of x[n, c, 2i:2i+2, 2j:2j+2]; prange over the N*C
    planes, each iteration writing only its own plane of y."""
    N, C, H, W = x.shape
    y = np.empty((N, C, H // 2, W // 2), dtype=x.dtype)
    for p in prange(N * C):
        n, c = p // C, p % C
        for i in range(H // 2):
            for j in range(W // 2):
                top = x[n, c, 2 * i, 2 * j] + x[n, c, 2 * i, 2 * j + 1]
                bottom = x[n, c, 2 * i + 1, 2 * j] + x[n, c, 2 * i + 1, 2 * j + 1]
                y[n, c, i, j] = (top + bottom) / 4
    return y
# --8<-- [end:avg_pool2x2]
