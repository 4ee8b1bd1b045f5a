"""dL/dw of conv2d: the dispatch and the paths kept in this module (kernels/conv.py has the forward).

    gw[co, c, i, j] = sum_{n, oh, ow} gy[n, co, oh, ow] * x_pad[n, g*C_in/G + c, oh*sH + i*dH, ow*sW + j*dW]

the correlation of x with gy, summed over the batch: ``gw_g = GY_g @ cols_g.T`` with the columns
of kernels/im2col.py. ``conv2d_weight_grad`` picks the algorithm by shape, in the order of
kernels/conv.py's ``conv2d`` rule (its docstring), each path's measurements beside it:

* a weight of at most DIRECT_WEIGHT_GRAD_MAX entries at stride 1: direct dot products on the
  full-width planes (``_conv2d_weight_grad_direct``, below);
* at most one vector of output channels: kernels/conv_few_channels.py's swapped tile; the stems
  (few input channels, stride > 1): kernels/conv_stem_grad.py's tile;
* 1x1 kernels and maps of at most 4x4 positions: kernels/conv_small.py;
* the channels-last columns, or the indexed GEMM reading x_pad in place
  (``_conv2d_weight_grad_nhwc``): at most one register tile of output channels on maps up to
  8x8 in tap rectangles (kernels/conv_small_classes.py), more by tap rows where the padding's
  rows are 10% of the products (kernels/conv_borders.py);
* at stride 1 the full-width columns (``_conv2d_weight_grad_full_width``), else the columns
  (through the stride phases for few input channels) and one GEMM per block of samples.

The rules themselves (``_nhwc_weight_grad``, ``_indexed_weight_grad``, ``_direct_weight_grad``
...) stay in kernels/conv.py: the forward asks them too, to decide which columns to keep.
"""

import numpy as np
from numba import njit, prange

from . import blas, gemm_narrow
from . import conv_borders as borders
from . import conv_few_channels as few
from . import conv_small_classes as small_classes
from . import conv_stem_grad as stem_grad
from .blas import GEMM_WORK_DIVISOR
from .checks import check_at_most, check_shape
from .conv import (
    NHWC_BLOCK_BYTES,
    SMALL_MAP_COLUMNS_GRAD_MIN_POSITIONS,
    _batch_blocks,
    _channels_first,
    _columns,
    _direct_weight_grad,
    _full_width_gradient,
    _indexed_weight_grad,
    _narrow_small_map,
    _nhwc_padded,
    _nhwc_weight_grad,
    _offsets,
    _padded,
    _small_map_columns,
)
from .conv_args import Padding, Pair, _check_conv, as_padding4
from .conv_small import (
    _conv2d_weight_grad_pointwise,
    _conv2d_weight_grad_taps,
    _pointwise,
    _taps_path,
)
from .im2col import (
    Padding4,
    im2col_full_width_into,
    im2col_into,
    im2col_nhwc_into,
    im2col_phases_into,
)
from .layout import nchw_to_nhwc, swap_leading_axes
from .threading import in_parallel, split_threads


def conv2d_weight_grad(gy: np.ndarray, x: np.ndarray, weight_shape: tuple[int, int, int, int],
                       stride: Pair, padding: Padding, dilation: Pair,
                       groups: int, columns: np.ndarray | None = None) -> np.ndarray:
    """dL/dw of conv2d: the correlation of the input with the output gradient.

    Math: ``gw_g = sum over blocks of GY_g @ cols_g.T``, (C_out/G, B*L) @ (B*L, C_in/G*kH*kW),
    reshaped to (C_out, C_in/G, kH, kW); the batch sum is the GEMM's reduction within a block
    and one small addition between blocks. BLAS is asked for the transpose,
    ``gw_g.T = cols_g @ GY_g.T``: the same products, but OpenBLAS runs this orientation of the
    long, thin GEMM faster (LeNet conv2 0.26 against 0.31 ms with its AVX2 kernels, 0.21 against
    0.46-0.53 with its AVX-512 ones; docs/performance-notes.md), and the small result is transposed once.
    Loop nest: ``for block of B samples / im2col_into (over B*C_in, prange if big; the stems, at
    most few.STEM_MAX_CHANNELS input channels, where kernels/conv_stem_grad.py does not run (no
    AVX-512): im2col_phases_into, the same columns copied in runs) / gy[block] to (C_out, B*L) (a
    copy unless B == 1) / one BLAS GEMM per group``.
    Cost: 2*N*C_out*C_in/G*kH*kW*oH*oW flops; one block of columns, reused.
    A weight of at most DIRECT_WEIGHT_GRAD_MAX entries at stride 1 (LeNet's first layer) is
    computed by direct dot products instead (_conv2d_weight_grad_direct), 2x faster there.
    ``columns``: what conv2d(keep_columns=True) returned for this x (or None).
    """
    pad = as_padding4(padding)
    out = _check_conv("conv2d_weight_grad", x.shape, weight_shape, stride, pad, dilation, groups)
    check_shape("conv2d_weight_grad", "gy", gy.shape, (x.shape[0], weight_shape[0], None, None))
    check_at_most("conv2d_weight_grad", "gy's spatial size", gy.shape[2:], out)
    if gy.size == 0 or x.size == 0 or 0 in weight_shape:  # empty sums (or an empty gw): no loop runs
        return np.zeros(weight_shape, dtype=np.result_type(gy.dtype, x.dtype))
    if _direct_weight_grad(weight_shape, stride, groups):
        return _conv2d_weight_grad_direct(gy, x, weight_shape, pad, dilation)
    if few.applies(x.shape, weight_shape, groups, x, gy, stems=False):
        return few.conv2d_weight_grad(gy, x, weight_shape, stride, pad, dilation)
    if stem_grad.applies(x.shape, weight_shape, groups, stride, np.result_type(x.dtype, gy.dtype)):
        return stem_grad.conv2d_weight_grad(gy, x, weight_shape, stride, pad, dilation)
    if _pointwise(weight_shape, pad, groups):
        return _conv2d_weight_grad_pointwise(gy, x, weight_shape, stride)
    if _taps_path(x.shape, weight_shape, groups) and not _narrow_small_map(
            x.shape, weight_shape, groups, np.result_type(x.dtype, gy.dtype), weight_grad=True) and not _small_map_columns(
            x.shape, weight_shape, groups, stride, pad, dilation, SMALL_MAP_COLUMNS_GRAD_MIN_POSITIONS):
        return _conv2d_weight_grad_taps(gy, x, weight_shape, stride, pad, dilation)
    if _nhwc_weight_grad(x.shape, weight_shape, groups) or _indexed_weight_grad(
            x.shape, weight_shape, groups, np.result_type(x.dtype, gy.dtype)):
        return _conv2d_weight_grad_nhwc(gy, x, weight_shape, stride, pad, dilation, columns)
    if tuple(stride) == (1, 1):  # as in conv2d: one copy per column row, not per oH
        return _conv2d_weight_grad_full_width(gy, x, weight_shape, pad, dilation, groups, columns)
    N, C_out, oH, oW = gy.shape
    _, C_in_g, kH, kW = weight_shape
    G, L, rows = groups, oH * oW, groups * C_in_g * kH * kW
    dtype = np.result_type(x.dtype, gy.dtype)
    x, gy = np.ascontiguousarray(x, dtype=dtype), np.ascontiguousarray(gy, dtype=dtype)
    B, blocks = _batch_blocks(N, rows * L * x.itemsize)
    cols_buf = np.empty(rows * B * L, dtype=dtype)
    gw_t = np.zeros((G, rows // G, C_out // G), dtype=dtype)
    # the stems' (few input channels) columns through the stride phases: the same, copied in runs
    to_columns = im2col_phases_into if rows <= few.STEM_MAX_CHANNELS * kH * kW else im2col_into
    for n0, nb in blocks:
        cols = _columns(cols_buf, rows, nb, L)
        to_columns(x[n0:n0 + nb], cols, (kH, kW), (oH, oW), stride, pad, dilation)
        GY = _channels_first(gy[n0:n0 + nb].reshape(nb, C_out, L), G)
        gw_t += blas.matmul(cols.reshape(G, rows // G, nb * L), GY.transpose(0, 2, 1))
    return np.ascontiguousarray(gw_t.transpose(0, 2, 1)).reshape(weight_shape)


def _conv2d_weight_grad_nhwc(gy, x, weight_shape, stride: Pair, padding: Padding4, dilation: Pair,
                             columns=None):
    """conv2d_weight_grad (one group) on channels-last columns: ``W'.T = sum over blocks of
    cols.T (kH*kW*C_in, B*L) @ GY (B*L, C_out)``. Loop nest: ``for block / pad + transpose x /
    im2col_nhwc_into (over B, prange if big) / gy[block] channels last (B*L, C_out) / one
    blas.matmul, W'.T += cols.T @ GY (the orientation conv2d_weight_grad explains)``;
    with the forward's ``columns`` (one block) there is no im2col. Where ``_indexed_weight_grad``:
    ``gw = GY @ cols`` on gemm_indexed.matmul_indexed_b, cols read from x_pad (the indexed forward's,
    handed over as ``columns``, or padded here); at most one register tile of output channels
    on kernels/gemm_narrow.py's, cols never packed."""
    N, C_out, oH, oW = gy.shape
    _, C_in, kH, kW = weight_shape
    dtype = np.result_type(x.dtype, gy.dtype)
    x = np.ascontiguousarray(x, dtype=dtype)
    L, K = oH * oW, kH * kW * C_in
    (pT, pB), (pL, pR) = padding
    x_pad = columns if columns is not None and columns.ndim == 4 else None  # the indexed forward's
    if x_pad is not None:
        columns = None
        if x_pad.shape != (N, x.shape[2] + pT + pB, x.shape[3] + pL + pR, C_in) or x_pad.dtype != dtype:
            x_pad = None
    if columns is None and _indexed_weight_grad(x.shape, weight_shape, 1, dtype):
        # gw = GY (C_out, N*L) @ cols, cols read straight from x_pad: B(r, k) = x_pad.flat[rows[r] + kcols[k]]
        if x_pad is None:
            x_pad = _nhwc_padded(x, padding)
        if small_classes.weight_grad_pays(x.shape, weight_shape, stride, padding, dilation, dtype):  # narrow: by taps
            return small_classes.conv2d_weight_grad(gy, x_pad, weight_shape, padding, stride, dilation)
        if borders.weight_grad_pays(x.shape, weight_shape, stride, padding, dilation, dtype):  # skip the padding's rows
            return borders.conv2d_weight_grad(gy, x_pad, weight_shape, padding, stride, dilation)
        rows, kcols = _offsets(x_pad.shape, (kH, kW), (oH, oW), stride, dilation)
        GY = swap_leading_axes(gy, dtype).reshape(C_out, N * L)
        gw = gemm_narrow.matmul_indexed_b(GY, x_pad.reshape(-1), rows, kcols)
        return np.ascontiguousarray(gw.reshape(C_out, kH, kW, C_in).transpose(0, 3, 1, 2))
    if columns is not None and columns.shape == (N * L, K) and columns.dtype == dtype:
        B, blocks, cols_buf = N, [(0, N)], columns.reshape(-1)
    else:
        columns = None
        B, blocks = _batch_blocks(N, K * L * x.itemsize, NHWC_BLOCK_BYTES)
        cols_buf = np.empty(B * L * K, dtype=dtype)
    gw_t = np.zeros((K, C_out), dtype=dtype)  # transposed, as in conv2d_weight_grad
    for n0, nb in blocks:
        cols = cols_buf[: nb * L * K].reshape(nb * L, K)
        if columns is None:
            im2col_nhwc_into(_nhwc_padded(x[n0:n0 + nb], padding), cols, (kH, kW), (oH, oW), stride, dilation)
        GY = nchw_to_nhwc(gy[n0:n0 + nb], dtype=dtype).reshape(nb * L, C_out)
        gw_t += blas.matmul(cols.T, GY)
    return np.ascontiguousarray(gw_t.T.reshape(C_out, kH, kW, C_in).transpose(0, 3, 1, 2))


# Stride 1: full-width columns (kernels/conv.py, "Stride 1"; kernels/im2col.py explains the layout).


def _conv2d_weight_grad_full_width(gy, x, weight_shape, padding: Padding4, dilation: Pair,
                                   groups: int, columns=None):
    """conv2d_weight_grad at stride 1: ``gw_g.T += cols_g @ GY_g.T`` per block, the junk columns
    met by GY's zeros. Loop nest: ``for block / pad / im2col_full_width_into (prange if big, over
    B*C_in) / widen gy / one BLAS GEMM per group``; with the forward's ``columns`` (the whole
    batch, one block) there is no im2col."""
    N, C_out, oH, _ = gy.shape
    _, C_in_g, kH, kW = weight_shape
    dtype = np.result_type(x.dtype, gy.dtype)
    x, gy = np.ascontiguousarray(x, dtype=dtype), np.ascontiguousarray(gy, dtype=dtype)
    (_, _), (pL, pR) = padding
    Wp = x.shape[3] + pL + pR
    G, rows, Lw = groups, groups * C_in_g * kH * kW, oH * Wp
    gw_t = np.zeros((G, rows // G, C_out // G), dtype=dtype)  # gw transposed: see conv2d_weight_grad
    if columns is not None and columns.shape == (rows, N, Lw) and columns.dtype == dtype:
        B, blocks, cols_buf = N, [(0, N)], columns.reshape(-1)
    else:
        columns = None
        B, blocks = _batch_blocks(N, rows * Lw * x.itemsize)
        cols_buf = np.empty(rows * B * Lw, dtype=dtype)
    for n0, nb in blocks:
        cols = _columns(cols_buf, rows, nb, Lw)
        if columns is None:
            im2col_full_width_into(_padded(x[n0:n0 + nb], padding), cols, (kH, kW), dilation, oH)
        GY = _full_width_gradient(gy[n0:n0 + nb], Wp, G)
        gw_t += blas.matmul(cols.reshape(G, rows // G, nb * Lw), GY.transpose(0, 2, 1))
    return np.ascontiguousarray(gw_t.transpose(0, 2, 1)).reshape(weight_shape)


# Direct weight gradient, for convolutions whose weight is tiny (LeNet's first layer; the rule,
# DIRECT_WEIGHT_GRAD_MAX and ``_direct_weight_grad``, is in kernels/conv.py).
#
# gw has C_out*C_in*kH*kW entries, each a dot product over the whole batch. When there are only
# a few hundred of them, the GEMM gw.T = cols @ GY.T is a (C_in*kH*kW x B*L) by (B*L x C_out)
# product with a tiny result, which BLAS cannot block well, and its columns are kH*kW copies of
# x written just to be read once. The direct form reads x in place: in full-width layout (as
# above) tap (c, i, j) of sample n is the run of the padded plane starting at i*dH*Wp + j*dW,
# and gw[co, c, i, j] = sum_n dot(GY[n, co], that run), junk columns met by GY's zeros.
# bench_kernels.py --only conv (docs/performance-notes.md): LeNet conv1's weight gradient 0.33 ms against
# 0.74 for im2col + GEMM; LeNet conv2 (2400 entries) is 0.9 against 0.4, so the GEMM keeps it.


@njit(cache=True, fastmath={"reassoc", "contract"})
def _dot(a, b, n):
    """sum(a[:n] * b[:n]). ``reassoc`` lets LLVM split the sum over vector lanes (a strict
    left-to-right float sum cannot be vectorised); no other fast-math assumption (NaN and inf
    behave as usual)."""
    acc = a.dtype.type(0)
    for k in range(n):
        acc += a[k] * b[k]
    return acc


@njit(cache=True)
def _weight_grad_direct_samples(x, gy, gw, pad, kH, kW, dH, dW, n_lo, n_hi):
    """gw (C_out, C*kH*kW) += the dot products of samples n_lo..n_hi. Sample-major, so that a
    sample's gradient rows (C_out*oH*Wp) and padded planes stay in L1 while every tap reads them
    (tap-major, each tap re-reading the whole batch, was 3x slower). Each sample is first copied
    into this slice's own zero-padded planes and full-width gradient rows (their padding and
    junk columns zeroed once), so the copies run on the slice's thread too."""
    _N, C, H, W = x.shape
    C_out, oH, oW = gy.shape[1], gy.shape[2], gy.shape[3]
    pT, pB, pL, pR = pad
    Hp, Wp = H + pT + pB, W + pL + pR
    run = oH * Wp
    planes = np.zeros((C, Hp * Wp), dtype=gw.dtype)
    rows = np.zeros((C_out, run), dtype=gw.dtype)
    for n in range(n_lo, n_hi):
        for c in range(C):
            for h in range(H):
                at = (pT + h) * Wp + pL
                for w in range(W):
                    planes[c, at + w] = x[n, c, h, w]
        for co in range(C_out):
            for oh in range(oH):
                for ow in range(oW):
                    rows[co, oh * Wp + ow] = gy[n, co, oh, ow]
        for c in range(C):
            plane = planes[c]
            for i in range(kH):
                for j in range(kW):
                    start = i * dH * Wp + j * dW
                    m = min(run, Hp * Wp - start)  # the last run may reach past the plane's end
                    src = plane[start:]
                    t = (c * kH + i) * kW + j
                    for co in range(C_out):
                        gw[co, t] += _dot(rows[co], src, m)


@njit(cache=True, parallel=True)
def _weight_grad_direct(x, gy, gw_parts, pad, kH, kW, dH, dW):
    """gw_parts[p] = the sum over the p-th slice of the batch (one slice per thread)."""
    N = x.shape[0]
    parts = gw_parts.shape[0]
    for p in prange(parts):
        _weight_grad_direct_samples(x, gy, gw_parts[p], pad, kH, kW, dH, dW,
                                    p * N // parts, (p + 1) * N // parts)


def _conv2d_weight_grad_direct(gy, x, weight_shape, padding: Padding4, dilation: Pair):
    """conv2d_weight_grad at stride 1, groups 1, by direct dot products (see above).

    Loop nest: ``for slice of the batch (prange if big) / for n / pad sample n, its gy rows to
    full width / for c, i, j / for co / one vectorised dot product of oH*Wp``; each thread sums
    its slice into its own copy of gw, and the copies are added at the end. (On workqueue's
    ~95 µs start-up the split had cost more than it saved at LeNet's size: 0.50 ms against 0.30
    serially.)
    Cost: 2*N*C_out*C_in*kH*kW*oH*Wp flops; reads x and gy, no columns.
    """
    N, C_out, oH, _oW = gy.shape
    dtype = np.result_type(x.dtype, gy.dtype)
    (pT, pB), (pL, pR) = padding
    Wp = x.shape[3] + pL + pR
    taps = weight_shape[1] * weight_shape[2] * weight_shape[3]
    parts = min(N, split_threads()) if in_parallel(N * C_out * oH * Wp * taps // GEMM_WORK_DIVISOR) else 1
    gw = np.zeros((parts, C_out, taps), dtype=dtype)
    _weight_grad_direct(np.ascontiguousarray(x, dtype=dtype), np.ascontiguousarray(gy, dtype=dtype), gw,
                        (pT, pB, pL, pR), weight_shape[2], weight_shape[3], dilation[0], dilation[1])
    return (gw[0] if parts == 1 else gw.sum(axis=0)).reshape(weight_shape)
