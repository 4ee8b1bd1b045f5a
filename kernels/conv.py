"""conv2d, its dispatch and the rules its two gradients share (torch.nn.functional.conv2d; conv1d
runs it with H = 1).

Shapes follow PyTorch: x (N, C_in, H, W), w (C_out, C_in / groups, kH, kW), y (N, C_out, oH, oW).
Channels are split into ``groups`` independent convolutions; groups == C_in is depthwise.

    y[n, co, oh, ow] = b[co] + sum_{ci in group(co), i, j} w[co, ci, i, j]
                                   * x_pad[n, ci, oh*sH + i*dH, ow*sW + j*dW]

Both gradients are convolutions too:
  * dL/dx is the *transposed* convolution of gy with the same w: every output gradient is
    spread back over the window it was computed from (col2im of W.T @ gy);
  * dL/dw is the correlation of x with gy: gw = gy @ im2col(x).T, summed over the batch.

Which algorithm runs is chosen by shape (``conv2d``'s docstring has the rule and its numbers):
1x1 convolutions are one batched GEMM on the NCHW arrays; maps of at most 4x4 positions one GEMM
per kernel tap, skipping the padding (both in kernels/conv_small.py); convolutions with many input
channels (the deep nets) use channels-last columns; the rest (LeNet's few channels, grouped and
depthwise) the channels-first columns described next. This module holds the forward's dispatch
(``conv2d``), its large-map algorithms and the rules the gradients share with it; the input
gradient's dispatch and its paths are in kernels/conv_input_grad.py, the weight gradient's in
kernels/conv_weight_grad.py, the argument checks shared by all paths in kernels/conv_args.py.

Those run im2col-based GEMMs a block of samples at a time, so a block's columns stay in
cache and one buffer is reused (``COLUMN_BLOCK_BYTES``); at stride 1 the columns span the
full padded width, which makes every column row one contiguous copy (see kernels/im2col.py).
Where the channels-last columns would be read in whole runs of 8 (output rows of multiples of
8 positions, C_in a multiple of 8), they are not built at all: kernels/gemm.py's
``matmul_indexed`` packs the GEMM's blocks straight from the padded x (``_indexed``,
``_indexed_weight_grad``).

Padding is ``(ph, pw)`` (symmetric, PyTorch's int form) or ``((top, bottom), (left, right))``
(asymmetric, what padding='same' needs for even kernels: minitorch/nn/functional/conv.py).
"""

import numpy as np
from numba import njit

from . import blas, gemm, gemm_narrow
from . import conv_borders as borders
from . import conv_few_channels as few
from . import conv_small_classes as small_classes
from .checks import check_shape
from .conv_args import Padding, Pair, _as_matrices, _check_forward, as_padding4
from .conv_direct import conv2d_forward_direct
from .conv_small import (
    _conv2d_forward_taps,
    _dense_path,
    _pointwise,
    _taps_path,
    conv2d_forward_pointwise,
)
from .im2col import (
    Padding4,
    _copy,
    im2col_full_width_into,
    im2col_into,
    im2col_nhwc_into,
)
from .layout import (
    add_channel_bias,
    nchw_to_nhwc,
    nhwc_to_nchw,
    swap_leading_axes,
)

# ---------------------------------------------------------------------------------------------
# Forward: three algorithms (im2col + GEMM here, full-width at stride 1 and direct loops below)
# and the dispatch between them (conv2d).


def conv2d_forward_gemm(x: np.ndarray, w: np.ndarray, stride: Pair, padding: Padding4,
                        dilation: Pair, groups: int) -> np.ndarray:
    """conv2d as im2col + GEMM, a block of samples at a time (no bias).

    Math: ``Y_g = W_g @ cols_g`` with W_g (C_out/G, C_in/G*kH*kW) and the block's columns
    cols_g (C_in/G*kH*kW, B*oH*oW); Y_g's (co, n, l) order is then written into y's NCHW.
    Loop nest: ``for block of B samples / im2col_into (over B*C_in, prange if big) / one BLAS GEMM
    per group (threaded inside BLAS) / copy Y into y[block] (kernels/layout.py, prange if big)``
    (no copy when B == 1).
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops; memory: one block of columns, reused.
    """
    oH, oW = _check_forward(x, w, stride, padding, dilation, groups)
    C_out, C_in_g, kH, kW = w.shape
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
            blas.matmul(w_mat, cols.reshape(G, -1, L), out=y_blk[0])
        else:
            Y = blas.matmul(w_mat, cols.reshape(G, -1, nb * L),
                          out=y_buf[: C_out * nb * L].reshape(G, C_out // G, nb * L))
            swap_leading_axes(Y.reshape(C_out, nb, L, 1), out=y_blk.reshape(nb, C_out, L, 1))
    return y


# Samples per block: a block's columns (C_in*kH*kW x B*oH*oW) are written by im2col and read
# right after by the GEMM, so they should stay in cache in between, and the buffer is reused
# from block to block. Measured in docs/performance-notes.md ("conv2d: batch blocks and full-width columns").
COLUMN_BLOCK_BYTES = 8 << 20


def _batch_blocks(N: int, bytes_per_sample: int, block_bytes: int | None = None) -> tuple[int, list[tuple[int, int]]]:
    """Block size B and the blocks [(n0, nb)] covering the batch, nb <= B samples each, a block's
    columns at most ``block_bytes`` (COLUMN_BLOCK_BYTES when None) where a sample allows."""
    B = max(1, min(N, (block_bytes or COLUMN_BLOCK_BYTES) // max(1, bytes_per_sample)))
    return B, [(n0, min(B, N - n0)) for n0 in range(0, N, B)]



def _columns(buf, rows, nb, L):
    """The first rows*nb*L elements of the buffer as a (rows, nb, L) column matrix."""
    return buf[: rows * nb * L].reshape(rows, nb, L)


def _channels_first(a, groups):
    """(B, C, L) block -> (G, C/G, B*L): the layout of a block's GEMM (a copy unless B == 1, on
    the threads: kernels/layout.py)."""
    B, C, L = a.shape
    a = swap_leading_axes(a.reshape(B, C, L, 1)) if B > 1 else a
    return a.reshape(groups, C // groups, B * L)


# ---------------------------------------------------------------------------------------------
# Channels-last columns (kernels/im2col.py, "Channels-last columns"): the deep nets' 3x3 and 7x7
# convolutions with many input channels.
#
# x is padded and transposed once per block to (B, Hp, Wp, C_in); its columns are one row per
# output position, (B*oH*oW, kH*kW*C_in), copied in runs of C_in; the GEMMs then run with the
# output positions as M:
#     forward      Y (B*L, C_out) = cols @ W'.T           W' = w as (C_out, kH*kW*C_in), (i, j, c) order
#     input grad   gcols = GY (B*L, C_out) @ W',  then col2im_nhwc and back to NCHW (conv_input_grad.py)
#     weight grad  W'.T += cols.T @ GY
# where GY is the block's gy channels last. The price is the transposes of x, y (gy) and gx
# between NCHW and NHWC, each one pass over an activation, against im2col's kH*kW-fold columns.
# The rule: one group, C_in >= NHWC_MIN_CHANNELS (runs long enough that the copies go at memory
# speed; LeNet's 1 and 6 channels keep the full-width path) and an input of at most
# NHWC_MAX_POSITIONS = 24x24 positions. bench_conv_shapes.py --baseline, 1 thread, against the
# channels-first columns: ResNet (64,512,4,4) 3x3 forward 38 against 63 ms, input grad 36 / 55,
# weight grad 56 / 81; (64,128,16,16) forward 45 / 53, input grad 41 / 45; DenseNet
# (16,128,24,24)->32 forward 11.0 / 12.2; but at 32x32 (64,64,32,32) 81 / 75 (loaded machine),
# where the channels-first runs are long already (docs/performance-notes.md, "Deep nets").

NHWC_MIN_CHANNELS = 32
NHWC_MAX_POSITIONS = 24 * 24
# The weight gradient takes them only up to 8x8: its GEMM reduces over the batch's positions,
# and at 16x16 (64,128,16,16) the channels-first form was faster (54-67 ms against 66-73, two
# runs on a loaded machine).
NHWC_WEIGHT_GRAD_MAX_POSITIONS = 8 * 8
# Their blocks are smaller than the channels-first ones (COLUMN_BLOCK_BYTES): a block's columns
# then stay in the 2 MB L2 cache between im2col writing them and the GEMM reading them. 1 thread,
# minimum of 8 alternating, CPU ms with 8 MB / 2 MB / 1 MB blocks (load average 3.6-3.8):
# DenseNet (64,160,8,8)->32 forward 6.76 / 5.61 / 5.70, weight grad 7.32 / 5.35 / 4.99;
# GoogLeNet (64,64,8,8)->192 forward 9.20 / 7.98 / 7.76, weight grad 9.30 / 8.00 / 7.98; NiN's
# 5x5 (64,96,7,7)->256 forward 28.6 / 28.6 / 31.7 (its GEMM wants the longer M), input grad
# 29.8 / 28.7 / 31.6. So 2 MB.
NHWC_BLOCK_BYTES = 2 << 20


def _nhwc(x_shape, w_shape, groups: int) -> bool:
    """Whether a convolution takes the channels-last columns (see above)."""
    return (groups == 1 and x_shape[1] >= NHWC_MIN_CHANNELS and tuple(w_shape[2:]) != (1, 1)
            and x_shape[2] * x_shape[3] <= NHWC_MAX_POSITIONS)


def _nhwc_weight_grad(x_shape, w_shape, groups: int) -> bool:
    """Whether conv2d_weight_grad takes the channels-last columns (see above)."""
    return _nhwc(x_shape, w_shape, groups) and x_shape[2] * x_shape[3] <= NHWC_WEIGHT_GRAD_MAX_POSITIONS


def _nhwc_padded(x, padding: Padding4):
    """x block (B, C, H, W) -> zero-padded, channels last (B, Hp, Wp, C) (kernels/layout.py,
    prange if big)."""
    return nchw_to_nhwc(x, padding)


def _nhwc_weight(w):
    """w (C_out, C_in, kH, kW) -> W' (C_out, kH*kW*C_in), (i, j, c) order: w channels last, a
    weight as a batch of C_out images (kernels/layout.py, prange if big)."""
    return nchw_to_nhwc(w).reshape(w.shape[0], -1)


# Where the output rows are whole multiples of 8 and C_in of 8, the forward skips the columns:
# kernels/gemm_indexed.py's ``matmul_indexed`` packs its blocks of A straight from the padded,
# channels-last x (gemm_indexed.py, "An indexed A"). CPU ms at 1 thread, minimum of 9, columns ->
# indexed (load average 5.4-5.8): DenseNet (64,160,8,8)->32 3x3 5.48 -> 3.35, (64,96,8,8)->32
# 3.22 -> 1.85; GoogLeNet (64,64,8,8)->192 7.39 -> 5.54; (64,128,16,16)->128 44.9 -> 36.9; but
# NiN's 7x7 map (64,96,7,7)->256 5x5 30.9 -> 33.2 (its slivers straddle output rows), hence the rule
# then. Since 2026-12-07 gemm_indexed.py packs such a sliver by 8x8 transposes too (``_transpose8_rows``)
# and the forward takes it at any width (see ``_indexed``); the input gradient's rule
# (kernels/conv_input_grad.py) still asks for whole rows (not measured at other widths).


# The weight gradient ``gw = GY (C_out, N*L) @ cols`` can read its B, cols, the same way: a
# sliver of B is NR consecutive (i, j, c) of one position, one run of x_pad when C_in is a
# multiple of NR (``gemm_indexed.matmul_indexed_b``). 1 thread, minimum of 9, ms, columns (OpenBLAS on
# cols.T, or the indexed A on cols.T) -> indexed B (load average 4.1): DenseNet (64,160,8,8)->32
# 5.56 -> 5.19, (64,64,8,8)->32 2.29 -> 1.93; (64,64,8,8)->192 7.66 -> 6.83; (64,64,16,16)->128
# 23.5 -> 20.4 (on maps over 8x8 the columns were channels first; from 64 output channels there,
# (64,32,16,16)->64 7.9 -> 6.8 with the indexed A). At most one register tile of output channels
# (DenseNet's 32) it runs on kernels/gemm_narrow.py, B never packed, at any map size (1 thread,
# medians, load 3.7, columns -> narrow indexed): (16,128,12,12)->32 3.88 -> 1.64, (16,128,24,24)
# ->32 12.0 -> 6.6, (16,64,24,24)->32 6.3 -> 3.3, (16,192,12,12)->32 5.6 -> 2.4.
INDEXED_WEIGHT_GRAD_LARGE_MIN_C_OUT = 64


def _indexed_weight_grad(x_shape, w_shape, groups: int, dtype) -> bool:
    """Whether conv2d_weight_grad runs on the indexed GEMM (see above): the channels-last case,
    C_in a multiple of the register tile's width, on maps over 8x8 enough output channels, or
    at most one tile of them (the narrow GEMM)."""
    large = x_shape[2] * x_shape[3] > NHWC_WEIGHT_GRAD_MAX_POSITIONS
    return (_nhwc(x_shape, w_shape, groups) and gemm.available(dtype)
            and x_shape[1] % gemm.TILE[np.dtype(dtype)][1] == 0
            and (not large or w_shape[0] >= INDEXED_WEIGHT_GRAD_LARGE_MIN_C_OUT
                 or gemm_narrow.narrow(w_shape[0], dtype)))


def _indexed(x_shape, oW: int, dtype, c_out: int = 0, whole_rows: bool = False) -> bool:
    """Whether the channels-last forward runs on the indexed GEMM (see above): C_in a multiple
    of 8 (runs of 8 channels), at any output width (with ``whole_rows``, the input gradient's
    rule, only where output rows are whole slivers of 8); with at most one register tile of
    output channels (``c_out``) always: kernels/gemm_narrow.py reads A in place and needs
    neither whole slivers of 8 positions nor runs of 8 channels."""
    narrow = 0 < c_out and gemm_narrow.narrow(c_out, dtype)
    wide = x_shape[1] % 8 == 0 and (oW % 8 == 0 or not whole_rows)
    return (narrow or wide) and gemm.available(dtype)


# DenseNet's growth layers (32 output channels) on 4x4 maps: the narrow indexed GEMM against one
# GEMM per tap (conv_small.py), CPU ms at 1 thread, medians, load 4.3-5.3 (taps -> narrow):
# forward (64,96,4,4) 0.82 -> 0.59, (64,160,4,4) 1.35 -> 0.99, (64,192,4,4) 1.64 -> 1.27; weight
# gradient (C_in a multiple of 32) 0.72 -> 0.52, 1.30 -> 0.95, 1.53 -> 1.17. Not at 2x2, where
# the taps skip the padding's zeros (a half to three quarters of the columns there): forward
# (64,112,2,2) 0.26 -> 0.23 but (64,208,2,2) 0.37 -> 0.42, weight gradient (64,112) 0.16 -> 0.27.
NARROW_MIN_POSITIONS = 4 * 4
NARROW_WEIGHT_GRAD_MIN_POSITIONS = 4 * 4


def _narrow_small_map(x_shape, w_shape, groups: int, dtype, weight_grad: bool = False) -> bool:
    """Whether a map small enough for one GEMM per tap runs on the narrow indexed GEMM instead
    (see above): the channels-last case, at most one register tile of output channels, and for
    the weight gradient C_in a multiple of its width (``_indexed_weight_grad``)."""
    positions = x_shape[2] * x_shape[3]
    if weight_grad:
        return (positions >= NARROW_WEIGHT_GRAD_MIN_POSITIONS and gemm_narrow.narrow(w_shape[0], dtype)
                and _indexed_weight_grad(x_shape, w_shape, groups, dtype))
    return (positions >= NARROW_MIN_POSITIONS and _nhwc(x_shape, w_shape, groups)
            and gemm.available(dtype) and gemm_narrow.narrow(w_shape[0], dtype))


# GoogLeNet's and ResNet's 3x3 and 5x5 layers on 4x4 and 2x2 maps (at least 32 input channels, stride
# 1): channels-last columns and one GEMM (``conv2d_forward_nhwc``) against one GEMM per tap, whose
# small GEMMs and per-tap copies barely use the second core. Wall ms, medians of 15 alternating,
# ``chrt -f 1``, load 0.2-0.5, 1 thread / 2 threads, taps -> columns (2026-12-07; bench_conv_shapes.py
# --only "g32 googlenet" --baseline DIR for the same in its house style): forward (64,96,4,4)->128
# 1.69 -> 1.07 / 1.09 -> 0.70, (64,32,4,4)->96 5x5 1.62 -> 0.62 / 1.36 -> 0.40, (64,160,2,2)->320 1.57 -> 0.95 / 0.94 -> 0.65,
# (64,256,2,2)->256 1.71 -> 1.22 / 1.05 -> 0.82; input gradient (64,128,4,4)->192 2.91 -> 2.26 /
# 1.90 -> 1.42; weight gradient 2.90 -> 2.90 / 2.30 -> 1.70. Not the gradients on 2x2 maps
# ((64,160,2,2)->320 input gradient 1.03 -> 1.11, weight gradient 0.86 -> 1.16 at 2 threads), nor
# where the dense path applies or on 1x1 maps (one tap, one GEMM already). Bits: the columns' GEMM
# sums over all taps in one call, so they differ from the taps' (by ~1e-4 on these), but not
# between 1 and 2 threads. GoogLeNet's epoch (bench_gallery.py --only googlenet --baseline, medians
# of 5, load 2.6-3.5): 2 threads 0.527 -> 0.463 s (torch 0.447), 1 thread 0.756 -> 0.734 (0.729).
# With 16-31 input channels (a multiple of 8) the forward and the input gradient so on 4x4 maps
# (``_few_channels_columns``; GoogLeNet's 5x5 branch (64,16,4,4)->32, its 1x1 reduction's 16 channels):
# CPU ms at 1 thread, medians of 21 alternating, load 4.9, taps -> columns (torch): forward
# 0.99 -> 0.22 (0.29), input gradient 0.81 -> 0.43 (0.30); not the weight gradient (0.61 -> 0.72),
# nor at 2x2 ((64,16,2,2)->48 forward 0.12 -> 0.16). (64,24,4,4)->64: 1.76 -> 0.58, 1.55 -> 0.79.
SMALL_MAP_COLUMNS_MIN_POSITIONS = 2
SMALL_MAP_COLUMNS_GRAD_MIN_POSITIONS = 4 * 4
SMALL_MAP_COLUMNS_MIN_CHANNELS = 16


def _few_channels_columns(x_shape, w_shape, groups: int) -> bool:
    """Whether a small map with fewer than NHWC_MIN_CHANNELS input channels takes the channels-last
    columns (see above): one group, C_in >= SMALL_MAP_COLUMNS_MIN_CHANNELS and a multiple of 8, a
    kernel larger than 1x1, a map for the taps (``_taps_path``) of at least 4x4 positions."""
    return (_taps_path(x_shape, w_shape, groups) and SMALL_MAP_COLUMNS_MIN_CHANNELS <= x_shape[1] < NHWC_MIN_CHANNELS
            and x_shape[1] % 8 == 0 and tuple(w_shape[2:]) != (1, 1)
            and x_shape[2] * x_shape[3] >= SMALL_MAP_COLUMNS_GRAD_MIN_POSITIONS)


def _small_map_columns(x_shape, w_shape, groups: int, stride: Pair, padding: Padding4, dilation: Pair,
                       min_positions: int, few_channels: bool = False) -> bool:
    """Whether a map small enough for one GEMM per tap runs on the channels-last columns instead
    (see above): ``_nhwc`` (with ``few_channels``, the forward's and input gradient's rule, or
    ``_few_channels_columns``), stride 1, at least ``min_positions`` positions, not the dense path."""
    nhwc = _nhwc(x_shape, w_shape, groups) or (few_channels and _few_channels_columns(x_shape, w_shape, groups))
    if tuple(stride) != (1, 1) or x_shape[2] * x_shape[3] < min_positions or not nhwc:
        return False
    out_hw = tuple((x_shape[2 + a] + padding[a][0] + padding[a][1] - dilation[a] * (w_shape[2 + a] - 1) - 1) + 1
                   for a in range(2))
    return min(out_hw) > 0 and _dense_path(x_shape, w_shape, out_hw, stride, padding, dilation) is None


def _forward_indexed(x_pad, w_rows, k_hw, out_hw, stride: Pair, dilation: Pair):
    """Y (N*oH*oW, C_out) = cols @ W'.T with cols never built: ``A(r, k) = x_pad[rows[r] +
    kcols[k]]`` on the flat channels-last x_pad (N, Hp, Wp, C_in). Loop nest: ``the two offset
    vectors / gemm_indexed.matmul_indexed (its row blocks over the threads)``; at most one register tile
    of output channels (DenseNet's 32) on kernels/gemm_narrow.py's, A never packed."""
    rows, kcols = _offsets(x_pad.shape, k_hw, out_hw, stride, dilation)
    return gemm_narrow.matmul_indexed(x_pad.reshape(-1), rows, kcols, w_rows.T)


def _offsets(pad_shape, k_hw, out_hw, stride: Pair, dilation: Pair):
    """The columns' offsets into a flat channels-last x_pad (N, Hp, Wp, C): ``rows[(n, oh, ow)]``
    and ``kcols[(i, j, c)]``, int64, so that cols[r, k] = x_pad.flat[rows[r] + kcols[k]]."""
    N, Hp, Wp, C = pad_shape
    (oH, oW), (kH, kW), (sH, sW), (dH, dW) = out_hw, k_hw, stride, dilation
    rows = ((np.arange(N, dtype=np.int64)[:, None, None] * Hp + np.arange(oH)[None, :, None] * sH) * Wp
            + np.arange(oW)[None, None, :] * sW) * C
    kcols = (np.arange(kH, dtype=np.int64)[:, None, None] * dH * Wp + np.arange(kW)[None, :, None] * dW) * C \
        + np.arange(C)[None, None, :]
    return rows.reshape(-1), kcols.reshape(-1)


def conv2d_forward_nhwc(x, w, stride: Pair, padding: Padding4, dilation: Pair, bias=None,
                        columns_out: list | None = None, w_rows=None):
    """conv2d (one group) on channels-last columns, plus bias.

    Loop nest: ``for block of B samples / pad + transpose to (B, Hp, Wp, C_in) / im2col_nhwc_into
    (over B, prange if big) / one blas.matmul (B*L, kH*kW*C_in) @ (kH*kW*C_in, C_out) / transpose
    into y[block], adding b on the way``; the transposes are kernels/layout.py's (prange if big).
    Cost: 2*N*C_out*C_in*kH*kW*oH*oW flops, no junk columns; one block of columns
    (NHWC_BLOCK_BYTES). ``columns_out``: a list that receives the columns when the whole batch's
    fit COLUMN_BLOCK_BYTES (then computed as one block). On the indexed GEMM (``_indexed``: no
    columns) it receives x_pad instead, for the indexed weight gradient (saves it one pad and
    transpose of x). ``w_rows``: W' of w, of the result's dtype, where the caller has made it
    (the input gradient's flipped kernel, ``layout.flipped_weight_rows``; then w may be a view).
    """
    oH, oW = _check_forward(x, w, stride, padding, dilation, 1, bias)
    dtype = np.result_type(x.dtype, w.dtype)
    x = np.ascontiguousarray(x, dtype=dtype)
    if w_rows is None or w_rows.dtype != dtype or w_rows.shape != (w.shape[0], w[0].size):
        w_rows = _nhwc_weight(w.astype(dtype, copy=False))
    N, C_out, L, K = x.shape[0], w.shape[0], oH * oW, w_rows.shape[1]
    if _indexed(x.shape, oW, dtype, C_out):
        x_pad = _nhwc_padded(x, padding)
        if columns_out is not None and x_pad.nbytes <= COLUMN_BLOCK_BYTES and _indexed_weight_grad(
                x.shape, w.shape, 1, dtype):
            columns_out.append(x_pad)  # what the indexed weight gradient reads instead of columns
        if small_classes.pays(x.shape, w.shape, stride, padding, dilation, dtype):  # narrow, small map: the same
            return small_classes.conv2d_forward(x_pad, w_rows, w.shape[2:], padding, (oH, oW), stride, dilation, bias)
        if borders.pays(x.shape, w.shape, stride, padding, dilation, dtype):  # skip the padding's products
            return borders.conv2d_forward(x_pad, w_rows, w.shape[2:], padding, (oH, oW), stride, dilation, bias)
        Y = _forward_indexed(x_pad, w_rows, w.shape[2:], (oH, oW), stride, dilation)
        return nhwc_to_nchw(Y.reshape(N, oH, oW, C_out), np.empty((N, C_out, oH, oW), dtype),
                            bias=None if bias is None else bias.astype(dtype, copy=False))
    # the whole batch's columns in one block when the weight gradient can reuse them (that
    # saves its im2col: 6-16% of forward + both gradients, (64,32,8,8) and (16,64,8,8)->64)
    keep = columns_out is not None and N * K * L * x.itemsize <= COLUMN_BLOCK_BYTES
    B, blocks = _batch_blocks(N, K * L * x.itemsize, COLUMN_BLOCK_BYTES if keep else NHWC_BLOCK_BYTES)
    cols_buf = np.empty(B * L * K, dtype=dtype)
    y = np.empty((N, C_out, oH, oW), dtype=dtype)
    for n0, nb in blocks:
        cols = cols_buf[: nb * L * K].reshape(nb * L, K)
        im2col_nhwc_into(_nhwc_padded(x[n0:n0 + nb], padding), cols, w.shape[2:], (oH, oW), stride, dilation)
        nhwc_to_nchw(blas.matmul(cols, w_rows.T).reshape(nb, oH, oW, C_out), y[n0:n0 + nb],
                     bias=None if bias is None else bias.astype(dtype, copy=False))
    if keep:
        columns_out.append(cols_buf.reshape(N * L, K))
    return y


# ---------------------------------------------------------------------------------------------
# Stride 1: full-width columns (kernels/im2col.py explains the layout).
#
# conv2d_forward_full_width below and the gradients' ``_full_width`` paths (conv_input_grad.py,
# conv_weight_grad.py) are conv2d_forward_gemm, conv2d_input_grad and conv2d_weight_grad
# at stride 1 with columns over the padded width Wp instead of oW: each column row is one
# contiguous copy, and the GEMMs run over Wp/oW times more (junk) columns, which are dropped
# from y and met with zeros in the gradients.


def _padded(x, padding):
    """x (B, C, H, W) with its zero padding written out: (B, C, Hp, Wp); x itself if none."""
    (pT, pB), (pL, pR) = padding
    if pT == pB == pL == pR == 0:
        return x
    B, C, H, W = x.shape
    x_pad = np.zeros((B, C, H + pT + pB, W + pL + pR), dtype=x.dtype)
    x_pad[:, :, pT:pT + H, pL:pL + W] = x
    return x_pad


def _full_width_gradient(gy, Wp, groups):
    """gy block (B, C_out, oH, oW) as (G, C_out/G, B*oH*Wp), zeros in the junk columns."""
    B, C_out, oH, oW = gy.shape
    GY = np.zeros((C_out, B, oH, Wp), dtype=gy.dtype)
    GY[:, :, :, :oW] = gy.transpose(1, 0, 2, 3)
    return GY.reshape(groups, C_out // groups, B * oH * Wp)


# Columns kept for the weight gradient. The weight gradient's GEMM reads the same im2col columns
# of x that the forward's GEMM read. When the whole batch fits one block (LeNet: 5.4 MB for conv2),
# the forward hands its columns to autograd, which keeps them until backward, and the weight
# gradient skips its own im2col (LeNet conv2: 0.1 ms of 0.4). This is what PyTorch's old THNN
# convolution did with its ``finput`` buffer. Larger convolutions (several blocks) keep nothing,
# so the memory held is at most COLUMN_BLOCK_BYTES per layer.


def conv2d_forward_full_width(x: np.ndarray, w: np.ndarray, padding: Padding4, dilation: Pair,
                              groups: int, bias: np.ndarray | None = None, keep_columns: bool = False):
    """conv2d at stride 1 as full-width im2col + GEMM, a block of samples at a time, plus bias.

    Math: ``Y_g = W_g @ cols_g`` over (C_in/G*kH*kW, B*oH*Wp) columns; y[block] = Y's first
    oW of every Wp columns, in NCHW order, plus b[co].
    Loop nest: ``for block / pad the block (a copy unless padding is 0) /
    im2col_full_width_into (over B*C_in, prange if big) / one BLAS GEMM per group / _rows_into y``.
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*Wp flops (Wp/oW more than needed); one block of columns.
    With ``keep_columns`` returns ``(y, columns)``: the columns when the whole batch was one
    block (else None), for the weight gradient (see "Columns kept for the weight gradient").
    """
    _check_forward(x, w, (1, 1), padding, dilation, groups, bias)
    C_out, C_in_g, kH, kW = w.shape
    x, w_mat = _as_matrices(x, w, groups)
    (pT, pB), (pL, pR) = padding
    N, _, H, W = x.shape
    Hp, Wp = H + pT + pB, W + pL + pR
    oH, oW = Hp - dilation[0] * (kH - 1), Wp - dilation[1] * (kW - 1)
    G, rows, Lw = groups, groups * C_in_g * kH * kW, oH * Wp
    B, blocks = _batch_blocks(N, rows * Lw * x.itemsize)
    cols_buf = np.empty(rows * B * Lw, dtype=x.dtype)
    y_buf = np.empty(C_out * B * Lw, dtype=x.dtype)
    y = np.empty((N, C_out, oH, oW), dtype=x.dtype)
    for n0, nb in blocks:
        cols = _columns(cols_buf, rows, nb, Lw)
        im2col_full_width_into(_padded(x[n0:n0 + nb], padding), cols, (kH, kW), dilation, oH)
        Y = blas.matmul(w_mat, cols.reshape(G, -1, nb * Lw),
                      out=y_buf[: C_out * nb * Lw].reshape(G, C_out // G, nb * Lw))
        _rows_into(Y.reshape(C_out, nb, oH, Wp), y, n0, oW, bias)
    if keep_columns:
        return y, (cols_buf.reshape(rows, N, Lw) if len(blocks) == 1 else None)
    return y


@njit(cache=True)
def _rows_into_serial(Y, y, n0, oW, bias, has_bias):
    C_out, nb, oH, _ = Y.shape
    for n in range(nb):
        for co in range(C_out):
            b = bias[co]
            for oh in range(oH):
                src = Y[co, n, oh]
                dst = y[n0 + n, co, oh]
                if has_bias:
                    for k in range(oW):
                        dst[k] = src[k] + b
                else:
                    _copy(dst, src, oW)


def _rows_into(Y, y, n0, oW, bias):
    """``y[n0 + n, co, oh, :] = Y[co, n, oh, :oW] + bias[co]``: a block's GEMM result, (C_out, B,
    oH, Wp) with Wp - oW junk columns per row, into NCHW y, with the bias added on the way.

    Loop nest: ``for n / for co / for oh / one run of oW``, serial (it moves one output's worth of
    memory). One pass instead of NumPy's 4-d strided copy and a broadcast bias add: LeNet conv1
    98 -> 31 us, conv2 51 -> 18 us. Without a bias nothing is added (-0.0 stays -0.0).
    """
    has_bias = bias is not None
    # numba needs an array for ``bias`` either way; without one it gets a dummy it never reads.
    _rows_into_serial(Y, y, n0, oW, bias if has_bias else Y[:, 0, 0, 0], has_bias)


# The direct weight gradient (kernels/conv_weight_grad.py) takes a weight of at most this many
# entries at stride 1 in one group (LeNet's first layer); the forward keeps no columns for it.
DIRECT_WEIGHT_GRAD_MAX = 256  # at most this many weight entries: direct, else im2col + GEMM


def _direct_weight_grad(weight_shape, stride: Pair, groups: int) -> bool:
    """Whether conv2d_weight_grad takes the direct dot products (and needs no columns)."""
    return tuple(stride) == (1, 1) and groups == 1 and int(np.prod(weight_shape)) <= DIRECT_WEIGHT_GRAD_MAX


def conv2d(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, stride: Pair,
                   padding: Padding, dilation: Pair, groups: int, keep_columns: bool = False):
    """y = conv2d(x, w) + b (torch.nn.functional.conv2d), choosing the algorithm per case.

    With ``keep_columns`` (the weight gradient will be needed) it returns ``(y, columns)``:
    the im2col columns of x when conv2d_weight_grad can reuse them, else None.

    The rule, in order: (0) one group, at most 16 float32 output channels or (forward only) at
    most 4 input channels, at most 512 taps (C_in*kH*kW) and a kernel larger than 1x1 (d2l's
    LeNet, the gallery's stems) run as direct loops with no columns
    (kernels/conv_few_channels.py, on AVX-512 CPUs; its docstring has the measurements);
    (1) a 1x1 kernel without padding in one group is one batched GEMM on the NCHW arrays
    (``conv2d_forward_pointwise``); (2) one group and a map of at most 4x4 positions
    (TAPS_MAX_POSITIONS) runs one GEMM per kernel tap that reads input (``_conv2d_forward_taps``),
    except at stride 1 with more than one position and C_in >= NHWC_MIN_CHANNELS where the dense
    path does not apply: there (3)'s channels-last columns, one GEMM that both threads share
    (``_small_map_columns``; the gradients so from 4x4 positions on; on 4x4 maps the forward and
    the input gradient from 16 input channels, a multiple of 8: ``_few_channels_columns``);
    (3) one group with C_in >= NHWC_MIN_CHANNELS (32)
    and at most 24x24 positions runs on channels-last columns (``conv2d_forward_nhwc``), at any
    stride, padded ones with more than 32 output channels in border classes that skip the
    padding's products where that saves 10% of them (kernels/conv_borders.py), with at most 32
    on maps up to 8x8 too (kernels/conv_small_classes.py); (4) the rest as below.
    The input gradient (kernels/conv_input_grad.py) follows the same rule, except that in case
    (3) at stride 1 with fewer output than input channels it is the forward convolution of gy
    (``_input_grad_as_forward``), and so in case (2) on 4x4 maps with at most one register tile
    of output channels (``_narrow_small_map_input_grad``) and on smaller maps with more output than
    input channels where that forward skips the padding (both rules are in that module);
    the weight gradient (kernels/conv_weight_grad.py) follows it too, but (3) only up to 8x8
    (NHWC_WEIGHT_GRAD_MAX_POSITIONS) or where its GEMM reads x_pad in place
    (``_indexed_weight_grad``); the stems' weight gradient (at most 4 input channels, stride > 1)
    is kernels/conv_stem_grad.py's direct kernel. In (1), maps of fewer than 8x8 positions run
    one GEMM over the batch instead of one per sample (POINTWISE_CHANNELS_FIRST_MAX_L).

    Why: (2) because a map of at most 4x4 positions is mostly padding in the columns, and the
    taps skip it; (1) and (3) because the channels-first columns of a many-channel, small image
    are copied in runs of oW (4-32 numbers) and their im2col took as long as the GEMM, where
    channels last they are runs of C_in; among the rest, at stride 1 the full-width im2col +
    GEMM (each column row one contiguous copy) was the fastest on every layer measured, even
    depthwise ones; at other strides im2col + GEMM wins wherever each group's GEMM has a real
    reduction, and for depthwise convolution (a 1 x kH*kW row times a matrix per group) the
    direct loops win. The measurements behind each rule: docs/performance-notes.md ("The
    dispatch, by measurement", "Deep nets", and "2026-12-07 (s13): NiN's weight gradients",
    which holds the numbers this docstring carried before).
    """
    pad = as_padding4(padding)
    if x.size == 0 or w.size == 0:  # an empty dim: the sums are empty (zeros, plus the bias), no loop runs
        oH, oW = _check_forward(x, w, stride, pad, dilation, groups, bias)
        y = np.zeros((x.shape[0], w.shape[0], oH, oW), dtype=np.result_type(x.dtype, w.dtype))
        if bias is not None:
            y += bias.reshape(1, -1, 1, 1)
        return (y, None) if keep_columns else y
    if few.applies(x.shape, w.shape, groups, x, w):  # few output channels: direct loops, no columns
        return few.conv2d(x, w, bias, stride, pad, dilation, keep_columns)
    columns = None
    # Each algorithm checks its arguments (_check_forward) before it allocates or loops.
    if w.ndim == 4 and _pointwise(w.shape, pad, groups):
        y = conv2d_forward_pointwise(x, w, stride, bias)
    elif w.ndim == 4 and x.ndim == 4 and _taps_path(x.shape, w.shape, groups) and not _narrow_small_map(
            x.shape, w.shape, groups, np.result_type(x.dtype, w.dtype)) and not _small_map_columns(
            x.shape, w.shape, groups, stride, pad, dilation, SMALL_MAP_COLUMNS_MIN_POSITIONS, few_channels=True):
        y = _conv2d_forward_taps(x, w, stride, pad, dilation, bias)
    elif w.ndim == 4 and x.ndim == 4 and (_nhwc(x.shape, w.shape, groups) or _few_channels_columns(x.shape, w.shape,
                                                                                                    groups)):
        kept: list = []
        keep = keep_columns and _nhwc_weight_grad(x.shape, w.shape, groups)
        y = conv2d_forward_nhwc(x, w, stride, pad, dilation, bias, kept if keep else None)
        columns = kept[0] if kept else None
    elif tuple(stride) == (1, 1):
        if keep_columns and not _direct_weight_grad(w.shape, stride, groups):
            y, columns = conv2d_forward_full_width(x, w, pad, dilation, groups, bias, keep_columns=True)
        else:
            y = conv2d_forward_full_width(x, w, pad, dilation, groups, bias)
    else:
        if w.ndim == 4 and w.shape[1] == 1 and groups > 1:
            y = conv2d_forward_direct(x, w, stride, pad, dilation, groups)
        else:
            y = conv2d_forward_gemm(x, w, stride, pad, dilation, groups)
        if bias is not None:
            check_shape("conv2d", "bias", bias.shape, (w.shape[0],))
            add_channel_bias(y, bias)
    return (y, columns) if keep_columns else y
