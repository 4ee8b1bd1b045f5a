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
a single MC block is packed one sliver at a time, right before the micro-kernels that read it:
packing a whole KC x NC block first wrote 2 MB, more than L2 keeps beside A, for a Linear
``x @ W.t()`` whose W is read once from memory (64 x 4096 x 4096: 0.86-0.87x the time at 1 and 2
threads; MLP-64's 64 x 784 x 256 0.97-1.05x, noise; bench_gemm_threads.py). A row-major B so
packed read 128 bytes of each far-apart row per sliver and took 1.6x the time: it keeps blocks.
A C of ``STREAM_C_BYTES`` or more written once (K in one block), its rows a multiple of 64 bytes
apart, is written by non-temporal stores (``vmovntps``: to memory, without first reading each
cache line for ownership), its first columns up to a 64-byte boundary by ordinary ones so that
every later tile starts on one (NumPy's large arrays start 16 bytes past a boundary). The 4096 x
64 x 4096 weight gradient of a 4096-wide Linear writes 64 MB: 0.64x the time at 1 thread, 0.71x
at 2 (bench_gemm_threads.py); with SGD's update reading the gradient after it, 0.71x and 0.82x.

The two inner loops (``for jr / for ir / micro-kernel``, with the edge tiles) are one function,
``_block`` (BLIS's macro-kernel), which the three loop nests below share.

A variant, ``gemm_indexed``, reads A as ``a[rows[i] + kcols[k]]``: the convolutions' im2col
columns without writing them (kernels/conv.py), its blocks packed straight from the image;
``gemm_indexed_b`` reads B so. Where C is one register tile narrow, kernels/gemm_narrow.py reads
that operand in place instead of packing it (the micro-kernel's code, ``emit_tile``, shared).

A second loop nest serves a C narrower than the tile (N < NR) whose A and B are both stored
along k, a weight gradient ``cols @ gy^T`` with few output channels: there half of every tile
would be empty, and each number of A is used only N times, so packing A would cost as much as
the products. ``_gemm_dot`` computes it as DR x DC tiles of dot products read straight from the
rows of A and B^T.

numba has no vector types, and LLVM's auto-vectoriser, given the plain loop nest, vectorised the
wrong loop (over k, with gathers: 3-8 GFLOP/s), so the micro-kernel is written as an
``@intrinsic`` that emits LLVM IR directly: ``<16 x float>`` loads, a broadcast and
``llvm.fma``; so are the dot-product tile and the 8x8 transpose used in packing. Everything
around them (packing, blocking) is ordinary numba.

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
from numba import carray, cfunc, njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from .checks import check_shape
from .threading import in_parallel, split_threads

VECTOR_BYTES = 64  # one AVX-512 register (a narrower machine splits each vector in LLVM)
MR, NV = 8, 2  # the register tile: MR rows x NV vectors of C (16 accumulators)
UNROLL = 8  # k steps per iteration of the micro-kernel's loop (emit_tile)
KC, MC, NC = 512, 64, 1024  # cache blocks (at most): a sliver of Bp (KC x NR) in L1, Ap in L2, Bp in L3
STREAM_C_BYTES = 1 << 25  # a C of this many bytes or more, written once, goes to memory by non-temporal stores

TILE = {np.dtype(np.float32): (MR, NV * VECTOR_BYTES // 4),
        np.dtype(np.float64): (MR, NV * VECTOR_BYTES // 8)}  # (MR, NR) per dtype


def emit_tile(context, builder, dtype, kc, a_at, b_row, c, ldc, accumulate, stream=False):
    """Emit the register tile's loop: ``C[0:MR, 0:NR] (=|+=) sum over k < kc of A[i, k] * B[k, :]``,
    where ``a_at(k, i)`` returns a pointer to A[i, k] and ``b_row(k)`` one to B[k, 0] (NR
    contiguous numbers), both given k as an LLVM integer. ``c`` points at the tile's first
    element, ``ldc`` is C's row stride; with ``accumulate`` (an i1) the tile is added to C.
    Shared by ``_micro_kernel`` (packed slivers) and kernels/gemm_narrow.py (operands read where
    they lie): only the addressing differs. ``stream`` (a Python bool, for ``_micro_kernel_stream``):
    the tile is stored with non-temporal stores (``vmovntps``: C's rows must be 64-byte aligned),
    which write it to memory without first reading its cache lines. The loop over k is unrolled UNROLL times (then the
    kc % UNROLL last steps), which changes no sum's order: float32, 1 thread, CPU time, old / new
    alternating, medians of 15, load 4.3: NiN's 5x5 forward GEMM (3136 x 2400 x 256) 25.3 ->
    23.9 ms, its weight gradient 29.4 -> 28.0, 512^3 1.78 -> 1.66, every one of 7 shapes 0.94-0.99
    (UNROLL = 4: 0.95-1.00)."""
    scalar = context.get_value_type(dtype)
    width = VECTOR_BYTES // context.get_abi_sizeof(scalar)
    vec = llvm.VectorType(scalar, width)
    vptr = vec.as_pointer()
    fma = cgutils.get_or_insert_function(
        builder.module, llvm.FunctionType(vec, [vec, vec, vec]), f"llvm.fma.v{width}f{8 * VECTOR_BYTES // width}")
    intp = kc.type
    zero = llvm.Constant(vec, [0.0] * width)
    broadcast = llvm.Constant(llvm.VectorType(llvm.IntType(32), width), [0] * width)
    # The accumulators are stack slots; LLVM's mem2reg turns them into registers.
    acc = [[cgutils.alloca_once_value(builder, zero) for _ in range(NV)] for _ in range(MR)]
    align = context.get_abi_sizeof(scalar)

    def vector_at(base, offset):
        return builder.bitcast(builder.gep(base, [llvm.Constant(intp, offset)]), vptr)

    def step(k):
        b_k = b_row(k)
        b = [builder.load(vector_at(b_k, v * width), align=align) for v in range(NV)]
        for i in range(MR):
            a = builder.load(a_at(k, i))
            a = builder.insert_element(llvm.Constant(vec, llvm.Undefined), a, llvm.Constant(llvm.IntType(32), 0))
            a = builder.shuffle_vector(a, llvm.Constant(vec, llvm.Undefined), broadcast)
            for v in range(NV):
                builder.store(builder.call(fma, [a, b[v], builder.load(acc[i][v])]), acc[i][v])

    unroll = llvm.Constant(intp, UNROLL)
    with cgutils.for_range(builder, builder.sdiv(kc, unroll)) as loop:
        for u in range(UNROLL):
            step(builder.add(builder.mul(loop.index, unroll), llvm.Constant(intp, u)))
    done = builder.mul(builder.sdiv(kc, unroll), unroll)
    with cgutils.for_range(builder, builder.sub(kc, done)) as loop:
        step(builder.add(done, loop.index))

    with builder.if_else(accumulate) as (add, store):  # a numba bool is an LLVM i1
        for mode, to_c in ((add, True), (store, False)):
            with mode:
                for i in range(MR):
                    row = builder.gep(c, [builder.mul(llvm.Constant(intp, i), ldc)])
                    for v in range(NV):
                        p = vector_at(row, v * width)
                        value = builder.load(acc[i][v])
                        if to_c:
                            value = builder.fadd(builder.load(p, align=align), value)
                        if stream and not to_c:
                            store = builder.store(value, p, align=VECTOR_BYTES)
                            store.set_metadata("nontemporal", builder.module.add_metadata([llvm.Constant(llvm.IntType(32), 1)]))
                        else:
                            builder.store(value, p, align=align)


@intrinsic
def _micro_kernel(typingctx, kc, ap, bp, ldb, c, ldc, accumulate):
    """C[0:MR, 0:NR] (=|+=) Ap @ Bp for a packed sliver Ap (kc x MR) and a sliver Bp (kc x NR)
    whose rows are ``ldb`` elements apart (NR when packed; B's row stride when read in place).

    c points at the tile's first element, ldc is C's row stride in elements; with
    ``accumulate`` the tile is added to C, else it overwrites C.
    """
    dtype = ap.dtype

    def codegen(context, builder, sig, args):
        kc, ap, bp, ldb, c, ldc, accumulate = args
        intp = kc.type

        def a_at(k, i):
            return builder.gep(ap, [builder.add(builder.mul(k, llvm.Constant(intp, MR)), llvm.Constant(intp, i))])

        def b_row(k):
            return builder.gep(bp, [builder.mul(k, ldb)])

        emit_tile(context, builder, dtype, kc, a_at, b_row, c, ldc, accumulate)
        return context.get_dummy_value()

    return types.void(kc, ap, bp, ldb, c, ldc, accumulate), codegen


@intrinsic
def _micro_kernel_stream(typingctx, kc, ap, bp, ldb, c, ldc):
    """``_micro_kernel`` that overwrites C's tile with non-temporal stores (``emit_tile``'s
    ``stream``): for a C written once and too large to stay in cache. Each row of the tile must
    start on a 64-byte boundary (``_aligned``)."""
    dtype = ap.dtype

    def codegen(context, builder, sig, args):
        kc, ap, bp, ldb, c, ldc = args
        intp = kc.type

        def a_at(k, i):
            return builder.gep(ap, [builder.add(builder.mul(k, llvm.Constant(intp, MR)), llvm.Constant(intp, i))])

        def b_row(k):
            return builder.gep(bp, [builder.mul(k, ldb)])

        emit_tile(context, builder, dtype, kc, a_at, b_row, c, ldc, llvm.Constant(llvm.IntType(1), 0), stream=True)
        return context.get_dummy_value()

    return types.void(kc, ap, bp, ldb, c, ldc), codegen


@intrinsic
def _aligned(typingctx, array, offset):
    """Whether element ``offset`` of a contiguous 1-d array starts on a 64-byte boundary."""
    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        address = builder.ptrtoint(builder.gep(data, [args[1]]), llvm.IntType(64))
        return builder.icmp_unsigned("==", builder.and_(address, llvm.Constant(llvm.IntType(64), 63)),
                                     llvm.Constant(llvm.IntType(64), 0))

    return types.boolean(array, offset), codegen


@intrinsic
def _misaligned(typingctx, array, offset):
    """How many bytes from element ``offset`` of a contiguous 1-d array to the next 64-byte
    boundary (0 when it is on one)."""
    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        address = builder.ptrtoint(builder.gep(data, [args[1]]), llvm.IntType(64))
        return builder.and_(builder.sub(llvm.Constant(llvm.IntType(64), 0), address), llvm.Constant(llvm.IntType(64), 63))

    return types.int64(array, offset), codegen


@intrinsic
def _store_fence(typingctx):
    """``sfence``: the non-temporal stores before it are visible to every core before any store
    after it (the end of a GEMM that streamed C, before another thread reads C)."""
    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(builder.module, llvm.FunctionType(llvm.VoidType(), []),
                                            "llvm.x86.sse.sfence")
        builder.call(fn, [])
        return context.get_dummy_value()

    return types.void(), codegen


@intrinsic
def _address(typingctx, array, offset):
    """A pointer to element ``offset`` of a contiguous 1-d array (what C would write ``&a[offset]``)."""
    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        return builder.gep(data, [args[1]])

    return types.CPointer(array.dtype)(array, offset), codegen


def _emit_transpose8(context, builder, scalar, row_at, dst, dst_step):
    """Emit an 8x8 transpose in registers: load 8 vectors of 8 from ``row_at(x)`` (x < 8, each a
    pointer to a row's first number), then ``dst[k*dst_step + x] = row x's number k``. Three
    rounds of shuffles swap the off-diagonal blocks of 4x4, then 2x2, then 1x1: 24 shuffles
    instead of 64 single-number stores. Shared by ``_transpose8`` and ``_transpose8_rows``."""
    vec = llvm.VectorType(scalar, 8)
    mask = llvm.VectorType(llvm.IntType(32), 8)
    align = context.get_abi_sizeof(scalar)
    rows = [builder.load(builder.bitcast(row_at(x), vec.as_pointer()), align=align) for x in range(8)]
    for b in (4, 2, 1):
        low = llvm.Constant(mask, [j if j & b == 0 else 8 + j - b for j in range(8)])
        high = llvm.Constant(mask, [j + b if j & b == 0 else 8 + j for j in range(8)])
        new = list(rows)
        for i in range(8):
            if i & b == 0:  # rows i and i + b trade their off-diagonal b x b blocks
                new[i] = builder.shuffle_vector(rows[i], rows[i + b], low)
                new[i + b] = builder.shuffle_vector(rows[i], rows[i + b], high)
        rows = new
    for k in range(8):
        at = builder.gep(dst, [builder.mul(dst_step, llvm.Constant(dst_step.type, k))])
        builder.store(rows[k], builder.bitcast(at, vec.as_pointer()), align=align)


@intrinsic
def _transpose8(typingctx, src, step, dst, dst_step):
    """dst[k*dst_step + x] = src[x*step + k] for x, k < 8: an 8x8 block transposed in registers
    (``_emit_transpose8``). This is the packing of an operand stored along k (A row-major, B
    column-major)."""
    def codegen(context, builder, sig, args):
        src, step, dst, dst_step = args
        scalar = context.get_value_type(sig.args[0].dtype)
        _emit_transpose8(context, builder, scalar,
                         lambda x: builder.gep(src, [builder.mul(step, llvm.Constant(step.type, x))]), dst, dst_step)
        return context.get_dummy_value()

    return types.void(src, step, dst, dst_step), codegen


@intrinsic
def _transpose8_rows(typingctx, src, offsets, dst, dst_step):
    """dst[k*dst_step + x] = src[offsets[x] + k] for x, k < 8: ``_transpose8`` for 8 rows at
    any offsets (8 int64 read from ``offsets``), not a constant stride apart. The packing of an
    indexed A whose 8-row sliver wraps past the end of an output row (NiN's 7-wide maps)."""
    def codegen(context, builder, sig, args):
        src, offsets, dst, dst_step = args
        scalar = context.get_value_type(sig.args[0].dtype)
        intp = dst_step.type

        def row_at(x):
            return builder.gep(src, [builder.load(builder.gep(offsets, [llvm.Constant(intp, x)]))])

        _emit_transpose8(context, builder, scalar, row_at, dst, dst_step)
        return context.get_dummy_value()

    return types.void(src, offsets, dst, dst_step), codegen


@intrinsic
def _copy8(typingctx, src, dst):
    """dst[0:8] = src[0:8] as one vector load and one store (unaligned). The packing of an
    operand stored along x (A column-major, B row-major): numba's own loop of 8 copies was
    not vectorised (1.5 cycles a number against 0.25 for ``_transpose8``'s)."""
    def codegen(context, builder, sig, args):
        src, dst = args
        scalar = context.get_value_type(sig.args[0].dtype)
        vptr = llvm.VectorType(scalar, 8).as_pointer()
        align = context.get_abi_sizeof(scalar)
        builder.store(builder.load(builder.bitcast(src, vptr), align=align), builder.bitcast(dst, vptr), align=align)
        return context.get_dummy_value()

    return types.void(src, dst), codegen


DR, DC = 4, 4  # the dot-product tile: 4 rows of A x 4 columns of C (16 accumulators)
DOT_MIN_K = 1024  # the dot products pay from about this long a K (``pays``)


@intrinsic
def _dot_tile(typingctx, kv, a, lda, b, ldb, c, ldc):
    """C[r, j] = sum_k A[r, k] * B[k, j] for r < DR, j < DC and k < kv*VW, where A's rows are
    ``a + r*lda`` and B's columns ``b + j*ldb``, both contiguous along k (the layout of
    ``cols @ gy^T``, a weight gradient). C's tile is overwritten.

    Per vector of k: DR loads of A, DC loads of B, DR*DC fused multiply-adds into DR*DC
    accumulators, each a vector of partial sums over k; at the end each accumulator is summed
    across its lanes, in order, into one number of C. Nothing is packed: A and B are read
    where they are, each row streamed along k.
    """
    def codegen(context, builder, sig, args):
        kv, a, lda, b, ldb, c, ldc = args
        scalar = context.get_value_type(sig.args[1].dtype)
        width = VECTOR_BYTES // context.get_abi_sizeof(scalar)
        vec = llvm.VectorType(scalar, width)
        fma = cgutils.get_or_insert_function(
            builder.module, llvm.FunctionType(vec, [vec, vec, vec]), f"llvm.fma.v{width}f{8 * VECTOR_BYTES // width}")
        intp = kv.type
        align = context.get_abi_sizeof(scalar)
        acc = [[cgutils.alloca_once_value(builder, llvm.Constant(vec, [0.0] * width)) for _ in range(DC)]
               for _ in range(DR)]
        rows = [builder.gep(a, [builder.mul(lda, llvm.Constant(intp, r))]) for r in range(DR)]
        cols = [builder.gep(b, [builder.mul(ldb, llvm.Constant(intp, j))]) for j in range(DC)]

        def load(base, offset):
            return builder.load(builder.bitcast(builder.gep(base, [offset]), vec.as_pointer()), align=align)

        with cgutils.for_range(builder, kv) as loop:
            k = builder.mul(loop.index, llvm.Constant(intp, width))
            va = [load(row, k) for row in rows]
            for j in range(DC):
                vb = load(cols[j], k)
                for r in range(DR):
                    builder.store(builder.call(fma, [va[r], vb, builder.load(acc[r][j])]), acc[r][j])
        for r in range(DR):
            for j in range(DC):
                v = builder.load(acc[r][j])
                total = builder.extract_element(v, llvm.Constant(llvm.IntType(32), 0))
                for lane in range(1, width):
                    total = builder.fadd(total, builder.extract_element(v, llvm.Constant(llvm.IntType(32), lane)))
                at = builder.gep(c, [builder.add(builder.mul(ldc, llvm.Constant(intp, r)), llvm.Constant(intp, j))])
                builder.store(total, at)
        return context.get_dummy_value()

    return types.void(kv, a, lda, b, ldb, c, ldc), codegen


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
    """The block loop that ``gemm``, ``gemm_indexed`` and ``gemm_indexed_b`` share (BLIS's
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

    A single block of A (M <= MC) and a column-major B: the loop nest is ``for jc / for pc /
    pack A / for jr: pack B's sliver jr, _block over it`` (the same tiles and sums as packing B's
    whole block first; see the module docstring for why). A C of ``STREAM_C_BYTES`` or more,
    K in one block: ``_blocks`` twice, C's columns up to its first 64-byte boundary with ordinary
    stores, the rest with non-temporal ones (the same tiles' sums), then ``sfence``."""
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
    # B row-major and A one block: B's whole slivers are read in place, the rest packed (not
    # when B's rows are a multiple of 4 KB apart and A is tall enough to reread them often:
    # such rows all fall in the same cache sets)
    in_place = csb == 1 and M <= MC and (M <= 32 or rsb * a.itemsize % 4096 != 0)
    by_sliver = M <= MC and rsb == 1 and csb != 1
    # C written once (one block of K) and far larger than the caches: streamed to memory, its
    # first columns up to a 64-byte boundary apart so that every later tile starts on one
    if blocks == 1 and M * N * a.itemsize >= STREAM_C_BYTES and ldc * a.itemsize % 64 == 0:
        shift = min(N, _misaligned(c, c_off) // a.itemsize)
        _blocks(M, shift, K, a, a_off, rsa, csa, b, b_off, rsb, csb, c, c_off, ldc, ap, bp, tile, mr, nr, step,
                in_place, by_sliver, False)
        _blocks(M, N - shift, K, a, a_off, rsa, csa, b, b_off + shift * csb, rsb, csb, c, c_off + shift, ldc, ap, bp,
                tile, mr, nr, step, in_place, by_sliver, True)
        _store_fence()
    else:
        _blocks(M, N, K, a, a_off, rsa, csa, b, b_off, rsb, csb, c, c_off, ldc, ap, bp, tile, mr, nr, step, in_place,
                by_sliver, False)


@njit(cache=True)
def _blocks(M, N, K, a, a_off, rsa, csa, b, b_off, rsb, csb, c, c_off, ldc, ap, bp, tile, mr, nr, step, in_place,
            by_sliver, stream):
    """``gemm``'s loop nest over its blocks (``for jc / for pc / pack B / for ic / pack A / _block``)."""
    for jc in range(0, N, NC):
        nc = min(NC, N - jc)
        direct = nc // nr * nr if in_place else 0
        for pc in range(0, K, step):
            kc = min(step, K - pc)
            if by_sliver:  # A one block, B column-major: each sliver of B transposed just before its use
                _pack(a, a_off + pc * csa, csa, rsa, kc, M, mr, ap)
                for jr in range(jc, jc + nc, nr):
                    w = min(nr, jc + nc - jr)
                    _pack(b, b_off + pc * rsb + jr * csb, rsb, csb, kc, w, nr, bp)
                    _block(kc, M, w, ap, b, 0, nr, 0, bp, c, c_off + jr, ldc, tile, mr, nr, pc > 0)
                continue
            if direct < nc:
                _pack(b, b_off + pc * rsb + (jc + direct) * csb, rsb, csb, kc, nc - direct, nr, bp)
            for ic in range(0, M, MC):
                mc = min(MC, M - ic)
                _pack(a, a_off + ic * rsa + pc * csa, csa, rsa, kc, mc, mr, ap)
                _block(kc, mc, nc, ap, b, b_off + pc * rsb + jc, rsb, direct, bp, c, c_off + ic * ldc + jc, ldc,
                       tile, mr, nr, pc > 0, stream)


# ---------------------------------------------------------------------------------------------
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
