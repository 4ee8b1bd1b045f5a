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

from kernels.im2col import (
    Padding4,
    col2im_into,
    conv_output_size,
    im2col_into,
    valid_output_range,
)

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
    """conv2d as im2col + GEMM, a block of samples at a time (no bias).

    Math: ``Y_g = W_g @ cols_g`` with W_g (C_out/G, C_in/G*kH*kW) and the block's columns
    cols_g (C_in/G*kH*kW, B*oH*oW); Y_g's (co, n, l) order is then written into y's NCHW.
    Loop nest: ``for block of B samples / im2col_into (prange over B*C_in) / one BLAS GEMM
    per group (threaded inside BLAS) / copy Y into y[block]`` (no copy when B == 1).
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops; memory: one block of columns, reused.
    """
    C_out, C_in_g, kH, kW = w.shape
    oH, oW = _output_size(x.shape, w.shape, stride, padding, dilation)
    x, w_mat = _as_matrices(x, w, groups)
    N, G, L, rows = x.shape[0], groups, oH * oW, groups * C_in_g * kH * kW
    B, blocks = _batch_blocks(N, rows * L * x.itemsize)
    cols_buf = np.empty(rows * B * L, dtype=x.dtype)
    y = np.empty((N, C_out, oH, oW), dtype=x.dtype)
    y_buf = np.empty(C_out * B * L if B > 1 else 0, dtype=x.dtype)
    for n0, nb in blocks:
        cols = _columns(cols_buf, rows, nb, L)
        im2col_into(x[n0:n0 + nb], cols, (kH, kW), (oH, oW), stride, padding, dilation)
        y_blk = y[n0:n0 + nb].reshape(nb, G, C_out // G, L)
        if nb == 1:  # Y is already y[n]: let BLAS write it in place
            np.matmul(w_mat, cols.reshape(G, -1, L), out=y_blk[0])
        else:
            Y = np.matmul(w_mat, cols.reshape(G, -1, nb * L),
                          out=y_buf[: C_out * nb * L].reshape(G, C_out // G, nb * L))
            y_blk[...] = Y.reshape(G, C_out // G, nb, L).transpose(2, 0, 1, 3)
    return y


# Samples per block: a block's columns (C_in*kH*kW x B*oH*oW) are written by im2col and read
# right after by the GEMM, so they should stay in cache in between, and the buffer is reused
# from block to block. Measured in docs/kernels.md ("batch blocking").
COLUMN_BLOCK_BYTES = 4 << 20


def _batch_blocks(N: int, bytes_per_sample: int) -> tuple[int, list[tuple[int, int]]]:
    """Block size B and the blocks [(n0, nb)] covering the batch, nb <= B samples each."""
    B = max(1, min(N, COLUMN_BLOCK_BYTES // max(1, bytes_per_sample)))
    return B, [(n0, min(B, N - n0)) for n0 in range(0, N, B)]


def _as_matrices(x, w, groups):
    """x contiguous and w as (G, C_out/G, C_in/G*kH*kW), both in their common dtype (float32
    stays float32 end to end)."""
    dtype = np.result_type(x.dtype, w.dtype)
    C_out = w.shape[0]
    w_mat = np.ascontiguousarray(w, dtype=dtype).reshape(groups, C_out // groups, -1)
    return np.ascontiguousarray(x, dtype=dtype), w_mat


def _columns(buf, rows, nb, L):
    """The first rows*nb*L elements of the buffer as a (rows, nb, L) column matrix."""
    return buf[: rows * nb * L].reshape(rows, nb, L)


def _channels_first(a, groups):
    """(B, C, L) block -> (G, C/G, B*L): the layout of a block's GEMM (a copy unless B == 1)."""
    B, C, L = a.shape
    a = np.ascontiguousarray(a.transpose(1, 0, 2)) if B > 1 else a
    return a.reshape(groups, C // groups, B * L)


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

    Math: ``gcols_g = W_g.T @ GY_g`` per block (GY_g: the block's gy as (C_out/G, B*oH*oW)),
    then ``gx[block] = col2im(gcols)``: every output gradient flows back to each input it was
    computed from, weighted by the tap that joined them.
    Loop nest: ``for block of B samples / gy[block] to (C_out, B*L) (a copy unless B == 1) /
    one BLAS GEMM per group / col2im_into (prange over B*C_in, each owning a plane of gx)``.
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops, as the forward; one block of columns, reused.
    Always GEMM: a direct scatter would need atomics or an output-stationary loop with
    divisibility tests on the stride, both slower than BLAS plus col2im in our measurements.
    """
    pad = as_padding4(padding)
    N, C_out, oH, oW = gy.shape
    _, C_in_g, kH, kW = w.shape
    G, L, rows = groups, oH * oW, groups * C_in_g * kH * kW
    gy, w_mat = _as_matrices(gy, w, groups)
    w_t = w_mat.transpose(0, 2, 1)
    B, blocks = _batch_blocks(N, rows * L * gy.itemsize)
    cols_buf = np.empty(rows * B * L, dtype=gy.dtype)
    gx = np.empty(input_shape, dtype=gy.dtype)
    for n0, nb in blocks:
        GY = _channels_first(gy[n0:n0 + nb].reshape(nb, C_out, L), G)
        gcols = np.matmul(w_t, GY, out=cols_buf[: rows * nb * L].reshape(G, rows // G, nb * L))
        col2im_into(gcols.reshape(rows, nb, L), gx[n0:n0 + nb], (kH, kW), (oH, oW), stride, pad,
                    dilation)
    return gx


def conv2d_weight_grad(gy: np.ndarray, x: np.ndarray, weight_shape: tuple[int, int, int, int],
                       stride: Pair, padding: Padding, dilation: Pair,
                       groups: int) -> np.ndarray:
    """dL/dw of conv2d: the correlation of the input with the output gradient.

    Math: ``gw_g = sum over blocks of GY_g @ cols_g.T``, (C_out/G, B*L) @ (B*L, C_in/G*kH*kW),
    reshaped to (C_out, C_in/G, kH, kW); the batch sum is the GEMM's reduction within a block
    and one small addition between blocks.
    Loop nest: ``for block of B samples / im2col_into (prange over B*C_in) / gy[block] to
    (C_out, B*L) (a copy unless B == 1) / one BLAS GEMM per group``.
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops; one block of columns, reused.
    """
    pad = as_padding4(padding)
    N, C_out, oH, oW = gy.shape
    _, C_in_g, kH, kW = weight_shape
    G, L, rows = groups, oH * oW, groups * C_in_g * kH * kW
    dtype = np.result_type(x.dtype, gy.dtype)
    x, gy = np.ascontiguousarray(x, dtype=dtype), np.ascontiguousarray(gy, dtype=dtype)
    B, blocks = _batch_blocks(N, rows * L * x.itemsize)
    cols_buf = np.empty(rows * B * L, dtype=dtype)
    gw = np.zeros((G, C_out // G, rows // G), dtype=dtype)
    for n0, nb in blocks:
        cols = _columns(cols_buf, rows, nb, L)
        im2col_into(x[n0:n0 + nb], cols, (kH, kW), (oH, oW), stride, pad, dilation)
        GY = _channels_first(gy[n0:n0 + nb].reshape(nb, C_out, L), G)
        gw += np.matmul(GY, cols.reshape(G, rows // G, nb * L).transpose(0, 2, 1))
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
