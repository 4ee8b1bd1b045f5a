"""Exercises of docs/kernels.md. Replace each ``raise NotImplementedError`` with your code, then check
one exercise with ``pytest exercises -m kernels_1`` (2, 3, 4). Solutions: exercises/solutions/kernels.py."""

from __future__ import annotations

import numpy as np
from numba import njit, prange  # noqa: F401 (for exercise 4)

import minitorch
import minitorch.nn.functional as F  # noqa: F401 (for exercise 3)


def conv2d_loops(x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Exercise 1: the convolution as loops over (n, co, oh, ow), on NumPy arrays.

    y[n, co, oh, ow] = sum_{ci, i, j} w[co, ci, i, j] * x_pad[n, ci, oh*stride + i, ow*stride + j],
    where x_pad is x with ``padding`` zeros on every side of H and W (``np.pad``). x (N, C_in, H, W),
    w (C_out, C_in, kH, kW); returns (N, C_out, oH, oW) with oH = (H + 2*padding - kH) // stride + 1.
    """
    raise NotImplementedError("exercise kernels_1")


def conv2d_im2col(x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Exercise 2: the same convolution as im2col and one matrix product.

    Build the columns (N, C_in*kH*kW, oH*oW) with a loop over the kernel taps (i, j) only, each tap
    one strided slice of the padded input, then compute y with a single ``@``.
    """
    raise NotImplementedError("exercise kernels_2")


def conv2d_weight_grad(x: minitorch.Tensor, g: minitorch.Tensor, kernel_size: tuple[int, int]) -> minitorch.Tensor:
    """Exercise 3: dL/dw of y = F.conv2d(x, w) (stride 1, no padding), given g = dL/dy.

    Use one call to minitorch's ``F.conv2d`` and transposes only; returns (C_out, C_in, kH, kW).
    """
    raise NotImplementedError("exercise kernels_3")


def avg_pool2x2(x):
    """Exercise 4: F.avg_pool2d(x, 2) as a numba kernel, x (N, C, H, W) with H and W even.

    Decorate it with ``@njit(parallel=True)`` and loop with ``prange`` over the N*C planes; each
    iteration writes only its own output plane.
    """
    raise NotImplementedError("exercise kernels_4")
