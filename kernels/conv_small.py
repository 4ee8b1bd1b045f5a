"""conv2d's paths for 1x1 kernels and small maps; ``kernels/conv.py`` dispatches to them.

Two ideas, each avoiding im2col's columns where they are mostly copies or padding:
  * 1x1 kernels without padding in one group: the columns are x itself, so each pass is one
    batched GEMM on the NCHW arrays (or one GEMM over the batch on maps under 8x8);
  * maps of at most 4x4 positions in one group: one GEMM per kernel tap that reads input, on
    channels-last copies, so no multiply ever meets padding; where every output reads every
    input (2x2 maps under a 3x3 kernel), the forward and input gradient as one GEMM with a
    dense (C_in*H*W, C_out*oH*oW) matrix built from the taps, on the NCHW arrays as they are.
    With 32 or more input channels at stride 1, conv.py sends these maps (the gradients from 4x4
    on) to its channels-last columns instead, one GEMM the threads share (conv.py's
    ``_small_map_columns``: GoogLeNet's and ResNet's 4x4 and 2x2 layers, 1.3-2.6x at 1 thread).
Shapes and the math are those of kernels/conv.py's docstring; the rule that picks these paths is in
its ``conv2d`` docstring. Every entry here is called after conv.py's checks (the forwards check
again, ``_check_forward``), so a wrong shape never reaches a GEMM.
"""

import numpy as np
from numba import njit, prange

from . import blas
from . import conv_pointwise_grad as pointwise_grad
from .conv_args import Padding4, Pair, _as_matrices, _check_forward
from .im2col import valid_output_range
from .layout import add_channel_bias, add_rows, nchw_to_nhwc, nhwc_to_nchw, swap_leading_axes
from .threading import in_parallel

# ---------------------------------------------------------------------------------------------
# 1x1 convolutions (NiN, GoogLeNet's branches, DenseNet's bottlenecks, ResNet's downsample).
#
# With a 1x1 kernel, no padding and one group, sample n's columns are x[n] itself, read as a
# (C_in, oH*oW) matrix (after taking every sH-th row and sW-th column when strided), so the
# forward is ``y[n] = W @ x[n]`` and the input gradient ``gx[n] = W.T @ gy[n]``: one GEMM per
# sample straight on the NCHW arrays, written straight into y (gx), with no im2col, no
# transpose to (C, N*L) and no copy back to NCHW. The batch runs as one blas.matmul of a stack
# (W broadcast, stride 0), one sample per thread when shared.
# bench_conv_shapes.py, 1 thread, against im2col + GEMM: NiN (64,256,8,8)->256 forward 11.6 ->
# 4.9 ms, GoogLeNet (16,192,24,24)->64 4.2 -> 2.4 ms, DenseNet (16,128,24,24)->128 4.3 -> 2.9 ms.
# The weight gradient is one GEMM over the whole batch, (C_out, N*L) @ (N*L, C_in), on
# transposing copies of gy and x (``_conv2d_weight_grad_pointwise``).


def _pointwise(w_shape, padding: Padding4, groups: int) -> bool:
    """Whether conv2d and conv2d_input_grad take the 1x1 path (any stride; dilation is moot)."""
    return (tuple(w_shape[2:]) == (1, 1) and groups == 1
            and padding[0][0] == padding[0][1] == padding[1][0] == padding[1][1] == 0)


def conv2d_forward_pointwise(x: np.ndarray, w: np.ndarray, stride: Pair, bias: np.ndarray | None = None):
    """conv2d of a 1x1 kernel, no padding, one group, plus bias: ``y[n] = W @ x[n, :, ::sH, ::sW]``.

    Loop nest: ``(strided: copy every sH-th row, sW-th column) / one blas.matmul of the stack,
    (C_out, C_in) @ (N, C_in, oH*oW) -> (N, C_out, oH*oW), a sample per thread when shared /
    y += b (kernels/layout.py's add_channel_bias, prange if big)``. Cost: 2*N*C_out*C_in*oH*oW
    flops; no memory beyond y (and the strided copy).
    Maps of fewer than POINTWISE_CHANNELS_FIRST_MAX_L positions: ``for block of samples / x's
    block to (C_in, B*L) / one blas.matmul / back to NCHW (+ b)`` (``_channels_first_blocks``),
    two copies of a small activation through L2 (kernels/layout.py, prange if big); a 1x1 map
    needs neither: ``y (N, C_out) = x (N, C_in) @ W.T``.
    """
    oH, oW = _check_forward(x, w, stride, ((0, 0), (0, 0)), (1, 1), 1, bias)
    dtype = np.result_type(x.dtype, w.dtype)
    w_mat = np.ascontiguousarray(w, dtype=dtype).reshape(w.shape[0], -1)
    x = x[:, :, ::stride[0], ::stride[1]]
    N, C_in = x.shape[:2]
    C_out = w.shape[0]
    y = np.empty((N, C_out, oH, oW), dtype=dtype)
    if oH * oW == 1:  # x is (N, C_in) and y (N, C_out): y = x @ W.T, W read transposed in place
        blas.matmul(np.ascontiguousarray(x, dtype=dtype).reshape(N, C_in), w_mat.T, out=y.reshape(N, C_out))
    elif oH * oW < POINTWISE_CHANNELS_FIRST_MAX_L:
        # one GEMM per block of samples: (C_out, C_in) @ (C_in, B*L), transposing copies in and out
        _channels_first_blocks(x, w_mat, y, bias, dtype)
        return y
    else:
        x = np.ascontiguousarray(x, dtype=dtype)
        blas.matmul(np.broadcast_to(w_mat, (N, C_out, C_in)), x.reshape(N, C_in, oH * oW),
                    out=y.reshape(N, C_out, oH * oW))
    if bias is not None:
        add_channel_bias(y, bias)
    return y


def _conv2d_input_grad_pointwise(gy, w, input_shape, stride: Pair):
    """conv2d_input_grad of a 1x1 kernel: ``gx[n, :, ::sH, ::sW] = W.T @ gy[n]``, zero elsewhere
    (and beyond gy's extent). Loop nest: ``one blas.matmul of the stack, (C_in, C_out) @
    (N, C_out, oH*oW) / (strided or short gy: scatter into a zeroed gx)``; on maps of fewer than
    POINTWISE_CHANNELS_FIRST_MAX_L positions GEMMs over blocks of samples, as in the forward (one
    over the batch where strided; on a 1x1 map ``gx (N, C_in) = gy (N, C_out) @ W``, no copies)."""
    N, C_out, oH, oW = gy.shape
    C_in = input_shape[1]
    sH, sW = stride
    if (sH, sW, oH, oW) == (1, 1, 1, 1) and tuple(input_shape[2:]) == (1, 1):  # gx (N, C_in) = gy @ W
        dtype = np.result_type(gy.dtype, w.dtype)
        return blas.matmul(np.ascontiguousarray(gy, dtype=dtype).reshape(N, C_out),
                           np.ascontiguousarray(w, dtype=dtype).reshape(C_out, C_in)).reshape(input_shape)
    if oH * oW < POINTWISE_CHANNELS_FIRST_MAX_L:  # GEMMs over blocks of samples, as in the forward
        dtype = np.result_type(gy.dtype, w.dtype)
        w_t = np.ascontiguousarray(w, dtype=dtype).reshape(C_out, C_in).T
        if (sH, sW, oH, oW) == (1, 1, *input_shape[2:]):
            return _channels_first_blocks(gy, w_t, np.empty(input_shape, dtype=dtype), None, dtype)
        G = swap_leading_axes(gy, dtype).reshape(C_out, N * oH * oW)
        g = blas.matmul(w_t, G)
        gx = np.zeros(input_shape, dtype=dtype)
        gx[:, :, :oH * sH:sH, :oW * sW:sW] = g.reshape(C_in, N, oH, oW).transpose(1, 0, 2, 3)
        return gx
    gy, w_mat = _as_matrices(gy, w, 1)
    w_t = np.broadcast_to(w_mat[0].T, (N, C_in, C_out))
    if (sH, sW) == (1, 1) and (oH, oW) == tuple(input_shape[2:]):
        gx = np.empty(input_shape, dtype=gy.dtype)
        blas.matmul(w_t, gy.reshape(N, C_out, oH * oW), out=gx.reshape(N, C_in, oH * oW))
        return gx
    g = blas.matmul(w_t, gy.reshape(N, C_out, oH * oW)).reshape(N, C_in, oH, oW)
    gx = np.zeros(input_shape, dtype=gy.dtype)
    gx[:, :, :oH * sH:sH, :oW * sW:sW] = g
    return gx


# The GEMM over the batch on maps under 8x8 runs block of samples by block: each block's
# channels-first copy (C_in, B*L), its product (C_out, B*L) and the copy back into y's samples
# (with the bias) stay in L2 between one pass and the next, where the whole batch's (3.2 MB for
# NiN's (64,256,7,7)) went to memory and back three times. At most this many bytes of the wider
# of the two copies per block; a batch that fits is one block, as before; so are maps of fewer
# than POINTWISE_BLOCK_MIN_L positions (GoogLeNet's 4x4: 0.97-1.07x the one GEMM's time, against
# 0.89-0.95x on NiN's 7x7; docs/performance-notes.md, s15). On gemm.py's GEMM the sums are the same
# (each number of y is one row of W times one column of x, over all of C_in, whatever the block).
POINTWISE_BLOCK_BYTES = 1 << 20
POINTWISE_BLOCK_MIN_L = 32


def _channels_first_blocks(a, w_mat, out, bias, dtype):
    """``out[n] = w_mat @ a[n] (+ bias)`` for a (N, K, H, W) and out (N, M, H, W), C-contiguous,
    as GEMMs over blocks of samples: ``for block of B samples / a[block] to (K, B*L) (a
    transposing copy) / one blas.matmul (M, K) @ (K, B*L) / back into out[block] / + bias``.
    B: POINTWISE_BLOCK_BYTES (above), the blocks as equal as N allows; one block below
    POINTWISE_BLOCK_MIN_L positions. Cost: 2*N*M*K*L flops, one copy of a and of out."""
    N, K, H, W = a.shape
    M, L = w_mat.shape[0], H * W
    per_sample = max(K, M) * L * np.dtype(dtype).itemsize
    # a GEMM of fewer than 32 rows or a reduction that short may go to another kernel at another size
    blocks = max(1, -(-N * per_sample // POINTWISE_BLOCK_BYTES)) if min(K, M) >= 32 and L >= POINTWISE_BLOCK_MIN_L else 1
    if blocks == 1:
        A = swap_leading_axes(a, dtype).reshape(K, N * L)
        swap_leading_axes(blas.matmul(w_mat, A).reshape(M, N, H, W), out=out)
        return out if bias is None else add_channel_bias(out, bias)
    B = -(-N // blocks)
    a_buf = np.empty(K * B * L, dtype=dtype)
    c_buf = np.empty(M * B * L, dtype=dtype)
    for n0 in range(0, N, B):
        nb = min(B, N - n0)
        A = swap_leading_axes(a[n0:n0 + nb], dtype, out=a_buf[:K * nb * L].reshape(K, nb, H, W))
        C = blas.matmul(w_mat, A.reshape(K, nb * L), out=c_buf[:M * nb * L].reshape(M, nb * L))
        swap_leading_axes(C.reshape(M, nb, H, W), out=out[n0:n0 + nb])
        if bias is not None:
            add_channel_bias(out[n0:n0 + nb], bias)
    return out


# Samples of at least this many positions (16x16) make the 1x1 weight gradient one GEMM per
# sample read in place; smaller ones are too short a reduction (K = oH*oW) for BLAS.
POINTWISE_SAMPLE_MIN_L = 256
# Below this many positions (8x8) the forward and the input gradient are one GEMM over the whole
# batch on channels-first copies, ``(C_out, C_in) @ (C_in, N*L)``: a sample's GEMM would be a
# matrix times a few columns. CPU ms at 1 thread, stack of per-sample GEMMs -> one GEMM (torch):
# GoogLeNet/NiN at 32/67 px, forward (64,384,3,3)->384 3.8 -> 1.6 (1.3), (64,832,1,1)->384 1.06
# -> 0.43 (0.87), (64,480,4,4)->192 2.3 -> 1.9 (1.6), (64,256,7,7)->256 3.9 -> 3.7 (3.2); at 8x8,
# (64,192,8,8)->64, the stack was faster (1.05 against 1.47).
POINTWISE_CHANNELS_FIRST_MAX_L = 64


def _conv2d_weight_grad_pointwise(gy, x, weight_shape, stride: Pair):
    """conv2d_weight_grad of a 1x1 kernel. At stride 1, batches of 16 or more samples of at least
    48 positions: kernels/conv_pointwise_grad.py (per-sample GEMMs read in place, blocks of
    samples on the threads; NiN's (64,96,15,15) 3.8 -> 2.5 ms at 1 thread). Else at stride 1
    with oH*oW >= POINTWISE_SAMPLE_MIN_L:
    ``gw = sum_n gy[n] (C_out, L) @ x[n].T``, one GEMM per sample on the arrays as they are
    (loop nest: ``for n / one blas.matmul / add``). Otherwise ``gw = GY (C_out, N*L) @ X (C_in,
    N*L).T``, X the (strided) samples of x and GY gy, both channels first (loop nest: ``two
    transposing copies (kernels/layout.py, prange if big) / one blas.matmul``; on a 1x1 output
    ``gy (N, C_out).T @ x (N, C_in)``, no copies). Timed alone (1 thread, minimum of 7): GoogLeNet
    (16,192,24,24)->64 2.5 ms per sample against 3.3 with the copies; NiN (64,256,8,8) 4.9 with
    the copies against 5.4 per sample."""
    N, C_out, oH, oW = gy.shape
    C_in = weight_shape[1]
    dtype = np.result_type(x.dtype, gy.dtype)
    if tuple(stride) == (1, 1) and (oH, oW) == x.shape[2:] and pointwise_grad.pays(x.shape, weight_shape, dtype):
        return pointwise_grad.conv2d_weight_grad(gy, x, weight_shape)  # per-sample GEMMs in numba, blocks on threads
    if tuple(stride) == (1, 1) and (oH, oW) == x.shape[2:] and oH * oW >= POINTWISE_SAMPLE_MIN_L:
        x3 = np.ascontiguousarray(x, dtype=dtype).reshape(N, C_in, oH * oW)
        g3 = np.ascontiguousarray(gy, dtype=dtype).reshape(N, C_out, oH * oW)
        gw = blas.matmul(g3[0], x3[0].T)
        part = np.empty_like(gw)
        for n in range(1, N):
            gw += blas.matmul(g3[n], x3[n].T, out=part)
        return gw.reshape(weight_shape)
    x_sub = x[:, :, :oH * stride[0]:stride[0], :oW * stride[1]:stride[1]]
    if oH * oW == 1:  # gw = gy (N, C_out).T @ x (N, C_in), both read in place: no copies
        return blas.matmul(gy.reshape(N, C_out).astype(dtype, copy=False).T,
                           x_sub.reshape(N, C_in).astype(dtype, copy=False)).reshape(weight_shape)
    X = swap_leading_axes(x_sub, dtype).reshape(C_in, N * oH * oW)
    GY = swap_leading_axes(gy, dtype).reshape(C_out, N * oH * oW)
    return blas.matmul(GY, X.T).reshape(weight_shape)


# ---------------------------------------------------------------------------------------------
# Small maps: one GEMM per kernel tap (the gallery's deep chapters at 32 px: ResNet's last stages
# at 4x4, 2x2 and 1x1, DenseNet's last blocks).
#
# On a map this small most of an im2col column is padding: a 3x3 kernel with padding 1 on a
# 1x1 map reads one real number in nine, on 2x2 four in nine, on 4x4 100 in 144. So instead of
# building the columns, each tap (i, j) is its own GEMM on the positions where it reads the
# input, a rectangle of outputs (oh0:oh1, ow0:ow1) and the matching strided rectangle of the
# input, both channels last (x_l (N, H, W, C_in), y_l (N, oH, oW, C_out)):
#     forward      y_l[:, oh0:oh1, ow0:ow1] += x_l[:, ih0::sH, iw0::sW] (N*nh*nw, C_in) @ w[:, :, i, j].T
#     input grad   gx_l[:, ih0::sH, iw0::sW] += gy_l[:, oh0:oh1, ow0:ow1] (N*nh*nw, C_out) @ w[:, :, i, j]
#     weight grad  gw[:, :, i, j] = gy_l[rectangle].T (C_out, N*nh*nw) @ x_l[rectangle]
# A tap that reads only padding is skipped (its weight gradient is 0). The flops are exactly the
# convolution's, never a multiply by padding; the price is a copy of each rectangle (none for a
# tap that covers the whole map, as the centre tap does) and an addition of each product into
# the result. bench_conv_shapes.py --baseline, 1 thread (docs in conv2d's docstring). With at most
# one register tile of output channels (DenseNet's 32) a 4x4 map's forward, weight gradient and
# input gradient run on the indexed GEMMs instead (kernels/conv.py, "DenseNet's growth layers";
# the input gradient's rule in kernels/conv_input_grad.py), the forward in border classes
# (kernels/conv_small_classes.py); so do GoogLeNet's 2x2 input gradients (conv_input_grad.py,
# "The small maps that keep one GEMM per tap").

TAPS_MAX_POSITIONS = 4 * 4


def _taps_path(x_shape, w_shape, groups: int) -> bool:
    """Whether a convolution runs one GEMM per tap (see above): one group, a map of at most
    TAPS_MAX_POSITIONS positions (a 1x1 kernel without padding takes the 1x1 path first)."""
    return groups == 1 and x_shape[2] * x_shape[3] <= TAPS_MAX_POSITIONS


def _taps(in_hw, out_hw, k_hw, stride: Pair, padding: Padding4, dilation: Pair):
    """The taps that read some input: [(i, j, (oh0, oh1), (ow0, ow1), ih0, iw0)], output rectangle
    and the input position of its first corner, those covering the whole output first."""
    taps = []
    for i in range(k_hw[0]):
        oh = valid_output_range.py_func(out_hw[0], stride[0], padding[0][0], i * dilation[0], in_hw[0])
        for j in range(k_hw[1]):
            ow = valid_output_range.py_func(out_hw[1], stride[1], padding[1][0], j * dilation[1], in_hw[1])
            if oh[0] < oh[1] and ow[0] < ow[1]:
                taps.append((i, j, oh, ow, oh[0] * stride[0] - padding[0][0] + i * dilation[0],
                             ow[0] * stride[1] - padding[1][0] + j * dilation[1]))
    return sorted(taps, key=lambda t: (t[2][1] - t[2][0]) * (t[3][1] - t[3][0]) != out_hw[0] * out_hw[1])


def _rectangle(a_l, oh, ow, first, stride: Pair):
    """a_l[:, first[0] + k*sH, first[1] + l*sW] for k < oh1 - oh0, l < ow1 - ow0 (channels last):
    the input positions a tap reads for the outputs (oh0:oh1, ow0:ow1)."""
    nh, nw = oh[1] - oh[0], ow[1] - ow[0]
    sH, sW = stride
    return a_l[:, first[0]: first[0] + (nh - 1) * sH + 1: sH, first[1]: first[1] + (nw - 1) * sW + 1: sW]


def _channels_last(a, dtype):
    """(N, C, H, W) -> a contiguous (N, H, W, C) copy (kernels/layout.py, prange if big)."""
    return nchw_to_nhwc(a, dtype=dtype)


def _tap_weight(w, i, j, dtype):
    """w[:, :, i, j] as a contiguous (C_out, C_in) matrix: one tap's copy, not the whole weight
    transposed (the taps that read only padding are never copied: on a 1x1 map 8 of 9). Loop
    nest: ``for co (prange from in_parallel(2 * C_out * C_in) on) / for ci``, a gather with a
    stride of kH*kW (ResNet's (512, 512, 3, 3) weight on its 1x1 maps: 7.3 ms a step at one
    thread as NumPy's copy, 2026-12-07)."""
    if w.dtype != dtype:
        return np.ascontiguousarray(w[:, :, i, j], dtype=dtype)
    out = np.empty(w.shape[:2], dtype=dtype)
    _tap_matrix(w, i, j, out, in_parallel(2 * out.size))
    return out


@njit(cache=True, parallel=True)
def _tap_matrix(w, i, j, out, parallel):
    C_out, C_in = out.shape
    if parallel:
        for co in prange(C_out):
            for ci in range(C_in):
                out[co, ci] = w[co, ci, i, j]
    else:
        for co in range(C_out):
            for ci in range(C_in):
                out[co, ci] = w[co, ci, i, j]


@njit(cache=True, parallel=True)
def _taps_first(w, out, parallel):
    """out[t, co, ci] = w[co, ci, t]. Loop nest: ``for co (prange if big) / for t / for ci``: each
    innermost loop writes one run of C_in numbers in order and reads them kH*kW apart from the
    L1-resident row w[co] (a strided load LLVM vectorises), where ``for ci / for t`` wrote kH*kW
    scattered streams one number at a time (2.8-6x slower, docs/performance-notes.md, s15)."""
    C_out, C_in, T = w.shape
    if parallel:
        for co in prange(C_out):
            for t in range(T):
                for ci in range(C_in):
                    out[t, co, ci] = w[co, ci, t]
    else:
        for co in range(C_out):
            for t in range(T):
                for ci in range(C_in):
                    out[t, co, ci] = w[co, ci, t]


@njit(cache=True, parallel=True)
def _taps_last(g, out, parallel):
    """out[co, ci, t] = g[t, co, ci]: _taps_first's inverse, for the weight gradient. Loop nest:
    ``for co (prange if big) / for t / for ci``: each innermost loop reads one run of g in order
    and writes it T apart into the L1-resident row out[co] (1.6-2.5x faster than ``for ci / for
    t`` reading T streams, docs/performance-notes.md, s15)."""
    T, C_out, C_in = g.shape
    if parallel:
        for co in prange(C_out):
            for t in range(T):
                for ci in range(C_in):
                    out[co, ci, t] = g[t, co, ci]
    else:
        for co in range(C_out):
            for t in range(T):
                for ci in range(C_in):
                    out[co, ci, t] = g[t, co, ci]


def _tap_weights(w, taps, dtype):
    """Where more than half the taps read input: the whole weight as (kH, kW, C_out, C_in), each
    tap's matrix ``[i, j]`` contiguous, in one pass; else None (each tap copied on its own,
    ``_tap_weight``). Loop nest: ``_taps_first``'s, ``for co (prange from in_parallel(2 * size)
    on) / for tap / for ci: out[tap, co, ci] = w[co, ci, tap]``; a pure copy, so any split gives
    the same array. Cost: one read and one write of the weight (NumPy's strided copies, tap by
    tap or the whole transpose, took 2-4x as long: docs/performance-notes.md)."""
    kH, kW = w.shape[2:]
    if 2 * len(taps) <= kH * kW or w.dtype != dtype or not w.flags.c_contiguous:
        return None
    out = np.empty((kH, kW) + w.shape[:2], dtype=dtype)
    _taps_first(w.reshape(w.shape[0], w.shape[1], kH * kW), out.reshape(kH * kW, w.shape[0], w.shape[1]),
                in_parallel(w.size * 2))
    return out


# ---------------------------------------------------------------------------------------------
# Maps where every output position reads every input position (DenseNet's 2x2 maps under a 3x3
# kernel with padding 1): the convolution is one dense linear map of a sample, from its C_in*H*W
# numbers to its C_out*oH*oW, with no padding in it. Its matrix
#     Wd[(ci, p), (co, o)] = w[co, ci, i, j]    (i, j) the one tap that joins input p to output o
# has exactly the multiplies of the per-tap GEMMs, and NCHW is already its layout: x (N, C_in, H,
# W) is X (N, C_in*H*W), y is Y (N, C_out*oH*oW). So the forward and the input gradient are one
# GEMM each and nothing is copied:
#     forward      Y = X @ Wd (+ b)           input grad   GX = GY @ Wd.T
# against nine GEMMs, nine rectangle copies, eight additions and two channels-last copies a pass
# on the taps, mostly Python at this size. CPU ms at 1 thread, medians of 31 alternating, load
# 5.5-6.0, taps -> dense (torch in bench_conv_shapes' run before): (64,112,2,2)->32 forward 0.25
# -> 0.15 (0.15), input grad 0.29 -> 0.15 (0.19); (64,208,2,2)->32 0.35 -> 0.23 (0.24), 0.41 ->
# 0.23 (0.30). Not: the weight gradient (X.T @ GY, then each tap's entries summed: 0.16 -> 0.15,
# 0.25 -> 0.27), a larger Wd (ResNet's (64,256,2,2)->256, 1M numbers: forward 1.87 -> 2.01, its
# gather dearer than the copies it saves), a 1x1 map (one tap, one GEMM already; (64,512,1,1)
# ->512 forward 0.80 -> 1.59).
DENSE_MAX_NUMBERS = 1 << 17


def _dense_path(x_shape, w_shape, out_hw, stride: Pair, padding: Padding4, dilation: Pair):
    """Where the dense path applies (above: every output reads every input, through more than one
    tap, Wd at most DENSE_MAX_NUMBERS), the tap joining input p = ih*W + iw to output o = oh*oW +
    ow as an int64 (H*W, oH*oW) table of i*kW + j; else None."""
    in_hw, out_hw, k_hw = tuple(x_shape[2:]), tuple(out_hw), tuple(w_shape[2:])
    P, O = in_hw[0] * in_hw[1], out_hw[0] * out_hw[1]
    if P * O * w_shape[0] * w_shape[1] > DENSE_MAX_NUMBERS or P * O == 1:
        return None
    taps = _taps(in_hw, out_hw, k_hw, stride, padding, dilation)
    if sum((oh[1] - oh[0]) * (ow[1] - ow[0]) for _, _, oh, ow, _, _ in taps) != P * O:
        return None  # some output does not read some input: Wd would hold zeros
    table = np.empty((P, O), dtype=np.int64)
    for i, j, oh, ow, ih0, iw0 in taps:
        for a in range(oh[1] - oh[0]):
            for b in range(ow[1] - ow[0]):
                p = (ih0 + a * stride[0]) * in_hw[1] + iw0 + b * stride[1]
                table[p, (oh[0] + a) * out_hw[1] + ow[0] + b] = i * k_hw[1] + j
    return table


@njit(cache=True, parallel=True)
def _dense_matrix(w, table, out, parallel):
    """out[ci, p, co, o] = w[co, ci, table[p, o]]: Wd from w (C_out, C_in, kH*kW). Loop nest:
    ``for ci (prange if big) / for p / for co / for o``, writing out in order."""
    C_out, C_in, _ = w.shape
    P, O = table.shape
    if parallel:
        for ci in prange(C_in):
            for p in range(P):
                for co in range(C_out):
                    for o in range(O):
                        out[ci, p, co, o] = w[co, ci, table[p, o]]
    else:
        for ci in range(C_in):
            for p in range(P):
                for co in range(C_out):
                    for o in range(O):
                        out[ci, p, co, o] = w[co, ci, table[p, o]]


def _dense_weight(w, table, dtype):
    """Wd (C_in*H*W, C_out*oH*oW) of dtype (see above): ``_dense_matrix``, prange if big. Cost:
    one gather of C_in*C_out*H*W*oH*oW numbers."""
    C_out, C_in = w.shape[:2]
    P, O = table.shape
    wd = np.empty((C_in, P, C_out, O), dtype=dtype)
    _dense_matrix(np.ascontiguousarray(w, dtype=dtype).reshape(C_out, C_in, w.shape[2] * w.shape[3]), table, wd,
                  in_parallel(2 * wd.size))
    return wd.reshape(C_in * P, C_out * O)


def _conv2d_forward_dense(x, w, table, out_hw, bias, dtype):
    """conv2d as ``Y (N, C_out*oH*oW) = X (N, C_in*H*W) @ Wd`` (see above), plus bias. Loop nest:
    ``_dense_weight / one blas.matmul, written into y / y += b (add_channel_bias)``. Cost:
    2*N*C_out*C_in*H*W*oH*oW flops, the per-tap GEMMs' exactly; no copy of x or y."""
    N = x.shape[0]
    P, O = table.shape
    y = np.empty((N, w.shape[0]) + tuple(out_hw), dtype=dtype)
    blas.matmul(np.ascontiguousarray(x, dtype=dtype).reshape(N, x.shape[1] * P), _dense_weight(w, table, dtype),
                out=y.reshape(N, w.shape[0] * O))
    if bias is not None:
        add_channel_bias(y, bias.astype(dtype, copy=False))
    return y


def _conv2d_forward_taps(x, w, stride: Pair, padding: Padding4, dilation: Pair, bias=None):
    """conv2d (one group) as one GEMM per tap (see above), plus bias.

    Loop nest: ``x to channels last / for tap that reads input / copy its input rectangle
    (N*nh*nw, C_in) and its weight w[:, :, i, j] / one blas.matmul @ w[:, :, i, j].T / add into
    y_l's rectangle (the first tap covering all of y_l writes it; kernels/layout.py's add_rows,
    prange if big) / y_l back to NCHW (+ b)``.
    Cost: 2*C_out*C_in*(the products that read input) flops, at most the convolution's.
    Where ``_dense_path``: ``_conv2d_forward_dense`` instead (one GEMM, no copies).
    """
    oH, oW = _check_forward(x, w, stride, padding, dilation, 1, bias)
    dtype = np.result_type(x.dtype, w.dtype)
    table = _dense_path(x.shape, w.shape, (oH, oW), stride, padding, dilation)
    if table is not None:  # every output reads every input: one GEMM on NCHW (see above)
        return _conv2d_forward_dense(x, w, table, (oH, oW), bias, dtype)
    N, C_in, H, W = x.shape
    C_out = w.shape[0]
    x_l = _channels_last(x, dtype)
    taps = _taps((H, W), (oH, oW), w.shape[2:], stride, padding, dilation)
    y_l = np.empty((N, oH, oW, C_out), dtype=dtype)
    covered = False
    w_taps = _tap_weights(w, taps, dtype)
    for i, j, oh, ow, ih0, iw0 in taps:
        rows = _rectangle(x_l, oh, ow, (ih0, iw0), stride).reshape(-1, C_in)
        w_ij = _tap_weight(w, i, j, dtype) if w_taps is None else w_taps[i, j]
        if not covered and (oh[1] - oh[0]) * (ow[1] - ow[0]) == oH * oW:
            blas.matmul(rows, w_ij.T, out=y_l.reshape(-1, C_out))
            covered = True
            continue
        if not covered:
            y_l[...] = 0
            covered = True
        add_rows(blas.matmul(rows, w_ij.T).reshape(N, oh[1] - oh[0], ow[1] - ow[0], C_out),
                 y_l[:, oh[0]:oh[1], ow[0]:ow[1]])
    if not covered:  # every tap reads only padding
        y_l[...] = 0
    return nhwc_to_nchw(y_l, np.empty((N, C_out, oH, oW), dtype=dtype),
                        bias=None if bias is None else bias.astype(dtype, copy=False))


def _conv2d_input_grad_taps(gy, w, input_shape, stride: Pair, padding: Padding4, dilation: Pair):
    """conv2d_input_grad (one group), one GEMM per tap: ``gx_l[input rectangle] += gy_l[output
    rectangle] @ w[:, :, i, j]``. Loop nest: ``gy to channels last / for tap / copy gy's rectangle
    (N*nh*nw, C_out) / one blas.matmul / add into gx_l's strided rectangle (add_rows, prange if
    big) / gx_l back to NCHW``. Where ``_dense_path``: ``GX = GY @ Wd.T``, one GEMM on the NCHW
    arrays (Wd read transposed in place)."""
    N, C_out, oH, oW = gy.shape
    _, C_in, H, W = input_shape
    dtype = np.result_type(gy.dtype, w.dtype)
    table = _dense_path(input_shape, w.shape, (oH, oW), stride, padding, dilation)
    if table is not None:  # GX (N, C_in*H*W) = GY (N, C_out*oH*oW) @ Wd.T, Wd read transposed in place
        gx = np.empty(input_shape, dtype=dtype)
        blas.matmul(np.ascontiguousarray(gy, dtype=dtype).reshape(N, C_out * oH * oW), _dense_weight(w, table, dtype).T,
                    out=gx.reshape(N, C_in * H * W))
        return gx
    gy_l = _channels_last(gy, dtype)
    gx_l = np.zeros((N, H, W, C_in), dtype=dtype)
    taps = _taps((H, W), (oH, oW), w.shape[2:], stride, padding, dilation)
    w_taps = _tap_weights(w, taps, dtype)
    for i, j, oh, ow, ih0, iw0 in taps:
        nh, nw = oh[1] - oh[0], ow[1] - ow[0]
        rows = gy_l[:, oh[0]:oh[1], ow[0]:ow[1]].reshape(-1, C_out)
        w_ij = _tap_weight(w, i, j, dtype) if w_taps is None else w_taps[i, j]
        add_rows(blas.matmul(rows, w_ij).reshape(N, nh, nw, C_in),
                 _rectangle(gx_l, oh, ow, (ih0, iw0), stride))
    return nhwc_to_nchw(gx_l, np.empty(input_shape, dtype=dtype))


def _conv2d_weight_grad_taps(gy, x, weight_shape, stride: Pair, padding: Padding4, dilation: Pair):
    """conv2d_weight_grad (one group), one GEMM per tap: ``gw[:, :, i, j] = gy_l[output
    rectangle].T @ x_l[input rectangle]``, (C_out, N*nh*nw) @ (N*nh*nw, C_in); 0 for a tap that
    reads only padding. Loop nest: ``x and gy to channels last / for tap / copy both rectangles /
    one blas.matmul into gw_taps[i, j] (kH*kW, C_out, C_in) / _taps_last: gw_taps to (C_out,
    C_in, kH, kW) (prange over C_out if big)``."""
    _, C_out, oH, oW = gy.shape
    C_in, kH, kW = weight_shape[1:]
    dtype = np.result_type(x.dtype, gy.dtype)
    x_l, gy_l = _channels_last(x, dtype), _channels_last(gy, dtype)
    taps = _taps(x.shape[2:], (oH, oW), (kH, kW), stride, padding, dilation)
    # taps first: each tap's GEMM writes one contiguous (C_out, C_in) matrix, then one pass puts
    # the taps last (before: each GEMM's result written into gw[:, :, i, j], a stride of kH*kW)
    gw_taps = (np.empty if len(taps) == kH * kW else np.zeros)((kH * kW, C_out, C_in), dtype=dtype)
    for i, j, oh, ow, ih0, iw0 in taps:
        g = gy_l[:, oh[0]:oh[1], ow[0]:ow[1]].reshape(-1, C_out)
        blas.matmul(g.T, _rectangle(x_l, oh, ow, (ih0, iw0), stride).reshape(-1, C_in),
                    out=gw_taps[i * kW + j])
    gw = np.empty((C_out, C_in, kH, kW), dtype=dtype)
    _taps_last(gw_taps, gw.reshape(C_out, C_in, kH * kW), in_parallel(2 * gw.size))
    return gw
