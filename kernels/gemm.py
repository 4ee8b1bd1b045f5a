"""GEMM written here, the way BLAS libraries write theirs: packing, cache blocks, a register tile.

Why minitorch has a GEMM of its own: OpenBLAS runs on the kernel it was built or told to use, and
this machine's environment pins it to AVX2 (``OPENBLAS_CORETYPE=Haswell``), so it used half of the
AVX-512 hardware; numba compiles for the CPU it runs on, and PyTorch's oneDNN likewise picks its
kernels by the ISA it finds. On a CPU with AVX-512, the float32 and float64 GEMMs that run faster
here come here (kernels/blas.py decides, ``available`` and ``pays``); every other GEMM stays on
OpenBLAS.

The algorithm (Goto and van de Geijn, "Anatomy of high-performance matrix multiplication", 2008;
the loop nest of BLIS). ``C (M x N) = A (M x K) @ B (K x N)``:

    for jc in range(0, N, NC):                  # a block of B's columns ...
      for pc in range(0, K, KC):                # ... and of its rows: Bp, KC x NC, packed once
        pack B[pc:pc+KC, jc:jc+NC] -> Bp        #     into NR-wide slivers, kept in L2/L3
        for ic in range(0, M, MC):              # a block of A: Ap, MC x KC, in MR-tall slivers
          pack A[ic:ic+MC, pc:pc+KC] -> Ap
          for jr in range(0, NC, NR):           # one sliver of Bp (KC x NR) stays in L1 ...
            for ir in range(0, MC, MR):         # ... while every sliver of Ap passes it
              C[ir:ir+MR, jr:jr+NR] (+)= Ap_sliver @ Bp_sliver       # the micro-kernel

The micro-kernel keeps its MR x NR tile of C in registers for the whole of KC: per k it loads
NV vectors of B (NR = NV * VW numbers), and for each of the MR rows broadcasts one number of A
and does NV fused multiply-adds. That is MR*NV FMAs per MR + NV loads, so the FMA units, not the
loads, set the pace. With AVX-512 (32 vector registers): MR = 8 rows x NV = 2 vectors is 16
accumulators, plus 2 vectors of B and 1 broadcast (12 x 2, 27 registers, measured the same).
Packing makes every operand layout (row-major, transposed, padded) look the same to the
micro-kernel: both slivers are read contiguously, once per k. The packing routines read memory
in its contiguous order: an operand stored along k (A row-major, B column-major) 8x8 blocks at a
time, transposed in registers (``_transpose8``); one stored along its sliver's width (A
column-major, a weight gradient's ``x.t() @ g``; B row-major) k by k, each run of 8 numbers one
vector load and store (``_copy8``). Until 2026-12-07 the second was numba's plain loop of
copies, which LLVM did not vectorise: 0.5 ns a number against 0.085 for the transposes, so a
column-major A cost 1.4-2.5x OpenBLAS's time and stayed there; with ``_copy8`` (0.19 ns) it runs
here where ``pays`` says (DenseNet's 1440 x 4096 x 32 weight gradient: 30.9 -> 15.7 ms in
float64). The transposes of a column-major B (a Linear's ``x @ W.t()``) now write 8 whole sliver
rows before moving on along k, which took that GEMM (64 x 784 x 256, float32) from 256 to 230 us
against 209 with W.t() stored row-major, read in place: the rest is the transposition itself,
200K numbers in 20 us, which a row-major B never needs. Edges (M or N not a multiple of the
tile) are packed with zeros and the tile is computed into a scratch tile first. One exception: a
row-major B is read in place (slivers straight from its rows, ``ldb`` apart) when A is a single
MC block, since then each number of B is read once either way and packing it is a copy for
nothing (LeNet conv2's forward: 213 -> 110 us, 122 of them the packing). A column-major B with A
a single MC block (a Linear's ``x @ W.t()``) is not packed at all: C^T = B^T @ A^T is computed
instead, B^T's rows (W's) read in place as the micro-kernel's broadcast rows and only A^T packed
(``_gemm_b_rows``; the same sums), so W is never transposed (packing W's KC x NC blocks wrote
2 MB, more than L2 keeps beside A; the measurements are in docs/performance-notes.md, s14's GEMM
section; ``bench_gemm_threads.py``).
A C of ``STREAM_C_BYTES`` or more written once (K in one block), its rows a multiple of 64 bytes
apart, is written by non-temporal stores (``vmovntps``: to memory, without first reading each
cache line for ownership), its first columns up to a 64-byte boundary by ordinary ones so that
every later tile starts on one (NumPy's large arrays start 16 bytes past a boundary). The 4096 x
64 x 4096 weight gradient of a 4096-wide Linear writes 64 MB: 0.64x the time at 1 thread, 0.71x
at 2 (bench_gemm_threads.py); with SGD's update reading the gradient after it, 0.71x and 0.82x.

The two inner loops (``for jr / for ir / micro-kernel``, with the edge tiles) are one function,
``_block`` (BLIS's macro-kernel), which ``gemm``'s loop nest below and kernels/gemm_indexed.py's
share.

A variant, kernels/gemm_indexed.py's ``gemm_indexed``, reads A as ``a[rows[i] + kcols[k]]``:
the convolutions' im2col columns without writing them (kernels/conv.py), its blocks packed
straight from the image; ``gemm_indexed_b`` reads B so. Both run this file's ``_pack`` and
``_block``. Where C is one register tile narrow, kernels/gemm_narrow.py reads that operand in
place instead of packing it (the micro-kernel's code, ``emit_tile``, shared).

A second loop nest serves a C narrower than the tile (N < NR) whose A and B are both stored
along k, a weight gradient ``cols @ gy^T`` with few output channels: there half of every tile
would be empty, and each number of A is used only N times, so packing A would cost as much as
the products. ``_gemm_dot`` computes it as DR x DC tiles of dot products read straight from the
rows of A and B^T.

The micro-kernel, the dot-product tile and the 8x8 transposes used in packing are written in
LLVM IR (numba ``@intrinsic``s), in kernels/gemm_tile.py: how one tile is computed. This file
holds what is ordinary numba around them: packing, blocking, the public ``gemm``, ``matmul``,
``kernel``, ``pays`` and ``workspace``.

Cost: 2*M*N*K flops plus one copy of each packed operand per block (A once per jc block, B once
per pc block). Measured on one core of this machine (float32, ``bench_kernels.py --only gemm``):
91-237 GFLOP/s on a training step's GEMMs, 0.41-0.67 of the time of OpenBLAS's AVX2 kernel
(docs/performance-notes.md, "Our own GEMM").
"""

import ctypes
import os

import numba
import numpy as np
from llvmlite import ir as llvm
from numba import carray, cfunc, njit, types
from numba.extending import intrinsic

from .checks import check_shape
from .gemm_tile import (
    DC,
    DR,
    MR,
    NV,
    VECTOR_BYTES,
    _address,
    _aligned,
    _copy8,
    _dot_tile,
    _micro_kernel,
    _micro_kernel_rows,
    _micro_kernel_stream,
    _misaligned,
    _store_fence,
    _transpose8,
)

KC, MC, NC = 512, 64, 1024  # cache blocks (at most): a sliver of Bp (KC x NR) in L1, Ap in L2, Bp in L3
STREAM_C_BYTES = 1 << 25  # a C of this many bytes or more, written once, goes to memory by non-temporal stores
DOT_MIN_K = 1024  # the dot products pay from about this long a K (``pays``)

TILE = {np.dtype(np.float32): (MR, NV * VECTOR_BYTES // 4),
        np.dtype(np.float64): (MR, NV * VECTOR_BYTES // 8)}  # (MR, NR) per dtype


@njit(cache=True)
def _gemm_dot(M, N, K, a, a_off, lda, b, b_off, ldb, c, c_off, ldc):
    """C = A @ B for A contiguous along k (row-major, ``lda``) and B contiguous along k
    (column-major, ``ldb``), M >= DR and N >= DC: DR x DC tiles of dot products. The last tile
    of rows (columns) is moved back to end at M (N), overlapping its neighbour, which only
    computes some numbers twice (C is overwritten, not accumulated).

    Loop nest: ``for i in DR-row blocks / for j in DC-column blocks / _dot_tile over all of K``.
    Cost: 2*M*N*K flops; each row of A is streamed N/DC times (after the first from L2, the
    DR rows of a block being 4*K numbers), all of B^T (N x K, 573 KB for LeNet conv2) once per
    row block, from L2."""
    vw = VECTOR_BYTES // a.itemsize
    kv = K // vw
    for i0 in range(0, M, DR):
        i = min(i0, M - DR)
        for j0 in range(0, N, DC):
            j = min(j0, N - DC)
            first = c_off + i * ldc + j
            _dot_tile(kv, _address(a, a_off + i * lda), lda, _address(b, b_off + j * ldb), ldb,
                      _address(c, first), ldc)
            for r in range(DR):  # the last K % vw products, one by one
                for jj in range(DC):
                    total = c[first + r * ldc + jj]
                    for k in range(kv * vw, K):
                        total += a[a_off + (i + r) * lda + k] * b[b_off + (j + jj) * ldb + k]
                    c[first + r * ldc + jj] = total


@njit(cache=True)
def _pack(src, start, step_k, step_x, kc, xc, w, dst):
    """Pack a kc x xc block of a matrix into slivers of width w: sliver s holds, for each k,
    the w numbers ``src[start + k*step_k + (s*w + x)*step_x]``, x < w (zeros past xc).

    A is packed with x = its rows (w = MR), B with x = its columns (w = NR). The source is read
    along whichever of its dims is contiguous, so that the loads stream: along x (B row-major,
    A column-major), k by k, each whole sliver row copied 8 numbers a move (``_copy8``; a
    ragged last sliver number by number, padded with zeros); along k (A row-major, B
    column-major), 8x8 blocks transposed in registers (``_transpose8``), one sliver after the
    other. Loop nest (along x): ``for k / for sliver / for 8 of w``; cost kc*xc loads and
    stores of the w-padded sliver, one vector each per 8 numbers.
    """
    if step_x == 1:  # runs along x: each sliver row a copy, in groups of 8 (one vector move each)
        full = xc // w * w if w % 8 == 0 else 0
        for k in range(kc):
            first = start + k * step_k
            for s in range(0, full, w):
                for x in range(0, w, 8):
                    _copy8(_address(src, first + s + x), _address(dst, s * kc + k * w + x))
            for s in range(full, xc, w):
                width = min(w, xc - s)
                row = dst[s * kc + k * w: s * kc + k * w + w]
                for x in range(width):
                    row[x] = src[first + s + x]
                for x in range(width, w):
                    row[x] = 0
        return
    if step_k != 1:  # neither dim contiguous: number by number
        for k in range(kc):
            first = start + k * step_k
            for s in range(0, xc, w):
                width = min(w, xc - s)
                row = dst[s * kc + k * w: s * kc + k * w + w]
                for x in range(width):
                    row[x] = src[first + (s + x) * step_x]
                for x in range(width, w):
                    row[x] = 0
        return
    for s in range(0, xc, w):
        width = min(w, xc - s)
        sliver = dst[s * kc: s * kc + kc * w]
        blocked = width // 8 * 8 if w % 8 == 0 else 0
        # 8x8 blocks in registers, x inside k so that 8 sliver rows are written whole before
        # the next 8 (packing the MLP's B = W.t(), 784 x 256: 32 -> 20 us against x outside)
        for k in range(0, kc - 7, 8):
            for x in range(0, blocked, 8):
                _transpose8(_address(src, start + (s + x) * step_x + k), step_x,
                            _address(sliver, k * w + x), w)
        for x in range(0, blocked, 8):  # then the ragged edges by number
            for k in range(kc // 8 * 8, kc):
                for xx in range(x, x + 8):
                    sliver[k * w + xx] = src[start + (s + xx) * step_x + k]
        for x in range(blocked, width):
            first = start + (s + x) * step_x
            run = src[first: first + kc]
            for k in range(kc):
                sliver[k * w + x] = run[k]
        for x in range(width, w):
            for k in range(kc):
                sliver[k * w + x] = 0


@njit(cache=True)
def _block(kc, mc, nc, ap, b, b_first, ldb, direct, bp, c, c_first, ldc, tile, mr, nr, accumulate, stream=False):
    """The block loop that ``gemm`` and kernels/gemm_indexed.py's GEMMs share (BLIS's
    macro-kernel): ``C[0:mc, 0:nc] (=|+=) Ap @ B`` for one packed block Ap (mc x kc, in MR-row
    slivers) and one block of B (kc x nc), C's element (0, 0) at ``c[c_first]``, rows ``ldc``
    apart. B's first ``direct`` columns (whole NR slivers) are read in place from ``b``, its
    row k at ``b[b_first + k*ldb]``; the rest are packed in ``bp`` (NR-wide slivers, kc x NR each).
    With ``accumulate`` the products are added to C (a later block of K), else they overwrite it;
    with ``stream`` (never with ``accumulate``) whole tiles that start on a 64-byte boundary are
    written by non-temporal stores (``_micro_kernel_stream``; the caller fences).

    Loop nest: ``for jr (one sliver of B, kept in L1) / for ir (every sliver of Ap passes it) /
    _micro_kernel``; a tile that C's edge cuts is computed whole into ``tile`` (scratch, mr x nr)
    and its valid part copied out. Cost: 2*mc*nc*kc flops, no copies but the edge tiles'."""
    for jr in range(0, nc, nr):
        if jr < direct:
            b_sliver, ld = _address(b, b_first + jr), ldb
        else:
            b_sliver, ld = _address(bp, (jr - direct) * kc), nr
        for ir in range(0, mc, mr):
            a_sliver = _address(ap, ir * kc)
            first = c_first + ir * ldc + jr
            rows, cols = min(mr, mc - ir), min(nr, nc - jr)
            if rows == mr and cols == nr and stream and _aligned(c, first):  # C's rows are 64-byte multiples
                _micro_kernel_stream(kc, a_sliver, b_sliver, ld, _address(c, first), ldc)
            elif rows == mr and cols == nr:
                _micro_kernel(kc, a_sliver, b_sliver, ld, _address(c, first), ldc, accumulate)
            else:  # an edge: the whole tile into scratch, its valid part into C
                _micro_kernel(kc, a_sliver, b_sliver, ld, _address(tile, 0), nr, False)
                _edge(tile, nr, c, first, ldc, rows, cols, accumulate)


@njit(cache=True)
def _edge(tile, nr, c, first, ldc, n_rows, n_cols, accumulate):
    """The valid n_rows x n_cols part of a scratch tile (rows nr apart) into C, added or stored
    (the edge tiles of ``_block`` and of kernels/gemm_narrow.py)."""
    for i in range(n_rows):
        out = c[first + i * ldc: first + i * ldc + n_cols]
        part = tile[i * nr: i * nr + n_cols]
        if accumulate:
            for j in range(n_cols):
                out[j] += part[j]
        else:
            for j in range(n_cols):
                out[j] = part[j]


@njit(cache=True)
def gemm(M, N, K, a, a_off, rsa, csa, b, b_off, rsb, csb, c, c_off, ldc, work):
    """C = A @ B on one thread. A, B, C are read from / written to flat 1-d arrays:
    ``A[i, k] = a[a_off + i*rsa + k*csa]``, ``B[k, j] = b[b_off + k*rsb + j*csb]``,
    ``C[i, j] = c[c_off + i*ldc + j]``; ``work`` holds the packed blocks and one scratch tile
    (``workspace_size`` numbers).

    A C narrower than the register tile with A and B both contiguous along k (a weight
    gradient ``cols @ gy^T`` with few output channels) goes to ``_gemm_dot`` instead: half of
    every 8 x 32 tile would be empty, and packing A, whose every number is used only N times,
    would cost as much as the products.

    A single block of A (M <= MC) and a column-major B: ``_gemm_b_rows``, C^T = B^T @ A^T with
    B^T's rows read in place (the same sums as ``_blocks``; see the module docstring for why).
    A C of ``STREAM_C_BYTES`` or more, K in one block: ``_blocks`` twice, C's columns up to its
    first 64-byte boundary with ordinary stores, the rest with non-temporal ones (the same
    tiles' sums), then ``sfence``."""
    nr = NV * VECTOR_BYTES // a.itemsize
    if csa == 1 and rsb == 1 and DC <= N < nr and M >= DR:  # narrow C, both along k: dot products
        _gemm_dot(M, N, K, a, a_off, rsa, b, b_off, csb, c, c_off, ldc)
        return
    mr = min(MR, nr)  # = MR, as a run-time int: a literal 8 would compile _pack a second time (0.6 s)
    ap = work[: MC * KC]
    bp = work[MC * KC: MC * KC + KC * NC]
    tile = work[MC * KC + KC * NC: MC * KC + KC * NC + mr * nr]
    blocks = (K + KC - 1) // KC
    step = (K + blocks - 1) // blocks  # K cut into equal blocks (576 = 288 + 288, not 512 + 64)
    if M <= MC and rsb == 1 and csb != 1:  # A one block, B column-major: C^T = B^T @ A^T, B^T read in place
        _gemm_b_rows(M, N, K, a, a_off, rsa, csa, b, b_off, csb, c, c_off, ldc, ap, bp, mr, nr, step)
        return
    # B row-major and A one block: B's whole slivers are read in place, the rest packed (not
    # when B's rows are a multiple of 4 KB apart and A is tall enough to reread them often:
    # such rows all fall in the same cache sets)
    in_place = csb == 1 and M <= MC and (M <= 32 or rsb * a.itemsize % 4096 != 0)
    # C written once (one block of K) and far larger than the caches: streamed to memory, its
    # first columns up to a 64-byte boundary apart so that every later tile starts on one
    if blocks == 1 and M * N * a.itemsize >= STREAM_C_BYTES and ldc * a.itemsize % 64 == 0:
        shift = min(N, _misaligned(c, c_off) // a.itemsize)
        _blocks(M, shift, K, a, a_off, rsa, csa, b, b_off, rsb, csb, c, c_off, ldc, ap, bp, tile, mr, nr, step,
                in_place, False)
        _blocks(M, N - shift, K, a, a_off, rsa, csa, b, b_off + shift * csb, rsb, csb, c, c_off + shift, ldc, ap, bp,
                tile, mr, nr, step, in_place, True)
        _store_fence()
    else:
        _blocks(M, N, K, a, a_off, rsa, csa, b, b_off, rsb, csb, c, c_off, ldc, ap, bp, tile, mr, nr, step, in_place,
                False)


@njit(cache=True)
def _blocks(M, N, K, a, a_off, rsa, csa, b, b_off, rsb, csb, c, c_off, ldc, ap, bp, tile, mr, nr, step, in_place,
            stream):
    """``gemm``'s loop nest over its blocks (``for jc / for pc / pack B / for ic / pack A / _block``)."""
    for jc in range(0, N, NC):
        nc = min(NC, N - jc)
        direct = nc // nr * nr if in_place else 0
        for pc in range(0, K, step):
            kc = min(step, K - pc)
            if direct < nc:
                _pack(b, b_off + pc * rsb + (jc + direct) * csb, rsb, csb, kc, nc - direct, nr, bp)
            for ic in range(0, M, MC):
                mc = min(MC, M - ic)
                _pack(a, a_off + ic * rsa + pc * csa, csa, rsa, kc, mc, mr, ap)
                _block(kc, mc, nc, ap, b, b_off + pc * rsb + jc, rsb, direct, bp, c, c_off + ic * ldc + jc, ldc,
                       tile, mr, nr, pc > 0, stream)


@njit(cache=True)
def _gemm_b_rows(M, N, K, a, a_off, rsa, csa, b, b_off, csb, c, c_off, ldc, ap, bp, mr, nr, step):
    """``gemm`` for A one block (M <= MC) and B column-major (``B[k, j] = b[b_off + j*csb + k]``,
    a Linear's ``x @ W.t()``), computed as ``C^T = B^T @ A^T``: B^T's rows (W's rows) are the
    micro-kernel's MR broadcast rows, read in place (``_micro_kernel_rows``), and only A^T, the
    small operand (M x K against N x K), is packed (into NR-wide slivers, 8x8 transposes where A
    is row-major). So the big operand is never transposed, which was a tenth of the MLP-64
    forward's time (docs/performance-notes.md, s14).

    Loop nest: ``for jc (NC columns of C) / for pc (the K blocks of gemm: the same sums) / pack
    A^T (kc x M, NR-wide slivers) / for ir (MR rows of B^T: kept in L1) / for jr (A^T's slivers)
    / _micro_kernel_rows`` into a scratch C^T block (``bp``, its rows padded to whole NR slivers,
    added to from the second K block on, as ``_block`` adds to C), then C's columns jc.. from it
    by 8x8 transposes (``_transpose_into``). Rows of B^T past the last whole MR are packed (zeros
    past N) and go through ``_micro_kernel``. Every element of C is the sum ``_blocks`` forms, in
    the same order (one fused multiply-add chain per K block, the blocks added to C in turn):
    the same bits as a row-major B. Cost: 2*M*N*K flops (M padded to NR), A^T packed once per
    (jc, pc) block, B read once, C^T copied once (M*N numbers)."""
    m_pad = (M + nr - 1) // nr * nr
    for jc in range(0, N, NC):
        nc = min(NC, N - jc)
        full = nc // mr * mr
        ct = bp[: (full + mr) * m_pad]  # C^T's block, rows m_pad apart
        edge = bp[(full + mr) * m_pad: (full + mr) * m_pad + mr * step]  # B^T's last rows, packed
        for pc in range(0, K, step):
            kc = min(step, K - pc)
            _pack(a, a_off + pc * csa, csa, rsa, kc, M, nr, ap)
            for ir in range(0, full, mr):
                first = _address(b, b_off + (jc + ir) * csb + pc)
                for jr in range(0, m_pad, nr):
                    _micro_kernel_rows(kc, first, csb, _address(ap, jr * kc), nr, _address(ct, ir * m_pad + jr),
                                       m_pad, pc > 0)
            if full < nc:
                _pack(b, b_off + (jc + full) * csb + pc, 1, csb, kc, nc - full, mr, edge)
                for jr in range(0, m_pad, nr):
                    _micro_kernel(kc, _address(edge, 0), _address(ap, jr * kc), nr, _address(ct, full * m_pad + jr),
                                  m_pad, pc > 0)
        _transpose_into(ct, m_pad, nc, M, c, c_off + jc, ldc)


@njit(cache=True)
def _transpose_into(t, ldt, rows, cols, c, c_first, ldc):
    """``C[i, j] = T[j, i]`` for j < rows, i < cols: ``c[c_first + i*ldc + j] = t[j*ldt + i]``,
    8x8 blocks transposed in registers (``_transpose8``), the ragged edges number by number."""
    r8, c8 = rows // 8 * 8, cols // 8 * 8
    for j in range(0, r8, 8):
        for i in range(0, c8, 8):
            _transpose8(_address(t, j * ldt + i), ldt, _address(c, c_first + i * ldc + j), ldc)
    for i in range(cols):
        for j in range(r8 if i < c8 else 0, rows):
            c[c_first + i * ldc + j] = t[j * ldt + i]


def workspace_size(dtype) -> int:
    """Numbers of scratch one ``gemm`` call needs: Ap, Bp and one tile."""
    mr, nr = TILE[np.dtype(dtype)]
    return MC * KC + KC * NC + mr * nr


def _gemm_c(M, N, K, pa, na, a_off, rsa, csa, pb, nb, b_off, rsb, csb, pc, nc, c_off, ldc, pw, nw):
    """``gemm`` with each array passed as a pointer and a length: the body of ``kernel``."""
    gemm(M, N, K, carray(pa, (na,)), a_off, rsa, csa, carray(pb, (nb,)), b_off, rsb, csb,
         carray(pc, (nc,)), c_off, ldc, carray(pw, (nw,)))


_GEMM_C_ARGS = _gemm_c.__code__.co_varnames[: _gemm_c.__code__.co_argcount]
_POINTERS = ("pa", "pb", "pc", "pw")  # the four arrays' addresses; every other argument an int64
_KERNEL: dict = {}


@intrinsic
def call_kernel(typingctx, address, M, N, K, pa, na, a_off, rsa, csa, pb, nb, b_off, rsb, csb, pc, nc, c_off, ldc,
                pw, nw):
    """Call ``kernel``'s compiled GEMM at ``address`` (``kernel_address``) from compiled code, every
    argument an integer (the four arrays' addresses too), as ``kernel``'s ctypes function takes
    them. kernels/blas.py's prange loop calls it: an integer argument costs its caller's dispatch
    ~0.1 µs, where a ctypes function object cost ~1.1 µs (numba types it anew at every call)."""
    def codegen(context, builder, sig, args):
        i64, ptr = llvm.IntType(64), llvm.IntType(8).as_pointer()
        params = [ptr if name in _POINTERS else i64 for name in _GEMM_C_ARGS]
        fn = builder.inttoptr(args[0], llvm.FunctionType(llvm.VoidType(), params).as_pointer())
        builder.call(fn, [builder.inttoptr(v, ptr) if t == ptr else v for v, t in zip(args[1:], params)])
        return context.get_dummy_value()

    return types.void(*[types.int64] * (1 + len(_GEMM_C_ARGS))), codegen


def kernel(dtype):
    """``gemm`` for one dtype compiled as a C function (a numba ``cfunc``, cached on disk like
    the jitted kernels), as a ctypes function whose pointers are ``void *``: the prange loop in
    kernels/blas.py calls it for every dtype, as it calls OpenBLAS's ``cblas_?gemm``.
    Arguments: ``M, N, K``, then for A, B and C ``(address, length in elements, offset, strides)``
    as in ``gemm`` (C's one stride is ``ldc``), then the workspace's ``(address, length)``.

    Why through a pointer and not a call of the jitted ``gemm`` from the prange loop: numba links
    a jitted callee into its caller and optimises the two again as one module, so the parallel
    wrapper compiled the whole GEMM a second time (3.1 s of a cold first step, on top of the
    GEMM's own 2.1 s). Behind a pointer the GEMM is compiled once per dtype, and the wrapper,
    once for both dtypes, in 0.5 s. The call costs nothing next to a GEMM."""
    dtype = np.dtype(dtype)
    if dtype not in _KERNEL:
        ptr = types.CPointer(numba.from_dtype(dtype))
        is_pointer = [name in _POINTERS for name in _GEMM_C_ARGS]
        compiled = cfunc(types.void(*(ptr if p else types.int64 for p in is_pointer)), cache=True)(_gemm_c)
        prototype = ctypes.CFUNCTYPE(None, *(ctypes.c_void_p if p else ctypes.c_int64 for p in is_pointer))
        _KERNEL[dtype] = compiled, prototype(compiled.address)  # the cfunc keeps the code alive
    return _KERNEL[dtype][1]


def kernel_address(dtype) -> int:
    """The address of ``kernel(dtype)``'s code, for ``call_kernel`` (valid while this process lives)."""
    kernel(dtype)
    return _KERNEL[np.dtype(dtype)][0].address


def arguments(a: np.ndarray, b: np.ndarray, c: np.ndarray, work: np.ndarray) -> tuple:
    """``kernel``'s arguments for ``c[...] = a @ b`` on one thread: 2-d ``a``, ``b`` of c's
    dtype with non-negative strides, a C-contiguous ``c``, one aligned ``workspace_size`` row.
    Only addresses: the caller keeps the four arrays alive until the call returns."""
    (M, K), N = a.shape, b.shape[1]
    (rsa, csa), (rsb, csb) = (tuple(s // x.itemsize for s in x.strides) for x in (a, b))
    return (M, N, K, a.ctypes.data, extent(a), 0, rsa, csa, b.ctypes.data, extent(b), 0, rsb, csb,
            c.ctypes.data, c.size, 0, N, work.ctypes.data, work.shape[-1])


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for 2-d arrays of one float dtype, on one thread (for tests and benchmarks;
    kernels/blas.py shares big GEMMs over the threads)."""
    check_shape("gemm.matmul", "a", a.shape, (None, None))
    check_shape("gemm.matmul", "b", b.shape, (a.shape[1], None))
    if min(a.strides + b.strides) < 0:  # ``extent`` and the kernel walk the strides forwards
        a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    c = np.empty((a.shape[0], b.shape[1]), a.dtype)
    if c.size == 0:
        return c
    if a.shape[1] == 0:
        c[...] = 0
        return c
    if a.dtype != b.dtype or a.dtype not in TILE:
        raise TypeError(f"gemm.matmul takes two float32 or two float64 arrays, got {a.dtype} and {b.dtype}")
    work = aligned_empty((workspace_size(a.dtype),), a.dtype)  # held here: the call gets its address
    kernel(a.dtype)(*arguments(a, b, c, work))
    return c


def extent(a: np.ndarray) -> int:
    """How many elements the memory under ``a`` (non-negative strides) spans, from its first
    element to its last: the length of the 1-d array ``gemm`` indexes with a's strides."""
    return 1 + sum((n - 1) * (s // a.itemsize) for n, s in zip(a.shape, a.strides))


def available(dtype) -> bool:
    """Whether float GEMMs of ``dtype`` run on this module (kernels/blas.py asks): on a CPU with
    AVX-512 that numba compiles for (``NUMBA_CPU_NAME`` unset or 'host'), unless the user chose
    OpenBLAS with ``MINITORCH_GEMM=openblas``."""
    return np.dtype(dtype) in TILE and _USE


def pays(M: int, N: int, K: int, along_k: bool = False, dtype=np.float32, a_row_major: bool = True) -> bool:
    """Whether a GEMM of this shape goes faster here than on OpenBLAS's AVX2 kernel.
    ``along_k``: A row-major and B column-major, both contiguous along k (``gemm``'s dot-product
    path). ``a_row_major``: A is read along k (False: A is a transposed view, the weight
    gradients' ``cols.T @ gy``). Measured on one core (float32, time ratio ours / OpenBLAS;
    benchmarks/bench_kernels.py --only gemm and the sweeps in docs/performance-notes.md):

    * A column-major (packed by ``_copy8``, see the module docstring), C two register tiles wide
      or more (N >= 2*NR) and two rows or more: as the row-major cases, 0.5-0.9 (MLP-64's
      weight gradient ``g.t() @ x`` 256 x 64 x 784 0.79, 576 x 4096 x 64 0.83, 4096 x 1024 x
      256 0.71, 576 x 2048 x 128 0.73; float64 0.54-0.92, DenseNet's 1440 x 4096 x 32 0.79).
      Not one tile (N < 2*NR): float32 DenseNet's 3x3 weight gradient 1440 x 4096 x 32 1.5, each
      number of A used N = 32 times, so that packing A (8.7 of its 11.5 ms, read from memory)
      outweighs the products. Both operands column-major 1.02-1.05, kept here for simplicity.
      (bench_gemm_layouts.py, medians of 21, 1 thread, OPENBLAS_CORETYPE=Haswell, load
      2.4-2.7, 2026-12-07; before ``_copy8`` these were 1.0-2.5 and A column-major stayed on
      OpenBLAS.)

    * C at least one register tile wide (N >= NR) and two rows or more: the ResNet block's
      three GEMMs 0.49-0.57, a 64x400x120 Linear 0.6, LeNet conv2's forward and input gradient
      0.45-0.6, conv1's forward (6 rows: 2 of the tile's 8 wasted, but B read in place) 0.55;
      2-4 rows 0.5-0.95. Not one row (a matrix-vector product): 2.6.
    * Narrower C (DC <= N < NR), both operands along k and a long K: LeNet conv2's weight
      gradient (75 x 8960 x 16) 0.50-0.62 on dot products; K = 1000 0.88, K = 256 0.92, and
      K <= 150 1.8-3.9 (too short to amortise a tile's final sums)."""
    nr = TILE[np.dtype(dtype)][1]
    if not a_row_major:
        return M >= 2 and N >= 2 * nr
    if N >= nr:
        return M >= 2
    return along_k and N >= DC and M >= DR and K >= DOT_MIN_K


def _avx512_host() -> bool:
    import llvmlite.binding as llvm

    if numba.config.CPU_NAME not in (None, "host"):
        return False  # compiling for another CPU (e.g. a portable cache): OpenBLAS knows better
    return "+avx512f" in llvm.get_host_cpu_features().flatten()


_USE = os.environ.get("MINITORCH_GEMM", "").lower() != "openblas" and _avx512_host()
_WORKSPACE: dict = {}


def aligned_empty(shape: tuple[int, ...], dtype) -> np.ndarray:
    """``np.empty`` whose rows start on a 64-byte boundary (NumPy aligns to 16): a packed sliver
    read by the micro-kernel then never straddles two cache lines."""
    dtype = np.dtype(dtype)
    row = -(-shape[-1] * dtype.itemsize // 64) * 64 // dtype.itemsize  # rows padded to 64 bytes
    raw = np.empty(int(np.prod(shape[:-1])) * row + 64 // dtype.itemsize, dtype)
    skip = (-raw.ctypes.data % 64) // dtype.itemsize
    return raw[skip: skip + int(np.prod(shape[:-1])) * row].reshape(shape[:-1] + (row,))[..., : shape[-1]]


def workspace(dtype) -> np.ndarray:
    """One ``workspace_size`` scratch row per numba thread (``numba.get_thread_id()`` picks it),
    allocated once. Sharing it is safe: the compiled kernels hold the GIL, so two Python threads
    never run a GEMM at the same time."""
    dtype = np.dtype(dtype)
    if dtype not in _WORKSPACE:
        _WORKSPACE[dtype] = aligned_empty((numba.config.NUMBA_NUM_THREADS, workspace_size(dtype)), dtype)
    return _WORKSPACE[dtype]