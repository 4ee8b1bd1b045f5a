"""Direct convolution for few output channels (d2l's LeNet): no im2col, a register tile instead.

With 1-6 input channels and 6-16 output channels (LeNet's two 5x5 layers), im2col + GEMM is a
poor fit: the columns are only C_in*kH*kW = 25-150 rows, the GEMM has M = C_out = 6 or 16 rows,
and copying the columns costs about a third of the time. PyTorch (oneDNN) runs a direct
convolution instead, and so does this module (the implicit-GEMM view: im2col's columns are
never written, the input is read in place through two offset tables):

    y[n, co, oh, ow] = b[co] + sum_{c, i, j} w[co, c, i, j] * x_pad[n, c, oh*sH + i*dH, ow*sW + j*dW]

Tap t = (c, i, j) of output position p = (oh, ow) reads ``x_pad[n].flat[pos[p] + offs[t]]``,
with ``pos[p] = oh*sH*Wp + ow*sW`` and ``offs[t] = c*Hp*Wp + i*dH*Wp + j*dW``, tables computed
once per shape (``_tables``), so a tap costs one table read whatever its (c, i, j).

Two register tiles, both LLVM ``@intrinsic``s like kernels/gemm_tile.py's micro-kernel (numba has no
vector types, and its auto-vectoriser does not keep a tile of accumulators in registers):

* The channel tile (``_tile``): R = TILE_R output positions (10: LeNet conv2's rows) x one vector
  of output channels (C_out padded to VW = 16 float32 / 8 float64; ``_tile_narrow`` has 8-lane
  vectors and R = 8 for C_out <= 8). Per tap: one vector load of the packed weight wt[t, :], R
  broadcasts of the input, R FMAs, every lane useful when C_out is VW (conv2: 16). The R x VW
  result is transposed in registers (log2(VW) rounds of shuffles, as gemm_tile.py's ``_transpose8``)
  and stored as C_out runs of R positions into y's NCHW planes (a masked store), bias added.
  Positions run in y's order across rows (the pos table), any stride and dilation. More output
  channels than one vector (the stems: 1 input channel to 64 or 96, ``STEM_MAX_CHANNELS``) run
  one tile per block of VW channels, the weight packed as (blocks, K, VW).
* The row tile (``_row_tile_<MR>``): at stride 1 with C_out <= 8 (conv1's 6; conv2's input
  gradient, 6), vectorised over positions instead: positions in *full-width* order (oh*Wp + ow,
  the Wp - oW past each row's end computed and dropped, as kernels/im2col.py's full-width
  columns) are consecutive numbers of the input for every tap, so per tap the tile loads
  ROW_VECTORS (2) vectors of input unaligned and broadcasts MR (2, 4, 6 or 8 >= C_out) weights:
  MR x 32 float32 positions in 2*MR accumulators, stored as rows of a per-sample buffer, whose
  valid columns then go to y.

Weight gradient: the channel tile with the roles of taps and positions swapped (see
``conv2d_weight_grad``). Input gradient at stride 1: the forward convolution of gy with the
flipped kernel read as (C_in, C_out, kH, kW) (``conv2d_input_grad``).

Measured (``benchmarks/bench_conv_shapes.py --only "lenet conv" --baseline``, float32, 1 thread,
ms, ours / im2col + GEMM before / torch, load 5.5 on the shared 2-core VM, 2026-12-07):
LeNet conv1 (64,1,28,28)->6 5x5 p2: forward 0.26 / 1.28 / 0.65, input grad 0.52 / 2.71 / 6.12
(not needed in a step), weight grad 0.57 (kept on kernels/conv.py's direct dot products: this
path took 0.73 against their 0.59) / 0.65 / 0.61; conv2 (64,6,14,14)->16 5x5: forward 0.22 /
1.46 / 0.25, input grad 0.61 / 1.30 / 0.62, weight grad 0.30 / 0.96 / 0.54. The rule
(``applies``): one group, float, a kernel larger than 1x1, at most VW output channels and
MAX_TAPS = 512 taps; new against old path at 1 thread (ms, forward / weight grad): (16,32,24,24)
->16 3x3 0.82/2.30, 0.96/2.30; (64,56,8,8)->16 3x3 0.80/1.56, 0.80/1.95; (64,20,12,12)->12 5x5
1.40/9.64, 1.61/9.09; (64,3,32,32)->6 5x5 0.65/6.93, 1.55/7.53 (loaded machine: read ratios).
"""

import functools

import numpy as np
from llvmlite import ir as llvm
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from .checks import check_output_size, check_shape, check_window
from .conv_args import _check_direct_weight_grad
from .gemm import _avx512_host
from .gemm_tile import VECTOR_BYTES, _address
from .layout import nchw_to_nhwc
from .threading import in_parallel, split_threads

# Two channel tiles: a wide one (64-byte vectors: 16 float32 channels, R = 10 positions) and a
# narrow one (32-byte vectors: 8 float32 channels, R = 8) for C_out <= 8 where the row tile does
# not apply (stride > 1), so that a vector is not more than half empty.
TILE_R = 10  # positions per wide tile
TILE_R_NARROW = 8  # positions per narrow tile
NARROW_BYTES = VECTOR_BYTES // 2


def _vector_type(context, dtype, vector_bytes):
    """(LLVM scalar type, its size in bytes, numbers per vector of ``vector_bytes``)."""
    scalar = context.get_value_type(dtype)
    size = context.get_abi_sizeof(scalar)
    return scalar, size, vector_bytes // size


def _make_tile(R_max: int, vector_bytes: int):
    @intrinsic
    def _tile(typingctx, k, x, pos, offs, wt, ldw, bias, dst, ld, channels):
        """The channel tile: R output positions x VW output channels, transposed on the way out.

        For r < R, co < VW: ``acc[r][co] = sum_{t < k} x[pos[r] + offs[t]] * wt[t*ldw + co]`` (one
        vector per position r), then ``dst[co*ld + r] = acc[r][co] + bias[co]`` for co < channels:
        the tile, padded to VW x VW with zero vectors, is transposed in registers (log2(VW)
        rounds of shuffles, as gemm_tile.py's ``_transpose8``) so that each channel's R positions are
        one vector store (masked to R lanes when R < VW).
        x points at the sample's padded input, pos at the tile's VW position offsets, offs at the tap
        table, wt at the packed weight (k rows of VW numbers, ldw apart), bias at VW numbers, dst at the tile's first
        output (channel co's run starts ld numbers after channel co-1's).
        """
        def codegen(context, builder, sig, args):
            k, x, pos, offs, wt, ldw, bias, dst, ld, channels = args
            scalar, size, width = _vector_type(context, sig.args[1].dtype, vector_bytes)
            R = min(R_max, width)
            vec = llvm.VectorType(scalar, width)
            i32 = llvm.IntType(32)
            fma = cgutils.get_or_insert_function(
                builder.module, llvm.FunctionType(vec, [vec, vec, vec]), f"llvm.fma.v{width}f{8 * size}")
            intp = k.type
            mask_t = llvm.VectorType(llvm.IntType(1), width)
            mask = llvm.Constant(mask_t, [1 if r < R else 0 for r in range(width)])
            mstore = cgutils.get_or_insert_function(
                builder.module, llvm.FunctionType(llvm.VoidType(), [vec, vec.as_pointer(), i32, mask_t]),
                f"llvm.masked.store.v{width}f{8 * size}.p0v{width}f{8 * size}")
            zero = llvm.Constant(vec, [0.0] * width)
            lanes = llvm.Constant(llvm.VectorType(i32, width), [0] * width)
            # stack slots for the accumulators; LLVM's mem2reg keeps them in registers
            acc = [cgutils.alloca_once_value(builder, zero) for _ in range(R)]
            rows = [builder.gep(x, [builder.load(builder.gep(pos, [llvm.Constant(intp, r)]))])
                    for r in range(R)]
            with cgutils.for_range(builder, k) as loop:
                t = loop.index
                off = builder.load(builder.gep(offs, [t]))
                wv = builder.load(builder.bitcast(builder.gep(wt, [builder.mul(t, ldw)]),
                                                  vec.as_pointer()), align=size)
                for r in range(R):
                    a = builder.load(builder.gep(rows[r], [off]))
                    a = builder.insert_element(llvm.Constant(vec, llvm.Undefined), a, llvm.Constant(i32, 0))
                    a = builder.shuffle_vector(a, llvm.Constant(vec, llvm.Undefined), lanes)
                    builder.store(builder.call(fma, [a, wv, builder.load(acc[r])]), acc[r])
            rows_v = [builder.load(a) for a in acc] + [zero] * (width - R)
            b = width // 2
            while b:  # rows i and i + b trade their off-diagonal b x b blocks
                low = llvm.Constant(llvm.VectorType(i32, width), [j if j & b == 0 else width + j - b for j in range(width)])
                high = llvm.Constant(llvm.VectorType(i32, width), [j + b if j & b == 0 else width + j for j in range(width)])
                new = list(rows_v)
                for i in range(width):
                    if i & b == 0:
                        new[i] = builder.shuffle_vector(rows_v[i], rows_v[i + b], low)
                        new[i + b] = builder.shuffle_vector(rows_v[i], rows_v[i + b], high)
                rows_v = new
                b //= 2
            for co in range(width):
                with builder.if_then(builder.icmp_signed("<", llvm.Constant(intp, co), channels)):
                    bv = builder.load(builder.gep(bias, [llvm.Constant(intp, co)]))
                    bv = builder.insert_element(llvm.Constant(vec, llvm.Undefined), bv, llvm.Constant(i32, 0))
                    bv = builder.shuffle_vector(bv, llvm.Constant(vec, llvm.Undefined), lanes)
                    p = builder.gep(dst, [builder.mul(ld, llvm.Constant(intp, co))])
                    value = builder.fadd(rows_v[co], bv)
                    if R == width:
                        builder.store(value, builder.bitcast(p, vec.as_pointer()), align=size)
                    else:
                        builder.call(mstore, [value, builder.bitcast(p, vec.as_pointer()), llvm.Constant(i32, size), mask])
            return context.get_dummy_value()

        return types.void(k, x, pos, offs, wt, ldw, bias, dst, ld, channels), codegen
    return _tile


_tile = _make_tile(TILE_R, VECTOR_BYTES)
_tile_narrow = _make_tile(TILE_R_NARROW, NARROW_BYTES)


@njit(cache=True)
def _forward_sample(x, n, pad, pos, wt, offs, y, bias):
    """y[n] (as (C_out, L)) from sample x[n], padded first into a buffer when ``pad`` = (pT, pB,
    pL, pR) is not all zero: for each tile of R positions, a tile per block of VW output channels
    (``wt`` is (blocks, K, VW), ``bias`` blocks*VW numbers); the last, partial tile of positions
    through a scratch tile."""
    C_out = y.shape[1]
    _N, C, H, W = x.shape
    blocks, K, VW = wt.shape
    L = y.shape[2]
    pT, pB, pL, pR = pad
    if pT == 0 and pB == 0 and pL == 0 and pR == 0:
        x_n = x[n].reshape(-1)
    else:
        Hp, Wp = H + pT + pB, W + pL + pR
        x_n = np.zeros(C * Hp * Wp, dtype=y.dtype)
        for c in range(C):
            for h in range(H):
                src = x[n, c, h]
                at = (c * Hp + pT + h) * Wp + pL
                for w in range(W):
                    x_n[at + w] = src[w]
    y_n = y[n].reshape(-1)
    w_flat = wt.reshape(-1)
    narrow = VW * wt.itemsize == NARROW_BYTES
    R = min(TILE_R_NARROW if narrow else TILE_R, VW)
    full = L // R * R
    scratch = np.empty(VW * VW, dtype=y.dtype)
    for p0 in range(0, L, R):
        partial = p0 == full
        for cb in range(blocks):
            co0 = cb * VW
            channels = min(VW, C_out - co0)
            dst, ld = (_address(scratch, 0), VW) if partial else (_address(y_n, co0 * L + p0), L)
            if narrow:
                _tile_narrow(K, _address(x_n, 0), _address(pos, p0), _address(offs, 0), _address(w_flat, cb * K * VW),
                             VW, _address(bias, co0), dst, ld, channels)
            else:
                _tile(K, _address(x_n, 0), _address(pos, p0), _address(offs, 0), _address(w_flat, cb * K * VW),
                      VW, _address(bias, co0), dst, ld, channels)
            if partial:
                for co in range(channels):
                    for p in range(full, L):
                        y_n[(co0 + co) * L + p] = scratch[co * VW + p - full]


@njit(cache=True, parallel=True)
def _forward(x, pad, pos, wt, offs, y, bias, parallel):
    """y (N, C_out, L) for every sample: ``prange`` over samples when ``parallel``."""
    if parallel:
        for n in prange(y.shape[0]):
            _forward_sample(x, n, pad, pos, wt, offs, y, bias)
    else:
        for n in range(y.shape[0]):
            _forward_sample(x, n, pad, pos, wt, offs, y, bias)


# ---------------------------------------------------------------------------------------------
# The row tile: at stride 1 with at most ROW_TILE_MAX_CHANNELS output channels (LeNet conv1's 6;
# the input gradient of conv2, 6), vectorised over positions instead.
#
# At stride 1 the positions of a padded sample read in *full-width* order (p = oh*Wp + ow, the
# Wp - oW positions past each row's end computed and dropped, as kernels/im2col.py's full-width
# columns) are consecutive numbers of the input for every tap: tap t of positions p..p+VW-1 is
# the vector x_pad[offs[t] + p : ... + VW]. The tile is MR channels x ROW_VECTORS vectors of
# positions: per tap ROW_VECTORS unaligned loads of the input and MR broadcasts of the packed
# weight wp[t, :MR], MR*ROW_VECTORS FMAs. The results are rows of the full-width output, stored
# as vectors into a per-sample (MR, oH*Wp) buffer, whose first oW of every Wp go to y.

ROW_VECTORS = 2
ROW_TILE_MAX_CHANNELS = 8


def _make_row_tile(MR: int):
    @intrinsic
    def _row_tile(typingctx, k, x, offs, wp, bias, out, ldo):
        """out[m*ldo + q] = bias[m] + sum_{t < k} wp[t*MR + m] * x[offs[t] + q] for m < MR and
        q < ROW_VECTORS*VW: MR x ROW_VECTORS accumulator vectors."""
        def codegen(context, builder, sig, args):
            k, x, offs, wp, bias, out, ldo = args
            scalar, size, width = _vector_type(context, sig.args[1].dtype, VECTOR_BYTES)
            vec = llvm.VectorType(scalar, width)
            i32 = llvm.IntType(32)
            fma = cgutils.get_or_insert_function(
                builder.module, llvm.FunctionType(vec, [vec, vec, vec]), f"llvm.fma.v{width}f{8 * size}")
            intp = k.type
            lanes = llvm.Constant(llvm.VectorType(i32, width), [0] * width)

            def broadcast(value):
                v = builder.insert_element(llvm.Constant(vec, llvm.Undefined), value, llvm.Constant(i32, 0))
                return builder.shuffle_vector(v, llvm.Constant(vec, llvm.Undefined), lanes)

            acc = [[cgutils.alloca_once_value(builder, llvm.Constant(vec, [0.0] * width))
                    for _ in range(ROW_VECTORS)] for _ in range(MR)]
            with cgutils.for_range(builder, k) as loop:
                t = loop.index
                x_t = builder.gep(x, [builder.load(builder.gep(offs, [t]))])
                xv = [builder.load(builder.bitcast(builder.gep(x_t, [llvm.Constant(intp, v * width)]),
                                                   vec.as_pointer()), align=size) for v in range(ROW_VECTORS)]
                w_t = builder.gep(wp, [builder.mul(t, llvm.Constant(intp, MR))])
                for m in range(MR):
                    a = broadcast(builder.load(builder.gep(w_t, [llvm.Constant(intp, m)])))
                    for v in range(ROW_VECTORS):
                        builder.store(builder.call(fma, [a, xv[v], builder.load(acc[m][v])]), acc[m][v])
            for m in range(MR):
                b = broadcast(builder.load(builder.gep(bias, [llvm.Constant(intp, m)])))
                row = builder.gep(out, [builder.mul(ldo, llvm.Constant(intp, m))])
                for v in range(ROW_VECTORS):
                    p = builder.bitcast(builder.gep(row, [llvm.Constant(intp, v * width)]), vec.as_pointer())
                    builder.store(builder.fadd(builder.load(acc[m][v]), b), p, align=size)
            return context.get_dummy_value()

        return types.void(k, x, offs, wp, bias, out, ldo), codegen
    return _row_tile


_row_tile_2, _row_tile_4 = _make_row_tile(2), _make_row_tile(4)
_row_tile_6, _row_tile_8 = _make_row_tile(6), _make_row_tile(8)


@njit(cache=True)
def _rows_sample(x, n, pad, wp, offs, y, bias):
    """y[n] at stride 1 by row tiles: pad sample n into a buffer with slack, tiles of
    ROW_VECTORS*VW full-width positions into a (MR, tiles) buffer, its valid columns into y[n]."""
    _N, C, H, W = x.shape
    C_out, oH, oW = y.shape[1], y.shape[2], y.shape[3]
    MR = wp.shape[1]
    pT, pB, pL, pR = pad
    Hp, Wp = H + pT + pB, W + pL + pR
    VW = 64 // x.itemsize
    step = ROW_VECTORS * VW
    P = -(-(oH * Wp) // step) * step
    x_n = np.zeros(C * Hp * Wp + Wp + step, dtype=y.dtype)  # slack: the last tile reads past
    for c in range(C):
        for h in range(H):
            src = x[n, c, h]
            at = (c * Hp + pT + h) * Wp + pL
            for w in range(W):
                x_n[at + w] = src[w]
    out = np.empty(MR * P, dtype=y.dtype)
    K = offs.shape[0]
    w_flat = wp.reshape(-1)
    for p0 in range(0, P, step):
        at, to = _address(x_n, p0), _address(out, p0)
        if MR == 2:
            _row_tile_2(K, at, _address(offs, 0), _address(w_flat, 0), _address(bias, 0), to, P)
        elif MR == 4:
            _row_tile_4(K, at, _address(offs, 0), _address(w_flat, 0), _address(bias, 0), to, P)
        elif MR == 6:
            _row_tile_6(K, at, _address(offs, 0), _address(w_flat, 0), _address(bias, 0), to, P)
        else:
            _row_tile_8(K, at, _address(offs, 0), _address(w_flat, 0), _address(bias, 0), to, P)
    for co in range(C_out):
        for oh in range(oH):
            dst = y[n, co, oh]
            src_at = co * P + oh * Wp
            for ow in range(oW):
                dst[ow] = out[src_at + ow]


@njit(cache=True, parallel=True)
def _rows(x, pad, wp, offs, y, bias, parallel):
    """y for every sample by row tiles: ``prange`` over samples when ``parallel``."""
    if parallel:
        for n in prange(y.shape[0]):
            _rows_sample(x, n, pad, wp, offs, y, bias)
    else:
        for n in range(y.shape[0]):
            _rows_sample(x, n, pad, wp, offs, y, bias)


@functools.lru_cache(maxsize=64)
def _tables(C: int, kH: int, kW: int, Hp: int, Wp: int, oH: int, oW: int, stride, dilation):
    """The tap table offs[(c*kH + i)*kW + j] = c*Hp*Wp + i*dH*Wp + j*dW and the position table
    pos[oh*oW + ow] = oh*sH*Wp + ow*sW (padded to whole tiles by repeating the last position, so
    a partial tile reads inside the sample), for a padded sample of (C, Hp, Wp)."""
    c, i, j = np.meshgrid(np.arange(C), np.arange(kH), np.arange(kW), indexing="ij")
    offs = (c * Hp * Wp + i * dilation[0] * Wp + j * dilation[1]).reshape(-1).astype(np.int64)
    L = oH * oW
    pos = np.empty(L + TILE_R, dtype=np.int64)
    pos[:L] = ((np.arange(oH) * stride[0] * Wp)[:, None] + np.arange(oW) * stride[1]).reshape(-1)
    pos[L:] = pos[L - 1]
    return offs, pos


def applies(x_shape, w_shape, groups: int, *arrays: np.ndarray, stems: bool = True) -> bool:
    """Whether conv2d takes this module's path (kernels/conv.py asks, one line per entry point):
    4-d operands, a kernel larger than 1x1 (1x1 is one GEMM on the NCHW arrays), one group,
    float32 or float64, at most MAX_TAPS taps per output (C_in*kH*kW), on a CPU with AVX-512
    (``AVX512``), and at most one vector of output channels (16 float32, 8 float64), or, with
    ``stems`` (the forward only), any number of them from at most STEM_MAX_CHANNELS input
    channels: the first layers of the gallery's nets, one tile per block of 16 channels (see
    STEM_MAX_CHANNELS). The numbers behind the rule: the module's docstring. (With stride 1 and
    C_out <= 8 the forward takes the row tile.)"""
    if not AVX512 or groups != 1 or len(x_shape) != 4 or len(w_shape) != 4 or w_shape[2] * w_shape[3] == 1:
        return False
    dtype = np.result_type(*arrays)  # the operands' common dtype
    if dtype not in (np.float32, np.float64):
        return False
    few_out = w_shape[0] <= VECTOR_BYTES // dtype.itemsize or (stems and w_shape[1] <= STEM_MAX_CHANNELS)
    return few_out and w_shape[1] * w_shape[2] * w_shape[3] <= MAX_TAPS


# The stems: one input channel (Fashion-MNIST) to 64 or 96, where im2col's columns (kH*kW rows
# of strided gathers) took as long as the GEMM and the GEMM's result was transposed into NCHW
# once more. The channel tile runs once per block of 16 output channels, the input read in place.
# Forward, 1 thread, CPU ms, im2col + GEMM -> tiles (load average 10-13: ratios only): NiN
# (64,1,67,67)->96 11x11 s4 8.59 -> 3.55; (32,1,96,96)->96 6.23 -> 3.93; AlexNet's padding 1
# 7.76 -> 3.84; ResNet's 7x7 s2 p3 (64,1,32,32)->64 2.62 -> 1.14, (16,1,96,96)->64 5.17 -> 2.61;
# (8,1,20,20)->40 3x3 0.14 -> 0.07. Not the weight gradient: its swapped tile, one pass over the
# whole batch per block of 16 channels and R taps, took 1.6-2.3x im2col + GEMM's time there (the
# stems' weight gradient is kernels/conv_stem_grad.py's wider tile, 24 FMAs per 10 loads).
STEM_MAX_CHANNELS = 4

MAX_TAPS = 512
# The tiles were written and measured for AVX-512's 32 vector registers (the channel tile keeps
# R = 10 vectors of 16 float32 in them); on a narrower CPU LLVM would split every vector in two
# and spill, so there kernels/conv.py keeps its im2col + GEMM paths.
AVX512 = _avx512_host()


def conv2d(x: np.ndarray, w: np.ndarray, bias, stride, padding, dilation, keep_columns: bool = False):
    """y = conv2d(x, w) + b for one group and few output channels: the register tile above.

    Loop nest: ``for n (prange if big) / pad sample n (a copy, if padded) / for tile of R
    positions / for block of VW output channels / for tap (c, i, j) / R broadcasts and FMAs into
    R vectors of VW channels / transpose the tile, VW vector stores (+ bias)``. Each parallel
    iteration owns sample n.
    Cost: 2*N*C_out*C_in*kH*kW*oH*oW flops (C_out rounded up to the vector width VW, positions to
    whole tiles); an (oH*oW x VW) scratch tile and a padded sample per sample, nothing the size
    of im2col's columns. ``padding`` is ((top, bottom), (left, right)). With ``keep_columns``
    returns ``(y, None)`` (kernels/conv.py's conv2d's contract: there are no columns to keep).
    """
    check_shape("conv2d", "input", x.shape, (None,) * 4)
    check_shape("conv2d", "weight", w.shape, (None, x.shape[1], None, None))
    check_window("conv2d", w.shape[2:], stride, padding, dilation)
    (pT, pB), (pL, pR) = padding
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    Hp, Wp = H + pT + pB, W + pL + pR
    oH = (Hp - dilation[0] * (kH - 1) - 1) // stride[0] + 1
    oW = (Wp - dilation[1] * (kW - 1) - 1) // stride[1] + 1
    check_output_size("conv2d", (H, W), (oH, oW))
    if bias is not None:
        check_shape("conv2d", "bias", bias.shape, (C_out,))
    dtype = np.result_type(x.dtype, w.dtype)
    if tuple(stride) == (1, 1) and C_out <= ROW_TILE_MAX_CHANNELS and dtype in (np.float32, np.float64):
        K = C_in * kH * kW
        MR = -(-C_out // 2) * 2
        wp = np.zeros((K, MR), dtype=dtype)
        wp[:, :C_out] = w.reshape(C_out, K).T
        b = np.zeros(MR, dtype=dtype)
        if bias is not None:
            b[:C_out] = bias
        offs = _tables(C_in, kH, kW, Hp, Wp, oH, oW, (1, 1), tuple(dilation))[0]
        y = np.empty((N, C_out, oH, oW), dtype=dtype)
        _rows(np.ascontiguousarray(x, dtype=dtype), (pT, pB, pL, pR), wp, offs, y, b, in_parallel(y.size * K))
        return (y, None) if keep_columns else y
    dtype = np.result_type(x.dtype, w.dtype)
    if dtype not in (np.float32, np.float64):
        raise RuntimeError(f"conv2d_few_channels: float32 or float64, got {dtype}")
    VW = (NARROW_BYTES if C_out * dtype.itemsize <= NARROW_BYTES else VECTOR_BYTES) // dtype.itemsize
    K, blocks = C_in * kH * kW, -(-C_out // VW)
    wt = np.zeros((blocks * VW, K), dtype=dtype)  # w as (blocks, K, VW): each block of VW channels a slab
    wt[:C_out] = w.reshape(C_out, K)
    wt = np.ascontiguousarray(wt.reshape(blocks, VW, K).transpose(0, 2, 1))
    b = np.zeros(blocks * VW, dtype=dtype)
    if bias is not None:
        b[:C_out] = bias
    offs, pos = _tables(C_in, kH, kW, Hp, Wp, oH, oW, tuple(stride), tuple(dilation))
    y = np.empty((N, C_out, oH, oW), dtype=dtype)
    x = np.ascontiguousarray(x, dtype=dtype)
    _forward(x, (pT, pB, pL, pR), pos, wt, offs, y.reshape(N, C_out, oH * oW), b, in_parallel(y.size * K))
    return (y, None) if keep_columns else y


def conv2d_input_grad(gy, w, input_shape, stride, padding, dilation, groups: int):
    """dL/dx of conv2d at stride 1 as the forward convolution of gy (this module's ``conv2d``)
    with the flipped kernel read as (C_in, C_out, kH, kW), gy padded by the kernel's reach minus
    the padding (kernels/conv_input_grad.py's ``_input_grad_as_forward`` derives it); None where
    that does not apply (another stride, groups, a padding past the reach, too many input channels: ``applies``).
    Cost: 2*N*VW*C_out*kH*kW*H*W flops, C_in rounded up to VW."""
    kH, kW = w.shape[2:]
    if tuple(stride) != (1, 1) or groups != 1 or len(input_shape) != 4 or gy.ndim != 4:
        return None
    (pT, _), (pL, _) = padding
    qT, qL = dilation[0] * (kH - 1) - pT, dilation[1] * (kW - 1) - pL
    qB = input_shape[2] - gy.shape[2] + dilation[0] * (kH - 1) - qT
    qR = input_shape[3] - gy.shape[3] + dilation[1] * (kW - 1) - qL
    w_flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    if min(qT, qB, qL, qR) < 0 or not applies(gy.shape, w_flipped.shape, 1, gy, w, stems=False):
        return None
    return conv2d(gy, w_flipped, None, (1, 1), ((qT, qB), (qL, qR)), dilation)


# ---------------------------------------------------------------------------------------------
# Weight gradient: the same tile with the roles of taps and positions swapped.
#
#     gw[co, t] = sum_{n, p} gy[n, co, p] * x_pad[n, pos[p] + offs[t]]
#
# A tile is now R taps x VW output channels, and the tile's loop runs over the reduction index
# (n, p) of the whole batch: per step it loads gy's VW channels at (n, p) (gy copied once to
# channels-last, (N*L, VW)) and broadcasts x_pad at ``red[n*L + p] + offs[t]`` for each of its R
# taps (``red`` is the reduction table, n's padded-sample start plus pos[p]). The batch sum stays
# in registers to the end; the transposed store writes gw[co, t0:t0+R] straight into gw.


@njit(cache=True)
def _weight_grad_part(xp, red, offs, g, gw, VW, lo, hi):
    """gw (C_out, K) = the sum over reduction indices lo..hi (whole samples' positions); g is
    (N*L, Cp), gy channels last padded to whole blocks of VW channels, one tile per block."""
    C_out, K = gw.shape
    Cp = g.shape[1]
    narrow = VW * g.itemsize == NARROW_BYTES
    R = min(TILE_R_NARROW if narrow else TILE_R, VW)
    gw_flat = gw.reshape(-1)
    g_flat = g.reshape(-1)
    zero = np.zeros(VW, dtype=g.dtype)
    scratch = np.empty(VW * VW, dtype=g.dtype)
    for co0 in range(0, C_out, VW):
        channels = min(VW, C_out - co0)
        for t0 in range(0, K, R):
            last = t0 + R > K
            dst = _address(scratch, 0) if last else _address(gw_flat, co0 * K + t0)
            ld = VW if last else K
            if narrow:
                _tile_narrow(hi - lo, _address(xp, 0), _address(offs, t0), _address(red, lo),
                             _address(g_flat, lo * Cp + co0), Cp, _address(zero, 0), dst, ld, channels)
            else:
                _tile(hi - lo, _address(xp, 0), _address(offs, t0), _address(red, lo),
                      _address(g_flat, lo * Cp + co0), Cp, _address(zero, 0), dst, ld, channels)
            if last:
                for co in range(channels):
                    for t in range(t0, K):
                        gw[co0 + co, t] = scratch[co * VW + t - t0]


@njit(cache=True, parallel=True)
def _weight_grad(xp, red, offs, g, gw_parts, VW, N, parallel):
    """gw_parts[q] = the sum over the q-th slice of the batch; ``prange`` over slices when parallel."""
    parts = gw_parts.shape[0]
    L = red.shape[0] // N
    if parallel:
        for q in prange(parts):
            _weight_grad_part(xp, red, offs, g, gw_parts[q], VW, q * N // parts * L, (q + 1) * N // parts * L)
    else:
        for q in range(parts):
            _weight_grad_part(xp, red, offs, g, gw_parts[q], VW, q * N // parts * L, (q + 1) * N // parts * L)


@functools.lru_cache(maxsize=64)
def _reduction_table(N: int, sample: int, L: int, pos_key) -> np.ndarray:
    """red[n*L + p] = n*sample + pos[p] (``pos_key``: the _tables arguments that give pos)."""
    pos = _tables(*pos_key)[1][:L]
    return (np.arange(N, dtype=np.int64)[:, None] * sample + pos).reshape(-1)


def conv2d_weight_grad(gy, x, weight_shape, stride, padding, dilation):
    """dL/dw of conv2d for one group and few output channels: the swapped tile above.

    Loop nest: ``pad x, gy to channels-last (copies) / for slice of the batch (prange if big) /
    for tile of R taps / for (n, p) in the slice / R broadcasts and FMAs into R vectors of C_out
    / transposed store into the slice's gw``, then the slices' gw added (one slice per configured
    thread, so the result does not depend on the load; kernels/threading.py).
    Cost: 2*N*L*K*VW flops (C_out rounded up to VW); copies of x (padded) and gy (N*L*VW).
    ``padding`` is ((top, bottom), (left, right)).
    """
    op = "conv2d_weight_grad"
    Hp, Wp = _check_direct_weight_grad(op, gy, x, weight_shape, stride, padding, dilation)
    N, C_out, oH, oW = gy.shape
    _, C_in, kH, kW = weight_shape
    (pT, pB), (pL, pR) = padding
    _, _, H, W = x.shape
    dtype = np.result_type(x.dtype, gy.dtype)
    VW = (NARROW_BYTES if C_out * dtype.itemsize <= NARROW_BYTES else VECTOR_BYTES) // dtype.itemsize
    K, L = C_in * kH * kW, oH * oW
    if pT == pB == pL == pR == 0:
        xp = np.ascontiguousarray(x, dtype=dtype).reshape(-1)
    else:
        xp = np.zeros((N, C_in, Hp, Wp), dtype=dtype)
        xp[:, :, pT:pT + H, pL:pL + W] = x
        xp = xp.reshape(-1)
    Cp = -(-C_out // VW) * VW  # whole blocks of VW channels
    if Cp == C_out:
        g = nchw_to_nhwc(gy, dtype=dtype)  # (N, oH, oW, C_out), on the threads
    else:
        g = np.zeros((N, L, Cp), dtype=dtype)
        g[:, :, :C_out] = gy.reshape(N, C_out, L).transpose(0, 2, 1)
    key = (C_in, kH, kW, Hp, Wp, oH, oW, tuple(stride), tuple(dilation))
    offs = _tables(*key)[0]
    offs = np.concatenate([offs, np.full(TILE_R, offs[-1])])  # the last tile's extra taps: in bounds
    red = _reduction_table(N, C_in * Hp * Wp, L, key)
    parts = min(N, split_threads()) if in_parallel(N * L * K) else 1
    gw = np.empty((parts, C_out, K), dtype=dtype)
    _weight_grad(xp, red, offs, g.reshape(N * L, Cp), gw, VW, N, parts > 1)
    return (gw[0] if parts == 1 else gw.sum(axis=0)).reshape(weight_shape)
