"""conv2d and its two gradients (torch.nn.functional.conv2d), plus conv1d as conv2d with H = 1.

Shapes follow PyTorch: x (N, C_in, H, W), w (C_out, C_in / groups, kH, kW), y (N, C_out, oH, oW).
Channels are split into ``groups`` independent convolutions; groups == C_in is depthwise.

    y[n, co, oh, ow] = b[co] + sum_{ci in group(co), i, j} w[co, ci, i, j]
                                   * x_pad[n, ci, oh*sH + i*dH, ow*sW + j*dW]

Both gradients are convolutions too:
  * dL/dx is the *transposed* convolution of gy with the same w: every output gradient is
    spread back over the window it was computed from (col2im of W.T @ gy);
  * dL/dw is the correlation of x with gy: gw = gy @ im2col(x).T, summed over the batch.

Padding is ``(ph, pw)`` (symmetric, PyTorch's int form) or ``((top, bottom), (left, right))``
(asymmetric, what padding='same' needs for even kernels, see ``same_padding``).
"""

import numpy as np
from numba import njit, prange

from kernels.im2col import Padding4, col2im, conv_output_size, im2col, valid_output_range

Pair = tuple[int, int]
Padding = tuple[int, int] | Padding4


def same_padding(kernel: Pair, dilation: Pair) -> Padding4:
    """Padding for padding='same' at stride 1: d*(k-1) in total, the odd one at the end.

    PyTorch puts ``total // 2`` before and the rest after, so an even kernel pads one more
    row at the bottom and one more column at the right.
    """
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return (pads[0], pads[1])


def as_padding4(padding: Padding) -> Padding4:
    """Normalise ``(ph, pw)`` or ``((top, bottom), (left, right))`` to the explicit form."""
    ph, pw = padding
    if isinstance(ph, int) and isinstance(pw, int):
        return ((ph, ph), (pw, pw))
    return (tuple(ph), tuple(pw))  # type: ignore[return-value]


def _output_size(x_shape, w_shape, stride: Pair, pad: Padding4, dilation: Pair) -> Pair:
    oH = conv_output_size(x_shape[2], w_shape[2], stride[0], pad[0][0], pad[0][1], dilation[0])
    oW = conv_output_size(x_shape[3], w_shape[3], stride[1], pad[1][0], pad[1][1], dilation[1])
    return oH, oW


# ---------------------------------------------------------------------------------------------
# Forward: two algorithms and the dispatch between them.


def conv2d_forward_gemm(x: np.ndarray, w: np.ndarray, stride: Pair, padding: Padding4,
                        dilation: Pair, groups: int) -> np.ndarray:
    """conv2d as im2col + one batched GEMM per group (no bias).

    Math: ``y[n, g] = W_g.reshape(C_out/G, C_in/G*kH*kW) @ cols[n, g]``.
    Loop nest: im2col (prange over N*C_in), then np.matmul over the (N, G) stack, each a BLAS
    GEMM of (C_out/G) x (C_in/G*kH*kW) x (oH*oW), threaded inside BLAS.
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops; extra memory N*C_in*kH*kW*oH*oW for the columns.
    """
    N = x.shape[0]
    C_out, C_in_g, kH, kW = w.shape
    oH, oW = _output_size(x.shape, w.shape, stride, padding, dilation)
    cols = im2col(x, (kH, kW), stride, padding, dilation)
    cols = cols.reshape(N, groups, C_in_g * kH * kW, oH * oW)
    w_mat = np.ascontiguousarray(w).reshape(groups, C_out // groups, C_in_g * kH * kW)
    return np.matmul(w_mat, cols).reshape(N, C_out, oH, oW)


@njit(cache=True, parallel=True)
def _conv2d_direct(x, w, sH, sW, pT, pL, dH, dW, oH, oW, groups):
    N, _C_in, H, W = x.shape
    C_out, C_in_g, kH, kW = w.shape
    C_out_g = C_out // groups
    y = np.zeros((N, C_out, oH, oW), dtype=x.dtype)
    for nco in prange(N * C_out):
        n = nco // C_out
        co = nco % C_out
        g = co // C_out_g
        for ci in range(C_in_g):
            c = g * C_in_g + ci
            for i in range(kH):
                oh_lo, oh_hi = valid_output_range(oH, sH, pT, i * dH, H)
                for j in range(kW):
                    ow_lo, ow_hi = valid_output_range(oW, sW, pL, j * dW, W)
                    wv = w[co, ci, i, j]
                    for oh in range(oh_lo, oh_hi):
                        ih = oh * sH - pT + i * dH
                        for ow in range(ow_lo, ow_hi):
                            y[n, co, oh, ow] += wv * x[n, c, ih, ow * sW - pL + j * dW]
    return y


def conv2d_forward_direct(x: np.ndarray, w: np.ndarray, stride: Pair, padding: Padding4,
                          dilation: Pair, groups: int) -> np.ndarray:
    """conv2d as the textbook seven-deep loop nest (no bias, no extra memory).

    Math: the definition at the top of this module.
    Loop nest: ``for n*co (prange) / for ci in group / for i, j / for oh / for ow``; the
    weight is hoisted out of the two spatial loops, whose bounds are precomputed so the
    innermost loop has no branch. Each parallel iteration owns the output plane y[n, co].
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops, no memory beyond y, but no BLAS blocking.
    """
    oH, oW = _output_size(x.shape, w.shape, stride, padding, dilation)
    (pT, _), (pL, _) = padding
    return _conv2d_direct(np.ascontiguousarray(x), np.ascontiguousarray(w), stride[0], stride[1],
                          pT, pL, dilation[0], dilation[1], oH, oW, groups)


def conv2d_forward(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, stride: Pair,
                   padding: Padding, dilation: Pair, groups: int) -> np.ndarray:
    """y = conv2d(x, w) + b (torch.nn.functional.conv2d), choosing the algorithm per case.

    Why the choice (numbers from benchmarks/bench_kernels.py, docs/kernels.md): im2col + GEMM
    wins whenever each group's GEMM has a real reduction (C_in/G*kH*kW >= 16 or so), because
    BLAS keeps the weight in registers and the columns in cache; on LeNet's and ResNet's
    layers it is 2-10x faster than the direct loops. For depthwise convolution (one input
    channel per group) each GEMM degenerates to a tiny row-times-matrix product and the
    N*G separate BLAS calls plus the kH*kW-fold column copy cost more than the direct loops,
    which then win.
    """
    pad = as_padding4(padding)
    C_in_g, _kH, _kW = w.shape[1:]
    if C_in_g == 1 and groups > 1:
        y = conv2d_forward_direct(x, w, stride, pad, dilation, groups)
    else:
        y = conv2d_forward_gemm(x, w, stride, pad, dilation, groups)
    if bias is not None:
        y += bias.reshape(1, -1, 1, 1)
    return y


# ---------------------------------------------------------------------------------------------
# Gradients.


def conv2d_input_grad(gy: np.ndarray, w: np.ndarray, input_shape: tuple[int, int, int, int],
                      stride: Pair, padding: Padding, dilation: Pair, groups: int) -> np.ndarray:
    """dL/dx of conv2d: the transposed convolution of gy with w (conv_transpose2d's forward).

    Math: ``gcols[n, g] = W_g.T @ gy[n, g]`` then ``gx = col2im(gcols)``: every output gradient
    flows back to each input it was computed from, weighted by the tap that joined them.
    Loop nest: np.matmul over (N, G) (BLAS GEMMs of (C_in/G*kH*kW) x (C_out/G) x (oH*oW)),
    then col2im (prange over N*C_in, each owning its plane of gx).
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops, as the forward; columns as the forward.
    Always GEMM: a direct scatter would need atomics or an output-stationary loop with
    divisibility tests on the stride, both slower than BLAS plus col2im in our measurements.
    """
    pad = as_padding4(padding)
    N, C_out, oH, oW = gy.shape
    _, C_in_g, kH, kW = w.shape
    w_mat = np.ascontiguousarray(w).reshape(groups, C_out // groups, C_in_g * kH * kW)
    gy_mat = np.ascontiguousarray(gy).reshape(N, groups, C_out // groups, oH * oW)
    gcols = np.matmul(w_mat.transpose(0, 2, 1), gy_mat)
    gcols = gcols.reshape(N, groups * C_in_g * kH * kW, oH * oW)
    return col2im(gcols, input_shape, (kH, kW), (oH, oW), stride, pad, dilation)


def conv2d_weight_grad(gy: np.ndarray, x: np.ndarray, weight_shape: tuple[int, int, int, int],
                       stride: Pair, padding: Padding, dilation: Pair,
                       groups: int) -> np.ndarray:
    """dL/dw of conv2d: the correlation of the input with the output gradient.

    Math: ``gw_g = sum_n gy[n, g] @ im2col(x)[n, g].T``, reshaped to (C_out, C_in/G, kH, kW).
    Loop nest: im2col (prange over N*C_in), then one BLAS GEMM per group whose reduction runs
    over the whole batch at once (N*oH*oW long), so the batch sum happens inside BLAS.
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops; the columns plus one transposed copy of them.
    """
    pad = as_padding4(padding)
    N, C_out, oH, oW = gy.shape
    _, C_in_g, kH, kW = weight_shape
    K = C_in_g * kH * kW
    cols = im2col(x, (kH, kW), stride, pad, dilation, output_size=(oH, oW))
    # Move the batch next to the spatial axis so the batch sum is part of the GEMM's reduction.
    cols = cols.reshape(N, groups, K, oH * oW).transpose(1, 2, 0, 3).reshape(groups, K, -1)
    gy_mat = np.ascontiguousarray(gy).reshape(N, groups, C_out // groups, oH * oW)
    gy_mat = gy_mat.transpose(1, 2, 0, 3).reshape(groups, C_out // groups, -1)
    gw = np.matmul(gy_mat, cols.transpose(0, 2, 1))
    return gw.reshape(weight_shape)


# ---------------------------------------------------------------------------------------------
# conv1d: a conv2d over a height-1 image.


def _as_1d_padding(padding: int | Pair) -> Padding4:
    pad = (padding, padding) if isinstance(padding, int) else tuple(padding)
    return ((0, 0), pad)  # type: ignore[return-value]


def conv1d_forward(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, stride: int,
                   padding: int | Pair, dilation: int, groups: int) -> np.ndarray:
    """y = conv1d(x, w) + b for x (N, C_in, L), w (C_out, C_in/G, k): conv2d with H = 1."""
    y = conv2d_forward(x[:, :, None, :], w[:, :, None, :], bias, (1, stride),
                       _as_1d_padding(padding), (1, dilation), groups)
    return y[:, :, 0, :]


def conv1d_input_grad(gy: np.ndarray, w: np.ndarray, input_shape: tuple[int, int, int],
                      stride: int, padding: int | Pair, dilation: int, groups: int) -> np.ndarray:
    """dL/dx of conv1d, through conv2d_input_grad with H = 1."""
    N, C, L = input_shape
    gx = conv2d_input_grad(gy[:, :, None, :], w[:, :, None, :], (N, C, 1, L), (1, stride),
                           _as_1d_padding(padding), (1, dilation), groups)
    return gx[:, :, 0, :]


def conv1d_weight_grad(gy: np.ndarray, x: np.ndarray, weight_shape: tuple[int, int, int],
                       stride: int, padding: int | Pair, dilation: int,
                       groups: int) -> np.ndarray:
    """dL/dw of conv1d, through conv2d_weight_grad with H = 1."""
    C_out, C_in_g, k = weight_shape
    gw = conv2d_weight_grad(gy[:, :, None, :], x[:, :, None, :], (C_out, C_in_g, 1, k),
                            (1, stride), _as_1d_padding(padding), (1, dilation), groups)
    return gw[:, :, 0, :]
