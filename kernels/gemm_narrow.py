"""The convolutions' indexed GEMMs (kernels/gemm_indexed.py) when C is one register tile narrow: the wide
operand is read where it lies, in x_pad, and never packed.

DenseNet's 3x3 layers have 32 output channels (its growth rate). Their forward on the indexed
GEMM is ``Y (N*L, 32) = A @ W'.T`` with ``A(r, k) = x_pad[rows[r] + kcols[k]]`` (N*L x kH*kW*C_in,
4096 x 1440 for (64,160,8,8)): C is one sliver of NR = 32 float32 columns wide, so each number of
A is used by one micro-kernel call only, and ``gemm_indexed``'s packing of A (every number of
A once, 8x8 transposes) is a copy for a single use. Their weight gradient ``gw (32, 1440) =
GY (32, N*L) @ B``, ``B(k, j) = x_pad[rows[k] + kcols[j]]``, is the same on the other side: C is
32 rows, four MR slivers, so each number of B is used four times, by four calls that follow each
other, and ``gemm_indexed_b``'s packing of B costs as much as a third of the products.

Here the micro-kernel (gemm_tile.py's ``emit_tile``: MR x NV vectors of C in registers, one broadcast
of A and NV fused multiply-adds per row and k) addresses the unpacked operand through the offset
vectors instead of a packed sliver:

* ``_tile_a_rows``, the forward: row i of the tile reads A(i, k) at ``a + rows[i] + kcols[k]``;
  the MR row addresses are formed once, then each k adds one offset (one int64 load per k for
  MR*NV FMAs). The MR rows of a tile are 8 neighbouring output positions, so their reads, C_in
  consecutive numbers per tap, stream from x_pad's rows.
* ``_tile_b_rows``, the weight gradient: row k of the sliver is NR contiguous numbers at
  ``b + kcols[j0] + rows[k]`` (C_in a multiple of NR: a sliver is NR channels of one tap, one
  run in x_pad).

K is cut into the blocks gemm.py cuts it into (at most KC), so that the sums are the same, in
the same order, as on gemm.py's loop nests: the results are bitwise those of
``gemm_indexed.matmul_indexed`` and ``gemm_indexed.matmul_indexed_b`` (blocks of 256, which keep the reused
sliver, kc x NR numbers, inside L1, measured no faster: forward 0.81 against 0.82 of the packed
time, weight gradient 0.74 against 0.66, at a load of 7).
"""

import numba
import numpy as np
from llvmlite import ir as llvm
from numba import njit, prange, types
from numba.extending import intrinsic

from . import gemm, gemm_indexed
from .gemm import KC, TILE, _edge, _pack
from .gemm_indexed import _pack_indexed
from .gemm_tile import MR, NV, VECTOR_BYTES, _address, _micro_kernel, emit_tile

KC_NARROW = KC  # gemm.py's K blocks (see above)


@intrinsic
def _tile_a_rows(typingctx, kc, a, arows, acols, bp, c, ldc, accumulate):
    """C[0:MR, 0:NR] (=|+=) A @ Bp, ``A(i, k) = a[arows[i] + acols[k]]`` for i < MR, k < kc (a,
    arows and acols pointers), Bp a packed sliver (kc x NR). As ``gemm_tile._micro_kernel`` otherwise."""
    dtype = a.dtype

    def codegen(context, builder, sig, args):
        kc, a, arows, acols, bp, c, ldc, accumulate = args
        intp = kc.type
        nr = NV * VECTOR_BYTES // context.get_abi_sizeof(context.get_value_type(dtype))
        bases = [builder.gep(a, [builder.load(builder.gep(arows, [llvm.Constant(intp, i)]))]) for i in range(MR)]
        offsets = {}

        def a_at(k, i):
            if "k" not in offsets:  # one load of acols[k] per k, shared by the MR rows
                offsets["k"] = builder.load(builder.gep(acols, [k]))
            return builder.gep(bases[i], [offsets["k"]])

        def b_row(k):
            offsets.clear()
            return builder.gep(bp, [builder.mul(k, llvm.Constant(intp, nr))])

        emit_tile(context, builder, dtype, kc, a_at, b_row, c, ldc, accumulate)
        return context.get_dummy_value()

    return types.void(kc, a, arows, acols, bp, c, ldc, accumulate), codegen


@intrinsic
def _tile_b_rows(typingctx, kc, ap, b, brows, c, ldc, accumulate):
    """C[0:MR, 0:NR] (=|+=) Ap @ B for a packed sliver Ap (kc x MR) and ``B[k, 0:NR]`` the NR
    contiguous numbers at ``b + brows[k]`` (b and brows pointers). As ``gemm_tile._micro_kernel``
    otherwise."""
    dtype = ap.dtype

    def codegen(context, builder, sig, args):
        kc, ap, b, brows, c, ldc, accumulate = args
        intp = kc.type

        def a_at(k, i):
            return builder.gep(ap, [builder.add(builder.mul(k, llvm.Constant(intp, MR)), llvm.Constant(intp, i))])

        def b_row(k):
            return builder.gep(b, [builder.load(builder.gep(brows, [k]))])

        emit_tile(context, builder, dtype, kc, a_at, b_row, c, ldc, accumulate)
        return context.get_dummy_value()

    return types.void(kc, ap, b, brows, c, ldc, accumulate), codegen


@njit(cache=True)
def gemm_indexed_narrow(M, N, K, a, rows, kcols, r0, b, b_off, rsb, csb, c, c_off, ldc, work):
    """C = A @ B on one thread for N <= NR, ``A(i, k) = a[rows[r0 + i] + kcols[k]]``, B and C as
    in ``gemm.gemm``: the forward of a narrow convolution, A never packed.

    Loop nest: ``for pc (gemm_indexed's K blocks) / pack B's one sliver (kc x NR, zeros
    past N) / for ir (MR rows of C) / _tile_a_rows``; a last tile of fewer than MR rows is packed
    (``gemm_indexed._pack_indexed``) and goes through ``gemm_tile._micro_kernel``, and a C narrower than NR is
    computed into the scratch tile, then copied. Cost: 2*M*NR*K flops (N padded to NR), B packed
    once per block, A read once (from x_pad, each number of it kH*kW times from cache)."""
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
        _pack(b, b_off + pc * rsb, rsb, csb, kc, N, nr, bp)
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


@njit(cache=True, parallel=True)
def _gemm_indexed_narrow_rows(M, N, K, a, rows, kcols, b, rsb, csb, c, work, parts, parallel):
    """``gemm_indexed_narrow`` over all M rows, cut into ``parts`` pieces of whole MR-row slivers,
    one per thread (``prange``) when ``parallel``, each with its thread's workspace row."""
    tiles = (M + MR - 1) // MR
    if parallel:
        for t in prange(parts):
            lo, hi = min(M, t * tiles // parts * MR), min(M, (t + 1) * tiles // parts * MR)
            if hi > lo:
                gemm_indexed_narrow(hi - lo, N, K, a, rows, kcols, lo, b, 0, rsb, csb, c, lo * N, N,
                                    work[numba.get_thread_id()])
    else:
        gemm_indexed_narrow(M, N, K, a, rows, kcols, 0, b, 0, rsb, csb, c, 0, N, work[numba.get_thread_id()])


@njit(cache=True)
def gemm_indexed_b_narrow(M, N, K, a, rsa, csa, b, rows, kcols, j0, c, c_off, ldc, work):
    """C = A @ B on one thread for M <= MC and columns j0 .. j0 + N (N a multiple of NR) of
    ``B(k, j) = b[rows[k] + kcols[j]]``, each NR-wide sliver of kcols one run (NR consecutive
    numbers); A as in ``gemm.gemm`` (offset 0): the weight gradient of a narrow convolution,
    B never packed.

    Loop nest: ``for pc (gemm_indexed_b's K blocks) / pack A (all M rows, kc) / for jr (one
    NR sliver of B, read from b into cache by the first row tile) / for ir (MR rows of C) /
    _tile_b_rows``; a last tile of fewer than MR rows goes into the scratch tile, then C.
    Cost: 2*M*N*K flops (M padded to MR), A packed once per block, B read once from b."""
    nr = NV * VECTOR_BYTES // a.itemsize
    mr = min(MR, nr)
    m_pad = (M + mr - 1) // mr * mr
    ap = work[: m_pad * KC_NARROW]
    tile = work[m_pad * KC_NARROW: m_pad * KC_NARROW + mr * nr]
    blocks = (K + KC_NARROW - 1) // KC_NARROW
    step = (K + blocks - 1) // blocks
    for pc in range(0, K, step):
        kc = min(step, K - pc)
        accumulate = pc > 0
        _pack(a, pc * csa, csa, rsa, kc, M, mr, ap)
        for jr in range(0, N, nr):
            b_sliver = _address(b, kcols[j0 + jr])
            for ir in range(0, M, mr):
                n_rows = min(mr, M - ir)
                first = c_off + ir * ldc + jr
                if n_rows == mr:
                    _tile_b_rows(kc, _address(ap, ir * kc), b_sliver, _address(rows, pc), _address(c, first), ldc,
                                 accumulate)
                else:
                    _tile_b_rows(kc, _address(ap, ir * kc), b_sliver, _address(rows, pc), _address(tile, 0), nr,
                                 False)
                    _edge(tile, nr, c, first, ldc, n_rows, nr, accumulate)


@njit(cache=True, parallel=True)
def _gemm_indexed_b_narrow_cols(M, N, K, a, rsa, csa, b, rows, kcols, c, work, nr, parts, parallel):
    """``gemm_indexed_b_narrow`` over all N columns, cut into ``parts`` pieces of whole NR-wide
    slivers, one per thread (``prange``) when ``parallel``, each with its thread's workspace row."""
    tiles = N // nr
    if parallel:
        for t in prange(parts):
            lo, hi = t * tiles // parts * nr, (t + 1) * tiles // parts * nr
            if hi > lo:
                gemm_indexed_b_narrow(M, hi - lo, K, a, rsa, csa, b, rows, kcols, lo, c, lo, N,
                                      work[numba.get_thread_id()])
    else:
        gemm_indexed_b_narrow(M, N, K, a, rsa, csa, b, rows, kcols, 0, c, 0, N, work[numba.get_thread_id()])


def narrow(N: int, dtype) -> bool:
    """Whether ``matmul_indexed`` with N columns runs here: C at most one register tile wide."""
    return np.dtype(dtype) in TILE and N <= TILE[np.dtype(dtype)][1]


def matmul_indexed(a: np.ndarray, rows: np.ndarray, kcols: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``gemm_indexed.matmul_indexed`` (``A @ b``, ``A[i, k] = a[rows[i] + kcols[k]]``), on
    ``gemm_indexed_narrow`` where C is at most NR wide (``narrow``), else on gemm_indexed.py's.
    Loop nest: ``for piece of whole MR-row slivers (prange when shared) / gemm_indexed_narrow``.
    Checks as gemm_indexed.matmul_indexed (``gemm_indexed.check_indexed``) before any loop."""
    if b.ndim != 2 or not narrow(b.shape[1], a.dtype):
        return gemm_indexed.matmul_indexed(a, rows, kcols, b)
    c, trivial = gemm_indexed.check_indexed(a, rows, kcols, b)
    if trivial:
        return c
    (M, N), K = c.shape, b.shape[0]
    rsb, csb = (s // b.itemsize for s in b.strides)
    parts, parallel = gemm_indexed.split_pieces(M, N, K, (M + MR - 1) // MR)
    _gemm_indexed_narrow_rows(M, N, K, a, rows, kcols, b.reshape(-1) if b.flags.c_contiguous else gemm_indexed._flat(b),
                              rsb, csb, c.reshape(-1), gemm.workspace(a.dtype), parts, parallel)
    return c


def narrow_b(M: int, kcols: np.ndarray, dtype) -> bool:
    """Whether ``matmul_indexed_b`` runs here: at most NR rows of C (each number of B used at
    most NR times, its packing not amortised) and every NR-wide sliver of kcols one run."""
    if np.dtype(dtype) not in TILE:
        return False
    nr = TILE[np.dtype(dtype)][1]
    if M > nr or kcols.ndim != 1 or kcols.shape[0] % nr != 0 or kcols.shape[0] == 0:
        return False
    return bool(np.all(np.diff(kcols.reshape(-1, nr), axis=1) == 1))


def matmul_indexed_b(a: np.ndarray, b: np.ndarray, rows: np.ndarray, kcols: np.ndarray) -> np.ndarray:
    """``gemm_indexed.matmul_indexed_b`` (``a @ B``, ``B[k, j] = b[rows[k] + kcols[j]]``), on
    ``gemm_indexed_b_narrow`` where ``narrow_b``, else on gemm_indexed.py's.
    Loop nest: ``for piece of whole NR-wide slivers of C's columns (prange when shared) /
    gemm_indexed_b_narrow``. Checks as gemm_indexed.matmul_indexed_b (``gemm_indexed.check_indexed_b``)."""
    if a.ndim != 2 or not narrow_b(a.shape[0], kcols, b.dtype):
        return gemm_indexed.matmul_indexed_b(a, b, rows, kcols)
    c, trivial = gemm_indexed.check_indexed_b(a, b, rows, kcols)
    if trivial:
        return c
    (M, N), K = c.shape, a.shape[1]
    nr = TILE[b.dtype][1]
    rsa, csa = (s // a.itemsize for s in a.strides)
    parts, parallel = gemm_indexed.split_pieces(M, N, K, N // nr)
    _gemm_indexed_b_narrow_cols(M, N, K, a.reshape(-1) if a.flags.c_contiguous else gemm_indexed._flat(a), rsa, csa, b,
                                rows, kcols, c.reshape(-1), gemm.workspace(b.dtype), nr, parts, parallel)
    return c
