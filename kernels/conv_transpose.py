"""conv_transpose2d (torch.nn.functional.conv_transpose2d) and its gradients, by reuse.

A transposed convolution *is* the input gradient of a convolution: it spreads every input
value over a kernel-sized window of the (larger) output. So, with the same weight tensor
w (C_in, C_out/groups, kH, kW) read as a conv2d weight (C_out', C_in'/groups, kH, kW):

    conv_transpose2d(x, w)       = conv2d_input_grad(x, w)        (the forward)
    d conv_transpose2d / d x     = conv2d_forward(gy, w)          (the adjoint of the adjoint)
    d conv_transpose2d / d w     = conv2d_weight_grad(x, gy)      (roles of x and gy swapped)

No loops live here; the kernels are those of kernels/conv.py.
"""

import numpy as np

from kernels.checks import check_shape
from kernels.conv import Pair, conv2d_forward, conv2d_input_grad, conv2d_weight_grad


def conv_transpose2d_output_size(input_size: Pair, kernel: Pair, stride: Pair, padding: Pair,
                                 output_padding: Pair, dilation: Pair) -> Pair:
    """Output (H, W): (L - 1)*s - 2*p + d*(k - 1) + output_padding + 1 along each axis."""
    return tuple(  # type: ignore[return-value]
        (L - 1) * s - 2 * p + d * (k - 1) + op + 1
        for L, k, s, p, op, d in zip(input_size, kernel, stride, padding, output_padding, dilation)
    )


def conv_transpose2d_forward(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                             stride: Pair, padding: Pair, output_padding: Pair, groups: int,
                             dilation: Pair) -> np.ndarray:
    """y = conv_transpose2d(x, w) + b, x (N, C_in, H, W), w (C_in, C_out/groups, kH, kW).

    Math: ``y = conv2d_input_grad(gy=x, w)`` at the output size above; output_padding only
    adds rows/columns at the bottom/right that no input reaches (they get just the bias).
    Loop nest and cost: those of conv2d_input_grad (BLAS GEMMs, then col2im in prange over
    N*C_out): 2*N*C_in*C_out/G*kH*kW*H*W flops.
    """
    # conv2d_input_grad checks the rest (channels, groups, window) before its loops run
    check_shape("conv_transpose2d", "input", x.shape, (None,) * 4)
    check_shape("conv_transpose2d", "weight", w.shape, (None,) * 4)
    N, _C_in, H, W = x.shape
    _, C_out_g, kH, kW = w.shape
    oH, oW = conv_transpose2d_output_size((H, W), (kH, kW), stride, padding, output_padding,
                                          dilation)
    y = conv2d_input_grad(x, w, (N, C_out_g * groups, oH, oW), stride, padding, dilation, groups)
    if bias is not None:
        y += bias.reshape(1, -1, 1, 1)
    return y


def conv_transpose2d_input_grad(gy: np.ndarray, w: np.ndarray,
                                input_shape: tuple[int, int, int, int], stride: Pair,
                                padding: Pair, groups: int, dilation: Pair) -> np.ndarray:
    """dL/dx of conv_transpose2d: an ordinary conv2d of gy with the same weight.

    When output_padding >= stride (legal while it is < dilation) that conv2d yields more
    positions than x has; the extra ones belong to no input and are cut off.
    """
    check_shape("conv_transpose2d_input_grad", "input", input_shape, (None,) * 4)
    gx = conv2d_forward(gy, w, None, stride, padding, dilation, groups)
    return gx[:, :, : input_shape[2], : input_shape[3]]


def conv_transpose2d_weight_grad(gy: np.ndarray, x: np.ndarray,
                                 weight_shape: tuple[int, int, int, int], stride: Pair,
                                 padding: Pair, groups: int, dilation: Pair) -> np.ndarray:
    """dL/dw of conv_transpose2d: conv2d_weight_grad with x as the output gradient, gy as input."""
    return conv2d_weight_grad(x, gy, weight_shape, stride, padding, dilation, groups)
