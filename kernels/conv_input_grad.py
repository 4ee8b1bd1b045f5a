"""dL/dx of conv2d: the dispatch and the paths kept in this module (kernels/conv.py has the forward).

    gx[n, c, ih, iw] = sum_{co in group(c), i, j, oh*sH + i*dH = ih + pT, ow*sW + j*dW = iw + pL}
                           w[co, c - g*C_in/G, i, j] * gy[n, co, oh, ow]

the *transposed* convolution of gy with the same w: ``gcols_g = W_g.T @ GY_g``, then col2im (the
columns of kernels/im2col.py, added back onto the input positions they were read from).
``conv2d_input_grad`` picks the algorithm by shape, in the order of kernels/conv.py's ``conv2d``
rule (its docstring), each path's measurements beside it:

* at stride 1 with few input channels (LeNet's): the forward of gy in kernels/conv_few_channels.py's
  direct loops (its ``conv2d_input_grad``);
* 1x1 kernels and maps of at most 4x4 positions: kernels/conv_small.py (one GEMM per tap), except
  the narrow 4x4 maps and GoogLeNet's 2x2 ones, which run as the forward of gy (below), and the
  4x4 maps that kernels/conv.py's ``_small_map_columns`` gives the channels-last columns (from 16
  input channels: ``_few_channels_columns``), which run as the cases below;
* at stride 1 on the channels-last case where it pays: the forward convolution of gy with the
  flipped kernel (``_input_grad_as_forward``), through kernels/conv.py's ``conv2d``;
* else the channels-last columns (``_conv2d_input_grad_nhwc``), at stride 1 the full-width
  columns (``_conv2d_input_grad_full_width``), else the columns and one GEMM per block of samples.
  Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops, as the forward; one block of columns, reused.

The rules shared with the forward and the weight gradient (``_nhwc``, ``_indexed``,
``_small_map_columns`` ...) stay in kernels/conv.py; the weight gradient is kernels/conv_weight_grad.py.
"""

import numpy as np

from . import blas, gemm, gemm_narrow
from . import conv_borders as borders
from . import conv_few_channels as few
from . import conv_small_classes as small_classes
from .checks import check_at_most, check_shape
from .conv import (
    NHWC_BLOCK_BYTES,
    SMALL_MAP_COLUMNS_GRAD_MIN_POSITIONS,
    SMALL_MAP_COLUMNS_MIN_POSITIONS,
    _batch_blocks,
    _channels_first,
    _few_channels_columns,
    _full_width_gradient,
    _indexed,
    _nhwc,
    _nhwc_weight,
    _small_map_columns,
    conv2d,
    conv2d_forward_nhwc,
)
from .conv_args import Padding, Pair, _as_matrices, _check_conv, as_padding4
from .conv_small import (
    _conv2d_input_grad_pointwise,
    _conv2d_input_grad_taps,
    _pointwise,
    _taps_path,
)
from .im2col import Padding4, col2im_full_width_into, col2im_into, col2im_nhwc_into
from .layout import flipped_weight_rows, nchw_to_nhwc, nhwc_to_nchw

# ---------------------------------------------------------------------------------------------
# The small maps' rules: where one GEMM per tap gives way to the forward of gy.

# DenseNet's growth layers on 4x4 maps (kernels/conv.py's ``_narrow_small_map``): their input
# gradients are the forward convolution of gy (C_out = 32 channels in, C_in out) on the indexed
# GEMM (``_input_grad_as_forward``), against one GEMM per tap. CPU ms at 1 thread, medians of 31
# alternating, load 7.2 (taps -> as forward): (64,96,4,4) 0.83 -> 0.66,
# (64,128,4,4) 1.01 -> 0.70, (64,160,4,4) 1.23 -> 0.81, (64,192,4,4) 1.57 -> 1.07; not at 2x2,
# (64,112,2,2) 0.27 -> 0.31, (64,208,2,2) 0.41 -> 0.47.
NARROW_INPUT_GRAD_MIN_POSITIONS = 4 * 4


def _narrow_small_map_input_grad(input_shape, w_shape, groups: int, dtype) -> bool:
    """Whether a map small enough for one GEMM per tap takes ``_input_grad_as_forward`` instead
    (see above): the channels-last case, C_out at most one register tile and a multiple of 8
    (gy's runs in the indexed GEMM), from NARROW_INPUT_GRAD_MIN_POSITIONS positions on."""
    return (input_shape[2] * input_shape[3] >= NARROW_INPUT_GRAD_MIN_POSITIONS and _nhwc(input_shape, w_shape, groups)
            and gemm.available(dtype) and gemm_narrow.narrow(w_shape[0], dtype) and w_shape[0] % 8 == 0)


# The small maps that keep one GEMM per tap (kernels/conv.py's ``_small_map_columns``): their input
# gradients on maps under 4x4 positions with more output than input channels
# (GoogLeNet's 2x2 layers) are the forward of gy in border classes, not one GEMM per tap
# (``_input_grad_as_forward(classes_only=True)``: on a 2x2 map under a 3x3 kernel each output
# position's class holds exactly the four taps that read input, so no product meets padding). CPU ms at 1
# thread, medians of 41 alternating, load 6.5 (2026-12-07 12:10), taps -> classes: (64,96,2,2)
# ->208 0.80 -> 0.66, (64,128,2,2)->256 1.22 -> 0.99, (64,160,2,2)->320 1.63 -> 1.47 (torch 0.73,
# 1.09, 1.64 in bench_conv_shapes' run); at 2 threads 0.77-0.86 of the taps' wall time. Not with
# as many output as input channels: ResNet's (64,256,2,2)->256 0.94-0.99 at 1 thread, 1.07 at 2.


# ---------------------------------------------------------------------------------------------
# The dispatch, and the input gradient as a forward convolution.


def _input_grad_as_forward(gy, w, input_shape, stride: Pair, padding: Padding4, dilation: Pair,
                           groups: int, classes_only: bool = False):
    """conv2d_input_grad at stride 1 as the forward convolution of gy with the flipped, transposed
    kernel, or None where that does not apply.

    Math: at stride 1, ``gx[ih] = sum_i gy[ih + pT - i*d] w[i]`` is a correlation of gy, padded
    by ``qT = d*(kH-1) - pT`` above (and what makes H rows below), with ``w[:, :, ::-1, ::-1]``
    read as (C_in, C_out, kH, kW); the same along the width. It runs through ``conv2d``'s rule.
    When it applies: the channels-last case (``_nhwc``), one group, stride 1, fewer output than
    input channels, padding at most the dilated kernel's reach. Then the columns are those of gy
    (C_out channels) and the GEMM writes gx's C_in channels directly, where the transposed form
    writes kH*kW*C_in columns per position and adds them up in col2im. CPU ms at 1 thread
    (bench_conv_shapes' shapes, before -> after): DenseNet (64,160,8,8)->32 6.3 -> 3.6,
    (16,128,24,24)->32 11.4 -> 7.3; with C_out = C_in the same (ResNet (64,128,16,16) 44.5 / 44.7),
    with more output channels slower (NiN (64,96,7,7)->256 5x5: 28.9 -> 38.2), hence the rule.
    Up to twice as many output channels it applies too where that forward runs on the indexed
    GEMM (kernels/conv.py's ``_indexed``: no columns at all; 1 thread, minimum of 9, load average
    3.1, transposed -> as forward): (64,64,8,8)->64 2.87 -> 2.44, (64,32,8,8)->64 1.59 -> 1.49,
    (64,128,16,16)->128 44.1 -> 41.0, (64,96,8,8)->128 7.5 -> 7.2; but (64,64,8,8)->192 7.3 -> 7.9.
    And with any number of output channels where that forward skips the padding's products
    (kernels/conv_borders.py, ``pays``): NiN's 5x5 (64,96,7,7)->256, 1 thread, CPU ms,
    transposed 28.4 -> as forward in border classes 19.9 (load 6.5).
    ``classes_only``: only where that forward skips the padding's products (GoogLeNet's 2x2 maps:
    "The small maps that keep one GEMM per tap" above); else None.
    """
    C_out, C_in, kH, kW = w.shape
    dtype = np.result_type(gy.dtype, w.dtype)
    wide = C_out >= C_in and not (C_out <= 2 * C_in and _indexed(gy.shape, input_shape[3], dtype, whole_rows=True))
    if tuple(stride) != (1, 1) or groups != 1 or not (_nhwc(input_shape, w.shape, groups)
                                                      or _few_channels_columns(input_shape, w.shape, groups)):
        return None
    (pT, _), (pL, _) = padding
    qT, qL = dilation[0] * (kH - 1) - pT, dilation[1] * (kW - 1) - pL
    qB = input_shape[2] - gy.shape[2] + dilation[0] * (kH - 1) - qT
    qR = input_shape[3] - gy.shape[3] + dilation[1] * (kW - 1) - qL
    if min(qT, qB, qL, qR) < 0:
        return None
    in_classes = any(classes.pays(gy.shape, (C_in, C_out, kH, kW), (1, 1), ((qT, qB), (qL, qR)), dilation, dtype)
                     for classes in (borders, small_classes))  # wide or narrow output (C_in here)
    if (wide or classes_only) and not (_indexed(gy.shape, input_shape[3], dtype) and in_classes):
        return None
    w_t = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # a view; W' of it flipped in one pass (layout.py)
    if _taps_path(input_shape, w.shape, 1) or (_nhwc(gy.shape, w_t.shape, 1) and not _taps_path(gy.shape, w_t.shape, 1)):
        # a small map (not conv2d's taps), or where conv2d takes the channels-last forward (C_in, C_out >= 32:
        # not kernels/conv_few_channels.py's case)
        return conv2d_forward_nhwc(gy, w_t, (1, 1), ((qT, qB), (qL, qR)), dilation, w_rows=flipped_weight_rows(w, dtype))
    return conv2d(gy, np.ascontiguousarray(w_t), None, (1, 1), ((qT, qB), (qL, qR)), dilation, 1)


def conv2d_input_grad(gy: np.ndarray, w: np.ndarray, input_shape: tuple[int, int, int, int],
                      stride: Pair, padding: Padding, dilation: Pair, groups: int) -> np.ndarray:
    """dL/dx of conv2d: the transposed convolution of gy with w (conv_transpose2d's forward).

    Math: ``gcols_g = W_g.T @ GY_g`` per block (GY_g: the block's gy as (C_out/G, B*oH*oW)),
    then ``gx[block] = col2im(gcols)``: every output gradient flows back to each input it was
    computed from, weighted by the tap that joined them.
    Loop nest: ``for block of B samples / gy[block] to (C_out, B*L) (a copy unless B == 1) /
    one BLAS GEMM per group / col2im_into (over B*C_in, each owning a plane of gx; prange if big)``.
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops, as the forward; one block of columns, reused.
    Always GEMM: a direct scatter would need atomics or an output-stationary loop with
    divisibility tests on the stride, both slower than BLAS plus col2im in our measurements.
    """
    pad = as_padding4(padding)
    out = _check_conv("conv2d_input_grad", input_shape, w.shape, stride, pad, dilation, groups)
    check_shape("conv2d_input_grad", "gy", gy.shape, (input_shape[0], w.shape[0], None, None))
    check_at_most("conv2d_input_grad", "gy's spatial size", gy.shape[2:], out)
    if gy.size == 0 or w.size == 0 or 0 in input_shape:  # empty sums (or an empty gx): no loop runs
        return np.zeros(input_shape, dtype=np.result_type(gy.dtype, w.dtype))
    gx = few.conv2d_input_grad(gy, w, input_shape, stride, pad, dilation, groups)  # None: not its case
    if gx is not None:
        return gx
    if _pointwise(w.shape, pad, groups):
        return _conv2d_input_grad_pointwise(gy, w, input_shape, stride)
    if _taps_path(input_shape, w.shape, groups) and not _small_map_columns(
            input_shape, w.shape, groups, stride, pad, dilation, SMALL_MAP_COLUMNS_GRAD_MIN_POSITIONS, few_channels=True):
        gx = None
        if _narrow_small_map_input_grad(input_shape, w.shape, groups, np.result_type(gy.dtype, w.dtype)):
            gx = _input_grad_as_forward(gy, w, input_shape, stride, pad, dilation, groups)
        elif w.shape[0] > input_shape[1] and _small_map_columns(input_shape, w.shape, groups, stride, pad, dilation,
                                                                SMALL_MAP_COLUMNS_MIN_POSITIONS):
            # GoogLeNet's 2x2 maps: the forward of gy where it skips the padding (the small maps' note above)
            gx = _input_grad_as_forward(gy, w, input_shape, stride, pad, dilation, groups, classes_only=True)
        return gx if gx is not None else _conv2d_input_grad_taps(gy, w, input_shape, stride, pad, dilation)
    gx = _input_grad_as_forward(gy, w, input_shape, stride, pad, dilation, groups)
    if gx is not None:
        return gx
    if _nhwc(input_shape, w.shape, groups) or _few_channels_columns(input_shape, w.shape, groups):
        return _conv2d_input_grad_nhwc(gy, w, input_shape, stride, pad, dilation)
    if tuple(stride) == (1, 1):  # as in conv2d: one copy per column row, not per oH
        return _conv2d_input_grad_full_width(gy, w, input_shape, pad, dilation, groups)
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
        gcols = blas.matmul(w_t, GY, out=cols_buf[: rows * nb * L].reshape(G, rows // G, nb * L))
        col2im_into(gcols.reshape(rows, nb, L), gx[n0:n0 + nb], (kH, kW), (oH, oW), stride, pad,
                    dilation)
    return gx


# ---------------------------------------------------------------------------------------------
# The transposed paths: channels-last columns, and full-width columns at stride 1 (kernels/conv.py
# explains both layouts for the forward).


def _conv2d_input_grad_nhwc(gy, w, input_shape, stride: Pair, padding: Padding4, dilation: Pair):
    """conv2d_input_grad (one group) on channels-last columns. Loop nest: ``for block / gy[block]
    channels last (B*L, C_out) / one blas.matmul @ W' / col2im_nhwc_into a padded block (over B,
    prange if big) / crop and transpose into gx[block]``."""
    N, C_out, oH, oW = gy.shape
    (pT, pB), (pL, pR) = padding
    _, C_in, H, W = input_shape
    dtype = np.result_type(gy.dtype, w.dtype)
    w_rows = _nhwc_weight(w.astype(dtype, copy=False))
    L, K = oH * oW, w_rows.shape[1]
    B, blocks = _batch_blocks(N, K * L * np.dtype(dtype).itemsize, NHWC_BLOCK_BYTES)
    cols_buf = np.empty(B * L * K, dtype=dtype)
    gx = np.empty(input_shape, dtype=dtype)
    for n0, nb in blocks:
        GY = nchw_to_nhwc(gy[n0:n0 + nb], dtype=dtype).reshape(nb * L, C_out)
        gcols = blas.matmul(GY, w_rows, out=cols_buf[: nb * L * K].reshape(nb * L, K))
        gx_pad = np.empty((nb, H + pT + pB, W + pL + pR, C_in), dtype=dtype)
        col2im_nhwc_into(gcols, gx_pad, w.shape[2:], (oH, oW), stride, dilation)
        nhwc_to_nchw(gx_pad, gx[n0:n0 + nb], pT, pL)
    return gx


def _conv2d_input_grad_full_width(gy, w, input_shape, padding: Padding4, dilation: Pair,
                                  groups: int):
    """conv2d_input_grad at stride 1: ``gcols_g = W_g.T @ GY_g`` (GY zero in the junk columns),
    then col2im_full_width_into a padded block, cropped into gx. Loop nest: ``for block /
    widen gy / one BLAS GEMM per group / col2im (over B*C_in, prange if big) / crop (if padded)``."""
    N, _, oH, _ = gy.shape
    _, C_in_g, kH, kW = w.shape
    (pT, pB), (pL, pR) = padding
    _, C_in, H, W = input_shape
    Hp, Wp = H + pT + pB, W + pL + pR
    G, rows, Lw = groups, groups * C_in_g * kH * kW, oH * Wp
    gy, w_mat = _as_matrices(gy, w, groups)
    w_t = w_mat.transpose(0, 2, 1)
    B, blocks = _batch_blocks(N, rows * Lw * gy.itemsize)
    cols_buf = np.empty(rows * B * Lw, dtype=gy.dtype)
    gx = np.empty(input_shape, dtype=gy.dtype)
    unpadded = pT == pB == pL == pR == 0
    for n0, nb in blocks:
        GY = _full_width_gradient(gy[n0:n0 + nb], Wp, G)
        gcols = blas.matmul(w_t, GY, out=cols_buf[: rows * nb * Lw].reshape(G, rows // G, nb * Lw))
        gx_pad = gx[n0:n0 + nb] if unpadded else np.empty((nb, C_in, Hp, Wp), dtype=gy.dtype)
        col2im_full_width_into(gcols.reshape(rows, nb, Lw), gx_pad, (kH, kW), dilation, oH)
        if not unpadded:
            gx[n0:n0 + nb] = gx_pad[:, :, pT:pT + H, pL:pL + W]
    return gx
