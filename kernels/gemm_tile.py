"""How one tile of a GEMM is computed: the register tile and the packing moves, in LLVM IR.

kernels/gemm.py holds the GEMM's loop nest (packing, cache blocks, ``gemm``, ``matmul``,
``pays``); kernels/gemm_indexed.py and kernels/gemm_narrow.py its variants for the convolutions.
All of them reach the vector registers through the functions here:

* ``emit_tile`` emits the micro-kernel's loop: ``C[0:MR, 0:NR] (=|+=) sum over k < kc of
  A[i, k] * B[k, :]``, the MR x NV vectors of C held in registers for the whole of kc. Per k:
  NV vector loads of B, MR broadcasts of A, MR*NV fused multiply-adds (``llvm.fma``); the loop
  over k unrolled UNROLL times. Cost 2*MR*NR*kc flops, MR + NV loads per MR*NV FMAs.
  ``_micro_kernel`` (packed slivers, or B read in place), ``_micro_kernel_rows`` (A's MR rows
  read in place) and ``_micro_kernel_stream`` (non-temporal stores of C) wrap it;
  kernels/gemm_narrow.py addresses it otherwise.
* ``_dot_tile``: a DR x DC tile of dot products along k (``gemm``'s narrow-C path, ``_gemm_dot``).
* ``_transpose8``, ``_transpose8_rows`` (an 8x8 block transposed in registers, 24 shuffles) and
  ``_copy8`` (8 numbers, one vector move): the moves of packing.
* ``_address``, ``_aligned``, ``_misaligned``, ``_store_fence``: a pointer into an array, its
  64-byte alignment, ``sfence``.

numba has no vector types, and LLVM's auto-vectoriser, given the plain loop nest, vectorised the
wrong loop (over k, with gathers: 3-8 GFLOP/s), so the micro-kernel is written as an
``@intrinsic`` that emits LLVM IR directly: ``<16 x float>`` loads, a broadcast and
``llvm.fma``; so are the dot-product tile and the 8x8 transpose used in packing. Everything
around them (packing, blocking, in kernels/gemm.py) is ordinary numba.

These run serially (one call per tile); the threads are shared out by the loops that call them.
"""

from llvmlite import ir as llvm
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

VECTOR_BYTES = 64  # one AVX-512 register (a narrower machine splits each vector in LLVM)
MR, NV = 8, 2  # the register tile: MR rows x NV vectors of C (16 accumulators)
UNROLL = 8  # k steps per iteration of the micro-kernel's loop (emit_tile)
DR, DC = 4, 4  # the dot-product tile: 4 rows of A x 4 columns of C (16 accumulators)


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
def _micro_kernel_rows(typingctx, kc, a, lda, bp, ldb, c, ldc, accumulate):
    """``_micro_kernel`` with A read where it lies: ``A[i, k] = a[i*lda + k]``, MR rows stored
    along k (``lda`` apart), not a packed sliver. The MR row addresses are formed once; per k the
    MR broadcasts read one number from each row, so each row streams along k (kernels/gemm.py's
    ``_gemm_b_rows``: a column-major B's columns, read as the rows of B^T)."""
    dtype = bp.dtype

    def codegen(context, builder, sig, args):
        kc, a, lda, bp, ldb, c, ldc, accumulate = args
        intp = kc.type
        rows = [builder.gep(a, [builder.mul(lda, llvm.Constant(intp, i))]) for i in range(MR)]

        def a_at(k, i):
            return builder.gep(rows[i], [k])

        def b_row(k):
            return builder.gep(bp, [builder.mul(k, ldb)])

        emit_tile(context, builder, dtype, kc, a_at, b_row, c, ldc, accumulate)
        return context.get_dummy_value()

    return types.void(kc, a, lda, bp, ldb, c, ldc, accumulate), codegen


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
