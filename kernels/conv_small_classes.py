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

The weight gradient of the same layers (C_in a multiple of NR) skips the same products in tap
rectangles: each tap a GEMM over the output positions where it reads the input, on gemm_narrow's
weight-gradient micro-kernel (``conv2d_weight_grad``, below; kernels/conv_weight_grad.py
dispatches to it, ``weight_grad_pays``).

Where the forward runs (kernels/conv.py's ``conv2d_forward_nhwc``, ``pays``): at most NR output channels,
a padded kernel, and at least conv_borders.MIN_SKIPPED of the products skipped on a map of at
most MAX_POSITIONS positions. On those it is faster than the unsplit narrow GEMM on every DenseNet
and GoogLeNet layer measured, and than conv_borders' own GEMM on the same classes
(docs/performance-notes.md, "(s13): small maps").
"""

import functools

import numba
import numpy as np
from numba import njit, prange

from . import conv_borders as borders
from . import gemm
from .checks import check_shape
from .gemm import _edge
from .gemm_indexed import _pack_b_gather, _pack_indexed
from .gemm_narrow import KC_NARROW, _tile_a_rows, _tile_b_rows, narrow
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


# ---------------------------------------------------------------------------------------------
# The weight gradient in tap rectangles. ``gw (C_out, kH*kW*C_in) = GY (C_out, P) @ B``, B(p, (i, j,
# c)) = x_pad[rows[p] + kcols[(i, j, c)]] over the P = N*oH*oW output positions
# (kernels/conv_weight_grad.py's narrow indexed GEMM, ``gemm_narrow.matmul_indexed_b``), multiplies
# tap (i, j)'s C_in columns of B by every position, though only those in a rectangle of outputs,
# oh in [hlo_i, hhi_i) and ow in [wlo_j, whi_j), read the input (the others read x_pad's zeros):
# on DenseNet's 4x4 maps under a 3x3 kernel 9 of 16 for a corner tap, 31% of all the products
# on the map, 16% on 8x8. With the positions of a block of nb samples in (oh, ow, n) order, the
# rectangle's positions in the block are nh_i runs of nw_j*nb consecutive positions (one run
# when nw_j = oW), and each tap is a GEMM over those runs only:
#     gw[:, tap (i, j)] (C_out, C_in) = sum over blocks, over oh in [hlo_i, hhi_i) of
#         GY'[:, (block, oh, wlo_j, 0) : (block, oh, whi_j, 0)] @ B_ij,  B_ij(p, c) = x_pad[rows'[p] + (i*dH*Wp + j*dW)*C + c]
# GY' is packed once, whole, into the micro-kernel's MR-row slivers (the packed A of every tap
# and run is then an address in it, never repacked), and each NR-wide sliver of a tap's columns
# of B (NR channels of one tap, one run of x_pad) is read in place by gemm_narrow's ``_tile_b_rows``.
# The blocks keep the x_pad that every tap of a block reads in L2 (WEIGHT_GRAD_BLOCK_BYTES of it):
# with the whole batch as one block, each tap streamed all of x_pad again, and on 8x8 maps (1.6-4 MB
# of x_pad) the rectangles were slower than the unsplit GEMM; 512 KB was the best of the block
# sizes tried. Where it runs: ``weight_grad_pays``. The measurements (block sizes, each DenseNet
# layer before -> after) are in docs/performance-notes.md, "2026-12-07 (s14): DenseNet's narrow
# weight gradients in tap rectangles".
WEIGHT_GRAD_BLOCK_BYTES = 512 << 10


@functools.lru_cache(maxsize=64)
def _weight_grad_tables(N: int, Hp: int, Wp: int, C: int, kH: int, kW: int, out_hw, stride, padding4, dilation,
                        nb: int = 1):
    """``rows`` (int64 offsets into the flat x_pad of every output position, in (block of nb
    samples, oh, ow, n) order), ``h_lo`` / ``h_hi`` (kH) and ``w_lo`` / ``w_hi`` (kW): the outputs
    whose tap row i (column j) reads the input (lo == hi where none does), and the fraction of
    the unsplit GEMM's products computed."""
    (oH, oW), (sH, sW), (dH, dW) = out_hw, stride, dilation
    (pT, pB), (pL, pR) = padding4
    H, W = Hp - pT - pB, Wp - pL - pR

    def reach(out_size, k, s, before, d, size):
        lo, hi = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
        for t in range(k):
            inside = [o for o in range(out_size) if 0 <= o * s - before + t * d < size]
            if inside:
                lo[t], hi[t] = inside[0], inside[-1] + 1
        return lo, hi

    h_lo, h_hi = reach(oH, kH, sH, pT, dH, H)
    w_lo, w_hi = reach(oW, kW, sW, pL, dW, W)
    oh = np.arange(oH, dtype=np.int64)[:, None, None]
    ow = np.arange(oW, dtype=np.int64)[None, :, None]
    rows = np.concatenate([(((np.arange(n0, min(N, n0 + nb), dtype=np.int64)[None, None, :] * Hp + oh * sH) * Wp
                             + ow * sW) * C).reshape(-1) for n0 in range(0, N, nb)])
    share = float((h_hi - h_lo).sum() * (w_hi - w_lo).sum()) / (oH * oW * kH * kW)
    return rows, h_lo, h_hi, w_lo, w_hi, share


def weight_grad_pays(x_shape, w_shape, stride, padding4, dilation, dtype) -> bool:
    """Whether conv2d_weight_grad's narrow indexed GEMM runs in tap rectangles (see above): gemm.py's
    GEMM available, at most one register tile of output channels, C_in a multiple of its width
    (a sliver of B is one run of x_pad), a map of at most MAX_POSITIONS positions, and at least
    conv_borders.MIN_SKIPPED of the products skipped."""
    _N, C, H, W = x_shape
    C_out, _, kH, kW = w_shape
    if not gemm.available(dtype) or not narrow(C_out, dtype) or C % gemm.TILE[np.dtype(dtype)][1] != 0:
        return False
    (pT, pB), (pL, pR) = padding4
    if pT == pB == pL == pR == 0 or H * W > MAX_POSITIONS:
        return False
    oH = (H + pT + pB - dilation[0] * (kH - 1) - 1) // stride[0] + 1
    oW = (W + pL + pR - dilation[1] * (kW - 1) - 1) // stride[1] + 1
    if oH <= 0 or oW <= 0:
        return False
    share = _weight_grad_tables(1, H + pT + pB, W + pL + pR, C, kH, kW, (oH, oW), tuple(stride),
                                tuple(map(tuple, padding4)), tuple(dilation))[-1]
    return share <= 1 - borders.MIN_SKIPPED


@njit(cache=True, parallel=True)
def _pack_gy(gy, ap, mr, nb, parallel):
    """GY' packed into MR-row slivers: ``ap[s*P + k*mr + r] = gy[n, s + r, oh, ow]``, k = n0*L +
    (oh*oW + ow)*nbk + n - n0 for n in the block of nbk samples from n0 (blocks of nb), zeros in
    rows past C_out. Loop nest: ``for sliver s (prange if parallel) / for n / for r / for
    position``, reading gy's planes in order."""
    N, C_out, oH, oW = gy.shape
    L = oH * oW
    slivers = (C_out + mr - 1) // mr
    g = gy.reshape(N, C_out, L)
    if parallel:
        for q in prange(slivers):
            _pack_gy_sliver(g, ap, mr, nb, q * mr)
    else:
        for q in range(slivers):
            _pack_gy_sliver(g, ap, mr, nb, q * mr)


@njit(cache=True)
def _pack_gy_sliver(g, ap, mr, nb, s):
    N, C_out, L = g.shape
    P = N * L
    for n in range(N):
        n0 = n // nb * nb
        nbk = min(nb, N - n0)
        first = s * P + n0 * L * mr + (n - n0) * mr
        for r in range(mr):
            if s + r < C_out:
                for p in range(L):
                    ap[first + p * nbk * mr + r] = g[n, s + r, p]
            else:
                for p in range(L):
                    ap[first + p * nbk * mr + r] = 0


@njit(cache=True)
def _rectangles_part(ap, M, P, N, oW, b, Wp, C, kW, dH, dW, rows, h_lo, h_hi, w_lo, w_hi, c, ldc, work, nr, nb,
                     q_lo, q_hi):
    """Pieces q_lo .. q_hi of gw, piece q = (tap t, sliver s) = divmod(q, C // nr): gw[:, t*C + s*nr:
    + nr] = the sum over the blocks of nb samples and the tap's runs of positions in each of packed
    GY' @ the sliver's B (``_tile_b_rows``, each run cut into gemm_narrow's K blocks); zero for a
    tap that reaches no input."""
    mr = min(MR, nr)
    tile = work[: mr * nr]
    S = C // nr
    L = P // N
    for n0 in range(0, N, nb):
        nbk = min(nb, N - n0)
        for t in range(q_lo // S, (q_hi + S - 1) // S):
            s_lo, s_hi = max(q_lo - t * S, 0), min(q_hi - t * S, S)
            i, j = t // kW, t % kW
            nh, nw = h_hi[i] - h_lo[i], w_hi[j] - w_lo[j]
            col0 = t * C
            if nh <= 0 or nw <= 0:
                if n0 == 0:
                    for m in range(M):
                        for e in range(col0 + s_lo * nr, col0 + s_hi * nr):
                            c[m * ldc + e] = 0
                continue
            kbase = (i * dH * Wp + j * dW) * C
            runs, run = (1, nh * oW * nbk) if nw == oW else (nh, nw * nbk)
            blocks = (run + KC_NARROW - 1) // KC_NARROW
            step = (run + blocks - 1) // blocks
            for u in range(runs):
                k0 = n0 * L + ((h_lo[i] + u) * oW + w_lo[j]) * nbk
                for pc in range(0, run, step):
                    kc = min(step, run - pc)
                    accumulate = n0 > 0 or u > 0 or pc > 0
                    for s in range(s_lo, s_hi):
                        b_sliver = _address(b, kbase + s * nr)
                        for ir in range(0, M, mr):
                            first = ir * ldc + col0 + s * nr
                            a_at = _address(ap, ir * P + (k0 + pc) * mr)
                            if M - ir >= mr:
                                _tile_b_rows(kc, a_at, b_sliver, _address(rows, k0 + pc), _address(c, first), ldc,
                                             accumulate)
                            else:
                                _tile_b_rows(kc, a_at, b_sliver, _address(rows, k0 + pc), _address(tile, 0), nr, False)
                                _edge(tile, nr, c, first, ldc, M - ir, nr, accumulate)


@njit(cache=True, parallel=True)
def _gemm_rectangles(ap, M, P, N, oW, b, Wp, C, kW, dH, dW, rows, h_lo, h_hi, w_lo, w_hi, c, ldc, work, nr, nb,
                     pieces, parts, parallel):
    """Every piece (tap, NR-wide sliver of its columns): ``parts`` threads (``prange``) when
    ``parallel``, each taking a run of consecutive pieces, each with its workspace row."""
    if parallel:
        for t in prange(parts):
            _rectangles_part(ap, M, P, N, oW, b, Wp, C, kW, dH, dW, rows, h_lo, h_hi, w_lo, w_hi, c, ldc,
                             work[numba.get_thread_id()], nr, nb, t * pieces // parts, (t + 1) * pieces // parts)
    else:
        _rectangles_part(ap, M, P, N, oW, b, Wp, C, kW, dH, dW, rows, h_lo, h_hi, w_lo, w_hi, c, ldc,
                         work[numba.get_thread_id()], nr, nb, 0, pieces)


def conv2d_weight_grad(gy: np.ndarray, x_pad: np.ndarray, weight_shape, padding4, stride, dilation) -> np.ndarray:
    """dL/dw of conv2d (one group, at most one register tile of output channels) from gy (N,
    C_out, oH, oW) and x's padded channels-last copy x_pad (N, Hp, Wp, C_in), C_in a multiple of
    the tile's width, in tap rectangles (see above); gw (C_out, C_in, kH, kW), C-contiguous.

    Loop nest: ``_pack_gy: GY' into MR-row slivers (prange over slivers if big) / for part of the
    threads (prange if big) / for block of nb samples (WEIGHT_GRAD_BLOCK_BYTES of x_pad) / for
    (tap, NR-wide sliver of its columns) / for run of positions / for K block / for MR rows of
    gw: _tile_b_rows (B read from x_pad in place) / then one transpose of gw (C_out, kH, kW,
    C_in) into (C_out, C_in, kH, kW)``.
    Cost: 2*MR*ceil(C_out/MR)*C_in*sum over taps of N*nh_i*nw_j flops (``weight_grad_pays`` asks
    it to be at most 0.9 of the unsplit GEMM's); GY' packed once; x_pad read once from memory,
    then once per tap from L2.
    """
    op = "conv2d_weight_grad"
    N, Hp, Wp, C, C_out, kH, kW, oH, oW = borders.check_weight_grad(op, gy, x_pad, weight_shape, padding4, stride,
                                                                    dilation)
    dtype = x_pad.dtype
    if not narrow(C_out, dtype) or not x_pad.flags.c_contiguous or C % gemm.TILE[dtype][1] != 0:
        raise RuntimeError(f"{op} (tap rectangles): x_pad must be a C-contiguous float32 or float64 array "
                           "of a multiple of the register tile's width of channels, gw at most one tile of rows")
    nb = max(1, min(N, WEIGHT_GRAD_BLOCK_BYTES // (Hp * Wp * C * x_pad.itemsize)))
    rows, h_lo, h_hi, w_lo, w_hi, _ = _weight_grad_tables(N, Hp, Wp, C, kH, kW, (oH, oW), tuple(stride),
                                                          tuple(map(tuple, padding4)), tuple(dilation), nb)
    nr = gemm.TILE[dtype][1]
    mr = min(MR, nr)
    P = N * oH * oW
    ap = np.empty((C_out + mr - 1) // mr * mr * P, dtype=dtype)
    _pack_gy(np.ascontiguousarray(gy, dtype=dtype), ap, mr, nb, in_parallel(2 * ap.size))
    K_all = kH * kW * C
    gw = np.empty(C_out * K_all, dtype=dtype)
    pieces = kH * kW * (C // nr)
    computed = int((h_hi - h_lo).sum() * (w_hi - w_lo).sum()) * N
    parts = min(split_threads(), pieces) if in_parallel(C_out * C * computed // 16) else 1
    _gemm_rectangles(ap, C_out, P, N, oW, x_pad.reshape(-1), Wp, C, kW, dilation[0], dilation[1], rows, h_lo, h_hi,
                     w_lo, w_hi, gw, K_all, gemm.workspace(dtype), nr, nb, pieces, parts, parts > 1)
    return np.ascontiguousarray(gw.reshape(C_out, kH, kW, C).transpose(0, 3, 1, 2))
