"""The indexed GEMMs: the convolutions' GEMMs with an operand read through indices, never copied.

``gemm_indexed`` (A(i, k) = a[rows[i] + kcols[k]]: the forward's im2col columns read from x_pad),
``gemm_indexed_gather`` (the same A, B's rows gathered: kernels/conv_borders.py's classes of
output positions), ``gemm_indexed_b`` (B(k, j) = b[rows[k] + kcols[j]]: the weight gradient's
columns), with their packing (``_pack_indexed``, ``_pack_b_gather``, ``_pack_b_indexed``), their
threaded drivers (``matmul_indexed``, ``matmul_indexed_b``: pieces of whole slivers of C, one per
thread in a ``prange``, each piece's loop nest on one thread) and their checks.

Each is kernels/gemm.py's loop nest (``for jc / for pc / pack B / for ic / pack A / _block``),
``_block`` and ``_pack`` shared, the register tile kernels/gemm_tile.py's, so the sums are the
same, in the same order, as ``gemm``'s. Cost: 2*M*N*K flops; the indexed operand is read once per
block while packing. Where C is one register tile narrow, kernels/gemm_narrow.py reads an operand
in place instead of packing it.
"""

import numba
import numpy as np
from numba import njit, prange

from .checks import check_shape
from .gemm import KC, MC, NC, TILE, _block, _pack, extent, workspace
from .gemm_tile import MR, NV, VECTOR_BYTES, _address, _copy8, _transpose8, _transpose8_rows
from .threading import in_parallel, split_threads

# An indexed A: the channels-last convolution's GEMM without its im2col columns.
#
# The forward of a convolution on channels-last x_pad (N, Hp, Wp, C) is ``Y = cols @ W'.T``, where
# row r = (n, oh, ow) of cols, at column k = (i, j, c), is x_pad[n, oh*sH + i*dH, ow*sW + j*dW, c]:
# a sum of a row offset and a column offset into the flat x_pad,
#     A(r, k) = a[rows[r] + kcols[k]],  rows[r] = ((n*Hp + oh*sH)*Wp + ow*sW)*C,
#                                       kcols[k] = (i*dH*Wp + j*dW)*C + c.
# So the GEMM can pack its blocks of A straight from x_pad (``_pack_indexed``) instead of reading
# columns that im2col wrote first: the columns (kH*kW times x's size: 24 MB for DenseNet's
# (64,160,8,8) 3x3) are never written nor read back; x_pad stays in cache. Packing is fast when
# an MR-row sliver is 8 output positions of one output row (their rows[] a constant stride apart)
# and k runs over C in aligned groups of 8: then each 8x8 block is one ``_transpose8``; 8 rows at
# any offsets (a sliver across two output rows) with k in groups of 8: one ``_transpose8_rows``.


@njit(cache=True)
def _pack_indexed(src, rows, kcols, r0, k0, kc, xc, w, dst, runs8):
    """Pack the kc x xc block of A(i, k) = src[rows[r0 + i] + kcols[k0 + k]] into slivers of
    width w (zeros past xc), as ``_pack`` packs A. ``runs8``: kcols[k0 + k: k0 + k + 8] is
    contiguous for every k multiple of 8 below kc. A sliver of 8 rows a constant stride apart
    is packed 8x8 blocks at a time (``_transpose8``) with ``runs8``, one run of 8 per k when
    the stride is 1 (the weight gradient's A: 8 channels of one tap); a full sliver of 8 rows
    at any offsets with ``runs8`` also 8x8 blocks at a time, each row's address read from
    ``rows`` (``_transpose8_rows``): a sliver that wraps past the end of an output row, every
    one on a map whose width is not a multiple of 8. Until 2026-12-07 those went number by
    number (0.7 ns a number): NiN's 5x5 forward GEMM (64,96,7,7)->256, 3136 x 2400 x 256,
    31.8 -> 24.0 ms, its (64,256,3,3)->384 3x3 8.2 -> 6.9 (bench_gemm_indexed.py, 1 thread, CPU
    time, medians of 9, load 5.1; the same packed numbers, so bitwise the same C). A ragged last
    sliver (fewer than 8 rows) or kcols not in runs of 8: number by number. Cost: kc*xc loads
    and stores, one vector each per 8 numbers on the transposed paths."""
    for s in range(0, xc, w):
        width = min(w, xc - s)
        sliver = dst[s * kc: s * kc + kc * w]
        base = rows[r0 + s]
        regular = width == 8 and w == 8
        d = rows[r0 + s + 1] - base if width > 1 else 0
        if regular:
            for x in range(2, 8):
                if rows[r0 + s + x] != base + x * d:
                    regular = False
        if regular and d == 1:  # the sliver's rows are consecutive numbers: one run per k
            for k in range(kc):
                first = base + kcols[k0 + k]
                for x in range(8):
                    sliver[k * w + x] = src[first + x]
            continue
        if regular and runs8:
            for k in range(0, kc, 8):
                _transpose8(_address(src, base + kcols[k0 + k]), d, _address(sliver, k * w), w)
            continue
        if width == 8 and w == 8 and runs8:  # 8 rows at any offsets (a sliver across output rows)
            for k in range(0, kc, 8):
                _transpose8_rows(_address(src, kcols[k0 + k]), _address(rows, r0 + s), _address(sliver, k * w), w)
            continue
        for k in range(kc):
            off = kcols[k0 + k]
            for x in range(width):
                sliver[k * w + x] = src[rows[r0 + s + x] + off]
            for x in range(width, w):
                sliver[k * w + x] = 0


@njit(cache=True)
def gemm_indexed(M, N, K, a, rows, kcols, r0, b, b_off, rsb, csb, c, c_off, ldc, work, runs8):
    """C = A @ B on one thread, A(i, k) = a[rows[r0 + i] + kcols[k]] (see above), B and C as in
    ``gemm``. The loop nest is ``gemm``'s (B packed per (jc, pc) block, A per (ic, pc) block,
    the same micro-kernel and edges, so the same sums in the same order); K is cut into blocks
    of a multiple of 8 (at most KC) so that the groups of 8 in kcols stay aligned."""
    nr = NV * VECTOR_BYTES // a.itemsize
    mr = min(MR, nr)
    ap = work[: MC * KC]
    bp = work[MC * KC: MC * KC + KC * NC]
    tile = work[MC * KC + KC * NC: MC * KC + KC * NC + mr * nr]
    blocks = (K + KC - 1) // KC
    step = ((K + blocks - 1) // blocks + 7) // 8 * 8  # at most KC, a multiple of 8
    for jc in range(0, N, NC):
        nc = min(NC, N - jc)
        for pc in range(0, K, step):
            kc = min(step, K - pc)
            _pack(b, b_off + pc * rsb + jc * csb, rsb, csb, kc, nc, nr, bp)
            for ic in range(0, M, MC):
                mc = min(MC, M - ic)
                _pack_indexed(a, rows, kcols, r0 + ic, pc, kc, mc, mr, ap, runs8 and kc % 8 == 0)
                _block(kc, mc, nc, ap, bp, 0, nr, 0, bp, c, c_off + ic * ldc + jc, ldc, tile, mr, nr, pc > 0)


@njit(cache=True)
def _pack_b_gather(src, bk, ldb, k0, j0, kc, xc, w, dst):
    """Pack the kc x xc block of B(k, j) = src[bk[k0 + k] + (j0 + j)*ldb] (a column-major B whose
    rows k are gathered: bk picks them) into slivers of width w (zeros past xc), as ``_pack``
    packs a column-major B: where 8 consecutive k are 8 consecutive numbers of src, 8x8 blocks
    transposed in registers (``_transpose8``), the rest number by number. Cost: kc*xc loads and
    stores, a vector each per 8 numbers on the transposed path."""
    for s in range(0, xc, w):
        width = min(w, xc - s)
        sliver = dst[s * kc: s * kc + kc * w]
        blocked = width // 8 * 8 if w % 8 == 0 else 0
        for k in range(0, kc, 8):
            first = bk[k0 + k]
            run = k + 8 <= kc
            if run:
                for kk in range(1, 8):
                    if bk[k0 + k + kk] != first + kk:
                        run = False
            if run:
                for x in range(0, blocked, 8):
                    _transpose8(_address(src, first + (j0 + s + x) * ldb), ldb, _address(sliver, k * w + x), w)
                lo = blocked
            else:
                lo = 0
            for kk in range(k, min(k + 8, kc)):
                row = bk[k0 + kk] + j0 * ldb
                for x in range(lo, width):
                    sliver[kk * w + x] = src[row + (s + x) * ldb]
                for x in range(width, w):
                    sliver[kk * w + x] = 0


@njit(cache=True)
def gemm_indexed_gather(M, N, K, a, rows, kcols, r0, b, bk, ldb, j0, c, c_off, ldc, work, runs8):
    """C = A @ B on one thread, A indexed as in ``gemm_indexed`` and B column-major with its rows
    gathered: ``B(k, j) = b[bk[k] + (j0 + j)*ldb]`` (columns j0 .. j0 + N of the full B: a
    thread's share of them). ``gemm_indexed``'s loop nest (the same sums in the
    same order), B packed by ``_pack_b_gather``. Used where the k of a GEMM is a subset of a
    larger one's (kernels/conv_borders.py: the taps that reach into the input, for one class of
    output positions), both operands read from the full arrays (x_pad and W' as (C_out, K))."""
    nr = NV * VECTOR_BYTES // a.itemsize
    mr = min(MR, nr)
    ap = work[: MC * KC]
    bp = work[MC * KC: MC * KC + KC * NC]
    tile = work[MC * KC + KC * NC: MC * KC + KC * NC + mr * nr]
    blocks = (K + KC - 1) // KC
    step = ((K + blocks - 1) // blocks + 7) // 8 * 8  # at most KC, a multiple of 8
    for jc in range(0, N, NC):
        nc = min(NC, N - jc)
        for pc in range(0, K, step):
            kc = min(step, K - pc)
            _pack_b_gather(b, bk, ldb, pc, j0 + jc, kc, nc, nr, bp)
            for ic in range(0, M, MC):
                mc = min(MC, M - ic)
                _pack_indexed(a, rows, kcols, r0 + ic, pc, kc, mc, mr, ap, runs8 and kc % 8 == 0)
                _block(kc, mc, nc, ap, bp, 0, nr, 0, bp, c, c_off + ic * ldc + jc, ldc, tile, mr, nr, pc > 0)


@njit(cache=True, parallel=True)
def _gemm_indexed_rows(M, N, K, a, rows, kcols, b, b_off, rsb, csb, c, work, runs8, parts, parallel):
    """``gemm_indexed`` over all M rows, cut into ``parts`` pieces of whole MR-row slivers, one
    per thread (``prange``) when ``parallel``, each with its thread's workspace row."""
    tiles = (M + MR - 1) // MR
    if parallel:
        for t in prange(parts):
            lo, hi = min(M, t * tiles // parts * MR), min(M, (t + 1) * tiles // parts * MR)
            if hi > lo:
                gemm_indexed(hi - lo, N, K, a, rows, kcols, lo, b, b_off, rsb, csb, c, lo * N, N,
                             work[numba.get_thread_id()], runs8)
    else:
        gemm_indexed(M, N, K, a, rows, kcols, 0, b, b_off, rsb, csb, c, 0, N, work[numba.get_thread_id()], runs8)


def split_pieces(M: int, N: int, K: int, pieces: int) -> tuple[int, bool]:
    """How an indexed GEMM of M x N x K shares out ``pieces`` independent pieces (whole slivers
    of C's rows or columns): ``(parts, parallel)``, as kernels/blas.py shares a GEMM: in
    parallel when ``in_parallel`` says the work pays for the threads, one part per thread."""
    parts = min(split_threads(), pieces) if in_parallel(M * N * K // 16) else 1
    return parts, parts > 1


def matmul_indexed(a: np.ndarray, rows: np.ndarray, kcols: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A @ b`` with ``A[i, k] = a[rows[i] + kcols[k]]`` (a 1-d, contiguous; rows, kcols int64),
    b (K, N) with non-negative strides, both of a's float dtype. Only where ``available(a.dtype)``.

    Loop nest: ``for piece of whole MR-row slivers (prange when shared, as kernels/blas.py
    shares a GEMM: in_parallel, split_threads) / gemm_indexed``; each piece writes its own rows
    of C, so no reduction. Cost: 2*M*N*K flops; A is read once per (jc, pc) block while packing
    (no M x K copy of it is ever made), B packed once per (jc, pc) block per piece.
    Checks, before any loop, that every index stays inside ``a`` and the shapes agree."""
    c, trivial = check_indexed(a, rows, kcols, b)
    if trivial:
        return c
    (M, N), K = c.shape, b.shape[0]
    runs8 = K % 8 == 0 and bool(np.all(np.diff(kcols.reshape(-1, 8), axis=1) == 1))
    rsb, csb = (s // b.itemsize for s in b.strides)
    parts, parallel = split_pieces(M, N, K, (M + MR - 1) // MR)
    _gemm_indexed_rows(M, N, K, a, rows, kcols, b.reshape(-1) if b.flags.c_contiguous else _flat(b), 0, rsb, csb,
                       c.reshape(-1), workspace(a.dtype), runs8, parts, parallel)
    return c


def check_indexed(a: np.ndarray, rows: np.ndarray, kcols: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, bool]:
    """``matmul_indexed``'s checks (shapes, dtypes, every index inside ``a``), before any loop;
    returns C (M, N), uninitialised, and whether it already is the product (M, N or K zero)."""
    check_shape("matmul_indexed", "rows", rows.shape, (None,))
    check_shape("matmul_indexed", "kcols", kcols.shape, (None,))
    check_shape("matmul_indexed", "b", b.shape, (kcols.shape[0], None))
    M, (K, N) = rows.shape[0], b.shape
    if a.ndim != 1 or not a.flags.c_contiguous or a.dtype != b.dtype or a.dtype not in TILE:
        raise RuntimeError("matmul_indexed: a must be a contiguous 1-d float array of b's dtype")
    if rows.dtype != np.int64 or kcols.dtype != np.int64 or min(b.strides) < 0:
        raise RuntimeError("matmul_indexed: rows and kcols must be int64, b's strides non-negative")
    c = np.empty((M, N), dtype=a.dtype)
    if M == 0 or N == 0:
        return c, True
    if K == 0:
        c[...] = 0
        return c, True
    if rows.min() < 0 or kcols.min() < 0 or int(rows.max()) + int(kcols.max()) >= a.size:
        raise RuntimeError(f"matmul_indexed: an index of A falls outside a (size {a.size})")
    return c, False


@njit(cache=True)
def _pack_b_indexed(src, rows, kcols, k0, j0, kc, xc, w, dst):
    """Pack the kc x xc block of B(k, j) = src[rows[k0 + k] + kcols[j0 + j]] into slivers of
    width w (zeros past xc), as ``_pack`` packs B. A sliver whose kcols are w consecutive
    numbers (w channels of one tap) is one contiguous run per k, copied 8 numbers a move
    (``_copy8``; numba's plain loop of copies was not vectorised: DenseNet's (64,160,8,8)->32
    weight gradient 4.81 -> 3.93 ms, 1 thread, bench_gemm_indexed.py); any other number by number."""
    for s in range(0, xc, w):
        width = min(w, xc - s)
        first_col = kcols[j0 + s]
        run = width == w
        if run:
            for x in range(1, w):
                if kcols[j0 + s + x] != first_col + x:
                    run = False
        for k in range(kc):
            row = dst[s * kc + k * w: s * kc + k * w + w]
            base = rows[k0 + k]
            if run and w % 8 == 0:  # one vector move per 8 (numba's own loop was not vectorised)
                for x in range(0, w, 8):
                    _copy8(_address(src, base + first_col + x), _address(dst, s * kc + k * w + x))
            elif run:
                for x in range(w):
                    row[x] = src[base + first_col + x]
            else:
                for x in range(width):
                    row[x] = src[base + kcols[j0 + s + x]]
                for x in range(width, w):
                    row[x] = 0


@njit(cache=True)
def gemm_indexed_b(M, N, K, a, a_off, rsa, csa, b, rows, kcols, j0, c, c_off, ldc, work):
    """C = A @ B on one thread for columns j0 .. j0 + N of B(k, j) = b[rows[k] + kcols[j]]; A and
    C as in ``gemm``. ``gemm``'s loop nest with B packed by ``_pack_b_indexed``: the weight
    gradient ``gy (C_out, N*L) @ cols (N*L, kH*kW*C_in)`` with cols read from x_pad."""
    nr = NV * VECTOR_BYTES // a.itemsize
    mr = min(MR, nr)
    ap = work[: MC * KC]
    bp = work[MC * KC: MC * KC + KC * NC]
    tile = work[MC * KC + KC * NC: MC * KC + KC * NC + mr * nr]
    blocks = (K + KC - 1) // KC
    step = (K + blocks - 1) // blocks
    for jc in range(0, N, NC):
        nc = min(NC, N - jc)
        for pc in range(0, K, step):
            kc = min(step, K - pc)
            _pack_b_indexed(b, rows, kcols, pc, j0 + jc, kc, nc, nr, bp)
            for ic in range(0, M, MC):
                mc = min(MC, M - ic)
                _pack(a, a_off + ic * rsa + pc * csa, csa, rsa, kc, mc, mr, ap)
                _block(kc, mc, nc, ap, bp, 0, nr, 0, bp, c, c_off + ic * ldc + jc, ldc, tile, mr, nr, pc > 0)


@njit(cache=True, parallel=True)
def _gemm_indexed_b_cols(M, N, K, a, rsa, csa, b, rows, kcols, c, work, nr, parts, parallel):
    """``gemm_indexed_b`` over all N columns, cut into ``parts`` pieces of whole NR-wide slivers,
    one per thread (``prange``) when ``parallel``, each with its thread's workspace row."""
    tiles = (N + nr - 1) // nr
    if parallel:
        for t in prange(parts):
            lo, hi = min(N, t * tiles // parts * nr), min(N, (t + 1) * tiles // parts * nr)
            if hi > lo:
                gemm_indexed_b(M, hi - lo, K, a, 0, rsa, csa, b, rows, kcols, lo, c, lo, N,
                               work[numba.get_thread_id()])
    else:
        gemm_indexed_b(M, N, K, a, 0, rsa, csa, b, rows, kcols, 0, c, 0, N, work[numba.get_thread_id()])


def matmul_indexed_b(a: np.ndarray, b: np.ndarray, rows: np.ndarray, kcols: np.ndarray) -> np.ndarray:
    """``a @ B`` with ``B[k, j] = b[rows[k] + kcols[j]]`` (b 1-d, contiguous; rows, kcols int64),
    a (M, K) with non-negative strides, both of b's float dtype. Only where ``available``.

    Loop nest: ``for piece of whole NR-wide slivers of C's columns (prange when shared, as
    kernels/blas.py shares a GEMM) / gemm_indexed_b``; each piece writes its own columns of C.
    Cost: 2*M*N*K flops; B is read from b once per (jc, pc) block while packing, never copied
    whole. Checks, before any loop, that every index stays inside ``b`` and the shapes agree."""
    c, trivial = check_indexed_b(a, b, rows, kcols)
    if trivial:
        return c
    (M, N), K = c.shape, a.shape[1]
    nr = TILE[b.dtype][1]
    rsa, csa = (s // a.itemsize for s in a.strides)
    parts, parallel = split_pieces(M, N, K, (N + nr - 1) // nr)
    _gemm_indexed_b_cols(M, N, K, a.reshape(-1) if a.flags.c_contiguous else _flat(a), rsa, csa, b, rows, kcols,
                         c.reshape(-1), workspace(b.dtype), nr, parts, parallel)
    return c


def check_indexed_b(a: np.ndarray, b: np.ndarray, rows: np.ndarray, kcols: np.ndarray) -> tuple[np.ndarray, bool]:
    """``matmul_indexed_b``'s checks (shapes, dtypes, every index inside ``b``), before any loop;
    returns C (M, N), uninitialised, and whether it already is the product (M, N or K zero)."""
    check_shape("matmul_indexed_b", "rows", rows.shape, (None,))
    check_shape("matmul_indexed_b", "kcols", kcols.shape, (None,))
    check_shape("matmul_indexed_b", "a", a.shape, (None, rows.shape[0]))
    (M, K), N = a.shape, kcols.shape[0]
    if b.ndim != 1 or not b.flags.c_contiguous or a.dtype != b.dtype or b.dtype not in TILE:
        raise RuntimeError("matmul_indexed_b: b must be a contiguous 1-d float array of a's dtype")
    if rows.dtype != np.int64 or kcols.dtype != np.int64 or min(a.strides) < 0:
        raise RuntimeError("matmul_indexed_b: rows and kcols must be int64, a's strides non-negative")
    c = np.empty((M, N), dtype=b.dtype)
    if M == 0 or N == 0:
        return c, True
    if K == 0:
        c[...] = 0
        return c, True
    if rows.min() < 0 or kcols.min() < 0 or int(rows.max()) + int(kcols.max()) >= b.size:
        raise RuntimeError(f"matmul_indexed_b: an index of B falls outside b (size {b.size})")
    return c, False


def _flat(b: np.ndarray) -> np.ndarray:
    """The 1-d array under a 2-d view with non-negative strides, from its first element (what
    ``gemm``'s offsets and strides index): a transposed or padded b is read in place."""
    return np.lib.stride_tricks.as_strided(b, shape=(extent(b),), strides=(b.itemsize,))
