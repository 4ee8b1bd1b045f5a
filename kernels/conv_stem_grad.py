"""The stems' weight gradient (few input channels, a large stride): a direct kernel, no columns.

The first layer of NiN and AlexNet (11x11 at stride 4, 1 -> 96 channels) and ResNet's (7x7 at
stride 2, 1 -> 64) have a weight of a few hundred taps and a long reduction over the batch:

    gw[co, c, i, j] = sum_{n, oh, ow} gy[n, co, oh, ow] * x_pad[n, c, oh*sH + i*dH, ow*sW + j*dW]

im2col + GEMM (kernels/conv.py) wrote kH*kW column rows of strided gathers (1.1 ms of NiN's 3.9
at 1 thread) and transposed gy (0.4 ms) for a GEMM that alone took torch's whole time. Here x is
read in place (padded first if the layer pads) through two tables, as kernels/conv_few_channels.py's
tiles read it: tap t = (c, i, j) of output position p = (oh, ow) is ``x_pad[n].flat[pos[p] +
offs[t]]``. gy is read channels last, a position's output channels consecutive vectors: each
block of POSITIONS positions of a sample is transposed into an L1 buffer right before its tiles
(``_gy_block``), not copied whole to channels last first: that copy was half of the kernel's
time (docs/performance-notes.md, "2026-12-07 (s14): GoogLeNet's and NiN's convolutions").

The tile (``_make_tile``): RT taps x NV vectors of output channels (VW = 16 float32 / 8 float64
each; NV = 6 holds NiN's 96) in RT*NV registers. Per position: NV aligned vector loads of gy,
RT broadcasts of x, RT*NV FMAs (24 FMAs for 10 loads at NV = 6, RT = 4: the FMAs, not the loads,
bound it; kernels/conv_few_channels.py's swapped tile, one vector of channels, did 10 FMAs for 11
loads and was 1.6-2.3x slower than the columns here). A call sums at most POSITIONS positions of
one sample from zero and adds them into the tile's partial sums in memory: a sample's x and
those positions' gy stay in L1 across the tap blocks, and the float32 sum is blocked (error as a
GEMM's, 7e-7 of the largest entry on NiN's stem, not the 4e-6 of one running sum over 14,400
terms).

Loop nest: ``for slice of the batch (prange: one slice per configured thread,
kernels/threading.py; the slices' sums added at the end, so the bits follow the configured count
only) / for n / for block of POSITIONS / its gy channels last (8x8 transposes) / for channel
block / for tap block / the tile``.
Cost: 2*N*oH*oW*Kp*Cp flops (K = C_in*kH*kW rounded up to RT, C_out to NV*VW); one transposed
read of gy (a copy of x when padded); per call RT*NV vectors read, added and written back.

Measured against im2col + GEMM and torch on NiN's, AlexNet's and ResNet's stems:
docs/performance-notes.md, "2026-12-07 (s13): NiN's weight gradients".
"""

import functools

import numpy as np
from llvmlite import ir as llvm
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from .blas import GEMM_WORK_DIVISOR
from .conv_args import _check_direct_weight_grad
from .conv_few_channels import AVX512, STEM_MAX_CHANNELS
from .gemm_tile import VECTOR_BYTES, _address, _transpose8
from .threading import in_parallel, split_threads

MAX_CHANNELS = STEM_MAX_CHANNELS  # input channels at most (the tests set 0: the columns' path)
MAX_VECTORS = 6  # vectors of output channels per tile (96 float32 channels)
TAPS = {1: 12, 2: 12, 3: 8, 4: 6, 5: 5, 6: 4}  # taps per tile for NV vectors: NV*RT + NV + 1 <= 32 registers
POSITIONS = 64  # positions per call: their NV vectors of gy (24 KB) and the sample stay in L1


@intrinsic(prefer_literal=True)
def _tile(typingctx, k, x, red, offs, g, ldg, acc, rt, nv):
    """``acc[t*nv + v] += sum_{p < k} x[red[p] + offs[t]] * g[p*ldg + v*VW : ... + VW]`` for t < rt,
    v < nv (rt and nv literal ints: the tile's shape is compiled in): rt taps x nv vectors of
    output channels in registers, from zero; per position nv vector loads of gy (channels last),
    rt broadcasts of x, rt*nv FMAs; the k-term sums are then added to acc (a sum of
    POSITIONS-term sums: a float32 error like a blocked GEMM's, not that of one running sum over
    the batch)."""
    if not isinstance(rt, types.IntegerLiteral) or not isinstance(nv, types.IntegerLiteral):
        return None
    RT, NV = rt.literal_value, nv.literal_value

    def codegen(context, builder, sig, args):
        k, x, red, offs, g, ldg, acc = args[:7]
        scalar = context.get_value_type(sig.args[1].dtype)
        size = context.get_abi_sizeof(scalar)
        width = VECTOR_BYTES // size
        vec = llvm.VectorType(scalar, width)
        i32, intp = llvm.IntType(32), k.type
        fma = cgutils.get_or_insert_function(
            builder.module, llvm.FunctionType(vec, [vec, vec, vec]), f"llvm.fma.v{width}f{8 * size}")
        lanes = llvm.Constant(llvm.VectorType(i32, width), [0] * width)
        undef = llvm.Constant(vec, llvm.Undefined)
        accp = builder.bitcast(acc, vec.as_pointer())
        # stack slots for the accumulators; LLVM's mem2reg keeps them in registers
        slots = [cgutils.alloca_once_value(builder, llvm.Constant(vec, [0.0] * width)) for _ in range(RT * NV)]
        off = [builder.load(builder.gep(offs, [llvm.Constant(intp, t)])) for t in range(RT)]
        with cgutils.for_range(builder, k) as loop:
            p = loop.index
            at = builder.gep(x, [builder.load(builder.gep(red, [p]))])
            row = builder.bitcast(builder.gep(g, [builder.mul(p, ldg)]), vec.as_pointer())
            gv = [builder.load(builder.gep(row, [llvm.Constant(intp, v)]), align=size) for v in range(NV)]
            for t in range(RT):
                a = builder.load(builder.gep(at, [off[t]]))
                a = builder.shuffle_vector(builder.insert_element(undef, a, llvm.Constant(i32, 0)), undef, lanes)
                for v in range(NV):
                    s = slots[t * NV + v]
                    builder.store(builder.call(fma, [a, gv[v], builder.load(s)]), s)
        for q in range(RT * NV):  # the call's sums (at most POSITIONS terms) into acc
            at = builder.gep(accp, [llvm.Constant(intp, q)])
            builder.store(builder.fadd(builder.load(at, align=size), builder.load(slots[q])), at, align=size)
        return context.get_dummy_value()

    return types.void(k, x, red, offs, g, ldg, acc, rt, nv), codegen


@njit(cache=True)
def _gy_block(gy, n, p0, k, gb, Cp):
    """gb[p*Cp + c] = gy[n, c, p0 + p] for p < k, c < C_out: a block of positions of gy channels
    last, in L1 (channels past C_out stay zero); 8 positions x 8 channels at a time transposed
    in registers (``_transpose8``) where whole, else number by number."""
    C_out, L = gy.shape[1], gy.shape[2]
    flat = gy.reshape(-1)
    c8 = C_out // 8 * 8 if k % 8 == 0 else 0
    for c0 in range(0, c8, 8):
        for q in range(0, k, 8):
            _transpose8(_address(flat, (n * C_out + c0) * L + p0 + q), L, _address(gb, q * Cp + c0), Cp)
    for c in range(c8, C_out):
        for p in range(k):
            gb[p * Cp + c] = gy[n, c, p0 + p]


@njit(cache=True)
def _part(xp, pos, offs, gy, acc, nv, n_lo, n_hi):
    """acc (channel blocks, tap blocks, rt*nv*VW) += samples n_lo..n_hi: for n / for block of
    POSITIONS / gy's block channels last (``_gy_block``) / for channel block / for tap block /
    the tile (one compiled shape per nv, rt = TAPS[nv])."""
    L = gy.shape[2]
    cblocks, tblocks, size = acc.shape
    rt = offs.shape[0] // tblocks
    VW = size // (rt * nv)
    Cp = cblocks * nv * VW
    af = acc.reshape(-1)
    gn = np.zeros(POSITIONS * Cp, dtype=acc.dtype)
    for n in range(n_lo, n_hi):
        xn = xp[n]
        for p0 in range(0, L, POSITIONS):
            k = min(POSITIONS, L - p0)
            _gy_block(gy, n, p0, k, gn, Cp)
            for cb in range(cblocks):
                for tb in range(tblocks):
                    x_at, red_at, offs_at = _address(xn, 0), _address(pos, p0), _address(offs, tb * rt)
                    g_at, acc_at = _address(gn, cb * nv * VW), _address(af, (cb * tblocks + tb) * size)
                    if nv == 6:
                        _tile(k, x_at, red_at, offs_at, g_at, Cp, acc_at, 4, 6)
                    elif nv == 5:
                        _tile(k, x_at, red_at, offs_at, g_at, Cp, acc_at, 5, 5)
                    elif nv == 4:
                        _tile(k, x_at, red_at, offs_at, g_at, Cp, acc_at, 6, 4)
                    elif nv == 3:
                        _tile(k, x_at, red_at, offs_at, g_at, Cp, acc_at, 8, 3)
                    elif nv == 2:
                        _tile(k, x_at, red_at, offs_at, g_at, Cp, acc_at, 12, 2)
                    else:
                        _tile(k, x_at, red_at, offs_at, g_at, Cp, acc_at, 12, 1)


@njit(cache=True, parallel=True)
def _weight_grad(xp, pos, offs, g, acc, nv):
    """acc[q] = the sum over the q-th slice of the batch (one slice per configured thread)."""
    parts, N = acc.shape[0], xp.shape[0]
    if parts > 1:
        for q in prange(parts):
            _part(xp, pos, offs, g, acc[q], nv, q * N // parts, (q + 1) * N // parts)
    else:
        _part(xp, pos, offs, g, acc[0], nv, 0, N)


@functools.lru_cache(maxsize=64)
def _tables(C: int, kH: int, kW: int, Hp: int, Wp: int, oH: int, oW: int, stride, dilation, rt: int):
    """The tap table offs[(c*kH + i)*kW + j] = (c*Hp + i*dH)*Wp + j*dW, padded with zeros (taps
    that read x_pad[n, 0, 0, 0]) to whole tiles of rt, and the position table pos[oh*oW + ow] =
    oh*sH*Wp + ow*sW, both into a padded sample (C, Hp, Wp)."""
    c, i, j = np.meshgrid(np.arange(C), np.arange(kH), np.arange(kW), indexing="ij")
    offs = ((c * Hp + i * dilation[0]) * Wp + j * dilation[1]).reshape(-1).astype(np.int64)
    offs = np.concatenate([offs, np.zeros(-offs.size % rt, dtype=np.int64)])
    pos = ((np.arange(oH) * stride[0] * Wp)[:, None] + np.arange(oW) * stride[1]).reshape(-1).astype(np.int64)
    return offs, pos


def applies(x_shape, weight_shape, groups: int, stride, dtype) -> bool:
    """Whether conv2d_weight_grad takes this module's kernel: the stems (one group, at most
    STEM_MAX_CHANNELS input channels, a kernel larger than 1x1, stride above 1), float32 or
    float64, on an AVX-512 CPU (a tile keeps NV*RT + NV + 1 <= 32 vectors in registers; a
    narrower CPU keeps the columns)."""
    return (AVX512 and groups == 1 and len(x_shape) == 4 and len(weight_shape) == 4
            and weight_shape[1] <= MAX_CHANNELS and weight_shape[2] * weight_shape[3] > 1
            and max(stride) > 1 and np.dtype(dtype) in (np.float32, np.float64))


def conv2d_weight_grad(gy: np.ndarray, x: np.ndarray, weight_shape, stride, padding, dilation) -> np.ndarray:
    """dL/dw of conv2d for the stems (``applies``): the direct kernel of the module docstring.

    ``padding`` is ((top, bottom), (left, right)). Checks, before any loop: the shapes, the
    window, gy's size against the output size; the tables then index only inside x_pad and gy
    (a padded tap reads x_pad[n, 0, 0, 0], a padded channel gy's zeros).
    """
    op = "conv2d_weight_grad"
    Hp, Wp = _check_direct_weight_grad(op, gy, x, weight_shape, stride, padding, dilation)
    N, C_out, oH, oW = gy.shape
    _, C_in, kH, kW = weight_shape
    (pT, pB), (pL, pR) = padding
    (sH, sW), (dH, dW) = stride, dilation
    dtype = np.result_type(x.dtype, gy.dtype)
    VW = VECTOR_BYTES // np.dtype(dtype).itemsize
    nv = min(MAX_VECTORS, -(-C_out // VW))
    rt = TAPS[nv]
    Cp = -(-C_out // (nv * VW)) * nv * VW  # whole channel blocks
    K, L = C_in * kH * kW, oH * oW
    H, W = x.shape[2:]
    if pT == pB == pL == pR == 0:
        xp = np.ascontiguousarray(x, dtype=dtype).reshape(N, -1)
    else:
        xp = np.zeros((N, C_in, Hp, Wp), dtype=dtype)
        xp[:, :, pT:pT + H, pL:pL + W] = x
        xp = xp.reshape(N, -1)
    g = np.ascontiguousarray(gy, dtype=dtype).reshape(N, C_out, L)  # read a block at a time (``_gy_block``)
    offs, pos = _tables(C_in, kH, kW, Hp, Wp, oH, oW, (sH, sW), (dH, dW), rt)
    parts = min(N, split_threads()) if in_parallel(N * L * offs.size * Cp // GEMM_WORK_DIVISOR) else 1
    acc = np.zeros((parts, Cp // (nv * VW), offs.size // rt, rt * nv * VW), dtype=dtype)
    _weight_grad(xp, pos, offs, g, acc, nv)
    gw = (acc[0] if parts == 1 else acc.sum(axis=0)).reshape(Cp // (nv * VW), -1, rt, nv * VW)
    gw = gw.transpose(0, 3, 1, 2).reshape(Cp, -1)  # (channel, tap)
    return np.ascontiguousarray(gw[:C_out, :K]).reshape(weight_shape)
