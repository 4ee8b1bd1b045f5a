"""Narrow convolutions (at most one register tile of output channels) on small maps, in border
classes: kernels/conv_borders.py's classes on kernels/gemm_narrow.py's GEMM.

DenseNet's growth layers write 32 channels (one float32 register tile, NR). On its 4x4 maps a
3x3 kernel with padding 1 reaches the input with 10 of 12 (position, tap) pairs along each axis,
so 31% of the products of the channels-last GEMM ``Y (N*L, 32) = A @ W'.T`` (kernels/conv.py's
``_forward_indexed``) are products with the padding's zeros; GoogLeNet's 5x5 input gradient on
4x4 maps (the forward of gy with 32 output channels, kernels/conv_input_grad.py's
``_input_grad_as_forward``) reaches 14 of 20 per axis, 51% of its products zeros.
conv_borders.py skips them by grouping the output positions into classes that reach the same
taps (its module docstring), each class one GEMM over its own taps only:

    Y[rows of class q] = A_q @ B_q,   A_q(r, k) = x_pad[rows[r] + kcols[k]],   B_q(k, co) = W'[co, brows[k]]

but its GEMM (``gemm_indexed.gemm_indexed_gather``) packs A, which a narrow GEMM uses once: gemm_narrow.py
reads A in place instead (its module docstring). Here the two meet: the same classes, tables
(``conv_borders._tables``) and copy back to NCHW (``conv_borders._to_nchw``), each class's GEMM on
``gemm_gather_narrow``, gemm_narrow's loop nest with B's rows gathered (``gemm_indexed._pack_b_gather``).
The sums are those of conv_borders' classes (the same K blocks, in the same order).

Where it runs (kernels/conv.py's ``conv2d_forward_nhwc``, ``pays``): at most NR output channels,
a padded kernel, and at least conv_borders.MIN_SKIPPED of the products skipped on a map of at
most MAX_POSITIONS positions. On those it is faster than the unsplit narrow GEMM on every DenseNet
and GoogLeNet layer measured, and than conv_borders' own GEMM on the same classes
(docs/performance-notes.md, "(s13): small maps").
"""

import numba
import numpy as np
from numba import njit, prange

from . import conv_borders as borders
from . import gemm
from .checks import check_shape
from .gemm import _edge
from .gemm_indexed import _pack_b_gather, _pack_indexed
from .gemm_narrow import KC_NARROW, _tile_a_rows, narrow
from .gemm_tile import MR, NV, VECTOR_BYTES, _address, _micro_kernel
from .threading import in_parallel, split_threads

# The classes must skip conv_borders.MIN_SKIPPED of the products (its rule, read at each call)
# on maps of at most MAX_POSITIONS positions: measured on DenseNet's 4x4 and 8x8 maps (31% and
# 16% skipped: 0.72-0.75 and 0.82-0.90 of the unsplit narrow GEMM's time), not on larger ones.
MAX_POSITIONS = 8 * 8


def pays(x_shape, w_shape, stride, padding4, dilation, dtype) -> bool:
    """Whether conv2d's channels-last forward of this shape runs here (see above): gemm.py's GEMM
    available, at most one register tile of output channels (``gemm_narrow.narrow``), a map of at
    most MAX_POSITIONS positions, padding, and at least conv_borders.MIN_SKIPPED of the products
    skipped."""
    _N, C, H, W = x_shape
    C_out, _, kH, kW = w_shape
    if not gemm.available(dtype) or not narrow(C_out, dtype) or H * W > MAX_POSITIONS:
        return False
    (pT, pB), (pL, pR) = padding4
    if pT == pB == pL == pR == 0:
        return False
    oH = (H + pT + pB - dilation[0] * (kH - 1) - 1) // stride[0] + 1
    oW = (W + pL + pR - dilation[1] * (kW - 1) - 1) // stride[1] + 1
    if oH <= 0 or oW <= 0:
        return False
    share = borders._tables(1, H + pT + pB, W + pL + pR, C, C_out, kH, kW, (oH, oW), tuple(stride),
                            tuple(map(tuple, padding4)), tuple(dilation))[-1]
    return share <= 1 - borders.MIN_SKIPPED


@njit(cache=True)
def gemm_gather_narrow(M, N, K, a, rows, kcols, r0, b, bk, ldb, c, c_off, ldc, work):
    """C = A @ B on one thread for N <= NR, ``A(i, k) = a[rows[r0 + i] + kcols[k]]`` read in place
    and ``B(k, j) = b[bk[k] + j*ldb]`` (rows gathered, as ``gemm_indexed.gemm_indexed_gather``'s B).

    Loop nest: ``for pc (gemm_indexed's K blocks) / pack B's one sliver (kc x NR, zeros past N;
    _pack_b_gather) / for ir (MR rows of C) / gemm_narrow._tile_a_rows``; a last tile of fewer
    than MR rows is packed and goes through ``gemm_tile._micro_kernel``, a C narrower than NR through
    the scratch tile. Cost: 2*M*NR*K flops, B packed once per K block, A read once."""
    nr = NV * VECTOR_BYTES // a.itemsize
    mr = min(MR, nr)
    ap = work[: mr * KC_NARROW]
    bp = work[mr * KC_NARROW: mr * KC_NARROW + KC_NARROW * nr]
    tile = work[mr * KC_NARROW + KC_NARROW * nr: mr * KC_NARROW + KC_NARROW * nr + mr * nr]
    blocks = (K + KC_NARROW - 1) // KC_NARROW
    step = ((K + blocks - 1) // blocks + 7) // 8 * 8  # gemm_indexed's blocks
    for pc in range(0, K, step):
        kc = min(step, K - pc)
        accumulate = pc > 0
        _pack_b_gather(b, bk, ldb, pc, 0, kc, N, nr, bp)
        for ir in range(0, M, mr):
            n_rows = min(mr, M - ir)
            first = c_off + ir * ldc
            if n_rows == mr and N == nr:
                _tile_a_rows(kc, _address(a, 0), _address(rows, r0 + ir), _address(kcols, pc), _address(bp, 0),
                             _address(c, first), ldc, accumulate)
                continue
            if n_rows == mr:
                _tile_a_rows(kc, _address(a, 0), _address(rows, r0 + ir), _address(kcols, pc), _address(bp, 0),
                             _address(tile, 0), nr, False)
            else:
                _pack_indexed(a, rows, kcols, r0 + ir, pc, kc, n_rows, mr, ap, False)
                _micro_kernel(kc, _address(ap, 0), _address(bp, 0), nr, _address(tile, 0), nr, False)
            _edge(tile, nr, c, first, ldc, n_rows, N, accumulate)


@njit(cache=True)
def _classes_part(a, rows, kcols, b, brows, N, K_all, r_lo, k_lo, c, work, t, parts):
    """Thread t's share of every class: its t-th part of the class's rows (whole MR-row slivers)
    times the class's taps, on ``gemm_gather_narrow`` (conv_borders' ``_classes_part``)."""
    for q in range(r_lo.shape[0] - 1):
        M, K = r_lo[q + 1] - r_lo[q], k_lo[q + 1] - k_lo[q]
        tiles = (M + MR - 1) // MR
        lo = r_lo[q] + min(M, t * tiles // parts * MR)
        hi = r_lo[q] + min(M, (t + 1) * tiles // parts * MR)
        if hi <= lo:
            continue
        if K == 0:  # no tap reaches the input: the products are all zero
            for e in range(lo * N, hi * N):
                c[e] = 0
            continue
        gemm_gather_narrow(hi - lo, N, K, a, rows, kcols[k_lo[q]:k_lo[q + 1]], lo, b, brows[k_lo[q]:k_lo[q + 1]],
                           K_all, c, lo * N, N, work)


@njit(cache=True, parallel=True)
def _gemm_classes(a, rows, kcols, b, brows, N, K_all, r_lo, k_lo, c, work, parts, parallel):
    """Every class's GEMM: ``parts`` threads (``prange``) when ``parallel``, each taking its part of
    every class, each with its workspace row."""
    if parallel:
        for t in prange(parts):
            _classes_part(a, rows, kcols, b, brows, N, K_all, r_lo, k_lo, c, work[numba.get_thread_id()], t, parts)
    else:
        _classes_part(a, rows, kcols, b, brows, N, K_all, r_lo, k_lo, c, work[numba.get_thread_id()], 0, 1)


def conv2d_forward(x_pad: np.ndarray, w_rows: np.ndarray, kernel, padding4, out_hw, stride, dilation,
                   bias=None) -> np.ndarray:
    """y = conv2d(x, w) + b (one group, at most NR output channels) from x's padded channels-last
    copy x_pad (N, Hp, Wp, C_in) and W' (C_out, kH*kW*C_in), (i, j, c) order, the padding's
    products skipped: ``conv_borders.conv2d_forward``'s arguments and result.

    Loop nest: ``for part of the threads (prange if big) / for class / gemm_gather_narrow (the
    class's rows of Y, A read from x_pad in place, the class's rows of W' packed) / then
    conv_borders._to_nchw: for n (prange if big) / for position / for co``.
    Cost: 2*NR*sum over classes of rows*taps*C_in flops; each class's part of W' packed once per
    thread and K block; x_pad read once per class's tap.
    """
    op = "conv2d"
    N, Hp, Wp, C, C_out = borders.check_forward(x_pad, w_rows, kernel, padding4, out_hw, stride, dilation)
    kH, kW = kernel
    oH, oW = out_hw
    dtype = x_pad.dtype
    if (not narrow(C_out, dtype) or not x_pad.flags.c_contiguous or w_rows.dtype != dtype
            or not w_rows.flags.c_contiguous):
        raise RuntimeError("conv2d (narrow border classes): x_pad and the weight's rows must be C-contiguous "
                           "float32 or float64 arrays of one dtype, at most one register tile of output channels")
    if bias is not None:
        check_shape(op, "bias", bias.shape, (C_out,))
    rows, kcols, brows, r_lo, k_lo, inv, _ = borders._tables(N, Hp, Wp, C, C_out, kH, kW, (oH, oW), tuple(stride),
                                                             tuple(map(tuple, padding4)), tuple(dilation))
    M = N * oH * oW
    Y = np.empty(M * C_out, dtype=dtype)
    parts = min(split_threads(), (M + MR - 1) // MR) if in_parallel(M * C_out * kcols.shape[0] // 16) else 1
    _gemm_classes(x_pad.reshape(-1), rows, kcols, w_rows.reshape(-1), brows, C_out, kH * kW * C, r_lo, k_lo, Y,
                  gemm.workspace(dtype), parts, parts > 1)
    y = np.empty((N, C_out, oH, oW), dtype=dtype)
    has_bias = bias is not None
    b = bias.astype(dtype, copy=False) if has_bias else Y[:1]
    borders._to_nchw(Y.reshape(M, C_out), inv, y.reshape(N, C_out, oH * oW), b, has_bias, in_parallel(2 * M * C_out))
    return y
