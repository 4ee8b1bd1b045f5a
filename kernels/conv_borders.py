"""The channels-last convolution without the padding's zeros: output positions in border classes.

On a small map a padded convolution spends much of its GEMM on taps that land in the padding.
NiN's 5x5 layer, padding 2, on a 7x7 map: along each axis the 7 output positions reach 3, 4, 5, 5,
5, 4 and 3 of the 5 taps, so of the 35 x 35 (position, tap) pairs of a plane only 29 x 29 read
the input, and 31% of the GEMM's products are products with zero. oneDNN skips them.

So are they skipped here. Along each axis the output positions fall into classes that reach the
same range of taps [lo, hi) (``_axis_classes``); a class of the map is a pair of an H class and a
W class, and its positions, over the whole batch, are one GEMM over its own taps only:

    Y[rows of class q] = A_q @ B_q,  A_q(r, k) = x_pad[rows[r] + kcols[k]],  k over the class's taps
                                     B_q(k, co) = W'[(i, j, c), co],          the same taps' rows of W'

with x_pad the padded, channels-last input (N, Hp, Wp, C) and W' the weight as (kH*kW*C, C_out),
(i, j, c) order: kernels/conv.py's indexed forward (``_forward_indexed``) cut into classes, both
operands read where they lie (``gemm_indexed.gemm_indexed_gather``). A class that reaches no tap is all
bias. The classes' rows of Y follow one another (class by class), and the copy into y's NCHW planes,
which the indexed forward makes anyway, puts them back in place (``_to_nchw``, with the bias).

Since x_pad holds the padding as zeros, the classes only decide which products are skipped, never
what is computed: a tap left in a class reads zeros, as in the unsplit GEMM.

The price: every class packs its own B (K_q x C_out), once (twice where two threads share the
class), where the unsplit GEMM packs W' once; a class of few rows amortises that badly. Where it
runs: ``pays``.
"""

import functools

import numba
import numpy as np
from numba import njit, prange

from . import gemm, gemm_indexed
from .checks import check_shape
from .threading import in_parallel, split_threads

# The fraction of the GEMM's products that must be skipped for the classes to pay (``pays``).
MIN_SKIPPED = 0.10


def _axis_classes(out_size: int, kernel: int, stride: int, pad_before: int, dilation: int, in_size: int):
    """Output positions along one axis grouped by the taps that reach the input:
    ``[(positions, lo, hi)]``, tap i of position o reading ``o*stride - pad_before + i*dilation``;
    consecutive positions with the same [lo, hi) form one class (at most 2*kernel - 1 of them)."""
    classes: list = []
    for o in range(out_size):
        first = o * stride - pad_before
        lo = 0
        while lo < kernel and first + lo * dilation < 0:
            lo += 1
        hi = lo
        while hi < kernel and first + hi * dilation < in_size:
            hi += 1
        if classes and classes[-1][1:] == (lo, hi):
            classes[-1][0].append(o)
        else:
            classes.append(([o], lo, hi))
    return classes


@functools.lru_cache(maxsize=64)
def _tables(N: int, Hp: int, Wp: int, C: int, C_out: int, kH: int, kW: int, out_hw, stride, padding4, dilation):
    """The classes' tables for x_pad (N, Hp, Wp, C) and W' (kH*kW*C, C_out):
    ``rows`` (every output position once, class by class; int64 offsets into the flat x_pad),
    ``kcols`` and ``brows`` (each class's taps, one after the other: offsets into x_pad and into
    the flat W'), ``r_lo`` / ``k_lo`` (where class q's rows and taps start, q + 1 where they end),
    ``inv`` (the row of Y of output position n*oH*oW + oh*oW + ow) and the fraction of the
    unsplit GEMM's products that the classes compute."""
    (oH, oW), (sH, sW), (dH, dW) = out_hw, stride, dilation
    (pT, pB), (pL, pR) = padding4
    H, W = Hp - pT - pB, Wp - pL - pR
    hcls = _axis_classes(oH, kH, sH, pT, dH, H)
    wcls = _axis_classes(oW, kW, sW, pL, dW, W)
    n = np.arange(N, dtype=np.int64)[:, None, None]
    chans = np.arange(C, dtype=np.int64)
    rows, kcols, brows, inv_parts, r_lo, k_lo = [], [], [], [], [0], [0]
    computed = 0
    for hs, ilo, ihi in hcls:
        for ws, jlo, jhi in wcls:
            oh = np.array(hs, dtype=np.int64)[None, :, None]
            ow = np.array(ws, dtype=np.int64)[None, None, :]
            rows.append((((n * Hp + oh * sH) * Wp + ow * sW) * C).reshape(-1))
            inv_parts.append(((n * oH + oh) * oW + ow).reshape(-1))
            i = np.arange(ilo, ihi, dtype=np.int64)[:, None, None]
            j = np.arange(jlo, jhi, dtype=np.int64)[None, :, None]
            kcols.append(((i * dH * Wp + j * dW) * C + chans).reshape(-1))
            brows.append(((i * kW + j) * C + chans).reshape(-1))
            r_lo.append(r_lo[-1] + rows[-1].shape[0])
            k_lo.append(k_lo[-1] + kcols[-1].shape[0])
            computed += rows[-1].shape[0] * kcols[-1].shape[0]
    positions = np.concatenate(inv_parts)
    inv = np.empty(N * oH * oW, dtype=np.int64)
    inv[positions] = np.arange(positions.shape[0], dtype=np.int64)
    share = computed / max(1, N * oH * oW * kH * kW * C)
    return (np.concatenate(rows), np.concatenate(kcols), np.concatenate(brows), np.array(r_lo, dtype=np.int64),
            np.array(k_lo, dtype=np.int64), inv, share)


def pays(x_shape, w_shape, stride, padding4, dilation, dtype) -> bool:
    """Whether conv2d's indexed forward (kernels/conv.py, ``_indexed``) runs in border classes:
    gemm.py's GEMM available, C_out wider than one float32 register tile (32: narrower ones are
    kernels/gemm_narrow.py's in float32, and were not measured in float64), C_in a multiple of 8
    (A packed in 8x8 blocks) and at least MIN_SKIPPED of the products skipped."""
    _N, C, H, W = x_shape
    C_out, _, kH, kW = w_shape
    if not gemm.available(dtype) or C_out <= gemm.TILE[np.dtype(np.float32)][1] or C % 8 != 0:
        return False
    (pT, pB), (pL, pR) = padding4
    if pT == pB == pL == pR == 0:
        return False
    oH = (H + pT + pB - dilation[0] * (kH - 1) - 1) // stride[0] + 1
    oW = (W + pL + pR - dilation[1] * (kW - 1) - 1) // stride[1] + 1
    if oH <= 0 or oW <= 0:
        return False
    share = _tables(1, H + pT + pB, W + pL + pR, C, C_out, kH, kW, (oH, oW), tuple(stride),
                    tuple(map(tuple, padding4)), tuple(dilation))[-1]
    return share <= 1 - MIN_SKIPPED


def _class_rows(r_lo: np.ndarray, k_lo: np.ndarray, parts: int) -> np.ndarray:
    """Which rows of which class each thread computes: ``spans[t, q] = (first, end)`` rows of Y.
    The classes' MR-row slivers, class by class, are cut into ``parts`` runs of about equal work
    (a sliver of class q costs its K_q taps' columns; a class that reaches no tap one unit, its
    zeros): a thread takes whole classes where it can and packs those classes' part of W' alone,
    where cutting every class made each thread pack all of W' (NiN's 5x5: 25 classes, 361 taps x
    C_in x C_out = 8.9 M numbers packed per thread, forward and input gradient alike)."""
    M = np.diff(r_lo)
    slivers = -(-M // gemm.MR)
    cost = np.repeat(np.maximum(np.diff(k_lo), 1), slivers)
    ends = np.cumsum(cost)
    first = np.concatenate(([0], np.cumsum(slivers)))  # class q's slivers: first[q] .. first[q + 1]
    cuts = [0] + [int(np.searchsorted(ends - cost / 2, ends[-1] * t / parts)) for t in range(1, parts)] + [first[-1]]
    spans = np.zeros((parts, M.shape[0], 2), dtype=np.int64)
    for t in range(parts):
        for q in range(M.shape[0]):
            lo, hi = max(cuts[t], first[q]), min(cuts[t + 1], first[q + 1])
            if hi > lo:
                spans[t, q] = r_lo[q] + min(M[q], (lo - first[q]) * gemm.MR), r_lo[q] + min(M[q], (hi - first[q]) * gemm.MR)
    return spans


@njit(cache=True)
def _classes_part(a, rows, kcols, b, brows, N, K_all, k_lo, c, work, runs8, spans):
    """One thread's rows of the classes (``spans``, ``_class_rows``): per class q its rows of Y
    (whole MR-row slivers) times the class's taps, on ``gemm_indexed.gemm_indexed_gather``.
    Every number of Y is the same sum in the same order, whichever thread computes it."""
    for q in range(spans.shape[0]):
        r0, r1 = spans[q, 0], spans[q, 1]
        K = k_lo[q + 1] - k_lo[q]
        if r1 <= r0:
            continue
        if K == 0:  # no tap reaches the input: the products are all zero
            for r in range(r0, r1):
                c[r * N: r * N + N] = 0
            continue
        gemm_indexed.gemm_indexed_gather(r1 - r0, N, K, a, rows, kcols[k_lo[q]:k_lo[q + 1]], r0, b,
                                         brows[k_lo[q]:k_lo[q + 1]], K_all, 0, c, r0 * N, N, work, runs8)


@njit(cache=True, parallel=True)
def _gemm_classes(a, rows, kcols, b, brows, N, K_all, k_lo, c, work, runs8, spans, parallel):
    """Every class's GEMM: ``spans.shape[0]`` threads (``prange``) when ``parallel``, each taking
    its rows (``_class_rows``), each with its workspace row."""
    if parallel:
        for t in prange(spans.shape[0]):
            _classes_part(a, rows, kcols, b, brows, N, K_all, k_lo, c, work[numba.get_thread_id()], runs8, spans[t])
    else:
        for t in range(spans.shape[0]):
            _classes_part(a, rows, kcols, b, brows, N, K_all, k_lo, c, work[numba.get_thread_id()], runs8, spans[t])


@njit(cache=True)
def _sample_to_nchw(Y, inv, y, bias, has_bias, n):
    """y[n, co, p] = Y[inv[n*L + p], co] (+ bias[co]): sample n's rows of Y into its planes."""
    C_out, L = y.shape[1], y.shape[2]
    for p in range(L):
        row = Y[inv[n * L + p]]
        if has_bias:
            for co in range(C_out):
                y[n, co, p] = row[co] + bias[co]
        else:
            for co in range(C_out):
                y[n, co, p] = row[co]


@njit(cache=True, parallel=True)
def _to_nchw(Y, inv, y, bias, has_bias, parallel):
    """Every sample's rows of Y into y (N, C_out, L); ``prange`` over samples when ``parallel``."""
    if parallel:
        for n in prange(y.shape[0]):
            _sample_to_nchw(Y, inv, y, bias, has_bias, n)
    else:
        for n in range(y.shape[0]):
            _sample_to_nchw(Y, inv, y, bias, has_bias, n)


def check_forward(x_pad: np.ndarray, w_rows: np.ndarray, kernel, padding4, out_hw, stride, dilation):
    """The geometry checks of a forward in border classes (this module's and
    kernels/conv_small_classes.py's): x_pad channels last and 4-d, the weight's rows (C_out,
    kH*kW*C), and an output size that the padded input, kernel, stride and dilation give, with
    real input inside the padding. Returns (N, Hp, Wp, C, C_out); raises RuntimeError otherwise."""
    op = "conv2d"
    check_shape(op, "x_pad", x_pad.shape, (None,) * 4)
    N, Hp, Wp, C = x_pad.shape
    kH, kW = kernel
    check_shape(op, "weight rows", w_rows.shape, (None, kH * kW * C))
    _check_window(f"{op}: output size", x_pad.shape, kernel, padding4, out_hw, stride, dilation)
    return N, Hp, Wp, C, w_rows.shape[0]


def check_weight_grad(op: str, gy: np.ndarray, x_pad: np.ndarray, weight_shape, padding4, stride, dilation):
    """The geometry checks of a weight gradient in border classes (this module's tap rows and
    kernels/conv_small_classes.py's tap rectangles): x_pad channels last, gy (N, C_out, oH, oW) of
    the output size the padded input, kernel, stride and dilation give. Returns (N, Hp, Wp, C,
    C_out, kH, kW, oH, oW); raises RuntimeError otherwise."""
    check_shape(op, "x_pad", x_pad.shape, (None,) * 4)
    check_shape(op, "gy", gy.shape, (x_pad.shape[0], None, None, None))
    N, Hp, Wp, C = x_pad.shape
    C_out, _, kH, kW = weight_shape
    check_shape(op, "weight", tuple(weight_shape), (gy.shape[1], C, None, None))
    oH, oW = gy.shape[2:]
    _check_window(f"{op}: gy's size", x_pad.shape, (kH, kW), padding4, (oH, oW), stride, dilation)
    return N, Hp, Wp, C, C_out, kH, kW, oH, oW


def _check_window(what: str, x_pad_shape, kernel, padding4, out_hw, stride, dilation) -> None:
    """``out_hw`` is the output size of x_pad's window, and the padding leaves real input."""
    _, Hp, Wp, _ = x_pad_shape
    kH, kW = kernel
    (pT, pB), (pL, pR) = padding4
    want = ((Hp - dilation[0] * (kH - 1) - 1) // stride[0] + 1, (Wp - dilation[1] * (kW - 1) - 1) // stride[1] + 1)
    if (tuple(out_hw) != want or min(want) <= 0 or min(pT, pB, pL, pR) < 0 or Hp - pT - pB <= 0
            or Wp - pL - pR <= 0 or min(kH, kW, *stride, *dilation) <= 0):
        raise RuntimeError(f"{what} {tuple(out_hw)} does not match x_pad {tuple(x_pad_shape)}, "
                           f"kernel {tuple(kernel)}, stride {tuple(stride)} and dilation {tuple(dilation)}")


def conv2d_forward(x_pad: np.ndarray, w_rows: np.ndarray, kernel, padding4, out_hw, stride, dilation,
                   bias=None) -> np.ndarray:
    """y = conv2d(x, w) + b (one group) from x's padded channels-last copy x_pad (N, Hp, Wp, C_in)
    and w as W' (C_out, kH*kW*C_in), (i, j, c) order (kernels/conv.py's ``_nhwc_weight``), the
    padding's products skipped (see above). ``kernel`` is (kH, kW), ``padding4`` ((top, bottom),
    (left, right)), what x_pad was padded with; y is (N, C_out, oH, oW), C-contiguous.

    Loop nest: ``for part of the threads (prange if big) / for class / gemm_indexed_gather (the
    part's rows of the class, W' packed from the class's columns) / then for n (prange if big) /
    for position / for co: y[n, co, p] = Y[inv[n, p], co] + b[co]``. The parts are runs of the
    classes' slivers of equal work (``_class_rows``): a thread takes whole classes, and only a
    class cut between two threads has its part of W' packed twice. (Until s16 every class was
    cut among all threads, by rows, or by columns where it had fewer rows than C_out, so that
    each thread packed all of W': AlexNet's 3x3 layers on 3x3 maps took 0.76-0.85x the time at 2
    threads by columns than by rows; the s13 and s16 sections of docs/performance-notes.md.)
    Cost: 2*C_out*sum over classes of rows*taps*C_in flops (``pays`` asks it to be at most 0.9 of
    the unsplit GEMM's); each class's part of W' packed once (twice for a class cut in two).
    """
    op = "conv2d"
    N, Hp, Wp, C, C_out = check_forward(x_pad, w_rows, kernel, padding4, out_hw, stride, dilation)
    kH, kW = kernel
    oH, oW = out_hw
    dtype = x_pad.dtype
    if dtype not in gemm.TILE or not x_pad.flags.c_contiguous or w_rows.dtype != dtype or not w_rows.flags.c_contiguous:
        raise RuntimeError("conv2d (border classes): x_pad and the weight's rows must be C-contiguous "
                           "float32 or float64 arrays of one dtype")
    if bias is not None:
        check_shape(op, "bias", bias.shape, (C_out,))
    rows, kcols, brows, r_lo, k_lo, inv, _ = _tables(N, Hp, Wp, C, C_out, kH, kW, (oH, oW), tuple(stride),
                                                     tuple(map(tuple, padding4)), tuple(dilation))
    M = N * oH * oW
    Y = np.empty(M * C_out, dtype=dtype)
    parts = min(split_threads(), (M + gemm.MR - 1) // gemm.MR) if in_parallel(M * C_out * kcols.shape[0] // 16) else 1
    _gemm_classes(x_pad.reshape(-1), rows, kcols, w_rows.reshape(-1), brows, C_out, kH * kW * C, k_lo, Y,
                  gemm.workspace(dtype), C % 8 == 0, _class_rows(r_lo, k_lo, parts), parts > 1)
    y = np.empty((N, C_out, oH, oW), dtype=dtype)
    has_bias = bias is not None
    b = bias.astype(dtype, copy=False) if has_bias else Y[:1]
    _to_nchw(Y.reshape(M, C_out), inv, y.reshape(N, C_out, oH * oW), b, has_bias, in_parallel(2 * M * C_out))
    return y


# The weight gradient by tap rows. gw's columns of tap row i (all j, all c: kW*C_in columns of
# gw as (C_out, K), (i, j, c) order, one after the other) are a sum over the output positions
# whose row oh reaches input row oh*sH - pT + i*dH inside x: output rows [lo_i, hi_i), so the
# padding's rows are skipped along H (along W a tap row still reads the padding's zeros: per
# (i, j) the positions would be rectangles of rows of 3-5 positions). With gy's positions in
# (oh, n, ow) order, GY' (C_out, oH*N*oW), those positions are consecutive columns of GY', and
# each tap row is one GEMM, written once (no classes to add up, unlike the forward's):
#     gw[:, tap row i] (C_out, kW*C) = GY'[:, lo_i*N*oW : hi_i*N*oW] @ B_i,  B_i(r, (j, c)) = x_pad[rows[r] + kcols_i[(j, c)]]
# on ``gemm_indexed.gemm_indexed_b`` (A strided, B's slivers runs of channels of one tap, packed 8 at a time).


@functools.lru_cache(maxsize=64)
def _weight_grad_tables(N: int, Hp: int, Wp: int, C: int, kH: int, kW: int, out_hw, stride, padding4, dilation):
    """``rows`` (the offsets of every output position into the flat x_pad, (oh, n, ow) order),
    ``kcols`` (per tap row i the kW*C offsets of (i, j, c), concatenated), ``r_lo`` / ``r_hi``
    (tap row i's positions: rows[r_lo[i]:r_hi[i]]) and the fraction of the unsplit GEMM's
    products computed."""
    (oH, oW), (sH, sW), (dH, dW) = out_hw, stride, dilation
    (pT, pB), _ = padding4
    H = Hp - pT - pB
    oh = np.arange(oH, dtype=np.int64)[:, None, None]
    n = np.arange(N, dtype=np.int64)[None, :, None]
    ow = np.arange(oW, dtype=np.int64)[None, None, :]
    rows = (((n * Hp + oh * sH) * Wp + ow * sW) * C).reshape(-1)
    tap = (np.arange(kW, dtype=np.int64)[:, None] * dW * C + np.arange(C, dtype=np.int64)).reshape(-1)
    kcols = np.concatenate([i * dH * Wp * C + tap for i in range(kH)])
    lo = np.array([min(oH, max(0, -(-(pT - i * dH) // sH))) for i in range(kH)], dtype=np.int64)  # oh*sH - pT + i*dH >= 0
    hi = np.maximum(lo, [min(oH, (H - 1 + pT - i * dH) // sH + 1) for i in range(kH)])  # ... and < H
    share = float((hi - lo).sum()) / (oH * kH)
    return rows, kcols, lo * N * oW, hi * N * oW, share


def weight_grad_pays(x_shape, w_shape, stride, padding4, dilation, dtype) -> bool:
    """Whether the indexed weight gradient (kernels/conv_weight_grad.py) runs by tap rows: gemm.py's
    GEMM available, C_in a multiple of 8 (B's slivers: runs of one tap's channels), more than one
    register tile of output channels (as ``pays``) and at least MIN_SKIPPED of the products
    skipped along H."""
    _N, C, H, W = x_shape
    C_out, _, kH, kW = w_shape
    if not gemm.available(dtype) or C_out <= gemm.TILE[np.dtype(np.float32)][1] or C % 8 != 0:
        return False
    (pT, pB), (pL, pR) = padding4
    oH = (H + pT + pB - dilation[0] * (kH - 1) - 1) // stride[0] + 1
    oW = (W + pL + pR - dilation[1] * (kW - 1) - 1) // stride[1] + 1
    if pT == pB == 0 or oH <= 0 or oW <= 0:
        return False
    share = _weight_grad_tables(1, H + pT + pB, W + pL + pR, C, kH, kW, (oH, oW), tuple(stride),
                                tuple(map(tuple, padding4)), tuple(dilation))[-1]
    return share <= 1 - MIN_SKIPPED


def _tap_row_tiles(kH: int, tiles: int, K_rows, parts: int) -> np.ndarray:
    """Which NR-wide slivers of which tap row each thread computes: ``spans[t, i] = (first,
    end)`` tiles of row i for thread t. The kH*tiles (row, sliver) pairs, in order, are cut into
    ``parts`` runs of about equal work (a sliver of row i costs K_rows[i]; a row no position
    reaches costs one unit, its zeros), so a thread takes whole rows where it can and packs
    those rows' GY' alone, where cutting every row's columns made each thread pack all of GY'
    (NiN's 5x5: 15 slivers per row, 7 and 8 per thread, each packing 256 x 12,992 numbers of A)."""
    cost = np.repeat(np.maximum(np.asarray(K_rows, dtype=np.int64), 1), tiles)
    ends = np.cumsum(cost)
    cuts = [0] + [int(np.searchsorted(ends - cost / 2, ends[-1] * t / parts)) for t in range(1, parts)] + [kH * tiles]
    spans = np.zeros((parts, kH, 2), dtype=np.int64)
    for t in range(parts):
        for i in range(kH):
            lo, hi = max(cuts[t], i * tiles), min(cuts[t + 1], (i + 1) * tiles)
            if hi > lo:
                spans[t, i] = lo - i * tiles, hi - i * tiles
    return spans


@njit(cache=True)
def _tap_rows_part(a, rsa, b, rows, kcols, r_lo, r_hi, c, C_out, work, nr, spans):
    """One thread's slivers of the tap rows (``spans``, ``_tap_row_tiles``): per row i its
    columns of gw (whole NR-wide slivers) on ``gemm_indexed.gemm_indexed_b``; a row no position
    reaches is zero."""
    kH = r_lo.shape[0]
    cols = kcols.shape[0] // kH
    K_all = kcols.shape[0]
    for i in range(kH):
        lo, hi = min(cols, spans[i, 0] * nr), min(cols, spans[i, 1] * nr)
        if hi <= lo:
            continue
        K = r_hi[i] - r_lo[i]
        if K == 0:
            for m in range(C_out):
                for j in range(i * cols + lo, i * cols + hi):
                    c[m * K_all + j] = 0
            continue
        gemm_indexed.gemm_indexed_b(C_out, hi - lo, K, a, r_lo[i], rsa, 1, b, rows[r_lo[i]:r_hi[i]],
                                    kcols[i * cols:(i + 1) * cols], lo, c, i * cols + lo, K_all, work)


@njit(cache=True, parallel=True)
def _gemm_tap_rows(a, rsa, b, rows, kcols, r_lo, r_hi, c, C_out, work, nr, spans, parallel):
    """Every tap row's GEMM: ``spans.shape[0]`` threads (``prange``) when ``parallel``, each
    taking its slivers (``_tap_row_tiles``), each with its workspace row."""
    if parallel:
        for t in prange(spans.shape[0]):
            _tap_rows_part(a, rsa, b, rows, kcols, r_lo, r_hi, c, C_out, work[numba.get_thread_id()], nr, spans[t])
    else:
        for t in range(spans.shape[0]):
            _tap_rows_part(a, rsa, b, rows, kcols, r_lo, r_hi, c, C_out, work[numba.get_thread_id()], nr, spans[t])


@njit(cache=True, inline="always")
def _gy_row(gy, out, N, C, H, W, p):
    """Row p = co*H + oh of GY' (C_out, oH, N, oW): out[co, oh, n, :] = gy[n, co, oh, :]."""
    p = np.uint64(p)
    co, oh = p // H, p % H
    d = p * N * W
    for n in range(N):
        s = ((np.uint64(n) * C + co) * H + oh) * W
        o = d + np.uint64(n) * W
        for w in range(W):
            out[o + w] = gy[s + w]


@njit(cache=True, parallel=True)
def _rows_first(gy, out, N, C, H, W, parallel):
    """GY' = gy (N, C_out, oH, oW) as (C_out, oH, N, oW), flat and C-contiguous: ``prange`` over
    the C_out*oH rows when ``parallel``, each row (N*oW numbers) written by one iteration."""
    N, C, H, W = np.uint64(N), np.uint64(C), np.uint64(H), np.uint64(W)
    if parallel:
        for p in prange(C * H):
            _gy_row(gy, out, N, C, H, W, p)
    else:
        for p in range(C * H):
            _gy_row(gy, out, N, C, H, W, p)


@njit(cache=True, parallel=True)
def _taps_to_channels(src, out, C_out, T, C, parallel):
    """out (C_out, C, T) from src (C_out, T, C), flat: gw's (i, j, c) columns into w's layout,
    ``prange`` over C_out when ``parallel`` (each iteration one output channel, in cache)."""
    C_out, T, C = np.uint64(C_out), np.uint64(T), np.uint64(C)
    if parallel:
        for co in prange(C_out):
            base = np.uint64(co) * T * C
            for c in range(C):
                for t in range(T):
                    out[base + np.uint64(c) * T + np.uint64(t)] = src[base + np.uint64(t) * C + np.uint64(c)]
    else:
        for co in range(C_out):
            base = np.uint64(co) * T * C
            for c in range(C):
                for t in range(T):
                    out[base + np.uint64(c) * T + np.uint64(t)] = src[base + np.uint64(t) * C + np.uint64(c)]


def conv2d_weight_grad(gy: np.ndarray, x_pad: np.ndarray, weight_shape, padding4, stride, dilation) -> np.ndarray:
    """dL/dw of conv2d (one group) from gy (N, C_out, oH, oW) and x's padded channels-last copy
    x_pad (N, Hp, Wp, C_in), by tap rows (see above); gw (C_out, C_in, kH, kW), C-contiguous.
    Loop nest: ``gy to GY' (C_out, oH, N, oW) (for row co*oH + oh, prange if big) / for part of
    the threads (prange if big) / for tap row / gemm_indexed_b (the part's slivers of the row's
    columns, ``_tap_row_tiles``) / then gw (C_out, kH, kW, C_in) into (C_out, C_in, kH, kW) (for
    co, prange if big)``. Every number of gw is one gemm_indexed_b sum over the row's positions,
    whichever thread computes it: the same bits at any thread count.
    Cost: 2*C_out*kW*C_in*N*oW*sum_i(hi_i - lo_i) flops (``weight_grad_pays`` asks it to be at
    most 0.9 of the unsplit GEMM's); GY' packed once per tap row and thread that has slivers of it.
    """
    op = "conv2d_weight_grad"
    N, Hp, Wp, C, C_out, kH, kW, oH, oW = check_weight_grad(op, gy, x_pad, weight_shape, padding4, stride, dilation)
    dtype = x_pad.dtype
    if dtype not in gemm.TILE or not x_pad.flags.c_contiguous:
        raise RuntimeError(f"{op} (tap rows): x_pad must be a C-contiguous float32 or float64 array")
    rows, kcols, r_lo, r_hi, _ = _weight_grad_tables(N, Hp, Wp, C, kH, kW, (oH, oW), tuple(stride),
                                                     tuple(map(tuple, padding4)), tuple(dilation))
    GY = np.empty(gy.size, dtype=dtype)  # GY' (C_out, oH, N, oW)
    g = np.ascontiguousarray(gy, dtype=dtype).reshape(-1)
    _rows_first(g, GY, N, C_out, oH, oW, in_parallel(2 * gy.size))
    K_all = kcols.shape[0]
    gw = np.empty(C_out * K_all, dtype=dtype)
    nr = gemm.TILE[dtype][1]
    parts = min(split_threads(), -(-kW * C // nr)) if in_parallel(
        C_out * kW * C * int((r_hi - r_lo).sum()) // 16) else 1
    spans = _tap_row_tiles(kH, -(-kW * C // nr), r_hi - r_lo, parts)
    _gemm_tap_rows(GY, N * oH * oW, x_pad.reshape(-1), rows, kcols, r_lo, r_hi, gw, C_out,
                   gemm.workspace(dtype), nr, spans, parts > 1)
    out = np.empty((C_out, C, kH, kW), dtype=dtype)
    _taps_to_channels(gw, out.reshape(-1), C_out, kH * kW, C, in_parallel(2 * gw.size))
    return out
